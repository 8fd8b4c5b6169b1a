"""The knowledge data: every source is present, and a bad edit fails naming file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge.loader import DATA_DIR, KnowledgeError, load_from

CENTER_IDS = {
    "CSC", "ISCC", "LSC", "NPSC", "LNPC", "MCPSC", "SRCAM", "LI-E911-SRCAM", "BDET", "WSS",
    "CSR-CENTER", "BVOIP", "WSHD", "CSIE",
}  # fmt: skip


def test_every_center_is_known(k):
    assert set(k.centers) == CENTER_IDS
    assert {r.id for r in k.center("LSC").regions} == {"midwest", "southeast", "southwest", "west"}


def test_every_fact_names_its_source(k):
    entries = [*k.centers.values(), *k.error_codes, *k.who_to_call, *k.escalation_types]
    entries += [*k.codes, *k.severities, *k.ladders.values(), *k.topics]
    for entry in entries:
        assert entry.source.section and entry.source.document in k.documents, entry


FACTS = [
    # center, phone that must be listed (from the seeds)
    ("NPSC", "877-910-0468"),
    ("LNPC", "866-791-0240"),
    ("ISCC", "877-681-2271"),
    ("MCPSC", "877-681-2271"),
    ("CSC", "800-579-9446"),
]


@pytest.mark.parametrize("center,phone", FACTS)
def test_center_phones(k, center, phone):
    c = k.center(center)
    phones = [x.phone for x in c.contacts] + [x.phone for r in c.regions for x in r.contacts]
    assert phone in phones


def test_reject_codes_and_prefixes_are_complete(k):
    rejects = {c.code for c in k.codes if c.kind == "csr-reject"}
    assert rejects == {"001", "002", "003", "004", "018", "052", "200", "201", "501"}
    prefixes = {e.prefix for e in k.error_codes}
    assert set("BDEHILPRSTU") | {"G", "M", "IF", "LS", "PA", "SD", "SF", "MR"} == prefixes


def test_revision_dates(k):
    assert k.center("CSC").source.revised == "2025-05-14"
    assert k.center("NPSC").source.revised == "2015-01-12"
    assert k.center("LNPC").source.revised == "2020-12-17"
    assert k.center("MCPSC").source.revised == "2016-08-03"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text()
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))


BAD_EDITS = [
    # file, text replaced, replacement, words the error must name
    ("att_center_contacts.toml", 'zone = "America/Chicago"', 'zone = "America/Chicag"',
     ["att_center_contacts.toml", "center", "unknown zone"]),
    ("att_center_contacts.toml", 'id = "NPSC"', 'id = "CSC"',
     ["att_center_contacts.toml", "center CSC", "duplicate id"]),
    ("att_center_contacts.toml", 'open = "07:30"', 'open = "7.30"',
     ["att_center_contacts.toml", "bad time"]),
    ("qwest_cmp.toml", 'close = "15:00"', 'close = "25:00"',
     ["qwest_cmp.toml", "center WSHD", "bad time"]),
    ("att_bvoip.toml", 'center = "BVOIP"', 'center = "BVOIPX"',
     ["ladder bvoip", "unknown center"]),
    ("att_business_csr.toml", "section =", "sectionx =",
     ["att_business_csr.toml", "missing 'section'"]),
    ("readings.toml", '"America/New_York"', '"America/NewYork"',
     ["readings.toml", "unknown zone"]),
    ("readings.toml", 'c_in_rpon = { center = "LSC"', 'c_in_rpon = { center = "LSCX"',
     ["reqtyp_routing.c_in_rpon", "unknown center"]),
    ("readings.toml", "c_unsaid = {", "c_unsaid_x = {",
     ["readings.toml", "reqtyp_routing.c_unsaid", "needs center and reason"]),
]  # fmt: skip


@pytest.mark.parametrize("file,old,new,words", BAD_EDITS, ids=[b[2] for b in BAD_EDITS])
def test_bad_edit_names_file_and_entry(data_copy, file, old, new, words):
    edit(data_copy, file, old, new)
    with pytest.raises(KnowledgeError) as err:
        load_from(data_copy)
    for word in words:
        assert word in str(err.value)


def test_overlapping_hours_are_refused(data_copy):
    edit(
        data_copy,
        "qwest_cmp.toml",
        'days = "sat"',
        'days = "fri"',
    )
    with pytest.raises(KnowledgeError, match="overlapping hours on fri"):
        load_from(data_copy)


def test_check_knowledge_command(capsys, data_copy):
    assert main(["check-knowledge"]) == 0
    assert "14 centers" in capsys.readouterr().out
    edit(data_copy, "att_bvoip.toml", 'center = "BVOIP"', 'center = "NOPE"')
    assert main(["check-knowledge", "--data", str(data_copy)]) == 1
    assert "unknown center 'NOPE'" in capsys.readouterr().err


def test_a_database_from_before_millisecond_instants_still_reads(tmp_path):
    """Migration 0004 rewrites second-precision stamps ('...:42Z') written before it."""
    import sqlite3

    import sqlite_utils

    from storage import trackers as repo
    from storage.db import connect, migrations

    path = str(tmp_path / "old.db")
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrations.apply(old, stop_before="0004_millisecond_instants")  # the schema before 0004
    old.execute(
        "INSERT INTO trackers (owner, kind, title, zone, started_at, created_at, updated_at)"
        " VALUES ('U1', 'custom', 'old', 'America/Chicago', '2026-11-22T00:29:42Z',"
        " '2026-11-22T00:29:42Z', '2026-11-22T00:29:42Z')"
    )
    old.execute("INSERT INTO events (tracker_id, at, kind) VALUES (1, '2026-11-22T00:29:42Z', 'x')")
    old.conn.close()
    assert sqlite3.connect(path).execute("SELECT started_at FROM trackers").fetchone()[0][-1] == "Z"
    tracker = repo.get(connect(path), 1)
    assert tracker.started_at.isoformat() == "2026-11-22T00:29:42+00:00"
    assert repo.events(connect(path), 1)[0]["at"] == tracker.started_at
    assert "0004_millisecond_instants" in {m.name for m in migrations.applied(connect(path))}
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connect(path).execute("DELETE FROM events")
