"""Open/closed and next change at an instant: weekends, holidays, DST, midnight, 24x7."""

from __future__ import annotations

import pytest

from bot.knowledge.hours import (
    add_business_days,
    add_business_hours,
    status_at,
)
from tests.conftest import at


def hours_of(k, place: str):
    center_id, _, region = place.partition("/")
    center = k.center(center_id)
    return center.region(region).hours if region else center.hours


def assert_open(k, place: str, when: str, expected: bool | None) -> None:
    assert status_at(hours_of(k, place), k.calendars, at(when)).open is expected, (place, when)


OPEN_AT = [
    # place, instant, open?  (CSC 7:30-16:00 CT M-F)
    ("CSC", "2026-11-23 07:29 CT", False),
    ("CSC", "2026-11-23 07:30 CT", True),
    ("CSC", "2026-11-23 15:59 CT", True),
    ("CSC", "2026-11-23 16:00 CT", False),
    ("CSC", "2026-11-28 10:00 CT", False),  # Saturday
    ("CSC", "2026-11-26 10:00 CT", False),  # Thanksgiving
    ("CSC", "2026-11-27 10:00 CT", True),  # the Friday after is a business day
    ("NPSC", "2026-12-01 07:45 CT", True),
    ("NPSC", "2026-11-23 17:00 CT", False),
    ("NPSC", "2026-12-25 09:00 CT", False),  # Christmas
    ("NPSC", "2027-01-01 09:00 CT", False),  # New Year's Day
    ("NPSC", "2026-11-23 08:00 ET", False),  # 8:00 ET is 7:00 CT: not yet
    ("NPSC", "2026-11-23 08:30 ET", True),
    ("LSC/midwest", "2026-11-23 08:00 ET", True),
    ("LSC/midwest", "2026-11-23 16:59 ET", True),
    ("LSC/midwest", "2026-11-23 17:00 ET", False),
    ("LSC/southwest", "2026-11-23 17:29 CT", True),
    ("LSC/southwest", "2026-11-23 17:30 CT", False),
    ("LSC/southeast", "2026-11-23 07:30 CT", True),
    ("LSC/west", "2026-11-23 19:00 ET", True),  # 16:00 PT
    ("LSC/west", "2026-11-23 20:00 ET", False),  # 17:00 PT
    # LNPC: Mon-Fri 6:00-24:00 CT, Sat 8:30-17:00, closed Sunday
    ("LNPC", "2026-11-24 05:59 CT", False),
    ("LNPC", "2026-11-24 06:00 CT", True),
    ("LNPC", "2026-11-24 23:59 CT", True),
    ("LNPC", "2026-11-25 00:00 CT", False),  # the midnight close is the end of Tuesday
    ("LNPC", "2026-11-28 08:29 CT", False),
    ("LNPC", "2026-11-28 08:30 CT", True),
    ("LNPC", "2026-11-28 17:00 CT", False),
    ("LNPC", "2026-11-29 12:00 CT", False),  # Sunday
    ("MCPSC", "2026-11-23 17:29 CT", True),
    ("MCPSC", "2027-01-01 10:00 CT", False),
    # WSHD: Mon-Fri 6:00-20:00 MT, Sat 7:00-15:00 MT
    ("WSHD", "2026-11-23 06:00 MT", True),
    ("WSHD", "2026-11-23 19:59 MT", True),
    ("WSHD", "2026-11-23 20:00 MT", False),
    ("WSHD", "2026-11-28 07:00 MT", True),
    ("WSHD", "2026-11-28 15:00 MT", False),
    ("WSHD", "2026-11-29 10:00 MT", False),  # Sunday
    # 24x7 is never closed, holidays included
    ("ISCC", "2026-12-25 03:00 CT", True),
    ("ISCC", "2026-11-29 23:59 CT", True),
    ("BVOIP", "2026-11-26 02:00 ET", True),
    # hours the sources do not give
    ("SRCAM", "2026-11-23 10:00 CT", None),
    ("BDET", "2026-11-23 10:00 CT", None),
    ("CSIE", "2026-11-23 10:00 CT", None),
]


@pytest.mark.parametrize("place,when,expected", OPEN_AT, ids=[f"{p} {w}" for p, w, _ in OPEN_AT])
def test_open_at(k, place, when, expected):
    assert_open(k, place, when, expected)


NEXT_CHANGE = [
    # place, instant, next opening or closing (as a local instant)
    ("NPSC", "2026-11-23 17:00 CT", "2026-11-24 07:30 CT"),
    ("NPSC", "2026-11-23 07:00 CT", "2026-11-23 07:30 CT"),
    ("NPSC", "2026-11-23 10:00 CT", "2026-11-23 17:00 CT"),
    ("NPSC", "2026-11-25 17:30 CT", "2026-11-27 07:30 CT"),  # over Thanksgiving
    ("NPSC", "2026-11-27 17:30 CT", "2026-11-30 07:30 CT"),  # over the weekend
    ("NPSC", "2026-12-24 17:30 CT", "2026-12-28 07:30 CT"),  # Christmas, then the weekend
    ("LNPC", "2026-11-24 10:00 CT", "2026-11-25 00:00 CT"),  # closes at midnight
    ("LNPC", "2026-11-27 23:00 CT", "2026-11-28 00:00 CT"),
    ("LNPC", "2026-11-28 18:00 CT", "2026-11-30 06:00 CT"),
    ("WSHD", "2026-11-28 16:00 MT", "2026-11-30 06:00 MT"),
]


