"""Escalation trackers in conversation: create, list, show, escalate, resolve, snooze.

"track csr BTN 312-555-0100 submitted today 4:30pm ET", "bvoip sev 1 site down
since 8am central AOTS 1234567", "qwest sev 3 ticket 45678 no workaround",
"remind me in 2 hours to escalate PON 12345 to the LSC", "my trackers",
"show 12", "escalated 12", "resolved 12", "snooze 12 1h", "got an update on 45678".

The ladder engine (bot.knowledge.ladders) says when levels fall due; storage
keeps them; this module turns words into those calls and their results into
Replies. Who may act on a tracker: its owner, and members of its channel.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import pytz
import sqlite_utils

from bot.knowledge import ladders, routing
from bot.knowledge.model import Knowledge
from bot.moments import refusal
from bot.reply import Reply
from bot.timefmt import fmt_both, fmt_span, fmt_time
from bot.understanding import Question, understand
from storage import trackers as repo
from storage.trackers import NewStep, Tracker

Members = Callable[[str], set[str]]  # channel id -> its members' user ids

KIND_NAMES = {
    "csr": "AT&T Business CSR request",
    "bvoip": "BVoIP trouble",
    "qwest_it": "Qwest IT trouble ticket",
    "qwest_process": "Qwest process trouble (CSIE)",
    "custom": "Reminder",
}
ACTIONS = ("escalated", "resolved", "snooze")

# Reading 13: filler and politeness in front of the verb change nothing ("pls track",
# "can you keep an eye on"); the ladder the rest names decides what is tracked.
FILLER = (
    r"(?:(?:please|pls|plz|(?:can|could|would|will) (?:you|u|ya)|hey|hi|yo|ok|okay|bot|"
    r"@?clecbot)[\s,:]+)*"
)
CREATE_RE = re.compile(
    rf"^\s*{FILLER}(track|tracking|start (a |the )?(timer|tracker|clock)|watch|monitor|"
    r"keep (an eye|tabs) on|follow up on|remind me|set (a |up a )?reminder|new tracker|"
    r"open (a )?tracker)\b"
)
REMIND_RE = re.compile(r"\bremind me\b|\breminder\b")
LIST_RE = re.compile(
    r"^\s*((list|show)( me)?( all)?( my)? (trackers|timers|escalations|reminders)|"
    r"my (open )?(trackers|timers|escalations|reminders)|trackers|timers|list|"
    r"what am i tracking)\W*$"
)
SHOW_RE = re.compile(
    r"^\s*(show|status( of)?|details?( of)?|timeline( of)?|history( of)?|"
    r"tracker)\s+(tracker\s+)?#?(\d+)\W*$"
)
# The verbs said of a tracker, by its number or by a reference it holds
VERBS = (
    r"escalated|escalate|resolved|resolve|closed|close|done|fixed|reopen|reopened|snooze|"
    r"snoozed|mute"
)
# "resolved aots 1234567", "show ticket 45678": a verb on the tracker that holds a reference
REF_VERB_RE = re.compile(
    rf"^\s*(?:i\s+|we\s+)?(show|status|{VERBS})\s+(?:the\s+)?(?:on\s+)?(aots|ticket|tkt|pon)"
    r"\s*(?:#|no\.?|number)?\s*(\d{3,40})\b(.*)$"
)
VERB_RE = re.compile(rf"^\s*(?:i\s+|we\s+)?({VERBS})\s+(?:tracker\s+)?#?(\d+)\b(.*)$")
UPDATE_RE = re.compile(
    r"\b(got|received|have|had)\s+(an?\s+)?(update|status|response|call ?back)\b|"
    r"\b(update|status|response)\s+(logged|received|came in)\b|^\s*(log )?update\b|"
    r"\bqwest (updated|called|responded)\b"
)
WORKAROUND_GIVEN_RE = re.compile(
    r"\bwork\s*-?\s*around\s+(provided|given|in place|received)\b|"
    r"\b(got|have) a work\s*-?\s*around\b"
)
CLOSURE_RE = re.compile(r"\b(wants? to|going to|proposed to|asked to|will) close\b")
DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\b")
TO_LEVEL_RE = re.compile(r"\b(?:to\s+)?(?:level|lvl|tier|l)\s*#?\s*(\d+)\b")
NUMBER_RE = re.compile(r"\b(\d{3,})\b")
CUSTOMER_RE = re.compile(
    r"\bcustomer(?: name)?\s*(?:is|:)?\s*([a-z0-9&.' -]{2,40}?)(?:,|$| btn| submitted)"
)


@dataclass
class Session:
    """Who is talking, where, and when: what every tracker command needs."""

    k: Knowledge
    db: sqlite_utils.Database
    user: str
    now: datetime
    zone: str
    channel: str | None = None
    thread: str | None = None
    members: Members | None = None
    team: str = ""  # the Slack workspace: every tracker looked up or made is this one's


def is_tracker_command(text: str, q: Question) -> bool:
    """Whether `text` manages trackers rather than asks a question."""
    low = text.lower().strip()
    if CREATE_RE.search(low) or LIST_RE.search(low) or SHOW_RE.search(low):
        return True
    if REF_VERB_RE.search(low):
        return True
    from bot.desk import is_desk_command

    if is_desk_command(" ".join(low.split())):
        return True
    if VERB_RE.search(low):
        return True
    if (UPDATE_RE.search(low) or WORKAROUND_GIVEN_RE.search(low) or CLOSURE_RE.search(low)) and (
        NUMBER_RE.search(low)
    ):
        return True
    # "bvoip sev 1 site down since 8am central AOTS 1234567": a ladder, an id, no question
    asks = "?" in low or re.search(r"\b(who|what|when|how|which|where|should|can i)\b", low)
    # a ladder read from a symptom alone starts a tracker only when asked to ("track ...")
    # a code asked about ("PON 99887 REJ 501 on csr") is a question, whatever ids it carries
    coded = q.reject or q.error_code or q.disposition or q.unlisted
    return bool(q.ladder and not q.symptom and q.ids and not asks and not coded)


def handle(s: Session, text: str, q: Question) -> Reply:
    """Run one tracker command (`q` is `text` understood) and say what happened."""
    low = " ".join(text.lower().split())
    from bot import desk  # the desk's verbs (board, take, note, export, digest) come first

    if (said := desk.handle(s, text)) is not None:
        return said
    if LIST_RE.search(low):
        return list_trackers(s)
    if m := SHOW_RE.search(low):
        return show(s, int(m.group(7)))
    if m := REF_VERB_RE.search(low):
        return by_reference(s, m.group(1), m.group(2), m.group(3), m.group(4))
    if m := VERB_RE.search(low):
        return act(s, int(m.group(2)), m.group(1), m.group(3))
    news = UPDATE_RE.search(low) or WORKAROUND_GIVEN_RE.search(low) or CLOSURE_RE.search(low)
    if news and not CREATE_RE.search(low):
        target = _news_target(s, low)
        if target is not None or not _creatable(q):
            return ticket_news(s, low, target)
    return create(s, q)


def _creatable(q: Question) -> bool:
    """A new ticket described ("qwest sev 3 ticket 45680 workaround in place")."""
    return bool(_kind(q) and q.ids)


# --- planning -----------------------------------------------------------------------------


def _new_steps(schedule: ladders.Schedule) -> list[NewStep]:
    return [
        NewStep(
            st.level,
            st.kind,
            st.due_at,
            st.title,
            [asdict(c) for c in st.contacts],
            list(st.have_ready),
            st.note,
        )
        for st in schedule.steps
    ]


def plan(
    k: Knowledge, kind: str, start: datetime, severity: int | None, workaround: bool | None
) -> list[NewStep]:
    """The steps of a new tracker, from the ladder engine (DOMAIN readings 6-9)."""
    if kind == "csr":
        return _new_steps(ladders.csr_schedule(k, start))
    if kind == "bvoip":
        return _new_steps(ladders.bvoip_schedule(k, start, severity or 1))
    if kind == "qwest_it":
        return _new_steps(ladders.qwest_it_schedule(k, start, severity or 3, bool(workaround)))
    if kind == "qwest_process":
        return _new_steps(ladders.qwest_process_schedule(k, start))
    raise ValueError(f"no ladder for {kind!r}")


def follow_up(k: Knowledge, tracker: Tracker, step: repo.Step) -> NewStep | None:
    """The next nudge of a periodic ladder, counted from the one just sent."""
    if tracker.kind == "qwest_it" and step.kind == "update":
        nxt = ladders.qwest_it_schedule(
            k, step.due_at, tracker.severity or 3, bool(tracker.workaround)
        ).steps
        return _new_steps(ladders.Schedule("qwest_it", None, step.due_at, nxt))[0] if nxt else None
    if tracker.kind == "qwest_process" and step.kind in ("response", "update"):
        return csie_status_step(k, step.due_at)
    return None


def csie_status_step(k: Knowledge, after: datetime) -> NewStep:
    """Tier 1's next status, counted from `after` at the ladder's interval (reading 9)."""
    ladder = k.ladders["qwest_process"]
    hours = float(ladder.rules["status_every_hours"])
    first = ladder.levels[0]
    contacts = [asdict(c) for c in first.contacts]
    note = f"Tier 1's {hours:g}-hourly status is due."
    return NewStep(1, "update", after + timedelta(hours=hours), first.title, contacts,
                   list(ladder.have_ready), note)  # fmt: skip


# --- creating -----------------------------------------------------------------------------


def create(s: Session, q: Question) -> Reply:
    kind = _kind(q)
    if REMIND_RE.search(q.text) and (kind is None or _ahead(s, q)):
        # a reminder names no ladder, or a time still to come ("remind me at 3pm about
        # the CSR"); "remind me about the bvoip trouble reported at 10am" is a tracker
        return _create_reminder(s, q)
    others = [c.name for c in q.carriers if c.covers is None]
    if kind and others and not any(c.covers for c in q.carriers):
        # reading 12: an AT&T or Qwest ladder's clock is no clock for another carrier
        return _refusal(
            f"The sources cover AT&T and Qwest only, so I have no escalation ladder for "
            f"{', '.join(others)}. Say 'remind me in 2 hours to ...' for a plain reminder."
        )
    if kind is None:
        return _refusal(
            "Which escalation should I track? Say, for example:",
            [
                "track csr BTN 312-555-0100 submitted today 4:30pm ET",
                "bvoip sev 1 site down since 8am central AOTS 1234567",
                "qwest sev 3 ticket 45678 no workaround",
                "remind me in 2 hours to escalate PON 12345 to the LSC",
            ],
        )
    if refused := refusal(q.moment):  # a start time that could not be read is asked about
        return refused
    if q.moment.stated and q.moment.whole_day:  # a day is no moment to start a clock at
        return _untimed_start(s, q, kind)
    start = q.moment.at if q.moment.stated else s.now
    if start > s.now + timedelta(minutes=1):
        return _refusal("That start time is in the future; when was it submitted or reported?")
    severity = q.severity
    if kind == "bvoip":
        severity = severity or _severity_from_words(s.k, q, "bvoip") or None
        if severity not in (1, 2):
            outside = " ".join(routing.outside_scope(s.k, "bvoip", q.trouble))
            return _refusal(
                "BVoIP severity must be 1 or 2: which is it? (site down, no calls, "
                "one-way audio = 1; degraded, latency, intermittent = 2)"
                + (f" {outside}" if outside else "")
            )
    if kind == "qwest_it":
        severity = severity or _severity_from_words(s.k, q, "qwest_it")
        if severity not in (1, 2, 3, 4):
            return _refusal("What severity did the WSHD give the ticket (1 to 4)?")
    refs = _refs(q)
    if twice := _already_tracked(s, kind, refs):
        return twice
    steps = plan(s.k, kind, start, severity, q.workaround)
    title = _title(kind, severity, refs)
    tracker_id = repo.create(
        s.db,
        owner=s.user,
        kind=kind,
        title=title,
        zone=s.zone,
        started_at=start,
        steps=steps,
        now=s.now,
        channel=s.channel,
        thread=s.thread,
        refs=refs,
        severity=severity,
        workaround=q.workaround,
        team=s.team,
    )
    tracker = repo.get(s.db, tracker_id, team=s.team)
    reply = tracker_reply(s.k, tracker, s.now, s.zone, headline_prefix="Tracking")
    if kind in ("qwest_it",) and not steps:
        reply.facts.append(
            (
                "Note",
                "Severity 3-4 with a workaround: Qwest sends no periodic "
                "updates, so I won't nudge; say 'resolved' when it is fixed.",
            )
        )
    return _entity_notes(s.k, q, kind, reply)


START_VERBS = {"csr": "submitted", "bvoip": "reported", "qwest_it": "opened",
               "qwest_process": "opened"}  # fmt: skip


def _untimed_start(s: Session, q: Question, kind: str) -> Reply:
    """'submitted 11/30', 'reported yesterday': the clock would start at midnight, and a
    CSR's due day turns on the 3 PM ET cut-off, so the time is asked for, not guessed."""
    local = q.moment.at.astimezone(pytz.timezone(s.zone))
    day = local.strftime("%a %b ") + str(local.day)
    verb = START_VERBS.get(kind, "started")
    example = f"{verb} {local.month}/{local.day} 2pm" + (" ET" if kind == "csr" else "")
    return _refusal(f"At what time on {day} was it {verb}? Its clock starts at that moment; "
                    f"say, for example, '{example}'. Nothing was tracked.")  # fmt: skip


