"""Nudges delivered in Slack: a DM to the owner (and the thread it was made in).

The DM is posted straight to the user's ID (`chat.postMessage` with `channel` = the
user): Slack delivers it in the app's DM with them, so a nudge is one call, not a
`conversations.open` and a post. The scheduler sends several nudges at once, one per
worker thread; the client is shared (slack_sdk's WebClient opens a connection per
call) and a 429 waits its Retry-After in that worker only.

Each DM carries Slack message metadata (`clecbot_nudge`: tracker, step, level, attempt),
and the DM's `D...` channel id that Slack answers with is handed back to be remembered.
When a sender died after posting (its step is found in flight with the lease run out),
`find_sent` reads that DM's history since the send began and finds the nudge by its
metadata, so the step is marked, not posted twice. A history that cannot be read gives
NotifyError: the nudge is sent again (never lose a nudge to save a duplicate).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytz
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.handlers.blocks import fallback, nudge_blocks, reply_blocks
from bot.ops import Metrics
from bot.reply import Reply
from bot.scheduler import Delivery, NotifyError, SendUncertain
from storage.trackers import Claim, Tracker

log = logging.getLogger(__name__)
CALLS_PER_NUDGE = 2  # the DM and the thread copy: what a send's time budget is split by
# Slack's answers that mean the workspace's token is gone for good (uninstalled, revoked,
# the workspace closed): its nudges are paused, not tried again each tick
TOKEN_GONE = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                        "team_access_revoked", "team_not_found"})  # fmt: skip
NUDGE_EVENT = "clecbot_nudge"  # the metadata event_type every nudge DM carries
HISTORY_PAGE = 200  # messages per conversations.history call
HISTORY_PAGES = 5  # more than this many since the send began: give up and send again
CLOCK_SKEW = timedelta(seconds=60)  # our clock vs Slack's, allowed for in `oldest`


def nudge_metadata(tracker_id: int, step_id: int, level: int, attempt: int) -> dict:
    """The message metadata a nudge DM is posted with (Slack's `metadata` argument)."""
    payload = {"tracker_id": tracker_id, "step_id": step_id, "level": level, "attempt": attempt}
    return {"event_type": NUDGE_EVENT, "event_payload": payload}


def is_nudge_for(message: dict, tracker_id: int, step_id: int) -> bool:
    """True when a history message is the nudge of this step (any attempt of it)."""
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return (
        meta.get("event_type") == NUDGE_EVENT
        and payload.get("tracker_id") == tracker_id
        and payload.get("step_id") == step_id
    )


def may_have_posted(exc: Exception) -> bool:
    """True for a failure that came after the post went out whole: a timeout or a dropped
    connection while reading Slack's answer (urllib raises these bare; a failure to
    connect or to send comes wrapped in URLError). Slack may have the post, so the step
    stays in flight and is looked for after its lease, not posted again."""
    if isinstance(exc, URLError):
        return False
    return isinstance(exc, TimeoutError | ConnectionResetError | RemoteDisconnected)


def ts_instant(ts: str) -> datetime:
    """A Slack message ts ("1764500000.000100") as a UTC instant."""
    return datetime.fromtimestamp(float(ts), pytz.utc)


class NotInstalled(NotifyError):
    """The workspace has no token here (never installed, uninstalled, revoked)."""


class SingleClient:
    """One token for one workspace (SLACK_BOT_TOKEN): the workspace "". A tracker of any
    other workspace is refused, never sent with this token."""

    def __init__(self, client):
        self.client = client

    def for_team(self, team: str):
        if team:
            raise NotInstalled(f"workspace {team} is not the one this bot's token serves")
        return self.client

    def forget(self, team: str) -> None:
        """One token, nothing cached per workspace."""

    def still_holds(self, team: str, client) -> bool:
        """One token: the one refused is the one there is."""
        return True


class TeamClients:
    """A Web API client per workspace, with the bot token its installation holds now
    (read at each use: a token deleted or replaced by another replica is never used
    again); a client is made once per token and kept."""

    def __init__(self, token_of: Callable[[str], str | None], make: Callable[[str], object]):
        self.token_of = token_of  # the workspace's bot token, None when not installed
        self.make = make  # a client for a token (timeouts and retries from the lease)
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()

    def for_team(self, team: str):
        token = self.token_of(team) if team else None
        if not token:
            raise NotInstalled(f"clecbot is not installed in workspace {team or '(none)'}")
        with self._lock:
            client = self._clients.get(team)
            if client is None or client.token != token:
                client = self._clients[team] = self.make(token)
            return client

    def forget(self, team: str) -> None:
        with self._lock:
            self._clients.pop(team, None)

    def still_holds(self, team: str, client) -> bool:
        """Whether `client`'s token is still the workspace's (not replaced by an install
        again, here or on another replica, while a call with it was under way)."""
        return self.token_of(team) == getattr(client, "token", None)


class SlackNotifier:
    """The DM is the delivery: if it fails the step stays due and is tried again.
    The thread copy is a courtesy: its failure is logged, never a reason to resend.

    Each tracker's nudge goes with its own workspace's client (`clients.for_team`), never
    another's. A workspace whose token is gone is handed to `on_gone` (which pauses its
    trackers) instead of being tried again each tick."""

    def __init__(
        self,
        client,
        lookup_budget_s: float | None = None,
        *,
        zone_in: Callable[[object, str, str], str] | None = None,
        on_gone: Callable[[str, str], None] | None = None,
        metrics: Metrics | None = None,
    ):
        # a WebClient (one token: the workspace "") or per-workspace clients (for_team)
        self.clients = client if hasattr(client, "for_team") else SingleClient(client)
        # a user's zone from their profile (cached), if known: (client, user, workspace)
        self.zone_in = zone_in
        # how long the look in a DM's history may go on before another call (with one
        # call's own budget, it stays within half the lease; the post has the other half)
        self.lookup_budget_s = lookup_budget_s
        self.on_gone = on_gone
        self.metrics = metrics

    def client_for(self, team: str):
        """The workspace's client; NotInstalled (after `on_gone`) when it has no token."""
        try:
            return self.clients.for_team(team)
        except NotInstalled as exc:
            self._gone(team, f"clecbot is not installed in this workspace ({exc})")
            raise

    def _gone(self, team: str, why: str) -> None:
        if self.on_gone is None:
            return
        try:
            self.on_gone(team, why)
        except Exception as exc:  # the nudge stays due; the pause is tried again next time
            log.error("workspace %s: its trackers could not be paused: %s", team,
                      type(exc).__name__)  # fmt: skip

    def _refused(self, team: str, exc: Exception, client) -> None:
        """A Slack error that says the workspace's token is gone: pause the workspace,
        unless it was installed again (a new token) while the call was under way."""
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
        if error in TOKEN_GONE:
            self.clients.forget(team)
            if not self.clients.still_holds(team, client):
                log.info("workspace %s: a call with its old token was refused (%s); it has"
                         " a new one, so its nudges go on", team, error)  # fmt: skip
                return
            self._gone(team, f"Slack refused this workspace's token ({error}); its nudges"
                             " resume when clecbot is installed again")  # fmt: skip

    def _count(self, team: str, sent: bool) -> None:
        if self.metrics is not None:
            self.metrics.workspace_nudge(team, sent)

    def zone_for(self, tracker: Tracker) -> str | None:
        """The zone the nudge's times are in: an assignee's own (the tracker keeps its
        owner's); None for the owner, whose zone the tracker already has."""
        if self.zone_in is None or tracker.assignee in (None, "", tracker.owner):
            return None
        client = self.clients.for_team(tracker.team_id)
        return self.zone_in(client, tracker.assignee, tracker.team_id)

    def post_digest(self, channel: str, reply: Reply) -> None:
        """A channel's morning digest (bot.digest), posted in the channel with the client
        of the workspace the digest names (bot.digest.Post: channel and reply only)."""
        team = (reply.data.get("digest") or {}).get("team_id") or ""
        client = self.client_for(team)
        try:
            client.chat_postMessage(channel=channel, text=fallback(reply),
                                    blocks=reply_blocks(reply))  # fmt: skip
        except SlackApiError as exc:
            self._refused(team, exc, client)
            raise

    def send(self, tracker: Tracker, nudge: Reply) -> Delivery | None:
        """Post the DM (with the nudge's metadata), then the thread copy; returns the
        recipient and the DM's channel id."""
        team = tracker.team_id
        try:
            client = self.client_for(team)
        except NotInstalled:
            self._count(team, sent=False)
            raise
        text = fallback(nudge)
        recipient = tracker.assignee or tracker.owner  # who has it on the desk, else its owner
        on_desk = bool(tracker.channel) and not tracker.channel.startswith("D")
        # "Take it" is for the channel: in the DM only when it is still on the board
        dm_blocks = nudge_blocks(nudge, take=on_desk and not tracker.assignee)
        blocks = nudge_blocks(nudge, take=on_desk)
        data = nudge.data
        metadata = None
        if "step_id" in data and nudge.intent != "problem":
            metadata = nudge_metadata(tracker.id, data["step_id"], data.get("level", 0),
                                      data.get("attempt", 1))  # fmt: skip
        try:
            posted = client.chat_postMessage(
                channel=recipient, text=text, blocks=dm_blocks, metadata=metadata
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            self._count(team, sent=False)
            self._refused(team, exc, client)
            failed = SendUncertain if may_have_posted(exc) else NotifyError
            raise failed(f"DM for tracker {tracker.id} failed: {type(exc).__name__}") from exc
        self._count(team, sent=True)
        channel = posted.get("channel") if hasattr(posted, "get") else None
        if tracker.channel and tracker.thread:
            try:
                client.chat_postMessage(
                    channel=tracker.channel, thread_ts=tracker.thread, text=text, blocks=blocks
                )
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning(
                    "thread copy of tracker %s nudge failed: %s", tracker.id, type(exc).__name__
                )
        return Delivery(recipient, channel) if isinstance(channel, str) and channel else None

    def find_sent(
        self, tracker: Tracker, claim: Claim, dm: tuple[str, str] | None
    ) -> datetime | None:
        """When the nudge of `claim`'s step was posted to the recipient's DM, if it was:
        the DM's history (by its D... id: the one remembered, else `conversations.open`)
        since the step went in flight, looked through for its metadata. NotifyError when
        the history cannot be read: the caller sends again rather than risk a loss."""
        recipient = tracker.assignee or tracker.owner
        since = claim.in_flight_since
        if since is None:
            raise NotifyError("no send start recorded")
        budget = self.lookup_budget_s
        deadline = time.monotonic() + budget if budget is not None else None
        client = self.client_for(tracker.team_id)
        try:
            channel = dm[1] if dm and dm[0] == recipient else self._open_dm(client, recipient)
            return self._search(client, channel, since - CLOCK_SKEW, tracker.id, claim.step.id,
                                deadline)  # fmt: skip
        except (SlackApiError, SlackClientError, OSError, ValueError, TypeError) as exc:
            raise NotifyError(f"history of tracker {tracker.id}'s DM unreadable: "
                              f"{type(exc).__name__}") from exc  # fmt: skip

    @staticmethod
    def _open_dm(client, user: str) -> str:
        return client.conversations_open(users=user)["channel"]["id"]

    @staticmethod
    def _search(client, channel: str, oldest: datetime, tracker_id: int, step_id: int,
                deadline: float | None = None):  # fmt: skip
        cursor = None
        for _ in range(HISTORY_PAGES):
            if deadline is not None and time.monotonic() > deadline:
                raise ValueError("the look in the DM's history took longer than its budget")
            page = client.conversations_history(
                channel=channel, oldest=f"{oldest.timestamp():.6f}", limit=HISTORY_PAGE,
                include_all_metadata=True, cursor=cursor,
            )  # fmt: skip
            for message in page.get("messages") or []:
                if is_nudge_for(message, tracker_id, step_id):
                    return ts_instant(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        raise ValueError(f"more than {HISTORY_PAGES * HISTORY_PAGE} messages since the send")
