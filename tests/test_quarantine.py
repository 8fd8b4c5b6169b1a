"""The scheduler survives any one bad row: bad rows are set aside, the rest flow.

Bad rows are planted straight into the database, as a buggy writer or an older
version would have left them (the instant triggers are dropped for that), next
to healthy control trackers. One tick later every control nudge is out; each
bad row is set aside with its reason, logged once with its id, its owner told
once, and listed by `clecbot trackers --problems`.

The fixtures run on SQLite and on PostgreSQL; there, the column types and CHECKs
refuse some bad values outright (PG_REFUSES): those tests prove the refusal instead.
Tests about SQLite files and their migrations stay SQLite's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import datetime, timedelta

import pytest
import pytz

from bot.cli import main
from bot.scheduler import NotifyError, RecordingNotifier, Scheduler
from storage import db as storage_db
from storage import trackers as repo
from storage.trackers import NewStep

S = pytz.utc.localize(datetime(2026, 11, 23, 15, 0))
ZONE = "America/Chicago"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def reminder(db, title: str, due: datetime, owner: str = "U_OK") -> int:
    return repo.create(
        db, owner=owner, kind="custom", title=title, zone=ZONE, started_at=due,
        steps=[NewStep(1, "reminder", due, f"Reminder: {title}")], now=due,
    )  # fmt: skip


def lift_instant_checks(db) -> None:
    """What a database written before the checks (or by hand) may hold (SQLite: on
    PostgreSQL the checks are the columns' own and stay)."""
    if storage_db.is_postgres(db):
        return
    for trigger in storage_db.instant_checks():
        db.execute(f"DROP TRIGGER {trigger}")


# (what is wrong, the column of the tracker or its step, the SQL value planted there,
#  and what is set aside: the step, or the whole tracker)
BAD_ROWS = [
    ("step due in year 100", "steps.due_at", "'100-06-01T09:00:00Z'", "step"),
    ("step due at an unreal date", "steps.due_at", "'2026-02-30T09:00:00.000Z'", "step"),
    ("step contacts not JSON", "steps.contacts", "'[{broken'", "step"),
    ("step contacts not objects", "steps.contacts", "'[1, 2]'", "step"),
    ("step have_ready an object", "steps.have_ready", "'{}'", "step"),
    ("step level is text", "steps.level", "'abc'", "step"),
    ("step title is a blob", "steps.title", "x'00ff'", "step"),
    ("tracker refs not JSON", "trackers.refs", "'{nope'", "tracker"),
    ("tracker started in year 100", "trackers.started_at", "'100-01-01T00:00:00Z'", "tracker"),
    ("tracker zone unknown", "trackers.zone", "'Mars/Olympus'", "step"),
    ("tracker severity is text", "trackers.severity", "'high'", "tracker"),
    ("tracker created_at garbage", "trackers.created_at", "'yesterday'", "tracker"),
]
PG_REFUSES = {  # bad values PostgreSQL's column types and instant CHECKs never store
    # (a blob in a TEXT column is stored as the text of its bits)
    "step due in year 100", "step due at an unreal date", "step level is text",
    "step title is a blob", "tracker started in year 100", "tracker severity is text",
    "tracker created_at garbage",
}  # fmt: skip


def plantable(db) -> list[tuple]:
    """The bad rows this backend can hold."""
    pg = storage_db.is_postgres(db)
    return [row for row in BAD_ROWS if not (pg and row[0] in PG_REFUSES)]


def spoil(db, tracker_id: int, column: str, value: str) -> None:
    """Write `value` (SQL) into the tracker's row, or its one step's, behind the repository."""
    table, name = column.split(".")
    key = "tracker_id" if table == "steps" else "id"
    db.execute(f"UPDATE {table} SET {name} = {value} WHERE {key} = ?", (tracker_id,))


def plant(db, controls: int = 20) -> tuple[list[int], dict[str, int]]:
    """Control trackers due now, and one tracker per bad row (also due now)."""
    ctrl = [reminder(db, f"control {i}", S - timedelta(seconds=i)) for i in range(controls)]
    bad = {}
    lift_instant_checks(db)
    for what, column, value, _ in plantable(db):
        bad[what] = reminder(db, what, S - timedelta(minutes=5), owner="U_BAD")
        spoil(db, bad[what], column, value)
    return ctrl, bad


class PickyNotifier(RecordingNotifier):
    """Raises something no notifier should, for one tracker only."""

    def __init__(self, bad_tracker: int):
        super().__init__()
        self.bad_tracker = bad_tracker

    def send(self, tracker, nudge):
        if tracker.id == self.bad_tracker and nudge.intent == "nudge":
            raise ValueError("cannot encode this one")
        super().send(tracker, nudge)


@pytest.fixture
def planted(database, k):
    path = database
    db = storage_db.connect(path)
    ctrl, bad = plant(db)
    picky = reminder(db, "notifier chokes on it", S - timedelta(minutes=1), owner="U_BAD")
    notifier = PickyNotifier(picky)
    scheduler = Scheduler(k, notifier, path, tick=1, clock=Clock(S))
    return db, scheduler, notifier, ctrl, bad, picky


def test_control_nudges_all_go_out_in_the_first_tick(planted):
    db, scheduler, notifier, ctrl, bad, _ = planted
    scheduler.tick()
    assert sorted(t for t, *_ in notifier.sent) == sorted(ctrl)
    print(
        f"\nplanted {len(BAD_ROWS) + 1} bad rows: control nudges all sent ({len(ctrl)}/{len(ctrl)})"
    )


@pytest.mark.parametrize("what,column,value,how", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_each_bad_row_is_set_aside_with_its_reason(planted, what, column, value, how):
    db, scheduler, notifier, ctrl, bad, _ = planted
    if what not in bad:  # PostgreSQL refuses it (or stores it as its column's type)
        with contextlib.suppress(storage_db.StorageError):
            spoil(db, ctrl[0], column, value)
        tracker = repo.get(db, ctrl[0])  # reads back whole: nothing to set aside
        assert tracker.problem is None and [s.state for s in tracker.steps] == [repo.PENDING]
        return
    scheduler.tick()
    found = {(p.tracker_id, p.step_id is None) for p in repo.problems(db)}
    assert (bad[what], how == "tracker") in found
    states = [
        r[0] for r in db.execute("SELECT state FROM steps WHERE tracker_id = ?", (bad[what],))
    ]
    assert states == (["quarantined"] if how == "step" else ["pending"])  # never lost


def test_a_notifier_that_chokes_on_one_nudge_sets_it_aside_after_three_tries(planted):
    db, scheduler, notifier, ctrl, bad, picky = planted
    for _ in range(3):
        scheduler.tick()
    (problem,) = [p for p in repo.problems(db) if p.tracker_id == picky]
    assert "ValueError" in problem.what and "3 attempts" in problem.what
    assert len(notifier.sent) == len(ctrl)


def test_each_problem_is_logged_once_and_its_owner_told_once(planted, caplog):
    db, scheduler, notifier, ctrl, bad, picky = planted
    with caplog.at_level(logging.ERROR):
        for minutes in range(0, 12, 3):  # past the leases, so every row is tried again
            scheduler.clock.now = S + timedelta(minutes=minutes)
            scheduler.tick()
    logged = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()
              or "set aside" in r.getMessage()]  # fmt: skip
    problems = repo.problems(db)
    assert len(logged) == len(problems) == len(bad) + 1
    told = [r for r in notifier.replies if r.intent == "problem"]
    assert sorted(r.data["tracker_id"] for r in told) == sorted(p.tracker_id for p in problems)
    assert all(f"#{r.data['tracker_id']}" in r.headline for r in told)


def test_problems_are_listed_for_an_operator(planted, monkeypatch, capsys):
    db, scheduler, *_ = planted
    scheduler.tick()
    monkeypatch.setenv("CLEC_BOT_DB", scheduler.db_path)
    assert main(["trackers", "--problems"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(repo.problems(db)) and all("U_BAD" in line for line in out)
    assert main(["trackers", "--problems", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["owner"] for p in listed} == {"U_BAD"}


def test_the_owner_can_still_list_and_read_trackers(planted):
    db, scheduler, *_ = planted
    scheduler.tick()
    mine = repo.for_owner(db, "U_BAD")
    assert len(mine) >= len(plantable(db)) - 5  # the unreadable ones are left out, the list works
    with pytest.raises(repo.Unreadable, match="set aside"):
        repo.get(db, next(p.tracker_id for p in repo.problems(db) if p.step_id is None))
    assert repo.find_by_ref(db, "312-555-0100") == []  # broken refs do not stop the search


def test_bad_rows_cannot_hold_the_batch_window(database, k):
    """With a batch of 5 and 12 bad trackers first in line, control nudges still go out."""
    path = database
    db = storage_db.connect(path)
    lift_instant_checks(db)
    for what, column, value, _ in plantable(db):
        spoil(db, reminder(db, what, S - timedelta(hours=1), owner="U_BAD"), column, value)
    ctrl = [reminder(db, f"control {i}", S) for i in range(3)]
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, batch=5, clock=Clock(S))
    for _ in range(4):
        scheduler.tick()
    assert sorted(t for t, *_ in notifier.sent) == ctrl


def test_a_database_from_before_the_checks_is_swept_when_migrated(tmp_path, k):
    """Rows an older version wrote in other shapes are set aside by migration 0005,
    even those whose text sorts after every instant (never due, silently)."""
    import sqlite3

    import sqlite_utils

    path = str(tmp_path / "old.db")
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    storage_db.migrations.apply(old, stop_before="0005_instant_checks_and_quarantine")
    stamp = storage_db.utc(S)

    def old_reminder(title: str) -> int:  # a tracker and its step as written before 0005
        tracker_id = old.execute(
            "INSERT INTO trackers (owner, kind, title, zone, started_at, created_at, updated_at)"
            " VALUES ('U_OK', 'custom', ?, ?, ?, ?, ?)",
            (title, ZONE, stamp, stamp, stamp),
        ).lastrowid
        old.execute(
            "INSERT INTO steps (tracker_id, level, kind, due_at, title)"
            " VALUES (?, 1, 'reminder', ?, ?)",
            (tracker_id, stamp, f"Reminder: {title}"),
        )
        return tracker_id

    fine = old_reminder("fine")
    odd = old_reminder("odd")
    old.execute("UPDATE trackers SET snoozed_until = 'soon' WHERE id = ?", (odd,))
    old.execute("UPDATE steps SET due_at = 'later' WHERE tracker_id = ?", (odd,))
    old.conn.close()
    db = storage_db.connect(path)  # migrates to the current schema
    problems = sorted(repo.problems(db), key=lambda p: p.step_id or 0)
    assert [(p.tracker_id, p.step_id is None) for p in problems] == [(odd, True), (odd, False)]
    assert "snoozed_until" in problems[0].what and "due_at" in problems[1].what
    notifier = RecordingNotifier()
    Scheduler(k, notifier, path, tick=1, clock=Clock(S)).tick()
    assert [t for t, *_ in notifier.sent] == [fine]


def test_time_per_tick_with_a_quarantine(tmp_path, k):
    """500 control nudges per tick, with and without the planted bad rows."""
    times = {}
    for label, bad in (("clean", False), ("with bad rows", True)):
        path = str(tmp_path / f"{label}.db")
        db = storage_db.connect(path)
        for i in range(500):
            reminder(db, f"control {i}", S - timedelta(seconds=i % 60))
        if bad:
            plant(db, controls=0)
        notifier = RecordingNotifier()
        scheduler = Scheduler(k, notifier, path, tick=1, batch=1000, clock=Clock(S))
        started = time.perf_counter()
        scheduler.tick()
        times[label] = time.perf_counter() - started
        assert len(notifier.sent) == 500
    print(
        f"\ntick with 500 nudges: {times['clean'] * 1000:.0f} ms clean, "
        f"{times['with bad rows'] * 1000:.0f} ms with {len(BAD_ROWS)} bad rows set aside"
    )
    assert times["with bad rows"] < times["clean"] * 3 + 1.0


class FlakyNotifier(RecordingNotifier):
    def send(self, tracker, nudge):
        if nudge.intent == "problem":
            raise NotifyError("Slack is down")
        super().send(tracker, nudge)


def test_an_owner_is_told_when_slack_comes_back(database, k):
    path = database
    db = storage_db.connect(path)
    tracker_id = reminder(db, "broken", S, owner="U_BAD")
    db.execute("UPDATE steps SET contacts = 'nope' WHERE tracker_id = ?", (tracker_id,))
    down = FlakyNotifier()
    Scheduler(k, down, path, tick=1, clock=Clock(S)).tick()
    assert [p.tracker_id for p in repo.untold(db)] == [tracker_id]
    up = RecordingNotifier()
    scheduler = Scheduler(k, up, path, tick=1, clock=Clock(S))
    scheduler.tick()
    scheduler.tick()
    assert [r.intent for r in up.replies] == ["problem"] and repo.untold(db) == []


def test_an_operator_repairs_a_row_and_it_is_tried_again(database, k, monkeypatch, capsys):
    path = database
    db = storage_db.connect(path)
    tracker_id = reminder(db, "broken", S, owner="U_BAD")
    spoil(db, tracker_id, "steps.contacts", "'[{broken'")
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=Clock(S))
    scheduler.tick()
    assert notifier.sent == []
    spoil(db, tracker_id, "steps.contacts", "'[]'")  # the repair
    monkeypatch.setenv("CLEC_BOT_DB", path)
    assert main(["trackers", "--retry", str(tracker_id)]) == 0
    assert "1 set-aside row(s)" in capsys.readouterr().out
    scheduler.tick()
    assert [t for t, *_ in notifier.sent] == [tracker_id] and repo.problems(db) == []
    assert main(["trackers", "--retry", str(tracker_id)]) == 1  # nothing set aside now


def test_an_unreadable_tracker_found_by_its_owner_is_set_aside_there(database, monkeypatch):
    import io

    from bot.cli import run_jsonl

    path = database
    monkeypatch.setenv("CLEC_BOT_DB", path)
    db = storage_db.connect(path)
    tracker_id = reminder(db, "broken", S, owner="U1")
    spoil(db, tracker_id, "trackers.refs", "'{x'")
    out = io.StringIO()
    run_jsonl(io.StringIO(f'{{"text": "show {tracker_id}", "user": "U1"}}\n'), out, track=True)
    assert "cannot read" in json.loads(out.getvalue())["error"]
    assert [(p.tracker_id, p.step_id) for p in repo.problems(db)] == [(tracker_id, None)]


def test_a_bad_step_or_event_does_not_hide_the_tracker(tmp_path):
    path = str(tmp_path / "history.db")
    db = storage_db.connect(path)
    tracker_id = reminder(db, "partly broken", S, owner="U1")
    repo.create(db, owner="U1", kind="custom", title="neighbour", zone=ZONE, started_at=S,
                steps=[], now=S)  # fmt: skip
    lift_instant_checks(db)
    db.execute(
        "INSERT INTO events (tracker_id, at, kind, detail) VALUES (?, 'x', 'odd', '{}'),"
        " (?, ?, 'odd', '{not json')",
        (tracker_id, tracker_id, storage_db.utc(S)),
    )
    spoil(db, tracker_id, "steps.due_at", "'someday'")
    tracker = repo.get(db, tracker_id)
    assert tracker.steps == [] and "due_at" in tracker.problem
    assert [e["kind"] for e in repo.events(db, tracker_id)] == ["created"]
    assert [t.title for t in repo.for_owner(db, "U1")] == ["neighbour", "partly broken"]


def test_my_trackers_names_what_was_set_aside(planted, k):
    """The owner's list never has a silent gap: each tracker set aside is named."""
    from bot.conversation import respond

    db, scheduler, *_ = planted
    scheduler.tick()
    reply = respond("my trackers", at=S, tz="America/Chicago", user="U_BAD", db=db, k=k)
    listed = dict(reply.rows)
    for problem in repo.problems(db, "U_BAD"):
        assert f"#{problem.tracker_id}" in listed or any(
            label.startswith(f"#{problem.tracker_id} ") for label in listed
        )
    assert any("set aside" in value for value in listed.values())
