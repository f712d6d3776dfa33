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

`OpenIndex` wraps one opened index generation. A Whoosh searcher is not thread-safe
(its matchers share one file position), so every search holds the instance's lock.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from whoosh import highlight, index
from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from plugins.search_index import schema as s

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
# Half-life of a post's weight in expert ranking, in days.
EXPERT_HALF_LIFE_DAYS = 365.0

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
    """An author ranked for a query, with the evidence."""

    slug: str
    name: str
    teams: tuple[str, ...]
    score: float
    posts: int
    latest: str
    top_posts: tuple[tuple[str, str], ...]

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
class ExpertEvidence:
    """One matching post as seen by expert ranking."""

    authors: tuple[str, ...]
    relevance: float
    when: datetime
    title: str
    url: str


def rank_experts(
    evidence: Iterable[ExpertEvidence],
    *,
    now: datetime,
    names: Mapping[str, str],
    teams: Mapping[str, tuple[str, ...]],
    limit: int = 10,
) -> list[Expert]:
    """Rank authors by the posts that match a query.

    Each matching post adds relevance × freshness to each of its authors, where relevance
    is the hit's score over the best hit's score (0..1] and freshness is
    0.5 + 0.5 × 2^(-age / EXPERT_HALF_LIFE_DAYS): an old post still counts half.
    This is the seam where the people plugin's own ranking can replace this one.
    """
    totals: dict[str, float] = {}
    counts: Counter[str] = Counter()
    latest: dict[str, datetime] = {}
    best: dict[str, list[tuple[float, str, str]]] = {}
    for item in evidence:
        age_days = max(0.0, (now - item.when).total_seconds() / 86400)
        weight = item.relevance * (0.5 + 0.5 * 2 ** (-age_days / EXPERT_HALF_LIFE_DAYS))
        for slug in item.authors:
            totals[slug] = totals.get(slug, 0.0) + weight
            counts[slug] += 1
            latest[slug] = max(latest.get(slug, item.when), item.when)
            best.setdefault(slug, []).append((-weight, item.title, item.url))
    ranked = sorted(totals, key=lambda slug: (-totals[slug], slug))[:limit]
    return [
        Expert(
            slug=slug,
            name=names.get(slug, slug),
            teams=teams.get(slug, ()),
            score=totals[slug],
            posts=counts[slug],
            latest=latest[slug].date().isoformat(),
            top_posts=tuple((t, u) for _, t, u in sorted(best[slug])[:3]),
        )
        for slug in ranked
    ]


@dataclass(frozen=True, slots=True)
class _DocFacets:
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    teams: tuple[str, ...]
    year: str
    when: datetime | None


