"""The conversation: text + who + when -> Reply. One entry for every surface.

The console, the JSON command line and (later) Slack call `answer()`; it reads
the question, asks the knowledge engines, and composes a `Reply`. It never
reads the clock: the caller passes the instant the question is asked at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pytz

from bot.facts_reply import fact_reply
from bot.facts_reply import status as hours_status
from bot.knowledge import hours as hours_engine
from bot.knowledge import ladders, routing
from bot.knowledge.loader import load
from bot.knowledge.model import Center, Hours, Knowledge, Source
from bot.moments import moment_note, refusal
from bot.reply import Reply
from bot.timefmt import fmt_both, fmt_span, fmt_time
from bot.understanding import Question, understand

EXAMPLES = (
    "who handles REQTYP C standalone ports after 5pm Central?",
    "is the West LSC open at 7pm Eastern?",
    "who do I call about error code SF0101?",
    "CSR reject code 002?",
    "sev 1 BVoIP reported 90 minutes ago, who now?",
    "how often should Qwest update a sev 3 with no workaround?",
    "which centers are open right now?",
    "what do I need to escalate a late CSR?",
)
STAGE_PRIORITY = ("escalation_type", "who_to_call", "topic", "code", "level", "center_topic")


def respond(
    text: str,
    *,
    at: datetime,
    tz: str,
    user: str,
    db=None,
    channel: str | None = None,
    thread: str | None = None,
    members=None,
    k: Knowledge | None = None,
    tracker: bool = False,
    team: str = "",
) -> Reply:
    """The one conversation every surface calls: tracker commands go to the trackers
    (when a database is given; `tracker` says the line is one) of workspace `team`, the
    rest are questions. The line is read once, whichever way it goes."""
    k = k or load()
    text = (text or "").strip()[:2000]
    if not text:
        return help_reply("Ask me something about a center, a code or an escalation.")
    q = understand(k, text, at, tz)
    if db is not None:
        from bot import tracking  # the trackers, and storage, load only with a database

        if tracker or tracking.is_tracker_command(text, q):
            session = tracking.Session(k, db, user, at, tz, channel, thread, members, team)
            return tracking.handle(session, text, q)
    return compose(k, q, at, tz)


def answer(
    text: str, *, at: datetime, tz: str, user: str | None = None, k: Knowledge | None = None
) -> Reply:
    """Answer `text` as a question, asked at `at` (aware) by `user` whose zone is `tz`."""
    return respond(text, at=at, tz=tz, user=user or "", k=k)


UNTIMED = ("help", "unknown", "not_covered")  # replies that answer for no moment


def compose(k: Knowledge, q: Question, at: datetime, tz: str) -> Reply:
    """The Reply for an understood question, its headline naming the moment it answered
    for when the question named one (a misreading shows at a glance); a moment that could
    not be read is said back instead of answered."""
    if refused := refusal(q.moment):
        return refused
    reply = COMPOSERS.get(q.intent, unknown)(Context(k, q, at, pytz.timezone(tz)))
    if q.moment.stated and q.moment.spans and reply.intent not in UNTIMED:
        label, note = moment_note(q.moment, tz, at)
        untimed_start = q.moment.whole_day and q.moment.past  # "no time was given" is news
        if label not in reply.headline or untimed_start:
            reply.headline = f"{reply.headline.rstrip()} ({note})"
    return reply


@dataclass
class Context:
    k: Knowledge
    q: Question
    now: datetime
    zone: pytz.BaseTzInfo

    @property
    def when(self) -> datetime:
        return self.q.moment.at


# --- formatting -----------------------------------------------------------------


def moment_label(ctx: Context) -> str:
    m = ctx.q.moment
    if m.whole_day:
        local = m.at.astimezone(ctx.zone)
        return local.strftime("%a %b ") + str(local.day) + " (all day)"
    return fmt_time(m.at, ctx.zone)


def cite(reply: Reply, source: Source) -> None:
    reply.add_source(source.cite())
    if source.assumption:
        reply.facts.append(("Note", source.assumption))


# --- centers: status at a moment ---------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A center, or one region of it: what has hours and phones."""

    center: Center
    region_id: str | None

    @property
    def hours(self) -> Hours:
        region = self.center.region(self.region_id)
        return region.hours if region else self.center.hours

    @property
    def label(self) -> str:
        region = self.center.region(self.region_id)
        return f"{self.center.id} {region.name}" if region else self.center.id

    @property
    def region_name(self) -> str:
        region = self.center.region(self.region_id)
        return region.name if region else self.center.id

    @property
    def contacts(self):
        region = self.center.region(self.region_id)
        own = list(region.contacts) if region else []
        return own + list(self.center.contacts)


def status_line(
    ctx: Context, place: Place, at: datetime, whole_day: bool
) -> tuple[bool | None, str]:
    """Open/closed at `at` (or on that day) and the next change, in words."""
    if whole_day and place.hours.known and not place.hours.always_open:
        return _day_line(ctx, place, at)
    return hours_status(ctx.k, place.hours, at, ctx.zone)


