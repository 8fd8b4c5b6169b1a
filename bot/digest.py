"""The morning digest: a channel's open trackers, what falls due today and what is
overdue, and today's hours of the centers they depend on.

"digest 8:30am" sets it (the time read by bot.moments, kept as a wall-clock time in
the zone it was said in, which is the setter's unless they named another); it runs
every business day (reading 3: Monday to Friday less US federal holidays) at that
wall-clock time, so it stays at 8:30 across a DST change. "digest off", "digest now",
"digest" (the setting).

Sent by the scheduler's tick under the same claim/lease discipline as nudges: one run
per channel and local day, claimed under BEGIN IMMEDIATE with a lease, so two
schedulers post one digest; a scheduler that dies after claiming leaves the lease to
run out and another takes the run over. After downtime a digest still due is posted
once, saying it is late; one more than four hours late is skipped and logged.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytz

from bot.knowledge import hours as hours_engine
from bot.knowledge.model import Knowledge
from bot.moments import localize, read_moment, refusal
from bot.reply import Reply
from bot.timefmt import fmt_span, fmt_time
from bot.tracking import Session, due_and_ahead
from storage import desk as store
from storage.desk import Digest

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
LATE_AFTER = timedelta(minutes=5)  # a digest posted this long after its time says it is late
SKIP_AFTER = timedelta(hours=4)  # ... and one later than this is not posted at all
CALENDAR = "us-federal"
Post = Callable[[str, Reply], None]  # (channel, digest) -> posted, or raises
# a time of day that says which half of the day it is in ("8:30am", "noon", "in the morning")
MERIDIEM_RE = re.compile(
    r"\d\s*(?:am|pm|a\.m\.?|p\.m\.?|a|p)\b|\b(?:noon|midday|midnight|morning|afternoon|"
    r"evening|night|tonight)\b"
)
RELATIVE_RE = re.compile(r"\bin\s+(?:\d|an?\b|half\b)|\bago\b|\bfor\s+\d|\bfrom now\b")
CLOCK_24_RE = re.compile(r"\b(\d{1,2})[:h.]?(\d{2})\b")


def _twenty_four_hour(text: str) -> bool:
    """ "13:30", "08:30", "0830" name one time of day; "8:30" could be either half."""
    return any(int(h) > 12 or h.startswith("0") for h, _ in CLOCK_24_RE.findall(text))


# --- the verbs -------------------------------------------------------------------------------


def verb(s: Session, rest: str) -> Reply:
    """digest | digest 8:30am | digest off | digest now."""
    from bot.desk import in_dm

    if in_dm(s):
        return _refusal("A digest belongs to a channel's desk: set it in the channel, "
                        "for example '/clec digest 8:30am'.")  # fmt: skip
    if not rest:
        return setting(s)
    if rest in ("off", "stop", "none", "cancel"):
        changed = store.digest_off(s.db, s.channel, s.user, s.now, team=s.team)
        return Reply("digest", "Digest off for this channel." if changed
                     else "This channel has no digest running.")  # fmt: skip
    if rest in ("now", "please", "today"):
        reply = compose(s.k, s.db, s.channel, s.now, s.zone, team=s.team)
        reply.data["in_channel"] = True
        return reply
    return set_time(s, rest)


def setting(s: Session) -> Reply:
    d = store.digest_of(s.db, s.channel, team=s.team)
    if d is None or not d.enabled:
        return Reply("digest", "No digest for this channel. Say 'digest 8:30am' to get one "
                     "every business day.")  # fmt: skip
    from bot.desk import people

    nxt = next_due(s.k, d, s.now)
    reply = Reply("digest", f"Digest every business day at {_clock_words(d)} "
                  f"(set by {_who(d.set_by)}); next {fmt_time(nxt, s.zone)}.")  # fmt: skip
    reply.data["people"] = people(d.set_by)
    return reply


def set_time(s: Session, rest: str) -> Reply:
    moment = read_moment(rest, s.now, s.zone, s.k.zone_words)
    if refused := refusal(moment):
        return refused
    relative = RELATIVE_RE.search(rest)  # "in 2 hours" is a moment, not a time of day
    clock_said = re.search(r"\d|noon|midday|midnight", moment.said)  # not "monday" alone
    if not moment.stated or moment.whole_day or relative or not clock_said:
        return _refusal(f"At what time of day? I could not read {rest!r} as one; say "
                        "'digest 8:30am' (or 'digest 8:30am ET').")  # fmt: skip
    zone = moment.zone or s.zone
    clock = moment.at.astimezone(pytz.timezone(zone)).strftime("%H:%M")
    if not MERIDIEM_RE.search(rest) and not _twenty_four_hour(rest):
        hm = f"{int(clock[:2]) % 12 or 12}:{clock[3:]}"
        return _refusal(
            f"{hm} in the morning or the evening? Say 'digest {hm}am' or 'digest {hm}pm'."
        )
    store.set_digest(s.db, s.channel, clock, zone, s.user, s.now, team=s.team)
    d = store.digest_of(s.db, s.channel, team=s.team)
    return Reply("digest", f"Digest set: every business day at {_clock_words(d)}; next "
                 f"{fmt_time(next_due(s.k, d, s.now), s.zone)}.")  # fmt: skip


def _clock_words(d: Digest) -> str:
    at = datetime.strptime(d.clock, "%H:%M")
    return f"{at.strftime('%I:%M %p').lstrip('0')} {d.zone}"


def _who(user: str) -> str:
    from bot.desk import person

    return person(user)


# --- when it is due --------------------------------------------------------------------------


def business_day(k: Knowledge, day: date) -> bool:
    """Monday to Friday, not a holiday on the calendar (reading 3)."""
    return day.weekday() < 5 and not hours_engine.holiday_name(k.calendars, CALENDAR, day)


def due_at(d: Digest, day: date) -> datetime:
    """The digest's instant on a local `day` (DST-safe: 8:30 stays 8:30 wall clock)."""
    hh, mm = (int(x) for x in d.clock.split(":"))
    return localize(pytz.timezone(d.zone), datetime(day.year, day.month, day.day, hh, mm))


