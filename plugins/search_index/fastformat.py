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

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pickle import dumps
from types import MappingProxyType
from typing import Any

from whoosh.analysis import STOP_WORDS, CompositeAnalyzer
from whoosh.analysis.filters import LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer, default_pattern
from whoosh.formats import Positions
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

_STOPS = frozenset(STOP_WORDS)
_MIN_SIZE = 2
# The tokenizer's pattern without its capturing group, so findall returns whole tokens.
_TOKEN = re.compile(default_pattern.pattern.replace("(\\.", "(?:\\."), default_pattern.flags)
# Positions.encode of a single position, for the positions most words are at. These are
# shared objects, so pickling a block of postings stores each once (a memo reference after
# the first): BulkWriter hands the same objects to the codec (SHARED_VALUES).
_ONE_POSITION: tuple[bytes, ...] = tuple(pack_uint(1) + dumps([p], 2) for p in range(4096))
SHARED_VALUES: Mapping[bytes, bytes] = MappingProxyType({v: v for v in _ONE_POSITION})


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


def stemmed_positions(value: str, start: int = 0) -> dict[str, list[int]]:
    """Return each term of `value` with its positions, as `StemmingAnalyzer()` indexes it."""
    if value.isascii():
        # Lower-casing ASCII first changes no token boundary.
        tokens = _TOKEN.findall(value.lower())
    else:
        tokens = [token.lower() for token in _TOKEN.findall(value)]
    first = next(
        (i for i, text in enumerate(tokens) if len(text) >= _MIN_SIZE and text not in _STOPS),
        None,
    )
    poses: dict[str, list[int]] = {}
    if first is None:
        return poses
    # StopFilter(renumber=True): the first kept word keeps its own position, every later
    # kept word takes the next one.
    kept = [text for text in tokens[first:] if len(text) >= _MIN_SIZE and text not in _STOPS]
    stemmer = _stem
    for pos, text in enumerate(kept, start + first):
        word = stemmer(text)
        found = poses.get(word)
        if found is None:
            poses[word] = [pos]
        else:
            found.append(pos)
    return poses


def encode_positions(positions: list[int]) -> bytes:
    """Return `Positions.encode(positions)` (a count, then the pickled gaps)."""
    if len(positions) == 1 and positions[0] < len(_ONE_POSITION):
        return _ONE_POSITION[positions[0]]
    gaps = [positions[0]]
    gaps += [b - a for a, b in zip(positions, positions[1:], strict=False)]  # noqa: RUF007
    count: bytes = pack_uint(len(gaps))
    return count + dumps(gaps, 2)


class FastPositions(Positions):  # type: ignore[misc]  # Whoosh is untyped
    """Positions whose indexing skips the token pipeline for the default stemmer."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        """Yield (term, frequency, weight, encoded positions) for each distinct term."""
        if not isinstance(value, str) or not is_default_stemming(analyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        poses = stemmed_positions(value, int(kwargs.get("start_pos", 0)))
        for word, positions in poses.items():
            yield (word, len(positions), float(len(positions)) * boost, encode_positions(positions))
