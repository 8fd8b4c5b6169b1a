"""The Slack app: bolt's App with lazy listeners, served over HTTP by waitress or in
Socket Mode over aiohttp.

Every listener is an ack function, run in the request's own thread the moment the
request is verified and parsed, and a lazy function with the slow work (the
conversation, Slack Web API calls) run on bolt's executor after the ack; so an ack
never waits for Slack, the database or another listener. `clecbot serve` runs it;
the scheduler runs in the same process and delivers nudges through the Slack notifier.
`GET /health` and `GET /metrics` are served on PORT in both modes (in Socket Mode by a
server with no Slack endpoint), for probes and Prometheus.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.handlers import actions, commands, home, messages, oauth
from bot.handlers.context import Deps
from bot.handlers.edge import delivery_keys, request_id
from bot.handlers.http import EVENTS_PATH, Limits, Ops, Server, http_server, serve_in_thread
from bot.handlers.notifier import CALLS_PER_NUDGE, SlackNotifier
from bot.handlers.oauth import Install
from bot.handlers.settings import SettingError, Settings
from bot.knowledge.loader import load
from bot.ops import Health, Metrics, probe_database
from bot.scheduler import DEFAULT_LEASE, Scheduler

__all__ = ["EVENTS_PATH", "Limits", "build_app", "http_server", "serve", "serve_in_thread"]

log = logging.getLogger(__name__)
LISTENER_WORKERS = 32  # the work after the ack: conversations waiting on Slack's Web API
WEB_TIMEOUT_S = 10  # Socket Mode's apps.connections.open (the Web API's come from the lease)
WEB_RETRIES = 2  # a Web API call is tried at most 3 times (a 429, a 5xx, a dropped connection)
SOCKET_PING_S = 1.5  # Socket Mode: a silent connection is noticed within two of these
# Loggers that would write customers' words or short-lived credentials at INFO: bolt logs the
# whole body of a badly signed request; slack_sdk names each retried URL (a response_url is
# a posting credential). Our own refusal line (bot.handlers.http) replaces the first.
QUIET_LOGGERS = ("slack_bolt.RequestVerification", "slack_sdk")


def quiet_logs() -> None:
    """Only warnings and errors from the loggers that would leak bodies or URLs."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def call_budget_s(lease: timedelta = DEFAULT_LEASE) -> float:
    """The longest one Web API call may take, retries and waits included. A nudge makes
    CALLS_PER_NUDGE calls and together they keep to half the scheduler's lease, so a send
    ends well before its lease does (past it, another scheduler could send it again)."""
    return lease.total_seconds() / 2 / CALLS_PER_NUDGE


def retry_after_s(response) -> float:
    """A 429's Retry-After in seconds (Slack sends whole seconds; 1 when it is missing)."""
    for name, values in (response.headers or {}).items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return 1.0


class RetryAfterWithin(RateLimitErrorRetryHandler):
    """Honours a 429's Retry-After by sleeping in the calling thread only (one nudge
    sender, or one listener: the others go on), but gives up at once when Slack asks
    for more than `max_wait_s`: the call fails, and a nudge stays due for the next tick."""

    def __init__(self, max_retry_count: int, max_wait_s: float):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and retry_after_s(response) <= self.max_wait_s
        )

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        state.next_attempt_requested = True
        wait = retry_after_s(response) + random.uniform(0, 0.5)  # senders do not retry in step
        time.sleep(min(wait, self.max_wait_s))
        state.increment_current_attempt()


