"""Read author profiles, team descriptions and post headers straight from content/.

Curation, the digest and the portal feeds need a person's name, role and team, and the
tools need the list of posts without running a whole Pelican build. Only the metadata
headers are read (`read_header`), so this is fast and never renders Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any

from plugins._shared.metadata import Header, read_header, split_list

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
HIDDEN_STATUSES = frozenset({"draft", "hidden"})


@dataclass(frozen=True, slots=True)
class Profile:
    """One person, from content/authors/<slug>.md."""

    slug: str
    name: str
    role: str = ""
    team: str = ""
    email: str = ""
    expertise: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Team:
    """One team, from content/teams/<slug>.md."""

    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class PostHeader:
    """What a post's metadata header says, with its URL path (relative to the site root)."""

    path: PurePosixPath
    slug: str
    title: str
    date: datetime
    authors: tuple[str, ...]
    summary: str
    status: str
    url: str

    @property
    def published(self) -> bool:
        """Whether the post is on the site and in lists (not a draft, not hidden)."""
        return self.status not in HIDDEN_STATUSES


def _markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in MARKDOWN_SUFFIXES and p.is_file())


def _read(path: Path) -> Header:
    return read_header(path.read_text(encoding="utf-8", errors="replace"))


def _value(header: Header, key: str) -> str:
    found = header.get(key)
    return found.value if found else ""


def read_profiles(authors_dir: Path) -> dict[str, Profile]:
    """Return every profile in `authors_dir`, keyed by slug (the file name without suffix)."""
    profiles: dict[str, Profile] = {}
    for path in _markdown_files(authors_dir):
        header = _read(path)
        profiles[path.stem] = Profile(
            slug=path.stem,
            name=_value(header, "name") or path.stem,
            role=_value(header, "role"),
            team=_value(header, "team"),
            email=_value(header, "email"),
            expertise=tuple(split_list(_value(header, "expertise"))),
        )
    return profiles


def read_teams(teams_dir: Path) -> dict[str, Team]:
    """Return every team in `teams_dir`, keyed by slug (the file name without suffix)."""
    return {
        path.stem: Team(slug=path.stem, name=_value(_read(path), "name") or path.stem)
        for path in _markdown_files(teams_dir)
    }


def teams_of(authors: Iterable[str], profiles: Mapping[str, Profile]) -> list[str]:
    """Return the team slugs of `authors` (from their profiles), first seen first."""
    found: list[str] = []
    for author in authors:
        profile = profiles.get(author)
        if profile and profile.team and profile.team not in found:
            found.append(profile.team)
    return found


def read_posts(content_dir: Path, settings: Mapping[str, Any], zone: tzinfo) -> list[PostHeader]:
    """Read the header of every post Pelican would read, newest first.

    Slugs and URLs follow Pelican's rules: `Slug:` or the slugified title, then
    ARTICLE_URL. Files without a title or a readable date are skipped: the build's
    content checks report them.
    """
    from pelican.utils import get_date, slugify

    excludes = set(settings.get("ARTICLE_EXCLUDES", []))
    posts: list[PostHeader] = []
    for folder in settings.get("ARTICLE_PATHS", ["posts"]):
        for path in _markdown_files(content_dir / folder):
            relative = path.relative_to(content_dir)
            if excludes & set(relative.parts[:-1]):
                continue
            header = _read(path)
            title = _value(header, "title")
            try:
                date = get_date(_value(header, "date"))
            except (ValueError, OverflowError):
                continue
            if not title:
                continue
            date = date.replace(tzinfo=zone) if date.tzinfo is None else date
            slug = _value(header, "slug") or slugify(
                title,
                regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", ()),
                preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
                use_unicode=settings.get("SLUGIFY_USE_UNICODE", False),
            )
            url_pattern = str(settings.get("ARTICLE_URL", "{slug}.html"))
            posts.append(
                PostHeader(
                    path=PurePosixPath(content_dir.name, *relative.parts),
                    slug=slug,
                    title=title,
                    date=date,
                    authors=tuple(
                        split_list(_value(header, "authors") or _value(header, "author"))
                    ),
                    summary=_value(header, "summary"),
                    status=(_value(header, "status") or "published").lower(),
                    url=url_pattern.format(slug=slug, date=date),
                )
            )
    return sorted(posts, key=lambda p: p.date, reverse=True)
