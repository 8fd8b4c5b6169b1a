"""Conformance corpus for the time reader (DOMAIN.md readings 4 and 11).

Generated: forms x zones x dates x clock times, relative moments and ages of troubles
across both DST changes of 2026-2027 (2026-11-01, 2027-03-14), US federal holidays and
their observed days, weekends, midnight and year ends. Every expected instant is computed
here with plain `zoneinfo` arithmetic (fold=0: a time that does not exist moves forward by
the gap, a repeated one is its first occurrence), never with the reader's own helpers.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import timeread
from bot.knowledge.loader import load
from bot.moments import read_moment
from bot.understanding import understand

UTC = ZoneInfo("UTC")
ASKER = "America/Chicago"
# zone words as typed -> IANA zone; "" = no zone named (the asker's)
ZONE_WORDS = [
    ("et", "America/New_York"),
    ("eastern", "America/New_York"),
    ("ct", "America/Chicago"),
    ("central time", "America/Chicago"),
    ("mt", "America/Denver"),
    ("mountain", "America/Denver"),
    ("pt", "America/Los_Angeles"),
    ("pacific", "America/Los_Angeles"),
    ("arizona", "America/Phoenix"),
    ("", ASKER),
]
DATES = [
    date(2026, 11, 1),  # DST ends (Sunday)
    date(2027, 3, 14),  # DST starts (Sunday)
    date(2026, 11, 26),  # Thanksgiving
    date(2026, 11, 28),  # Saturday
    date(2026, 12, 25),  # Christmas (Friday)
    date(2026, 12, 31),  # year end
    date(2027, 1, 1),  # New Year's Day
    date(2027, 1, 18),  # MLK Day
    date(2027, 6, 18),  # Juneteenth observed (the 19th is a Saturday)
    date(2027, 7, 5),  # Independence Day observed (the 4th is a Sunday)
    date(2027, 12, 24),  # Christmas observed (the 25th is a Saturday)
    date(2027, 12, 31),  # New Year's Day 2028 observed (Friday)
]
CLOCKS = [  # as typed -> (hour, minute); "midnight" with a date is the end of that day
    ("midnight", (0, 0)),
    ("12am", (0, 0)),
    ("1:30am", (1, 30)),  # twice on 2026-11-01
    ("2:30 am", (2, 30)),  # not at all on 2027-03-14
    ("9am", (9, 0)),
    ("noon", (12, 0)),
    ("4pm", (16, 0)),
    ("4:30 p.m.", (16, 30)),
    ("16:45", (16, 45)),
    ("11:59pm", (23, 59)),
    ("eod", (17, 0)),
]
MONTHS = "january february march april may june july august september october november december"
MONTH_NAMES = MONTHS.split()
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
NOW_BEFORE_ALL = datetime(2026, 10, 20, 10, 0, tzinfo=ZoneInfo(ASKER))


def wall(day: date, hm: tuple[int, int], zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, *hm, tzinfo=ZoneInfo(zone))


DATED_FORMS = [
    lambda d, c, z: f"{d.month}/{d.day}/{d.year} {c} {z}",
    lambda d, c, z: f"{c} {z} on {d.month}/{d.day}/{d.year}",
    lambda d, c, z: f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year} at {c} {z}",
    lambda d, c, z: f"{d.day} {MONTH_NAMES[d.month - 1][:3]} {d.year} {c} {z}",
    lambda d, c, z: f"{d.year}-{d.month:02d}-{d.day:02d} {c} {z}",
    lambda d, c, z: f"{WEEKDAYS[d.weekday()]} {d.month}/{d.day}/{d.year % 100:02d} {c} {z}",
]


def dated_cases():
    for (form_no, form), d, (clock, hm), (word, zone) in itertools.product(
        enumerate(DATED_FORMS), DATES, CLOCKS, ZONE_WORDS
    ):
        # every date x clock x zone once, the form rotating
        if (DATES.index(d) + CLOCKS.index((clock, hm)) + ZONE_WORDS.index((word, zone))) % 6 != (
            form_no
        ):
            continue
        text = " ".join(form(d, clock, word).split())
        day = d + timedelta(days=1) if clock == "midnight" else d
        yield text, NOW_BEFORE_ALL, wall(day, hm, zone), False


def whole_day_cases():
    for d, (word, zone) in itertools.product(DATES, ZONE_WORDS):
        for text in (
            f"{d.month}/{d.day}/{d.year} {word}",
            f"{MONTH_NAMES[d.month - 1]} {d.day} {d.year}",
        ):
            expected = wall(d, (0, 0), zone if word in text else ASKER)
            yield " ".join(text.split()), NOW_BEFORE_ALL, expected, True


OFFSETS = [
    ("z", 0),
    ("+00:00", 0),
    ("-05:00", -300),
    ("-0600", -360),
    ("-07", -420),
    ("+05:30", 330),
]


def iso_cases():
    for d, (hh, mm) in itertools.product(DATES, [(0, 0), (1, 30), (2, 30), (23, 59)]):
        for sep, (suffix, minutes) in zip(("t", " ", "t", " ", "t", " "), OFFSETS, strict=True):
            text = f"{d.isoformat()}{sep}{hh:02d}:{mm:02d}:00{suffix}"
            naive = datetime(d.year, d.month, d.day, hh, mm)
            expected = (naive - timedelta(minutes=minutes)).replace(tzinfo=UTC)
            yield text, NOW_BEFORE_ALL, expected, False
        # no offset: the zone named, else the asker's
        for word, zone in ZONE_WORDS[::3]:
            text = " ".join(f"{d.isoformat()} {hh:02d}:{mm:02d} {word}".split())
            yield text, NOW_BEFORE_ALL, wall(d, (hh, mm), zone), False


MON = [m[:3].title() for m in MONTH_NAMES]
DOW = [w.title() for w in WEEKDAYS]
STAMPS = [  # ticket systems' stamps: (form, the seconds it carries); c = (hour, minute)
    (lambda d, c: f"{d.isoformat()} {c[0]:02d}:{c[1]:02d}:12", 12),  # ServiceNow
    (lambda d, c: f"{d.month:02d}/{d.day:02d}/{d.year} {ampm(c, 2)}:{c[1]:02d}:12 {ampm(c)}", 12),
    (lambda d, c: f"{d.month}/{d.day}/{d.year}, {ampm(c, 1)}:{c[1]:02d} {ampm(c)}", 0),  # SFDC
    (lambda d, c: f"{d.day:02d}/{MON[d.month - 1]}/{d.year % 100:02d} {ampm(c, 1)}:{c[1]:02d} "
                  f"{ampm(c)}", 0),  # Jira
    (lambda d, c: f"{DOW[d.weekday()]} {d.month}/{d.day}/{d.year} {ampm(c, 1)}:{c[1]:02d} "
                  f"{ampm(c)}", 0),  # Outlook
    (lambda d, c: f"{d.day:02d}-{MON[d.month - 1].upper()}-{d.year % 100:02d} "
                  f"{ampm(c, 2)}.{c[1]:02d}.12.000000 {ampm(c)}", 12),  # Oracle
    (lambda d, c: f"{DOW[d.weekday()]} {MON[d.month - 1]} {d.day} {c[0]:02d}:{c[1]:02d}:12 "
                  f"{d.year}", 12),  # date(1)
]  # fmt: skip
RFC_OFFSETS = [("-0500", -300), ("-0600", -360), ("+0000", 0), ("-0700", -420), ("+0530", 330)]


def ampm(c: tuple[int, int], width: int = 0) -> str:
    """The 12-hour clock's hour (zero-padded to width), or its AM/PM when width is 0."""
    if not width:
        return "AM" if c[0] < 12 else "PM"
    return f"{(c[0] % 12) or 12:0{width}d}"


