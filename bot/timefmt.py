"""Instants as people read them: "Tue Nov 24, 7:30 AM CST", with the center's zone beside."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytz


def _zone(zone: str | pytz.BaseTzInfo) -> pytz.BaseTzInfo:
    return pytz.timezone(zone) if isinstance(zone, str) else zone


def fmt_time(at: datetime, zone: str | pytz.BaseTzInfo, with_date: bool = True) -> str:
    local = at.astimezone(_zone(zone))
    clock = local.strftime("%I:%M %p").lstrip("0")
    day = local.strftime("%a %b ") + str(local.day) + ", " if with_date else ""
    return f"{day}{clock} {local.tzname()}"


def fmt_both(at: datetime, asker: str | pytz.BaseTzInfo, center_zone: str | None) -> str:
    """A time in the asker's zone, with the center's beside it where it differs."""
    mine = fmt_time(at, asker)
    if not center_zone:
        return mine
    theirs = _zone(center_zone)
    if at.astimezone(theirs).tzname() == at.astimezone(_zone(asker)).tzname():
        return mine
    return f"{mine} ({fmt_time(at, theirs, with_date=False)} center time)"


def fmt_span(delta: timedelta) -> str:
    minutes = int(round(abs(delta.total_seconds()) / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
