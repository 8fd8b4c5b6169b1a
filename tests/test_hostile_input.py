"""Hostile input at the edge: no line or argument stops the bot or ends in a traceback.

`--jsonl` runs in a real subprocess (`python -m bot ask --jsonl`, `track --jsonl`):
every line is answered with one JSON object, in order, and the process is
alive at the end of input and exits 0. Single commands print one line on
stderr and exit non-zero.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import clean, main

REPO = Path(__file__).resolve().parents[1]
CONTROL = {  # the line after them all, answered as ever
    "ask": b'{"text": "is the NPSC open now?", "at": "2026-11-23T10:00:00-06:00"}',
    "track": b'{"text": "my trackers"}',
}
TRACK = b'{"text": "bvoip sev 1 site down since 8am CT", "at": "2026-11-23T09:00:00-06:00"}'

# (line as sent, what the answer holds: "error: <words>" or an intent, or "any" for a reply)
HOSTILE = [
    (b'{"text": "is the NPSC open now?", "tz": 5}', "error: 'tz' must be a string"),
    (b'{"text": "is the NPSC open now?", "tz": null}', "any"),
    (b'{"text": "is the NPSC open now?", "user": ["U1"]}', "error: 'user' must be a string"),
    (b'{"text": "is the NPSC open now?", "user": {"id": 1}}', "error: 'user' must be a string"),
    (b'{"text": "is the NPSC open now?", "at": 12}', "error: 'at' must be a string"),
    (b'{"text": "is the NPSC open now?", "at": true}', "error: 'at' must be a string"),
    (b'{"text": 42}', "error: 'text' must be a string"),
    (b'{"text": 1e400}', "error: 'text' must be a string"),
    (b'{"text": null}', "error: 'text' must be a string"),
    (b'{"text": "hi", "at": "0001-01-01T00:00:00"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "0001-01-01T00:00:00-12:00"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "0100-06-01T09:00:00-06:00"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "9999-12-31T23:59:59"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "9999-12-31T23:59:59+14:00"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "1969-12-31T12:00:00Z"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "2101-01-01T00:00:00Z"}', "error: years 1970-2100"),
    (b'{"text": "hi", "at": "2026-13-45T99:00"}', "error: ISO 8601"),
    (b'{"text": "hi", "at": "1e400"}', "error: ISO 8601"),
    (b'{"text": "hi", "at": "' + b"9" * 300 + b'"}', "error: 'at' is too long"),
    (b'{"text": "hi", "tz": "Mars/Olympus"}', "error: unknown time zone"),
    (b'{"text": "hi", "tz": "America/Chicago\\u0000"}', "any"),
    (b'{"text": "hi", "tz": "' + b"A" * 5000 + b'"}', "error: 'tz' is too long"),
    (b'{"text": "show 999999999999999999999999999999"}', "any"),
    (b'{"text": "resolved 999999999999999999999999999999"}', "any"),
    (b'{"text": "reopen 99999999999999999999"}', "any"),
    (b'{"text": "escalated 9223372036854775808"}', "any"),
    (b'{"text": "snooze 1 99999999999h"}', "any"),
    (b'{"text": "snooze 1 1e308h"}', "any"),
    (b'{"text": "snooze 9999999999999999999999 2h"}', "any"),
    (b'{"text": "snooze 1 until year 9999"}', "any"),
    (b'{"text": "update on ticket 99999999999999999999999999999999"}', "any"),
    (b'{"text": "track bvoip sev 1 site down since Jan 1 100"}', "any"),
    (b'{"text": "remind me in 99999999999 days to call"}', "any"),
    (b'{"text": "\\ud800 is the NPSC open?"}', "any"),
    (b'{"text": "\\udfff\\ud800\\udbff"}', "any"),
    (b'{"text": "caf\xff\xfe is the lsc open"}', "any"),
    (b"\xff\xfe\xfd", "error: not valid JSON"),
    (b"\xc0\x80\xed\xa0\x80", "error: not valid JSON"),
    (b'{"text": "\\u0000\\u0000"}', "any"),
    (b"[" * 30_000, "error: nested too deeply"),
    (b'{"text": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "error: nested too deeply"),
    (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "error: nested too deeply"),
    (b"[" * 200_000, "error: line longer than"),
    (b'"just a string"', "error: JSON object"),
    (b"42", "error: JSON object"),
    (b"null", "error: JSON object"),
    (b"[]", "error: JSON object"),
    (b"{}", "error: JSON object"),
    (b"{not json", "error: not valid JSON"),
    (b'{"text": "' + b"x" * 5_000 + b'"}', "error: 'text' is too long"),
    (b'{"text": "' + b"x" * 100_000 + b'"}', "error: line longer than"),
    (b'{"text": "' + b"a " * 5_000_000 + b'"}', "error: line longer than"),  # a 10 MB line
    (b'{"text": "hi"} trailing', "error: not valid JSON"),
    (b'{"text": "hi", "text": 5}', "error: 'text' must be a string"),
]


def run_jsonl(command: str, lines: list[bytes]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", command, "--jsonl"],
        input=b"\n".join(lines) + b"\n", capture_output=True, env=env, timeout=300,
    )  # fmt: skip


def check(expect: str, out: dict) -> bool:
    if expect.startswith("error: "):
        return expect.removeprefix("error: ") in out.get("error", "")
    return "error" in out or "intent" in out


@pytest.mark.parametrize("command", ["ask", "track"])
def test_every_hostile_line_is_answered_and_the_process_lives(command):
    lines = [TRACK] + [line for line, _ in HOSTILE] + [CONTROL[command]]
    done = run_jsonl(command, lines)
    replies = [json.loads(r) for r in done.stdout.decode("ascii").splitlines()]
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in done.stderr
    assert len(replies) == len(lines)  # one answer per line, in order, to the end
    wrong = [
        (line[:60], expect, replies[i + 1])
        for i, (line, expect) in enumerate(HOSTILE)
        if not check(expect, replies[i + 1])
    ]
    assert wrong == []
    assert replies[-1]["center"] == "NPSC" if command == "ask" else "#1 " in replies[-1]["text"]
    assert b"line failed" not in done.stderr  # each was refused at the edge, not caught late
    print(f"\n{command} --jsonl: {len(HOSTILE)} hostile lines, 0 deaths")


def test_huge_ids_are_trackers_that_do_not_exist():
    done = run_jsonl("track", [TRACK, *(line for line, _ in HOSTILE[22:26])])
    replies = [json.loads(r) for r in done.stdout.decode().splitlines()]
    assert replies[0]["id"] == 1
    assert "I have no tracker #999999999999999999999999999999" in replies[1]["text"]
    assert "I have no tracker #999999999999999999999999999999" in replies[2]["text"]


def test_a_snooze_past_any_date_is_refused_like_a_long_one():
    done = run_jsonl("track", [TRACK, b'{"text": "snooze 1 99999999999h"}'])
    replies = [json.loads(r) for r in done.stdout.decode().splitlines()]
    assert "a week at most" in replies[1]["text"]


@pytest.mark.parametrize(
    "text,cleaned",
    [
        ("plain", "plain"),
        ("\ud800 lone", "\ufffd lone"),
        ("nul\x00here", "nulhere"),
        ("caf\udcff", "caf\ufffd"),  # an undecodable argv byte (surrogateescape)
    ],
)
def test_text_is_made_valid_utf8(text, cleaned):
    assert clean(text) == cleaned
    clean(text).encode("utf-8")


SINGLE = [
    (["ask", "--at", "0001-01-01T00:00:00", "is the NPSC open?"], 2, "years 1970-2100"),
    (["ask", "--at", "9999-12-31T23:59:59", "is the NPSC open?"], 2, "years 1970-2100"),
    (["ask", "--tz", "Mars/Olympus", "hi"], 2, "unknown time zone"),
    (["ask", "x" * 100_000], 2, "too long"),
    (["track", "--at", "0100-01-01T00:00:00", "bvoip sev 1 site down"], 2, "years 1970-2100"),
    (["track", "show 999999999999999999999999999999"], 0, ""),
    (["track", "snooze 1 99999999999h"], 0, ""),
]


@pytest.mark.parametrize("argv,code,message", SINGLE, ids=[" ".join(a)[:40] for a, _, _ in SINGLE])
def test_single_commands_fail_in_one_line(argv, code, message):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *argv], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == code and "Traceback" not in done.stderr
    if code:
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_console_goes_on_after_hostile_lines(capsys):
    import io

    from bot.console import run_console

    lines = [
        "x" * 10_000,
        "\ud800",
        "snooze 1 99999999999h",
        "show 99999999999999999999999",
        "help",
    ]
    out = io.StringIO()
    assert run_console("America/Chicago", io.StringIO("\n".join(lines) + "\n"), out, False) == 0
    text = out.getvalue()
    assert "too long" in text and "I have no tracker" in text and text.count("bot> ") == 5


def test_main_turns_a_surprise_into_one_line(monkeypatch, capsys):
    import bot.cli

    def boom(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(bot.cli, "ask_one", boom)
    assert main(["ask", "hi"]) == 70
    assert "internal error (KeyError" in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`clecbot ask --jsonl < lines | head -1`: a closed pipe ends the run quietly, exit 0."""
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(b'{"text": "lsc hours"}\n' * 3000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        f"'{sys.executable}' -m bot ask --jsonl < '{lines}' | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(b"\n") == 1
    assert b"error" not in done.stderr.lower()