def stamp_cases():
    """Stamps as ticket systems paste them, in every zone; RFC 2822 with its offset."""
    clocks = [(0, 5), (1, 30), (2, 30), (9, 0), (12, 45), (16, 45), (23, 59)]
    for i, (d, c) in enumerate(itertools.product(DATES, clocks)):
        form, seconds = STAMPS[i % len(STAMPS)]
        word, zone = ZONE_WORDS[i % len(ZONE_WORDS)]
        text = " ".join(f"{form(d, c)} {word}".split())
        yield text, NOW_BEFORE_ALL, wall(d, c, zone) + timedelta(seconds=seconds), False
        sign, minutes = RFC_OFFSETS[i % len(RFC_OFFSETS)]
        rfc = f"{DOW[d.weekday()]}, {d.day} {MON[d.month - 1]} {d.year} {c[0]:02d}:{c[1]:02d}:12"
        naive = datetime(d.year, d.month, d.day, *c, 12) - timedelta(minutes=minutes)
        yield f"{rfc} {sign}", NOW_BEFORE_ALL, naive.replace(tzinfo=UTC), False


NOWS = [  # instants around the DST changes, year ends and midnight, in the asker's zone
    datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo(ASKER)),
    datetime(2026, 11, 1, 0, 45, tzinfo=ZoneInfo(ASKER)),
    datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo(ASKER)),
    datetime(2027, 3, 14, 1, 15, tzinfo=ZoneInfo(ASKER)),
    datetime(2027, 3, 14, 3, 5, tzinfo=ZoneInfo(ASKER)),
    datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo(ASKER)),
    datetime(2027, 1, 1, 0, 10, tzinfo=ZoneInfo(ASKER)),
    datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo(ASKER)),
]
AHEAD = [("in 90 minutes", 90), ("in 2 hrs", 120), ("in 45 min", 45), ("in an hour", 60),
         ("in half an hour", 30), ("in 1.5 hours", 90), ("in 3 days", 4320)]  # fmt: skip
