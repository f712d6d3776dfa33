"""Reading aids computed from a post's HTML: reading time and table of contents."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from selectolax.lexbor import LexborHTMLParser

WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One heading in the table of contents."""

    level: int
    anchor: str
    title: str


def count_words(html: str) -> int:
    """Count the words a reader reads in `html`, code included."""
    return reading_facts(html)[0]


def reading_facts(html: str, levels: Sequence[int] = (2, 3, 4)) -> tuple[int, list[TocEntry]]:
    """Return (word count, table of contents) of `html`, parsing it once."""
    if not html:
        return 0, []
    tree = LexborHTMLParser(html)
    words = len(WORD.findall(tree.text(separator=" ")))
    return words, _entries(tree, levels)


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Return the reading time in whole minutes, at least one."""
    return max(1, math.ceil(words / words_per_minute))


def table_of_contents(html: str, levels: Sequence[int] = (2, 3, 4)) -> list[TocEntry]:
    """List the headings of `html` that have an id, in document order."""
    if not html:
        return []
    return _entries(LexborHTMLParser(html), levels)


def _entries(tree: LexborHTMLParser, levels: Sequence[int]) -> list[TocEntry]:
    selector = ", ".join(f"h{level}[id]" for level in levels)
    entries = []
    for node in tree.css(selector):
        anchor = node.attributes.get("id") or ""
        title = node.text(strip=True)
        if anchor and title:
            entries.append(TocEntry(level=int((node.tag or "h0")[1]), anchor=anchor, title=title))
    return entries


class Dated(Protocol):
    """Anything with a publication date (a Pelican Article)."""

    @property
    def date(self) -> object: ...


T = TypeVar("T")


def neighbours(newest_first: Sequence[T]) -> dict[int, tuple[T | None, T | None]]:
    """Map each item's index to its (newer, older) neighbours in a newest-first list."""
    result: dict[int, tuple[T | None, T | None]] = {}
    for index in range(len(newest_first)):
        newer = newest_first[index - 1] if index > 0 else None
        older = newest_first[index + 1] if index + 1 < len(newest_first) else None
        result[index] = (newer, older)
    return result
