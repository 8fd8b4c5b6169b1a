"""Nudges delivered in Slack: a DM to the owner (and the thread it was made in)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.handlers.blocks import fallback, nudge_blocks
from bot.reply import Reply
from bot.scheduler import NotifyError
from storage.trackers import Tracker

log = logging.getLogger(__name__)


class SlackNotifier:
    """The DM is the delivery: if it fails the step stays due and is tried again.
    The thread copy is a courtesy: its failure is logged, never a reason to resend."""

    def __init__(self, client):
        self.client = client

    def send(self, tracker: Tracker, nudge: Reply) -> None:
        blocks, text = nudge_blocks(nudge), fallback(nudge)
        try:
            dm = self.client.conversations_open(users=tracker.owner)["channel"]["id"]
            self.client.chat_postMessage(channel=dm, text=text, blocks=blocks)
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
