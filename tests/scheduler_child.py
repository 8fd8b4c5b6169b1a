"""A scheduler process for the reliability tests (tests/test_reliability.py).

    python tests/scheduler_child.py DB LOG MARKER [--tick S] [--lease S] [--batch N]
                                   [--send-delay S] [--until-done] [--max-seconds S]

Runs a real `bot.scheduler.Scheduler` on the database at DB with the real clock.
Its notifier appends one line "MARKER STEP_ID" to LOG for every nudge and
flushes and fsyncs it before returning, so a nudge is on disk before the
scheduler marks its step sent: a SIGKILL between the two leaves a logged but
unmarked step, which is the one duplicate window the scheduler allows.
--send-delay then waits (a slow delivery acknowledgement), widening that window.

It prints "ready" once its database connection is open, before the first tick.

With --slack URL the nudges go through the real Slack notifier to the fake Slack at
URL (a Web API base), each logged after Slack accepted it and before the delay;
--no-lookup takes away the notifier's look in the DM's history for a step whose
sender died (the behaviour before issue 11), to measure what the look saves.

Without --until-done it ticks until killed (or --max-seconds, a safety net
against orphans); with it, it exits 0 as soon as no step is pending or
claimed or in flight, and 3 if that takes longer than --max-seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import timedelta


class LogNotifier:
    """Writes "MARKER STEP_ID" per nudge, durably, before the step is marked sent."""

    def __init__(self, path: str, marker: str, delay: float = 0.0):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.marker = marker
        self.delay = delay

    def send(self, tracker, nudge) -> None:
        os.write(self.fd, f"{self.marker} {nudge.data['step_id']}\n".encode())
        os.fsync(self.fd)
        if self.delay:
            time.sleep(self.delay)


def slack_notifier(url: str, path: str, marker: str, delay: float, lookup: bool):
    """The Slack notifier against the fake at `url`, logging each accepted DM durably."""
    from slack_sdk import WebClient

    from bot.handlers.notifier import SlackNotifier

    class LoggedSlack(SlackNotifier):
        def __init__(self) -> None:
            super().__init__(WebClient(token="xoxb-child", base_url=url, timeout=5))
            self.log = LogNotifier(path, marker, delay)
            if not lookup:
                self.find_sent = None

        def send(self, tracker, nudge):
            delivery = super().send(tracker, nudge)
            self.log.send(tracker, nudge)
            return delivery

    return LoggedSlack()


def waiting(db) -> int:
    """Steps still to deliver (pending, claimed, or in flight and not yet marked)."""
    return db.execute(
        "SELECT COUNT(*) FROM steps WHERE state IN ('pending', 'claimed', 'sending')"
    ).fetchone()[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("log")
    parser.add_argument("marker")
    parser.add_argument("--tick", type=float, default=0.02)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--send-delay", type=float, default=0.0)
    parser.add_argument("--until-done", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--slack", default="")
    parser.add_argument("--no-lookup", action="store_true")
    args = parser.parse_args(argv)

    from bot.knowledge.loader import load
    from bot.scheduler import Scheduler

    scheduler = Scheduler(
        load(),
        slack_notifier(args.slack, args.log, args.marker, args.send_delay, not args.no_lookup)
        if args.slack
        else LogNotifier(args.log, args.marker, args.send_delay),
        args.db,
        tick=args.tick,
        lease=timedelta(seconds=args.lease),
        batch=args.batch,
    )
    scheduler.db  # noqa: B018 - open (and migrate) now, so "ready" means ready
    print("ready", flush=True)
    if not args.until_done:
        timer = threading.Timer(args.max_seconds, scheduler.stop.set)
        timer.daemon = True
        timer.start()
        scheduler.run()  # the production loop: ticks until stopped (or killed)
        return 0
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        scheduler.tick()  # errors propagate: a failing tick fails the test
        if not waiting(scheduler.db):
            return 0
        time.sleep(args.tick)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
