"""The search service's in-memory engine agrees with Whoosh; snippets; spelling suggestions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import index
from whoosh import query as wq

from plugins.search_index import schema as s
from plugins.search_index.query import OpenIndex, SearchRequest, parse_query
from plugins.search_index.snippets import Stemmer, highlight_fragments, highlight_whole
from plugins.search_index.spelling import Speller, distance
from plugins.search_index.writer import update_index
from tests.test_search_index import source

WORDS = ["cluster", "latency", "replica", "schema", "migration", "deploy", "cache", "queue"]
WORDS += ["token", "trace", "alert"]


def corpus(count: int, seed: int = 3) -> list:  # type: ignore[type-arg]
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        docs.append(
            source(
                f"p{n}.md",
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                f"<h2>{rng.choice(WORDS)} notes</h2><p>{body}</p>",
                tags=tuple(sorted({rng.choice(WORDS), rng.choice(["ops", "db"])})),
                summary=f"<p>{' '.join(rng.choice(WORDS) for _ in range(8))}</p>",
                date=f"20{20 + n % 6}-0{1 + n % 9}-1{n % 9}",
            )
        )
    return docs


def whoosh_scores(index_dir: Path, query: wq.Query) -> dict[int, float]:
    ix = index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        return dict(searcher.search(query, limit=None).items())


def word_query(term: str, word: str) -> wq.Query:
    return wq.Or(
        [wq.Term(name, term, boost=boost) for name, boost in s.TEXT_FIELDS.items()]
        + [wq.Term(name, word, boost=boost) for name, boost in s.KEYWORD_FIELDS.items()]
    )


@pytest.fixture(scope="module")
def multi_segment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of two segments with deleted and replaced documents."""
    folder = tmp_path_factory.mktemp("ix") / "ix"
    docs = corpus(60)
    update_index(folder, docs)
    changed = [*docs[:40], *corpus(60, seed=9)[40:50]]  # 10 replaced, 10 removed
    changed = [source(d.path, d.title, d.content_html, version="2") if i >= 40 else d
               for i, d in enumerate(changed)]  # fmt: skip
    report = update_index(folder, changed)
    assert (report.updated, report.deleted) == (10, 10)
    return folder


def test_word_scores_are_whooshs_bm25f_scores(multi_segment: Path) -> None:
    opened = OpenIndex(multi_segment)
    for word in ("latency", "migrations", "ops", "cache"):
        term = opened._terms(word)[0]
        expected = whoosh_scores(multi_segment, word_query(term, word))
        found = opened.match(parse_query(word))
        assert found is not None
        got = {int(d): float(found.scores[d]) for d in found.mask.nonzero()[0]}
        assert got.keys() == expected.keys(), word
        for docnum, score in expected.items():
            assert got[docnum] == pytest.approx(score, rel=1e-5), (word, docnum)


def test_phrases_match_like_whoosh(multi_segment: Path) -> None:
    opened = OpenIndex(multi_segment)
    for phrase in ("latency replica", "cache queue token", "schema notes"):
        terms = list(opened._terms(phrase))
        expected = whoosh_scores(
            multi_segment,
            wq.Or([wq.Phrase(name, terms, boost=b) for name, b in s.TEXT_FIELDS.items()]),
        )
        found = opened.match(parse_query(f'"{phrase}"'))
        assert found is not None
        got = {int(d): float(found.scores[d]) for d in found.mask.nonzero()[0]}
        assert got.keys() == expected.keys(), phrase
        for docnum, score in expected.items():
            assert got[docnum] == pytest.approx(score, rel=1e-5), (phrase, docnum)


def test_deleted_and_replaced_documents_are_gone(multi_segment: Path) -> None:
    opened = OpenIndex(multi_segment)
    assert opened.doc_count == 50
    every = opened.search(SearchRequest(q="tag:ops", page_size=50))
    urls = [h.url for h in every.hits]
    assert len(urls) == len(set(urls)) == every.total
    assert not {f"posts/p{n}/" for n in range(50, 60)} & set(urls)
    by_date = opened.search(SearchRequest(q="tag:db", sort="date", page_size=50))
    dates = [h.date for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)
    years = sum(f.count for f in opened.search(SearchRequest(q="after:2000")).facets["year"])
    assert years == opened.search(SearchRequest(q="after:2000")).total == 50


def test_filters_exclusions_and_dates_combine(multi_segment: Path) -> None:
    opened = OpenIndex(multi_segment)
    base = opened.search(SearchRequest(q="latency", page_size=50))
    narrowed = opened.search(SearchRequest(q="latency -db after:2023 tag:ops", page_size=50))
    assert 0 < narrowed.total < base.total
    for hit in narrowed.hits:
        assert hit.date >= "2023" and "ops" in hit.tags and "db" not in hit.tags


def test_snippets_mark_stemmed_words_and_escape_everything() -> None:
    stem = Stemmer()
    seen: dict[str, int] = {}
    title = highlight_whole("Migrating <Postgres> & migrations", {"migrat", "postgr"}, stem, seen)
    assert title == (
        '<mark class="match term0">Migrating</mark> &lt;<mark class="match term1">Postgres'
        '</mark>&gt; &amp; <mark class="match term2">migrations</mark>'
    )
    long_text = ("filler words " * 40) + "the kestrel flies. " + ("more filler " * 40) + "kestrel"
    snippet = highlight_fragments(long_text, {"kestrel"}, stem, {})
    assert snippet.count("<mark") == 2 and " … " in snippet
    assert len(snippet) < 700
    assert highlight_fragments("nothing here", {"kestrel"}, stem, {}) == ""


def test_spelling_suggests_the_closest_then_most_frequent_word() -> None:
    speller = Speller([("kestrel", 3), ("kernel", 9), ("migration", 5), ("migrations", 2)])
    assert speller.known("kestrel") and not speller.known("kestral")
    assert speller.suggest("kestral", 1) == "kestrel"
    assert speller.suggest("migratons", 2) == "migrations"
    assert speller.suggest("zzz", 2) is None
    assert distance("ab", "ba", 2) == 1  # a transposition is one edit
    assert distance("kitten", "sitting", 5) == 3
    assert distance("kitten", "sitting", 1) == 2  # more than the limit: limit + 1


def test_a_new_generation_is_warmed_with_what_the_old_one_loaded(multi_segment: Path) -> None:
    old = OpenIndex(multi_segment)
    old.search(SearchRequest(q='latency "cache queue"'))
    old.search(SearchRequest(q="latencyy"))  # a correction: the vocabulary is read
    fresh = OpenIndex(multi_segment)
    fresh.warm_from(old)
    loaded = set(fresh._memory.recent_keys(1000))
    assert ("body", "latenc") in loaded and ("positions body", "queue") in loaded
    assert fresh._speller is not None and fresh._speller.known("latency")
    assert (
        fresh.search(SearchRequest(q="latency")).total
        == old.search(SearchRequest(q="latency")).total
    )
