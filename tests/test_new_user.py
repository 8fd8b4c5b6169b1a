"""The product tried end to end as a new desk user would: one line said by someone,
somewhere, at an instant, and what a desk person reads back. Each case is a defect the
new-user round found (what it gave is in the comment); Slack's cases run against the fake.

Channel C1's desk has ana, dana and U2.
"""

from __future__ import annotations

import json
import time

import pytest

from bot import digest
from bot.conversation import respond
from bot.knowledge.loader import load
from bot.moments import parse_instant
from bot.reply import render_text
from bot.scheduler import Scheduler
from storage import desk as desk_store
from tests.fake_slack import dm_message
from tests.test_slack import Bot

CT = "America/Chicago"
T0 = "2026-11-30T10:00:00-06:00"  # a Monday
MEMBERS = {"C1": {"ana", "dana", "U2"}}


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "new_user.db")


@pytest.fixture
def say(db_path):
    from storage.db import connect

    db = connect(db_path)

    def _say(text, user="ana", channel="C1", at=T0, tz=CT):
        return respond(text, at=parse_instant(at, tz), tz=tz, user=user, db=db, channel=channel,
                       members=lambda ch: MEMBERS.get(ch, set()), k=load())  # fmt: skip

    return _say


# --- lists say what is due now, not a level long passed -------------------------------------

LATE_BVOIP = "track bvoip sev 1 down since 11am"  # at 10 AM: yesterday 11 AM, every level passed
FRESH_BVOIP = "bvoip sev 1 site down since 8:30am central AOTS 1234567"  # level 2 due 9:30
CSR = "track csr BTN 312-555-0100 submitted 2026-11-27 11am ET"  # due Wed Dec 2


def test_my_trackers_shows_the_level_due_now(say):
    say(FRESH_BVOIP)
    listed = say("my trackers").rows[0][1]
    assert listed.startswith("OVERDUE: level 2 due since Mon Nov 30, 9:30 AM CST")  # was level 1


def test_board_is_ordered_by_what_it_shows(say):
    say(CSR)
    say("track bvoip sev 1 site down since 6am")  # #2: level 1 at 6:00, last nudge at 10:00
    say("track bvoip sev 2 degraded since 6:30am")  # #3: level 1 at 6:30, level 2 due since 8:30
    board = say("board")
    assert [r[0].split()[0] for r in board.rows] == ["#3", "#2", "#1"]  # was #2 #3 #1
    assert "level 2 due since Mon Nov 30, 8:30 AM CST" in board.rows[0][1]
    assert "last nudge (level 4's interval ends) due since Mon Nov 30, 10:00" in board.rows[1][1]


def test_board_does_not_repeat_the_ladder_and_says_what_a_level_means(say):
    say(FRESH_BVOIP)
    (row,) = say("board").rows
    assert row[1].startswith("not yet nudged; on the board")  # was "BVoIP trouble, not yet ..."


def test_a_tracker_made_in_a_dm_is_not_on_the_board(say):
    say(FRESH_BVOIP, channel="D1")
    (row,) = say("board", channel="D1").rows
    assert "on the board" not in row[1] and "started by ana" in row[1]


# --- times ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, moment",
    [
        ("is the lnpc open 2026-12-01 0830", "Tue Dec 1, 8:30 AM CST"),  # was refused
        ("is the lnpc open dec 1 0830", "Tue Dec 1, 8:30 AM CST"),  # was "year 830"
        ("is the lnpc open 1 dec 2026 0830", "Tue Dec 1, 8:30 AM CST"),
        ("is the lnpc open dec 1, 2026 1400", "Tue Dec 1, 2:00 PM CST"),  # was refused
    ],
)
def test_a_24_hour_clock_after_a_date(say, line, moment):
    reply = say(line)
    assert reply.intent == "hours" and moment in reply.headline


