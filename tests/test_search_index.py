"""plugins.search_index: query parsing, documents, the incremental writer, related posts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from plugins._shared.problems import SettingsError
from plugins.search_index import schema
from plugins.search_index.config import SearchIndexSettings
from plugins.search_index.documents import DocumentSource, html_to_text
from plugins.search_index.query import (
    OpenIndex,
    ParsedQuery,
    QueryError,
    SearchRequest,
    parse_query,
)
from plugins.search_index.related import RelatedInput, related_posts
from plugins.search_index.spelling import DOCUMENT_WORDS_FILE
from plugins.search_index.writer import STATE_FILE, update_documents, update_index


def source(
    path: str,
    title: str,
    body: str = "",
    *,
    tags: tuple[str, ...] = ("testing",),
    authors: tuple[str, ...] = ("ana-lopez",),
    teams: tuple[str, ...] = ("storage",),
    summary: str = "",
    date: str = "2026-03-04",
    version: str = "1",
) -> DocumentSource:
    return DocumentSource(
        path=path,
        url=f"posts/{path.removesuffix('.md')}/",
        title=title,
        summary_html=summary,
        content_html=body,
        tags=tags,
        authors=authors,
        author_names=tuple(a.replace("-", " ").title() for a in authors),
        teams=teams,
        series="",
        date=datetime.fromisoformat(date),
        content_hash=f"{path}-{version}",
    )


# -- query language ---------------------------------------------------------------------


def test_parse_words_phrases_exclusions_and_filters() -> None:
    parsed = parse_query('postgres "zero downtime" -mysql tag:"Machine Learning" author:Ana-Lopez')
    assert parsed.words == ("postgres",)
    assert parsed.phrases == ("zero downtime",)
    assert parsed.excluded == ("mysql",)
    assert parsed.filters == (("tag", "machine learning"), ("author", "ana-lopez"))
    assert parsed.text == 'postgres "zero downtime" -mysql tag:"machine learning" author:ana-lopez'


def test_parse_dates_and_unknown_prefixes() -> None:
    parsed = parse_query("after:2026-03 before:2027 year:2026 error:timeout")
    assert parsed.filters == (
        ("after", "2026-03-01"),
        ("before", "2027-01-01"),
        ("year", "2026"),
    )
    assert parsed.words == ("error", "timeout")  # not a filter: plain words


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed phrase', "quote is not closed"),
        ("after:2026-13-01", "after: wants a date"),
        ("before:soon", "before: wants a date"),
        ("tag:", "tag: needs a value"),
        ("year:26", "year: wants a year"),
        ("x" * 201, "too long"),
        (" ".join(f"w{n}" for n in range(17)), "too many parts"),
    ],
)
def test_malformed_queries_raise_query_error(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": ["0"]}, "page must be"),
        ({"page": ["101"]}, "page must be"),
        ({"page": ["-1"]}, "page must be"),
        ({"size": ["51"]}, "size must be"),
        ({"size": ["ten"]}, "size must be"),
        ({"sort": ["random"]}, "sort must be"),
    ],
)
def test_request_parameters_are_bounded(params: dict[str, list[str]], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        SearchRequest.from_params({"q": ["x"], **params})


def test_empty_query_is_empty() -> None:
    assert parse_query("   ").empty
    assert ParsedQuery(filters=(("tag", "x"),)).empty is False


# -- documents --------------------------------------------------------------------------


def test_html_to_text_keeps_code_and_collects_headings() -> None:
    html = (
        "<h2>Setup</h2>\n<p>Run <code>make serve</code>.</p>\n"
        '<div class="highlight"><pre><span></span><code><span class="n">kubectl</span>'
        '<span class="w"> </span><span class="n">apply</span>\n</code></pre></div>'
    )
    body, headings = html_to_text(html)
    assert headings == "Setup"
    assert "make serve" in body and "kubectl apply" in body


# -- writer -----------------------------------------------------------------------------


def search_paths(index_dir: Path, q: str) -> list[str]:
    results = OpenIndex(index_dir).search(SearchRequest(q=q, exact=True))
    return [hit.url for hit in results.hits]


def test_incremental_update_adds_skips_replaces_and_deletes(tmp_path: Path) -> None:
    index_dir = tmp_path / "search-index"
    first = [
        source("a.md", "Alpha", "<p>Kestrel cluster</p>"),
        source("b.md", "Beta", "<p>Marlin broker</p>"),
        source("c.md", "Gamma", "<p>Osprey certificates</p>"),
    ]
    report = update_index(index_dir, first)
    assert (report.rebuilt, report.added, report.documents) == (True, 3, 3)

    report = update_index(index_dir, first)
    assert (report.rebuilt, report.unchanged, report.added, report.updated) == (False, 3, 0, 0)

    changed = replace(first[0], content_html="<p>Sandpiper backfills</p>", content_hash="a-2")
    added = source("d.md", "Delta", "<p>Tanuki audit</p>")
    report = update_index(index_dir, [changed, first[1], added])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 1, 1, 1)
    assert search_paths(index_dir, "sandpiper") == ["posts/a/"]
    assert search_paths(index_dir, "kestrel") == []
    assert search_paths(index_dir, "osprey") == []
    assert search_paths(index_dir, "tanuki") == ["posts/d/"]
    assert OpenIndex(index_dir).doc_count == 3


def test_a_partial_update_replaces_only_the_given_posts(tmp_path: Path) -> None:
    index_dir = tmp_path / "search-index"
    assert update_documents(index_dir, [source("a.md", "Alpha")]) is None  # no index yet
    first = [source("a.md", "Alpha", "<p>Kestrel</p>"), source("b.md", "Beta", "<p>Marlin</p>")]
    update_index(index_dir, first)
    changed = replace(first[0], content_html="<p>Sandpiper</p>", content_hash="a-2")
    report = update_documents(index_dir, [changed])
    assert report is not None
    assert (report.updated, report.deleted, report.unchanged, report.documents) == (1, 0, 1, 2)
    assert search_paths(index_dir, "sandpiper") == ["posts/a/"]
    assert search_paths(index_dir, "kestrel") == []
    assert search_paths(index_dir, "marlin") == ["posts/b/"]  # not given, not deleted
    hashes = json.loads((index_dir / STATE_FILE).read_text(encoding="utf-8"))["hashes"]
    assert hashes == {"a.md": "a-2", "b.md": first[1].content_hash}
    # The same state as a full update to the same posts.
    full = tmp_path / "full"
    update_index(full, first)
    update_index(full, [changed, first[1]])
    assert json.loads((full / STATE_FILE).read_text(encoding="utf-8"))["hashes"] == hashes
    (index_dir / DOCUMENT_WORDS_FILE).unlink()  # the spelling vocabulary's per-post words
    assert update_documents(index_dir, [changed]) is None  # only a rebuild can tell


def test_schema_version_change_forces_a_full_rebuild(tmp_path: Path) -> None:
    index_dir = tmp_path / "search-index"
    update_index(index_dir, [source("a.md", "Alpha", "<p>Kestrel</p>")])
    state = json.loads((index_dir / STATE_FILE).read_text(encoding="utf-8"))
    state["schema_version"] = schema.SCHEMA_VERSION - 1
    (index_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    report = update_index(index_dir, [source("a.md", "Alpha", "<p>Kestrel</p>")])
    assert report.rebuilt and report.added == 1


def test_stale_state_file_falls_back_to_the_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "search-index"
    update_index(index_dir, [source("a.md", "Alpha"), source("b.md", "Beta")])
    (index_dir / STATE_FILE).write_text(
        json.dumps({"schema_version": schema.SCHEMA_VERSION, "generation": 99, "hashes": {}}),
        encoding="utf-8",
    )
    report = update_index(index_dir, [source("a.md", "Alpha")])
    assert (report.unchanged, report.deleted) == (1, 1)


def test_full_rebuild_indexes_every_document(tmp_path: Path) -> None:
    docs = [source(f"p{n}.md", f"Post {n}", f"<p>word{n} common</p>") for n in range(450)]
    report = update_index(tmp_path / "ix", docs)
    assert report.added == 450
    index = OpenIndex(tmp_path / "ix")
    assert index.doc_count == 450
    assert index.search(SearchRequest(q="word449")).hits[0].url == "posts/p449/"


# -- searching --------------------------------------------------------------------------


@pytest.fixture
def small_index(tmp_path: Path) -> OpenIndex:
    docs = [
        source(
            "pg.md",
            "Zero-downtime Postgres migrations",
            "<h2>Backfills</h2><p>Batches keep locks short on Kestrel.</p>",
            tags=("postgres", "migrations"),
            authors=("ana-lopez", "bo-chen"),
            summary="<p>How we change <b>schemas</b> &lt;script&gt;alert(1)&lt;/script&gt;</p>",
            date="2026-03-04",
        ),
        source(
            "k8s.md",
            "Kubernetes cost dashboard",
            "<p>Requests versus usage: Puffin shows what pods cost.</p>",
            tags=("kubernetes",),
            authors=("oyvind-hansen",),
            teams=("platform",),
            date="2025-06-01",
        ),
        source(
            "old.md",
            "Postgres replication",
            "<p>Streaming replication and postgres failover.</p>",
            tags=("postgres",),
            authors=("bo-chen",),
            date="2024-01-10",
        ),
    ]
    update_index(tmp_path / "ix", docs)
    return OpenIndex(tmp_path / "ix")


def test_search_ranks_filters_and_facets(small_index: OpenIndex) -> None:
    results = small_index.search(SearchRequest(q="postgres"))
    assert results.total == 2
    assert {h.url for h in results.hits} == {"posts/pg/", "posts/old/"}
    facets = {name: {(f.value, f.count) for f in values} for name, values in results.facets.items()}
    assert facets["tag"] == {("postgres", 2), ("migrations", 1)}
    assert facets["author"] == {("ana-lopez", 1), ("bo-chen", 2)}
    assert facets["year"] == {("2026", 1), ("2024", 1)}
    tag_refine = next(f for f in results.facets["tag"] if f.value == "migrations")
    assert tag_refine.query == "postgres tag:migrations"
    assert small_index.search(SearchRequest(q=tag_refine.query)).total == 1
    by_date = small_index.search(SearchRequest(q="postgres", sort="date"))
    assert [h.url for h in by_date.hits] == ["posts/pg/", "posts/old/"]
    assert small_index.search(SearchRequest(q="postgres before:2025")).total == 1
    assert small_index.search(SearchRequest(q="postgres after:2025-01-01")).total == 1
    assert small_index.search(SearchRequest(q="team:platform")).hits[0].url == "posts/k8s/"
    assert small_index.search(SearchRequest(q="author:bo-chen -replication")).total == 1
    assert small_index.search(SearchRequest(q='"locks short"')).total == 1
    assert small_index.search(SearchRequest(q='"short locks"')).total == 0
    assert small_index.search(SearchRequest(q="migration")).total == 1  # stemmed


def test_pagination_pages_through_all_hits(small_index: OpenIndex) -> None:
    first = small_index.search(SearchRequest(q="postgres", page_size=1))
    second = small_index.search(SearchRequest(q="postgres", page_size=1, page=2))
    assert (first.pages, len(first.hits), len(second.hits)) == (2, 1, 1)
    assert first.hits[0].url != second.hits[0].url
    assert small_index.search(SearchRequest(q="postgres", page_size=1, page=3)).hits == ()


def test_highlights_are_escaped_and_marked(small_index: OpenIndex) -> None:
    hit = small_index.search(SearchRequest(q="schemas")).hits[0]
    assert "<mark" in hit.snippet_html and "schemas</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    title_hit = small_index.search(SearchRequest(q="kubernetes")).hits[0]
    assert title_hit.title_html.startswith('<mark class="match term0">Kubernetes</mark>')


def test_typo_tolerance_and_did_you_mean(small_index: OpenIndex) -> None:
    corrected = small_index.search(SearchRequest(q="kestral"))
    assert corrected.corrected_from == "kestral" and corrected.query == "kestrel"
    assert corrected.hits[0].url == "posts/pg/"
    exact = small_index.search(SearchRequest(q="kestral", exact=True))
    assert (exact.total, exact.suggestion) == (0, "kestrel")
    several = small_index.search(SearchRequest(q="postgres replicaton"))
    assert several.total == 0 and several.suggestion == "postgres replication"
    assert small_index.search(SearchRequest(q="zzzzqqq")).suggestion is None


def test_experts_rank_authors_by_matching_posts(small_index: OpenIndex) -> None:
    experts = small_index.experts("postgres", now=datetime(2026, 6, 1))
    assert [e.slug for e in experts] == ["bo-chen", "ana-lopez"]
    assert experts[0].posts == 2 and experts[0].name == "Bo Chen"
    assert {url for _, url in experts[0].top_posts} == {"posts/pg/", "posts/old/"}


# -- related posts ----------------------------------------------------------------------


def test_related_posts_by_tags_series_and_title_words() -> None:
    when = datetime(2026, 1, 1)
    items = [
        RelatedInput("a", "Postgres migrations part 1", ("postgres", "migrations"), "pg", when),
        RelatedInput("b", "Postgres migrations part 2", ("postgres", "migrations"), "pg", when),
        RelatedInput("c", "Postgres replication", ("postgres",), "", when),
        RelatedInput("d", "Kubernetes costs", ("kubernetes",), "", when),
        RelatedInput("e", "Kubernetes rollouts", ("kubernetes", "ci"), "", when),
    ]
    related = related_posts(items, 2)
    assert related["a"] == ["b", "c"]
    assert related["d"] == ["e"]
    assert related_posts(list(reversed(items)), 2) == related  # order-independent
    assert related_posts(items, 0)["a"] == []


def test_settings_refuse_an_index_inside_the_site(tmp_path: Path) -> None:
    output = tmp_path / "output" / "site"
    config = SearchIndexSettings.from_settings({"OUTPUT_PATH": str(output)})
    assert config.index_dir == tmp_path / "output" / "search-index"
    with pytest.raises(SettingsError, match="overlaps the served site"):
        SearchIndexSettings.from_settings(
            {"OUTPUT_PATH": str(output), "SEARCH_INDEX_DIR": "site/idx"}
        )
    with pytest.raises(SettingsError, match="SEARCH_RELATED_POSTS"):
        SearchIndexSettings.from_settings({"SEARCH_RELATED_POSTS": -1})
