"""A tracker's timeline as a record for disputes: CSV (one row per event) or JSON.

Each row: the tracker, the time in UTC and in the asker's zone, the event, the level,
who did it, the note or whom it concerned, the level's contact as the source states
it, and the source with its revision date, so the record can be checked against the
document the desk followed (an IDR request needs the escalation history).

A cell that a spreadsheet would run as a formula (starting with = + - @) is written
with a leading apostrophe; everything else is verbatim.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytz

from bot.knowledge.model import Knowledge, Ladder
from storage.trackers import Tracker, parse_utc

COLUMNS = ("tracker", "time_utc", "time_local", "event", "level", "actor", "note_or_contact",
           "source_contact", "source", "source_revised")  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_DAYS = 30  # an export without an id or a date covers the trackers made in these days


def rows(k: Knowledge, tracker: Tracker, events: list[dict], zone: str) -> list[dict]:
    """One dict per event, keyed by COLUMNS."""
    ladder = k.ladders.get(tracker.kind)
    local = pytz.timezone(zone)
    holder: str | None = None
    found = []
    for event in events:
        d = event["detail"]
        level = d.get("level") if isinstance(d.get("level"), int) else None
        said, holder = _said(tracker, event, holder, local)
        found.append({
            "tracker": tracker.id,
            "time_utc": _iso(event["at"], pytz.utc),
            "time_local": _iso(event["at"], local),
            "event": event["kind"],
            "level": level if level is not None else "",
            "actor": event.get("actor") or "clecbot",
            "note_or_contact": said,
            "source_contact": _contact(ladder, level),
            "source": f"{ladder.source.title}: {ladder.source.section}" if ladder else "",
            "source_revised": (ladder.source.revised or "") if ladder else "",
        })  # fmt: skip
    return found


def _iso(at: datetime, zone) -> str:
    local = at.astimezone(zone).replace(microsecond=0)
    return local.strftime("%Y-%m-%dT%H:%M:%SZ") if zone is pytz.utc else local.isoformat()


def _said(tracker: Tracker, event: dict, holder: str | None, local) -> tuple[str, str | None]:
    """The note's words, or whom the event concerned; and who has the tracker after it."""
    d, kind = event["detail"], event["kind"]
    if kind in ("note", "progress"):
        return str(d.get("text", "")), holder
    if kind == "assigned":
        return f"assigned to {d.get('to')}", d.get("to")
    if kind == "released":
        return "back on the board", None
    if kind == "nudged":
        late = int(d.get("late_s") or 0) // 60
        return f"nudged {holder or tracker.owner} ({d.get('kind')}, {late} min late)", holder
    if kind == "created":
        return tracker.title, holder
    if kind == "snoozed":
        try:  # the instant as the time_local column shows it, not storage's own format
            return f"until {_iso(parse_utc(d['until']), local)}", holder
        except (KeyError, TypeError, ValueError, AttributeError):  # a bad row: as it is
            return f"until {d.get('until')}", holder
    return ", ".join(f"{key} {value}" for key, value in d.items()), holder


def _contact(ladder: Ladder | None, level: int | None) -> str:
    """The level's contacts as the source states them."""
    if ladder is None or level is None:
        return ""
    for lv in ladder.levels:
        if lv.level == level:
            return f"{lv.title}: " + "; ".join(c.line() for c in lv.contacts)
    return ""


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in table:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def render(
    k: Knowledge, trackers: list[Tracker], events: dict[int, list[dict]], zone: str, fmt: str
) -> str:
    """The trackers' timelines as CSV text or JSON text."""
    if fmt == "json":
        return json.dumps(
            [
                {
                    "id": t.id,
                    "title": t.title,
                    "kind": t.kind,
                    "refs": t.refs,
                    "owner": t.owner,
                    "assignee": t.assignee,
                    "channel": t.channel,
                    "state": t.state,
                    "events": rows(k, t, events.get(t.id, []), zone),
                }  # fmt: skip
                for t in trackers
            ],
            indent=2,
        )
    table = [row for t in trackers for row in rows(k, t, events.get(t.id, []), zone)]
    return to_csv(table)


def run_cli(
    tracker_id: int | None, since: str | None, fmt: str, zone: str, out=None, team: str = ""
) -> int:
    """`clecbot export [ID] [--since DATE] [--format csv|json] [--team T]`: every channel's
    trackers of one workspace (an operator's view; "" is single-workspace mode's), to
    stdout; a date that cannot be read is said back (exit 2)."""
    import sys
    from datetime import timedelta

    from bot.knowledge.loader import load
    from bot.moments import read_moment, refusal
    from storage import desk as store
    from storage import trackers as repo
    from storage.db import connect

    out = out or sys.stdout
    k, db = load(), connect()
    now = datetime.now(pytz.utc).astimezone(pytz.timezone(zone))
    if tracker_id is not None:
        tracker = repo.get(db, tracker_id, team=team)
        if tracker is None:
            print(f"clecbot: no tracker #{tracker_id}", file=sys.stderr)
            return 1
        found = [tracker]
    else:
        start = now - timedelta(days=EXPORT_DAYS)
        if since:
            moment = read_moment(since, now, zone, k.zone_words)
            if (refused := refusal(moment)) or not moment.stated or moment.at > now:
                said = refused.headline if refused else f"{since!r} is not a past date"
                print(f"clecbot: --since: {said}", file=sys.stderr)
                return 2
            start = moment.at
        found = store.made_since(db, None, start, team=team)
    events = store.timelines(db, [t.id for t in found], team=team)
    out.write(render(k, found, events, zone, fmt))
    return 0
