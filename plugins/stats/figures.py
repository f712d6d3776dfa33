"""Adoption figures, site-wide and per team, from plain post records.

Definitions (the stats page, `blog stats --json` and `--csv` all use these):

- Only published posts dated at or before "now" count.
- A post belongs to a team when at least one of its authors' profiles names that team; a
  post by authors of two teams counts once for each. Within a team, only the team's own
  people count as its authors (a co-author from another team counts for theirs).
- Posts per month: the last `months` calendar months, ending with the current one.
- Active authors per quarter: distinct authors with at least one post dated in the quarter.
- New authors per quarter: authors whose first post anywhere on the site is in the quarter.
- Teams that published this quarter: teams (content/teams/) with a post in the current
  quarter, out of all teams.
- Top tags: tags of posts in the current and previous quarter, ranked by the two quarters
  together (then by the current one, then by name); the trend compares the two.
- Median time to merge: see plugins.stats.landing; posts where history does not show it
  are left out, and the number of posts measured is given beside the median.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from plugins.people.experts import topic_key

SITE = "site"


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the figures need about one published post (`item`: the Pelican article, if any)."""

    slug: str
    url: str
    title: str
    date: datetime
    authors: tuple[str, ...]
    tags: tuple[str, ...] = ()
    lead_days: float | None = None
    item: object | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Point:
    """One bar of a chart: a period key ("2026-11", "2026-Q4"), its label and its value."""

    key: str
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class TagTrend:
    """A tag's posts this quarter and the previous one."""

    key: str
    label: str
    current: int
    previous: int

    @property
    def trend(self) -> str:
        """ "new", "up", "down", "same" or "gone", comparing this quarter to the previous."""
        if self.previous == 0:
            return "new" if self.current else "same"
        if self.current == 0:
            return "gone"
        if self.current == self.previous:
            return "same"
        return "up" if self.current > self.previous else "down"


@dataclass(frozen=True, slots=True)
class Figures:
    """The adoption figures of one scope: the whole site or one team."""

    scope: str
    name: str
    quarter: str
    previous_quarter: str
    posts_total: int
    authors_total: int
    posts_per_month: tuple[Point, ...]
    active_authors: tuple[Point, ...]
    new_authors: tuple[Point, ...]
    posts_this_quarter: int
    teams_published: tuple[str, ...]
    teams_total: int
    top_tags: tuple[TagTrend, ...]
    lead_time_days: float | None
    lead_time_posts: int

    @property
    def teams_share(self) -> float | None:
        """The share (0-1) of teams that published this quarter; None without teams."""
        return len(self.teams_published) / self.teams_total if self.teams_total else None

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON data."""
        share = self.teams_share
        return {
            "scope": self.scope,
            "name": self.name,
            "quarter": self.quarter,
            "posts_total": self.posts_total,
            "authors_total": self.authors_total,
            "posts_per_month": {p.key: p.value for p in self.posts_per_month},
            "active_authors_per_quarter": {p.key: p.value for p in self.active_authors},
            "new_authors_per_quarter": {p.key: p.value for p in self.new_authors},
            "posts_this_quarter": self.posts_this_quarter,
            "teams_published_this_quarter": list(self.teams_published),
            "teams_total": self.teams_total,
            "teams_share_this_quarter": None if share is None else round(share, 4),
            "top_tags": [
                {
                    "tag": t.label,
                    "this_quarter": t.current,
                    "previous_quarter": t.previous,
                    "trend": t.trend,
                }
                for t in self.top_tags
            ],
            "median_days_first_commit_to_merge": self.lead_time_days,
            "posts_with_merge_history": self.lead_time_posts,
        }


def month_keys(now: datetime, count: int) -> list[tuple[int, int]]:
    """The last `count` (year, month) pairs ending with now's month, oldest first."""
    index = now.year * 12 + now.month - 1
    return [divmod(i, 12) for i in range(index - count + 1, index + 1)]


def quarter_of(when: datetime) -> tuple[int, int]:
    """(year, quarter 1-4) of a date."""
    return when.year, (when.month - 1) // 3 + 1


