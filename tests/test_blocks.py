"""Block Kit for nudges: the buttons a nudge offers are the actions its reply names."""

from __future__ import annotations

import pytest

from bot.handlers.blocks import nudge_blocks
from bot.reply import Reply


def buttons(actions: list[str]) -> list[str]:
    reply = Reply("nudge", "#3 BVoIP trouble: level 2 is due")
    reply.data.update(tracker_id=3, step_id=9, level=2, actions=actions)
    rows = [b for b in nudge_blocks(reply) if b["type"] == "actions"]
    return [e["text"]["text"] for row in rows for e in row["elements"]]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["escalated", "resolved", "snooze"],
         ["Escalated", "Resolved", "Snooze 30 min", "Snooze 1 h", "Snooze 2 h", "Take it"]),
        (["resolved", "snooze"], ["Resolved", "Snooze 30 min", "Snooze 1 h", "Snooze 2 h",
                                  "Take it"]),  # a reminder: nothing to escalate
        ([], []),  # a notice that a tracker was set aside: no button would work on it
    ],
)  # fmt: skip
def test_a_nudge_offers_the_actions_its_reply_names(actions, expected):
    assert buttons(actions) == expected
