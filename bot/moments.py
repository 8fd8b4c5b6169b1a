"""Read the moment a line is about (DOMAIN.md readings 4 and 11): right, or said back.

`read_moment(text, now, asker_zone, zone_words) -> Moment` reads "after 5pm Central",
"tonight", "tomorrow morning 9 ET", "Tue 1/5 9:15am", "4pm on 11/30", "jan 5 2027",
"2027-01-05T16:45:00Z", "2027-01-05 16:45 -07:00", "EOD", "in 90 minutes",
"2 hrs ago", "dead for 3 hrs", "ticket is 6 hours old", "since 7am", "on Thanksgiving".
The grammar is in `bot.timeread`; this module resolves its parts against now and a
zone, and refuses rather than guesses.

A Moment carries:
  at         the instant, in the asker's zone (pytz); now when nothing (or nothing
             readable) was said.
  stated     the line named a moment (False for "who handles ftp", and when refused).
  whole_day  a day without a clock time ("on Sunday", "jan 5 2027"): `at` is its midnight.
  zone       the IANA zone the line's wall-clock time was read in.
  past       the line speaks of the past (reported, since, ago, down for ...).
  spans      Span(start, end, text) of every part read, offsets into the text given.
  unread     Spans that look like a date, a time or a duration but were not read.
  problem    why the moment was refused although it was read: two different times,
             a future moment where the past is meant, a year outside 1970-2100.
`readable` is False when `unread` or `problem` is set; `refusal(moment)` is then the
honest Reply ("I could not read '25:99' ...") every surface gives instead of an answer.

Wall-clock times are localized with pytz, DST-safe: a time that does not exist (2:30 AM
on a spring-forward day) is moved forward by the gap (3:30 AM daylight time); a time that
happens twice (1:30 AM on a fall-back day) is the first one (daylight time). This is what
`zoneinfo` does with fold=0.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime
from functools import cache

import pytz

from bot import timeread
from bot.reply import Reply
from bot.timefmt import fmt_time
from bot.timeread import EVE_WORDS, HOLIDAY_WORDS, Part
from storage.limits import FIRST_YEAR, LAST_YEAR

_DAY = timedelta(days=1)
EXAMPLES = (
    "is the npsc open 11/30 at 4pm ET?",
    "who handles ftp tomorrow 9am?",
    "sev 1 bvoip down for 2 hours, who now?",
    "csr submitted 2026-11-20T14:30:00-06:00, can I escalate?",
    "is the lsc open at EOD Pacific?",
)
_NOW_DIFF = timedelta(minutes=1)  # "submitted just now" typed a few seconds late is not future


@dataclass(frozen=True)
class Span:
    """Where a part of the moment was read: offsets into the text, and that text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Moment:
    """The instant a line is about, in the asker's zone (fields: see the module docstring)."""

    at: datetime
    stated: bool
    whole_day: bool = False
    zone: str = ""
    past: bool = False
    spans: tuple[Span, ...] = ()
    unread: tuple[Span, ...] = ()
    problem: str = ""

    @property
    def readable(self) -> bool:
        return not self.unread and not self.problem

    @property
    def said(self) -> str:
        """The words the moment was read from, in order ("11/30 at 4pm")."""
        return " ".join(s.text for s in sorted(self.spans, key=lambda s: s.start))


# --- localizing --------------------------------------------------------------------------


def localize(zone: pytz.BaseTzInfo, naive: datetime) -> datetime:
    """`naive` wall-clock time in `zone`: a nonexistent time moves forward by the gap, an
    ambiguous one is its first occurrence (as zoneinfo's fold=0)."""
    try:
        return zone.localize(naive, is_dst=None)
    except pytz.NonExistentTimeError:
        return zone.normalize(zone.localize(naive, is_dst=False))
    except pytz.AmbiguousTimeError:
        return zone.localize(naive, is_dst=True)