def due_runs(k: Knowledge, d: Digest, now: datetime) -> list[tuple[date, datetime]]:
    """Yesterday's and today's runs (local days) whose time has come, on business days,
    since the digest was set (one set at 9 AM for 8:30 starts tomorrow, as it said)."""
    today = now.astimezone(pytz.timezone(d.zone)).date()
    found = []
    for day in (today - timedelta(days=1), today):
        at = due_at(d, day)
        if business_day(k, day) and d.set_at <= at <= now:
            found.append((day, at))
    return found


def next_due(k: Knowledge, d: Digest, now: datetime) -> datetime:
    """The next run's instant (two weeks of holidays at most are looked across)."""
    day = now.astimezone(pytz.timezone(d.zone)).date()
    for offset in range(0, 15):
        candidate = day + timedelta(days=offset)
        at = due_at(d, candidate)
        if at > now and business_day(k, candidate):
            return at
    return due_at(d, day + timedelta(days=15))


# --- what it says ----------------------------------------------------------------------------


def compose(
    k: Knowledge, db, channel: str, now: datetime, zone: str, late: str = "", *, team: str = ""
) -> Reply:
    """The channel's digest at `now` (its board in workspace `team`), times in `zone`."""
    from bot.desk import board_label, board_line, people

    trackers = store.open_in_channel(db, channel, team=team)
    end_of_day = localize(
        pytz.timezone(zone),
        datetime.combine(
            now.astimezone(pytz.timezone(zone)).date() + timedelta(days=1), datetime.min.time()
        ),
    )
    overdue, today, later = [], [], []
    for t in trackers:
        due, ahead = due_and_ahead(t, now)
        if due is not None:
            overdue.append(t)
        elif ahead is not None and ahead.due_at < end_of_day:
            today.append(t)
        else:
            later.append(t)
    day = fmt_time(now, zone).split(",")[0]
    head = (f"Desk digest for {day}: {len(trackers)} open, {len(overdue)} overdue, "
            f"{len(today)} due today.") + (f" {late}" if late else "")  # fmt: skip
    reply = Reply("digest", head)
    for label, group in (("OVERDUE", overdue), ("Due today", today), ("Later", later)):
        reply.rows += [(f"{label}: {board_label(t)}", board_line(t, now, zone)) for t in group]
    reply.facts += centers_today(k, trackers, now, zone)
    if not trackers:
        reply.facts.append(("", "Nothing open on this desk."))
    reply.data["people"] = people(*(t.assignee or t.owner for t in trackers))  # live in Slack
    reply.data["digest"] = {"channel": channel, "open": len(trackers), "overdue": len(overdue),
                            "due_today": len(today), "team_id": team}  # fmt: skip
    return reply