def _day_line(ctx: Context, place: Place, at: datetime) -> tuple[bool, str]:
    hours = place.hours
    center_zone = pytz.timezone(hours.zone)
    day: date = at.astimezone(ctx.zone).date()
    windows = hours_engine.day_windows(hours, ctx.k.calendars, day)
    if windows:
        spans = ", ".join(
            f"{fmt_time(s, center_zone, False)} - {fmt_time(e, center_zone, False)}"
            for s, e in windows
        )
        return True, f"open that day, {spans}"
    holiday = hours_engine.holiday_name(ctx.k.calendars, hours.calendar, day)
    reason = f" ({holiday})" if holiday else ""
    status = hours_engine.status_at(hours, ctx.k.calendars, at)
    opens = f"; next opens {fmt_both(status.next_change, ctx.zone, hours.zone)}"
    return False, f"closed all day{reason}" + (opens if status.next_change else "")


def places(center: Center, region: str | None) -> list[Place]:
    """The places to report: the named region, else every region unless they all agree."""
    if center.regions and center.region(region):
        return [Place(center, region)]
    alike = len({(r.hours, tuple(c.phone for c in r.contacts)) for r in center.regions}) <= 1
    if center.regions and not alike:
        return [Place(center, r.id) for r in center.regions]
    return [Place(center, None)]


def status_sentence(ctx: Context, spots: list[Place], lines: list[tuple[bool | None, str]]) -> str:
    """Open/closed in one sentence: "Closed now; opens Tue Nov 24, 7:30 AM CST."."""
    when = "now" if not ctx.q.moment.stated else f"at {moment_label(ctx)}"
    if ctx.q.moment.whole_day:
        when = f"on {moment_label(ctx)}"
    if len(spots) == 1:
        is_open, line = lines[0]
        if is_open is None:
            return "Its hours are not in the sources."
        if spots[0].hours.always_open:
            return "Open 24x7."
        state, _, rest = line.partition("; ")
        state = state.replace("open that day, ", "open ").replace("closed all day", "closed")
        head = f"{state[0].upper()}{state[1:]} {when}" if state else when
        return f"{head}; {rest}." if rest else f"{head}."
    opened = [s.region_name for s, (o, _) in zip(spots, lines, strict=True) if o]
    closed = [s.region_name for s, (o, _) in zip(spots, lines, strict=True) if o is False]
    if not closed:
        return f"Open {when} in every region."
    if not opened:
        return f"Closed {when} in every region."
    return (
        f"{when[0].upper()}{when[1:]}: open in {', '.join(opened)}; closed in {', '.join(closed)}."
    )


def center_facts(ctx: Context, reply: Reply, center: Center, region: str | None) -> str:
    """Status at the moment, hours, contacts, escalation and source of a center.

    Returns the status sentence for the headline.
    """
    moment = ctx.q.moment
    spots = places(center, region)
    lines = [status_line(ctx, spot, moment.at, moment.whole_day) for spot in spots]
    if len(spots) > 1:
        reply.rows += [(spot.label, line) for spot, (_, line) in zip(spots, lines, strict=True)]
    texts = {spot.hours.text for spot in spots}
    if len(texts) == 1 and spots[0].hours.text:
        reply.facts.append(("Hours", spots[0].hours.text))
    opens = {is_open for is_open, _ in lines}
    reply.open = opens.pop() if len(opens) == 1 else None
    reply.center = center.id
    reply.region = region if center.region(region) else None
    reply.when = _answer_when(ctx, spots)
    for spot in spots:
        for contact in spot.contacts:
            line = contact.line()
            if line not in reply.contacts:
                reply.contacts.append(line)
    if center.escalation:
        reply.next_steps.append("Escalation: " + " ".join(center.escalation))
    cite(reply, center.source)
    return status_sentence(ctx, spots, lines)


def _answer_when(ctx: Context, spots: list[Place]) -> datetime:
    """The moment answered for; for a whole day, its first opening (else its start)."""
    moment = ctx.q.moment
    if not moment.whole_day:
        return moment.at
    day = moment.at.astimezone(ctx.zone).date()
    cals = ctx.k.calendars
    firsts = [w[0][0] for s in spots if (w := hours_engine.day_windows(s.hours, cals, day))]
    return min(firsts).astimezone(ctx.zone) if firsts else moment.at


def center_title(center: Center, region: str | None = None) -> str:
    reg = center.region(region)
    name = f"{center.name} ({center.id})" if center.id not in center.name else center.name
    return f"{name}, {reg.name}" if reg else name


# --- routing ----------------------------------------------------------------------


@dataclass
class Route:
    center: str | None
    reason: str
    source: Source | None = None
    facts: tuple[str, ...] = ()
    have_ready: tuple[str, ...] = ()


def route(ctx: Context) -> Route | None:
    """Which center a who-handles question is about, and why (reading 5)."""
    k, q = ctx.k, ctx.q
    if q.error_code:
        row = q.error_code
        se = " (Southeast specific)" if row.southeast_only else ""
        reason = (
            f"{q.error_text}: prefix {row.prefix} = {row.code_type}{se}, "
            f"{row.request}; first point of contact: {row.center}"
        )
        return Route(row.center, reason, row.source)
    if q.reqtyp and (row := routing.reqtyp_row(k, q.reqtyp)):
        return _route_entry("escalation_type", row)
    if q.reqtyp or q.porting_to_att or q.standalone:
        center, reason = routing.reqtyp_center(
            k, q.reqtyp or "C", q.rpon, q.porting_to_att, q.standalone or _stand_alone(q)
        )
        return Route(center, reason, k.centers[center].source)
    if q.reject:
        return Route(q.reject.center, f"CSR reject code {q.reject.code}: {q.reject.meaning}",
                     q.reject.source)  # fmt: skip
    if q.disposition:
        return Route(q.disposition.center, q.disposition.meaning, q.disposition.source)
    best = _best_match(q)
    if q.centers and (best is None or best.kind in ("center_topic", "topic")):
        return Route(q.centers[0], "")  # a center named outright beats a topic's center
    if best:
        entry = routing.lookup(k, best.kind, best.target)
        return _route_entry(best.kind, entry)
    if q.ladder:
        return Route(k.ladders[q.ladder].center, "")
    return None