def _entity_notes(k: Knowledge, q: Question, kind: str, reply: Reply) -> Reply:
    """What the tracker was read from, when a symptom named its ladder, and the rename a
    Qwest source predates, when the carrier was named by its later name."""
    if q.symptom:
        reply.facts.insert(0, ("Read as", f'{k.ladders[kind].name}, from "{q.symptom}"'))
    if kind in ("qwest_it", "qwest_process"):
        reply.facts += [("Note", c.note) for c in q.carriers if c.note]
    if kind in {s.ladder for s in k.severities} and (
        differs := routing.severity_differs(k, kind, q.severity, q.trouble)
    ):
        reply.facts.append(("Note", differs))
    return reply


def _ahead(s: Session, q: Question) -> bool:
    return q.moment.stated and q.moment.at > s.now + timedelta(minutes=1)


def _kind(q: Question) -> str | None:
    if q.ladder in ("csr", "bvoip", "qwest_it", "qwest_process"):
        return q.ladder
    if "btn" in q.ids:
        return "csr"
    if "aots" in q.ids:
        return "bvoip"
    return None


def _severity_from_words(k: Knowledge, q: Question, ladder: str) -> int | None:
    return routing.severity_from_words(k, ladder, q.trouble)


def _refs(q: Question) -> dict:
    refs = dict(q.ids)
    m = re.search(r"\bpon\s*#?\s*([a-z0-9-]*\d[a-z0-9-]*)", q.text)  # "PON ABC12345"
    if m and len(m.group(1)) >= 3 and "pon" not in refs:
        refs["pon"] = m.group(1).upper()
    if m := CUSTOMER_RE.search(q.text):
        refs["customer"] = m.group(1).strip().title()
    return refs