@pytest.mark.parametrize(
    "line, said",
    [
        ("is the lsc open in the year 100", "the year 100"),  # was answered for now
        ("lsc open in year 3000", "year 3000"),
        ("is the lnpc open jan 5 0999", "jan 5 0999"),  # not a clock: a year, refused
    ],
)
def test_a_year_that_cannot_be_read_is_said_back(say, line, said):
    reply = say(line)
    assert reply.intent == "unreadable" and f"'{said}'" in reply.headline


def test_a_reported_instant_with_a_24_hour_clock_starts_the_tracker(say):
    reply = say("track bvoip sev 1 reported 2026-11-30 0830")  # was "could not read '0830'"
    assert reply.intent == "tracker"
    assert "Level 2 (Team Manager) is due now (since Mon Nov 30, 9:30 AM CST)" in reply.headline


# --- the Qwest clock asked about leads --------------------------------------------------------


@pytest.mark.parametrize(
    "line, headline",
    [
        ("qwest sev 1 ticket opened 45 minutes ago, when is the next update",
         "updates every hour; the next is due Mon Nov 30, 10:15 AM CST."),
        ("qwest sev 1 ticket opened 3 hours ago, when is the next update",
         "updates every hour; the first was due Mon Nov 30, 8:00 AM CST."),
        ("qwest sev 3 with workaround opened at 8am",
         "with a workaround: no scheduled updates"),  # was "updates none while ..."
    ],
)  # fmt: skip
def test_qwest_update_clock_in_the_headline(say, line, headline):
    assert headline in say(line).headline


# --- desk verbs with ids nobody has -----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["take 99999999999999999999", "note 99999999999999999999 called Tier 1",
     "export 123456789012345678901234567890", "release 123456789012345678901234567890"],
)  # fmt: skip
def test_desk_verbs_with_a_huge_id_say_no_such_tracker(say, line):
    assert "I have no tracker #" in say(line).headline  # was "I don't know that" / "since when?"


# --- the digest -----------------------------------------------------------------------------


def test_a_digest_set_after_todays_time_starts_tomorrow(say, db_path):
    from storage.db import connect

    set_reply = say("digest 8:30am", at="2026-11-30T09:00:00-06:00")
    assert "next Tue Dec 1, 8:30 AM CST" in set_reply.headline
    db, k = connect(db_path), load()
    (d,) = desk_store.digests(db)
    noon = parse_instant("2026-11-30T12:00:00-06:00", CT)
    assert digest.due_runs(k, d, noon) == []  # was today's run, posted "late"
    tuesday = parse_instant("2026-12-01T08:31:00-06:00", CT)
    assert [day.isoformat() for day, _ in digest.due_runs(k, d, tuesday)] == ["2026-12-01"]


def test_the_digest_names_people_as_live_mentions(say):
    say(FRESH_BVOIP, user="U2")
    reply = say("digest now")
    assert reply.data["people"] == ["U2"]  # was []: "&lt;@U2&gt; has it" in Slack


def test_a_scheduler_tick_posts_no_digest_set_after_its_time(say, db_path):
    from storage.db import connect

    say("digest 8:30am", at="2026-11-30T09:00:00-06:00")
    posted = []

    class Poster:
        def post_digest(self, channel, reply):
            posted.append((channel, reply.headline))

    k, db = load(), connect(db_path)
    assert digest.tick(k, db, parse_instant("2026-11-30T09:01:00-06:00", CT), Poster()) == 0
    assert digest.tick(k, db, parse_instant("2026-12-01T08:30:05-06:00", CT), Poster()) == 1
    assert posted[0][0] == "C1" and "late" not in posted[0][1]


# --- Slack ----------------------------------------------------------------------------------


@pytest.fixture
def bot(tmp_path, monkeypatch):
    b = Bot(tmp_path, monkeypatch)
    b.fake.channel_members["C1"] = ["U1", "U2", "U3"]
    yield b
    b.close()


def _buttons(call) -> list[str]:
    rows = [b for b in call.json_param("blocks") if b["type"] == "actions"]
    return [e["action_id"] for e in rows[0]["elements"]] if rows else []


