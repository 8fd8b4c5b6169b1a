"""Every row belongs to one workspace (issue 11 item 3): two workspaces T1 and T2 whose
ids collide (user U1 in both, as under Enterprise Grid; channel C1 in both, as a Slack
Connect channel) through the real bolt app and the fake Slack. Nothing one workspace
says, clicks or lists finds, shows or changes the other's trackers, digests or dedupe
keys; another workspace's tracker number reads exactly as a missing one."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytz

from bot import digest
from bot.handlers import ids
from bot.handlers.edge import Unreadable, team_of
from bot.knowledge.loader import load
from bot.moments import parse_instant
from bot.scheduler import RecordingNotifier, Scheduler
from storage import desk as store
from storage import trackers as repo
from storage.db import connect, first_sighting, migrations, utc
from storage.trackers import NewStep
from tests.fake_slack import (
    TEAM_ID,
    app_home_opened,
    app_mention,
    block_actions,
    dm_message,
    event_callback,
    post,
    slash_command,
)
from tests.test_slack import SECRET, Bot

CT = "America/Chicago"


class Workspaces(Bot):
    """The bot installed in many workspaces, spoken to as T1 or T2."""

    def __init__(self, tmp_path, monkeypatch, database: str = ""):
        super().__init__(tmp_path, monkeypatch, database=database)
        self.deps.workspaces = True  # what many-workspace (OAuth) mode sets
        self.fake.channel_members["C1"] = ["U1", "U2"]
        self.said = 0

    def send(self, body: str, team: str, headers: dict | None = None) -> None:
        status, _, _ = post(self.url, body.replace(TEAM_ID, team), SECRET, extra_headers=headers)
        assert status == 200

    def slash(self, team: str, text: str, user="U1", channel="C1") -> str:
        """A /clec line from `team`; the reply's words, as JSON text."""
        self.said += 1
        name = f"s{self.said}"
        self.send(slash_command(text, user, channel, response_url=self.fake.response_url(name)),
                  team)  # fmt: skip
        return json.dumps(self.answer(name))

    def press(self, team: str, action_id: str, value: str, user="U1", channel="C1",
              answered=True) -> str:  # fmt: skip
        """A click from `team`; what it was told (a refusal is told by response_url; a
        click that acts updates the message instead: answered=False)."""
        self.said += 1
        name = f"b{self.said}"
        body = block_actions(action_id, value, user=user, channel=channel,
                             response_url=self.fake.response_url(name))  # fmt: skip
        self.send(body, team)
        return json.dumps(self.answer(name)) if answered else ""

    def event(self, event, event_id="Ev1", retry_num=None, team=TEAM_ID):
        body, headers = event_callback(event, event_id=event_id, retry_num=retry_num)
        self.send(body, team, headers)


@pytest.fixture
def bot(tmp_path, monkeypatch, database):  # on SQLite and on PostgreSQL
    b = Workspaces(tmp_path, monkeypatch, database)
    yield b
    b.close()


def made(db, team: str, title: str, kind="bvoip", refs=None, channel="C1", due_in_s=-1) -> int:
    """U1's tracker in `channel` of workspace `team`, its level 1 due `due_in_s` from now."""
    now = datetime.now(pytz.utc)
    steps = [
        NewStep(1, "escalate", now + timedelta(seconds=due_in_s), "First Level: Tier 1"),
        NewStep(2, "escalate", now + timedelta(hours=1), "Second Level: Team Manager"),
    ]
    return repo.create(db, owner="U1", kind=kind, title=title, zone=CT, started_at=now,
                       steps=steps, now=now, channel=channel, thread="1700000009.000009",
                       severity=1 if kind == "bvoip" else 2, refs=refs or {},
                       team=team)  # fmt: skip


def snapshot(db, tracker_id: int, team: str) -> tuple:
    """All a workspace can see of one tracker: its row, its steps, its history."""
    t = repo.get(db, tracker_id, team=team)
    steps = [(s.id, s.state, s.due_at) for s in t.steps]
    history = [(e["kind"], e["actor"]) for e in repo.events(db, tracker_id, team=team)]
    return (t.state, t.level, t.assignee, t.snoozed_until, t.progress_at, t.workaround, steps,
            history)  # fmt: skip


