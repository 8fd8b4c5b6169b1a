"""The tracker repository: trackers, their steps and their event history in SQLite.

Persistence only; when steps fall due is the ladder engine's business. Every
change is one BEGIN IMMEDIATE transaction that re-reads the state it changes,
appends an event, and does nothing (returns False) when there is nothing to
change, so each action is idempotent.

Rows are read defensively: a row that cannot be read (an instant in another
shape, broken JSON, a wrong type) is never allowed to stop other rows. The
scheduler sets such a step aside (state 'quarantined', with its `problem`), or
a tracker (its `problem`, which keeps its steps waiting); `problems()` lists
them and their owners are told once. SQLite faults come out as StorageErrors.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from storage.db import StorageError, guarded, immediate, is_postgres, parse_utc, utc

OPEN, RESOLVED = "open", "resolved"
PENDING, CLAIMED, SENDING, SENT, SKIPPED, CANCELLED, DONE, QUARANTINED = (
    "pending",
    "claimed",
    "sending",
    "sent",
    "skipped",
    "cancelled",
    "done",
    "quarantined",
)
# events a workspace's install, uninstall or move writes in a tracker's history
PAUSED_EVENT, RESUMED_EVENT, MOVED_EVENT = "paused_nudges", "resumed_nudges", "moved_workspace"
INT64 = range(-(2**63), 2**63)  # the ids SQLite can hold
log = logging.getLogger(__name__)


class BadRow(ValueError):
    """A stored row that cannot be read; the message says which column and why."""


class Unreadable(StorageError):
    """A tracker whose stored row cannot be read: it is set aside, not guessed at."""


@dataclass
class Problem:
    """A tracker or step set aside because it could not be read, rendered or sent."""

    tracker_id: int
    step_id: int | None
    owner: str
    channel: str | None
    thread: str | None
    level: int | None
    what: str
    team_id: str = ""  # the workspace whose client tells its owner


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
    folded: int = 0
    sending_at: datetime | None = None  # when it last went in flight


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
    problem: str | None = None  # why a step of it could not be read, if one could not
    assignee: str | None = None  # who has it on the desk now (None: on the board)
    progress_at: datetime | None = None  # when forward progress was last logged (BVoIP)
    team_id: str = ""  # the Slack workspace it belongs to ("": single-workspace, console)

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
    # found in flight after its lease ran out: when that send began (it may have reached
    # Slack before its sender died), else None
    in_flight_since: datetime | None = None


def _column(row: dict, name: str, read):
    """One stored value through its reader; anything unreadable is a BadRow naming it."""
    try:
        return read(row[name])
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise BadRow(f"stored {name} {str(row.get(name))[:60]!r} cannot be read") from exc


def _int(value) -> int:
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an integer")
    return value


def _opt_int(value) -> int | None:
    return None if value is None else _int(value)


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def _opt_text(value) -> str | None:
    return None if value is None else _text(value)


def _instant(value) -> datetime:
    at = parse_utc(_text(value))
    if at is None:
        raise ValueError("empty instant")
    return at


def _json(kind: type):
    def read(value):
        parsed = json.loads(_text(value))
        if not isinstance(parsed, kind):
            raise TypeError(f"not a JSON {kind.__name__}")
        return parsed

    return read


def _step(row: dict) -> Step:
    return Step(
        id=row["id"],
        tracker_id=row["tracker_id"],
        level=_column(row, "level", _int),
        kind=_column(row, "kind", _text),
        due_at=_column(row, "due_at", _instant),
        title=_column(row, "title", _text),
        contacts=_column(row, "contacts", _json(list)),
        have_ready=_column(row, "have_ready", _json(list)),
        note=_column(row, "note", _text),
        state=row["state"],
        attempts=_column(row, "attempts", _int),
        sent_at=_column(row, "sent_at", parse_utc),
        claim_token=row["claim_token"],
        folded=_column(row, "folded", _int),
        sending_at=_column(row, "sending_at", parse_utc) if "sending_at" in row else None,
    )


def _tracker(row: dict, steps: list[Step]) -> Tracker:
    return Tracker(
        id=row["id"],
        owner=_column(row, "owner", _text),
        channel=_column(row, "channel", _opt_text),
        thread=_column(row, "thread", _opt_text),
        kind=_column(row, "kind", _text),
        refs=_column(row, "refs", _json(dict)),
        severity=_column(row, "severity", _opt_int),
        workaround=_column(row, "workaround", lambda v: None if v is None else bool(_int(v))),
        title=_column(row, "title", _text),
        zone=_column(row, "zone", _text),
        started_at=_column(row, "started_at", _instant),
        state=row["state"],
        level=_column(row, "level", _int),
        snoozed_until=_column(row, "snoozed_until", parse_utc),
        created_at=_column(row, "created_at", _instant),
        updated_at=_column(row, "updated_at", _instant),
        steps=steps,
        problem=row.get("problem"),
        assignee=_column(row, "assignee", _opt_text) if "assignee" in row else None,
        progress_at=_column(row, "progress_at", parse_utc) if "progress_at" in row else None,
        team_id=row.get("team_id") or "",
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


@guarded
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
    team: str = "",
) -> int:
    """Store a new tracker of workspace `team` with its steps and a 'created' event;
    returns its id."""
    with immediate(db):
        cursor = db.execute(
            "INSERT INTO trackers (owner, channel, thread, kind, refs, severity, workaround,"
            " title, zone, started_at, created_at, updated_at, team_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (owner, channel, thread, kind, json.dumps(refs or {}), severity,
             None if workaround is None else int(workaround), title, zone, utc(started_at),
             utc(now), utc(now), team),
        )  # fmt: skip
        tracker_id = cursor.fetchall()[0][0]
        insert_steps(db, tracker_id, steps)
        add_event(db, tracker_id, now, "created", owner, kind=kind, steps=len(steps))
    return tracker_id


@guarded
def get(db: sqlite_utils.Database, tracker_id: int, *, team: str | None = "") -> Tracker | None:
    """The tracker of workspace `team` with its steps; None when there is none (any id,
    however large, or the id of another workspace's tracker: never revealed). `team=None`
    reads any workspace's: only for the scheduler, whose claim serves them all.

    A tracker row that cannot be read raises Unreadable; a step that cannot be
    read is left out and named in the tracker's `problem`.
    """
    if tracker_id not in INT64:
        return None
    if team is None:
        rows = _rows(db, "SELECT * FROM trackers WHERE id = ?", (tracker_id,))
    else:
        rows = _rows(db, "SELECT * FROM trackers WHERE id = ? AND team_id = ?", (tracker_id, team))
    if not rows:
        return None
    steps, unread = [], []
    for row in _rows(
        db, "SELECT * FROM steps WHERE tracker_id = ? ORDER BY due_at, id", (tracker_id,)
    ):
        try:
            steps.append(_step(row))
        except BadRow as exc:
            unread.append(f"step {row['id']}: {exc}")
    try:
        tracker = _tracker(rows[0], steps)
    except BadRow as exc:
        set_aside_once(db, tracker_id, f"tracker row: {exc}")
        raise Unreadable(
            f"tracker #{tracker_id} is stored in a form I cannot read ({exc}); it is set"
            " aside for an operator (`clecbot trackers --problems`) and its nudges wait"
        ) from exc
    if unread and not tracker.problem:
        tracker.problem = "; ".join(unread)
    return tracker


STEP_COLUMNS = ("id", "tracker_id", "level", "kind", "due_at", "title", "contacts", "have_ready",
                "note", "state", "attempts", "sent_at", "claim_token", "folded")  # fmt: skip
LIST_LIMIT = 200  # trackers in one list, newest first (a board, a home tab, an export)


def listed(
    db: sqlite_utils.Database, where: str, params=(), limit: int = LIST_LIMIT, *, team: str = ""
) -> list[Tracker]:
    """The trackers of workspace `team` matching `where` (SQL on `trackers`), newest first,
    each with its steps, in ONE query: the page of trackers by its index, joined to their
    steps by theirs.

    Read as get() reads: an unreadable tracker is set aside and left out, an unreadable
    step is left out and named in its tracker's `problem`.
    """
    steps = ", ".join(f'steps.{c} AS "step.{c}"' for c in STEP_COLUMNS)
    rows = _rows(
        db,
        f"SELECT t.*, {steps} FROM (SELECT * FROM trackers WHERE team_id = ? AND ({where})"
        f" ORDER BY id DESC LIMIT ?) AS t LEFT JOIN steps ON steps.tracker_id = t.id"
        f" ORDER BY t.id DESC, steps.due_at, steps.id",
        (team, *params, limit),
    )
    grouped: dict[int, tuple[dict, list[Step], list[str]]] = {}
    for row in rows:
        tracker_row, found, unread = grouped.setdefault(row["id"], (row, [], []))
        if row["step.id"] is None:
            continue  # a tracker with no steps
        step_row = {c: row[f"step.{c}"] for c in STEP_COLUMNS}
        try:
            found.append(_step(step_row))
        except BadRow as exc:
            unread.append(f"step {step_row['id']}: {exc}")
    trackers = []
    for tracker_id, (row, found, unread) in grouped.items():
        try:
            tracker = _tracker({k: v for k, v in row.items() if not k.startswith("step.")}, found)
        except BadRow as exc:
            set_aside_once(db, tracker_id, f"tracker row: {exc}")
            continue
        if unread and not tracker.problem:
            tracker.problem = "; ".join(unread)
        trackers.append(tracker)
    return trackers


@guarded
def for_owner(
    db: sqlite_utils.Database, owner: str | None, open_only: bool = True, *, team: str = ""
) -> list[Tracker]:
    """A user's trackers in workspace `team` (every user's when `owner` is None), newest
    first, at most 200: one query, by the (team_id, owner, state) index."""
    where, params = ["TRUE"], []
    if owner is not None:
        where.append("owner = ?")
        params.append(owner)
    if open_only:
        where.append("state = 'open'")
    return listed(db, " AND ".join(where), params, team=team)


@guarded
def find_by_ref(db: sqlite_utils.Database, value: str, *, team: str = "") -> list[Tracker]:
    """Open trackers of workspace `team` whose references (BTN, AOTS, ticket, PON) hold
    `value`, newest first:
    a point lookup in tracker_refs (kept from `refs` by triggers; a tracker whose stored
    references are not a JSON object has none there, and is not fatal)."""
    return listed(
        db,
        "state = 'open' AND id IN (SELECT tracker_id FROM tracker_refs WHERE value = ?)",
        (value,),
        team=team,
    )


@guarded
def events(db: sqlite_utils.Database, tracker_id: int, *, team: str = "") -> list[dict]:
    """The history of workspace `team`'s tracker, oldest first (an event that cannot be
    read is left out; another workspace's tracker has none)."""
    if tracker_id not in INT64:
        return []
    rows = _rows(
        db,
        "SELECT * FROM events WHERE tracker_id = ? AND tracker_id IN"
        " (SELECT id FROM trackers WHERE id = ? AND team_id = ?) ORDER BY id",
        (tracker_id, tracker_id, team),
    )
    history = []
    for row in rows:
        try:
            row["at"] = _column(row, "at", _instant)
            row["detail"] = _column(row, "detail", _json(dict))
        except BadRow:
            continue
        history.append(row)
    return history