def test_slack_shift_handoff(bot):
    """U1 starts a tracker in C1; U2 hands it to U3: U3's DM names U2, the nudge follows
    U3 without a 'Take it' (U3 has it), the board and the digest mention people live."""
    bot.command("track bvoip sev 1 site down since 2 hours ago AOTS 1234567", name="t")
    assert "Tracking #1" in json.dumps(bot.answer("t"))
    bot.fake.reset()
    bot.command("assign 1 <@U3|dana>", user="U2", name="a")
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U3"
    assert dm.params["text"].startswith("<@U2> gave you #1")  # was "&lt;@U2&gt; gave you"
    bot.fake.reset()
    Scheduler(bot.deps.k, _notifier(bot), bot.db_path, tick=1).tick()
    (nudge,) = bot.fake.wait_for("chat.postMessage")
    assert nudge.params["channel"] == "U3" and "level 3" in nudge.params["text"]
    assert "clec_take" not in _buttons(nudge)  # U3 has it already
    bot.command("digest now", user="U2", name="d")
    shown = json.dumps(bot.answer("d"))
    assert "<@U3> has it" in shown and "&lt;@U3&gt;" not in shown


def test_slack_my_trackers_in_a_dm_shows_the_level_due(bot):
    bot.command("track bvoip sev 2 degraded since 3 hours ago", user="U1", name="t")
    bot.answer("t")
    bot.fake.reset()
    bot.event(dm_message("my trackers", user="U1", channel="DU1"), event_id="EvMine")
    (said,) = bot.fake.wait_for("chat.postMessage")
    assert "OVERDUE: level 2 due since" in json.dumps(said.params)  # was "level 1 due ..."


def test_slack_nudge_of_a_board_tracker_offers_take_it_in_the_owners_dm(bot):
    bot.command("track bvoip sev 1 site down since 30 minutes ago", user="U1", name="t")
    bot.answer("t")
    bot.fake.reset()
    Scheduler(bot.deps.k, _notifier(bot), bot.db_path, tick=1).tick()
    (nudge,) = bot.fake.wait_for("chat.postMessage")
    assert nudge.params["channel"] == "U1" and "clec_take" in _buttons(nudge)


def _notifier(bot):
    from bot.handlers.notifier import SlackNotifier

    time.sleep(0.05)
    return SlackNotifier(bot.app.client)


def test_plain_text_board_headline(say):
    say(FRESH_BVOIP)
    say(CSR)
    assert render_text(say("board")).startswith(
        "Open trackers on this channel's desk (2, by next due); 1 overdue."
    )


# --- snooze ---------------------------------------------------------------------------------

DEGRADED = "track bvoip sev 2 degraded since 9am AOTS 5556667"  # level 1 due since 9:00


def test_a_snoozed_tracker_says_when_the_next_nudge_goes_out(say):
    say(DEGRADED)
    reply = say("snooze 1 until 1:30pm")
    facts = dict(reply.facts)
    assert "Next" not in facts  # was "Next: Level 2 ... 11:00 AM", held by the snooze
    assert facts["Next nudge"] == (
        "Mon Nov 30, 1:30 PM CST, when the snooze ends: Level 3 (Customer Service Managers)"
    )
    assert "snoozed until Mon Nov 30, 1:30 PM CST" in say("board").rows[0][1]
    assert "snoozed until Mon Nov 30, 1:30 PM CST" in say("my trackers").rows[0][1]


def test_a_resolved_tracker_is_not_shown_snoozed(say):
    say(DEGRADED)
    say("snooze 1 2h")
    assert "Snoozed until" not in dict(say("resolved 1").facts)  # was shown


@pytest.mark.parametrize(
    "line, said",
    [
        ("snooze 1 until 25:99", "I could not read '25:99'"),  # was "Snooze for how long?"
        ("snooze 1 until 4ish", "I could not read '4ish'"),
        ("snooze 1 until 9am today", "Mon Nov 30, 9:00 AM CST has passed"),
        ("snooze 1 forever", "Snooze for how long?"),
    ],
)
def test_a_snooze_it_cannot_do_says_why(say, line, said):
    say(DEGRADED)
    reply = say(line)
    assert reply.headline.startswith(said) and "'until 3pm'" in reply.headline
    assert "Snoozed until" not in render_text(say("show 1"))