BEHIND = [("2 hrs ago", 120), ("an hour ago", 60), ("half an hour ago", 30),
          ("90 minutes ago", 90), ("dead for 3 hrs", 180), ("degraded 90 minutes now", 90),
          ("ticket is 6 hours old", 360), ("down for 2h", 120), ("been down 45 min", 45),
          ("site down for the last 4 hours", 240), ("down 1h30", 90)]  # fmt: skip


def relative_cases():
    for now in NOWS:
        for text, minutes in AHEAD:
            yield text, now, (now.astimezone(UTC) + timedelta(minutes=minutes)), False
        for text, minutes in BEHIND:
            yield text, now, (now.astimezone(UTC) - timedelta(minutes=minutes)), False


def next_clock(now: datetime, hm: tuple[int, int], zone: str) -> datetime:
    """The next wall-clock hm in zone strictly after now (reading 4: "at 6pm")."""
    local = now.astimezone(ZoneInfo(zone))
    today = wall(local.date(), hm, zone)
    ahead = today.timestamp() > now.timestamp()  # instants: same-zone == and > are wall-clock
    return today if ahead else wall(local.date() + timedelta(days=1), hm, zone)


def last_clock(now: datetime, hm: tuple[int, int], zone: str) -> datetime:
    """The latest wall-clock hm in zone not after now (reading 11: "since 7am")."""
    local = now.astimezone(ZoneInfo(zone))
    today = wall(local.date(), hm, zone)
    behind = today.timestamp() <= now.timestamp()
    return today if behind else wall(local.date() - timedelta(days=1), hm, zone)


def clock_only_cases():
    clocks = [("at 4pm", (16, 0)), ("at 9:15am", (9, 15)), ("at 1:30am", (1, 30)),
              ("at 2:30am", (2, 30)), ("at midnight", (0, 0)), ("at 18:45", (18, 45)),
              ("at noon", (12, 0)), ("at 07:30", (7, 30))]  # fmt: skip
    for now, (text, hm), (word, zone) in itertools.product(NOWS, clocks, ZONE_WORDS[::2]):
        yield " ".join(f"{text} {word}".split()), now, next_clock(now, hm, zone), False
    for now, (text, hm) in itertools.product(NOWS, [("since 7am", (7, 0)), ("since 11pm", (23, 0)),
                                                     ("down since 12:30am", (0, 30))]):  # fmt: skip
        yield text, now, last_clock(now, hm, ASKER), False


def day_word_cases():
    for now in NOWS:
        local = now.astimezone(ZoneInfo(ASKER)).date()
        tomorrow = local + timedelta(days=1)
        yield "tomorrow 9am", now, wall(tomorrow, (9, 0), ASKER), False
        yield "tomorrow at 5:45 pm et", now, wall(tomorrow, (17, 45), "America/New_York"), False
        yield "tomorrow eod pacific", now, wall(tomorrow, (17, 0), "America/Los_Angeles"), False
        yield "tomorrow", now, wall(tomorrow, (0, 0), ASKER), True
        for wd in range(7):
            ahead = (wd - local.weekday()) % 7
            day = local + timedelta(days=ahead)
            name = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][
                wd
            ]
            yield f"{name} 10am", now, wall(day, (10, 0), ASKER), False
            yield (
                f"next {name} 8am",
                now,
                wall(day + timedelta(days=7 if ahead == 0 else 0), (8, 0), ASKER),
                False,
            )