def _stand_alone(q: Question) -> bool:
    """A port said to be stand-alone, or one the question does not call a REQTYP at all."""
    return not q.reqtyp or any(w in q.text for w in ("standalone", "stand alone", "stand-alone"))


def _best_match(q: Question) -> routing.Match | None:
    """The phrase that routes the question: of the target most said (its phrases' letters
    together: "ftp file transfer" outweighs a "planning call" said in passing), its longest."""
    if not q.matches:
        return None
    said: dict[tuple[str, str], int] = {}
    for m in q.matches:
        said[(m.kind, m.target)] = said.get((m.kind, m.target), 0) + len(m.phrase)
    return max(
        q.matches,
        key=lambda m: (said[(m.kind, m.target)], len(m.phrase), -STAGE_PRIORITY.index(m.kind)),
    )


def _route_entry(kind: str, entry) -> Route:
    if kind == "center_topic":
        return Route(entry.id, "")
    if kind == "level":
        return Route(None, entry.title)
    if kind == "escalation_type":
        reason = f"{entry.escalation_type}: handled by {entry.handled_by}"
        return Route(entry.center, reason, entry.source, (entry.detail,) if entry.detail else ())
    if kind == "who_to_call":
        return Route(entry.center, f"{entry.request}: {entry.detail}".strip(": "), entry.source,
                     (entry.answer,) if entry.answer else ())  # fmt: skip
    if kind == "code":
        return Route(entry.center, f"{entry.code}: {entry.meaning}", entry.source)
    return Route(entry.center, entry.title, entry.source, entry.facts, entry.have_ready)


# --- composers --------------------------------------------------------------------


def ladder_level(ctx: Context) -> Reply | None:
    """A question about one level of a ladder: "bvoip director level", "qwest tier 3"."""
    q = ctx.q
    ladder = ctx.k.ladders.get(q.ladder or "")
    if ladder is None or q.level is None or not 1 <= q.level <= len(ladder.levels):
        return None
    done = q.level_done if q.level_done and q.level_done < len(ladder.levels) else None
    lv = ladder.levels[done if done else q.level - 1]  # "escalated to level 2, now what": 3
    center = ctx.k.center(ladder.center)
    reply = Reply("who_handles", f"{ladder.name}, level {lv.level}: {owner(lv.title)}.")
    if done:
        before = owner(ladder.levels[done - 1].title)
        reply.headline = f"After level {done} ({before}), next: {reply.headline}"
    elif q.level_done == len(ladder.levels):  # "escalated to tier 5 and nothing, what now"
        reply.headline = (
            f"Level {lv.level} ({owner(lv.title)}) is the last level of the {ladder.name} "
            "ladder; the source names no one above it."
        )
    reply.center, reply.when = center.id, ctx.when
    reply.open = hours_engine.status_at(center.hours, ctx.k.calendars, ctx.when).open
    if lv.intervals:
        spans = ", ".join(f"severity {s}: {h:g} h" for s, h in sorted(lv.intervals.items()))
        reply.facts.append(("Escalate here after", f"{spans} from the report, with no progress"))
    if lv.responsibilities:
        reply.facts.append(("Responsibilities", "; ".join(lv.responsibilities)))
    reply.contacts = [c.line() for c in lv.contacts]
    reply.have_ready = list(ladder.have_ready)
    cite(reply, ladder.source)
    return reply


def who_handles(ctx: Context) -> Reply:
    if level := ladder_level(ctx):
        return level
    found = route(ctx)
    if found is None:
        return unknown(ctx)
    reply = Reply("who_handles", "")
    if found.center is None:
        reply.headline = (found.reason or "That is not handled by one center.").rstrip(".") + "."
        reply.facts += [("", f) for f in found.facts]
        reply.have_ready += list(found.have_ready)
        if found.source:
            cite(reply, found.source)
        reply.when = ctx.when if ctx.q.moment.stated else None
        return reply
    center = ctx.k.center(found.center)
    region = ctx.q.region if center.regions else None
    status = center_facts(ctx, reply, center, region)
    why = f" {found.reason}." if found.reason else ""
    reply.headline = f"{center_title(center, region)}.{why} {status}"
    reply.facts += [("", f) for f in found.facts]
    reply.have_ready += list(found.have_ready or center.have_ready)
    if found.source:
        cite(reply, found.source)
    return reply


def hours(ctx: Context) -> Reply:
    center = ctx.k.center(ctx.q.centers[0])
    region = ctx.q.region if center.regions else None
    reply = Reply("hours", "")
    status = center_facts(ctx, reply, center, region)
    reply.headline = f"{center_title(center, region)}: {status}"
    return reply


