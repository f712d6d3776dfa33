"""Highlighted titles and snippets: escaped HTML with <mark> around the matched words.

Whoosh's highlighter runs the whole analyzer chain over the text for every hit (its LFU
stemming cache and token objects cost about 0.5 ms per text). Here a word is matched by
the same rules (Whoosh's default token pattern, lower case, stop words skipped, Porter
stem) with a plain dictionary cache, and fragments are cut directly:

- a fragment is at most MAX_CHARS long (unless one match is longer): up to SURROUND
  characters of context before its first match, its matches, then context up to the
  length, cut at word boundaries;
- the `top` fragments with most matches are kept, in text order, joined by " … ";
- matches look like Whoosh's HtmlFormatter output: <mark class="match term0">, one class
  number per distinct matched word (term0..term4), shared across the texts of one hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from html import escape

from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang.porter import stem as porter_stem

MAX_CHARS = 240
SURROUND = 80
MAX_CLASSES = 5
STEM_CACHE = 50_000
_STOP = frozenset(STOP_WORDS)
_WORD_START = re.compile(r"\w")
# Whoosh's default token pattern without its capturing group (so findall returns words).
_TOKEN = re.compile(default_pattern.pattern.replace("(\\.", "(?:\\."), default_pattern.flags)


class Stemmer:
    """Porter stems of lower-case words, cached (one per opened index, shared by threads)."""

    def __init__(self, size: int = STEM_CACHE) -> None:
        self.cache: dict[str, str] = {}
        self._size = size

    def __call__(self, word: str) -> str:
        """Return the stem of `word` (a plain dict: a lost race only repeats the work)."""
        found = self.cache.get(word)
        if found is None:
            found = porter_stem(word)
            if len(self.cache) >= self._size:
                self.cache = {}
            self.cache[word] = found
        return found

    def matching(self, words: Iterable[str], terms: frozenset[str] | set[str]) -> set[str]:
        """Return those of the (lower-case) `words` whose stem is one of `terms`."""
        unique = set(words) - _STOP
        for word in unique.difference(self.cache):  # a dict: only `unique` is walked
            self(word)
        cache = self.cache
        return {word for word in unique if cache.get(word) in terms and len(word) > 1}


def matches(text: str, terms: frozenset[str] | set[str], stem: Stemmer) -> list[tuple[int, int]]:
    """Return the (start, end) of each word of `text` whose stem is one of `terms`."""
    # Most texts match nothing: decide that from all the words at once (findall and set
    # operations run in C); walk the words one by one only when something matches.
    wanted = stem.matching(_TOKEN.findall(text.lower()), terms)
    if not wanted:
        return []
    return [m.span() for m in _TOKEN.finditer(text) if m.group().lower() in wanted]


def _mark(text: str, seen: MutableMapping[str, int]) -> str:
    escaped = escape(text, quote=False)
    number = seen.get(escaped)
    if number is None:
        number = len(seen) % MAX_CLASSES
        seen[escaped] = number
    return f'<mark class="match term{number}">{escaped}</mark>'


def _render(
    text: str, start: int, end: int, spans: list[tuple[int, int]], seen: dict[str, int]
) -> str:
    parts: list[str] = []
    position = start
    for span_start, span_end in spans:
        parts.append(escape(text[position:span_start], quote=False))
        parts.append(_mark(text[span_start:span_end], seen))
        position = span_end
    parts.append(escape(text[position:end], quote=False))
    return "".join(parts)


def highlight_whole(
    text: str, terms: frozenset[str] | set[str], stem: Stemmer, seen: dict[str, int]
) -> str:
    """Return all of `text` with matches marked ("" when nothing matches)."""
    spans = matches(text, terms, stem)
    return _render(text, 0, len(text), spans, seen) if spans else ""


def highlight_fragments(
    text: str,
    terms: frozenset[str] | set[str],
    stem: Stemmer,
    seen: dict[str, int],
    top: int = 2,
    max_chars: int = MAX_CHARS,
    surround: int = SURROUND,
) -> str:
    """Return the best fragments of `text` around matches ("" when nothing matches)."""
    spans = matches(text, terms, stem)
    if not spans:
        return ""
    groups: list[list[tuple[int, int]]] = [[spans[0]]]
    for span in spans[1:]:
        if span[1] - groups[-1][0][0] <= max_chars - surround:
            groups[-1].append(span)
        else:
            groups.append([span])
    best = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), i))[:top]
    fragments: list[str] = []
    for index in sorted(best):
        group = groups[index]
        start = _word_start(text, max(0, group[0][0] - surround), group[0][0])
        end = max(group[-1][1], min(len(text), start + max_chars))
        end = _word_end(text, end, group[-1][1])
        while start < group[0][0] and text[start].isspace():
            start += 1
        while end > group[-1][1] and text[end - 1].isspace():
            end -= 1
        inside = [span for span in spans if start <= span[0] and span[1] <= end]
        fragments.append(_render(text, start, end, inside, seen))
    return " … ".join(fragments)


def _word_start(text: str, start: int, limit: int) -> int:
    """Move `start` forward past a word it cuts, never beyond `limit`."""
    if start == 0 or not (text[start - 1].isalnum() and text[start].isalnum()):
        return start
    while start < limit and text[start].isalnum():
        start += 1
    while start < limit and not _WORD_START.match(text[start]):
        start += 1
    return start


def _word_end(text: str, end: int, limit: int) -> int:
    """Move `end` back before a word it cuts, never before `limit`."""
    if end >= len(text) or not (text[end - 1].isalnum() and text[end].isalnum()):
        return end
    while end > limit and text[end - 1].isalnum():
        end -= 1
    while end > limit and text[end - 1].isspace():
        end -= 1
    return end
