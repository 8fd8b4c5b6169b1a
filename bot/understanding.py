"""Turn a line of text into a `Question`: an intent with its entities.

Built for the way desk staff type in Slack: any case, no punctuation, slang
("rn", "whos"), common typos ("hanldes", "satuday"), several facts in one line.
Ids and codes (BTNs, AOTS and ticket numbers, error codes) are pulled out
before the moment is read, so "ticket 1234" never becomes the year 1234.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from bot.knowledge import facts, routing
from bot.knowledge.model import Carrier, Code, ErrorCode, Fact, Knowledge
from bot.knowledge.words import SHORT_FORMS, correct_typo, deletions
from bot.moments import Moment, read_moment

SLANG = {
    **SHORT_FORMS,
    "whose": "who is", "wich": "which", "whch": "which", "r": "are", "opn": "open",
    "oepn": "open", "hte": "the", "teh": "the", "tmr": "tomorrow", "tmrow": "tomorrow",
    "2moro": "tomorrow", "2morrow": "tomorrow", "tomoro": "tomorrow", "tonite": "tonight",
    "thx": "thanks", "nite": "night", "wat": "what", "wht": "what", "wats": "what is",
    "hw": "how", "abt": "about", "w/": "with", "w/o": "without", "im": "i am", "i'm": "i am",
    "ya": "you", "yall": "you", "shud": "should", "shld": "should", "wen": "when",
    "whn": "when", "ppl": "people", "num": "number", "no.": "number", "ph": "phone",
    "fone": "phone", "tel": "phone", "sec": "seconds", "clsd": "closed", "cls": "close",
    "opne": "open", "xfer": "transfer", "appt": "appointment", "yr": "year",
    "nyd": "new year's day", "tday": "today", "2day": "today", "2nite": "tonight",
    "lemme": "let me", "gimme": "give me", "gonna": "going to", "wanna": "want to",
    "asap": "as soon as possible", "msg": "message",
}  # fmt: skip
INTENT_WORDS = (
    "who", "handles", "handle", "handling", "call", "contact", "open", "opens", "opening", "close",
    "closes", "closed", "closing", "hours", "schedule", "today", "tonight", "tomorrow",
    "morning", "afternoon", "evening", "escalate", "escalation", "escalated", "severity",
    "reject", "rejected", "code", "error", "meaning", "definition", "difference", "ready",
    "provide", "information", "needed", "update", "updates", "often", "reported", "submitted",
    "progress", "centers", "center", "available", "anyone", "somebody", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "thanksgiving", "christmas",
    "eastern", "central", "mountain", "pacific", "arizona", "alaska", "hawaii", "midwest",
    "southeast", "southwest", "west", "number", "phone", "email", "please", "which", "what",
    "when", "where", "there", "their", "right", "minutes", "hours", "workaround", "ticket",
    "collocation", "portability", "standalone", "stand-alone", "support", "service", "trouble",
    "customer", "record", "request", "process", "outage", "degraded", "latency", "intermittent",
    "director", "manager", "level", "telephone", "status", "notification", "notifications",
    "order", "orders", "completion", "completed", "provisioning", "ordering", "billing",
    "maintenance", "dispute", "transfer", "connectivity", "password", "certificate",
    "interconnection", "trunk", "number", "porting", "port", "ports", "escalations",
)  # fmt: skip

# Ids and codes, read from the text before anything else touches it.
PHONE_RE = re.compile(r"\(?\b\d{3}\)?[-. ]?\d{3}[-. ]\d{4}\b")
BTN_RE = re.compile(r"\bbtn\s*(?:#|:|number|no\.?)?\s*(\(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4})")
AOTS_RE = re.compile(r"\baots\s*(?:ticket)?\s*(?:#|:|number|no\.?)?\s*(\d{4,})")
TICKET_RE = re.compile(r"\b(?:ticket|tkt|tix|tt|case|pon|#)\s*(?:#|:|number|no\.?)?\s*(\d{3,})")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LONG_NUMBER_RE = re.compile(r"\b\d{5,}\b")
REQTYP_RE = re.compile(
    r"\b(?:req\s*-?\s*typ(?:e)?|reqtype|request\s+type|rt)\s*(?:=|:|of|is)?\s*([a-z]{1,2})\b"
)
ERROR_CODE_RE = re.compile(r"\b([a-z]{1,2})([- ]?)(\d{2,6})\b(?![:/.]\d)")  # "pt 10:30" is a time
ERROR_WORD_RE = re.compile(
    r"\b(?:error|err|prefix|code|fatal|reject(?:ed)?|rej)\s+(?:code\s+)?(?:of\s+)?"
    r"(?:starting with|starts with|beginning with)?\s*[\"']?([a-z]{1,2})[\"']?(?=\s|$|[?.,!])"
)
REJECT_RE = re.compile(r"(?<![\d:/-])(\d{1,3})(?![\d:/-])")
SEVERITY_RE = re.compile(r"\b(?:sev(?:erity)?|priority|pri|p|s)\s*[-:#]?\s*([1-4])(?!\d)")
SEVERITY_WORD_RE = re.compile(r"\b(?:sev(?:erity)?|priority)\s+(one|two|three|four)\b")
NOT_ERROR_CODES = {"e911", "s911", "n11", "a911"}  # names, not error codes
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}
# short words that look like an error-code prefix but are English
NOT_ERROR_LETTERS = frozenset({
    "at", "in", "on", "by", "to", "of", "is", "it", "an", "or", "me", "my", "a", "i", "no",
    "we", "us", "do", "so", "up", "if", "be", "as", "am", "pm", "et", "ct", "mt", "pt",
})  # fmt: skip

HELP_RE = re.compile(
    r"^\s*(help|\?|commands|menu|hi|hello|hey|yo|hiya|start)\W*$|what can (you|u|the bot) do|"
    r"what do you know|how do (i|you) use|what can i ask|what are you|who are you|"
    r"what (kinds?|kinda|sorts?|types?) (of )?(questions|things|stuff)|can (you|u) (answer|help)|"
    r"\bexamples?\b.*\bquestions?\b|^help\b"
)
BOARD_RE = re.compile(
    r"\b(which|what|who|any|anyone|anybody|anything|list|all|every|show)\b[^?]*"
    r"\b(centers?|centres?|desks?|teams?|everything|open|available|staffed|working|board)\b"
)
BOARD_STRONG_RE = re.compile(
    r"\b(which|what|list|all|show|every)\s+(the\s+)?(centers?|centres?|desks?)\b|"
    r"\b(is|are)\s+(anyone|anybody|anything|any\s+centers?|any\s+one)\s+(open|available|staffed)|"
    r"\b(who|what)\s+is\s+(open|available|staffed)\b|\bwhat'?s\s+open\b|\bopen\s+centers\b|"
    r"\bwho\s+can\s+i\s+call\s+(right now|now)\b$|\bstatus board\b|\bboard\b"
)
OPEN_RE = re.compile(
    r"(?<!set )(?<!follow )\bup\b(?! to\b)|"
    r"\b(open|opens|opening|close|closes|closed|closing|hours|staffed|available|schedule|"
    r"working hours|business hours|until when|shut|shuts)\b"
)
WHO_RE = re.compile(
    r"\b(who|whom|which (center|team|group|desk|org|organization)|where (do|should|can) i|"
    r"call|contact|handles?|handling|responsible|reach|phone|number|email|escalate|"
    r"escalation|route|send|go to|owns?|help with|helps|support)\b"
)
MEANING_RE = re.compile(
    r"\b(mean|means|meaning|stand for|stands for|definition|define|what is|what are|"
    r"explain|what kind|what type|type of error|decode|description|reason)\b"
)
SEVERITY_DEF_RE = re.compile(
    r"\b(vs|versus|difference|differ|define|definition|defined|mean|means|meaning|criteria|"
    r"what is|what are|what counts|what qualifies|qualify|qualifies|considered|count as|"
    r"counts as|examples?|explain|levels|is it|would (a|an|this|that) be|classif|"
    r"(what|which) (sev|severity|priority)|severity (would|should|is|does)|"
    r"(sev|severity|priority) (would|should) (it|this|that|qwest|att|at&t))"
)
PREPARE_RE = re.compile(
    r"\b(what (do|should|must|will) (i|we) (need|have|provide|give|send|include|say|state|"
    r"bring|gather)|have ready|what to (have|provide|give|send|include|say|state)|"
    r"what (other |else |additional |more |extra )?(info|information|details)|which details|"
    r"which info|info needed|what else do (they|you|i|we) need|"
    r"information needed|details needed|what do they need|what does (att|at&t|qwest) need|"
    r"what is needed|need to provide|need to have|what to prepare|prepare|checklist|"
    r"what should i tell|what do i tell|what do i say|what should i say)\b"
)
STATUS_RE = re.compile(
    r"\b(ago|since|reported|submitted|opened|been down|down for|who now|next level|"
    r"can i escalate|may i escalate|when can i|when may i|when should i|when do i|"
    r"how often|how frequently|frequency|cadence|update interval|updates?|overdue|"
    r"no progress|no response|still waiting|haven'?t heard|have not heard|no update|"
    r"where (does|do) (my|our|the|this) escalation|escalate (yet|now)|is it time|"
    r"which level|what level|who next|next step|stand|how long|"
    r"(close|closing|closes) (our|the|my|this) (\w+ )?(ticket|tkt)|closure)\b"
)
PORTING_TO_ATT_RE = re.compile(
    r"\b(port(ing|ed)?|moving|coming|winback|win back)\s+(in\s+)?to\s+(at&t|att|at and t)\b|"
    r"\bcoordinated cuts?\b|\bcomplex (lnp|port)|\bvoip (coordinated )?cuts?\b"
)
RPON_RE = re.compile(r"\brpon\b|\brelated pon\b")
NO_RPON_RE = re.compile(
    r"\b(stand\s*-?\s*alone (lnp |number )?(ports?|porting|lnp|lsrs?|requests?)|"
    r"not in (an |a )?rpon|no rpon|without (an |a )?rpon|not rpon'?d)\b"
)
LEVEL_RE = re.compile(  # "the 3rd csr contact" is a level, not the 3rd of the month
    r"\b(?:level|lvl|tier|lv)\s*-?\s*([1-5])\b|\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)"
    r"\s+(?:(?:csr|bvoip|qwest|csie|escalation)\s+)?(?:level|tier|point of contact|contact|poc)\b"
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}  # fmt: skip
DUE_DATE_RE = re.compile(
    r"\bdue(?: date)?(?: is| was| of| on)?\s+(?:today|tomorrow|yesterday|next \w+|\w+day|"
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?)\b"
)
# "escalated to level 2 ... now what": the level named is done, the question is the next one
DONE_RE = re.compile(
    r"\b(escalated|went|gone|been|already|talked|spoke|called|contacted|tried|reached out)\b"
)
NEXT_RE = re.compile(
    r"\b(now what|what now|what next|who next|next level|next\W*$|then what|who now|who else)\b"
)
WORKAROUND_NO_RE = re.compile(
    r"\b(no|without|not|w/o|none|lack(ing)?)\s+(a\s+)?work\s*-?\s*arounds?"
)
WORKAROUND_RE = re.compile(r"\bwork\s*-?\s*arounds?\b")

LADDER_ORDER = ("bvoip", "qwest_process", "qwest_it", "csr")  # the first ladder named wins
# Codes the sources do not list: an error code said as one ("error code XZ123"), a reject
# code, a Qwest code. Said so, never routed by a lucky word (reading 12).
REJECT_WORDS = r"reject|rejects|rejected|rejection|rej"
CODE_WORD_RE = re.compile(rf"\b(error|err|code|codes|{REJECT_WORDS}|fatal|edit)\b")
LSR_RE = re.compile(r"\b(lsr|lsrs|pon|order|orders|ordering|asr)\b")
REJECT_WORD_RE = re.compile(rf"\b({REJECT_WORDS})\b")
# A number is a count, a level or an id, not a code, when a unit follows it or a
# level/id word comes before it: "3 business days", "called 2 times", "level 3", "tier 2".
UNIT_AFTER_RE = re.compile(
    r"\s*(?:business|biz|days?|hours?|hrs?|h|minutes?|mins?|m|secs?|seconds?|times|x|am|pm|"
    r"a\.m|p\.m|weeks?|wks?|levels?|tiers?|pages?|users?|calls?|orders?|lines?|tickets?|"
    r"people|sites?|locations?|st|nd|rd|th|%|:\d)(?![a-z])"
)
ID_BEFORE_RE = re.compile(
    r"(?:#|\b(?:level|lvl|lv|tier|sev|severity|priority|pri|p|s|ticket|tkt|case|pon|btn|aots|"
    r"in|for|last|past|every|after|within|than|about|around|over|under|page|step|option|opt|"
    r"prompt|press|ext|extension|version|ver|v|release|number|no\.?|tn|dial|call))\s*$"
)
NOT_A_CODE = frozenset(
    {"for", "is", "of", "on", "mean", "means", "meaning", "that", "what", "they"}
)
# "porting from verizon to at&t": the other carrier is where the line comes from
PORTED_FROM_RE = re.compile(r"\b(port(s|ing|ed)?|lnp|win\s*back|winback|moving|switching|left)\b")
ASKS_FIT_RE = re.compile(  # "is a total outage of qwest ima a sev 1?"
    r"\b(is|would|does|should|qualif\w*|count\w*|consider\w*)\b.*"
    r"(?<!\bon )(?<!\bfor )(?<!\bwith )(?<!\bof )\b(a|an|as|be)\s+"
    r"(sev(erity)?|priority|p)\s*-?\s*[1-4]\b|"
    r"^(is|are|would|does|should|could)\b.*\b(sev(erity)?|priority|p)\s*-?\s*[1-4]\W*$"
)
# "how often should qwest update a sev 3?" asks about the ticket's clock, not its severity
ASKS_CLOCK_RE = re.compile(r"\bhow (often|long|soon|frequently|many)\b|\bwhen\b|\bupdates?\b")
SEVERITIES_NAMED_RE = re.compile(  # "qwest severity 2 vs 3"
    r"\b(?:sev(?:erity)?|priority|pri|p|s|vs\.?|versus|and|or|to)\s*[-:#]?\s*([1-4])(?![\d:])"
)


@dataclass
class Question:
    """What the user asked: an intent, its entities, and the moment it is about."""

    raw: str
    text: str  # normalized, lower-case
    intent: str
    moment: Moment
    centers: list[str] = field(default_factory=list)
    region: str | None = None
    reqtyp: str | None = None
    rpon: bool = False
    standalone: bool = False
    porting_to_att: bool = False
    error_code: ErrorCode | None = None
    error_text: str | None = None
    reject: Code | None = None
    disposition: Code | None = None
    severity: int | None = None
    ladder: str | None = None
    workaround: bool | None = None
    level: int | None = None
    matches: list[routing.Match] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    carriers: list[Carrier] = field(default_factory=list)  # carriers named as the subject
    unlisted: str | None = None  # a code asked about that the sources do not list
    symptom: str | None = None  # the trouble that named the ladder, when no product word did
    severities: tuple[int, ...] = ()  # every severity named ("sev 2 vs 3")
    plain: str = ""  # `text` without typo correction, which may turn "coming" into "coding"
    asks_fit: bool = False  # "is a total outage of qwest ima a sev 1?"
    fact: Fact | None = None  # the one stated fact asked for (intent "fact"), bot.knowledge.facts
    ladder_by_carrier: bool = False  # only "qwest" named the ladder: IT or process, unsaid
    level_done: int | None = None  # "escalated to level 2, now what": the level already tried

    @property
    def trouble(self) -> str:
        """A trouble's words as typed and as corrected: symptoms and severity words are
        read in both ("calls not coming in" is not "call not coding in")."""
        return f"{self.plain}\n{self.text}"


@cache
def _vocabulary(k: Knowledge) -> tuple[frozenset[str], dict[str, str]]:
    """Known words, and their one-deletion neighbourhood for typo correction."""
    words = set(INTENT_WORDS)
    for phrase in routing.phrase_index(k).targets:
        words.update(w for w in re.findall(r"[a-z]+", phrase) if len(w) >= 5)
    words.update(w for w in k.zone_words if w.isalpha() and len(w) >= 5)
    said = [p for lad in k.ladders.values() for p in (*lad.words, *lad.symptoms)]
    said += [w for sev in k.severities for w in sev.words]  # "outbund" is "outbound"
    said += [w for c in k.carriers for w in c.words if w not in c.ambiguous]  # "verizn"
    words.update(w for p in said for w in re.findall(r"[a-z]+", p.lower()) if len(w) >= 5)
    return frozenset(words), deletions(words)


def normalize(k: Knowledge, text: str, correct: bool = True) -> str:
    """Lower-case, slang expanded, typos in known words corrected (unless `correct` is
    False), spaces folded."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("&amp;", "&")
    text = re.sub(r"\bsev(?:erity)?(\d)", r"sev \1", text)
    known, left_out = _vocabulary(k)
    out = []
    for token in re.findall(r"[\w@&/.'#:-]+|[^\w\s]", text):
        core = token.rstrip("?!.,;:")
        tail = token[len(core) :]
        if core in SLANG:
            core = SLANG[core]
        elif core.isalpha() and correct:
            core = correct_typo(core, known, left_out)
        out.append(core + tail)
    return " ".join(" ".join(out).split())


