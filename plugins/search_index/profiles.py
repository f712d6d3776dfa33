"""Read authors' names, teams and declared expertise from content/authors/<slug>.md headers.

Only the `Name:`, `Team:` and `Expertise:` lines are read: the people plugin owns profiles;
the index needs names and teams to show, facet and filter, and the search service ranks
people for a query with their declared expertise (see people_file.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugins._shared.metadata import read_header, split_list


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An author's display name, team slug (empty when unknown) and declared expertise."""

    name: str
    team: str
    expertise: tuple[str, ...] = ()


def read_authors(authors_dir: Path) -> dict[str, AuthorInfo]:
    """Return slug → AuthorInfo for every profile in `authors_dir` (none if it is missing)."""
    found: dict[str, AuthorInfo] = {}
    if not authors_dir.is_dir():
        return found
    for path in sorted(authors_dir.glob("*.md")):
        header = read_header(path.read_text(encoding="utf-8", errors="replace"))
        name = header.get("name")
        team = header.get("team")
        expertise = header.get("expertise")
        found[path.stem.lower()] = AuthorInfo(
            name=name.value.strip() if name else path.stem,
            team=team.value.strip().lower() if team else "",
            expertise=tuple(split_list(expertise.value)) if expertise else (),
        )
    return found