# --- the scheduler's side --------------------------------------------------------------


STEP_DUE = (
    "steps.due_at <= :now AND (steps.state = 'pending'"
    " OR (steps.state IN ('claimed', 'sending') AND steps.lease_until <= :now))"
)
TRACKER_DUE = (  # `trackers_claimable` (migration 0008) holds exactly these trackers
    "trackers.state = 'open' AND trackers.problem IS NULL"
    " AND (trackers.snoozed_until IS NULL OR trackers.snoozed_until <= :now)"
)
DUE = f"{STEP_DUE} AND {TRACKER_DUE}"
CLAIMABLE = (  # the trackers served this tick: the longest-waiting first, `limit` of them
    "SELECT steps.tracker_id AS id FROM steps"
    " JOIN trackers INDEXED BY trackers_claimable ON trackers.id = steps.tracker_id"
    f" WHERE {DUE} GROUP BY steps.tracker_id ORDER BY MIN(steps.due_at) LIMIT :limit"
)
# PostgreSQL: the same trackers, the longest-waiting first, each locked as it is taken
# (SKIP LOCKED: one another replica is claiming is passed over, and the next one counts
# towards `limit` instead); their due steps are then read by a second statement, whose
# snapshot is taken after the locks, so it sees every claim committed before them
CLAIMABLE_LOCKED = (
    "SELECT trackers.id FROM trackers JOIN (SELECT steps.tracker_id AS id,"
    " MIN(steps.due_at) AS first_due FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
    f" WHERE {DUE} GROUP BY steps.tracker_id) AS due ON due.id = trackers.id"
    " ORDER BY due.first_due, trackers.id LIMIT :limit FOR UPDATE OF trackers SKIP LOCKED"
)


