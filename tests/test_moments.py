"""Reading the moment a question is about (DOMAIN.md reading 4). Now is Mon 2026-11-23 10:00 CT."""

from __future__ import annotations

import pytest

from bot.knowledge.loader import load
from bot.moments import read_moment
from tests.conftest import at

NOW = at("2026-11-23 10:00 CT")

MOMENTS = [
    # phrase, the moment in the asker's zone (CT); "now" for unstated
    ("is it open", "2026-11-23 10:00"),
    ("right now", "2026-11-23 10:00"),
    ("rn", "2026-11-23 10:00"),
    ("after 5pm central", "2026-11-23 17:00"),
    ("after 5pm", "2026-11-23 17:00"),
    ("at 6pm", "2026-11-23 18:00"),
    ("at 9am", "2026-11-24 09:00"),  # today's 9 am has passed: tomorrow's
    ("at 9", "2026-11-23 21:00"),  # a bare hour: the next one on the clock
    ("at 7pm eastern", "2026-11-23 18:00"),
    ("7pm et", "2026-11-23 18:00"),
    ("at 3pm pacific", "2026-11-23 17:00"),
    ("noon mountain", "2026-11-23 13:00"),
    ("tonight", "2026-11-23 20:00"),
    ("tomorrow morning", "2026-11-24 09:00"),
    ("tomorrow morning 9 et", "2026-11-24 08:00"),
    ("tomorrow at 5:45 pm", "2026-11-24 17:45"),
    ("saturday 10am pacific", "2026-11-28 12:00"),
    ("tuesday at 5am central", "2026-11-24 05:00"),
    ("next monday 8am", "2026-11-30 08:00"),
    ("monday 8am", "2026-11-23 08:00"),  # today's monday (no roll: the day was named)
    ("in 3 hours", "2026-11-23 13:00"),
    ("in 45 minutes", "2026-11-23 10:45"),
    ("90 minutes ago", "2026-11-23 08:30"),
    ("reported 2 hours ago", "2026-11-23 08:00"),
    ("an hour ago", "2026-11-23 09:00"),
    ("down since 8am", "2026-11-23 08:00"),
    ("since 11am", "2026-11-22 11:00"),  # past reading: yesterday's 11 am
    ("thanksgiving at 10am", "2026-11-26 10:00"),
    ("dec 1 8am", "2026-12-01 08:00"),
    ("12/1 at 8:30am", "2026-12-01 08:30"),
    ("2026-11-30 3:30pm et", "2026-11-30 14:30"),
    ("at 11:30", "2026-11-23 11:30"),
    ("at midnight", "2026-11-24 00:00"),
]


@pytest.mark.parametrize("phrase,expected", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_moment(phrase, expected):
    k = load()
    moment = read_moment(phrase, NOW, "America/Chicago", k.zone_words)
    assert moment.at == at(f"{expected} CT")
    assert moment.at.tzinfo.zone == "America/Chicago"


WHOLE_DAYS = [
    ("on sunday", "2026-11-29"),
    ("on thanksgiving", "2026-11-26"),
    ("christmas", "2026-12-25"),
    ("new year's day", "2027-01-01"),
    ("tomorrow", "2026-11-24"),
    ("saturday", "2026-11-28"),
    ("july 4th", "2027-07-04"),
]


@pytest.mark.parametrize("phrase,day", WHOLE_DAYS)
def test_whole_day(phrase, day):
    moment = read_moment(phrase, NOW, "America/Chicago", load().zone_words)
    assert moment.whole_day and moment.at.date().isoformat() == day


def test_unstated_is_now_and_says_so():
    moment = read_moment("who handles ftp", NOW, "America/Chicago", load().zone_words)
    assert moment.at == NOW and not moment.stated


def test_after_5pm_when_already_past_is_now():
    later = at("2026-11-23 18:20 CT")
    moment = read_moment("after 5pm", later, "America/Chicago", load().zone_words)
    assert moment.at == later


def test_asker_zone_is_the_default_zone():
    moment = read_moment("at 6pm", NOW, "America/New_York", load().zone_words)
    assert moment.at == at("2026-11-23 18:00 ET")


def test_dst_spring_forward_day():
    # 2027-03-14: "at 3pm" on the change day is 3 pm CDT
    now = at("2027-03-14 09:00 CT")
    moment = read_moment("at 3pm", now, "America/Chicago", load().zone_words)
    assert moment.at.isoformat() == "2027-03-14T15:00:00-05:00"
