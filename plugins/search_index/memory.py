"""An in-memory view of one opened index generation: searching as array operations.

Whoosh's matchers are pure Python and step through postings one document at a time: a
two-word query with its total and facet counts cost about 20 ms at 5,000 posts, which caps
a process near 50 searches a second. So the service keeps, per opened generation and per
process:

- what a result shows, for every live document (`StoredDoc`): stored fields are not read
  while answering;
- per-document dates, and (document, value) pairs for tags, authors, teams and years
  (`Facet`), so a facet count is one `bincount` over the matching documents and a date
  filter one comparison;
- the postings of each (field, term) a query has used, read once from the index's posting
  blocks, with their BM25F scores computed by Whoosh's formula from Whoosh's statistics
  (idf, average and per-document field length): the same scores Whoosh's searcher gives.
  The cache holds at most MAX_CACHED_POSTINGS postings (it is emptied when full).

- the positions of each (field, term) a phrase has used, as sorted codes (docnum and
  position in one integer), so a phrase is a vectorized search of each code + 1 among the
  next word's codes.

A query is then a few numpy operations over arrays with one entry per document (query.py).
Whoosh readers are not thread-safe (their matchers share
one file position), so every read from the searcher holds `lock`; answering from the
arrays needs no lock.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import formats, scoring
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE

from plugins.search_index import schema as s

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IdArray = npt.NDArray[np.int64]

MAX_CACHED_POSTINGS = 4_000_000  # postings and positions: at most about 64 MB
POSITION_BITS = 24  # a position code is docnum << POSITION_BITS | position
MAX_POSITION = (1 << POSITION_BITS) - 1
SNIPPET_SOURCE_CHARS = 1000  # snippets look at the start of the body only
_EPOCH = datetime(1970, 1, 1)


def seconds(moment: datetime) -> float:
    """Return a naive UTC datetime as seconds since 1970 (dates compare as floats)."""
    return (moment.replace(tzinfo=None) - _EPOCH).total_seconds()


def split_values(value: Any) -> tuple[str, ...]:
    """Split a stored comma-separated keyword value."""
    if not value:
        return ()
    return tuple(v for v in str(value).split(s.SEPARATOR) if v)


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """What a result shows and facets count, for one live document."""

    path: str
    url: str
    title: str
    summary: str
    excerpt: str
    date: datetime | None
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    author_names: tuple[str, ...]
    teams: tuple[str, ...]
    series: str


@dataclass(frozen=True, slots=True)
class Postings:
    """The live documents holding a term (or phrase), and the term's score in each."""

    ids: IdArray
    scores: FloatArray


EMPTY = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class Facet:
    """(document, value) pairs of one multi-valued field, counted over a match mask."""

    def __init__(self, per_doc: Sequence[Iterable[str]]) -> None:
        numbers: dict[str, int] = {}
        docs: list[int] = []
        values: list[int] = []
        for docnum, items in enumerate(per_doc):
            for item in items:
                docs.append(docnum)
                values.append(numbers.setdefault(item, len(numbers)))
        self.labels = list(numbers)
        self._docs = np.array(docs, dtype=np.int64)
        self._values = np.array(values, dtype=np.int64)

    def counts(self, mask: BoolArray) -> list[tuple[str, int]]:
        """Return (value, number of matching documents) for each value with some."""
        if not self.labels:
            return []
        counted = np.bincount(self._values[mask[self._docs]], minlength=len(self.labels))
        return [(self.labels[i], int(counted[i])) for i in np.flatnonzero(counted)]


def _stored(stored: dict[str, Any]) -> StoredDoc:
    when = stored.get(s.DATE)
    return StoredDoc(
        path=str(stored.get(s.PATH, "")),
        url=str(stored.get(s.URL, "")),
        title=str(stored.get(s.TITLE, "")),
        summary=str(stored.get(s.SUMMARY, "")),
        excerpt=str(stored.get(s.EXCERPT, ""))[:SNIPPET_SOURCE_CHARS],
        date=when if isinstance(when, datetime) else None,
        tags=split_values(stored.get(s.TAGS)),
        authors=split_values(stored.get(s.AUTHORS)),
        author_names=tuple(str(n) for n in stored.get(s.AUTHOR_NAMES) or ()),
        teams=split_values(stored.get(s.TEAM)),
        series=str(stored.get(s.SERIES, "")),
    )


def _fast(matcher: Any) -> bool:
    # whoosh3's leaf matcher decodes a whole block into arrays: take them as they are
    # (deleted documents are dropped by the caller).
    return all(hasattr(matcher, n) for n in ("_read_ids", "_read_weights", "_next_block"))


