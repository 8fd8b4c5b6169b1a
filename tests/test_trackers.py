"""Trackers in conversation: EXAMPLES.md's tracker table and more, then the verbs.

Each case is one line said at an instant; the schedule is read back as
(level, due_at) in the owner's zone. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from bot.cli import track_one
from storage import trackers as repo


@pytest.fixture
def track(db):
    def _track(text, at="2026-12-01T08:05:00-06:00", tz="America/Chicago", user="U1"):
        return track_one(text, at, tz, user, db=db)

    return _track


def schedule(reply: dict) -> list[tuple[int, str]]:
    return [(s["level"], s["due_at"]) for s in reply["steps"]]


CSR_ET = "America/New_York"
SCHEDULES = [
    # EXAMPLES.md: after the 3 PM ET cut-off the interval starts Tue 8:00 AM ET
    ("2026-11-30T15:35:00-05:00", CSR_ET,
     "track csr BTN 312-555-0100 submitted 2026-11-30 3:30pm ET", "csr", None,
     [(1, "2026-12-04T08:00:00-05:00"), (2, "2026-12-04T12:00:00-05:00"),
      (3, "2026-12-04T16:00:00-05:00")]),
    ("2026-11-30T11:05:00-05:00", CSR_ET,
     "track csr BTN 312-555-0101 submitted 2026-11-30 11am ET", "csr", None,
     [(1, "2026-12-03T11:00:00-05:00"), (2, "2026-12-03T15:00:00-05:00"),
      (3, "2026-12-04T10:00:00-05:00")]),
    ("2026-12-01T08:05:00-06:00", "America/Chicago",
     "track bvoip sev2 reported 2026-12-01 08:00 CT", "bvoip", 2,
     [(1, "2026-12-01T08:00:00-06:00"), (2, "2026-12-01T10:00:00-06:00"),
      (3, "2026-12-01T12:00:00-06:00"), (4, "2026-12-01T14:00:00-06:00"),
      (4, "2026-12-01T16:00:00-06:00")]),
    ("2026-12-01T08:05:00-06:00", "America/Chicago",
     "bvoip: whole site down since 8am central, AOTS 1234567", "bvoip", 1,
     [(1, "2026-12-01T08:00:00-06:00"), (2, "2026-12-01T09:00:00-06:00"),
      (3, "2026-12-01T10:00:00-06:00"), (4, "2026-12-01T11:00:00-06:00"),
      (4, "2026-12-01T12:00:00-06:00")]),
    # the owner's zone: the same CSR seen from Chicago
    ("2026-11-30T10:05:00-06:00", "America/Chicago",
     "track csr btn 3125550102 submitted today 10am central", "csr", None,
     [(1, "2026-12-03T10:00:00-06:00"), (2, "2026-12-03T14:00:00-06:00"),
      (3, "2026-12-04T09:00:00-06:00")]),
    # the cut-off, both sides (2:59 PM ET starts at receipt, 3:00 PM ET the next day)
    ("2026-11-30T15:10:00-05:00", CSR_ET, "track csr BTN 312-555-0103 submitted today 2:59pm",
     "csr", None, [(1, "2026-12-03T14:59:00-05:00"), (2, "2026-12-04T09:59:00-05:00"),
                   (3, "2026-12-04T13:59:00-05:00")]),
    ("2026-11-30T15:10:00-05:00", CSR_ET, "track csr BTN 312-555-0104 submitted today 3pm",
     "csr", None, [(1, "2026-12-04T08:00:00-05:00"), (2, "2026-12-04T12:00:00-05:00"),
                   (3, "2026-12-04T16:00:00-05:00")]),
    # weekend and Thanksgiving
    ("2026-11-28T12:00:00-05:00", CSR_ET, "track csr BTN 312-555-0105 submitted today 10am",
     "csr", None, [(1, "2026-12-03T08:00:00-05:00"), (2, "2026-12-03T12:00:00-05:00"),
                   (3, "2026-12-03T16:00:00-05:00")]),
    ("2026-11-25T16:30:00-05:00", CSR_ET, "track csr BTN 312-555-0106 submitted today 4pm",
     "csr", None, [(1, "2026-12-02T08:00:00-05:00"), (2, "2026-12-02T12:00:00-05:00"),
                   (3, "2026-12-02T16:00:00-05:00")]),
    # BVoIP severity from the words; wall clock across the DST change
    ("2026-10-31T23:45:00-05:00", "America/Chicago",
     "bvoip latency and choppy audio since 11:30pm AOTS 7654321", "bvoip", 2,
     [(1, "2026-10-31T23:30:00-05:00"), (2, "2026-11-01T01:30:00-05:00"),
      (3, "2026-11-01T02:30:00-06:00"), (4, "2026-11-01T04:30:00-06:00"),
      (4, "2026-11-01T06:30:00-06:00")]),
    ("2026-12-01T08:05:00-06:00", "America/Chicago",
     "bvoip one way audio at main office since 7:50 aots 555666", "bvoip", 1,
     [(1, "2026-12-01T07:50:00-06:00"), (2, "2026-12-01T08:50:00-06:00"),
      (3, "2026-12-01T09:50:00-06:00"), (4, "2026-12-01T10:50:00-06:00"),
      (4, "2026-12-01T11:50:00-06:00")]),
    # Qwest IT: sev 1 wall clock; 2-4 on WSHD hours (Fri night -> Saturday, Saturday -> Monday)
    ("2026-11-28T22:00:00-07:00", "America/Denver", "qwest sev 1 ticket 45670 opened at 10pm",
     "qwest_it", 1, [(1, "2026-11-28T23:00:00-07:00")]),
    ("2026-11-27T19:30:00-07:00", "America/Denver", "qwest sev 2 ticket 45671 just opened",
     "qwest_it", 2, [(1, "2026-11-28T07:30:00-07:00")]),
    ("2026-11-28T14:00:00-07:00", "America/Denver", "qwest sev 3 ticket 45678 no workaround",
     "qwest_it", 3, [(1, "2026-11-30T09:00:00-07:00")]),
    ("2026-11-23T10:00:00-07:00", "America/Denver", "qwest severity 4 ticket 45679",
     "qwest_it", 4, [(1, "2026-11-27T16:00:00-07:00")]),
    ("2026-11-23T10:00:00-07:00", "America/Denver", "qwest sev 3 ticket 45680 workaround in place",
     "qwest_it", 3, []),
    # Qwest process (CSIE): Tier 1's 2-hour response
    ("2026-11-23T09:00:00-07:00", "America/Denver", "track csie process ticket 88001 opened 9am",
     "qwest_process", None, [(1, "2026-11-23T11:00:00-07:00")]),
    # reading 13: filler words in front of a named ladder start that ladder (EXAMPLES.md's
    # last row: the CSIR went in before the 3 PM ET cut-off, so due Tue 12-08 11 am ET)
    ("2026-12-03T16:00:00-05:00", CSR_ET,
     "can you keep an eye on a CSR for BTN 212-555-0142, CSIR went in 12/3 at 11am ET", "csr",
     None, [(1, "2026-12-08T11:00:00-05:00"), (2, "2026-12-08T15:00:00-05:00"),
            (3, "2026-12-09T10:00:00-05:00")]),
    ("2026-12-01T08:05:00-06:00", "America/Chicago",
     "remind me about the bvoip trouble AOTS 1234568, one way audio since 7:50", "bvoip", 1,
     [(1, "2026-12-01T07:50:00-06:00"), (2, "2026-12-01T08:50:00-06:00"),
      (3, "2026-12-01T09:50:00-06:00"), (4, "2026-12-01T10:50:00-06:00"),
      (4, "2026-12-01T11:50:00-06:00")]),
    # a BVoIP trouble by its symptom alone (no "bvoip"): customers can't call in = severity 1
    ("2026-12-01T08:05:00-06:00", "America/Chicago",
     "pls track: customers can't call in since 8am, ticket 99881", "bvoip", 1,
     [(1, "2026-12-01T08:00:00-06:00"), (2, "2026-12-01T09:00:00-06:00"),
      (3, "2026-12-01T10:00:00-06:00"), (4, "2026-12-01T11:00:00-06:00"),
      (4, "2026-12-01T12:00:00-06:00")]),
    ("2026-11-23T09:00:00-07:00", "America/Denver",
     "keep an eye on a lumen process ticket 88002 opened 9am", "qwest_process", None,
     [(1, "2026-11-23T11:00:00-07:00")]),
    # a reminder
    ("2026-11-23T10:00:00-06:00", "America/Chicago",
     "remind me in 2 hours to escalate PON 12345 to the LSC", "custom", None,
     [(1, "2026-11-23T12:00:00-06:00")]),
    ("2026-11-23T10:00:00-06:00", "America/Chicago",
     "remind me at 3pm ET tomorrow to call the NPSC about PON 777", "custom", None,
     [(1, "2026-11-24T14:00:00-06:00")]),
]  # fmt: skip


@pytest.mark.parametrize("at,tz,text,kind,severity,steps", SCHEDULES, ids=[s[2] for s in SCHEDULES])
def test_schedule(track, at, tz, text, kind, severity, steps):
    reply = track(text, at=at, tz=tz)
    assert (reply["kind"], reply["severity"]) == (kind, severity), reply["text"]
    assert schedule(reply) == steps
    assert isinstance(reply["id"], int) and reply["text"]


def test_steps_carry_whom_to_contact(track):
    reply = track("bvoip sev 1 site down since 8am central AOTS 1234567")
    level2 = reply["steps"][1]["contact"][0]
    assert "(877) 288-8362" in level2["phone"] and "Team Lead" in level2["prompt"]
    assert "Team Lead" in track("show 1")["text"] or "Team Manager" in track("show 1")["text"]


def test_references_are_kept(track, db):
    reply = track("track csr BTN 312-555-0100 customer Acme Widgets, submitted today 7am")
    assert reply["refs"] == {"btn": "3125550100", "customer": "Acme Widgets"}


def test_list_and_show(track):
    track("bvoip sev 1 site down since 8am central AOTS 1234567")
    track("qwest sev 3 ticket 45678 no workaround")
    listing = track("my trackers")
    assert "#1" in listing["text"] and "#2" in listing["text"]
    shown = track("show 1")
    assert "<@U1> started it" in shown["text"] and "AOTS 1234567" in shown["text"]


CONVERSATION = [
    # line, words the reply holds
    ("escalated 1", ["Escalated to level"]),
    ("escalated 1", ["Already at level"]),
    ("escalated 1 to level 3", ["Escalated to level 3"]),
    ("snooze 1 30m", ["Snoozed until"]),
    ("resolved 1", ["Resolved"]),
    ("resolved 1", ["already resolved"]),
    ("snooze 1 1h", ["resolved"]),
    ("reopen 1", ["Reopened"]),
    ("reopen 1", ["already open"]),
]


def test_verbs_are_idempotent_state_changes(track, db):
    track("bvoip sev 1 site down since 8am central AOTS 1234567", at="2026-12-01T09:10:00-06:00")
    for line, words in CONVERSATION:
        reply = track(line, at="2026-12-01T09:10:00-06:00")
        for word in words:
            assert word.lower() in reply["text"].lower(), (line, reply["text"])
    kinds = [e["kind"] for e in repo.events(db, 1)]
    assert kinds == ["created", "escalated", "escalated", "snoozed", "resolved", "reopened"]


def test_resolve_cancels_waiting_steps(track, db):
    track("bvoip sev 2 degraded since 8am central AOTS 1111111")
    track("resolved 1")
    assert {s.state for s in repo.get(db, 1).steps} == {"cancelled"}


def test_update_on_a_qwest_ticket_restarts_the_clock(track):
    track(
        "qwest sev 3 ticket 45678 no workaround",
        at="2026-11-23T09:00:00-07:00",
        tz="America/Denver",
    )
    reply = track("got an update on 45678", at="2026-11-23T11:30:00-07:00", tz="America/Denver")
    waiting = [s for s in reply["steps"] if s["state"] == "pending"]
    assert [s["due_at"] for s in waiting] == ["2026-11-23T15:30:00-07:00"]
    stopped = track(
        "workaround provided on 45678", at="2026-11-23T12:00:00-07:00", tz="America/Denver"
    )
    assert not [s for s in stopped["steps"] if s["state"] == "pending"]
    assert "stop nudging" in stopped["text"]


def test_qwest_closure_window_nudge(track):
    track(
        "track csie process ticket 88001 opened 9am",
        at="2026-11-23T09:30:00-07:00",
        tz="America/Denver",
    )
    reply = track("qwest wants to close 88001", at="2026-11-24T10:00:00-07:00", tz="America/Denver")
    closure = [s for s in reply["steps"] if s["kind"] == "closure"]
    assert [s["due_at"] for s in closure] == ["2026-11-25T08:00:00-07:00"]


PERMISSIONS = [
    # who acts, channel members, allowed?
    ("U1", set(), True),  # the owner
    ("U2", {"U2"}, True),  # a member of the channel it was made in
    ("U3", {"U2"}, False),  # a stranger
]


@pytest.mark.parametrize("user,members,allowed", PERMISSIONS)
def test_who_may_act(db, user, members, allowed):
    from bot.conversation import respond
    from tests.conftest import at

    now = at("2026-12-01 09:00 CT")
    respond("bvoip sev 1 site down since 8am central AOTS 1234567", at=now, tz="America/Chicago",
            user="U1", db=db, channel="C1")  # fmt: skip
    reply = respond("resolved 1", at=now, tz="America/Chicago", user=user, db=db,
                    members=lambda channel: members if channel == "C1" else set())  # fmt: skip
    assert (repo.get(db, 1).state == "resolved") is allowed
    if not allowed:
        assert "Nothing changed" in reply.headline


BAD_INPUT = [
    ("track bvoip AOTS 1234567", "severity"),  # no severity, no words that tell it
    ("track something", "Which escalation"),
    ("remind me to call the lsc", "When should I remind you"),
    ("resolved 99", "no tracker #99"),
    ("snooze 1 forever", "how long"),
    ("snooze 1 30d", "a week at most"),
    ("track csr btn 312-555-0100 submitted tomorrow 9am", "in the future"),
    ("track frontier csr btn 312-555-0100 submitted today 7am", "AT&T and Qwest only"),
    ("got an update on 99999", "no open tracker"),
]


@pytest.mark.parametrize("line,words", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_changes_nothing(track, db, line, words):
    track("bvoip sev 1 site down since 8am central AOTS 1234567")
    before = (repo.get(db, 1), repo.events(db, 1))
    reply = track(line)
    assert words.lower() in reply["text"].lower()
    assert "Traceback" not in reply["text"]
    assert (repo.get(db, 1), repo.events(db, 1)) == before
    assert repo.get(db, 2) is None
