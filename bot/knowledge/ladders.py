"""Escalation ladder engine: when each level falls due (DOMAIN.md readings 6-9).

Pure: takes the instants it reasons about, returns steps with UTC `due_at`.
The timing parameters come from each ladder's `rules` in the data files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytz

from bot.knowledge.hours import add_business_days, add_business_hours, day_windows
from bot.knowledge.model import Contact, Knowledge, Ladder

STATUS_KINDS = ("escalate", "final", "update", "response", "closure")


@dataclass(frozen=True)
class Step:
    """One point on a ladder: which level is due when, whom to contact, what to have."""

    level: int
    due_at: datetime  # UTC
    title: str
    contacts: tuple[Contact, ...]
    have_ready: tuple[str, ...]
    kind: str = "escalate"  # escalate | final | update | response | closure
    note: str = ""


@dataclass(frozen=True)
class Schedule:
    ladder: str
    severity: int | None
    started_at: datetime  # UTC: when the ladder's clock starts
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    repeat_every: timedelta | None = None  # periodic ladders: the cadence after the last step


def _hm(text: str) -> tuple[int, int]:
    h, m = text.split(":")
    return int(h), int(m)


def _step(ladder: Ladder, level: int, due_at: datetime, kind: str = "escalate", note: str = ""):
    lv = ladder.levels[level - 1]
    return Step(level, due_at, lv.title, lv.contacts, ladder.have_ready, kind, note)


def csr_start(k: Knowledge, submitted_at: datetime) -> datetime:
    """When the CSR interval starts (reading 6): at receipt on a business day
    before the cut-off (never before that day's opening), else the start of the
    next business day."""
    ladder = k.ladders["csr"]
    hours = k.center(ladder.center).hours
    zone = pytz.timezone(ladder.rules.get("cutoff_zone", hours.zone))
    local = submitted_at.astimezone(zone)
    cut_h, cut_m = _hm(ladder.rules["start_cutoff"])
    windows = day_windows(hours, k.calendars, local.date())
    if windows and (local.hour, local.minute) < (cut_h, cut_m):
        return max(submitted_at.astimezone(pytz.utc), windows[0][0])
    day = local.date()
    while True:
        day += timedelta(days=1)
        windows = day_windows(hours, k.calendars, day)
        if windows:
            return windows[0][0]


def cutoff_today(k: Knowledge, at: datetime) -> datetime:
    """The CSR cut-off (3:00 PM ET in the data) on `at`'s day in the cut-off's zone."""
    rules = k.ladders["csr"].rules
    zone = pytz.timezone(rules["cutoff_zone"])
    h, m = _hm(rules["start_cutoff"])
    return zone.localize(datetime.combine(at.astimezone(zone).date(), time(h, m)))


def csr_schedule(k: Knowledge, submitted_at: datetime) -> Schedule:
    """CSR due 3 business days after the start, then levels 4 business hours apart."""
    ladder = k.ladders["csr"]
    hours = k.center(ladder.center).hours
    start = csr_start(k, submitted_at)
    due = add_business_days(hours, k.calendars, start, int(ladder.rules["business_days"]))
    gap = timedelta(hours=float(ladder.rules["level_gap_business_hours"]))
    steps, at = [], due
    for lv in ladder.levels:
        if lv.level > 1:
            at = add_business_hours(hours, k.calendars, at, gap)
        steps.append(_step(ladder, lv.level, at))
    return Schedule("csr", None, start, tuple(steps), ladder.notes)


def bvoip_schedule(k: Knowledge, reported_at: datetime, severity: int) -> Schedule:
    """Level 1 at the report, level k+1 when level k's interval has passed, and a
    last nudge when level 4's interval passes (wall-clock, reading 7)."""
    ladder = k.ladders["bvoip"]
    start = reported_at.astimezone(pytz.utc)
    steps = [_step(ladder, 1, start)]
    for lv in ladder.levels:
        due = start + timedelta(hours=lv.intervals[severity])
        if lv.level < len(ladder.levels):
            steps.append(_step(ladder, lv.level + 1, due))
        elif ladder.rules.get("last_nudge"):
            note = "Level 4's interval has passed with no progress."
            steps.append(_step(ladder, lv.level, due, "final", note))
    return Schedule("bvoip", severity, start, tuple(steps), ladder.notes)


def qwest_it_cadence(k: Knowledge, severity: int, workaround: bool) -> timedelta | None:
    """How often the WSHD should send an update (reading 8); None when it sends none."""
    rules = k.ladders["qwest_it"].rules
    if workaround and severity in rules.get("workaround_stops", ()):
        return None
    return timedelta(hours=float(rules["cadence_hours"][str(severity)]))


def qwest_it_schedule(
    k: Knowledge, updated_at: datetime, severity: int, workaround: bool = False
) -> Schedule:
    """The next update the WSHD owes after `updated_at` (the report or the last update).

    Severity 1 runs on wall-clock time; 2-4 on WSHD hours, since notifications
    go out only then. The cadence repeats after each update.
    """
    ladder = k.ladders["qwest_it"]
    start = updated_at.astimezone(pytz.utc)
    cadence = qwest_it_cadence(k, severity, workaround)
    if cadence is None:
        return Schedule("qwest_it", severity, start, (), ladder.notes)
    if severity in ladder.rules.get("wall_clock_severities", ()):
        due = start + cadence
    else:
        hours = k.center(ladder.rules.get("hours_center", ladder.center)).hours
        due = add_business_hours(hours, k.calendars, start, cadence)
    note = f"Update overdue: expected every {_span(cadence)} for severity {severity}."
    steps = (_step(ladder, 1, due, "update", note),)
    return Schedule("qwest_it", severity, start, steps, ladder.notes, repeat_every=cadence)


def qwest_process_schedule(
    k: Knowledge, opened_at: datetime, closure_proposed_at: datetime | None = None
) -> Schedule:
    """CSIE Tier 1 owes a response within 2 hours, then status every 2 hours; when
    Qwest proposes to close, the CLEC has 24 hours to escalate (reading 9)."""
    ladder = k.ladders["qwest_process"]
    rules = ladder.rules
    start = opened_at.astimezone(pytz.utc)
    response = start + timedelta(hours=float(rules["response_hours"]))
    steps = [_step(ladder, 1, response, "response", "Tier 1's 2-hour response is due.")]
    if closure_proposed_at is not None:
        window = timedelta(hours=float(rules["closure_window_hours"]))
        before = timedelta(hours=float(rules["closure_nudge_before_hours"]))
        closes = closure_proposed_at.astimezone(pytz.utc) + window
        note = "Qwest may close the ticket if you do not escalate within 24 hours."
        steps.append(_step(ladder, 2, closes - before, "closure", note))
    every = timedelta(hours=float(rules["status_every_hours"]))
    return Schedule("qwest_process", None, start, tuple(steps), ladder.notes, repeat_every=every)


def due_now(schedule: Schedule, at: datetime) -> tuple[Step | None, Step | None]:
    """The step most recently due at `at` (or None) and the next one (or None)."""
    current = next_step = None
    for step in schedule.steps:
        if step.due_at <= at:
            current = step
        elif next_step is None:
            next_step = step
    return current, next_step


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours == 1:
        return "hour"
    return f"{hours:g} hours"
