"""App Home: "Assigned to me" and "Started by me" (in the workspace whose Home it is),
each with its next due, and sample questions."""

from __future__ import annotations

from bot.conversation import EXAMPLES
from bot.handlers.blocks import home_view
from bot.handlers.context import Deps
from bot.handlers.edge import ack_at_once, first_delivery, reported, slack_id, team_of
from bot.tracking import next_due
from storage import desk as store


def register(app, deps: Deps) -> None:
    def home(body, context, client):
        """A tab that fails to build stays as it was; there is no one to tell but the log."""
        if not first_delivery(deps, context):
            return
        with reported("app_home", body, lambda text: None):
            event = body.get("event") or {}
            user = slack_id(event.get("user"))
            team = team_of(deps, context)
            zone = deps.zone_of(client, user, team)
            db = deps.db()
            now = deps.clock()

            def rows(trackers):
                return [(f"#{t.id} {t.title}", next_due(t, zone, now)) for t in trackers]

            sections = [
                ("Assigned to me", rows(store.assigned_to(db, user, team=team))),
                ("Started by me", rows(store.started_by(db, user, team=team))),
            ]
            client.views_publish(user_id=user, view=home_view(sections, list(EXAMPLES[:5])))

    app.event("app_home_opened")(ack=ack_at_once, lazy=[home])
