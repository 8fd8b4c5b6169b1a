"""App Home: the user's open trackers with their next due level, and sample questions."""

from __future__ import annotations

from bot.conversation import EXAMPLES
from bot.handlers.blocks import home_view
from bot.handlers.context import Deps
from bot.timefmt import fmt_time
from storage import trackers as repo


def register(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home(event, client):
        user = event["user"]
        zone = deps.zone_of(client, user)
        rows = []
        for tracker in repo.for_owner(deps.db(), user):
            nxt = tracker.next_step()
            due = (
                f"level {nxt.level} due {fmt_time(nxt.due_at, zone)}" if nxt else "no nudge waiting"
            )
            rows.append((f"#{tracker.id} {tracker.title}", due))
        client.views_publish(user_id=user, view=home_view(rows, list(EXAMPLES[:5])))