def code(ctx: Context) -> Reply:
    q = ctx.q
    reply = Reply("code", "")
    if q.reject:
        c = q.reject
        headline = f"CSR reject code {c.code}: {c.meaning}."
        reply.next_steps.append("Correct the CSIR form and resubmit it; the interval restarts.")
        center_id, source = c.center, c.source
    elif q.disposition:
        c = q.disposition
        headline = f"Qwest {c.kind.split('-')[1]} code: {c.meaning}"
        center_id, source = c.center, c.source
    else:
        row = q.error_code
        se = " (Southeast specific)" if row.southeast_only else ""
        headline = (
            f"{q.error_text}: prefix {row.prefix} = {row.code_type}{se} "
            f"({row.request}); first point of contact: {row.center}."
        )
        center_id, source = row.center, row.source
    reply.headline = headline
    if center_id:
        center = ctx.k.center(center_id)
        status = center_facts(ctx, reply, center, None)
        said = center.name if "-" in center_id else center_id  # "CSR-CENTER" is no name
        reply.headline = f"{headline} {said}: {status}"
    cite(reply, source)
    return reply


SEVERITY_SCOPES = {"bvoip": "AT&T BVoIP", "qwest_it": "Qwest IT trouble ticket"}
CLEAR_LEAD = 1.25  # the best fit must beat the next by this factor to be THE severity


def severity(ctx: Context) -> Reply:
    """A severity named, the one a described trouble fits (with why), or the list
    when nothing fits or a comparison is asked for."""
    q = ctx.q
    ladder = _severity_ladder(q)
    reply = Reply("severity", "")
    if q.ladder in ctx.k.ladders and q.ladder not in {s.ladder for s in ctx.k.severities}:
        return _unrated(ctx, reply, q.ladder, ladder)
    # a trouble outside a severity's definition ("one user") is said so, first
    reply.facts += [("Note", n) for n in routing.outside_scope(ctx.k, ladder, q.trouble)]
    wants_fit = (q.severity is None or q.asks_fit) and not _compares(q)
    if wants_fit and (fitted := _fitted(ctx, reply, ladder)):
        return fitted
    if q.asks_fit and reply.facts:  # "would a single phone down be sev 1": no, by its scope
        reply.headline = f"Not severity {q.severity} by the source's definition: "
        reply = _named_or_all(ctx, reply, ladder, keep=True)
        return reply
    return _named_or_all(ctx, reply, ladder)


def _severity_ladder(q: Question) -> str | None:
    """The ladder whose severities are asked about; None for both."""
    if q.ladder in ("bvoip", "qwest_it"):
        return q.ladder
    if q.severity in (3, 4) or q.ladder == "qwest_process":
        return "qwest_it"
    return None


def _fitted(ctx: Context, reply: Reply, ladder: str | None) -> Reply | None:
    """THE severity the trouble's words fit, or the few they fit about equally; None when
    they fit none."""
    q = ctx.q
    fits = routing.severity_fits(ctx.k, q.trouble, (ladder,) if ladder else None)
    close = [f for f in fits if f.score > 0 and f.score * CLEAR_LEAD > fits[0].score]
    if len(close) > 1:
        reply.headline = "Your words fit more than one severity; the definitions:"
        return _severity_list(ctx, reply, [f.severity for f in close])
    if not close:
        return None
    reply = _severity_fit(ctx, reply, close[0])
    if q.asks_fit and len(q.severities) <= 1:  # "is a total outage of qwest ima a sev 1?"
        yes = close[0].severity.level == q.severity
        say = "Yes: " if yes else f"Not severity {q.severity} by the source's words: "
        reply.headline = say + reply.headline
    return reply


def _named_or_all(ctx: Context, reply: Reply, ladder: str | None, keep: bool = False) -> Reply:
    """The severity named (or those compared: "sev 2 vs 3"), else every one in scope;
    `keep` keeps the headline's start (a "Not severity 1" said before the list)."""
    q = ctx.q
    lead = reply.headline if keep else ""
    if keep:
        q = replace(q, severity=None)  # the list, not the one asked
    named = set(q.severities) if _compares(q) and len(q.severities) > 1 else None
    chosen = [
        s
        for s in ctx.k.severities
        if (ladder is None or s.ladder == ladder)
        and (q.severity is None or s.level == q.severity or _compares(q))
        and (named is None or s.level in named)
    ]
    if not chosen:
        reply.headline = "BVoIP has severities 1 and 2; Qwest IT tickets have severities 1 to 4."
        return _severity_list(ctx, reply, list(ctx.k.severities))
    by_ladder: dict[str, list[str]] = {}
    for s in chosen:
        by_ladder.setdefault(s.ladder, []).append(f"severity {s.level}")
    scopes = (f"{SEVERITY_SCOPES[lad]} {' vs '.join(lv)}" for lad, lv in by_ladder.items())
    reply.headline = lead + "; ".join(scopes) + ":"
    return _severity_list(ctx, reply, chosen)


def _unrated(ctx: Context, reply: Reply, ladder_id: str, related: str | None) -> Reply:
    """A CSR or a Qwest process ticket: its source gives it no severity at all; the
    related ladder's severities (Qwest IT for a Qwest process ticket) follow."""
    k = ctx.k
    ranges = "; ".join(
        f"{SEVERITY_SCOPES[lad]}: severities {min(levels)}-{max(levels)}"
        for lad in SEVERITY_SCOPES
        if (levels := [s.level for s in k.severities if s.ladder == lad])
    )
    reply.headline = (
        f"The source gives no severity levels for {k.ladders[ladder_id].name}; "
        f"severities are defined for {ranges}."
    )
    cite(reply, k.ladders[ladder_id].source)
    if related is None:
        return reply
    return _severity_list(ctx, reply, [s for s in k.severities if s.ladder == related])