def _ids(text: str) -> tuple[dict[str, str], str]:
    """Pull BTN, AOTS and ticket numbers out; the text without them and other long numbers."""
    ids: dict[str, str] = {}
    for key, pattern in (("btn", BTN_RE), ("aots", AOTS_RE), ("ticket", TICKET_RE)):
        if m := pattern.search(text):
            key = "pon" if m.group(0).startswith("pon") else key  # an order, not a ticket
            ids[key] = re.sub(r"\D", "", m.group(1)) if key == "btn" else m.group(1)
            text = text[: m.start(1)] + " " + text[m.end(1) :]
    text = EMAIL_RE.sub(" ", PHONE_RE.sub(" ", text))  # "m36966@att.com" is no error code
    return ids, LONG_NUMBER_RE.sub(" ", text)


@cache
def _phone_book(k: Knowledge) -> dict[str, tuple[tuple[str, str | None, str], ...]]:
    """The sources' phone numbers (digits) -> ((center, region, prompt), ...)."""
    book: dict[str, list[tuple[str, str | None, str]]] = {}
    for center in k.centers.values():
        lines = [(None, c) for c in center.contacts]
        lines += [(r.id, c) for r in center.regions for c in r.contacts]
        for region, contact in lines:
            if digits := re.sub(r"\D", "", contact.phone)[-10:]:
                entry = (center.id, region, contact.prompt.lower())
                if entry not in book.setdefault(digits, []):
                    book[digits].append(entry)
    return {digits: tuple(lines) for digits, lines in book.items()}