def test_show_and_export_give_the_snooze_in_the_readers_zone(say):
    say(DEGRADED)
    say("snooze 1 until 1:30pm")
    shown = render_text(say("show 1", tz="America/New_York", at="2026-11-30T11:00:00-05:00"))
    assert "snoozed it until Mon Nov 30, 2:30 PM EST" in shown  # was 1:30 PM CST
    exported = say("export 1", tz="America/New_York", at="2026-11-30T11:00:00-05:00")
    assert "until 2026-11-30T14:30:00-05:00" in exported.data["file"]["content"]  # was ...Z


def test_slack_take_it_in_the_channel_is_said_of_the_clicker(bot):
    """The thread copy is read by the whole channel: 'Taken by @U2', not 'You have it'."""
    from tests.fake_slack import app_mention

    bot.event(app_mention("track bvoip sev 1 site down since 30 minutes ago", user="U1"), "EvT")
    bot.fake.wait_for("chat.postMessage")
    bot.fake.reset()
    Scheduler(bot.deps.k, _notifier(bot), bot.db_path, tick=1).tick()
    dm, thread = bot.fake.wait_for("chat.postMessage", count=2)
    assert thread.params["channel"] == "C1" and "clec_take" in _buttons(thread)
    bot.click("clec_take", "1:1", user="U2", channel="C1")
    (update,) = bot.fake.wait_for("chat.update")
    shown = json.dumps(update.params)
    assert "Taken by <@U2>" in shown and "You have it" not in shown  # was both


def test_slack_a_nudge_to_an_assignee_is_in_their_zone(bot):
    """U1 (Chicago) starts it, U3 (New York) has it: U3's nudge says EST (was CST)."""
    from bot.handlers.notifier import SlackNotifier

    bot.fake.user_zones["U3"] = "America/New_York"
    bot.command("track bvoip sev 1 site down since 30 minutes ago", user="U1", name="t")
    bot.answer("t")
    bot.command("assign 1 <@U3|dana>", user="U1", name="a")
    bot.fake.wait_for("chat.postMessage")
    bot.fake.reset()
    notifier = SlackNotifier(bot.app.client, zone_in=bot.deps.zone_of)
    Scheduler(bot.deps.k, notifier, bot.db_path, tick=1).tick()
    (nudge,) = bot.fake.wait_for("chat.postMessage")
    assert nudge.params["channel"] == "U3"
    assert " EST (" in nudge.params["text"] and "CST center time" in nudge.params["text"]


# --- a day is no moment to start a clock at ----------------------------------------------------


@pytest.mark.parametrize(
    "line, asked",
    [
        ("track csr btn 3125550100 submitted 11/29", "At what time on Sun Nov 29 was it submit"),
        ("track bvoip sev 1 reported yesterday", "At what time on Sun Nov 29 was it reported?"),
        ("track qwest sev 2 ticket 55555 opened yesterday", "At what time on Sun Nov 29 was it"),
        ("remind me friday to call the LSC", "At what time on Fri Dec 4 should I remind you?"),
    ],
)  # fmt: skip
def test_a_day_without_a_time_is_asked_about_and_nothing_is_tracked(say, line, asked):
    reply = say(line)  # was: a clock started (or a reminder set) at midnight, said nowhere
    assert reply.headline.startswith(asked)
    assert "no open trackers" in say("my trackers").headline


def test_a_question_counting_from_a_day_says_no_time_was_given(say):
    reply = say("qwest sev 2 ticket opened yesterday, next update?")
    assert "(counting from Sun Nov 29, 12:00 AM CST: no time was given)" in reply.headline


# --- clocks written with a dot; a call already made --------------------------------------------


