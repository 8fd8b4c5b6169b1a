"""Benchmarks for the docs (not asserted in tests: the machines are shared and noisy).

Answers: 1,000 varied questions through `clecbot ask --jsonl` after warm-up,
each timed from writing its line to reading its answer: p50, p99, peak memory.
Cold start: `clecbot ask` with one question, as a new process, median of runs.
Slack: /clec acks over HTTP at 1/8/32 concurrent clients with a fake Slack answering
0 or 0.5 s late (app, fake Slack and load each in their own process), and a burst of
200 signed requests opened at once (acked vs reset), and acks at a steady 20/50/100 a
second (open loop, as Slack sends). `python scripts/bench.py slack_ack slack_rate
slack_burst` runs only those. Trackers (claim per tick) and Slack nudges (throughput)
run on SQLite and again on PostgreSQL: `python scripts/bench.py trackers trackers_pg
slack_nudges slack_nudges_pg`.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "bot"]
AT = "2026-11-23T10:00:00-06:00"

TEMPLATES = [
    "who handles REQTYP C standalone ports after {clock} Central?",
    "is the {region} LSC open {when}?",
    "is the {center} open {when}",
    "who do I call about error code {code}?",
    "CSR reject code {reject}?",
    "{center} hours {day}?",
    "whos open rn",
    "sev {sev} bvoip reported {mins} minutes ago, who now?",
    "how often should qwest update a sev {qsev}?",
    "what do I need to escalate a late CSR?",
    "our ftp file transfer keeps failing",
    "collocation application status, who?",
    "my order has no FOC yet, who handles the escalation?",
    "what's the weather in Dallas?",
    "REQTYP C in an RPON with a REQTYP A, who do I call?",
    "BVoIP severity 1 vs severity 2?",
    "is the npsc open {date} at 8am?",  # a calendar date: the dateparser path
    "csr submitted {date} 2pm ET, can I escalate yet?",
]
FILL = {
    "clock": ["5pm", "6pm", "4:30pm", "7am"],
    "region": ["west", "southwest", "midwest", "southeast"],
    "when": ["now", "at 7pm Eastern", "tomorrow morning", "on Saturday", "in 3 hours", ""],
    "center": ["NPSC", "LNPC", "MCPSC", "CSC", "WSHD", "ISCC"],
    "code": ["SF0101", "G123", "SD4410", "IF22", "MR", "LS310"],
    "reject": ["001", "002", "018", "501"],
    "day": ["on Saturday", "on Thanksgiving", "tomorrow", "on Sunday"],
    "sev": ["1", "2"],
    "mins": ["30", "90", "200"],
    "qsev": ["1", "3", "4"],
    "date": ["dec 1", "12/3", "2026-11-30", "nov 27", "january 4th"],
}


def questions(n: int) -> list[str]:
    out = []
    counters = {key: itertools.cycle(values) for key, values in FILL.items()}
    for template in itertools.islice(itertools.cycle(TEMPLATES), n):
        out.append(template.format(**{key: next(c) for key, c in counters.items()}))
    return out


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_answers(n: int = 1000, warm: int = 50) -> dict:
    proc = subprocess.Popen(
        [*CLI, "ask", "--jsonl"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, bufsize=1,
    )  # fmt: skip
    times = []
    for i, text in enumerate(questions(warm) + questions(n)):
        start = time.perf_counter()
        proc.stdin.write(json.dumps({"text": text, "at": AT}) + "\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
        elapsed = time.perf_counter() - start
        assert "error" not in reply, reply
        if i >= warm:
            times.append(elapsed * 1000)
    memory = peak_rss_mb(proc.pid)
    proc.stdin.close()
    proc.wait(timeout=30)
    times.sort()
    return {
        "questions": n,
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
        "max_ms": round(times[-1], 2),
        "peak_rss_mb": round(memory, 1),
    }


def bench_cold_start(runs: int = 7) -> dict:
    """`clecbot ask` in a new process, median of `runs`, as installed: with the bytecode
    and the knowledge caches warm (one untimed run fills them, in private folders so
    the figure depends on neither the environment nor other checkouts). Also the first
    run (both caches empty), runs without the knowledge cache, and `python -c pass`."""
    import tempfile

    ask = [*CLI, "ask", "--at", AT, "is the NPSC open now?"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        warm = {**env, "PYTHONPYCACHEPREFIX": f"{tmp}/pyc", "CLEC_BOT_CACHE_DIR": f"{tmp}/k"}
        first = _run_s(ask, warm)
        times = [_run_s(ask, warm) for _ in range(runs)]
        uncached = [_run_s(ask, {**warm, "CLEC_BOT_CACHE_DIR": "off"}) for _ in range(runs)]
        bare = [_run_s([sys.executable, "-c", "pass"], warm) for _ in range(runs)]
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "first_run_s": round(first, 3),
        "no_knowledge_cache_median_s": round(statistics.median(uncached), 3),
        "python_pass_median_s": round(statistics.median(bare), 3),
    }


def _run_s(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


_PG_SERVER = None  # one throwaway PostgreSQL for the *_pg benches (tests/pg_server.py)


def _database(tmp: str, name: str, backend: str) -> str:
    """Where a bench keeps its rows: a SQLite file in `tmp`, or a fresh PostgreSQL
    database on a server started here (on a Unix socket, as the tests start theirs)."""
    global _PG_SERVER
    if backend == "sqlite":
        return f"{tmp}/{name}.db"
    if _PG_SERVER is None:
        import atexit

        from tests.pg_server import Server

        _PG_SERVER = Server().start()
        atexit.register(_PG_SERVER.stop)
    return _PG_SERVER.fresh()


def _ids_from_here(db) -> None:
    """After rows seeded with explicit ids, PostgreSQL's id sequences go on after them."""
    from storage.db import is_postgres

    if is_postgres(db):
        for table in ("trackers", "steps", "events"):
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        db.execute("ANALYZE")