def _due_steps(db, params: dict) -> list[dict]:
    """The due steps of the trackers this claim serves (inside its transaction)."""
    order = " ORDER BY steps.due_at, steps.id"
    if not is_postgres(db):  # BEGIN IMMEDIATE holds the whole file: one query
        return _rows(
            db,
            f"SELECT steps.* FROM ({CLAIMABLE}) AS chosen JOIN steps ON steps.tracker_id ="
            f" chosen.id WHERE {STEP_DUE}{order}",
            params,
        )
    ids = [r[0] for r in db.execute(CLAIMABLE_LOCKED, params).fetchall()]
    if not ids:
        return []
    marks = ", ".join(f":t{i}" for i in range(len(ids)))
    return _rows(
        db,
        f"SELECT steps.* FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
        f" WHERE steps.tracker_id IN ({marks}) AND {DUE}{order}",
        {"now": params["now"], **{f"t{i}": tracker_id for i, tracker_id in enumerate(ids)}},
    )


def lock_tracker(db, tracker_id: int) -> None:
    """On PostgreSQL, take the tracker's row lock for this transaction (call inside
    `immediate`), so changes to one tracker and its steps never interleave; SQLite's
    BEGIN IMMEDIATE already holds the whole file."""
    if is_postgres(db):
        db.execute("SELECT id FROM trackers WHERE id = ? FOR UPDATE", (tracker_id,))