def parse_instant(text: str, zone: str) -> datetime:
    """An ISO 8601 instant ("2026-11-23T10:00:00-06:00", "...Z", "2026-11-23 10:00",
    "2026-11-23"); one without an offset is read in `zone`. ValueError when it is not one."""
    t = " ".join(str(text).strip().lower().split())
    for kind, pattern, reader in timeread.RECOGNIZERS[:2] + (_ISO_DATE,):
        if (m := pattern.fullmatch(t)) is None:
            continue
        try:
            value = reader(m)
        except (timeread.Unreadable, ValueError):
            break
        y, mo, d, h, mi, s, offset = value if kind == "instant" else (*value, 0, 0, 0, None)
        if not FIRST_YEAR <= y <= LAST_YEAR:
            raise ValueError(f"{text!r} is outside {FIRST_YEAR}-{LAST_YEAR}")
        fraction = re.search(r":\d{2}[.,](\d{1,6})", m.group(0))  # "10:00:00.123456"
        naive = datetime(y, mo, d, h, mi, s, int(fraction[1].ljust(6, "0")) if fraction else 0)
        if offset is not None:
            return naive.replace(tzinfo=timezone(offset))
        return localize(pytz.timezone(zone), naive)
    raise ValueError(f"not an ISO 8601 instant: {text!r}")


_ISO_DATE = next(r for r in timeread.RECOGNIZERS if r[0] == "date")


# --- days ---------------------------------------------------------------------------------


@cache
def _holiday_dates(year: int) -> tuple[tuple[date, str], ...]:
    from bot.knowledge.hours import holidays_of  # the knowledge cache's table, else the US alone

    return tuple(sorted(holidays_of("US", year).items()))


def holiday_date(key: str, today: date, past: bool = False, observed: bool = False) -> date | None:
    """The next (or, reading the past, last) date of a named US holiday (or its eve); with
    `observed`, the weekday it is observed on (the day itself when it falls on one)."""
    name = HOLIDAY_WORDS[key]
    shift = timedelta(days=-1 if key in EVE_WORDS else 0)
    years = (today.year, today.year - 1) if past else (today.year, today.year + 1)
    found = [
        (_observed_on(d, name) if observed else d) + shift
        for year in years
        for d, label in _holiday_dates(year)
        if label.startswith(name) and "observed" not in label.lower()
    ]
    if past:
        found = [d for d in found if d <= today]
        return max(found) if found else None
    found = [d for d in found if d >= today]
    return min(found) if found else None


def _observed_on(day: date, name: str) -> date:
    """The day a holiday on a weekend is observed (the table's "(observed)" entry near it)."""
    near = (
        d
        for year in (day.year - 1, day.year, day.year + 1)
        for d, label in _holiday_dates(year)
        if label.startswith(name) and "observed" in label.lower() and abs((d - day).days) <= 3
    )
    return next(near, day)


def _yearless(month: int, day: int, today: date, past: bool) -> date:
    """A date named without a year: the next one (today included). Reading the past, this
    year's when it has come, else last year's, unless this year's is less than six months
    ahead: then this year's, which the caller refuses as a future moment (it is a typo or a
    misreading far more often than a report a year old)."""
    this = _date_or_next_leap(today.year, month, day)
    if past:
        if this <= today or (this - today).days < 183:
            return this
        return _date_or_next_leap(today.year - 1, month, day, back=True)
    return this if this >= today else _date_or_next_leap(today.year + 1, month, day)


def _date_or_next_leap(year: int, month: int, day: int, back: bool = False) -> date:
    """Feb 29 without a year: the nearest leap year's, that way."""
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            year += -1 if back else 1


def _nth_date(day: int, today: date, past: bool) -> date | None:
    """ "the 3rd": the next (reading the past, last) date with that day of the month."""
    step = -1 if past else 1
    y, m = today.year, today.month
    for _ in range(13):
        try:
            d = date(y, m, day)
        except ValueError:
            d = None
        if d and (d <= today if past else d >= today):
            return d
        m += step
        if m == 0:
            y, m = y - 1, 12
        if m == 13:
            y, m = y + 1, 1
    return None


def _weekday_date(wd: int, modifier: str, today: date, past: bool) -> date:
    if past or modifier in ("last", "past"):
        back = (today.weekday() - wd) % 7
        return today - timedelta(days=back or (7 if modifier in ("last", "past") else 0))
    ahead = (wd - today.weekday()) % 7
    if modifier in ("next", "coming") and ahead == 0:  # "this coming monday" said on a monday
        ahead = 7
    return today + timedelta(days=ahead)


