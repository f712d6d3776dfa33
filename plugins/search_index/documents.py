"""Turn published posts into search documents.

`source_of(article)` reads only what a post already holds (its rendered HTML and metadata)
and fingerprints it; `to_document(source)` does the costly part (HTML to text) and runs
only for posts whose fingerprint changed since the last build.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from selectolax.lexbor import LexborHTMLParser
from whoosh.analysis import STOP_WORDS

from plugins.search_index.profiles import AuthorInfo
from plugins.search_index.schema import SCHEMA_VERSION

EXCERPT_CHARS = 4000
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


class ArticleLike(Protocol):
    """The attributes of a Pelican Article that indexing reads."""

    title: str
    url: str
    date: datetime
    metadata: dict[str, Any]
    relative_source_path: str


@dataclass(frozen=True, slots=True)
class DocumentSource:
    """A post's raw indexable values and their fingerprint (cheap: no HTML parsing)."""

    path: str
    url: str
    title: str
    summary_html: str
    content_html: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    author_names: tuple[str, ...]
    teams: tuple[str, ...]
    series: str
    date: datetime
    content_hash: str


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One post as the index stores it: plain text plus keyword values."""

    path: str
    url: str
    title: str
    summary: str
    body: str
    headings: str
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    author_names: tuple[str, ...]
    teams: tuple[str, ...]
    series: str
    date: datetime
    content_hash: str

    @property
    def excerpt(self) -> str:
        """Return the start of the body, for snippets."""
        return self.body[:EXCERPT_CHARS]

    @property
    def spelling_words(self) -> str:
        """Return the post's distinct words (lower case, 3+ letters, no stop words), sorted.

        They are the vocabulary for spelling suggestions (spelling.py).
        """
        text = " ".join((self.title, self.summary, self.headings, " ".join(self.tags), self.body))
        return " ".join(sorted(set(_WORD.findall(text.lower())) - STOP_WORDS))


def _names(values: Any) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    found: list[str] = []
    for value in values:
        name = str(getattr(value, "name", value)).strip()
        if name and name not in found:
            found.append(name)
    return tuple(found)


def _slugs(values: Any) -> tuple[str, ...]:
    if not values or isinstance(values, str):
        return tuple(n.lower() for n in _names(values))
    return tuple(str(getattr(v, "slug", None) or getattr(v, "name", v)).lower() for v in values)


def teams_of(article: Any, profiles: Mapping[str, AuthorInfo]) -> tuple[str, ...]:
    """Return the post's team slugs: `Team:` metadata if set, else its authors' teams."""
    explicit = article.metadata.get("team") or getattr(article, "team", None)
    if explicit:
        return _slugs(explicit)
    teams: list[str] = []
    for author in getattr(article, "authors", None) or ():
        profile = profiles.get(str(getattr(author, "slug", "")))
        team = getattr(author, "team", None) or (profile.team if profile else "")
        team = str(getattr(team, "slug", team) or "").lower()
        if team and team not in teams:
            teams.append(team)
    return tuple(teams)


def _display_name(author: Any, profiles: Mapping[str, AuthorInfo]) -> str:
    profile = profiles.get(str(getattr(author, "slug", "")))
    return str(getattr(author, "display_name", None) or (profile.name if profile else author.name))


def source_of(article: Any, profiles: Mapping[str, AuthorInfo]) -> DocumentSource:
    """Return the indexable values of a rendered post and their content hash."""
    authors = list(getattr(article, "authors", None) or ())
    values = {
        "path": str(article.relative_source_path).replace("\\", "/"),
        "url": str(article.url),
        "title": str(article.title),
        "summary_html": str(getattr(article, "summary", "") or ""),
        "content_html": str(article.content or ""),
        "tags": _names(getattr(article, "tags", None)),
        "authors": _slugs(authors),
        "author_names": tuple(_display_name(a, profiles) for a in authors),
        "teams": teams_of(article, profiles),
        "series": str(article.metadata.get("series") or ""),
        "date": article.date,
    }
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    digest.update(
        json.dumps({**values, "date": values["date"].isoformat()}, sort_keys=True).encode()
    )
    return DocumentSource(**values, content_hash=digest.hexdigest()[:32])


def html_to_text(html: str) -> tuple[str, str]:
    """Return (body text, heading text) of an HTML fragment; code blocks are kept."""
    if not html.strip():
        return "", ""
    tree = LexborHTMLParser(html)
    headings = " ".join(
        _SPACES.sub(" ", node.text(deep=True)).strip() for node in tree.css("h1,h2,h3,h4,h5,h6")
    )
    body = tree.body
    text = body.text(deep=True, separator="") if body is not None else ""
    return _SPACES.sub(" ", text).strip(), headings


def to_document(source: DocumentSource) -> SearchDocument:
    """Convert a document source into plain-text search fields."""
    body, headings = html_to_text(source.content_html)
    summary, _ = html_to_text(source.summary_html)
    return SearchDocument(
        path=source.path,
        url=source.url,
        title=source.title,
        summary=summary,
        body=body,
        headings=headings,
        tags=source.tags,
        authors=source.authors,
        author_names=source.author_names,
        teams=source.teams,
        series=source.series,
        date=source.date,
        content_hash=source.content_hash,
    )
