"""The knowledge module's data types: centers, hours, contacts, codes, ladders.

Every fact carries a `Source` (document, section, revision date) so a reply can
say where it came from and an operator can find the entry to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: the document, its section and revision date."""

    document: str  # document id, e.g. "att-clec-center-contacts"
    title: str  # human title of the document
    section: str
    revised: str | None = None  # ISO date, where the document gives one
    assumption: str | None = None  # set when the product fills a gap the source leaves

    def cite(self) -> str:
        rev = f", revised {self.revised}" if self.revised else ""
        return f"{self.title}: {self.section}{rev}"


@dataclass(frozen=True)
class Window:
    """One weekly opening window [open, close) in the center's zone.

    `close` of None means midnight at the end of the day ("12:00 am" close).
    """

    weekday: int  # 0 = Monday
    open: time
    close: time | None

    def close_minutes(self) -> int:
        return 24 * 60 if self.close is None else self.close.hour * 60 + self.close.minute

    def open_minutes(self) -> int:
        return self.open.hour * 60 + self.open.minute


@dataclass(frozen=True)
class Hours:
    """Opening hours: always open, unknown, or weekly windows on a calendar."""

    zone: str
    kind: str  # "weekly" | "24x7" | "unknown"
    windows: tuple[Window, ...] = ()
    calendar: str = "us-federal"
    text: str = ""  # the hours as the source words them

    @property
    def always_open(self) -> bool:
        return self.kind == "24x7"

    @property
    def known(self) -> bool:
        return self.kind != "unknown"


@dataclass(frozen=True)
class Contact:
    role: str
    name: str = ""
    phone: str = ""
    prompt: str = ""  # option / prompt to choose, "ask for ..." instructions
    email: str = ""
    web: str = ""
    note: str = ""

    def line(self) -> str:
        """One short line: role, name, phone with prompt, email, web."""
        parts = [self.role + (f" ({self.name})" if self.name else "")]
        if self.phone:
            parts.append(self.phone + (f" {self.prompt}" if self.prompt else ""))
        elif self.prompt:
            parts.append(self.prompt)
        if self.email:
            parts.append(self.email)
        if self.web:
            parts.append(self.web)
        if self.note:
            parts.append(self.note)
        return ": ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    hours: Hours
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class Center:
    id: str
    name: str
    aliases: tuple[str, ...]
    mission: str
    hours: Hours
    contacts: tuple[Contact, ...]
    source: Source
    overview: str = ""
    functions: tuple[str, ...] = ()
    escalation: tuple[str, ...] = ()
    callback_goal: str = ""
    topics: tuple[str, ...] = ()  # phrases that route a question here
    have_ready: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()
    carrier: str = "AT&T"

    def region(self, region_id: str | None) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.id not in self.name else self.name


@dataclass(frozen=True)
class ErrorCode:
    """A row of the Who-to-Call job aid: an error-code prefix and its first contact."""

    prefix: str
    code_type: str
    request: str
    center: str
    southeast_only: bool
    source: Source


@dataclass(frozen=True)
class WhoToCall:
    """A Who-to-Call row that is not an error-code prefix (emailed LSRs, connectivity)."""

    id: str
    request: str
    detail: str
    center: str | None
    answer: str
    topics: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class EscalationType:
    """A row of the escalation matrix: which organisation handles which stage."""

    id: str
    escalation_type: str
    handled_by: str
    center: str | None
    topics: tuple[str, ...]
    detail: str
    source: Source
    reqtyps: tuple[str, ...] = ()  # LSR request types this row handles (EB, MB, AB)


@dataclass(frozen=True)
class Code:
    """A code with a meaning: CSR reject codes, Qwest disposition codes."""

    kind: str  # "csr-reject" | "qwest-disposition"
    code: str
    meaning: str
    center: str | None
    source: Source
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Severity:
    ladder: str  # "bvoip" | "qwest_it"
    level: int
    name: str
    definition: str
    criteria: tuple[str, ...]
    examples: tuple[str, ...]
    words: tuple[str, ...]  # words that suggest this severity in a user's text
    source: Source
    # words that put a trouble outside the definition's scope ("one user" for a severity
    # set for multiple users): then its words do not make it this severity
    not_when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Level:
    """One level of an escalation ladder and whom to contact there."""

    level: int
    title: str
    contacts: tuple[Contact, ...]
    responsibilities: tuple[str, ...] = ()
    intervals: dict[int, float] = field(default_factory=dict)  # severity -> hours


