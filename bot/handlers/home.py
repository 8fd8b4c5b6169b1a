"""App Home: the user's open trackers with their next due level, and sample questions."""

from __future__ import annotations

from bot.conversation import EXAMPLES
from bot.handlers.blocks import home_view
from bot.handlers.context import Deps
from bot.tracking import next_due
from storage import trackers as repo


def register(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    def home(event, client):
        user = event["user"]
        zone = deps.zone_of(client, user)
        rows = [(f"#{t.id} {t.title}", next_due(t, zone)) for t in repo.for_owner(deps.db(), user)]
        client.views_publish(user_id=user, view=home_view(rows, list(EXAMPLES[:5])))
