"""Replies rendered as Slack Block Kit, with a plain-text fallback.

All text that reaches Slack passes through `esc`, so no input (a question, a
reminder's words, a note) can make the bot post <!channel>, <!here> or a mention
it did not mean; the only mentions are of the user ids a reply names in
`data["people"]` (an owner, an assignee), turned back into mentions after escaping.
"""

from __future__ import annotations

import json
import re

from bot.handlers import ids
from bot.reply import Reply

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text
MAX_BLOCKS = 48
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


def esc(text: str) -> str:
    """Slack's three control characters, escaped as Slack asks."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """A mention of a real user id; anything else is shown as plain text."""
    return f"<@{user_id}>" if USER_ID.match(user_id or "") else esc(user_id)


def mentions(text: str, people: list[str] | tuple[str, ...]) -> str:
    """Escaped text with the mentions of `people` (user ids the reply names) made live."""
    for user in people:
        if USER_ID.match(user or ""):
            text = text.replace(f"&lt;@{user}&gt;", f"<@{user}>")
    return text


def _live(blocks: list[dict], people: list[str]) -> list[dict]:
    if not people:
        return blocks
    for block in blocks:
        for part in [block.get("text") or {}, *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                part["text"] = mentions(part["text"], people)
    return blocks


def _section(text: str) -> list[dict]:
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)] or [""]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks if c]


def _list(title: str, items: list[str]) -> list[dict]:
    if not items:
        return []
    return _section(f"*{title}*\n" + "\n".join(f"• {esc(i)}" for i in items))


def reply_blocks(reply: Reply) -> list[dict]:
    """Headline, facts, rows, contacts, what to have ready, next steps, source."""
    blocks = _section(f"*{esc(reply.headline)}*")
    facts = [
        f"*{esc(label)}:* {esc(value)}" if label else esc(value) for label, value in reply.facts
    ]
    if facts:
        blocks += _section("\n".join(facts))
    if reply.rows:
        blocks += _section(
            "\n".join(f"`{esc(label)}`  {esc(value)}" for label, value in reply.rows)
        )
    for title, items in reply.lists():
        blocks += _list(title, items)
    if reply.sources:
        source = esc("Source: " + "; ".join(reply.sources))[:SECTION_LIMIT]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": source}]})
    return _live(blocks[:MAX_BLOCKS], reply.data.get("people", []))


def fallback(reply: Reply) -> str:
    """The notification / screen-reader text: the headline, escaped."""
    return mentions(esc(reply.headline)[:3000], reply.data.get("people", []))


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def share_blocks(reply: Reply, question: str, at_iso: str, zone: str) -> list[dict]:
    """An ephemeral answer with a "Share in channel" button that re-asks at the same instant
    (a board is shown again as it is when shared)."""
    asked = {"q": question[:1500], "at": at_iso, "tz": zone}
    if reply.data.get("desk") == "board":
        asked["desk"] = "board"
    value = json.dumps(asked)
    share = _button("Share in channel", ids.ACTION_SHARE, value)
    return reply_blocks(reply)[: MAX_BLOCKS - 1] + [{"type": "actions", "elements": [share]}]


def nudge_blocks(reply: Reply, take: bool = True) -> list[dict]:
    """A nudge with its buttons: Escalated, Resolved, Snooze 30 min / 1 h / 2 h, and Take it
    where someone could take it (not in the DM of whoever has it already)."""
    key = f"{reply.data['tracker_id']}:{reply.data['level']}"
    actions = reply.data.get("actions", ())
    if not actions:  # a notice about a tracker set aside: nothing a button could do
        return reply_blocks(reply)
    buttons = []
    if "escalated" in actions:
        buttons.append(_button("Escalated", ids.ACTION_ESCALATED, key, "primary"))
    if "resolved" in actions:
        buttons.append(_button("Resolved", ids.ACTION_RESOLVED, key))
    labels = {"30m": "Snooze 30 min", "1h": "Snooze 1 h", "2h": "Snooze 2 h"}
    for choice in ids.SNOOZES if "snooze" in actions else ():
        buttons.append(_button(labels[choice], f"{ids.ACTION_SNOOZE}_{choice}", f"{key}:{choice}"))
    if take:
        buttons.append(_button("Take it", ids.ACTION_TAKE, key))
    body = reply_blocks(reply)[: MAX_BLOCKS - 1]
    return body + [{"type": "actions", "block_id": f"nudge_{key}", "elements": buttons}]


def settled_blocks(reply: Reply, outcome: str, user_id: str) -> list[dict]:
    """The nudge after a click: its state now, who clicked, no buttons."""
    note = f"{esc(outcome)} by {mention(user_id)}"
    return reply_blocks(reply)[: MAX_BLOCKS - 1] + [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
    ]


def home_view(sections: list[tuple[str, list[tuple[str, str]]]], examples: list[str]) -> dict:
    """App Home: "Assigned to me" and "Started by me", each tracker with its next due, then
    sample questions."""
    blocks: list[dict] = []
    for title, trackers in sections:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        if trackers:
            lines = "\n".join(f"• *{esc(name)}*: {esc(due)}" for name, due in trackers)
            blocks += _section(lines)
        else:
            blocks += _section("None open. Start one with `/clec track ...`, or `/clec board`.")
        blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Ask me"}})
    blocks += _section("\n".join(f"• `/clec {esc(e)}`" for e in examples))
    return {"type": "home", "blocks": blocks[:100]}
