"""Typed, validated fastbuild settings read from pelicanconf.py."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugins._shared.problems import SettingsError


def _int(settings: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(
            f"pelicanconf.py: {key} must be an integer from {low} to {high}, got {value!r}"
        )
    return value


def _bool(settings: Mapping[str, Any], key: str, default: bool) -> bool:
    value = settings.get(key, default)
    if not isinstance(value, bool):
        raise SettingsError(f"pelicanconf.py: {key} must be True or False, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class FastbuildSettings:
    """How many processes convert Markdown, and whether unchanged pages are skipped."""

    processes: int
    parallel_min_files: int
    incremental: bool
    patch: bool = True

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FastbuildSettings:
        """Read FASTBUILD_PROCESSES, _PARALLEL_MIN_FILES, _INCREMENTAL and _PATCH."""
        processes = _int(settings, "FASTBUILD_PROCESSES", 0, 0, 64) or (os.cpu_count() or 1)
        return cls(
            processes=processes,
            parallel_min_files=_int(settings, "FASTBUILD_PARALLEL_MIN_FILES", 64, 1, 10**9),
            incremental=_bool(settings, "FASTBUILD_INCREMENTAL", True),
            patch=_bool(settings, "FASTBUILD_PATCH", True),
        )
