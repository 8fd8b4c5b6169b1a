"""The desk: trackers a team shares in a channel (issue 10).

"board", "take 12", "assign 12 @dana" (Slack sends "<@U123>" or "<@U123|dana>"),
"release 12", "note 12 called Tier 1, ref 8812", "progress 12 vendor on site",
"export 12", "export since 2026-11-01", "export 12 json", "digest 8:30am",
"digest off", "digest now", "digest".

Every change is an event in the tracker's append-only timeline with who did it; who
may act is decided as for every tracker verb (`tracking.may_act`: the owner, or
members of the tracker's channel). Replies are Reply data; a reply that must also
reach someone else carries it in `data["notify"]` (a DM to a new assignee), one that
carries a file in `data["file"]` (an export), one that belongs in the channel in
`data["in_channel"]` (a digest asked for now).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot import export, tracking
from bot.moments import read_moment, refusal
from bot.reply import Reply, render_text
from bot.timefmt import fmt_span, fmt_time
from bot.tracking import KIND_NAMES, NEXT_WORDS, Session, due_and_ahead
from storage import desk as store
from storage import trackers as repo
from storage.trackers import MOVED_EVENT, PAUSED_EVENT, RESUMED_EVENT, Tracker

N = r"(?:tracker\s+)?#?(\d{1,40})"  # a longer id is "no tracker #...", not "unknown"
BOARD_RE = re.compile(
    r"^\s*(?:show\s+(?:me\s+)?)?(?:the\s+)?(?:channel'?s?\s+|desk\s+)?(?:board|desk)"
    r"(?:\s+here)?\W*$|^\s*what'?s\s+open\s+(?:here|on\s+the\s+desk)\W*$"
)
TAKE_RE = re.compile(rf"^\s*(?:i'?ll\s+take|i\s+take|take|taking|grab|claim)\s+{N}\W*$")
ASSIGN_RE = re.compile(
    rf"^\s*(?:assign|give|hand(?:\s+off)?|reassign)\s+{N}\s+(?:to\s+)?(\S+)\s*$", re.I
)
ASSIGN_EMPTY_RE = re.compile(rf"^\s*(?:assign|reassign)\s+{N}(?:\s+to)?\W*$")
RELEASE_RE = re.compile(rf"^\s*(?:release|unassign|drop|untake)\s+{N}\W*$")
NOTE_RE = re.compile(rf"^\s*(note|add\s+note|comment|progress|log\s+progress)\s+(?:on\s+|to\s+)?"
                     rf"{N}\s*[:,-]?\s+(.+)$", re.S | re.I)  # fmt: skip
NOTE_EMPTY_RE = re.compile(rf"^\s*(note|progress)\s+{N}\W*$")
EXPORT_RE = re.compile(r"^\s*export\b(.*)$")
DIGEST_RE = re.compile(r"^\s*(?:morning\s+)?digest\b(.*)$")
SLACK_ID = r"[UW][A-Z0-9]+"  # a Slack user id (U...) or an Enterprise Grid one (W...)
MENTION_RE = re.compile(rf"^<@({SLACK_ID})(?:\|[^>]*)?>$")
NAME_RE = re.compile(r"^@?([A-Za-z0-9._-]{1,40})$")


def is_desk_command(low: str) -> bool:
    """Whether a line (lower case, spaces collapsed) is one of the desk's verbs."""
    return any(
        p.search(low)
        for p in (
            BOARD_RE,
            TAKE_RE,
            ASSIGN_RE,
            ASSIGN_EMPTY_RE,
            RELEASE_RE,
            NOTE_RE,
            NOTE_EMPTY_RE,
            EXPORT_RE,
            DIGEST_RE,
        )  # fmt: skip
    )


