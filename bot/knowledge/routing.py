"""Routing: which center handles a question's entities (DOMAIN.md reading 5).

Pure over `Knowledge`. Phrases come from the data (center aliases and topics,
Who-to-Call rows, escalation types, topics, code aliases), so an operator adds
a synonym by editing a data file, not this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from bot.knowledge.model import Code, ErrorCode, EscalationType, Knowledge, Severity

REGION_WORDS = {
    "midwest": "midwest",
    "mid west": "midwest",
    "mid-west": "midwest",
    "southeast": "southeast",
    "south east": "southeast",
    "south-east": "southeast",
    "southwest": "southwest",
    "south west": "southwest",
    "south-west": "southwest",
    "west": "west",
    "western": "west",
    "west coast": "west",
    "se": "southeast",
    "sw": "southwest",
    "mw": "midwest",
}
_REGION_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(w) for w in REGION_WORDS), key=len, reverse=True)) + r")\b"
)


@dataclass(frozen=True)
class Match:
    """A phrase found in a question and what it points at."""

    phrase: str
    kind: str  # center | topic | who_to_call | escalation_type | code | center_topic | level
    target: str  # id of the center / row / topic / code
    start: int


class Phrases:
    r"""Finds phrases in lower-case text as one alternation regex of them all would
    (`(?<![\w-])(longest|...|shortest)(?![\w-])`: leftmost, the longest at each place,
    never overlapping, between non-word characters), by set lookups instead: compiling
    that regex took ~90 ms of the first question in every new process."""

    def __init__(self, phrases: list[str]):
        self.phrases = frozenset(phrases)
        lengths: dict[str, set[int]] = {}
        for phrase in self.phrases:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self.lengths = {first: sorted(ls, reverse=True) for first, ls in lengths.items()}

    def finditer(self, text: str) -> Iterator[tuple[str, int]]:
        """(phrase, where it starts) for each phrase found, left to right."""
        at, end = 0, len(text)
        while at < end:
            found = None
            if at == 0 or not _wordish(text[at - 1]):
                found = self._longest_at(text, at)
            if found:
                yield found, at
                at += len(found)
            else:
                at += 1

    def _longest_at(self, text: str, at: int) -> str | None:
        for length in self.lengths.get(text[at], ()):
            stop = at + length
            if text[at:stop] in self.phrases and (stop >= len(text) or not _wordish(text[stop])):
                return text[at:stop]
        return None


def _wordish(char: str) -> bool:
    """A character a phrase may not touch: a word character (regex \\w) or a hyphen."""
    return char.isalnum() or char in "_-"


@dataclass(frozen=True)
class PhraseIndex:
    pattern: Phrases
    targets: dict[str, tuple[tuple[str, str], ...]]  # phrase -> ((kind, id), ...)
    stems: tuple[tuple[frozenset[str], str], ...]  # multi-word phrases as stem sets


STOPWORDS = frozenset({
    "a", "an", "the", "to", "of", "for", "my", "our", "on", "in", "with", "and", "is", "are",
    "be", "it", "its", "at", "by", "from", "this", "that", "we", "i", "you", "your", "their",
})  # fmt: skip


def stem(word: str) -> str:
    """A crude stem, enough to meet "passwords"/"password", "resetting"/"reset"."""
    for suffix in ("ting", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # "submitted" meets "submit", "dropped" "drop"
            return word
    return word


def stems_of(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in re.findall(r"[a-z0-9&]+", text) if w not in STOPWORDS)


DIRECTED = re.compile(r"\b(?:to|from|into|out of)\s+(\S+)")


def _same_way(phrase: str, text: str) -> bool:
    """A phrase with a direction ("porting to at&t") meets a text only with that direction
    ("moving to at&t"); its words in any order would read "porting from at&t" as it."""
    return all(re.search(rf"\b{re.escape(m.group(0))}", text) for m in DIRECTED.finditer(phrase))


@cache
def phrase_index(k: Knowledge) -> PhraseIndex:
    """One index over every routing phrase in the data, longest phrase first."""
    targets: dict[str, list[tuple[str, str]]] = {}

    def add(phrase: str, kind: str, target: str) -> None:
        phrase = " ".join(phrase.lower().split())
        if phrase and (kind, target) not in targets.setdefault(phrase, []):
            targets[phrase].append((kind, target))

    for c in k.centers.values():
        add(c.id.lower(), "center", c.id)
        add(c.name, "center", c.id)
        for alias in c.aliases:
            add(alias, "center", c.id)
        for topic in c.topics:
            add(topic, "center_topic", c.id)
    for w in k.who_to_call:
        for topic in w.topics:
            add(topic, "who_to_call", w.id)
    for t in k.escalation_types:
        for topic in t.topics:
            add(topic, "escalation_type", t.id)
    for t in k.topics:
        for topic in t.topics:
            add(topic, "topic", t.id)
    for code in k.codes:
        for alias in code.aliases:
            add(alias, "code", f"{code.kind}:{code.code}")
    for ladder in k.ladders.values():  # "noriko wilson", "team manager", "area manager"
        for lv in ladder.levels:
            title = lv.title.split(": ", 1)[-1].split(" – ")[-1].lower()
            if "contact" not in title and not title.startswith("tier"):
                add(title, "level", f"{ladder.id}:{lv.level}")
            for contact in lv.contacts:
                for name in (contact.name, contact.role):
                    if name and len(name) > 6 and "contact" not in name.lower():
                        add(name, "level", f"{ladder.id}:{lv.level}")
    phrases = sorted(targets, key=len, reverse=True)
    pattern = Phrases(phrases)
    stems = tuple((stems_of(p), p) for p in phrases if len(stems_of(p)) >= 2)
    return PhraseIndex(pattern, {p: tuple(v) for p, v in targets.items()}, stems)


def find_phrases(k: Knowledge, text: str) -> list[Match]:
    """Every routing phrase in `text` (lower-case), non-overlapping, longest first."""
    index = phrase_index(k)
    found = []
    for phrase, at in index.pattern.finditer(text):
        for kind, target in index.targets[phrase]:
            found.append(Match(phrase, kind, target, at))
    if all(m.kind == "center" for m in found):
        found += _loose(index, text)
    return found


def _loose(index: PhraseIndex, text: str) -> list[Match]:
    """Multi-word phrases whose words all appear, in any order: "reset my password"
    meets "password reset". Only the phrases with the most words are kept."""
    words = stems_of(text)
    hits = [(len(st), p) for st, p in index.stems if st <= words and _same_way(p, text)]
    if not hits:
        return []
    most = max(n for n, _ in hits)
    return [
        Match(p, kind, target, -1)
        for n, p in hits
        if n == most
        for kind, target in index.targets[p]
        if kind != "center"
    ]


def find_region(text: str) -> str | None:
    m = _REGION_RE.search(text)
    return REGION_WORDS[m.group(1)] if m else None


def error_code(k: Knowledge, letters: str) -> ErrorCode | None:
    """The Who-to-Call row for an error code's letters: longest known prefix first."""
    letters = letters.upper()
    by_prefix = {e.prefix: e for e in k.error_codes}
    for n in range(len(letters), 0, -1):
        if letters[:n] in by_prefix:
            return by_prefix[letters[:n]]
    return None


