"""The full rebuild's BulkWriter writes what Whoosh's SegmentWriter writes; the vocabulary."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from whoosh import index
from whoosh.analysis import StemmingAnalyzer
from whoosh.formats import Positions
from whoosh.writing import IndexingError

from plugins.search_index import schema as s
from plugins.search_index.bulk import BulkWriter
from plugins.search_index.documents import DocumentSource, to_document
from plugins.search_index.fastformat import stemmed_positions
from plugins.search_index.query import OpenIndex, SearchRequest
from plugins.search_index.spelling import DOCUMENT_WORDS_FILE, Vocabulary, read_vocabulary
from plugins.search_index.writer import document_fields, update_index
from tests.test_search_index import source

WORDS = ["cluster", "latency", "replica", "schema", "migration", "deploy", "cache", "queue"]
WORDS += ["token", "trace", "alert"]
WORDS += ["Ünïcode", "straße", "x.y.z", "under_score", "the", "a", "running", "runs"]


def corpus(count: int, seed: int = 5) -> list[DocumentSource]:
    """Posts whose common words have more than one block (128) of postings."""
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 80)))
        if n % 50 == 7:  # a long post: positions past the shared single-position values
            body += " " + " ".join(rng.choice(WORDS) for _ in range(5000)) + " lastword"
        docs.append(
            source(
                f"p{n}.md",
                f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}",
                f"<h2>{rng.choice(WORDS)} notes</h2><p>{body} word{n}</p>",
                tags=tuple(sorted({rng.choice(WORDS).lower(), rng.choice(["ops", "db"])})),
                authors=(rng.choice(["ana-lopez", "bo-chen", "oyvind-hansen"]),),
                summary=f"<p>{' '.join(rng.choice(WORDS) for _ in range(8))}</p>" if n % 9 else "",
                date=f"20{20 + n % 6}-0{1 + n % 9}-1{n % 9}",
            )
        )
    return docs


def segment_files(folder: Path) -> dict[str, bytes]:
    """The segment's files by extension (their names hold a random segment id)."""
    return {
        path.name.split(".", 1)[1]: path.read_bytes()
        for path in folder.iterdir()
        if path.name.startswith("MAIN_") and "." in path.name
    }


def build(folder: Path, docs: list[DocumentSource], *, bulk: bool, compound: bool = True) -> None:
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), s.build_schema())
    writer = BulkWriter(ix, compound=compound) if bulk else ix.writer(compound=compound)
    for doc in docs:
        writer.add_document(**document_fields(to_document(doc)))
    writer.commit()


def test_bulk_writer_writes_the_segment_files_segment_writer_writes(tmp_path: Path) -> None:
    docs = corpus(300)
    build(tmp_path / "whoosh", docs, bulk=False, compound=False)
    build(tmp_path / "bulk", docs, bulk=True, compound=False)
    expected = segment_files(tmp_path / "whoosh")
    assert {"pst", "trm", "_stored.col", "_body_len.col"} <= expected.keys()
    assert segment_files(tmp_path / "bulk") == expected
    ix = index.open_dir(str(tmp_path / "bulk"))
    with ix.searcher() as searcher:
        assert searcher.doc_frequency(s.BODY, "cluster") > 128  # several blocks
        assert searcher.doc_count() == 300


def test_bulk_writer_only_starts_a_fresh_index(tmp_path: Path) -> None:
    update_index(tmp_path / "ix", corpus(3))
    with pytest.raises(IndexingError):
        BulkWriter(index.open_dir(str(tmp_path / "ix")))
    ix = index.open_dir(str(tmp_path / "ix"))
    ix.writer().cancel()  # the lock was released


def results(opened: OpenIndex, q: str, **options: Any) -> tuple[Any, ...]:
    found = opened.search(SearchRequest(q=q, page_size=50, **options))
    return (
        found.total,
        [(h.url, round(h.score, 9), h.title_html, h.snippet_html) for h in found.hits],
        found.facets,
        found.suggestion,
        found.corrected_from,
    )


QUERIES = [
    "cluster",
    "latency replica",
    '"cache queue"',
    "running -db",
    "tag:ops deploy",
    "author:bo-chen",
    "after:2023 before:2025-06 trace",
    "ünïcode",
    "lastword",
    "word123",
    "latensy",
    "clustr replika",
]


def test_a_bulk_built_index_answers_like_a_segment_writer_built_one(tmp_path: Path) -> None:
    docs = corpus(200)
    whoosh_dir, bulk_dir = tmp_path / "whoosh", tmp_path / "bulk"
    build(whoosh_dir, docs, bulk=False)
    vocabulary = Vocabulary()
    for doc in docs:
        vocabulary.set(doc.path, to_document(doc).spelling_words)
    vocabulary.save(whoosh_dir)
    assert update_index(bulk_dir, docs).rebuilt
    whoosh_index, bulk_index = OpenIndex(whoosh_dir), OpenIndex(bulk_dir)
    for q in QUERIES:
        for sort in ("relevance", "date"):
            assert results(bulk_index, q, sort=sort) == results(whoosh_index, q, sort=sort), q
    assert bulk_index.experts("cluster", now=docs[0].date) == whoosh_index.experts(
        "cluster", now=docs[0].date
    )