def handle(s: Session, text: str) -> Reply | None:
    """Run one desk verb; None when the line is not one."""
    low = " ".join(text.lower().split())
    if BOARD_RE.search(low):
        return board(s)
    if m := TAKE_RE.search(low):
        return take(s, int(m.group(1)))
    if m := ASSIGN_EMPTY_RE.search(low):
        return _refusal(f"Whom should I give #{m.group(1)} to? Say 'assign {m.group(1)} @dana'.")
    if m := ASSIGN_RE.search(" ".join(text.split())):
        return assign(s, int(m.group(1)), m.group(2))
    if m := RELEASE_RE.search(low):
        return release(s, int(m.group(1)))
    if m := NOTE_RE.search(text.strip()):
        return note(s, int(m.group(2)), m.group(3).strip(), "progress" in m.group(1).lower())
    if m := NOTE_EMPTY_RE.search(low):
        return _refusal(f"What should the {m.group(1)} say? For example: "
                        f"'{m.group(1)} {m.group(2)} called Tier 1, ref 8812'.")  # fmt: skip
    if m := EXPORT_RE.search(low):
        return export_verb(s, m.group(1))
    if m := DIGEST_RE.search(low):
        from bot import digest

        return digest.verb(s, m.group(1).strip())
    return None


# --- who -----------------------------------------------------------------------------------


def person(user: str | None) -> str:
    """A user as shown: a Slack id as its mention ("<@U123>"), a console name as it is."""
    if not user:
        return "nobody"
    return f"<@{user}>" if re.fullmatch(SLACK_ID, user) else user


def people(*users: str | None) -> list[str]:
    """The Slack ids a reply names, so its Slack rendering may mention exactly these."""
    return sorted({u for u in users if u and re.fullmatch(SLACK_ID, u)})


def in_dm(s: Session) -> bool:
    """A direct message (or no conversation at all): the desk there is the asker's own."""
    return not s.channel or s.channel.startswith("D")


def read_target(word: str) -> str | None:
    """The user an assign names: "<@U123>", "<@U123|dana>", "@dana", "dana"."""
    if m := MENTION_RE.match(word):
        return m.group(1)
    if word.startswith("<"):
        return None
    if m := NAME_RE.match(word):
        return m.group(1)
    return None


# --- the board -----------------------------------------------------------------------------


def board(s: Session) -> Reply:
    """The channel's open trackers by next due (in a DM: the asker's own)."""
    dm = in_dm(s)
    found = (
        store.mine(s.db, s.user, team=s.team)
        if dm
        else store.open_in_channel(s.db, s.channel, team=s.team)
    )
    where = "Your open trackers" if dm else "Open trackers on this channel's desk"
    if not found:
        return Reply("board", f"{where}: none. Start one with "
                     "'track csr BTN 312-555-0100 submitted today 4:30pm ET'.")  # fmt: skip
    found.sort(key=lambda t: (_next_at(t, s.now) is None, _next_at(t, s.now) or s.now, t.id))
    late = [t for t in found if due_and_ahead(t, s.now)[0] is not None]
    head = f"{where} ({len(found)}, by next due)" + (f"; {len(late)} overdue." if late else ".")
    reply = Reply("board", head)
    reply.rows = [(board_label(t), board_line(t, s.now, s.zone)) for t in found]
    reply.data["trackers"] = [board_json(t, s.now) for t in found]
    reply.data["people"] = people(*(t.assignee or t.owner for t in found))
    reply.data["desk"] = "board"
    return reply


def _next_at(t: Tracker, now: datetime) -> datetime | None:
    """What the board shows for it: the level due now (the latest passed), else the next."""
    due, ahead = due_and_ahead(t, now)
    nxt = due or ahead
    return nxt.due_at if nxt else None


def board_label(t: Tracker) -> str:
    return f"#{t.id} {t.title}"


