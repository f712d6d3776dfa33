"""The git metadata plugin's settings, validated once per build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from plugins._shared.problems import SettingsError


def _url_template(settings: Mapping[str, Any], key: str) -> str:
    value = settings.get(key, "")
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise SettingsError(f"pelicanconf.py: {key} must be a string, got {value!r}")
    try:
        value.format(path="content/posts/x.md")
    except (KeyError, IndexError, ValueError) as error:
        raise SettingsError(
            f"pelicanconf.py: {key} may only use the {{path}} placeholder, got {value!r}"
        ) from error
    if "{path}" not in value:
        raise SettingsError(f"pelicanconf.py: {key} must contain {{path}}, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class GitMetadataSettings:
    """Whether to read history, which commits to skip, and the git host's URL templates."""

    enabled: bool = True
    edit_url: str = ""
    history_url: str = ""
    ignore_emails: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> GitMetadataSettings:
        """Read and check the GIT_METADATA_* settings."""
        enabled = settings.get("GIT_METADATA_ENABLED", True)
        if not isinstance(enabled, bool):
            raise SettingsError(
                f"pelicanconf.py: GIT_METADATA_ENABLED must be True or False, got {enabled!r}"
            )
        ignore = settings.get("GIT_METADATA_IGNORE_EMAILS", [])
        if not isinstance(ignore, list | tuple) or not all(isinstance(p, str) for p in ignore):
            raise SettingsError(
                "pelicanconf.py: GIT_METADATA_IGNORE_EMAILS must be a list of email patterns, "
                f"got {ignore!r}"
            )
        return cls(
            enabled=enabled,
            edit_url=_url_template(settings, "GIT_METADATA_EDIT_URL"),
            history_url=_url_template(settings, "GIT_METADATA_HISTORY_URL"),
            ignore_emails=tuple(ignore),
        )

    def links(self, path: str) -> tuple[str, str]:
        """Return the (edit, history) URLs for a repository-relative path ("" when unset)."""
        quoted = quote(path, safe="/")
        edit = self.edit_url.format(path=quoted) if self.edit_url else ""
        history = self.history_url.format(path=quoted) if self.history_url else ""
        return edit, history
