"""The edge of the Slack app: what Slack sends is checked once as it enters, and the
work after the ack reports its own failures.

The ack has already gone back when a listener's work runs, so an error there would
reach nobody: `reported` catches it, tells the user in words (whether anything was
changed), and logs its kind, where it happened and the request's id, never the text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from storage.db import StorageError, first_sighting_of_all
from storage.installs import workspace_key

log = logging.getLogger(__name__)
MAX_TEXT = 4000  # a question or a tracker line; Slack allows 40,000 in a message
SLACK_ID = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DATABASE_DOWN = "I could not reach my database just now; nothing was changed, please try again."
WENT_WRONG = "Sorry, something went wrong on my side; nothing was changed. Please try again."
NOT_SHOWN = (
    "That went through, but something went wrong showing you the reply. "
    "`/clec list` shows your trackers as they are now."
)


class Unreadable(ValueError):
    """A payload the bot will not act on; the message says why, in the user's words."""


def said_text(value: object) -> str:
    """The words a person sent, as valid UTF-8 with no control characters, of a sane size."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable("I could not read that message.")
    text = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    if len(text) > MAX_TEXT:
        raise Unreadable(
            f"That is {len(text):,} characters; I read up to {MAX_TEXT:,}. "
            "Please ask in fewer words, e.g. `is the NPSC open now?`"
        )
    return text


def slack_id(value: object, what: str = "user") -> str:
    """A Slack user, channel or team id ("U024BE7LH", "C1", "D0A"), or Unreadable."""
    if isinstance(value, str) and SLACK_ID.match(value):
        return value
    raise Unreadable(f"I could not read the {what} this came from.")


def optional_id(value: object, what: str = "channel") -> str | None:
    return None if value in (None, "") else slack_id(value, what)


def _workspace(deps, context) -> str | None:
    """The workspace a request is of, None when it names none that can be read."""
    if not getattr(deps, "workspaces", False):
        return ""  # one workspace (SLACK_BOT_TOKEN): its rows are kept under ""
    # the one workspace key (the enterprise id for an org-wide Grid install, where its
    # installation and token are kept), from the ids bolt read off the request
    team = workspace_key(context.get("enterprise_id"), context.get("team_id"),
                         context.get("is_enterprise_install"))  # fmt: skip
    return team if isinstance(team, str) and SLACK_ID.match(team) else None


def team_of(deps, context) -> str:
    """The workspace whose trackers, digests and dedupe keys a request may see and
    change: its workspace key (storage.installs.workspace_key: the team id, the
    enterprise id for an org-wide Enterprise Grid install) when installed in many
    workspaces; "" with one SLACK_BOT_TOKEN. A
    request naming no workspace is Unreadable, never served from another's data."""
    team = _workspace(deps, context)
    if team is None:
        raise Unreadable("I could not read the workspace this came from.")
    return team


def request_id(body: object) -> str:
    """What names a request in the log: the event id, else the trigger id."""
    if not isinstance(body, dict):
        return "?"
    for key in ("event_id", "trigger_id"):
        if isinstance(body.get(key), str):
            return body[key][:64]
    return "?"


@dataclass
class Progress:
    """Whether the conversation has committed: after it, "nothing was changed" is untrue."""

    committed: bool = False

    def done(self) -> None:
        self.committed = True


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


def _message(exc: BaseException, progress: Progress) -> str:
    if isinstance(exc, Unreadable):
        return str(exc)
    if progress.committed:
        return NOT_SHOWN
    if isinstance(exc, StorageError | sqlite3.Error):
        return DATABASE_DOWN
    return WENT_WRONG


@contextmanager
def reported(kind: str, body: object, tell: Callable[[str], object]) -> Iterator[Progress]:
    """Run a listener's work; on any error, tell the user and log one line without the text."""
    progress = Progress()
    try:
        yield progress
    except Exception as exc:
        rid = request_id(body)
        if isinstance(exc, Unreadable):
            log.info("%s %s refused at the edge: %s", kind, rid, exc)
        else:
            log.error("%s %s failed after the ack: %s at %s", kind, rid,
                      type(exc).__name__, _where(exc))  # fmt: skip
            log.debug("%s %s traceback", kind, rid, exc_info=exc)
        try:
            tell(_message(exc, progress))
        except Exception as again:
            log.error("%s %s: could not tell the user either: %s", kind, rid,
                      type(again).__name__)  # fmt: skip


def delivery_keys(body: object, signature: str, timestamp: str) -> list[str]:
    """What makes a delivery the same one again: Slack's retries share an event_id (kept a
    day); a replayed request repeats its timestamp and signature (valid for 5 minutes)."""
    keys = []
    if isinstance(body, dict) and isinstance(body.get("event_id"), str):
        keys.append(body["event_id"][:100])
    if signature:
        keys.append(f"sig:{timestamp}:{signature}")
    return keys


def first_delivery(deps, context) -> bool:
    """True unless this request was already acted on (by its workspace: another
    workspace's event of the same id is not a repeat). Checked after the ack, so the ack
    never waits for the database; a database that cannot answer lets the work go on (it
    will meet the same fault and say "try again"), as does a request naming no workspace
    (its work refuses it, in words)."""
    keys = context.get("delivery_keys") or []
    team = _workspace(deps, context)
    if team is None:
        return True
    try:
        db, now = deps.db(), deps.clock()
        fresh = first_sighting_of_all(db, keys, now, team=team)  # every key, at once
    except (StorageError, sqlite3.Error) as exc:
        log.warning("could not check a delivery for repeats: %s", type(exc).__name__)
        return True
    if not fresh:  # named by event id or timestamp; a signature is never logged
        log.info("repeat delivery %s acknowledged and ignored", keys[0].rsplit(":", 1)[0])
    return fresh


def ack_at_once(ack) -> None:
    """The ack function of every listener: it runs in the request thread, the work after."""
    ack()


def ephemeral_teller(respond) -> Callable[[str], None]:
    """What `reported` uses to tell only the person who asked (an ephemeral reply)."""

    def tell(text: str) -> None:
        respond(response_type="ephemeral", replace_original=False, text=text)

    return tell
