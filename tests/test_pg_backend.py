"""PostgreSQL as the bot's database (DATABASE_URL): what differs from SQLite and holds anyway.

The suites of trackers, nudges, desk, digest, reliability and quarantine run on both
backends through the `database` fixture; this file holds what is PostgreSQL's own: the
placeholder translation, messages that never show a password, a server that is down,
the same named migrations (and a newer database refused), the rules the schema keeps
(append-only history, fixed-form instants, references as rows), connections dropped
by the server, and claims by several connections at once (FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import pytz

from storage import db as storage_db
from storage import pg
from storage import trackers as repo
from storage.trackers import NewStep

REPO = Path(__file__).resolve().parents[1]
S = pytz.utc.localize(datetime(2026, 11, 23, 15, 0))
LEASE = timedelta(seconds=120)


def reminder(db, n: int, due: datetime = S) -> int:
    return repo.create(
        db, owner=f"U{n}", kind="custom", title=f"reminder {n}", zone="America/Chicago",
        started_at=due, steps=[NewStep(1, "reminder", due, f"call back {n}")], now=due,
    )  # fmt: skip


# (SQL as the storage code writes it, as psycopg is given it)
TRANSLATIONS = [
    ("SELECT * FROM trackers WHERE id = ?", "SELECT * FROM trackers WHERE id = %s"),
    ("WHERE due_at <= :now LIMIT :limit", "WHERE due_at <= %(now)s LIMIT %(limit)s"),
    ("SELECT '50% done?' WHERE a = ?", "SELECT '50% done?' WHERE a = %s"),
    ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),
    ('SELECT steps.id AS "step.id?" FROM steps', 'SELECT steps.id AS "step.id?" FROM steps'),
    ("SELECT value::int FROM t WHERE x = :x", "SELECT value::int FROM t WHERE x = %(x)s"),
    ("SELECT 5 % 2 WHERE a = ?", "SELECT 5 %% 2 WHERE a = %s"),
    ("BEGIN IMMEDIATE", "BEGIN"),
]


@pytest.mark.parametrize("sql,expected", TRANSLATIONS)
def test_placeholders_are_translated_outside_quotes_only(sql, expected):
    assert pg.translate(sql) == expected


@pytest.mark.parametrize(
    "url,shown",
    [
        ("postgresql://bot:hunter2@db.example:6543/clec", "postgresql://bot@db.example:6543/clec"),
        ("postgresql://bot:hunter2@/clec?host=/run/pg", "postgresql://bot@/clec?host=/run/pg"),
        ("postgres://db.example/clec?password=hunter2", "postgresql://db.example/clec"),
    ],
)
def test_messages_name_the_server_and_database_never_the_password(url, shown):
    assert pg.describe(url) == shown


def test_a_url_selects_postgresql_and_nothing_else_does(monkeypatch, tmp_path, pg_url):
    monkeypatch.setenv("CLEC_BOT_DB", str(tmp_path / "file.db"))
    assert storage_db.db_path() == str(tmp_path / "file.db")
    assert not storage_db.is_postgres(storage_db.connect())
    monkeypatch.setenv("DATABASE_URL", pg_url)
    assert storage_db.db_path() == pg_url
    assert storage_db.is_postgres(storage_db.connect())


# --- a server that is not there ---------------------------------------------------------


def down_url(tmp_path) -> str:
    """A Unix-socket URL where no server listens, with a password that must not show."""
    return f"postgresql://bot:hunter2@/clec?host={tmp_path}"


def test_a_server_that_is_down_is_one_storage_error_line(tmp_path):
    with pytest.raises(storage_db.StorageError) as caught:
        storage_db.connect(down_url(tmp_path))
    text = str(caught.value)
    assert "\n" not in text and "hunter2" not in text
    assert f"postgresql://bot@/clec?host={tmp_path}" in text
    assert "unreachable" in text and "DATABASE_URL" in text


@pytest.mark.parametrize("argv", [("trackers",), ("track", "remind me in 1 hour to call")])
def test_commands_say_a_server_is_down_in_one_line_without_a_traceback(tmp_path, argv):
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": down_url(tmp_path)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "bot", *argv], capture_output=True, text=True,
                          env=env, timeout=60, check=False)  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr
    assert "/clec" in lines[0] and "unreachable" in lines[0] and "hunter2" not in lines[0]


# --- migrations -----------------------------------------------------------------------------


def test_both_backends_know_the_same_named_migrations():
    assert list(pg.MIGRATIONS) == [m.name for m in storage_db.migrations._migrations]


def test_every_migration_is_recorded_by_name(pg_url):
    db = storage_db.connect(pg_url)
    names = [r[0] for r in db.execute(f"SELECT name FROM {pg.MIGRATIONS_TABLE} ORDER BY name")]
    assert names == list(pg.MIGRATIONS)


def test_a_database_from_a_newer_clecbot_is_refused(pg_url):
    db = storage_db.connect(pg_url)
    db.execute(f"INSERT INTO {pg.MIGRATIONS_TABLE} (name) VALUES ('0042_from_the_future')")
    with pytest.raises(storage_db.TooNew, match="0042_from_the_future"):
        storage_db.connect(pg_url)


def test_replicas_starting_together_migrate_once(pg_server):
    url = pg_server.fresh()
    with psycopg.connect(url, autocommit=True) as conn:  # an empty database: no schema
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    errors: list[BaseException] = []

    def start() -> None:
        try:
            storage_db.connect(url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db = storage_db.connect(url)
    assert db.execute(f"SELECT COUNT(*) FROM {pg.MIGRATIONS_TABLE}").fetchone()[0] == len(
        pg.MIGRATIONS
    )
    pg_server.drop(url)


# --- what the schema keeps, whoever writes ------------------------------------------------


def test_the_history_is_append_only(database):
    db = storage_db.connect(database)
    tracker_id = reminder(db, 1)
    for sql in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(sql)
    assert [e["kind"] for e in repo.events(db, tracker_id)] == ["created"]


@pytest.mark.parametrize(
    "value",
    ["2026-11-23T15:00:00Z", "2026-02-30T09:00:00.000Z", "1969-12-31T23:59:59.999Z",
     "2101-01-01T00:00:00.000Z", "tomorrow", "2026-11-23 15:00:00.000Z"],
)  # fmt: skip
def test_no_writer_stores_an_instant_in_another_shape(pg_url, value):
    db = storage_db.connect(pg_url)
    tracker_id = reminder(db, 1)
    with pytest.raises(storage_db.StorageError, match="instant"):
        db.execute("UPDATE steps SET due_at = ? WHERE tracker_id = ?", (value, tracker_id))
    db.execute(
        "UPDATE trackers SET snoozed_until = ? WHERE id = ?", (storage_db.utc(S), tracker_id)
    )


def test_references_are_rows_kept_from_the_json_by_the_server(pg_url):
    db = storage_db.connect(pg_url)
    tracker_id = reminder(db, 1)
    db.execute("UPDATE trackers SET refs = ? WHERE id = ?", ('{"pon": "P-1", "n": 3}', tracker_id))
    assert db.execute("SELECT kind, value FROM tracker_refs").fetchall() == [("pon", "P-1")]
    db.execute("UPDATE trackers SET refs = '{broken' WHERE id = ?", (tracker_id,))
    assert db.execute("SELECT COUNT(*) FROM tracker_refs").fetchone()[0] == 0


def test_a_failed_transaction_leaves_nothing_behind(pg_url):
    db = storage_db.connect(pg_url)
    with pytest.raises(RuntimeError), storage_db.immediate(db):
        reminder_id = db.execute(
            "INSERT INTO trackers (owner, kind, title, zone, started_at, created_at, updated_at)"
            " VALUES ('U1', 'custom', 't', 'z', ?, ?, ?) RETURNING id",
            (storage_db.utc(S),) * 3,
        ).fetchone()[0]
        raise RuntimeError("half way")
    assert repo.get(db, reminder_id) is None and not db.conn.in_transaction


def test_serve_checks_the_server_takes_writes(pg_url):
    storage_db.check_writable(storage_db.connect(pg_url))


def test_a_connection_the_server_dropped_is_opened_again_between_transactions(pg_url):
    db = storage_db.connect(pg_url)
    reminder(db, 1)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(storage_db.StorageError):  # the statement under way is lost, said once
        db.execute("SELECT COUNT(*) FROM trackers")
    assert [t.title for t in repo.for_owner(db, "U1")] == ["reminder 1"]  # and then it goes on


# --- claims by several connections at once -----------------------------------------------


def test_a_claim_skips_the_trackers_another_connection_holds(pg_url):
    db, other = storage_db.connect(pg_url), storage_db.connect(pg_url)
    ids = [reminder(db, n) for n in range(6)]
    with storage_db.immediate(other):  # another replica is in the middle of changing two
        repo.lock_tracker(other, ids[0])
        repo.lock_tracker(other, ids[1])
        claims = repo.claim_due(db, S, "A", LEASE)  # does not wait for them
    assert sorted(c.step.tracker_id for c in claims) == ids[2:]
    assert [c.step.tracker_id for c in repo.claim_due(db, S, "B", LEASE)] == ids[:2]


def test_connections_claiming_at_once_get_disjoint_steps(pg_url):
    db = storage_db.connect(pg_url)
    trackers = {reminder(db, n, S - timedelta(seconds=n)) for n in range(300)}
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer(token: str) -> None:
        own = storage_db.connect(pg_url)
        got = claimed.setdefault(token, [])
        try:
            start.wait()
            while batch := repo.claim_due(own, S, token, LEASE, limit=7):
                got.extend(c.step.tracker_id for c in batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"T{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every = [t for got in claimed.values() for t in got]
    assert len(every) == len(set(every)) == len(trackers)  # each once, none lost
    assert sum(1 for got in claimed.values() if got) >= 2  # they did claim side by side
    tokens = db.execute("SELECT claim_token, COUNT(*) FROM steps GROUP BY claim_token").fetchall()
    assert {token: n for token, n in tokens} == {t: len(got) for t, got in claimed.items() if got}


def test_a_machine_without_postgresql_is_told_why_the_server_did_not_start(monkeypatch):
    from tests import pg_server

    monkeypatch.setattr(pg_server, "_binaries", lambda: None)
    with pytest.raises(pg_server.Unavailable, match="no PostgreSQL binaries.*pgserver"):
        pg_server.Server().start()
