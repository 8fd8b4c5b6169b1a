"""A digest is posted by the notifier of the surface it goes to: the console prints it,
Slack posts it in the channel; a notifier that cannot post gets none."""

from __future__ import annotations

import io

from bot.digest import poster_for
from bot.handlers.notifier import SlackNotifier
from bot.reply import Reply
from bot.scheduler import ConsoleNotifier, RecordingNotifier

DIGEST = Reply("digest", "Desk digest for Mon Nov 30: 2 open, 1 overdue, 0 due today.")


class Client:
    def __init__(self):
        self.posts: list[dict] = []

    def chat_postMessage(self, **kwargs):  # noqa: N802 - slack_sdk's name
        self.posts.append(kwargs)


def test_the_console_prints_the_digest_under_its_channel():
    out = io.StringIO()
    poster_for(ConsoleNotifier(out))("console", DIGEST)
    assert "[digest #console] Desk digest for Mon Nov 30" in out.getvalue()


def test_slack_posts_the_digest_in_the_channel_with_its_blocks():
    client = Client()
    poster_for(SlackNotifier(client))("C1", DIGEST)
    (post,) = client.posts
    assert post["channel"] == "C1" and "Desk digest" in post["text"] and post["blocks"]


def test_a_notifier_that_cannot_post_gets_no_digest():
    assert poster_for(RecordingNotifier()) is None
