"""Query the search index: parse the query language, search, highlight, facet, suggest.

Query language (bounded: at most MAX_QUERY_CHARS characters and MAX_CLAUSES clauses):
    words            every word must match (stemmed: "migrations" finds "migration")
    "a phrase"       the words next to each other
    -word            leave out posts with the word
    tag:postgres     tag:"machine learning"   author:ana-lopez   team:storage
    series:"Postgres at scale"   year:2026   after:2026-03   before:2026-06-15
after: is inclusive, before: exclusive; dates are YYYY, YYYY-MM or YYYY-MM-DD.
A query of one misspelled word is searched as its correction ("typo tolerance"); other
queries with no hits get a "did you mean" suggestion. Anything unparsable raises
QueryError with a message meant for the person who typed it.

`OpenIndex` wraps one opened index generation. It answers from arrays held in memory
(memory.py: per-term BM25F scores, per-document facet values and dates), so a search is a
few numpy operations instead of a walk through Whoosh's pure-Python matchers; Whoosh itself
is read only under the instance's lock (a searcher is not thread-safe). Snippets are cut
by snippets.py. `experts` ranks people for a query with the people plugin's score
(plugins/people/experts.py) and the facts the build wrote to people.json.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index

from plugins.people.experts import (
    PostEvidence,
    PostMatch,
    declared_strengths,
    score_people,
    topic_key,
)
from plugins.search_index import schema as s
from plugins.search_index.memory import BoolArray, FloatArray, MemoryIndex, Postings, StoredDoc
from plugins.search_index.people_file import read_people
from plugins.search_index.snippets import Stemmer, highlight_fragments, highlight_whole
from plugins.search_index.spelling import Speller, read_vocabulary

MAX_QUERY_CHARS = 200
MAX_CLAUSES = 16
MAX_PAGE = 100
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 10
FACET_LIMIT = 12
SORTS = ("relevance", "date")
FILTERS = ("tag", "author", "team", "series", "year", "after", "before")
DATE_FILTERS = ("year", "after", "before")
EXPERT_HITS = 200
HIGHLIGHT_CHARS = 1000
ANALYZED_WORDS = 20_000  # cached query-word analyses per opened index
WARM_TERMS = 3000  # terms a new generation loads, in the background, from the old one's

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)
_FIELD_TOKEN = re.compile(r"^(?P<neg>-?)(?P<field>[A-Za-z]+):(?P<value>.*)$", re.DOTALL)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class QueryError(ValueError):
    """A query or request parameter the service must refuse (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its parts; `text` is the normalized query string."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        """Return whether there is nothing to search for."""
        return not (self.words or self.phrases or self.filters)

    @property
    def text(self) -> str:
        """Return the query as a canonical string (also the cache key)."""
        parts = list(self.words)
        parts += [f'"{p}"' for p in self.phrases]
        parts += [f"-{w}" for w in self.excluded]
        parts += [f"{name}:{quote_value(value)}" for name, value in self.filters]
        return " ".join(parts)


def quote_value(value: str) -> str:
    """Return a filter value as typed in a query: quoted when it holds a space."""
    return f'"{value}"' if re.search(r'[\s"]', value) else value


def parse_query(text: str) -> ParsedQuery:
    """Split a query string into words, phrases, exclusions and filters."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is too long: at most {MAX_QUERY_CHARS} characters")
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    filters: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        if text[position] == '"':
            phrase, position = _quoted(text, position)
            phrase_words = _WORD.findall(phrase)
            if len(phrase_words) > 1:
                phrases.append(" ".join(phrase_words))
            else:
                words.extend(phrase_words)
            continue
        end = position
        while end < len(text) and not text[end].isspace() and text[end] != '"':
            end += 1
        token = text[position:end]
        position = end
        match = _FIELD_TOKEN.match(token)
        if match and match["field"].lower() in FILTERS:
            name = match["field"].lower()
            value = match["value"]
            if not value and position < len(text) and text[position] == '"':
                value, position = _quoted(text, position)
            value = " ".join(value.split())
            if not value:
                raise QueryError(f"{name}: needs a value, for example {name}:{_example(name)}")
            filters.append((name, _normalize_filter(name, value)))
            continue
        target = excluded if token.startswith("-") and len(token) > 1 else words
        target.extend(_WORD.findall(token))
    if len(words) + len(phrases) + len(excluded) + len(filters) > MAX_CLAUSES:
        raise QueryError(f"the query has too many parts: at most {MAX_CLAUSES} words and filters")
    return ParsedQuery(tuple(words), tuple(phrases), tuple(excluded), tuple(filters))