def code(k: Knowledge, kind: str, value: str) -> Code | None:
    for c in k.codes:
        if c.kind == kind and (c.code == value or c.code.lstrip("0") == value.lstrip("0")):
            return c
    return None


def reqtyp_center(
    k: Knowledge, reqtyp: str, rpon: bool, porting_to_att: bool, standalone: bool = True
) -> tuple[str, str]:
    """Center and reason for an LSR's REQTYP (reading 5, readings.toml's reqtyp_routing).
    A REQTYP C not said to be stand-alone is taken as one, and the reason says where it
    goes in an RPON instead."""
    reqtyp = reqtyp.upper()
    if porting_to_att:
        case = "porting_to_att"
    elif reqtyp == "C":
        case = "c_in_rpon" if rpon else "c_standalone" if standalone else "c_unsaid"
    else:
        case = "other"
    rule = k.reqtyp_routing[case]
    return rule.center, rule.reason.replace("{reqtyp}", reqtyp)


def reqtyp_row(k: Knowledge, reqtyp: str) -> EscalationType | None:
    """The escalation-matrix row for a REQTYP it names (EB/MB resale, AB loop)."""
    return next((t for t in k.escalation_types if reqtyp.upper() in t.reqtyps), None)


@cache
def _entries(k: Knowledge) -> dict[str, dict[str, object]]:
    """Rows, topics and codes by the ids phrases point at, built once per knowledge."""
    return {
        "who_to_call": {w.id: w for w in k.who_to_call},
        "escalation_type": {t.id: t for t in k.escalation_types},
        "topic": {t.id: t for t in k.topics},
        "code": {f"{c.kind}:{c.code}": c for c in k.codes},
    }


