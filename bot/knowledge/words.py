"""How both readers (bot.understanding, bot.knowledge.facts) mend what was typed: the short
forms they spell out, the one typo corrector, and the English words it never changes
(data/english_words.txt).

A token is corrected only when it is not a word: "hanldes" becomes "handles", but
"created" stays "created" although "related" is one letter away and a word the bot
knows. The list is data, made by scripts/make_wordlist.py; read once, on first use, as
a sorted list searched by bisection (no set of 25,000 strings to hash at start).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "english_words.txt"

# Contractions and short forms both readers spell out (each adds its own to these)
SHORT_FORMS = {
    "rn": "right now", "whos": "who is", "who's": "who is", "u": "you", "ur": "your",
    "tmrw": "tomorrow", "pls": "please", "plz": "please", "whats": "what is",
    "what's": "what is", "b4": "before", "wont": "will not", "cant": "can not",
    "can't": "can not", "cannot": "can not", "dont": "do not", "don't": "do not",
    "doesnt": "does not", "doesn't": "does not", "isnt": "is not", "isn't": "is not",
    "havent": "have not", "haven't": "have not", "hasnt": "has not", "hasn't": "has not",
    "thru": "through", "hrs": "hours", "hr": "hour", "mins": "minutes", "min": "minutes",
    "esc": "escalate", "escalte": "escalate", "esclate": "escalate",
}  # fmt: skip


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


def deletions(known: Iterable[str]) -> dict[str, str]:
    """Each known word of five letters or more with one letter left out -> the word (the
    first in sorted order wins), so a typo is looked up, not compared with every word."""
    out: dict[str, str] = {}
    for word in sorted(w for w in known if len(w) >= 5):
        for i in range(len(word)):
            out.setdefault(word[:i] + word[i + 1 :], word)
    return out


def correct_typo(
    word: str,
    known: frozenset[str],
    left_out: dict[str, str],
    *,
    swaps: bool = False,
    substituted_from: int = 5,
) -> str:
    """A known word one edit from `word`, else `word`. Only a token that is no English word
    is a typo ("created" is not "related"). With `swaps`, two letters swapped are mended at
    any length when only one known word fits ("hwo" is "how" or "who": kept); a wrong
    letter is mended only in words of `substituted_from` letters or more ("other" is not
    "their"). `left_out` is deletions(known)."""
    if word in known or not word.isalpha() or is_word(word):
        return word
    if swaps:
        swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        if len(found := swapped & known) == 1:
            return found.pop()
    if len(word) < 5:
        return word
    if word in left_out:  # one letter left out
        return left_out[word]
    for i in range(len(word)):
        cut = word[:i] + word[i + 1 :]
        if cut in known:  # one letter too many
            return cut
        if cut in left_out and len(word) >= substituted_from:  # a letter wrong or swapped
            return left_out[cut]
    return word
