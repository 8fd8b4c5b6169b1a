"""PostgreSQL, when DATABASE_URL names one: the same storage interface as SQLite.

`PgDatabase` offers what the storage code uses of a sqlite_utils.Database:
`execute(sql, params)` with `?` or `:name` placeholders (translated to psycopg's
`%s` / `%(name)s`, a literal `%` escaped), a cursor with fetchone/fetchall/rowcount,
and `.conn` with executemany/in_transaction/close. Every psycopg error leaves it as
a one-line StorageError naming the server and database, never the password.

Locking (what SQLite's BEGIN IMMEDIATE gives by locking the whole file):
- a change to one tracker takes that tracker's row lock first (`SELECT ... FOR
  UPDATE`, see storage.trackers.lock_tracker), so a read-then-write on a tracker
  and its steps never interleaves with another writer of the same tracker;
- the scheduler's claim locks the trackers it serves with `FOR UPDATE SKIP
  LOCKED`, so two replicas claim disjoint trackers (and so disjoint steps);
- migrations run in one transaction under an advisory lock, so replicas starting
  together apply each migration once.
Instants stay the fixed-format UTC text of `utc()` (in "C" collation), so every
comparison and ordering is the same as on SQLite.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from storage.db import (
    PG_SCHEMES,
    TRACKERS_BY_TEAM,
    Busy,
    Full,
    ReadOnly,
    StorageError,
    TooLarge,
    TooNew,
    busy_timeout_ms,
    scheme_of,
)

MIGRATIONS_TABLE = "clecbot_migrations"
MIGRATION_LOCK = 0x434C4543  # pg_advisory_xact_lock key while migrating ("CLEC")
CONNECT_TIMEOUT_S = 10


ENCODE_HINT = (
    "a password with @ : / ? # or % in it must be percent-encoded (%40 %3A %2F %3F %23 %25),"
    " e.g. postgresql://clecbot:p%40ss@db.internal:5432/clecbot"
)
PORTS = re.compile(r"[0-9]{1,5}(,[0-9]{1,5})*")
QUOTED = re.compile(r':?\s*"[^"]*"')


def first_line(exc: psycopg.Error) -> str:
    """The first line of psycopg's message (its detail and hint lines left out), or the
    error's class when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_url(url: str) -> None:
    """Refuse a DATABASE_URL that is not a PostgreSQL URL, or that libpq reads otherwise
    than meant, in words that never repeat it: an unencoded @ : / ? or % in the password
    moves its pieces into the host, port or database name, which messages would show."""
    if not url.startswith(PG_SCHEMES):
        raise StorageError(
            f"DATABASE_URL must be a postgresql:// (or postgres://) URL, but {scheme_of(url)};"
            " unset it to use the SQLite file CLEC_BOT_DB"
        )
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error as exc:
        raise StorageError(
            f"DATABASE_URL cannot be read ({QUOTED.sub('', first_line(exc))}); {ENCODE_HINT}"
        ) from None
    if url.split("?", 1)[0].count("@") > 1:  # an @ meant as %40 (one in a name may be)
        raise StorageError(
            "DATABASE_URL cannot be read: it has an @ besides the one before the host;"
            f" {ENCODE_HINT}"
        )
    port = str(parts.get("port") or "")
    if port and not PORTS.fullmatch(port):  # a : or / in the password made the rest the port
        raise StorageError(f"DATABASE_URL cannot be read: its port is not a number; {ENCODE_HINT}")


