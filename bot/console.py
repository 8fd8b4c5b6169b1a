"""The local console: the same conversation as Slack, typed in a terminal.

No line ends the session: a line too long, a storage fault (disk full, database
locked) or an unexpected error is answered with one line and the next prompt.

The console is one channel ("console") whose members are everyone who has typed in
it; "/as dana" switches who is typing, so a shift handoff can be tried alone. What
Slack would DM a new assignee is printed as "[DM to dana]"; an export is written to
a file (in CLEC_BOT_EXPORT_DIR, else the current directory) and its path shown.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

import pytz

from bot.conversation import respond
from bot.knowledge.loader import load
from bot.reply import render_text
from bot.scheduler import ConsoleNotifier, Scheduler
from storage.db import StorageError, connect

USER = "console"
CHANNEL = "console"
AS_RE = re.compile(r"^/as(?:\s+@?([A-Za-z0-9._-]{1,40}))?\s*$")
log = logging.getLogger(__name__)


@dataclass
class Desk:
    """Who is typing now, and everyone who has (the console channel's members)."""

    user: str = USER
    seen: set[str] = field(default_factory=lambda: {USER})

    def members(self, channel: str) -> set[str]:
        return set(self.seen) if channel == CHANNEL else set()


BANNER = (
    "clecbot console. Ask about AT&T and Qwest wholesale centers, codes and escalations.\n"
    "Type 'help' for examples, 'my trackers' for your timers, 'board' for this desk,\n"
    "'/as dana' to type as someone else, 'quit' to leave.\n"
    "Times are in {zone}; nudges appear here when a level falls due.\n"
)


def run_console(zone: str, stdin: TextIO, stdout: TextIO, scheduler: bool = True) -> int:
    """Read lines, answer them; the scheduler prints nudges as they fall due."""
    from bot.moments import warm_up

    warm_up()
    db = connect()
    nudger = Scheduler(load(), ConsoleNotifier(stdout)) if scheduler else None
    if nudger:
        nudger.start()
    stdout.write(BANNER.format(zone=zone))
    try:
        return _loop(zone, stdin, stdout, db)
    finally:
        if nudger:
            nudger.shutdown()


def _loop(zone: str, stdin: TextIO, stdout: TextIO, db) -> int:
    desk = Desk()
    while True:
        stdout.write("you> ")
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return 0
        text = line.strip()
        if text.lower() in ("quit", "exit", "bye", "q"):
            return 0
        if not text:
            continue
        said = answer_line(text, zone, db, desk)
        stdout.write("bot> " + said.replace("\n", "\n     ") + "\n\n")


def switch(desk: Desk, name: str | None) -> str:
    """ "/as dana": type as dana from now on (and dana is a member of this channel)."""
    if name:
        desk.user = name
        desk.seen.add(name)
    return f"You are {desk.user} in #{CHANNEL} (members: {', '.join(sorted(desk.seen))})."


def answer_line(text: str, zone: str, db, desk: Desk | None = None) -> str:
    """One typed line to the text shown; a fault is one line saying what happened."""
    from bot.cli import InputError, checked_text

    desk = desk or Desk()
    if m := AS_RE.match(text):
        return switch(desk, m.group(1))
    if re.match(r"/as\b", text):
        return "Who? Say '/as dana': a name of letters, digits, '.', '_' or '-', at most 40."
    now = datetime.now(pytz.utc).astimezone(pytz.timezone(zone))
    try:
        reply = respond(checked_text(text), at=now, tz=zone, user=desk.user, db=db,
                        channel=CHANNEL, members=desk.members)  # fmt: skip
        return render_text(reply) + extras(reply.data)
    except (InputError, StorageError) as exc:
        return str(exc)
    except Exception as exc:
        log.error("console line failed: %s: %s", type(exc).__name__, exc)
        return f"Something went wrong with that line ({type(exc).__name__}); it is logged."


def extras(data: dict) -> str:
    """What Slack would do besides answering: the assignee's DM, the export's file."""
    out = ""
    if notify := data.get("notify"):
        out += f"\n[DM to {notify['user']}] " + notify["text"].replace("\n", "\n  ")
    if file := data.get("file"):
        path = os.path.join(os.environ.get("CLEC_BOT_EXPORT_DIR") or ".", file["name"])
        try:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(file["content"])
            out += f"\n[file] written to {path}"
        except OSError as exc:
            out += f"\n[file] could not be written to {path}: {exc.strerror}"
    return out