def _dialled(k: Knowledge, lowered: str) -> list[tuple[str, str | None]]:
    """(center, region) of each phone number the text gives that the sources list; a
    number two centers share counts only with the prompt that tells them apart
    ("877-681-2271 option 3" is the ISCC's); a region only when the number is its own."""
    found: list[tuple[str, str | None]] = []
    for m in PHONE_RE.finditer(lowered):
        lines = _phone_book(k).get(re.sub(r"\D", "", m.group(0)), ())
        if len({c for c, _, _ in lines}) > 1:
            lines = tuple(line for line in lines if line[2] and line[2] in lowered)
        centers = {c for c, _, _ in lines}
        regions = {r for _, r, _ in lines if r}
        if len(centers) == 1:
            found.append((centers.pop(), regions.pop() if len(regions) == 1 else None))
    return found


def _error_code(k: Knowledge, text: str) -> tuple[ErrorCode | None, str | None, str]:
    """An error code like SF0101 or G123, or a bare prefix after "error"/"prefix"."""
    for m in ERROR_CODE_RE.finditer(text):
        letters, gap, digits = m.groups()
        if (gap and letters in NOT_ERROR_LETTERS) or (letters + digits) in NOT_ERROR_CODES:
            continue
        if gap == " " and not CODE_WORD_RE.search(text):
            continue  # "room b 12", "d 45": letters and a number apart are a code only if said so
        row = routing.error_code(k, letters)
        if row:
            return row, (letters + digits).upper(), text[: m.start()] + " " + text[m.end() :]
    for m in ERROR_WORD_RE.finditer(text):
        letters = m.group(1)
        if letters in NOT_ERROR_LETTERS and letters not in ("i", "pa"):
            continue
        row = routing.error_code(k, letters)
        if row and row.prefix == letters.upper():
            return row, letters.upper(), text
    # a bare two-letter prefix is a code only when said to be one: "PA" and "SD" are also
    # states, "SF" a city, "Mr" a title ("who handles ports in pa" is no Listing Error)
    m = re.search(r"\b(mr|sf|sd|if|ls|pa)\b", text)
    if m and (CODE_WORD_RE.search(text) or re.search(r"\b(prefix|manual)\b", text)):
        return routing.error_code(k, m.group(1)), m.group(1).upper(), text
    return None, None, text