def _bare_clock(clock: dtime, now: datetime, past: bool = False) -> dtime:
    """A clock time with no am/pm ("at 6", "4:45"): the next one on a 12-hour clock, or
    reading the past ("since 7:50"), the last one."""
    if not 1 <= clock.hour <= 12:
        return clock
    candidates = [clock.replace(hour=clock.hour % 12), clock.replace(hour=clock.hour % 12 + 12)]
    if past:
        earlier = [c for c in candidates if c <= now.time()]
        return earlier[-1] if earlier else candidates[-1]
    later = [c for c in candidates if c > now.time()]
    return later[0] if later else candidates[0]


# --- reading ------------------------------------------------------------------------------


class _Refused(Exception):
    """The moment was read but cannot be trusted; the message says why."""


def _beyond_years(said: str) -> str:
    """The refusal of a moment outside the years read (those storage keeps)."""
    return f"I could not read '{said}': I read dates from {FIRST_YEAR} to {LAST_YEAR}."


ARIZONA_ZONES = ("America/Phoenix", "US/Arizona", "MST")


def read_moment(text: str, now: datetime, asker_zone: str, zone_words: dict[str, str]) -> Moment:
    """The moment `text` (normalized; any case) is about; `now` is an aware datetime."""
    if not timeread.MAYBE_TIME.search(text):  # nothing time-like: now, said or not
        said_now = bool(timeread.NOW_WORDS.search(text.lower()))
        return Moment(now.astimezone(pytz.timezone(asker_zone)), said_now, zone=asker_zone)
    if asker_zone in ARIZONA_ZONES and "mst" in zone_words:
        # Arizona keeps Mountain Standard Time all year: its desks' "MST" is their own clock
        # (as Denver's, it would be an hour early all summer)
        zone_words = {**zone_words, "mst": asker_zone}
    scan = timeread.scan(text, zone_words)
    text = scan.low
    asker = pytz.timezone(asker_zone)
    spans = tuple(Span(p.start, p.end, p.text) for p in scan.parts if p.kind != "now")
    past = bool(timeread.PAST_WORDS.search(text)) or any(
        p.kind == "relative" and p.value < timedelta(0) for p in scan.parts
    )
    unread = tuple(Span(p.start, p.end, p.text) for p in scan.unread)
    try:
        zone = pytz.timezone(_zone(scan.parts) or asker_zone)
    except _Refused as refused:
        if not unread and (same := _same_instant(scan, text, now, asker, past)):
            return Moment(same[0].astimezone(asker), True, False, same[1], past, spans)
        return Moment(
            now.astimezone(asker), False, False, asker_zone, past, spans, unread, str(refused)
        )
    if unread:
        return Moment(now.astimezone(asker), False, False, zone.zone, past, spans, unread)
    try:
        at, stated, whole_day = _resolve(scan, text, now, zone, asker, past)
    except _Refused as refused:
        return Moment(now.astimezone(asker), False, False, zone.zone, past, spans, (), str(refused))
    if stated and not whole_day:
        at = _fold_by_abbreviation(scan.parts, at, zone)
    if stated and not FIRST_YEAR <= at.astimezone(zone).year <= LAST_YEAR:
        problem = _beyond_years(_said(spans))
        return Moment(now.astimezone(asker), False, False, zone.zone, past, spans, (), problem)
    return Moment(at.astimezone(asker), stated, whole_day, zone.zone, past, spans if stated else ())


def _same_instant(
    scan: timeread.Scan, text: str, now: datetime, asker: pytz.BaseTzInfo, past: bool
) -> tuple[datetime, str] | None:
    """'4pm ET / 3pm CT': one moment said in two zones, each clock next to its own zone. It
    is read when every pair names the same instant; otherwise the zone is asked about."""
    zones = [p for p in scan.parts if p.kind == "zone"]
    clocks = [p for p in scan.parts if p.kind == "clock"]
    # a zone goes with the clock right before it ("4pm et"), else the one right after it
    pairs = [
        (z, [c for c in clocks if 0 <= z.start - c.end <= 2]
         or [c for c in clocks if 0 <= c.start - z.end <= 2])
        for z in zones
    ]  # fmt: skip
    if len(clocks) != len(zones) or any(len(near) != 1 for _, near in pairs):
        return None
    if len({near[0] for _, near in pairs}) != len(clocks):
        return None
    others = [p for p in scan.parts if p.kind not in ("zone", "clock")]
    instants = []
    for zone_part, near in pairs:
        one = copy.copy(scan)
        one.parts = [*others, zone_part, near[0]]
        try:
            at, _, _ = _resolve(one, text, now, pytz.timezone(zone_part.value), asker, past)
        except _Refused:
            return None
        instants.append(at)
    if len({at.timestamp() for at in instants}) != 1:
        return None
    return instants[0], pairs[0][0].value


