"""Installations in many Slack workspaces, kept in the bot's own database.

`Installs` is slack_sdk's InstallationStore and `States` its OAuthStateStore, on our
storage layer (`storage.db.connect()`, `?` placeholders, portable SQL), so the same code
serves SQLite and PostgreSQL. A workspace is known by its key (`workspace_key`): the team
id, or the enterprise id of an org-wide Enterprise Grid install (one installation serves
every workspace of the org, and Slack names it by the enterprise alone). The app asks
only for bot scopes, so an installation is its bot token: a user token is never stored.

When a workspace's token is gone (uninstalled, revoked, refused by Slack), its open
trackers are set aside with a reason that says so (`pause_workspace`): the scheduler
stops claiming their steps instead of failing on them each tick, and each tracker's
history says why. Installing again resumes them (`resume_workspace`); a step that fell
due meanwhile is caught up by the next tick, folded into one nudge per tracker.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import pytz
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from storage import db as storage_db
from storage.db import immediate, utc
from storage.trackers import PAUSED_EVENT, RESUMED_EVENT, _rows

log = logging.getLogger(__name__)
STATE_TTL_S = 600  # an OAuth state is good this long (Slack's own examples use ten minutes)
# /slack/install issues a state to anyone who asks: past this many live ones the oldest go,
# so a flood of requests cannot grow the table without bound (a rate limit at the proxy
# is what keeps a flood from crowding out a real installer; docs/install.md)
MAX_LIVE_STATES = 10_000
PAUSED = "workspace: "  # the start of a problem that pause_workspace wrote (and resume clears)
# SQL true for such a problem: an exact, case-sensitive prefix on both backends (LIKE
# ignores ASCII case on SQLite and not on PostgreSQL)
IS_PAUSED = f"substr(problem, 1, {len(PAUSED)}) = '{PAUSED}'"
PAUSED_BY = "clecbot"  # the actor of the pause and resume events


def workspace_key(enterprise_id: str | None, team_id: str | None,
                  is_enterprise_install: bool | None = False) -> str:  # fmt: skip
    """The workspace key of the shared interface: the team id; the enterprise id for an
    org-wide install (and when there is no team id at all); "" for neither."""
    if is_enterprise_install or not team_id:
        return enterprise_id or ""
    return team_id


def _now() -> datetime:
    return datetime.now(pytz.utc)


COLUMNS = ("client_id", "team", "enterprise_id", "team_id", "is_enterprise_install", "app_id",
           "enterprise_name", "enterprise_url", "team_name", "bot_token", "bot_id", "bot_user_id",
           "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "installer",
           "installed_at")  # fmt: skip
SAVE = (
    f"INSERT INTO slack_installations ({', '.join(COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in COLUMNS)})"
    " ON CONFLICT (client_id, team) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
)


class Installs(InstallationStore):
    """slack_sdk's InstallationStore on the bot's database: one row per workspace (the
    latest installation wins), found by the workspace key."""

    def __init__(self, db_path: str | None, client_id: str,
                 clock: Callable[[], datetime] = _now):  # fmt: skip
        self.client_id = client_id
        self.clock = clock
        # (bolt authorizes on its threads, the scheduler looks up on its senders)
        self._connections = storage_db.PerThread(db_path)

    @property
    def logger(self) -> logging.Logger:
        return log

    @property
    def db(self):
        return self._connections.db

    # --- InstallationStore ----------------------------------------------------------------

    def save(self, installation: Installation) -> None:
        if not installation.bot_token:
            raise ValueError("an installation without a bot token (clecbot asks for bot scopes)")
        team = workspace_key(installation.enterprise_id, installation.team_id,
                             installation.is_enterprise_install)  # fmt: skip
        if not team:  # "" is the rows no workspace has adopted, never an installation's key
            raise ValueError("an installation naming neither a team nor an enterprise")
        at = datetime.fromtimestamp(installation.installed_at, pytz.utc)
        row = (self.client_id, team, installation.enterprise_id or "", installation.team_id or "",
               int(bool(installation.is_enterprise_install)), installation.app_id,
               installation.enterprise_name, installation.enterprise_url, installation.team_name,
               installation.bot_token, installation.bot_id, installation.bot_user_id,
               ",".join(installation.bot_scopes or []), installation.bot_refresh_token,
               installation.bot_token_expires_at, installation.user_id or "", utc(at))  # fmt: skip
        with immediate(self.db):
            self.db.execute(SAVE, row)
        log.info("installed in workspace %s", team)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The workspace's installation; for a user, only if they installed it (no user
        token is kept, so there is no other installation of theirs to find)."""
        row = self._row(workspace_key(enterprise_id, team_id, is_enterprise_install))
        if row is None or (user_id is not None and row["installer"] != user_id):
            return None
        return _installation(row)

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:  # fmt: skip
        found = self.find_installation(enterprise_id=enterprise_id, team_id=team_id,
                                       is_enterprise_install=is_enterprise_install)  # fmt: skip
        return found.to_bot() if found else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The bot token is the installation: deleting the bot deletes the row. (This
        interface is not told of an org-wide install: give its enterprise id alone.)"""
        self.forget(workspace_key(enterprise_id, team_id))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:  # fmt: skip
        """A user's own installation holds only a user token, never kept here: nothing to
        delete for one user; without a user, the workspace's installation goes."""
        if user_id is None:
            self.forget(workspace_key(enterprise_id, team_id))

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.forget(workspace_key(enterprise_id, team_id))

    # --- ours -----------------------------------------------------------------------------

    def forget(self, team: str) -> bool:
        """Delete the installation of workspace key `team` (its token); True when there
        was one. The app's own listeners call this with the request's key."""
        with immediate(self.db):
            gone = self.db.execute(
                "DELETE FROM slack_installations WHERE client_id = ? AND team = ?",
                (self.client_id, team),
            ).rowcount
        if gone:
            log.info("installation in workspace %s deleted", team)
        return bool(gone)

    def installed_since(self, team: str, at: datetime) -> bool:
        """Whether workspace `team` has an installation made at or after `at`: an
        uninstall or a revocation that happened before it is not about its token."""
        row = self._row(team)
        return row is not None and storage_db.parse_utc(row["installed_at"]) >= at

    def bot_token(self, team: str) -> str | None:
        """The workspace's bot token, None when it is not installed."""
        row = self._row(team)
        return row["bot_token"] if row else None

    def teams(self) -> list[str]:
        """Every installed workspace's key."""
        cursor = self.db.execute(
            "SELECT team FROM slack_installations WHERE client_id = ? ORDER BY team",
            (self.client_id,),
        )
        return [r[0] for r in cursor.fetchall()]

    def _row(self, team: str) -> dict | None:
        if not team:
            return None
        rows = _rows(
            self.db,
            f"SELECT {', '.join(COLUMNS)} FROM slack_installations"
            " WHERE client_id = ? AND team = ?",
            (self.client_id, team),
        )
        return rows[0] if rows else None