def _severity_fit(ctx: Context, reply: Reply, fit: routing.SeverityFit) -> Reply:
    """THE severity a trouble fits, why (the source's own lines it matches), and its source."""
    s = fit.severity
    quote = fit.lines[0] if fit.lines else routing.line_for(s, fit.words)
    said = ", ".join(f'"{w}"' for w in routing.widest(fit.words))
    because = (
        f"you said {said}; the source: \u201c{quote}\u201d" if said else f"\u201c{quote}\u201d"
    )
    reply.headline = f"{SEVERITY_SCOPES[s.ladder]} {s.name}: {because}"
    if s.definition and s.definition != quote:
        reply.facts.append(("Definition", s.definition))
    if s.criteria and not fit.lines:
        reply.facts.append(("Criteria", "; ".join(s.criteria)))
    reply.facts += [("Also matches", f"\u201c{line}\u201d") for line in fit.lines[1:3]]
    if s.examples:
        reply.facts.append(("Examples", "; ".join(s.examples)))
    cite(reply, s.source)
    return _severity_center(ctx, reply, {s.ladder})


def _severity_list(ctx: Context, reply: Reply, chosen: list) -> Reply:
    for s in chosen:
        text = s.definition or "; ".join(s.criteria)
        if s.examples:
            text += " Examples: " + "; ".join(s.examples)
        reply.facts.append((f"{SEVERITY_SCOPES[s.ladder]} {s.name}", text))
        cite(reply, s.source)
    return _severity_center(ctx, reply, {s.ladder for s in chosen})


def _severity_center(ctx: Context, reply: Reply, ladders_named: set[str]) -> Reply:
    """An answer about one ladder's severities names that ladder's center and its state."""
    if len(ladders_named) == 1:
        center = ctx.k.center(ctx.k.ladders[ladders_named.pop()].center)
        reply.center = center.id
        reply.when = ctx.when
        reply.open = hours_engine.status_at(center.hours, ctx.k.calendars, ctx.when).open
    return reply


def _compares(q: Question) -> bool:
    return bool(
        " vs" in q.text or "versus" in q.text or "difference" in q.text or "differ" in q.text
    )


def prepare(ctx: Context) -> Reply:
    q = ctx.q
    reply = Reply("prepare", "")
    found = route(ctx) if (q.matches or q.centers or q.reqtyp) else None
    ladder = ctx.k.ladders.get(q.ladder) if q.ladder else None
    if ladder and ladder.have_ready:
        reply.headline = f"To escalate ({ladder.name}), have ready:"
        reply.have_ready = list(ladder.have_ready)
        cite(reply, ladder.source)
        center_id = ladder.center
    elif found and found.have_ready:
        reply.headline = f"{found.reason}: have ready:"
        reply.have_ready = list(found.have_ready)
        if found.source:
            cite(reply, found.source)
        center_id = found.center
    elif found and found.center and ctx.k.center(found.center).have_ready:
        center = ctx.k.center(found.center)
        reply.headline = f"For the {center.id}, have ready:"
        reply.have_ready = list(center.have_ready)
        cite(reply, center.source)
        center_id = center.id
    else:
        reply.headline = "Which escalation? I have checklists for these:"
        for lad in ctx.k.ladders.values():
            if lad.have_ready:
                reply.rows.append((lad.name, f"{len(lad.have_ready)} items"))
        for topic in ctx.k.topics:
            if topic.have_ready:
                reply.rows.append((topic.title, f"{len(topic.have_ready)} items"))
        reply.examples = ["what do I need to escalate a late CSR?",
                          "what info should I have ready for a BVoIP escalation?"]  # fmt: skip
        return reply
    if center_id:
        center = ctx.k.center(center_id)
        reply.center = center.id
        reply.when = ctx.when
        reply.open = hours_engine.status_at(center.hours, ctx.k.calendars, ctx.when).open
        reply.contacts = [c.line() for c in center.contacts]
    return reply


def escalation_status(ctx: Context) -> Reply:
    q = ctx.q
    ladder = q.ladder or ("qwest_it" if q.severity in (3, 4) else "bvoip")
    if ladder == "bvoip":
        return _bvoip_status(ctx)
    if ladder == "qwest_it":
        return _qwest_it_status(ctx)
    if ladder == "qwest_process":
        return _qwest_process_status(ctx)
    return _csr_status(ctx)


def guess_severity(ctx: Context, ladder: str) -> int | None:
    """Severity from the words used (reading 7), unless stated."""
    if ctx.q.severity:
        return ctx.q.severity
    return routing.severity_from_words(ctx.k, ladder, ctx.q.trouble)


def owner(title: str) -> str:
    """ "Second Level: Team Manager" -> "Team Manager": the level number is said apart."""
    return title.split(": ", 1)[-1]


def step_label(step: ladders.Step) -> str:
    """A ladder step in words; the last nudge is never dressed as a level still to come."""
    if step.kind == "final":
        return f"Last nudge (level {step.level}'s interval ends)"
    return f"Level {step.level}: {owner(step.title)}"


def _ladder_rows(ctx: Context, reply: Reply, schedule: ladders.Schedule, zone: str) -> None:
    """Every step: the one due now, those already passed, and those still to come."""
    current, _ = ladders.due_now(schedule, ctx.now)
    for step in schedule.steps:
        when = fmt_both(step.due_at, ctx.zone, zone)
        if step is current:
            state = f"due now (since {when})"
        elif step.due_at <= ctx.now:
            state = f"passed {when}"
        else:
            state = f"at {when}"
        reply.rows.append((step_label(step), state))