_STANDARD, _DAYLIGHT = {"est", "cst", "mst", "pst"}, {"edt", "cdt", "mdt", "pdt"}


def _fold_by_abbreviation(parts: list[Part], at: datetime, zone: pytz.BaseTzInfo) -> datetime:
    """'2026-11-01 01:30 CST': a wall time that happens twice is the one its abbreviation
    names (standard time: the second), not the first; other times are left as read."""
    said = {p.text.lower() for p in parts if p.kind == "zone"}
    if not said & (_STANDARD | _DAYLIGHT) or any(
        p.kind in ("relative", "offclock", "offset")
        or p.kind == "instant"
        and p.value[6] is not None
        for p in parts
    ):
        return at
    naive = at.astimezone(zone).replace(tzinfo=None)
    try:
        zone.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        return zone.localize(naive, is_dst=not said & _STANDARD)
    except pytz.NonExistentTimeError:
        pass
    return at


def _said(spans) -> str:
    return " ".join(s.text for s in sorted(spans, key=lambda s: s.start))


def _zone(parts: list[Part]) -> str | None:
    """The zone the line's times are in: the zone word next to a time, else the first one.
    Two different zones each next to a time is a question, not a reading."""
    zones = [p for p in parts if p.kind == "zone"]
    if not zones:
        return None
    times = [p for p in parts if p.kind not in ("zone", "now")]
    near = [z for z in zones if any(_adjacent(z, t) for t in times)]
    if len({z.value for z in near}) > 1:
        named = "' and '".join(z.text for z in near)
        raise _Refused(f"I could not read which zone you mean: '{named}'. Name one zone.")
    return (near or zones)[0].value


def _adjacent(a: Part, b: Part) -> bool:
    return a.end <= b.start <= a.end + 6 or b.end <= a.start <= b.end + 6


