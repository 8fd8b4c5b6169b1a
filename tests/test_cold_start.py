"""Start fast, stay warm: what `clecbot ask` loads, and what `serve` prepares before the
first request. Asserted by what is imported and built, never by how long it took
(docs/performance.md has the timings)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
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
    assert any(country == "US" for country, _ in hours._TABLES)  # the holiday calendar is in
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


# --- the knowledge cache: the validated Knowledge kept between runs ----------------------


def same_knowledge(a, b) -> bool:
    """Knowledge compares by identity (engines cache per instance): compare its fields."""
    from dataclasses import fields

    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(a))


def data_copy(tmp_path: Path) -> Path:
    from bot.knowledge.loader import DATA_DIR

    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_the_cached_knowledge_is_the_knowledge_loaded_from_the_toml(tmp_path):
    from bot.knowledge.loader import DATA_DIR, load_cached, load_from

    built = load_cached(DATA_DIR, tmp_path)  # builds and writes the cache
    assert len(list(tmp_path.glob("knowledge-*.pickle"))) == 1
    cached = load_cached(DATA_DIR, tmp_path)  # read back
    assert cached is not built
    assert same_knowledge(cached, load_from(DATA_DIR))
    assert same_knowledge(built, load_from(DATA_DIR))


def test_the_cached_holidays_are_the_librarys_for_every_day():
    from bot.knowledge import hours

    library = hours.country_holidays("US")  # every year on demand, as the engine used it
    for year in (1970, 2021, 2022, 2026, 2027, 2100):
        days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
        table = hours.holiday_tables({"US"}, range(year, year + 1))[("US", year)]
        assert [table.get(d) for d in days if d.year == year] == [
            library.get(d) for d in days if d.year == year
        ]


def test_an_edited_data_file_is_read_again_not_taken_from_the_cache(tmp_path):
    from bot.knowledge.loader import load_cached

    data = data_copy(tmp_path)
    before = load_cached(data, tmp_path / "cache")
    contacts = data / "att_center_contacts.toml"
    text = contacts.read_text()
    assert 'name = "Number Portability Service Center"' in text
    contacts.write_text(text.replace('name = "Number Portability Service Center"',
                                     'name = "Number Porting Center"', 1))  # fmt: skip
    after = load_cached(data, tmp_path / "cache")
    assert before.centers["NPSC"].name == "Number Portability Service Center"
    assert after.centers["NPSC"].name == "Number Porting Center"


def test_a_broken_data_file_fails_loudly_even_with_a_cache(tmp_path):
    from bot.knowledge.loader import KnowledgeError, load_cached

    data = data_copy(tmp_path)
    load_cached(data, tmp_path / "cache")
    (data / "qwest_cmp.toml").write_text("[document\n")
    with pytest.raises(KnowledgeError, match="qwest_cmp.toml: not valid TOML"):
        load_cached(data, tmp_path / "cache")
    (data / "qwest_cmp.toml").unlink()
    with pytest.raises(KnowledgeError, match="qwest_cmp.toml: missing data file"):
        load_cached(data, tmp_path / "cache")


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05K\x01.", None])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(tmp_path, damage):
    import pickle

    from bot.knowledge.loader import DATA_DIR, load_cached, load_from

    load_cached(DATA_DIR, tmp_path)
    (path,) = tmp_path.glob("knowledge-*.pickle")
    if damage is None:  # readable, but not what it claims to be
        path.write_bytes(pickle.dumps((path.stem, "a knowledge", {})))
    else:
        path.write_bytes(damage)
    assert same_knowledge(load_cached(DATA_DIR, tmp_path), load_from(DATA_DIR))
    assert same_knowledge(load_cached(DATA_DIR, tmp_path), load_from(DATA_DIR))  # rewritten


def test_a_cache_file_others_could_write_is_never_unpickled(tmp_path, monkeypatch):
    import pickle

    from bot.knowledge.loader import DATA_DIR, load_cached, load_from

    load_cached(DATA_DIR, tmp_path)
    (path,) = tmp_path.glob("knowledge-*.pickle")
    path.chmod(0o666)
    with monkeypatch.context() as m:
        m.setattr(pickle, "load", lambda fh: pytest.fail("unpickled a file others can write"))
        assert same_knowledge(load_cached(DATA_DIR, tmp_path), load_from(DATA_DIR))
    assert path.stat().st_mode & 0o077 == 0  # rebuilt, readable and writable by its owner only


def test_a_cache_folder_that_cannot_be_written_is_done_without(tmp_path):
    from bot.knowledge.loader import DATA_DIR, load_cached, load_from

    blocked = tmp_path / "a file"
    blocked.write_text("")
    assert same_knowledge(load_cached(DATA_DIR, blocked / "cache"), load_from(DATA_DIR))
    assert same_knowledge(load_cached(DATA_DIR, None), load_from(DATA_DIR))


def test_only_a_few_cache_files_are_kept(tmp_path):
    from bot.knowledge.loader import CACHE_KEPT, load_cached

    data = data_copy(tmp_path)
    readings = data / "readings.toml"
    for n in range(CACHE_KEPT + 2):
        readings.write_text(readings.read_text() + f"\n# edit {n}\n")
        load_cached(data, tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("knowledge-*.pickle"))) == CACHE_KEPT
    assert not list((tmp_path / "cache").glob(".knowledge-*"))  # no temporary file left


@pytest.mark.parametrize(
    "env, folder",
    [
        ({"CLEC_BOT_CACHE_DIR": "/srv/cache"}, "/srv/cache"),
        ({"CLEC_BOT_CACHE_DIR": "off"}, None),
        ({"CLEC_BOT_CACHE_DIR": "OFF", "XDG_CACHE_HOME": "/x"}, None),
        ({"XDG_CACHE_HOME": "/var/cache/u"}, "/var/cache/u/clecbot"),
        ({"HOME": "/home/desk"}, "/home/desk/.cache/clecbot"),
    ],
)
def test_where_the_cache_is_kept(monkeypatch, env, folder):
    from bot.knowledge.loader import cache_dir

    for name in ("CLEC_BOT_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cache_dir() == (Path(folder) if folder else None)


LOADED_FROM_CACHE = """
import json, sys
from bot.cli import main
main(["ask", "--at", "2026-11-26T10:00:00-06:00", "lnpc hours on thanksgiving"])
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_a_start_from_the_cache_parses_no_toml_and_imports_no_holidays(tmp_path):
    env = {**os.environ, "CLEC_BOT_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", LOADED_FROM_CACHE], cwd=REPO, env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
            for _ in range(2)]  # fmt: skip
    first, second = (json.loads(r.stderr.strip().splitlines()[-1]) for r in runs)
    assert runs[0].stdout == runs[1].stdout and "Thanksgiving" in runs[1].stdout
    assert "tomllib" in first and "holidays" in first  # the first run built the cache
    assert [m for m in second if m.startswith(("tomllib", "holidays"))] == []
