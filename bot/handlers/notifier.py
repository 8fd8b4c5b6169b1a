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
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytz
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.handlers.blocks import fallback, nudge_blocks, reply_blocks
from bot.reply import Reply
from bot.scheduler import Delivery, NotifyError
from storage.trackers import Claim, Tracker

log = logging.getLogger(__name__)
CALLS_PER_NUDGE = 2  # the DM and the thread copy: what a send's time budget is split by
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


def ts_instant(ts: str) -> datetime:
    """A Slack message ts ("1764500000.000100") as a UTC instant."""
    return datetime.fromtimestamp(float(ts), pytz.utc)


class SlackNotifier:
    """The DM is the delivery: if it fails the step stays due and is tried again.
    The thread copy is a courtesy: its failure is logged, never a reason to resend."""

    def __init__(
        self,
        client,
        zone_of: Callable[[str], str] | None = None,
        lookup_budget_s: float | None = None,
    ):
        self.client = client
        self.zone_of = zone_of  # a user's zone from their profile (cached), if known
        # how long the look in a DM's history may go on before another call (with one
        # call's own budget, it stays within half the lease; the post has the other half)
        self.lookup_budget_s = lookup_budget_s

    def zone_for(self, tracker: Tracker) -> str | None:
        """The zone the nudge's times are in: an assignee's own (the tracker keeps its
        owner's); None for the owner, whose zone the tracker already has."""
        if self.zone_of and tracker.assignee and tracker.assignee != tracker.owner:
            return self.zone_of(tracker.assignee)
        return None

    def post_digest(self, channel: str, reply: Reply) -> None:
        """A channel's morning digest (bot.digest), posted in the channel."""
        self.client.chat_postMessage(
            channel=channel, text=fallback(reply), blocks=reply_blocks(reply)
        )

    def send(self, tracker: Tracker, nudge: Reply) -> Delivery | None:
        """Post the DM (with the nudge's metadata), then the thread copy; returns the
        recipient and the DM's channel id."""
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
            posted = self.client.chat_postMessage(
                channel=recipient, text=text, blocks=dm_blocks, metadata=metadata
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise NotifyError(f"DM for tracker {tracker.id} failed: {type(exc).__name__}") from exc
        channel = posted.get("channel") if hasattr(posted, "get") else None
        if tracker.channel and tracker.thread:
            try:
                self.client.chat_postMessage(
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
        try:
            channel = dm[1] if dm and dm[0] == recipient else self._open_dm(recipient)
            return self._search(channel, since - CLOCK_SKEW, tracker.id, claim.step.id, deadline)
        except (SlackApiError, SlackClientError, OSError, ValueError, TypeError) as exc:
            raise NotifyError(f"history of tracker {tracker.id}'s DM unreadable: "
                              f"{type(exc).__name__}") from exc  # fmt: skip

    def _open_dm(self, user: str) -> str:
        return self.client.conversations_open(users=user)["channel"]["id"]

    def _search(self, channel: str, oldest: datetime, tracker_id: int, step_id: int,
                deadline: float | None = None):  # fmt: skip
        cursor = None
        for _ in range(HISTORY_PAGES):
            if deadline is not None and time.monotonic() > deadline:
                raise ValueError("the look in the DM's history took longer than its budget")
            page = self.client.conversations_history(
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