def board_line(t: Tracker, now: datetime, zone: str) -> str:
    """Ladder and level, who has it, what is due next and when (overdue marked)."""
    due, ahead = due_and_ahead(t, now)
    level = f"nudged for level {t.level}" if t.level else "not yet nudged"
    ladder = KIND_NAMES.get(t.kind, t.kind)
    said = level if t.title.startswith(ladder) else f"{ladder}, {level}"  # title names it
    on_a_desk = bool(t.channel) and not t.channel.startswith("D")
    who = (f"{person(t.assignee)} has it" if t.assignee
           else f"on the board (started by {person(t.owner)})" if on_a_desk
           else f"started by {person(t.owner)}")  # fmt: skip
    parts = [said, who]
    if due is not None:
        parts.append(f"OVERDUE: {_what(due)} due since {fmt_time(due.due_at, zone)}"
                     f" ({fmt_span(now - due.due_at)} ago)")  # fmt: skip
    elif ahead is not None:
        parts.append(f"{_what(ahead)} due {fmt_time(ahead.due_at, zone)}")
    else:
        parts.append("no nudge waiting")
    if until := tracking.snoozed_until(t, now):
        parts.append(f"snoozed until {fmt_time(until, zone)}")
    return "; ".join(parts)


def _what(st: repo.Step) -> str:
    return NEXT_WORDS.get(st.kind, "level {level}").format(level=st.level)


def board_json(t: Tracker, now: datetime) -> dict:
    due, ahead = due_and_ahead(t, now)
    nxt = due or ahead
    return {"id": t.id, "kind": t.kind, "title": t.title, "refs": t.refs, "level": t.level,
            "owner": t.owner, "assignee": t.assignee, "overdue": due is not None,
            "next_due": nxt.due_at.isoformat() if nxt else None,
            "next_level": nxt.level if nxt else None}  # fmt: skip


# --- take, assign, release -----------------------------------------------------------------


def _open(s: Session, tracker_id: int) -> Tracker | Reply:
    found = tracking._load(s, tracker_id)
    if isinstance(found, Reply):
        return found
    if found.state != repo.OPEN:
        return _refusal(f"Tracker #{tracker_id} is resolved; say 'reopen {tracker_id}' first.")
    return found


def take(s: Session, tracker_id: int) -> Reply:
    found = _open(s, tracker_id)
    if isinstance(found, Reply):
        return found
    changed = store.assign(s.db, found.id, s.user, s.user, s.now, team=s.team)
    say = "You have it: its nudges come to you now." if changed else "You already have it."
    return _said(s, found.id, say)


def assign(s: Session, tracker_id: int, word: str) -> Reply:
    target = read_target(word)
    if target is None:
        return _refusal(f"Whom should I give #{tracker_id} to? I could not read {word!r}; say "
                        f"'assign {tracker_id} @dana'.")  # fmt: skip
    found = _open(s, tracker_id)
    if isinstance(found, Reply):
        return found
    if target != found.owner and not tracking.may_act(found, target, s.members):
        return _refusal(f"{person(target)} is not a member of the channel tracker #{tracker_id} "
                        "was made in, so I cannot give it to them. Nothing changed.",
                        people=people(target))  # fmt: skip
    changed = store.assign(s.db, found.id, target, s.user, s.now, team=s.team)
    mine = target == s.user
    if not changed:
        say = "You already have it." if mine else f"{person(target)} already has it."
        return _said(s, found.id, say, people(target))
    say = "You have it now." if mine else f"Given to {person(target)}: their DM has it now."
    reply = _said(s, found.id, say, people(target, s.user))  # the DM names who gave it
    if not mine:
        reply.data["notify"] = {"user": target, "text": render_text(handed(s, found.id)),
                                "tracker_id": found.id}  # fmt: skip
    return reply


def handed(s: Session, tracker_id: int, zone: str | None = None) -> Reply:
    """What a new assignee is told once, in a DM: the tracker and what is due, in `zone`
    (the assignee's, where the surface knows it; else the tracker's)."""
    tracker = repo.get(s.db, tracker_id, team=s.team)
    return tracking.tracker_reply(s.k, tracker, s.now, zone or tracker.zone,
                                  headline_prefix=f"{person(s.user)} gave you")  # fmt: skip


