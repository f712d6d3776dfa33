"""Stats figures (plugins.stats): adoption per team, views, milestones, the counts file, charts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from plugins._shared.problems import SettingsError
from plugins.stats.charts import bar_chart, nice_step
from plugins.stats.figures import Point, PostRecord, adoption, month_keys, quarter_keys
from plugins.stats.settings import StatsSettings, parse_now
from plugins.stats.views import (
    Coverage,
    ViewCounts,
    ViewsFileError,
    author_views,
    load_counts,
    merge_intervals,
    most_read_milestones,
    parse_counts,
    save_counts,
    view_figures,
    window,
)

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
TEAM_OF = {"ana": "storage", "bo": "storage", "dee": "web", "eve": "web"}
TEAMS = {"storage": "Storage", "web": "Web", "security": "Security"}


def rec(slug: str, day: str, authors: str, tags: str = "", lead: float | None = None) -> PostRecord:
    when = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return PostRecord(
        slug=slug,
        url=f"posts/{when.year}/{slug}/",
        title=slug.upper(),
        date=when,
        authors=tuple(authors.split()),
        tags=tuple(t for t in tags.split() if t),
        lead_days=lead,
    )


POSTS = [
    rec("p1", "2025-12-10", "ana", "Postgres"),
    rec("p2", "2026-07-03", "ana dee", "postgres css", lead=2.0),
    rec("p3", "2026-08-20", "bo", "kubernetes", lead=4.0),
    rec("p4", "2026-10-05", "dee", "css Accessibility", lead=1.0),
    rec("p5", "2026-11-02", "ana", "postgres"),
    rec("p6", "2026-11-14", "eve", "css"),
    rec("p7", "2026-12-01", "bo", "css", lead=9.0),  # in the future: not counted
    rec("p8", "2024-10-01", "zed"),  # no profile team; before the charts' range
]


def values(points: tuple[Point, ...]) -> dict[str, int]:
    return {p.key: p.value for p in points if p.value}


def test_site_figures_on_a_hand_made_history() -> None:
    site = adoption(POSTS, TEAM_OF, TEAMS, NOW).site
    assert (site.posts_total, site.authors_total) == (7, 5)
    assert len(site.posts_per_month) == 24
    assert (site.posts_per_month[0].key, site.posts_per_month[-1].label) == ("2024-12", "Nov 2026")
    assert values(site.posts_per_month) == {
        "2025-12": 1, "2026-07": 1, "2026-08": 1, "2026-10": 1, "2026-11": 2,
    }  # fmt: skip
    assert [p.key for p in site.active_authors] == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4",
    ]  # fmt: skip
    assert values(site.active_authors) == {"2025-Q4": 1, "2026-Q3": 3, "2026-Q4": 3}
    assert values(site.new_authors) == {"2025-Q4": 1, "2026-Q3": 2, "2026-Q4": 1}
    assert (site.quarter, site.previous_quarter, site.posts_this_quarter) == (
        "2026 Q4", "2026 Q3", 3,
    )  # fmt: skip
    assert site.teams_published == ("storage", "web") and site.teams_total == 3
    assert site.teams_share == pytest.approx(2 / 3)
    assert [(t.label, t.current, t.previous, t.trend) for t in site.top_tags] == [
        ("css", 2, 1, "up"),
        ("postgres", 1, 1, "same"),
        ("Accessibility", 1, 0, "new"),
        ("kubernetes", 0, 1, "gone"),
    ]
    assert (site.lead_time_days, site.lead_time_posts) == (2.0, 3)


def test_team_figures_count_a_two_team_post_for_both_but_only_own_authors() -> None:
    teams = adoption(POSTS, TEAM_OF, TEAMS, NOW).teams
    assert list(teams) == ["storage", "web", "security"]
    storage, web, security = teams["storage"], teams["web"], teams["security"]
    assert (storage.posts_total, storage.authors_total) == (4, 2)  # p1 p2 p3 p5; ana bo
    assert values(storage.active_authors) == {"2025-Q4": 1, "2026-Q3": 2, "2026-Q4": 1}
    assert values(storage.new_authors) == {"2025-Q4": 1, "2026-Q3": 1}
    assert (storage.lead_time_days, storage.lead_time_posts) == (3.0, 2)
    assert storage.teams_published == ("storage",) and storage.teams_total == 1
    assert (web.posts_total, web.authors_total) == (3, 2)  # p2 p4 p6; dee eve (not ana)
    assert values(web.active_authors) == {"2026-Q3": 1, "2026-Q4": 2}
    assert (web.lead_time_days, web.lead_time_posts) == (1.5, 2)
    assert [(t.label, t.current, t.previous) for t in web.top_tags][:1] == [("css", 2, 1)]
    assert (security.posts_total, security.posts_this_quarter) == (0, 0)
    assert security.teams_published == () and security.lead_time_days is None
    assert security.to_json()["teams_share_this_quarter"] == 0.0


def test_periods_roll_over_years() -> None:
    assert month_keys(datetime(2026, 2, 1, tzinfo=UTC), 3) == [(2025, 11), (2026, 0), (2026, 1)]
    assert quarter_keys(datetime(2026, 2, 1, tzinfo=UTC), 3) == [(2025, 3), (2025, 4), (2026, 1)]


def counts_of(days: dict[str, dict[str, int]]) -> ViewCounts:
    return ViewCounts(days={date.fromisoformat(d): pages for d, pages in days.items()})


def test_view_figures_most_read_window_and_authors() -> None:
    counts = counts_of(
        {
            "2026-10-10": {"posts/2026/p2/": 50},  # before the 30-day window
            "2026-10-20": {"posts/2026/p2/": 4, "posts/2026/p4/": 9},
            "2026-11-14": {"posts/2026/p5/": 7, "posts/2026/p4/": 1, "posts/2099/gone/": 3},
        }
    )
    posts = adoption(POSTS, TEAM_OF, TEAMS, NOW).posts
    bounds = window(counts, NOW, 30)
    # The last counted day (14 Nov) is yesterday: fresh, and the window ends there.
    assert bounds == (date(2026, 10, 16), date(2026, 11, 14), True)
    figures = view_figures(posts, counts.by_page(), bounds, NOW, limit=2)
    assert (figures.total, figures.in_window) == (71, 21)
    assert [(r.post.slug, r.views) for r in figures.most_read] == [("p4", 10), ("p5", 7)]
    assert values(figures.per_month) == {"2026-10": 63, "2026-11": 8}
    assert list(author_views(posts, counts.by_page()).items()) == [
        ("dee", 64), ("ana", 61), ("bo", 0), ("eve", 0), ("zed", 0),
    ]  # fmt: skip


def test_the_window_ends_on_the_last_counted_day_when_logs_are_stale() -> None:
    counts = counts_of({"2026-09-30": {"posts/2026/p3/": 2}})
    assert window(counts, NOW, 30) == (date(2026, 9, 1), date(2026, 9, 30), False)
    assert window(ViewCounts(), NOW, 7) == (date(2026, 11, 9), date(2026, 11, 15), True)


def test_most_read_milestones_only_for_whole_past_months() -> None:
    counts = counts_of(
        {
            "2026-09-01": {"posts/2026/p3/": 5},
            "2026-09-30": {"posts/2026/p2/": 4, "posts/2026/p3/": 1},
            "2026-10-02": {"posts/2026/p4/": 9},  # October: first day missing, not judged
            "2026-10-31": {"posts/2026/p4/": 1},
            "2026-11-01": {"posts/2026/p5/": 3},
            "2026-11-30": {"posts/2026/p5/": 3},  # November is not over
        }
    )
    found = most_read_milestones(adoption(POSTS, TEAM_OF, TEAMS, NOW).posts, counts, NOW)
    assert list(found) == ["bo"]
    (milestone,) = found["bo"]
    assert milestone.kind == "most-read"
    assert milestone.label == "Most read post of September 2026 (6 views)"
    assert milestone.date == datetime(2026, 9, 30, tzinfo=UTC)


def test_counts_file_round_trip_is_small_and_has_no_client_data(tmp_path: Path) -> None:
    counts = counts_of({"2026-11-02": {"posts/2026/b/": 2, "posts/2026/a/": 1}})
    counts.cover([(100, 200), (201, 300), (500, 600)])
    path = tmp_path / "stats" / "views.json"
    save_counts(path, counts)
    text = path.read_text(encoding="utf-8")
    assert '"2026-11-02": {"posts/2026/a/": 1, "posts/2026/b/": 2}' in text
    assert json.loads(text)["covered"] == [
        ["1970-01-01T00:01:40Z", "1970-01-01T00:05:00Z"],
        ["1970-01-01T00:08:20Z", "1970-01-01T00:10:00Z"],
    ]
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    again = load_counts(path)
    assert again.days == counts.days and again.covered == counts.covered
    assert load_counts(tmp_path / "missing.json").days == {}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{\n "format": "intrablog-views/1",\n "days": {,}\n}', 3, "not valid JSON"),
        ('{"format": "other"}', 1, "not a views file"),
        ('{"format": "intrablog-views/1", "days": {"2026-13-01": {}}}', 1, "bad days"),
        ('{"format": "intrablog-views/1", "days": {"2026-11-01": {"p": -1}}}', 1, "negative"),
    ],
)
def test_a_broken_counts_file_names_the_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(ViewsFileError) as caught:
        parse_counts(text, "content/stats/views.json")
    assert caught.value.line == line and reason in caught.value.reason
    assert str(caught.value).startswith(f"content/stats/views.json:{line}: ")


def test_coverage_merges_and_answers() -> None:
    assert merge_intervals([(10, 20), (0, 5), (6, 9), (30, 40)]) == [(0, 20), (30, 40)]
    coverage = Coverage.of([(10, 20), (30, 40)])
    assert [coverage.covers(s) for s in (9, 10, 20, 21, 35, 41)] == [
        False, True, True, False, True, False,
    ]  # fmt: skip


def test_bar_chart_layout_and_description() -> None:
    points = [Point("2026-Q3", "2026 Q3", 3), Point("2026-Q4", "2026 Q4", 7)]
    chart = bar_chart("c", "Posts", points, "posts")
    assert nice_step(7) == 2 and [g.value for g in chart.gridlines] == [0, 2, 4, 6, 8]
    tall, short = chart.bars[1], chart.bars[0]
    assert tall.y + tall.height == short.y + short.height == chart.baseline
    assert tall.height == pytest.approx(172 * 7 / 8, abs=0.1)
    assert chart.description == (
        "Posts, 2026 Q3 to 2026 Q4: 10 posts in all, most in 2026 Q4 (7). "
        "The table below has every value."
    )
    distinct = bar_chart("d", "Active", points, "authors", additive=False)
    assert "in all" not in distinct.description and chart.unit_one == "post"


def test_settings_are_checked() -> None:
    assert StatsSettings.from_settings({}).views_file == "stats/views.json"
    assert parse_now("2026-11-23") == datetime(2026, 11, 23, 23, 59, 59, 999999, tzinfo=UTC)
    for bad in ({"STATS_MONTHS": 0}, {"STATS_NOW": "soon"}, {"STATS_TEAM_URL": "stats/x/"},
                {"STATS_BOT_AGENTS": "bot"}, {"STATS_VIEWS_FILE": ""}):  # fmt: skip
        with pytest.raises(SettingsError):
            StatsSettings.from_settings(bad)
