"""How a tick's claim reads the database (issue 9: flat from 10k to 1M trackers): from
dense indexes, never by scanning a table or reading the trackers' rows. Asserted on
SQLite's query plan, never on timings (docs/performance.md has those). SQLite only:
PostgreSQL's claim is another query (FOR UPDATE SKIP LOCKED), proved in test_pg_backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import pytz

from storage import trackers as repo
from storage.db import connect

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=pytz.utc)
CLAIM = (  # the statement claim_due runs, as it runs it
    f"SELECT steps.* FROM ({repo.CLAIMABLE}) AS chosen JOIN steps ON steps.tracker_id ="
    f" chosen.id WHERE {repo.STEP_DUE} ORDER BY steps.due_at, steps.id"
)


@pytest.fixture
def db(tmp_path):
    db = connect(str(tmp_path / "plan.db"))
    steps = [repo.NewStep(lv, "escalate", NOW + timedelta(hours=lv - 2), "L") for lv in (1, 2, 3)]
    for n in range(20):
        repo.create(db, owner=f"U{n}", kind="bvoip", title="t", zone="America/Chicago",
                    started_at=NOW, steps=steps, now=NOW, refs={"ticket": str(n)})  # fmt: skip
    return db


def plan(db) -> list[str]:
    rows = db.execute(f"EXPLAIN QUERY PLAN {CLAIM}", {"now": "x", "limit": 500}).fetchall()
    return [row[3] for row in rows]


def test_the_claim_never_scans_a_table_or_reads_a_trackers_row(db):
    steps = plan(db)
    assert not [s for s in steps if s.startswith("SCAN") and s != "SCAN chosen"], steps
    assert "SEARCH trackers USING COVERING INDEX trackers_claimable (id=?)" in steps
    due = [s for s in steps if "steps_due" in s]
    assert due and all("COVERING INDEX steps_due" in s for s in due), steps
    assert "SEARCH steps USING INDEX steps_tracker (tracker_id=? AND due_at<?)" in steps


def test_the_claim_plan_serves_the_same_steps_as_the_plain_join(db):
    """The indexed statement picks what the plain statement (trackers' rows, no hint) does."""
    plain = (
        f"SELECT steps.* FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
        f" WHERE {repo.DUE} AND steps.tracker_id IN (SELECT steps.tracker_id FROM steps"
        f" JOIN trackers ON trackers.id = steps.tracker_id WHERE {repo.DUE}"
        f" GROUP BY steps.tracker_id ORDER BY MIN(steps.due_at) LIMIT :limit)"
        f" ORDER BY steps.due_at, steps.id"
    )
    repo.resolve(db, 3, "U3", NOW)
    repo.snooze(db, 4, "U4", NOW, NOW + timedelta(hours=1), None)
    repo.snooze(db, 8, "U8", NOW - timedelta(hours=2), NOW - timedelta(minutes=1), None)
    db.execute("UPDATE trackers SET problem = 'bad row' WHERE id = 5")
    db.execute("UPDATE steps SET state = 'claimed', lease_until = '2026-12-01T13:59:00.000Z'"
               " WHERE tracker_id = 6")  # fmt: skip
    db.execute("UPDATE steps SET state = 'claimed', lease_until = '2026-12-01T14:01:00.000Z'"
               " WHERE tracker_id = 7")  # fmt: skip
    for limit in (1, 7, 500):
        params = {"now": "2026-12-01T14:00:00.000Z", "limit": limit}
        got = [r[0] for r in db.execute(CLAIM, params).fetchall()]
        assert got == [r[0] for r in db.execute(plain, params).fetchall()]
        assert got  # something is due
