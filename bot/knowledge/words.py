"""English words the typo correctors never change (data/english_words.txt).

A token is corrected only when it is not a word: "hanldes" becomes "handles", but
"created" stays "created" although "related" is one letter away and a word the bot
knows. The list is data, made by scripts/make_wordlist.py; read once, on first use.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "english_words.txt"


@cache
def english_words() -> frozenset[str]:
    """The common English words (and the source documents' own), lower case."""
    text = WORDS_FILE.read_text(encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line and not line.startswith("#"))


def is_word(token: str) -> bool:
    """Whether `token` (lower case) is an English word, so no typo to correct."""
    return token in english_words()
