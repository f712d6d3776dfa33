"""Credit and recognition: git contributors, milestones, new voices, quarterly tops, staleness.

Pure functions over `PostFacts` (plain data about one post; `item` carries the Pelican
article through untouched for templates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plugins.git_metadata.history import Commit

MILESTONE_POSTS = (5, 10, 25)
SERIES_MILESTONE_POSTS = 2


@dataclass(frozen=True, slots=True)
class Credit:
    """Someone history credits on a post: a profile slug when the email matches one."""

    name: str
    slug: str | None
    roles: tuple[str, ...]
    dates: tuple[datetime, ...]

    @property
    def role_label(self) -> str:
        """Human words for the roles: "commits, review"."""
        words = {"commit": "commits", "co-author": "co-author", "reviewer": "review"}
        return ", ".join(words.get(role, role) for role in self.roles)


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What recognition needs to know about one published post."""

    item: object
    date: datetime
    authors: tuple[str, ...]
    topics: tuple[str, ...] = ()
    series: str = ""
    credits: tuple[Credit, ...] = ()

    def credited(self) -> tuple[str, ...]:
        """Profiles credited by history who are not authors of the post."""
        return tuple(
            c.slug for c in self.credits if c.slug is not None and c.slug not in self.authors
        )


@dataclass(frozen=True, slots=True)
class Milestone:
    """A moment worth celebrating on an author page."""

    kind: str
    label: str
    date: datetime
    item: object | None = None


@dataclass(frozen=True, slots=True)
class QuarterTop:
    """The most active people of one quarter, by posts and by contributions to others' posts."""

    label: str
    start: datetime
    by_posts: tuple[tuple[str, int], ...]
    by_contributions: tuple[tuple[str, int], ...]


def aware(when: datetime) -> datetime:
    """Treat a naive datetime as UTC, so every comparison is between aware ones."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def credits_from_history(
    commits: Sequence[Commit], slug_by_email: Mapping[str, str], names: Mapping[str, str]
) -> tuple[Credit, ...]:
    """Turn a file's commits (newest first) into credits; matched people show profile names."""
    found: dict[str, tuple[str, str | None, list[str], list[datetime]]] = {}
    for commit in reversed(commits):
        for role, who in (("commit", commit.author), *commit.credits):
            slug = slug_by_email.get(who.key)
            key = slug or who.key
            name = names.get(slug, who.name) if slug else who.name
            entry = found.setdefault(key, (name, slug, [], []))
            if role not in entry[2]:
                entry[2].append(role)
            entry[3].append(commit.date)
    return tuple(
        Credit(name, slug, tuple(roles), tuple(dates))
        for name, slug, roles, dates in found.values()
    )


def authored(slug: str, posts: Iterable[PostFacts]) -> list[PostFacts]:
    """Posts `slug` wrote or co-wrote, oldest first."""
    return sorted((p for p in posts if slug in p.authors), key=lambda p: aware(p.date))


def contributed(slug: str, posts: Iterable[PostFacts]) -> list[PostFacts]:
    """Posts history credits `slug` on without them being an author, newest first."""
    return sorted(
        (p for p in posts if slug in p.credited()), key=lambda p: aware(p.date), reverse=True
    )


def milestones(mine: Sequence[PostFacts]) -> list[Milestone]:
    """First post, 5th/10th/25th post, and each series with several parts (oldest first)."""
    if not mine:
        return []
    found = [Milestone("first-post", "First post", mine[0].date, mine[0].item)]
    for count in MILESTONE_POSTS:
        if len(mine) >= count:
            post = mine[count - 1]
            found.append(Milestone(f"posts-{count}", f"{count} posts", post.date, post.item))
    series: dict[str, list[PostFacts]] = {}
    for post in mine:
        if post.series:
            series.setdefault(post.series, []).append(post)
    for name, parts in series.items():
        if len(parts) >= SERIES_MILESTONE_POSTS:
            found.append(
                Milestone(
                    "series", f"Series: {name} ({len(parts)} parts)", parts[-1].date, parts[-1].item
                )
            )
    return sorted(found, key=lambda m: aware(m.date))


def new_voices(
    first_posts: Mapping[str, datetime], now: datetime, days: int
) -> list[tuple[str, datetime]]:
    """People whose first post is at most `days` old (and not in the future), newest first."""
    since = aware(now) - timedelta(days=days)
    recent = [
        (slug, first) for slug, first in first_posts.items() if since <= aware(first) <= aware(now)
    ]
    return sorted(recent, key=lambda item: (aware(item[1]), item[0]), reverse=True)


def quarter_of(when: datetime) -> tuple[int, int]:
    """(year, quarter 1-4) of a date."""
    return when.year, (when.month - 1) // 3 + 1


def _ranked(counts: Mapping[str, int], limit: int) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit])


def quarterly_top(
    posts: Iterable[PostFacts], now: datetime, quarters: int, limit: int = 3
) -> list[QuarterTop]:
    """Top people of the last `quarters` quarters with activity, newest quarter first.

    A post counts for each of its authors in the quarter of its date; a contribution is a
    credit (commit, Co-authored-by, Reviewed-by) on someone else's post, counted once per
    post in the quarter of the credit's latest date.
    """
    by_posts: dict[tuple[int, int], dict[str, int]] = {}
    by_help: dict[tuple[int, int], dict[str, int]] = {}
    latest = aware(now)
    for post in posts:
        if aware(post.date) <= latest:
            counts = by_posts.setdefault(quarter_of(post.date), {})
            for slug in post.authors:
                counts[slug] = counts.get(slug, 0) + 1
        for credit in post.credits:
            if credit.slug is None or credit.slug in post.authors or not credit.dates:
                continue
            when = max(aware(d) for d in credit.dates)
            helped = by_help.setdefault(quarter_of(when), {})
            helped[credit.slug] = helped.get(credit.slug, 0) + 1
    result = []
    for year, quarter in sorted(set(by_posts) | set(by_help), reverse=True)[:quarters]:
        start = datetime(year, 3 * quarter - 2, 1, tzinfo=UTC)
        result.append(
            QuarterTop(
                label=f"{year} Q{quarter}",
                start=start,
                by_posts=_ranked(by_posts.get((year, quarter), {}), limit),
                by_contributions=_ranked(by_help.get((year, quarter), {}), limit),
            )
        )
    return result


def stale_after(topics: Iterable[str], default_days: int, by_topic: Mapping[str, int]) -> int:
    """Days after which a post with these topics may be outdated (the shortest that applies)."""
    return min([default_days, *(by_topic[t] for t in topics if t in by_topic)])


def outdated_since(
    updated: datetime, topics: Iterable[str], now: datetime, default_days: int,
    by_topic: Mapping[str, int],
) -> int | None:  # fmt: skip
    """The staleness limit in days if a post last updated at `updated` is past it, else None."""
    limit = stale_after(topics, default_days, by_topic)
    if limit > 0 and aware(now) - aware(updated) > timedelta(days=limit):
        return limit
    return None