def lookup(k: Knowledge, kind: str, target: str):
    """The data entry a `Match` points at."""
    if kind in ("center", "center_topic"):
        return k.centers[target]
    if kind == "level":
        ladder_id, level = target.split(":")
        return k.ladders[ladder_id].levels[int(level) - 1]
    return _entries(k)[kind][target]


# --- phrases said loosely: symptoms, severity words ----------------------------------------

PHRASE_GAP = 2  # other words allowed between two words of a phrase ("no inbound or outbound calls")


@cache
def phrase_pattern(phrase: str) -> re.Pattern:
    """`phrase` with its words in order, up to PHRASE_GAP other words between each two:
    "no inbound calls" meets "no inbound or outbound calls"; hyphens count as spaces."""
    words = [_plural(w) for w in flat(phrase).split()]
    gap = rf"(?:\W+[\w&']+){{0,{PHRASE_GAP}}}?\W+"
    return re.compile(r"(?<![\w&])" + gap.join(words) + r"(?![\w&])")


def _plural(word: str) -> str:
    """A word, singular or plural: "calls" meets "call" (typo correction may drop an s)."""
    base = word[:-1] if word.endswith("s") and len(word) > 3 and not word.endswith("ss") else word
    return re.escape(base) + "s?"


def flat(text: str) -> str:
    """Lower case, hyphens and slashes as spaces: "one-way" reads as "one way"."""
    return " ".join(re.sub(r"[-_/]", " ", text.lower()).split())


NEGATED_RE = re.compile(r"\b(not|no|never|without|isn't|isnt|wasn't|wasnt|nothing)\s+(\w+\s+)?$")


