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
