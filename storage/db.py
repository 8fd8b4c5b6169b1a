"""The database: SQLite at CLEC_BOT_DB, or PostgreSQL when DATABASE_URL names one
(storage.pg); connection settings, named migrations, transactions.

WAL lets the scheduler read while a handler writes; synchronous=FULL makes a
committed nudge or resolve survive power loss; every read-then-write runs in
BEGIN IMMEDIATE so two processes never interleave. A `Database` is bound to
the thread that opened it: open one per thread.

Instants are stored in one fixed, sortable form (`utc()`, 1970-2100 only),
enforced by triggers for every writer. Every SQLite fault leaves this package
as a StorageError subclass whose text is one line naming the file and what to
do; a database from a newer clecbot is refused.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytz
import sqlite_utils
from sqlite_utils.migrations import Migrations

from storage.limits import FIRST_YEAR, LAST_YEAR

DEFAULT_PATH = "./clecbot.db"
PG_SCHEMES = ("postgresql://", "postgres://")  # a target that starts so is PostgreSQL's
BUSY_TIMEOUT_MS = 10_000  # CLEC_BOT_BUSY_MS overrides it
BUSY_MAX_MS = 3_600_000  # an hour: a write that waits longer is stuck, not busy
STAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
YEARS = f"{FIRST_YEAR}-{LAST_YEAR}"  # as messages say them
MIN_FREE_BYTES = 1 << 20  # `serve` refuses a disk with less free space than this

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


class TooLarge(ValueError):
    """A number beyond SQLite's 64-bit integers: refused, never stored."""


class BadInstant(ValueError):
    """An instant outside the years storage keeps (1970-2100): refused, never stored."""


def db_path() -> str:
    """Where the bot's data lives: DATABASE_URL (a postgresql:// URL) when set, else
    the SQLite file CLEC_BOT_DB (default ./clecbot.db). A DATABASE_URL that is not a
    PostgreSQL URL is a StorageError, never a SQLite file named after it."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        from storage.pg import check_url

        check_url(url)
        return url
    return os.environ.get("CLEC_BOT_DB") or DEFAULT_PATH


def scheme_of(url: str) -> str:
    """What a URL that is not PostgreSQL's starts with, safe to show (never past "://")."""
    scheme, found, _ = url.partition("://")
    if found and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,20}", scheme):
        return f"it starts with {scheme}://"
    return "it has no postgresql:// scheme"


def is_postgres(db) -> bool:
    """True for a PostgreSQL connection (storage.pg.PgDatabase), False for SQLite: the
    few statements whose dialects differ ask this."""
    return getattr(db, "backend", "sqlite") == "postgresql"


def busy_timeout_ms() -> int:
    """CLEC_BOT_BUSY_MS: how long a write waits for another process's lock, 1 ms to an
    hour. 0 is refused: SQLite would not wait at all and PostgreSQL's lock_timeout would
    wait forever; above PostgreSQL's limit every connection would fail."""
    raw = os.environ.get("CLEC_BOT_BUSY_MS", "").strip()
    if not raw:
        return BUSY_TIMEOUT_MS
    if not (raw.isdigit() and 1 <= int(raw) <= BUSY_MAX_MS):
        raise ValueError(f"CLEC_BOT_BUSY_MS must be a whole number of milliseconds from 1"
                         f" to {BUSY_MAX_MS}, got {raw!r}")  # fmt: skip
    return int(raw)


def utc(at: datetime) -> str:
    """An instant as stored: UTC to the millisecond, fixed width, so it sorts as text.

    Only years 1970-2100 are stored: anything else raises BadInstant, so no row
    can hold text that sorts or parses unlike the others.
    """
    try:
        stamp = at.astimezone(pytz.utc)
    except (OverflowError, ValueError) as exc:
        raise BadInstant(f"{at!r} cannot be stored: it is outside the years {YEARS}") from exc
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise BadInstant(f"{stamp:%Y-%m-%d} cannot be stored: only years {YEARS} are kept")
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_utc(text: str | None) -> datetime | None:
    """A stored instant back; text in any other shape raises BadInstant."""
    if text is None or text == "":
        return None
    if not isinstance(text, str) or not STAMP_RE.fullmatch(text):
        raise BadInstant(f"stored instant {str(text)[:40]!r} is not in the fixed format")
    try:
        at = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=pytz.utc)
    except ValueError as exc:
        raise BadInstant(f"stored instant {text!r} is not a real date") from exc
    if not FIRST_YEAR <= at.year <= LAST_YEAR:
        raise BadInstant(f"stored instant {text!r} is outside the years {YEARS}")
    return at


