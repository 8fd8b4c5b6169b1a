"""The tracker repository: trackers, their steps and their event history in SQLite.

Persistence only; when steps fall due is the ladder engine's business. Every
change is one BEGIN IMMEDIATE transaction that re-reads the state it changes,
appends an event, and does nothing (returns False) when there is nothing to
change, so each action is idempotent.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from storage.db import immediate, parse_utc, utc

OPEN, RESOLVED = "open", "resolved"
PENDING, CLAIMED, SENDING, SENT, SKIPPED, CANCELLED, DONE = (
    "pending",
    "claimed",
    "sending",
    "sent",
    "skipped",
    "cancelled",
    "done",
)
IN_FLIGHT_WAIT_S = 30.0  # how long a resolve waits for its tracker's nudge in flight  # fmt: skip


@dataclass
class NewStep:
    level: int
    kind: str
    due_at: datetime
    title: str
    contacts: list[dict] = field(default_factory=list)
    have_ready: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Step:
    id: int
    tracker_id: int
    level: int
    kind: str
    due_at: datetime
    title: str
    contacts: list[dict]
    have_ready: list[str]
    note: str
    state: str
    attempts: int
    sent_at: datetime | None
    claim_token: str | None = None


@dataclass
class Tracker:
    id: int
    owner: str
    channel: str | None
    thread: str | None
    kind: str
    refs: dict
    severity: int | None
    workaround: bool | None
    title: str
    zone: str
    started_at: datetime
    state: str
    level: int
    snoozed_until: datetime | None
    created_at: datetime
    updated_at: datetime
    steps: list[Step] = field(default_factory=list)

    def next_step(self) -> Step | None:
        """The first step still to come (pending or being sent)."""
        waiting = [s for s in self.steps if s.state in (PENDING, CLAIMED, SENDING)]
        return min(waiting, key=lambda s: s.due_at) if waiting else None


@dataclass
class Claim:
    """A due step claimed by one scheduler, with the token that proves it."""

    step: Step
    token: str
    skipped: int  # earlier due levels of the same tracker folded into this nudge


def _step(row: dict) -> Step:
    return Step(
        id=row["id"],
        tracker_id=row["tracker_id"],
        level=row["level"],
        kind=row["kind"],
        due_at=parse_utc(row["due_at"]),
        title=row["title"],
        contacts=json.loads(row["contacts"]),
        have_ready=json.loads(row["have_ready"]),
        note=row["note"],
        state=row["state"],
        attempts=row["attempts"],
        sent_at=parse_utc(row["sent_at"]),
        claim_token=row["claim_token"],
    )


def _tracker(row: dict, steps: list[Step]) -> Tracker:
    return Tracker(
        id=row["id"],
        owner=row["owner"],
        channel=row["channel"],
        thread=row["thread"],
        kind=row["kind"],
        refs=json.loads(row["refs"]),
        severity=row["severity"],
        workaround=None if row["workaround"] is None else bool(row["workaround"]),
        title=row["title"],
        zone=row["zone"],
        started_at=parse_utc(row["started_at"]),
        state=row["state"],
        level=row["level"],
        snoozed_until=parse_utc(row["snoozed_until"]),
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
        steps=steps,
    )


def _rows(db: sqlite_utils.Database, sql: str, params=()) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def add_event(db, tracker_id: int, at: datetime, event: str, actor: str | None, **detail) -> None:
    """Append to the tracker's history (the table refuses updates and deletes)."""
    db.execute(
        "INSERT INTO events (tracker_id, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
        (tracker_id, utc(at), event, actor, json.dumps(detail, default=str)),
    )


def insert_steps(db, tracker_id: int, steps: list[NewStep]) -> None:
    db.execute  # noqa: B018 - the connection is bound; executemany below
    db.conn.executemany(
        "INSERT INTO steps (tracker_id, level, kind, due_at, title, contacts, have_ready, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (tracker_id, s.level, s.kind, utc(s.due_at), s.title, json.dumps(s.contacts),
             json.dumps(s.have_ready), s.note)
            for s in steps
        ],
    )  # fmt: skip


