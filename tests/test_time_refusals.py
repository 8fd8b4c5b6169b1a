"""Time that cannot be read, or cannot be trusted, is said back and asked about (reading 11).

Asked Mon 2026-11-23 10:00 AM CT. Every line below must get "I could not read ..." (or,
for a future moment where the past is meant, the question "when was it?") instead of an
answer for now or for the wrong day, through the real conversation and through tracker
creation, and nothing may be stored. The last table is the other side: ids, codes,
severities and intervals that look like numbers are not time, and are not refused.
"""

from __future__ import annotations

import pytest

from bot.conversation import respond
from bot.knowledge.loader import load
from bot.understanding import understand
from storage import trackers as repo
from storage.db import connect
from tests.conftest import at

NOW = at("2026-11-23 10:00 CT")
ISO_NOW = NOW.isoformat()
COULD_NOT_READ = "i could not read"
FUTURE = "in the future"

QUESTIONS = [
    # text, what the headline must say
    ("is the lsc open on the 31st of smarch?", COULD_NOT_READ),
    ("is the npsc open at 25:99?", COULD_NOT_READ),
    ("who handles ftp failures on 13/45?", COULD_NOT_READ),
    ("is the lsc open the 3rd-ish?", COULD_NOT_READ),
    ("is the npsc open 4ish pm", COULD_NOT_READ),
    ("is the lsc open sometime tmrw arvo", COULD_NOT_READ),
    ("is the npsc open at 4pm or 5pm", COULD_NOT_READ),
    ("is the npsc open feb 30", COULD_NOT_READ),
    ("is the wshd open 0830", COULD_NOT_READ),  # a 24-hour time with nothing to place it
    ("is the lsc open 2026-13-45", COULD_NOT_READ),
    ("is the lsc open at 13pm", COULD_NOT_READ),
    ("npsc open 1/5/100?", COULD_NOT_READ),  # the year 100
    ("is the npsc open jan 5 1969 at 9am", COULD_NOT_READ),
    ("is the lsc open tue 1/6/2027 9am", COULD_NOT_READ),  # Jan 6, 2027 is a Wednesday
    ("is the lsc open at 4pm eastern or 3pm pacific", COULD_NOT_READ),
    ("is the npsc open next week?", COULD_NOT_READ),
    ("is the npsc open end of month", COULD_NOT_READ),
    ("npsc open in q3 2027?", COULD_NOT_READ),
    ("was the lsc open a few hours ago", COULD_NOT_READ),
    ("is the npsc open december 24 in 2027 or 2028", COULD_NOT_READ),
    ("is the lsc open at 2026-11-30t16:45:00+19:00", COULD_NOT_READ),  # no such offset
    ("is the npsc open 2 hours ago at 4pm", COULD_NOT_READ),  # a relative and a clock time
    ("csr submitted at 4pm, can i escalate yet?", FUTURE),  # 4 pm today is still ahead
    ("bvoip sev 1 down since tomorrow, who now?", FUTURE),
    ("csr submitted 11/30, can i escalate?", FUTURE),
    ("qwest sev 2 ticket opened today 3pm, how often do they update", FUTURE),
]


