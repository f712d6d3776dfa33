"""A Whoosh `Positions` format that analyzes stemmed text in one tight loop.

Whoosh runs every token of every field through a generator chain (tokenizer, lower-case,
stop words, stemming), a quarter of the index build's CPU. For exactly the analyzer
`StemmingAnalyzer()` builds with its defaults, `FastPositions.word_values` computes the
same postings directly: same terms, same positions (stop words removed and later words
renumbered, as StopFilter does), same weights and encoded values, in the same order. For
any other analyzer it defers to Whoosh. The class is pickled into the index's schema, so
it must stay importable under this name (bump SCHEMA_VERSION if it moves).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import STOP_WORDS, CompositeAnalyzer
from whoosh.analysis.filters import LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer, default_pattern
from whoosh.formats import Positions
from whoosh.lang.porter import stem

_STOPS = frozenset(STOP_WORDS)
_MIN_SIZE = 2


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(stem(word))


def is_default_stemming(analyzer: Any) -> bool:
    """Whether `analyzer` is `StemmingAnalyzer()` with every default."""
    if not isinstance(analyzer, CompositeAnalyzer) or len(analyzer.items) != 4:
        return False
    tokenizer, lower, stops, stemmer = analyzer.items
    return (
        type(tokenizer) is RegexTokenizer
        and not tokenizer.gaps
        and tokenizer.expression.pattern == default_pattern.pattern
        and tokenizer.expression.flags == default_pattern.flags
        and type(lower) is LowercaseFilter
        and type(stops) is StopFilter
        and stops.stops == _STOPS
        and stops.min == _MIN_SIZE
        and stops.max is None
        and stops.renumber
        and type(stemmer) is StemFilter
        and stemmer.stemfn is stem
        and not stemmer.lang
        and not stemmer.ignore
    )


class FastPositions(Positions):  # type: ignore[misc]  # Whoosh is untyped
    """Positions whose indexing skips the token pipeline for the default stemmer."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        """Yield (term, frequency, weight, encoded positions) for each distinct term."""
        if not isinstance(value, str) or not is_default_stemming(analyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        start = int(kwargs.get("start_pos", 0))
        poses: dict[str, list[int]] = {}
        pos: int | None = None
        for index, match in enumerate(default_pattern.finditer(value)):
            text = match.group(0).lower()
            if len(text) < _MIN_SIZE or text in _STOPS:
                continue
            # StopFilter(renumber=True): the first kept word keeps its own position,
            # every later kept word takes the next one.
            pos = start + index if pos is None else pos + 1
            poses.setdefault(_stem(text), []).append(pos)
        boost = self.field_boost
        for word, positions in poses.items():
            yield (word, len(positions), float(len(positions)) * boost, self.encode(positions))
