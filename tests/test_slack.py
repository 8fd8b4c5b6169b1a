"""clecbot in Slack, end to end: the app served over HTTP on a local port, its Web API
pointed at a local fake Slack, driven by signed raw payloads as Slack sends them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import pytz

from bot.handlers import ids
from bot.handlers.app import Limits, build_app, http_server, serve_in_thread
from bot.handlers.context import Deps
from bot.handlers.notifier import SlackNotifier
from bot.handlers.settings import Settings
from bot.knowledge.loader import load
from bot.scheduler import Scheduler
from storage import trackers as repo
from storage.db import connect
from storage.trackers import NewStep
from tests.fake_slack import (
    FakeSlack,
    app_home_opened,
    app_mention,
    block_actions,
    bot_message,
    dm_message,
    event_callback,
    post,
    slash_command,
)

SECRET = "test-signing-secret"


class Bot:
    """The served app, its fake Slack, and helpers that speak Slack's wire format."""

    def __init__(self, tmp_path, monkeypatch, limits: Limits | None = None, database: str = ""):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        self.fake = FakeSlack().start()
        self.db_path = database or str(tmp_path / "slack.db")  # (a file, or a PostgreSQL URL)
        settings = Settings(
            "xoxb-test", SECRET, None, self.fake.api_url, 0, self.db_path, "America/Chicago", 0.05
        )
        self.deps = Deps(load(), self.db_path, "America/Chicago")
        self.app = build_app(settings, self.deps)
        self.server = http_server(
            self.app, "127.0.0.1", 0, signing_secret=SECRET, limits=limits or Limits()
        )
        self.port = self.server.port
        serve_in_thread(self.server)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        self.db = connect(self.db_path)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        # the work after the ack ends before its fake Slack does
        self.app.listener_runner.listener_executor.shutdown(wait=True, cancel_futures=True)
        self.fake.stop()

    def command(self, text, user="U1", channel="C1", name="r"):
        body = slash_command(
            text, user=user, channel=channel, response_url=self.fake.response_url(name)
        )
        return post(self.url, body, SECRET)

    def event(self, event, event_id="Ev1", retry_num=None):
        body, headers = event_callback(event, event_id=event_id, retry_num=retry_num)
        return post(self.url, body, SECRET, extra_headers=headers)

    def click(self, action_id, value, user="U1", channel="D1", ts="1700000000.000100", name="a"):
        body = block_actions(
            action_id,
            value,
            user=user,
            channel=channel,
            message_ts=ts,
            response_url=self.fake.response_url(name),
        )
        return post(self.url, body, SECRET)

    def answer(self, name="r") -> dict:
        return self.fake.wait_for(f"response_url:{name}")[-1].params

    def nudge_now(self, owner="U1", channel=None, thread=None) -> int:
        """A tracker with a level due now, delivered by the scheduler through Slack."""
        now = datetime.now(pytz.utc)
        steps = [
            NewStep(
                1,
                "escalate",
                now - timedelta(seconds=1),
                "First Level: Tier 1 agents",
                [{"role": "Tier 1 agents", "phone": "(877) 288-8362", "prompt": "Prompt 1"}],
                ["AOTS ticket number(s)"],
            ),
            NewStep(2, "escalate", now + timedelta(hours=1), "Second Level: Team Manager"),
        ]
        tracker_id = repo.create(
            self.db,
            owner=owner,
            kind="bvoip",
            title="BVoIP trouble sev 1",
            zone="America/Chicago",
            started_at=now,
            steps=steps,
            now=now,
            channel=channel,
            thread=thread,
            severity=1,
        )
        Scheduler(self.deps.k, SlackNotifier(self.app.client), self.db_path, tick=1).tick()
        return tracker_id


@pytest.fixture
def bot(tmp_path, monkeypatch):
    b = Bot(tmp_path, monkeypatch)
    yield b
    b.close()


def texts(call) -> str:
    return json.dumps(call.params)


def test_slash_question_is_ephemeral_with_a_share_button(bot):
    status, _, _ = bot.command("who handles our ftp file transfer problems")
    assert status == 200
    answer = bot.answer()
    assert answer["response_type"] == "ephemeral"
    assert "IS Call Center" in json.dumps(answer["blocks"])
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ids.ACTION_SHARE]


