"""A MarkdownReader that reuses its Markdown instances and takes documents from a pool."""

from __future__ import annotations

import logging
from typing import Any

from pelican import readers

from plugins.fastbuild.markdown_pool import MarkdownConverter, Prefetch

# Pelican's own reader logs its warnings under this name.
logger = logging.getLogger("pelican.readers")


class MarkdownReader(readers.MarkdownReader):  # type: ignore[misc]  # Pelican is untyped
    """Pelican's MarkdownReader with the same output, converted faster.

    The class keeps Pelican's name: Pelican derives each post's `reader` metadata
    ("markdown") from the reader's class name.

    `prefetch` (set by the plugin before the posts are read) holds documents converted
    by worker processes; anything it does not have is converted here, with instances
    reused between files.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._converter: MarkdownConverter | None = None
        self.prefetch: Prefetch | None = None

    def converter(self) -> MarkdownConverter:
        """Return this reader's converter, creating it on first use."""
        if self._converter is None:
            self._converter = MarkdownConverter(
                self.settings["MARKDOWN"], self.settings["FORMATTED_FIELDS"]
            )
        return self._converter

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        """Parse content and metadata of a Markdown file."""
        self._source_path = source_path
        found = self.prefetch.take(source_path) if self.prefetch is not None else None
        if found is not None and found.html is not None:
            for name, level, message in found.logs:
                logging.getLogger(name).log(level, "%s", message)
            html, meta, formatted = found.html, found.meta, found.formatted
        else:
            html, meta, formatted = self.converter().convert_file(source_path)
        return html, self._metadata(meta, formatted)

    def _metadata(self, meta: dict[str, list[str]], formatted: dict[str, str]) -> dict[str, Any]:
        """Pelican's `_parse_metadata`, with formatted fields already converted."""
        formatted_fields = self.settings["FORMATTED_FIELDS"]
        output: dict[str, Any] = {}
        for key, value in meta.items():
            name = key.lower()
            if name in formatted_fields:
                output[name] = self.process_metadata(name, formatted[key])
            elif not readers.DUPLICATES_DEFINITIONS_ALLOWED.get(name, True):
                if len(value) > 1:
                    logger.warning(
                        "Duplicate definition of `%s` for %s. Using first one.",
                        name,
                        self._source_path,
                    )
                output[name] = self.process_metadata(name, value[0])
            elif len(value) > 1:
                output[name] = self.process_metadata(name, value)
            else:
                output[name] = self.process_metadata(name, value[0])
        return output


FastMarkdownReader = MarkdownReader
