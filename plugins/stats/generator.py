"""Pelican side of the stats plugin: gather records, add context, write the stats pages.

`StatsGenerator` is listed after plugins.people, so its context runs after the people
generator's (the author pages it enriches with "most read" milestones exist by then), and
before any output is written (the home and team pages see `stats_site`/`stats_by_team`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from pelican.generators import Generator

from plugins._shared.catalog import read_profiles, read_teams
from plugins._shared.problems import Problem, log_problem
from plugins.git_metadata.history import Folders
from plugins.git_metadata.settings import GitMetadataSettings
from plugins.people.recognition import Milestone, aware
from plugins.stats.figures import PostRecord
from plugins.stats.landing import Landing, lead_days, read_landings
from plugins.stats.report import SiteStats, assemble
from plugins.stats.settings import StatsSettings
from plugins.stats.views import ViewCounts, ViewsFileError, load_counts, most_read_milestones

logger = logging.getLogger(__name__)
GIT_STATE_KEY = "git_history_state"  # set by plugins.git_metadata


def record_of(
    article: Any,
    landings: Mapping[PurePosixPath, Landing],
    state: Any,
    folders: Folders | None = None,
) -> PostRecord:
    """A figures record for a Pelican article (lead time when history shows it).

    `folders`: resolved folders and their symlinks, remembered across one build's calls.
    """
    lead = None
    history = getattr(article, "git_history", None)
    if history is not None and landings and state is not None and state.history is not None:
        try:
            relative = state.history.relative(Path(article.source_path), folders)
        except ValueError:  # outside the repository
            relative = None
        if relative is not None:
            lead = lead_days(history, landings.get(relative))
    return PostRecord(
        slug=article.slug,
        url=article.url,
        title=article.title,
        date=aware(article.date),
        authors=tuple(a.slug for a in getattr(article, "authors", [])),
        tags=tuple(t.name for t in getattr(article, "tags", [])),
        lead_days=lead,
        item=article,
    )


def load_view_counts(path: Path, content: Path) -> ViewCounts:
    """The stored counts; a broken file is a build error (the page shows no views)."""
    try:
        return load_counts(path)
    except ViewsFileError as error:
        where = path.resolve()
        shown = (
            PurePosixPath(content.name, *where.relative_to(content.resolve()).parts)
            if where.is_relative_to(content.resolve())
            else PurePosixPath(where)
        )
        message = f"{error.reason}; fix it or regenerate it with `blog stats --access-log ...`"
        log_problem(logger, Problem(shown, error.line, message, "bad-views-file"))
        return ViewCounts()


def add_milestones(context: dict[str, Any], found: Mapping[str, list[Milestone]]) -> None:
    """Give people's pages their "most read" milestones (plugins.people's PersonPage)."""
    people = context.get("people_by_slug")
    if not isinstance(people, dict):
        return
    for slug, milestones in found.items():
        page = people.get(slug)
        if page is not None:
            merged = sorted((*page.milestones, *milestones), key=lambda m: aware(m.date))
            people[slug] = replace(page, milestones=tuple(merged))


class StatsGenerator(Generator):  # type: ignore[misc]  # Pelican is untyped
    """The site and team stats pages, and reading counts for the home, team, author pages."""

    stats: SiteStats | None = None

    def generate_context(self) -> None:
        """Compute every figure once and add the template variables."""
        settings = StatsSettings.from_settings(self.settings)
        now = settings.current_time()
        content = Path(self.path)
        profiles = read_profiles(content / "authors")
        teams = {slug: team.name for slug, team in read_teams(content / "teams").items()}
        team_of = {slug: p.team for slug, p in profiles.items() if p.team}
        state = self.context.get(GIT_STATE_KEY)
        landings: Mapping[PurePosixPath, Landing] = {}
        if (
            GitMetadataSettings.from_settings(self.settings).enabled
            and state is not None
            and state.history is not None
        ):
            landings = read_landings(content)
        folders: Folders = {}
        articles = self.context.get("articles", [])
        records = [record_of(a, landings, state, folders) for a in articles]
        counts = load_view_counts(settings.views_path(content), content)
        stats = assemble(records, team_of, teams, counts, settings, now)
        self.stats = stats
        add_milestones(self.context, most_read_milestones(stats.report.posts, counts, now))
        self.context.update(
            stats_site=stats.site,
            stats_by_team=stats.teams,
            stats_author_views=stats.author_views,
            # The day, not the second: an unchanged page is not rendered again each build.
            stats_now=stats.report.now.replace(hour=0, minute=0, second=0, microsecond=0),
            STATS_URL=settings.url,
        )

    def patch_post(self, post: Any) -> None:
        """Nothing to redo: a post's record holds no part of its body (plugins._shared.patching).

        Its git history may now say "uncommitted" with a later date; the record reads only
        the commits (the lead time), which a patch never changes (plugins.git_metadata).
        """

    def generate_output(self, writer: Any) -> None:
        """Write stats/ and stats/<team>/."""
        if self.stats is None:
            return
        template = self.get_template("stats")
        for page in (self.stats.site, *self.stats.teams.values()):
            writer.write_file(
                page.save_as, template, self.context, relative_urls=self.settings["RELATIVE_URLS"],
                url=page.url, stats_page=page,
            )  # fmt: skip
