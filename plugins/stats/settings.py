"""The stats plugin's settings, validated once per build (and by `blog stats`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from plugins._shared.problems import SettingsError
from plugins._shared.settings import int_setting, site_path_setting

DEFAULT_VIEWS_FILE = "stats/views.json"


def parse_now(value: object, key: str = "STATS_NOW") -> datetime | None:
    """A pinned "now": None, a date or datetime, or an ISO string; dates mean end of day UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        text = str(value).strip()
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time.max, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise SettingsError(
            f"pelicanconf.py: {key} must be an ISO date like '2026-11-23', got {value!r}"
        ) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class StatsSettings:
    """Where counts live, the windows the figures cover, and where the pages go."""

    views_file: str = DEFAULT_VIEWS_FILE
    months: int = 24
    quarters: int = 8
    top_tags: int = 10
    most_read: int = 5
    most_read_days: int = 30
    repeat_minutes: int = 30
    url: str = "stats/"
    save_as: str = "stats/index.html"
    team_url: str = "stats/{slug}/"
    team_save_as: str = "stats/{slug}/index.html"
    bot_agents: tuple[str, ...] = ()
    now: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> StatsSettings:
        """Read and check the STATS_* settings."""
        views = settings.get("STATS_VIEWS_FILE", DEFAULT_VIEWS_FILE)
        if not isinstance(views, str) or not views.strip():
            raise SettingsError(
                "pelicanconf.py: STATS_VIEWS_FILE must be a path (relative to the content "
                f"folder, or absolute), got {views!r}"
            )
        for key in ("STATS_TEAM_URL", "STATS_TEAM_SAVE_AS"):
            value = settings.get(key)
            if value is not None and "{slug}" not in str(value):
                raise SettingsError(f"pelicanconf.py: {key} must contain {{slug}}, got {value!r}")
        bots = settings.get("STATS_BOT_AGENTS", [])
        if not isinstance(bots, list | tuple) or not all(isinstance(b, str) and b for b in bots):
            raise SettingsError(
                "pelicanconf.py: STATS_BOT_AGENTS must be a list of user-agent substrings, "
                f"got {bots!r}"
            )
        return cls(
            views_file=views,
            months=int_setting(settings, "STATS_MONTHS", 24),
            quarters=int_setting(settings, "STATS_QUARTERS", 8),
            top_tags=int_setting(settings, "STATS_TOP_TAGS", 10),
            most_read=int_setting(settings, "STATS_MOST_READ", 5),
            most_read_days=int_setting(settings, "STATS_MOST_READ_DAYS", 30),
            repeat_minutes=int_setting(settings, "STATS_REPEAT_MINUTES", 30, minimum=0),
            url=site_path_setting(settings, "STATS_URL", "stats/"),
            save_as=site_path_setting(settings, "STATS_SAVE_AS", "stats/index.html"),
            team_url=site_path_setting(settings, "STATS_TEAM_URL", "stats/{slug}/"),
            team_save_as=site_path_setting(
                settings, "STATS_TEAM_SAVE_AS", "stats/{slug}/index.html"
            ),
            bot_agents=tuple(bots),
            now=parse_now(settings.get("STATS_NOW")),
        )

    def current_time(self) -> datetime:
        """`STATS_NOW` when pinned (reproducible builds and tests), else the real time."""
        return self.now or datetime.now(UTC)

    def views_path(self, content_dir: Path) -> Path:
        """The counts file: STATS_VIEWS_FILE relative to the content folder, or absolute."""
        path = Path(self.views_file).expanduser()
        return path if path.is_absolute() else content_dir / path