def said(phrases: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The phrases of `phrases` said in `text` (already `flat`), longest first; a phrase
    said only in the negative ("not critical", "no latency") is not said."""
    hits = dict.fromkeys(
        flat(p)
        for p in phrases
        if any(not NEGATED_RE.search(text, 0, m.start()) for m in phrase_pattern(p).finditer(text))
    )
    return tuple(sorted(hits, key=lambda p: -len(p.split())))


def widest(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """`phrases` less those inside a longer one: "major outage", not also "outage"."""
    return tuple(p for p in phrases if not any(p != o and p in o for o in phrases))


# Words every severity's text shares, or that only say a severity is asked about.
SEVERITY_NOISE = frozenset({
    "severity", "sev", "level", "levels", "priority", "impact", "clec", "clecs", "qwest", "bvoip",
    "ticket", "tickets", "trouble", "what", "which", "would", "should", "give", "giv", "call",
    "count", "counts", "is", "it", "that", "this", "these", "there", "our", "we", "they", "set",
    "when", "how", "do", "does", "get", "got", "has", "have", "been", "being", "was", "were",
    "not", "or", "but", "so", "as", "any", "some", "can", "may", "for", "one", "all", "us",
})  # fmt: skip


@dataclass(frozen=True)
class SeverityFit:
    """How well a question's words fit one severity: its own words said, and the
    definition, criteria and examples whose content words the question shares."""

    severity: Severity
    score: float
    words: tuple[str, ...]
    lines: tuple[str, ...]  # the definition / criteria / examples that match, best first
    ruled_out: tuple[str, ...] = ()  # its `not_when` words said: outside its definition


def _content(text: str) -> frozenset[str]:
    return frozenset(s for s in stems_of(flat(text)) if s not in SEVERITY_NOISE and len(s) > 1)


_line_content = cache(_content)  # the data's own lines only: a bounded set


def severity_fits(
    k: Knowledge, text: str, ladders: tuple[str, ...] | None = None, lines: bool = True
) -> list[SeverityFit]:
    """Every severity (of `ladders`, else all) scored against `text`, best first.

    A severity's own words count most (each 1 + half a point a word past the first);
    a definition, criterion or example counts by the content words it shares with
    the text times the share of its own words said, once two are shared (or all of
    it). `lines=False` scores the words alone: what a tracker relies on."""
    text = flat(text)
    said_stems = _content(text)
    fits = []
    for sev in k.severities:
        if ladders and sev.ladder not in ladders:
            continue
        if outside := said(tuple(flat(w) for w in sev.not_when), text):
            fits.append(SeverityFit(sev, 0.0, (), (), outside))  # "one user can not call"
            continue
        words = said(tuple(flat(w) for w in sev.words), text)
        score = sum(1 + (len(w.split()) - 1) / 2 for w in words)
        matched: list[tuple[float, str]] = []
        sentences = (sev.definition, *sev.criteria, *sev.examples) if lines else ()
        for line in sentences:
            own = _line_content(line)
            shared = own & said_stems
            if own and (len(shared) >= 2 or shared == own):
                matched.append((len(shared) * len(shared) / len(own), line))
        matched.sort(key=lambda m: -m[0])
        score += sum(m[0] for m in matched)
        fits.append(SeverityFit(sev, score, words, tuple(line for _, line in matched)))
    return sorted(fits, key=lambda f: (-f.score, f.severity.ladder, f.severity.level))


def outside_scope(k: Knowledge, ladder: str | None, text: str) -> list[str]:
    """Notes for each severity whose definition the trouble is outside of ("one user"):
    its words said do not make it that severity, and the reply says why."""
    return [
        f'You said "{f.ruled_out[0]}"; the source sets {SEVERITY_NAMES.get(f.severity.ladder, "")}'
        f"{f.severity.name} \u201c{f.severity.definition.removeprefix('This severity is set ')}"
        "\u201d, so it is not that severity by your words."
        for f in severity_fits(k, text, (ladder,) if ladder else None, lines=False)
        if f.ruled_out
    ]


SEVERITY_NAMES = {"bvoip": "BVoIP ", "qwest_it": "Qwest "}


def line_for(sev: Severity, words: tuple[str, ...]) -> str:
    """The criterion or example of `sev` that shares most with the words said; else its
    definition: the source's own line to quote for why."""
    said_stems = _content(" ".join(words))
    best = max(
        (*sev.criteria, *sev.examples),
        key=lambda line: len(_content(line) & said_stems),
        default="",
    )
    return best if best and _content(best) & said_stems else sev.definition


def severity_from_words(k: Knowledge, ladder: str, text: str) -> int | None:
    """The severity a trouble's words say (reading 7), by each severity's own words only;
    when words of two severities are said, the graver one (an earlier escalation)."""
    found = severity_said(k, ladder, text)
    return found[0] if found else None


def severity_differs(k: Knowledge, ladder: str, stated: int | None, text: str) -> str | None:
    """A note when the severity stated is not the one the trouble's words say: the stated
    one counts (reading 7), but a misreading or a mislabelled ticket shows."""
    said = severity_said(k, ladder, text)
    if stated is None or said is None or said[0] == stated:
        return None
    return (
        f'You said severity {stated}; "{said[1]}" is severity {said[0]} by the '
        f"source's definitions. Going by severity {stated}, as stated."
    )


def severity_said(k: Knowledge, ladder: str, text: str) -> tuple[int, str] | None:
    """(severity, the word that says it) by the severities' own words; the graver first."""
    fits = [f for f in severity_fits(k, text, (ladder,), lines=False) if f.words]
    if not fits:
        return None
    graver = min(fits, key=lambda f: f.severity.level)
    return graver.severity.level, widest(graver.words)[0]
