"""Assemble the stats of a site (pages, JSON, CSV) from posts, profiles, teams and counts.

The build (plugins.stats) and `blog stats` both call `assemble`, so the page and the
reports for comms always show the same figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugins.stats.charts import BarChart, bar_chart
from plugins.stats.figures import AdoptionReport, Figures, PostRecord, adoption
from plugins.stats.settings import StatsSettings
from plugins.stats.views import ViewCounts, ViewFigures, author_views, view_figures, window


@dataclass(frozen=True, slots=True)
class StatsPage:
    """One stats page (site-wide or a team's): figures, views, charts, where it lives."""

    figures: Figures
    views: ViewFigures
    charts: tuple[BarChart, ...]
    url: str
    save_as: str

    @property
    def slug(self) -> str:
        """ "site" or the team slug."""
        return self.figures.scope

    @property
    def name(self) -> str:
        """ "All teams" or the team's name."""
        return self.figures.name

    def to_json(self) -> dict[str, Any]:
        """Figures and views as one JSON object."""
        return {**self.figures.to_json(), **self.views.to_json()}


@dataclass(frozen=True, slots=True)
class SiteStats:
    """Every stats page, plus views per author and the counts they came from."""

    site: StatsPage
    teams: dict[str, StatsPage]
    author_views: dict[str, int]
    report: AdoptionReport

    def to_json(self) -> dict[str, Any]:
        """The document `blog stats --json` prints."""
        return {
            "now": self.report.now.isoformat(),
            "site": self.site.to_json(),
            "teams": {slug: page.to_json() for slug, page in self.teams.items()},
            "author_views": self.author_views,
        }

    def to_csv(self) -> str:
        """The same figures as long-format CSV: scope, metric, key, period, value."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["scope", "metric", "key", "period", "value"])
        for page in (self.site, *self.teams.values()):
            writer.writerows(_rows(page))
        for author, views in self.author_views.items():
            writer.writerow(["author", "views_total", author, "", views])
        return out.getvalue()


def _rows(page: StatsPage) -> Iterable[list[object]]:
    f, v, scope = page.figures, page.views, page.slug
    yield [scope, "posts_total", "", "", f.posts_total]
    yield [scope, "authors_total", "", "", f.authors_total]
    for point in f.posts_per_month:
        yield [scope, "posts", "", point.key, point.value]
    for point in f.active_authors:
        yield [scope, "active_authors", "", point.key, point.value]
    for point in f.new_authors:
        yield [scope, "new_authors", "", point.key, point.value]
    quarter = f.quarter.replace(" ", "-")
    yield [scope, "posts_this_quarter", "", quarter, f.posts_this_quarter]
    yield [scope, "teams_published", "", quarter, len(f.teams_published)]
    yield [scope, "teams_total", "", "", f.teams_total]
    for tag in f.top_tags:
        yield [scope, "tag_posts", tag.label, quarter, tag.current]
        yield [scope, "tag_posts", tag.label, f.previous_quarter.replace(" ", "-"), tag.previous]
    median = "" if f.lead_time_days is None else f.lead_time_days
    yield [scope, "median_days_first_commit_to_merge", "", "", median]
    yield [scope, "posts_with_merge_history", "", "", f.lead_time_posts]
    yield [scope, "views_total", "", "", v.total]
    for point in v.per_month:
        yield [scope, "views", "", point.key, point.value]
    period = f"{v.window_start.isoformat()}/{v.window_end.isoformat()}"
    yield [scope, "views_in_window", "", period, v.in_window]
    for read in v.most_read:
        yield [scope, "most_read", read.post.url, period, read.views]


def charts(scope: str, figures: Figures, views: ViewFigures) -> tuple[BarChart, ...]:
    """The charts of one stats page."""
    prefix = f"chart-{scope}"
    return (
        bar_chart(f"{prefix}-posts", "Posts per month", figures.posts_per_month, "posts", 3),
        bar_chart(
            f"{prefix}-active",
            "Active authors per quarter",
            figures.active_authors,
            "authors",
            additive=False,
        ),
        bar_chart(f"{prefix}-new", "New authors per quarter", figures.new_authors, "authors"),
        bar_chart(f"{prefix}-views", "Views per month", views.per_month, "views", 2),
    )


def assemble(
    posts: Sequence[PostRecord],
    team_of: Mapping[str, str],
    teams: Mapping[str, str],
    counts: ViewCounts,
    settings: StatsSettings,
    now: datetime,
) -> SiteStats:
    """Figures, views and charts for the site and every team."""
    report = adoption(
        posts, team_of, teams, now,
        months=settings.months, quarters=settings.quarters, top_tags=settings.top_tags,
    )  # fmt: skip
    pages = counts.by_page()
    bounds = window(counts, report.now, settings.most_read_days)

    def page(figures: Figures, mine: Sequence[PostRecord], url: str, save_as: str) -> StatsPage:
        views = view_figures(mine, pages, bounds, report.now, limit=settings.most_read)
        return StatsPage(figures, views, charts(figures.scope, figures, views), url, save_as)

    site = page(report.site, report.posts, settings.url, settings.save_as)
    by_team = {
        slug: page(
            figures,
            [p for p in report.posts if any(team_of.get(a) == slug for a in p.authors)],
            settings.team_url.format(slug=slug),
            settings.team_save_as.format(slug=slug),
        )
        for slug, figures in report.teams.items()
    }
    return SiteStats(site, by_team, author_views(report.posts, pages), report)
