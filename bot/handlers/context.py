"""What every Slack handler shares: the knowledge, a database connection per thread,
each user's zone (from users.info, cached), and the one conversation call, made for
one workspace (`team`: every tracker it finds or makes is that workspace's)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytz

from bot import desk
from bot.conversation import respond
from bot.handlers.desk import Present
from bot.knowledge.model import Knowledge
from bot.reply import Reply, render_text
from bot.scheduler import utc_now
from bot.tracking import Session
from storage.db import PerThread

log = logging.getLogger(__name__)
ZONE_TTL_S = 3600.0


@dataclass
class Deps:
    k: Knowledge
    db_path: str
    default_zone: str
    clock: Callable[[], datetime] = utc_now
    # installed in many workspaces (OAuth): each request's data is its workspace's; else
    # one workspace (SLACK_BOT_TOKEN), whose data is kept under team "" as before 0010
    workspaces: bool = False
    _connections: PerThread = field(init=False, repr=False)
    _zones: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._connections = PerThread(self.db_path)

    def db(self):
        """This thread's connection (bolt runs listeners on a thread pool)."""
        return self._connections.db

    def zone_of(self, client, user: str, team: str = "") -> str:
        """The user's zone from their Slack profile, cached an hour (per workspace: a user
        id is only unique within one); else the default."""
        with self._lock:
            cached = self._zones.get((team, user))
        if cached and time.monotonic() - cached[1] < ZONE_TTL_S:
            return cached[0]
        zone = self.default_zone
        try:
            found = client.users_info(user=user)["user"].get("tz")
            if found in pytz.all_timezones_set:
                zone = found
        except Exception as exc:  # a profile we cannot read: answer in the default zone
            log.warning("users.info failed for %s: %s", user, type(exc).__name__)
        with self._lock:
            self._zones[(team, user)] = (zone, time.monotonic())
        return zone


@dataclass(frozen=True)
class Said:
    reply: Reply
    at: datetime
    zone: str


def converse(
    deps: Deps,
    client,
    text: str,
    user: str,
    *,
    channel: str | None,
    thread: str | None = None,
    team: str = "",
) -> Said:
    """Run one line of the conversation for a Slack user of workspace `team`.

    Channel membership for acting on a tracker is judged from where the request
    comes from: Slack lets only a channel's members use a command or a button
    there, so no extra scope (channels:read) is needed.
    """
    zone = deps.zone_of(client, user, team)
    now = deps.clock().astimezone(pytz.timezone(zone))

    def members(tracker_channel: str) -> set[str]:
        if not channel or tracker_channel != channel:
            return set()
        return Present(client, channel, user, team)  # who else is here: "assign 12 @dana"

    reply = respond(text, at=now, tz=zone, user=user, db=deps.db(), channel=channel,
                    thread=thread, members=members, k=deps.k, team=team)  # fmt: skip
    if (notify := reply.data.get("notify")) and notify.get("tracker_id"):
        _in_their_zone(deps, client, notify, user, now, team)
    return Said(reply, now, zone)


def _in_their_zone(
    deps: Deps, client, notify: dict, user: str, now: datetime, team: str = ""
) -> None:
    """A new assignee's DM with its times in the assignee's own zone (their profile), not
    the tracker's; if that cannot be done, the DM goes as it was written."""
    try:
        zone = deps.zone_of(client, notify["user"], team)
        session = Session(deps.k, deps.db(), user, now, zone, team=team)
        notify["text"] = render_text(desk.handed(session, notify["tracker_id"], zone))
    except Exception as exc:
        log.warning("assignee DM kept in the tracker's zone: %s", type(exc).__name__)
