"""The SQLite database: connection settings, named migrations, transactions.

WAL lets the scheduler read while a handler writes; synchronous=FULL makes a
committed nudge or resolve survive power loss; every read-then-write runs in
BEGIN IMMEDIATE so two processes never interleave. A `Database` is bound to
the thread that opened it: open one per thread.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytz
import sqlite_utils
from sqlite_utils.migrations import Migrations

DEFAULT_PATH = "./clecbot.db"
BUSY_TIMEOUT_MS = 10_000

migrations = Migrations("clecbot")
APPEND_ONLY = {  # the event history refuses updates and deletes
    "events_append_only_update": "BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "events_append_only_delete": "BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
}


class StorageError(RuntimeError):
    """The database cannot be used now: `str()` is one line naming the file and what to do.

    Handlers catch it after the ack and say "try again"; the CLI prints it and exits 1.
    """


class ReadOnly(StorageError):
    """The file or its directory cannot be written."""


class Missing(StorageError):
    """The file's directory does not exist (or the file cannot be created there)."""


class Corrupt(StorageError):
    """The file is not a SQLite database, or is damaged or truncated."""


class TooNew(StorageError):
    """The database was written by a newer clecbot (a migration this code does not know)."""


class Busy(StorageError):
    """Another process held the write lock past the busy timeout."""


class Full(StorageError):
    """The disk (or the database's size limit) is full."""


class BadInstant(ValueError):
    """An instant outside the years storage keeps (1970-2100): refused, never stored."""


def db_path() -> str:
    return os.environ.get("CLEC_BOT_DB") or DEFAULT_PATH


def utc(at: datetime) -> str:
    """An instant as stored: UTC to the millisecond, fixed width, so it sorts as text."""
    stamp = at.astimezone(pytz.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=pytz.utc)


def connect(path: str | None = None) -> sqlite_utils.Database:
    """Open (creating and migrating) the database at `path` (default CLEC_BOT_DB)."""
    path = path or db_path()
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path!r}: {exc}") from exc
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations under one write lock, so concurrent starts do not race."""
    with immediate(db):
        migrations.apply(db)


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction taken at its start (BEGIN IMMEDIATE), not at its first write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@migrations(name="0001_trackers_steps_events")
def _m0001(db: sqlite_utils.Database) -> None:
    for statement in (
        """CREATE TABLE trackers (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,
            channel TEXT,
            thread TEXT,
            kind TEXT NOT NULL,
            refs TEXT NOT NULL DEFAULT '{}',
            severity INTEGER,
            workaround INTEGER,
            title TEXT NOT NULL,
            zone TEXT NOT NULL,
            started_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open',
            level INTEGER NOT NULL DEFAULT 0,
            snoozed_until TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE steps (
            id INTEGER PRIMARY KEY,
            tracker_id INTEGER NOT NULL REFERENCES trackers(id),
            level INTEGER NOT NULL,
            kind TEXT NOT NULL,
            due_at TEXT NOT NULL,
            title TEXT NOT NULL,
            contacts TEXT NOT NULL DEFAULT '[]',
            have_ready TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'pending',
            claim_token TEXT,
            lease_until TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            sent_at TEXT
        )""",
        "CREATE INDEX steps_due ON steps(state, due_at)",
        "CREATE INDEX steps_tracker ON steps(tracker_id, due_at)",
        "CREATE INDEX trackers_owner ON trackers(owner, state)",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            tracker_id INTEGER NOT NULL REFERENCES trackers(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX events_tracker ON events(tracker_id, id)",
    ):
        db.execute(statement)
    for trigger, statement in APPEND_ONLY.items():
        db.execute(f"CREATE TRIGGER {trigger} {statement}")


@migrations(name="0002_step_folded")
def _m0002(db: sqlite_utils.Database) -> None:
    """How many earlier due levels a catch-up nudge folds in, kept across a retried send."""
    db.execute("ALTER TABLE steps ADD COLUMN folded INTEGER NOT NULL DEFAULT 0")


@migrations(name="0003_slack_events_seen")
def _m0003(db: sqlite_utils.Database) -> None:
    """Slack event ids already handled, so a retried or replayed event acts once."""
    db.execute("CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL)")
    db.execute("CREATE INDEX slack_events_seen ON slack_events(seen_at)")


def first_sighting(db: sqlite_utils.Database, event_id: str, now: datetime) -> bool:
    """True the first time `event_id` is seen (kept a day); False for a retry or replay."""
    from datetime import timedelta

    with immediate(db):
        db.execute("DELETE FROM slack_events WHERE seen_at < ?", (utc(now - timedelta(days=1)),))
        cursor = db.execute(
            "INSERT OR IGNORE INTO slack_events (event_id, seen_at) VALUES (?, ?)",
            (event_id, utc(now)),
        )
    return cursor.rowcount == 1


STAMPED = {
    "trackers": ("started_at", "snoozed_until", "created_at", "updated_at"),
    "steps": ("due_at", "lease_until", "sent_at"),
    "events": ("at",),
    "slack_events": ("seen_at",),
}


@migrations(name="0004_millisecond_instants")
def _m0004(db: sqlite_utils.Database) -> None:
    """Instants written to the second before 0004 ('...:42Z') get milliseconds
    ('...:42.000Z'), so every stored instant parses and sorts the same way. The
    append-only triggers are lifted for this one rewrite, inside its transaction."""
    for trigger in APPEND_ONLY:
        db.execute(f"DROP TRIGGER {trigger}")
    for table, columns in STAMPED.items():
        for column in columns:
            db.execute(
                f"UPDATE {table} SET {column} = substr({column}, 1, 19) || '.000Z'"
                f" WHERE length({column}) = 20"
            )
    for trigger, statement in APPEND_ONLY.items():
        db.execute(f"CREATE TRIGGER {trigger} {statement}")
