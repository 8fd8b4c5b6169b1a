"""The fake Slack itself, exercised with a real slack_sdk WebClient and a real bolt App."""

from __future__ import annotations

import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests import fake_slack as fs

SECRET = "test-signing-secret"


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_auth_test_answers_and_is_recorded(fake, client):
    reply = client.auth_test()
    assert reply["user_id"] == "UBOT" and reply["bot_id"] == "BBOT" and reply["team_id"] == "T0001"
    (call,) = fake.calls_to("auth.test")
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.status == 200


def test_users_info_zone_and_messages(fake, client):
    fake.user_zones["U2"] = "America/Los_Angeles"
    assert client.users_info(user="U2")["user"]["tz"] == "America/Los_Angeles"
    user = client.users_info(user="U9")["user"]
    assert user["tz"] == "America/Chicago" and user["tz_offset"] in (-6 * 3600, -5 * 3600)

    fake.channel_members["C1"] = ["U1", "U2"]
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U2"]
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    first = client.chat_postMessage(channel="C1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="again")
    assert float(first["ts"]) < float(second["ts"])
    assert fake.wait_for("chat.postMessage", count=2)[0].json_param("blocks") == blocks
    updated = client.chat_update(channel="C1", ts=first["ts"], text="edited")
    assert updated["ts"] == first["ts"]


def test_rate_limit_is_retried_by_the_sdk_handler(fake, client):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    # The handler sleeps Retry-After + random() seconds: 0 keeps the test under a second.
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert fake.faults_served("chat.postMessage") == 1


def test_faults_without_retry_raise(fake):
    client = WebClient(token="xoxb-test", base_url=fake.api_url)  # default handlers: no 429 retry
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    fake.fail_next("chat.postMessage", status=500, times=2)
    fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    seen = []
    for _ in range(4):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C1", text="hi")
        seen.append((err.value.response.status_code, err.value.response["error"]))
    assert seen == [
        (429, "ratelimited"),
        (500, "internal_error"),
        (500, "internal_error"),
        (200, "not_in_channel"),
    ]
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert fake.faults_served("chat.postMessage") == 4


def test_slow_method_does_not_block_others(fake, client):
    fake.slow("chat.postMessage", 0.5)
    slow_call = threading.Thread(
        target=client.chat_postMessage, kwargs={"channel": "C1", "text": "x"}
    )
    slow_call.start()
    fake.wait_for("chat.postMessage")
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3
    assert slow_call.is_alive()
    slow_call.join(timeout=3)


def test_sign_and_post_to_a_response_url(fake):
    verifier = SignatureVerifier(SECRET)
    body = '{"text": "hello", "response_type": "ephemeral"}'
    assert verifier.is_valid_request(body, fs.sign(body, SECRET))
    assert not verifier.is_valid_request(body, fs.sign(body, SECRET, int(time.time()) - 600))

    status, text, elapsed = fs.post(fake.response_url("cmd"), body, SECRET)
    assert (status, text) == (200, "ok") and elapsed < 1
    (call,) = fake.wait_for("response_url:cmd")
    assert call.params["text"] == "hello"
    assert verifier.is_valid_request(call.body, call.headers)

    fs.post(fake.response_url("bad"), body, SECRET, tamper=True)
    (call,) = fake.wait_for("response_url:bad")
    assert not verifier.is_valid_request(call.body, call.headers)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def test_builders_drive_a_real_bolt_app(fake):
    """The payload builders are what bolt accepts: a command, a mention and a button click."""
    app = App(client=WebClient(token="xoxb-test", base_url=fake.api_url), signing_secret=SECRET)
    assert fake.methods() == ["auth.test"]  # App() checks the token eagerly

    @app.command("/clec")
    def command(ack, respond, command):
        ack()
        respond(f"you said {command['text']}")

    @app.event("app_mention")
    def mention(event, say):
        say(f"heard {event['text']}")

    @app.action("pick")
    def pick(ack, body, client):
        ack()
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="done")

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    try:
        body = fs.slash_command("hours", response_url=fake.response_url("c1"))
        assert fs.post(url, body, SECRET)[:2] == (200, "")
        (reply,) = fake.wait_for("response_url:c1")
        assert reply.params["text"] == "you said hours"

        body, headers = fs.event_callback(fs.app_mention("hi"))
        assert fs.post(url, body, SECRET, extra_headers=headers)[0] == 200
        assert fake.wait_for("chat.postMessage")[0].params["text"] == "heard <@UBOT> hi"

        assert fs.post(url, fs.block_actions("pick", "x"), SECRET)[0] == 200
        assert fake.wait_for("chat.update")[0].params["text"] == "done"

        assert fs.post(url, fs.slash_command("hours"), SECRET, tamper=True)[0] == 401
        stale = int(time.time()) - 600
        assert fs.post(url, fs.slash_command("hours"), SECRET, timestamp=stale)[0] == 401
    finally:
        server.shutdown()
        server.server_close()