def test_work_happens_after_the_ack(bot):
    bot.fake.slow("users.info", 1.0)  # a slow Slack
    status, _, _ = bot.command("is the npsc open")
    acked = bot.fake.calls_to("users.info")  # the ack came back while users.info was pending
    assert status == 200
    assert bot.answer()["response_type"] == "ephemeral"
    assert len(acked) <= 1


def test_share_in_channel_posts_the_same_answer(bot):
    bot.command("lnpc phone")
    share = [e for b in bot.answer()["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
    bot.click(ids.ACTION_SHARE, share["value"], channel="C1", name="s")
    shared = bot.answer("s")
    assert shared["response_type"] == "in_channel" and "866-791-0240" in json.dumps(shared)


def test_slash_track_remembers_its_channel_and_list_shows_it(bot):
    bot.command("track bvoip sev 1 site down since 8am central AOTS 1234567", channel="C7")
    assert "Tracking #1" in json.dumps(bot.answer())
    assert repo.get(bot.db, 1).channel == "C7"
    bot.command("list", name="l")
    assert "Your open trackers (1)" in json.dumps(bot.answer("l"))


def test_payload_in_a_command_is_still_a_command(bot):
    bot.command("lnpc phone for the payload")  # bolt alone would read it as an empty payload
    answer = bot.answer()
    assert answer["response_type"] == "ephemeral" and "866-791-0240" in json.dumps(answer)


def test_direct_message_is_answered_in_the_dm(bot):
    bot.event(dm_message("is the npsc open rn"))
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "D1" and "NPSC" in texts(call)


def test_mention_is_answered_in_the_thread(bot):
    bot.event(app_mention("<@UBOT> who handles collocation", ts="1700000001.000001"))
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "1700000001.000001" and "CSC" in texts(call)


def test_an_event_delivered_four_times_acts_once(bot):
    for retry in (None, 1, 2, 3):
        assert bot.event(dm_message("lsc hours"), event_id="EvSame", retry_num=retry)[0] == 200
    bot.fake.wait_for("chat.postMessage")
    bot.event(dm_message("npsc hours"), event_id="EvOther")  # a later event still gets through
    assert len(bot.fake.wait_for("chat.postMessage", count=2)) == 2


def test_bots_are_ignored(bot):
    bot.event(bot_message("is the npsc open"), event_id="EvBot")
    bot.event(dm_message("npsc hours"), event_id="EvHuman")
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "NPSC" in texts(call) and len(bot.fake.calls_to("chat.postMessage")) == 1


FORGED = [
    ("tampered body", {"tamper": True}),
    ("stale timestamp", {"timestamp": int(datetime.now().timestamp()) - 600}),
]


@pytest.mark.parametrize("name,how", FORGED, ids=[f[0] for f in FORGED])
def test_forged_or_stale_requests_get_401_and_run_nothing(bot, name, how):
    body = slash_command(
        "track bvoip sev 1 site down AOTS 99", response_url=bot.fake.response_url("r")
    )
    status, _, _ = post(bot.url, body, SECRET, **how)
    assert status == 401
    assert repo.get(bot.db, 1) is None
    assert not [c for c in bot.fake.calls if c.method != "auth.test"]


def test_mention_injection_is_escaped(bot):
    bot.event(dm_message("remind me in 2 hours to ping <!channel> and <!here> and <@U999>"))
    (call,) = bot.fake.wait_for("chat.postMessage")
    posted = json.dumps(call.params)
    assert "&lt;!channel&gt;" in posted and "&lt;!here&gt;" in posted
    assert "<!channel>" not in posted and "<!here>" not in posted and "<@U999>" not in posted


def test_nudge_dm_with_buttons_then_escalated_and_resolved(bot):
    tracker_id = bot.nudge_now()
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U1"  # posted to the user: one call, no conversations.open
    assert not bot.fake.calls_to("conversations.open")
    actions = [b for b in dm.json_param("blocks") if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"] for a in actions] == [
        ids.ACTION_ESCALATED,
        ids.ACTION_RESOLVED,
        f"{ids.ACTION_SNOOZE}_30m",
        f"{ids.ACTION_SNOOZE}_1h",
        f"{ids.ACTION_SNOOZE}_2h",
    ]  # no "Take it": a tracker made in a DM is on no desk
    assert "level 1 (Tier 1 agents) is due" in texts(dm) and "(877) 288-8362" in texts(dm)
    bot.click(ids.ACTION_ESCALATED, actions[0]["value"], channel="DU1")
    (update,) = bot.fake.wait_for("chat.update")
    assert "by <@U1>" in texts(update) and repo.get(bot.db, tracker_id).level == 1
    bot.click(ids.ACTION_RESOLVED, actions[1]["value"], channel="DU1")
    bot.fake.wait_for("chat.update", count=2)
    assert repo.get(bot.db, tracker_id).state == "resolved"
    assert len(bot.fake.calls_to("chat.postMessage")) == 1  # exactly one DM


def test_snooze_button(bot):
    tracker_id = bot.nudge_now()
    bot.fake.wait_for("chat.postMessage")
    bot.click(f"{ids.ACTION_SNOOZE}_1h", f"{tracker_id}:1:1h", channel="DU1")
    (update,) = bot.fake.wait_for("chat.update")
    assert "Snoozed until" in texts(update)
    assert repo.get(bot.db, tracker_id).snoozed_until is not None


def test_stale_button_on_a_resolved_tracker_says_so(bot):
    tracker_id = bot.nudge_now()
    repo.resolve(bot.db, tracker_id, "U1", datetime.now(pytz.utc))
    bot.click(ids.ACTION_ESCALATED, f"{tracker_id}:1", channel="DU1", name="stale")
    said = bot.answer("stale")
    assert "resolved" in said["text"] and said["response_type"] == "ephemeral"
    assert not bot.fake.calls_to("chat.update")


def test_a_stranger_clicking_someone_elses_button_changes_nothing(bot):
    tracker_id = bot.nudge_now(owner="U1", channel="C1")
    bot.click(ids.ACTION_RESOLVED, f"{tracker_id}:1", user="U2", channel="DU1", name="no")
    assert "Nothing changed" in bot.answer("no")["text"]
    assert repo.get(bot.db, tracker_id).state == "open"
    assert not bot.fake.calls_to("chat.update")


def test_a_channel_member_may_act_on_a_channel_tracker(bot):
    tracker_id = bot.nudge_now(owner="U1", channel="C1")
    bot.click(ids.ACTION_RESOLVED, f"{tracker_id}:1", user="U2", channel="C1")
    bot.fake.wait_for("chat.update")
    assert repo.get(bot.db, tracker_id).state == "resolved"


def test_nudge_also_goes_to_the_thread_it_was_made_in(bot):
    bot.nudge_now(channel="C1", thread="1700000002.000002")
    posts = bot.fake.wait_for("chat.postMessage", count=2)
    assert {p.params["channel"] for p in posts} == {"U1", "C1"}


def test_app_home_lists_open_trackers_in_the_users_zone(bot):
    bot.fake.user_zones["U1"] = "America/Los_Angeles"
    bot.nudge_now()
    bot.event(app_home_opened("U1"), event_id="EvHome")
    (call,) = bot.fake.wait_for("views.publish")
    view = json.dumps(call.params)
    assert "BVoIP trouble sev 1" in view and "level 2 due" in view and "PST" in view


def test_times_are_in_the_users_own_zone(bot):
    bot.fake.user_zones["U3"] = "America/New_York"
    bot.event(dm_message("when does the npsc close", user="U3", channel="D3"), event_id="EvZ")
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "EST" in texts(call) and "center time" in texts(call)


def test_rate_limited_reply_is_retried(bot):
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=0)
    bot.event(dm_message("lnpc hours"), event_id="Ev429")
    calls = bot.fake.wait_for("chat.postMessage", count=2)
    assert [c.status for c in calls] == [429, 200]


def test_a_nudge_that_cannot_be_delivered_stays_due(bot):
    bot.fake.fail_next("chat.postMessage", status=500, times=3)  # the DM and its 2 retries
    tracker_id = bot.nudge_now()
    assert [s.state for s in repo.get(bot.db, tracker_id).steps][0] == "pending"
    Scheduler(bot.deps.k, SlackNotifier(bot.app.client), bot.db_path, tick=1).tick()
    bot.fake.wait_for("chat.postMessage")
    assert [s.state for s in repo.get(bot.db, tracker_id).steps][0] == "sent"