def _installation(row: dict) -> Installation:
    installed = storage_db.parse_utc(row["installed_at"])
    return Installation(
        app_id=row["app_id"],
        enterprise_id=row["enterprise_id"] or None,
        enterprise_name=row["enterprise_name"],
        enterprise_url=row["enterprise_url"],
        team_id=row["team_id"] or None,
        team_name=row["team_name"],
        bot_token=row["bot_token"],
        bot_id=row["bot_id"],
        bot_user_id=row["bot_user_id"],
        bot_scopes=row["bot_scopes"],
        bot_refresh_token=row["bot_refresh_token"],
        bot_token_expires_at=row["bot_token_expires_at"],
        user_id=row["installer"],
        is_enterprise_install=bool(row["is_enterprise_install"]),
        installed_at=installed.timestamp() if installed else None,
    )


class States(OAuthStateStore):
    """slack_sdk's OAuthStateStore on the bot's database: a state is issued for one
    installer's browser and consumed at most once, before it expires; any replica
    can consume a state another issued."""

    def __init__(self, db_path: str | None, expiration_seconds: int = STATE_TTL_S,
                 clock: Callable[[], datetime] = _now,
                 max_live: int = MAX_LIVE_STATES):  # fmt: skip
        self.expiration_seconds = expiration_seconds
        self.clock = clock
        self.max_live = max_live
        self._connections = storage_db.PerThread(db_path)

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args, **kwargs) -> str:
        """A new unguessable state; expired ones, and the oldest beyond `max_live` live
        ones, are swept out on the way."""
        state = secrets.token_urlsafe(24)
        now = self.clock()
        db = self._connections.db
        with immediate(db):
            db.execute("DELETE FROM slack_oauth_states WHERE expires_at <= ?", (utc(now),))
            db.execute(
                "INSERT INTO slack_oauth_states (state, expires_at) VALUES (?, ?)",
                (state, utc(now + timedelta(seconds=self.expiration_seconds))),
            )
            db.execute(
                "DELETE FROM slack_oauth_states WHERE expires_at < (SELECT expires_at"
                " FROM slack_oauth_states ORDER BY expires_at DESC LIMIT 1 OFFSET ?)",
                (self.max_live - 1,),
            )
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; False for any other."""
        if not state:
            return False
        db = self._connections.db
        with immediate(db):
            used = db.execute(
                "DELETE FROM slack_oauth_states WHERE state = ? AND expires_at > ?",
                (state, utc(self.clock())),
            ).rowcount
        return used == 1


# --- a workspace's trackers when its token is gone ---------------------------------------


def pause_workspace(db, team: str, why: str, now: datetime) -> int:
    """Set aside every open tracker of workspace `team` (its nudges stop: the scheduler
    claims no step of a tracker set aside), with `why` as the problem and a
    'paused_nudges' event each. Marked told: there is no token to tell the owner with.
    Returns how many were set aside."""
    problem = (PAUSED + why)[:500]
    with immediate(db):
        db.execute(
            "INSERT INTO events (tracker_id, at, kind, actor, detail)"
            " SELECT id, ?, ?, ?, ? FROM trackers"
            " WHERE team_id = ? AND state = 'open' AND problem IS NULL",
            (utc(now), PAUSED_EVENT, PAUSED_BY, _detail(why), team),
        )
        paused = db.execute(
            "UPDATE trackers SET problem = ?, problem_told = 1"
            " WHERE team_id = ? AND state = 'open' AND problem IS NULL",
            (problem, team),
        ).rowcount
    return paused


def resume_workspace(db, team: str, now: datetime) -> int:
    """The trackers `pause_workspace` set aside wait again (the workspace is installed
    again); other problems stay set aside. Returns how many resumed."""
    with immediate(db):
        return resume_paused(db, team, now)


def resume_paused(db, team: str, now: datetime) -> int:
    """`resume_workspace` inside the caller's transaction (`clecbot workspaces adopt`
    moves rows and resumes them in one)."""
    db.execute(
        "INSERT INTO events (tracker_id, at, kind, actor, detail)"
        " SELECT id, ?, ?, ?, '{}' FROM trackers"
        f" WHERE team_id = ? AND {IS_PAUSED}",
        (utc(now), RESUMED_EVENT, PAUSED_BY, team),
    )
    return db.execute(
        f"UPDATE trackers SET problem = NULL, problem_told = 0 WHERE team_id = ? AND {IS_PAUSED}",
        (team,),
    ).rowcount


def _detail(why: str) -> str:
    return json.dumps({"why": why})
