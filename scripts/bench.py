"""Benchmarks for the docs (not asserted in tests: the machines are shared and noisy).

Answers: 1,000 varied questions through `clecbot ask --jsonl` after warm-up,
each timed from writing its line to reading its answer: p50, p99, peak memory.
Cold start: `clecbot ask` with one question, as a new process, median of runs.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
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
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*CLI, "ask", "--at", AT, "is the NPSC open now?"], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        times.append(time.perf_counter() - start)
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
    }


def main() -> int:
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    results = {"answers_jsonl": bench_answers(), "cold_start_ask": bench_cold_start()}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
