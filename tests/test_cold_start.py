"""Start fast, stay warm: what `clecbot ask` loads, and what `serve` prepares before the
first request. Asserted by what is imported and built, never by how long it took
(docs/performance.md has the timings)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.conversation import EXAMPLES
from bot.knowledge import routing

REPO = Path(__file__).resolve().parents[1]
LOADED_BY_ASK = """
import json, sys
from bot.cli import main
main(["ask", "--at", "2026-11-26T10:00:00-06:00", sys.argv[1]])
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
NOT_FOR_A_QUESTION = ("sqlite_utils", "storage.db", "storage.trackers", "bot.tracking",
                      "slack_sdk", "slack_bolt", "aiohttp", "holidays.countries")  # fmt: skip


@pytest.mark.parametrize(
    "question", ["is the npsc open now", "lnpc hours on thanksgiving", "error code SF0101?"]
)
def test_a_question_loads_no_storage_no_slack_and_one_countrys_holidays(question):
    done = subprocess.run([sys.executable, "-c", LOADED_BY_ASK, question], cwd=REPO,
                          capture_output=True, text=True, check=True)  # fmt: skip
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert done.stdout.strip()  # it answered
    unwanted = [m for m in loaded if m.startswith(NOT_FOR_A_QUESTION)]
    assert unwanted in ([], ["holidays.countries.united_states"]), unwanted


def test_a_storage_fault_is_still_one_line_with_storage_loaded_late(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("CLEC_BOT_DB", str(tmp_path / "missing" / "x.db"))
    assert main(["trackers"]) == 1
    assert "does not exist" in capsys.readouterr().err


# --- the phrase index: the same finds as the one big regex it replaced ---------------------


def regex_finds(phrases: list[str], text: str) -> list[tuple[str, int]]:
    """The reference: one alternation of every phrase, longest first, between non-word chars."""
    body = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w-])(" + body + r")(?![\w-])")
    return [(m.group(1), m.start()) for m in pattern.finditer(text)]


def lines_made_of(phrases: list[str], n: int) -> list[str]:
    """Lines of phrases, pieces of phrases and words, glued in ways people type them."""
    rng = random.Random(9)
    words = ["hours", "open", "who", "sev", "1", "at&t", "qwest", "x", "-", "_"]
    glue = [" ", "  ", "-", ", ", "/", "", "s ", "_", ". ", "?"]
    lines = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 6)):
            pick = rng.choice(phrases)
            if rng.random() < 0.3:
                pick = pick[: rng.randint(1, len(pick))]  # a phrase cut short
            parts.append(rng.choice([pick, pick, rng.choice(words)]))
        lines.append("".join(p + rng.choice(glue) for p in parts).strip())
    return lines


def test_the_phrase_index_finds_what_the_one_big_regex_found(k):
    phrases = list(routing.phrase_index(k).targets)
    matcher = routing.Phrases(phrases)
    lines = [q.lower() for q in EXAMPLES] + lines_made_of(phrases, 1500)
    differ = [t for t in lines if list(matcher.finditer(t)) != regex_finds(phrases, t)]
    assert not differ, differ[:5]


# (phrases, text, what is found)
EDGES = [
    (["lsc", "west lsc"], "is the west lsc open", [("west lsc", 7)]),
    (["lsc"], "the lscs", []),  # never inside a longer word
    (["lsc"], "non-lsc work", []),  # nor after a hyphen
    (["lsc"], "lsc-west", []),  # nor before one
    (["at&t"], "at&t, lsc", [("at&t", 0)]),
    (["npsc", "lnpc"], "npsc/lnpc", [("npsc", 0), ("lnpc", 5)]),
    (["ab", "b c"], "ab c", [("ab", 0)]),  # leftmost first, never overlapping
]


@pytest.mark.parametrize("phrases, text, found", EDGES)
def test_phrase_edges(phrases, text, found):
    assert list(routing.Phrases(phrases).finditer(text)) == found == regex_finds(phrases, text)


# --- serve: warm before the first request ------------------------------------------------


def test_serve_warms_every_kind_of_question_and_the_trackers_before_the_first_request():
    from bot.handlers.app import warm
    from bot.handlers.context import Deps
    from bot.knowledge import hours
    from bot.knowledge.loader import load

    deps = Deps(load(), ":memory:", "America/Chicago")
    warm(deps)
    assert routing.phrase_index.cache_info().currsize >= 1
    hits = hours._country.cache_info().hits
    hours._country("US")
    assert hours._country.cache_info().hits == hits + 1  # the holiday calendar was built
    assert "bot.tracking" in sys.modules


FIRST_CALENDAR_AT_ONCE = """
import threading
from datetime import date
from bot.knowledge.hours import country_holidays
names, gate = [], threading.Barrier(32)
def ask():
    gate.wait()
    names.append(country_holidays("US").get(date(2026, 11, 26)))
threads = [threading.Thread(target=ask) for _ in range(32)]
[t.start() for t in threads]
[t.join() for t in threads]
print(sorted(set(names)), len(names))
"""


def test_the_first_calendar_asked_for_by_many_threads_at_once_is_whole_for_each():
    """(Was a bug: a listener thread could see the US module half loaded: AttributeError.)"""
    done = subprocess.run([sys.executable, "-c", FIRST_CALENDAR_AT_ONCE], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr
    assert done.stdout.split() == ["['Thanksgiving", "Day']", "32"]
