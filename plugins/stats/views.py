"""Reading counts: the stored file (views per post page and day) and what it tells.

The file (STATS_VIEWS_FILE, default content/stats/views.json) holds ONLY counts per page
and day, and the time ranges of the logs already read:

    {"format": "intrablog-views/1",
     "covered": [["2026-10-01T06:25:01Z", "2026-11-23T06:24:59Z"]],
     "days": {"2026-11-02": {"posts/2026/some-post/": 14}}}

No IP address, user agent or user name is ever written. `covered` makes re-reading safe:
a hit whose time falls inside a range already covered is not counted again, so reading the
same log twice changes nothing, and reading a log that has grown since (or the next
rotated file) adds only the new hits. Days are UTC.
"""

from __future__ import annotations

import bisect
import calendar
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from plugins._shared.problems import BlogError
from plugins.people.recognition import Milestone
from plugins.stats.figures import MONTH_NAMES, Point, PostRecord, month_keys

FORMAT = "intrablog-views/1"
Interval = tuple[int, int]  # inclusive epoch seconds


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join overlapping or touching (one second apart) ranges."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True, slots=True)
class Coverage:
    """Time ranges already counted; answers "was this second counted before?" quickly."""

    intervals: tuple[Interval, ...] = ()
    starts: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, intervals: Iterable[Interval]) -> Coverage:
        """Build from any ranges (merged and sorted here)."""
        merged = tuple(merge_intervals(intervals))
        return cls(merged, tuple(start for start, _ in merged))

    def covers(self, second: int) -> bool:
        """Whether `second` (epoch) lies inside a covered range."""
        index = bisect.bisect_right(self.starts, second) - 1
        return index >= 0 and self.intervals[index][1] >= second


@dataclass(slots=True)
class ViewCounts:
    """Views per page (site-relative post URL) per UTC day, and the log time already read."""

    days: dict[date, dict[str, int]] = field(default_factory=dict)
    covered: Coverage = field(default_factory=Coverage)

    def add(self, counts: Mapping[date, Mapping[str, int]]) -> None:
        """Add new counts (from hits outside the covered ranges)."""
        for day, pages in counts.items():
            stored = self.days.setdefault(day, {})
            for page, views in pages.items():
                stored[page] = stored.get(page, 0) + views

    def cover(self, spans: Iterable[Interval]) -> None:
        """Record more log time as read."""
        self.covered = Coverage.of([*self.covered.intervals, *spans])

    def by_page(self) -> dict[str, dict[date, int]]:
        """Invert to page -> day -> views."""
        pages: dict[str, dict[date, int]] = {}
        for day, counts in self.days.items():
            for page, views in counts.items():
                pages.setdefault(page, {})[day] = views
        return pages

    @property
    def last_day(self) -> date | None:
        """The latest day with any views."""
        return max((d for d, pages in self.days.items() if pages), default=None)

    def to_json(self) -> dict[str, Any]:
        """The file's JSON, sorted so diffs stay small."""
        return {
            "format": FORMAT,
            "note": "Views per post page and UTC day from `blog stats --access-log`; "
            "no IP addresses, user agents or user names are stored.",
            "covered": [[_stamp(a), _stamp(b)] for a, b in self.covered.intervals],
            "days": {
                day.isoformat(): dict(sorted(pages.items()))
                for day, pages in sorted(self.days.items())
                if pages
            },
        }


