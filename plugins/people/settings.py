"""The people plugin's settings, validated once per build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from plugins._shared.problems import SettingsError
from plugins._shared.settings import int_setting, site_path_setting
from plugins.people.experts import topic_key


def _now(settings: Mapping[str, Any]) -> datetime | None:
    value = settings.get("PEOPLE_NOW")
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise SettingsError(
            f"pelicanconf.py: PEOPLE_NOW must be an ISO date like '2026-11-23', got {value!r}"
        ) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PeopleSettings:
    """Windows, limits and output paths for people, teams, experts and recognition."""

    new_voice_days: int = 120
    outdated_days: int = 730
    outdated_days_by_tag: Mapping[str, int] = field(default_factory=dict)
    experts_per_topic: int = 3
    top_quarters: int = 4
    team_url: str = "teams/{slug}/"
    team_save_as: str = "teams/{slug}/index.html"
    team_feed_atom: str = "feeds/teams/{slug}.atom.xml"
    experts_url: str = "experts/"
    experts_save_as: str = "experts/index.html"
    now: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PeopleSettings:
        """Read and check the PEOPLE_* settings."""
        by_tag = settings.get("PEOPLE_OUTDATED_DAYS_BY_TAG", {})
        if not isinstance(by_tag, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0
            for k, v in by_tag.items()
        ):
            raise SettingsError(
                "pelicanconf.py: PEOPLE_OUTDATED_DAYS_BY_TAG must map tags to positive "
                f"numbers of days, got {by_tag!r}"
            )
        return cls(
            new_voice_days=int_setting(settings, "PEOPLE_NEW_VOICE_DAYS", 120),
            outdated_days=int_setting(settings, "PEOPLE_OUTDATED_DAYS", 730, minimum=0),
            outdated_days_by_tag={topic_key(k): v for k, v in by_tag.items()},
            experts_per_topic=int_setting(settings, "PEOPLE_EXPERTS_PER_TOPIC", 3),
            top_quarters=int_setting(settings, "PEOPLE_TOP_QUARTERS", 4),
            team_url=site_path_setting(settings, "PEOPLE_TEAM_URL", "teams/{slug}/"),
            team_save_as=site_path_setting(
                settings, "PEOPLE_TEAM_SAVE_AS", "teams/{slug}/index.html"
            ),
            team_feed_atom=site_path_setting(
                settings, "PEOPLE_TEAM_FEED_ATOM", "feeds/teams/{slug}.atom.xml"
            ),
            experts_url=site_path_setting(settings, "PEOPLE_EXPERTS_URL", "experts/"),
            experts_save_as=site_path_setting(
                settings, "PEOPLE_EXPERTS_SAVE_AS", "experts/index.html"
            ),
            now=_now(settings),
        )

    def current_time(self) -> datetime:
        """`PEOPLE_NOW` when pinned (reproducible builds), else the real time."""
        return self.now or datetime.now(UTC)
