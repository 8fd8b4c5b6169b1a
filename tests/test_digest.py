"""The morning digest: business days only, 8:30 wall clock across DST, one per channel and
day with two schedulers, a late one posted once saying so, a very late one skipped.
Every test runs on SQLite and on PostgreSQL (the `database` and `db` fixtures)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from bot import digest
from bot.conversation import respond
from bot.knowledge.loader import load
from bot.moments import parse_instant
from bot.scheduler import Scheduler
from storage import desk as store
from storage.db import connect

CT = "America/Chicago"


class Posts:
    """A notifier that can post digests (and takes no nudges)."""

    def __init__(self, fail: int = 0):
        self.posts: list[tuple[str, str]] = []
        self.fail = fail
        self.lock = threading.Lock()

    def send(self, tracker, nudge) -> None:
        pass

    def post_digest(self, channel, reply) -> None:
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise OSError("slack down")
            self.posts.append((channel, reply.headline))


def at(iso: str):
    return parse_instant(iso, CT)


def set_digest(db, words="digest 8:30am", zone=CT, when="2026-10-26T12:00:00-05:00"):
    reply = respond(words, at=at(when), tz=zone, user="ana", db=db, channel="C1",
                    members=lambda ch: {"ana"}, k=load())  # fmt: skip
    assert reply.headline.startswith("Digest set"), reply.headline


def tick(db, iso: str, posts: Posts) -> int:
    return digest.tick(load(), db, at(iso), posts)


# (instant, posted?) through a week with a weekend, then Thanksgiving week
WEEK = [
    ("2026-10-30T08:29:00-05:00", False),  # Fri, a minute early
    ("2026-10-30T08:30:00-05:00", True),  # Fri 8:30 CDT
    ("2026-10-30T08:45:00-05:00", False),  # the same day again
    ("2026-10-31T08:31:00-05:00", False),  # Sat
    ("2026-11-01T08:31:00-06:00", False),  # Sun (and the DST change)
    ("2026-11-02T07:31:00-06:00", False),  # Mon 7:31 CST = 8:31 CDT: still early
    ("2026-11-02T08:30:00-06:00", True),  # Mon 8:30 CST
    ("2026-11-26T08:31:00-06:00", False),  # Thanksgiving
    ("2026-11-27T08:31:00-06:00", True),  # the Friday after: a business day
]


def test_business_days_only_at_the_wall_clock_time_across_dst(db):
    set_digest(db)
    posts = Posts()
    for iso, posted in WEEK:
        before = len(posts.posts)
        tick(db, iso, posts)
        assert (len(posts.posts) > before) == posted, iso
    assert [s for _, s in posts.posts if "late" in s] == []


def test_a_digest_set_in_new_york_runs_at_new_york_time(db):
    set_digest(db, "digest 8:30am ET")
    posts = Posts()
    tick(db, "2026-11-30T07:29:00-06:00", posts)  # 8:29 ET
    assert posts.posts == []
    tick(db, "2026-11-30T07:30:00-06:00", posts)
    assert len(posts.posts) == 1


def test_two_schedulers_post_one_digest(database):
    set_digest(connect(database))
    posts = Posts()
    barrier = threading.Barrier(4)

    def scheduler():
        own = connect(database)
        barrier.wait()
        for _ in range(5):
            digest.tick(load(), own, at("2026-11-30T08:30:05-06:00"), posts)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(posts.posts) == 1


def test_two_scheduler_objects_through_their_ticks(database):
    set_digest(connect(database))
    posts = Posts()
    clock = at("2026-11-30T08:31:00-06:00")
    first = Scheduler(load(), posts, database, clock=lambda: clock)
    second = Scheduler(load(), posts, database, clock=lambda: clock)
    first.tick(), second.tick(), first.tick()
    assert [c for c, _ in posts.posts] == ["C1"]


def test_after_downtime_a_late_digest_is_posted_once_saying_so(db):
    set_digest(db)
    posts = Posts()
    tick(db, "2026-11-30T10:45:00-06:00", posts)
    tick(db, "2026-11-30T10:45:15-06:00", posts)
    assert len(posts.posts) == 1
    assert "This digest is late: it was due Mon Nov 30, 8:30 AM CST" in posts.posts[0][1]
    assert "2 h 15 min later" in posts.posts[0][1]


def test_more_than_four_hours_late_is_skipped_and_logged_once(db, caplog):
    set_digest(db)
    posts = Posts()
    with caplog.at_level(logging.WARNING, logger="bot.digest"):
        tick(db, "2026-11-30T12:31:00-06:00", posts)
        tick(db, "2026-11-30T12:32:00-06:00", posts)
    assert posts.posts == []
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 1
    assert [r["state"] for r in store.runs(db, "C1")] == ["skipped"]


def test_yesterdays_evening_digest_is_caught_up_after_midnight(db):
    set_digest(db, "digest 11:30pm")
    posts = Posts()
    tick(db, "2026-12-01T01:00:00-06:00", posts)  # Tue 1 AM: Monday's 11:30 PM, 1.5 h late
    assert len(posts.posts) == 1 and "late" in posts.posts[0][1]


def test_a_failed_post_is_tried_again_next_tick(db):
    set_digest(db)
    posts = Posts(fail=1)
    tick(db, "2026-11-30T08:30:00-06:00", posts)
    assert posts.posts == [] and store.runs(db, "C1")[0]["state"] == "due"
    tick(db, "2026-11-30T08:30:15-06:00", posts)
    assert len(posts.posts) == 1


def test_a_claim_whose_scheduler_died_is_taken_over_after_its_lease(db):
    set_digest(db)
    due = at("2026-11-30T08:30:00-06:00")
    assert store.claim_run(db, "C1", "2026-11-30", due, due, "dead", timedelta(seconds=120))
    posts = Posts()
    tick(db, "2026-11-30T08:31:00-06:00", posts)  # lease still holds
    assert posts.posts == []
    tick(db, "2026-11-30T08:32:01-06:00", posts)
    assert len(posts.posts) == 1


def test_off_stops_it(db):
    set_digest(db)
    store.digest_off(db, "C1", "ana", at("2026-11-29T12:00:00-06:00"))
    posts = Posts()
    tick(db, "2026-11-30T08:30:00-06:00", posts)
    assert posts.posts == []


def test_the_digest_says_whats_due_today_and_overdue_and_the_centers_hours(db):
    k = load()
    say = {"db": db, "channel": "C1", "members": lambda ch: {"ana"}, "k": k, "user": "ana"}
    respond("bvoip sev 2 latency since 7am central AOTS 1234567",
            at=at("2026-11-30T07:05:00-06:00"), tz=CT, **say)  # fmt: skip
    for submitted in ("2026-11-25 10am ET", "2026-11-24 10am ET"):  # due Tue; due today 9 AM
        respond(f"track csr BTN 312-555-0100 submitted {submitted}",
                at=at("2026-11-30T07:05:00-06:00"), tz=CT, **say)  # fmt: skip
    reply = digest.compose(k, db, "C1", at("2026-11-30T08:30:00-06:00"), CT)
    assert reply.headline == "Desk digest for Mon Nov 30: 3 open, 1 overdue, 1 due today."
    assert [label.split(" AT&T")[0].split(" BVoIP")[0] for label, _ in reply.rows] == [
        "OVERDUE: #1",
        "Due today: #3",
        "Later: #2",
    ]
    centers = dict(reply.facts)
    assert any("open now" in v or "closed now" in v for v in centers.values())
    assert len(centers) == 2


def test_a_scheduler_that_cannot_post_sends_no_digest(db):
    set_digest(db)

    class NudgesOnly:
        def send(self, tracker, nudge):
            pass

    assert digest.tick(load(), db, at("2026-11-30T08:30:00-06:00"), NudgesOnly()) == 0
    assert store.runs(db, "C1") == []