def _split(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(v for v in str(value).split(s.SEPARATOR) if v)


class OpenIndex:
    """One opened index generation: a searcher, per-document facet values, a lock."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix = index.open_dir(str(index_dir))
        self.generation: int = self._ix.latest_generation()
        self._searcher = self._ix.searcher()
        self._lock = threading.Lock()
        self._analyzer = self._ix.schema[s.TITLE].analyzer
        # Facets are counted over these per-document values; Whoosh's groupedby on a
        # multi-valued field rebuilds them from postings on every search.
        self._facets: dict[int, _DocFacets] = {}
        self.author_names: dict[str, str] = {}
        self.author_teams: dict[str, tuple[str, ...]] = {}
        self.tag_labels: dict[str, str] = {}
        reader = self._searcher.reader()
        for docnum, stored in reader.iter_docs():
            authors = _split(stored.get(s.AUTHORS))
            teams = _split(stored.get(s.TEAM))
            when = stored.get(s.DATE)
            self._facets[docnum] = _DocFacets(
                tags=_split(stored.get(s.TAGS)),
                authors=authors,
                teams=teams,
                year=str(when.year) if when else "",
                when=when,
            )
            for slug, name in zip(authors, stored.get(s.AUTHOR_NAMES) or (), strict=False):
                self.author_names.setdefault(slug, str(name))
            for slug in authors:
                known = self.author_teams.get(slug, ())
                self.author_teams[slug] = known + tuple(t for t in teams if t not in known)
        self.doc_count = len(self._facets)

    def close(self) -> None:
        """Close the searcher (only once no request uses it)."""
        with self._lock:
            self._searcher.close()

    # -- building queries ------------------------------------------------------------

    def _terms(self, text: str) -> list[str]:
        return [token.text for token in self._analyzer(text, mode="query")]

    def _word_query(self, word: str) -> wq.Query | None:
        terms = self._terms(word)
        keyword = [
            wq.Term(name, word.lower(), boost=boost) for name, boost in s.KEYWORD_FIELDS.items()
        ]
        if not terms:
            return None  # a stop word
        if len(terms) > 1:  # "e.g." or "node.js": the parts next to each other
            return _or([*self._phrase_queries(terms), *keyword])
        return _or(
            [wq.Term(name, terms[0], boost=boost) for name, boost in s.TEXT_FIELDS.items()]
            + keyword
        )

    def _phrase_queries(self, terms: list[str]) -> list[wq.Query]:
        return [wq.Phrase(name, terms, boost=boost) for name, boost in s.TEXT_FIELDS.items()]

    def build_query(self, parsed: ParsedQuery) -> wq.Query | None:
        """Return the Whoosh query for a parsed query, or None when it asks for nothing."""
        clauses: list[wq.Query] = []
        for word in parsed.words:
            clause = self._word_query(word)
            if clause is not None:
                clauses.append(clause)
        for phrase in parsed.phrases:
            terms = self._terms(phrase)
            if len(terms) == 1:
                clause = self._word_query(terms[0])
                if clause is not None:
                    clauses.append(clause)
            elif terms:
                clauses.append(_or(self._phrase_queries(terms)))
        for name, value in parsed.filters:
            if name not in DATE_FILTERS:
                clauses.append(_filter_query(name, value))
        if not clauses and any(name in DATE_FILTERS for name, _ in parsed.filters):
            clauses.append(wq.Every())
        if not clauses:
            return None
        combined: wq.Query = clauses[0] if len(clauses) == 1 else wq.And(clauses)
        excluded = [c for c in (self._word_query(w) for w in parsed.excluded) if c is not None]
        if excluded:
            combined = wq.AndNot(combined, _or(excluded))
        return combined

    # -- searching -------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Answer a search request (thread-safe)."""
        parsed = parse_query(request.q)
        with self._lock:
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
        query = self.build_query(parsed)
        if query is None:
            return SearchResults(parsed.text, 0, request.page, request.page_size, request.sort)
        allowed = self._date_mask(parsed)
        docnums = [
            d for d in self._searcher.docs_for_query(query) if allowed is None or d in allowed
        ]
        total = len(docnums)
        facets = self._facet_counts(docnums, parsed)
        start = (request.page - 1) * request.page_size
        hits: list[SearchHit] = []
        if start < total:
            limit = start + request.page_size
            if request.sort == "date":
                found = self._searcher.search(
                    query, limit=limit, sortedby=s.DATE, reverse=True, filter=allowed
                )
            else:
                found = self._searcher.search(query, limit=limit, filter=allowed)
            terms = {
                text for fieldname, text in query.iter_all_terms() if fieldname in s.TEXT_FIELDS
            }
            # Index, never list(found): that counts every match a second time.
            for rank in range(start, min(limit, found.scored_length())):
                hit = found[rank]
                hits.append(self._hit(hit.fields(), hit.score or 0.0, terms))
        return SearchResults(
            query=parsed.text,
            total=total,
            page=request.page,
            page_size=request.page_size,
            sort=request.sort,
            hits=tuple(hits),
            facets=facets,
        )

    def _date_mask(self, parsed: ParsedQuery) -> set[int] | None:
        """Return the documents the date filters allow (None: no date filter).

        Whoosh's DateRange walks numeric trie terms (about 9 ms here); a scan of the
        per-document dates held in memory is cheaper.
        """
        bounds = [
            _date_bounds(name, value) for name, value in parsed.filters if name in DATE_FILTERS
        ]
        if not bounds:
            return None
        start = max(low for low, _ in bounds)
        end = min(high for _, high in bounds)
        return {
            docnum
            for docnum, values in self._facets.items()
            if values.when is not None and start <= values.when < end
        }

    def _hit(self, stored: Mapping[str, Any], score: float, terms: set[str]) -> SearchHit:
        title = str(stored.get(s.TITLE, ""))
        summary = str(stored.get(s.SUMMARY, ""))
        formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        title_html = self._highlight(title, terms, highlight.WholeFragmenter(), formatter, 1)
        snippet = self._highlight(
            summary, terms, highlight.ContextFragmenter(maxchars=240, surround=80), formatter, 2
        ) or self._highlight(
            str(stored.get(s.EXCERPT, "")),
            terms,
            highlight.ContextFragmenter(maxchars=240, surround=80),
            formatter,
            2,
        )
        when = stored.get(s.DATE)
        return SearchHit(
            url=str(stored.get(s.URL, "")),
            title=title,
            title_html=title_html or _escape(title),
            snippet_html=snippet or _escape(summary[:300]),
            date=when.date().isoformat() if when else "",
            tags=_split(stored.get(s.TAGS)),
            authors=_split(stored.get(s.AUTHORS)),
            author_names=tuple(str(n) for n in stored.get(s.AUTHOR_NAMES) or ()),
            teams=_split(stored.get(s.TEAM)),
            series=str(stored.get(s.SERIES, "")),
            score=round(float(score), 4),
        )

    def _highlight(
        self,
        text: str,
        terms: set[str],
        fragmenter: highlight.Fragmenter,
        formatter: highlight.HtmlFormatter,
        top: int,
    ) -> str:
        if not text or not terms:
            return ""
        # Analysis is the cost of highlighting: look at the start of long texts only.
        text = text[:HIGHLIGHT_CHARS]
        return str(highlight.highlight(text, terms, self._analyzer, fragmenter, formatter, top))

    def _facet_counts(
        self, docnums: Sequence[int], parsed: ParsedQuery
    ) -> dict[str, tuple[FacetValue, ...]]:
        counters: dict[str, Counter[str]] = {n: Counter() for n in ("tag", "author", "team")}
        years: Counter[str] = Counter()
        for docnum in docnums:
            values = self._facets.get(docnum)
            if values is None:
                continue
            counters["tag"].update(values.tags)
            counters["author"].update(values.authors)
            counters["team"].update(values.teams)
            if values.year:
                years[values.year] += 1
        counters["year"] = years
        active = set(parsed.filters)
        facets: dict[str, tuple[FacetValue, ...]] = {}
        for name, counter in counters.items():
            top = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
            if name == "year":
                top.sort(key=lambda item: item[0], reverse=True)
            facets[name] = tuple(
                FacetValue(
                    value=value,
                    label=self.author_names.get(value, value) if name == "author" else value,
                    count=count,
                    query=refine(parsed, name, value),
                )
                for value, count in top
                if (name, value) not in active
            )
        return facets

    def _corrected(self, parsed: ParsedQuery) -> ParsedQuery | None:
        reader = self._searcher.reader()
        corrector = self._searcher.corrector(s.SPELL)
        words: list[str] = []
        changed = False
        for word in parsed.words:
            lower = word.lower()
            if len(lower) < 3 or (s.SPELL, lower) in reader:
                words.append(word)
                continue
            suggestions = corrector.suggest(lower, limit=1, maxdist=1 if len(lower) < 6 else 2)
            if suggestions:
                words.append(str(suggestions[0]))
                changed = True
            else:
                words.append(word)
        if not changed:
            return None
        return ParsedQuery(tuple(words), parsed.phrases, parsed.excluded, parsed.filters)

    def experts(self, q: str, *, now: datetime, limit: int = 10) -> list[Expert]:
        """Rank the authors of the posts matching `q` (thread-safe)."""
        parsed = parse_query(q)
        with self._lock:
            query = self.build_query(parsed)
            if query is None:
                return []
            found = self._searcher.search(query, limit=EXPERT_HITS, filter=self._date_mask(parsed))
            top = max((hit.score or 0.0 for hit in found), default=0.0) or 1.0
            evidence = [
                ExpertEvidence(
                    authors=_split(hit[s.AUTHORS]) if s.AUTHORS in hit else (),
                    relevance=(hit.score or 0.0) / top,
                    when=hit[s.DATE],
                    title=str(hit[s.TITLE]),
                    url=str(hit[s.URL]),
                )
                for hit in found
            ]
        return rank_experts(
            evidence, now=now, names=self.author_names, teams=self.author_teams, limit=limit
        )


def _or(subqueries: list[wq.Query]) -> wq.Query:
    # A plain union of matchers: Whoosh's automatic choice for indexes under 5,000
    # documents preloads every posting into arrays, which cost 4 ms per word here.
    return DefaultOr(subqueries)


def _date_bounds(name: str, value: str) -> tuple[datetime, datetime]:
    """Return the [start, end) datetimes a date filter allows."""
    if name == "after":
        return datetime.fromisoformat(value), datetime.max
    if name == "before":
        return datetime.min, datetime.fromisoformat(value)
    year = int(value)
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def _filter_query(name: str, value: str) -> wq.Query:
    return wq.Term(s.FILTER_FIELDS[name], value)


def refine(parsed: ParsedQuery, name: str, value: str) -> str:
    """Return the query string narrowed by one facet value."""
    if (name, value) in parsed.filters:
        return parsed.text
    return ParsedQuery(
        parsed.words, parsed.phrases, parsed.excluded, (*parsed.filters, (name, value))
    ).text


def _replace(results: SearchResults, **changes: Any) -> SearchResults:
    from dataclasses import replace

    return replace(results, **changes)


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=False)