def _title(kind: str, severity: int | None, refs: dict) -> str:
    label = KIND_NAMES[kind] + (f" sev {severity}" if severity else "")
    names = {"btn": "BTN", "aots": "AOTS", "ticket": "ticket", "pon": "PON"}
    ids = ", ".join(f"{names[k]} {v}" for k, v in refs.items() if k in names)
    return f"{label}" + (f" ({ids})" if ids else "")


def _create_reminder(s: Session, q: Question) -> Reply:
    if refused := refusal(q.moment):
        return refused
    if not q.moment.stated or q.moment.at <= s.now:
        return _refusal("When should I remind you? Say 'in 2 hours' or 'at 3pm ET tomorrow'.")
    if q.moment.whole_day:  # "remind me friday": not at midnight, and not a guessed hour
        local = q.moment.at.astimezone(pytz.timezone(s.zone))
        day = local.strftime("%a %b ") + str(local.day)
        return _refusal(f"At what time on {day} should I remind you? Say, for example, "
                        f"'remind me {local.month}/{local.day} 9am to ...'.")  # fmt: skip
    about = re.split(r"\b(?:to|about|re|regarding|that)\b:?", q.raw, maxsplit=1, flags=re.I)
    what = about[1].strip() if len(about) > 1 and about[1].strip() else q.raw
    contacts: list[dict] = []
    if q.centers:
        center = s.k.center(q.centers[0])
        contacts = [asdict(c) for c in center.contacts]
        contacts += [asdict(c) for r in center.regions if r.id == q.region for c in r.contacts]
    step = NewStep(1, "reminder", q.moment.at, f"Reminder: {what}"[:200], contacts, [], "")
    refs = _refs(q)
    tracker_id = repo.create(
        s.db,
        owner=s.user,
        kind="custom",
        title=f"Reminder: {what}"[:200],
        zone=s.zone,
        started_at=s.now,
        steps=[step],
        now=s.now,
        channel=s.channel,
        thread=s.thread,
        refs=refs,
        team=s.team,
    )
    return _said(s, tracker_id, "Okay")


