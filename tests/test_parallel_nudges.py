"""Nudges sent in parallel, within Slack's limits (bot/scheduler.py, bot/handlers/notifier.py).

A due batch goes out CLEC_BOT_SEND_CONCURRENCY at a time, each nudge still taken in
flight, sent and marked on its own; a DM is one chat.postMessage to the user's ID; a
429 waits its Retry-After in its own sender only, and never past the send's budget,
which comes from the lease. No assertion here is about how long anything took.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
import pytz

from bot.handlers.app import WEB_RETRIES, call_budget_s, web_client
from bot.handlers.notifier import CALLS_PER_NUDGE, SlackNotifier
from bot.handlers.settings import Settings
from bot.scheduler import DEFAULT_CONCURRENCY, RecordingNotifier, Scheduler, send_concurrency
from storage import db as storage_db
from storage import trackers as repo
from storage.db import Busy
from storage.trackers import NewStep

S = pytz.utc.localize(datetime(2026, 11, 23, 15, 0))


def reminders(db, n: int, owner: str = "U{i}") -> list[int]:
    """n one-step reminder trackers due at S, each owned by its own user; their ids."""
    return [
        repo.create(db, owner=owner.format(i=i), kind="custom", title=f"r{i}", zone="UTC",
                    started_at=S, steps=[NewStep(1, "reminder", S, f"Reminder {i}")], now=S)
        for i in range(n)
    ]  # fmt: skip


def states(db) -> Counter:
    return Counter(r[0] for r in db.execute("SELECT state FROM steps").fetchall())


class Overlap(RecordingNotifier):
    """Counts the sends in progress at once (each takes `hold` seconds)."""

    def __init__(self, hold: float = 0.02):
        super().__init__()
        self.hold, self.now, self.most = hold, 0, 0
        self.gate = threading.Lock()

    def send(self, tracker, nudge) -> None:
        with self.gate:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.hold)
        with self.gate:
            self.now -= 1
        super().send(tracker, nudge)


# --- the batch --------------------------------------------------------------------------


@pytest.mark.parametrize("senders", [1, 4, 16])
def test_a_due_batch_goes_out_at_most_senders_at_a_time_each_once(database, k, senders):
    path = database
    db = storage_db.connect(path)
    reminders(db, 40)
    notifier = Overlap()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=lambda: S, concurrency=senders)
    assert scheduler.tick() == 40
    assert notifier.most <= senders
    assert senders == 1 or notifier.most > 1  # they did overlap
    assert sorted(t for t, *_ in notifier.sent) == list(range(1, 41))
    assert states(db) == {repo.SENT: 40}
    nudged = db.execute("SELECT tracker_id FROM events WHERE kind = 'nudged'").fetchall()
    assert sorted(r[0] for r in nudged) == list(range(1, 41))  # one mark each
    assert scheduler.tick() == 0


def test_a_full_batch_delivered_is_followed_at_once_by_the_next(database, k):
    path = database
    db = storage_db.connect(path)
    reminders(db, 12)
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=3600, batch=5, clock=lambda: S, concurrency=4)
    scheduler.tick()
    assert scheduler.more_due  # 5 of 12 claimed and sent: no hour's wait for the rest
    scheduler.tick()
    scheduler.tick()
    assert not scheduler.more_due and len(notifier.sent) == 12


def test_a_batch_with_failures_waits_for_the_next_tick(database, k):
    path = database
    db = storage_db.connect(path)
    reminders(db, 6)
    scheduler = Scheduler(k, RecordingNotifier(failures=2), path, tick=1, batch=6,
                          clock=lambda: S, concurrency=3)  # fmt: skip
    assert scheduler.tick() == 4
    assert not scheduler.more_due  # Slack is failing: not hammered at once
    assert states(db) == {repo.SENT: 4, repo.PENDING: 2}  # released, never lost


def test_failed_marks_in_a_parallel_batch_are_retried_never_resent(database, k, monkeypatch):
    path = database
    db = storage_db.connect(path)
    reminders(db, 10)
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=lambda: S, concurrency=4)
    real_mark, failed = repo.mark_sent, set()

    def flaky_mark(db, claim, now, follow_up=None):
        if claim.step.id % 2 and claim.step.id not in failed:
            failed.add(claim.step.id)
            raise Busy("database marks.db is locked by another process")
        return real_mark(db, claim, now, follow_up)

    monkeypatch.setattr(repo, "mark_sent", flaky_mark)
    monkeypatch.setattr("bot.scheduler.MARK_RETRY_S", ())
    assert scheduler.tick() == 10
    assert sorted(scheduler.unmarked) == [1, 3, 5, 7, 9]
    for pending in scheduler.unmarked.values():
        pending.next_try = 0
    scheduler.tick()
    assert scheduler.unmarked == {} and states(db) == {repo.SENT: 10}
    assert len(notifier.sent) == 10  # each handed over once


class StopsAfter(RecordingNotifier):
    """Stops its scheduler once `count` nudges went out (as SIGTERM does mid-batch)."""

    def __init__(self, count: int):
        super().__init__()
        self.count, self.scheduler = count, None

    def send(self, tracker, nudge) -> None:
        super().send(tracker, nudge)
        if len(self.sent) >= self.count:
            self.scheduler.stop.set()


def test_a_stop_mid_batch_gives_the_unsent_claims_back_at_once(database, k):
    path = database
    db = storage_db.connect(path)
    reminders(db, 30)
    notifier = StopsAfter(3)
    scheduler = Scheduler(k, notifier, path, tick=1, clock=lambda: S, concurrency=2)
    notifier.scheduler = scheduler
    sent = scheduler.tick()
    assert 3 <= sent <= 3 + 2 and len(notifier.sent) == sent  # the ones in hand finish
    assert states(db) == {repo.SENT: sent, repo.PENDING: 30 - sent}  # the rest due again now
    notifier.count = 10**6  # started again, and left to run
    scheduler.stop.clear()
    assert scheduler.tick() == 30 - sent and states(db) == {repo.SENT: 30}


@pytest.mark.parametrize(
    "raw, senders",
    [("", DEFAULT_CONCURRENCY), ("1", 1), ("4", 4), ("256", 256)],
)
def test_the_number_of_senders_is_a_setting(monkeypatch, raw, senders):
    monkeypatch.setenv("CLEC_BOT_SEND_CONCURRENCY", raw)
    assert send_concurrency() == senders


@pytest.mark.parametrize("raw", ["0", "-3", "many", "2.5", "1000"])
def test_a_bad_number_of_senders_is_refused_by_name(monkeypatch, raw):
    monkeypatch.setenv("CLEC_BOT_SEND_CONCURRENCY", raw)
    with pytest.raises(ValueError, match="CLEC_BOT_SEND_CONCURRENCY"):
        send_concurrency()


# --- through the fake Slack -------------------------------------------------------------


def slack_scheduler(k, fake, path: str, lease_s: float = 120, senders: int = 8) -> Scheduler:
    settings = Settings("xoxb-test", "secret", None, fake.api_url, 0, path, "UTC", 1)
    lease = timedelta(seconds=lease_s)
    notifier = SlackNotifier(web_client(settings, lease))
    return Scheduler(k, notifier, path, tick=1, lease=lease, clock=lambda: S, concurrency=senders)


def test_each_dm_is_one_post_to_the_users_id(database, k, fake):
    path = database
    reminders(storage_db.connect(path), 5)
    assert slack_scheduler(k, fake, path).tick() == 5
    assert fake.methods() == ["chat.postMessage"] * 5  # no conversations.open
    assert sorted(c.params["channel"] for c in fake.calls) == [f"U{i}" for i in range(5)]


def test_a_429_waits_in_its_own_sender_while_the_others_go_on(database, k, fake):
    path = database
    db = storage_db.connect(path)
    reminders(db, 8)
    fake.slow("chat.postMessage", 0.05)
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    assert slack_scheduler(k, fake, path).tick() == 8
    posts = fake.calls_to("chat.postMessage")
    limited = [c for c in posts if c.status == 429]
    assert len(limited) == 1 and len(posts) == 9
    (retried,) = [c for c in posts if c.params["channel"] == limited[0].params["channel"]][1:]
    others = [c for c in posts if c.params["channel"] != limited[0].params["channel"]]
    assert all(c.at < retried.at for c in others)  # nobody else waited for its Retry-After
    assert retried.at - limited[0].at >= 1.0  # and it did wait what Slack asked
    assert states(db) == {repo.SENT: 8}


def test_a_retry_after_beyond_the_budget_is_not_waited_the_nudge_stays_due(database, k, fake):
    path = database
    db = storage_db.connect(path)
    reminders(db, 1)
    scheduler = slack_scheduler(k, fake, path, lease_s=8)  # 2 s per call: waits up to 0.5 s
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    assert scheduler.tick() == 0
    assert [c.status for c in fake.calls] == [429]  # given up at once, not slept on
    assert states(db) == {repo.PENDING: 1}
    assert scheduler.tick() == 1 and states(db) == {repo.SENT: 1}


@pytest.mark.parametrize("lease_s, timeout_s", [(120, 5), (60, 2.5), (600, 25), (20, 0.833)])
def test_a_send_with_every_retry_and_wait_ends_inside_half_its_lease(lease_s, timeout_s):
    settings = Settings("xoxb-test", "secret", None, "http://127.0.0.1:9/api/", 0, ":memory:",
                        "UTC", 1, lease=timedelta(seconds=lease_s))  # fmt: skip
    client = web_client(settings)  # the settings' lease (CLEC_BOT_LEASE)
    (limit,) = [h for h in client.retry_handlers if hasattr(h, "max_wait_s")]
    assert client.timeout == pytest.approx(timeout_s, abs=0.001)
    worst_call = (WEB_RETRIES + 1) * client.timeout + WEB_RETRIES * limit.max_wait_s
    assert worst_call <= call_budget_s(timedelta(seconds=lease_s))
    assert CALLS_PER_NUDGE * worst_call <= lease_s / 2