def _seed_trackers(db, n: int, now) -> None:
    """n open BVoIP-like trackers with four future steps each, in one transaction."""
    from datetime import timedelta

    from storage.db import immediate, utc

    start = utc(now)
    with immediate(db):
        db.conn.executemany(
            "INSERT INTO trackers (id, owner, kind, title, zone, started_at, created_at,"
            " updated_at) VALUES (?, 'U1', 'bvoip', 'bench', 'America/Chicago', ?, ?, ?)",
            [(i, start, start, start) for i in range(1, n + 1)],
        )
        db.conn.executemany(
            "INSERT INTO steps (tracker_id, level, kind, due_at, title) VALUES (?, ?, ?, ?, ?)",
            [
                (i, level, "escalate", utc(now + timedelta(hours=level, seconds=i % 3600)), "L")
                for i in range(1, n + 1)
                for level in (1, 2, 3, 4)
            ],
        )
    _ids_from_here(db)


def bench_trackers(n: int = 100_000, due_per_tick: int = 100, backend: str = "sqlite") -> dict:
    """Claim time of one tick among n open trackers, and the time to create one, on
    SQLite or (backend="postgresql") on PostgreSQL."""
    import tempfile
    from datetime import timedelta

    import pytz

    from bot.cli import track_one
    from storage import trackers as repo
    from storage.db import connect, immediate, utc

    now = datetime(2026, 12, 1, 14, 0, tzinfo=pytz.utc)
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(_database(tmp, "bench", backend))
        started = time.perf_counter()
        _seed_trackers(db, n, now)
        seed_s = time.perf_counter() - started
        idle, busy = [], []
        for round_ in range(20):
            t0 = time.perf_counter()
            repo.claim_due(db, now, "idle", timedelta(minutes=2))
            idle.append((time.perf_counter() - t0) * 1000)
            first = round_ * due_per_tick + 1
            ids = list(range(first, first + due_per_tick))
            with immediate(db):  # make `due_per_tick` trackers' level 1 due now
                db.conn.executemany(
                    "UPDATE steps SET due_at = ? WHERE tracker_id = ? AND level = 1",
                    [(utc(now - timedelta(seconds=5)), i) for i in ids],
                )
            t0 = time.perf_counter()
            claims = repo.claim_due(db, now, f"t{round_}", timedelta(minutes=2))
            busy.append((time.perf_counter() - t0) * 1000)
            assert len(claims) == due_per_tick, len(claims)
        creates = []
        for i in range(50):
            t0 = time.perf_counter()
            track_one(f"track csr BTN 312-555-{i:04d} submitted 2026-11-30 11am ET",
                      "2026-11-30T12:00:00-05:00", "America/New_York", "U1", db=db)  # fmt: skip
            creates.append((time.perf_counter() - t0) * 1000)
    return {
        "backend": backend,
        "open_trackers": n,
        "steps": n * 4,
        "seed_s": round(seed_s, 1),
        "claim_idle_tick_p50_ms": round(statistics.median(idle), 2),
        f"claim_tick_{due_per_tick}_due_p50_ms": round(statistics.median(busy), 2),
        f"claim_tick_{due_per_tick}_due_max_ms": round(max(busy), 2),
        "create_tracker_p50_ms": round(statistics.median(creates), 2),
        "create_tracker_max_ms": round(max(creates), 2),
    }


