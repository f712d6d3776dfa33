"""Adoption stats: a stats page for the site and per team, and reading counts from logs.

Figures (definitions in plugins/stats/figures.py and landing.py): posts per month, active
and new authors per quarter, the share of teams (content/teams/) that published this
quarter, top tags with their trend (this quarter vs the previous), the median time from
first commit to merge, and views (from the counts `blog stats --access-log` stores; no
tracker, no IPs). Teams come from the authors' profiles (`Team:`); a post by authors of
two teams counts for both. Charts are inline SVG drawn at build time, each with a
<title>/<desc> and a data table. The build never reads logs: only the counts file.

Settings:
    STATS_VIEWS_FILE: the counts file, relative to the content folder or absolute
        (default "stats/views.json", i.e. content/stats/views.json).
    STATS_NOW: pin "now" (ISO date or datetime; a date means its end, UTC) for reproducible
        builds and tests; default the build time.
    STATS_MONTHS: months in "posts per month" (default 24).
    STATS_QUARTERS: quarters in the author charts (default 8).
    STATS_TOP_TAGS: tags listed (default 10).
    STATS_MOST_READ: posts in "most read" lists (default 5).
    STATS_MOST_READ_DAYS: the "most read this month" window in days (default 30).
    STATS_REPEAT_MINUTES: hits from one client on one page within this many minutes count
        once (default 30; `blog stats` reads it).
    STATS_BOT_AGENTS: extra user-agent substrings to treat as bots (`blog stats`).
    STATS_URL, STATS_SAVE_AS: the site-wide page (default stats/).
    STATS_TEAM_URL, STATS_TEAM_SAVE_AS: team pages (default stats/{slug}/).
    Pelican's ARTICLE_URL (to recognise post pages in logs) and RELATIVE_URLS, and
    GIT_METADATA_ENABLED (no merge times without history).

Template variables (context): stats_site (StatsPage: figures, views, charts, url),
stats_by_team (StatsPage by team slug), stats_author_views (views per author slug),
stats_now (midnight of the day figures are computed for), STATS_URL; stats.html gets
`stats_page`. People's milestones (plugins.people's people_by_slug) gain
"Most read post of <month>".

Problems: bad-views-file (error: the counts file is not valid; the page shows no views).
"""

from __future__ import annotations

from typing import Any

from pelican import signals

from plugins.stats.generator import StatsGenerator


def add_stats_generator(pelican: Any) -> type[StatsGenerator]:
    """Return the generator; it must come after plugins.people's in PLUGINS."""
    return StatsGenerator


def register() -> None:
    """Connect the stats generator."""
    signals.get_generators.connect(add_stats_generator)
