"""The grammar of time as desks type it: text -> parts, each with the span it was read from.

`scan(text, zone_words)` finds every time-like part of a line (any case): ISO 8601
instants, numeric and named dates, weekdays, day words, holidays, clock times
(12- and 24-hour, noon, midnight, EOD/COB), relative moments ("in 90 minutes",
"2 hrs ago"), the age of a trouble ("down for 2h", "6 hours old"), zones; and,
after that, whatever still looks like a date, a time or a duration but could not
be read ("25:99", "13/45", "31st of smarch", "4ish pm"), so that nothing
time-like is dropped in silence. `bot.moments` turns the parts into one Moment.

The grammar is regular expressions run over a masked copy of the text: each
recognizer blanks what it consumed, so later ones (and the leftover scan) never
read the same characters twice, while spans stay offsets into the text given.
Patterns compile on first use (`Lazy`), and `MAYBE_TIME` lets a line with nothing
time-like skip them all, so a cold `clecbot ask "is the npsc open now"` pays nothing.
No parser library is involved: dateparser reads "13/45" as 2045-11-13 and
drops ISO offsets, the confident wrong answers this module exists to prevent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, cached_property
from typing import Any

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
PARTS_OF_DAY = {"morning": 9, "afternoon": 14, "evening": 18, "night": 20, "tonight": 20,
                "am": 9, "pm": 14}  # fmt: skip
# Day words as typed in a hurry ("tmw 8am", "yday 3pm"): the day they stand for.
DAY_WORDS = {
    "today": "today", "tday": "today", "2day": "today", "tonight": "tonight",
    "tonite": "tonight", "2nite": "tonight", "tomorrow": "tomorrow", "tmw": "tomorrow",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tomm": "tomorrow",
    "tomo": "tomorrow", "tomoro": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow",
    "tommorrow": "tomorrow", "tomorrw": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
    "yesterday": "yesterday", "yday": "yesterday", "yest": "yesterday",
    "yesterdy": "yesterday", "ysterday": "yesterday", "ystrdy": "yesterday",
}  # fmt: skip
EVE_WORDS = {"christmas eve": "Christmas", "xmas eve": "Christmas", "new year's eve": "New Year",
             "new years eve": "New Year", "new year eve": "New Year",
             "nye": "New Year"}  # fmt: skip
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
    # the same federal days by the other names desks use (each was dropped: answered for now)
    "turkey day": "Thanksgiving",
    "labour day": "Labor",
    "mlk": "Martin Luther King",
    "mlk jr day": "Martin Luther King",
    "martin luther king jr day": "Martin Luther King",
    "martin luther king jr. day": "Martin Luther King",
    "washington's birthday": "Washington",
    "washingtons birthday": "Washington",
    "veterans' day": "Veterans",
    "veteran's day": "Veterans",
    "indigenous peoples day": "Columbus",
    "indigenous peoples' day": "Columbus",
    "indigenous people's day": "Columbus",
}
UNIT_MINUTES = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60,
                "hrs": 60, "hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440,
                "wk": 10080, "wks": 10080, "week": 10080, "weeks": 10080}  # fmt: skip
WORD_AMOUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "fifteen": 15, "twenty": 20, "thirty": 30, "forty five": 45, "forty-five": 45,
                "ninety": 90, "a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2,
                "half an": 0.5, "half a": 0.5}  # fmt: skip
_UNITS_ORD = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth",
]  # fmt: skip
ORDINAL_WORDS = {
    **{w: i + 1 for i, w in enumerate(_UNITS_ORD)},
    "twentieth": 20, **{f"twenty {w}": 21 + i for i, w in enumerate(_UNITS_ORD[:9])},
    "thirtieth": 30, "thirty first": 31,
}  # fmt: skip
EXTRA_ZONES = {"utc": "UTC", "gmt": "UTC", "zulu": "UTC"}
DOTTED_ZONES = {"e": "America/New_York", "c": "America/Chicago", "m": "America/Denver",
                "p": "America/Los_Angeles"}  # fmt: skip


class Lazy:
    """A regular expression compiled on first use: the grammar costs a process nothing
    until a line that may hold a time is read (the cold start of `clecbot ask`)."""

    def __init__(self, pattern: str):
        self.pattern = pattern

    @cached_property
    def compiled(self) -> re.Pattern:
        return re.compile(self.pattern)

    def finditer(self, text: str):
        return self.compiled.finditer(text)

    def search(self, text: str, *args) -> re.Match | None:
        return self.compiled.search(text, *args)

    def match(self, text: str, *args) -> re.Match | None:
        return self.compiled.match(text, *args)

    def fullmatch(self, text: str) -> re.Match | None:
        return self.compiled.fullmatch(text)


# Every line the grammar can read or flag holds one of these (a superset: a match only
# means "scan it"); a line with none of them is about now, or no moment at all.
MAYBE_TIME = re.compile(
    r"\d|\b(?:today|tonight|tomorrow|yesterday|morning|afternoon|evening|night|noon|mid-?day|"
    r"mid-?night|eo[bdwmqy]|cob|end of|close of|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|"
    r"may|jun|jul|aug|sep|oct|nov|dec|thanksgiving|christmas|xmas|new year|nye|independence|labo|"
    r"easter|halloween|"
    r"memorial|mlk|martin|president|juneteenth|veterans|columbus|first|second|third|fourth|"
    r"fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|"
    r"sixteenth|seventeenth|eighteenth|nineteenth|twent|thirt|hour|minute|min|hr|day|week|wk|"
    r"ish|arvo|avo|q[1-4]|month|year|quarter|tm[wr]|tom|yday|yest|tonite|lunch|overnight|[ap]\.?m)|ish\b|"
    r"day|uary|mber|tober|gust|o'?clock|\b(?:at|to|past|after|till|til|half)\s+(?:one|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve)\b",
    re.IGNORECASE,
)
NOW_WORDS = re.compile(r"\b(?:right now|now|currently|at the moment|atm|at present|this minute)\b")

# --- building blocks ------------------------------------------------------------------------
_WD = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_UNIT = "|".join(sorted(UNIT_MINUTES, key=len, reverse=True))
_WORD_UNIT = "|".join(sorted((u for u in UNIT_MINUTES if len(u) > 1), key=len, reverse=True))
_WORD_AMOUNT = "|".join(sorted(WORD_AMOUNTS, key=len, reverse=True))
_HALF = r"(?:\s+and\s+a\s+half|\s+1/2|\s*\u00bd)"  # "2 and a half hours", "2 1/2 hrs", "2½h"
_CHUNK = (  # "2h", "90 minutes", "an hour", "4+ hrs" (words never run into a unit: "an d")
    rf"(?:\b\d+(?:\.\d+)?{_HALF}?(?:\s?\+)?\s*(?:{_UNIT})|\b(?:{_WORD_AMOUNT}){_HALF}?\s+"
    rf"(?:{_WORD_UNIT}))\b(?:\s?\+)?(?:\s+and\s+a\s+half)?"
)
_NOT_AFTER_UNIT = (
    r"(?!\s+(?:intervals?|increments?|blocks?|windows?|shifts?|periods?|cycles?|sla)\b)"
)
# "1:15 ago", "down for 01:20": hours and minutes; read as a duration only by the words around
_HMM = r"(?<![\d:.])\d{1,2}:[0-5]\d(?![\d:])(?!\s*[ap]\.?\s?m\b)"
DURATION = rf"(?:\d+h\d{{1,2}}m?\b|{_CHUNK}(?:,?\s*(?:and\s+)?{_CHUNK})*|{_HMM}){_NOT_AFTER_UNIT}"
_DURATION_PART = Lazy(
    rf"(?:\b(\d+(?:\.\d+)?)({_HALF})?(?:\s?\+)?\s*({_UNIT})|\b({_WORD_AMOUNT})({_HALF})?\s+({_WORD_UNIT}))"
    r"\b\+?(\s+and\s+a\s+half)?"
)
_UNITS_AHEAD = (
    rf"(?!\s*(?:{_UNIT}|business|x|%|percent|times|calls|tickets|levels|people|st|nd|rd|th)\b)"
)
# "at 3 sites", "at 2 different branches": a count of things, not a clock. A bare hour is
# a clock when what follows is not a plural noun or a word that goes with a count: "at 9
# tomorrow", "since 0745 aots ...", "remind me at 3 to call", "at 5 et", "at 9." are clocks.
_NOUN_AHEAD = (
    rf"(?!\s+(?:(?!(?:is|was|has|its|this|aots|us|plus|as|pls|thanks|thx|yes|unless|always|"
    rf"{_WD})\b)[a-z]+s\b|(?:different|separate|other|more|diff|additional|extra|people|of|"
    r"out|x)\b))"
)
_ORD = "|".join(sorted((w.replace(" ", "[ -]") for w in ORDINAL_WORDS), key=len, reverse=True))
# ", 2027", " '27"; the comma split off or not; "dec 1 0830" is a clock, not the year 830
_YEAR = r"(?:\s*,?\s+((?!0\d[0-5]\d\b)\d{4}|'\d{2})\b)?"
_RANGE_SIDE = r"\d{1,2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?"
_HOL = "|".join(re.escape(h) for h in sorted(HOLIDAY_WORDS, key=len, reverse=True))
_FILLER = r"(?:(?:for|about|around|roughly|approx|approximately|over|nearly|almost|like|now|the|"
_FILLER += r"last|past|already|at least|~)\s+)*"
TROUBLE = (
    r"down|dead|out|degraded|broken|failing|failed|been|waiting|pending|outstanding|"
    r"stuck|impaired|offline|unreachable|ongoing|going on|choppy|dropping|outage|aging|aged"
)
NOT_TIME_NOUNS = (
    r"level|levels|tier|tiers|party|point|line|attempt|escalation|time|times|call|floor|shift|"
    r"notice|request|try|quarter|ticket|gen|generation|option|day|business|round|place|reminder"
)


@dataclass(frozen=True)
class Part:
    """One time-like piece of the text: what it is, where it was, what it says."""

    kind: str
    start: int
    end: int
    text: str
    value: Any = None


class Unreadable(Exception):
    """A span that is plainly meant as a time but is not one ("25:99", "feb 30")."""


def duration(text: str) -> timedelta:
    """'2 hours 30 minutes', 'an hour and a half', '2 1/2 hrs', '1h30', '1:15' -> a timedelta."""
    text = text.strip()
    if m := re.fullmatch(r"(\d+)h(\d{1,2})m?", text):
        return timedelta(hours=int(m.group(1)), minutes=int(m.group(2)))
    if m := re.fullmatch(r"(\d{1,2}):([0-5]\d)", text):
        return timedelta(hours=int(m.group(1)), minutes=int(m.group(2)))
    minutes = 0.0
    for m in _DURATION_PART.finditer(text):
        amount = float(m.group(1)) if m.group(1) else WORD_AMOUNTS[m.group(4)]
        unit = UNIT_MINUTES[m.group(3) or m.group(6)]
        halves = bool(m.group(2) or m.group(5)) + bool(m.group(7))
        minutes += amount * unit + halves * unit / 2
    try:
        return timedelta(minutes=minutes)
    except OverflowError as exc:  # "99999999999h": longer than any calendar
        raise Unreadable(text) from exc


# --- recognizers: (kind, pattern, reader); readers return a value, None (not mine) or raise
def _iso(m: re.Match) -> tuple:
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.group(1, 2, 3, 4, 5, 6))
    _check_date(y, mo, d)
    _check_clock(h, mi, s)
    offset = None
    if m.group(7):
        offset = timedelta(0)
    elif m.group(8):
        sign = -1 if m.group(8).strip() == "-" else 1
        oh, om = int(m.group(9)), int(m.group(10) or 0)
        if oh > 14 or om > 59:
            raise Unreadable(m.group(0))
        offset = sign * timedelta(hours=oh, minutes=om)
    return (y, mo, d, h, mi, s, offset)


def _check_date(y: int | None, mo: int, d: int) -> None:
    from calendar import monthrange

    if not 1 <= mo <= 12 or not 1 <= d <= monthrange(y if y and y >= 1 else 2000, mo)[1]:
        raise Unreadable(f"{mo}/{d}")


def _check_clock(h: int, mi: int, s: int = 0) -> None:
    if h > 23 or mi > 59 or s > 59:
        raise Unreadable(f"{h}:{mi}")


def _year(text: str | None) -> int | None:
    if not text:
        return None
    digits = text.lstrip("'")
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _ymd(m: re.Match) -> tuple:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    _check_date(y, mo, d)
    return (y, mo, d)


def _mdy(m: re.Match) -> tuple:
    mo, d, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
    _check_date(y, mo, d)
    return (y, mo, d)


def _md_hyphen(m: re.Match) -> tuple | None:
    mo, d = int(m.group(1)), int(m.group(2))
    try:
        _check_date(None, mo, d)
    except Unreadable:
        return None  # "13-45" may be a range of anything: not claimed, not flagged
    return (None, mo, d)


def _day_number(text: str) -> int:
    """'5', '5th', 'fifth', 'twenty-first' -> 5, 5, 5, 21."""
    if text[0].isdigit():
        return int(text.rstrip("stndrh"))
    return ORDINAL_WORDS[text.replace("-", " ")]


def _month_day(m: re.Match) -> tuple | None:
    after = m.string[m.end() :]
    if m.group(1) == "may" and re.match(rf"\s+(?!(?:{_WD})\b)(?:people|[a-z]+s|day|hour)\b", after):
        return None  # "we may 5 people ...": the verb and a count
    mo = MONTHS[m.group(1)[:3]]
    d, y = _day_number(m.group(2)), _year(m.group(3))
    _check_date(y, mo, d)
    return (y, mo, d)


def _day_month(m: re.Match) -> tuple | None:
    if m.group(2) == "may" and re.fullmatch(r"\d{1,2}\s+may", m.group(0)):
        return None  # "2 may" is more often "tier 2 may ..." than the 2nd of May
    mo = MONTHS[m.group(2)[:3]]
    d, y = _day_number(m.group(1)), _year(m.group(3))
    _check_date(y, mo, d)
    return (y, mo, d)


def _nth(m: re.Match) -> int:
    d = int(m.group(1))
    if not 1 <= d <= 31:
        raise Unreadable(m.group(0))
    return d


def _clock12(m: re.Match) -> tuple:
    """'4pm', '4:30 p.m.', '730am', '04:45:12 PM' (seconds kept when pasted)."""
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    s = int(m.group(3) or 0) if m.re.groups == 4 else 0
    if not 1 <= h <= 12 or mi > 59 or s > 59:
        raise Unreadable(m.group(0))
    half = m.group(m.re.groups)
    h = (h % 12) + (12 if half == "p" else 0)
    return (h, mi, "explicit", s)


def _clock_offset(m: re.Match) -> tuple | None:
    """'16:45:12 -0500', '04:45:12 PM +0000', '16:45-05:00': a pasted clock with its UTC
    offset (RFC 2822, logs). Without seconds, am/pm or an attached offset it is not mine
    ("9:30 - 1130" is a range)."""
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    attached = m.group(8) is not None
    if not (m.group(3) or m.group(4) or attached):
        return None
    if m.group(4):
        if not 1 <= h <= 12:
            raise Unreadable(m.group(0))
        h = h % 12 + (12 if m.group(4) == "p" else 0)
    _check_clock(h, mi, s)
    sign, oh, om = (m.group(8), m.group(9), m.group(10)) if attached else m.group(5, 6, 7)
    if int(oh) > 14 or om not in ("00", "30", "45"):
        raise Unreadable(m.group(0))
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign.strip() == "-" else 1)
    return (h, mi, s, offset)


def _clock24(m: re.Match) -> tuple:
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    _check_clock(h, mi, s)
    # "11:30" is on a 12-hour clock (the next one); "09:30", "16:45" and "0:15" are 24-hour
    twelve_hour = 1 <= h <= 12 and not m.group(1).startswith("0")
    return (h, mi, "bare" if twelve_hour else "explicit", s)


NOT_A_MOMENT = object()  # a reader's answer for text that is consumed but names no moment


def _range(m: re.Match) -> object | None:
    """A range of clock times ("7:30-5", "8am-5pm"): said back, since it is not one moment;
    "8 to 5" is hours, not a moment ("open from 8 to 5" is not 8 o'clock); digits with a
    hyphen ("11-30", "8-5") are left to the date reader."""
    if re.search(r":|[ap]\.?m", m.group(0)):
        raise Unreadable(m.group(0))
    return NOT_A_MOMENT if re.search(r"\bto\b", m.group(0)) else None


def _military(m: re.Match) -> tuple:
    return (int(m.group(1)), int(m.group(2)), "explicit")


def _h_clock(m: re.Match) -> tuple:
    """'at 17h30', 'at 9h15', 'by 17h': a 24-hour clock written with an h."""
    h = int(m.group("h2") or m.group("h1"))
    return (h, int(m.group("m2") or m.group("m1") or 0), "explicit")


def _bare(m: re.Match) -> tuple | None:
    h = int(m.group("hour"))
    if 1 <= h <= 12:
        return (h, 0, "bare")
    if 13 <= h <= 23:
        return (h, 0, "explicit")
    return None


def _three_digits(m: re.Match) -> tuple:
    """'at 730', 'since 815': h:mm typed without the colon, on a 12-hour clock."""
    return (int(m.group(1)), int(m.group(2)), "bare")


MINUTE_WORDS = {"half": 30, "quarter": 15, "a quarter": 15, "five": 5, "ten": 10, "twenty": 20,
                "twenty five": 25, "twenty-five": 25}  # fmt: skip


def _past_to(m: re.Match) -> tuple | None:
    """'half past 4', 'quarter to 5', 'ten after 9', '20 minutes past 4': that clock time;
    a number of minutes needs 'past' or 'minutes' ("2 after 5" may be a count)."""
    words, minutes_said, rel, hour, half = m.group(1, 2, 3, 4, 5)
    words = " ".join(words.split())
    back = rel in ("to", "till", "til", "of", "before")
    if words.isdigit() and not (rel == "past" or minutes_said) or words == "half" and back:
        return None
    mi = MINUTE_WORDS[words] if not words.isdigit() else int(words)
    h = {"noon": 12, "midnight": 0}.get(hour)
    if h is None and not 1 <= (h := int(hour)) <= 12:
        raise Unreadable(m.group(0))
    if half:
        h = h % 12 + (12 if half == "p" else 0)
    if back:
        h, mi = (h - 1) % 24, 60 - mi
    explicit = half or hour in ("noon", "midnight")
    return (h if explicit or h else 12, mi, "explicit" if explicit else "bare")


def _shift(m: re.Match) -> int:
    """Days to move the day named next: 'the day after' +1, 'a week from' +7."""
    amount = WORD_AMOUNTS.get(m.group(1) or "a") or int(m.group(1))
    days = amount * (7 if m.group(2) and m.group(2).startswith("w") else 1)
    return -days if m.group(3) == "before" else days


def _weekday_shift(m: re.Match) -> tuple[int, int]:
    """'the friday after' -> (4, +1): the first Friday after the day named next."""
    return WEEKDAYS[m.group(1)], (-1 if m.group(2) == "before" else 1)


def _fixed(h: int) -> Callable[[re.Match], tuple]:
    return lambda m: (h, 0, "explicit")


def _part_hour(word: str | None) -> int | None:
    """'morning' -> 9, 'a.m.' -> 9, 'pm' -> 14; None for no part of the day."""
    return PARTS_OF_DAY[word.replace(".", "")] if word else None


def _weekday(m: re.Match) -> tuple:
    return (WEEKDAYS[m.group(2)], m.group(1) or "", _part_hour(m.group(3)))


def _dayword(m: re.Match) -> tuple:
    word, part = DAY_WORDS[m.group(1)], m.group(2)
    shift = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}[word]
    hour = _part_hour(part) if part else (20 if word == "tonight" else None)
    return (shift, hour, word)


# "at 9", "since 0745", "@5", "since about 9": the words that put a bare number on the clock
_PREP = (
    r"(?:\b(?:at|by|around|from|till|until|til|since|before|after)\s+|@\s*)"
    r"(?:(?:about|around|approx\.?|approximately|roughly|~)\s*)?"
)
_PART = r"(morning|afternoon|evening|night|a\.m\.?|am\b|p\.m\.?|pm\b)"
_DAYW = "|".join(sorted(DAY_WORDS, key=len, reverse=True))
_MINUTES = r"(half|a\s+quarter|quarter|twenty[- ]five|twenty|ten|five|[1-5]?\d)"

RECOGNIZERS: tuple[tuple[str, Lazy, Callable[[re.Match], Any]], ...] = tuple(
    (kind, Lazy(pattern), reader)
    for kind, pattern, reader in (
        # pasted instants first: "2027-01-05t16:45:00z", "2027-01-05 16:45 -07:00"
        (
            "instant",
            r"(?<![\d/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?:t|\s+|\s*@\s*|\s+at\s+)(\d{1,2}):(\d{2})"
            r"(?::(\d{2})(?:[.,]\d*)?)?(?!\s*[ap]\.?\s?m\b)(?!\d)"
            r"(?:\s?(z|utc|gmt)\b|\s?(\+\s?|-)(\d{2})(?::?(\d{2}))?(?![\d:]))?",
            _iso,
        ),
        (
            "instant",
            r"(?<!\d)(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})?(?:[.,]\d+)?"
            r"(?:(z)|([+-])(\d{2})(\d{2})?)?\b",
            _iso,
        ),
        # "a week from tuesday", "2 days after 11/30": the day named next, moved (read before
        # that day is consumed, so the words after it are still there to see)
        ("shift", r"\b(?:(?:the\s+)?day|(a|an|one|two|three|\d{1,2})\s+(days?|weeks?|wks?))\s+"
                  rf"(after|before|from)\b(?=\s*(?:$|[?.!,;)]|\d|(?:this\s+|next\s+)?(?:{_DAYW}|{_WD}|"
                  rf"{_HOL})\b|{_MONTH}))", _shift),  # "a week after the release" is an event
        # "the friday after thanksgiving", "monday before 12/25": that weekday next to the day
        ("shift", rf"\b(?:the\s+)?({_WD})\s+(after|before)\s+(?=(?:the\s+)?(?:{_HOL})\b|"
                  rf"{_MONTH}|\d{{1,2}}/\d{{1,2}})", _weekday_shift),
        # holidays by name, before dates ("4th of july" is the holiday, the next one)
        # ..."observed" said with it is the weekday it is observed on ("july 4th observed")
        ("holiday", rf"\b(?:(observed)\s+)?({_HOL})(?:\s+day)?(?:'s)?\b"
                    r"(?:(?:\s+holiday)?\s+\(?(observed)\b\)?)?",
         lambda m: (m.group(2), bool(m.group(1) or m.group(3)))),
        # a pasted clock with its offset: "Mon, 30 Nov 2026 16:45:12 -0500"
        (
            "offclock",
            r"(?<![\d:.])(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?"
            r"(?:\s*([ap])\.?\s?m\b\.?)?\s*(?:\s(\+\s?|-)(\d{2})(\d{2})|([+-])(\d{2}):(\d{2}))"
            r"(?![\d:])(?!\s*[ap]\.?\s?m\b)",
            _clock_offset,
        ),
        # "half past 4", "quarter to 5", "ten after 9"
        (
            "clock",
            rf"\b{_MINUTES}\s+(minutes?\s+)?(past|after|to|till|til|of|before)\s+"
            rf"(\d{{1,2}}|noon|midnight)(?![\d:/.-])(?:\s*([ap])\.?\s?m\b\.?)?{_UNITS_AHEAD}",
            _past_to,
        ),
        # a range of clock times is not one moment: "7:30-5", "8am-5"
        ("range", rf"(?<![\d:/.-]){_RANGE_SIDE}\s*(?:-|\u2013|to)\s*{_RANGE_SIDE}(?![\d:/-])",
         _range),
        # dates
        (
            "date",
            r"(?<![\d/.:-])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/:.-]|\s*[ap]\.?\s?m\b)",
            _ymd,
        ),
        ("date", r"(?<![\d/.:-])(\d{1,2})/(\d{1,2})(?:/(\d{1,4}))?(?![\d/:])", _mdy),
        # "23-nov-2026", "23-Nov-26", "30/Nov/26": ticket systems' day-month-year
        ("date", rf"(?<![\d/.:-])(\d{{1,2}})[-/]{_MONTH}[-/](\d{{4}}|\d{{2}})(?![\d/:-])",
         _day_month),
        ("date", r"(?<![\d/.:-])(\d{1,2})-(\d{1,2})-(\d{4})(?![\d/:-])", _mdy),  # 12-01-2026
        ("date", rf"(?<![\d/.:-])(1[0-2]|0?[1-9])-(\d{{2}})(?![\d/:-]){_UNITS_AHEAD}", _md_hyphen),
        # "nov 30th", but not the "nov 7" of "30th nov 7:30am"
        ("date", rf"\b{_MONTH}(?:\s+|-)(?:the\s+)?(\d{{1,2}}(?:st|nd|rd|th)?|{_ORD})\b"
                 rf"(?![:.]\d|\s*[ap]\.?\s?m\b|h\d){_YEAR}", _month_day),
        (
            "date",
            rf"\b(\d{{1,2}}(?:st|nd|rd|th)?|{_ORD})(?:\s+|-)(?:of\s+)?{_MONTH}(?![a-z]){_YEAR}",
            _day_month,
        ),
        ("nth", rf"\b(?:(?:on\s+)?the\s+|on\s+)(\d{{1,2}})(?:st|nd|rd|th)\b(?!\s*-|\s*ish|\s+of\b)"
                rf"(?!\s+(?:{NOT_TIME_NOUNS})\b)", _nth),
        # clock times
        ("clock", r"(?<![\d:.])(\d{1,2})([0-5]\d)\s*([ap])(?:\.?\s?m\b\.?|\b)", _clock12),  # 730am
        ("clock", r"(?<![\d:.])(\d{1,2})(?:[:.](\d{2}))?(?:[:.](\d{2})(?:[.,]\d*)?)?\s*([ap])"
                  r"\.?\s?m\b\.?", _clock12),
        ("clock", r"(?<![\d:.])(\d{1,2})(?::(\d{2}))?([ap])\b", _clock12),  # "7:30a", "4p"
        ("clock", rf"(?:{_PREP}|\b(?:opened|reported|submitted|logged|started|sent|received|"
                  rf"filed|created|went down|called in)\s+(?!20[0-2]\d\b))([01]\d|2[0-3])"
                  rf"([0-5]\d)\b{_NOUN_AHEAD}",
         _military),  # "at 0930", "opened 1645"
        ("clock", rf"{_PREP}([1-9])([0-5]\d)(?![\d:/.-]){_UNITS_AHEAD}(?![a-z]){_NOUN_AHEAD}",
         _three_digits),  # "at 730", "since 815"
        ("clock", rf"{_PREP}(?:(?P<h2>[01]\d|2[0-3])h(?P<m2>[0-5]\d)?|(?P<h1>[1-9])h"
                  rf"(?P<m1>[0-5]\d))\b", _h_clock),  # "at 17h30"
        ("clock", r"\b(?:12\s+)?(?:noon|midday|mid-day)\b", _fixed(12)),
        ("clock", r"\b(?:12\s+)?(?:midnight|mid-night)\b", lambda m: (0, 0, "midnight")),
        (
            "clock",
            r"\b(?:eod|cob|eob|end of (?:the )?(?:business )?day|close of business|"
            r"end of business(?: day)?)\b",
            _fixed(17),
        ),
        ("clock", r"(?<![\d:.])(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?![\d:])", _clock24),
        ("clock", r"(?<![\d:])([01]\d|2[0-3])([0-5]\d)\s*(?:h|hrs|hours)\b", _military),
        (
            "clock",
            rf"{_PREP}(?P<hour>\d{{1,2}})(?:\s*o'?clock)?(?![\d:/-]|\.\d)(?![a-z]){_UNITS_AHEAD}"
            rf"{_NOUN_AHEAD}",
            _bare,
        ),
        ("clock", r"\b(?P<hour>\d{1,2})\s*o'?clock\b", _bare),
        # days
        ("dayword", r"\b(?:the\s+)?day after (?:tomorrow|tmrw|tmw)\b",
         lambda m: (2, None, "tomorrow")),
        ("dayword", r"\b(?:the\s+)?day before yesterday\b", lambda m: (-2, None, "yesterday")),
        ("dayword", r"\blast\s+(night|evening)\b",
         lambda m: (-1, PARTS_OF_DAY[m.group(1)], "yesterday")),
        ("dayword", rf"\b({_DAYW})\b(?:\s+(?:in the\s+)?{_PART})?", _dayword),
        ("dayword", rf"\bthis\s+{_PART}", lambda m: (0, _part_hour(m.group(1)), "this")),
        # "the day after thanksgiving", "day before 12/24": a day from the day named
        (
            "weekday",
            rf"\b(?:(next|this|last|coming|past)\s+)?({_WD})s?\b,?(?:\s+{_PART})?",
            _weekday,
        ),
        ("part", r"\b(?:in the\s+|at\s+)?(morning|afternoon|evening|night)\b",
         lambda m: PARTS_OF_DAY[m.group(1)]),
        ("now", NOW_WORDS.pattern, lambda m: True),
    )
)  # fmt: skip

# A bare hour right after a day word or a part of the day: "tomorrow morning 9", "monday 8".
BARE_AFTER_DAY = Lazy(
    rf"\b(?:{_DAYW}|morning|afternoon|evening|night|{_WD})\s+(?P<hour>\d{{1,2}})"
    rf"(?![\d:/.-])(?![a-z]){_UNITS_AHEAD}"
)
# A 24-hour "hhmm" right after a day or a date: "sat 0830", "11/20 1400 et",
# "2026-11-30 0830", "nov 30 0830", "30 nov 2026 1400".
HHMM_AFTER_DAY = Lazy(
    rf"(?:\b(?:{_DAYW}|{_WD})|(?<![\d/])\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?"
    rf"|(?<![\d-])\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?[\s-]+{_MONTH}(?:[\s-]+\d{{4}})?)"
    rf",?\s+(?:at\s+|@\s*)?(?P<hhmm>(?:[01]\d|2[0-3])[0-5]\d)(?![\d:/.-])"
)
# A bare hour (or a 24-hour "0hmm") right before a day or a part of one: "open 8 tomorrow",
# "0730 monday", "8 this morning" (was the part's 9 AM, the 8 dropped).
BARE_BEFORE_DAY = Lazy(
    rf"(?<![\w:/.@#$+-])(?P<hour>\d{{1,2}}|0\d[0-5]\d)\s+(?:this\s+)?"
    rf"(?:{_DAYW}|{_WD}|morning|afternoon|evening)\b"
)
# ...unless the word before makes the number a count, a level or an id ("tier 2 monday")
COUNT_BEFORE = Lazy(
    r"\b(?:sev|severity|level|lvl|tier|option|opt|prompt|step|press|pon|ticket|tkt|case|btn|"
    r"aots|number|no|ext|room|floor|priority|p|code|reject|error|of|every|each|than|within|"
    r"under|over|only|all|the|my|our|these|those|another|next|last|first|for|in|about|to)\s*$"
)


def _hhmm(m: re.Match) -> tuple:
    hhmm = m.group("hhmm")
    return (int(hhmm[:2]), int(hhmm[2:]), "explicit")


def _hhmm_not_a_year(m: re.Match) -> tuple | None:
    """'12/24 1730' is a clock; '12/24 2026' the date's year (was 8:26 PM)."""
    said_year = re.search(r"\d{4}", m.string[m.start() : m.start("hhmm")])
    if m.group("hhmm").startswith("202") and not said_year:
        return None
    return _hhmm(m)


def _hhmm_not_an_id(m: re.Match) -> tuple | None:
    """'0900 ct' is a clock; 'pon 1234 ct' an id, and '2027 et' a year (said back)."""
    if COUNT_BEFORE.search(m.string[: m.start()]) or m.group("hhmm").startswith("202"):
        return None
    return _hhmm(m)


def _hour_before_day(m: re.Match) -> tuple | None:
    if COUNT_BEFORE.search(m.string[: m.start()]):
        return None
    said = m.group("hour")
    if len(said) == 4:
        return (int(said[:2]), int(said[2:]), "explicit")
    return (int(said), 0, "bare") if 1 <= int(said) <= 12 else None


DURATIONS_AT = 4  # after the pasted instants, shifts and holidays, before clocks and dates
# Things with digits that are not times: masked before anything is read.
NOT_TIME = Lazy(
    r"\b24\s*[x/]\s*7\b|\b7\s*x\s*24\b|\b\d+\s*x\s*\d+\b|\b[a-z]\d{3}\b|"
    rf"\b\d+(?:st|nd|rd|th)\s+(?:{NOT_TIME_NOUNS})\b|(?<![:\d])\b\d+-(?!ish\b)(?!{_MONTH}(?![a-z]))[a-z]+\b|"
    r"\b\d+\s+business\s+(?:days?|hours?)\b(?!\s+(?:ago|back|old))|\b24\s*(?:hours?|hrs?)\b|"
    r"(?<!\d )\b\d{1,2}/\d{1,2}\s+(?:of\s+)?(?:an?\s+)?(?:hours?|hrs?|days?|minutes?|mins?)\b"
)
# Durations are found once (one compiled pattern: cheap to import), then read by the words
# around them: the text before ends with one of these, or the text after starts with one.
DURATION_RE = Lazy(DURATION)
INTERVAL_BEFORE = Lazy(
    r"\b(?:every|each|per|within|under|than|up to|at least|at most|after|takes?|allow|allows|"
    r"wait|sla|interval|cadence|goal|limit|target|window|another|extra|additional|next|first)\s+"
    r"(?:of\s+|is\s+|about\s+|another\s+|the\s+(?:first|next)\s+)?$"
)
INTERVAL_AFTER = Lazy(r"\s+(?:a|per|each)\s+(?:day|week)\b")
AHEAD_BEFORE = Lazy(r"\bin\s+(?:about\s+|around\s+|roughly\s+)?$")
AHEAD_AFTER = Lazy(r"\s+from\s+now\b")
AGO_BEFORE = Lazy(r"(?:\b(?:about|around|roughly|over|almost|nearly|like)\s+|~\s*)$")
AGO_AFTER = Lazy(r"\s+(?:ago|back|before now|earlier)\b")
AGE_BEFORE = Lazy(
    rf"(?:\b(?:hard\s+)?(?:{TROUBLE})|\b(?:ticket|tkt|case|trouble|issue|it)\s+"
    rf"(?:has\s+been\s+|been\s+|is\s+)?open(?:ed)?|\bfor\s+the\s+(?:last|past))\s+{_FILLER}$"
)
AGE_AFTER = Lazy(r"\s+(?:now|already|so far|and counting|old)\b")
SHIFT_AFTER = Lazy(r"\s+(?:after|before|from)\s+(?!now\b)")
FOR_BEFORE = Lazy(r"\bfor\s+(?:about\s+)?$")
# Vague on purpose ("later today", "since lunch", "since the weekend", "early this morning"):
# said back before anything reads the day or the part of the day inside them.
VAGUE = Lazy(
    r"\b(?:later|earlier)\s+(?:today|tonight|tomorrow|this\s+(?:morning|afternoon|evening|week)|"
    r"in\s+the\s+(?:morning|afternoon|evening|day)|on\s+\w+|\w+day)\b|"
    r"\b(?:before|after|since|at|by|around|until|till|from)\s+(?:the\s+)?lunch(?:time)?\b|\b(?:before|after|since|until|till|from)\s+(?:the\s+|this\s+|last\s+)?"
    r"weekend\b|"
    r"\b(?:early|late|mid)[- ](?:(?:this|today|tomorrow|yesterday)\s+)?"
    r"(?:morning|afternoon|evening|night)\b|"
    # days named that are not US federal holidays: said back, never read as the weekday in
    # them ("good friday" was the coming Friday) nor dropped (the answer was for now)
    r"\b(?:good\s+friday|easter(?:\s+(?:sunday|monday))?|boxing\s+day|halloween|"
    r"valentine'?s?(?:\s+day)?|st\.?\s+patrick'?s?(?:\s+day)?|(?:mother|father)'?s\s+day|"
    r"cinco\s+de\s+mayo|election\s+day)\b|"
    r"\bweek\s+of\b|\bthe\s+week\s+(?:after|before)\b"  # were the holiday's own day
)
# ...and, of a trouble, how long it has lasted said loosely ("down all morning", "overnight")
TROUBLE_VAGUE = Lazy(r"\ball\s+(?:morning|afternoon|evening|night|day|weekend)\b|\bovernight\b")
# Still time-like after reading: said back to the asker, never dropped in silence.
LEFTOVERS = Lazy(
    r"\b(?:\d[\w:]*|noon|midnight|eod|cob|today|tonight|tomorrow|morning|evening|afternoon|"
    r"night|lunch|early|late|later|soon)\s*-?\s*ish\b(?:\s+[ap]\.?m\b)?|\bish\b|"
    r"\b(?:arvo|arvos|avo)\b|"
    r"\b(?:next|this|last|coming)\s+(?:week|weekend|month|year|quarter)\b|"
    r"\bend of (?:the )?(?:week|month|quarter|year)\b|\b(?:eow|eom|eoq|eoy)\b|"
    r"\bq[1-4]\s*(?:'?\d{2}|\d{4})\b|\b(?:in|by|during|for|end of)\s+q[1-4]\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)(?:\s+of\s+[a-z]+)?\b|"
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\S+)?|\b(?:19[7-9]\d|20\d\d|2100)\b|"
    r"\b(?:the\s+)?year\s+\d{1,5}\b|"  # "in the year 100", "year 3000": never dropped
    # a range of bare hours ("between 3 and 4", "from 3 to 4"), a filler before an hour
    # ("at like 3"): were dropped, and the answer was for now
    r"\b(?:between|from)\s+\d{1,2}(?::\d{2})?\s+(?:and|to|till|until|-)\s+\d{1,2}(?::\d{2})?\b|"
    r"\b(?:at|by|around)\s+(?:like|about|maybe|roughly|approx|approximately)\s+\d{1,2}\b|"
    r"\b\d+:\d+(?::\d+)?(?:\s*[ap]\.?m\b)?|"
    r"\b\d{1,4}/\d{1,4}(?:/\d{1,4})?\b|\b\d+\s*[ap]\.?\s?m\b\.?|"
    rf"\b{_MONTH}\s+\d+(?:st|nd|rd|th)?\b|\b\d+(?:st|nd|rd|th)?\s+(?:of\s+)?(?!may\b){_MONTH}(?![a-z])|"
    r"\b(?:at|@|since|until|till|by|around)\s+\d{3,4}\b|(?<![\d:/.-])\b(?:[01]\d|2[0-3])[0-5]\d\b(?![:/.-]\d)|"
    r"\b(?:in|on|by|during|until|since|before|after|early|late|mid|next|last|this|end of)\s+"
    r"(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|"
    r"\b(?:in|for|since|within)\s+(?:a few|few|several|some|many)\s+"
    r"(?:hours|minutes|days|hrs|mins)\b|"
    r"\b(?:a few|few|several|some|many)\s+(?:hours|minutes|days|hrs|mins)\s+(?:ago|back|old)\b|"
    r"\b\d+\s+business\s+(?:days?|hours?)\s+(?:ago|back|old)\b|"
    r"\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})\b|"  # "23.11.2026": which comes first is not said
    r"\bin\s+\d{1,3}(?=\s*(?:$|[,.;!?)]|(?:to|and|or|pls|please|then|thanks|thx)\b))|"  # "in 30"
    r"\b(?:\d+|an?|one|two|three|six|a couple of|a few|few|several)\s+(?:months?|years?|yrs?)"
    r"\s+(?:ago|old|back|from now)\b|\bin\s+(?:\d+|an?|one|two|a few|few)\s+months?\b|"
    r"\b\d{1,2}h[0-5]\d\b"  # "tomorrow 7h29" ("at 7h29" and "down 1h30" are read)
)
# Clocks written in ways the grammar does not read, flagged before it reads their parts:
# "at 7 30" was 7:00, the 30 dropped
SPLIT_CLOCK = Lazy(
    r"\b(?:at|by|around|from|till|until|since|before|after)\s+\d{1,2}\s+[0-5]\d\b"
    r"(?!\s*(?:min|mins|minutes|hours?|hrs?|h|m|secs?|seconds|days?|%))"
)
PAST_WORDS = Lazy(
    r"\b(since|ago|reported|submitted|sent|opened|started|went down|been down|down since|"
    r"called|phoned|rang|spoke|talked|"
    r"received|logged|filed|called in|last update|updated|went in|went out|sent in|sent over|"
    r"put in|turned in|came in|raised|placed|created|escalated|faxed|emailed|e-mailed|"
    r"requested|ordered|issued|happened|occurred|began|broke|failed|dropped|died)\b"
)
# A trouble described: "for 3 hours" then dates its report, and a duration left unread is
# said back rather than dropped.
TROUBLE_WORDS = Lazy(
    rf"\b({TROUBLE}|audio|calls?|outage|trouble|issue|problem|not working|no dial tone|"
    r"static|echo|latency|intermittent|unreachable)\b"
)
WORD = Lazy(r"\b[a-z]{5,12}\b")
LONG_NAMES = frozenset(
    [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "august", "september", "october", "november", "december",
    ]
)  # fmt: skip
YEAR_ALONE = Lazy(r"(?<![\d/.:-])\b(?:19[7-9]\d|20\d\d|2100)\b(?![\d/:-])")
UTC_OFFSET = Lazy(r"\b(?:utc|gmt)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?(?![\d:])")