# --- workspace of a request ---------------------------------------------------------------


class _Deps:
    def __init__(self, workspaces: bool):
        self.workspaces = workspaces


@pytest.mark.parametrize(
    "workspaces, context, team",
    [
        (False, {"team_id": "T1"}, ""),  # one SLACK_BOT_TOKEN: the rows from before 0010
        (False, {}, ""),
        (True, {"team_id": "T1"}, "T1"),
        (True, {"team_id": "T2", "enterprise_id": "E1"}, "T2"),  # a workspace of a Grid org
        (True, {"team_id": None, "enterprise_id": "E1"}, "E1"),  # an org-wide install
        (True, {"team_id": "", "enterprise_id": "E1"}, "E1"),
    ],
)
def test_the_workspace_of_a_request(workspaces, context, team):
    assert team_of(_Deps(workspaces), context) == team


@pytest.mark.parametrize("context", [{}, {"team_id": None}, {"team_id": "t1; drop"},
                                     {"team_id": ["T1"]}, {"enterprise_id": ""}])  # fmt: skip
def test_a_request_naming_no_workspace_is_refused(context):
    with pytest.raises(Unreadable, match="workspace"):
        team_of(_Deps(True), context)


# --- acting on another workspace's tracker by number -------------------------------------

FOREIGN = [  # (what T2's U1 says in C1 about T1's tracker #1, what T2 is told)
    ("resolved 1", "I have no tracker #1."),
    ("close 1", "I have no tracker #1."),
    ("reopen 1", "I have no tracker #1."),
    ("escalated 1", "I have no tracker #1."),
    ("escalated 1 to level 2", "I have no tracker #1."),
    ("snooze 1", "I have no tracker #1."),
    ("snooze 1 1h", "I have no tracker #1."),
    ("snooze 1 until 3pm", "I have no tracker #1."),
    ("take 1", "I have no tracker #1."),
    ("i'll take #1", "I have no tracker #1."),
    ("assign 1 <@U2|dana>", "I have no tracker #1."),
    ("release 1", "I have no tracker #1."),
    ("note 1 called Tier 1, ref 8812", "I have no tracker #1."),
    ("progress 1 vendor on site", "I have no tracker #1."),
    ("show 1", "I have no tracker #1."),
    ("export 1", "I have no tracker #1."),
    ("export 1 json", "I have no tracker #1."),
    ("resolved aots 7777777", "No open tracker of yours or this desk's holds AOTS 7777777"),
    ("show aots 7777777", "No open tracker of yours or this desk's holds AOTS 7777777"),
    ("snooze ticket 45678 1h", "No open tracker of yours or this desk's holds ticket 45678"),
    ("got an update on 45678", "I found no open tracker with that ticket or number"),
    ("workaround provided on 45678", "I found no open tracker with that ticket or number"),
    ("qwest wants to close 45678", "I found no open tracker with that ticket or number"),
]
MISSING = 999  # a tracker number no workspace has: T2 must be told exactly the same


@pytest.fixture
def t1_tracker(bot):
    """T1's BVoIP #1 (AOTS 7777777) and Qwest ticket #2 (45678) in C1; T2's own #3 there."""
    first = made(bot.db, "T1", "BVoIP trouble sev 1 (AOTS 7777777)", refs={"aots": "7777777"})
    made(bot.db, "T1", "Qwest IT sev 2 (ticket 45678)", kind="qwest_it", refs={"ticket": "45678"})
    made(bot.db, "T2", "BVoIP trouble sev 1 (AOTS 5555)", refs={"aots": "5555"})
    assert first == 1
    return first