def test_updates_on_a_bulk_built_index_match_a_segment_writer_built_one(tmp_path: Path) -> None:
    docs = corpus(120)
    whoosh_dir, bulk_dir = tmp_path / "whoosh", tmp_path / "bulk"
    # The same documents, once through Whoosh's own writer (many small commits: several
    # segments) and once through a full rebuild; then the same update on both.
    update_index(whoosh_dir, docs[:1])
    for count in range(30, 121, 30):
        update_index(whoosh_dir, docs[:count])
    assert len(index.open_dir(str(whoosh_dir)).reader().leaf_readers()) > 1
    update_index(bulk_dir, docs)
    edited = [replace(d, content_html="<p>kestrel</p>", content_hash="new") for d in docs[:5]]
    later = [*edited, *docs[5:100]]
    for folder in (whoosh_dir, bulk_dir):
        report = update_index(folder, later)
        assert (report.updated, report.deleted, report.rebuilt) == (5, 20, False)
    whoosh_index, bulk_index = OpenIndex(whoosh_dir), OpenIndex(bulk_dir)
    assert bulk_index.doc_count == whoosh_index.doc_count == 100
    for q in [*QUERIES, "kestrel"]:
        left, right = results(bulk_index, q), results(whoosh_index, q)
        # Document numbers differ between the two layouts, so equal scores may tie
        # differently: compare what matched, with which score, and the counts.
        assert (left[0], sorted(left[1]), left[2:]) == (right[0], sorted(right[1]), right[2:]), q


def test_the_vocabulary_follows_added_changed_and_removed_posts(tmp_path: Path) -> None:
    folder = tmp_path / "ix"
    posts = [
        source("a.md", "Alpha", "<p>Kestrel feeders</p>"),
        source("b.md", "Beta", "<p>Kestrel nesting</p>"),
    ]
    update_index(folder, posts)
    assert dict(read_vocabulary(folder))["kestrel"] == 2
    assert OpenIndex(folder).search(SearchRequest(q="zanzibarian")).suggestion is None
    # Adding a post teaches a new word; "did you mean" finds it at once.
    added = source("c.md", "Gamma", "<p>Zanzibarian spices</p>")
    update_index(folder, [*posts, added])
    assert dict(read_vocabulary(folder))["zanzibarian"] == 1
    found = OpenIndex(folder).search(SearchRequest(q="zanzibarain", exact=True))
    assert (found.total, found.suggestion) == (0, "zanzibarian")
    # Changing a post subtracts its old words; removing one subtracts all of its words.
    changed = replace(posts[1], content_html="<p>Osprey nesting</p>", content_hash="b-2")
    update_index(folder, [posts[0], changed, added])
    assert dict(read_vocabulary(folder))["kestrel"] == 1
    update_index(folder, [posts[0], changed])
    words = dict(read_vocabulary(folder))
    assert "zanzibarian" not in words and "spices" not in words
    assert words["osprey"] == 1 and "the" not in words
    assert OpenIndex(folder).search(SearchRequest(q="zanzibarain", exact=True)).suggestion is None
    # The saved vocabulary is what a rebuild of the same posts writes.
    rebuilt = tmp_path / "rebuilt"
    update_index(rebuilt, [posts[0], changed])
    assert read_vocabulary(rebuilt) == read_vocabulary(folder)


def test_a_missing_vocabulary_forces_a_full_rebuild(tmp_path: Path) -> None:
    folder = tmp_path / "ix"
    posts = [source("a.md", "Alpha", "<p>Kestrel</p>")]
    update_index(folder, posts)
    (folder / DOCUMENT_WORDS_FILE).write_bytes(b"not gzip")
    report = update_index(folder, posts)
    assert report.rebuilt
    assert dict(read_vocabulary(folder)) == {"alpha": 1, "kestrel": 1, "testing": 1}
    assert not update_index(folder, posts).rebuilt


@pytest.mark.parametrize(
    "text",
    [
        "",
        "the a of",
        "Ünïcode ÉCOLE straße İstanbul the THE Running runs x.y.z a*b under_score",
        " ".join(["cache latency the"] * 3000) + " replica",  # positions past 4096
    ],
)
def test_stemmed_positions_are_the_analyzers_positions(text: str) -> None:
    analyzer = StemmingAnalyzer()
    expected = {
        word: Positions().decode_positions(value)
        for word, _, _, value in Positions().word_values(text, analyzer, mode="index")
    }
    assert stemmed_positions(text) == expected
