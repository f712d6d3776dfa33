"""Feeds for the intranet portal: JSON Feed 1.1 and an embeddable "latest posts" fragment.

Written after the HTML (a generator from `get_generators` runs its output step after the
articles'), from the published posts, newest first. A post's teams are its authors' teams
(`Team:` in content/authors/<slug>.md), so a post by two teams is in both teams' feeds.

Outputs (absolute links from SITEURL):
    feeds/all.json               JSON Feed 1.1 of the latest posts
    feeds/teams/<team>.json      the same per team (every team in content/teams/ or profiles)
    embed/latest.html            an HTML fragment (inline styles, no scripts, no images)
    embed/teams/<team>.html      the same per team

Settings:
    PORTAL_FEED_ITEMS: posts per JSON feed (default 20).
    PORTAL_EMBED_ITEMS: posts per embed fragment (default 5).
    SITEURL, SITENAME, SITESUBTITLE, DEFAULT_LANG, DEFAULT_DATE_FORMAT (Pelican's).

Template variables: none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pelican import signals
from pelican.generators import Generator

from plugins._shared.catalog import read_profiles, read_teams
from plugins._shared.problems import SettingsError
from plugins.portal.feeds import (
    FeedInfo,
    PortalItem,
    absolute,
    article_teams,
    dump_feed,
    embed_fragment,
    group_by_team,
    item_from_article,
    json_feed,
)

ALL_FEED = "feeds/all.json"
TEAM_FEED = "feeds/teams/{team}.json"
ALL_EMBED = "embed/latest.html"
TEAM_EMBED = "embed/teams/{team}.html"


def _positive(settings: Mapping[str, Any], key: str, default: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"pelicanconf.py: {key} must be a positive integer, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """How many posts the feeds and fragments hold, and the site they point to."""

    feed_items: int
    embed_items: int
    site_url: str
    site_name: str
    description: str
    language: str
    date_format: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        """Read PORTAL_FEED_ITEMS and PORTAL_EMBED_ITEMS (positive integers) and the site."""
        site_url = str(settings.get("SITEURL") or "")
        if not site_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"pelicanconf.py: SITEURL must be absolute for the portal feeds, got {site_url!r};"
                " pass --site-url"
            )
        return cls(
            feed_items=_positive(settings, "PORTAL_FEED_ITEMS", 20),
            embed_items=_positive(settings, "PORTAL_EMBED_ITEMS", 5),
            site_url=site_url.rstrip("/"),
            site_name=str(settings.get("SITENAME", "")),
            description=str(settings.get("SITESUBTITLE") or ""),
            language=str(settings.get("DEFAULT_LANG") or "en"),
            date_format=str(settings.get("DEFAULT_DATE_FORMAT") or "%d %B %Y"),
        )


def write_outputs(output: Path, files: Mapping[str, str]) -> None:
    """Write each site-relative file under `output`."""
    for relative, text in files.items():
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def portal_files(
    config: PortalSettings, items: list[PortalItem], teams: Mapping[str, str]
) -> dict[str, str]:
    """Return {site-relative path: text} for every feed and fragment."""
    home = f"{config.site_url}/"
    files: dict[str, str] = {}
    scopes: list[tuple[str, str, str, list[PortalItem]]] = [
        (ALL_FEED, ALL_EMBED, config.site_name, items)
    ]
    by_team = group_by_team(items)
    for team, name in sorted(teams.items()):
        scopes.append(
            (
                TEAM_FEED.format(team=team),
                TEAM_EMBED.format(team=team),
                f"{config.site_name}: {name}",
                by_team.get(team, []),
            )
        )
    for feed_path, embed_path, title, scoped in scopes:
        info = FeedInfo(
            title, home, absolute(config.site_url, feed_path), config.description, config.language
        )
        files[feed_path] = dump_feed(json_feed(info, scoped[: config.feed_items]))
        files[embed_path] = embed_fragment(
            f"Latest from {title}",
            scoped[: config.embed_items],
            more_url=home,
            feed_url=info.feed_url,
            date_format=config.date_format,
        )
    return files


class PortalGenerator(Generator):  # type: ignore[misc]
    """Write the JSON feeds and the embed fragments."""

    def generate_context(self) -> None:
        """Nothing to add: the portal only reads the published posts."""

    def patch_post(self, post: Any) -> None:
        """Nothing to redo: everything is computed when writing (plugins._shared.patching)."""

    def generate_output(self, writer: Any) -> None:
        """Write feeds/*.json and embed/*.html into the output directory."""
        config = PortalSettings.from_settings(self.settings)
        content_dir = Path(self.path)
        profiles = read_profiles(content_dir / "authors")
        teams = {
            slug: team.name
            for slug, team in read_teams(content_dir / "teams").items()
            if _safe_slug(slug)
        }
        for profile in profiles.values():
            if profile.team and _safe_slug(profile.team):
                teams.setdefault(profile.team, profile.team)
        articles = sorted(self.context.get("articles", []), key=lambda a: a.date, reverse=True)
        shown = latest_per_scope(articles, profiles, max(config.feed_items, config.embed_items))
        items = [item_from_article(a, config.site_url, profiles, teams) for a in shown]
        write_outputs(Path(self.output_path), portal_files(config, items, teams))


def latest_per_scope(articles: list[Any], profiles: Mapping[str, Any], count: int) -> list[Any]:
    """The newest-first posts any feed or fragment can show: the first `count` of all
    posts and of each team's posts, in their original order (the others are never shown,
    so they are not converted)."""
    keep = set(range(min(count, len(articles))))
    per_team: dict[str, int] = {}
    for number, article in enumerate(articles):
        for team in article_teams(article, profiles):
            if per_team.get(team, 0) < count:
                per_team[team] = per_team.get(team, 0) + 1
                keep.add(number)
    return [article for number, article in enumerate(articles) if number in keep]


def _safe_slug(team: str) -> bool:
    # A team slug becomes a file name: keep it to what a URL path segment holds plainly.
    return bool(team) and all(c.isalnum() or c in "-_" for c in team)


def get_portal_generator(pelican: Any) -> type[PortalGenerator]:
    """Hand Pelican the portal generator."""
    return PortalGenerator


def register() -> None:
    """Add the portal generator to every build."""
    signals.get_generators.connect(get_portal_generator)