@pytest.mark.parametrize(
    "line, said",
    [
        ("is the npsc open at 16.30", "Open at Mon Nov 30, 4:30 PM CST"),  # was "Open now"
        ("npsc open tomorrow 16.30", "Open at Tue Dec 1, 4:30 PM CST"),  # was all day
        ("is the npsc open 09.30", "I could not read '09.30'"),  # was "Open now"
        ("called the lsc at 9:15, no answer, who else", "At Mon Nov 30, 9:15 AM CST"),  # was PM
        ("the fee is 16.30 dollars, who handles billing disputes", "Billing Dispute"),
    ],
)
def test_dotted_clocks_and_calls_made(say, line, said):
    assert said in say(line).headline


@pytest.mark.parametrize(
    "line, said",
    [
        ("npsc open 8 this morning", "Open at Mon Nov 30, 8:00 AM CST"),  # was 9:00 AM
        ("npsc open 3 this afternoon", "Open at Mon Nov 30, 3:00 PM CST"),  # was 2:00 PM
        ("npsc open between 3 and 4", "I could not read 'between 3 and 4'"),  # was "Open now"
        ("is the npsc open at like 3", "I could not read 'at like 3'"),  # was "Open now"
    ],
)
def test_hours_said_around_a_part_of_the_day(say, line, said):
    assert said in say(line).headline


@pytest.mark.parametrize(
    "line, said",
    [
        ("is the npsc open four pm", "Open at Mon Nov 30, 4:00 PM CST"),  # was "Open now"
        ("is the npsc open half past four", "Open at Mon Nov 30, 4:30 PM CST"),  # was "now"
        ("is the npsc open four o'clock", "Open at Mon Nov 30, 4:00 PM CST"),  # was "now"
        ("is the npsc open at four", "I could not read 'at four'"),  # was "Open now"
        ("is the npsc open next business day", "I could not read 'next business day'"),
        ("is the npsc open on the next business day at 9", "'the next business day'"),  # 9 PM
        ("is the npsc open for one way audio", "Open now"),  # no hour said
    ],
)
def test_hours_said_in_words(say, line, said):
    assert said in say(line).headline


def test_slack_an_assignees_dm_is_in_their_zone(bot):
    """U1 (Chicago) gives a tracker to U3 (New York): U3's DM says EST (was CST)."""
    bot.fake.user_zones["U3"] = "America/New_York"
    bot.command("track bvoip sev 1 site down since 30 minutes ago", user="U1", name="t")
    bot.answer("t")
    bot.fake.reset()
    bot.command("assign 1 <@U3|dana>", user="U1", name="a")
    (dm,) = bot.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U3" and " EST (" in dm.params["text"]
    assert "CST center time" in dm.params["text"]


# --- one ticket, one tracker ------------------------------------------------------------------


def test_the_same_ticket_pasted_twice_is_one_tracker(say):
    say(FRESH_BVOIP)
    again = say(FRESH_BVOIP, user="dana")  # was a second tracker: every nudge twice
    assert again.headline.startswith("#1 already tracks AOTS 1234567 (open)")
    assert len(say("board").rows) == 1
    say("resolved 1")
    assert say(FRESH_BVOIP).headline.startswith("Tracking #2")  # resolved: tracked afresh


def test_a_ticket_number_where_a_tracker_number_goes_is_pointed_to_it(say):
    say(FRESH_BVOIP)
    reply = say("resolved 1234567")  # was only "I have no tracker #1234567"
    assert "1234567 is a reference of #1" in reply.headline and "'show 1'" in reply.headline


def test_verbs_on_a_ticket_reference(say):
    say(FRESH_BVOIP)
    say("qwest sev 3 ticket 45678 no workaround")
    assert say("show AOTS 1234567").headline.startswith("#1: BVoIP")  # was "severity 1 or 2?"
    assert say("snooze ticket 45678 1h").headline.startswith("Snoozed until")
    assert say("resolved ticket #45678").headline.startswith("Resolved")
    assert say("resolved ticket 99999").headline.startswith("No open tracker")
