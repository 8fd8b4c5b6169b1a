"""See the scheduler (issue 11 item 5): GET /health and GET /metrics, and the warning a
step more than 5 minutes late gets once. No timing assertions: ages come from clocks
the tests move by hand."""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import pytest
import pytz
from prometheus_client.parser import text_string_to_metric_families

from bot.handlers.app import build_app
from bot.handlers.context import Deps
from bot.handlers.http import Ops, http_server, serve_in_thread
from bot.handlers.settings import Settings
from bot.knowledge.loader import load
from bot.ops import Health, Metrics, probe_database
from bot.scheduler import RecordingNotifier, Scheduler
from storage import db as storage_db
from storage import trackers as repo
from storage.trackers import NewStep
from tests.fake_slack import FakeSlack, post, slash_command
from tests.test_slack import SECRET

NOW = pytz.utc.localize(datetime(2026, 11, 30, 15, 0))


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def reminder(db, due: datetime, title: str = "call back") -> int:
    step = NewStep(1, "reminder", due, title)
    return repo.create(db, owner="U1", kind="custom", title=title, zone="America/Chicago",
                       started_at=due, steps=[step], now=due)  # fmt: skip


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[str, float]:
    """Every sample of a Prometheus text page by name (labels left out: there are none)."""
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}


# --- /health ------------------------------------------------------------------------------


def test_health_flips_to_503_when_the_database_goes_away_and_back_to_200(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = str(folder / "bot.db")
    storage_db.connect(path).conn.close()
    ticks = Clock(100.0)
    health = Health(lambda: probe_database(path), lambda: 99.0, tick_s=15, clock=ticks)
    server = http_server(None, "127.0.0.1", 0, ops=Ops(health, Metrics()))
    serve_in_thread(server)
    url = f"http://127.0.0.1:{server.port}/health"
    try:
        status, body = get(url)
        assert (status, json.loads(body)["database"]) == (200, "ok")
        os.rename(folder, tmp_path / "gone")  # the volume is unmounted, say
        status, body = get(url)
        assert (status, json.loads(body)["database"]) == (503, "unreachable")
        assert "gone" not in body and "bot.db" not in body  # /health is public
        os.rename(tmp_path / "gone", folder)
        status, body = get(url)
        assert (status, json.loads(body)["status"]) == (200, "ok")
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    "tick_s, age_s, status",
    [
        (15, 29, 200),
        (15, 44, 200),  # 3 ticks of 15 s: 45 s
        (15, 46, 503),
        (1, 29, 200),  # 3 ticks of 1 s, but never less than 30 s
        (1, 31, 503),
    ],
)
def test_health_is_503_once_the_last_tick_is_older_than_3_ticks_or_30_s(tick_s, age_s, status):
    clock = Clock(1000.0)
    health = Health(lambda: None, lambda: 1000.0 - age_s, tick_s=tick_s, clock=clock)
    assert health.verdict().status == status


def test_a_stalled_scheduler_is_503_until_a_tick_completes(tmp_path):
    path = str(tmp_path / "t.db")
    scheduler = Scheduler(load(), RecordingNotifier(), path, tick=1, clock=Clock(NOW))
    clock = Clock(scheduler.started)
    health = Health(lambda: None, scheduler.last_tick_or_start, scheduler.tick_s, clock=clock)
    assert health.verdict().status == 200  # just started: no tick yet, but not late
    clock.now += 31
    assert health.verdict().status == 503
    scheduler.tick()
    clock.now = scheduler.last_tick
    assert health.verdict().body["status"] == "ok"


# --- /metrics -----------------------------------------------------------------------------