CURVE_SIZES = (10_000, 100_000, 1_000_000)
PER_OWNER = 10  # trackers per user, whatever the size: a user's list stays the same length
OLD_FIND_BY_REF = (  # the lookup before tracker_refs: every open tracker's refs JSON read
    "SELECT trackers.id FROM trackers, json_each(CASE WHEN json_valid(trackers.refs)"
    " THEN trackers.refs ELSE '{}' END) WHERE json_each.value = ? AND state = 'open'"
    " ORDER BY trackers.id DESC"
)


def _seed_curve(db, n: int, now) -> None:
    """n open trackers, each with a ticket reference and four future steps, in ONE
    transaction by executemany (1M takes a minute or two)."""
    from datetime import timedelta

    from storage.db import immediate, utc

    start = utc(now)
    owners = max(1, n // PER_OWNER)
    with immediate(db):
        db.conn.executemany(
            "INSERT INTO trackers (id, owner, kind, refs, title, zone, started_at, created_at,"
            " updated_at) VALUES (?, ?, 'bvoip', ?, 'bench', 'America/Chicago', ?, ?, ?)",
            (
                (i, f"U{i % owners}", f'{{"ticket": "{7_000_000 + i}"}}', start, start, start)
                for i in range(1, n + 1)
            ),
        )
        later = [utc(now + timedelta(hours=level)) for level in range(5)]
        db.conn.executemany(
            "INSERT INTO steps (tracker_id, level, kind, due_at, title) VALUES (?, ?, ?, ?, ?)",
            ((i, lv, "escalate", later[lv], "L") for i in range(1, n + 1) for lv in (1, 2, 3, 4)),
        )


def _p50_max(samples: list[float]) -> tuple[float, float]:
    return round(statistics.median(samples), 3), round(max(samples), 3)


def bench_tracker_curve(sizes: tuple[int, ...] = CURVE_SIZES, reps: int = 50) -> list[dict]:
    """Each tracker operation at 10k / 100k / 1M open trackers (4 steps each), p50 and max
    in ms: claim (a tick with 100 due, on steps as bulk-loaded and on a steps table in
    use; an idle tick), create (with its fsync'd commit), resolve, a user's list, a
    reference lookup, and the lookup as it was (JSON scan)."""
    rows = [_curve_at(n, reps) for n in sizes]
    _print_curve(rows)
    return rows


def _timed(call, times: int) -> tuple[float, float]:
    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    return _p50_max(samples)


def _claims(db, now, lease, picked, reps: int) -> list[float]:
    """ms of `reps` ticks, each claiming 100 trackers made due (their level 1) just before."""
    from datetime import timedelta

    from storage import trackers as repo
    from storage.db import immediate, utc

    samples = []
    for r in range(reps):
        with immediate(db):
            db.conn.executemany(
                "UPDATE steps SET due_at = ? WHERE tracker_id = ? AND level = 1",
                [(utc(now - timedelta(seconds=5)), next(picked)) for _ in range(100)],
            )
        t0 = time.perf_counter()
        claims = repo.claim_due(db, now, f"t{r}", lease)
        samples.append((time.perf_counter() - t0) * 1000)
        assert len(claims) == 100, len(claims)
        with immediate(db):  # sent: out of the next tick's way
            db.conn.executemany("UPDATE steps SET state = 'sent' WHERE id = ?",
                                [(c.step.id,) for c in claims])  # fmt: skip
    return samples


def _curve_at(n: int, reps: int) -> dict:
    import random
    import tempfile
    from datetime import timedelta

    import pytz

    from storage import trackers as repo
    from storage.db import connect, immediate, utc
    from storage.trackers import NewStep

    now = datetime(2026, 12, 1, 14, 0, tzinfo=pytz.utc)
    lease = timedelta(minutes=2)
    rng = random.Random(n)
    owners = max(1, n // PER_OWNER)
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(f"{tmp}/curve.db")
        started = time.perf_counter()
        _seed_curve(db, n, now)
        seed_s = time.perf_counter() - started
        idle = _timed(lambda: repo.claim_due(db, now, "idle", lease), reps)
        picked = iter(rng.sample(range(1, n + 1), 200 * reps))
        busy = _claims(db, now, lease, picked, reps)  # steps packed by the bulk load
        with immediate(db):  # a table in use: a row claimed once and given back leaves room
            db.execute("UPDATE steps SET claim_token = 'used', lease_until = ?"
                       " WHERE state = 'pending'", (utc(now),))  # fmt: skip
            db.execute("UPDATE steps SET claim_token = NULL, lease_until = NULL"
                       " WHERE state = 'pending'")  # fmt: skip
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        in_use = _claims(db, now, lease, picked, reps)
        steps = [NewStep(lv, "escalate", now + timedelta(hours=lv), "L") for lv in (1, 2, 3, 4)]
        create = _timed(lambda: repo.create(
            db, owner="U1", kind="bvoip", title="new", zone="America/Chicago", started_at=now,
            steps=steps, now=now, refs={"ticket": "123"}), reps)  # fmt: skip
        victims = iter(rng.sample(range(1, n + 1), reps))
        resolve = _timed(lambda: repo.resolve(db, next(victims), "U1", now), reps)
        listing = _timed(lambda: repo.for_owner(db, f"U{rng.randrange(owners)}"), reps)
        ticket = lambda: str(7_000_000 + rng.randrange(1, n + 1))  # noqa: E731
        lookup = _timed(lambda: repo.find_by_ref(db, ticket()), reps)
        old = _timed(lambda: db.execute(OLD_FIND_BY_REF, (ticket(),)).fetchall(), 5)
        db.conn.close()
    return {
        "open_trackers": n, "steps": 4 * n, "seed_s": round(seed_s, 1),
        "claim_100_due_ms": _p50_max(busy), "claim_100_due_in_use_ms": _p50_max(in_use),
        "claim_idle_ms": idle, "create_ms": create,
        "resolve_ms": resolve, "list_user_ms": listing, "ref_lookup_ms": lookup,
        "ref_lookup_json_scan_ms": old,
    }  # fmt: skip


def _print_curve(rows: list[dict]) -> None:
    """The curve as a Markdown table (p50 / max, ms), on stderr next to the JSON."""
    names = [k for k in rows[0] if k.endswith("_ms")]
    print("| operation | " + " | ".join(f"{r['open_trackers']:,}" for r in rows) + " |",
          file=sys.stderr)  # fmt: skip
    print("|---" * (len(rows) + 1) + "|", file=sys.stderr)
    for name in names:
        cells = " | ".join(f"{r[name][0]:g} / {r[name][1]:g}" for r in rows)
        print(f"| {name.removesuffix('_ms')} | {cells} |", file=sys.stderr)


def bench_lateness(n: int = 1000) -> dict:
    """n steps due at once: how late each is handed to the notifier after it falls due."""
    import tempfile
    from datetime import timedelta

    import pytz

    from bot.knowledge.loader import load
    from bot.scheduler import RecordingNotifier, Scheduler
    from storage import trackers as repo
    from storage.db import connect
    from storage.trackers import NewStep

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/late.db"
        db = connect(path)
        due = datetime.now(pytz.utc) + timedelta(seconds=2)
        due = due.replace(microsecond=0)
        for i in range(n):
            step = NewStep(1, "reminder", due, f"Reminder {i}")
            repo.create(db, owner="U1", kind="custom", title=f"r{i}", zone="America/Chicago",
                        started_at=due, steps=[step], now=due)  # fmt: skip
        notifier = RecordingNotifier()
        scheduler = Scheduler(load(), notifier, path, tick=0.05, batch=n)
        scheduler.start()
        deadline = time.time() + 60
        while len(notifier.sent) < n and time.time() < deadline:
            time.sleep(0.05)
        scheduler.shutdown()
    late = sorted((stamp - due).total_seconds() for *_, stamp in notifier.sent)
    return {
        "due_at_once": n,
        "handed_over": len(late),
        "lateness_p50_s": round(statistics.median(late), 3),
        "lateness_p99_s": round(late[int(len(late) * 0.99) - 1], 3),
        "all_handed_over_within_s": round(late[-1], 3),
    }


def bench_slack_nudges(n: int = 1000, slow_s: float = 0.2, concurrency: int | None = None,
                       backend: str = "sqlite") -> dict:  # fmt: skip
    """n nudges due at once, delivered through the Slack notifier to a fake Slack (its own
    process) answering every chat.postMessage `slow_s` late, with production's batch (500)
    and lease: seconds from the first tick to the last DM answered, and none sent twice."""
    import tempfile
    import threading
    from datetime import timedelta

    import pytz

    from bot.handlers.app import web_client
    from bot.handlers.notifier import SlackNotifier
    from bot.handlers.settings import Settings
    from bot.knowledge.loader import load
    from bot.scheduler import Scheduler
    from storage.db import connect, immediate, utc

    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    fake = subprocess.Popen([sys.executable, __file__, "--fake-slack", str(slow_s)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    fake_url = fake.stdout.readline().strip()
    done: list[float] = []
    lock = threading.Lock()

    class Timed(SlackNotifier):
        def send(self, tracker, nudge) -> None:
            super().send(tracker, nudge)
            with lock:
                done.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp:
        path = _database(tmp, "nudges", backend)
        db = connect(path)
        due = utc(datetime.now(pytz.utc) - timedelta(seconds=1))
        with immediate(db):
            db.conn.executemany(
                "INSERT INTO trackers (id, owner, kind, title, zone, started_at, created_at,"
                " updated_at) VALUES (?, ?, 'custom', 'bench', 'America/Chicago', ?, ?, ?)",
                [(i, f"U{i:05d}", due, due, due) for i in range(1, n + 1)],
            )
            db.conn.executemany(
                "INSERT INTO steps (tracker_id, level, kind, due_at, title)"
                " VALUES (?, 1, 'reminder', ?, 'Reminder: call the LSC back')",
                [(i, due) for i in range(1, n + 1)],
            )
        _ids_from_here(db)
        settings = Settings("xoxb-bench", "secret", None, f"{fake_url}/api/", 0, path,
                            "America/Chicago", 15)  # fmt: skip
        scheduler = Scheduler(load(), Timed(web_client(settings)), path, concurrency=concurrency)
        started = time.perf_counter()
        scheduler.start()
        deadline = started + 900
        while len(done) < n and time.perf_counter() < deadline:
            time.sleep(0.05)
        scheduler.shutdown(timeout=60)
        states = dict(db.execute("SELECT state, COUNT(*) FROM steps GROUP BY state").fetchall())
        nudged = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT tracker_id) FROM events WHERE kind = 'nudged'"
        ).fetchone()
    fake.stdin.close()
    fake.wait(timeout=30)
    last = max(done) - started if done else float("nan")
    return {
        "backend": backend,
        "due_at_once": n,
        "fake_slack_delay_s": slow_s,
        "senders": scheduler.concurrency,
        "dms_answered": len(done),
        "last_dm_after_s": round(last, 2),
        "dms_per_s": round(len(done) / last, 1) if done else 0,
        "step_states": states,
        "sent_twice": nudged[0] - nudged[1],
    }


def _load_fake_slack():
    """tests/fake_slack.py of this tree, loaded by path, so a child serving another tree's
    app (the old stack, for the comparison) still gets this tree's fake."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_fake_slack", ROOT / "tests/fake_slack.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def fake_slack_child(slow_s: float) -> None:
    """Run in a child process: a fake Slack answering every call `slow_s` late, in its own
    interpreter as real Slack is, so it takes no CPU from the app being measured."""
    fake = _load_fake_slack().FakeSlack().start()
    for method in ("users.info", "chat.postMessage", "response_url:*"):
        fake.slow(method, slow_s)
    print(fake.base_url, flush=True)
    sys.stdin.read()
    fake.stop()


def slack_server_child(fake_url: str) -> None:
    """Run in a child process: the app served on a local port, its Web API the fake Slack
    at `fake_url`; prints the URL, serves until stdin closes, then prints its peak RSS."""
    import inspect
    import tempfile

    from bot.handlers.app import build_app, http_server, serve_in_thread
    from bot.handlers.context import Deps
    from bot.handlers.settings import Settings
    from bot.knowledge.loader import load

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings("xoxb-bench", "secret", None, f"{fake_url}/api/", 0, f"{tmp}/s.db",
                            "America/Chicago", 15)  # fmt: skip
        if os.environ.get("BENCH_MINIMAL"):
            app = _minimal_app(settings)
        else:
            app = build_app(settings, Deps(load(), settings.db_path, settings.zone))
        new_style = "signing_secret" in inspect.signature(http_server).parameters
        extra = {"signing_secret": "secret"} if new_style else {}
        server = http_server(app, "127.0.0.1", 0, **extra)
        serve_in_thread(server)
        print(f"http://127.0.0.1:{server.server_address[1]}/slack/events", flush=True)
        sys.stdin.read()
        print(round(peak_rss_mb(os.getpid()), 1), flush=True)
        server.shutdown()


def _minimal_app(settings):
    """The anchor: a bolt App whose /clec only acks, served the same way; what the
    harness itself costs."""
    from slack_bolt import App

    from bot.handlers.app import web_client

    app = App(client=web_client(settings), signing_secret=settings.signing_secret,
              process_before_response=True)  # fmt: skip
    app.command("/clec")(lambda ack: ack())
    return app


class _SlackServer:
    """The two children above: the app from the tree at `src` (default: this one; the old
    stack for the comparison), and its fake Slack."""

    def __init__(self, slow_s: float, src: Path | str = ROOT):
        self.minimal = src == "minimal"
        src = ROOT if self.minimal else Path(src)
        self.fake = self._child(["--fake-slack", str(slow_s)], ROOT)
        self.fake_url = self.fake.stdout.readline().strip()
        self.proc = self._child(["--slack-server", self.fake_url], src)
        self.url = self.proc.stdout.readline().strip()

    def _child(self, args: list[str], src: Path) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(src), "BENCH_SRC": str(src),
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # fmt: skip
        if self.minimal:
            env["BENCH_MINIMAL"] = "1"
        return subprocess.Popen([sys.executable, __file__, *args], cwd=src, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)  # fmt: skip

    def response_url(self, name: str) -> str:
        return f"{self.fake_url}/response/{name}"

    def stop(self) -> float:
        """Stop both; the app's peak RSS in MB."""
        self.proc.stdin.close()
        peak = float(self.proc.stdout.readline() or "nan")
        self.proc.wait(timeout=30)
        self.fake.stdin.close()
        self.fake.wait(timeout=30)
        return peak


def _percentile(sorted_ms: list[float], q: float) -> float:
    return round(sorted_ms[max(0, int(len(sorted_ms) * q) - 1)], 1)


def bench_slack_ack(
    concurrency: int = 8, slow_s: float = 0.5, n: int = 400, src: Path | str = ROOT
) -> dict:
    """/clec acks over HTTP from `concurrency` clients at once while the (fake) Slack
    answers every Web API call and response_url `slow_s` late: p50/p99 and acks/s.
    The app runs in its own process, so the load does not share its interpreter."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.fake_slack import post, slash_command

    server = _SlackServer(slow_s, src)
    post(server.url, slash_command("warm up", response_url=server.response_url("w")), "secret")

    def one(i: int) -> tuple[int, float]:
        body = slash_command(f"is the npsc open {i}", user=f"U{i % 20}",
                             response_url=server.response_url(f"r{i}"))  # fmt: skip
        try:
            status, _, elapsed = post(server.url, body, "secret")
        except OSError:
            return 0, 0.0
        return status, elapsed * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - started
    peak = server.stop()
    times = sorted(ms for status, ms in results if status == 200)
    return {
        "app": "clecbot" if src == ROOT else str(src),
        "concurrency": concurrency,
        "fake_slack_delay_s": slow_s,
        "commands": n,
        "acked_200": len(times),
        "failed": n - len(times),
        "ack_p50_ms": _percentile(times, 0.5),
        "ack_p99_ms": _percentile(times, 0.99),
        "acks_per_s": round(len(times) / wall, 1),
        "server_peak_rss_mb": peak,
    }


def bench_slack_rate(rate: float = 50, seconds: float = 8, slow_s: float = 0.5,
                     src: Path = ROOT) -> dict:  # fmt: skip
    """Open loop, as Slack sends: a /clec every 1/rate s whatever the acks do, with the fake
    Slack `slow_s` late; ack p50/p99 (the closed loop above measures saturation instead)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.fake_slack import post, slash_command

    server = _SlackServer(slow_s, src)
    post(server.url, slash_command("warm up", response_url=server.response_url("w")), "secret")

    def one(i: int) -> float:
        body = slash_command(f"is the npsc open {i}", user=f"U{i % 20}",
                             response_url=server.response_url(f"o{i}"))  # fmt: skip
        try:
            status, _, elapsed = post(server.url, body, "secret")
        except OSError:
            return -1.0
        return elapsed * 1000 if status == 200 else -1.0

    n = int(rate * seconds)
    started = time.perf_counter()
    with ThreadPoolExecutor(128) as pool:
        futures = []
        for i in range(n):
            time.sleep(max(0.0, started + i / rate - time.perf_counter()))
            futures.append(pool.submit(one, i))
        results = [f.result() for f in futures]
    peak = server.stop()
    times = sorted(ms for ms in results if ms >= 0)
    return {
        "rate_per_s": rate,
        "fake_slack_delay_s": slow_s,
        "commands": n,
        "failed": n - len(times),
        "ack_p50_ms": _percentile(times, 0.5),
        "ack_p99_ms": _percentile(times, 0.99),
        "server_peak_rss_mb": peak,
    }


def bench_slack_burst(n: int = 200, src: Path = ROOT) -> dict:
    """n signed /clec requests opened at the same instant: how many are acked, how many reset."""
    import threading

    from tests.fake_slack import post, slash_command

    server = _SlackServer(0.0, src)
    gate = threading.Barrier(n)
    outcomes: list[str] = []

    def one(i: int) -> None:
        body = slash_command(f"lnpc hours {i}", user=f"U{i % 20}",
                             response_url=server.response_url(f"b{i}"))  # fmt: skip
        gate.wait()
        try:
            status, _, _ = post(server.url, body, "secret", timeout=30)
            outcomes.append(str(status))
        except OSError as exc:  # ConnectionResetError, RemoteDisconnected, timeouts
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server.stop()
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return {"concurrent": n, "outcomes": counts, "all_done_s": round(wall, 2)}


def bench_socket_mode(rounds: int = 3) -> list[dict]:
    """Socket Mode against the fake WebSocket side, production ping (1.5 s): seconds from a
    refresh, a close frame or a silent drop until the new connection, and the next ack."""
    import tempfile
    import threading
    from urllib.parse import parse_qsl

    from bot.handlers.app import build_app, serve_socket_mode
    from bot.handlers.context import Deps
    from bot.handlers.settings import Settings
    from bot.knowledge.loader import load

    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    fakes = _load_fake_slack()
    results = []
    for how in ("refresh", "close", "go_silent"):
        for _ in range(rounds):
            fake, sock = fakes.FakeSlack().start(), fakes.FakeSocketMode().start()
            fake.socket_url = sock.url
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings("xoxb-bench", "", "xapp-bench", fake.api_url, 0,
                                    f"{tmp}/s.db", "America/Chicago", 15)  # fmt: skip
                app = build_app(settings, Deps(load(), settings.db_path, settings.zone))
                stop = threading.Event()
                thread = threading.Thread(target=serve_socket_mode, args=(app, settings, stop),
                                          daemon=True)  # fmt: skip
                thread.start()
                sock.wait_connections(1)

                def ack(name: str, fake=fake, sock=sock) -> float:
                    body = fakes.slash_command("npsc hours", response_url=fake.response_url(name))
                    return sock.wait_ack(sock.send("slash_commands", dict(parse_qsl(body))), 10)

                ack("before")
                started = time.monotonic()
                getattr(sock, how)()
                sock.wait_connections(2, timeout=60)
                back = time.monotonic() - started
                results.append({"how": how, "new_connection_s": round(back, 2),
                                "next_ack_ms": round(ack("after") * 1000, 1)})  # fmt: skip
                stop.set()
                thread.join(10)
            sock.stop()
            fake.stop()
    return results


def main() -> int:
    if sys.argv[1:2] in (["--slack-server"], ["--fake-slack"]):  # children of _SlackServer
        sys.path.insert(0, os.environ.get("BENCH_SRC", str(ROOT)))
        if sys.argv[1] == "--fake-slack":
            fake_slack_child(float(sys.argv[2]))
        else:
            slack_server_child(sys.argv[2])
        return 0
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    sys.path.insert(0, str(ROOT))
    benches = {
        "answers_jsonl": bench_answers,
        "cold_start_ask": bench_cold_start,
        "trackers": bench_trackers,
        "tracker_curve": bench_tracker_curve,
        "nudge_lateness": bench_lateness,
        "slack_nudges": bench_slack_nudges,
        # the same two on PostgreSQL (a server started here, as the tests start theirs)
        "trackers_pg": lambda: bench_trackers(backend="postgresql"),
        "slack_nudges_pg": lambda: bench_slack_nudges(backend="postgresql"),
        "slack_ack": lambda: [
            bench_slack_ack(concurrency, slow_s, src=src)
            for src in (ROOT, "minimal")  # clecbot, then the anchor: an app that only acks
            for slow_s in (0.0, 0.5)
            for concurrency in (1, 8, 32)
        ],
        "slack_rate": lambda: [bench_slack_rate(rate) for rate in (20, 50, 100)],
        "slack_burst": bench_slack_burst,
        "socket_mode": bench_socket_mode,
    }
    chosen = sys.argv[1:] or list(benches)  # e.g. `python scripts/bench.py slack_ack`
    results = {name: benches[name]() for name in chosen}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