class PostsOnce(ConnectionErrorRetryHandler):
    """Retries a dropped connection, except a chat.postMessage dropped after its request
    went out whole (urllib raises the bare error while reading the answer, not URLError):
    Slack may have posted it, so it is not posted again here. The nudge stays in flight
    and is looked for in the DM once its lease has run out (notifier.send)."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if request.url.endswith("/chat.postMessage") and not isinstance(error, URLError):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def web_client(
    settings: Settings,
    lease: timedelta | None = None,
    token: str | None = None,
    posts_once: bool = False,
) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx and drops,
    each call ending within call_budget_s(lease) (the settings' lease by default): half
    of it for the attempts (the timeout, in fractions of a second under a short lease),
    half for the waits between them (Retry-After beyond that is not waited). With
    `posts_once` (the nudges' clients) a post that may have reached Slack is not retried."""
    budget = call_budget_s(settings.lease if lease is None else lease)
    drops = PostsOnce if posts_once else ConnectionErrorRetryHandler
    return WebClient(
        token=token or settings.bot_token or None,  # (none: OAuth mode's app-wide client)
        base_url=settings.api_url,
        timeout=budget / 2 / (WEB_RETRIES + 1),  # type: ignore[arg-type]  (urllib takes a float)
        retry_handlers=[
            RetryAfterWithin(WEB_RETRIES, max_wait_s=budget / 2 / WEB_RETRIES),
            ServerErrorRetryHandler(max_retry_count=WEB_RETRIES),
            drops(max_retry_count=WEB_RETRIES),
        ],
    )


def nudge_client(settings: Settings, token: str | None = None) -> WebClient:
    """The client nudges (and digests) are sent with: the settings' lease's budget, and
    a post that may have reached Slack never posted a second time by a retry."""
    return web_client(settings, token=token, posts_once=True)


def _header(req, name: str) -> str:
    values = req.headers.get(name) or [""]
    return values[0] if isinstance(values, list) else str(values)


def install_parts(settings: Settings, deps: Deps) -> Install | None:
    """OAuth mode's stores and per-workspace clients (None with a single token)."""
    if not settings.oauth:
        return None
    return Install.create(settings, deps, lambda token: nudge_client(settings, token))


def build_app(settings: Settings, deps: Deps, install: Install | None = None) -> App:
    """The bolt app: with one token (SLACK_BOT_TOKEN) every request is workspace "";
    in OAuth mode each is answered with its own workspace's token and its handlers
    scope their data by that workspace's key (edge.team_of)."""
    quiet_logs()
    deps.workspaces = settings.oauth  # the handlers scope by workspace in OAuth mode only
    if settings.oauth and install is None:
        install = install_parts(settings, deps)
    app = App(
        # listeners answer people: their calls keep the default lease's budget (5 s
        # attempts) whatever CLEC_BOT_LEASE is; the nudges' client is the lease's (serve)
        client=web_client(settings, DEFAULT_LEASE),
        listener_executor=ThreadPoolExecutor(LISTENER_WORKERS, thread_name_prefix="listener"),
        signing_secret=settings.signing_secret or None,
        request_verification_enabled=not settings.socket_mode,
        process_before_response=True,  # ack functions run in the request thread; work is lazy
        oauth_settings=install.oauth_settings() if install else None,
    )

    @app.middleware
    def name_the_delivery(req, body, context, next):  # noqa: A002 - bolt's name for the chain
        """Name the delivery for the repeat check the work does after the ack."""
        context["delivery_keys"] = delivery_keys(
            body, _header(req, "x-slack-signature"), _header(req, "x-slack-request-timestamp")
        )
        return next()

    @app.error
    def on_error(error, body):
        log.error("request %s failed before the ack: %s", request_id(body), type(error).__name__)

    for module in (commands, messages, actions, home):
        module.register(app, deps)
    if install is not None:
        oauth.register(app, install.installs, install.workspaces)
    else:
        oauth.register_single(app)
    return app


def _serve_http(
    app: App, settings: Settings, stop: threading.Event, ops: Ops | None = None
) -> None:
    server: Server = http_server(app, "0.0.0.0", settings.port,
                                 signing_secret=settings.signing_secret,
                                 ops=ops or Ops())  # fmt: skip
    threading.Thread(target=lambda: (stop.wait(), server.shutdown()), daemon=True).start()
    log.info("serving Slack over HTTP on port %s at %s", server.port, EVENTS_PATH)
    server.serve_forever()