def _severity(text: str) -> int | None:
    if m := SEVERITY_RE.search(text):
        return int(m.group(1))
    if m := SEVERITY_WORD_RE.search(text):
        return NUMBER_WORDS[m.group(1)]
    return None


@cache
def _ladder_words(k: Knowledge) -> tuple[tuple[str, re.Pattern], ...]:
    """Each ladder's product and ticket names (data), in LADDER_ORDER."""
    out = []
    for ladder_id in LADDER_ORDER:
        words = sorted(k.ladders[ladder_id].words, key=len, reverse=True)
        body = "|".join(re.escape(w) for w in words)
        out.append((ladder_id, re.compile(rf"(?<![\w&])({body})(?![\w&])")))
    return tuple(out)


def _ladder(
    k: Knowledge, text: str, centers: list[str], carriers: list[Carrier]
) -> tuple[str | None, bool]:
    """The ladder a text names: by product or ticket word, else by its center, else by
    its carrier: Qwest (or CenturyLink, Lumen) alone names Qwest's IT ladder, whose WSHD
    is its first point of contact for trouble; "qwest csr" names the CSR ladder. And
    whether only the carrier named it (then Qwest's process ladder is as likely)."""
    found = next((lad for lad, pattern in _ladder_words(k) if pattern.search(text)), None)
    if found is None:
        by_center = {lad.center: lad.id for lad in k.ladders.values()}
        found = next((by_center[c] for c in centers if c in by_center), None)
    if found is None and any(c.covers == "Qwest" for c in carriers):
        if re.search(r"\bprocess\b", text):
            return "qwest_process", False
        return "qwest_it", True
    if found == "qwest_it" and re.search(r"\bprocess\b", text):
        return "qwest_process", False
    return found, False