@guarded
def claim_due(
    db: sqlite_utils.Database,
    now: datetime,
    token: str,
    lease: timedelta,
    limit: int = 500,
    quarantined: list[int] | None = None,
) -> list[Claim]:
    """Claim the steps due at `now` under one write lock, with a lease and a token.

    At most `limit` trackers are served per call, the longest-waiting first, and
    all of their due steps are considered together. Catch-up policy: when a
    tracker has several due steps (after downtime, or a snooze), only the latest
    is claimed and nudged (it names the level due now and how late it is); the
    earlier ones are marked skipped and counted on it. A claim whose lease ran
    out (its scheduler died before marking it sent) is claimed again.

    Row by row: a due step that cannot be read is quarantined (set aside with its
    problem, logged once, its id added to `quarantined`), never claimed, and leaves
    the window, so it cannot stop other steps or hold a LIMIT slot.
    """
    params = {"now": utc(now), "limit": limit}
    with immediate(db):
        due = _due_steps(db, params)  # (their trackers checked under this same lock)
        latest: dict[int, Step] = {}
        folded: dict[int, list[Step]] = {}
        for row in due:
            try:
                step = _step(row)
            except BadRow as exc:
                if quarantine(db, row["id"], str(exc)):
                    log.error("step %s of tracker %s quarantined: %s", row["id"],
                              row["tracker_id"], exc)  # fmt: skip
                    if quarantined is not None:
                        quarantined.append(row["id"])
                continue
            earlier = latest.get(step.tracker_id)
            if earlier is not None:
                folded.setdefault(step.tracker_id, []).append(earlier)
            latest[step.tracker_id] = step
        skipped = [st.id for steps in folded.values() for st in steps]
        if skipped:
            marks = ",".join("?" * len(skipped))
            db.execute(
                f"UPDATE steps SET state = 'skipped', claim_token = NULL WHERE id IN ({marks})",
                skipped,
            )
        lease_until = utc(now + lease)
        claims, rows = [], []
        for tracker_id, step in latest.items():
            earlier = folded.get(tracker_id, [])
            count = step.folded + sum(1 + st.folded for st in earlier)
            rows.append((token, lease_until, count, step.id))
            since = step.sending_at if step.state in (CLAIMED, SENDING) else None
            step.state, step.claim_token, step.attempts = CLAIMED, token, step.attempts + 1
            step.folded = count
            claims.append(Claim(step, token, count, since))
        if rows:  # one batch (PostgreSQL: one round trip, not one per step)
            db.conn.executemany(
                "UPDATE steps SET state = 'claimed', claim_token = ?, lease_until = ?,"
                " attempts = attempts + 1, folded = ?,"  # a lapsed claim keeps its send start
                " sending_at = CASE WHEN state = 'pending' THEN NULL ELSE sending_at END"
                " WHERE id = ?",
                rows,
            )
    return claims


