"""The Slack endpoint as a production server, against the served app on a local port and
the fake Slack: bursts, replays, malformed and hostile requests, slow clients, what
reaches the log, and listeners that fail after the ack."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from bot.handlers import commands
from bot.handlers.http import Limits
from storage import trackers as repo
from storage.db import StorageError
from tests.fake_slack import FakeSlack, dm_message, event_callback, post, sign, slash_command
from tests.test_slack import SECRET, Bot

FAST = Limits(read_timeout_s=1.0, sweep_s=0.25)  # a stalled client is dropped in about 1 s


@pytest.fixture
def bot(tmp_path, monkeypatch):
    b = Bot(tmp_path, monkeypatch, limits=FAST)
    yield b
    b.close()


def raw(port: int, data: bytes, timeout: float = 5.0) -> tuple[int | None, float]:
    """Send bytes as they are; the status code answered (None: closed without one)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else None
    return status, time.monotonic() - started


def request(method: str, body: bytes = b"", headers: dict | None = None, path="/slack/events"):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if "Content-Length" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def signed(body: bytes, content_type: str = "application/json") -> dict:
    """Slack's signature over raw bytes (sign() takes text; these bodies may not be UTF-8)."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": content_type,
    }


def test_200_concurrent_signed_requests_are_all_acked_with_no_resets_then_answered(bot):
    gate, outcomes = threading.Barrier(200), []

    def one(i: int) -> None:
        url = bot.fake.response_url(f"b{i}")
        body = slash_command(f"lnpc hours {i}", user=f"U{i % 20}", response_url=url)
        gate.wait()
        try:
            outcomes.append(post(bot.url, body, SECRET, timeout=30)[0])
        except OSError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [200] * 200
    deadline = time.monotonic() + 60
    while len([c for c in bot.fake.calls if c.method.startswith("response_url:b")]) < 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_replayed_signed_request_acts_once(bot, caplog):
    caplog.set_level(logging.INFO)
    body = slash_command("track bvoip sev 1 site down AOTS 1234567",
                         response_url=bot.fake.response_url("r"))  # fmt: skip
    headers = {**sign(body, SECRET), "Content-Type": "application/x-www-form-urlencoded"}
    statuses = [raw(bot.port, request("POST", body.encode(), headers))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert "Tracking #1" in json.dumps(bot.answer())
    time.sleep(0.5)  # time for a second tracker, if a replay were acted on
    assert repo.get(bot.db, 1) is not None and repo.get(bot.db, 2) is None
    assert len(bot.fake.calls_to("response_url:r")) == 1
    logged = [r.getMessage() for r in caplog.records if "repeat" in r.getMessage()]
    assert len(logged) == 2 and headers["X-Slack-Signature"][3:] not in "".join(logged)


NESTED = b'{"type": "event_callback", "event": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001
MALFORMED = [
    ("invalid JSON", b'{"type": "event_callback", "event": ', "application/json", 400),
    ("JSON that is not an object", b"[1, 2, 3]", "application/json", 400),
    ("JSON nested 50,000 deep", NESTED, "application/json", 400),
    ("not UTF-8", b'{"type": "event_callback", "text": "\xff\xfe"}', "application/json", 400),
    ("an empty form", b"", "application/x-www-form-urlencoded", 400),
]


@pytest.mark.parametrize("name,body,content_type,status", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_signed_body_is_a_400(bot, name, body, content_type, status):
    assert raw(bot.port, request("POST", body, signed(body, content_type)))[0] == status


TS = str(int(time.time()))
HEADERS = [
    ("no signature headers", {}, 401),
    ("a timestamp that is not a number", {"X-Slack-Request-Timestamp": "soon"}, 401),
    ("a timestamp of 1e9", {"X-Slack-Request-Timestamp": "1e9"}, 401),
    ("a timestamp beyond any clock", {"X-Slack-Request-Timestamp": "9" * 40}, 401),
    ("a signature that is not hex", {"X-Slack-Signature": "v0=zz"}, 401),
    ("a negative Content-Length", {"Content-Length": "-1"}, 400),
    ("a Content-Length that is not a number", {"Content-Length": "ten"}, 400),
    ("two Content-Lengths", {"Content-Length": "2, 2"}, 400),
]


@pytest.mark.parametrize("name,headers,status", HEADERS, ids=[h[0] for h in HEADERS])
def test_bad_headers_get_an_answer_never_a_500_or_a_hang(bot, name, headers, status):
    base = {"X-Slack-Request-Timestamp": TS, "X-Slack-Signature": "v0=" + "0" * 64}
    got, elapsed = raw(bot.port, request("POST", b"{}", {**base, **headers}))
    assert got == status and elapsed < 3


ROUTES = [
    ("GET", "/slack/events", 405),
    ("PUT", "/slack/events", 405),
    ("DELETE", "/slack/events", 405),
    ("GET", "/health", 200),
    ("POST", "/health", 405),
    ("GET", "/elsewhere", 404),
    ("POST", "/slack/events/../admin", 404),
]


@pytest.mark.parametrize("method,path,status", ROUTES)
def test_methods_and_paths(bot, method, path, status):
    assert raw(bot.port, request(method, path=path))[0] == status


def test_an_oversized_body_is_a_413_before_it_is_read(bot):
    body = b"x" * (Limits().max_body_bytes + 1)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    data = request("POST", headers=headers)  # the headers alone: the answer comes first
    assert raw(bot.port, data)[0] == 413


def test_a_stalled_client_is_dropped_while_others_are_served(bot):
    stalled = socket.create_connection(("127.0.0.1", bot.port), timeout=10)
    stalled.sendall(request("POST", b'{"partial": ', {"Content-Length": "500"}))
    started = time.monotonic()
    assert post(bot.url, slash_command("npsc hours"), SECRET)[0] == 200  # served meanwhile
    assert time.monotonic() - started < 1
    assert stalled.recv(100) == b""  # closed by the server, without an answer
    assert time.monotonic() - started < FAST.read_timeout_s + 3
    stalled.close()


def test_a_forged_megabyte_logs_one_short_line(bot, caplog):
    caplog.set_level(logging.INFO)
    words = "customer Jane Roe 312-555-0199 says the line is dead " * 20_000  # ~1 MB
    body = json.dumps({"type": "event_callback", "event": {"text": words}})
    status, _, _ = post(bot.url, body, "not-the-secret")
    assert status == 401
    assert [r.name for r in caplog.records] == ["bot.handlers.http"]
    (line,) = [r.getMessage() for r in caplog.records]
    assert len(line) < 200 and "555" not in line and "Jane" not in line


def test_no_text_phone_or_response_url_reaches_the_log_when_replies_fail(bot, caplog):
    caplog.set_level(logging.INFO)
    secret_url = "http://127.0.0.1:9/response/T0001/B0001/SeCrEtPoStInGtOkEn"
    body = slash_command("lnpc phone for Jane Roe at 312-555-0199", response_url=secret_url)
    assert post(bot.url, body, SECRET)[0] == 200
    deadline = time.monotonic() + 10  # respond() retries the refused URL, then gives up
    while not any("could not tell" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.05)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("SeCrEtPoStInGtOkEn", "555-0199", "Jane", "lnpc phone"):
        assert secret not in logged


def test_retried_web_api_calls_log_no_text(bot, caplog):
    caplog.set_level(logging.INFO)
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    bot.event(dm_message("npsc hours for Jane Roe 312-555-0199"), event_id="EvRetry")
    bot.fake.wait_for("chat.postMessage", count=2)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "555-0199" not in logged and "Jane" not in logged


def _fail(exc: Exception):
    def converse(*args, **kwargs):
        raise exc

    return converse


FAILURES = [
    ("a bug", RuntimeError("boom"), "something went wrong on my side; nothing was changed"),
    ("the database", StorageError("disk I/O error"), "could not reach my database just now"),
]


@pytest.mark.parametrize("name,exc,said", FAILURES, ids=[f[0] for f in FAILURES])
def test_a_listener_that_raises_after_the_ack_tells_the_user(
    bot, monkeypatch, caplog, name, exc, said
):
    monkeypatch.setattr(commands, "converse", _fail(exc))
    status, _, elapsed = bot.command("track bvoip sev 1 for Jane Roe")
    assert status == 200 and elapsed < 1.5  # acked in time, before the work failed
    answer = bot.answer()
    assert said in answer["text"] and answer["response_type"] == "ephemeral"
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert type(exc).__name__ in line and "1001.2002.trigger" in line and "Jane" not in line


def test_a_failure_after_the_work_is_done_does_not_say_nothing_changed(bot, monkeypatch):
    monkeypatch.setattr(commands, "share_blocks", _fail(RuntimeError("render")))
    monkeypatch.setattr(commands, "reply_blocks", _fail(RuntimeError("render")))  # a change
    bot.command("track bvoip sev 1 site down AOTS 7654321")
    text = bot.answer()["text"]
    assert "went through" in text and "nothing was changed" not in text
    assert repo.get(bot.db, 1) is not None


EDGE = [
    ("50,000 characters", "npsc hours " * 4_600, "I read up to 4,000"),
    ("a number for text", 12345, "I could not read that message"),
    ("a lone surrogate", "\ud800 is the npsc open", "NPSC"),
    ("control characters", "is the\x00 npsc\x1b open", "NPSC"),
]


@pytest.mark.parametrize("name,text,said", EDGE, ids=[e[0] for e in EDGE])
def test_payloads_are_checked_at_the_edge(bot, name, text, said):
    event = {**dm_message("x"), "text": text}
    body, _ = event_callback(event, event_id=f"Ev-{name}")
    assert post(bot.url, body, SECRET)[0] == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert said in json.dumps(call.params)


def test_a_user_id_that_is_not_one_is_refused_politely(bot):
    bot.event({**dm_message("npsc hours"), "user": "<!channel>"}, event_id="EvBadUser")
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "could not read the user" in call.params["text"]


def test_slacks_url_verification_is_answered_with_its_challenge(bot):
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})
    status, text, _ = post(bot.url, body, SECRET)
    assert status == 200 and "c-123" in text


def test_clecbot_serve_answers_and_stops_on_sigterm(tmp_path, monkeypatch):
    """The Procfile's command, as a process: health, a signed command answered, SIGTERM."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeSlack() as fake:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-serve", "SLACK_SIGNING_SECRET": SECRET,
               "PORT": str(port), "SLACK_API_URL": fake.api_url, "no_proxy": "127.0.0.1",
               "CLEC_BOT_DB": str(tmp_path / "serve.db"), "CLEC_BOT_TICK": "0.2"}  # fmt: skip
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            health = f"http://127.0.0.1:{port}/health"
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert json.loads(opener.open(health, timeout=1).read())["status"] == "ok"
                    break
                except OSError:
                    assert time.monotonic() < deadline and proc.poll() is None
                    time.sleep(0.1)
            body = slash_command("lnpc phone", response_url=fake.response_url("r"))
            assert post(f"http://127.0.0.1:{port}/slack/events", body, SECRET)[0] == 200
            assert "866-791-0240" in json.dumps(fake.wait_for("response_url:r")[0].params)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
    assert "serving Slack over HTTP" in proc.stderr.read()