def test_counters_move_after_nudges_failures_and_a_quarantine(tmp_path):
    path = str(tmp_path / "m.db")
    db = storage_db.connect(path)
    clock = Clock(NOW)
    notifier = RecordingNotifier(failures=1)
    scheduler = Scheduler(load(), notifier, path, tick=1, clock=clock, concurrency=1)
    metrics = scheduler.metrics
    reminder(db, NOW - timedelta(minutes=10), "a")
    reminder(db, NOW - timedelta(minutes=2), "b")
    bad = reminder(db, NOW - timedelta(minutes=1), "c")
    db.execute("UPDATE steps SET contacts = 'not json' WHERE tracker_id = ?", (bad,))
    before = samples(metrics.text().decode())
    assert before["clecbot_steps_due_unsent"] == 3
    assert before["clecbot_steps_due_oldest_late_seconds"] == 600
    assert before["clecbot_nudges_sent_total"] == 0

    scheduler.tick()  # one nudge fails (told to), one goes, the bad row is set aside
    after = samples(metrics.text().decode())
    assert after["clecbot_nudges_sent_total"] == 1
    assert after["clecbot_nudges_failed_total"] == 1
    assert after["clecbot_nudges_quarantined_total"] == 1
    assert after["clecbot_steps_due_unsent"] == 1
    assert after["clecbot_tick_seconds_count"] == 1

    scheduler.tick()
    last = samples(metrics.text().decode())
    assert last["clecbot_nudges_sent_total"] == 2
    assert last["clecbot_steps_due_unsent"] == 0
    assert last["clecbot_steps_due_oldest_late_seconds"] == 0
    assert last["clecbot_database_up"] == 1


def test_metrics_over_http_count_the_ack_of_a_slack_command(tmp_path):
    with FakeSlack() as fake:
        path = str(tmp_path / "a.db")
        settings = Settings("xoxb-test", SECRET, None, fake.api_url, 0, path,
                            "America/Chicago", 0.05)  # fmt: skip
        app = build_app(settings, Deps(load(), path, "America/Chicago"))
        metrics = Metrics()
        server = http_server(app, "127.0.0.1", 0, signing_secret=SECRET, ops=Ops(None, metrics))
        serve_in_thread(server)
        base = f"http://127.0.0.1:{server.port}"
        try:
            body = slash_command("lnpc phone", response_url=fake.response_url("r"))
            assert post(f"{base}/slack/events", body, SECRET)[0] == 200
            status, text = get(f"{base}/metrics")
            assert status == 200
            assert samples(text)["clecbot_ack_seconds_count"] == 1
            fake.wait_for("response_url:r")
        finally:
            server.shutdown()
            app.listener_runner.listener_executor.shutdown(wait=True, cancel_futures=True)


def test_metrics_say_the_database_is_down_rather_than_fail(tmp_path):
    metrics = Metrics()

    def unreadable():
        raise storage_db.Missing("database gone")

    metrics.watch_due(unreadable)
    page = samples(metrics.text().decode())
    assert page["clecbot_database_up"] == 0
    assert "clecbot_steps_due_unsent" not in page


# --- the stale-escalation audit -----------------------------------------------------------


def test_a_step_more_than_5_minutes_late_is_warned_once_with_its_id(tmp_path, caplog):
    path = str(tmp_path / "late.db")
    db = storage_db.connect(path)
    clock = Clock(NOW)
    notifier = RecordingNotifier(failures=10**6)  # Slack is down: nothing goes out
    scheduler = Scheduler(load(), notifier, path, tick=1, clock=clock, concurrency=1)
    old = reminder(db, NOW - timedelta(minutes=6), "old")
    fresh = reminder(db, NOW - timedelta(minutes=4), "fresh")
    step = dict(db.execute("SELECT tracker_id, id FROM steps").fetchall())
    caplog.set_level(logging.WARNING, logger="bot.scheduler")

    def late_lines():
        return [r.getMessage() for r in caplog.records if "late" in r.getMessage()]

    scheduler.tick()
    scheduler.tick()
    assert len(late_lines()) == 1 and f"step {step[old]} " in late_lines()[0]
    clock.now += timedelta(minutes=2)  # the fresh one crosses the line
    scheduler.tick()
    scheduler.tick()
    assert len(late_lines()) == 2 and f"step {step[fresh]} " in late_lines()[1]