@guarded
def begin_send(db: sqlite_utils.Database, claim: Claim, now: datetime, lease: timedelta) -> bool:
    """Take a claimed step in flight, if the claim still holds and its tracker is still
    open and not snoozed (call inside `immediate`), renewing the lease for the send.

    From here a resolve of the tracker waits for `mark_sent` or `release`, so no
    nudge follows a committed resolve. The lease must outlast the longest send
    (the notifier's timeout): a send still going when it ends may be repeated.
    """
    lock_tracker(db, claim.step.tracker_id)
    cursor = db.execute(
        "UPDATE steps SET state = 'sending', lease_until = ?, sending_at = COALESCE(sending_at, ?)"
        " WHERE id = ? AND claim_token = ? AND state = 'claimed'"
        " AND tracker_id IN (SELECT id FROM trackers WHERE state = 'open'"
        "   AND (snoozed_until IS NULL OR snoozed_until <= ?))",
        (utc(now + lease), utc(now), claim.step.id, claim.token, utc(now)),
    )
    return cursor.rowcount == 1


@guarded
def mark_sent(
    db,
    claim: Claim,
    now: datetime,
    follow_up: NewStep | None = None,
    dm: tuple[str, str] | None = None,
    found_in_slack: bool = False,
) -> bool:
    """Mark a step in flight sent, if the claim still holds (call inside `immediate`).

    `follow_up` is the next step of a periodic ladder (Qwest update cadence). `dm` is
    (user, D... channel) the nudge went to, remembered on the tracker so a later
    crashed send can be looked for in that DM. `found_in_slack`: the nudge of a dead
    sender was found in the DM's history, so it is marked, not sent again.
    """
    lock_tracker(db, claim.step.tracker_id)
    cursor = db.execute(
        "UPDATE steps SET state = 'sent', sent_at = ?, claim_token = NULL"
        " WHERE id = ? AND claim_token = ? AND state = 'sending'",
        (utc(now), claim.step.id, claim.token),
    )
    if cursor.rowcount != 1:
        return False
    step = claim.step
    db.execute(
        "UPDATE trackers SET level = CASE WHEN level > ? THEN level ELSE ? END, updated_at = ?"
        " WHERE id = ?",
        (step.level, step.level, utc(now), step.tracker_id),
    )
    if dm is not None:
        db.execute(
            "UPDATE trackers SET dm_user = ?, dm_channel = ? WHERE id = ?"
            " AND (dm_user IS DISTINCT FROM ? OR dm_channel IS DISTINCT FROM ?)",
            (dm[0], dm[1], step.tracker_id, dm[0], dm[1]),
        )
    extra = {"found_in_slack": True} if found_in_slack else {}
    add_event(db, step.tracker_id, now, "nudged", None, level=step.level, kind=step.kind,
              due_at=utc(step.due_at), late_s=int((now - step.due_at).total_seconds()),
              folded=claim.skipped, **extra)  # fmt: skip
    if follow_up is not None:
        insert_steps(db, step.tracker_id, [follow_up])
    return True


def dm_of(db: sqlite_utils.Database, tracker_id: int) -> tuple[str, str] | None:
    """(user, D... channel) of the DM the tracker's nudges last went to, if known."""
    row = db.execute(
        "SELECT dm_user, dm_channel FROM trackers WHERE id = ?", (tracker_id,)
    ).fetchone()
    return (row[0], row[1]) if row and row[0] and row[1] else None


UNSENT = (  # (a due instant in another shape is a bad row: the claim quarantines it)
    "steps.state IN ('pending', 'claimed', 'sending') AND length(steps.due_at) = 24"
)


