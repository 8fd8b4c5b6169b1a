"""Buttons: Escalated / Resolved / Snooze / Take it on nudges, "Share in channel" on answers.

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
from bot.handlers.edge import (
    Unreadable,
    ack_at_once,
    ephemeral_teller,
    first_delivery,
    reported,
    said_text,
    slack_id,
    team_of,
)

SNOOZE = re.compile(rf"^{ids.ACTION_SNOOZE}_(30m|1h|2h)$")
NUDGE_VALUE = re.compile(r"^([0-9]{1,12}):([0-9]{1,3})(?::(30m|1h|2h))?$")


def verb_for(action_id: str, value: str) -> str:
    """A button as the words a user would type: "escalated 12 to level 2", "snooze 12 1h"."""
    found = NUDGE_VALUE.match(value if isinstance(value, str) else "")
    if not found:
        raise Unreadable("I could not read that button; please use the newest message.")
    tracker_id, level, snooze = found.groups()
    if action_id == ids.ACTION_ESCALATED:
        return f"escalated {int(tracker_id)} to level {int(level)}"
    if action_id == ids.ACTION_RESOLVED:
        return f"resolved {int(tracker_id)}"
    if action_id == ids.ACTION_TAKE:
        return f"take {int(tracker_id)}"
    return f"snooze {int(tracker_id)} {snooze or '30m'}"


def _outcome(reply, action_id: str) -> str:
    """What a click did, said of the clicker (the updated message may be seen by a whole
    channel: "Taken by @dana", never "You have it ... by @dana"); the message's headline
    keeps only the tracker."""
    said = reply.data.get("said") or reply.headline.split(" #", 1)[0]
    if reply.headline.startswith(said):
        reply.headline = reply.headline[len(said) :].strip()
    return "Taken" if action_id == ids.ACTION_TAKE else said.rstrip(".")


def _shared(value: object) -> dict:
    """The question a Share button carries: {"q", "at", "tz"}, all text."""
    try:
        asked = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        asked = None
    if not isinstance(asked, dict) or not all(
        isinstance(asked.get(k), str) for k in ("q", "at", "tz")
    ):
        raise Unreadable("I could not read that button; please ask again.")
    return {**asked, "q": said_text(asked["q"])}


def register(app, deps: Deps) -> None:
    def nudge_button(body, context, client, respond):
        if not first_delivery(deps, context):
            return

        tell = ephemeral_teller(respond)
        with reported("button", body, tell) as progress:
            action = (body.get("actions") or [{}])[0]
            user = slack_id((body.get("user") or {}).get("id"))
            container = body.get("container") or {}
            channel = slack_id(
                (body.get("channel") or {}).get("id") or container.get("channel_id"), "channel"
            )
            verb = verb_for(action.get("action_id"), action.get("value"))
            said = converse(deps, client, verb, user, channel=channel, team=team_of(deps, context))
            progress.done()
            if said.reply.intent == "tracker_error":  # not theirs, or stale: tell only them
                tell(fallback(said.reply))
                return
            outcome = _outcome(said.reply, action.get("action_id"))
            client.chat_update(
                channel=channel,
                ts=container.get("message_ts"),
                text=fallback(said.reply),
                blocks=settled_blocks(said.reply, outcome, user),
            )

    def share(body, context, client, respond):
        if not first_delivery(deps, context):
            return

        tell = ephemeral_teller(respond)
        from bot.moments import parse_instant as parse_at

        with reported("share", body, tell):
            asked = _shared((body.get("actions") or [{}])[0].get("value"))
            if asked.get("desk") == "board":  # the board as it is now, where it is shared
                user = slack_id((body.get("user") or {}).get("id"))
                channel = slack_id((body.get("channel") or {}).get("id"), "channel")
                team = team_of(deps, context)
                reply = converse(deps, client, "board", user, channel=channel, team=team).reply
            else:
                at = parse_at(asked["at"], asked["tz"])
                reply = answer(asked["q"], at=at, tz=asked["tz"], k=deps.k)
            respond(
                response_type="in_channel",
                replace_original=False,
                text=fallback(reply),
                blocks=reply_blocks(reply),
            )

    for action_id in (ids.ACTION_ESCALATED, ids.ACTION_RESOLVED, ids.ACTION_TAKE, SNOOZE):
        app.action(action_id)(ack=ack_at_once, lazy=[nudge_button])
    app.action(ids.ACTION_SHARE)(ack=ack_at_once, lazy=[share])