def centers_today(k: Knowledge, trackers, now: datetime, zone: str) -> list[tuple[str, str]]:
    """Each center the open trackers escalate to, with its hours and whether it is open."""
    facts, seen = [], set()
    for t in trackers:
        ladder = k.ladders.get(t.kind)
        if ladder is None or ladder.center in seen:
            continue
        seen.add(ladder.center)
        center = k.center(ladder.center)
        status = hours_engine.status_at(center.hours, k.calendars, now)
        state = {True: "open now", False: "closed now", None: "hours unknown"}[status.open]
        if status.next_change:
            verb = "closes" if status.open else "opens"
            state += f", {verb} {fmt_time(status.next_change, zone)}"
        if status.holiday:
            state += f" ({status.holiday})"
        facts.append((center.label, f"{center.hours.text or center.hours.kind}; {state}"))
    return facts


# --- sending, from the scheduler's tick ------------------------------------------------------


def tick(k: Knowledge, db, now: datetime, notifier, lease: timedelta = LEASE) -> int:
    """Post the digests due at `now` (called from each scheduler tick). Never raises: a
    digest that fails is released and tried again next tick; nudges are not held up."""
    post = poster_for(notifier)
    if post is None:
        return 0
    sent = 0
    try:
        for d in store.digests(db):
            for day, at in due_runs(k, d, now):
                sent += run(k, db, d, day, at, now, post, lease)
    except Exception:
        log.exception("digest tick failed; trying again next tick")
    return sent


def run(k, db, d: Digest, day: date, at: datetime, now: datetime, post: Post,
        lease: timedelta = LEASE) -> int:  # fmt: skip
    """One channel's digest for one day: skipped when too late, else claimed and posted once."""
    if store.run_state(db, d.channel, day.isoformat(), team=d.team_id) in ("sent", "skipped"):
        return 0
    if now - at > SKIP_AFTER:
        if store.skip_run(db, d.channel, day.isoformat(), at, now, team=d.team_id):
            log.warning("digest for %s on %s skipped: %s late (more than %s)", d.channel, day,
                        fmt_span(now - at), fmt_span(SKIP_AFTER))  # fmt: skip
        return 0
    token = uuid.uuid4().hex
    if not store.claim_run(db, d.channel, day.isoformat(), at, now, token, lease, team=d.team_id):
        return 0
    late = ""
    if now - at > LATE_AFTER:
        late = (f"This digest is late: it was due {fmt_time(at, d.zone)} and is posted "
                f"{fmt_span(now - at)} later, after the bot was down.")  # fmt: skip
    try:
        post(d.channel, compose(k, db, d.channel, now, d.zone, late, team=d.team_id))
    except Exception as exc:
        log.warning("digest for %s not posted, will retry: %s", d.channel, type(exc).__name__)
        store.release_run(db, d.channel, day.isoformat(), token, team=d.team_id)
        return 0
    store.finish_run(db, d.channel, day.isoformat(), token, now, team=d.team_id)
    return 1


def poster_for(notifier) -> Post | None:
    """How a scheduler's notifier posts a digest to a channel (its `post_digest`); None for
    one that cannot (no digest is sent). Each surface renders its own: Slack's notifier
    posts Block Kit, the console's prints text."""
    return getattr(notifier, "post_digest", None)


def _refusal(text: str) -> Reply:
    return Reply("tracker_error", text)
