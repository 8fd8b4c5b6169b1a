"""Buttons: Escalated / Resolved / Snooze on nudges, "Share in channel" on answers.

A click re-reads the tracker and checks the clicker may act on it (its owner,
or a member of the channel it was made in: a click inside that channel); a
stale button on a resolved tracker says so and changes nothing.
"""

from __future__ import annotations

import json
import re

from bot.conversation import answer
from bot.handlers import ids
from bot.handlers.blocks import fallback, reply_blocks, settled_blocks
from bot.handlers.context import Deps, converse

SNOOZE = re.compile(rf"^{ids.ACTION_SNOOZE}_(30m|1h|2h)$")


def verb_for(action_id: str, value: str) -> str:
    """A button as the words a user would type: "escalated 12 to level 2", "snooze 12 1h"."""
    tracker_id, level, *rest = value.split(":")
    if action_id == ids.ACTION_ESCALATED:
        return f"escalated {int(tracker_id)} to level {int(level)}"
    if action_id == ids.ACTION_RESOLVED:
        return f"resolved {int(tracker_id)}"
    return f"snooze {int(tracker_id)} {rest[0]}"


def register(app, deps: Deps) -> None:
    @app.action(ids.ACTION_ESCALATED)
    @app.action(ids.ACTION_RESOLVED)
    @app.action(SNOOZE)
    def nudge_button(ack, body, action, client, respond):
        ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id")
        said = converse(
            deps, client, verb_for(action["action_id"], action["value"]), user, channel=channel
        )
        if said.reply.intent == "tracker_error":  # not theirs, or stale: tell only them
            respond(response_type="ephemeral", replace_original=False, text=fallback(said.reply))
            return
        outcome = said.reply.headline.split(" #", 1)[0]
        client.chat_update(
            channel=channel,
            ts=body["container"]["message_ts"],
            text=fallback(said.reply),
            blocks=settled_blocks(said.reply, outcome, user),
        )

    @app.action(ids.ACTION_SHARE)
    def share(ack, action, respond):
        ack()
        asked = json.loads(action["value"])
        from bot.cli import parse_at

        reply = answer(asked["q"], at=parse_at(asked["at"], asked["tz"]), tz=asked["tz"], k=deps.k)
        respond(
            response_type="in_channel",
            replace_original=False,
            text=fallback(reply),
            blocks=reply_blocks(reply),
        )