@pytest.mark.parametrize(
    "place,when,change", NEXT_CHANGE, ids=[f"{p} {w}" for p, w, _ in NEXT_CHANGE]
)
def test_next_change(k, place, when, change):
    assert status_at(hours_of(k, place), k.calendars, at(when)).next_change == at(change)


DST = [
    # DST ended 2026-11-01 and starts 2027-03-14, in every zone: hours keep local wall time
    ("LSC/midwest", "2026-10-30 08:00 ET", True),  # EDT, UTC-4
    ("LSC/midwest", "2026-11-02 08:00 ET", True),  # EST, UTC-5
    ("LSC/midwest", "2026-11-02 07:59 ET", False),
    ("LSC/southwest", "2026-11-02 17:29 CT", True),
    ("LSC/west", "2026-11-02 08:00 PT", True),
    ("LSC/west", "2026-11-02 07:59 PT", False),
    ("WSHD", "2026-11-02 06:00 MT", True),
    ("WSHD", "2026-11-02 05:59 MT", False),
    ("WSHD", "2027-03-15 06:00 MT", True),  # MDT
    ("WSHD", "2027-03-15 05:59 MT", False),
    ("NPSC", "2027-03-15 07:30 CT", True),  # CDT
    ("NPSC", "2027-03-15 07:29 CT", False),
    ("LSC/midwest", "2027-03-15 08:00 ET", True),
    ("LSC/west", "2027-03-15 16:59 PT", True),
    ("LSC/west", "2027-03-15 17:00 PT", False),
    ("LNPC", "2027-03-13 08:30 CT", True),  # Saturday before the change
    ("LNPC", "2027-03-14 12:00 CT", False),  # the change is on a Sunday: closed
    ("ISCC", "2026-11-01 01:30 CT", True),  # the repeated hour
    # Arizona keeps MST all year: 8:00 AM PT is 9:00 AM AZ in winter, 8:00 AM AZ in summer
    ("LSC/west", "2026-11-23 09:00 AZ", True),
    ("LSC/west", "2027-03-15 07:59 AZ", False),
    ("LSC/west", "2027-03-15 08:00 AZ", True),
]


@pytest.mark.parametrize("place,when,expected", DST, ids=[f"{p} {w}" for p, w, _ in DST])
def test_dst(k, place, when, expected):
    assert_open(k, place, when, expected)


def test_next_opening_across_spring_forward(k):
    # Friday 2027-03-12 after close -> Monday 2027-03-15 7:30 CDT (UTC-5)
    change = status_at(hours_of(k, "NPSC"), k.calendars, at("2027-03-12 18:00 CT")).next_change
    assert change == at("2027-03-15 07:30 CT")
    assert change.isoformat() == "2027-03-15T12:30:00+00:00"


def test_holiday_is_named_when_closed(k):
    status = status_at(hours_of(k, "NPSC"), k.calendars, at("2026-11-26 10:00 CT"))
    assert status.open is False and status.holiday == "Thanksgiving Day"


BUSINESS_DAYS = [
    # hours of, start, n days, result (same clock time)
    ("CSR-CENTER", "2026-12-01 08:00 ET", 3, "2026-12-04 08:00 ET"),
    ("CSR-CENTER", "2026-11-30 11:00 ET", 3, "2026-12-03 11:00 ET"),
    ("CSR-CENTER", "2026-11-24 10:00 ET", 3, "2026-11-30 10:00 ET"),  # over Thanksgiving + weekend
    ("CSR-CENTER", "2026-12-23 10:00 ET", 3, "2026-12-29 10:00 ET"),  # over Christmas
    ("CSR-CENTER", "2027-03-11 10:00 ET", 3, "2027-03-16 10:00 ET"),  # over spring forward
]


@pytest.mark.parametrize("place,start,n,due", BUSINESS_DAYS)
def test_add_business_days(k, place, start, n, due):
    assert add_business_days(hours_of(k, place), k.calendars, at(start), n) == at(due)


BUSINESS_HOURS = [
    ("CSR-CENTER", "2026-12-03 11:00 ET", 4, "2026-12-03 15:00 ET"),
    ("CSR-CENTER", "2026-12-03 15:00 ET", 4, "2026-12-04 10:00 ET"),  # 2 h Thu + 2 h Fri
    ("CSR-CENTER", "2026-12-04 16:00 ET", 4, "2026-12-07 11:00 ET"),  # over the weekend
    ("CSR-CENTER", "2026-11-25 16:00 ET", 4, "2026-11-27 11:00 ET"),  # over Thanksgiving
    ("CSR-CENTER", "2026-12-03 06:00 ET", 4, "2026-12-03 12:00 ET"),  # before opening
    ("WSHD", "2026-11-27 19:00 MT", 4, "2026-11-28 10:00 MT"),  # Fri night -> Saturday hours
    ("WSHD", "2026-11-28 14:00 MT", 4, "2026-11-30 09:00 MT"),  # Saturday -> Monday
    ("ISCC", "2026-11-28 14:00 CT", 4, "2026-11-28 18:00 CT"),  # 24x7 is wall-clock
]


@pytest.mark.parametrize("place,start,n,due", BUSINESS_HOURS)
def test_add_business_hours(k, place, start, n, due):
    from datetime import timedelta

    assert add_business_hours(hours_of(k, place), k.calendars, at(start), timedelta(hours=n)) == at(
        due
    )
