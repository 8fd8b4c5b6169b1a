"""Slack over HTTP: a thin WSGI app in front of bolt, served by waitress.

waitress reads every request on one I/O thread and hands a worker thread only a
request that has fully arrived, so a slow or stalled client never holds a worker;
it refuses a bad or negative Content-Length (400) and a body over the limit (413),
drops a connection idle past the read timeout, and listens with a backlog sized
for bursts. This module adds what is Slack's own: the signature is checked before
the body is parsed, a body that is not UTF-8 JSON or form data is a 400, and a
refused request logs one short line (never its body). Beside Slack's endpoint it
serves the operator's: `GET /health` (200, or 503 when the database is unreachable
or the scheduler has stalled; JSON that never names the file) and `GET /metrics`
(Prometheus text), and it times each Slack request's ack. In OAuth mode it also serves
bolt's install page and redirect (`GET /slack/install`, `GET /slack/oauth_redirect`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

import waitress
from slack_bolt import App
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.handlers.oauth import refuse_redirect, unreadable_redirect
from bot.ops import CONTENT_TYPE as METRICS_TYPE
from bot.ops import Health, Metrics

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"
TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 500: "Internal Server Error",
           503: "Service Unavailable"}  # fmt: skip


@dataclass(frozen=True)
class Limits:
    """What one client may ask of the server. Slack's own payloads are a few KB."""

    max_body_bytes: int = 2_000_000  # larger: 413 before the body is read
    read_timeout_s: float = 10.0  # a connection idle this long (mid-request too) is dropped
    backlog: int = 1024  # pending connections the kernel holds for a burst
    threads: int = 8  # workers for fully-read requests; each ack takes a few ms
    connection_limit: int = 1000  # open connections; past it, new ones wait in the backlog
    sweep_s: float = 1.0  # how often idle connections are looked for


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict
    body: str


def _plain(status: int, text: str, **headers: str) -> Answer:
    return Answer(status, {"content-type": "text/plain; charset=utf-8", **headers}, text)


def slack_headers(environ: dict) -> dict[str, str]:
    """The request's headers, lower-cased, as bolt reads them."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


class _FormRequest(BoltRequest):
    """A form bolt misread (see `bolt_request`); its copies for lazy listeners keep the
    parsed body instead of parsing the raw one again."""

    def to_copyable(self) -> BoltRequest:
        copied = super().to_copyable()
        copied.body = self.body
        return copied


def bolt_request(body: str, query: str, headers) -> BoltRequest:
    """bolt reads any form body containing the word "payload" as an interactivity
    payload, so `/clec show payload` would arrive empty; such a form is parsed here
    (the signature is still checked against the raw body)."""
    request = BoltRequest(body=body, query=query, headers=headers)
    if not request.body and body and not body.lstrip().startswith("{"):
        params = dict(parse_qsl(body, keep_blank_values=True))
        if params and "payload" not in params:
            request = _FormRequest(body=body, query=query, headers=headers)
            request.body = params
            request.context = build_context(BoltContext({}), params)
    return request


class SlackEndpoint:
    """POST /slack/events -> bolt; every refusal is a status code and one short log line."""

    def __init__(self, app: App, signing_secret: str):
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def answer(self, raw: bytes, query: str, headers: dict[str, str], peer: str) -> Answer:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not (TIMESTAMP.match(timestamp) and SIGNATURE.match(signature)):
            return self._refuse(401, "missing or malformed signature headers", raw, peer)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self._refuse(400, "body is not UTF-8", raw, peer)
        if not self.verifier.is_valid(text, timestamp, signature):
            return self._refuse(401, "bad or stale signature", raw, peer)
        try:
            request = bolt_request(text, query, headers)
        except (ValueError, RecursionError, AttributeError, TypeError) as exc:
            # not JSON, nested too deep, or JSON that is not an object (bolt calls .get on it)
            return self._refuse(400, f"unreadable body ({type(exc).__name__})", raw, peer)
        if not isinstance(request.body, dict) or not request.body:
            return self._refuse(400, "body is neither a JSON object nor a form", raw, peer)
        response = self.app.dispatch(request)
        return Answer(response.status, response.headers, response.body)

    def oauth_paths(self) -> tuple[str, ...]:
        """The install page's and the redirect's paths (none with a single token)."""
        flow = self.app.oauth_flow
        return (flow.install_path, flow.redirect_uri_path) if flow is not None else ()

    def install(self, path: str, query: str, headers: dict[str, str]) -> Answer:
        """GET on an OAuth path: bolt's flow (the page, or the state check and exchange)."""
        flow = self.app.oauth_flow
        request = BoltRequest(body="", query=query, headers=headers)
        if path == flow.install_path:
            response = flow.handle_installation(request)
        elif why := unreadable_redirect(request.query):
            response = refuse_redirect(flow, request, why)
        else:
            response = flow.handle_callback(request)
        return Answer(response.status, response.headers, response.body)

    @staticmethod
    def _refuse(status: int, why: str, raw: bytes, peer: str) -> Answer:
        log.info("refused a Slack request from %s: %s (%d bytes)", peer, why, len(raw))
        return _plain(status, "invalid request" if status == 401 else "bad request")