def _quoted(text: str, position: int) -> tuple[str, int]:
    close = text.find('"', position + 1)
    if close < 0:
        raise QueryError('a quote is not closed: add the closing " or remove the opening one')
    return text[position + 1 : close], close + 1


def _example(name: str) -> str:
    return {
        "tag": "postgres",
        "author": "ana-lopez",
        "team": "storage",
        "series": '"Postgres at scale"',
        "year": "2026",
    }.get(name, "2026-03-01")


def _normalize_filter(name: str, value: str) -> str:
    if name in ("after", "before"):
        return parse_date(name, value).isoformat()
    if name == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise QueryError(f"year: wants a year like 2026, got {value!r}")
        return value
    return value.lower()


def parse_date(name: str, value: str) -> date:
    """Read YYYY, YYYY-MM or YYYY-MM-DD as the first day it names."""
    match = _DATE.match(value)
    if match:
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise QueryError(f"{name}: wants a date like 2026-03-01 (or 2026-03, or 2026), got {value!r}")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A bounded search request: query text, page, page size and sort order."""

    q: str = ""
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: str = "relevance"
    exact: bool = False  # no automatic spelling correction

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> SearchRequest:
        """Build a request from query-string parameters, refusing anything out of bounds."""

        def one(name: str, default: str) -> str:
            values = params.get(name) or [default]
            return values[0]

        q = one("q", "")
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long: at most {MAX_QUERY_CHARS} characters")
        page = _bounded_int("page", one("page", "1"), 1, MAX_PAGE)
        size = _bounded_int("size", one("size", str(DEFAULT_PAGE_SIZE)), 1, MAX_PAGE_SIZE)
        sort = one("sort", "relevance")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {sort[:20]!r}")
        exact = one("exact", "").lower() in ("1", "true", "yes")
        return cls(q=q.strip(), page=page, page_size=size, sort=sort, exact=exact)


def _bounded_int(name: str, raw: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d{1,6}", raw.strip()):
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return value


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One facet value, its count among all hits, and the query that refines by it."""

    value: str
    label: str
    count: int
    query: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result; `title_html` and `snippet_html` are escaped HTML with <mark> highlights."""

    url: str
    title: str
    title_html: str
    snippet_html: str
    date: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    author_names: tuple[str, ...]
    teams: tuple[str, ...]
    series: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of results with facet counts and spelling help."""

    query: str
    total: int
    page: int
    page_size: int
    sort: str
    hits: tuple[SearchHit, ...] = ()
    facets: Mapping[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    corrected_from: str | None = None

    @property
    def pages(self) -> int:
        """Return the number of result pages (bounded by MAX_PAGE)."""
        return min(MAX_PAGE, math.ceil(self.total / self.page_size)) if self.total else 0

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of /api/search."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "sort": self.sort,
            "suggestion": self.suggestion,
            "corrected_from": self.corrected_from,
            "hits": [
                {**asdict(hit), "tags": list(hit.tags), "authors": list(hit.authors)}
                for hit in self.hits
            ],
            "facets": {
                name: [asdict(value) for value in values] for name, values in self.facets.items()
            },
        }


