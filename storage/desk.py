"""The desk's storage: who has a tracker, notes and progress, the channel's board, the
morning digest's setting and its runs.

Same rules as storage.trackers: every change is one BEGIN IMMEDIATE transaction that
re-reads what it changes, appends an event with who did it, and returns False when
there is nothing to change. Lists are one indexed query each (trackers joined with
their steps), never one query per tracker; a row that cannot be read is left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from storage.db import guarded, immediate, parse_utc, utc
from storage.trackers import (
    INT64,
    LIST_LIMIT,
    OPEN,
    STEP_COLUMNS,
    BadRow,
    Tracker,
    _column,
    _instant,
    _json,
    _locked,
    _rows,
    _step,
    _tracker,
    add_event,
)

log = logging.getLogger(__name__)
WAITING = "('pending', 'claimed', 'sending')"
# a digest run that may be claimed or skipped: due, or claimed by a scheduler whose lease ran
# out (one `?`: now); a run sent or skipped is final
RUN_TAKEABLE = "(state = 'due' OR (state = 'claimed' AND lease_until <= ?))"


# --- who has it, notes, progress --------------------------------------------------------


@guarded
def assign(
    db, tracker_id: int, assignee: str | None, actor: str, now: datetime, *, team: str = ""
) -> bool:
    """Give workspace `team`'s tracker to `assignee` (None: back to the board). False when
    it already is (so a repeated take or assign changes nothing and notifies no one again)."""
    if tracker_id not in INT64:
        return False
    with immediate(db):
        row = _locked(db, tracker_id, team, "state, assignee")
        if not row or row["state"] != OPEN or row["assignee"] == assignee:
            return False
        db.execute("UPDATE trackers SET assignee = ?, updated_at = ? WHERE id = ?",
                   (assignee, utc(now), tracker_id))  # fmt: skip
        if assignee is None:
            add_event(db, tracker_id, now, "released", actor, was=row["assignee"])
        else:
            add_event(db, tracker_id, now, "assigned", actor, to=assignee)
    return True


@guarded
def add_note(
    db, tracker_id: int, actor: str, now: datetime, text: str, progress: bool, *, team: str = ""
) -> bool:
    """A note kept verbatim; `progress` also records when forward progress was logged."""
    if tracker_id not in INT64:
        return False
    with immediate(db):
        if not _locked(db, tracker_id, team):
            return False
        if progress:
            db.execute("UPDATE trackers SET progress_at = ?, updated_at = ? WHERE id = ?",
                       (utc(now), utc(now), tracker_id))  # fmt: skip
        add_event(db, tracker_id, now, "progress" if progress else "note", actor, text=text)
    return True


# --- lists, one query each --------------------------------------------------------------


def _trackers(db, team: str, where: str, params: tuple, waiting_only: bool = True) -> list[Tracker]:
    """Workspace `team`'s trackers matching `where` with their steps, in one query;
    unreadable ones left out."""
    cols = ", ".join(f"steps.{c} AS step_{c}" for c in STEP_COLUMNS)
    waiting = f" AND steps.state IN {WAITING}" if waiting_only else ""
    rows = _rows(
        db,
        f"SELECT trackers.*, {cols} FROM (SELECT * FROM trackers WHERE team_id = ? AND {where}"
        f" ORDER BY id DESC LIMIT {LIST_LIMIT}) AS trackers"
        f" LEFT JOIN steps ON steps.tracker_id = trackers.id{waiting}"
        " ORDER BY trackers.id DESC, steps.due_at, steps.id",
        (team, *params),
    )
    found: dict[int, Tracker | None] = {}
    for row in rows:
        tracker_id = row["id"]
        if tracker_id not in found:
            try:
                found[tracker_id] = _tracker(row, [])
            except BadRow:
                found[tracker_id] = None  # set aside by the scheduler when it meets it
        tracker = found[tracker_id]
        if tracker is None or row["step_id"] is None:
            continue
        step_row = {c: row[f"step_{c}"] for c in STEP_COLUMNS}
        try:
            tracker.steps.append(_step(step_row))
        except BadRow:
            continue
    return [t for t in found.values() if t is not None]


@guarded
def open_in_channel(db: sqlite_utils.Database, channel: str, *, team: str = "") -> list[Tracker]:
    """The channel's open trackers (its board in workspace `team`: a Slack Connect channel
    has one board per workspace), with their waiting steps."""
    return _trackers(db, team, "channel = ? AND state = 'open'", (channel,))


@guarded
def assigned_to(db: sqlite_utils.Database, user: str, *, team: str = "") -> list[Tracker]:
    """Open trackers `user` has on the desk of workspace `team`."""
    return _trackers(db, team, "assignee = ? AND state = 'open'", (user,))


@guarded
def started_by(db: sqlite_utils.Database, user: str, *, team: str = "") -> list[Tracker]:
    """Open trackers `user` started in workspace `team`."""
    return _trackers(db, team, "owner = ? AND state = 'open'", (user,))


@guarded
def mine(db: sqlite_utils.Database, user: str, *, team: str = "") -> list[Tracker]:
    """Open trackers `user` started or has in workspace `team`."""
    return _trackers(db, team, "(owner = ? OR assignee = ?) AND state = 'open'", (user, user))


@guarded
def made_since(
    db: sqlite_utils.Database, channel: str | None, since: datetime, *, team: str = ""
) -> list[Tracker]:
    """Workspace `team`'s trackers made since `since` (any state), in `channel` or (None)
    anywhere."""
    if channel is None:
        return _trackers(db, team, "created_at >= ?", (utc(since),), waiting_only=False)
    return _trackers(db, team, "channel = ? AND created_at >= ?", (channel, utc(since)), False)


@guarded
def timelines(
    db: sqlite_utils.Database, tracker_ids: list[int], *, team: str = ""
) -> dict[int, list[dict]]:
    """The events of several of workspace `team`'s trackers in one query, oldest first per
    tracker (another workspace's tracker has none)."""
    ids = [i for i in tracker_ids if i in INT64]
    history: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return history
    marks = ",".join("?" * len(ids))
    for row in _rows(
        db,
        f"SELECT * FROM events WHERE tracker_id IN ({marks}) AND tracker_id IN"
        " (SELECT id FROM trackers WHERE team_id = ?) ORDER BY id",
        (*ids, team),
    ):
        try:
            row["at"] = _column(row, "at", _instant)
            row["detail"] = _column(row, "detail", _json(dict))
        except BadRow:
            continue
        history[row["tracker_id"]].append(row)
    return history


# --- the morning digest -----------------------------------------------------------------


@dataclass
class Digest:
    """A channel's digest setting: a wall-clock time in the zone of whoever set it."""

    channel: str
    clock: str  # "08:30"
    zone: str
    set_by: str
    set_at: datetime
    enabled: bool
    team_id: str = ""  # the workspace whose channel it is (its client posts it)


def _digest(row: dict) -> Digest:
    return Digest(row["channel"], row["clock"], row["zone"], row["set_by"],
                  parse_utc(row["set_at"]), bool(row["enabled"]),
                  row.get("team_id") or "")  # fmt: skip


@guarded
def set_digest(
    db, channel: str, clock: str, zone: str, user: str, now: datetime, *, team: str = ""
) -> bool:
    """Set (or change) the channel's digest in workspace `team`; False when it was already
    exactly this."""
    with immediate(db):
        rows = _rows(db, "SELECT * FROM digests WHERE team_id = ? AND channel = ?", (team, channel))
        if rows and rows[0]["enabled"] and (rows[0]["clock"], rows[0]["zone"]) == (clock, zone):
            return False
        db.execute(
            "INSERT INTO digests (team_id, channel, clock, zone, set_by, set_at, enabled)"
            " VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(team_id, channel) DO UPDATE SET"
            " clock = excluded.clock, zone = excluded.zone, set_by = excluded.set_by,"
            " set_at = excluded.set_at, enabled = 1",
            (team, channel, clock, zone, user, utc(now)),
        )
    return True


@guarded
def digest_off(db, channel: str, user: str, now: datetime, *, team: str = "") -> bool:
    """Stop the channel's digest in workspace `team`; False when there was none running."""
    with immediate(db):
        cursor = db.execute(
            "UPDATE digests SET enabled = 0, set_by = ?, set_at = ?"
            " WHERE team_id = ? AND channel = ? AND enabled = 1",
            (user, utc(now), team, channel),
        )
    return cursor.rowcount == 1


@guarded
def digest_of(db, channel: str, *, team: str = "") -> Digest | None:
    rows = _rows(db, "SELECT * FROM digests WHERE team_id = ? AND channel = ?", (team, channel))
    return _digest(rows[0]) if rows else None


@guarded
def digests(db) -> list[Digest]:
    """Every digest that is on, of every workspace (each carries its `team_id`)."""
    rows = _rows(db, "SELECT * FROM digests WHERE enabled = 1 ORDER BY team_id, channel")
    return [_digest(r) for r in rows]


@guarded
def claim_run(db, channel: str, day: str, due_at: datetime, now: datetime, token: str,
              lease: timedelta, *, team: str = "") -> bool:  # fmt: skip
    """Claim the channel's digest (of workspace `team`) for `day` (its local date): the
    first claim wins, a claim whose lease ran out (its scheduler died before marking it
    sent) is taken over, a run sent or skipped is never claimed again."""
    with immediate(db):
        db.execute(
            "INSERT INTO digest_runs (team_id, channel, day, due_at, state)"
            " VALUES (?, ?, ?, ?, 'due') ON CONFLICT DO NOTHING",
            (team, channel, day, utc(due_at)),
        )
        cursor = db.execute(
            "UPDATE digest_runs SET state = 'claimed', claim_token = ?, lease_until = ?"
            f" WHERE team_id = ? AND channel = ? AND day = ? AND {RUN_TAKEABLE}",
            (token, utc(now + lease), team, channel, day, utc(now)),
        )
    return cursor.rowcount == 1


@guarded
def finish_run(db, channel: str, day: str, token: str, now: datetime, *, team: str = "") -> bool:
    """The claimed digest went out."""
    with immediate(db):
        cursor = db.execute(
            "UPDATE digest_runs SET state = 'sent', sent_at = ?, claim_token = NULL WHERE"
            " team_id = ? AND channel = ? AND day = ? AND claim_token = ? AND state = 'claimed'",
            (utc(now), team, channel, day, token),
        )
    return cursor.rowcount == 1


@guarded
def release_run(db, channel: str, day: str, token: str, *, team: str = "") -> None:
    """The claimed digest could not be posted: due again next tick."""
    with immediate(db):
        db.execute(
            "UPDATE digest_runs SET state = 'due', claim_token = NULL, lease_until = NULL"
            " WHERE team_id = ? AND channel = ? AND day = ? AND claim_token = ?",
            (team, channel, day, token),
        )


@guarded
def skip_run(
    db, channel: str, day: str, due_at: datetime, now: datetime, *, team: str = ""
) -> bool:
    """Record a digest too late to post; True only the first time (so it is logged once)."""
    with immediate(db):
        cursor = db.execute(
            "INSERT INTO digest_runs (team_id, channel, day, due_at, state, sent_at)"
            " VALUES (?, ?, ?, ?, 'skipped', ?) ON CONFLICT DO NOTHING",
            (team, channel, day, utc(due_at), utc(now)),
        )
        if cursor.rowcount == 0:
            cursor = db.execute(
                "UPDATE digest_runs SET state = 'skipped', sent_at = ?, claim_token = NULL"
                f" WHERE team_id = ? AND channel = ? AND day = ? AND {RUN_TAKEABLE}",
                (utc(now), team, channel, day, utc(now)),
            )
    return cursor.rowcount == 1


@guarded
def run_state(db, channel: str, day: str, *, team: str = "") -> str | None:
    """The state of the channel's run for `day` (None: not yet due or claimed)."""
    rows = _rows(
        db,
        "SELECT state FROM digest_runs WHERE team_id = ? AND channel = ? AND day = ?",
        (team, channel, day),
    )
    return rows[0]["state"] if rows else None


@guarded
def runs(db, channel: str, *, team: str = "") -> list[dict]:
    """The channel's digest runs in workspace `team`, oldest first (for tests and operators)."""
    return _rows(
        db,
        "SELECT * FROM digest_runs WHERE team_id = ? AND channel = ? ORDER BY day",
        (team, channel),
    )
