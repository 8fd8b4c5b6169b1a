"""Escalation schedules (DOMAIN.md readings 6-9), starting from EXAMPLES.md's tracker table."""

from __future__ import annotations

import pytest

from bot.knowledge.ladders import (
    bvoip_schedule,
    csr_schedule,
    csr_start,
    due_now,
    qwest_it_cadence,
    qwest_it_schedule,
    qwest_process_schedule,
)
from tests.conftest import at


def dues(schedule) -> list:
    return [step.due_at for step in schedule.steps]


CSR = [
    # submitted, interval start, level 1 (CSR due), level 2, level 3
    # after the 3 PM ET cut-off: starts the next business day at 8:00 AM ET
    ("2026-11-30 15:30 ET", "2026-12-01 08:00 ET",
     ["2026-12-04 08:00 ET", "2026-12-04 12:00 ET", "2026-12-04 16:00 ET"]),
    # before the cut-off: starts at receipt
    ("2026-11-30 11:00 ET", "2026-11-30 11:00 ET",
     ["2026-12-03 11:00 ET", "2026-12-03 15:00 ET", "2026-12-04 10:00 ET"]),
    # one minute either side of the cut-off
    ("2026-11-30 14:59 ET", "2026-11-30 14:59 ET",
     ["2026-12-03 14:59 ET", "2026-12-04 09:59 ET", "2026-12-04 13:59 ET"]),
    ("2026-11-30 15:00 ET", "2026-12-01 08:00 ET",
     ["2026-12-04 08:00 ET", "2026-12-04 12:00 ET", "2026-12-04 16:00 ET"]),
    # the cut-off is Eastern: 2:30 PM Central is 3:30 PM Eastern
    ("2026-11-30 14:30 CT", "2026-12-01 08:00 ET",
     ["2026-12-04 08:00 ET", "2026-12-04 12:00 ET", "2026-12-04 16:00 ET"]),
    # a weekend submission starts Monday
    ("2026-11-28 10:00 ET", "2026-11-30 08:00 ET",
     ["2026-12-03 08:00 ET", "2026-12-03 12:00 ET", "2026-12-03 16:00 ET"]),
    # Thanksgiving: the holiday is not a business day
    ("2026-11-25 16:00 ET", "2026-11-27 08:00 ET",
     ["2026-12-02 08:00 ET", "2026-12-02 12:00 ET", "2026-12-02 16:00 ET"]),
    ("2026-11-26 09:00 ET", "2026-11-27 08:00 ET",
     ["2026-12-02 08:00 ET", "2026-12-02 12:00 ET", "2026-12-02 16:00 ET"]),
    # before opening on a business day: the interval starts at the opening
    ("2026-11-30 06:30 ET", "2026-11-30 08:00 ET",
     ["2026-12-03 08:00 ET", "2026-12-03 12:00 ET", "2026-12-03 16:00 ET"]),
    # level 2 lands on the close itself; level 3 runs on into the next day
    ("2026-12-02 13:00 ET", "2026-12-02 13:00 ET",
     ["2026-12-07 13:00 ET", "2026-12-07 17:00 ET", "2026-12-08 12:00 ET"]),
    # across spring forward (2027-03-14)
    ("2027-03-11 10:00 ET", "2027-03-11 10:00 ET",
     ["2027-03-16 10:00 ET", "2027-03-16 14:00 ET", "2027-03-17 09:00 ET"]),
]  # fmt: skip


@pytest.mark.parametrize("submitted,start,levels", CSR, ids=[c[0] for c in CSR])
def test_csr_schedule(k, submitted, start, levels):
    schedule = csr_schedule(k, at(submitted))
    assert csr_start(k, at(submitted)) == at(start)
    assert dues(schedule) == [at(t) for t in levels]
    assert [s.level for s in schedule.steps] == [1, 2, 3]


