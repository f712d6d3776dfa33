"""Write the search index incrementally: only changed posts are analyzed again.

Every document stores a content hash. A build compares the posts it has with the hashes
in the index: unchanged posts are skipped, changed ones replaced, removed ones deleted.
A different SCHEMA_VERSION (or no index) means a full rebuild, which may use several
processes. `optimize()` is never called: it costs half a minute at 5,000 posts, and
Whoosh's default merge policy keeps the segment count small.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index

from plugins._shared.problems import BlogError
from plugins.search_index import schema as s
from plugins.search_index.bulk import BulkWriter
from plugins.search_index.documents import DocumentSource, SearchDocument, to_document
from plugins.search_index.spelling import Vocabulary

logger = logging.getLogger(__name__)

STATE_FILE = "intrablog-index.json"
WRITER_LIMIT_MB = 256


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one index update did."""

    documents: int
    added: int
    updated: int
    deleted: int
    unchanged: int
    rebuilt: bool
    seconds: float


def naive_utc(moment: datetime) -> datetime:
    """Return `moment` as a naive UTC datetime (Whoosh stores naive datetimes)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """Return the Whoosh field values of a document."""
    return {
        s.PATH: doc.path,
        s.URL: doc.url,
        s.TITLE: doc.title,
        s.SUMMARY: doc.summary,
        s.BODY: doc.body,
        s.HEADINGS: doc.headings,
        s.TAGS: s.SEPARATOR.join(t.lower() for t in doc.tags),
        s.AUTHORS: s.SEPARATOR.join(doc.authors),
        s.AUTHOR_NAMES: list(doc.author_names),
        s.TEAM: s.SEPARATOR.join(doc.teams),
        s.SERIES: doc.series.lower(),
        s.DATE: naive_utc(doc.date),
        s.EXCERPT: doc.excerpt,
        s.HASH: doc.content_hash,
    }


def _read_state(index_dir: Path) -> dict[str, Any]:
    try:
        state = json.loads((index_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(
    index_dir: Path, generation: int, hashes: dict[str, str], report: IndexReport
) -> None:
    state = {
        "schema_version": s.SCHEMA_VERSION,
        "generation": generation,
        "hashes": hashes,
        "last_update": asdict(report),  # read by bench/run.py
    }
    temp = index_dir / f".{STATE_FILE}.tmp"
    temp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    temp.replace(index_dir / STATE_FILE)


def _known_hashes(ix: Any, state: dict[str, Any]) -> dict[str, str]:
    hashes = state.get("hashes")
    if state.get("generation") == ix.latest_generation() and isinstance(hashes, dict):
        return {str(k): str(v) for k, v in hashes.items()}
    # The state file is stale (a crash between commit and state write): ask the index.
    with ix.searcher() as searcher:
        return {
            str(f[s.PATH]): str(f.get(s.HASH, ""))
            for f in searcher.all_stored_fields()
            if s.PATH in f
        }


def _fresh_index(index_dir: Path) -> Any:
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index_dir.mkdir(parents=True)
    return index.create_in(str(index_dir), s.build_schema())


def _rebuild(index_dir: Path, sources: Iterable[DocumentSource]) -> Any:
    """Write a fresh index of `sources` (one segment, written by BulkWriter)."""
    ix = _fresh_index(index_dir)
    writer = BulkWriter(ix)
    _write(writer, writer.add_document, index_dir, Vocabulary(), sources)
    return ix


def _update(
    ix: Any,
    index_dir: Path,
    vocabulary: Vocabulary,
    changed: Sequence[DocumentSource],
    removed: Sequence[str],
) -> None:
    """Delete `removed` posts and add or replace `changed` ones in one commit."""
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    try:
        for path in removed:
            writer.delete_by_term(s.PATH, path)
            vocabulary.remove(path)
    except BaseException:
        writer.cancel()
        raise
    _write(writer, writer.update_document, index_dir, vocabulary, changed)


def _write(
    writer: Any,
    add: Any,
    index_dir: Path,
    vocabulary: Vocabulary,
    sources: Iterable[DocumentSource],
) -> None:
    """Add each source through `add`, save the vocabulary, then commit (or cancel)."""
    try:
        for src in sources:
            doc = to_document(src)
            add(**document_fields(doc))
            vocabulary.set(doc.path, doc.spelling_words)
        # Before the commit: whoever sees the new generation sees its vocabulary.
        vocabulary.save(index_dir)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def update_documents(index_dir: Path, sources: Sequence[DocumentSource]) -> IndexReport | None:
    """Add or replace only `sources` (some posts; every other post is unchanged).

    For a rebuild that patched one post (plugins.fastbuild.patch): nothing is deleted and
    the other posts' hashes are kept. Returns None when only a full update can tell (no
    index yet, another schema, or a spelling vocabulary out of step with the index).
    """
    return _bring_in_line(index_dir, sources, partial=True)


def update_index(index_dir: Path, sources: Sequence[DocumentSource]) -> IndexReport:
    """Bring the index at `index_dir` in line with `sources` (the published posts)."""
    report = _bring_in_line(index_dir, sources, partial=False)
    assert report is not None  # a full update rebuilds when it must
    return report


def _bring_in_line(
    index_dir: Path, sources: Sequence[DocumentSource], *, partial: bool
) -> IndexReport | None:
    """Index what changed in `sources`; unless `partial`, delete the posts not in them.

    A `partial` update that would need a rebuild returns None instead.
    """
    started = time.perf_counter()
    current = {source.path: source for source in sources}
    state = _read_state(index_dir)
    rebuild = not (
        index_dir.is_dir()
        and index.exists_in(str(index_dir))
        and state.get("schema_version") == s.SCHEMA_VERSION
    )
    if rebuild and partial:
        return None
    try:
        known: dict[str, str] = {}
        vocabulary = None
        if not rebuild:
            ix = index.open_dir(str(index_dir))
            known = _known_hashes(ix, state)
            vocabulary = Vocabulary.load(index_dir)
            # No vocabulary, or one of other posts: only a rebuild can tell every word.
            rebuild = vocabulary is None or set(vocabulary.documents) != set(known)
            if rebuild:
                if partial:
                    return None
                logger.warning("search index: spelling vocabulary out of step; rebuilding")
                known = {}
        changed = [src for path, src in current.items() if known.get(path) != src.content_hash]
        removed = [] if partial else sorted(set(known) - set(current))
        if rebuild:
            ix = _rebuild(index_dir, changed)
        elif changed or removed:
            assert vocabulary is not None
            _update(ix, index_dir, vocabulary, changed, removed)
        hashes = {path: src.content_hash for path, src in current.items()}
        if partial:
            hashes = {**known, **hashes}
        updated = sum(1 for src in changed if src.path in known)
        report = IndexReport(
            documents=len(hashes),
            added=len(changed) - updated,
            updated=updated,
            deleted=len(removed),
            unchanged=len(hashes) - len(changed),
            rebuilt=rebuild,
            seconds=round(time.perf_counter() - started, 3),
        )
        if rebuild or changed or removed:
            _write_state(index_dir, ix.latest_generation(), dict(sorted(hashes.items())), report)
    except index.LockError as error:
        raise BlogError(
            f"{index_dir}: the search index is locked by another build; retry when it ends"
        ) from error
    return report
