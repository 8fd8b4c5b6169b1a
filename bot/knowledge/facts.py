"""Which stated fact a question asks for: a time limit, a goal, a rule about levels, the
advocate when a ladder is exhausted, when a clock starts.

Pure over `Knowledge`. The facts, and the words that name what each is about and that ask
for it, are data (`[[fact]]` entries, docs/knowledge-data.md); this module holds only the
usual ways desks ask for each kind of fact ("how long", "how often", "can i skip", "who if
nobody answers") and the scoring. A fact is chosen only when it clearly beats every other
and the ordinary answer would not already lead with it; otherwise the ordinary intent
answers (docs/understanding-facts.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from bot.knowledge.model import Fact, Knowledge
from bot.knowledge.words import SHORT_FORMS, correct_typo, deletions

# The usual ways of asking for each kind of fact. A fact's own `asks` add to its kind's.
_TIME = (
    "how long", "how soon", "how quickly", "how quick", "how fast", "how many hour",
    "how many day", "how many business day", "how many business hour", "how much time",
    "turnaround", "turn around", "turnaround time", "tat", "sla", "time frame", "timeframe",
    "deadline", "response time", "by when", "when will", "when should i expect",
    "when can i expect", "when can we expect", "how long do they have", "how long does",
    "time limit", "commitment", "interval", "eta", "expected", "within how",
)  # fmt: skip
_CADENCE = (
    "how often", "how frequently", "frequency", "cadence", "how regularly", "update interval",
    "every how", "how many update", "status update", "regular update",
)  # fmt: skip
_RULE = (
    "can i", "can we", "may i", "may we", "am i allowed", "are we allowed", "allowed to",
    "is it ok", "is it okay", "ok to", "okay to", "permitted", "do i have to", "do we have to",
    "must i", "must we", "skip", "go straight", "straight to", "jump", "jump to", "directly",
    "right away", "bypass", "rule", "policy", "only after", "is there a rule",
)  # fmt: skip
_ADVOCATE = (
    "who now", "who next", "who else", "what now", "what next", "now what", "then what",
    "who do i go to", "who do we go to", "who do i turn to", "who do we turn to", "who can help",
    "who can i go", "who can we go", "where do i go", "where do we go", "nobody", "no one",
    "no response", "no answer", "no reply", "not responding", "not answering",
    "did not respond", "does not respond", "do not respond", "not getting anywhere",
    "getting nowhere", "went nowhere", "going nowhere", "still nothing", "no luck", "ignored",
    "ignoring", "dead end", "exhausted", "advocate", "liaison", "beyond", "above",
    "who is above", "after that", "escalate further", "further escalation", "higher",
    "what if", "what do i do", "what do we do", "what should i do", "what should we do",
    "what are my option", "what are our option", "who do i escalate to",
    "who do we escalate to", "escalate to who", "escalate to whom", "who is next",
    "who after", "who is after", "who comes after", "turn to", "goes nowhere", "go nowhere",
)  # fmt: skip
_CLOCK = (
    "clock", "start", "starts", "begin", "begins", "from when", "counted from",
    "measured from", "count from", "counting from", "start time", "start counting",
    "starts counting", "timer", "cut off", "cutoff", "cut-off",
)  # fmt: skip
_AFTER_HOURS = (
    "after hours", "after-hours", "afterhours", "overnight", "at night", "nights",
    "outside business hours", "outside of business hours", "outside hours", "off hours",
    "off-hours", "weekend", "weekends", "middle of the night", "late night",
)  # fmt: skip
_APPROVAL = ("approve", "approval", "approved", "acknowledged", "sign off", "signed off")
_ROUTE = ("who", "whom", "where do i", "where do we")
KIND_ASKS: dict[str, tuple[str, ...]] = {
    "interval": _TIME,
    "limit": _TIME,
    "goal": _TIME,
    "approval": _TIME + _APPROVAL,
    "cadence": _CADENCE,
    "rule": _RULE,
    "advocate": _ADVOCATE,
    "clock_start": _CLOCK,
    "after_hours": _AFTER_HOURS,
    "route": _ROUTE,
    "calendar": (),
    "delivery": (),
}
FACT_KINDS = frozenset(KIND_ASKS)

# The ordinary answers a fact may replace (with the conditions in `asked_fact`); the others
# (help, prepare, board, a carrier the sources do not cover, ...) answer other questions.
_REPLACES = frozenset({"who_handles", "hours", "unknown", "severity", "code", "escalation_status"})
# A code asked about outright ("reject code 003", "what does 052 mean") keeps the code answer.
_NAMES_CODE = re.compile(
    r"\b(code|codes|mean|means|meaning|stand for|stands for|definition)\b|\b\d{3}\b"
)
_CONTRACTIONS = {  # "hrs" is "hours" here too: a plural's "s" is dropped after
    **SHORT_FORMS,
    "won't": "will not", "didn't": "did not", "didnt": "did not", "shouldn't": "should not",
    "shouldnt": "should not", "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth",
    "5th": "fifth", "lvl": "level", "lv": "level", "biz": "business", "bus": "business",
}  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _word(token: str) -> str:
    """One token, folded: contractions and short forms spelled out, a plural's "s" dropped."""
    token = _CONTRACTIONS.get(token.removesuffix("'s"), token.removesuffix("'s"))
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"  # "denies" -> "deny", "severities" -> "severity"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def words(text: str) -> list[str]:
    """Text as folded words: "AT&T's 3rd lvl" -> ["att", "third", "level"]."""
    text = text.lower().replace("at&t", "att").replace("&", " and ").replace("\u2019", "'")
    return [w for t in _TOKEN.findall(text) for w in _word(t).split()]


