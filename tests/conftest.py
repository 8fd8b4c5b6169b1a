"""Shared fixtures: the bundled knowledge, and `ask` (a line in, the JSON reply out)."""

from __future__ import annotations

from datetime import datetime

import pytest
import pytz

from bot.cli import ask_one
from bot.knowledge.loader import load


@pytest.fixture(scope="session")
def k():
    return load()


@pytest.fixture(scope="session")
def ask():
    """ask(text, at=..., tz=...) -> the --jsonl reply dict: one line, one conversation."""

    def _ask(text: str, at: str = "2026-11-23T10:00:00-06:00", tz: str = "America/Chicago"):
        return ask_one(text, at, tz)

    return _ask


def local(text: str, zone: str) -> datetime:
    """'2026-12-01 07:45' in `zone`, localized (never replace(tzinfo=))."""
    return pytz.timezone(zone).localize(datetime.fromisoformat(text))


ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
    "AZ": "America/Phoenix",
}


def at(text: str) -> datetime:
    """'2026-12-01 07:45 CT' -> an aware datetime in that zone."""
    stamp, zone = text.rsplit(" ", 1)
    return local(stamp, ZONES[zone])


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch):
    """Every test gets its own CLEC_BOT_DB: none writes ./clecbot.db in the checkout."""
    monkeypatch.setenv("CLEC_BOT_DB", str(tmp_path / "clecbot.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # an operator's server is never used


# --- the two backends -----------------------------------------------------------------
#
# `database` (parametrized sqlite / postgresql) is what a test passes to
# storage.db.connect() and to Scheduler(...) as the path: a SQLite file in the test's
# folder, or the URL of an emptied PostgreSQL database (one reused database, TRUNCATEd
# before each test: ids start at 1 again). `pg_url` is the URL of a database of the
# test's own, copied from the migrated template and dropped afterwards: the
# `DATABASE_URL` a subprocess can use (e.g. replicas), or for a test that changes the
# schema or the migrations table. The
# server is started once per session by tests/pg_server.py; when it cannot be started
# the PostgreSQL half skips with the reason, except under CI=true, where it fails.


@pytest.fixture(scope="session")
def pg_server():
    from tests.pg_server import running

    with running() as server:
        yield server


@pytest.fixture
def pg_url(pg_server):
    """A DATABASE_URL naming a fresh, migrated PostgreSQL database (dropped afterwards)."""
    url = pg_server.fresh()
    yield url
    pg_server.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The database a test runs on, once per backend: a SQLite file path or a
    PostgreSQL URL, either accepted by storage.db.connect() and Scheduler."""
    if request.param == "sqlite":
        return str(tmp_path / "clecbot.db")
    return request.getfixturevalue("pg_server").scratch()


@pytest.fixture
def db(database):
    """A connection to the `database` fixture's database (SQLite, then PostgreSQL),
    closed after the test."""
    from storage.db import connect

    conn = connect(database)
    yield conn
    conn.conn.close()


@pytest.fixture
def fake(monkeypatch):
    """A local fake Slack Web API (tests/fake_slack.py) for the test; loopback bypasses any
    HTTP(S)_PROXY slack_sdk would otherwise send through."""
    from tests.fake_slack import FakeSlack

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FakeSlack() as slack:
        yield slack