@pytest.mark.parametrize("said, told", FOREIGN)
def test_another_workspaces_tracker_is_not_found_and_nothing_changes(bot, t1_tracker, said, told):
    before = [snapshot(bot.db, i, "T1") for i in (1, 2)]
    reply = bot.slash("T2", said)
    assert told in reply
    for t1s in ("BVoIP trouble", "Qwest IT sev 2", "#2", "reference of #", "U1>"):
        assert t1s not in reply, t1s  # not its title, its other number, nor its owner
    assert [snapshot(bot.db, i, "T1") for i in (1, 2)] == before
    missing = bot.slash("T2", re.sub(r"\b1\b", str(MISSING), said, count=1))
    if "#1" in told:  # a number T2 does not have is answered word for word the same way
        assert told.replace("#1", f"#{MISSING}") in missing


@pytest.mark.parametrize(
    "action_id, value",
    [
        (ids.ACTION_RESOLVED, "1:1"),
        (ids.ACTION_ESCALATED, "1:2"),
        (f"{ids.ACTION_SNOOZE}_30m", "1:1:30m"),
        (f"{ids.ACTION_SNOOZE}_2h", "1:1:2h"),
        (ids.ACTION_TAKE, "1:1"),
    ],
)
def test_a_button_carrying_another_workspaces_tracker_changes_nothing(
    bot, t1_tracker, action_id, value
):
    before = snapshot(bot.db, 1, "T1")
    told = bot.press("T2", action_id, value)
    assert "I have no tracker #1." in told and "ephemeral" in told
    assert bot.fake.calls_to("chat.update") == []
    assert snapshot(bot.db, 1, "T1") == before
    bot.press("T1", action_id, value, answered=False)  # the same click in T1 does act
    bot.fake.wait_for("chat.update")
    assert snapshot(bot.db, 1, "T1") != before


@pytest.mark.parametrize(
    "said, done",
    [
        ("resolved 1", "Resolved: no more nudges."),
        ("take 1", "You have it"),
        ("snooze 1 1h", "Snoozed until"),
        ("show 1", "Timeline"),
        ("got an update on 45678", "Update logged"),
        ("resolved aots 7777777", "Resolved: no more nudges."),
    ],
)
def test_the_same_words_in_t1_act_on_its_own_tracker(bot, t1_tracker, said, done):
    """The control: the refusals above are the workspace's, not the words'."""
    assert done in bot.slash("T1", said)


# --- lists ---------------------------------------------------------------------------------


def test_boards_of_one_slack_connect_channel_are_each_workspaces_own(bot, t1_tracker):
    t1, t2 = bot.slash("T1", "board"), bot.slash("T2", "board")
    assert "#1 BVoIP trouble sev 1 (AOTS 7777777)" in t1 and "#2 Qwest IT" in t1
    assert "#3 " not in t1 and "AOTS 5555" not in t1
    assert "#3 BVoIP trouble sev 1 (AOTS 5555)" in t2
    assert "7777777" not in t2 and "45678" not in t2 and "#1 " not in t2
    assert "(1, by next due)" in t2


def test_a_shared_board_is_the_sharing_workspaces(bot, t1_tracker):
    """ "Share in channel" on a board re-reads the board where and by whom it is shared."""
    value = json.dumps({"q": "board", "at": "2026-11-30T09:00:00-06:00", "tz": CT,
                        "desk": "board"})  # fmt: skip
    shared = bot.press("T2", ids.ACTION_SHARE, value)
    assert "in_channel" in shared and "AOTS 5555" in shared
    assert "7777777" not in shared and "45678" not in shared


def test_my_trackers_in_each_workspace(bot, t1_tracker):
    t1 = bot.slash("T1", "my trackers", channel="D1")
    t2 = bot.slash("T2", "my trackers", channel="D1")
    assert "Your open trackers (2)" in t1 and "AOTS 5555" not in t1
    assert "Your open trackers (1)" in t2 and "7777777" not in t2 and "45678" not in t2


