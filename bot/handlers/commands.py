"""The /clec slash command: ephemeral replies with a "Share in channel" button."""

from __future__ import annotations

import re

from bot.handlers import ids
from bot.handlers.blocks import fallback, share_blocks
from bot.handlers.context import Deps, converse

ALIASES = ((re.compile(r"^\s*(list|ls|trackers)\s*$", re.I), "my trackers"),)


def command_text(text: str) -> str:
    """`/clec list` is "my trackers"; everything else is said as it is."""
    for pattern, meaning in ALIASES:
        if pattern.match(text or ""):
            return meaning
    return (text or "").strip() or "help"


def register(app, deps: Deps) -> None:
    @app.command(ids.COMMAND)
    def clec(ack, command, respond, client):
        ack()  # within 3 seconds; the work happens after
        said = converse(
            deps,
            client,
            command_text(command.get("text", "")),
            command["user_id"],
            channel=command.get("channel_id"),
        )
        respond(
            response_type="ephemeral",
            text=fallback(said.reply),
            blocks=share_blocks(
                said.reply, command.get("text", ""), said.at.isoformat(), said.zone
            ),
        )
