"""Spelling suggestions ("did you mean") from the site's vocabulary, held in memory.

The vocabulary is every word of every post (unstemmed, lower case, at least three letters,
no stop words) with the number of posts holding it. It is not a Whoosh field: indexing a
second copy of every word cost about 40% of the index's postings. `Vocabulary` keeps each
post's words and the counts beside the index, updated with it (a changed post's old words
are subtracted, its new ones added; a removed post's subtracted): DOCUMENT_WORDS_FILE for
the writer, VOCABULARY_FILE (word → posts) for the service. Both are written before the
index commits, so a reader that sees a new index generation also sees its vocabulary.

Whoosh's own corrector (`terms_within` without a word graph) runs its pure-Python
Damerau-Levenshtein over every word of a field: 0.15-0.5 s per misspelled word at 5,000
posts. Here candidates are narrowed first (same first letter, length within the allowed
distance), and the distance stops early once a row exceeds the limit.

A suggestion is the closest known word (Damerau-Levenshtein, adjacent transpositions
counting one), then the most frequent, then the first alphabetically.
"""

from __future__ import annotations

import gzip
import json
import pickle
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

VOCABULARY_FILE = "spelling.json"  # {"words": {word: number of posts}}: read by the service
DOCUMENT_WORDS_FILE = "spelling-words.pickle.gz"  # each post's words: read by the writer only


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


class Vocabulary:
    """Each post's words (one space-separated string) and in how many posts each word is."""

    def __init__(self) -> None:
        self._documents: dict[str, str] = {}
        self._counts: Counter[str] = Counter()

    @classmethod
    def load(cls, index_dir: Path) -> Vocabulary | None:
        """Return the vocabulary saved in `index_dir`, or None if it is missing or unreadable."""
        try:
            with gzip.open(index_dir / DOCUMENT_WORDS_FILE, "rb") as stream:
                data = pickle.load(stream)
        except (OSError, ValueError, EOFError, zlib.error, pickle.UnpicklingError):
            return None
        if not isinstance(data, dict):
            return None
        documents, counts = (data.get(k) for k in ("documents", "counts"))
        if not (isinstance(documents, dict) and isinstance(counts, dict)):
            return None
        vocabulary = cls()
        vocabulary._documents = documents
        vocabulary._counts = Counter(counts)
        return vocabulary

    @property
    def documents(self) -> Mapping[str, str]:
        """Each post's words, by the post's path."""
        return self._documents

    @property
    def counts(self) -> Mapping[str, int]:
        """In how many posts each word is."""
        return self._counts

    def set(self, path: str, words: str) -> None:
        """Record (or replace) the words of the post at `path`."""
        self.remove(path)
        self._documents[path] = words
        self._counts.update(words.split())

    def remove(self, path: str) -> None:
        """Forget the post at `path` (nothing happens if it is unknown)."""
        words = self._documents.pop(path, None)
        if words is None:
            return
        counts = self._counts
        for word in words.split():
            left = counts.get(word, 0) - 1
            if left > 0:
                counts[word] = left
            else:
                counts.pop(word, None)

    def save(self, index_dir: Path) -> None:
        """Write both files into `index_dir` (each replaced atomically)."""
        data = {"documents": self._documents, "counts": self._counts}
        temp = index_dir / f".{DOCUMENT_WORDS_FILE}.tmp"
        with gzip.open(temp, "wb", compresslevel=1) as stream:  # streamed: no copy in memory
            pickle.dump(data, stream, protocol=pickle.HIGHEST_PROTOCOL)
        temp.replace(index_dir / DOCUMENT_WORDS_FILE)
        words = json.dumps({"words": dict(sorted(self._counts.items()))}, ensure_ascii=False)
        temp = index_dir / f".{VOCABULARY_FILE}.tmp"
        temp.write_text(words, encoding="utf-8")
        temp.replace(index_dir / VOCABULARY_FILE)


def read_vocabulary(index_dir: Path) -> list[tuple[str, int]]:
    """Return (word, number of posts) from VOCABULARY_FILE (nothing if it is missing)."""
    try:
        data: Any = json.loads((index_dir / VOCABULARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    words = data.get("words") if isinstance(data, dict) else None
    if not isinstance(words, dict):
        return []
    return [(str(w), int(n)) for w, n in words.items() if isinstance(n, int)]
