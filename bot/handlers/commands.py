"""The /clec slash command: ephemeral replies with a "Share in channel" button."""

from __future__ import annotations

import re

from bot.handlers import ids
from bot.handlers.blocks import fallback, reply_blocks, share_blocks
from bot.handlers.context import Deps, converse
from bot.handlers.desk import after, unescaped
from bot.handlers.edge import (
    ack_at_once,
    ephemeral_teller,
    first_delivery,
    optional_id,
    reported,
    said_text,
    slack_id,
    team_of,
)

ALIASES = ((re.compile(r"^\s*(list|ls|trackers)\s*$", re.I), "my trackers"),)
# replies about the asker's own trackers or a change just made: a Share button would
# re-ask them as a question, so they have none (a board is shared as it is then)
UNSHARED = {"tracker", "tracker_error", "trackers", "export", "digest"}


def command_text(text: str) -> str:
    """`/clec list` is "my trackers"; everything else is said as it is."""
    for pattern, meaning in ALIASES:
        if pattern.match(text or ""):
            return meaning
    return (text or "").strip() or "help"


def register(app, deps: Deps) -> None:
    def clec(body, context, client, respond):
        """After the ack (Slack wants it within 3 seconds): the conversation, then the reply."""
        if not first_delivery(deps, context):
            return

        tell = ephemeral_teller(respond)
        with reported("command", body, tell) as progress:
            text = unescaped(said_text(body.get("text")))
            channel = optional_id(body.get("channel_id"))
            said = converse(
                deps,
                client,
                command_text(text),
                slack_id(body.get("user_id")),
                channel=channel,
                team=team_of(deps, context),
            )
            progress.done()
            if said.reply.data.get("in_channel"):  # "digest now": for the whole channel
                respond(response_type="in_channel", replace_original=False,
                        text=fallback(said.reply), blocks=reply_blocks(said.reply))  # fmt: skip
            elif said.reply.intent in UNSHARED:
                respond(response_type="ephemeral", text=fallback(said.reply),
                        blocks=reply_blocks(said.reply))  # fmt: skip
            else:
                respond(
                    response_type="ephemeral",
                    text=fallback(said.reply),
                    blocks=share_blocks(said.reply, text, said.at.isoformat(), said.zone),
                )
            after(client, said.reply, channel, tell)

    app.command(ids.COMMAND)(ack=ack_at_once, lazy=[clec])
