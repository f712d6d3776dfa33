"""The featured plugin's settings, read and checked once per build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Self

from plugins._shared.problems import SettingsError

DEFAULT_FILE = "featured.yml"
DEFAULT_LIMIT = 3


def resolve_today(value: object, key: str = "FEATURED_NOW") -> dt.date:
    """Return the curation date: `value` (a date or YYYY-MM-DD), or today in UTC when None."""
    if value is None or value == "":
        return dt.datetime.now(dt.UTC).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SettingsError(f"pelicanconf.py: {key} must be None or a date YYYY-MM-DD, got {value!r}")


@dataclass(frozen=True, slots=True)
class FeaturedSettings:
    """Where the curation file is, how many posts the hero shows, and what day it is."""

    file: PurePosixPath
    limit: int
    today: dt.date

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        """Read FEATURED_FILE, FEATURED_LIMIT and FEATURED_NOW, raising SettingsError."""
        file = settings.get("FEATURED_FILE", DEFAULT_FILE)
        if not isinstance(file, str) or not file or file.startswith("/") or ".." in file:
            raise SettingsError(
                f"pelicanconf.py: FEATURED_FILE must be a path inside content/, got {file!r}"
            )
        limit = settings.get("FEATURED_LIMIT", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise SettingsError(
                f"pelicanconf.py: FEATURED_LIMIT must be a positive integer, got {limit!r}"
            )
        today = resolve_today(settings.get("FEATURED_NOW"))
        return cls(file=PurePosixPath(file), limit=limit, today=today)
