"""What an operator sees of a running bot: `GET /health` and `GET /metrics`.

Health answers two questions a load balancer or an on-call probe asks: can the
database be opened and written now (a fresh connection each time, so a database
gone away is noticed even while the scheduler's own connection still holds the old
file), and did the scheduler complete a tick recently (within the larger of 3 ticks
and 30 s). Either failing is a 503; both good again is a 200.

Metrics are Prometheus text from `prometheus-client`, each bot with its own registry
(tests build many). The due-but-unsent gauges are read from the database when
scraped, so they show a stuck scheduler as well as a working one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from storage import db as storage_db
from storage.db import StorageError

log = logging.getLogger(__name__)
HEALTH_MIN_S = 30.0  # a tick older than max(3 ticks, this) is a stalled scheduler
HEALTH_TICKS = 3
PROBE_BUSY_MS = 2000  # a probe waits this long for a lock, not the bot's 10 s
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TICK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
TEAM_LABELS = 200  # workspaces labelled by their own key in /metrics; the rest share one
OTHER_TEAMS = "other"
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class Metrics:
    """The bot's counters and histograms, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.sent = Counter("clecbot_nudges_sent", "Nudges delivered and marked sent", registry=r)
        self.failed = Counter(
            "clecbot_nudges_failed",
            "Nudge sends that failed (Slack down, rate limited, an unexpected error); the step"
            " stays due",
            registry=r,
        )
        self.quarantined = Counter(
            "clecbot_nudges_quarantined",
            "Steps set aside because they could not be read, rendered or sent",
            registry=r,
        )
        self.found_sent = Counter(
            "clecbot_nudges_found_sent",
            "Nudges of a sender that died after posting, found in the DM's history and marked"
            " sent instead of posted again",
            registry=r,
        )
        self.tick_seconds = Histogram(
            "clecbot_tick_seconds", "Duration of a completed scheduler tick", registry=r,
            buckets=TICK_BUCKETS,
        )  # fmt: skip
        self.ack_seconds = Histogram(
            "clecbot_ack_seconds",
            "Time from a Slack request's arrival to its acknowledgement (HTTP mode)",
            registry=r,
            buckets=ACK_BUCKETS,
        )
        self.workspace_sent = Counter(
            "clecbot_workspace_nudges_sent",
            "Nudges posted, by workspace (team: the workspace key; '' for the single token)",
            ["team"],
            registry=r,
        )
        self.workspace_failed = Counter(
            "clecbot_workspace_nudges_failed",
            "Nudge posts that failed or found no token, by workspace",
            ["team"],
            registry=r,
        )
        self._teams: set[str] = set()  # the workspaces with a label of their own
        self._teams_lock = threading.Lock()
        self.due: Callable[[], tuple[int, float]] | None = None  # (count, oldest lateness s)

    def team_label(self, team: str) -> str:
        """The workspace's label: its key for the first TEAM_LABELS workspaces seen, then
        OTHER_TEAMS, so a provider with thousands of workspaces keeps a bounded series."""
        with self._teams_lock:
            if team in self._teams:
                return team
            if len(self._teams) < TEAM_LABELS:
                self._teams.add(team)
                return team
        return OTHER_TEAMS

    def workspace_nudge(self, team: str, sent: bool) -> None:
        """Count one nudge post of workspace `team` (sent, or failed)."""
        counter = self.workspace_sent if sent else self.workspace_failed
        counter.labels(team=self.team_label(team)).inc()

    def watch_installs(self, count: Callable[[], int]) -> None:
        """clecbot_workspaces_installed, read from the installation store at each scrape."""
        self.registry.register(_InstallsCollector(count))

    def watch_due(self, due: Callable[[], tuple[int, float]]) -> None:
        """Read the due-but-unsent steps from `due` at each scrape."""
        self.due = due
        self.registry.register(_DueCollector(self))

    def text(self) -> bytes:
        return generate_latest(self.registry)


