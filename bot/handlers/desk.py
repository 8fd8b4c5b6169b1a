"""What a desk reply asks of Slack beyond itself: a DM to a new assignee, a file upload
into the conversation, and who is in a channel (for "assign 12 @dana").

A failure here is told to the asker in one line; the change the reply reports is
already committed, so nothing is retried or undone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.handlers.blocks import _section, esc, mentions
from bot.reply import Reply

log = logging.getLogger(__name__)
ROSTER_TTL_S = 60.0
ROSTER_PAGES = 10  # 1,000 members per page: a desk channel is far smaller
_rosters: dict[tuple[str, int, str], tuple[set[str], float]] = {}
_lock = threading.Lock()


def unescaped(text: str) -> str:
    """What the person typed: Slack sends "&", "<" and ">" as "&amp;", "&lt;" and "&gt;"
    (its own markup, "<@U123|dana>", stays as it is), and a note is kept as typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def roster(client, channel: str, team: str = "") -> set[str]:
    """The channel's members (conversations.members, cached a minute, per workspace: a
    Slack Connect channel has one id in both); empty when Slack will not say (no scope,
    not in the channel): then only the asker counts as a member."""
    key = (team, id(client), channel)
    with _lock:
        cached = _rosters.get(key)
    if cached and time.monotonic() - cached[1] < ROSTER_TTL_S:
        return cached[0]
    members: set[str] = set()
    try:
        cursor = None
        for _ in range(ROSTER_PAGES):
            page = client.conversations_members(channel=channel, cursor=cursor, limit=1000)
            members.update(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("conversations.members failed for %s: %s", channel, type(exc).__name__)
        return set()
    with _lock:
        _rosters[key] = (members, time.monotonic())
    return members


class Present:
    """The members of the channel a request came from, as far as `in` needs: the asker
    at once (Slack let them speak there), anyone else by asking Slack (in a channel;
    a DM has no one else)."""

    def __init__(self, client, channel: str, asker: str, team: str = ""):
        self.client, self.channel, self.asker, self.team = client, channel, asker, team

    def __contains__(self, user: object) -> bool:
        if user == self.asker:
            return True
        if self.channel.startswith("D"):
            return False
        return user in roster(self.client, self.channel, self.team)


def after(client, reply: Reply, channel: str | None, tell: Callable[[str], None],
          thread: str | None = None) -> None:  # fmt: skip
    """Send what the reply carries for others: the new assignee's DM, the export's file."""
    if notify := reply.data.get("notify"):
        _notify(client, notify, reply.data.get("people", []), tell)
    if (file := reply.data.get("file")) and channel:
        _upload(client, file, channel, thread, tell)


def _notify(client, notify: dict, people: list[str], tell: Callable[[str], None]) -> None:
    text = mentions(esc(notify["text"]), people)
    try:
        client.chat_postMessage(channel=notify["user"], text=text[:3000], blocks=_section(text))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("assignee DM failed: %s", type(exc).__name__)
        tell("I could not DM the new assignee; they will still get its nudges.")


def _upload(client, file: dict, channel: str, thread: str | None, tell) -> None:
    try:
        client.files_upload_v2(channel=channel, thread_ts=thread, content=file["content"],
                               filename=file["name"], title=file["title"])  # fmt: skip
    except (SlackApiError, SlackClientError, OSError) as exc:
        error = getattr(getattr(exc, "response", None), "get", lambda _k: None)("error")
        log.warning("export upload failed: %s %s", type(exc).__name__, error or "")
        hint = " Invite me to this channel and ask again." if error == "not_in_channel" else ""
        tell(f"I could not upload the file here ({error or type(exc).__name__}).{hint}")
