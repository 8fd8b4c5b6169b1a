"""The local console: the same conversation as Slack, typed in a terminal.

No line ends the session: a line too long, a storage fault (disk full, database
locked) or an unexpected error is answered with one line and the next prompt.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TextIO

import pytz

from bot.conversation import respond
from bot.knowledge.loader import load
from bot.reply import render_text
from bot.scheduler import ConsoleNotifier, Scheduler
from storage.db import StorageError, connect

USER = "console"
log = logging.getLogger(__name__)

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
        stdout.write("bot> " + answer_line(text, zone, db).replace("\n", "\n     ") + "\n\n")


def answer_line(text: str, zone: str, db) -> str:
    """One typed line to the text shown; a fault is one line saying what happened."""
    from bot.cli import InputError, checked_text

    now = datetime.now(pytz.utc).astimezone(pytz.timezone(zone))
    try:
        return render_text(respond(checked_text(text), at=now, tz=zone, user=USER, db=db))
    except (InputError, StorageError) as exc:
        return str(exc)
    except Exception as exc:
        log.error("console line failed: %s: %s", type(exc).__name__, exc)
        return f"Something went wrong with that line ({type(exc).__name__}); it is logged."