@dataclass(frozen=True, slots=True)
class Expert:
    """A person ranked for a query, with the evidence.

    `posts` counts the matching posts they wrote or were credited on (`latest` is the
    newest, "" when none: declared expertise alone); `top_posts` are the three adding most;
    `declared` says whether declared expertise counted (not in the JSON: its keys are fixed).
    """

    slug: str
    name: str
    teams: tuple[str, ...]
    score: float
    posts: int
    latest: str
    top_posts: tuple[tuple[str, str], ...]
    declared: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of one /api/experts entry."""
        return {
            "slug": self.slug,
            "name": self.name,
            "teams": list(self.teams),
            "score": round(self.score, 4),
            "posts": self.posts,
            "latest": self.latest,
            "top_posts": [{"title": t, "url": u} for t, u in self.top_posts],
        }


@dataclass(frozen=True, slots=True)
class Match:
    """Which documents a query matches (a mask over docnums) and their scores."""

    mask: BoolArray
    scores: FloatArray


class OpenIndex:
    """One opened index generation: its arrays (memory.py), people facts, a Whoosh lock.

    Searching reads the in-memory arrays; only loading a term's postings or positions the
    first time and analyzing a query word the first time use Whoosh, under the lock (a
    Whoosh searcher is not thread-safe); the spelling vocabulary is read from beside the
    index on the first misspelled word.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix = index.open_dir(str(index_dir))
        self.generation: int = self._ix.latest_generation()
        self._searcher = self._ix.searcher()
        self._lock = threading.Lock()
        self._analyzer = self._ix.schema[s.TITLE].analyzer
        self._analyzed: dict[str, tuple[str, ...]] = {}
        self._stem = Stemmer()
        self._memory = MemoryIndex(self._searcher, self._lock)
        self._speller: Speller | None = None
        self.doc_count = self._memory.doc_count
        facts = read_people(index_dir)
        self._credits = facts.credits
        self.author_names: dict[str, str] = {}
        self.author_teams: dict[str, tuple[str, ...]] = {}
        for doc in self._memory.docs:
            if doc is None:
                continue
            for slug, name in zip(doc.authors, doc.author_names, strict=False):
                self.author_names.setdefault(slug, name)
            for slug in doc.authors:
                known = self.author_teams.get(slug, ())
                self.author_teams[slug] = known + tuple(t for t in doc.teams if t not in known)
        for slug, info in facts.people.items():
            self.author_names[slug] = info.name
            if info.team:
                self.author_teams[slug] = (info.team,)
        # Each person's declared topics as sets of index terms, for declared_strengths.
        self._declared = {
            slug: tuple(
                words for topic in info.expertise if (words := frozenset(self._terms(topic)))
            )
            for slug, info in facts.people.items()
        }

    def warm_from(self, previous: OpenIndex) -> None:
        """Load what `previous` (an older generation) had loaded: its recent terms, spelling."""
        self._memory.warm(previous._memory.recent_keys(WARM_TERMS))
        for text in list(previous._analyzed)[-WARM_TERMS:]:
            self._terms(text)
        if previous._speller is not None:
            self._spelling()

    def close(self) -> None:
        """Close the searcher (only once no request uses it)."""
        with self._lock:
            self._searcher.close()

    # -- matching --------------------------------------------------------------------

    def _terms(self, text: str) -> tuple[str, ...]:
        """Return the index terms of `text` (the schema's analyzer, query mode; cached)."""
        found = self._analyzed.get(text)
        if found is None:
            with self._lock:  # the analyzer's stemming cache is not thread-safe either
                found = tuple(token.text for token in self._analyzer(text, mode="query"))
            if len(self._analyzed) >= ANALYZED_WORDS:
                self._analyzed = {}
            self._analyzed[text] = found
        return found

    def _add(self, target: Match, postings: Postings, boost: float) -> None:
        target.scores[postings.ids] += boost * postings.scores
        target.mask[postings.ids] = True

    def _empty(self) -> Match:
        size = self._memory.size
        return Match(np.zeros(size, dtype=np.bool_), np.zeros(size, dtype=np.float64))

    def _word(self, word: str) -> Match | None:
        """Match one typed word in every text field (stemmed) and keyword field (as is)."""
        terms = self._terms(word)
        if not terms:
            return None  # a stop word
        found = self._empty()
        memory = self._memory
        for name, boost in s.TEXT_FIELDS.items():
            if len(terms) > 1:  # "e.g." or "node.js": the parts next to each other
                self._add(found, memory.phrase(name, terms), boost)
            else:
                self._add(found, memory.term(name, terms[0]), boost)
        for name, boost in s.KEYWORD_FIELDS.items():
            self._add(found, memory.term(name, word.lower()), boost)
        return found

    def _phrase(self, phrase: str) -> Match | None:
        terms = self._terms(phrase)
        if len(terms) == 1:
            return self._word(terms[0])
        if not terms:
            return None
        found = self._empty()
        for name, boost in s.TEXT_FIELDS.items():
            self._add(found, self._memory.phrase(name, terms), boost)
        return found

    def match(self, parsed: ParsedQuery) -> Match | None:
        """Return the documents a parsed query matches, or None when it asks for nothing.

        Every word, phrase and filter must match; a document's score is the sum of its
        words' and phrases' scores (a query of filters alone scores every match 1).
        """
        memory = self._memory
        scored = [
            m
            for m in (
                *(self._word(w) for w in parsed.words),
                *(self._phrase(p) for p in parsed.phrases),
            )
            if m is not None
        ]
        keywords = [(n, v) for n, v in parsed.filters if n not in DATE_FILTERS]
        dates = [_date_bounds(n, v) for n, v in parsed.filters if n in DATE_FILTERS]
        if not (scored or keywords or dates):
            return None
        mask = memory.live.copy()
        scores = np.zeros(memory.size, dtype=np.float64) if scored else memory.all_docs.copy()
        for found in scored:
            mask &= found.mask
            scores += found.scores
        for name, value in keywords:
            allowed = np.zeros(memory.size, dtype=np.bool_)
            allowed[memory.term(s.FILTER_FIELDS[name], value).ids] = True
            mask &= allowed
        if dates:
            start = max(low for low, _ in dates)
            end = min(high for _, high in dates)
            mask &= memory.date_mask(start, end)
        for word in parsed.excluded:
            unwanted = self._word(word)
            if unwanted is not None:
                mask &= ~unwanted.mask
        return Match(mask, scores)

    def _highlight_terms(self, parsed: ParsedQuery) -> frozenset[str]:
        terms: set[str] = set()
        for text in (*parsed.words, *parsed.phrases):
            terms.update(self._terms(text))
        return frozenset(terms)

    # -- searching -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Answer a search request (thread-safe)."""
        parsed = parse_query(request.q)
        results = self._search(parsed, request)
        if results.total or not parsed.words:
            return results
        corrected = self._corrected(parsed)
        if corrected is None:
            return results
        single = len(parsed.words) == 1 and not (parsed.phrases or parsed.filters)
        if single and not request.exact:
            retry = self._search(corrected, request)
            if retry.total:
                return _replace(retry, corrected_from=parsed.text)
        return _replace(results, suggestion=corrected.text)

    def _search(self, parsed: ParsedQuery, request: SearchRequest) -> SearchResults:
        found = self.match(parsed)
        if found is None:
            return SearchResults(parsed.text, 0, request.page, request.page_size, request.sort)
        total = int(np.count_nonzero(found.mask))
        start = (request.page - 1) * request.page_size
        hits: list[SearchHit] = []
        if start < total:
            order = self._memory.ordered(
                found.mask, found.scores, start + request.page_size, request.sort == "date"
            )
            terms = self._highlight_terms(parsed)
            page = order[start:]
            holds = self._holding(page, terms)
            for index, docnum in enumerate(page):
                doc = self._memory.docs[docnum]
                if doc is not None:
                    fields = {name for name, flags in holds.items() if flags[index]}
                    hits.append(self._hit(doc, float(found.scores[docnum]), terms, fields))
        return SearchResults(
            query=parsed.text,
            total=total,
            page=request.page,
            page_size=request.page_size,
            sort=request.sort,
            hits=tuple(hits),
            facets=self._facet_counts(found.mask, parsed) if total else _no_facets(),
        )

    def _holding(self, docnums: Sequence[int], terms: frozenset[str]) -> dict[str, BoolArray]:
        """For title, summary and body: which of `docnums` hold one of `terms` (postings)."""
        page = np.asarray(docnums, dtype=np.int64)
        holds: dict[str, BoolArray] = {}
        for name in (s.TITLE, s.SUMMARY, s.BODY):
            flags = np.zeros(len(page), dtype=np.bool_)
            for term in terms:
                ids = self._memory.term(name, term).ids  # sorted: np.isin costs 10x more
                if len(ids):
                    where = np.minimum(np.searchsorted(ids, page), len(ids) - 1)
                    flags |= ids[where] == page
            holds[name] = flags
        return holds

    def _hit(
        self, doc: StoredDoc, score: float, terms: frozenset[str], fields: set[str]
    ) -> SearchHit:
        # Postings say which texts hold a query word: the others are not tokenized at all.
        seen: dict[str, int] = {}  # one <mark> class number per word across title and snippet
        title_html = ""
        if s.TITLE in fields:
            title_html = highlight_whole(doc.title, terms, self._stem, seen)
        snippet = ""
        if s.SUMMARY in fields:
            snippet = highlight_fragments(doc.summary[:HIGHLIGHT_CHARS], terms, self._stem, seen)
        if not snippet and s.BODY in fields:
            snippet = highlight_fragments(doc.excerpt[:HIGHLIGHT_CHARS], terms, self._stem, seen)
        return SearchHit(
            url=doc.url,
            title=doc.title,
            title_html=title_html or _escape(doc.title),
            snippet_html=snippet or _escape(doc.summary[:300]),
            date=doc.date.date().isoformat() if doc.date else "",
            tags=doc.tags,
            authors=doc.authors,
            author_names=doc.author_names,
            teams=doc.teams,
            series=doc.series,
            score=round(score, 4),
        )

    def _facet_counts(
        self, mask: BoolArray, parsed: ParsedQuery
    ) -> dict[str, tuple[FacetValue, ...]]:
        memory = self._memory
        active = set(parsed.filters)
        text = parsed.text
        facets: dict[str, tuple[FacetValue, ...]] = {}
        for name, facet in (
            ("tag", memory.tags),
            ("author", memory.authors),
            ("team", memory.teams),
            ("year", memory.years),
        ):
            top = sorted(facet.counts(mask), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
            if name == "year":
                top.sort(key=lambda item: item[0], reverse=True)
            facets[name] = tuple(
                FacetValue(
                    value=value,
                    label=self.author_names.get(value, value) if name == "author" else value,
                    count=count,
                    query=refine(parsed, name, value, text),
                )
                for value, count in top
                if (name, value) not in active
            )
        return facets

    def _corrected(self, parsed: ParsedQuery) -> ParsedQuery | None:
        speller = self._spelling()
        words: list[str] = []
        changed = False
        for word in parsed.words:
            lower = word.lower()
            if len(lower) < 3 or speller.known(lower):
                words.append(word)
                continue
            suggestion = speller.suggest(lower, 1 if len(lower) < 6 else 2)
            if suggestion:
                words.append(suggestion)
                changed = True
            else:
                words.append(word)
        if not changed:
            return None
        return ParsedQuery(tuple(words), parsed.phrases, parsed.excluded, parsed.filters)

    def _spelling(self) -> Speller:
        """Return the vocabulary for suggestions, read from beside the index on first use."""
        speller = self._speller
        if speller is None:
            with self._lock:
                speller = self._speller
                if speller is None:
                    speller = Speller(read_vocabulary(self.index_dir))
                    self._speller = speller
        return speller

    # -- people ----------------------------------------------------------------------

    def experts(self, q: str, *, now: datetime, limit: int = 10) -> list[Expert]:
        """Rank people for a free-text query with the people plugin's score (thread-safe).

        The best EXPERT_HITS matching posts each count with their relevance (score over
        the best score) as match strength; declared expertise counts for the share of the
        query's words (and tag: filters) it covers. See plugins/people/experts.py.
        """
        parsed = parse_query(q)
        found = self.match(parsed)
        memory = self._memory
        matches: list[PostMatch] = []
        if found is not None:
            order = memory.ordered(found.mask, found.scores, EXPERT_HITS, by_date=False)
            best = max((float(found.scores[d]) for d in order), default=0.0) or 1.0
            for docnum in order:
                doc = memory.docs[docnum]
                if doc is None:
                    continue
                evidence = PostEvidence(
                    topics=frozenset(topic_key(tag) for tag in doc.tags),
                    date=doc.date or datetime(1970, 1, 1),
                    authors=doc.authors,
                    contributors=self._credits.get(doc.path, ()),
                    key=str(docnum),
                )
                matches.append(PostMatch(evidence, float(found.scores[docnum]) / best))
        words = set(self._highlight_terms(parsed))
        for name, value in parsed.filters:
            if name == "tag":
                words.update(self._terms(value))
        declared = declared_strengths(words, self._declared)
        ranked = score_people(matches, declared, now, limit)
        experts: list[Expert] = []
        for person in ranked:
            top_docs = [memory.docs[int(key)] for key in person.best]
            experts.append(
                Expert(
                    slug=person.slug,
                    name=self.author_names.get(person.slug, person.slug),
                    teams=self.author_teams.get(person.slug, ()),
                    score=person.score,
                    posts=person.posts,
                    latest=person.latest.date().isoformat() if person.latest else "",
                    top_posts=tuple((d.title, d.url) for d in top_docs if d is not None),
                    declared=person.declared,
                )
            )
        return experts


def _no_facets() -> dict[str, tuple[FacetValue, ...]]:
    return dict.fromkeys(("tag", "author", "team", "year"), ())


def _date_bounds(name: str, value: str) -> tuple[datetime, datetime]:
    """Return the [start, end) datetimes a date filter allows."""
    if name == "after":
        return datetime.fromisoformat(value), datetime.max
    if name == "before":
        return datetime.min, datetime.fromisoformat(value)
    year = max(int(value), 1)  # year:0000 is year 1; year:9999 runs to the end of time
    return datetime(year, 1, 1), datetime(year + 1, 1, 1) if year < 9999 else datetime.max


def refine(parsed: ParsedQuery, name: str, value: str, text: str | None = None) -> str:
    """Return the query string narrowed by one facet value (`text`: parsed.text, if known)."""
    text = parsed.text if text is None else text
    if (name, value) in parsed.filters:
        return text
    # A filter goes last in ParsedQuery.text, so appending it gives the same string.
    added = f"{name}:{quote_value(value)}"
    return f"{text} {added}" if text else added


def _replace(results: SearchResults, **changes: Any) -> SearchResults:
    return replace(results, **changes)


def _escape(text: str) -> str:
    return escape(text, quote=False)