def create(
    db: sqlite_utils.Database,
    *,
    owner: str,
    kind: str,
    title: str,
    zone: str,
    started_at: datetime,
    steps: list[NewStep],
    now: datetime,
    channel: str | None = None,
    thread: str | None = None,
    refs: dict | None = None,
    severity: int | None = None,
    workaround: bool | None = None,
) -> int:
    """Store a new tracker with its steps and a 'created' event; returns its id."""
    with immediate(db):
        cursor = db.execute(
            "INSERT INTO trackers (owner, channel, thread, kind, refs, severity, workaround,"
            " title, zone, started_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner, channel, thread, kind, json.dumps(refs or {}), severity,
             None if workaround is None else int(workaround), title, zone, utc(started_at),
             utc(now), utc(now)),
        )  # fmt: skip
        tracker_id = cursor.lastrowid
        insert_steps(db, tracker_id, steps)
        add_event(db, tracker_id, now, "created", owner, kind=kind, steps=len(steps))
    return tracker_id


def get(db: sqlite_utils.Database, tracker_id: int) -> Tracker | None:
    rows = _rows(db, "SELECT * FROM trackers WHERE id = ?", (tracker_id,))
    if not rows:
        return None
    steps = _rows(db, "SELECT * FROM steps WHERE tracker_id = ? ORDER BY due_at, id", (tracker_id,))
    return _tracker(rows[0], [_step(s) for s in steps])


def for_owner(
    db: sqlite_utils.Database, owner: str | None, open_only: bool = True
) -> list[Tracker]:
    """A user's trackers (every user's when `owner` is None), newest first."""
    where, params = [], []
    if owner is not None:
        where.append("owner = ?")
        params.append(owner)
    if open_only:
        where.append("state = 'open'")
    sql = "SELECT id FROM trackers" + (" WHERE " + " AND ".join(where) if where else "")
    ids = [r["id"] for r in _rows(db, sql + " ORDER BY id DESC LIMIT 200", params)]
    return [t for t in (get(db, i) for i in ids) if t]


def find_by_ref(db: sqlite_utils.Database, value: str) -> list[Tracker]:
    """Open trackers whose references (BTN, AOTS, ticket, PON) hold `value`."""
    rows = _rows(
        db,
        "SELECT trackers.id FROM trackers, json_each(trackers.refs)"
        " WHERE json_each.value = ? AND state = 'open' ORDER BY trackers.id DESC",
        (value,),
    )
    return [t for t in (get(db, r["id"]) for r in rows) if t]


def events(db: sqlite_utils.Database, tracker_id: int) -> list[dict]:
    rows = _rows(db, "SELECT * FROM events WHERE tracker_id = ? ORDER BY id", (tracker_id,))
    for row in rows:
        row["at"] = parse_utc(row["at"])
        row["detail"] = json.loads(row["detail"])
    return rows


# --- the scheduler's side --------------------------------------------------------------


DUE = (
    "steps.due_at <= :now AND trackers.state = 'open'"
    " AND (trackers.snoozed_until IS NULL OR trackers.snoozed_until <= :now)"
    " AND (steps.state = 'pending'"
    "      OR (steps.state IN ('claimed', 'sending') AND steps.lease_until <= :now))"
)


def claim_due(
    db: sqlite_utils.Database, now: datetime, token: str, lease: timedelta, limit: int = 500
) -> list[Claim]:
    """Claim the steps due at `now` under one write lock, with a lease and a token.

    At most `limit` trackers are served per call, the longest-waiting first, and
    all of their due steps are considered together. Catch-up policy: when a
    tracker has several due steps (after downtime, or a snooze), only the latest
    is claimed and nudged (it names the level due now and how late it is); the
    earlier ones are marked skipped and counted on it. A claim whose lease ran
    out (its scheduler died before marking it sent) is claimed again.
    """
    params = {"now": utc(now), "limit": limit}
    with immediate(db):
        due = _rows(
            db,
            f"SELECT steps.* FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
            f" WHERE {DUE} AND steps.tracker_id IN ("
            f"   SELECT steps.tracker_id FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
            f"   WHERE {DUE} GROUP BY steps.tracker_id ORDER BY MIN(steps.due_at) LIMIT :limit)"
            f" ORDER BY steps.due_at, steps.id",
            params,
        )
        latest: dict[int, dict] = {}
        folded: dict[int, list[dict]] = {}
        for row in due:
            earlier = latest.get(row["tracker_id"])
            if earlier is not None:
                folded.setdefault(row["tracker_id"], []).append(earlier)
            latest[row["tracker_id"]] = row
        skipped = [r["id"] for rows in folded.values() for r in rows]
        if skipped:
            marks = ",".join("?" * len(skipped))
            db.execute(
                f"UPDATE steps SET state = 'skipped', claim_token = NULL WHERE id IN ({marks})",
                skipped,
            )
        lease_until = utc(now + lease)
        claims = []
        for tracker_id, row in latest.items():
            earlier = folded.get(tracker_id, [])
            count = row["folded"] + sum(1 + r["folded"] for r in earlier)
            db.execute(
                "UPDATE steps SET state = 'claimed', claim_token = ?, lease_until = ?,"
                " attempts = attempts + 1, folded = ? WHERE id = ?",
                (token, lease_until, count, row["id"]),
            )
            row.update(state=CLAIMED, claim_token=token, attempts=row["attempts"] + 1)
            claims.append(Claim(_step(row), token, count))
    return claims