def _symptom(k: Knowledge, text: str) -> tuple[str, str] | None:
    """(ladder, symptom) for a trouble described with no product word: "one way audio"."""
    flat = routing.flat(text)
    for ladder_id in LADDER_ORDER:
        ladder = k.ladders[ladder_id]
        if routing.said(ladder.symptoms_unless, flat):
            continue  # "can't make calls after the port": the port's trouble, not VoIP's
        if said := routing.said(ladder.symptoms, flat):
            return ladder_id, said[0]
    return None


@cache
def _carrier_words(k: Knowledge) -> tuple[re.Pattern, dict[str, Carrier]]:
    """One pattern over every carrier word in readings.toml, longest first."""
    by_word = {w: c for c in k.carriers for w in c.words}
    body = "|".join(re.escape(w) for w in sorted(by_word, key=len, reverse=True))
    return re.compile(rf"(?<![\w&])({body})(?![\w&])"), by_word


@cache
def _context_words(k: Knowledge) -> frozenset[str]:
    """Words that make an ambiguous carrier word a carrier: the data's carrier context,
    the centers' ids and names, the ladders' product words, the unambiguous carrier words."""
    words = set(k.carrier_context)
    for center in k.centers.values():
        words.update(n.lower() for n in (center.id, center.name, *center.aliases))
    words.update(w for ladder in k.ladders.values() for w in ladder.words)
    words.update(w for c in k.carriers for w in c.words if w not in c.ambiguous)
    return frozenset(words)


CONTEXT_SKIP = frozenset({
    "the", "a", "an", "our", "my", "their", "from", "to", "with", "at", "by", "of", "and", "or",
    "for", "on", "in", "s", "is", "over",
})  # fmt: skip


def _in_context(k: Knowledge, lowered: str, raw: str, m: re.Match) -> bool:
    """An ambiguous carrier word ("sprint", "charter") is a carrier when written capitalized
    inside a sentence ("port to Sprint"), or with a carrier-context word within two words
    either side in its clause ("sprint port request", "cox trouble ticket"); "sprint
    planning" and a team's "charter" are not."""
    said = raw[m.start() : m.end()] if len(raw) == len(lowered) else ""
    sentence_start = re.search(r"(^|[.!?:;]\s*)$", lowered[: m.start()])
    if said[:1].isupper() and not sentence_start:
        return True
    context = _context_words(k)
    clause_start = max(lowered.rfind(p, 0, m.start()) for p in ",;.?!")  # -1: none
    ends = [i for p in ",;?!" if (i := lowered.find(p, m.end())) >= 0]
    head, tail = lowered[clause_start + 1 : m.start()], lowered[m.end() : min(ends, default=None)]
    before = [w for w in re.findall(r"[\w&@.-]+", head) if w not in CONTEXT_SKIP]
    after = [w for w in re.findall(r"[\w&@.-]+", tail) if w not in CONTEXT_SKIP]
    near = [w.strip(".") for w in (*before[-2:], *after[:2])]
    pairs = [f"{a} {b}" for a, b in zip(near, near[1:], strict=False)]
    return any(w in context for w in (*near, *pairs))