# --- acting -------------------------------------------------------------------------------


def may_act(tracker: Tracker, user: str, members: Members | None) -> bool:
    """The owner may act, and whoever has it on the desk (a member when it was given to
    them); so may members of the channel the tracker was made in."""
    if user in (tracker.owner, tracker.assignee):
        return True
    return bool(tracker.channel and members and user in members(tracker.channel))


def _load(s: Session, tracker_id: int) -> Tracker | Reply:
    tracker = repo.get(s.db, tracker_id, team=s.team)
    if tracker is None:
        return _refusal(f"I have no tracker #{tracker_id}." + _by_reference(s, str(tracker_id)))
    if not may_act(tracker, s.user, s.members):
        return _refusal(
            f"Tracker #{tracker_id} belongs to someone else; only its owner or "
            "members of the channel it was made in can change it. Nothing changed."
        )
    return tracker


def _held(s: Session, number: str) -> list[Tracker]:
    """The open trackers of the session's workspace holding reference `number` that the
    asker may act on."""
    return [t for t in repo.find_by_ref(s.db, number, team=s.team) if may_act(t, s.user, s.members)]


def _by_reference(s: Session, number: str) -> str:
    """'resolved 1234567' names a ticket, not a tracker: which tracker holds it, if one the
    asker may see does (tracker numbers and ticket numbers are kept apart, never guessed)."""
    held = _held(s, number)
    if not held:
        return " Say 'my trackers' to list yours."
    t = held[0]
    return f" {number} is a reference of #{t.id} ({t.title}): use its number, e.g. 'show {t.id}'."


# a ticket is one trouble; a BTN is a customer's line, which may have several CSR requests
REF_LABELS = {"aots": "AOTS", "ticket": "ticket"}


def by_reference(s: Session, verb: str, kind: str, number: str, rest: str) -> Reply:
    """A verb on the one open tracker (that the asker may act on) holding the reference."""
    held = _held(s, number)
    said = f"{kind.upper() if kind in ('aots', 'pon') else 'ticket'} {number}"
    if not held:
        return _refusal(f"No open tracker of yours or this desk's holds {said}. Say 'my "
                        "trackers' to list yours.")  # fmt: skip
    if len(held) > 1:
        ids = ", ".join(f"#{t.id}" for t in held)
        return _refusal(f"{said} is held by {ids}: say which, e.g. '{verb} {held[0].id}'.")
    if verb in ("show", "status"):
        return show(s, held[0].id)
    return act(s, held[0].id, verb, rest)


def _already_tracked(s: Session, kind: str, refs: dict) -> Reply | None:
    """The same ticket pasted twice in one conversation (or by two people on one desk) is
    one tracker, not two sets of nudges; one kept elsewhere (a DM, another desk) is not."""
    for key, label in REF_LABELS.items():
        if not (value := refs.get(key)):
            continue
        for t in repo.find_by_ref(s.db, str(value), team=s.team):
            if t.kind == kind and t.channel == s.channel and may_act(t, s.user, s.members):
                return _refusal(f"#{t.id} already tracks {label} {value} (open): say 'show "
                                f"{t.id}', or 'resolved {t.id}' and track it again to restart "
                                "its clock. Nothing new was tracked.")  # fmt: skip
    return None


