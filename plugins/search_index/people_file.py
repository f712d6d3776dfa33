"""people.json: what the search service needs to rank people, written beside the index.

The service has only the release (site/ and search-index/), not content/, so the build
writes `people.json` into the index folder:

    {"format": 1,
     "people": {"<slug>": {"name": "...", "team": "<team slug>", "expertise": ["..."]}},
     "credits": {"<post source path>": ["<slug>", ...]}}

`people` comes from content/authors/ (profiles.py); `credits` lists, per indexed post (by
the index's unique key, its source path), the profiles git history credits on it (commits,
Co-authored-by, Reviewed-by) who are not its authors, as the people plugin sets them on
each post (`article.contributors`). They live outside the Whoosh documents because they
change without the post changing (a new profile email, a review trailer), and a change must
not force re-indexing. The file is replaced atomically, and only when its content changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugins.search_index.profiles import AuthorInfo

logger = logging.getLogger(__name__)

PEOPLE_FILE = "people.json"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class PeopleFacts:
    """Profiles by slug, and credited non-authors by post source path."""

    people: Mapping[str, AuthorInfo] = field(default_factory=dict)
    credits: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def source_path(article: Any) -> str:
    """The post's index key: its source path relative to the content folder."""
    return str(article.relative_source_path).replace("\\", "/")


def credits_of(article: Any) -> tuple[str, ...]:
    """Profile slugs credited on a post by git history who are not its authors."""
    authors = {str(getattr(a, "slug", "")).lower() for a in getattr(article, "authors", ()) or ()}
    found: list[str] = []
    for credit in getattr(article, "contributors", None) or ():
        slug = getattr(credit, "slug", None)
        if slug and slug not in authors and slug not in found:
            found.append(str(slug))
    return tuple(found)


def collect(profiles: Mapping[str, AuthorInfo], articles: Iterable[Any]) -> PeopleFacts:
    """Gather the facts for the published posts of one build."""
    credits = {source_path(a): found for a in articles if (found := credits_of(a))}
    return PeopleFacts(people=dict(profiles), credits=credits)


def to_json(facts: PeopleFacts) -> str:
    """Serialize deterministically (same facts, same bytes)."""
    data = {
        "format": FORMAT,
        "people": {
            slug: {"name": info.name, "team": info.team, "expertise": list(info.expertise)}
            for slug, info in sorted(facts.people.items())
        },
        "credits": {path: list(slugs) for path, slugs in sorted(facts.credits.items())},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_people(index_dir: Path, facts: PeopleFacts) -> bool:
    """Write people.json into `index_dir` unless it already holds the same; return if written."""
    target = index_dir / PEOPLE_FILE
    text = to_json(facts)
    try:
        if target.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    temp = index_dir / f".{PEOPLE_FILE}.tmp"
    temp.write_text(text, encoding="utf-8")
    temp.replace(target)
    return True


def read_people(index_dir: Path) -> PeopleFacts:
    """Read people.json from `index_dir`; a missing or unreadable file gives no facts."""
    try:
        data = json.loads((index_dir / PEOPLE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return PeopleFacts()
    except (OSError, ValueError) as error:
        logger.warning("search: cannot read %s: %s", index_dir / PEOPLE_FILE, error)
        return PeopleFacts()
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        logger.warning("search: %s has an unknown format", index_dir / PEOPLE_FILE)
        return PeopleFacts()
    people: dict[str, AuthorInfo] = {}
    for slug, info in (data.get("people") or {}).items():
        if isinstance(info, dict):
            people[str(slug)] = AuthorInfo(
                name=str(info.get("name") or slug),
                team=str(info.get("team") or ""),
                expertise=tuple(str(e) for e in info.get("expertise") or ()),
            )
    credits = {
        str(path): tuple(str(s) for s in slugs)
        for path, slugs in (data.get("credits") or {}).items()
        if isinstance(slugs, list)
    }
    return PeopleFacts(people=people, credits=credits)