def test_a_dm_and_a_mention_from_t2_see_only_t2(bot, t1_tracker):
    bot.event(dm_message("my trackers", channel="D1"), event_id="EvDm", team="T2")
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert "AOTS 5555" in json.dumps(dm.params) and "7777777" not in json.dumps(dm.params)
    bot.fake.reset()
    bot.event(app_mention("show 1"), event_id="EvMention", team="T2")
    (mention,) = bot.fake.wait_for("chat.postMessage")
    assert "I have no tracker #1." in json.dumps(mention.params)


def test_app_home_of_u1_in_each_workspace(bot, t1_tracker):
    bot.event(app_home_opened("U1"), event_id="EvHome", team="T2")
    (call,) = bot.fake.wait_for("views.publish")
    view = json.dumps(call.params)
    assert "AOTS 5555" in view and "7777777" not in view and "45678" not in view
    bot.fake.reset()
    bot.event(app_home_opened("U1"), event_id="EvHome", team="T1")
    (call,) = bot.fake.wait_for("views.publish")
    view = json.dumps(call.params)
    assert "7777777" in view and "45678" in view and "AOTS 5555" not in view


def test_export_of_the_channel_from_each_workspace(bot, t1_tracker):
    exported = {}
    for team in ("T2", "T1"):
        bot.fake.reset()
        assert "Export of trackers made since" in bot.slash(team, "export")
        bot.fake.wait_for("files.completeUploadExternal")
        (upload,) = [c for c in bot.fake.calls if c.method.startswith("upload:")]
        exported[team] = {r["tracker"] for r in csv.DictReader(io.StringIO(upload.body))}
    assert exported == {"T1": {"1", "2"}, "T2": {"3"}}


def test_a_digest_of_c1_is_each_workspaces_own(bot, t1_tracker):
    assert "No digest for this channel" in bot.slash("T2", "digest")
    assert "Digest set" in bot.slash("T1", "digest 8:30am")
    assert "No digest for this channel" in bot.slash("T2", "digest")  # T1's is not T2's
    assert "This channel has no digest running" in bot.slash("T2", "digest off")
    assert "Digest every business day" in bot.slash("T1", "digest")  # T2 did not stop it
    now = bot.slash("T2", "digest now")
    assert "1 open" in now and "AOTS 5555" in now and "7777777" not in now


class Posts:
    def __init__(self):
        self.posts: list[tuple[str, str, dict]] = []

    def send(self, tracker, nudge) -> None:
        pass

    def post_digest(self, channel, reply) -> None:
        self.posts.append((channel, " ".join(r[0] for r in reply.rows), reply.data["digest"]))


def test_scheduled_digests_run_per_workspace_and_channel(database):
    db = connect(database)
    made(db, "T1", "BVoIP trouble sev 1 (AOTS 7777777)")
    made(db, "T2", "BVoIP trouble sev 1 (AOTS 5555)")
    made(db, "T2", "BVoIP trouble sev 1 (AOTS 6666)")
    set_at = parse_instant("2026-11-27T12:00:00-06:00", CT)
    for team in ("T1", "T2"):
        store.set_digest(db, "C1", "08:30", CT, "U1", set_at, team=team)
    posts = Posts()
    for when in ("2026-11-30T08:31:00-06:00", "2026-11-30T08:31:15-06:00"):
        digest.tick(load(), db, parse_instant(when, CT), posts)
    by_team = {d["team_id"]: (channel, rows, d["open"]) for channel, rows, d in posts.posts}
    assert len(posts.posts) == 2 and set(by_team) == {"T1", "T2"}  # one each, once
    assert by_team["T1"][2] == 1 and "7777777" in by_team["T1"][1]
    assert by_team["T2"][2] == 2 and "7777777" not in by_team["T2"][1]
    assert [r["state"] for r in store.runs(db, "C1", team="T1")] == ["sent"]
    assert [r["state"] for r in store.runs(db, "C1", team="T2")] == ["sent"]
    assert store.runs(db, "C1") == []  # single-workspace mode's C1 never ran


# --- dedupe, references, the scheduler, the CLI -------------------------------------------


