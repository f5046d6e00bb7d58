"""String evidence for fuzzy matching of short Chinese names (compounds, organisations): edit
distance, its similarity, and toneless pinyin (homophone typos: 锦麟/金麟). Names compared here are
a few to a few dozen characters and the callers compare only the names inside one block (a room
number, a normalised name), distinct pairs once each: a plain dynamic programme is enough, so the
project needs no fuzzy-matching library for it."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(a: str, b: str) -> float:
    """1 - distance / length of the longer string: 1.0 for equal strings, 0.0 for nothing shared."""
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


@lru_cache(maxsize=200_000)
def toneless_pinyin(text: str) -> str:
    """Syllables without tones, joined by spaces; characters without a reading are kept as they are."""
    return " ".join(lazy_pinyin(text))
