"""The answer to a question that asks for one stated fact: that fact first, then support.

The headline is the fact's answer sentence in the source's words, naming its center; the
center's state at the moment asked about and whom to contact follow, then the source with
its revision date. bot.conversation calls `fact_reply` for the intent "fact" that
bot.understanding sets (bot.knowledge.facts chose the fact).
"""

from __future__ import annotations

from datetime import datetime

from bot.knowledge import hours as hours_engine
from bot.knowledge import routing
from bot.knowledge.model import Center, Fact, Hours, Knowledge
from bot.reply import Reply
from bot.timefmt import fmt_both, fmt_time


def fact_reply(ctx) -> Reply:
    """`ctx` is bot.conversation.Context (k, q, now, zone) with `q.fact` set."""
    k, q, fact = ctx.k, ctx.q, ctx.q.fact
    when = (q.moment.at if q.moment.stated else ctx.now).astimezone(ctx.zone)
    center = k.centers.get(fact.center or "")
    reply = Reply("fact", headline(fact, center), when=when)
    reply.data["fact"] = fact.id
    if center:
        reply.center = center.id
        region = center.region(q.region)
        reply.region = region.id if region else None
        reply.open, line = status(k, region.hours if region else center.hours, when, ctx.zone)
        asked_at = q.moment.stated and q.moment.at != ctx.now
        label = f"{center.id} at {fmt_time(when, ctx.zone)}" if asked_at else f"{center.id} now"
        reply.facts.append((label, line))
        reply.contacts = contacts(k, fact, center, reply.region)
    severity = q.severity or by_words(k, fact, q.trouble)
    if due := level_due(k, fact, severity):
        guessed = "" if q.severity else " (from the trouble's words, reading 7)"
        reply.facts.insert(0, (due[0] + guessed, due[1]))
    reply.add_source(fact.source.cite())
    if fact.source.assumption:
        reply.facts.append(("Note", fact.source.assumption))
    return reply


def headline(fact: Fact, center: Center | None) -> str:
    """The fact's answer; prefixed with its center's id when the answer does not name it."""
    low = fact.answer.lower()
    names = (center.id, center.name, *center.aliases) if center else ()
    if center and not any(len(n) >= 3 and n.lower() in low for n in names):
        return f"{center.id}: {fact.answer}"
    return fact.answer


def status(k: Knowledge, hours: Hours, at: datetime, zone) -> tuple[bool | None, str]:
    """Open or closed at `at`, and the next change, in a few words."""
    if hours.kind == "unknown":
        return None, "hours not given in the sources"
    if hours.always_open:
        return True, "open 24x7"
    now = hours_engine.status_at(hours, k.calendars, at)
    holiday = f" ({now.holiday})" if now.holiday else ""
    if now.next_change is None:
        return now.open, "open" if now.open else f"closed{holiday}"
    change = fmt_both(now.next_change, zone, hours.zone)
    return now.open, (f"open; closes {change}" if now.open else f"closed{holiday}; opens {change}")


def by_words(k: Knowledge, fact: Fact, trouble: str) -> int | None:
    """The severity a trouble's words say for the fact's ladder ("one way audio" = 1)."""
    return routing.severity_from_words(k, fact.ladder, trouble) if fact.ladder else None


def level_due(k: Knowledge, fact: Fact, severity: int | None) -> tuple[str, str] | None:
    """For a ladder level with intervals and the severity asked about: when that level falls
    due, from the ladder's data (the level before's interval from the report, reading 7)."""
    ladder = k.ladders.get(fact.ladder or "")
    if not (ladder and fact.level and severity) or fact.level > len(ladder.levels):
        return None
    level = ladder.levels[fact.level - 1]
    if severity not in level.intervals:
        return None
    if fact.level == 1:
        return f"Severity {severity}", f"level 1 ({level.title}) from the report"
    hours = ladder.levels[fact.level - 2].intervals[severity]
    return (
        f"Severity {severity}",
        f"level {fact.level} due {hours:g} h after the report, with no forward progress",
    )


def contacts(k: Knowledge, fact: Fact, center: Center, region_id: str | None) -> list[str]:
    """Whom to contact about the fact: its ladder level's contacts, else the center's."""
    ladder = k.ladders.get(fact.ladder or "")
    if ladder and fact.level:
        people = ladder.levels[fact.level - 1].contacts
    else:
        region = center.region(region_id)
        people = (*(region.contacts if region else ()), *center.contacts)
    return list(dict.fromkeys(c.line() for c in people))
