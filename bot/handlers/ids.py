"""Slack command names, action ids and callback ids, in one place."""

COMMAND = "/clec"
ACTION_ESCALATED = "clec_escalated"
ACTION_RESOLVED = "clec_resolved"
ACTION_SNOOZE = "clec_snooze"  # value "tracker:level:30m|1h|2h"
ACTION_SHARE = "clec_share"
ACTION_TAKE = "clec_take"  # value "tracker:level": "Take it" on a nudge
SNOOZES = ("30m", "1h", "2h")
