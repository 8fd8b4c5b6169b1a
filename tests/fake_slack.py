"""A local fake of Slack for end-to-end tests: nothing reaches the internet, no real token is used.

Three parts:

* `FakeSlack` plays Slack's side of the calls the app makes: a Web API
  (pass `fake.api_url` as `WebClient(base_url=...)`) and response_url webhooks
  (`fake.response_url(name)`). Every request is recorded; faults (429, 500,
  `ok: false`) and slowness can be injected per method.
* Builders plus `sign()` and `post()` play Slack's side of the calls Slack makes
  to the app: slash commands, Events API callbacks and block_actions, signed the
  way https://api.slack.com/authentication/verifying-requests-from-slack says.
* `FakeSocketMode` plays Slack's Socket Mode WebSocket (set `fake.socket_url` to its
  `url` so `apps.connections.open` hands it out): hello, envelopes, acks, and the
  three ways a connection ends (refresh, close frame, silence).

Bolt runs listeners on a thread pool after it acks, so a test asserts on what
the app sent to Slack with `fake.wait_for(method)`, which polls.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

TEAM_ID = "T0001"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
DEFAULT_ZONE = "America/Chicago"
# Port 9 (discard) on loopback: refused at once, so a forgotten response_url never leaves the host.
NOWHERE = "http://127.0.0.1:9/response/unset"

_ts_counter = itertools.count(1)
_ts_lock = threading.Lock()
_ts_last = [0]


def new_ts() -> str:
    """A unique, increasing Slack-style message ts ("1764500000.000100"), shared by fake and
    builders so a ts never repeats within a test run. Like Slack's, it is the wall-clock
    instant of the post (conversations.history's `oldest` compares against it)."""
    next(_ts_counter)
    with _ts_lock:
        micros = _ts_last[0] = max(time.time_ns() // 1000, _ts_last[0] + 1)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


# ---------------------------------------------------------------------------------------------
# The fake Slack server


@dataclass
class Call:
    """One request the app made to the fake."""

    method: str  # "chat.postMessage", or "response_url:NAME"
    params: dict[str, Any]  # query string + form or JSON body, merged
    headers: Message  # case-insensitive: call.headers["authorization"]
    body: str
    at: float  # time.monotonic() on arrival, before any slow() delay
    status: int = 200  # what the fake answered (a fault's status if one was served)

    @property
    def token(self) -> str | None:
        """The token the call was made with (Bearer header, else a `token` param)."""
        bearer = self.headers.get("authorization") or ""
        if bearer.startswith("Bearer "):
            return bearer.removeprefix("Bearer ")
        value = self.params.get("token")
        return str(value) if value else None

    def json_param(self, name: str) -> Any:
        """A param that may be a JSON string (form-encoded `blocks`) or already parsed (JSON)."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str
    times: int


@dataclass
class _State:
    """Everything the handler threads share; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[_Fault]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    faults_served: Counter = field(default_factory=Counter)
    drops: dict[str, list[bool]] = field(default_factory=dict)  # method -> posted?, in order
    history: dict[str, list[dict]] = field(default_factory=dict)  # channel id -> messages
    codes: dict[str, Workspace] = field(default_factory=dict)  # OAuth code -> its workspace
    tokens: dict[str, Workspace] = field(default_factory=dict)  # bot token issued -> workspace
    revoked: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Workspace:
    """A workspace the fake can install the app in (several per fake: OAuth tests)."""

    team_id: str
    name: str = "Fake"
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID

    def answer(self, token: str, client_id: str, scopes: str) -> dict[str, Any]:
        """oauth.v2.access's answer for this workspace (bot token, no user token)."""
        enterprise = {"id": self.enterprise_id, "name": "Fake Org"} if self.enterprise_id else None
        team = None if self.is_enterprise_install else {"id": self.team_id, "name": self.name}
        return {"ok": True, "access_token": token, "token_type": "bot", "scope": scopes,
                "bot_user_id": self.bot_user_id, "app_id": APP_ID, "team": team,
                "enterprise": enterprise, "is_enterprise_install": self.is_enterprise_install,
                "authed_user": {"id": "UINSTALLER"}, "client_id": client_id}  # fmt: skip


class FakeSlack:
    """A threaded HTTP server on 127.0.0.1 that answers like Slack's Web API and response_urls.

    Threaded so that `slow()` on one method leaves the others answering, as real Slack would.

        with FakeSlack() as fake:
            client = WebClient(token="xoxb-test", base_url=fake.api_url)
            client.chat_postMessage(channel="C1", text="hi")
            assert fake.wait_for("chat.postMessage")[0].params["text"] == "hi"
    """

    def __init__(self) -> None:
        self.user_zones: dict[str, str] = {}  # user id -> IANA zone; others get DEFAULT_ZONE
        self.channel_members: dict[str, list[str]] = {}  # channel id -> member user ids
        self.socket_url: str | None = None  # apps.connections.open's answer (FakeSocketMode)
        # OAuth: the app's credentials oauth.v2.access checks (None: any), and the scopes
        # it grants (the ones the authorize URL asked for are the test's to check)
        self.client_id: str | None = None
        self.client_secret: str | None = None
        self.granted_scopes = "commands,chat:write"
        self._state = _State()
        self._pending_tokens: dict[str, str] = {}  # code -> the token it gives (under the lock)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in slow()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Web API base URL, for WebClient(base_url=...). Ends in "/" as slack_sdk expects."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url to hand the app; its POSTs are recorded as "response_url:NAME"."""
        return f"{self.base_url}/response/{name}"

    # -- recording -------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every request so far, in arrival order."""
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Poll until `count` calls to `method` arrived; bolt listeners run after the ack."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"wanted {count} x {method} within {timeout}s, got {len(found)}; "
                    f"calls seen: {self.methods()}"
                )
            time.sleep(0.01)

    def reset(self) -> None:
        """Forget calls, faults and delays (configured users and channels stay)."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.faults.clear()
            self._state.delays.clear()
            self._state.faults_served.clear()
            self._state.drops.clear()

    # -- workspaces and tokens (OAuth) -------------------------------------------------------------

    def install_code(self, workspace: Workspace) -> tuple[str, str]:
        """A one-use OAuth code that oauth.v2.access exchanges for a new bot token of
        `workspace`; returns (code, the token it will give)."""
        n = next(_ts_counter)
        code, token = f"code-{workspace.team_id}-{n}", f"xoxb-{workspace.team_id}-{n}"
        with self._state.lock:
            self._state.codes[code] = workspace
            self._pending_tokens[code] = token
        return code, token

    def revoke(self, token: str) -> None:
        """Slack forgets the token: every call with it is `invalid_auth` from now on."""
        with self._state.lock:
            self._state.revoked.add(token)

    def workspace_of(self, token: str | None) -> Workspace | None:
        """The workspace a live issued token belongs to (None: unknown or revoked)."""
        with self._state.lock:
            if token in self._state.revoked:
                return None
            return self._state.tokens.get(token or "")

    def calls_with(self, token: str) -> list[Call]:
        """Every call made with `token`."""
        return [c for c in self.calls if c.token == token]

    def _refused_token(self, call: Call) -> str | None:
        """The error a call's token gets: revoked -> invalid_auth; once the fake has issued
        tokens (OAuth tests), any token it did not issue -> invalid_auth too. Single-token
        tests, where it issued none, may use any token."""
        if call.method == "oauth.v2.access":
            return None
        token = call.token
        with self._state.lock:
            if token in self._state.revoked:
                return "invalid_auth"
            if self._state.tokens and token not in self._state.tokens:
                return "invalid_auth" if token else "not_authed"
        return None

    def _oauth_access(self, call: Call) -> dict[str, Any]:
        """oauth.v2.access: the code (once) for its token; the client's id and secret
        (HTTP Basic, or form fields) checked when the test set them."""
        p = call.params
        client_id, secret = p.get("client_id"), p.get("client_secret")
        basic = call.headers.get("authorization") or ""
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic.removeprefix("Basic ")).decode()
            client_id, _, secret = pair.partition(":")
        if self.client_id is not None and client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if self.client_secret is not None and secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        code = str(p.get("code") or "")
        with self._state.lock:
            workspace = self._state.codes.pop(code, None)
            token = self._pending_tokens.pop(code, None)
            if workspace is None or token is None:
                return {"ok": False, "error": "invalid_code"}
            self._state.tokens[token] = workspace
        return workspace.answer(token, str(client_id), self.granted_scopes)

    def _auth_test(self, call: Call) -> dict[str, Any]:
        """auth.test: the token's own workspace and bot (the default one for a token the
        fake did not issue, in single-token tests)."""
        w = self.workspace_of(call.token) or Workspace(TEAM_ID)
        return {"ok": True, "url": "https://fake.slack.com/", "team": w.name, "user": "clecbot",
                "team_id": w.team_id, "user_id": w.bot_user_id, "bot_id": w.bot_id,
                "enterprise_id": w.enterprise_id,
                "is_enterprise_install": w.is_enterprise_install}  # fmt: skip

    # -- faults ----------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls to `method` with a failure.

        429 sends Retry-After (slack_sdk's RateLimitErrorRetryHandler sleeps
        retry_after + random() seconds, so tests use retry_after=0). status=200 with
        `error` is Slack's usual API error, e.g. fail_next("chat.postMessage", 200,
        error="not_in_channel"). Faults queue up in the order they were set.
        """
        default = {429: "ratelimited", 200: "fatal_error"}.get(status, "internal_error")
        fault = _Fault(status, retry_after if status == 429 else None, error or default, times)
        with self._state.lock:
            self._state.faults.setdefault(method, []).append(fault)

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` by `seconds` (0 to undo). Others stay fast.
        "response_url:*" delays every response_url."""
        with self._state.lock:
            self._state.delays[method] = seconds

    def drop_next(self, method: str, posted: bool = True) -> None:
        """Close the connection of the next call to `method` without an answer: after
        doing the call (`posted`: it is in the history, as when Slack posted it and the
        answer was lost), or without doing it (the connection dropped before Slack acted)."""
        with self._state.lock:
            self._state.drops.setdefault(method, []).append(posted)

    def _take_drop(self, method: str) -> bool | None:
        with self._state.lock:
            queue = self._state.drops.get(method)
            return queue.pop(0) if queue else None

    def faults_served(self, method: str) -> int:
        with self._state.lock:
            return self._state.faults_served[method]

    # -- used by the handler threads -------------------------------------------------------------

    def _record(self, call: Call) -> tuple[_Fault | None, float]:
        """Record a call; take the fault (if any) it should get, and its delay."""
        with self._state.lock:
            self._state.calls.append(call)
            queue = self._state.faults.get(call.method)
            fault = queue[0] if queue else None
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
                self._state.faults_served[call.method] += 1
                call.status = fault.status
            delays = self._state.delays
            family = call.method.split(":", 1)[0] + ":*"  # "response_url:*" covers every name
            return fault, delays.get(call.method, delays.get(family, 0.0))

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """Slack's success reply for a Web API method."""
        if method == "apps.connections.open":  # Socket Mode: where to open the WebSocket
            if not self.socket_url:
                return {"ok": False, "error": "socket_mode_not_started"}
            return {"ok": True, "url": self.socket_url}
        if method == "users.info":
            return {"ok": True, "user": self._user(str(p.get("user", "")))}
        if method == "conversations.open":
            users = p.get("users", "")
            users = ",".join(users) if isinstance(users, list) else str(users)
            return {"ok": True, "channel": {"id": "D" + users.replace(",", "")}}
        if method == "conversations.members":
            members = self.channel_members.get(str(p.get("channel", "")), [])
            return {"ok": True, "members": list(members), "response_metadata": {"next_cursor": ""}}
        if method == "chat.postMessage":
            ts = new_ts()
            message = {"type": "message", "text": p.get("text", ""), "ts": ts, "bot_id": BOT_ID}
            channel = str(p.get("channel", ""))
            if channel[:1] in ("U", "W"):  # posted to a user: Slack answers with the DM's id
                channel = "D" + channel
            metadata = p.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            stored = {**message, "metadata": metadata} if metadata else message
            if not p.get("thread_ts"):  # replies live in their thread, not the history
                with self._state.lock:
                    self._state.history.setdefault(channel, []).append(stored)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "conversations.history":
            return self._history(p)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": new_ts()}
        if method == "chat.update":
            return {
                "ok": True,
                "channel": p.get("channel"),
                "ts": p.get("ts"),
                "text": p.get("text"),
            }
        if method == "files.getUploadURLExternal":  # files_upload_v2, step 1
            file_id = f"F{next(_ts_counter):08d}"
            return {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"{self.base_url}/upload/{file_id}",
            }
        if method == "files.completeUploadExternal":  # step 3 (step 2 is the POST to /upload/)
            files = p.get("files")
            files = json.loads(files) if isinstance(files, str) else (files or [])
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        if method == "views.publish":
            view = p.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {"ok": True, "view": {**view, "id": "V0001"}}
        return {"ok": True}

    def history(self, channel: str) -> list[dict]:
        """The messages posted to `channel` (a DM by its D... id), oldest first."""
        with self._state.lock:
            return [dict(m) for m in self._state.history.get(channel, [])]

    def _history(self, p: dict[str, Any]) -> dict[str, Any]:
        """conversations.history as Slack answers it: newest first, only ts > `oldest`
        (>= with `inclusive`), `limit` a page (default 100) with a cursor; a message's
        `metadata` only with `include_all_metadata`; a DM only by its D... id."""
        channel = str(p.get("channel", ""))
        with self._state.lock:
            if channel not in self._state.history:
                return {"ok": False, "error": "channel_not_found"}
            messages = list(reversed(self._state.history[channel]))
        oldest = float(p.get("oldest") or 0)
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        oldest_ts = str(p.get("oldest") or "")
        messages = [
            m for m in messages if float(m["ts"]) > oldest or (inclusive and m["ts"] == oldest_ts)
        ]
        if str(p.get("include_all_metadata", "")).lower() not in ("1", "true"):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        start = int(p.get("cursor") or 0)
        limit = min(int(p.get("limit") or 100), 999)
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        cursor = str(start + limit) if more else ""
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": cursor}}  # fmt: skip

    def _user(self, user_id: str) -> dict[str, Any]:
        zone = self.user_zones.get(user_id, DEFAULT_ZONE)
        now = datetime.now(ZoneInfo(zone))
        offset = now.utcoffset()
        name = user_id.lower()
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "tz": zone,
            "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_bot": False,
            "profile": {"real_name": f"User {user_id}", "display_name": name},
        }


class _Handler(BaseHTTPRequestHandler):
    """One request: parse, record, maybe fault or sleep, then answer as Slack does."""

    fake: FakeSlack  # set on the per-server subclass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        if "json" in (self.headers.get_content_type() or "") and body:
            parsed = json.loads(body)
            params.update(parsed if isinstance(parsed, dict) else {"_json": parsed})
        elif body:
            params.update(parse_qsl(body, keep_blank_values=True))

        if url.path.startswith("/api/"):
            method = url.path.removeprefix("/api/")
        elif url.path.startswith("/response/"):
            method = "response_url:" + url.path.removeprefix("/response/")
        elif url.path.startswith("/upload/"):  # files_upload_v2 step 2: the file's bytes
            method = "upload:" + url.path.removeprefix("/upload/")
            params = {}
        else:
            self._send(404, "text/plain", "not found")
            return

        call = Call(method, params, self.headers, body, time.monotonic())
        fault, delay = self.fake._record(call)
        if delay:
            self.fake._stopping.wait(delay)
        if (drop := self.fake._take_drop(method)) is not None:
            if drop:
                self.fake._answer(method, params)
            self.close_connection = True  # no answer at all: the client reads a closed socket
            return
        if fault is not None:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            payload = json.dumps({"ok": False, "error": fault.error})
            self._send(fault.status, "application/json; charset=utf-8", payload, extra)
        elif method.startswith(("response_url:", "upload:")):
            self._send(200, "text/plain", "OK - 0" if method.startswith("upload:") else "ok")
        elif refused := self.fake._refused_token(call):
            payload = json.dumps({"ok": False, "error": refused})
            self._send(200, "application/json; charset=utf-8", payload)
        else:
            if method == "oauth.v2.access":
                answer = self.fake._oauth_access(call)
            elif method == "auth.test":
                answer = self.fake._auth_test(call)
            else:
                answer = self.fake._answer(method, params)
            payload = json.dumps(answer)
            self._send(200, "application/json; charset=utf-8", payload)

    def _send(
        self, status: int, content_type: str, text: str, headers: dict[str, str] | None = None
    ) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)  # fails only if the client gave up (its timeout) first


# ---------------------------------------------------------------------------------------------
# Driving the app the way Slack does


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": "v0=" + digest}


def slash_command(
    text: str,
    user: str = "U1",
    channel: str = "C1",
    command: str = "/clec",
    response_url: str = NOWHERE,
    trigger_id: str = "1001.2002.trigger",
    team: str = TEAM_ID,
) -> str:
    """A slash command body, form-encoded as Slack sends it (from workspace `team`)."""
    return urlencode(
        {
            "token": "fake-verification-token",
            "team_id": team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_callback(
    event: dict[str, Any],
    event_id: str = "Ev0001",
    retry_num: int | None = None,
    team: str = TEAM_ID,
    enterprise: str | None = None,
    is_enterprise_install: bool = False,
) -> tuple[str, dict[str, str]]:
    """An Events API envelope around `event` (for workspace `team`, of org `enterprise`),
    and the retry headers Slack adds on redelivery."""
    body = json.dumps(
        {
            "token": "fake-verification-token",
            "team_id": team,
            "enterprise_id": enterprise,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": enterprise,
                    "team_id": None if is_enterprise_install else team,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": is_enterprise_install,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )
    headers: dict[str, str] = {}
    if retry_num is not None:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return body, headers


def dm_message(text: str, user: str = "U1", channel: str = "D1", ts: str | None = None) -> dict:
    """A `message` event in a DM with the bot."""
    ts = ts or new_ts()
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
    }


def app_mention(
    text: str,
    user: str = "U1",
    channel: str = "C1",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict:
    """An `app_mention` event; the text starts with the bot's mention, as Slack sends it."""
    ts = ts or new_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened(user: str = "U1") -> dict:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user,
        "tab": "home",
        "event_ts": new_ts(),
    }


def app_uninstalled() -> dict:
    """Slack's `app_uninstalled` event (the envelope names the workspace)."""
    return {"type": "app_uninstalled", "event_ts": new_ts()}


def tokens_revoked(bot: list[str] | None = None, oauth: list[str] | None = None) -> dict:
    """Slack's `tokens_revoked` event: the bot users and the users whose tokens went."""
    return {"type": "tokens_revoked", "event_ts": new_ts(),
            "tokens": {"bot": list(bot or []), "oauth": list(oauth or [])}}  # fmt: skip


def bot_message(text: str, bot_id: str = "BOTHER", channel: str = "C1") -> dict:
    """A message from another bot. With bot_id=BOT_ID bolt drops it as the app's own message
    (IgnoringSelfEvents) before any listener sees it."""
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "text": text,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }


def block_actions(
    action_id: str,
    value: str,
    user: str = "U1",
    channel: str = "C1",
    message_ts: str = "1700000000.000001",
    response_url: str = NOWHERE,
    blocks: list[dict] | None = None,
    block_id: str = "b1",
    team: str = TEAM_ID,
) -> str:
    """A button click, form-encoded as payload=<json> as Slack sends interactivity."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": APP_ID,
        "token": "fake-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1001.2002.trigger",
        "team": {"id": team, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "message": {
            "type": "message",
            "ts": message_ts,
            "text": "",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "blocks": blocks or [],
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "text": {"type": "plain_text", "text": value},
                "action_ts": str(time.time()),
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def post(
    url: str,
    body: str,
    secret: str,
    content_type: str | None = None,
    extra_headers: dict[str, str] | None = None,
    timestamp: int | None = None,
    tamper: bool = False,
    timeout: float = 10.0,
) -> tuple[int, str, float]:
    """Sign and POST `body` like Slack; return (status, response text, elapsed seconds).

    content_type defaults from the body (JSON if it starts with "{", else form).
    tamper=True alters the body after signing; timestamp=now-600 sends a stale one.
    Proxies are bypassed: this only ever talks to the local app.
    """
    headers = sign(body, secret, timestamp)
    if tamper:
        body = '{"tampered": 1, ' + body[1:] if body.startswith("{") else body + "&tampered=1"
    headers["Content-Type"] = content_type or (JSON if body.startswith("{") else FORM)
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, body.encode(), headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    return status, text, time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# Socket Mode: Slack's WebSocket side


class FakeSocketMode:
    """Slack's Socket Mode server on 127.0.0.1: says hello on each connection, sends
    envelopes, records the app's acks, and can end a connection the three ways Slack's
    do: a `disconnect` asking for a refresh, a close frame, or silence (no close frame,
    pings unanswered, as when a network path dies).

        sm = FakeSocketMode().start(); fake_slack.socket_url = sm.url
    """

    def __init__(self) -> None:
        self.connections: list[Any] = []  # every WebSocket opened, in order
        self.acks: list[dict] = []
        self._unacked: dict[str, tuple[dict, Any]] = {}  # envelope id -> (envelope, socket)
        self._silent: set[int] = set()  # ids of connections that no longer answer
        self._loop = None
        self._runner = None
        self._port = 0

    def start(self) -> FakeSocketMode:
        import asyncio

        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(5)
        return self

    async def _serve(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]

    async def _socket(self, request):
        from aiohttp import WSMsgType, web

        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self.connections.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self.connections)})
        async for message in ws:
            if id(ws) in self._silent:
                continue  # a dead path: nothing gets through either way
            if message.type == WSMsgType.PING:
                await ws.pong(message.data)
            elif message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return ws

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/link"

    def _run(self, coro) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    def wait_connections(self, count: int, timeout: float = 10.0) -> float:
        """Wait until `count` connections were opened; the seconds it took."""
        started = time.monotonic()
        while len(self.connections) < count:
            if time.monotonic() - started > timeout:
                raise AssertionError(f"wanted {count} connections, got {len(self.connections)}")
            time.sleep(0.02)
        return time.monotonic() - started

    def send(self, envelope_type: str, payload: dict) -> str:
        """An envelope on the newest connection; its envelope_id."""
        envelope_id = f"env-{len(self.acks)}-{time.monotonic_ns()}"
        envelope = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                    "accepts_response_payload": envelope_type == "slash_commands"}  # fmt: skip
        ws = self.connections[-1]
        self._run(ws.send_json(envelope))
        self._unacked[envelope_id] = (envelope, ws)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> float:
        """Seconds until the app acked the envelope. As Slack does, an envelope still unacked
        when a newer connection exists is sent again on that one."""
        started = time.monotonic()
        while not any(a.get("envelope_id") == envelope_id for a in self.acks):
            if time.monotonic() - started > timeout:
                raise AssertionError(f"no ack for {envelope_id}; acks: {self.acks}")
            envelope, ws = self._unacked[envelope_id]
            if ws is not self.connections[-1]:
                ws = self.connections[-1]
                self._run(ws.send_json(envelope))
                self._unacked[envelope_id] = (envelope, ws)
            time.sleep(0.005)
        return time.monotonic() - started

    def refresh(self) -> None:
        """Slack's routine refresh: a disconnect message; the old connection is closed once
        the app has opened a new one (Slack allows ~10 s), and envelopes go to the new one."""
        ws, count = self.connections[-1], len(self.connections)
        disconnect = {"type": "disconnect", "reason": "refresh_requested"}
        self._run(ws.send_json(disconnect))
        with contextlib.suppress(AssertionError):
            self.wait_connections(count + 1, timeout=10)
        self._run(ws.close())

    def close(self) -> None:
        self._run(self.connections[-1].close())

    def go_silent(self) -> None:
        """The newest connection stays open but nothing answers: no pongs, no close frame."""
        self._silent.add(id(self.connections[-1]))

    def stop(self) -> None:
        if self._loop is not None:
            self._run(self._runner.cleanup())
            self._loop.call_soon_threadsafe(self._loop.stop)
