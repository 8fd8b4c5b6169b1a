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
_CONTRACTIONS = {
    "can't": "can not", "cant": "can not", "cannot": "can not", "won't": "will not",
    "wont": "will not", "don't": "do not", "dont": "do not", "doesn't": "does not",
    "doesnt": "does not", "didn't": "did not", "didnt": "did not", "isn't": "is not",
    "isnt": "is not", "hasn't": "has not", "hasnt": "has not", "haven't": "have not",
    "havent": "have not", "shouldn't": "should not", "shouldnt": "should not",
    "what's": "what is", "whats": "what is", "who's": "who is", "whos": "who is",
    "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
    "lvl": "level", "lv": "level", "hrs": "hour", "hr": "hour", "mins": "minute", "min": "minute",
    "biz": "business", "bus": "business", "u": "you", "ur": "your", "thru": "through",
    "tmrw": "tomorrow", "b4": "before", "pls": "please", "plz": "please", "rn": "right now",
    "esc": "escalate", "escalte": "escalate", "esclate": "escalate",
}  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _word(token: str) -> str:
    """One token, folded: contractions and short forms spelled out, a plural's "s" dropped."""
    token = _CONTRACTIONS.get(token.removesuffix("'s"), token.removesuffix("'s"))
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def words(text: str) -> list[str]:
    """Text as folded words: "AT&T's 3rd lvl" -> ["att", "third", "level"]."""
    text = text.lower().replace("at&t", "att").replace("&", " and ").replace("\u2019", "'")
    return [w for t in _TOKEN.findall(text) for w in _word(t).split()]


@dataclass(frozen=True)
class _Phrases:
    """A fact's phrases as folded word strings, ready to look for in a folded question."""

    about: tuple[str, ...]
    topic: tuple[str, ...]
    own_asks: tuple[str, ...]
    kind_asks: tuple[str, ...]


@dataclass(frozen=True)
class FactMatch:
    fact: Fact
    score: int
    own_ask: bool  # asked in the fact's own words, not only its kind's usual ones


def _fold(phrases) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(words(p)) for p in phrases if words(p)))


def _about(k: Knowledge, fact: Fact) -> tuple[str, ...]:
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
def _index(k: Knowledge) -> tuple[tuple[Fact, _Phrases], ...]:
    return tuple(
        (
            f,
            _Phrases(
                about=_about(k, f),
                topic=_fold(f.topic),
                own_asks=_fold(f.asks),
                kind_asks=_fold(KIND_ASKS[f.kind]),
            ),
        )
        for f in k.facts
    )


@cache
def _vocabulary(k: Knowledge) -> tuple[frozenset[str], dict[str, str]]:
    """Every word of the facts' phrases, and its one-deletion neighbours, for typos."""
    known: set[str] = set()
    for _, p in _index(k):
        for phrase in (*p.about, *p.topic, *p.own_asks, *p.kind_asks):
            known.update(phrase.split())
    deletions: dict[str, str] = {}
    for word in sorted(w for w in known if len(w) >= 5):
        for i in range(len(word)):
            deletions.setdefault(word[:i] + word[i + 1 :], word)
    return frozenset(known), deletions


def _correct(word: str, known: frozenset[str], deletions: dict[str, str]) -> str:
    """A known word one edit from `word` ("turnaroud" -> "turnaround"), else `word`."""
    if len(word) < 5 or word in known or not word.isalpha():
        return word
    if word in deletions:  # one letter left out
        return deletions[word]
    for i in range(len(word)):
        cut = word[:i] + word[i + 1 :]
        if cut in known:  # one letter too many
            return cut
        if cut in deletions and len(word) >= 7:  # one letter wrong: "other" is not "their"
            return deletions[cut]
    return word


def fold_question(k: Knowledge, text: str) -> str:
    """The question as " w1 w2 ... " with typos in the facts' words corrected."""
    known, deletions = _vocabulary(k)
    return " " + " ".join(_correct(w, known, deletions) for w in words(text)) + " "


def _longest(phrases: tuple[str, ...], folded: str) -> tuple[int, str]:
    """The most words of a phrase found in `folded`, and that phrase."""
    return max(((p.count(" ") + 1, p) for p in phrases if f" {p} " in folded), default=(0, ""))


def _score(
    fact: Fact, p: _Phrases, folded: str, ladder: str | None, severity: int | None,
    level: int | None, centers: tuple[str, ...],
) -> FactMatch | None:  # fmt: skip
    """How well `folded` asks for `fact`: it must name what the fact is about, its topic
    (when it has one) and ask for its kind of fact; None when it does not, or when a
    severity, level or ladder said in the question rules it out."""
    if fact.severities and severity is not None and severity not in fact.severities:
        return None
    if fact.level is not None and level is not None and level != fact.level:
        return None
    if ladder and fact.ladder and fact.ladder != ladder:
        return None
    if any(f" {u} " in folded for u in _fold(fact.unless)):
        return None
    about, said = _longest(p.about, folded)
    if not about and ((fact.ladder and fact.ladder == ladder) or fact.center in centers):
        about = 1
    rest = folded.replace(f" {said} ", " ~ ", 1) if about > 1 else folded  # "flex reach"
    named_level = fact.level is not None and level == fact.level
    topic = _longest(p.topic, rest)[0] or (2 if named_level else 0)
    own, usual = _longest(p.own_asks, rest)[0], _longest(p.kind_asks, rest)[0]
    if not about or (p.topic and not topic) or not (own or usual):
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
    folded = fold_question(k, text)
    found = [
        m
        for fact, phrases in _index(k)
        if (m := _score(fact, phrases, folded, ladder, severity, level, centers))
    ]
    return sorted(found, key=lambda m: -m.score)


class Asked(Protocol):
    """What `asked_fact` reads of an understood question (bot.understanding.Question)."""

    raw: str
    intent: str
    ladder: str | None
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
    found = rank(  # the words as typed: the intents' own spelling fixes are not the facts'
        k, q.raw, ladder=q.ladder, severity=q.severity, level=q.level, centers=tuple(q.centers)
    )
    if not found or (len(found) > 1 and found[1].score >= found[0].score):
        return None
    best = found[0]
    fact = best.fact
    if q.intent == "code" and _NAMES_CODE.search(q.raw.lower()):
        return None
    if q.intent == "hours" and not best.own_ask:
        return None  # "open on the weekend?" is an hours question, not an after-hours route
    kept_status = instance or (fact.status_answer and fact.ladder == q.ladder)
    if q.intent == "escalation_status" and kept_status:
        return None
    return fact