@pytest.mark.parametrize("text,says", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_question_is_refused(ask, text, says):
    reply = ask(text, at=ISO_NOW)
    assert reply["intent"] == "unreadable", reply
    assert says in reply["headline"].lower(), reply["headline"]
    assert reply["examples"], "a refusal shows forms that are read"


TRACKER_LINES = [
    ("track csr btn 312-555-0100 submitted 25:99", COULD_NOT_READ),
    ("track csr btn 312-555-0100 submitted at 4pm", FUTURE),
    ("track csr btn 312-555-0100 submitted 4ish pm", COULD_NOT_READ),
    ("track csr btn 312-555-0100 submitted 1/5/1969 9am", COULD_NOT_READ),
    ("bvoip sev 1 site down since 13/45 aots 1234567", COULD_NOT_READ),
    ("bvoip sev 1 site down since tomorrow aots 1234567", FUTURE),
    ("bvoip sev 2 degraded since 9am or 10am aots 1234567", COULD_NOT_READ),
    ("qwest sev 2 ticket 45678 opened 2026-13-01 9am", COULD_NOT_READ),
    ("pls track qwest sev 3 ticket 45679 opened the 3rd-ish", COULD_NOT_READ),
    ("remind me at 25:99 to call the lsc", COULD_NOT_READ),
    ("remind me 4ish pm to call the lsc about PON 12345", COULD_NOT_READ),
]


@pytest.mark.parametrize("text,says", TRACKER_LINES, ids=[t[0] for t in TRACKER_LINES])
def test_tracker_is_not_created(tmp_path, text, says):
    db = connect(str(tmp_path / "t.db"))
    reply = respond(text, at=NOW, tz="America/Chicago", user="U1", db=db, tracker=True)
    assert says in reply.headline.lower(), reply.headline
    assert repo.get(db, 1) is None, "nothing may be stored"


NOT_TIME = [
    "who handles SF0101 errors?",
    "csr reject code 002?",
    "what does reject 018 mean",
    "sev 2 bvoip, who is level 3?",
    "who is tier 4 at qwest",
    "is the iscc 24x7?",
    "is a csr due in 3 business days?",
    "does qwest update at 4-hour intervals?",
    "e911 trouble, who handles it?",
    "how often should qwest update a sev 3, every 2 hours?",
    "status of ticket 45678",
    "csr for btn 312-555-0100",
    "pon 12345 rejected, who do i call",
    "aots 1234567 still open",
    "reqtyp c standalone ports, who?",
    "call 800-555-0100 for what",
    "my 2nd escalation attempt got no answer",
    "who is the 3rd level for csr",
    "sev 1 bvoip reported 90 minutes ago, who now?",
    "qwest tier 1 responds within 2 hours?",
    "lnpc open 24 hours?",
    "how many hours until level 3",
    "tier 2 may escalate after 4 hours",
    "is the npsc open 12 hours a day",
    "what severity is one way audio at 3 sites",  # a count of things, not 3 o'clock
    "what severity is no dial tone at 2 different locations",
    "is the wshd open on the weekend",  # the hours, not one moment
    "does a csr take 2 1/2 hours?",  # a length of time, not Jan 2
    "is the npsc open 24/7",
    "is the npsc open from 8 to 5?",  # hours, not 8 o'clock
    "is the iscc open overnight",
    "is the lsc open all day",
    "pon 1234 ct rejected",
    "is the npsc closed for lunch?",  # habitual: the hours, not a moment
    "does qwest keep tickets 2 years?",
]


@pytest.mark.parametrize("text", NOT_TIME)
def test_numbers_that_are_not_time_are_not_refused(text):
    moment = understand(load(), text, NOW, "America/Chicago").moment
    assert moment.readable, (moment.unread, moment.problem)


def test_the_refusal_quotes_what_it_could_not_read(ask):
    reply = ask("is the npsc open on the 31st of smarch?", at=ISO_NOW)
    assert "'31st of smarch'" in reply["headline"]


def test_a_readable_answer_names_its_moment(ask):
    reply = ask("is the npsc open 11/30 at 4pm ET?", at=ISO_NOW)
    assert "Mon Nov 30, 3:00 PM CST" in reply["headline"]


@pytest.mark.parametrize("until", ["until 25:99", "until 4ish pm", "until 4pm or 5pm"])
def test_a_snooze_until_an_unreadable_time_changes_nothing(tmp_path, until):
    db = connect(str(tmp_path / "t.db"))
    line = "bvoip sev 1 site down since 8am central aots 1234567"
    respond(line, at=NOW, tz="America/Chicago", user="U1", db=db, tracker=True)
    before = (repo.get(db, 1), repo.events(db, 1))
    reply = respond(f"snooze 1 {until}", at=NOW, tz="America/Chicago", user="U1", db=db)
    assert "could not read" in reply.headline.lower() and "'until 3pm'" in reply.headline
    assert (repo.get(db, 1), repo.events(db, 1)) == before


def test_a_snooze_until_a_time_is_read_by_the_same_reader(tmp_path):
    db = connect(str(tmp_path / "t.db"))
    line = "bvoip sev 1 site down since 8am central aots 1234567"
    respond(line, at=NOW, tz="America/Chicago", user="U1", db=db, tracker=True)
    reply = respond("snooze 1 until 11:30am ET", at=NOW, tz="America/Chicago", user="U1", db=db)
    assert "Snoozed until Mon Nov 23, 10:30 AM CST" in reply.headline