def describe(url: str) -> str:
    """The server and database a URL names, for messages: never the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://(unreadable DATABASE_URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    if host.startswith("/"):
        return f"postgresql://{user}/{parts.get('dbname', '')}?host={host}"
    return f"postgresql://{user}{host}{port}/{parts.get('dbname', '')}"


def pg_error(exc: psycopg.Error, where: str) -> StorageError:
    """A psycopg error as the StorageError that says what happened and what to do."""
    first = first_line(exc)
    if isinstance(exc, pg_errors.NumericValueOutOfRange):
        return TooLarge(f"a number too large to store ({first})")  # type: ignore[return-value]
    if isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled):
        return Busy(
            f"database {where} is locked by another writer (waited"
            f" {busy_timeout_ms() / 1000:g} s); try again"
        )
    if isinstance(exc, pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        return Busy(f"database {where}: a write collided with another one ({first}); try again")
    if isinstance(exc, pg_errors.DiskFull | pg_errors.OutOfMemory):
        return Full(f"database {where} cannot grow: the server's disk is full; free space")
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction | pg_errors.InsufficientPrivilege):
        return ReadOnly(
            f"database {where} cannot be written ({first}); connect to the primary"
            " as a user that may write, or fix DATABASE_URL"
        )
    if isinstance(exc, psycopg.OperationalError):
        return StorageError(
            f"database {where} is unreachable ({first}); start PostgreSQL or fix"
            " DATABASE_URL, then try again"
        )
    return StorageError(f"database {where} failed: {first}")


TOKEN_RE = re.compile(r"""'(?:[^']|'')*'|"[^"]*"|\?|::|(?<![\w:]):([A-Za-z_]\w*)|%""")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's placeholders as psycopg's: `?` -> `%s`, `:name` -> `%(name)s`, `%` -> `%%`;
    text in quotes and `::` casts are left as they are."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token

    sql = "BEGIN" if sql.strip().upper() == "BEGIN IMMEDIATE" else sql
    return TOKEN_RE.sub(swap, sql)


def connect_timeout(url: str) -> dict[str, int]:
    """CONNECT_TIMEOUT_S, unless the URL (`?connect_timeout=`) or PGCONNECT_TIMEOUT says
    otherwise: psycopg's keyword would win over the operator's own setting."""
    if "connect_timeout" in conninfo_to_dict(url) or os.environ.get("PGCONNECT_TIMEOUT"):
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT_S}


class PgConn:
    """The `.conn` side the storage code uses: executemany, in_transaction, close."""

    def __init__(self, db: PgDatabase):
        self._db = db

    def executemany(self, sql: str, rows) -> None:
        db = self._db
        try:
            with db.raw.cursor() as cursor:
                cursor.executemany(translate(sql), list(rows))
        except psycopg.Error as exc:
            raise pg_error(exc, db.clec_path) from exc

    @property
    def in_transaction(self) -> bool:
        """Inside our BEGIN (even when the server has dropped the connection since: the
        ROLLBACK that ends it is still owed), or inside any transaction the server knows."""
        raw = self._db.raw
        if self._db._in_transaction:
            return True
        return not raw.closed and raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self._db.raw.close()


class PgDatabase:
    """A PostgreSQL connection used like the SQLite one (one per thread, as there)."""

    backend = "postgresql"

    def __init__(self, url: str):
        check_url(url)
        self.url = url
        self.clec_path = describe(url)
        self.raw = self._open()
        self.conn = PgConn(self)
        self._in_transaction = False  # between our BEGIN and its COMMIT/ROLLBACK

    def _open(self) -> psycopg.Connection:
        try:
            raw = psycopg.connect(self.url, autocommit=True, **connect_timeout(self.url))
            raw.execute(f"SET lock_timeout = {busy_timeout_ms()}", ())
        except psycopg.Error as exc:
            raise pg_error(exc, self.clec_path) from exc
        return raw

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor:
        """Run one statement; a connection the server dropped is opened again between
        transactions (never inside one: its work is gone, so that is an error, once)."""
        verb = sql.lstrip()[:8].split(None, 1)[0].upper() if sql.strip() else ""
        if self.raw.closed or self.raw.broken:
            if self._in_transaction:
                self._in_transaction = False
                raise StorageError(
                    f"database {self.clec_path} dropped the connection mid-transaction;"
                    " nothing of it was kept; try again"
                )
            self.raw = self._open()
        if verb == "BEGIN":
            self._in_transaction = True
        elif verb in ("COMMIT", "ROLLBACK"):
            self._in_transaction = False
        if isinstance(params, list):
            params = tuple(params)
        try:
            return self.raw.execute(translate(sql), params or ())
        except psycopg.Error as exc:
            if verb != "BEGIN":
                raise pg_error(exc, self.clec_path) from exc
            self._in_transaction = False  # no transaction was begun
            if not (self.raw.closed or self.raw.broken):
                raise pg_error(exc, self.clec_path) from exc
        return self._begin_again(sql)

    def _begin_again(self, sql: str) -> psycopg.Cursor:
        """A BEGIN that found its idle connection dropped (a restart, an idle timeout):
        nothing was begun, so it is begun on a new connection, once."""
        self.raw = self._open()
        self._in_transaction = True
        try:
            return self.raw.execute(translate(sql), ())
        except psycopg.Error as exc:
            self._in_transaction = False
            raise pg_error(exc, self.clec_path) from exc

    def end_transaction(self) -> None:
        """Roll back our transaction on the raw connection (execute() would open a dropped
        one again) and end it in our own account too, so the connection is not left
        believing it is still inside one."""
        if self.conn.in_transaction and not self.raw.closed:
            self.raw.execute("ROLLBACK")
        self._in_transaction = False

    def close(self) -> None:
        self.raw.close()


