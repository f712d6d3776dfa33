"""Read authors' display names and teams from the headers of content/authors/<slug>.md.

Only the `Name:` and `Team:` lines are read: the people plugin owns profiles; the index
needs these two values to show names and to facet and filter by team.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugins._shared.metadata import read_header


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An author's display name and team slug (empty when unknown)."""

    name: str
    team: str


def read_authors(authors_dir: Path) -> dict[str, AuthorInfo]:
    """Return slug → AuthorInfo for every profile in `authors_dir` (none if it is missing)."""
    found: dict[str, AuthorInfo] = {}
    if not authors_dir.is_dir():
        return found
    for path in sorted(authors_dir.glob("*.md")):
        header = read_header(path.read_text(encoding="utf-8", errors="replace"))
        name = header.get("name")
        team = header.get("team")
        found[path.stem.lower()] = AuthorInfo(
            name=name.value.strip() if name else path.stem,
            team=team.value.strip().lower() if team else "",
        )
    return found
