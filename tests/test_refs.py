"""Lookups that stay flat (storage/trackers.py, migration 0006_tracker_refs).

A tracker's references live in `tracker_refs` (indexed by value), kept by triggers from
`trackers.refs`, so "got an update on 45678" is a point lookup; a user's list is one
query by the (owner, state) index. Asserted by what SQLite plans and runs, not by time.
The lookups run on SQLite and on PostgreSQL; the migration's fill of old rows is SQLite's.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import pytz

from storage import db as storage_db
from storage import trackers as repo
from storage.trackers import NewStep

S = pytz.utc.localize(datetime(2026, 11, 23, 15, 0))


def track(db, refs: dict, owner: str = "U1", title: str = "t") -> int:
    return repo.create(db, owner=owner, kind="custom", title=title, zone="UTC", started_at=S,
                       steps=[NewStep(1, "reminder", S, "Reminder")], now=S, refs=refs)  # fmt: skip


def rows(db) -> list[tuple]:
    return db.execute("SELECT tracker_id, kind, value FROM tracker_refs ORDER BY 1, 2").fetchall()


# (the references a tracker is made with, a value said later, found?)
LOOKUPS = [
    ({"ticket": "45678"}, "45678", True),
    ({"btn": "3125550100"}, "3125550100", True),
    ({"aots": "000123456"}, "000123456", True),
    ({"pon": "PON-7788"}, "PON-7788", True),
    ({"btn": "3125550100", "aots": "77"}, "77", True),
    ({"ticket": "45678"}, "4567", False),  # whole values only, never a prefix
    ({"ticket": "45678"}, "456789", False),
    ({}, "45678", False),
]


@pytest.mark.parametrize("refs, said, found", LOOKUPS)
def test_a_reference_finds_its_open_tracker(db, refs, said, found):
    track(db, {"ticket": "11111"}, title="other")
    tracker_id = track(db, refs)
    assert [t.id for t in repo.find_by_ref(db, said)] == ([tracker_id] if found else [])


def test_resolved_trackers_are_not_found_and_the_newest_open_comes_first(db):
    old, resolved, new = (track(db, {"ticket": "45678"}, title=n) for n in "abc")
    repo.resolve(db, resolved, "U1", S)
    assert [t.id for t in repo.find_by_ref(db, "45678")] == [new, old]


def test_found_trackers_are_read_as_get_reads_them(db):
    tracker_id = track(db, {"ticket": "45678", "customer": "Acme"})
    (found,) = repo.find_by_ref(db, "45678")
    assert found == repo.get(db, tracker_id)


def test_references_follow_any_writer_of_refs(db):
    tracker_id = track(db, {"ticket": "45678"})
    db.execute("UPDATE trackers SET refs = ? WHERE id = ?", (json.dumps({"aots": "9"}), tracker_id))
    assert rows(db) == [(tracker_id, "aots", "9")]
    assert repo.find_by_ref(db, "45678") == [] and repo.find_by_ref(db, "9")


@pytest.mark.parametrize("stored", ["{nope", "[1, 2]", '"45678"', "45678", '{"ticket": 45678}'])
def test_references_that_are_not_an_object_of_text_give_no_rows_and_stop_nothing(db, stored):
    good = track(db, {"ticket": "45678"}, title="good")
    bad = track(db, {"ticket": "1"}, title="bad")
    db.execute("UPDATE trackers SET refs = ? WHERE id = ?", (stored, bad))
    assert [r for r in rows(db) if r[0] == bad] == []
    assert [t.id for t in repo.find_by_ref(db, "45678")] == [good]


def test_the_migration_fills_the_table_from_trackers_already_stored(tmp_path):
    """A database from before 0006: its trackers' refs JSON becomes rows when it is opened."""
    path = str(tmp_path / "old.db")
    db = storage_db.connect(path)
    a = track(db, {"ticket": "45678", "btn": "3125550100"})
    b = track(db, {"pon": "PON-1"})
    c = track(db, {})
    db.execute("UPDATE trackers SET refs = '{nope' WHERE id = ?", (c,))
    for trigger in ("tracker_refs_insert", "tracker_refs_update"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE tracker_refs")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_tracker_refs'")
    db.conn.close()
    again = storage_db.connect(path)
    assert rows(again) == [(a, "btn", "3125550100"), (a, "ticket", "45678"), (b, "pon", "PON-1")]
    assert [t.id for t in repo.find_by_ref(again, "PON-1")] == [b]


def plan(db, sql: str, params) -> str:
    return " / ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())


def scans_a_table(shown: str) -> bool:
    """True when the plan reads a whole table (the page of <= 200 found rows may be scanned)."""
    return re.search(r"SCAN (trackers|steps|tracker_refs)\b", shown) is not None


def statements(db, call) -> list[str]:
    """The SQL statements `call()` runs on `db`."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        call()
    finally:
        db.conn.set_trace_callback(None)
    return seen


def test_a_reference_lookup_is_one_indexed_query_with_no_scan(tmp_path):  # SQLite's query plan
    db = storage_db.connect(str(tmp_path / "plan.db"))
    for i in range(30):
        track(db, {"ticket": str(40000 + i)}, owner=f"U{i % 3}")
    (sql,) = statements(db, lambda: repo.find_by_ref(db, "40007"))
    shown = plan(db, sql.replace("'40007'", "?").replace("200", "?"), ("40007", 200))
    assert "tracker_refs_value" in shown and not scans_a_table(shown), shown


def test_a_users_list_is_one_indexed_query_with_its_steps(tmp_path):  # SQLite's query plan
    db = storage_db.connect(str(tmp_path / "plan.db"))
    ids = [track(db, {"ticket": str(i)}, owner=f"U{i % 3}") for i in range(30)]
    repo.resolve(db, ids[0], "U0", S)
    ran = statements(db, lambda: repo.for_owner(db, "U0"))
    assert len(ran) == 1  # not one get() per tracker
    shown = plan(db, ran[0].replace("'U0'", "?").replace("200", "?"), ("U0", 200))
    assert "trackers_owner" in shown and not scans_a_table(shown), shown
    mine = repo.for_owner(db, "U0")
    assert [t.id for t in mine] == [i for i in reversed(ids) if i % 3 == 1 and i != ids[0]]
    assert mine == [repo.get(db, t.id) for t in mine]  # read exactly as get() reads
