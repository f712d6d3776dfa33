"""Typed, validated search settings read from pelicanconf.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugins._shared.problems import SettingsError


def _int(settings: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(
            f"pelicanconf.py: {key} must be an integer from {low} to {high}, got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class SearchIndexSettings:
    """Where the index goes and how it is built."""

    index_dir: Path
    related_count: int

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SearchIndexSettings:
        """Read SEARCH_INDEX_DIR and SEARCH_RELATED_POSTS."""
        output = Path(str(settings.get("OUTPUT_PATH", "output/site"))).resolve()
        raw = settings.get("SEARCH_INDEX_DIR", "search-index")
        if not isinstance(raw, str) or not raw.strip():
            raise SettingsError(
                f"pelicanconf.py: SEARCH_INDEX_DIR must be a folder name or path, got {raw!r}"
            )
        index_dir = (output.parent / raw).resolve()
        if index_dir == output or output in index_dir.parents or index_dir in output.parents:
            raise SettingsError(
                f"pelicanconf.py: SEARCH_INDEX_DIR {raw!r} resolves to {index_dir}, which "
                f"overlaps the served site {output}; put it beside the site (search-index)"
            )
        related = _int(settings, "SEARCH_RELATED_POSTS", 3, 0, 20)
        return cls(index_dir=index_dir, related_count=related)