def act(s: Session, tracker_id: int, verb: str, rest: str) -> Reply:
    """escalated / resolved / reopen / snooze on one tracker; each idempotent."""
    found = _load(s, tracker_id)
    if isinstance(found, Reply):
        return found
    tracker = found
    if verb.startswith(("resolve", "close", "done", "fixed")):
        changed = repo.resolve(s.db, tracker.id, s.user, s.now, team=s.team)
        say = "Resolved: no more nudges." if changed else "It was already resolved."
    elif verb.startswith("reopen"):
        changed = repo.reopen(s.db, tracker.id, s.user, s.now, team=s.team)
        say = "Reopened: nudges resume." if changed else "It is already open."
    elif verb.startswith(("snooze", "mute")):
        return snooze(s, tracker, rest)
    else:
        if tracker.state != repo.OPEN:
            return _refusal(f"Tracker #{tracker.id} is resolved; say 'reopen {tracker.id}' first.")
        level = _escalated_level(s.k, tracker, rest, s.now)
        if isinstance(level, str):
            return _refusal(level)
        if level is None:
            return _refusal("This tracker has no escalation levels; say 'resolved' when done.")
        changed = repo.escalated(s.db, tracker.id, s.user, s.now, level, team=s.team)
        say = f"Escalated to level {level}." if changed else f"Already at level {level}."
    return _said(s, tracker.id, say)


def _escalated_level(k: Knowledge, tracker: Tracker, rest: str, now: datetime) -> int | str | None:
    """The level named ("to level 3"), else the level due now (else the next one), so
    saying "escalated 12" twice changes nothing the second time. A level the tracker's
    ladder does not have is refused, never clamped: the refusal's words (a str)."""
    ladder = [st for st in tracker.steps if st.kind == "escalate"]
    if m := TO_LEVEL_RE.search(rest):
        own = k.ladders.get(tracker.kind)
        levels = [lv.level for lv in own.levels] if own else sorted({st.level for st in ladder})
        if int(m.group(1)) in levels:
            return int(m.group(1))
        if not levels:
            return f"Tracker #{tracker.id} has no escalation levels; say 'resolved' when done."
        named = m.group(1) if len(m.group(1)) <= 6 else m.group(1)[:6] + "..."
        return (
            f"Tracker #{tracker.id} has levels {levels[0]}-{levels[-1]}, no level {named}: "
            "nothing changed."
        )
    if not ladder:
        return None
    due = [st.level for st in ladder if st.due_at <= now]
    if due:
        return max(due)
    return min(st.level for st in ladder)


def snooze_until(text: str, s: Session) -> datetime | None:
    """'30m', '1 h', '2 hours', 'until 3pm' -> an instant; None when unreadable."""
    if m := DURATION_RE.search(text):
        amount, unit = float(m.group(1)), m.group(2)
        minutes = amount * (1440 if unit.startswith("d") else 60 if unit.startswith("h") else 1)
        return s.now + timedelta(minutes=minutes)
    if re.search(r"\b(until|till|til|to)\b", text):
        q = understand(s.k, text, s.now, s.zone)
        if q.moment.readable and q.moment.stated and q.moment.at > s.now:
            return q.moment.at
    return None


def snooze(s: Session, tracker: Tracker, rest: str) -> Reply:
    try:
        until = snooze_until(rest, s) if rest.strip() else s.now + timedelta(hours=1)
    except OverflowError:  # '99999999999h': past any date there is
        return _refusal("I snooze for a week at most.")
    if until is None or until <= s.now:
        return _snooze_refusal(s, rest)
    if until > s.now + timedelta(days=7):
        return _refusal("I snooze for a week at most.")
    if tracker.state != repo.OPEN:
        return _refusal(f"Tracker #{tracker.id} is resolved; nothing to snooze.")
    last = [st for st in tracker.steps if st.state == "sent"]
    again = None
    if last:  # re-nudge the level just nudged, unless a later one falls due first
        st = last[-1]
        again = NewStep(
            st.level, "snoozed", until, st.title, st.contacts, st.have_ready, "Snoozed nudge."
        )
    changed = repo.snooze(s.db, tracker.id, s.user, s.now, until, again, team=s.team)
    when = fmt_time(until, s.zone)
    say = f"Snoozed until {when}." if changed else f"Already snoozed until {when}."
    return _said(s, tracker.id, say)


def _snooze_refusal(s: Session, rest: str) -> Reply:
    """Why 'snooze 12 until ...' was not done: the moment it could not read, or one passed."""
    example = "Say 'snooze 12 30m', '1h', '2h' or 'until 3pm'."
    if re.search(r"\b(until|till|til|to)\b", rest):
        moment = understand(s.k, rest, s.now, s.zone).moment
        if refused := refusal(moment):
            return _refusal(f"{refused.headline} {example}")  # not the question examples
        if moment.stated and moment.at <= s.now:
            return _refusal(f"{fmt_time(moment.at, s.zone)} has passed: snooze until a later "
                            f"time. {example}")  # fmt: skip
    return _refusal(f"Snooze for how long? {example}")