def release(s: Session, tracker_id: int) -> Reply:
    found = _open(s, tracker_id)
    if isinstance(found, Reply):
        return found
    was = found.assignee
    changed = store.assign(s.db, found.id, None, s.user, s.now, team=s.team)
    say = ("Back on the board: nudges go to its owner again." if changed
           else "Nobody has it; it is on the board.")  # fmt: skip
    return _said(s, found.id, say, people(was))


# --- notes and progress --------------------------------------------------------------------


def note(s: Session, tracker_id: int, text: str, progress: bool) -> Reply:
    found = tracking._load(s, tracker_id)
    if isinstance(found, Reply):
        return found
    if progress and found.kind != "bvoip":
        return _refusal("Forward progress is what the BVoIP ladder asks about; for this "
                        f"tracker say 'note {tracker_id} ...'. Nothing changed.")  # fmt: skip
    store.add_note(s.db, found.id, s.user, s.now, text, progress, team=s.team)
    say = "Progress logged; the next nudge says so." if progress else "Noted."
    reply = _said(s, found.id, say)
    reply.facts.insert(0, ("Progress" if progress else "Note", text))
    return reply


# --- the timeline as sentences -------------------------------------------------------------


def timeline(tracker: Tracker, events: list[dict], zone: str, now: datetime) -> list[str]:
    """Each event as a sentence a person reads: "Tue 2:49 AM: nudged Dana for level 2, 1 h late"."""
    holder = None
    lines = []
    for event in events:
        said, holder = sentence(tracker, event, holder, zone)
        lines.append(f"{when(event['at'], zone, now)}: {said}")
    return lines


def when(at: datetime, zone: str, now: datetime) -> str:
    """ "Tue 2:49 AM" within the last six days, else with its date."""
    recent = timedelta(0) <= now - at < timedelta(days=6)
    local = fmt_time(at, zone)
    day, clock = local.split(", ", 1)
    clock = clock.rsplit(" ", 1)[0]  # the zone is said once, above the timeline
    return f"{day[:3]} {clock}" if recent else f"{day}, {clock}"


def sentence(
    tracker: Tracker, event: dict, holder: str | None, zone: str | None = None
) -> tuple[str, str | None]:
    """One event in words, and who has the tracker after it; a time it names is in `zone`
    (the reader's, as the timeline's other times), else the tracker's."""
    d, actor, kind = event["detail"], person(event.get("actor")), event["kind"]
    if kind == "created":
        return f"{actor} started it ({tracker.title})", holder
    if kind == "assigned":
        to = d.get("to")
        mine = to == event.get("actor")
        return (f"{actor} took it" if mine else f"{actor} gave it to {person(to)}"), to
    if kind == "released":
        return f"{actor} put it back on the board", None
    if kind == "nudged":
        return _nudged(tracker, d, holder), holder
    if kind in ("note", "progress"):
        verb = "noted" if kind == "note" else "logged progress"
        return f'{actor} {verb}: "{d.get("text", "")}"', holder
    if kind == "escalated":
        return f"{actor} escalated to level {d.get('level')}", holder
    if kind == "snoozed":
        until = repo.parse_utc(d["until"]) if d.get("until") else None
        until_words = f" until {fmt_time(until, zone or tracker.zone)}" if until else ""
        return f"{actor} snoozed it{until_words}", holder
    if kind == PAUSED_EVENT:
        why = f" ({d['why']})" if d.get("why") else ""
        return f"{actor} paused its nudges{why}", holder
    if kind == MOVED_EVENT:
        return f"{actor} moved it from workspace {d.get('from')} to {d.get('to')}", holder
    words = {"resolved": "resolved it", "reopened": "reopened it",
             RESUMED_EVENT: "resumed its nudges",
             "update_logged": "logged an update from Qwest" + (" with a workaround"
                                                              if d.get("workaround") else ""),
             "closure_proposed": "noted that Qwest proposes to close it"}  # fmt: skip
    return f"{actor} {words.get(kind, kind.replace('_', ' '))}", holder