@guarded
def due_unsent(db: sqlite_utils.Database, now: datetime) -> tuple[int, datetime | None]:
    """How many steps are due and not yet sent (pending, claimed or in flight, on open
    trackers not snoozed or set aside), and the oldest one's due instant."""
    count, oldest = db.execute(
        "SELECT COUNT(*), MIN(steps.due_at) FROM steps JOIN trackers ON trackers.id ="
        f" steps.tracker_id WHERE steps.due_at <= :now AND {UNSENT} AND {TRACKER_DUE}",
        {"now": utc(now)},
    ).fetchone()
    try:
        return count, parse_utc(oldest)
    except ValueError:
        return count, None


@guarded
def late_steps(
    db: sqlite_utils.Database, now: datetime, cutoff: datetime, since: datetime | None,
    limit: int = 100,
) -> tuple[list[tuple[int, int, str]], int]:  # fmt: skip
    """The due steps still unsent whose due instant is in (since, cutoff]: each step
    crosses the line once. Returns up to `limit` (step id, tracker id, due) and the count."""
    after = " AND steps.due_at > :since" if since else ""
    where = f"steps.due_at <= :cutoff{after} AND {UNSENT} AND {TRACKER_DUE}"
    params = {"cutoff": utc(cutoff), "since": utc(since) if since else None, "now": utc(now)}
    join = "FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
    (count,) = db.execute(f"SELECT COUNT(*) {join} WHERE {where}", params).fetchone()
    rows = db.execute(
        f"SELECT steps.id, steps.tracker_id, steps.due_at {join} WHERE {where}"
        " ORDER BY steps.due_at, steps.id LIMIT :limit",
        {**params, "limit": limit},
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows], count


@guarded
def release(db: sqlite_utils.Database, claim: Claim) -> None:
    """Give a claim back (the notifier failed): the step is due again at once."""
    db.execute(
        "UPDATE steps SET state = 'pending', claim_token = NULL, lease_until = NULL,"
        " sending_at = NULL WHERE id = ? AND claim_token = ? AND state IN ('claimed', 'sending')",
        (claim.step.id, claim.token),
    )


# --- rows set aside -------------------------------------------------------------------


def quarantine(db, step_id: int, problem: str) -> bool:
    """Set a step aside (call inside `immediate`): never claimed again until repaired.
    True only the first time, so the caller logs it once."""
    cursor = db.execute(
        "UPDATE steps SET state = 'quarantined', problem = ?, claim_token = NULL"
        " WHERE id = ? AND state != 'quarantined'",
        (problem[:500], step_id),
    )
    return cursor.rowcount == 1


def set_aside(db, tracker_id: int, problem: str) -> bool:
    """Set a tracker aside (call inside `immediate`): its steps keep waiting, unclaimed.
    True only the first time."""
    cursor = db.execute(
        "UPDATE trackers SET problem = ? WHERE id = ? AND problem IS NULL",
        (problem[:500], tracker_id),
    )
    return cursor.rowcount == 1


def set_aside_once(db, tracker_id: int, problem: str) -> None:
    """Set an unreadable tracker aside where it is found (inside the caller's
    transaction, or in its own), logging it once; a read-only database just reads."""
    try:
        if db.conn.in_transaction:
            first = set_aside(db, tracker_id, problem)
        else:
            with immediate(db):
                first = set_aside(db, tracker_id, problem)
    except (StorageError, sqlite3.Error):
        return
    if first:
        log.error("tracker %s set aside: %s", tracker_id, problem)


PROBLEMS = (
    "SELECT trackers.id AS tracker_id, NULL AS step_id, trackers.owner, trackers.channel,"
    " trackers.thread, NULL AS level, trackers.problem AS what, trackers.problem_told AS told,"
    " trackers.team_id FROM trackers WHERE trackers.problem IS NOT NULL"
    " UNION ALL"
    " SELECT steps.tracker_id, steps.id, trackers.owner, trackers.channel, trackers.thread,"
    " steps.level, steps.problem, steps.problem_told, trackers.team_id"
    " FROM steps JOIN trackers ON trackers.id = steps.tracker_id"
    " WHERE steps.problem IS NOT NULL AND steps.state = 'quarantined'"
)


def _problem(row: dict) -> Problem:
    level = row["level"] if type(row["level"]) is int else None
    owner, channel, thread = (
        v if isinstance(v, str) else None for v in (row["owner"], row["channel"], row["thread"])
    )
    return Problem(row["tracker_id"], row["step_id"], owner or "", channel, thread, level,
                   str(row["what"]), row.get("team_id") or "")  # fmt: skip