def _read_block_values(matcher: Any) -> Iterable[tuple[int, Any]]:
    """Yield (docnum, encoded value) of a term's postings, a block at a time if possible."""
    if _fast(matcher) and hasattr(matcher, "_read_values"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_values()
            yield from zip(matcher._ids, matcher._values, strict=True)
            matcher._next_block()
        return
    while matcher.is_active():
        yield matcher.id(), matcher.value()
        matcher.next()


def _read_block_postings(raw: Any) -> tuple[list[int], list[float]]:
    """Read (ids, weights) of a term's postings, a block at a time where possible."""
    ids: list[int] = []
    weights: list[float] = []
    if _fast(raw):
        while raw.is_active():
            raw._read_ids()
            raw._read_weights()
            ids.extend(raw._ids)
            weights.extend(raw._weights)
            raw._next_block()
        return ids, weights
    while raw.is_active():  # any other matcher: one posting at a time
        ids.append(raw.id())
        weights.append(raw.weight())
        raw.next()
    return ids, weights


class MemoryIndex:
    """One index generation held in arrays (see the module docstring)."""

    def __init__(self, searcher: Any, lock: threading.Lock) -> None:
        self._searcher = searcher
        self._lock = lock
        reader = searcher.reader()
        self.size: int = reader.doc_count_all()
        docs: list[StoredDoc | None] = [None] * self.size
        for docnum, stored in reader.iter_docs():
            docs[docnum] = _stored(stored)
        self.docs = docs
        self.live: BoolArray = np.array([d is not None for d in docs], dtype=np.bool_)
        self.doc_count = int(self.live.sum())
        self.dates: FloatArray = np.array(
            [seconds(d.date) if d is not None and d.date else np.nan for d in docs],
            dtype=np.float64,
        )
        self.tags = Facet([d.tags if d else () for d in docs])
        self.authors = Facet([d.authors if d else () for d in docs])
        self.teams = Facet([d.teams if d else () for d in docs])
        self.years = Facet([(str(d.date.year),) if d and d.date else () for d in docs])
        self.all_docs: FloatArray = self.live.astype(np.float64)
        weighting = searcher.weighting
        self._bm25 = isinstance(weighting, scoring.BM25F)
        self._k1: float = getattr(weighting, "K1", 1.2)
        self._b: dict[str, float] = {}
        self._avg: dict[str, float] = {}
        self._lengths: dict[str, FloatArray] = {}
        for name in (*s.TEXT_FIELDS, *s.KEYWORD_FIELDS):
            if not reader.schema[name].scorable:
                continue
            self._b[name] = getattr(weighting, "_field_B", {}).get(
                name, getattr(weighting, "B", 0.75)
            )
            self._avg[name] = float(searcher.avg_field_length(name) or 1)
            self._lengths[name] = np.array(
                [reader.doc_field_length(d, name, 1) if docs[d] else 1 for d in range(self.size)],
                dtype=np.float64,
            )
        self._postings: dict[tuple[str, str], Postings | IdArray] = {}
        self._cached = 0

    # -- postings ---------------------------------------------------------------------

    def term(self, field: str, text: str) -> Postings:
        """Return the live documents holding `text` in `field`, with BM25F scores."""
        key = (field, text)
        found = self._postings.get(key)
        if isinstance(found, Postings):
            return found
        with self._lock:
            found = self._postings.get(key)  # another thread may have loaded it meanwhile
            if isinstance(found, Postings):
                return found
            loaded = self._load_term(field, text)
        self._remember(key, loaded, len(loaded.ids))
        return loaded

    def positions(self, field: str, text: str) -> IdArray:
        """Return where `text` occurs in `field`, as sorted codes (see POSITION_BITS)."""
        key = ("positions " + field, text)
        found = self._postings.get(key)
        if isinstance(found, np.ndarray):
            return found
        with self._lock:
            found = self._postings.get(key)
            if isinstance(found, np.ndarray):
                return found
            loaded = self._load_positions(field, text)
        self._remember(key, loaded, len(loaded))
        return loaded

    def phrase(self, field: str, terms: Sequence[str]) -> Postings:
        """Return the live documents holding the words `terms` next to each other, in order.

        As Whoosh's Phrase query (slop 1): consecutive positions, and a document's score is
        the sum of its words' scores.
        """
        if not terms:
            return EMPTY
        ends = self.positions(field, terms[0])
        for word in terms[1:]:
            if not len(ends):
                return EMPTY
            following = self.positions(field, word)
            wanted = ends + 1
            index = np.searchsorted(following, wanted)
            inside = index < len(following)
            hit = np.zeros(len(wanted), dtype=np.bool_)
            hit[inside] = following[index[inside]] == wanted[inside]
            ends = wanted[hit]
        docs = np.unique(ends >> POSITION_BITS)
        if not len(docs):
            return EMPTY
        scores = np.zeros(len(docs), dtype=np.float64)
        for word in terms:
            postings = self.term(field, word)
            if not len(postings.ids):
                continue
            where = np.searchsorted(postings.ids, docs)
            where[where >= len(postings.ids)] = 0
            scores += np.where(postings.ids[where] == docs, postings.scores[where], 0.0)
        return Postings(docs, scores)

    def recent_keys(self, limit: int) -> list[tuple[str, str]]:
        """Return the keys of the last `limit` terms and positions loaded, oldest first."""
        return list(self._postings)[-limit:]

    def warm(self, keys: Iterable[tuple[str, str]]) -> None:
        """Load the terms and positions named by `keys` (from another generation's cache)."""
        for field, text in keys:
            if field.startswith("positions "):
                self.positions(field.removeprefix("positions "), text)
            elif field in self._searcher.schema:
                self.term(field, text)

    def _remember(self, key: tuple[str, str], value: Postings | IdArray, count: int) -> None:
        with self._lock:
            if self._cached + count > MAX_CACHED_POSTINGS:
                self._postings = {}  # readers keep the dict they already hold
                self._cached = 0
            if key not in self._postings:
                self._postings[key] = value
                self._cached += count

    def _leaf_matchers(self, field: str, text: str) -> Iterable[tuple[Any, int]]:
        """Yield (raw postings matcher, docnum base) for each segment holding the term."""
        for leaf, base in self._searcher.reader().leaf_readers():
            if (field, text) in leaf:
                matcher = leaf.postings(field, text)
                yield (matcher.child if isinstance(matcher, FilterMatcher) else matcher), base

    def _load_term(self, field: str, text: str) -> Postings:
        """Read a term's postings from every segment (holding the lock)."""
        id_parts: list[IdArray] = []
        weight_parts: list[FloatArray] = []
        for matcher, base in self._leaf_matchers(field, text):
            ids, weights = _read_block_postings(matcher)
            id_parts.append(np.asarray(ids, dtype=np.int64) + base)
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        if not id_parts:
            return EMPTY
        ids_all = np.concatenate(id_parts)
        weights_all = np.concatenate(weight_parts)
        order = np.argsort(ids_all, kind="stable")
        ids_all, weights_all = ids_all[order], weights_all[order]
        keep = self.live[ids_all]
        ids_all, weights_all = ids_all[keep], weights_all[keep]
        lengths = self._lengths.get(field)
        if not self._bm25 or lengths is None:
            return Postings(ids_all, weights_all)  # Whoosh's WeightScorer: the weight
        idf = float(self._searcher.idf(field, text))
        return Postings(
            ids_all,
            scoring.bm25(
                idf, weights_all, lengths[ids_all], self._avg[field], self._b[field], self._k1
            ),
        )

    def _load_positions(self, field: str, text: str) -> IdArray:
        """Read a term's positions from every segment (holding the lock)."""
        field_format = self._searcher.schema[field].format
        plain = type(field_format).decode_positions is formats.Positions.decode_positions
        docs: list[int] = []
        counts: list[int] = []
        steps: list[int] = []
        for matcher, base in self._leaf_matchers(field, text):
            for docnum, value in _read_block_values(matcher):
                if plain:
                    # Positions stores a count, then the pickled gaps between positions:
                    # gather the gaps and add them up with numpy.
                    gaps = pickle.loads(value[_INT_SIZE:] + (b"" if value[-1:] == b"." else b"."))
                else:
                    found = field_format.decode_positions(value)
                    gaps = [b - a for a, b in zip([0, *found], found, strict=False)]
                docs.append(docnum + base)
                counts.append(len(gaps))
                steps.extend(gaps)
        if not docs:
            return np.zeros(0, dtype=np.int64)
        lengths = np.asarray(counts, dtype=np.int64)
        positions = np.cumsum(np.asarray(steps, dtype=np.int64))
        # cumsum ran across documents: subtract the running total where each one starts.
        starts = np.cumsum(lengths) - lengths
        before = np.concatenate(([0], positions))[starts]
        positions = np.minimum(positions - np.repeat(before, lengths), MAX_POSITION)
        codes = (np.repeat(np.asarray(docs, dtype=np.int64), lengths) << POSITION_BITS) | positions
        codes = np.unique(codes)
        live: IdArray = codes[self.live[codes >> POSITION_BITS]]
        return live

    # -- whole-index views ------------------------------------------------------------

    def date_mask(self, start: datetime, end: datetime) -> BoolArray:
        """Return the live documents dated in [start, end)."""
        with np.errstate(invalid="ignore"):
            mask: BoolArray = (self.dates >= seconds(start)) & (self.dates < seconds(end))
        return mask

    def ordered(self, mask: BoolArray, scores: FloatArray, limit: int, by_date: bool) -> list[int]:
        """Return the first `limit` matching docnums: best score first, or newest first.

        Ties go to the newer post, then to the lower document number.
        """
        candidates = np.flatnonzero(mask)
        if limit <= 0 or not len(candidates):
            return []
        dates = np.nan_to_num(self.dates[candidates], nan=-1e18)
        primary = dates if by_date else scores[candidates]
        if len(candidates) > 4 * limit:
            # Keep everything at least as good as the limit-th best (ties included).
            threshold = np.partition(primary, len(primary) - limit)[len(primary) - limit]
            keep = primary >= threshold
            candidates, dates, primary = candidates[keep], dates[keep], primary[keep]
        secondary = scores[candidates] if by_date else dates
        order = np.lexsort((candidates, -secondary, -primary))
        return [int(d) for d in candidates[order[:limit]]]
