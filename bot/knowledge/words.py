"""English words the typo correctors never change (data/english_words.txt).

A token is corrected only when it is not a word: "hanldes" becomes "handles", but
"created" stays "created" although "related" is one letter away and a word the bot
knows. The list is data, made by scripts/make_wordlist.py; read once, on first use, as
a sorted list searched by bisection (no set of 25,000 strings to hash at start).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "english_words.txt"


@cache
def english_words() -> tuple[str, ...]:
    """The common English words (and the source documents' own), lower case, sorted."""
    lines = WORDS_FILE.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    words = tuple(line for line in lines[start:] if line)
    return words


def is_word(token: str) -> bool:
    """Whether `token` (lower case) is an English word, so no typo to correct."""
    words = english_words()
    i = bisect_left(words, token)
    return i < len(words) and words[i] == token
