"""Socket Mode against a local fake of Slack's WebSocket side: commands are acked and
answered, and the app is back within seconds of a refresh, a close frame or a silent drop."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qsl

import pytest

from bot.handlers.app import build_app, serve_socket_mode
from bot.handlers.context import Deps
from bot.handlers.settings import Settings
from bot.knowledge.loader import load
from tests.fake_slack import FakeSlack, FakeSocketMode, slash_command

PING_S = 0.5  # a silent connection is noticed in a few pings


class SocketBot:
    def __init__(self, tmp_path, monkeypatch):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        self.fake = FakeSlack().start()
        self.socket = FakeSocketMode().start()
        self.fake.socket_url = self.socket.url
        db = str(tmp_path / "socket.db")
        settings = Settings("xoxb-test", "", "xapp-test", self.fake.api_url, 0, db,
                            "America/Chicago", 0.05)  # fmt: skip
        self.app = build_app(settings, Deps(load(), db, "America/Chicago"))
        self.stop = threading.Event()
        args = (self.app, settings, self.stop, PING_S)
        self.thread = threading.Thread(target=serve_socket_mode, args=args, daemon=True)
        self.thread.start()
        self.socket.wait_connections(1)

    def command(self, text: str, name: str) -> float:
        """A /clec over the socket; seconds until its ack. The answer goes to `name`."""
        body = slash_command(text, response_url=self.fake.response_url(name))
        envelope = self.socket.send("slash_commands", dict(parse_qsl(body)))
        return self.socket.wait_ack(envelope)

    def answer(self, name: str) -> str:
        return json.dumps(self.fake.wait_for(f"response_url:{name}")[-1].params)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.socket.stop()
        self.fake.stop()


@pytest.fixture
def sock(tmp_path, monkeypatch):
    b = SocketBot(tmp_path, monkeypatch)
    yield b
    b.close()


def test_a_command_over_the_socket_is_acked_then_answered(sock):
    assert sock.command("lnpc phone", "one") < 1
    assert "866-791-0240" in sock.answer("one")
    assert sock.fake.calls_to("apps.connections.open")[0].headers["authorization"] == (
        "Bearer xapp-test"
    )


@pytest.mark.parametrize("how", ["refresh", "close", "go_silent"])
def test_back_within_seconds_of_a_drop_and_answering_on_the_new_connection(sock, how):
    sock.command("lnpc phone", "before")
    started = time.monotonic()
    getattr(sock.socket, how)()
    sock.socket.wait_connections(2)
    assert time.monotonic() - started < 5  # aim: back within 5 s of any kind of drop
    assert sock.command("npsc hours", "after") < 1
    assert "NPSC" in sock.answer("after")
