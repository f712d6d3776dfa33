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
from plugins.search_index.documents import DocumentSource, SearchDocument, to_document

logger = logging.getLogger(__name__)

STATE_FILE = "intrablog-index.json"
# Below this many documents a second process costs more than it saves.
PARALLEL_MIN_DOCS = 400
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
        s.SPELL: doc.spelling_words,
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


def _add_all(ix: Any, docs: Iterable[SearchDocument], count: int, procs: int) -> None:
    parallel = procs > 1 and count >= PARALLEL_MIN_DOCS
    options: dict[str, Any] = {"limitmb": WRITER_LIMIT_MB}
    if parallel:
        # One segment per process: the parent would otherwise merge both runs alone.
        options.update(procs=procs, multisegment=True)
    writer = ix.writer(**options)
    try:
        for doc in docs:
            writer.add_document(**document_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def update_index(
    index_dir: Path, sources: Sequence[DocumentSource], *, procs: int = 1
) -> IndexReport:
    """Bring the index at `index_dir` in line with `sources` (the published posts)."""
    started = time.perf_counter()
    current = {source.path: source for source in sources}
    state = _read_state(index_dir)
    rebuild = not (
        index_dir.is_dir()
        and index.exists_in(str(index_dir))
        and state.get("schema_version") == s.SCHEMA_VERSION
    )
    try:
        if rebuild:
            ix = _fresh_index(index_dir)
            known: dict[str, str] = {}
        else:
            ix = index.open_dir(str(index_dir))
            known = _known_hashes(ix, state)
        changed = [src for path, src in current.items() if known.get(path) != src.content_hash]
        removed = sorted(set(known) - set(current))
        if rebuild:
            docs = (to_document(src) for src in changed)
            _add_all(ix, docs, len(changed), procs)
            if ix.doc_count() != len(changed):
                # multiproc.py drops a sub-writer's result after a 1 s timeout: redo serially.
                logger.warning("search index: parallel build lost documents; rebuilding")
                ix = _fresh_index(index_dir)
                _add_all(ix, (to_document(src) for src in changed), len(changed), 1)
        elif changed or removed:
            writer = ix.writer(limitmb=WRITER_LIMIT_MB)
            try:
                for path in removed:
                    writer.delete_by_term(s.PATH, path)
                for src in changed:
                    writer.update_document(**document_fields(to_document(src)))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        updated = sum(1 for src in changed if src.path in known)
        report = IndexReport(
            documents=len(current),
            added=len(changed) - updated,
            updated=updated,
            deleted=len(removed),
            unchanged=len(current) - len(changed),
            rebuilt=rebuild,
            seconds=round(time.perf_counter() - started, 3),
        )
        if rebuild or changed or removed:
            _write_state(
                index_dir,
                ix.latest_generation(),
                {path: src.content_hash for path, src in sorted(current.items())},
                report,
            )
    except index.LockError as error:
        raise BlogError(
            f"{index_dir}: the search index is locked by another build; retry when it ends"
        ) from error
    return report
