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

    def lists(self) -> list[tuple[str, list[str]]]:
        """The titled lists every renderer shows, in order: contacts, what to have
        ready, next steps, examples."""
        return [
            ("Contacts", self.contacts),
            ("Have ready", self.have_ready),
            ("Next", self.next_steps),
            ("Try", self.examples),
        ]

    def add_source(self, citation: str) -> None:
        if citation and citation not in self.sources:
            self.sources.append(citation)


def render_text(reply: Reply) -> str:
    """The reply as a few short plain-text lines."""
    lines = [reply.headline]
    lines += [f"- {label}: {value}" if label else f"- {value}" for label, value in reply.facts]
    if reply.rows:
        lines += [f"  {label:<34} {value}" for label, value in reply.rows]
    for title, items in reply.lists():
        if items:
            lines.append(f"{title}:")
            lines += [f"  - {item}" for item in items]
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