def _news_target(s: Session, low: str) -> Tracker | None:
    """The open tracker a piece of ticket news names, by reference or by tracker number."""
    for number in NUMBER_RE.findall(low) + re.findall(r"#(\d+)", low):
        if matches := repo.find_by_ref(s.db, number, team=s.team):
            return matches[0]
        tracker = repo.get(s.db, int(number), team=s.team)
        if tracker and tracker.state == repo.OPEN:
            return tracker
    return None


def ticket_news(s: Session, low: str, target: Tracker | None) -> Reply:
    """'got an update on 45678', 'workaround provided on 45678', 'qwest wants to close 45678'."""
    if target is None:
        return _refusal("Which tracker? I found no open tracker with that ticket or number.")
    found = _load(s, target.id)
    if isinstance(found, Reply):
        return found
    tracker = found
    if WORKAROUND_GIVEN_RE.search(low):
        return _workaround(s, tracker)
    if CLOSURE_RE.search(low):
        return _closure(s, tracker)
    return _update_logged(s, tracker)


def _update_logged(s: Session, tracker: Tracker) -> Reply:
    """A Qwest update restarts the cadence clock from now."""
    if tracker.kind == "qwest_it":
        sched = ladders.qwest_it_schedule(
            s.k, s.now, tracker.severity or 3, bool(tracker.workaround)
        )
        steps = _new_steps(sched)
    elif tracker.kind == "qwest_process":
        steps = [csie_status_step(s.k, s.now)]
    else:
        return _refusal(
            "Updates restart the clock on Qwest tickets only; for this tracker say "
            "'escalated' or 'resolved'."
        )
    repo.replace_waiting(
        s.db, tracker.id, s.user, s.now, ("update", "response"), steps, "update_logged", team=s.team
    )
    return _said(s, tracker.id, "Update logged; the clock restarts.")


def _workaround(s: Session, tracker: Tracker) -> Reply:
    if tracker.kind != "qwest_it":
        return _refusal("Workarounds change the cadence of Qwest IT tickets only.")
    sched = ladders.qwest_it_schedule(s.k, s.now, tracker.severity or 3, True)
    repo.replace_waiting(
        s.db,
        tracker.id,
        s.user,
        s.now,
        ("update",),
        _new_steps(sched),
        "update_logged",
        workaround=True,
        team=s.team,
    )
    stops = not sched.steps
    say = (
        "Workaround noted: Qwest sends no periodic updates now, so I stop nudging."
        if stops
        else ("Workaround noted; severity 1-2 updates stay hourly.")
    )
    return _said(s, tracker.id, say)


def _closure(s: Session, tracker: Tracker) -> Reply:
    if tracker.kind != "qwest_process":
        return _refusal("The 24-hour closure window is for Qwest process (CSIE) tickets.")
    sched = ladders.qwest_process_schedule(s.k, tracker.started_at, s.now)
    closing = [st for st in _new_steps(sched) if st.kind == "closure"]
    repo.replace_waiting(
        s.db, tracker.id, s.user, s.now, ("closure",), closing, "closure_proposed", team=s.team
    )
    return _said(s, tracker.id, "Noted: escalate within 24 hours or Qwest may close it.")


# --- showing ------------------------------------------------------------------------------


def next_due(tracker: Tracker, zone: str, now: datetime) -> str:
    """A tracker's next nudge in one phrase: "level 2 due Tue Dec 1, 9:00 AM CST", or
    "OVERDUE: level 3 due since ..." when one is already due (the latest of those, as the
    scheduler's catch-up sends it; a passed level 1 is never shown as what comes next)."""
    due, ahead = due_and_ahead(tracker, now)
    nxt = due or ahead
    if nxt is None:
        return "no nudge waiting"
    what = NEXT_WORDS.get(nxt.kind, "level {level}").format(level=nxt.level)
    if due is not None:
        return f"OVERDUE: {what} due since {fmt_time(due.due_at, zone)}"
    return f"{what} due {fmt_time(nxt.due_at, zone)}"


NEXT_WORDS = {  # a step in a list of trackers; the last nudge is never "level 4" again
    "final": "last nudge (level {level}'s interval ends)",
    "update": "update",
    "response": "Tier 1 response",
    "closure": "closure-window nudge",
    "reminder": "reminder",
}