def begin_send(db: sqlite_utils.Database, claim: Claim, now: datetime, lease: timedelta) -> bool:
    """Take a claimed step in flight, if the claim still holds and its tracker is still
    open and not snoozed (call inside `immediate`), renewing the lease for the send.

    From here a resolve of the tracker waits for `mark_sent` or `release`, so no
    nudge follows a committed resolve. The lease must outlast the longest send
    (the notifier's timeout): a send still going when it ends may be repeated.
    """
    cursor = db.execute(
        "UPDATE steps SET state = 'sending', lease_until = ?"
        " WHERE id = ? AND claim_token = ? AND state = 'claimed'"
        " AND tracker_id IN (SELECT id FROM trackers WHERE state = 'open'"
        "   AND (snoozed_until IS NULL OR snoozed_until <= ?))",
        (utc(now + lease), claim.step.id, claim.token, utc(now)),
    )
    return cursor.rowcount == 1


def mark_sent(db, claim: Claim, now: datetime, follow_up: NewStep | None = None) -> bool:
    """Mark a step in flight sent, if the claim still holds (call inside `immediate`).

    `follow_up` is the next step of a periodic ladder (Qwest update cadence).
    """
    cursor = db.execute(
        "UPDATE steps SET state = 'sent', sent_at = ?, claim_token = NULL"
        " WHERE id = ? AND claim_token = ? AND state = 'sending'",
        (utc(now), claim.step.id, claim.token),
    )
    if cursor.rowcount != 1:
        return False
    step = claim.step
    db.execute(
        "UPDATE trackers SET level = MAX(level, ?), updated_at = ? WHERE id = ?",
        (step.level, utc(now), step.tracker_id),
    )
    add_event(db, step.tracker_id, now, "nudged", None, level=step.level, kind=step.kind,
              due_at=utc(step.due_at), late_s=int((now - step.due_at).total_seconds()),
              folded=claim.skipped)  # fmt: skip
    if follow_up is not None:
        insert_steps(db, step.tracker_id, [follow_up])
    return True


def release(db: sqlite_utils.Database, claim: Claim) -> None:
    """Give a claim back (the notifier failed): the step is due again at once."""
    db.execute(
        "UPDATE steps SET state = 'pending', claim_token = NULL, lease_until = NULL"
        " WHERE id = ? AND claim_token = ? AND state IN ('claimed', 'sending')",
        (claim.step.id, claim.token),
    )


# --- the owner's side -----------------------------------------------------------------


class InFlight(RuntimeError):
    """A nudge for this tracker is being sent right now; try again in a moment."""