def _utc_offset(m: re.Match) -> timedelta:
    """'GMT-0600' (JavaScript's Date), 'UTC+5:30', 'GMT+1': that offset from UTC."""
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes not in (0, 30, 45):
        raise Unreadable(m.group(0))
    return timedelta(hours=hours, minutes=minutes) * (-1 if m.group(1) == "-" else 1)


DOTTED_ZONE = Lazy(r"\b([ecmp])\.\s?(?:[sd]\.\s?)?t\.?(?![a-z])")  # "e.t.", "c.s.t."
ZULU = Lazy(r"\d(?P<z>\s?z)\b")
MILITARY_ZULU = Lazy(r"(?<![\d:])([01]\d|2[0-3])([0-5]\d)(?=\s?z\b)")
AFTER_WORD = Lazy(r"\b(after|past)\s+(?=\d|noon|midnight)")
BEFORE_WORD = Lazy(r"\bbefore\s+(?=\d|noon|midnight)")
SINCE_WORD = Lazy(r"\bsince\b")


class Scan:
    """The text, a masked copy of it (consumed characters blanked), and the parts read."""

    def __init__(self, text: str):
        self.text = text
        lowered = text.lower()
        self.low = lowered if len(lowered) == len(text) else text  # offsets must stay put
        self.mask = self.low
        self.parts: list[Part] = []
        self.unread: list[Part] = []

    def blank(self, start: int, end: int) -> None:
        self.mask = self.mask[:start] + " " * (end - start) + self.mask[end:]

    def add(self, kind: str, start: int, end: int, value: Any) -> None:
        self.parts.append(Part(kind, start, end, self.text[start:end].strip(), value))
        self.blank(start, end)

    def read(self, kind: str, pattern: Lazy, reader: Callable[[re.Match], Any]) -> None:
        for m in list(pattern.finditer(self.mask)):
            if self.mask[m.start() : m.end()] != self.low[m.start() : m.end()]:
                continue  # overlaps something already consumed
            try:
                value = reader(m)
            except (Unreadable, ValueError, OverflowError):
                self.unread.append(
                    Part("unread", m.start(), m.end(), self.text[m.start() : m.end()])
                )
                self.blank(m.start(), m.end())
                continue
            if value is NOT_A_MOMENT:
                self.blank(m.start(), m.end())
            elif value is not None:
                self.add(kind, m.start(), m.end(), value)

    def read_group(self, kind: str, pattern: Lazy, reader, group: str) -> None:
        """Like `read` over the text, consuming only the named group ("tomorrow 9": the 9)."""
        for m in list(pattern.finditer(self.low)):
            if self.mask[m.start(group) : m.end(group)] != m.group(group):
                continue
            value = reader(m)
            if value is not None:
                self.add(kind, m.start(group), m.end(group), value)