@dataclass(frozen=True)
class Ladder:
    """An escalation ladder: its levels, what to have ready, and its timing rule."""

    id: str  # "csr" | "bvoip" | "qwest_it" | "qwest_process"
    name: str
    center: str
    levels: tuple[Level, ...]
    have_ready: tuple[str, ...]
    rules: dict  # timing parameters, read by bot.knowledge.ladders
    notes: tuple[str, ...]
    source: Source
    words: tuple[str, ...] = ()  # product and ticket names that name this ladder
    symptoms: tuple[str, ...] = ()  # troubles that name it without a product word
    symptoms_unless: tuple[str, ...] = ()  # words that say the trouble is another product's


@dataclass(frozen=True)
class Topic:
    """A body of facts that is not a center: LNP premature disconnects, planned outages."""

    id: str
    title: str
    facts: tuple[str, ...]
    center: str | None
    topics: tuple[str, ...]
    source: Source
    have_ready: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReqtypRule:
    """Reading 5: the center an LSR goes to in one case of its REQTYP, and the reason
    said with the answer ({reqtyp}: the REQTYP asked about)."""

    center: str
    reason: str


REQTYP_CASES = ("porting_to_att", "c_in_rpon", "c_standalone", "c_unsaid", "other")


@dataclass(frozen=True)
class Carrier:
    """A carrier a desk may name (DOMAIN reading 12): covered by the sources, covered
    under an earlier name (CenturyLink and Lumen for Qwest), or not covered at all."""

    id: str
    name: str
    words: tuple[str, ...]
    covers: str | None  # the sources' carrier ("AT&T" / "Qwest") it is answered as, or None
    note: str = ""  # said with every answer given for it (a rename the source predates)
    # words of `words` that are also plain English ("sprint", "charter"): a carrier only in
    # a carrier context (next to a carrier word, or capitalized inside a sentence)
    ambiguous: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    """One fact a desk asks for on its own (a time limit, a goal, a rule about levels, the
    advocate when a ladder is exhausted, when a clock starts), with the words that ask for it.
    Matched by bot.knowledge.facts."""

    id: str
    kind: str  # a key of bot.knowledge.facts.KIND_ASKS: limit, goal, cadence, rule, ...
    answer: str  # the fact in the source's words, naming its center
    center: str | None
    about: tuple[str, ...]  # names of what it is about ("@CSR-CENTER" = that center's names)
    topic: tuple[str, ...]  # the thing within it ("third level"); one is needed, if any
    asks: tuple[str, ...]  # ways of asking for it, beyond its kind's usual ones
    source: Source
    ladder: str | None = None
    level: int | None = None
    severities: tuple[int, ...] = ()
    unless: tuple[str, ...] = ()  # words that mean the question is about something else
    status_answer: bool = False  # the ladder's status answer already leads with this fact


@dataclass(eq=False)  # hashed by identity: engines cache per loaded knowledge
class Knowledge:
    """Everything the bot knows, loaded and validated once at start."""

    centers: dict[str, Center]
    error_codes: tuple[ErrorCode, ...]
    who_to_call: tuple[WhoToCall, ...]
    escalation_types: tuple[EscalationType, ...]
    codes: tuple[Code, ...]
    severities: tuple[Severity, ...]
    ladders: dict[str, Ladder]
    topics: tuple[Topic, ...]
    zone_words: dict[str, str]
    calendars: dict[str, dict]
    documents: dict[str, dict]
    carriers: tuple[Carrier, ...] = ()
    facts: tuple[Fact, ...] = ()
    carrier_context: frozenset[str] = frozenset()  # words that make "sprint" a carrier
    reqtyp_routing: dict[str, ReqtypRule] = field(default_factory=dict)  # by REQTYP_CASES

    def center(self, center_id: str) -> Center:
        return self.centers[center_id]

    def severity(self, ladder: str, level: int) -> Severity | None:
        return next((s for s in self.severities if s.ladder == ladder and s.level == level), None)
