"""The desk in conversation (issue 10): one line said by someone, somewhere, at an instant.

Channel C1's desk has ana, dana and U2; zed is only in C2. Refusals change nothing.
Every test runs on SQLite and on PostgreSQL (the `database` and `db` fixtures).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.conversation import respond
from bot.knowledge.loader import load
from bot.moments import parse_instant
from bot.reply import render_text
from bot.scheduler import RecordingNotifier, Scheduler
from storage import installs, workspaces
from storage import trackers as repo
from storage.db import connect

CT = "America/Chicago"
T0 = "2026-12-01T08:05:00-06:00"
MEMBERS = {"C1": {"ana", "dana", "U2"}, "C2": {"zed"}}
BVOIP = "bvoip sev 1 site down since 8am central AOTS 1234567"
CSR = "track csr BTN 312-555-0100 submitted 2026-11-30 11am ET"


@pytest.fixture
def say(db):
    def _say(text, user="ana", channel="C1", at=T0, tz=CT):
        when = parse_instant(at, tz)
        return respond(text, at=when, tz=tz, user=user, db=db, channel=channel,
                       members=lambda ch: MEMBERS.get(ch, set()), k=load())  # fmt: skip

    return _say


def text(reply) -> str:
    return render_text(reply)


def events(db, tracker_id: int) -> list[tuple[str, str]]:
    return [(e["kind"], e["actor"]) for e in repo.events(db, tracker_id)]


# --- the board ------------------------------------------------------------------------------


def test_board_lists_the_channels_open_trackers_by_next_due(say):
    say(CSR)  # due Thu Dec 3
    say(BVOIP, user="dana")  # level 1 due since 8:00 (overdue at 8:05)
    say("qwest sev 3 ticket 45678 no workaround", channel="C2", user="zed")
    board = say("board")
    assert board.intent == "board"
    assert [r[0] for r in board.rows] == [
        "#2 BVoIP trouble sev 1 (AOTS 1234567)",
        "#1 AT&T Business CSR request (BTN 3125550100)",
    ]
    assert "OVERDUE" in board.rows[0][1] and "1 overdue" in board.headline
    assert "on the board (started by dana)" in board.rows[0][1]
    assert "level 1 due Thu Dec 3" in board.rows[1][1] and "CST" in board.rows[1][1]
    assert "ticket 45678" not in text(board)  # another channel's desk


def test_board_times_are_in_the_askers_zone(say):
    say(CSR)
    board = say("show the board", user="dana", tz="America/Los_Angeles",
                at="2026-12-01T06:05:00-08:00")  # fmt: skip
    assert "PST" in board.rows[0][1]


def test_board_in_a_dm_is_the_askers_own(say):
    say(CSR)
    say(BVOIP, user="dana")
    mine = say("board", user="dana", channel="D9")
    assert [r[0] for r in mine.rows] == ["#2 BVoIP trouble sev 1 (AOTS 1234567)"]
    assert "Your open trackers" in mine.headline


def test_empty_board_says_how_to_start(say):
    assert "none" in say("board").headline


# --- take, assign, release ------------------------------------------------------------------


def test_take_makes_the_caller_the_assignee_once(say, db):
    say(BVOIP)
    taken = say("take 1", user="dana")
    assert "You have it" in taken.headline and repo.get(db, 1).assignee == "dana"
    assert "already" in say("take #1", user="dana").headline
    assert events(db, 1)[-1] == ("assigned", "dana") and len(events(db, 1)) == 2


def test_a_stranger_cannot_take_or_assign(say, db):
    say(BVOIP)
    for line in ("take 1", "assign 1 @zed", "release 1", "note 1 hello"):
        assert say(line, user="zed", channel="C2").intent == "tracker_error", line
    assert repo.get(db, 1).assignee is None and len(events(db, 1)) == 1


def test_assign_to_a_member_notifies_them_once(say, db):
    say(BVOIP)
    given = say("assign 1 @dana")
    assert "Given to dana" in given.headline
    assert given.data["notify"]["user"] == "dana"
    assert "ana gave you #1" in given.data["notify"]["text"]
    assert "Level 1 (Tier 1 agents) is due now" in given.data["notify"]["text"]
    again = say("assign 1 to dana")
    assert "already has it" in again.headline and "notify" not in again.data


@pytest.mark.parametrize("mention", ["<@U2>", "<@U2|dana>"])
def test_assign_reads_slacks_mentions(say, db, mention):
    say(BVOIP)
    given = say(f"assign 1 {mention}")
    assert repo.get(db, 1).assignee == "U2" and "<@U2>" in given.headline
    assert given.data["people"] == ["U2"]


@pytest.mark.parametrize("who", ["@zed", "<@U999|someone>"])
def test_assign_to_a_non_member_is_refused(say, db, who):
    say(BVOIP)
    refused = say(f"assign 1 {who}")
    assert refused.intent == "tracker_error" and "not a member" in refused.headline
    assert repo.get(db, 1).assignee is None


@pytest.mark.parametrize("line", ["assign 1 <!channel>", "assign 1", "assign 1 to"])
def test_assign_to_no_one_readable_asks_whom(say, db, line):
    say(BVOIP)
    refused = say(line)
    assert refused.intent == "tracker_error" and "assign 1 @dana" in refused.headline


def test_verbs_are_read_in_any_case(say, db):
    say(BVOIP)
    assert "Given to dana" in say("Assign 1 to @dana").headline
    assert "Back on the board" in say("RELEASE #1").headline
    assert say("Board").intent == "board"


def test_release_returns_it_to_the_board(say, db):
    say(BVOIP)
    say("take 1", user="dana")
    released = say("release 1", user="ana")
    assert "Back on the board" in released.headline and repo.get(db, 1).assignee is None
    assert "Nobody has it" in say("release 1").headline
    assert events(db, 1)[-1] == ("released", "ana")


def test_resolved_trackers_are_not_taken(say):
    say(BVOIP)
    say("resolved 1")
    assert "reopen 1" in say("take 1", user="dana").headline


def test_the_assignee_may_act_from_anywhere(say, db):
    say(BVOIP)
    say("assign 1 dana")
    assert say("escalated 1", user="dana", channel="D5").intent == "tracker"


def test_my_trackers_include_the_ones_i_have(say):
    say(BVOIP)
    say("take 1", user="dana")
    listing = say("my trackers", user="dana", channel="D5")
    assert "#1" in text(listing) and "(you have it)" in text(listing)


# --- notes and progress ---------------------------------------------------------------------


def test_note_is_kept_verbatim(say, db):
    say(BVOIP)
    words = "Called Tier 1 @ (877) 288-8362 <b>ref</b> 8812 & asked for Dana"
    noted = say(f"note 1 {words}", user="dana")
    assert ("Note", words) in noted.facts
    assert repo.events(db, 1)[-1]["detail"] == {"text": words}


def test_note_without_words_asks_for_them(say, db):
    say(BVOIP)
    assert "What should the note say" in say("note 1").headline
    assert len(events(db, 1)) == 1


def test_progress_is_for_bvoip(say, db):
    say(CSR)
    refused = say("progress 1 center says tomorrow")
    assert refused.intent == "tracker_error" and "note 1" in refused.headline


def test_progress_shows_on_the_next_nudge(say, db, database):
    say(BVOIP)
    say("progress 1 vendor dispatched", at="2026-12-01T08:20:00-06:00")
    assert repo.get(db, 1).progress_at == parse_instant("2026-12-01T08:20:00-06:00", CT)
    notifier = RecordingNotifier()
    at = parse_instant("2026-12-01T09:01:00-06:00", CT)
    Scheduler(load(), notifier, database, clock=lambda: at).tick()
    facts = dict(notifier.replies[-1].facts)
    assert facts["Forward progress"] == "last logged Tue Dec 1, 8:20 AM CST (41 min ago)"


# --- show: the timeline as sentences -------------------------------------------------------


def test_show_tells_the_timeline_in_sentences(say, db, database):
    say(BVOIP)
    say("assign 1 dana", at="2026-12-01T08:10:00-06:00")
    at = parse_instant("2026-12-01T10:02:00-06:00", CT)
    Scheduler(load(), RecordingNotifier(), database, clock=lambda: at).tick()
    say("note 1 called Dana's manager, ref 4471", user="dana", at="2026-12-01T10:05:00-06:00")
    shown = text(say("show 1", at="2026-12-01T10:06:00-06:00"))
    assert "Tue 8:05 AM: ana started it" in shown
    assert "Tue 8:10 AM: ana gave it to dana" in shown
    assert "Tue 10:02 AM: nudged dana for level 3, 2 min late (folding in 2 earlier)" in shown
    assert 'Tue 10:05 AM: dana noted: "called Dana\'s manager, ref 4471"' in shown
    assert "=" not in shown.split("Timeline")[1]  # no key=value fields


def test_show_tells_a_workspace_pause_resume_and_move(say, db):
    say(BVOIP)
    at = parse_instant("2026-12-01T08:20:00-06:00", CT)
    installs.pause_workspace(db, "", "the app was uninstalled", at)
    installs.resume_workspace(db, "", at + timedelta(minutes=5))
    workspaces.adopt(db, "T0123456", at + timedelta(minutes=6), force=True)
    shown = text(respond("show 1", at=at + timedelta(minutes=7), tz=CT, user="ana", db=db,
                         channel="C1", team="T0123456", members=lambda ch: MEMBERS.get(ch, set()),
                         k=load()))  # fmt: skip
    assert "Tue 8:20 AM: clecbot paused its nudges (the app was uninstalled)" in shown
    assert "Tue 8:25 AM: clecbot resumed its nudges" in shown
    assert "Tue 8:26 AM: clecbot moved it from workspace (single-token) to T0123456" in shown


def test_a_tracker_made_after_levels_passed_says_which_is_due_now(say):
    made = say("bvoip sev 1 site down since 6:50am central AOTS 7654321")
    assert "Level 2 (Team Manager) is due now" in made.headline
    assert not [f for f in made.facts if f[0] == "Next" and "Level 1" in f[1]]


# --- export ---------------------------------------------------------------------------------


def test_export_is_a_csv_file_of_the_timeline(say):
    say(BVOIP)
    say("note 1 ticket 8812 opened with Tier 1", user="dana")
    exported = say("export 1", user="dana", at="2026-12-01T08:30:00-06:00")
    file = exported.data["file"]
    assert file["name"] == "clecbot-1-20261201-0830.csv"
    rows = list(csv.DictReader(io.StringIO(file["content"])))
    assert [r["event"] for r in rows] == ["created", "note"]
    assert rows[1]["note_or_contact"] == "ticket 8812 opened with Tier 1"
    assert rows[1]["actor"] == "dana" and rows[1]["time_local"].endswith("-06:00")


def test_export_of_another_channels_tracker_is_refused(say):
    say(BVOIP)
    refused = say("export 1", user="ana", channel="C2")
    assert refused.intent == "tracker_error" and "file" not in refused.data


def test_export_of_a_stranger_is_refused(say):
    say(BVOIP)
    assert say("export 1", user="zed", channel="C2").intent == "tracker_error"


def test_export_without_an_id_is_the_channels_last_30_days(say):
    say(BVOIP, at="2026-10-15T08:05:00-05:00")
    say(CSR)
    say("qwest sev 3 ticket 45678 no workaround", channel="C2", user="zed")
    recent = say("export", at="2026-12-01T09:00:00-06:00")
    content = recent.data["file"]["content"]
    assert {r["tracker"] for r in csv.DictReader(io.StringIO(content))} == {"2"}
    since = say("export since 2026-10-01", at="2026-12-01T09:00:00-06:00")
    assert {r["tracker"] for r in csv.DictReader(io.StringIO(since.data["file"]["content"]))} == {
        "1",
        "2",
    }


def test_export_since_an_unreadable_date_says_it_back(say):
    say(BVOIP)
    refused = say("export since 13/45/2026")
    assert "file" not in refused.data and "13/45" in refused.headline


def test_export_as_json(say):
    say(BVOIP)
    exported = say("export 1 as json")
    assert exported.data["file"]["name"].endswith(".json")
    assert '"event": "created"' in exported.data["file"]["content"]


# --- digest verbs ---------------------------------------------------------------------------


def test_digest_verbs(say, db):
    assert "No digest" in say("digest").headline
    set_ = say("digest 8:30am", user="dana", tz="America/New_York",
               at="2026-12-01T09:05:00-05:00")  # fmt: skip
    assert "8:30 AM America/New_York" in set_.headline and "Wed Dec 2, 8:30 AM EST" in set_.headline
    assert "set by dana" in say("digest").headline
    assert "Digest off" in say("digest off").headline
    assert "no digest running" in say("digest off").headline


def test_digest_time_is_read_by_the_time_reader(say):
    assert say("digest 25:99").intent != "digest"
    assert "At what time of day" in say("digest tomorrow").headline
    assert say("digest 7:45 am ET").headline.startswith("Digest set: every business day at 7:45 AM "
                                                          "America/New_York")  # fmt: skip


def test_digest_now_is_for_the_channel(say):
    say(BVOIP)
    now = say("digest now", at="2026-12-01T08:30:00-06:00")
    assert now.data["in_channel"] is True
    assert now.headline.startswith("Desk digest for Tue Dec 1: 1 open, 1 overdue")


def test_digest_in_a_dm_is_refused(say):
    assert say("digest 8:30am", channel="D5").intent == "tracker_error"


# --- the console ------------------------------------------------------------------------------


def test_console_handoff(database, monkeypatch, tmp_path):
    from bot.console import Desk, answer_line

    monkeypatch.setenv("CLEC_BOT_EXPORT_DIR", str(tmp_path))
    db, desk = connect(database), Desk()

    def line(t):
        return answer_line(t, CT, db, desk)

    line("/as ana")
    line("track csr BTN 312-555-0100 submitted 2 hours ago")
    line("bvoip sev 2 latency since 1 hour ago AOTS 555666")
    assert "You are dana" in line("/as dana")
    assert "You have it" in line("take 1")
    assert "Noted" in line("note 1 called the LSC, ticket 7788")
    exported = line("export 1")
    assert "[file] written to" in exported
    assert "called the LSC" in next(tmp_path.glob("clecbot-1-*.csv")).read_text()
    assert "[DM to ana]" in line("assign 2 @ana")
    assert "Digest set" in line("digest 8:30am")
    assert "Desk digest" in line("digest now")


def test_every_change_names_who_made_it(say, db):
    say(BVOIP)
    say("take 1", user="dana")
    say("note 1 hi", user="U2")
    say("release 1", user="ana")
    assert events(db, 1) == [("created", "ana"), ("assigned", "dana"), ("note", "U2"),
                             ("released", "ana")]  # fmt: skip


def test_a_tracker_in_a_dm_is_on_no_board(say):
    made = say(BVOIP, channel="D5")
    assert "Who has it" not in dict(made.facts)
    assert "Who has it" in dict(say(BVOIP).facts)


# (said at 9:00 AM Chicago, the digest's time set, or the start of the question asked back)
DIGEST_TIMES = [
    ("digest 8:30am", "8:30 AM America/Chicago"),
    ("digest 8.30 pm", "8:30 PM America/Chicago"),
    ("digest 13:30", "1:30 PM America/Chicago"),
    ("digest 08:30", "8:30 AM America/Chicago"),
    ("digest 8:30 in the morning", "8:30 AM America/Chicago"),
    ("digest noon", "12:00 PM America/Chicago"),
    ("digest 8am ET", "8:00 AM America/New_York"),
    ("digest 8:30", "8:30 in the morning or the evening?"),
    ("digest at 8:30", "8:30 in the morning or the evening?"),
    ("digest half past 8", "8:30 in the morning or the evening?"),
    ("digest in 2 hours", "At what time of day?"),
    ("digest monday", "At what time of day?"),
    ("digest 0830", "I could not read '0830'"),
]


@pytest.mark.parametrize(("line", "expected"), DIGEST_TIMES)
def test_digest_time_of_day(say, line, expected):
    reply = say(line, at="2026-11-30T09:00:00-06:00")
    if expected.endswith(("Chicago", "New_York")):
        assert reply.headline.startswith(f"Digest set: every business day at {expected}")
    else:
        assert reply.headline.startswith(expected), reply.headline