@cache
def _zone_pattern(words: tuple[str, ...]) -> re.Pattern:
    """Zone words, also right after a time ("09:00ct", "0900et")."""
    return re.compile(r"(?<![a-z])(" + "|".join(re.escape(w) for w in words) + r")\b")


@cache
def _hhmm_before_zone(words: tuple[str, ...]) -> Lazy:
    """'0900 ct', '1645et': a 24-hour hhmm that a zone follows is a clock."""
    zones = "|".join(re.escape(w) for w in words)
    return Lazy(rf"(?<![\w:/.#-])(?P<hhmm>(?:[01]\d|2[0-3])[0-5]\d)\s*(?:{zones})\b")


# "at 16.30", "tomorrow 09.30": a clock written with a dot, where a clock is meant; read as
# "16:30" (same length, so every span stays put). A dotted one anywhere else is said back.
DOTTED_CLOCK = Lazy(
    rf"(?:\b(?:at|@|by|until|till|til|since|from|before|after|{_DAYW}|{_WD})\s+|@)"
    r"(?:[01]?\d|2[0-3])(?P<dot>\.)[0-5]\d\b(?![.,]?\d)"
)
DOTTED_ELSEWHERE = Lazy(
    r"(?<![\d.$])(?<!\$ )\b(?:[01]?\d|2[0-3])\.[0-5]\d\b(?![.,]?\d)"
    r"(?!\s*(?:dollars?|usd|bucks|%|percent|per\b|each\b|a\s+(?:month|minute|line)))"
)