def _carriers(k: Knowledge, lowered: str, raw: str = "") -> list[Carrier]:
    """Carriers named as the subject (reading 12). Another carrier named as where a port
    comes from ("porting from verizon to at&t") is history, not the subject; a carrier
    word that is also plain English counts only in a carrier context."""
    if not k.carriers:
        return []
    pattern, by_word = _carrier_words(k)
    lowered = lowered.replace("&amp;", "&")  # Slack sends "AT&amp;T"
    raw = " ".join(raw.replace("&amp;", "&").split())
    found: list[Carrier] = []
    for m in pattern.finditer(lowered):
        carrier = by_word[m.group(1)]
        if m.group(1) in carrier.ambiguous and not _in_context(k, lowered, raw, m):
            continue  # "a sprint planning call", "the team charter"
        came_from = re.search(r"\bfrom\s+(the\s+)?$", lowered[: m.start()])
        if carrier.covers is None and came_from and PORTED_FROM_RE.search(lowered):
            continue
        if carrier not in found:
            found.append(carrier)
    return found


def _carriers_said(k: Knowledge, lowered: str, raw: str) -> list[Carrier]:
    """Carriers named, as typed and with typos corrected ("verizn lsc" is Verizon's)."""
    found = _carriers(k, lowered, raw)
    found += [c for c in _carriers(k, normalize(k, lowered)) if c not in found]
    return found


def code_numbers(text: str) -> list[str]:
    """Numbers of one to three digits that may be codes: not counts ("3 business days",
    "called 2 times"), not levels ("level 3", "tier 2"), not times, not ids."""
    out = []
    for m in REJECT_RE.finditer(text):
        padded = m.group(1).startswith("0")  # "052": written as a code, never as a count
        if not padded and UNIT_AFTER_RE.match(text, m.end()):
            continue
        if ID_BEFORE_RE.search(text, 0, m.start()):
            continue
        if (m.start() and text[m.start() - 1].isalpha()) or text[m.end() : m.end() + 1].isalpha():
            continue  # "ab123", "1p": the digits of a code or an id, not a number of their own
        out.append(m.group(1))
    return out


def _reject(k: Knowledge, text: str) -> tuple[Code | None, str | None]:
    """A CSR reject code asked about, or the words of one the CSR guide does not list.

    A number is a reject code only when the text says reject or code (or is the number
    alone, "501?"); "3 business days for a csr" and "ticket 002345" are not."""
    bare = re.fullmatch(r"\W*(\d{3})\W*", text)
    csr = re.search(r"\b(csr|csrs|csir)\b", text)
    rejecty = REJECT_WORD_RE.search(text) or re.search(r"\bcodes?\b", text)
    rejecty = rejecty or (csr and re.search(r"\b(error|err)\b", text))  # "error 200 on the csr"
    if not (bare or rejecty):
        return None, None
    numbers = code_numbers(text)
    if numbers and not csr and LSR_RE.search(text):
        return None, f"LSR reject code {numbers[0]}"  # an order's reject: not the CSR guide's
    for number in numbers:
        if found := routing.code(k, "csr-reject", number):
            return found, None
    if numbers and (REJECT_WORD_RE.search(text) or csr):
        return None, f"CSR reject code {numbers[0].zfill(3)}"
    return None, None


@cache
def _qwest_center_re(k: Knowledge) -> re.Pattern:
    """The Qwest centers' ids ("wshd", "csie"): a code said with one is a Qwest code."""
    ids = sorted(c.id.lower() for c in k.centers.values() if c.carrier == "Qwest")
    return re.compile(rf"\b({'|'.join(map(re.escape, ids)) or '(?!)'})\b")  # none: never


def _unlisted_code(k: Knowledge, text: str, carriers: list[Carrier]) -> str | None:
    """An error code with a prefix the Who-to-Call job aid does not list, or a Qwest code
    the Qwest source does not list, said as a code."""
    if not CODE_WORD_RE.search(text):
        return None
    qwest = any(c.covers == "Qwest" for c in carriers) or _qwest_center_re(k).search(text)
    said = re.search(r"\bcodes?\s+['\"]?([\w-]+)", text) if qwest else None
    if said and said.group(1) not in NOT_A_CODE:
        return f"Qwest code {said.group(1).upper()}"  # "qwest code X12": no error prefix
    for m in ERROR_CODE_RE.finditer(text):
        letters, gap, digits = m.groups()
        if letters in NOT_ERROR_LETTERS or (letters + digits) in NOT_ERROR_CODES:
            continue
        if routing.error_code(k, letters) is None:
            return f"error code {(letters + digits).upper()}"
    m = re.search(r"\b(error|err|fatal)\s+(?:code\s+)?([a-z]{0,3}\d{2,6}[a-z]?)\b", text)
    if m and not UNIT_AFTER_RE.match(text, m.end()):  # "error 10 times" is a count
        return f"error code {m.group(2).upper()}"  # "error code 1234": no letter prefix at all
    # any other code with a digit in it: "jep code 1p", "foc code 45"
    m = re.search(r"\b(?:([a-z]{2,12})\s+)?codes?\s*[#:]?\s*([a-z]*\d[a-z0-9-]*)\b", text)
    if m and not UNIT_AFTER_RE.match(text, m.end()):
        kind = m.group(1) if m.group(1) and m.group(1) not in NOT_A_CODE else ""
        return f"{kind.upper()} code {m.group(2).upper()}".strip()
    return None