def _status_reply(ctx: Context, reply: Reply, schedule: ladders.Schedule, zone: str) -> None:
    current, upcoming = ladders.due_now(schedule, ctx.now)
    if current:
        reply.contacts = [c.line() for c in current.contacts]
    if upcoming:
        wait = fmt_span(upcoming.due_at - ctx.now)
        when = fmt_both(upcoming.due_at, ctx.zone, zone)
        if upcoming.kind == "final":
            reply.next_steps.append(
                f"Last nudge: level {upcoming.level}'s interval ends at {when}, in {wait}; "
                f"stay on level {upcoming.level} ({owner(upcoming.title)})."
            )
        else:
            name = owner(upcoming.title)
            reply.next_steps.append(f"Level {upcoming.level} ({name}) at {when}, in {wait}.")
    _ladder_rows(ctx, reply, schedule, zone)
    reply.have_ready = list(ctx.k.ladders[schedule.ladder].have_ready)
    reply.data["level"] = current.level if current else None


def _bvoip_status(ctx: Context) -> Reply:
    k, q = ctx.k, ctx.q
    ladder = k.ladders["bvoip"]
    center = k.center(ladder.center)
    sev = guess_severity(ctx, "bvoip")
    reply = Reply("escalation_status", "", center=center.id, when=ctx.now, open=True)
    cite(reply, ladder.source)
    if q.severity is not None and q.severity not in ladder.levels[0].intervals:
        # "sev 3 one way audio": BVoIP has no severity 3; the words may still say which
        said = ", ".join(str(s) for s in sorted(ladder.levels[0].intervals))
        reply.facts.append(("Note", f"BVoIP has severities {said} only, not {q.severity}."))
        sev = routing.severity_from_words(k, "bvoip", q.trouble)
    if sev in (1, 2) and (differs := routing.severity_differs(k, "bvoip", q.severity, q.trouble)):
        reply.facts.append(("Note", differs))
    if q.severity is None:  # "one user has one way audio": outside severity 1's definition
        reply.facts += [("Note", n) for n in routing.outside_scope(k, "bvoip", q.trouble)]
    if sev not in (1, 2):
        reply.headline = "BVoIP escalation intervals, from the time you reported it:"
        for lv in ladder.levels:
            spans = ", ".join(f"sev {s}: {h:g} h" for s, h in sorted(lv.intervals.items()))
            reply.rows.append((f"Level {lv.level}: {owner(lv.title)}", spans))
        reply.next_steps.append("Tell me the severity and when it was reported for the due times.")
        return reply
    if not q.moment.stated or q.moment.at > ctx.now:  # a time to come is no report time
        reply.headline = f"BVoIP severity {sev}: escalate a level when its interval has passed."
        for lv in ladder.levels:
            reply.rows.append((f"Level {lv.level}: {owner(lv.title)}", f"{lv.intervals[sev]:g} h"))
        reply.contacts = [c.line() for c in ladder.levels[0].contacts]
        reply.next_steps.append("Tell me when it was reported (e.g. '90 minutes ago').")
        return reply
    schedule = ladders.bvoip_schedule(k, q.moment.at, sev)
    current, _ = ladders.due_now(schedule, ctx.now)
    since = fmt_span(ctx.now - schedule.started_at)
    if current is None:
        reply.headline = f"BVoIP severity {sev}: not reported yet at that time; level 1 first."
    elif current.kind == "final":
        reply.headline = (
            f"BVoIP severity {sev}, reported {since} ago: every level's interval has passed; "
            f"stay on level 4 ({owner(current.title)})."
        )
    else:
        reply.headline = (
            f"BVoIP severity {sev}, reported {since} ago: level {current.level} "
            f"({owner(current.title)}) is due now."
        )
    _status_reply(ctx, reply, schedule, center.hours.zone)
    reply.facts.append(("Reported", fmt_time(schedule.started_at, ctx.zone)))
    if current and current.level >= 3:
        reply.facts.append(("After hours", "; ".join(ladder.notes[:1])))
    return reply


def _qwest_it_status(ctx: Context) -> Reply:
    k, q = ctx.k, ctx.q
    ladder = k.ladders["qwest_it"]
    center = k.center(ladder.center)
    sev = guess_severity(ctx, "qwest_it")
    reply = Reply("escalation_status", "", center=center.id, when=ctx.now)
    reply.open = hours_engine.status_at(center.hours, k.calendars, ctx.now).open
    cite(reply, ladder.source)
    if differs := routing.severity_differs(k, "qwest_it", q.severity, q.trouble):
        reply.facts.append(("Note", differs))
    if sev is None:
        reply.headline = "Qwest WSHD update intervals by severity:"
        for s in (1, 2, 3, 4):
            reply.rows.append((f"Severity {s}", _cadence_words(k, s, q.workaround)))
        return reply
    cadence = ladders.qwest_it_cadence(k, sev, bool(q.workaround))
    words = _cadence_words(k, sev, q.workaround)
    reply.headline = (f"Qwest severity {sev} ticket: updates {words}." if cadence else
                      f"Qwest severity {sev} ticket with a workaround: no scheduled updates "
                      "(only status changes are communicated).")  # fmt: skip
    reply.facts.append(("WSHD hours", center.hours.text))
    reply.facts += [("", n) for n in ladder.notes if n.lower().startswith(f"severity {sev}:")]
    if cadence and q.moment.stated and q.moment.past:
        schedule = ladders.qwest_it_schedule(k, q.moment.at, sev, bool(q.workaround))
        due = schedule.steps[0].due_at
        state = "overdue since" if due <= ctx.now else "next due"
        reply.next_steps.append(f"Update {state} {fmt_both(due, ctx.zone, center.hours.zone)}.")
        # the clock asked about leads: "when is the next update" is answered in the headline
        state = "the first was due" if due <= ctx.now else "the next is due"
        reply.headline = reply.headline[:-1] + f"; {state} {fmt_time(due, ctx.zone)}."
    reply.contacts = [c.line() for c in center.contacts]
    return reply


