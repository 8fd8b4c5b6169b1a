"""The desk in Slack, against the fake Slack: the board, take and assign changing who gets
the next nudge, a note then an export uploaded in three calls, a digest posted now."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import datetime, timedelta

import pytest
import pytz

from bot.handlers import ids
from bot.handlers.notifier import SlackNotifier
from bot.scheduler import Scheduler
from storage import trackers as repo
from storage.trackers import NewStep
from tests.fake_slack import app_home_opened, app_mention
from tests.test_slack import Bot


@pytest.fixture
def bot(tmp_path, monkeypatch):
    b = Bot(tmp_path, monkeypatch)
    b.fake.channel_members["C1"] = ["U1", "U2", "U3"]
    yield b
    b.close()


def made(bot, owner="U1", channel="C1", thread="1700000009.000009", due_in_s=-1) -> int:
    """A BVoIP tracker of channel C1 whose level 1 falls due `due_in_s` from now."""
    now = datetime.now(pytz.utc)
    steps = [
        NewStep(1, "escalate", now + timedelta(seconds=due_in_s), "First Level: Tier 1 agents",
                [{"role": "Tier 1 agents", "phone": "(877) 288-8362"}]),
        NewStep(2, "escalate", now + timedelta(hours=1), "Second Level: Team Manager"),
    ]  # fmt: skip
    return repo.create(bot.db, owner=owner, kind="bvoip", title="BVoIP trouble sev 1 (AOTS 77)",
                       zone="America/Chicago", started_at=now, steps=steps, now=now,
                       channel=channel, thread=thread, severity=1, refs={"aots": "77"})  # fmt: skip


def tick(bot) -> None:
    Scheduler(bot.deps.k, SlackNotifier(bot.app.client), bot.db_path, tick=1).tick()


def texts(call) -> str:
    return json.dumps(call.params)


def test_board_in_a_channel(bot):
    made(bot)
    made(bot, channel="C2")
    bot.command("board", user="U2", name="b")
    answer = bot.answer("b")
    assert answer["response_type"] == "ephemeral"
    shown = texts(bot.fake.wait_for("response_url:b")[-1])
    assert "#1 BVoIP trouble sev 1 (AOTS 77)" in shown and "#2" not in shown
    assert "OVERDUE" in shown and "<@U1>" in shown  # started by U1, a live mention
    share = [b for b in answer["blocks"] if b["type"] == "actions"][0]
    assert json.loads(share["elements"][0]["value"])["desk"] == "board"


def test_take_changes_who_gets_the_next_nudge(bot):
    tracker_id = made(bot, due_in_s=2)
    bot.command(f"take {tracker_id}", user="U2", name="t")
    assert "You have it" in texts(bot.fake.wait_for("response_url:t")[-1])
    bot.fake.reset()
    due = repo.get(bot.db, tracker_id).steps[0].due_at
    time.sleep(max(0.0, (due - datetime.now(pytz.utc)).total_seconds()) + 0.05)
    tick(bot)
    posts = bot.fake.wait_for("chat.postMessage", count=2)
    assert {p.params["channel"] for p in posts} == {"U2", "C1"}  # the assignee, and the thread


def test_assign_dms_the_assignee_once_and_their_nudges_follow(bot):
    tracker_id = made(bot, due_in_s=2)
    bot.command(f"assign {tracker_id} <@U3|dana>", user="U1", name="a1")
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U3" and "gave you" in dm.params["text"]
    assert "<@U1> gave you" in dm.params["text"]  # a live mention of who gave it
    bot.command(f"assign {tracker_id} <@U3|dana>", user="U1", name="a2")
    assert "already has it" in texts(bot.fake.wait_for("response_url:a2")[-1])
    assert len(bot.fake.calls_to("chat.postMessage")) == 1
    assert repo.get(bot.db, tracker_id).assignee == "U3"


def test_assign_to_someone_outside_the_channel_is_refused(bot):
    tracker_id = made(bot)
    bot.command(f"assign {tracker_id} <@U9|stranger>", user="U1", name="x")
    assert "not a member" in texts(bot.fake.wait_for("response_url:x")[-1])
    assert repo.get(bot.db, tracker_id).assignee is None


def test_note_then_export_uploads_the_csv_in_three_calls(bot):
    tracker_id = made(bot)
    bot.command(f"note {tracker_id} called Tier 1 <!channel> ref 8812", user="U2", name="n")
    blocks = bot.fake.wait_for("response_url:n")[-1].params["blocks"]
    noted = json.dumps([b for b in blocks if b["type"] == "section"])
    assert "&lt;!channel&gt;" in noted and "<!channel>" not in noted  # shown escaped
    bot.command(f"export {tracker_id}", user="U2", name="e")
    (done,) = bot.fake.wait_for("files.completeUploadExternal")
    methods = [m.split(":")[0] for m in bot.fake.methods() if m.startswith(("files.", "upload"))]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert done.params["channel_id"] == "C1"
    (upload,) = [c for c in bot.fake.calls if c.method.startswith("upload:")]
    rows = list(csv.DictReader(io.StringIO(upload.body)))
    assert [r["event"] for r in rows] == ["created", "note"]
    assert rows[1]["note_or_contact"] == "called Tier 1 <!channel> ref 8812"  # verbatim


def test_export_of_another_channels_tracker_uploads_nothing(bot):
    tracker_id = made(bot, channel="C2")
    bot.command(f"export {tracker_id}", user="U1", name="o")
    bot.fake.wait_for("response_url:o")
    assert not bot.fake.calls_to("files.getUploadURLExternal")


def test_digest_now_posts_to_the_channel(bot):
    made(bot)
    bot.command("digest now", user="U2", name="d")
    answer = bot.answer("d")
    assert answer["response_type"] == "in_channel"
    assert "Desk digest for" in answer["text"] and "1 open, 1 overdue" in answer["text"]


def test_take_it_button_in_the_channel(bot):
    tracker_id = made(bot)
    tick(bot)
    nudge = bot.fake.wait_for("chat.postMessage", count=2)[0]
    buttons = [b for b in nudge.json_param("blocks") if b["type"] == "actions"][0]["elements"]
    take = next(b for b in buttons if b["action_id"] == ids.ACTION_TAKE)
    bot.click(ids.ACTION_TAKE, take["value"], user="U2", channel="C1")
    bot.fake.wait_for("chat.update")
    assert repo.get(bot.db, tracker_id).assignee == "U2"


def test_mention_assign_keeps_the_assignees_mention(bot):
    tracker_id = made(bot)
    bot.event(app_mention(f"assign {tracker_id} <@U2>", user="U1", channel="C1"), event_id="EvA")
    bot.fake.wait_for("chat.postMessage", count=2)  # the answer and the assignee's DM
    assert repo.get(bot.db, tracker_id).assignee == "U2"


def test_app_home_shows_assigned_to_me_and_started_by_me(bot):
    mine = made(bot, owner="U2")
    theirs = made(bot, owner="U1")
    bot.command(f"take {theirs}", user="U2", name="h")
    bot.fake.wait_for("response_url:h")
    bot.event(app_home_opened("U2"), event_id="EvHome2")
    (call,) = bot.fake.wait_for("views.publish")
    view = call.json_param("view")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers[:2] == ["Assigned to me", "Started by me"]
    sections = json.dumps(view)
    assert f"#{theirs} " in sections and f"#{mine} " in sections and "level 1 due" in sections


def test_the_scheduled_digest_is_posted_to_the_channel_once(bot):
    from bot import digest
    from bot.moments import parse_instant

    bot.command("digest 8:30am", user="U2", name="s")
    assert "Digest set" in bot.answer("s")["text"]
    notifier = SlackNotifier(bot.app.client)
    monday = parse_instant("2026-11-30T08:30:10-06:00", "America/Chicago")
    assert digest.tick(bot.deps.k, bot.db, monday, notifier) == 1
    assert digest.tick(bot.deps.k, bot.db, monday + timedelta(seconds=15), notifier) == 0
    (post,) = bot.fake.calls_to("chat.postMessage")
    assert post.params["channel"] == "C1" and "Desk digest for Mon Nov 30" in post.params["text"]


def test_a_note_is_kept_as_typed_not_as_slack_escapes_it(bot):
    tracker_id = made(bot)
    bot.command(f"note {tracker_id} AT&amp;T said &lt;ref 8812&gt;", user="U2", name="q")
    bot.fake.wait_for("response_url:q")
    assert repo.events(bot.db, tracker_id)[-1]["detail"]["text"] == "AT&T said <ref 8812>"


def test_a_change_has_no_share_button_but_the_board_has(bot):
    tracker_id = made(bot)
    bot.command(f"take {tracker_id}", user="U2", name="k")
    assert not [b for b in bot.answer("k")["blocks"] if b["type"] == "actions"]
    bot.command("board", user="U2", name="bb")
    assert [b for b in bot.answer("bb")["blocks"] if b["type"] == "actions"]


def test_sharing_the_board_posts_it_to_the_channel_as_it_is_now(bot):
    made(bot)
    bot.command("board", user="U2", name="sb")
    share = [b for b in bot.answer("sb")["blocks"] if b["type"] == "actions"][0]["elements"][0]
    made(bot)  # a second tracker since the board was asked for
    bot.click(ids.ACTION_SHARE, share["value"], user="U2", channel="C1", name="shared")
    shared = bot.answer("shared")
    assert shared["response_type"] == "in_channel"
    assert "#1 BVoIP" in json.dumps(shared) and "#2 BVoIP" in json.dumps(shared)