def list_trackers(s: Session) -> Reply:
    """The trackers the user started or has on the desk, each with who has it."""
    from bot.desk import person
    from storage import desk as desk_store

    mine = desk_store.mine(s.db, s.user, team=s.team)
    set_aside = repo.problems(s.db, s.user, team=s.team)
    if not mine and not set_aside:
        return Reply(
            "trackers",
            "You have no open trackers. Start one with "
            "'track csr BTN 312-555-0100 submitted today 4:30pm ET'.",
        )
    reply = Reply("trackers", f"Your open trackers ({len(mine)}):")
    reply.rows = [(f"#{t.id} {t.title}", _listed(t, s, person)) for t in mine]
    for problem in set_aside:  # never a silent gap: a tracker that could not be read says so
        part = f"a nudge (level {problem.level})" if problem.step_id else "the tracker"
        reply.rows.append((f"#{problem.tracker_id}", f"set aside: {part} could not be read"))
    reply.data["trackers"] = [
        {"id": t.id, "kind": t.kind, "title": t.title, "assignee": t.assignee} for t in mine
    ]
    return reply


def _listed(t: Tracker, s: Session, person: Callable[[str | None], str]) -> str:
    """Its next nudge, and who has it when that is not the asker's own."""
    said = next_due(t, s.zone, s.now)
    if until := snoozed_until(t, s.now):
        said += f"; snoozed until {fmt_time(until, s.zone)}"
    if t.assignee == s.user:
        return said + " (you have it)"
    held = f" ({person(t.assignee)} has it)" if t.assignee else ""
    return said + held


def show(s: Session, tracker_id: int) -> Reply:
    """The tracker and its whole timeline, each event a sentence, notes included."""
    from bot.desk import people, timeline

    tracker = repo.get(s.db, tracker_id, team=s.team)
    if tracker is None:
        return _refusal(f"I have no tracker #{tracker_id}.")
    if not may_act(tracker, s.user, s.members):
        return _refusal(f"Tracker #{tracker_id} is not yours to see.")
    reply = tracker_reply(s.k, tracker, s.now, s.zone)
    events = repo.events(s.db, tracker_id, team=s.team)
    reply.facts.append(("Timeline", f"times in {fmt_time(s.now, s.zone).rsplit(' ', 1)[-1]}"))
    reply.facts += [tuple(line.split(": ", 1)) for line in timeline(tracker, events, s.zone, s.now)]
    actors = [e.get("actor") for e in events] + [e["detail"].get("to") for e in events]
    reply.data["people"] = sorted(set(reply.data.get("people", [])) | set(people(*actors)))
    return reply


def tracker_reply(
    k: Knowledge, tracker: Tracker, now: datetime, zone: str, headline_prefix: str = ""
) -> Reply:
    """A tracker with its schedule in the owner's zone and the ladder's zone."""
    ladder_zone = _ladder_zone(k, tracker.kind)
    state = "resolved" if tracker.state == repo.RESOLVED else "open"
    head = f"{headline_prefix} #{tracker.id}: {tracker.title} ({state})".strip()
    reply = Reply("tracker", head)
    due, ahead = due_and_ahead(tracker, now)
    for st in tracker.steps:
        state = st.state
        if st.state == repo.PENDING and st.due_at <= now:
            state = "due now" if st is due else "passed"
        reply.rows.append((_step_label(st), f"{fmt_both(st.due_at, zone, ladder_zone)} [{state}]"))
    snoozed = tracker.state == repo.OPEN and snoozed_until(tracker, now)
    if snoozed:
        reply.facts.append(("Snoozed until", fmt_time(snoozed, zone)))
    from bot.desk import people, person

    on_a_desk = bool(tracker.channel) and not tracker.channel.startswith("D")
    if tracker.state == repo.OPEN and (tracker.assignee or on_a_desk):
        board = f"nobody: on the board (started by {person(tracker.owner)})"
        reply.facts.append(("Who has it", person(tracker.assignee) if tracker.assignee else board))
    if tracker.progress_at:
        reply.facts.append(("Progress last logged", fmt_time(tracker.progress_at, zone)))
    if tracker.state == repo.OPEN and due:
        # made (or shown) after some levels passed: the level due now comes first
        since = fmt_both(due.due_at, zone, ladder_zone)
        reply.headline += f" {_due_words(due)} is due now (since {since})."
        reply.facts.append(("Due now", f"{_due_words(due)}, since {since}"))
        reply.contacts = [_contact_line(c) for c in due.contacts]
    if snoozed and (held := due_and_ahead(tracker, snoozed)[0]):
        # nothing goes out before the snooze ends; then the latest level due by then does
        reply.facts.append(("Next nudge", f"{fmt_both(snoozed, zone, ladder_zone)}, when the "
                            f"snooze ends: {_due_words(held)}"))  # fmt: skip
    elif tracker.state == repo.OPEN and ahead:
        reply.facts.append(
            ("Next", f"{_step_label(ahead)} {fmt_both(ahead.due_at, zone, ladder_zone)}")
        )
    if tracker.state == repo.OPEN and ahead:
        reply.contacts = reply.contacts or [_contact_line(c) for c in ahead.contacts]
    reply.data.update(tracker_json(tracker, zone))
    reply.data["assignee"] = tracker.assignee
    reply.data["people"] = people(tracker.owner, tracker.assignee)
    return reply


def snoozed_until(tracker: Tracker, now: datetime) -> datetime | None:
    """When the tracker's snooze ends, if it is snoozed at `now`."""
    until = tracker.snoozed_until
    return until if until and until > now else None


