"""Slack command names, action ids and callback ids, in one place."""

COMMAND = "/clec"
ACTION_ESCALATED = "clec_escalated"
ACTION_RESOLVED = "clec_resolved"
ACTION_SNOOZE = "clec_snooze"  # value "tracker:level:30m|1h|2h"
ACTION_SHARE = "clec_share"
SNOOZES = ("30m", "1h", "2h")
