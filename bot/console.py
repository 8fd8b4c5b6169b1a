"""The local console: the same conversation as Slack, typed in a terminal."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

import pytz

from bot.conversation import answer
from bot.reply import render_text

BANNER = (
    "clecbot console. Ask about AT&T and Qwest wholesale centers, codes and escalations.\n"
    "Type 'help' for examples, 'quit' to leave. Times are in {zone}.\n"
)


def run_console(zone: str, stdin: TextIO, stdout: TextIO) -> int:
    from bot.moments import warm_up

    warm_up()
    stdout.write(BANNER.format(zone=zone))
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
        reply = answer(text, at=now, tz=zone, user="console")
        stdout.write("bot> " + render_text(reply).replace("\n", "\n     ") + "\n\n")