def test_csr_contacts_are_the_three_points_of_contact(k):
    steps = csr_schedule(k, at("2026-11-30 11:00 ET")).steps
    assert "Noriko Wilson" in steps[1].contacts[0].line()
    assert "(916) 974-8922" in steps[1].contacts[0].line()
    assert "Anitra Warthon" in steps[2].contacts[0].line()
    assert "(214) 721-3222" in steps[2].contacts[0].line()
    assert any("BTN" in item or "Billing Telephone" in item for item in steps[0].have_ready)


BVOIP = [
    # reported, severity, due times: level 1..4, then the last nudge
    ("2026-12-01 08:00 CT", 2,
     ["08:00", "10:00", "12:00", "14:00", "16:00"]),
    ("2026-12-01 08:00 CT", 1,
     ["08:00", "09:00", "10:00", "11:00", "12:00"]),
]  # fmt: skip


@pytest.mark.parametrize("reported,severity,times", BVOIP)
def test_bvoip_schedule(k, reported, severity, times):
    schedule = bvoip_schedule(k, at(reported), severity)
    assert dues(schedule) == [at(f"2026-12-01 {t} CT") for t in times]
    assert [s.level for s in schedule.steps] == [1, 2, 3, 4, 4]
    assert schedule.steps[-1].kind == "final"


def test_bvoip_is_wall_clock_over_the_weekend_and_dst(k):
    schedule = bvoip_schedule(k, at("2026-10-31 23:30 CT"), 2)  # DST ends at 2:00 on Nov 1
    # 6 real hours later; the clock fell back an hour, so the wall reads 4:30
    assert schedule.steps[3].due_at == at("2026-11-01 04:30 CT")


def test_bvoip_level_due_now(k):
    schedule = bvoip_schedule(k, at("2026-12-01 10:30 CT"), 1)
    current, upcoming = due_now(schedule, at("2026-12-01 12:00 CT"))
    assert (current.level, current.title.split(":")[0]) == (2, current.title.split(":")[0])
    assert "Team Lead" in " ".join(c.line() for c in current.contacts)
    assert upcoming.level == 3 and upcoming.due_at == at("2026-12-01 12:30 CT")


QWEST_CADENCE = [
    # severity, workaround, hours between updates (None: no periodic updates)
    (1, False, 1),
    (2, False, 1),
    (3, False, 4),
    (4, False, 48),
    (3, True, None),
    (4, True, None),
    (1, True, 1),
    (2, True, 1),
]


@pytest.mark.parametrize("severity,workaround,hours", QWEST_CADENCE)
def test_qwest_it_cadence(k, severity, workaround, hours):
    cadence = qwest_it_cadence(k, severity, workaround)
    assert (cadence.total_seconds() / 3600 if cadence else None) == hours


QWEST_DUE = [
    # last update, severity, next update due
    ("2026-11-28 22:00 MT", 1, "2026-11-28 23:00 MT"),  # sev 1: wall clock, after hours
    ("2026-11-27 19:30 MT", 2, "2026-11-28 07:30 MT"),  # sev 2: WSHD hours, Fri night -> Sat
    ("2026-11-23 18:00 MT", 3, "2026-11-24 08:00 MT"),  # sev 3: 2 h Mon + 2 h Tue
    ("2026-11-28 14:00 MT", 3, "2026-11-30 09:00 MT"),  # Saturday close -> Monday
    ("2026-11-23 10:00 MT", 4, "2026-11-27 16:00 MT"),  # 48 WSHD hours, Thanksgiving off
]


@pytest.mark.parametrize("updated,severity,due", QWEST_DUE)
def test_qwest_it_next_update(k, updated, severity, due):
    schedule = qwest_it_schedule(k, at(updated), severity)
    assert dues(schedule) == [at(due)]


def test_qwest_it_workaround_stops_the_nudges(k):
    assert qwest_it_schedule(k, at("2026-11-23 10:00 MT"), 3, workaround=True).steps == ()


def test_qwest_process_response_and_closure(k):
    schedule = qwest_process_schedule(k, at("2026-11-23 09:00 MT"), at("2026-11-24 10:00 MT"))
    assert dues(schedule) == [at("2026-11-23 11:00 MT"), at("2026-11-25 08:00 MT")]
    assert [s.kind for s in schedule.steps] == ["response", "closure"]
