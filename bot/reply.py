"""Replies as data, rendered as plain text (console) and JSON (--json, --jsonl).

A reply leads with the answer in one line, then the facts, contacts, what to
have ready, the next step and the source. Slack's Block Kit renderer reads the
same data; no handler builds strings of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Reply:
    intent: str
    headline: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    have_ready: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # board / schedule lines
    examples: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    center: str | None = None
    region: str | None = None
    when: datetime | None = None
    open: bool | None = None
    data: dict[str, Any] = field(default_factory=dict)  # extra machine-readable fields

    def add_source(self, citation: str) -> None:
        if citation and citation not in self.sources:
            self.sources.append(citation)


def render_text(reply: Reply) -> str:
    """The reply as a few short plain-text lines."""
    lines = [reply.headline]
    lines += [f"- {label}: {value}" if label else f"- {value}" for label, value in reply.facts]
    if reply.rows:
        lines += [f"  {label:<34} {value}" for label, value in reply.rows]
    if reply.contacts:
        lines.append("Contacts:")
        lines += [f"  - {c}" for c in reply.contacts]
    if reply.have_ready:
        lines.append("Have ready:")
        lines += [f"  - {item}" for item in reply.have_ready]
    if reply.next_steps:
        lines.append("Next:")
        lines += [f"  - {step}" for step in reply.next_steps]
    if reply.examples:
        lines.append("Try:")
        lines += [f"  - {ex}" for ex in reply.examples]
    if reply.sources:
        lines.append("Source: " + "; ".join(reply.sources))
    return "\n".join(lines)


def to_json(reply: Reply) -> dict[str, Any]:
    """The reply as a JSON-ready dict: the contract fields first, then the parts."""
    return {
        "intent": reply.intent,
        "center": reply.center,
        "region": reply.region,
        "when": reply.when.isoformat() if reply.when else None,
        "open": reply.open,
        "text": render_text(reply),
        "headline": reply.headline,
        "facts": [{"label": label, "value": value} for label, value in reply.facts],
        "rows": [{"label": label, "value": value} for label, value in reply.rows],
        "contacts": reply.contacts,
        "have_ready": reply.have_ready,
        "next_steps": reply.next_steps,
        "examples": reply.examples,
        "sources": reply.sources,
        **reply.data,
    }
