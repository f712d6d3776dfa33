"""Authors' names, teams and declared expertise as the search index needs them.

A view over `plugins._shared.catalog.read_profiles` (the one light reader of profile headers):
the people plugin owns profiles; the index needs names and teams to show, facet and filter,
and the search service ranks people for a query with their declared expertise (see
people_file.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plugins._shared.catalog import read_profiles


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An author's display name, team slug (empty when unknown) and declared expertise."""

    name: str
    team: str
    expertise: tuple[str, ...] = ()


def read_authors(authors_dir: Path) -> dict[str, AuthorInfo]:
    """Return slug → AuthorInfo for every profile in `authors_dir` (none if it is missing)."""
    return {
        slug.lower(): AuthorInfo(name=p.name, team=p.team.lower(), expertise=p.expertise)
        for slug, p in read_profiles(authors_dir).items()
    }
