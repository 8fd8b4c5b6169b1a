"""Direct messages (message.im) and @-mentions (app_mention): the same conversation."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.handlers.blocks import fallback, reply_blocks
from bot.handlers.context import Deps, converse
from bot.handlers.desk import after, unescaped
from bot.handlers.edge import (
    SLACK_ID,
    ack_at_once,
    first_delivery,
    reported,
    said_text,
    slack_id,
    team_of,
)

# mentions in front of what was said; a mention of someone else later on is what was
# said ("assign 12 <@U2>"), the bot's own is dropped wherever it is
MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+")


def without_mentions(text: str, bot_user: object) -> str:
    """What was said to the bot, without its own mention (and any leading one)."""
    if isinstance(bot_user, str) and SLACK_ID.match(bot_user):
        text = re.sub(rf"<@{bot_user}(?:\|[^>]*)?>", " ", text)
    return MENTION.sub("", text).strip()


def from_a_person(event: dict) -> bool:
    """Bots (this one included) and edits/joins are not people talking to us."""
    return not (event.get("bot_id") or event.get("subtype") or event.get("app_id"))


def _event(body) -> dict:
    event = body.get("event") if isinstance(body, dict) else None
    return event if isinstance(event, dict) else {}


def _teller(client, channel: object, thread: str | None = None) -> Callable[[str], None]:
    """Say a short line where the message came from, if that place can be read at all."""

    def tell(text: str) -> None:
        if isinstance(channel, str) and SLACK_ID.match(channel):
            client.chat_postMessage(channel=channel, thread_ts=thread, text=text)

    return tell


def _thread(event: dict) -> str | None:
    ts = event.get("thread_ts") or event.get("ts")
    return ts if isinstance(ts, str) and len(ts) < 40 else None


def register(app, deps: Deps) -> None:
    def direct_message(body, context, client):
        event = _event(body)
        if event.get("channel_type") != "im" or not from_a_person(event):
            return
        if not first_delivery(deps, context):
            return
        with reported("message", body, _teller(client, event.get("channel"))) as progress:
            channel = slack_id(event.get("channel"), "channel")
            said = converse(deps, client, unescaped(said_text(event.get("text"))),
                            slack_id(event.get("user")), channel=channel,
                            team=team_of(deps, context))  # fmt: skip
            progress.done()
            client.chat_postMessage(
                channel=channel, text=fallback(said.reply), blocks=reply_blocks(said.reply)
            )
            after(client, said.reply, channel, _teller(client, channel))

    def mentioned(body, context, client):
        event = _event(body)
        if not from_a_person(event) or not first_delivery(deps, context):
            return
        thread = _thread(event)
        with reported("mention", body, _teller(client, event.get("channel"), thread)) as progress:
            channel = slack_id(event.get("channel"), "channel")
            text = unescaped(without_mentions(said_text(event.get("text")),
                                              context.get("bot_user_id")))  # fmt: skip
            said = converse(deps, client, text, slack_id(event.get("user")), channel=channel,
                            thread=thread, team=team_of(deps, context))  # fmt: skip
            progress.done()
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=fallback(said.reply),
                blocks=reply_blocks(said.reply),
            )
            after(client, said.reply, channel, _teller(client, channel, thread), thread)

    app.event("message")(ack=ack_at_once, lazy=[direct_message])
    app.event("app_mention")(ack=ack_at_once, lazy=[mentioned])
