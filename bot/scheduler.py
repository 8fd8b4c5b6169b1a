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
stays due and is tried again next tick, never lost. One whose send timed out after
it went out (SendUncertain: Slack may have posted it) leaves the step in flight, to
be looked for in Slack when its lease runs out, as if its sender had died.

The lease is CLEC_BOT_LEASE (default 120 s): the Slack client's timeout and retries
and the look in a DM's history are derived from it, so they end inside it.

One bad row never stops the others: a step that cannot be read or rendered is
quarantined (set aside with its problem), a tracker that cannot be read is set
aside (its steps wait), and a notifier that raises something unexpected for
one nudge releases it, quarantining it after QUARANTINE_AFTER attempts. Each
is logged once with its id and its owner is told once.

A due batch is sent CLEC_BOT_SEND_CONCURRENCY nudges at a time (default 16), each
by a worker with its own connection, and each still taken in flight, sent and
marked on its own as above: a resolve waits only for its own tracker's nudge. A
process that dies mid-batch may repeat each nudge it had in flight (at most one
per worker).

A nudge sent whose mark then fails (disk full, database locked) is not sent
again: its mark is kept in memory and retried, with backoff, at the start of
every tick, before anything is claimed; a re-claim of that step by this
scheduler only retries the mark.

A step found in flight after its lease ran out may have reached Slack before its
sender died: when the notifier can read what it sent (Slack's, by the nudge's
message metadata in the DM's history since the send began) and finds it there, the
step is marked sent, not sent again; when it cannot tell, the nudge is sent again
(never lose a nudge to save a duplicate). The console and recording notifiers
cannot look, and send again as before.

Each completed tick is timed and stamped (for `GET /health`); nudges sent, failed,
quarantined and found are counted (for `GET /metrics`); and each due step that is
still unsent more than LATE_AFTER after its due instant is logged once, with its id.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TextIO

import pytz

from bot import digest
from bot.knowledge.model import Knowledge
from bot.ops import Metrics, lateness_s
from bot.reply import Reply, render_text
from bot.tracking import follow_up, nudge_reply
from storage import db as storage_db
from storage import trackers as repo
from storage.db import StorageError
from storage.trackers import Problem, Tracker

log = logging.getLogger(__name__)
DEFAULT_TICK_S = 15.0
DEFAULT_LEASE = timedelta(seconds=120)
TICK_MAX_S = 3600  # CLEC_BOT_TICK: a longer one would leave nudges hours late
LEASE_RANGE_S = (10, 3600)  # CLEC_BOT_LEASE: shorter leaves no room for a send, longer
# leaves a dead replica's claims waiting over an hour for another to take them
DEFAULT_CONCURRENCY = 16  # nudges in flight at once: DMs to different users are different channels
QUARANTINE_AFTER = 3  # attempts a nudge may fail unexpectedly before it is set aside
MARK_RETRY_S = (0.05, 0.25)  # quick retries of a failed mark, inside the delivery
MARK_BACKOFF_MAX_S = 30.0  # later retries, once per tick at most this far apart
LATE_AFTER = timedelta(minutes=5)  # a due step still unsent this long after is logged
LATE_LOG_LIMIT = 100  # late steps named one by one per tick; the rest are counted


class NotifyError(RuntimeError):
    """The nudge could not be delivered now; the step stays due."""


class SendUncertain(NotifyError):
    """The nudge went to Slack but no answer came back in time (a timeout): it may have
    been posted. The step stays in flight, so once its lease has run out it is looked for
    in the DM's history and marked, or sent again: a slow Slack under a short lease costs
    a late nudge, never a second one (a release would send it again at the next tick)."""


@dataclass(frozen=True)
class Delivery:
    """Where a nudge went: the user and their DM's channel id (D...), remembered on the
    tracker so a send cut short by a crash can be looked for there."""

    user: str
    channel: str


class Notifier(Protocol):
    def send(self, tracker: Tracker, nudge: Reply) -> Delivery | None:
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

    def post_digest(self, channel: str, reply: Reply) -> None:
        """A channel's morning digest, printed as the console's channel would show it."""
        with self.lock:
            self.out.write(f"\n[digest #{channel}] " + render_text(reply).replace("\n", "\n     "))
            self.out.write("\n")
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
            if nudge.intent != "problem":
                self.sent.append((tracker.id, nudge.data["step_id"], nudge.data["level"], stamp))
            self.replies.append(nudge)


@dataclass
class Unmarked:
    """A nudge handed over whose 'sent' mark could not be written yet."""

    claim: repo.Claim
    sent_at: datetime
    follow: repo.NewStep | None
    tries: int = 0
    next_try: float = 0.0  # time.monotonic()
    dm: Delivery | None = None  # where it went, to remember on the tracker
    found: bool = False  # found in Slack after its sender died, not sent by us


def problem_reply(problem: Problem) -> Reply:
    """What the owner is told about a tracker or step set aside."""
    part = f"a nudge (level {problem.level})" if problem.step_id else "it"
    reply = Reply(
        "problem",
        f"Tracker #{problem.tracker_id}: I could not read or send {part}, so I set it aside"
        " rather than guess. Its other nudges are not affected.",
        facts=[("Problem", problem.what)],
        next_steps=[
            "Keep an eye on this escalation yourself for now.",
            "An operator can see it with `clecbot trackers --problems`.",
        ],
    )
    reply.data.update(tracker_id=problem.tracker_id, step_id=problem.step_id,
                      level=problem.level or 0, actions=[])  # fmt: skip
    return reply


def addressee(problem: Problem) -> Tracker:
    """A Tracker carrying only what a notifier needs to reach the owner (id, owner,
    channel, thread): the stored row may be unreadable."""
    epoch = datetime(1970, 1, 1, tzinfo=pytz.utc)
    return Tracker(problem.tracker_id, problem.owner, problem.channel, problem.thread,
                   kind="", refs={}, severity=None, workaround=None, title="", zone="UTC",
                   started_at=epoch, state="open", level=problem.level or 0,
                   snoozed_until=None, created_at=epoch, updated_at=epoch,
                   problem=problem.what, team_id=problem.team_id)  # fmt: skip


def _seconds(raw: str | float) -> float:
    """`raw` as a number of seconds; nan when it is none, so every range check refuses it."""
    try:
        return float(raw)
    except (TypeError, ValueError):
        return float("nan")


def checked_tick(raw: str | float, name: str = "CLEC_BOT_TICK") -> float:
    """Seconds between ticks, above 0 and at most TICK_MAX_S: nan would wait for nothing
    and tick at once, forever; inf or 1e10 overflow the wait and stop the scheduler."""
    value = _seconds(raw)
    if not 0 < value <= TICK_MAX_S:  # also refuses nan and inf
        raise ValueError(f"{name} must be a number of seconds above 0 and at most"
                         f" {TICK_MAX_S}, got {str(raw).strip()!r}")  # fmt: skip
    return value


def tick_seconds() -> float:
    """CLEC_BOT_TICK, in seconds (default 15)."""
    raw = os.environ.get("CLEC_BOT_TICK", "").strip()
    return checked_tick(raw) if raw else DEFAULT_TICK_S


def checked_lease(raw: str, name: str = "CLEC_BOT_LEASE") -> timedelta:
    """A lease of `raw` seconds (DEFAULT_LEASE when blank), within LEASE_RANGE_S; `name`
    is the setting the refusal names (`--lease` on the command line)."""
    raw = raw.strip()
    if not raw:
        return DEFAULT_LEASE
    low, high = LEASE_RANGE_S
    seconds = _seconds(raw)
    if not low <= seconds <= high:  # also refuses nan and inf
        raise ValueError(f"{name} must be a number of seconds from {low} to {high},"
                         f" got {raw!r}")  # fmt: skip
    return timedelta(seconds=seconds)


def lease_setting(env: dict | None = None) -> timedelta:
    """CLEC_BOT_LEASE in `env` (default os.environ), in seconds (default 120): how long a
    claim holds before another scheduler (another replica) may take it over. The waits
    that must end inside it (the Slack send's timeout and retries, the look in a DM's
    history, a resolve's wait for a nudge in flight) are derived from it, so a short
    lease keeps them short."""
    env = os.environ if env is None else env
    return checked_lease(env.get("CLEC_BOT_LEASE") or "")


def send_concurrency() -> int:
    """CLEC_BOT_SEND_CONCURRENCY: how many nudges are sent at once (default 16; 1 sends
    them one by one in the scheduler's thread)."""
    raw = os.environ.get("CLEC_BOT_SEND_CONCURRENCY", "")
    if not raw:
        return DEFAULT_CONCURRENCY
    if not raw.isdigit() or not 1 <= int(raw) <= 256:
        raise ValueError(f"CLEC_BOT_SEND_CONCURRENCY must be a whole number 1-256, got {raw!r}")
    return int(raw)


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
        lease: timedelta | None = None,
        batch: int = 500,
        clock: Callable[[], datetime] = utc_now,
        concurrency: int | None = None,
        metrics: Metrics | None = None,
    ):
        self.k = k
        self.notifier = notifier
        self.db_path = db_path
        self.tick_s = checked_tick(tick, "the tick") if tick is not None else tick_seconds()
        self.lease = lease if lease is not None else lease_setting()
        self.batch = batch
        self.clock = clock
        self.concurrency = concurrency if concurrency is not None else send_concurrency()
        self.stop = threading.Event()
        self._connections = storage_db.PerThread(db_path)  # one per thread that uses it
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self.unmarked: dict[int, Unmarked] = {}  # step id -> a sent nudge still to mark
        self._unmarked_lock = threading.Lock()  # the senders share `unmarked`
        self.more_due = False
        self.metrics = metrics or Metrics()
        self.metrics.watch_due(self.due_now)
        self.started = time.monotonic()
        self.last_tick: float | None = None  # time.monotonic() when a tick last completed
        self._late_since: datetime | None = None  # late steps up to here were logged

    def last_tick_or_start(self) -> float:
        """When the last tick completed (before the first: when this scheduler was made)."""
        return self.last_tick if self.last_tick is not None else self.started

    def due_now(self) -> tuple[int, float]:
        """Steps due and unsent, and how late the oldest is in seconds (for /metrics)."""
        now = self.clock()
        count, oldest = repo.due_unsent(self.db, now)
        return count, lateness_s(now, oldest)

    @property
    def db(self):
        """The calling thread's own connection to this scheduler's database (a
        connection is bound to the thread that opened it; each sender has one)."""
        return self._connections.db

    def tick(self) -> int:
        """Claim what is due now and deliver it; returns how many nudges went out.

        Marks that failed earlier are retried first; one claim that fails in an
        unexpected way is logged and the others still go out.
        """
        began = time.monotonic()
        self.more_due = False
        self.retry_marks()
        now = self.clock()
        self.log_late(now)
        token = uuid.uuid4().hex
        quarantined: list[int] = []
        claims = repo.claim_due(self.db, now, token, self.lease, self.batch, quarantined)
        self.metrics.quarantined.inc(len(quarantined))
        if self.concurrency <= 1 or len(claims) <= 1:
            sent = sum(map(self._deliver_one, claims))
        else:
            sent = sum(self._senders().map(self._deliver_one, claims))
        # a full batch, all delivered: more is likely due and Slack is taking it, so the
        # next tick starts at once (after failures it waits, not hammering Slack)
        self.more_due = len(claims) >= self.batch and sent == len(claims)
        self.tell_problems()
        digest.tick(self.k, self.db, now, self.notifier, self.lease)  # the desks' digests
        self.last_tick = time.monotonic()
        self.metrics.tick_seconds.observe(self.last_tick - began)
        return sent

    def log_late(self, now: datetime) -> None:
        """Warn once for each due step still unsent LATE_AFTER past its due instant (the
        stale-escalation audit): each crosses that line once, so each is named once."""
        cutoff = now - LATE_AFTER
        if self._late_since is not None and cutoff <= self._late_since:
            return
        late, count = repo.late_steps(self.db, now, cutoff, self._late_since, LATE_LOG_LIMIT)
        for step_id, tracker_id, due in late:
            log.warning("step %s of tracker %s is more than %d minutes late (due %s) and not"
                        " sent yet", step_id, tracker_id, LATE_AFTER.total_seconds() // 60,
                        due)  # fmt: skip
        if count > len(late):
            log.warning("and %d more steps more than %d minutes late", count - len(late),
                        LATE_AFTER.total_seconds() // 60)  # fmt: skip
        self._late_since = cutoff

    def _senders(self) -> ThreadPoolExecutor:
        """The worker threads that send a batch in parallel, started on first use."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="nudge")
        return self._pool

    def _deliver_one(self, claim: repo.Claim) -> bool:
        """deliver(), with a failure of this one claim logged and left to its lease. Once
        the scheduler is stopping, the claims not yet in flight are given back unsent (due
        at once for the next scheduler), so a stop never waits for a batch of sends."""
        try:
            if self.stop.is_set():
                with storage_db.immediate(self.db):
                    repo.release(self.db, claim)
                return False
            return self.deliver(claim)
        except StorageError as exc:
            log.warning("step %s not delivered now (lease will retry it): %s",
                        claim.step.id, exc)  # fmt: skip
        except Exception:
            log.exception("step %s: unexpected failure; its lease will retry it", claim.step.id)
        return False

    def deliver(self, claim: repo.Claim) -> bool:
        """Take the step in flight, send it with no lock held, then mark it sent."""
        with self._unmarked_lock:
            earlier = self.unmarked.get(claim.step.id)
        if earlier is not None:
            return self._mark_again(claim, earlier)
        # the recipient's zone may take a Slack call: looked up before the step goes in
        # flight, so the in-flight lease covers only the look in the DM and the send
        zone = self._zone_before_sending(claim)
        with storage_db.immediate(self.db):
            if not repo.begin_send(self.db, claim, self.clock(), self.lease):
                return False  # resolved or snoozed meanwhile, or another scheduler took it
            try:
                tracker = repo.get(self.db, claim.step.tracker_id, team=None)  # any workspace
            except repo.Unreadable as exc:
                self._set_aside(claim, str(exc))
                return False
        now = self.clock()
        try:
            if zone is not None and zone[0] != tracker.assignee:  # reassigned meanwhile
                zone = (tracker.assignee, self._zone_for(tracker))
            nudge = nudge_reply(self.k, tracker, claim.step, now, claim.skipped,
                                zone[1] if zone else None)  # fmt: skip
            follow = follow_up(self.k, tracker, claim.step)
        except Exception as exc:  # a row that cannot be rendered: set aside, not retried
            self._quarantine(claim, f"cannot be rendered: {type(exc).__name__}: {exc}")
            return False
        if claim.in_flight_since is not None:
            found = self._found_in_slack(tracker, claim)
            if found is not None:
                self.metrics.found_sent.inc()
                self._mark(Unmarked(claim, found, follow, found=True))
                return True
        nudge.data["attempt"] = claim.step.attempts
        try:
            delivery = self.notifier.send(tracker, nudge)
        except SendUncertain as exc:
            self.metrics.failed.inc()
            log.warning("nudge for step %s may not have been delivered (%s): left in flight, to"
                        " be looked for in Slack when its lease runs out", claim.step.id,
                        exc)  # fmt: skip
            return False
        except NotifyError as exc:
            self.metrics.failed.inc()
            log.warning("nudge for step %s not delivered, will retry: %s", claim.step.id, exc)
            with storage_db.immediate(self.db):
                repo.release(self.db, claim)
            return False
        except Exception as exc:
            self.metrics.failed.inc()
            self._unexpected(claim, exc)
            return False
        self.metrics.sent.inc()
        dm = delivery if isinstance(delivery, Delivery) else None
        self._mark(Unmarked(claim, now, follow, dm=dm))
        return True

    def _found_in_slack(self, tracker: Tracker, claim: repo.Claim) -> datetime | None:
        """When the nudge of a step found in flight (its sender died) reached Slack, if the
        notifier can tell it did; None means send it (again)."""
        find = getattr(self.notifier, "find_sent", None)
        if find is None:
            return None
        try:
            found = find(tracker, claim, repo.dm_of(self.db, tracker.id))
        except (NotifyError, StorageError) as exc:
            log.warning("step %s was in flight when its sender stopped and its DM cannot be"
                        " read (%s): sending it again", claim.step.id, exc)  # fmt: skip
            return None
        if found is not None:
            log.info("step %s was in flight when its sender stopped; found in its DM, marked"
                     " sent, not sent again", claim.step.id)  # fmt: skip
        return found

    def _zone_before_sending(self, claim: repo.Claim) -> tuple[str | None, str | None] | None:
        """(the assignee, their zone) read before the step goes in flight; None when the
        tracker cannot be read here (deliver reads it again, and sets it aside if need be),
        or when the notifier keeps no zones (no read for nothing)."""
        if getattr(self.notifier, "zone_for", None) is None:
            return None
        try:
            tracker = repo.get(self.db, claim.step.tracker_id, team=None)
        except (repo.Unreadable, StorageError):
            return None
        return (tracker.assignee, self._zone_for(tracker)) if tracker else None

    def _zone_for(self, tracker: Tracker) -> str | None:
        """The recipient's zone when the notifier knows it (an assignee's), else None: the
        tracker's own. A lookup that fails costs the zone, never the nudge."""
        zone_for = getattr(self.notifier, "zone_for", None)
        try:
            return zone_for(tracker) if zone_for else None
        except Exception as exc:
            log.warning("zone of tracker %s's assignee unknown: %s", tracker.id, type(exc).__name__)
            return None

    # --- rows set aside --------------------------------------------------------------

    def _quarantine(self, claim: repo.Claim, problem: str) -> None:
        with storage_db.immediate(self.db):
            first = repo.quarantine(self.db, claim.step.id, problem)
        if first:
            self.metrics.quarantined.inc()
            log.error("step %s of tracker %s quarantined: %s", claim.step.id,
                      claim.step.tracker_id, problem)  # fmt: skip

    def _set_aside(self, claim: repo.Claim, problem: str) -> None:
        """(inside a transaction) The tracker is set aside (repo.get did it, and logged
        it, on finding the row unreadable); its step waits unclaimed."""
        if repo.set_aside(self.db, claim.step.tracker_id, problem):
            log.error("tracker %s set aside: %s", claim.step.tracker_id, problem)
        repo.release(self.db, claim)

    def _unexpected(self, claim: repo.Claim, exc: Exception) -> None:
        """A notifier error of no known kind: released for retry, set aside when it repeats."""
        problem = f"the notifier failed: {type(exc).__name__}: {exc}"
        if claim.step.attempts >= QUARANTINE_AFTER:
            self._quarantine(claim, f"{problem} (after {claim.step.attempts} attempts)")
            return
        log.warning("step %s: %s; will retry", claim.step.id, problem)
        with storage_db.immediate(self.db):
            repo.release(self.db, claim)

    def tell_problems(self) -> None:
        """Tell each owner once about their trackers or steps set aside."""
        try:
            found = repo.untold(self.db)
        except StorageError as exc:
            log.warning("cannot list problems now: %s", exc)
            return
        for problem in found:
            try:
                self.notifier.send(addressee(problem), problem_reply(problem))
            except NotifyError:
                continue  # Slack is down: tell them next tick
            except Exception as exc:
                log.error("cannot tell the owner of tracker %s about its problem: %s",
                          problem.tracker_id, exc)  # fmt: skip
            with contextlib.suppress(StorageError):
                repo.told(self.db, problem)

    # --- marks that must not become second sends --------------------------------------

    def _mark(self, pending: Unmarked) -> bool:
        """Mark a handed-over nudge sent; when the write fails, keep it to retry (never
        resend it). Returns False only when the claim no longer holds."""
        for pause in (*MARK_RETRY_S, None):
            try:
                with storage_db.immediate(self.db):
                    marked = self._mark_sent(pending)
            except StorageError as exc:
                if pause is not None:
                    time.sleep(pause)
                    continue
                self._keep_unmarked(pending, exc)
                return True
            with self._unmarked_lock:
                self.unmarked.pop(pending.claim.step.id, None)
            if not marked:
                log.warning("step %s was sent but its claim had lapsed; not marked",
                            pending.claim.step.id)  # fmt: skip
            return marked
        return True

    def _mark_sent(self, pending: Unmarked) -> bool:
        """(inside a transaction) mark_sent with what the delivery said, if it said anything."""
        extra: dict = {"dm": (pending.dm.user, pending.dm.channel)} if pending.dm else {}
        if pending.found:
            extra["found_in_slack"] = True
        return repo.mark_sent(self.db, pending.claim, pending.sent_at, pending.follow, **extra)

    def _keep_unmarked(self, pending: Unmarked, exc: StorageError) -> None:
        with self._unmarked_lock:
            if pending.claim.step.id not in self.unmarked:
                log.error("step %s was sent but cannot be marked (%s); retrying the mark, not"
                          " the send", pending.claim.step.id, exc)  # fmt: skip
            pending.tries += 1
            wait = min(MARK_BACKOFF_MAX_S, 2.0**pending.tries)
            pending.next_try = time.monotonic() + wait
            self.unmarked[pending.claim.step.id] = pending

    def retry_marks(self) -> None:
        """Retry the marks that failed, each when its backoff has passed."""
        with self._unmarked_lock:
            waiting = list(self.unmarked.values())
        for pending in waiting:
            if time.monotonic() >= pending.next_try:
                with contextlib.suppress(StorageError):
                    self._try_mark_once(pending)

    def _try_mark_once(self, pending: Unmarked) -> None:
        try:
            with storage_db.immediate(self.db):
                marked = self._mark_sent(pending)
        except StorageError as exc:
            self._keep_unmarked(pending, exc)
            raise
        with self._unmarked_lock:
            self.unmarked.pop(pending.claim.step.id, None)
        log.info("step %s marked sent at last (%s)", pending.claim.step.id,
                 "ok" if marked else "its claim had lapsed")  # fmt: skip

    def _mark_again(self, claim: repo.Claim, earlier: Unmarked) -> bool:
        """This scheduler re-claimed a step it already sent (its mark failed past the
        lease): take it in flight under the new claim and mark it, without sending."""
        with storage_db.immediate(self.db):
            if not repo.begin_send(self.db, claim, self.clock(), self.lease):
                with self._unmarked_lock:
                    self.unmarked.pop(claim.step.id, None)
                return False
        return self._mark(Unmarked(claim, earlier.sent_at, earlier.follow, dm=earlier.dm,
                                   found=earlier.found))  # fmt: skip

    def run(self) -> None:
        """Tick until stopped; an error in one tick is logged, not fatal (a storage
        fault in one line, and only when it changes). A tick that claimed a full batch
        is followed by the next at once: 1,000 nudges due wait for no tick interval."""
        last = ""
        while not self.stop.is_set():
            try:
                self.tick()
                last = ""
            except StorageError as exc:
                if str(exc) != last:
                    log.error("scheduler tick failed, retrying each tick: %s", exc)
                last = str(exc)
            except Exception:
                log.exception("scheduler tick failed; trying again next tick")
            self.stop.wait(0 if self.more_due else self.tick_s)
        self.last_try_for_marks()
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # its threads hold their own connections
            self._pool = None

    def last_try_for_marks(self) -> None:
        """On the way out, one more try for each nudge sent but not yet marked: one
        left unmarked is sent again after a restart."""
        for pending in list(self.unmarked.values()):
            with contextlib.suppress(StorageError):
                self._try_mark_once(pending)
        if self.unmarked:
            log.error("stopping with %d nudge(s) sent but not marked (steps %s): they will be"
                      " sent again after a restart", len(self.unmarked),
                      sorted(self.unmarked))  # fmt: skip

    def start(self) -> threading.Thread:
        """Run in a daemon thread of this process (the bot's, or the console's)."""
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self._thread:
            self._thread.join(timeout)


def run_forever(scheduler: Scheduler) -> int:
    """`clecbot run-scheduler`: tick in the foreground until interrupted."""
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.run()
    return 0
