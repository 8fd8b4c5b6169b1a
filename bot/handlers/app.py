"""The Slack app: bolt App, its listeners, and serving it (Socket Mode or HTTP).

`clecbot serve` runs it; the scheduler runs in the same process and delivers
nudges through the Slack notifier.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from slack_bolt import App, BoltResponse
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.handlers import actions, commands, home, messages
from bot.handlers.context import Deps
from bot.handlers.notifier import SlackNotifier
from bot.handlers.settings import Settings
from bot.knowledge.loader import load
from bot.scheduler import Scheduler
from storage.db import first_sighting

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
LISTENER_WORKERS = 64
WEB_TIMEOUT_S = 10  # with 2 retries each, well inside the scheduler's 120 s lease


def web_client(settings: Settings) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx and drops."""
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        timeout=WEB_TIMEOUT_S,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(settings: Settings, deps: Deps) -> App:
    app = App(
        client=web_client(settings),
        # ack() runs inside the listener: with bolt's default 10 workers, ten listeners
        # waiting on a slow Slack would hold the next request's ack back.
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS),
        signing_secret=settings.signing_secret or None,
        request_verification_enabled=not settings.socket_mode,
        process_before_response=False,  # ack at once, work on bolt's thread pool
    )

    @app.middleware
    def once(body, next):  # noqa: A002 - bolt passes the chain as `next`
        """Slack retries and replays carry the same event_id: act on it once (kept a day)."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not first_sighting(deps.db(), event_id, deps.clock()):
            return BoltResponse(status=200, body="")
        return next()

    @app.error
    def on_error(error, body):
        kind = body.get("type") if isinstance(body, dict) else None
        event_id = body.get("event_id") if isinstance(body, dict) else None
        log.error(
            "listener failed (%s %s): %s", kind, event_id, type(error).__name__, exc_info=error
        )

    for module in (commands, messages, actions, home):
        module.register(app, deps)
    return app


class _Handler(BaseHTTPRequestHandler):
    app: App

    def log_message(self, format, *args):  # noqa: A002 - http.server's own signature
        log.debug("http %s", format % args)

    def do_GET(self):  # noqa: N802
        self._send(200, {}, "ok" if self.path == "/health" else "clecbot")

    def do_POST(self):  # noqa: N802
        path, _, query = self.path.partition("?")
        if path != EVENTS_PATH:
            self._send(404, {}, "not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        response = self.app.dispatch(bolt_request(body, query, self.headers))
        self._send(response.status, response.headers, response.body)

    def _send(self, status: int, headers: dict, body) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        for name, values in headers.items():
            for value in values if isinstance(values, list | tuple) else [values]:
                if name.lower() != "content-length":
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def bolt_request(body: str, query: str, headers) -> BoltRequest:
    """bolt reads any form body containing the word "payload" as an interactivity
    payload, so `/clec show payload` would arrive empty; such a form is parsed here
    (the signature is still checked against the raw body)."""
    request = BoltRequest(body=body, query=query, headers=headers)
    if not request.body and body and not body.lstrip().startswith("{"):
        params = dict(parse_qsl(body, keep_blank_values=True))
        if params and "payload" not in params:
            request.body = params
            request.context = build_context(BoltContext({}), params)
    return request


def http_server(app: App, host: str, port: int) -> ThreadingHTTPServer:
    """POST /slack/events for events, commands and interactivity; GET /health."""
    handler = type("BoundHandler", (_Handler,), {"app": app})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(settings: Settings) -> int:
    """Run the bot: the scheduler in a thread, Slack in the foreground."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    deps = Deps(load(), settings.db_path, settings.zone)
    app = build_app(settings, deps)
    scheduler = Scheduler(deps.k, SlackNotifier(app.client), settings.db_path, tick=settings.tick)
    scheduler.start()
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("serving Slack in Socket Mode")
            SocketModeHandler(app, settings.app_token).start()
        else:
            server = http_server(app, "0.0.0.0", settings.port)
            log.info("serving Slack over HTTP on port %s at %s", settings.port, EVENTS_PATH)
            server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.shutdown()
    return 0


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return thread