def serve_operator(settings: Settings, stop: threading.Event, ops: Ops) -> None:
    """Socket Mode has no HTTP server of its own: /health and /metrics on PORT, in a
    thread; a port that cannot be had is logged, never a reason not to serve Slack."""
    try:
        server = http_server(None, "0.0.0.0", settings.port, ops=ops)
    except OSError as exc:
        log.warning("no /health or /metrics: port %s unavailable (%s)", settings.port, exc)
        return
    serve_in_thread(server)
    threading.Thread(target=lambda: (stop.wait(), server.shutdown()), daemon=True).start()
    log.info("serving /health and /metrics on port %s", server.port)


def serve_socket_mode(
    app: App, settings: Settings, stop: threading.Event, ping_s: float = SOCKET_PING_S
) -> None:
    """Socket Mode on aiohttp until `stop`: a refresh or a close frame reconnects at once,
    and a connection gone silent fails its pings (every `ping_s`) and is replaced."""
    from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
    from slack_sdk.web.async_client import AsyncWebClient

    async def run() -> None:
        client = AsyncWebClient(base_url=settings.api_url, timeout=WEB_TIMEOUT_S)
        handler = SocketModeHandler(app, settings.app_token, web_client=client,
                                    ping_interval=ping_s)  # fmt: skip
        await handler.connect_async()
        log.info("serving Slack in Socket Mode")
        while not stop.is_set():
            await asyncio.sleep(0.5)
        await handler.close_async()

    asyncio.run(run())


def warm(deps: Deps) -> None:
    """Before the first request: compile the time grammar, build the knowledge's indexes
    and holiday calendar, and take each kind of question and a tracker line once (the
    line in a throwaway in-memory database), so the first user's answer is as fast as
    the rest: what a path compiles or loads on first use is done here."""
    from bot.conversation import EXAMPLES, answer, respond
    from bot.moments import warm_up
    from storage.db import connect

    warm_up()
    at, zone = deps.clock(), deps.default_zone
    for question in (*EXAMPLES, "is the npsc open at 6pm central"):
        answer(question, at=at, tz=zone, k=deps.k)
    scratch = connect(":memory:")
    try:
        respond("track bvoip sev 1 site down since 8am AOTS 1", at=at, tz=zone, user="warm-up",
                db=scratch, k=deps.k)  # fmt: skip
    finally:
        scratch.conn.close()


def checked_app(settings: Settings, deps: Deps, install: Install | None) -> App:
    """build_app, whose auth.test of SLACK_BOT_TOKEN (bolt's, at start) failing is a
    SettingError naming what to check: an unreachable Slack or a refused token is the
    operator's to fix, not an internal error to report."""
    try:
        return build_app(settings, deps, install)
    except (BoltError, SlackClientError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        first = (str(reason).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise SettingError(
            f"cannot start: Slack at {settings.api_url} did not take SLACK_BOT_TOKEN"
            f" (auth.test: {first}); check the token, SLACK_API_URL and the way out to Slack"
        ) from None


def serve(settings: Settings) -> int:
    """Run the bot: the scheduler in a thread, Slack in the foreground, until SIGTERM/^C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    deps = Deps(load(), settings.db_path, settings.zone)  # (build_app sets deps.workspaces)
    install = install_parts(settings, deps)
    app = checked_app(settings, deps, install)
    warm(deps)
    metrics = Metrics()
    notifier = SlackNotifier(install.clients if install else nudge_client(settings),
                             lookup_budget_s=call_budget_s(settings.lease), zone_in=deps.zone_of,
                             on_gone=install.workspaces.gone if install else None,
                             metrics=metrics)  # fmt: skip
    if install is not None:
        metrics.watch_installs(lambda: len(install.installs.teams()))
    scheduler = Scheduler(deps.k, notifier, settings.db_path, tick=settings.tick,
                          lease=settings.lease, metrics=metrics)  # fmt: skip
    health = Health(lambda: probe_database(settings.db_path), scheduler.last_tick_or_start,
                    scheduler.tick_s)  # fmt: skip
    ops = Ops(health, metrics)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler.start()
    try:
        if settings.socket_mode:
            serve_operator(settings, stop, ops)
            serve_socket_mode(app, settings, stop)
        else:
            _serve_http(app, settings, stop, ops)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        scheduler.shutdown()
    return 0
