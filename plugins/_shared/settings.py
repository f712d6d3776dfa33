"""Validators shared by the plugins' `*Settings.from_settings` constructors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins._shared.problems import SettingsError


def int_setting(settings: Mapping[str, Any], key: str, default: int, minimum: int = 1) -> int:
    """Return the integer setting `key`, refusing booleans and values below `minimum`."""
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(
            f"pelicanconf.py: {key} must be an integer of at least {minimum}, got {value!r}"
        )
    return value


def site_path_setting(settings: Mapping[str, Any], key: str, default: str) -> str:
    """Return the site-relative URL or path setting `key` (no leading slash)."""
    value = settings.get(key, default)
    if not isinstance(value, str) or not value or value.startswith("/"):
        raise SettingsError(
            f"pelicanconf.py: {key} must be a site-relative path like {default!r}, got {value!r}"
        )
    return value