def _outside_southeast(q: Question) -> str | None:
    """A Southeast-specific prefix ("G and M *") on an LSR of another region: the job aid
    lists it for the Southeast only, so for that region it is a code the sources do not list."""
    row = q.error_code
    if row is None or not row.southeast_only or q.region in (None, "southeast"):
        return None
    q.error_code = None
    return (
        f"error code {q.error_text} for the {q.region.title()} region "
        f"(the job aid lists prefix {row.prefix} as Southeast specific)"
    )


def _level_titled(k: Knowledge, ladder_id: str, phrase: str) -> int | None:
    """The level of `ladder_id` whose title holds `phrase` ("director" in Qwest's tiers)."""
    ladder = k.ladders.get(ladder_id)
    titled = [lv.level for lv in ladder.levels if phrase in lv.title.lower()] if ladder else []
    return titled[0] if titled else None


def _entities(k: Knowledge, q: Question, lowered: str, unlisted: str | None) -> None:
    """Carriers named, a code the sources do not list, and a ladder named by its trouble
    alone ("one way audio", "customers can't call in") when nothing else routes the text."""
    q.carriers = _carriers_said(k, lowered, q.raw)
    if not (q.error_code or q.reject or q.disposition):
        q.unlisted = unlisted or _unlisted_code(k, q.text, q.carriers)
    qwest_only = {c.covers for c in q.carriers} == {"Qwest"}
    if q.unlisted and q.unlisted.startswith("CSR reject") and qwest_only and q.ladder != "csr":
        q.unlisted = q.unlisted.replace("CSR", "Qwest", 1)  # "qwest reject code 123"
    q.severities = _severities_named(q.raw.lower())
    said = q.raw.lower()
    q.asks_fit = (
        q.severity is not None and bool(ASKS_FIT_RE.search(said)) and not ASKS_CLOCK_RE.search(said)
    )
    q.plain = normalize(k, " ".join(q.raw.lower().split()), correct=False)
    found = None if (q.ladder or q.centers or q.reqtyp) else _symptom(k, q.trouble)
    if found and all(_points_at(m, k.ladders[found[0]].center) for m in q.matches):
        q.ladder, q.symptom = found  # "site is down for voip customers": voip's own topic


def _points_at(match: routing.Match, center: str) -> bool:
    """A match that names `center` itself or one of its own topics ("voip down")."""
    return match.kind in ("center", "center_topic") and match.target == center


def _severities_named(lowered: str) -> tuple[int, ...]:
    """Every severity number a text names: "qwest severity 2 vs 3" -> (2, 3)."""
    if not SEVERITY_RE.search(lowered) and not SEVERITY_WORD_RE.search(lowered):
        return ()
    found = [int(m.group(1)) for m in SEVERITIES_NAMED_RE.finditer(lowered)]
    found += [NUMBER_WORDS[m.group(1)] for m in SEVERITY_WORD_RE.finditer(lowered)]
    return tuple(sorted(set(found)))


def not_covered(q: Question) -> bool:
    """The question is about a carrier the sources do not cover, with none they do, or
    about a code they do not list (reading 12)."""
    if q.unlisted:
        return True
    return any(c.covers is None for c in q.carriers) and not any(c.covers for c in q.carriers)


def _intent(q: Question) -> str:
    t = q.text
    if not_covered(q):
        return "not_covered"
    if q.asks_fit:
        return "severity"
    has_subject = bool(
        q.centers or q.matches or q.reqtyp or q.error_code or q.reject or q.disposition
    )
    if HELP_RE.search(t) and not (has_subject and not t.startswith("help")):
        return "help"
    if PREPARE_RE.search(t):
        return "prepare"
    if q.severity or re.search(r"\bseverit(y|ies)|\bsev\b|\b(what|which) priority\b", t):
        wants_def = SEVERITY_DEF_RE.search(t) and not re.search(
            r"\b(ago|since|reported|how often|who now|who do i|who should i)\b", t
        )
        if wants_def:
            return "severity"
        if q.severity is None and not STATUS_RE.search(t):
            return "severity"  # "entire site down on ipfr, severity?": a severity asked for
        if q.ladder in ("bvoip", "qwest_it", "qwest_process") or STATUS_RE.search(t):
            return "escalation_status"
        return "severity"
    if q.reject and REJECT_WORD_RE.search(t):
        return "code"  # "csr submitted 11/30 and rejected 003, what now": the reject first
    if q.ladder and (STATUS_RE.search(t) or (q.moment.stated and q.moment.past)):
        return "escalation_status"  # a ladder and when it was sent or reported: its clock
    if q.ladder == "csr" and re.search(r"\b(can i|may i|when can|when may|escalate yet)\b", t):
        return "escalation_status"
    late = r"\b(late|overdue|still (not|no|waiting)|not (here|received|back) yet|escalate\W*$)"
    if q.ladder == "csr" and re.search(late, t) and not re.search(r"\bwho\b", t):
        return "escalation_status"  # "our csr is 5 business days late", "csr ..., escalate?"
    if (q.reject or q.disposition) and not WHO_RE.search(t):
        return "code"
    if q.error_code and MEANING_RE.search(t) and not re.search(r"\b(who|call|contact)\b", t):
        return "code"
    if (q.reject or q.disposition) and MEANING_RE.search(t):
        return "code"
    boardish = BOARD_STRONG_RE.search(t) or BOARD_RE.search(t)
    wants_board = OPEN_RE.search(t) or re.search(r"\b(centers|centres|board)\b", t)
    if not has_subject and not q.centers and boardish and wants_board:
        return "board"
    if q.centers and OPEN_RE.search(t) and not re.search(r"\b(who|whom)\b", t):
        return "hours"
    if has_subject:
        return "who_handles"
    if q.ladder:
        return "who_handles"
    return "unknown"