# An hour said in words where a clock is plain: "four pm", "half past four", "ten to nine";
# read as its digits (padded to the same length, so every span stays put).
_HOURS_SAID = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve")  # fmt: skip
HOUR_WORDS = {w: n for n, w in enumerate(_HOURS_SAID, 1)}
_HW = "|".join(sorted(HOUR_WORDS, key=len, reverse=True))
WORDED_HOUR = Lazy(
    rf"\b(?P<w>{_HW})(?=\s*(?:[ap]\.?\s?m\b|o'?clock\b))|"
    rf"\b(?:half|quarter|ten|five|twenty(?:[- ]five)?)\s+(?:past|after|to|till|til|before)\s+"
    rf"(?P<w2>{_HW})\b"
)
# "at four", "at half four" with nothing to say which four: said back, never dropped
WORDED_AT = Lazy(
    rf"\bat\s+(?:half\s+)?(?:{_HW})\b(?=\s*(?:$|[,.?!;]|(?:today|tomorrow|tonight|on|this|"
    r"et|ct|mt|pt|eastern|central|mountain|pacific)\b))"
)
# "next business day", "2 business days from now": a moment the reader does not count
BUSINESS_DAY_MOMENT = Lazy(
    r"\b(?:the\s+)?(?:next|following)\s+business\s+day\b|"
    r"\b\d+\s+business\s+days?\s+from\s+(?:now|today)\b"
)