@dataclass(frozen=True)
class Ops:
    """What the operator's endpoints read: the health verdict and the metrics. Without
    them /health says "ok" (the process answers) and /metrics is 404."""

    health: Health | None = None
    metrics: Metrics | None = None


def _operator(path: str, ops: Ops) -> Answer:
    if path == HEALTH_PATH:
        if ops.health is None:
            return _plain(200, "ok")
        verdict = ops.health.verdict()
        return Answer(verdict.status, {"content-type": "application/json"}, verdict.json())
    if ops.metrics is None:
        return _plain(404, "not found")
    return Answer(200, {"content-type": METRICS_TYPE}, ops.metrics.text().decode("utf-8"))


def wsgi(endpoint: SlackEndpoint | None, ops: Ops = Ops()) -> Callable:
    """The WSGI app: POST /slack/events (when there is an endpoint: not in Socket Mode),
    GET /health and /metrics; 404 and 405 for the rest."""

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        arrived = time.monotonic()
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path in (HEALTH_PATH, METRICS_PATH) and method in ("GET", "HEAD"):
            answer = _operator(path, ops)
        elif path in (HEALTH_PATH, METRICS_PATH):
            answer = _plain(405, "use GET", allow="GET, HEAD")
        elif endpoint is not None and path in endpoint.oauth_paths():
            answer = _installing(endpoint, method, path, environ)
        elif path != EVENTS_PATH or endpoint is None:
            answer = _plain(404, "not found")
        elif method != "POST":
            answer = _plain(405, "use POST", allow="POST")
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)  # waitress checked it
            raw = environ["wsgi.input"].read(length)
            peer = environ.get("REMOTE_ADDR", "?")
            try:
                answer = endpoint.answer(raw, environ.get("QUERY_STRING", ""),
                                         slack_headers(environ), peer)  # fmt: skip
            except Exception as exc:  # a bug of ours: one line with its kind, never the body
                log.error("Slack request from %s failed: %s", peer, type(exc).__name__)
                answer = _plain(500, "internal error")
            if ops.metrics is not None and answer.status == 200:
                ops.metrics.ack_seconds.observe(time.monotonic() - arrived)
        return _respond(answer, start_response, head=method == "HEAD")

    return application


def _installing(endpoint: SlackEndpoint, method: str, path: str, environ: dict) -> Answer:
    """The OAuth pages (GET): a fault of ours is one line and a 500, never a traceback."""
    if method != "GET":  # (a HEAD would issue a state no browser ever takes)
        return _plain(405, "use GET", allow="GET")
    try:
        return endpoint.install(path, environ.get("QUERY_STRING", ""), slack_headers(environ))
    except Exception as exc:
        log.error("OAuth request on %s failed: %s", path, type(exc).__name__)
        return _plain(500, "internal error")


def _respond(answer: Answer, start_response: Callable, head: bool = False) -> list[bytes]:
    data = (answer.body if isinstance(answer.body, str) else str(answer.body)).encode("utf-8")
    headers = [
        (name, str(value))
        for name, values in answer.headers.items()
        if name.lower() != "content-length"
        for value in (values if isinstance(values, list | tuple) else [values])
    ]
    headers.append(("Content-Length", str(len(data))))
    reason = REASONS.get(answer.status, "Unknown")
    start_response(f"{answer.status} {reason}", headers)
    return [] if head else [data]


class Server:
    """waitress on host:port, run by `serve_forever()` until `shutdown()` (any thread)."""

    def __init__(self, application: Callable, host: str, port: int, limits: Limits = Limits()):
        self.limits = limits
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._server = waitress.create_server(
            application,
            host=host,
            port=port,
            backlog=limits.backlog,
            threads=limits.threads,
            max_request_body_size=limits.max_body_bytes,
            channel_timeout=limits.read_timeout_s,
            cleanup_interval=limits.sweep_s,
            connection_limit=limits.connection_limit,
            ident="clecbot",
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def server_address(self) -> tuple[str, int]:
        return str(self._server.effective_host), self.port

    def serve_forever(self, poll_interval: float = 0.2) -> None:
        """The I/O loop; it closes every connection itself once asked to stop."""
        server = self._server
        try:
            while not self._stop.is_set():
                server.asyncore.loop(timeout=poll_interval, map=server._map, count=1,
                                     use_poll=True)  # fmt: skip
        finally:
            server.close()
            for channel in list(server._map.values()):
                channel.close()
            server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        """Nothing left to close after `shutdown()`; kept for http.server's callers."""


def http_server(
    app: App | None,
    host: str,
    port: int,
    *,
    signing_secret: str = "",
    limits: Limits = Limits(),
    ops: Ops = Ops(),
) -> Server:
    """POST /slack/events for events, commands and interactivity (no app: the operator's
    endpoints alone, for Socket Mode); GET /health and /metrics."""
    endpoint = SlackEndpoint(app, signing_secret) if app is not None else None
    return Server(wsgi(endpoint, ops), host, port, limits)


def serve_in_thread(server: Server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)  # fmt: skip
    thread.start()
    return thread