def yearless_cases():
    """A date with no year: the next one, today included."""
    for now in NOWS:
        local = now.astimezone(ZoneInfo(ASKER)).date()
        for d in DATES:
            candidate = date(local.year, d.month, d.day)
            if candidate < local:
                candidate = date(local.year + 1, d.month, d.day)
            yield f"{d.month}/{d.day} at 4pm", now, wall(candidate, (16, 0), ASKER), False
            yield (
                f"{MONTH_NAMES[d.month - 1][:3]} {d.day} 9am",
                now,
                wall(candidate, (9, 0), ASKER),
                False,
            )


HOLIDAYS = [  # name as typed -> the holiday's own date, by year
    ("thanksgiving", {2026: date(2026, 11, 26), 2027: date(2027, 11, 25)}),
    ("christmas", {2026: date(2026, 12, 25), 2027: date(2027, 12, 25)}),
    ("christmas eve", {2026: date(2026, 12, 24), 2027: date(2027, 12, 24)}),
    ("new year's day", {2027: date(2027, 1, 1), 2028: date(2028, 1, 1)}),
    ("mlk day", {2027: date(2027, 1, 18), 2028: date(2028, 1, 17)}),
    ("july 4th", {2027: date(2027, 7, 4)}),
    ("labor day", {2027: date(2027, 9, 6)}),
]


def holiday_cases():
    for now in NOWS[::2]:
        local = now.astimezone(ZoneInfo(ASKER)).date()
        for name, by_year in HOLIDAYS:
            day = min(d for d in by_year.values() if d >= local)
            yield f"{name} at 10am", now, wall(day, (10, 0), ASKER), False
            if day == local:  # a day named that is today: now (reading 4)
                yield f"on {name}", now, now, False
            else:
                yield f"on {name}", now, wall(day, (0, 0), ASKER), True


def hurried_cases():
    """Days and clocks as typed in a hurry, at every now: slang days, quarter/half past,
    hhmm without a colon, an hour before its day, N days ago at a time."""
    for now in NOWS:
        local = now.astimezone(ZoneInfo(ASKER)).date()
        tomorrow, yesterday = local + timedelta(days=1), local - timedelta(days=1)
        yield "tmw 4pm", now, wall(tomorrow, (16, 0), ASKER), False
        yield "tmrw @ 7:30am et", now, wall(tomorrow, (7, 30), "America/New_York"), False
        yield "8 tomorrow", now, wall(tomorrow, (8, 0), ASKER), False
        yield (
            "sat am",
            now,
            wall(local + timedelta(days=(5 - local.weekday()) % 7), (9, 0), ASKER),
            False,
        )
        yield "reported yday 9am", now, wall(yesterday, (9, 0), ASKER), False
        yield "reported last night at 11", now, wall(yesterday, (23, 0), ASKER), False
        yield (
            "reported 2 days ago at 9am",
            now,
            wall(local - timedelta(days=2), (9, 0), ASKER),
            False,
        )
        yield "tomorrow at quarter to 5 pm", now, wall(tomorrow, (16, 45), ASKER), False
        yield (
            "tomorrow at half past 9 am pt",
            now,
            wall(tomorrow, (9, 30), "America/Los_Angeles"),
            False,
        )
        yield "tomorrow 730am", now, wall(tomorrow, (7, 30), ASKER), False
        yield "tomorrow at 17h30", now, wall(tomorrow, (17, 30), ASKER), False
        yield "down since 0745 ct aots", now, last_clock(now, (7, 45), ASKER), False
        latest = max(last_clock(now, (7, 45), ASKER), last_clock(now, (19, 45), ASKER))
        yield "down since 745", now, latest, False  # no am/pm: the latest on a 12-hour clock
        yield "site down for 2 1/2 hrs", now, now.astimezone(UTC) - timedelta(minutes=150), False
        yield (
            "down for 1 hour and 20 minutes",
            now,
            now.astimezone(UTC) - timedelta(minutes=80),
            False,
        )
        yield "reported 1:15 ago", now, now.astimezone(UTC) - timedelta(minutes=75), False
        yield "down 4+ hrs", now, now.astimezone(UTC) - timedelta(hours=4), False
        yield "4pm et / 3pm ct", now, next_clock(now, (15, 0), ASKER), False  # one moment
        yield "at 16:45:00 -0500", now, next_clock(now, (16, 45), "Etc/GMT+5"), False
        yield "reported 07:45:00 gmt+0530", now, last_clock(now, (7, 45), "Asia/Kolkata"), False
        yield "a week from tomorrow", now, wall(tomorrow + timedelta(days=7), (0, 0), ASKER), True
        yield "0900 et tomorrow", now, wall(tomorrow, (9, 0), "America/New_York"), False