def _worded_hours(low: str) -> str:
    for m in list(WORDED_HOUR.finditer(low)):
        group = "w" if m.group("w") else "w2"
        word = m.group(group)
        low = low[: m.start(group)] + str(HOUR_WORDS[word]).ljust(len(word)) + low[m.end(group) :]
    return low


def scan(text: str, zone_words: dict[str, str]) -> Scan:
    """Every time-like part of `text` (any case), and what looked like time but was not read."""
    s = Scan(text)
    for m in list(DOTTED_CLOCK.finditer(s.low)):
        at = m.start("dot")
        s.low = s.mask = s.low[:at] + ":" + s.low[at + 1 :]
    s.low = s.mask = _worded_hours(s.low)
    for pattern in (WORDED_AT, BUSINESS_DAY_MOMENT):
        for m in pattern.finditer(s.mask):
            s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()]))
            s.blank(m.start(), m.end())
    for m in list(NOT_TIME.finditer(s.mask)):
        s.blank(m.start(), m.end())
    for m in [*VAGUE.finditer(s.mask), *SPLIT_CLOCK.finditer(s.mask)]:
        s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()]))
        s.blank(m.start(), m.end())
    s.read("offset", UTC_OFFSET, _utc_offset)  # "GMT-0600", "UTC+05:30": before "gmt" is a zone
    words = {**zone_words, **EXTRA_ZONES}
    s.read(
        "zone",
        _zone_pattern(tuple(sorted(words, key=len, reverse=True))),
        lambda m: words[m.group(1)],
    )
    s.read("zone", DOTTED_ZONE, lambda m: DOTTED_ZONES[m.group(1)])  # "4pm e.t."
    s.read("clock", MILITARY_ZULU, _military)  # "1645z"
    s.read_group("zone", ZULU, lambda m: "UTC", "z")  # "16:45z": the military letter for UTC
    past = bool(PAST_WORDS.search(s.low) or TROUBLE_WORDS.search(s.low))
    if past:
        for m in TROUBLE_VAGUE.finditer(s.mask):
            s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()]))
            s.blank(m.start(), m.end())
    for i, (kind, pattern, reader) in enumerate(RECOGNIZERS):
        if i == DURATIONS_AT:
            _durations(s, past)
        s.read(kind, pattern, reader)
    s.read_group("clock", BARE_AFTER_DAY, _bare, "hour")
    s.read_group("clock", HHMM_AFTER_DAY, _hhmm_not_a_year, "hhmm")
    s.read_group("clock", BARE_BEFORE_DAY, _hour_before_day, "hour")
    if not any(p.kind in ("clock", "instant", "offclock") for p in s.parts):  # "2026 pt": a year
        zone_words = tuple(sorted(words, key=len, reverse=True))
        s.read_group("clock", _hhmm_before_zone(zone_words), _hhmm_not_an_id, "hhmm")
    s.read("year", YEAR_ALONE, lambda m: int(m.group(0)))  # "Mon Nov 23 07:05 CST 2026"
    for m in DOTTED_ELSEWHERE.finditer(s.mask):  # "open 16.30": a clock, or a price?
        s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()]))
    for m in LEFTOVERS.finditer(s.mask):
        s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()].strip()))
    if past:
        for m in DURATION_RE.finditer(s.mask):
            s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()].strip()))
    for m in WORD.finditer(s.mask):
        if _misspelt_day_or_month(m.group(0)):
            s.unread.append(Part("unread", m.start(), m.end(), text[m.start() : m.end()]))
    s.unread = _merged(s.unread, text)
    return s