@guarded
def problems(
    db: sqlite_utils.Database, owner: str | None = None, *, team: str = ""
) -> list[Problem]:
    """Workspace `team`'s trackers and steps set aside (every owner's when `owner` is
    None), oldest first."""
    sql = f"SELECT * FROM ({PROBLEMS}) AS problem WHERE team_id = ?" + (
        " AND owner = ?" if owner is not None else ""
    )
    params = (team, owner) if owner is not None else (team,)
    rows = _rows(db, sql + " ORDER BY tracker_id, step_id NULLS FIRST", params)
    return [_problem(r) for r in rows]


@guarded
def untold(db: sqlite_utils.Database, limit: int = 20) -> list[Problem]:
    """Problems whose owner has not been told yet."""
    rows = _rows(db, f"SELECT * FROM ({PROBLEMS}) AS problem WHERE told = 0 LIMIT ?", (limit,))
    return [_problem(r) for r in rows]


@guarded
def told(db: sqlite_utils.Database, problem: Problem) -> None:
    """The owner has been told about `problem` (or cannot be): never again."""
    with immediate(db):
        if problem.step_id is None:
            db.execute("UPDATE trackers SET problem_told = 1 WHERE id = ?", (problem.tracker_id,))
        else:
            db.execute("UPDATE steps SET problem_told = 1 WHERE id = ?", (problem.step_id,))


@guarded
def retry_problems(db: sqlite_utils.Database, tracker_id: int, *, team: str = "") -> int:
    """After an operator repaired the rows: workspace `team`'s tracker and its quarantined
    steps wait again (a late step is caught up by the next tick). Returns how many were
    set aside."""
    if tracker_id not in INT64:
        return 0
    with immediate(db):
        if not _locked(db, tracker_id, team):
            return 0
        tracker = db.execute(
            "UPDATE trackers SET problem = NULL, problem_told = 0"
            " WHERE id = ? AND problem IS NOT NULL",
            (tracker_id,),
        ).rowcount
        steps = db.execute(
            "UPDATE steps SET state = 'pending', problem = NULL, problem_told = 0"
            " WHERE tracker_id = ? AND state = 'quarantined'",
            (tracker_id,),
        ).rowcount
    return tracker + steps


# --- the owner's side -----------------------------------------------------------------


class InFlight(RuntimeError):
    """A nudge for this tracker is being sent right now; try again in a moment."""


@guarded
def resolve(
    db,
    tracker_id: int,
    actor: str,
    now: datetime,
    wait_s: float | None = None,
    *,
    team: str = "",
) -> bool:
    """Resolve: no nudge goes out once this commits (waiting steps are cancelled).

    A nudge of this tracker already in flight is let finish first: the resolve
    waits for it (other trackers' nudges never hold it up), at most until that
    send's lease runs out (CLEC_BOT_LEASE of the replica sending it, which its
    Slack calls fit inside; a sender that died holds it no longer), or `wait_s`.
    """
    began = time.monotonic()
    while True:
        waited = time.monotonic() - began
        try:
            return _resolve(db, tracker_id, actor, now, team, waited)
        except InFlight:
            if wait_s is not None and waited > wait_s:
                raise
            time.sleep(0.005)