def test_a_replayed_event_id_is_deduped_within_its_workspace_only(bot, t1_tracker):
    bot.event(dm_message("my trackers", channel="D1"), event_id="EvSame", team="T1")
    bot.fake.wait_for("chat.postMessage")
    bot.event(dm_message("my trackers", channel="D1"), event_id="EvSame", team="T2")
    bot.fake.wait_for("chat.postMessage", count=2)  # T2's event of the same id is its own
    bot.event(dm_message("my trackers", channel="D1"), event_id="EvSame", team="T2",
              retry_num=1)  # fmt: skip
    bot.event(dm_message("my trackers", channel="D1"), event_id="EvSame", team="T1",
              retry_num=1)  # fmt: skip
    bot.slash("T1", "help")  # a later request, and a moment for the retries' work
    time.sleep(0.5)
    assert len(bot.fake.calls_to("chat.postMessage")) == 2


def test_first_sighting_is_keyed_by_workspace(database):
    db = connect(database)
    now = datetime.now(pytz.utc)
    seen = [first_sighting(db, "Ev9", now, team=t) for t in ("T1", "T2", "T1", "", "T2", "")]
    assert seen == [True, True, False, True, False, False]


def test_the_same_ticket_in_two_workspaces_is_two_trackers(bot):
    line = "track qwest it ticket 45678 sev 2 no workaround opened yesterday 9am CT"
    first, second = bot.slash("T1", line), bot.slash("T2", line)
    assert "Tracking" in first and "Tracking" in second, (first, second)
    again = bot.slash("T2", line)
    assert "already tracks ticket 45678" in again and "#2 already" in again
    assert [t.id for t in repo.find_by_ref(bot.db, "45678", team="T1")] == [1]
    assert [t.id for t in repo.find_by_ref(bot.db, "45678", team="T2")] == [2]
    assert repo.find_by_ref(bot.db, "45678") == []


def test_a_tracker_made_in_t2_belongs_to_t2(bot):
    assert "Tracking" in bot.slash("T2", "track bvoip sev 1 site down since 8am AOTS 4242")
    (row,) = bot.db.execute("SELECT id, team_id FROM trackers").fetchall()
    assert row == (1, "T2")
    assert repo.get(bot.db, 1, team="T2").team_id == "T2"
    assert repo.get(bot.db, 1, team="T1") is None and repo.get(bot.db, 1) is None


def test_the_scheduler_nudges_every_workspaces_trackers(database):
    """Its claim serves all workspaces; each tracker reaches the notifier with its team_id
    (which picks that workspace's client)."""
    path = database
    db = connect(path)
    one, two, three = made(db, "T1", "in T1"), made(db, "T2", "in T2"), made(db, "", "in ''")
    notifier = RecordingNotifier()
    Scheduler(load(), notifier, path, tick=1).tick()
    assert sorted(t for t, *_ in notifier.sent) == [one, two, three]
    assert [repo.get(db, i, team=None).team_id for i in (one, two, three)] == ["T1", "T2", ""]


def test_problems_and_lists_are_each_workspaces_own(database):
    db = connect(database)
    one, two = made(db, "T1", "one"), made(db, "T2", "two")
    db.execute("UPDATE trackers SET problem = 'broken' WHERE id IN (?, ?)", (one, two))
    assert [p.tracker_id for p in repo.problems(db, team="T1")] == [one]
    assert [(p.tracker_id, p.team_id) for p in repo.untold(db)] == [(one, "T1"), (two, "T2")]
    assert repo.retry_problems(db, one, team="T2") == 0  # not T2's to retry
    assert repo.retry_problems(db, one, team="T1") == 1
    assert [t.id for t in repo.for_owner(db, "U1", team="T2")] == [two]
    assert [t.id for t in store.started_by(db, "U1", team="T1")] == [one]
    assert store.timelines(db, [one, two], team="T2")[one] == []
    since = datetime.now(pytz.utc) - timedelta(days=1)
    assert [t.id for t in store.made_since(db, None, since, team="T1")] == [one]