def connect(url: str, names: list[str]) -> PgDatabase:
    """Open the database at `url` and apply the pending migrations of `names` (in order)."""
    db = PgDatabase(url)
    try:
        migrate(db, names)
    except BaseException:
        db.close()
        raise
    return db


def _applied(db: PgDatabase) -> list[str]:
    # (pg_tables, read under the statement's snapshot: to_regclass may answer from a
    # cache that a migration committed by another replica meanwhile has not reached)
    if not db.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = ?"
        " AND schemaname = current_schema())",
        (MIGRATIONS_TABLE,),
    ).fetchone()[0]:
        return []
    return [r[0] for r in db.execute(f"SELECT name FROM {MIGRATIONS_TABLE}").fetchall()]


def _refuse_newer(db: PgDatabase, applied: list[str], names: list[str]) -> None:
    unknown = [name for name in applied if name not in names]
    if unknown:
        raise TooNew(
            f"database {db.clec_path} was written by a newer clecbot (it has migration"
            f" {unknown[0]!r}); run that version, or set DATABASE_URL to another database"
        )


def migrate(db: PgDatabase, names: list[str]) -> None:
    """Apply the pending migrations in one transaction under an advisory lock, so
    replicas starting together apply each once; a newer database is refused."""
    applied = _applied(db)
    _refuse_newer(db, applied, names)
    if all(name in applied for name in names):
        return
    db.execute("BEGIN")
    try:
        db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        applied = _applied(db)
        _refuse_newer(db, applied, names)
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for name in names:
            if name in applied:
                continue
            for statement in MIGRATIONS[name]:
                db.execute(statement)
            db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name) VALUES (?)", (name,))
        db.execute("COMMIT")
    except BaseException:
        db.end_transaction()
        raise


def check_writable(db: PgDatabase) -> None:
    """Prove the server takes a write now: not a read-only standby, a rolled-back write."""
    if db.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
        raise ReadOnly(
            f"database {db.clec_path} is a read-only standby; point DATABASE_URL at the primary"
        )
    db.execute("BEGIN")
    try:
        db.execute(
            f"UPDATE {MIGRATIONS_TABLE} SET name = name WHERE name = '0001_trackers_steps_events'"
        )
    finally:
        db.end_transaction()


# --- the migrations, by the same names as SQLite's ---------------------------------------

INSTANT = 'TEXT COLLATE "C"'  # utc() text: byte order is time order

INSTANT_OK = r"""CREATE FUNCTION clec_instant_ok(stamp TEXT) RETURNS BOOLEAN
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF stamp IS NULL THEN RETURN TRUE; END IF;
  IF stamp !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' THEN RETURN FALSE; END IF;
  IF substr(stamp, 1, 4) NOT BETWEEN '%(first)s' AND '%(last)s' THEN RETURN FALSE; END IF;
  RETURN to_char(substr(stamp, 1, 23)::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') = stamp;
EXCEPTION WHEN others THEN
  RETURN FALSE;
END $$"""


def _instant_ok_function() -> str:
    from storage.limits import FIRST_YEAR, LAST_YEAR

    return INSTANT_OK % {"first": FIRST_YEAR, "last": LAST_YEAR}


def _checks(table: str, columns: tuple[str, ...]) -> list[str]:
    """CHECK constraints refusing an instant in any other shape, whoever writes."""
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_instant"
        f" CHECK (clec_instant_ok({column}))"
        for column in columns
    ]


