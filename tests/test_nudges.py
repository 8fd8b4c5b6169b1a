"""What a nudge says, and the ladders that repeat: the scheduler on a fake clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.conversation import respond
from bot.reply import render_text
from bot.scheduler import RecordingNotifier, Scheduler
from storage import trackers as repo
from storage.db import connect
from tests.conftest import at


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def world(database, k):  # every test here runs on SQLite and on PostgreSQL
    path = database
    db = connect(path)
    clock = Clock(at("2026-12-01 08:05 CT"))
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=clock)

    def say(text, user="U1", tz="America/Chicago"):
        return respond(text, at=clock.now, tz=tz, user=user, db=db)

    return db, clock, notifier, scheduler, say


def test_a_due_level_is_nudged_once_with_whom_to_call(world):
    db, clock, notifier, scheduler, say = world
    say("bvoip sev 1 site down since 8am central AOTS 1234567")
    assert scheduler.tick() == 1  # level 1 is due at the report
    assert scheduler.tick() == 0
    clock.now = at("2026-12-01 09:00 CT")
    assert scheduler.tick() == 1
    nudge = notifier.replies[-1]
    text = render_text(nudge)
    assert "level 2 (Team Manager) is due" in text
    assert "(877) 288-8362 Prompt 1" in text and "Team Lead" in text
    assert "AOTS ticket number" in text  # what to have ready
    assert nudge.data["actions"] == ["escalated", "resolved", "snooze"]
    assert repo.get(db, 1).level == 2


def test_escalated_moves_on_and_resolved_stops(world):
    db, clock, notifier, scheduler, say = world
    say("bvoip sev 2 degraded since 8am central AOTS 2222222")
    scheduler.tick()
    say("escalated 1 to level 2")  # early: level 2 is not due until 10:00
    clock.now = at("2026-12-01 10:00 CT")
    assert scheduler.tick() == 0  # level 2 was done by hand
    clock.now = at("2026-12-01 12:00 CT")
    assert scheduler.tick() == 1 and notifier.sent[-1][2] == 3
    say("resolved 1")
    clock.now = at("2026-12-01 20:00 CT")
    assert scheduler.tick() == 0


def test_snooze_holds_and_renudges(world):
    db, clock, notifier, scheduler, say = world
    say("bvoip sev 2 degraded since 8am central AOTS 3333333")
    clock.now = at("2026-12-01 10:00 CT")
    scheduler.tick()  # level 2 (level 1 folded in)
    say("snooze 1 30m")
    clock.now = at("2026-12-01 10:29 CT")
    assert scheduler.tick() == 0
    clock.now = at("2026-12-01 10:30 CT")
    assert scheduler.tick() == 1
    assert "again, after your snooze" in notifier.replies[-1].headline


def test_qwest_cadence_repeats_until_a_workaround(world):
    db, clock, notifier, scheduler, say = world
    clock.now = at("2026-11-23 09:00 MT")
    say("qwest sev 3 ticket 45678 no workaround", tz="America/Denver")
    clock.now = at("2026-11-23 13:00 MT")
    assert scheduler.tick() == 1
    assert "an update from Qwest is due" in notifier.replies[-1].headline
    waiting = repo.get(db, 1).next_step()
    assert waiting.due_at == at("2026-11-23 17:00 MT")  # every 4 WSHD hours
    clock.now = at("2026-11-23 14:00 MT")
    say("workaround provided on 45678", tz="America/Denver")
    clock.now = at("2026-11-30 14:00 MT")
    assert scheduler.tick() == 0


def test_csie_status_every_two_hours(world):
    db, clock, notifier, scheduler, say = world
    clock.now = at("2026-11-23 09:00 MT")
    say("track csie process ticket 88001 opened 9am", tz="America/Denver")
    clock.now = at("2026-11-23 11:00 MT")
    assert scheduler.tick() == 1
    assert "2-hour response is due" in notifier.replies[-1].headline
    assert repo.get(db, 1).next_step().due_at == at("2026-11-23 13:00 MT")


def test_a_reminder_names_its_center(world):
    db, clock, notifier, scheduler, say = world
    say("remind me in 2 hours to escalate PON 12345 to the LSC southwest")
    clock.now += timedelta(hours=2)
    assert scheduler.tick() == 1
    text = render_text(notifier.replies[-1])
    assert "escalate PON 12345" in text and "800-357-5534" in text
    assert notifier.replies[-1].data["actions"] == ["resolved", "snooze"]


def test_late_nudge_says_how_late(world):
    db, clock, notifier, scheduler, say = world
    say("bvoip sev 1 site down since 8am central AOTS 1234567")
    clock.now = at("2026-12-01 10:40 CT")  # levels 1-3 due; only level 3 is nudged
    assert scheduler.tick() == 1
    nudge = notifier.replies[-1]
    assert nudge.data["level"] == 3 and "40 min ago" in nudge.headline
    assert "2 earlier nudge(s) folded" in render_text(nudge)