FIELDS = ("about", "topic", "own", "usual", "unless")  # a fact's phrases, by what they say


@dataclass(frozen=True)
class _Index:
    """Every fact phrase, folded, and which facts' which field it belongs to: a question's
    word n-grams are looked up once, not every phrase of every fact searched for."""

    facts: tuple[Fact, ...]
    phrases: dict[tuple[str, ...], tuple[tuple[int, str], ...]]  # words -> ((fact, field),)
    longest: int  # words in the longest phrase
    known: frozenset[str]  # every word of every phrase, for typo correction
    deletions: dict[str, str]  # a known word with one letter left out -> the word


@dataclass(frozen=True)
class FactMatch:
    fact: Fact
    score: int
    own_ask: bool  # asked in the fact's own words, not only its kind's usual ones


@cache
def _phrase(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def _fold(phrases) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(w for w in map(_phrase, phrases) if w))


def _about(k: Knowledge, fact: Fact) -> tuple[tuple[str, ...], ...]:
    """The fact's `about` phrases, with "@CENTER" standing for that center's names."""
    out: list[str] = []
    for phrase in fact.about:
        if phrase.startswith("@"):
            center = k.centers[phrase[1:]]
            out += [center.id.lower(), center.name, *center.aliases]
        else:
            out.append(phrase)
    return _fold(out)


@cache
def _index(k: Knowledge) -> _Index:
    table: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for i, f in enumerate(k.facts):
        fields = (_about(k, f), _fold(f.topic), _fold(f.asks), _fold(KIND_ASKS[f.kind]),
                  _fold(f.unless))  # fmt: skip
        for field, phrases in zip(FIELDS, fields, strict=True):
            for phrase in phrases:
                table.setdefault(phrase, []).append((i, field))
    known = frozenset(w for phrase in table for w in phrase)
    return _Index(
        facts=tuple(k.facts),
        phrases={p: tuple(v) for p, v in table.items()},
        longest=max((len(p) for p in table), default=0),
        known=known,
        deletions=deletions(known),
    )


def _folded(k: Knowledge, text: str) -> list[str]:
    index = _index(k)
    return [
        correct_typo(w, index.known, index.deletions, swaps=True, substituted_from=7)
        for w in words(text)
    ]


def fold_question(k: Knowledge, text: str) -> str:
    """The question as " w1 w2 ... ", folded, with typos in the facts' words corrected."""
    return " " + " ".join(_folded(k, text)) + " "


Hit = tuple[int, int]  # (words, first word's position) of a phrase found in the question


def _hits(index: _Index, said: list[str]) -> dict[int, dict[str, list[Hit]]]:
    """For each fact with a phrase in `said`: its fields' phrases found, as hits."""
    found: dict[int, dict[str, list[Hit]]] = {}
    for start in range(len(said)):
        for n in range(1, min(index.longest, len(said) - start) + 1):
            for fact, field in index.phrases.get(tuple(said[start : start + n]), ()):
                found.setdefault(fact, {}).setdefault(field, []).append((n, start))
    return found


