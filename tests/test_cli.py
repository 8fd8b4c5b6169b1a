"""The command line: ask, --json, --jsonl (the JSON contract), console, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import main, run_jsonl
from bot.console import run_console

CONTRACT = {"intent", "center", "region", "when", "open", "text"}


def jsonl(*lines: str) -> list[dict]:
    out = io.StringIO()
    run_jsonl(io.StringIO("\n".join(lines) + "\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_jsonl_answers_in_order_with_the_contract_fields():
    rows = jsonl(
        json.dumps({"text": "is the NPSC open now?", "at": "2026-11-23T07:00:00-06:00"}),
        json.dumps(
            {
                "text": "is the west lsc open",
                "at": "2026-11-23T10:00:00-06:00",
                "tz": "America/Los_Angeles",
                "user": "U1",
            }
        ),  # fmt: skip
    )
    assert [r["center"] for r in rows] == ["NPSC", "LSC"]
    assert all(set(r) >= CONTRACT for r in rows)
    assert rows[0]["open"] is False and rows[0]["when"] == "2026-11-23T07:00:00-06:00"
    assert rows[1]["region"] == "west" and rows[1]["when"] == "2026-11-23T08:00:00-08:00"


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ('"just a string"', "JSON object"),
    ('{"at": "2026-11-23T10:00:00-06:00"}', '"text"'),
    ('{"text": "hi", "tz": "Mars/Olympus"}', "unknown time zone"),
    ('{"text": "hi", "at": "yesterday-ish"}', "ISO 8601"),
]


@pytest.mark.parametrize("line,message", BAD_LINES, ids=[b[1] for b in BAD_LINES])
def test_jsonl_bad_line_gets_an_error_and_the_rest_go_on(line, message):
    rows = jsonl(line, json.dumps({"text": "help"}))
    assert message in rows[0]["error"]
    assert rows[1]["intent"] == "help"


def test_ask_prints_text_and_json(capsys):
    assert main(["ask", "--at", "2026-11-23T10:00:00-06:00", "is the NPSC open?"]) == 0
    assert "NPSC" in capsys.readouterr().out
    assert main(["ask", "--json", "--at", "2026-11-23T10:00:00-06:00", "npsc hours"]) == 0
    assert json.loads(capsys.readouterr().out)["center"] == "NPSC"


def test_ask_bad_zone_is_a_friendly_error(capsys):
    assert main(["ask", "--tz", "Nowhere", "hi"]) == 2
    err = capsys.readouterr().err
    assert "unknown time zone" in err and "Traceback" not in err


def test_default_zone_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("CLEC_BOT_TZ", "America/New_York")
    main(["ask", "--json", "--at", "2026-11-23T10:00:00", "is the npsc open"])
    assert json.loads(capsys.readouterr().out)["when"] == "2026-11-23T10:00:00-05:00"


def test_console_conversation():
    out = io.StringIO()
    run_console("America/Chicago", io.StringIO("who handles ftp problems\n\nquit\n"), out)
    assert "ISCC" in out.getvalue() and "24x7" in out.getvalue()


def test_every_command_has_help_text():
    from bot.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, cmd in sub.choices.items():
        assert sub._name_parser_map[name].description or any(
            c.dest == name and c.help for c in sub._choices_actions
        ), name
        assert cmd.format_help()


def test_python_dash_m_bot_runs():
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--at", "2026-11-23T10:00:00-06:00", "lnpc phone"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "866-791-0240" in done.stdout


def test_track_json_and_trackers(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CLEC_BOT_DB", str(tmp_path / "cli.db"))
    args = ["track", "--json", "--at", "2026-12-01T08:05:00-06:00", "--tz", "America/Chicago"]
    assert main([*args, "--user", "U9", "bvoip sev 2 degraded since 8am central AOTS 42"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["id"], out["kind"], out["severity"]) == (1, "bvoip", 2)
    assert out["steps"][0] == {**out["steps"][0], "level": 1, "due_at": "2026-12-01T08:00:00-06:00"}
    assert main(["trackers", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in listed] == [1] and len(listed[0]["steps"]) == 5


def test_track_jsonl(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEC_BOT_DB", str(tmp_path / "jsonl.db"))
    out = io.StringIO()
    lines = [
        {"text": "track csr BTN 312-555-0101 submitted 2026-11-30 11am ET",
         "at": "2026-11-30T11:05:00-05:00", "tz": "America/New_York", "user": "U1"},
        {"text": "qwest sev 4 ticket 45679", "at": "2026-11-23T10:00:00-07:00",
         "tz": "America/Denver"},
        {"text": "resolved 1", "at": "2026-11-30T12:00:00-05:00", "user": "U2"},
    ]  # fmt: skip
    run_jsonl(
        io.StringIO("\n".join(json.dumps(x) for x in lines) + "\nnot json\n"), out, track=True
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("kind") for r in rows[:2]] == ["csr", "qwest_it"]
    assert [s["due_at"] for s in rows[0]["steps"]][0] == "2026-12-03T11:00:00-05:00"
    assert "only its owner" in rows[2]["text"]  # U2 may not resolve U1's tracker
    assert "error" in rows[3]