def resolve(
    db, tracker_id: int, actor: str, now: datetime, wait_s: float = IN_FLIGHT_WAIT_S
) -> bool:
    """Resolve: no nudge goes out once this commits (waiting steps are cancelled).

    A nudge of this tracker already in flight is let finish first: the resolve
    waits for it (other trackers' nudges never hold it up).
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return _resolve(db, tracker_id, actor, now)
        except InFlight:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _resolve(db, tracker_id: int, actor: str, now: datetime) -> bool:
    with immediate(db):
        if _state(db, tracker_id) != OPEN:
            return False
        sending = _rows(
            db,
            "SELECT 1 FROM steps WHERE tracker_id = ? AND state = 'sending' AND lease_until > ?",
            (tracker_id, utc(now)),
        )
        if sending:
            raise InFlight(f"a nudge for tracker {tracker_id} is being sent")
        db.execute("UPDATE trackers SET state = 'resolved', updated_at = ? WHERE id = ?",
                   (utc(now), tracker_id))  # fmt: skip
        db.execute(
            "UPDATE steps SET state = 'cancelled', claim_token = NULL"
            " WHERE tracker_id = ? AND state IN ('pending', 'claimed', 'sending')",
            (tracker_id,),
        )
        add_event(db, tracker_id, now, "resolved", actor)
    return True


def reopen(db, tracker_id: int, actor: str, now: datetime) -> bool:
    """Reopen: the steps the resolve cancelled wait again (a late one is caught up)."""
    with immediate(db):
        if _state(db, tracker_id) != RESOLVED:
            return False
        db.execute("UPDATE trackers SET state = 'open', snoozed_until = NULL, updated_at = ?"
                   " WHERE id = ?", (utc(now), tracker_id))  # fmt: skip
        db.execute(
            "UPDATE steps SET state = 'pending' WHERE tracker_id = ? AND state = 'cancelled'",
            (tracker_id,),
        )
        add_event(db, tracker_id, now, "reopened", actor)
    return True


def snooze(
    db, tracker_id: int, actor: str, now: datetime, until: datetime, again: NewStep | None
) -> bool:
    """Hold nudges until `until`; `again` re-nudges the level just nudged at that time."""
    with immediate(db):
        row = _rows(db, "SELECT state, snoozed_until FROM trackers WHERE id = ?", (tracker_id,))
        if not row or row[0]["state"] != OPEN or row[0]["snoozed_until"] == utc(until):
            return False
        db.execute("UPDATE trackers SET snoozed_until = ?, updated_at = ? WHERE id = ?",
                   (utc(until), utc(now), tracker_id))  # fmt: skip
        db.execute("UPDATE steps SET state = 'cancelled' WHERE tracker_id = ? AND kind = 'snoozed'"
                   " AND state = 'pending'", (tracker_id,))  # fmt: skip
        if again is not None:
            insert_steps(db, tracker_id, [again])
        add_event(db, tracker_id, now, "snoozed", actor, until=utc(until))
    return True


def escalated(db, tracker_id: int, actor: str, now: datetime, level: int) -> bool:
    """The owner escalated to `level`: that level and those below it are done."""
    with immediate(db):
        if _state(db, tracker_id) != OPEN:
            return False
        if _escalated_to(db, tracker_id) >= level and not _waiting_at_or_below(
            db, tracker_id, level
        ):
            return False  # the owner already said so: nothing to change
        db.execute("UPDATE trackers SET level = MAX(level, ?), snoozed_until = NULL, updated_at = ?"
                   " WHERE id = ?", (level, utc(now), tracker_id))  # fmt: skip
        db.execute(
            "UPDATE steps SET state = 'done', claim_token = NULL"
            " WHERE tracker_id = ? AND level <= ? AND kind IN ('escalate', 'snoozed')"
            " AND state IN ('pending', 'claimed')",
            (tracker_id, level),
        )
        add_event(db, tracker_id, now, "escalated", actor, level=level)
    return True


def _escalated_to(db, tracker_id: int) -> int:
    """The highest level the owner said they escalated to (a nudge is not an escalation)."""
    rows = _rows(
        db,
        "SELECT MAX(json_extract(detail, '$.level')) AS level FROM events"
        " WHERE tracker_id = ? AND kind = 'escalated'",
        (tracker_id,),
    )
    return rows[0]["level"] or 0


def _waiting_at_or_below(db, tracker_id: int, level: int) -> int:
    rows = _rows(
        db,
        "SELECT COUNT(*) AS n FROM steps WHERE tracker_id = ? AND level <= ?"
        " AND kind IN ('escalate', 'snoozed') AND state IN ('pending', 'claimed')",
        (tracker_id, level),
    )
    return rows[0]["n"]


def replace_waiting(db, tracker_id: int, actor: str, now: datetime, kinds: tuple[str, ...],
                    steps: list[NewStep], event: str, **detail) -> bool:  # fmt: skip
    """Cancel the waiting steps of `kinds` and schedule `steps` instead (an update logged
    restarts the Qwest clock; a workaround stops it; a closure proposal adds a nudge)."""
    with immediate(db):
        if _state(db, tracker_id) != OPEN:
            return False
        marks = ",".join("?" * len(kinds))
        db.execute(
            f"UPDATE steps SET state = 'cancelled', claim_token = NULL WHERE tracker_id = ?"
            f" AND kind IN ({marks}) AND state IN ('pending', 'claimed')",
            (tracker_id, *kinds),
        )
        insert_steps(db, tracker_id, steps)
        if "workaround" in detail:
            db.execute("UPDATE trackers SET workaround = ? WHERE id = ?",
                       (int(detail["workaround"]), tracker_id))  # fmt: skip
        db.execute("UPDATE trackers SET updated_at = ? WHERE id = ?", (utc(now), tracker_id))
        add_event(db, tracker_id, now, event, actor, **detail)
    return True


def _state(db, tracker_id: int) -> str | None:
    rows = _rows(db, "SELECT state FROM trackers WHERE id = ?", (tracker_id,))
    return rows[0]["state"] if rows else None