def _one(parts: list[Part], values: list) -> object:
    """The single value the parts agree on; two different ones are refused."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        named = "' and '".join(dict.fromkeys(p.text for p in parts))
        raise _Refused(f"I could not read one moment from '{named}': which did you mean?")
    return distinct[0] if distinct else None


@dataclass
class _Gathered:
    """What the parts say: the days and clock times named, a part of the day, an offset."""

    days: list[tuple[Part, date]]
    clocks: list[tuple[Part, tuple]]
    part_hour: int | None = None
    offset: timedelta | None = None
    explicit_day: bool = False  # a day was named other than "today"


def _resolve(
    scan: timeread.Scan,
    text: str,
    now: datetime,
    zone: pytz.BaseTzInfo,
    asker: pytz.BaseTzInfo,
    past: bool,
) -> tuple[datetime, bool, bool]:
    """(at, stated, whole_day) from the parts read, by readings 4 and 11."""
    by_kind: dict[str, list[Part]] = {}
    for p in scan.parts:
        by_kind.setdefault(p.kind, []).append(p)
    relatives = by_kind.get("relative", [])
    if relatives and "clock" in by_kind and all(_whole_days(p.value) for p in relatives):
        # "2 days ago at 9am", "in 3 days at noon": that day, at the time named
        by_kind["dayword"] = by_kind.get("dayword", []) + [
            Part("dayword", p.start, p.end, p.text, (p.value.days, None, "days")) for p in relatives
        ]
        relatives = by_kind.pop("relative")[:0]
    if relatives:
        return _relative(scan, relatives, now), True, False
    local_now = now.astimezone(zone)
    today = now.astimezone(asker).date()  # days are the asker's ("tomorrow 5pm ET")
    said = _gather(by_kind, today, past)
    day = _one([p for p, _ in said.days], [d for _, d in said.days])
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _Refused(_beyond_years(said.days[0][0].text))
    clock, day = _clock(said, day, local_now, past)
    if said.offset is not None and day is None:  # "16:45:12 -0500": the next (or last) one
        fixed = pytz.FixedOffset(int(said.offset.total_seconds()) // 60)
        return _placed(scan, by_kind, text, None, clock, now, fixed, past), True, False
    if said.offset is not None:  # a pasted instant with Z or an offset: exactly that instant
        at = datetime.combine(day, clock).replace(tzinfo=timezone(said.offset))
        return _checked_past(at, now, past, scan), True, False
    if clock is None:
        return _day_only(scan, by_kind, said, day, today, now, zone, past)
    return _placed(scan, by_kind, text, day, clock, now, zone, past), True, False


def _whole_days(delta: timedelta) -> bool:
    return bool(delta) and delta % _DAY == timedelta(0)


def _relative(scan: timeread.Scan, relatives: list[Part], now: datetime) -> datetime:
    """ "in 2 hours", "2 hrs ago", "down for 3h": elapsed time from now, alone (with "today"
    at most): a relative and a clock time together are two moments."""
    delta = _one(relatives, [p.value for p in relatives])
    others = [p for p in scan.parts if p.kind not in ("relative", "zone", "now", "part")]
    if any(not (p.kind == "dayword" and p.value[2] == "today") for p in others):
        _one(relatives + others, ["relative", "absolute"])
    try:
        return now.astimezone(UTC) + delta  # elapsed, not wall time
    except OverflowError:
        raise _Refused(_beyond_years(_said(relatives))) from None


def _gather(by_kind: dict[str, list[Part]], today: date, past: bool) -> _Gathered:
    """The days and clock times the parts name; a weekday with a date checks the date."""
    g = _Gathered([], [])
    offsets: list[tuple[Part, timedelta]] = []
    for p in by_kind.get("instant", []):
        y, mo, d, h, mi, s, off = p.value
        g.days.append((p, date(y, mo, d)))
        g.clocks.append((p, (h, mi, "explicit", s)))
        if off is not None:  # "z" is an offset of zero, not none
            offsets.append((p, off))
    for p in by_kind.get("offclock", []):  # "16:45:12 -0500"
        h, mi, s, off = p.value
        g.clocks.append((p, (h, mi, "explicit", s)))
        offsets.append((p, off))
    offsets += [(p, p.value) for p in by_kind.get("offset", [])]  # "16:45:12 GMT-0600"
    if offsets:
        g.offset = _one([p for p, _ in offsets], [off for _, off in offsets])
    year = _year_alone(by_kind)
    for p in by_kind.get("date", []):
        y, mo, d = p.value
        y = y or year
        g.days.append((p, _dated(p, y, mo, d) if y else _yearless(mo, d, today, past)))
    for p in by_kind.get("nth", []):
        if found := _nth_date(p.value, today, past):
            g.days.append((p, found))
    for p in by_kind.get("holiday", []):
        start, ahead = (date(year, 1, 1), False) if year else (today, past)  # that year's
        if found := holiday_date(p.value[0], start, ahead, observed=p.value[1]):
            g.days.append((p, found))
    g.explicit_day = bool(g.days)
    for p in by_kind.get("dayword", []):
        shift, hour, word = p.value
        g.days.append((p, today + timedelta(days=shift)))
        g.part_hour = hour if hour is not None else g.part_hour
        g.explicit_day = g.explicit_day or word != "today"
    for p in by_kind.get("weekday", []):
        wd, modifier, hour = p.value
        g.part_hour = hour if hour is not None else g.part_hour
        if g.days:  # "Tue 1/5": the weekday checks the date
            _check_weekday(p, wd, g.days[0])
            continue
        g.days.append((p, _weekday_date(wd, modifier, today, past)))
        g.explicit_day = True
    for p in by_kind.get("part", []):
        g.part_hour = p.value if g.part_hour is None else g.part_hour
    for shift in by_kind.get("shift", []):  # "the day after thanksgiving": the day named next
        following = [(p, d) for p, d in g.days if 0 <= p.start - shift.end <= 6]
        if not following:
            said = shift.text
            raise _Refused(f"I could not read '{said}': {said.removeprefix('the ')} which day?")
        g.days = [(p, _shifted(d, shift.value) if (p, d) == following[0] else d) for p, d in g.days]
    g.clocks += [(p, (*p.value[:3], (p.value[3:] or (0,))[0])) for p in by_kind.get("clock", [])]
    return g


def _shifted(day: date, shift: int | tuple[int, int]) -> date:
    """`day` moved by a number of days, or to the weekday (weekday, +1 after / -1 before) next
    to it: "the friday after thanksgiving" is the first Friday after that Thursday."""
    if isinstance(shift, int):
        return day + timedelta(days=shift)
    weekday, step = shift
    day += timedelta(days=step)
    while day.weekday() != weekday:
        day += timedelta(days=step)
    return day


def _year_alone(by_kind: dict[str, list[Part]]) -> int | None:
    """A year said apart from its date ("Mon Nov 23 07:05:22 CST 2026"): the year of the one
    date named without one; a year with no such date is asked about."""
    years = by_kind.get("year", [])
    if not years:
        return None
    yearless = [p for p in by_kind.get("date", []) if p.value[0] is None]
    yearless += by_kind.get("holiday", [])  # "christmas 2027"
    year = _one(years, [p.value for p in years])
    if len(yearless) != 1:
        raise _Refused(f"I could not read '{years[0].text}': the year of which date?")
    return year


def _dated(p: Part, y: int, mo: int, d: int) -> date:
    try:
        return date(y, mo, d)
    except ValueError:  # "feb 29 2027": no such day that year
        raise _Refused(f"I could not read '{p.text}': there is no such day in {y}.") from None


def _check_weekday(p: Part, wd: int, named: tuple[Part, date]) -> None:
    day = named[1]
    if day.weekday() != wd:
        raise _Refused(
            f"I could not read '{p.text} {named[0].text}': "
            f"{day.strftime('%b')} {day.day}, {day.year} is a {day.strftime('%A')}."
        )


def _clock(
    g: _Gathered, day: date | None, local_now: datetime, past: bool
) -> tuple[dtime | None, date | None]:
    """The clock time named (or the part of the day's), and the day it falls on."""
    value = _one([p for p, _ in g.clocks], [(c[0], c[1], c[3]) for _, c in g.clocks])
    if value is None:
        return (dtime(g.part_hour, 0) if g.part_hour is not None else None), day
    h, mi, s = value
    mode = next(c[2] for _, c in g.clocks)
    clock = dtime(h, mi, s)
    if mode == "bare" and g.part_hour is not None:  # "tonight at 9", "at 9 in the morning"
        clock = clock.replace(hour=h % 12 + (12 if g.part_hour >= 14 else 0))
    elif mode == "bare" and day not in (None, local_now.date()):
        clock = clock.replace(hour=h % 12 + (12 if 1 <= h % 12 <= 6 else 0) or 12)  # business
    elif mode == "bare":
        clock = _bare_clock(clock, local_now, past)
    evening = g.part_hour is not None and g.part_hour >= 18
    if evening and (clock.hour == 0 or mode == "bare" and h == 12):
        # "12am tonight", "tonight at 12": the midnight that ends the evening, not this morning's
        clock, mode = clock.replace(hour=0), "midnight"
    if mode == "midnight" and day is not None:  # "monday midnight": the end of monday
        day += _DAY
    return clock, day


def _day_only(
    scan: timeread.Scan,
    by_kind: dict[str, list[Part]],
    g: _Gathered,
    day: date | None,
    today: date,
    now: datetime,
    zone: pytz.BaseTzInfo,
    past: bool,
) -> tuple[datetime, bool, bool]:
    """A day with no clock time: the whole day; today named is now; nothing named is now."""
    if day is None or day == today and not g.explicit_day:
        return now, bool(by_kind.get("now")), False
    if day == today and not past:
        return now, True, False
    if past and day > today:
        _future(scan, f"{day.strftime('%a %b')} {day.day}", past)
    return localize(zone, datetime.combine(day, dtime(0, 0))), True, True


def _placed(
    scan: timeread.Scan,
    by_kind: dict[str, list[Part]],
    text: str,
    day: date | None,
    clock: dtime,
    now: datetime,
    zone: pytz.BaseTzInfo,
    past: bool,
) -> datetime:
    """A clock time on its day; with no day, the next one (reading the past: the last)."""
    local_now = now.astimezone(zone)
    zone_today = local_now.date()  # a clock time alone is the next one on the zone's clock
    at = localize(zone, datetime.combine(day or zone_today, clock))
    tonight = any(p.value[2] == "tonight" for p in by_kind.get("dayword", []))
    if tonight and at <= local_now and not past:
        return now  # "tonight" when it is already evening: now
    if day is not None:
        return _checked_past(at, now, past, scan)
    if timeread.AFTER_WORD.search(text) and at <= local_now and not past:
        return now  # "after 5pm" when it is already past 5 pm: now
    if past and at > local_now:
        yesterday = localize(zone, datetime.combine(zone_today - _DAY, clock))
        if timeread.SINCE_WORD.search(text) or now - yesterday < timedelta(hours=12):
            return yesterday  # "since 7am": the latest one not in the future
        _future(scan, fmt_time(at, _named(zone)), past)
    if not past and at <= local_now and not timeread.BEFORE_WORD.search(text):
        at = localize(zone, datetime.combine(zone_today + _DAY, clock))
    return at


def _checked_past(at: datetime, now: datetime, past: bool, scan: timeread.Scan) -> datetime:
    if past and at > now + _NOW_DIFF:
        _future(scan, fmt_time(at, _named(at.tzinfo)), past)
    return at


def _named(zone) -> pytz.BaseTzInfo | str:
    """A zone to say a time in: a pasted offset ("-05:00") has no name, so UTC."""
    return zone if getattr(zone, "zone", None) else "UTC"


def _future(scan: timeread.Scan, when: str, past: bool) -> None:
    said = _said(p for p in scan.parts if p.kind not in ("zone", "now"))
    raise _Refused(
        f"'{said}' reads as {when}, which is in the future, but you speak of the past: "
        "when was it? Say, for example, 'yesterday 4pm' or 'today 9am'."
    )


# --- saying it back -----------------------------------------------------------------------


def refusal(moment: Moment) -> Reply | None:
    """The honest reply for a moment that could not be read or trusted; None when it can."""
    if moment.readable:
        return None
    if moment.problem:
        reply = Reply("unreadable", moment.problem)
    else:
        quoted = " or ".join(f"'{s.text}'" for s in moment.unread)
        reply = Reply("unreadable", f"I could not read {quoted} as a date, a time or a duration.")
    reply.next_steps = ["Say the moment again in a form I read, and I will answer for it."]
    reply.examples = list(EXAMPLES)
    reply.data["unread"] = [s.text for s in moment.unread]
    return reply


def warm_up() -> None:
    """Compile the grammar and load this year's holidays before users are waiting."""
    now = datetime.now(pytz.utc)
    read_moment("thanksgiving 11/30 at 4pm et", now, "America/Chicago", {"et": "America/New_York"})


def moment_note(moment: Moment, zone: str, now: datetime | None = None) -> tuple[str, str]:
    """(label, note) for a headline: "Mon Nov 30, 4:00 PM CST" and "answered for ...";
    for a moment in the past, "counting from ...". A moment in another year than `now`'s
    names its year ("Tue Nov 30, 2027"), so a date read as next year's shows at a glance."""
    local = moment.at.astimezone(pytz.timezone(zone))
    other_year = now is not None and local.year != now.astimezone(local.tzinfo).year
    day = local.strftime("%a %b ") + str(local.day) + (f", {local.year}" if other_year else "")
    if moment.whole_day:
        if moment.past:  # a report with a day and no time: say where the count starts
            return day, f"counting from {day}, {_clock_label(local)}: no time was given"
        return day, f"answered for {day}, all day"
    label = f"{day}, {_clock_label(local)}"
    return label, f"{'counting from' if moment.past else 'answered for'} {label}"


def _clock_label(local: datetime) -> str:
    return f"{local.strftime('%I:%M %p').lstrip('0')} {local.tzname()}"