MIGRATIONS: dict[str, list[str]] = {
    "0001_trackers_steps_events": [
        f"""CREATE TABLE trackers (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            owner TEXT NOT NULL,
            channel TEXT,
            thread TEXT,
            kind TEXT NOT NULL,
            refs TEXT NOT NULL DEFAULT '{{}}',
            severity BIGINT,
            workaround BIGINT,
            title TEXT NOT NULL,
            zone TEXT NOT NULL,
            started_at {INSTANT} NOT NULL,
            state TEXT NOT NULL DEFAULT 'open',
            level BIGINT NOT NULL DEFAULT 0,
            snoozed_until {INSTANT},
            created_at {INSTANT} NOT NULL,
            updated_at {INSTANT} NOT NULL
        )""",
        f"""CREATE TABLE steps (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            tracker_id BIGINT NOT NULL REFERENCES trackers(id),
            level BIGINT NOT NULL,
            kind TEXT NOT NULL,
            due_at {INSTANT} NOT NULL,
            title TEXT NOT NULL,
            contacts TEXT NOT NULL DEFAULT '[]',
            have_ready TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'pending',
            claim_token TEXT,
            lease_until {INSTANT},
            attempts BIGINT NOT NULL DEFAULT 0,
            sent_at {INSTANT}
        )""",
        "CREATE INDEX steps_due ON steps(state, due_at)",
        "CREATE INDEX steps_tracker ON steps(tracker_id, due_at)",
        "CREATE INDEX trackers_owner ON trackers(owner, state)",
        f"""CREATE TABLE events (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            tracker_id BIGINT NOT NULL REFERENCES trackers(id),
            at {INSTANT} NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT,
            detail TEXT NOT NULL DEFAULT '{{}}'
        )""",
        "CREATE INDEX events_tracker ON events(tracker_id, id)",
        """CREATE FUNCTION clec_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'events are append-only'; END $$""",
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
        " FOR EACH ROW EXECUTE FUNCTION clec_append_only()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
        " FOR EACH STATEMENT EXECUTE FUNCTION clec_append_only()",
    ],
    "0002_step_folded": ["ALTER TABLE steps ADD COLUMN folded BIGINT NOT NULL DEFAULT 0"],
    "0003_slack_events_seen": [
        f"CREATE TABLE slack_events (event_id TEXT PRIMARY KEY, seen_at {INSTANT} NOT NULL)",
        "CREATE INDEX slack_events_seen ON slack_events(seen_at)",
    ],
    # SQLite's 0004 gave second-precision instants milliseconds; PostgreSQL databases
    # start after it, with every instant already in the fixed form.
    "0004_millisecond_instants": [],
    "0005_instant_checks_and_quarantine": [
        "ALTER TABLE trackers ADD COLUMN problem TEXT",
        "ALTER TABLE trackers ADD COLUMN problem_told BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE steps ADD COLUMN problem TEXT",
        "ALTER TABLE steps ADD COLUMN problem_told BIGINT NOT NULL DEFAULT 0",
        "CREATE INDEX trackers_problems ON trackers(problem_told) WHERE problem IS NOT NULL",
        "CREATE INDEX steps_problems ON steps(problem_told) WHERE problem IS NOT NULL",
        _instant_ok_function(),
        *_checks("trackers", ("started_at", "snoozed_until", "created_at", "updated_at")),
        *_checks("steps", ("due_at", "lease_until", "sent_at")),
        *_checks("events", ("at",)),
        *_checks("slack_events", ("seen_at",)),
    ],
    "0006_tracker_refs": [
        """CREATE TABLE tracker_refs (
            tracker_id BIGINT NOT NULL REFERENCES trackers(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (tracker_id, kind)
        )""",
        "CREATE INDEX tracker_refs_value ON tracker_refs(value, tracker_id)",
        # a tracker's references as rows, whoever writes `refs`; refs that are not a
        # JSON object give none (as on SQLite), string values only
        """CREATE FUNCTION clec_tracker_refs() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE parsed JSONB;
        BEGIN
          IF TG_OP = 'UPDATE' THEN
            IF NEW.refs IS NOT DISTINCT FROM OLD.refs THEN RETURN NEW; END IF;
            DELETE FROM tracker_refs WHERE tracker_id = OLD.id;
          END IF;
          BEGIN
            parsed := NEW.refs::jsonb;
          EXCEPTION WHEN others THEN
            parsed := NULL;
          END;
          IF parsed IS NOT NULL AND jsonb_typeof(parsed) = 'object' THEN
            INSERT INTO tracker_refs (tracker_id, kind, value)
            SELECT NEW.id, key, value #>> '{}' FROM jsonb_each(parsed)
            WHERE jsonb_typeof(value) = 'string';
          END IF;
          RETURN NEW;
        END $$""",
        "CREATE TRIGGER tracker_refs_kept AFTER INSERT OR UPDATE OF refs ON trackers"
        " FOR EACH ROW EXECUTE FUNCTION clec_tracker_refs()",
    ],
    "0007_desk": [
        "ALTER TABLE trackers ADD COLUMN assignee TEXT",
        f"ALTER TABLE trackers ADD COLUMN progress_at {INSTANT}",
        *_checks("trackers", ("progress_at",)),
        "CREATE INDEX trackers_channel ON trackers(channel, state)",
        "CREATE INDEX trackers_assignee ON trackers(assignee, state)",
        "CREATE INDEX trackers_channel_created ON trackers(channel, created_at)",
        f"""CREATE TABLE digests (
            channel TEXT PRIMARY KEY,
            clock TEXT NOT NULL,
            zone TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at {INSTANT} NOT NULL,
            enabled BIGINT NOT NULL DEFAULT 1
        )""",
        f"""CREATE TABLE digest_runs (
            channel TEXT NOT NULL,
            day TEXT NOT NULL,
            due_at {INSTANT} NOT NULL,
            state TEXT NOT NULL,
            claim_token TEXT,
            lease_until {INSTANT},
            sent_at {INSTANT},
            PRIMARY KEY (channel, day)
        )""",
        "CREATE INDEX digest_runs_lease ON digest_runs(state, lease_until)",
    ],
    "0008_claim_in_cache": [
        "DROP INDEX steps_due",
        "CREATE INDEX steps_due ON steps(state, due_at, tracker_id, lease_until)",
        "CREATE INDEX trackers_claimable ON trackers(id, snoozed_until)"
        " WHERE state = 'open' AND problem IS NULL",
    ],
    "0009_nudge_receipts": [
        f"ALTER TABLE steps ADD COLUMN sending_at {INSTANT}",
        *_checks("steps", ("sending_at",)),
        "ALTER TABLE trackers ADD COLUMN dm_channel TEXT",
        "ALTER TABLE trackers ADD COLUMN dm_user TEXT",
    ],
}
MIGRATIONS["0010_workspaces"] = [
    *TRACKERS_BY_TEAM,
    # PostgreSQL changes a primary key in place (SQLite recreates the tables)
    *(
        statement
        for table, key in (
            ("digests", "team_id, channel"),
            ("digest_runs", "team_id, channel, day"),
            ("slack_events", "team_id, event_id"),
        )
        for statement in (
            f"ALTER TABLE {table} ADD COLUMN team_id TEXT NOT NULL DEFAULT ''",
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey",
            f"ALTER TABLE {table} ADD PRIMARY KEY ({key})",
        )
    ),
]
MIGRATIONS["0011_installations"] = [
    f"""CREATE TABLE slack_installations (
        client_id TEXT NOT NULL,
        team TEXT NOT NULL,
        enterprise_id TEXT NOT NULL DEFAULT '',
        team_id TEXT NOT NULL DEFAULT '',
        is_enterprise_install BIGINT NOT NULL DEFAULT 0,
        app_id TEXT,
        enterprise_name TEXT,
        enterprise_url TEXT,
        team_name TEXT,
        bot_token TEXT NOT NULL,
        bot_id TEXT,
        bot_user_id TEXT,
        bot_scopes TEXT NOT NULL DEFAULT '',
        bot_refresh_token TEXT,
        bot_token_expires_at BIGINT,
        installer TEXT NOT NULL DEFAULT '',
        installed_at {INSTANT} NOT NULL,
        PRIMARY KEY (client_id, team)
    )""",
    f"""CREATE TABLE slack_oauth_states (
        state TEXT PRIMARY KEY,
        expires_at {INSTANT} NOT NULL
    )""",
    "CREATE INDEX slack_oauth_states_expiry ON slack_oauth_states(expires_at)",
]