def _stamp(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _second(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class ViewsFileError(BlogError):
    """The counts file cannot be read: `source:line: reason`."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


def parse_counts(text: str, source: str) -> ViewCounts:
    """Parse the counts file's text; ViewsFileError naming `source` and the line when wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ViewsFileError(source, error.lineno, f"not valid JSON: {error.msg}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ViewsFileError(source, 1, f'not a views file (expected "format": "{FORMAT}")')
    try:
        days = {
            date.fromisoformat(day): {str(page): int(views) for page, views in pages.items()}
            for day, pages in dict(data.get("days", {})).items()
        }
        covered = [(_second(a), _second(b)) for a, b in data.get("covered", [])]
    except (TypeError, ValueError, AttributeError) as error:
        raise ViewsFileError(source, 1, f"bad days or covered entries ({error})") from error
    if any(views < 0 for pages in days.values() for views in pages.values()):
        raise ViewsFileError(source, 1, "negative view counts")
    return ViewCounts(days=days, covered=Coverage.of(covered))


def dumps_counts(counts: ViewCounts) -> str:
    """The file's text: one line per day, so a new day is a one-line diff."""
    data = counts.to_json()
    days = data.pop("days")
    head = json.dumps(data, indent=1, ensure_ascii=False)[:-2]
    lines = [
        f" {json.dumps(day)}: {json.dumps(pages, ensure_ascii=False)}"
        for day, pages in days.items()
    ]
    return head + ',\n "days": {\n' + ",\n".join(lines) + "\n }\n}\n"


def load_counts(path: Path) -> ViewCounts:
    """Read the counts file; a missing file means no counts yet."""
    if not path.is_file():
        return ViewCounts()
    return parse_counts(path.read_text(encoding="utf-8"), str(path))


def save_counts(path: Path, counts: ViewCounts) -> None:
    """Write the counts file atomically (a crash leaves the old file, never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps_counts(counts)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".views-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).chmod(0o644)  # a normal, committable file (mkstemp makes it 0600)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class ReadPost:
    """A post and its views in a window."""

    post: PostRecord
    views: int


@dataclass(frozen=True, slots=True)
class ViewFigures:
    """Views of one scope's posts: all time, per month, and the most read in a window."""

    total: int
    per_month: tuple[Point, ...]
    window_start: date
    window_end: date
    fresh: bool
    in_window: int
    most_read: tuple[ReadPost, ...]

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON data."""
        return {
            "views_total": self.total,
            "views_per_month": {p.key: p.value for p in self.per_month},
            "window": [self.window_start.isoformat(), self.window_end.isoformat()],
            "views_in_window": self.in_window,
            "most_read": [
                {"url": r.post.url, "title": r.post.title, "views": r.views} for r in self.most_read
            ],
        }


def window(counts: ViewCounts, now: datetime, days: int) -> tuple[date, date, bool]:
    """The `days`-day window for "most read": ending today, or on the last day with counts
    when the logs have not been read lately (the page then says which days it shows)."""
    today = now.date()
    last = counts.last_day
    end = min(today, last) if last else today
    return end - timedelta(days=days - 1), end, end >= today - timedelta(days=1)


def view_figures(
    posts: Sequence[PostRecord],
    pages: Mapping[str, Mapping[date, int]],
    bounds: tuple[date, date, bool],
    now: datetime,
    *,
    months: int = 12,
    limit: int = 5,
) -> ViewFigures:
    """Views of `posts` (site-wide or one team's) from page -> day -> views."""
    start, end, fresh = bounds
    per_month: dict[tuple[int, int], int] = {}
    total = in_window = 0
    read: list[ReadPost] = []
    for post in posts:
        mine = 0
        for day, views in pages.get(post.url, {}).items():
            total += views
            per_month[(day.year, day.month - 1)] = (
                per_month.get((day.year, day.month - 1), 0) + views
            )
            if start <= day <= end:
                mine += views
        in_window += mine
        if mine:
            read.append(ReadPost(post, mine))
    read.sort(key=lambda r: (-r.views, r.post.title))
    return ViewFigures(
        total=total,
        per_month=tuple(
            Point(f"{y}-{m + 1:02d}", f"{MONTH_NAMES[m]} {y}", per_month.get((y, m), 0))
            for y, m in month_keys(now, months)
        ),
        window_start=start,
        window_end=end,
        fresh=fresh,
        in_window=in_window,
        most_read=tuple(read[:limit]),
    )


def author_views(
    posts: Iterable[PostRecord], pages: Mapping[str, Mapping[date, int]]
) -> dict[str, int]:
    """All-time views per author: each author of a post gets the post's views."""
    found: dict[str, int] = {}
    for post in posts:
        views = sum(pages.get(post.url, {}).values())
        for author in post.authors:
            found[author] = found.get(author, 0) + views
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def most_read_milestones(
    posts: Sequence[PostRecord], counts: ViewCounts, now: datetime
) -> dict[str, list[Milestone]]:
    """ "Most read post of <month>" for the authors of each month's top post.

    Only months that are over and whose first and last days have counts (logs read for the
    whole month) are judged, so a milestone never changes once given.
    """
    by_url = {p.url: p for p in posts}
    monthly: dict[tuple[int, int], dict[str, int]] = {}
    for day, pages in counts.days.items():
        bucket = monthly.setdefault((day.year, day.month), {})
        for page, views in pages.items():
            if page in by_url:
                bucket[page] = bucket.get(page, 0) + views
    this_month = (now.year, now.month)
    found: dict[str, list[Milestone]] = {}
    for (year, month), pages in sorted(monthly.items()):
        last_day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        whole = date(year, month, 1) in counts.days and last_day in counts.days
        if (year, month) >= this_month or not pages or not whole:
            continue
        url, views = min(pages.items(), key=lambda item: (-item[1], by_url[item[0]].title))
        post = by_url[url]
        when = datetime.combine(last_day, datetime.min.time(), tzinfo=UTC)
        label = f"Most read post of {calendar.month_name[month]} {year} ({views} views)"
        for author in post.authors:
            found.setdefault(author, []).append(
                Milestone("most-read", label, when, post.item or None)
            )
    return found