@guarded
def _resolve(db, tracker_id: int, actor: str, now: datetime, team: str, waited: float) -> bool:
    """(one try) InFlight while a send of this tracker holds its lease `waited` seconds
    after `now` (the instant stored stays `now`)."""
    with immediate(db):
        if _state(db, tracker_id, team) != OPEN:
            return False
        sending = _rows(
            db,
            "SELECT 1 FROM steps WHERE tracker_id = ? AND state = 'sending' AND lease_until > ?",
            (tracker_id, utc(now + timedelta(seconds=waited))),
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


@guarded
def reopen(db, tracker_id: int, actor: str, now: datetime, *, team: str = "") -> bool:
    """Reopen: the steps the resolve cancelled wait again (a late one is caught up)."""
    with immediate(db):
        if _state(db, tracker_id, team) != RESOLVED:
            return False
        db.execute("UPDATE trackers SET state = 'open', snoozed_until = NULL, updated_at = ?"
                   " WHERE id = ?", (utc(now), tracker_id))  # fmt: skip
        db.execute(
            "UPDATE steps SET state = 'pending' WHERE tracker_id = ? AND state = 'cancelled'",
            (tracker_id,),
        )
        add_event(db, tracker_id, now, "reopened", actor)
    return True


@guarded
def snooze(
    db,
    tracker_id: int,
    actor: str,
    now: datetime,
    until: datetime,
    again: NewStep | None,
    *,
    team: str = "",
) -> bool:
    """Hold nudges until `until`; `again` re-nudges the level just nudged at that time."""
    if tracker_id not in INT64:
        return False
    with immediate(db):
        row = _locked(db, tracker_id, team, "state, snoozed_until")
        if not row or row["state"] != OPEN or row["snoozed_until"] == utc(until):
            return False
        db.execute("UPDATE trackers SET snoozed_until = ?, updated_at = ? WHERE id = ?",
                   (utc(until), utc(now), tracker_id))  # fmt: skip
        db.execute("UPDATE steps SET state = 'cancelled' WHERE tracker_id = ? AND kind = 'snoozed'"
                   " AND state = 'pending'", (tracker_id,))  # fmt: skip
        if again is not None:
            insert_steps(db, tracker_id, [again])
        add_event(db, tracker_id, now, "snoozed", actor, until=utc(until))
    return True


@guarded
def escalated(
    db, tracker_id: int, actor: str, now: datetime, level: int, *, team: str = ""
) -> bool:
    """The owner escalated to `level`: that level and those below it are done."""
    with immediate(db):
        if _state(db, tracker_id, team) != OPEN:
            return False
        if _escalated_to(db, tracker_id) >= level and not _waiting_at_or_below(
            db, tracker_id, level
        ):
            return False  # the owner already said so: nothing to change
        db.execute("UPDATE trackers SET level = CASE WHEN level > ? THEN level ELSE ? END,"
                   " snoozed_until = NULL, updated_at = ? WHERE id = ?",
                   (level, level, utc(now), tracker_id))  # fmt: skip
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
    said = db.execute(  # (read here, not with a JSON function: the dialects name them apart)
        "SELECT detail FROM events WHERE tracker_id = ? AND kind = 'escalated'", (tracker_id,)
    ).fetchall()
    levels = [_escalated_level(row[0]) for row in said]
    return max(levels, default=0)


def _escalated_level(detail) -> int:
    try:
        level = json.loads(detail).get("level")
    except (ValueError, TypeError, AttributeError):
        return 0
    return level if type(level) is int else 0


def _waiting_at_or_below(db, tracker_id: int, level: int) -> int:
    rows = _rows(
        db,
        "SELECT COUNT(*) AS n FROM steps WHERE tracker_id = ? AND level <= ?"
        " AND kind IN ('escalate', 'snoozed') AND state IN ('pending', 'claimed')",
        (tracker_id, level),
    )
    return rows[0]["n"]


@guarded
def replace_waiting(db, tracker_id: int, actor: str, now: datetime, kinds: tuple[str, ...],
                    steps: list[NewStep], event: str, *, team: str = "",
                    **detail) -> bool:  # fmt: skip
    """Cancel the waiting steps of `kinds` and schedule `steps` instead (an update logged
    restarts the Qwest clock; a workaround stops it; a closure proposal adds a nudge)."""
    with immediate(db):
        if _state(db, tracker_id, team) != OPEN:
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


def _state(db, tracker_id: int, team: str) -> str | None:
    """The tracker's state, None when workspace `team` has no tracker of that id."""
    row = _locked(db, tracker_id, team)
    return row["state"] if row else None


def _locked(db, tracker_id: int, team: str, columns: str = "state") -> dict | None:
    """`columns` of workspace `team`'s tracker, its row locked for this transaction (every
    caller goes on to change it); None when the workspace has no tracker of that id."""
    if tracker_id not in INT64:
        return None
    lock_tracker(db, tracker_id)
    sql = f"SELECT {columns} FROM trackers WHERE id = ? AND team_id = ?"
    rows = _rows(db, sql, (tracker_id, team))
    return rows[0] if rows else None