def test_clecbot_export_and_trackers_take_a_workspace(database):
    path = database
    db = connect(path)
    made(db, "T1", "BVoIP trouble sev 1 (AOTS 7777777)", refs={"aots": "7777777"})
    made(db, "", "BVoIP trouble sev 1 (AOTS 1010)", refs={"aots": "1010"})

    def export(*argv) -> subprocess.CompletedProcess:
        return export_or_list("export", *argv)

    def export_or_list(*argv) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *argv], text=True,
                              capture_output=True, env={"CLEC_BOT_DB": path, "PATH": ""},
                              cwd=str(Path(__file__).parent.parent))  # fmt: skip

    default, t1, t2 = export(), export("--team", "T1"), export("--team", "T2")
    assert "1010" in default.stdout and "7777777" not in default.stdout
    assert "7777777" in t1.stdout and "1010" not in t1.stdout
    assert "7777777" not in t2.stdout and "1010" not in t2.stdout
    assert export("1", "--team", "T2").returncode == 1
    assert export("1", "--team", "T1").returncode == 0
    listed = {team: export_or_list("trackers", "--team", team).stdout for team in ("T1", "")}
    assert "7777777" in listed["T1"] and "1010" not in listed["T1"]
    assert "1010" in listed[""] and "7777777" not in listed[""]


# --- single-workspace mode and a database from before 0010 --------------------------------


def test_single_workspace_mode_keeps_the_trackers_from_before(bot):
    """With one SLACK_BOT_TOKEN the payload's team is not the key: the '' rows are served."""
    old = made(bot.db, "", "BVoIP trouble sev 1 (AOTS 1010)", refs={"aots": "1010"})
    bot.deps.workspaces = False
    assert "AOTS 1010" in bot.slash("T1", "board")
    bot.deps.workspaces = True  # many-workspace mode never serves '' rows to a workspace
    assert "AOTS 1010" not in bot.slash("T1", "board")
    assert f"I have no tracker #{old}." in bot.slash("T1", f"show {old}")


def test_a_database_from_before_workspaces_keeps_everything_under_the_empty_team(tmp_path):
    import sqlite3

    import sqlite_utils

    path = str(tmp_path / "old.db")
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrations.apply(old, stop_before="0010_workspaces")
    stamp = utc(datetime(2026, 11, 27, 12, tzinfo=pytz.utc))
    old.execute("INSERT INTO trackers (owner, kind, title, zone, started_at, created_at,"
                " updated_at, channel) VALUES ('U1', 'custom', 'old one', ?, ?, ?, ?, 'C1')",
                (CT, stamp, stamp, stamp))  # fmt: skip
    old.execute("INSERT INTO digests VALUES ('C1', '08:30', ?, 'U1', ?, 1)", (CT, stamp))
    old.execute("INSERT INTO digest_runs (channel, day, due_at, state)"
                " VALUES ('C1', '2026-11-27', ?, 'sent')", (stamp,))  # fmt: skip
    old.execute("INSERT INTO slack_events VALUES ('EvOld', ?)", (stamp,))
    old.conn.close()
    db = connect(path)
    assert repo.get(db, 1).title == "old one" and repo.get(db, 1, team="T1") is None
    assert (
        store.digest_of(db, "C1").clock == "08:30" and store.digest_of(db, "C1", team="T1") is None
    )
    assert [r["state"] for r in store.runs(db, "C1")] == ["sent"]
    now = datetime(2026, 11, 27, 13, tzinfo=pytz.utc)
    assert first_sighting(db, "EvOld", now) is False and first_sighting(db, "EvOld", now, team="T1")
    with pytest.raises(sqlite3.IntegrityError, match="instant"):  # its checks came back
        db.execute("INSERT INTO slack_events VALUES ('T1', 'EvBad', 'soon')")
    indexes = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    for name in ("trackers_owner", "trackers_channel", "trackers_assignee",
                 "trackers_channel_created"):  # fmt: skip
        assert "(team_id," in (indexes[name] or ""), name
