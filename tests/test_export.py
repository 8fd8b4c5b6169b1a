"""The record for disputes: one CSV row per event, times in UTC and the asker's zone, the
level's contact and the source with its revision date; the same from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot import export
from bot.cli import main
from bot.conversation import respond
from bot.knowledge.loader import load
from bot.moments import parse_instant
from bot.scheduler import RecordingNotifier, Scheduler
from storage import desk as store
from storage import trackers as repo
from storage.db import connect

CT = "America/Chicago"


@pytest.fixture
def path(tmp_path, monkeypatch):
    db_path = str(tmp_path / "export.db")
    monkeypatch.setenv("CLEC_BOT_DB", db_path)
    return db_path


@pytest.fixture
def db(path):
    return connect(path)


def say(db, text, at, user="ana"):
    return respond(text, at=parse_instant(at, CT), tz=CT, user=user, db=db, channel="C1",
                   members=lambda ch: {"ana", "dana"}, k=load())  # fmt: skip


@pytest.fixture
def tracker(db, path):
    """A BVoIP sev 1 trouble: made, taken, nudged at level 2, a note, escalated."""
    say(db, "bvoip sev 1 site down since 8am central AOTS 1234567", "2026-12-01T08:05:00-06:00")
    say(db, "take 1", "2026-12-01T08:06:00-06:00", user="dana")
    clock = parse_instant("2026-12-01T09:00:30-06:00", CT)
    Scheduler(load(), RecordingNotifier(), path, clock=lambda: clock).tick()
    say(db, "note 1 =called Team Mgr Pat, ref 4471", "2026-12-01T09:10:00-06:00", user="dana")
    say(db, "escalated 1 to level 2", "2026-12-01T09:11:00-06:00", user="dana")
    return repo.get(db, 1)


def table(db, tracker, zone=CT):
    return export.rows(load(), tracker, store.timelines(db, [tracker.id])[tracker.id], zone)


def test_one_row_per_event_in_order(db, tracker):
    assert [(r["event"], r["actor"]) for r in table(db, tracker)] == [
        ("created", "ana"),
        ("assigned", "dana"),
        ("nudged", "clecbot"),
        ("note", "dana"),
        ("escalated", "dana"),
    ]


def test_times_in_utc_and_the_askers_zone(db, tracker):
    nudged = table(db, tracker, "America/New_York")[2]
    assert nudged["time_utc"] == "2026-12-01T15:00:30Z"
    assert nudged["time_local"] == "2026-12-01T10:00:30-05:00"


def test_the_nudge_names_whom_and_the_levels_contact_from_the_source(db, tracker):
    nudged = table(db, tracker)[2]
    assert nudged["level"] == 2 and nudged["note_or_contact"].startswith("nudged dana")
    assert nudged["source_contact"].startswith("Second Level: Team Manager")
    assert "BVoIP" in nudged["source"] and nudged["source_revised"] == "2013-04-02"


def test_a_note_is_verbatim_and_safe_in_a_spreadsheet(db, tracker):
    content = export.render(load(), [tracker], store.timelines(db, [1]), CT, "csv")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[3]["note_or_contact"] == "'=called Team Mgr Pat, ref 4471"
    assert list(rows[0]) == list(export.COLUMNS)


def test_json_carries_the_same_rows(db, tracker):
    content = export.render(load(), [tracker], store.timelines(db, [1]), CT, "json")
    (only,) = json.loads(content)
    assert only["assignee"] == "dana" and len(only["events"]) == 5
    assert only["events"][3]["note_or_contact"] == "=called Team Mgr Pat, ref 4471"


def test_cli_export_one_tracker(tracker, capsys):
    assert main(["export", "1", "--tz", "America/Denver"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 5 and rows[0]["time_local"].endswith("-07:00")


def test_cli_export_json_since(tracker, capsys):
    assert main(["export", "--since", "2026-11-01", "--format", "json"]) == 0
    assert [t["id"] for t in json.loads(capsys.readouterr().out)] == [1]


def test_cli_export_says_what_it_could_not_read(tracker, capsys):
    assert main(["export", "--since", "13/45/2026"]) == 2
    assert "13/45" in capsys.readouterr().err
    assert main(["export", "99"]) == 1
    assert "no tracker #99" in capsys.readouterr().err
