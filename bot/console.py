"""The local console: the same conversation as Slack, typed in a terminal."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

import pytz

from bot.conversation import respond
from bot.knowledge.loader import load
from bot.reply import render_text
from bot.scheduler import ConsoleNotifier, Scheduler
from storage.db import connect

USER = "console"

BANNER = (
    "clecbot console. Ask about AT&T and Qwest wholesale centers, codes and escalations.\n"
    "Type 'help' for examples, 'my trackers' for your timers, 'quit' to leave.\n"
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
        now = datetime.now(pytz.utc).astimezone(pytz.timezone(zone))
        reply = respond(text, at=now, tz=zone, user=USER, db=db)
        stdout.write("bot> " + render_text(reply).replace("\n", "\n     ") + "\n\n")