def _misspelt_day_or_month(word: str) -> bool:
    """'wendsday', 'janurary', 'febuary': a day or a month the typo corrector missed, which
    would otherwise drop silently and leave the answer for the wrong day."""
    if len(word) < 5 or word in LONG_NAMES or word.removesuffix("s") in LONG_NAMES:
        return False
    return any(
        _distance(word, name) <= (2 if len(name) >= 7 else 1)
        for name in LONG_NAMES
        if name[0] == word[0] and abs(len(word) - len(name)) <= 2  # typos keep the first letter
    )


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from a to b."""
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def _durations(s: Scan, past: bool) -> None:
    """Durations by the words around them: an interval ("every 2 hours") is not a moment;
    "in 2 hours" and "2 hours from now" are ahead; "2 hours ago", "down for 2h", "6 hours
    old" date a report that long before now, and so does "for 2 hours" of a trouble."""
    for m in list(DURATION_RE.finditer(s.mask)):
        before, after = s.mask[: m.start()], s.mask[m.end() :]
        try:
            span = duration(m.group(0))
        except Unreadable:
            continue
        sign, b, a = 0, None, None
        if SHIFT_AFTER.match(after):  # "a week from tuesday": the day named, moved
            continue
        # "1:15" is a length only as "1:15 ago" or "down for 01:20"; else a clock ("at 1:15")
        worded = ":" not in m.group(0)
        if worded and ((b := INTERVAL_BEFORE.search(before)) or INTERVAL_AFTER.match(after)):
            s.blank(b.start() if b else m.start(), m.end())
            continue
        if worded and ((b := AHEAD_BEFORE.search(before)) or (a := AHEAD_AFTER.match(after))):
            sign = 1
        elif a := AGO_AFTER.match(after):
            sign, b = -1, AGO_BEFORE.search(before)
        elif worded and ((b := AGE_BEFORE.search(before)) or (a := AGE_AFTER.match(after))):
            sign, a = -1, a or AGE_AFTER.match(after)
        elif past and (b := FOR_BEFORE.search(before)):
            sign = -1
        if sign:
            start = b.start() if b else m.start()
            end = m.end() + (a.end() if a else 0)
            s.add("relative", start, end, sign * span)
        elif "/" in m.group(0):  # "takes 2 1/2 hours": a length of time, not Jan 2
            s.blank(m.start(), m.end())


def _merged(spans: list[Part], text: str) -> list[Part]:
    """Unread spans in order, neighbours (only spaces between) joined into one."""
    out: list[Part] = []
    for p in sorted(spans, key=lambda p: p.start):
        if out and not text[out[-1].end : p.start].strip():
            last = out.pop()
            end = max(last.end, p.end)
            p = Part("unread", last.start, end, text[last.start : end].strip())
        out.append(p)
    return out