# --- faults as one line ---------------------------------------------------------------


def _where(path: str) -> str:
    """The file a path or `file:` URI names, absolute, for messages."""
    if path == ":memory:":
        return path
    return os.path.abspath(path.removeprefix("file:").split("?", 1)[0])


def storage_error(exc: sqlite3.Error, path: str) -> StorageError:
    """A SQLite error as the StorageError that says what happened to `path` and what to do."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    where = _where(path)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return Busy(
            f"database {where} is locked by another process (waited"
            f" {busy_timeout_ms() / 1000:g} s); try again, or stop the process holding it"
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return ReadOnly(
            f"database {where} cannot be written (read-only file or directory);"
            " make both writable, or set CLEC_BOT_DB to a writable file"
        )
    if code == sqlite3.SQLITE_CANTOPEN:
        folder = os.path.dirname(os.path.abspath(where))
        if not os.path.isdir(folder):
            return _missing(where, folder)
        return ReadOnly(
            f"database {where} cannot be opened or created in {folder};"
            " check its permissions, or set CLEC_BOT_DB to a writable file"
        )
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return Corrupt(
            f"database {where} is damaged or not a clecbot database ({exc});"
            " restore it from a backup, or move it aside to start an empty one"
        )
    if code == sqlite3.SQLITE_FULL:
        return Full(f"database {where} cannot grow: the disk is full; free space and try again")
    return StorageError(f"database {where} failed: {exc}; check the disk and the file")


def _missing(where: str, folder: str) -> Missing:
    return Missing(
        f"database {where}: the directory {folder} does not exist;"
        " create it, or set CLEC_BOT_DB to a file in an existing directory"
    )


def path_of(db: sqlite_utils.Database) -> str:
    return getattr(db, "clec_path", None) or "(unnamed)"


def shown(db) -> str:
    """Where an open database lives, for messages: the SQLite file's absolute path, or
    PostgreSQL's server and database (never a password)."""
    return path_of(db) if is_postgres(db) else _where(path_of(db))


F = TypeVar("F", bound=Callable[..., Any])


def guarded(func: F) -> F:
    """Turn SQLite errors inside a storage function (first argument: the database)
    into StorageErrors, so callers handle one family of one-line faults."""

    @functools.wraps(func)
    def wrapper(db, *args, **kwargs):
        try:
            return func(db, *args, **kwargs)
        except sqlite3.Error as exc:
            raise storage_error(exc, path_of(db)) from exc
        except OverflowError as exc:  # sqlite3 refuses ints beyond 64 bits this way
            raise TooLarge(f"a number too large to store ({exc})") from exc

    return wrapper  # type: ignore[return-value]


# --- opening --------------------------------------------------------------------------


def connect(path: str | None = None) -> sqlite_utils.Database:
    """Open (creating and migrating) the database at `path` (default: db_path()).

    A `postgresql://` URL (any libpq URI) opens PostgreSQL through storage.pg, used
    by the same calls. A `file:` URI is accepted (e.g. `file:/srv/clecbot.db?mode=ro`
    for a read-only look). Every fault comes out as a one-line StorageError.
    """
    path = path or db_path()
    if path.startswith(PG_SCHEMES):
        from storage import pg

        return pg.connect(path, [m.name for m in migrations._migrations])  # type: ignore[return-value]
    if "://" in path and not path.startswith("file:"):
        raise StorageError(
            f"database path is a URL, but {scheme_of(path)}: CLEC_BOT_DB names a SQLite file,"
            " and DATABASE_URL a postgresql:// URL"
        )
    where = _where(path)
    if path != ":memory:":
        folder = os.path.dirname(os.path.abspath(where))
        if not os.path.isdir(folder):
            raise _missing(where, folder)
    try:
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_ms() / 1000,
            isolation_level=None,
            uri=path.startswith("file:"),
        )
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    try:
        configure(conn, path)
        db = sqlite_utils.Database(conn)
        db.clec_path = path
        migrate(db)
    except BaseException:
        conn.close()
        raise
    return db