def quarter_keys(now: datetime, count: int) -> list[tuple[int, int]]:
    """The last `count` (year, quarter) pairs ending with now's quarter, oldest first."""
    year, quarter = quarter_of(now)
    index = year * 4 + quarter - 1
    return [(i // 4, i % 4 + 1) for i in range(index - count + 1, index + 1)]


def quarter_label(key: tuple[int, int]) -> str:
    """ "2026 Q4"."""
    return f"{key[0]} Q{key[1]}"


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_points(posts: Iterable[PostRecord], now: datetime, months: int) -> tuple[Point, ...]:
    counts: dict[tuple[int, int], int] = {}
    for post in posts:
        key = (post.date.year, post.date.month - 1)
        counts[key] = counts.get(key, 0) + 1
    return tuple(
        Point(
            f"{year}-{month + 1:02d}", f"{MONTH_NAMES[month]} {year}", counts.get((year, month), 0)
        )
        for year, month in month_keys(now, months)
    )


def _quarter_points(
    sets: Mapping[tuple[int, int], set[str]], now: datetime, quarters: int
) -> tuple[Point, ...]:
    return tuple(
        Point(f"{key[0]}-Q{key[1]}", quarter_label(key), len(sets.get(key, set())))
        for key in quarter_keys(now, quarters)
    )


def _top_tags(
    posts: Iterable[PostRecord], current: tuple[int, int], previous: tuple[int, int], limit: int
) -> tuple[TagTrend, ...]:
    labels: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    for post in posts:
        quarter = quarter_of(post.date)
        if quarter not in (current, previous):
            continue
        for tag in dict.fromkeys(topic_key(t) for t in post.tags if topic_key(t)):
            labels.setdefault(tag, next(t for t in post.tags if topic_key(t) == tag))
            pair = counts.setdefault(tag, [0, 0])
            pair[0 if quarter == current else 1] += 1
    ranked = sorted(counts.items(), key=lambda item: (-sum(item[1]), -item[1][0], item[0]))
    return tuple(TagTrend(key, labels[key], now, before) for key, (now, before) in ranked[:limit])


def scope_figures(
    scope: str,
    name: str,
    posts: Sequence[PostRecord],
    is_member: Callable[[str], bool],
    first_posts: Mapping[str, datetime],
    teams_of_post: Callable[[PostRecord], set[str]],
    teams: Mapping[str, str],
    now: datetime,
    *,
    months: int = 24,
    quarters: int = 8,
    top_tags: int = 10,
) -> Figures:
    """Figures for the posts of one scope; `is_member` says which authors are its own."""
    active: dict[tuple[int, int], set[str]] = {}
    new: dict[tuple[int, int], set[str]] = {}
    authors: set[str] = set()
    for post in posts:
        for author in post.authors:
            if is_member(author):
                authors.add(author)
                active.setdefault(quarter_of(post.date), set()).add(author)
    for author in authors:
        new.setdefault(quarter_of(first_posts[author]), set()).add(author)
    current, previous = quarter_keys(now, 2)[::-1]
    this_quarter = [p for p in posts if quarter_of(p.date) == current]
    published = set().union(*(teams_of_post(p) for p in this_quarter)) & set(teams)
    lead = [p.lead_days for p in posts if p.lead_days is not None]
    return Figures(
        scope=scope,
        name=name,
        quarter=quarter_label(current),
        previous_quarter=quarter_label(previous),
        posts_total=len(posts),
        authors_total=len(authors),
        posts_per_month=_month_points(posts, now, months),
        active_authors=_quarter_points(active, now, quarters),
        new_authors=_quarter_points(new, now, quarters),
        posts_this_quarter=len(this_quarter),
        teams_published=tuple(sorted(published)),
        teams_total=len(teams) if scope == SITE else 1,
        top_tags=_top_tags(posts, current, previous, top_tags),
        lead_time_days=round(statistics.median(lead), 1) if lead else None,
        lead_time_posts=len(lead),
    )


def _in_team(team_of: Mapping[str, str], team: str, author: str) -> bool:
    return team_of.get(author) == team


@dataclass(frozen=True, slots=True)
class AdoptionReport:
    """Figures for the whole site and for each team (by slug, in the teams' order)."""

    site: Figures
    teams: dict[str, Figures]
    posts: tuple[PostRecord, ...]
    now: datetime


def adoption(
    posts: Iterable[PostRecord],
    team_of: Mapping[str, str],
    teams: Mapping[str, str],
    now: datetime,
    *,
    months: int = 24,
    quarters: int = 8,
    top_tags: int = 10,
) -> AdoptionReport:
    """Compute the figures site-wide and for every team in `teams` (slug -> name).

    `team_of` maps author slugs to their profile's team slug.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    counted = tuple(sorted((p for p in posts if p.date <= now), key=lambda p: (p.date, p.slug)))
    first_posts: dict[str, datetime] = {}
    for post in counted:
        for author in post.authors:
            first_posts.setdefault(author, post.date)

    def teams_of_post(post: PostRecord) -> set[str]:
        return {team_of[a] for a in post.authors if a in team_of}

    options = {"months": months, "quarters": quarters, "top_tags": top_tags}
    site = scope_figures(
        SITE, "All teams", counted, lambda _: True, first_posts, teams_of_post, teams, now,
        **options,
    )  # fmt: skip
    by_team = {}
    for slug, name in teams.items():
        mine = [p for p in counted if slug in teams_of_post(p)]
        by_team[slug] = scope_figures(
            slug, name, mine, partial(_in_team, team_of, slug), first_posts,
            teams_of_post, {slug: name}, now, **options,
        )  # fmt: skip
    return AdoptionReport(site=site, teams=by_team, posts=counted, now=now)
