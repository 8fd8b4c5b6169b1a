"""Direct messages (message.im) and @-mentions (app_mention): the same conversation."""

from __future__ import annotations

import re

from bot.handlers.blocks import fallback, reply_blocks
from bot.handlers.context import Deps, converse

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def from_a_person(event: dict) -> bool:
    """Bots (this one included) and edits/joins are not people talking to us."""
    return not (event.get("bot_id") or event.get("subtype") or event.get("app_id"))


def register(app, deps: Deps) -> None:
    @app.event("message")
    def direct_message(event, client):
        if event.get("channel_type") != "im" or not from_a_person(event):
            return
        said = converse(
            deps, client, event.get("text", ""), event["user"], channel=event["channel"]
        )
        client.chat_postMessage(
            channel=event["channel"], text=fallback(said.reply), blocks=reply_blocks(said.reply)
        )

    @app.event("app_mention")
    def mentioned(event, client):
        if not from_a_person(event):
            return
        thread = event.get("thread_ts") or event["ts"]
        text = MENTION.sub(" ", event.get("text", "")).strip()
        said = converse(deps, client, text, event["user"], channel=event["channel"], thread=thread)
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=thread,
            text=fallback(said.reply),
            blocks=reply_blocks(said.reply),
        )
