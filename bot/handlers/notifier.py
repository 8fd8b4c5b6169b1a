"""Nudges delivered in Slack: a DM to the owner (and the thread it was made in).

The DM is posted straight to the user's ID (`chat.postMessage` with `channel` = the
user): Slack delivers it in the app's DM with them, so a nudge is one call, not a
`conversations.open` and a post. The scheduler sends several nudges at once, one per
worker thread; the client is shared (slack_sdk's WebClient opens a connection per
call) and a 429 waits its Retry-After in that worker only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.handlers.blocks import fallback, nudge_blocks
from bot.reply import Reply
from bot.scheduler import NotifyError
from storage.trackers import Tracker

log = logging.getLogger(__name__)
CALLS_PER_NUDGE = 2  # the DM and the thread copy: what a send's time budget is split by


class SlackNotifier:
    """The DM is the delivery: if it fails the step stays due and is tried again.
    The thread copy is a courtesy: its failure is logged, never a reason to resend."""

    def __init__(self, client, zone_of: Callable[[str], str] | None = None):
        self.client = client
        self.zone_of = zone_of  # a user's zone from their profile (cached), if known

    def zone_for(self, tracker: Tracker) -> str | None:
        """The zone the nudge's times are in: an assignee's own (the tracker keeps its
        owner's); None for the owner, whose zone the tracker already has."""
        if self.zone_of and tracker.assignee and tracker.assignee != tracker.owner:
            return self.zone_of(tracker.assignee)
        return None

    def send(self, tracker: Tracker, nudge: Reply) -> None:
        text = fallback(nudge)
        recipient = tracker.assignee or tracker.owner  # who has it on the desk, else its owner
        on_desk = bool(tracker.channel) and not tracker.channel.startswith("D")
        # "Take it" is for the channel: in the DM only when it is still on the board
        dm_blocks = nudge_blocks(nudge, take=on_desk and not tracker.assignee)
        blocks = nudge_blocks(nudge, take=on_desk)
        try:
            self.client.chat_postMessage(channel=recipient, text=text, blocks=dm_blocks)
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise NotifyError(f"DM for tracker {tracker.id} failed: {type(exc).__name__}") from exc
        if tracker.channel and tracker.thread:
            try:
                self.client.chat_postMessage(
                    channel=tracker.channel, thread_ts=tracker.thread, text=text, blocks=blocks
                )
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning(
                    "thread copy of tracker %s nudge failed: %s", tracker.id, type(exc).__name__
                )