ASKERS = ["America/New_York", "America/Denver", "America/Los_Angeles", "America/Phoenix"]


def asker_cases():
    """The same lines asked from other zones: no zone named means the asker's."""
    for asker, now in itertools.product(ASKERS, NOWS):
        local = now.astimezone(ZoneInfo(asker)).date()
        yield "tomorrow 9am", now, wall(local + timedelta(days=1), (9, 0), asker), False, asker
        yield "at 4pm", now, next_clock(now, (16, 0), asker), False, asker
        yield "at 1:30am", now, next_clock(now, (1, 30), asker), False, asker
        yield "eod", now, next_clock(now, (17, 0), asker), False, asker
        yield "since 7am", now, last_clock(now, (7, 0), asker), False, asker
        yield "at 4pm ct", now, next_clock(now, (16, 0), ASKER), False, asker
        for d in DATES[::2]:
            text = f"{d.month}/{d.day}/{d.year} 4:30pm"
            yield text, now, wall(d, (16, 30), asker), False, asker
            text = f"{d.isoformat()}T22:15:00Z"
            yield text, now, datetime(d.year, d.month, d.day, 22, 15, tzinfo=UTC), False, asker


GROUPS = {  # one test per group: a failure lists every line of it that was read wrong
    "asked from each zone": list(asker_cases()),
    "dates with clock times": list(dated_cases()),
    "whole days": list(whole_day_cases()),
    "ISO 8601": list(iso_cases()),
    "relative and ages": list(relative_cases()),
    "clock times alone": list(clock_only_cases()),
    "day words": list(day_word_cases()),
    "dates without a year": list(yearless_cases()),
    "holidays": list(holiday_cases()),
    "ticket system stamps": list(stamp_cases()),
    "typed in a hurry": list(hurried_cases()),
}
GROUPS = {  # (text, now, expected, whole day, asker)
    name: [c if len(c) == 5 else (*c, ASKER) for c in cases] for name, cases in GROUPS.items()
}
CASES = [case for cases in GROUPS.values() for case in cases]


def misread(text, now, expected, whole_day, asker, moment) -> str | None:
    """What is wrong with a moment read, or None."""
    if not moment.readable:
        return f"refused: {moment.unread} {moment.problem}"
    # compared as instants: Python never calls a repeated or skipped wall time in one zone
    # equal to a time in another (PEP 495), so == alone would fail on the DST days
    if not moment.stated or moment.at.timestamp() != expected.timestamp():
        return f"read {moment.at.isoformat()}, expected {expected.isoformat()}"
    if moment.whole_day != whole_day:
        return f"whole_day {moment.whole_day}"
    if not moment.spans or any(text[s.start : s.end] != s.text for s in moment.spans):
        return f"spans {moment.spans}"
    return None


@pytest.mark.parametrize("group", GROUPS)
def test_corpus(group):
    zone_words = load().zone_words
    wrong = []
    for text, now, expected, whole_day, asker in GROUPS[group]:
        moment = read_moment(text, now, asker, zone_words)
        if problem := misread(text, now, expected, whole_day, asker, moment):
            wrong.append(f"{text!r} asked {now.isoformat()} in {asker}: {problem}")
    assert not wrong, f"{len(wrong)} of {len(GROUPS[group])} misread:\n" + "\n".join(wrong[:30])


def test_the_corpus_is_large():
    assert len(CASES) >= 1000


@pytest.mark.parametrize("group", GROUPS)
def test_corpus_in_questions(group):
    """The same lines inside questions, through the whole understanding (ids pulled out
    first, slang expanded, typos corrected): one in every five."""
    k = load()
    wrong = []
    for text, now, expected, whole_day, asker in GROUPS[group][::5]:
        q = understand(k, f"is the npsc open {text}?", now, asker)
        problem = misread(text, now, expected, whole_day, asker, q.moment)
        if problem and not problem.startswith("spans"):  # spans are into the question's text
            wrong.append(f"{text!r} asked {now.isoformat()} in {asker}: {problem}")
    assert not wrong, "\n".join(wrong[:30])


def test_the_gate_lets_every_line_of_the_corpus_through():
    """Lines with nothing time-like skip the grammar (cold start): never one that has some."""
    assert all(timeread.MAYBE_TIME.search(text) for text, *_ in CASES)