class _InstallsCollector:
    """How many workspaces have an installation (OAuth mode), read when scraped."""

    def __init__(self, count: Callable[[], int]):
        self.count = count

    def describe(self):
        return []

    def collect(self):
        try:
            value = self.count()
        except StorageError as exc:
            log.warning("metrics: installations unreadable: %s", type(exc).__name__)
            return
        yield GaugeMetricFamily("clecbot_workspaces_installed",
                                "Workspaces clecbot is installed in (OAuth mode)",
                                value=value)  # fmt: skip


class _DueCollector:
    """clecbot_steps_due_unsent and the oldest one's lateness, read when scraped; left
    out (and clecbot_database_up 0) when the database cannot be read."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def describe(self):
        return []

    def collect(self):
        up = GaugeMetricFamily("clecbot_database_up", "1 when the due steps could be read")
        try:
            count, late = self.metrics.due() if self.metrics.due else (0, 0.0)
        except StorageError as exc:
            log.warning("metrics: due steps unreadable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("clecbot_steps_due_unsent",
                                "Steps due now and not yet sent (open, not snoozed trackers)",
                                value=count)  # fmt: skip
        yield GaugeMetricFamily("clecbot_steps_due_oldest_late_seconds",
                                "How late the oldest due unsent step is (0 when none)",
                                value=late)  # fmt: skip


def probe_database(path: str | None) -> None:
    """Open the database afresh and prove it takes a write (rolled back); raise the
    StorageError that says why not. A file that has gone is missing, not re-created."""
    path = path or storage_db.db_path()
    plain = path != ":memory:" and not path.startswith(("file:", *storage_db.PG_SCHEMES))
    if plain and not os.path.exists(path):
        raise storage_db.Missing(f"database {path} does not exist")
    db = storage_db.connect(path)
    try:
        if not storage_db.is_postgres(db):  # PostgreSQL's server answers or refuses at once
            db.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
        storage_db.check_writable(db)
    finally:
        db.conn.close()


@dataclass
class Verdict:
    status: int
    body: dict

    def json(self) -> str:
        return json.dumps(self.body)


class Health:
    """The verdict of `GET /health` from a database probe and the scheduler's last tick."""

    def __init__(
        self,
        probe: Callable[[], None],
        last_tick: Callable[[], float | None],
        tick_s: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.probe = probe
        self.last_tick = last_tick  # clock() of the last completed tick (or of the start)
        self.limit_s = max(HEALTH_TICKS * tick_s, HEALTH_MIN_S)
        self.clock = clock
        self._said = ""
        self._lock = threading.Lock()

    def verdict(self) -> Verdict:
        database = "ok"
        try:
            self.probe()
        except StorageError as exc:
            database = "unreachable"
            self._say(f"database unreachable: {exc}")
        except Exception as exc:  # a probe must answer, whatever the fault
            database = "unreachable"
            self._say(f"database probe failed: {type(exc).__name__}")
        last = self.last_tick()
        age = None if last is None else max(0.0, self.clock() - last)
        ticking = age is not None and age <= self.limit_s
        if database == "ok" and not ticking:
            self._say(f"scheduler: last completed tick {age} s ago (limit {self.limit_s} s)")
        if database == "ok" and ticking:
            self._say("")
        body = {
            "status": "ok" if database == "ok" and ticking else "unhealthy",
            "database": database,
            "last_tick_s": None if age is None else round(age, 3),
            "tick_limit_s": self.limit_s,
        }
        return Verdict(200 if body["status"] == "ok" else 503, body)

    def _say(self, what: str) -> None:
        """Log a change of health once (the body never names the file: /health is public)."""
        with self._lock:
            if what != self._said:
                if what:
                    log.warning("health: %s", what)
                else:
                    log.info("health: ok again")
                self._said = what


def lateness_s(now: datetime, oldest: datetime | None) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