def understand(k: Knowledge, raw: str, now: datetime, asker_zone: str) -> Question:
    """Read `raw` as asked at `now` by someone in `asker_zone`."""
    lowered = " ".join(raw.lower().split())
    ids, rest = _ids(lowered)
    reqtyp = None
    if m := REQTYP_RE.search(rest):
        reqtyp = m.group(1).upper()
        rest = rest[: m.start()] + " " + rest[m.end() :]
    err, err_text, rest = _error_code(k, rest)
    severity = _severity(rest)
    rest = SEVERITY_RE.sub(" ", rest)
    text = normalize(k, rest)
    matches = routing.find_phrases(k, text)
    centers: list[str] = []
    for match in matches:
        if match.kind == "center" and match.target not in centers:
            centers.append(match.target)
    dialled = _dialled(k, lowered)  # "called 800-357-5534, no answer": the LSC's line
    centers += [c for c, _ in dialled if c not in centers]
    disposition = None
    reject, unlisted = _reject(k, text)
    for match in matches:
        if match.kind == "code" and match.target.startswith("qwest-"):
            disposition = routing.lookup(k, "code", match.target)
    if err and reject and err_text and err_text.isalpha():
        err = err_text = None
    # Not the moment asked about: a due date, the reject code's own digits ("reject 002
    # submitted 4pm" keeps its 4pm), a level ("tier 4").
    when_text = DUE_DATE_RE.sub(" ", text)
    if reject:
        own = reject.code.zfill(3)
        when_text = REJECT_RE.sub(lambda m: " " if m[1].zfill(3) == own else m[0], when_text)
    when_text = LEVEL_RE.sub(" ", when_text)
    moment = read_moment(when_text, now, asker_zone, k.zone_words)
    level = None
    if m := LEVEL_RE.search(text):
        level = int(m.group(1)) if m.group(1) else ORDINALS[m.group(2)]
    workaround = None
    if WORKAROUND_NO_RE.search(text):
        workaround = False
    elif WORKAROUND_RE.search(text):
        workaround = True
    q = Question(
        raw=raw,
        text=text,
        intent="unknown",
        moment=moment,
        centers=centers,
        region=routing.find_region(text) or next((r for _, r in dialled if r), None),
        reqtyp=reqtyp,
        rpon=bool(RPON_RE.search(text)) and not NO_RPON_RE.search(text),
        standalone=bool(NO_RPON_RE.search(text)),
        porting_to_att=bool(PORTING_TO_ATT_RE.search(text)),
        error_code=err,
        error_text=err_text,
        reject=reject,
        disposition=disposition,
        severity=severity,
        workaround=workaround,
        level=level,
        matches=[m for m in matches if m.kind != "center"],
        ids=ids,
    )
    q.ladder, q.ladder_by_carrier = _ladder(k, text, centers, _carriers_said(k, lowered, raw))
    for match in q.matches:
        if match.kind == "level" and q.level is None:
            ladder_id, lv = match.target.split(":")
            if q.ladder is None or q.ladder_by_carrier:  # "qwest ... senior director": its tier
                q.ladder, q.ladder_by_carrier = ladder_id, False
            q.level = int(lv) if q.ladder == ladder_id else _level_titled(k, q.ladder, match.phrase)
    if q.ladder == "qwest_it" and re.search(r"\btiers?\b", text):
        q.ladder = "qwest_process"  # the five tiers are the process-trouble ladder
        q.ladder_by_carrier = False
    if q.level and DONE_RE.search(text) and NEXT_RE.search(text):
        q.level_done = q.level
    unlisted = unlisted or _outside_southeast(q)
    _entities(k, q, lowered, unlisted)
    q.intent = _intent(q)
    # one trouble's own clock: an id, or a moment already past ("at night" is when to call)
    instance = bool(q.ids) or (q.moment.stated and q.moment.at < now)
    if fact := facts.asked_fact(k, q, instance=instance):
        q.intent, q.fact = "fact", fact
    return q
