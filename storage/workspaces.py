"""The workspaces a database holds rows for, and moving one workspace's rows to another.

A database from single-token days keeps its rows under the workspace key "" (issue 11).
In many-workspace mode no installation has that key, so those trackers are paused when a
step comes due. `adopt` gives them their workspace: every row that carries a `team_id`
(trackers, and through them their steps, events and references; digests; digest runs;
dedupe keys) moves in one transaction, and the trackers paused for lack of a token wait
again when the target is installed. It refuses, changing nothing, rather than guess: a
key that does not look like Slack's, or a digest (or digest run) that both workspaces
hold. Portable SQL on SQLite and PostgreSQL (`storage.db.connect()`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from storage.db import guarded, immediate, parse_utc, utc
from storage.installs import IS_PAUSED, PAUSED_BY, resume_paused
from storage.trackers import MOVED_EVENT

SINGLE_TOKEN = "(single-token)"  # how the key "" is shown
# a team id (T…) or an enterprise id (E…), as Slack writes them
KEY_RE = re.compile(r"[TE][A-Z0-9]{6,20}")


class Refused(ValueError):
    """`adopt` will not move these rows: `str()` is one line saying why and what to do."""


class Collision(Refused):
    """Both workspaces hold a digest (or digest run) of one key: which to keep is a choice."""


def label(team: str) -> str:
    """A workspace key as people read it."""
    return team or SINGLE_TOKEN


def key_from(text: str) -> str:
    """A workspace key as typed: the label of "" reads back as ""."""
    return "" if text == SINGLE_TOKEN else text


def plausible(team: str) -> bool:
    """True for a key shaped like a Slack team or enterprise id."""
    return KEY_RE.fullmatch(team) is not None


@dataclass(frozen=True)
class Workspace:
    """One workspace key: its installation (if any) and what it holds."""

    team: str
    installed: bool
    installed_at: datetime | None
    name: str | None  # the team's (or org's) name Slack gave at install
    trackers: int  # every tracker, resolved ones too
    open: int
    paused: int  # open and paused for lack of a token (pause_workspace)
    digests: int  # digests that are on

    def as_json(self) -> dict:
        out = asdict(self)
        out["label"] = label(self.team)
        out["installed_at"] = utc(self.installed_at) if self.installed_at else None
        return out


@dataclass(frozen=True)
class Moved:
    """What `adopt` moved (or, in a dry run, would move)."""

    source: str
    target: str
    trackers: int
    digests: int
    digest_runs: int
    dedupe_keys: int
    paused: int  # moved trackers paused for lack of a token
    resumed: int  # of those, how many wait again (the target is installed)
    target_installed: bool

    @property
    def nothing(self) -> bool:
        return not (self.trackers or self.digests or self.digest_runs or self.dedupe_keys)


def _by_team(db, sql: str, params=()) -> dict[str, tuple]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in db.execute(sql, params)}


def _installations(db, client_id: str | None) -> dict[str, tuple[datetime | None, str | None]]:
    """Installed workspace keys (of `client_id`, or of any app when None): when, and name."""
    where, params = ("WHERE client_id = ?", (client_id,)) if client_id else ("", ())
    rows = db.execute(
        "SELECT team, installed_at, team_name, enterprise_name, is_enterprise_install"
        f" FROM slack_installations {where} ORDER BY installed_at",
        params,
    ).fetchall()
    return {
        team: (parse_utc(at), (org if whole_org else name) or name or org)
        for team, at, name, org, whole_org in rows
    }


@guarded
def listing(db, client_id: str | None = None) -> list[Workspace]:
    """Every workspace key that has rows or an installation, "" first, then by key."""
    trackers = _by_team(
        db,
        "SELECT team_id, COUNT(*),"
        " SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN state = 'open' AND {IS_PAUSED} THEN 1 ELSE 0 END)"
        " FROM trackers GROUP BY team_id",
    )
    digests = _by_team(
        db, "SELECT team_id, COUNT(*) FROM digests WHERE enabled = 1 GROUP BY team_id"
    )
    others = _by_team(
        db,
        "SELECT team_id, 1 FROM digests UNION SELECT team_id, 1 FROM digest_runs"
        " UNION SELECT team_id, 1 FROM slack_events",
    )
    installed = _installations(db, client_id)
    teams = sorted(set(trackers) | set(digests) | set(others) | set(installed))
    out = []
    for team in teams:
        total, open_, paused = trackers.get(team, (0, 0, 0))
        at, name = installed.get(team, (None, None))
        out.append(Workspace(team, team in installed, at, name, total, open_, paused,
                             digests.get(team, (0,))[0]))  # fmt: skip
    return out


def _count(db, sql: str, params) -> int:
    return int(db.execute(sql, params).fetchone()[0] or 0)


def _collision(db, source: str, target: str) -> str | None:
    """The first digest or digest run both workspaces hold, in words; None when none."""
    channels = [r[0] for r in db.execute(
        "SELECT s.channel FROM digests s JOIN digests t ON t.channel = s.channel"
        " WHERE s.team_id = ? AND t.team_id = ? ORDER BY s.channel",
        (source, target),
    )]  # fmt: skip
    if channels:
        more = f" (and {len(channels) - 1} more)" if len(channels) > 1 else ""
        return (f"the digest of channel {channels[0]} is set under both {label(source)} and"
                f" {label(target)}{more}; keep one (DELETE FROM digests WHERE team_id ="
                f" '{source}' AND channel = '{channels[0]}') and run again")  # fmt: skip
    runs = db.execute(
        "SELECT s.channel, s.day FROM digest_runs s JOIN digest_runs t"
        " ON t.channel = s.channel AND t.day = s.day"
        " WHERE s.team_id = ? AND t.team_id = ? ORDER BY s.channel, s.day",
        (source, target),
    ).fetchall()
    if runs:
        (channel, day), more = runs[0], f" (and {len(runs) - 1} more)" if len(runs) > 1 else ""
        return (f"the digest run of channel {channel} on {day} is kept under both"
                f" {label(source)} and {label(target)}{more}; keep one (DELETE FROM digest_runs"
                f" WHERE team_id = '{source}' AND channel = '{channel}' AND day = '{day}')"
                " and run again")  # fmt: skip
    return None


def _plan(db, source: str, target: str, installed: bool) -> Moved:
    """What moving `source` to `target` would move, or Refused (a colliding digest)."""
    trackers, paused = (int(v or 0) for v in db.execute(
        f"SELECT COUNT(*), SUM(CASE WHEN {IS_PAUSED} THEN 1 ELSE 0 END)"
        " FROM trackers WHERE team_id = ?",
        (source,),
    ).fetchone())  # fmt: skip
    moved = Moved(
        source, target, trackers,
        _count(db, "SELECT COUNT(*) FROM digests WHERE team_id = ?", (source,)),
        _count(db, "SELECT COUNT(*) FROM digest_runs WHERE team_id = ?", (source,)),
        _count(db, "SELECT COUNT(*) FROM slack_events WHERE team_id = ?", (source,)),
        paused, paused if installed else 0, installed,
    )  # fmt: skip
    if not moved.nothing and (why := _collision(db, source, target)):
        raise Collision(f"cannot adopt: {why}")
    return moved


@guarded
def adopt(db, target: str, now: datetime, *, source: str = "", force: bool = False,
          dry_run: bool = False, client_id: str | None = None) -> Moved:  # fmt: skip
    """Move every row of workspace `source` to `target` in one transaction, and resume
    the moved trackers paused for lack of a token when `target` is installed. Refused
    (nothing changed) for the same key, an implausible target (unless `force` or it is
    installed), or a digest / digest run both hold. With nothing under `source` it
    returns a Moved whose `nothing` is true, and changes nothing."""
    if target == source:
        raise Refused(f"cannot adopt: the rows are already under {label(target)}; name the"
                      " workspace to move them to, and --from the one they are under")  # fmt: skip
    installed = target in _installations(db, client_id)
    if not (installed or force or plausible(target)):
        raise Refused(f"cannot adopt: {target!r} does not look like a workspace key (a team id"
                      " T… or an enterprise id E…, as Slack writes it) and is not installed;"
                      " check it (clecbot workspaces lists them), or add --force")  # fmt: skip
    if dry_run:
        return _plan(db, source, target, installed)
    with immediate(db):
        moved = _plan(db, source, target, installed)
        if moved.nothing:
            return moved
        db.execute(
            "INSERT INTO events (tracker_id, at, kind, actor, detail)"
            " SELECT id, ?, ?, ?, ? FROM trackers WHERE team_id = ?",
            (utc(now), MOVED_EVENT, PAUSED_BY,
             json.dumps({"from": label(source), "to": label(target)}), source),
        )  # fmt: skip
        # resumed under the source key, so only the moved trackers are (not the target's
        # own, paused after Slack refused its token)
        resumed = resume_paused(db, source, now) if installed else 0
        db.execute("UPDATE trackers SET team_id = ? WHERE team_id = ?", (target, source))
        db.execute("UPDATE digests SET team_id = ? WHERE team_id = ?", (target, source))
        db.execute("UPDATE digest_runs SET team_id = ? WHERE team_id = ?", (target, source))
        # a dedupe key both hold is one delivery seen twice: the target's copy is kept
        db.execute(
            "UPDATE slack_events SET team_id = ? WHERE team_id = ? AND event_id NOT IN"
            " (SELECT event_id FROM slack_events WHERE team_id = ?)",
            (target, source, target),
        )
        db.execute("DELETE FROM slack_events WHERE team_id = ?", (source,))
    return Moved(**{**asdict(moved), "resumed": resumed})


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def said(moved: Moved, dry_run: bool = False) -> str:
    """What `adopt` moved (or would), in one line for the operator."""
    source, target = label(moved.source), label(moved.target)
    if moved.nothing:
        return f"Nothing to move: {source} holds no trackers, digests, digest runs or dedupe keys."
    trackers = _n(moved.trackers, "tracker", "trackers")
    if moved.paused and moved.target_installed:
        count, verb = (moved.paused, "would resume") if dry_run else (moved.resumed, "resumed")
        trackers += f" ({count} paused for lack of a token {verb})"
    elif moved.paused:
        trackers += f" ({moved.paused} paused for lack of a token, until {target} is installed)"
    parts = [trackers, _n(moved.digests, "digest", "digests"),
             _n(moved.digest_runs, "digest run", "digest runs"),
             _n(moved.dedupe_keys, "dedupe key", "dedupe keys")]  # fmt: skip
    line = f"{'Would move' if dry_run else 'Moved'} from {source} to {target}: {', '.join(parts)}."
    if not moved.target_installed:
        line += (f" {target} is not installed here: its trackers are paused when a step comes"
                 " due, and resume when it is installed.")  # fmt: skip
    if dry_run:
        line += " Nothing changed (--dry-run)."
    return line
