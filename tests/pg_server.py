"""A throwaway PostgreSQL server for the tests: started by the tests themselves, no setup.

It runs Debian's PostgreSQL binaries (`initdb`/`pg_ctl` on PATH or under
/usr/lib/postgresql/*/bin), or the ones the `pgserver` wheel ships when those are
absent, in a temporary directory, listening only on a Unix socket there (no port to
collide with), with fsync off (a test server's data need not survive power loss).
PostgreSQL refuses to run as root: as root the server runs as the `postgres` user
(or `nobody`), which owns the temporary directory.

A migrated template database is made once. `fresh()` copies it (CREATE DATABASE ...
TEMPLATE, ~0.1-0.2 s): a database of one's own, e.g. for subprocesses or for a test
that changes the schema. `scratch()` hands out one reused database emptied first
(TRUNCATE ... RESTART IDENTITY, ~0.03 s: ids start at 1 again), for the many tests
that only read and write rows.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile

TEMPLATE = "clecbot_template"
SUPERUSER = "clecbot"


class Unavailable(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def _binaries() -> str | None:
    """The folder holding initdb and pg_ctl: PATH first, then Debian's, then pgserver's."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return os.path.dirname(os.path.realpath(found))
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return folder
    with contextlib.suppress(ImportError):
        import pgserver  # noqa: PLC0415 - only when the system has no PostgreSQL

        folder = os.path.join(os.path.dirname(pgserver.__file__), "pginstall", "bin")
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return folder
    return None


def _run_as() -> list[str]:
    """The command prefix running the server's programs as a user that is not root."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            runuser = shutil.which("runuser")
            if runuser:
                return [runuser, "-u", name, "--"]
            return [shutil.which("su") or "su", name, "-s", "/bin/sh", "-c"]
    raise Unavailable("running as root, and there is no 'postgres' or 'nobody' user to run as")


class Server:
    """One PostgreSQL server for a test session, on a Unix socket in a temporary folder."""

    def __init__(self) -> None:
        self.folder = ""
        self.bin = ""
        self.prefix: list[str] = []
        self._names = itertools.count(1)
        self._scratch = ""
        self._tables: list[str] = []

    def _call(self, *argv: str) -> None:
        command = [os.path.join(self.bin, argv[0]), *argv[1:]]
        if self.prefix[-1:] == ["-c"]:  # `su user -c "command"`
            command = [shlex.join(command)]
        done = subprocess.run(
            [*self.prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise Unavailable(f"{argv[0]} failed: {' / '.join(detail)}")

    def start(self) -> Server:
        self.bin = _binaries() or ""
        if not self.bin:
            raise Unavailable(
                "no PostgreSQL binaries (initdb, pg_ctl) on PATH, in /usr/lib/postgresql,"
                " or from the pgserver package"
            )
        self.prefix = _run_as()
        self.folder = tempfile.mkdtemp(prefix="clecbot-pg-")
        atexit.register(self.stop)
        if self.prefix:
            user = self.prefix[2] if self.prefix[1] == "-u" else self.prefix[1]
            entry = pwd.getpwnam(user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        data = os.path.join(self.folder, "data")
        self._call("initdb", "-D", data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                   "--no-locale", "--no-sync")  # fmt: skip
        options = (
            f"-k {self.folder} -c listen_addresses='' -F -c max_connections=200"
            " -c full_page_writes=off -c synchronous_commit=off"
        )
        self._call("pg_ctl", "-D", data, "-o", options, "-l", os.path.join(self.folder, "log"),
                   "-w", "-t", "60", "start")  # fmt: skip
        self._template()
        return self

    def url(self, database: str) -> str:
        """A libpq URI for `database` on this server (the Unix-socket form)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}"

    def _admin(self):
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def _template(self) -> None:
        from storage.db import connect

        with self._admin() as admin:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
        connect(self.url(TEMPLATE)).close()  # every migration, once

    def fresh(self) -> str:
        """The URL of a new database holding the migrated schema and no rows."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self._admin() as admin:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def scratch(self) -> str:
        """The URL of the session's reused database, emptied: no rows, ids from 1.

        Connections a previous test left inside a transaction are ended first; if
        the tables still cannot be emptied, a fresh copy takes its place."""
        import psycopg

        if not self._scratch:
            self._scratch = self.fresh()
            with psycopg.connect(self._scratch, autocommit=True) as conn:
                conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_truncate")
                self._tables = [
                    r[0]
                    for r in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                        " AND tablename <> 'clecbot_migrations'"
                    )
                ]
            return self._scratch
        name = self._scratch.split("/", 3)[3].split("?", 1)[0]
        try:
            with psycopg.connect(self._scratch, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                    " AND pid <> pg_backend_pid() AND state <> 'idle'",
                    (name,),
                )
                conn.execute("SET lock_timeout = 5000")
                conn.execute(f"TRUNCATE {', '.join(self._tables)} RESTART IDENTITY CASCADE")
        except psycopg.Error:
            self.drop(self._scratch)
            self._scratch = ""
            return self.scratch()
        return self._scratch

    def drop(self, url: str) -> None:
        """Drop a database made by fresh() (its connections are closed first)."""
        name = url.split("/", 3)[3].split("?", 1)[0]
        with contextlib.suppress(Exception), self._admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if not self.folder or not os.path.isdir(self.folder):
            return
        data = os.path.join(self.folder, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            with contextlib.suppress(Unavailable, OSError, subprocess.SubprocessError):
                self._call("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running():
    """A server of one's own for as long as the block runs. When none can start here the
    test skips with the reason, except under CI=true, where it fails: CI must run both
    backends."""
    import pytest  # noqa: PLC0415 - only the tests use this helper

    server = Server()
    try:
        server.start()
    except Unavailable as exc:
        server.stop()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL test server could not start: {exc}")
        pytest.skip(f"PostgreSQL test server could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()
