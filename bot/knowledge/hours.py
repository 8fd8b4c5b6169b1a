"""Opening hours engine: open or closed at an instant, the next change, business time.

Pure and clock-free: every function takes the instant it reasons about. Each
day's windows are built in the center's local wall time, localized with pytz
and compared in UTC, so DST changes never shift an opening by an hour.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import pytz

from bot.knowledge.model import Hours

SEARCH_DAYS = 30  # longest run of closed days we look across for the next opening


@dataclass(frozen=True)
class Status:
    """Whether hours are open at an instant, and when that changes.

    `open` is None when the hours are unknown; `next_change` is None for 24x7
    and unknown hours. `holiday` names the holiday when closed for one.
    """

    open: bool | None
    next_change: datetime | None
    holiday: str | None = None


_LOADING = threading.Lock()


def country_holidays(country: str, years: int | None = None):
    """holidays.country_holidays(country, years=years), loading that country's module
    alone: the library's own imports all ~250 countries to find one (~50 ms of every
    cold start). A code the library does not know goes to it, for its own error."""
    import holidays
    from holidays.registry import COUNTRIES

    module = next((m for m, names in COUNTRIES.items() if country in names), None)
    if module is None:
        return holidays.country_holidays(country, years=years)
    name = f"holidays.countries.{module}"
    with _LOADING:  # listener threads ask at once: none may see a module half loaded
        loaded = sys.modules.get(name)
        if loaded is None:  # by file, so `holidays.countries` (every country) is not imported
            spec = importlib.util.spec_from_file_location(
                name, Path(holidays.__file__).parent / "countries" / f"{module}.py"
            )
            loaded = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(loaded)
            sys.modules[name] = loaded
    return getattr(loaded, country)(years=years)


HolidayTables = dict[tuple[str, int], dict[date, str]]
_TABLES: HolidayTables = {}  # (country, year) -> that year's holidays, by date


def holidays_of(country: str, year: int) -> dict[date, str]:
    """A country's holidays in `year` (the library's dates and names for that year).

    Read from the tables `remember_holidays` was given (the knowledge cache keeps
    them, so a warm start never imports the `holidays` package), else computed
    once per process."""
    table = _TABLES.get((country, year))
    if table is None:
        table = dict(country_holidays(country, years=year))
        _TABLES[(country, year)] = table  # one dict store: threads never see half a table
    return table


def holiday_tables(countries: set[str], years: range) -> HolidayTables:
    """Every (country, year) table, for the knowledge cache to keep."""
    return {(c, y): holidays_of(c, y) for c in sorted(countries) for y in years}


def remember_holidays(tables: HolidayTables) -> None:
    """Take tables computed by an earlier run (the knowledge cache)."""
    for key, table in tables.items():
        _TABLES.setdefault(key, table)


def holiday_name(calendars: dict[str, dict], calendar: str, day: date) -> str | None:
    """The holiday on `day` in `calendar` (a readings.toml calendar), or None."""
    spec = calendars.get(calendar, {})
    iso = day.isoformat()
    if iso in spec.get("removed", ()):
        return None
    if iso in spec.get("extra", ()):
        return "Company holiday"
    country = spec.get("country")
    return holidays_of(country, day.year).get(day) if country else None


def _localize(zone: pytz.BaseTzInfo, day: date, at: dtime | None) -> datetime:
    """Wall time `at` on `day` in `zone` as UTC; None means midnight ending the day."""
    if at is None:
        day, at = day + timedelta(days=1), dtime(0, 0)
    local = zone.localize(datetime.combine(day, at), is_dst=False)
    return zone.normalize(local).astimezone(pytz.utc)


def day_windows(
    hours: Hours, calendars: dict[str, dict], day: date
) -> list[tuple[datetime, datetime]]:
    """The [open, close) windows of `day` (a local date in the hours' zone), in UTC."""
    if hours.kind != "weekly" or holiday_name(calendars, hours.calendar, day):
        return []
    zone = pytz.timezone(hours.zone)
    return [
        (_localize(zone, day, w.open), _localize(zone, day, w.close))
        for w in hours.windows
        if w.weekday == day.weekday()
    ]


def windows_from(
    hours: Hours, calendars: dict[str, dict], at: datetime, days: int = SEARCH_DAYS
) -> Iterator[tuple[datetime, datetime]]:
    """Windows that end after `at`, in order, merging ones that touch (24:00 then 00:00)."""
    zone = pytz.timezone(hours.zone)
    first = at.astimezone(zone).date() - timedelta(days=1)
    pending: tuple[datetime, datetime] | None = None
    for offset in range(days + 1):
        for start, end in day_windows(hours, calendars, first + timedelta(days=offset)):
            if pending and pending[1] == start:
                pending = (pending[0], end)
                continue
            if pending and pending[1] > at:
                yield pending
            pending = (start, end)
    if pending and pending[1] > at:
        yield pending


def status_at(hours: Hours, calendars: dict[str, dict], at: datetime) -> Status:
    """Open or closed at `at` (an aware datetime), and the next opening or closing."""
    if hours.kind == "unknown":
        return Status(None, None)
    if hours.kind == "24x7":
        return Status(True, None)
    at_utc = at.astimezone(pytz.utc)
    for start, end in windows_from(hours, calendars, at_utc):
        if start <= at_utc < end:
            return Status(True, end)
        if start > at_utc:
            local_day = at_utc.astimezone(pytz.timezone(hours.zone)).date()
            return Status(False, start, holiday_name(calendars, hours.calendar, local_day))
    return Status(False, None)


def is_business_day(hours: Hours, calendars: dict[str, dict], day: date) -> bool:
    """A day with opening hours on the hours' calendar (weekends and holidays are not)."""
    if hours.kind == "24x7":
        return True
    return bool(day_windows(hours, calendars, day))


def add_business_days(hours: Hours, calendars: dict[str, dict], at: datetime, n: int) -> datetime:
    """The same local clock time `n` business days after `at`."""
    zone = pytz.timezone(hours.zone)
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(n):
        day += timedelta(days=1)
        while not is_business_day(hours, calendars, day):
            day += timedelta(days=1)
    return _localize(zone, day, local.time().replace(tzinfo=None))


def add_business_hours(
    hours: Hours, calendars: dict[str, dict], at: datetime, amount: timedelta
) -> datetime:
    """The instant when `amount` of open time has passed since `at`.

    24x7 hours add wall-clock time; unknown hours cannot be counted in.
    """
    if hours.kind == "24x7":
        return at.astimezone(pytz.utc) + amount
    if hours.kind == "unknown":
        raise ValueError("business time needs known hours")
    left = amount
    cursor = at.astimezone(pytz.utc)
    while True:
        found = False
        for start, end in windows_from(hours, calendars, cursor):
            found = True
            begin = max(start, cursor)
            if begin + left <= end:
                return begin + left
            left -= end - begin
            cursor = end
        if not found:
            raise ValueError("no opening hours found to count business time in")
