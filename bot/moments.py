"""Read the moment a question is about (DOMAIN.md reading 4).

"after 5pm Central", "at 6pm", "tonight", "tomorrow morning 9 ET",
"Saturday 10am Pacific", "on Thanksgiving", "in 3 hours", "right now",
"90 minutes ago", "since 8am". The zone word is taken out first and mapped to
an IANA zone (dateparser reads "CST" as a fixed offset, wrong half the year);
the rest is read in that zone's wall time and localized with pytz.

Our own patterns cover the phrasings desk staff use; dateparser (English only,
imported on first use) reads explicit calendar dates such as "dec 1" or
"11/30", so questions with no time expression never touch it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import cache

import holidays as holidays_lib
import pytz

WEEKDAY_WORDS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
PARTS_OF_DAY = {"morning": 9, "afternoon": 14, "evening": 18, "night": 20, "tonight": 20}
EVE_WORDS = {"christmas eve": "Christmas", "xmas eve": "Christmas", "new year's eve": "New Year",
             "new years eve": "New Year", "new year eve": "New Year"}  # fmt: skip
HOLIDAY_WORDS = {
    **EVE_WORDS,
    "thanksgiving": "Thanksgiving",
    "christmas": "Christmas",
    "xmas": "Christmas",
    "new year": "New Year",
    "new years": "New Year",
    "new year's": "New Year",
    "july 4th": "Independence",
    "4th of july": "Independence",
    "fourth of july": "Independence",
    "independence day": "Independence",
    "labor day": "Labor",
    "memorial day": "Memorial",
    "mlk day": "Martin Luther King",
    "martin luther king day": "Martin Luther King",
    "presidents day": "Washington",
    "presidents' day": "Washington",
    "president's day": "Washington",
    "juneteenth": "Juneteenth",
    "veterans day": "Veterans",
    "columbus day": "Columbus",
}
UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60,
         "hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440}  # fmt: skip

_WD = "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True))
_HOL = "|".join(re.escape(h) for h in sorted(HOLIDAY_WORDS, key=len, reverse=True))
_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z])|\d{1,2}:\d{2}|noon|midnight)"
_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"(?:,?\s+\d{4})?"
)
_DATE = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|{_MONTH})"
_AMOUNT = r"(?:\d+(?:\.\d+)?|an?|half an|one|two|three|four|five|six)"
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))

CLOCK_RE = re.compile(rf"(?:\b(?:at|@|by|around|from|till|until)\s+)?({_CLOCK})")
BARE_AT_RE = re.compile(r"\b(?:at|@|by|around)\s+(\d{1,2})(?![\d:/-])(?!\s*(?:hours|hrs|h|min))")
NOW_RE = re.compile(r"\b(right now|rn|now|currently|at the moment|atm|at present|this minute)\b")
AFTER_RE = re.compile(r"\b(after|past)\s+(?=\d|noon|midnight)")
BEFORE_RE = re.compile(r"\bbefore\s+(?=\d|noon|midnight)")
PAST_RE = re.compile(
    r"\b(since|ago|reported|submitted|sent|opened|started|went down|been down|down since|"
    r"received|logged|filed|called in|last update|updated)\b"
)
IN_RE = re.compile(rf"\bin\s+({_AMOUNT})\s*({_UNIT})\b")
AGO_RE = re.compile(rf"\b({_AMOUNT})\s*({_UNIT})\s+ago\b")
FOR_RE = re.compile(rf"\b(?:for|down)\s+(?:the\s+(?:last|past)\s+)?({_AMOUNT})\s*({_UNIT})\b")
HALF_HOUR_AGO_RE = re.compile(r"\b(half an hour|an hour and a half)\s+ago\b")
DAY_RE = re.compile(
    rf"\b(today|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening)|"
    rf"(?:next|this|last|coming)?\s*(?:{_WD})(?:\s+(?:morning|afternoon|evening|night))?)\b"
)
PART_RE = re.compile(r"\b(morning|afternoon|evening|night)\b")
HOLIDAY_RE = re.compile(rf"\b({_HOL})(?:\s+day)?(?:'s)?\b")
DATE_RE = re.compile(rf"\b({_DATE})\b")
_HALF_RE = re.compile(r"\d\s*(a\.?m\.?|p\.?m\.?)(?![a-z])")
WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@dataclass(frozen=True)
class Moment:
    """The instant a question is about, in the asker's zone.

    `stated` is False when the question named no time (then `at` is now).
    `whole_day` is True for "on Sunday", "on Thanksgiving": the day, not an instant.
    `zone` is the zone the question's time was stated in.
    """

    at: datetime
    stated: bool
    whole_day: bool = False
    zone: str = ""
    past: bool = False


def find_zone(text: str, zone_words: dict[str, str]) -> tuple[str | None, str]:
    """The first zone word in `text` and the text without it."""
    pattern = _zone_pattern(tuple(sorted(zone_words, key=len, reverse=True)))
    m = pattern.search(text)
    if not m:
        return None, text
    return zone_words[m.group(1)], text[: m.start()] + " " + text[m.end() :]


@cache
def _zone_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")


def _amount(word: str) -> float:
    if word == "half an":
        return 0.5
    return float(WORD_NUMBERS.get(word, word))


def _clock(text: str) -> dtime | None:
    text = text.replace(".", "").replace(" ", "")
    if text == "noon":
        return dtime(12, 0)
    if text == "midnight":
        return dtime(0, 0)
    m = re.match(r"(\d{1,2})(?::(\d{2}))?(am|pm)?$", text)
    if not m:
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return dtime(hour, minute)


def _bare_hour(hour: int, now: datetime, past: bool = False) -> dtime | None:
    """An hour with no am/pm ("at 6"): the next one on a 12-hour clock (the last, reading
    the past)."""
    if not 1 <= hour <= 12:
        return None
    return _bare_clock(dtime(hour, 0), now, past)


def _bare_clock(clock: dtime, now: datetime, past: bool = False) -> dtime:
    """A clock time with no am/pm ("4:45"): the next one on a 12-hour clock, or when
    reading the past ("since 7:50"), the last one."""
    if not 1 <= clock.hour <= 12:
        return clock
    candidates = [clock.replace(hour=clock.hour % 12), clock.replace(hour=clock.hour % 12 + 12)]
    if past:
        earlier = [c for c in candidates if c <= now.time()]
        return earlier[-1] if earlier else candidates[-1]
    later = [c for c in candidates if c > now.time()]
    return later[0] if later else candidates[0]


@cache
def _holiday_dates(year: int) -> tuple[tuple[date, str], ...]:
    return tuple(sorted(holidays_lib.country_holidays("US", years=year).items()))


def holiday_date(key: str, today: date, past: bool = False) -> date | None:
    """The next (or, reading the past, last) date of a named US holiday (or its eve)."""
    name = HOLIDAY_WORDS[key]
    shift = timedelta(days=-1 if key in EVE_WORDS else 0)
    years = (today.year, today.year - 1) if past else (today.year, today.year + 1)
    found = [
        d + shift
        for year in years
        for d, label in _holiday_dates(year)
        if label.startswith(name) and "observed" not in label.lower()
    ]
    if past:
        found = [d for d in found if d <= today]
        return max(found) if found else None
    found = [d for d in found if d >= today]
    return min(found) if found else None


def _weekday_date(phrase: str, today: date, past: bool) -> date:
    words = phrase.split()
    wd = WEEKDAY_WORDS[next(w for w in words if w in WEEKDAY_WORDS)]
    if past or words[0] == "last":
        back = (today.weekday() - wd) % 7
        return today - timedelta(days=back or (7 if words[0] == "last" else 0))
    ahead = (wd - today.weekday()) % 7
    if words[0] == "next" and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _day(phrase: str, today: date, past: bool) -> tuple[date, int | None]:
    """The date a day phrase names, and the hour its part of day implies."""
    part = next((PARTS_OF_DAY[w] for w in phrase.split() if w in PARTS_OF_DAY), None)
    if phrase.startswith("tomorrow"):
        return today + timedelta(days=1), part
    if phrase.startswith("yesterday"):
        return today - timedelta(days=1), part
    if phrase.startswith(("today", "this", "tonight")):
        return today, part
    return _weekday_date(phrase, today, past), part


@cache
def _dateparser():
    import dateparser  # slow to import: only questions with a calendar date pay for it

    return dateparser


def _calendar_date(phrase: str, today: date, past: bool) -> date | None:
    settings = {
        "RELATIVE_BASE": datetime.combine(today, dtime(12, 0)),
        "PREFER_DATES_FROM": "past" if past else "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    parsed = _dateparser().parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def warm_up() -> None:
    """Import dateparser and make its first (slow) parse, before users are waiting."""
    _calendar_date("dec 1", date(2026, 1, 1), False)


def read_moment(text: str, now: datetime, asker_zone: str, zone_words: dict[str, str]) -> Moment:
    """The moment `text` (lower-case, normalized) is about; `now` is an aware datetime."""
    asker = pytz.timezone(asker_zone)
    stated_zone, text = find_zone(text, zone_words)
    zone = pytz.timezone(stated_zone or asker_zone)
    local_now = now.astimezone(zone)
    past = bool(PAST_RE.search(text))

    def result(at: datetime, stated: bool = True, whole_day: bool = False) -> Moment:
        return Moment(at.astimezone(asker), stated, whole_day, zone.zone, past)

    if m := HALF_HOUR_AGO_RE.search(text):
        minutes = 30 if m.group(1).startswith("half") else 90
        return result(now - timedelta(minutes=minutes))
    if m := AGO_RE.search(text):
        return result(now - timedelta(minutes=_amount(m.group(1)) * UNITS[m.group(2)]))
    if m := IN_RE.search(text):
        return result(now + timedelta(minutes=_amount(m.group(1)) * UNITS[m.group(2)]))
    if past and (m := FOR_RE.search(text)):
        return result(now - timedelta(minutes=_amount(m.group(1)) * UNITS[m.group(2)]))

    day: date | None = None
    part_hour: int | None = None
    explicit_day = False
    if m := HOLIDAY_RE.search(text):
        day = holiday_date(m.group(1), local_now.date(), past)
        explicit_day = day is not None
    if day is None and (m := DATE_RE.search(text)):
        day = _calendar_date(m.group(1), local_now.date(), past)
        explicit_day = day is not None
        if day is not None:  # the date's digits are not a clock time
            text = text[: m.start()] + " " + text[m.end() :]
    if day is None and (m := DAY_RE.search(text)):
        day, part_hour = _day(" ".join(m.group(1).split()), local_now.date(), past)
        explicit_day = not m.group(1).startswith("today")
    if part_hour is None and (m := PART_RE.search(text)):
        part_hour = PARTS_OF_DAY[m.group(1)]

    clock = None
    if m := CLOCK_RE.search(text):
        clock = _clock(m.group(1))
        if clock and not _HALF_RE.search(m.group(1)) and ":" in m.group(1) and day is None:
            clock = _bare_clock(clock, local_now, past)
    elif m := BARE_AT_RE.search(text):
        clock = _bare_hour(int(m.group(1)), local_now, past)
    if clock is None and part_hour is not None:
        clock = dtime(part_hour, 0)
    elif clock and part_hour and part_hour >= 14 and clock.hour < 12 and not _HALF_RE.search(text):
        clock = clock.replace(hour=clock.hour + 12)  # "tonight at 11:30" is 11:30 pm

    if clock is None:
        if day is None or day == local_now.date() and not explicit_day:
            return result(now, stated=bool(NOW_RE.search(text)))
        if day == local_now.date() and not past:
            return result(now, whole_day=False)
        start = zone.localize(datetime.combine(day, dtime(0, 0)))
        return result(start, whole_day=True)

    target_day = day or local_now.date()
    at = zone.normalize(zone.localize(datetime.combine(target_day, clock)))
    if "tonight" in text and at <= local_now and not past:
        return result(now)  # "tonight" when it is already evening: now
    if day is None:
        if AFTER_RE.search(text) and at <= local_now:
            return result(now)  # "after 5pm" when it is already past 5 pm: now
        if past and at > local_now:
            at = zone.normalize(zone.localize(datetime.combine(target_day - _DAY, clock)))
        elif not past and at <= local_now and not BEFORE_RE.search(text):
            at = zone.normalize(zone.localize(datetime.combine(target_day + _DAY, clock)))
    return result(at)


_DAY = timedelta(days=1)
