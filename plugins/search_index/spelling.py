"""Spelling suggestions ("did you mean") from the index's vocabulary, held in memory.

The vocabulary is the unstemmed `spell` field: every word of every post, with how often it
occurs. Whoosh's own corrector (`terms_within` without a word graph) runs its pure-Python
Damerau-Levenshtein over every word of the field: 0.15-0.5 s per misspelled word at 5,000
posts. Here candidates are narrowed first (same first letter, length within the allowed
distance), and the distance stops early once a row exceeds the limit.

A suggestion is the closest known word (Damerau-Levenshtein, adjacent transpositions
counting one), then the most frequent, then the first alphabetically.
"""

from __future__ import annotations

from collections.abc import Iterable


class Speller:
    """Known words with their frequencies, grouped by first letter."""

    def __init__(self, words: Iterable[tuple[str, int]]) -> None:
        self._frequency: dict[str, int] = {}
        self._by_start: dict[str, list[str]] = {}
        for word, frequency in words:
            if not word:
                continue
            self._frequency[word] = self._frequency.get(word, 0) + frequency
        for word in sorted(self._frequency):
            self._by_start.setdefault(word[0], []).append(word)

    def __len__(self) -> int:
        return len(self._frequency)

    def known(self, word: str) -> bool:
        """Return whether `word` (lower case) occurs in some post."""
        return word in self._frequency

    def suggest(self, word: str, maxdist: int) -> str | None:
        """Return the best known word within `maxdist` edits of `word`, if any."""
        if not word:
            return None
        best: tuple[int, int, str] | None = None
        for candidate in self._by_start.get(word[0], ()):
            if candidate == word or abs(len(candidate) - len(word)) > maxdist:
                continue
            found = distance(word, candidate, maxdist)
            if found > maxdist:
                continue
            key = (found, -self._frequency[candidate], candidate)
            if best is None or key < best:
                best = key
        return best[2] if best is not None else None


def distance(first: str, second: str, limit: int) -> int:
    """Return the Damerau-Levenshtein distance (optimal alignment), or limit + 1 if larger."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b and a != b:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]