def _nudged(tracker: Tracker, d: dict, holder: str | None) -> str:
    late_s = int(d.get("late_s") or 0)
    late = f", {fmt_span(timedelta(seconds=late_s))} late" if late_s >= 120 else ", on time"
    what = {"update": "for Qwest's update", "response": "for Tier 1's response",
            "closure": "about the closure window", "reminder": "with the reminder",
            "final": f"to stay on level {d.get('level')}"}.get(
        d.get("kind"), f"for level {d.get('level')}")  # fmt: skip
    folded = f" (folding in {d['folded']} earlier)" if d.get("folded") else ""
    return f"nudged {person(holder or tracker.owner)} {what}{late}{folded}"


# --- export --------------------------------------------------------------------------------


def export_verb(s: Session, rest: str) -> Reply:
    """export 12 | export | export since 2026-11-01 | ... csv/json."""
    fmt = "json" if re.search(r"\bjson\b", rest) else "csv"
    rest = re.sub(r"\b(?:as\s+)?(?:csv|json)\b", " ", rest).strip()
    if m := re.fullmatch(N + r"\W*", rest):
        return _export_one(s, int(m.group(1)), fmt)
    since = s.now - timedelta(days=export.EXPORT_DAYS)
    if rest:
        moment = read_moment(rest, s.now, s.zone, s.k.zone_words)
        if refused := refusal(moment):
            return refused
        if not moment.stated or moment.at > s.now:
            return _refusal(f"Export since when? I could not read {rest!r} as a past date; say "
                            "'export since 2026-11-01' or 'export 12'.")  # fmt: skip
        since = moment.at
    dm = in_dm(s)
    found = store.made_since(s.db, None if dm else s.channel, since, team=s.team)
    if dm:
        found = [t for t in found if s.user in (t.owner, t.assignee)]
    if not found:
        return Reply("export", f"No trackers made since {fmt_time(since, s.zone)} "
                     + ("of yours." if dm else "in this channel."))  # fmt: skip
    return _exported(s, found, fmt, f"trackers made since {fmt_time(since, s.zone)}")


def _export_one(s: Session, tracker_id: int, fmt: str) -> Reply:
    found = tracking._load(s, tracker_id)
    if isinstance(found, Reply):
        return found
    home = found.channel == s.channel or (in_dm(s) and found.owner == s.user)
    if not home:
        return _refusal(f"Tracker #{tracker_id} belongs to another channel's desk; export it "
                        "there, where its record is shared. Nothing was exported.")  # fmt: skip
    return _exported(s, [found], fmt, f"#{tracker_id}")


def _exported(s: Session, found: list[Tracker], fmt: str, what: str) -> Reply:
    events = store.timelines(s.db, [t.id for t in found], team=s.team)
    content = export.render(s.k, found, events, s.zone, fmt)
    rows = sum(len(v) for v in events.values())
    stamp = s.now.strftime("%Y%m%d-%H%M")
    name = (f"clecbot-{found[0].id}" if len(found) == 1 else "clecbot-trackers") + f"-{stamp}.{fmt}"
    reply = Reply("export", f"Export of {what}: {len(found)} tracker(s), {rows} event(s), "
                  f"as {name}.")  # fmt: skip
    reply.facts.append(("Columns", ", ".join(export.COLUMNS)))
    reply.data["file"] = {"name": name, "content": content, "format": fmt,
                          "title": f"clecbot timeline {what}"}  # fmt: skip
    return reply


# --- replies -------------------------------------------------------------------------------


def _said(s: Session, tracker_id: int, say: str, named: list[str] | None = None) -> Reply:
    reply = tracking._said(s, tracker_id, say)
    reply.data["people"] = sorted(set(reply.data.get("people", [])) | set(named or []))
    return reply


def _refusal(text: str, people: list[str] | None = None) -> Reply:
    reply = Reply("tracker_error", text)
    if people:
        reply.data["people"] = people
    return reply