def _cadence_words(k: Knowledge, sev: int, workaround: bool | None) -> str:
    cadence = ladders.qwest_it_cadence(k, sev, bool(workaround))
    if cadence is None:
        return "none while a workaround is in place (only status changes)"
    hours = cadence.total_seconds() / 3600
    every = "every hour" if hours == 1 else f"every {hours:g} hours"
    if sev in k.ladders["qwest_it"].rules.get("workaround_stops", ()) and workaround is None:
        every += " with no workaround (none with a workaround)"
    clock = (
        ""
        if sev in k.ladders["qwest_it"].rules.get("wall_clock_severities", ())
        else (", counted in WSHD hours")
    )
    return every + clock


def _qwest_process_status(ctx: Context) -> Reply:
    k, q = ctx.k, ctx.q
    ladder = k.ladders["qwest_process"]
    center = k.center(ladder.center)
    rules = ladder.rules
    reply = Reply("escalation_status", "", center=center.id, when=ctx.now, open=None)
    cite(reply, ladder.source)
    reply.headline = (
        f"Qwest process trouble (CSIE): response within {rules['response_hours']} hours, then "
        f"status every {rules['status_every_hours']} hours; escalate to any tier at any time."
    )
    if q.moment.stated and q.moment.past:
        schedule = ladders.qwest_process_schedule(k, q.moment.at)
        due = schedule.steps[0].due_at
        state = "was due" if due <= ctx.now else "is due"
        reply.facts.append(("Response", f"{state} {fmt_time(due, ctx.zone)}"))
    for lv in ladder.levels:
        reply.rows.append((f"Tier {lv.level}", lv.title))
    reply.facts += [("", n) for n in ladder.notes]
    reply.have_ready = list(ladder.have_ready)
    return reply


def _csr_status(ctx: Context) -> Reply:
    k, q = ctx.k, ctx.q
    ladder = k.ladders["csr"]
    center = k.center(ladder.center)
    reply = Reply("escalation_status", "", center=center.id, when=ctx.now)
    reply.open = hours_engine.status_at(center.hours, k.calendars, ctx.now).open
    cite(reply, ladder.source)
    cite(reply, center.source)
    if not (q.moment.stated and q.moment.past):
        rules = ladder.rules
        cutoff = fmt_time(ladders.cutoff_today(k, ctx.now), rules["cutoff_zone"], with_date=False)
        reply.headline = (
            f"A CSR is due {rules['business_days']} business days after a complete CSIR (after "
            f"{cutoff}: from the next business day); then escalate a level every "
            f"{rules['level_gap_business_hours']} business hours."
        )
        reply.contacts = [c.line() for lv in ladder.levels for c in lv.contacts]
        reply.next_steps.append("Tell me when you submitted it for the exact due times.")
        reply.have_ready = list(ladder.have_ready)
        return reply
    schedule = ladders.csr_schedule(k, q.moment.at)
    current, _ = ladders.due_now(schedule, ctx.now)
    due = fmt_both(schedule.steps[0].due_at, ctx.zone, center.hours.zone)
    if current is None:
        reply.headline = f"Not yet: the CSR is due {due}; escalate then if it has not arrived."
    else:
        reply.headline = f"Yes: the CSR was due {due}. Level {current.level} is due now."
    reply.facts.append(("Interval starts", fmt_time(schedule.started_at, ctx.zone)))
    _status_reply(ctx, reply, schedule, center.hours.zone)
    return reply


def board(ctx: Context) -> Reply:
    """Every center and region at the moment (of the carrier named, if one is): open
    first (closing soonest first), then closed (opening soonest first), then those whose
    hours are unknown."""
    moment = ctx.q.moment
    reply = Reply("board", "", when=moment.at)
    rows: list[tuple[int, datetime | None, str, str]] = []
    named = {c.covers for c in ctx.q.carriers if c.covers}
    for center in ctx.k.centers.values():
        if named and center.carrier not in named:
            continue  # "which qwest centers are open": Qwest's only
        for spot in places(center, None):
            is_open, line = status_line(ctx, spot, moment.at, moment.whole_day)
            change = hours_engine.status_at(spot.hours, ctx.k.calendars, moment.at).next_change
            rank = {True: 0, False: 1, None: 2}[is_open]
            rows.append((rank, change, spot.label, line))
            reply.add_source(ctx.k.documents[center.source.document]["title"])
    rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or moment.at))
    reply.rows = [(label, line) for _, _, label, line in rows]
    counts = [sum(1 for r in rows if r[0] == rank) for rank in (0, 1, 2)]
    whose = f" ({' and '.join(sorted(named))} centers)" if named else ""
    reply.headline = (
        f"At {moment_label(ctx)}{whose}: {counts[0]} open, {counts[1]} closed, "
        f"{counts[2]} with hours not in the sources."
    )
    return reply