class PerThread:
    """One connection per thread to the database at `path` (default: db_path()), opened
    at a thread's first use: a connection is bound to the thread that opened it, and
    bolt's handler threads and the scheduler's senders each need their own."""

    def __init__(self, path: str | None = None):
        self.path = path
        self._local = threading.local()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.path)
        return db


def configure(conn: sqlite3.Connection, path: str) -> None:
    """Connection settings. A read-only database keeps its journal mode (reads still work)."""
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        if path != ":memory:":
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if not isinstance(storage_error(exc, path), ReadOnly):
                    raise
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations under one write lock, so concurrent starts do not race.

    A database that records a migration this code does not know was written by a
    newer clecbot: it is refused (TooNew), never used. An up-to-date database is
    not written to, so a read-only one can still be read.
    """
    try:
        _refuse_newer(db)
        if not migrations.pending(db):
            return
        with immediate(db):
            _refuse_newer(db)
            migrations.apply(db)
    except sqlite3.Error as exc:
        raise storage_error(exc, path_of(db)) from exc


def _refuse_newer(db: sqlite_utils.Database) -> None:
    if not db[Migrations.migrations_table].exists():
        return
    known = {m.name for m in migrations._migrations}
    applied = [
        r[0]
        for r in db.execute(
            f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?",
            (migrations.name,),
        ).fetchall()
    ]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise TooNew(
            f"database {_where(path_of(db))} was written by a newer clecbot (it has migration"
            f" {unknown[0]!r}); run that version, or set CLEC_BOT_DB to another file"
        )


def check_writable(db: sqlite_utils.Database) -> None:
    """Prove the database can take a write now (for `serve`, before it accepts work):
    a rolled-back write, and room to grow on the disk and under max_page_count."""
    if is_postgres(db):
        from storage import pg

        return pg.check_writable(db)
    where = _where(path_of(db))
    table = Migrations.migrations_table
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute(f"UPDATE {table} SET name = name WHERE rowid = (SELECT MIN(rowid) FROM {table})")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        limit = db.execute("PRAGMA max_page_count").fetchone()[0]
    except sqlite3.Error as exc:
        raise storage_error(exc, path_of(db)) from exc
    finally:
        _rollback(db)
    full = pages >= limit
    if not full and os.path.exists(where):
        full = shutil.disk_usage(os.path.dirname(os.path.abspath(where))).free < MIN_FREE_BYTES
    if full:
        raise Full(f"database {where} cannot grow: the disk is full; free space and try again")


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction taken at its start (BEGIN IMMEDIATE), not at its first write.

    On PostgreSQL it is a plain BEGIN: what it changes, each storage function locks
    first (a tracker's row, `FOR UPDATE`; the claim's trackers, `SKIP LOCKED`), so a
    read-then-write still never interleaves with another writer of the same rows.
    A failed BEGIN or COMMIT (locked, full, read-only, unreachable) raises a
    StorageError and leaves no transaction open on the connection.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise storage_error(exc, path_of(db)) from exc
    try:
        yield db
    except BaseException:
        _rollback(db)
        raise
    try:
        db.execute("COMMIT")
    except StorageError:
        _rollback(db)
        raise
    except sqlite3.Error as exc:
        _rollback(db)
        raise storage_error(exc, path_of(db)) from exc


def _rollback(db: sqlite_utils.Database) -> None:
    if db.conn.in_transaction:
        with contextlib.suppress(sqlite3.Error, StorageError):  # it may have rolled back
            db.execute("ROLLBACK")


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


@guarded
def first_sighting(
    db: sqlite_utils.Database, event_id: str, now: datetime, *, team: str = ""
) -> bool:
    """True the first time workspace `team` sends `event_id` (kept a day); False for a
    retry or replay (another workspace's event of the same id is not one)."""
    return first_sighting_of_all(db, [event_id], now, team=team)


@guarded
def first_sighting_of_all(
    db: sqlite_utils.Database, keys: list[str], now: datetime, *, team: str = ""
) -> bool:
    """True when none of a delivery's keys (its event id, its signature) was seen before,
    all recorded in one transaction: two replicas (or threads) handed the same delivery at
    once never both call it a repeat, as they could recording key by key (each finding
    one key the other wrote first, so neither acted)."""
    fresh = True
    with immediate(db):
        db.execute("DELETE FROM slack_events WHERE seen_at < ?", (utc(now - timedelta(days=1)),))
        for key in sorted(set(keys)):  # one order for every writer: no lock cycle
            cursor = db.execute(
                "INSERT INTO slack_events (team_id, event_id, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (team, key, utc(now)),
            )
            fresh = cursor.rowcount == 1 and fresh
    return fresh


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


STAMP_GLOB = (
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z"
)


def stamp_ok(column: str) -> str:
    """SQL true when `column` holds an instant in the fixed format, a real date, 1970-2100."""
    return (
        f"({column} GLOB '{STAMP_GLOB}'"
        f" AND strftime('%Y-%m-%dT%H:%M:%fZ', {column}, '+0 seconds') = {column}"
        f" AND substr({column}, 1, 4) BETWEEN '{FIRST_YEAR}' AND '{LAST_YEAR}')"
    )


def instant_checks() -> dict[str, str]:
    """Triggers refusing any write of an instant column in another shape: only utc()
    text gets in, whoever writes (SQLite cannot add CHECKs to existing columns)."""
    triggers = {}
    for table, columns in STAMPED.items():
        for event in ("INSERT", "UPDATE"):
            if table == "events" and event == "UPDATE":
                continue  # append-only: updates are refused anyway
            when = " OR ".join(
                f"(NEW.{c} IS NOT NULL AND NOT {stamp_ok('NEW.' + c)})" for c in columns
            )
            of = f"OF {', '.join(columns)} " if event == "UPDATE" else ""
            triggers[f"{table}_instants_{event.lower()}"] = (
                f"BEFORE {event} {of}ON {table} WHEN {when}"
                f" BEGIN SELECT RAISE(ABORT, 'instant not in the stored format (1970-2100)'); END"
            )
    return triggers


@migrations(name="0005_instant_checks_and_quarantine")
def _m0005(db: sqlite_utils.Database) -> None:
    """Instant columns accept only the fixed format; rows the scheduler cannot read,
    render or send are set aside with the reason (`problem`), and their owner is told
    once (`problem_told`). Rows already unreadable are set aside here."""
    for table in ("trackers", "steps"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN problem TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN problem_told INTEGER NOT NULL DEFAULT 0")
        db.execute(
            f"CREATE INDEX {table}_problems ON {table}(problem_told) WHERE problem IS NOT NULL"
        )
    for trigger, statement in instant_checks().items():
        db.execute(f"CREATE TRIGGER {trigger} {statement}")
    for table, columns in (("trackers", STAMPED["trackers"]), ("steps", ("due_at",))):
        for column in columns:
            db.execute(
                f"UPDATE {table} SET problem = 'stored {column} ' || quote({column})"
                f" || ' is not an instant' WHERE problem IS NULL AND {column} IS NOT NULL"
                f" AND NOT {stamp_ok(column)}"
            )
    db.execute(
        "UPDATE steps SET state = 'quarantined', claim_token = NULL"
        " WHERE problem IS NOT NULL AND state IN ('pending', 'claimed', 'sending')"
    )


@migrations(name="0006_tracker_refs")
def _m0006(db: sqlite_utils.Database) -> None:
    """A tracker's references (ticket, BTN, AOTS, PON, ...) as indexed rows, so "got an
    update on 45678" is a point lookup however many trackers there are. Kept by triggers
    from `trackers.refs`, whoever writes it; filled here from the trackers already stored."""
    for statement in (
        """CREATE TABLE tracker_refs (
            tracker_id INTEGER NOT NULL REFERENCES trackers(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (tracker_id, kind)
        )""",
        "CREATE INDEX tracker_refs_value ON tracker_refs(value, tracker_id)",
        f"CREATE TRIGGER tracker_refs_insert AFTER INSERT ON trackers BEGIN {REFS_OF_NEW} END",
        "CREATE TRIGGER tracker_refs_update AFTER UPDATE OF refs ON trackers BEGIN"
        f" DELETE FROM tracker_refs WHERE tracker_id = OLD.id; {REFS_OF_NEW} END",
        "INSERT INTO tracker_refs (tracker_id, kind, value)"
        " SELECT trackers.id, json_each.key, json_each.value FROM trackers, json_each("
        "   CASE WHEN json_valid(trackers.refs) THEN (CASE WHEN json_type(trackers.refs)"
        "   = 'object' THEN trackers.refs ELSE '{}' END) ELSE '{}' END)"
        " WHERE json_each.type = 'text'",
    ):
        db.execute(statement)


@migrations(name="0007_desk")
def _m0007(db: sqlite_utils.Database) -> None:
    """The desk (issue 10): who has a tracker now (`assignee`), when forward progress was
    last logged (`progress_at`), the channel's board and a user's lists by index, and the
    morning digest: one setting per channel, one run per channel and local day."""
    for statement in (
        "ALTER TABLE trackers ADD COLUMN assignee TEXT",
        "ALTER TABLE trackers ADD COLUMN progress_at TEXT",
        "CREATE INDEX trackers_channel ON trackers(channel, state)",
        "CREATE INDEX trackers_assignee ON trackers(assignee, state)",
        "CREATE INDEX trackers_channel_created ON trackers(channel, created_at)",
        """CREATE TABLE digests (
            channel TEXT PRIMARY KEY,
            clock TEXT NOT NULL,
            zone TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1
        )""",
        """CREATE TABLE digest_runs (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL,
            claim_token TEXT,
            lease_until TEXT,
            sent_at TEXT,
            PRIMARY KEY (channel, day)
        )""",
        "CREATE INDEX digest_runs_lease ON digest_runs(state, lease_until)",
    ):
        db.execute(statement)


REFS_OF_NEW = (  # a tracker's references as rows; refs that are not a JSON object give none
    "INSERT INTO tracker_refs (tracker_id, kind, value) SELECT NEW.id, key, value"
    " FROM json_each(CASE WHEN json_valid(NEW.refs) THEN (CASE WHEN json_type(NEW.refs)"
    " = 'object' THEN NEW.refs ELSE '{}' END) ELSE '{}' END) WHERE type = 'text';"
)


@migrations(name="0008_claim_in_cache")
def _m0008(db: sqlite_utils.Database) -> None:
    """A tick's claim reads small, dense indexes instead of rows scattered through a
    large file (issue 9: claim flat to 1M trackers): the due steps' tracker and lease
    from `steps_due` itself, and whether each tracker may be nudged from
    `trackers_claimable` (open, not set aside), never the trackers' rows."""
    for statement in (
        "DROP INDEX steps_due",
        "CREATE INDEX steps_due ON steps(state, due_at, tracker_id, lease_until)",
        "CREATE INDEX trackers_claimable ON trackers(id, snoozed_until, state, problem)"
        " WHERE state = 'open' AND problem IS NULL",  # (state and problem: SQLite 3.40
        # reads the row for the terms the index's WHERE already holds, unless it has them)
    ):
        db.execute(statement)


@migrations(name="0009_nudge_receipts")
def _m0009(db: sqlite_utils.Database) -> None:
    """A nudge once, even across a crash (issue 11): when each step went in flight
    (`steps.sending_at`, the oldest a search of the DM's history must look back to), and
    the DM channel (`D...`) that the tracker's nudges last went to, with its user
    (`trackers.dm_channel`, `trackers.dm_user`): Slack reads a DM's history by that id."""
    for statement in (
        "ALTER TABLE steps ADD COLUMN sending_at TEXT",
        "ALTER TABLE trackers ADD COLUMN dm_channel TEXT",
        "ALTER TABLE trackers ADD COLUMN dm_user TEXT",
        "CREATE TRIGGER steps_sending_at_check BEFORE UPDATE OF sending_at ON steps"
        f" WHEN NEW.sending_at IS NOT NULL AND NOT {stamp_ok('NEW.sending_at')}"
        " BEGIN SELECT RAISE(ABORT, 'instant not in the stored format (1970-2100)'); END",
    ):
        db.execute(statement)


# migration 0010's statements that are the same text in both dialects (storage.pg runs
# them too): trackers gain their workspace, and their indexes lead with it
TRACKERS_BY_TEAM = (
    "ALTER TABLE trackers ADD COLUMN team_id TEXT NOT NULL DEFAULT ''",
    "DROP INDEX trackers_owner",
    "DROP INDEX trackers_channel",
    "DROP INDEX trackers_assignee",
    "DROP INDEX trackers_channel_created",
    "CREATE INDEX trackers_owner ON trackers(team_id, owner, state)",
    "CREATE INDEX trackers_channel ON trackers(team_id, channel, state)",
    "CREATE INDEX trackers_assignee ON trackers(team_id, assignee, state)",
    "CREATE INDEX trackers_channel_created ON trackers(team_id, channel, created_at)",
    "CREATE INDEX trackers_team_created ON trackers(team_id, created_at)",
)


@migrations(name="0010_workspaces")
def _m0010(db: sqlite_utils.Database) -> None:
    """Every row belongs to one Slack workspace (issue 11): `trackers.team_id` (events and
    steps belong to a tracker, so they are scoped through it); digests keyed by (team_id,
    channel) and their runs by (team_id, channel, day), since a Slack Connect channel has
    the same id in both workspaces; dedupe keyed by (team_id, event_id). Rows from before
    get '' (single-workspace mode and the console) and keep working as they did. SQLite
    cannot change a primary key: those three tables are recreated and copied."""
    for statement in (
        *TRACKERS_BY_TEAM,
        """CREATE TABLE digests_0010 (
            team_id TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            clock TEXT NOT NULL,
            zone TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (team_id, channel)
        )""",
        "INSERT INTO digests_0010 (team_id, channel, clock, zone, set_by, set_at, enabled)"
        " SELECT '', channel, clock, zone, set_by, set_at, enabled FROM digests",
        "DROP TABLE digests",
        "ALTER TABLE digests_0010 RENAME TO digests",
        """CREATE TABLE digest_runs_0010 (
            team_id TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            due_at TEXT NOT NULL,
            state TEXT NOT NULL,
            claim_token TEXT,
            lease_until TEXT,
            sent_at TEXT,
            PRIMARY KEY (team_id, channel, day)
        )""",
        "INSERT INTO digest_runs_0010 (team_id, channel, day, due_at, state, claim_token,"
        " lease_until, sent_at) SELECT '', channel, day, due_at, state, claim_token,"
        " lease_until, sent_at FROM digest_runs",
        "DROP TABLE digest_runs",
        "ALTER TABLE digest_runs_0010 RENAME TO digest_runs",
        "CREATE INDEX digest_runs_lease ON digest_runs(state, lease_until)",
        """CREATE TABLE slack_events_0010 (
            team_id TEXT NOT NULL DEFAULT '',
            event_id TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (team_id, event_id)
        )""",
        "INSERT INTO slack_events_0010 (team_id, event_id, seen_at)"
        " SELECT '', event_id, seen_at FROM slack_events",
        "DROP TABLE slack_events",  # (its index and instant triggers go with it)
        "ALTER TABLE slack_events_0010 RENAME TO slack_events",
        "CREATE INDEX slack_events_seen ON slack_events(seen_at)",
    ):
        db.execute(statement)
    for trigger, statement in instant_checks().items():
        if trigger.startswith("slack_events_"):
            db.execute(f"CREATE TRIGGER {trigger} {statement}")


@migrations(name="0011_installations")
def _m0011(db: sqlite_utils.Database) -> None:
    """Installing in many workspaces (issue 11): each workspace's installation (its bot
    token) keyed by the app's client id and the workspace key (`team`: the team id, or
    the enterprise id of an org-wide Enterprise Grid install), and the OAuth states
    handed to installers' browsers (each used once, before it expires)."""
    for statement in (
        """CREATE TABLE slack_installations (
            client_id TEXT NOT NULL,
            team TEXT NOT NULL,
            enterprise_id TEXT NOT NULL DEFAULT '',
            team_id TEXT NOT NULL DEFAULT '',
            is_enterprise_install INTEGER NOT NULL DEFAULT 0,
            app_id TEXT,
            enterprise_name TEXT,
            enterprise_url TEXT,
            team_name TEXT,
            bot_token TEXT NOT NULL,
            bot_id TEXT,
            bot_user_id TEXT,
            bot_scopes TEXT NOT NULL DEFAULT '',
            bot_refresh_token TEXT,
            bot_token_expires_at INTEGER,
            installer TEXT NOT NULL DEFAULT '',
            installed_at TEXT NOT NULL,
            PRIMARY KEY (client_id, team)
        )""",
        """CREATE TABLE slack_oauth_states (
            state TEXT PRIMARY KEY,
            expires_at TEXT NOT NULL
        )""",
        "CREATE INDEX slack_oauth_states_expiry ON slack_oauth_states(expires_at)",
    ):
        db.execute(statement)
