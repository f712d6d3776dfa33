"""`blog stats`: read access logs into the stored counts, and report the adoption figures.

Without a build: post headers, profiles and teams come straight from content/ (the same
readers as `blog digest`), merge times from git, views from the counts file
(STATS_VIEWS_FILE or --counts). With `--access-log`, the logs are read first (streaming,
oldest rotated file first; see plugins/stats/access_log.py for what counts) and the new
counts are merged into the file (see plugins/stats/views.py for why re-reading a log
never double counts). The figures are the ones the stats page shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from plugins._shared.catalog import read_posts, read_profiles, read_teams
from plugins._shared.metadata import read_header, split_list
from plugins.git_metadata.history import RepoHistory, read_history
from plugins.git_metadata.settings import GitMetadataSettings
from plugins.stats.access_log import ViewCounter, bot_pattern, count_views, post_path_pattern
from plugins.stats.figures import PostRecord
from plugins.stats.landing import Landing, lead_days, read_landings
from plugins.stats.report import SiteStats, assemble
from plugins.stats.settings import StatsSettings
from plugins.stats.views import load_counts, save_counts
from tools.build import load_settings


@dataclass(frozen=True, slots=True)
class StatsRun:
    """The figures, and what reading the logs did (None without --access-log)."""

    stats: SiteStats
    counts_path: Path
    counter: ViewCounter | None


def _tags(path: Path) -> tuple[str, ...]:
    header = read_header(path.read_text(encoding="utf-8", errors="replace"))
    found = header.get("tags")
    return tuple(split_list(found.value)) if found else ()


def post_records(content: Path, settings: Mapping[str, Any]) -> list[PostRecord]:
    """Every published post as a figures record, with its merge time when git shows it."""
    zone = ZoneInfo(str(settings.get("TIMEZONE") or "UTC"))
    headers = [p for p in read_posts(content, settings, zone) if p.published]
    git = GitMetadataSettings.from_settings(settings)
    history: RepoHistory | None = None
    landings: dict[PurePosixPath, Landing] = {}
    if git.enabled:
        history = read_history(content, ignore_emails=git.ignore_emails)
        landings = read_landings(content) if history is not None else {}
    records = []
    for header in headers:
        source = content.joinpath(*header.path.parts[1:])
        lead = None
        if history is not None:
            relative = history.relative(source)
            lead = lead_days(history.files.get(relative), landings.get(relative))
        records.append(
            PostRecord(
                slug=header.slug,
                url=header.url,
                title=header.title,
                date=header.date,
                authors=header.authors,
                tags=_tags(source),
                lead_days=lead,
            )
        )
    return records


def run_stats(
    root: Path,
    *,
    logs: Sequence[Path] = (),
    counts_path: Path | None = None,
    now: datetime | None = None,
) -> StatsRun:
    """Read `logs` into the counts file (if any), then compute every figure.

    Raises:
        BlogError: no pelicanconf.py, a bad setting, or an unreadable counts file
            (`path:line: reason`).
    """
    settings = load_settings(root.resolve(), {})
    config = StatsSettings.from_settings(settings)
    if now is not None:
        config = dataclasses.replace(config, now=now)
    content = Path(settings["PATH"])
    path = counts_path or config.views_path(content)
    counts = load_counts(path)
    counter = None
    if logs:
        counter = count_views(
            logs,
            post_path_pattern(str(settings.get("ARTICLE_URL", "{slug}.html"))),
            covered=counts.covered,
            repeat_seconds=config.repeat_minutes * 60,
            bots=bot_pattern(config.bot_agents),
        )
        counts.add(counter.counts)
        counts.cover(counter.spans)
        save_counts(path, counts)
    profiles = read_profiles(content / "authors")
    teams = {slug: team.name for slug, team in read_teams(content / "teams").items()}
    team_of = {slug: p.team for slug, p in profiles.items() if p.team}
    records = post_records(content, settings)
    stats = assemble(records, team_of, teams, counts, config, config.current_time())
    return StatsRun(stats=stats, counts_path=path, counter=counter)


def summary_lines(stats: SiteStats) -> Iterator[str]:
    """A short plain-text summary (the default output of `blog stats`)."""
    site = stats.site.figures
    views = stats.site.views
    window = f"views {views.window_start:%d %b}-{views.window_end:%d %b}"
    yield f"Stats as of {stats.report.now:%Y-%m-%d} ({site.quarter})"
    yield ""
    header = ("", "posts", f"in {site.quarter}", "active authors", "views", window)
    rows: list[tuple[object, ...]] = [header]
    for page in (stats.site, *stats.teams.values()):
        f, v = page.figures, page.views
        active = f.active_authors[-1].value if f.active_authors else 0
        rows.append((page.name, f.posts_total, f.posts_this_quarter, active, v.total, v.in_window))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        yield "  ".join(cells).rstrip()
    yield ""
    published = len(site.teams_published)
    yield f"Teams that published in {site.quarter}: {published} of {site.teams_total}"
    if site.lead_time_days is None:
        yield "Median time from first commit to merge: not shown by history"
    else:
        yield (
            f"Median time from first commit to merge: {site.lead_time_days} days "
            f"({site.lead_time_posts} posts)"
        )
    if site.top_tags:
        tags = ", ".join(f"{t.label} {t.current} ({t.trend})" for t in site.top_tags[:5])
        yield f"Top tags {site.quarter}: {tags}"
    for read in views.most_read:
        yield f"Most read: {read.views:>6}  {read.post.title}"