def help_reply(headline: str | None = None) -> Reply:
    reply = Reply("help", headline or "I answer questions about AT&T and Qwest wholesale centers:")
    reply.facts = [
        ("Who handles", "by topic, REQTYP/RPON, error code, order stage or product"),
        ("Open or closed", "any center or LSC region, now or at a time, in your zone"),
        ("Codes", "error-code prefixes, CSR reject codes, Qwest disposition codes"),
        ("Escalations", "severities, what to have ready, which level is due now"),
    ]
    reply.examples = list(EXAMPLES)
    return reply


def help_(ctx: Context) -> Reply:
    return help_reply()


def unknown(ctx: Context) -> Reply:
    reply = Reply("unknown", "I don't know that. I answer questions about CLEC escalation centers.")
    reply.examples = list(EXAMPLES[:5])
    return reply


def covered_centers(k: Knowledge) -> str:
    """What the sources cover, by carrier: "AT&T: CSC, ISCC, ...; Qwest: WSHD, CSIE"."""
    by_carrier: dict[str, list[str]] = {}
    for center in k.centers.values():
        by_carrier.setdefault(center.carrier, []).append(center.id)
    return "; ".join(f"{carrier}: {', '.join(ids)}" for carrier, ids in by_carrier.items())


def not_covered(ctx: Context) -> Reply:
    """A carrier or a code the sources do not cover: said plainly, with what they do cover
    (reading 12), never an answer that happens to match a word."""
    q, k = ctx.q, ctx.k
    reply = Reply("not_covered", "")
    if q.unlisted:
        reply.headline = (
            f"The sources do not list {q.unlisted}, so I can't say what it means or who handles it."
        )
        reply.facts.append(_listed_codes(k, q.unlisted))
        if not q.unlisted.startswith(("CSR", "Qwest")):
            _code_documentation(k, reply)
    else:
        others = ", ".join(c.name for c in q.carriers if c.covers is None)
        reply.headline = (
            f"The sources cover AT&T and Qwest only; they say nothing about {others}, "
            f"so I can't answer for {others}."
        )
        reply.facts.append(("The sources cover", covered_centers(k)))
    reply.examples = list(EXAMPLES[:4])
    return reply


def _code_documentation(k: Knowledge, reply: Reply) -> None:
    """Where AT&T documents the codes the job aid does not list (its own pointer)."""
    for topic in k.topics:
        if topic.id == "error-code-documentation":
            reply.facts += [("Where AT&T lists its codes", fact) for fact in topic.facts[:2]]
            cite(reply, topic.source)


def _listed_codes(k: Knowledge, unlisted: str) -> tuple[str, str]:
    """The codes of the kind asked about that the sources do list."""
    if unlisted.startswith("CSR reject"):
        codes = ", ".join(c.code for c in k.codes if c.kind == "csr-reject")
        return ("CSR reject codes in the CSR guide", codes)
    if unlisted.startswith("Qwest"):
        codes = "; ".join(c.meaning.split(" – ")[0] for c in k.codes if c.kind.startswith("qwest"))
        return ("Qwest codes in the Qwest source", codes)
    prefixes = ", ".join(e.prefix for e in k.error_codes)
    return ("Error-code prefixes in the Who-to-Call job aid", prefixes)


def _carrier_fit(ctx: Context, reply: Reply) -> Reply:
    """An answer from one carrier's source to a question that names only the other is no
    answer (reading 12); an answer for a renamed carrier says the source predates the name."""
    k, q = ctx.k, ctx.q
    named = {c.covers for c in q.carriers if c.covers}
    center = k.centers.get(reply.center or "")
    if center and named and center.carrier not in named:
        said = " and ".join(sorted(named))
        ours = ", ".join(c.id for c in k.centers.values() if c.carrier in named)
        out = Reply(
            "not_covered",
            f"The {center.id} is {center.carrier}'s, and you asked about {said}: "
            f"for {said} the sources cover {ours}.",
        )
        out.facts.append(("The sources cover", covered_centers(k)))
        out.examples = list(EXAMPLES[:4])
        return out
    qwest_title = k.documents.get("qwest-cmp-production-support", {}).get("title", "")
    from_qwest = (center and center.carrier == "Qwest") or any(
        qwest_title and src.startswith(qwest_title) for src in reply.sources
    )
    for carrier in q.carriers:
        if carrier.note and from_qwest and ("Note", carrier.note) not in reply.facts:
            reply.facts.append(("Note", carrier.note))
    return reply


def _symptom_read(ctx: Context, reply: Reply) -> Reply:
    """A ladder read from a symptom alone says so first, so a misreading shows at a glance."""
    q = ctx.q
    ladder = ctx.k.ladders.get(q.ladder or "")
    if q.symptom and ladder and reply.center == ladder.center:
        reply.facts.insert(0, ("Read as", f'{ladder.name}, from "{q.symptom}"'))
    return reply


def _carrier_checked(composer):
    """`composer`, with its answer checked against the carriers the question names and
    the symptom that named its ladder said."""

    def compose_checked(ctx: Context) -> Reply:
        return _symptom_read(ctx, _carrier_fit(ctx, composer(ctx)))

    compose_checked.__doc__ = composer.__doc__
    return compose_checked


COMPOSERS = {
    "not_covered": not_covered,
    "who_handles": who_handles,
    "hours": hours,
    "code": code,
    "severity": severity,
    "prepare": prepare,
    "escalation_status": escalation_status,
    "board": board,
    "help": help_,
    "unknown": unknown,
    "fact": fact_reply,
}
COMPOSERS = {intent: _carrier_checked(composer) for intent, composer in COMPOSERS.items()}
