"""Markdown conversion on every core, with Markdown instances reused between documents.

Pelican's MarkdownReader builds a new `Markdown` object for every file and converts files
one by one. Here each process keeps two instances (one for documents, one without the meta
preprocessor for FORMATTED_FIELDS such as Summary) and calls `reset()` before every
conversion, and a fork pool converts the posts a build will read before Pelican asks for
them. Workers return plain data only (HTML, the raw `Meta` lists, formatted-field HTML and
the log lines they emitted); the parent turns metadata into Pelican values and creates
the content objects, so every signal and `{filename}` link still happens in the parent.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from markdown import Markdown
from pelican.utils import pelican_open

from plugins._shared.background import LogCapture
from plugins.fastbuild.highlight import with_cached_formatter

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Converted:
    """One converted document; `html` is None when conversion raised in the worker."""

    path: str
    html: str | None
    meta: dict[str, list[str]] = field(default_factory=dict)
    formatted: dict[str, str] = field(default_factory=dict)
    logs: tuple[tuple[str, int, str], ...] = ()


class MarkdownConverter:
    """Two reusable Markdown instances: documents, and metadata fields without `meta`."""

    def __init__(self, config: Mapping[str, Any], formatted_fields: Iterable[str]) -> None:
        config = with_cached_formatter(config)
        self.document = Markdown(**config)
        self.fields = Markdown(**config)
        # Pelican deregisters "meta" before converting formatted fields (readers.py).
        self.fields.preprocessors.deregister("meta")
        self.formatted_fields = frozenset(formatted_fields)

    def convert(self, text: str) -> tuple[str, dict[str, list[str]], dict[str, str]]:
        """Return (HTML, raw metadata lists, HTML of each formatted metadata field)."""
        self.document.reset()
        html = self.document.convert(text)
        meta = {name: list(values) for name, values in getattr(self.document, "Meta", {}).items()}
        formatted = {}
        for name, values in meta.items():
            if name.lower() in self.formatted_fields:
                self.fields.reset()
                formatted[name] = self.fields.convert("\n".join(values))
        return html, meta, formatted

    def convert_file(self, path: str) -> tuple[str, dict[str, list[str]], dict[str, str]]:
        """Read `path` as Pelican does (UTF-8, BOM dropped) and convert it."""
        with pelican_open(path) as text:
            return self.convert(text)


# The converter of a pool worker process. It exists only in worker processes (set by the
# pool initializer after the fork), never in the building process.
_worker: tuple[MarkdownConverter, LogCapture] | None = None


def _init_worker(config: Mapping[str, Any], formatted_fields: frozenset[str]) -> None:
    global _worker
    capture = LogCapture()
    root = logging.getLogger()
    # The parent's handlers (the build's problem collector) are copies here: replace
    # them by a capture whose lines travel back with the result.
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(capture)
    _worker = (MarkdownConverter(config, formatted_fields), capture)


def _convert_in_worker(path: str) -> Converted:
    assert _worker is not None
    converter, capture = _worker
    capture.lines = []
    try:
        html, meta, formatted = converter.convert_file(path)
    except Exception:  # the parent converts it again and reports the error as Pelican does
        return Converted(path, None)
    return Converted(path, html, meta, formatted, tuple(capture.lines))


class Prefetch:
    """Converted documents arriving from a fork pool, taken by path in any order."""

    def __init__(
        self,
        paths: list[str],
        processes: int,
        config: Mapping[str, Any],
        formatted_fields: frozenset[str],
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._pool = context.Pool(processes, _init_worker, (config, formatted_fields))
        chunk = max(1, min(16, len(paths) // (processes * 8) or 1))
        self._results: Iterator[Converted] = self._pool.imap(_convert_in_worker, paths, chunk)
        self._waiting = set(paths)
        self._ready: dict[str, Converted] = {}

    def take(self, path: str) -> Converted | None:
        """Return the converted document for `path`, or None when the pool does not have it."""
        if path not in self._waiting:
            return None
        self._waiting.discard(path)
        while path not in self._ready:
            try:
                result = next(self._results)
            except Exception:  # a dead pool: the reader converts in this process instead
                logger.debug("fastbuild: Markdown pool failed", exc_info=True)
                self.close()
                return None
            self._ready[result.path] = result
        found = self._ready.pop(path)
        return found if found.html is not None else None

    def close(self) -> None:
        """Stop the workers (results not taken are dropped)."""
        self._waiting.clear()
        self._ready.clear()
        self._pool.terminate()
        self._pool.join()