def due_and_ahead(tracker: Tracker, now: datetime) -> tuple[repo.Step | None, repo.Step | None]:
    """The latest waiting step already due at `now`, and the first still to come."""
    waiting = [st for st in tracker.steps if st.state in (repo.PENDING, repo.CLAIMED, repo.SENDING)]
    due = [st for st in waiting if st.due_at <= now]
    ahead = [st for st in waiting if st.due_at > now]
    latest = max(due, key=lambda st: st.due_at) if due else None
    return latest, (min(ahead, key=lambda st: st.due_at) if ahead else None)


DUE_WORDS = {
    "final": "The last nudge",
    "update": "An update from Qwest",
    "response": "Tier 1's 2-hour response",
    "closure": "The closure-window nudge",
    "reminder": "The reminder",
}


def _due_words(st: repo.Step) -> str:
    """A due step as the subject of a sentence: "Level 2 (Team Manager)", "The last nudge"."""
    if st.kind in ("escalate", "snoozed"):
        return f"Level {st.level} ({_owner(st.title)})"
    return DUE_WORDS.get(st.kind, st.title)


def tracker_json(tracker: Tracker, zone: str) -> dict:
    """The tracker for --json: every step's due_at with the owner's offset."""
    local = pytz.timezone(zone)
    return {
        "id": tracker.id,
        "kind": tracker.kind,
        "severity": tracker.severity,
        "state": tracker.state,
        "refs": tracker.refs,
        "steps": [
            {
                "level": st.level,
                "kind": st.kind,
                "due_at": st.due_at.astimezone(local).isoformat(),
                "state": st.state,
                "title": st.title,
                "contact": st.contacts,
            }
            for st in tracker.steps
        ],
    }


def nudge_reply(
    k: Knowledge,
    tracker: Tracker,
    step: repo.Step,
    now: datetime,
    folded: int = 0,
    zone: str | None = None,
) -> Reply:
    """The nudge for a due step: which level, since when, whom to contact, what to have;
    times in `zone` (whoever gets it: an assignee's), else the tracker's."""
    zone = zone or tracker.zone
    ladder_zone = _ladder_zone(k, tracker.kind)
    late = now - step.due_at
    lateness = f", {fmt_span(late)} ago" if late >= timedelta(minutes=2) else ""
    what = {
        "escalate": f"level {step.level} ({_owner(step.title)}) is due",
        "final": f"every level's interval has passed; stay on level {step.level}",
        "update": "an update from Qwest is due: chase it",
        "response": "Tier 1's 2-hour response is due",
        "closure": "Qwest may close the ticket soon: escalate now if it is not resolved",
        "reminder": step.title,
        "snoozed": f"level {step.level} ({_owner(step.title)}) again, after your snooze",
    }.get(step.kind, step.title)
    due = fmt_both(step.due_at, zone, ladder_zone)
    reply = Reply("nudge", f"#{tracker.id} {tracker.title}: {what} (due {due}{lateness}).")
    if folded:
        reply.facts.append(("Caught up", f"{folded} earlier nudge(s) folded into this one"))
    if step.note:
        reply.facts.append(("", step.note))
    if tracker.kind == "bvoip":  # the source allows escalation only without forward progress
        logged = tracker.progress_at
        said = "none logged"
        if logged:
            said = f"last logged {fmt_time(logged, zone)} ({fmt_span(now - logged)} ago)"
        reply.facts.append(("Forward progress", said))
    reply.contacts = [_contact_line(c) for c in step.contacts]
    reply.have_ready = list(step.have_ready)
    reply.data.update(
        tracker_id=tracker.id,
        step_id=step.id,
        level=step.level,
        actions=[a for a in ACTIONS if a != "escalated" or step.kind != "reminder"],
    )
    return reply


def _ladder_zone(k: Knowledge, kind: str) -> str:
    """The zone of the center whose ladder this is (shown beside the owner's)."""
    ladder = k.ladders.get(kind)
    return k.center(ladder.center).hours.zone if ladder else ""


def _step_label(st: repo.Step) -> str:
    return {
        "final": f"Last nudge (level {st.level}'s interval ends)",
        "update": "Update due",
        "response": "Response due",
        "closure": "Closure window",
        "reminder": "Reminder",
        "snoozed": f"Level {st.level} again",
    }.get(st.kind, f"Level {st.level}: {_owner(st.title)}")


def _owner(title: str) -> str:
    return title.split(": ", 1)[-1]


def _contact_line(c: dict) -> str:
    from bot.knowledge.model import Contact

    return Contact(**{key: c.get(key, "") for key in Contact.__dataclass_fields__}).line()


def _said(s: Session, tracker_id: int, say: str) -> Reply:
    """The tracker as it is now, headed by what just happened to it."""
    reply = tracker_reply(
        s.k, repo.get(s.db, tracker_id, team=s.team), s.now, s.zone, headline_prefix=say
    )
    reply.data["said"] = say  # what happened, apart from the tracker (a button's message)
    return reply


def _refusal(text: str, examples: list[str] | None = None) -> Reply:
    return Reply("tracker_error", text, examples=examples or [])
