"""The scheduler: claims due steps, renders nudges, hands them to a notifier.

Each tick claims the due steps in one transaction, each with a lease and this
tick's token. For each claim it then, in a short transaction, moves the step
in flight ('sending') if the token still holds and the tracker is still open
and not snoozed; sends it with no lock held; and in another short transaction
marks it sent. So:

- a crash between claim and send loses nothing: the lease runs out and the
  step is claimed again;
- a crash after the notifier took the nudge but before it is marked sent is the
  one window where a nudge can go out twice (the step is claimed again later);
- two schedulers on one database never send the same step: claims are taken
  under BEGIN IMMEDIATE and only the token's holder can take a step in flight;
- a resolve that commits first cancels the step; one that comes while the
  tracker's nudge is in flight waits for that nudge (only that one), so no
  nudge follows a committed resolve, and no writer waits for a batch of sends.

A notifier that fails (Slack down, rate limited) releases its claim: the step
stays due and is tried again next tick, never lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TextIO

import pytz

from bot.knowledge.model import Knowledge
from bot.reply import Reply, render_text
from bot.tracking import follow_up, nudge_reply
from storage import db as storage_db
from storage import trackers as repo
from storage.trackers import Tracker

log = logging.getLogger(__name__)
DEFAULT_TICK_S = 15.0
DEFAULT_LEASE = timedelta(seconds=120)


class NotifyError(RuntimeError):
    """The nudge could not be delivered now; the step stays due."""


class Notifier(Protocol):
    def send(self, tracker: Tracker, nudge: Reply) -> None:
        """Deliver one nudge; raise NotifyError when it could not be delivered."""


class ConsoleNotifier:
    """Prints nudges to the console (the local stand-in for a Slack DM)."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout
        self.lock = threading.Lock()

    def send(self, tracker: Tracker, nudge: Reply) -> None:
        with self.lock:
            verbs = {"snooze": "snooze {id} 30m"}
            hint = " / ".join(
                verbs.get(a, a + " {id}").format(id=tracker.id)
                for a in nudge.data.get("actions", ())
            )
            text = render_text(nudge).replace("\n", "\n     ")
            self.out.write(f"\n[nudge] {text}\n     (reply: {hint})\n")
            self.out.flush()


@dataclass
class RecordingNotifier:
    """Keeps every nudge it is handed, for tests; can be told to fail."""

    sent: list[tuple[int, int, int, datetime]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    failures: int = 0  # fail this many sends before succeeding
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, tracker: Tracker, nudge: Reply) -> None:
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise NotifyError("recording notifier told to fail")
            stamp = datetime.now(pytz.utc)
            self.sent.append((tracker.id, nudge.data["step_id"], nudge.data["level"], stamp))
            self.replies.append(nudge)


def tick_seconds() -> float:
    """CLEC_BOT_TICK, in seconds (default 15)."""
    raw = os.environ.get("CLEC_BOT_TICK", "")
    try:
        value = float(raw) if raw else DEFAULT_TICK_S
    except ValueError as exc:
        raise ValueError(f"CLEC_BOT_TICK must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise ValueError("CLEC_BOT_TICK must be more than 0 seconds")
    return value


def utc_now() -> datetime:
    return datetime.now(pytz.utc)


class Scheduler:
    """Delivers due nudges from one database through one notifier."""

    def __init__(
        self,
        k: Knowledge,
        notifier: Notifier,
        db_path: str | None = None,
        *,
        tick: float | None = None,
        lease: timedelta = DEFAULT_LEASE,
        batch: int = 500,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.k = k
        self.notifier = notifier
        self.db_path = db_path
        self.tick_s = tick if tick is not None else tick_seconds()
        self.lease = lease
        self.batch = batch
        self.clock = clock
        self.stop = threading.Event()
        self._db = None
        self._thread: threading.Thread | None = None

    @property
    def db(self):
        """This scheduler's own connection (a connection is bound to its thread)."""
        if self._db is None:
            self._db = storage_db.connect(self.db_path)
        return self._db

    def tick(self) -> int:
        """Claim what is due now and deliver it; returns how many nudges went out."""
        now = self.clock()
        token = uuid.uuid4().hex
        sent = 0
        claims = repo.claim_due(self.db, now, token, self.lease, self.batch)
        for claim in claims:
            sent += self.deliver(claim)
        return sent

    def deliver(self, claim: repo.Claim) -> bool:
        """Take the step in flight, send it with no lock held, then mark it sent."""
        with storage_db.immediate(self.db):
            if not repo.begin_send(self.db, claim, self.clock(), self.lease):
                return False  # resolved or snoozed meanwhile, or another scheduler took it
            tracker = repo.get(self.db, claim.step.tracker_id)
        now = self.clock()
        try:
            self.notifier.send(
                tracker, nudge_reply(self.k, tracker, claim.step, now, claim.skipped)
            )
        except NotifyError as exc:
            log.warning("nudge for step %s not delivered, will retry: %s", claim.step.id, exc)
            with storage_db.immediate(self.db):
                repo.release(self.db, claim)
            return False
        with storage_db.immediate(self.db):
            return repo.mark_sent(self.db, claim, now, follow_up(self.k, tracker, claim.step))

    def run(self) -> None:
        """Tick until stopped; an error in one tick is logged, not fatal."""
        while not self.stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed; trying again next tick")
            self.stop.wait(self.tick_s)

    def start(self) -> threading.Thread:
        """Run in a daemon thread of this process (the bot's, or the console's)."""
        self._thread = threading.Thread(target=self._run_in_thread, name="scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def _run_in_thread(self) -> None:
        self._db = None  # open the connection in this thread
        self.run()

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self._thread:
            self._thread.join(timeout)


def run_forever(scheduler: Scheduler) -> int:
    """`clecbot run-scheduler`: tick in the foreground until interrupted."""
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.run()
    return 0