def _most(hits: list[Hit], outside: Hit | None = None) -> int:
    """The most words of a hit, leaving out hits that overlap `outside` (but not `outside`
    itself: a phrase listed as both about and topic counts as both)."""

    def clear(h: Hit) -> bool:
        if outside is None or h == outside:
            return True
        return h[1] + h[0] <= outside[1] or outside[1] + outside[0] <= h[1]

    return max((n for n, start in hits if clear((n, start))), default=0)


def _score(
    fact: Fact, hits: dict[str, list[Hit]], ladder: str | None, severity: int | None,
    level: int | None, centers: tuple[str, ...],
) -> FactMatch | None:  # fmt: skip
    """How well the question asks for `fact`: it must name what the fact is about, its topic
    (when it has one) and ask for its kind of fact; None when it does not, or when a
    severity, level, ladder or `unless` word in the question rules it out."""
    if fact.severities and severity is not None and severity not in fact.severities:
        return None
    if fact.level is not None and level is not None and level != fact.level:
        return None
    if (ladder and fact.ladder and fact.ladder != ladder) or hits.get("unless"):
        return None
    named = max(hits.get("about", ()), default=None)
    about = named[0] if named else 0
    if not about and ((fact.ladder and fact.ladder == ladder) or fact.center in centers):
        about = 1
    said = named if about > 1 else None  # "reach" in "flex reach" is no ask
    named_level = fact.level is not None and level == fact.level
    topic = _most(hits.get("topic", []), said) or (2 if named_level else 0)
    own, usual = _most(hits.get("own", []), said), _most(hits.get("usual", []), said)
    if not about or (fact.topic and not topic) or not (own or usual):
        return None
    score = about + 2 * topic + max(2 * own, usual) + min(own, 1)
    score += 2 if fact.severities and severity in fact.severities else 0
    score += 1 if fact.ladder and fact.ladder == ladder else 0
    return FactMatch(fact, score, own_ask=bool(own))


def rank(
    k: Knowledge, text: str, *, ladder: str | None = None, severity: int | None = None,
    level: int | None = None, centers: tuple[str, ...] = (),
) -> list[FactMatch]:  # fmt: skip
    """Every fact `text` asks for, best first."""
    index = _index(k)
    found = [
        m
        for i, hits in _hits(index, _folded(k, text)).items()
        if (m := _score(index.facts[i], hits, ladder, severity, level, centers))
    ]
    return sorted(found, key=lambda m: -m.score)


class Asked(Protocol):
    """What `asked_fact` reads of an understood question (bot.understanding.Question)."""

    raw: str
    intent: str
    ladder: str | None
    ladder_by_carrier: bool  # only the carrier named the ladder ("qwest": IT or process)
    severity: int | None
    level: int | None
    centers: list[str]


def asked_fact(k: Knowledge, q: Asked, *, instance: bool = False) -> Fact | None:
    """The one stated fact `q` asks for, when its ordinary answer (`q.intent`) would not
    lead with it; None when no fact is asked for, or two fit equally well.

    `instance` is True when the question is about one trouble or request (a moment, a
    ticket or BTN): its status answer computes the real due times and is kept."""
    if q.intent not in _REPLACES:
        return None
    ladder = None if q.ladder_by_carrier else q.ladder  # "qwest ... closes the ticket"
    found = rank(  # the words as typed: the intents' own spelling fixes are not the facts'
        k, q.raw, ladder=ladder, severity=q.severity, level=q.level, centers=tuple(q.centers)
    )
    if not found or (len(found) > 1 and found[1].score >= found[0].score):
        return None
    best = found[0]
    fact = best.fact
    if q.intent == "code" and _NAMES_CODE.search(q.raw.lower()):
        return None
    if q.intent in ("hours", "severity") and not best.own_ask:
        return None  # "open on the weekend?" asks for hours, not for the after-hours route
    kept_status = instance or (fact.status_answer and fact.ladder == q.ladder)
    if q.intent == "escalation_status" and kept_status:
        return None
    return fact
