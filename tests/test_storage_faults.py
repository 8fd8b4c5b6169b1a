"""Storage faults are one clear line: every command names the file and what to do.

Each fault is made for real: a missing directory, a read-only database (a
`mode=ro` URI, and an immutable file or directory, which stops root too), random
bytes, a truncated file, a migration from a newer version, a lock held past the
busy timeout, and a full disk (SQLite's max_page_count). Then a failed mark
after a send: the mark is retried, never the send. These are SQLite files' faults
and stay SQLite's; PostgreSQL's (a server down, a dropped connection) are in
tests/test_pg_backend.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytz

from bot.cli import main, track_one
from bot.scheduler import RecordingNotifier, Scheduler
from storage import db as storage_db
from storage import trackers as repo
from storage.db import Busy, Corrupt, Full, Missing, ReadOnly, StorageError, TooNew
from storage.trackers import NewStep

REPO = Path(__file__).resolve().parents[1]
TRACK = "bvoip sev 1 site down since 8am CT"
SLACK_ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s3cret", "PORT": "65000"}
S = pytz.utc.localize(datetime(2026, 11, 23, 15, 0))


def clecbot(*argv: str, db: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "CLEC_BOT_DB": db, **env}
    for name in SLACK_ENV:
        full_env.pop(name, None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin, capture_output=True, text=True, env=full_env, timeout=120,
    )  # fmt: skip


def one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    """The run failed with exactly one stderr line holding `words`, and no traceback."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done.stdout
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def good_db(path: Path) -> Path:
    db = storage_db.connect(str(path))
    track_one(TRACK, "2026-11-23T09:00:00-06:00", "America/Chicago", "U1", db=db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


COMMANDS = [
    ("trackers",),
    ("track", TRACK),
    ("track", "--jsonl"),
    ("run-scheduler", "--tick", "0.1"),
    ("console",),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[a[0] + a[-1][:7] for a in COMMANDS])
def test_missing_directory(tmp_path, argv):
    done = clecbot(*argv, db=str(tmp_path / "gone" / "x.db"), stdin="help\n")
    one_line(done, str(tmp_path / "gone"), "does not exist", "CLEC_BOT_DB")


@pytest.mark.parametrize("argv", COMMANDS, ids=[a[0] + a[-1][:7] for a in COMMANDS])
def test_random_bytes(tmp_path, argv):
    path = tmp_path / "noise.db"
    path.write_bytes(os.urandom(40_000))
    one_line(clecbot(*argv, db=str(path), stdin="help\n"), "noise.db", "damaged", "backup")


def test_truncated_file(tmp_path):
    path = good_db(tmp_path / "cut.db")
    for i in range(40):  # enough trackers that the file spans many pages
        db = storage_db.connect(str(path))
        text = f"track csr BTN 312-555-{i:04d} submitted 2026-11-30 11am ET"
        track_one(text, "2026-11-30T11:05:00-05:00", "America/New_York", "U1", db=db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
    size = path.stat().st_size
    os.truncate(path, size // 3)
    one_line(clecbot("trackers", "--all", db=str(path)), "cut.db", "damaged")


def test_newer_schema_is_refused_never_used(tmp_path):
    path = good_db(tmp_path / "new.db")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('clecbot', '0042_from_the_future', '2027-01-01')"
        )
    for argv in COMMANDS[:3]:
        one_line(clecbot(*argv, db=str(path)), "new.db", "newer clecbot", "0042_from_the_future")
    with pytest.raises(TooNew):
        storage_db.connect(str(path))


def test_read_only_uri_reads_but_refuses_writes(tmp_path):
    path = good_db(tmp_path / "ro.db")
    uri = f"file:{path}?mode=ro"
    listed = clecbot("trackers", db=uri)
    assert listed.returncode == 0 and "#1" in listed.stdout
    one_line(clecbot("track", TRACK, db=uri), "ro.db", "cannot be written")
    jsonl = clecbot(
        "track", "--jsonl", db=uri, stdin=f'{{"text": "{TRACK}"}}\n{{"text": "help"}}\n'
    )
    assert jsonl.returncode == 0 and jsonl.stdout.count("cannot be written") == 1
    one_line(clecbot("serve", db=uri, **SLACK_ENV), "cannot start", "cannot be written")
    one_line(clecbot("run-scheduler", db=uri), "cannot be written")


@pytest.fixture
def immutable():
    """chattr +i: not even root can write the file (or create files in the directory)."""
    marked = []

    def mark(path: Path) -> Path:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode:
            pytest.skip(f"chattr +i is not allowed here: {done.stderr.decode().strip()}")
        marked.append(path)
        return path

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_immutable_file_even_for_root(tmp_path, immutable):
    path = immutable(good_db(tmp_path / "frozen.db"))
    one_line(clecbot("track", TRACK, db=str(path)), "frozen.db", "cannot be written")
    one_line(clecbot("serve", db=str(path), **SLACK_ENV), "cannot start", "cannot be written")


def test_read_only_directory_even_for_root(tmp_path, immutable):
    folder = tmp_path / "locked"
    folder.mkdir()
    immutable(folder)
    for argv in COMMANDS[:2]:
        one_line(clecbot(*argv, db=str(folder / "x.db")), "x.db", "cannot be opened or created")


def test_a_lock_held_past_the_busy_timeout(tmp_path):
    path = good_db(tmp_path / "held.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = clecbot("track", TRACK, db=str(path), CLEC_BOT_BUSY_MS="200")
        one_line(done, "held.db", "locked by another process", "0.2 s")
        lines = f'{{"text": "{TRACK}"}}\n{{"text": "my trackers"}}\n'
        jsonl = clecbot("track", "--jsonl", db=str(path), stdin=lines, CLEC_BOT_BUSY_MS="200")
        assert jsonl.returncode == 0 and '"error": "database' in jsonl.stdout.splitlines()[0]
        assert '"intent": "trackers"' in jsonl.stdout.splitlines()[1]  # reads still work
    finally:
        holder.execute("ROLLBACK")
    assert clecbot("track", TRACK, db=str(path)).returncode == 0  # and then it works


@pytest.fixture
def tiny_disk(monkeypatch):
    """Once room["pages"] is set, every connection may grow by that many pages at most:
    a disk that fills up."""
    configure = storage_db.configure
    room = {"pages": None}

    def limited(conn, path):
        configure(conn, path)
        if room["pages"] is not None:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + room['pages']}")

    monkeypatch.setattr(storage_db, "configure", limited)
    return room


def test_a_full_disk(tmp_path, tiny_disk, monkeypatch, capsys):
    path = good_db(tmp_path / "full.db")
    tiny_disk["pages"] = 1
    monkeypatch.setenv("CLEC_BOT_DB", str(path))
    text = "track csr BTN 312-555-0100 submitted 2026-11-30 11am ET"
    codes = [main(["track", "--at", "2026-11-30T11:05:00-05:00", text]) for _ in range(10)]
    assert 1 in codes
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all("full.db" in e and "disk is full" in e for e in err)
    tiny_disk["pages"] = 0
    with pytest.raises(Full):
        storage_db.check_writable(storage_db.connect(str(path)))


def test_serve_refuses_a_full_disk(tmp_path, tiny_disk, monkeypatch, capsys):
    path = good_db(tmp_path / "full.db")
    tiny_disk["pages"] = 0
    monkeypatch.setenv("CLEC_BOT_DB", str(path))
    for name, value in SLACK_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main(["serve"]) == 1
    assert "cannot start" in capsys.readouterr().err


def test_console_says_the_fault_and_goes_on(tmp_path, monkeypatch):
    import io

    from bot.console import run_console

    path = good_db(tmp_path / "held.db")
    monkeypatch.setenv("CLEC_BOT_DB", str(path))
    monkeypatch.setenv("CLEC_BOT_BUSY_MS", "100")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    out = io.StringIO()
    try:
        run_console("America/Chicago", io.StringIO(f"track {TRACK}\nhelp\n"), out, scheduler=False)
    finally:
        holder.execute("ROLLBACK")
    assert "locked by another process" in out.getvalue() and out.getvalue().count("bot> ") == 2


@pytest.mark.parametrize(
    "cls", [ReadOnly, Missing, Corrupt, TooNew, Busy, Full, repo.Unreadable]
)  # fmt: skip
def test_every_fault_is_a_storage_error(cls):
    assert issubclass(cls, StorageError)


@pytest.mark.parametrize(
    "at",
    [
        datetime(1969, 12, 31, 23, 59, tzinfo=pytz.utc),
        datetime(2101, 1, 1, tzinfo=pytz.utc),
        datetime(1, 1, 1, tzinfo=pytz.utc),
        datetime(9999, 12, 31, tzinfo=pytz.utc),
        pytz.timezone("Etc/GMT-14").localize(datetime(1, 1, 1, 5)),
    ],
)
def test_storage_refuses_instants_outside_1970_2100(at):
    with pytest.raises(storage_db.BadInstant):
        storage_db.utc(at)


@pytest.mark.parametrize(
    "column,value",
    [
        ("started_at", "100-01-01T00:00:00.000Z"),
        ("started_at", "2026-11-23T15:00:00Z"),
        ("started_at", "2026-02-30T15:00:00.000Z"),
        ("started_at", "9999-12-31T00:00:00.000Z"),
        ("snoozed_until", "tomorrow"),
        ("created_at", 12345),
    ],
)
def test_no_writer_can_store_an_instant_in_another_shape(tmp_path, column, value):
    db = storage_db.connect(str(tmp_path / "t.db"))
    track_one(TRACK, "2026-11-23T09:00:00-06:00", "America/Chicago", "U1", db=db)
    with pytest.raises(sqlite3.IntegrityError, match="stored format"):
        db.execute(f"UPDATE trackers SET {column} = ? WHERE id = 1", (value,))


# --- a failed mark after a send: retry the mark, never the send ---------------------------


def reminder(db, due: datetime) -> int:
    return repo.create(
        db, owner="U1", kind="custom", title="call back", zone="America/Chicago",
        started_at=due, steps=[NewStep(1, "reminder", due, "Reminder: call back")], now=due,
    )  # fmt: skip


def test_a_failed_mark_is_retried_not_resent(tmp_path, k, monkeypatch):
    path = str(tmp_path / "mark.db")
    db = storage_db.connect(path)
    reminder(db, S)
    clock = {"now": S}
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=lambda: clock["now"])
    real_mark = repo.mark_sent
    outage = {"on": True}

    def failing_mark(db, claim, now, follow_up=None):
        if outage["on"]:
            raise Full("database mark.db cannot grow: the disk is full")
        return real_mark(db, claim, now, follow_up)

    monkeypatch.setattr(repo, "mark_sent", failing_mark)
    monkeypatch.setattr("bot.scheduler.MARK_RETRY_S", (0.0,))
    assert scheduler.tick() == 1
    for minutes in (1, 3, 5, 10):  # the disk stays full past the 2-minute lease
        clock["now"] = S + timedelta(minutes=minutes)
        for pending in scheduler.unmarked.values():
            pending.next_try = 0
        scheduler.tick()
    assert len(notifier.sent) == 1 and list(scheduler.unmarked) == [1]
    outage["on"] = False
    clock["now"] = S + timedelta(minutes=11)
    for pending in scheduler.unmarked.values():
        pending.next_try = 0
    scheduler.tick()
    assert len(notifier.sent) == 1 and scheduler.unmarked == {}
    (step,) = repo.get(db, 1).steps
    assert step.state == "sent" and step.sent_at == S  # marked with the instant it went out


def test_a_re_claimed_unmarked_step_is_marked_not_sent(tmp_path, k, monkeypatch):
    """The lease ran out while the mark kept failing, and the disk came back between
    the retry and the claim: the re-claim only marks it."""
    path = str(tmp_path / "mark.db")
    db = storage_db.connect(path)
    reminder(db, S)
    clock = {"now": S}
    notifier = RecordingNotifier()
    scheduler = Scheduler(k, notifier, path, tick=1, clock=lambda: clock["now"])
    real_mark = repo.mark_sent
    calls = {"n": 0}

    def mark_fails_three_times(db, claim, now, follow_up=None):
        calls["n"] += 1
        if calls["n"] <= 3:
            raise Busy("database mark.db is locked by another process")
        return real_mark(db, claim, now, follow_up)

    monkeypatch.setattr(repo, "mark_sent", mark_fails_three_times)
    monkeypatch.setattr("bot.scheduler.MARK_RETRY_S", (0.0, 0.0))
    scheduler.tick()  # sent; three marks fail
    clock["now"] = S + timedelta(minutes=5)  # the lease is over; the retry waits its backoff
    scheduler.tick()
    assert len(notifier.sent) == 1 and repo.get(db, 1).steps[0].state == "sent"


def test_a_scheduler_stopping_tries_its_unmarked_nudges_once_more(tmp_path, k, monkeypatch):
    path = str(tmp_path / "stop.db")
    db = storage_db.connect(path)
    reminder(db, S)
    scheduler = Scheduler(k, RecordingNotifier(), path, tick=1, clock=lambda: S)
    real_mark, outage = repo.mark_sent, {"on": True}

    def failing_mark(db, claim, now, follow_up=None):
        if outage["on"]:
            raise Busy("database stop.db is locked by another process")
        return real_mark(db, claim, now, follow_up)

    monkeypatch.setattr(repo, "mark_sent", failing_mark)
    monkeypatch.setattr("bot.scheduler.MARK_RETRY_S", ())
    scheduler.tick()
    assert list(scheduler.unmarked) == [1]
    outage["on"] = False
    scheduler.stop.set()
    scheduler.run()  # stops at once, after one last try
    assert scheduler.unmarked == {} and repo.get(db, 1).steps[0].state == "sent"


@pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**30])
def test_ids_beyond_64_bits_are_not_found_and_change_nothing(tmp_path, huge):
    db = storage_db.connect(str(tmp_path / "ids.db"))
    assert repo.get(db, huge) is None and repo.events(db, huge) == []
    assert not repo.resolve(db, huge, "U1", S)
    assert not repo.reopen(db, huge, "U1", S)
    assert not repo.snooze(db, huge, "U1", S, S + timedelta(hours=1), None)
    assert not repo.escalated(db, huge, "U1", S, 2)
    assert repo.retry_problems(db, huge) == 0


def test_a_level_beyond_64_bits_is_refused_as_too_large(tmp_path):
    db = storage_db.connect(str(tmp_path / "ids.db"))
    tracker_id = reminder(db, S)
    with pytest.raises(storage_db.TooLarge):
        repo.escalated(db, tracker_id, "U1", S, 10**30)
