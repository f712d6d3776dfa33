"""Count post views in web server access logs (nginx/Apache "combined" format), streaming.

A hit counts as one view of a post when all of these hold:

- the line parses as combined log format (otherwise it is counted as malformed, skipped);
- the method is GET (HEAD, POST... are not readers);
- the status is 200 or 304 (a 304 is a reader whose browser had the page cached);
- the path (query string dropped, a trailing index.html allowed, any prefix the site is
  served under allowed) is a post page of the site's URL scheme (ARTICLE_URL, e.g.
  posts/<year>/<slug>/): assets, feeds, images, CSS and other pages never count;
- the user agent does not look like a bot, crawler, monitor or script (BOT_AGENTS, plus
  STATS_BOT_AGENTS), and is not empty or "-";
- the same client (a hash of IP address and user agent, kept in memory only during the
  run) did not get a counted view of the same page in the previous `repeat_seconds`;
- the hit's time is not in a range already counted by an earlier run (see views.py).

Memory stays flat: lines are read one at a time, and the repeat-hit table is pruned of
entries older than the window as time advances. Counts are per UTC day.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from string import Formatter
from typing import Any

from plugins.stats.views import Coverage, Interval

# A quoted field with backslash escapes, written as an "unrolled loop" (4x faster than
# (?:[^"\\]|\\.)* on long user agents). Groups: ip, time, request, status, agent.
_QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'
_LINE = re.compile(
    rf'(\S+) \S+ \S+ \[([^\]]+)\] "({_QUOTED})" (\d{{3}}) \S+ "{_QUOTED}" "({_QUOTED})"'
)
BOT_AGENTS = (
    "bot", "crawl", "spider", "slurp", "archiver", "curl", "wget", "python-", "go-http-client",
    "java/", "libwww", "okhttp", "httpclient", "headless", "phantomjs", "monitor", "uptime",
    "pingdom", "check_http", "nagios", "zabbix", "prometheus", "lighthouse", "scanner",
    "facebookexternalhit", "feedfetcher", "-",
)  # fmt: skip
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ROTATED = re.compile(r"^(?P<base>.*?)(?:\.(?P<number>\d+))?(?:\.gz)?$")
PRUNE_EVERY = 50_000
AGENT_CACHE = 10_000  # user agents repeat: remember the bot verdict for this many
_GZIP_MAGIC = b"\x1f\x8b"


def _find_post(pattern: re.Pattern[str]) -> Any:
    """Exact match first (a site at the server root), then a search (a site under a prefix)."""
    exact = re.compile(r"/?" + pattern.pattern.removeprefix("(?:^|/)")).fullmatch
    search = pattern.search

    def find(path: str) -> re.Match[str] | None:
        return exact(path) or search(path)

    return find


def post_path_pattern(article_url: str) -> re.Pattern[str]:
    """A regex finding a post page in a request path, from Pelican's ARTICLE_URL.

    Group 1 is the site-relative page ("posts/2026/some-post/"). `{slug}` and other fields
    match one path segment; `{date:%Y}` four digits, `%m`/`%d` two.
    """
    parts: list[str] = []
    for literal, name, spec, _ in Formatter().parse(article_url):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name == "date" and spec:
            parts.append(
                re.sub(
                    r"%([A-Za-z])",
                    lambda m: {"Y": r"\d{4}", "m": r"\d{2}", "d": r"\d{2}"}.get(m[1], "[^/]+"),
                    re.escape(spec).replace(r"\%", "%"),
                )
            )
        else:
            parts.append("[^/?#]+")
    body = "".join(parts)
    tail = r"(?:index\.html)?" if article_url.endswith("/") else ""
    return re.compile(rf"(?:^|/)({body}){tail}$")


def bot_pattern(extra: Iterable[str] = ()) -> re.Pattern[str]:
    """Case-insensitive substrings that mark a user agent as a bot ("-" only as a whole)."""
    words = [w.lower() for w in (*BOT_AGENTS, *extra) if w and w != "-"]
    return re.compile("|".join(re.escape(w) for w in words) + r"|^-?$", re.IGNORECASE)


def log_order(paths: Iterable[Path]) -> list[Path]:
    """Oldest first: access.log.3.gz, access.log.2.gz, access.log.1, access.log."""

    def key(path: Path) -> tuple[str, str, int]:
        match = _ROTATED.match(path.name)
        assert match is not None  # the pattern matches any name
        return str(path.parent), match["base"], -int(match["number"] or 0)

    return sorted(paths, key=key)


@dataclass(slots=True)
class FileSummary:
    """What one log file held."""

    path: str
    lines: int = 0
    counted: int = 0
    malformed: int = 0
    first_malformed: int = 0
    first: int | None = None
    last: int | None = None
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (times as ISO strings)."""
        return {
            "path": self.path,
            "lines": self.lines,
            "counted": self.counted,
            "malformed": self.malformed,
            "first_malformed_line": self.first_malformed or None,
            "first": _iso(self.first),
            "last": _iso(self.last),
            "error": self.error or None,
        }


def _iso(second: int | None) -> str | None:
    if second is None:
        return None
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Tally:
    """Why lines were or were not counted, over all files of a run."""

    lines: int = 0
    counted: int = 0
    malformed: int = 0
    not_get: int = 0
    not_ok: int = 0
    not_post: int = 0
    bots: int = 0
    repeats: int = 0
    already_counted: int = 0

    def to_json(self) -> dict[str, int]:
        """The tally as a dict."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class ViewCounter:
    """Feed it log files; it keeps views per day and page, and the time span of each file."""

    posts: re.Pattern[str]
    bots: re.Pattern[str]
    covered: Coverage = field(default_factory=Coverage)
    repeat_seconds: int = 1800
    counts: dict[date, dict[str, int]] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)
    files: list[FileSummary] = field(default_factory=list)
    _last: dict[tuple[int, str], int] = field(default_factory=dict)
    _agents: dict[str, bool] = field(default_factory=dict)
    _find: Any = None
    _days: dict[str, int] = field(default_factory=dict)
    _dates: dict[int, date] = field(default_factory=dict)

    @property
    def spans(self) -> list[Interval]:
        """The time range each file covered (files without a readable line cover nothing)."""
        return [(f.first, f.last) for f in self.files if f.first is not None and f.last is not None]

    def read(self, path: Path) -> FileSummary:
        """Count one file (plain or gzip, by its first bytes); a broken file ends early."""
        summary = FileSummary(str(path))
        self.files.append(summary)
        try:
            with _open(path) as lines:
                for summary.lines, line in enumerate(lines, start=1):
                    self.feed(line, summary)
        except (OSError, EOFError, zlib.error) as error:
            summary.error = f"stopped after line {summary.lines}: {error}"
        return summary

    def feed(self, line: str, summary: FileSummary) -> None:
        """Count one line."""
        tally = self.tally
        tally.lines += 1
        match = _LINE.match(line)
        second = self._seconds(match[2]) if match else None
        if match is None or second is None:
            tally.malformed += 1
            summary.malformed += 1
            summary.first_malformed = summary.first_malformed or summary.lines
            return
        if summary.first is None or second < summary.first:
            summary.first = second
        if summary.last is None or second > summary.last:
            summary.last = second
        if tally.lines % PRUNE_EVERY == 0:
            self._prune(second)
        method, _, rest = match[3].partition(" ")
        if method != "GET":
            tally.not_get += 1
            return
        status = match[4]
        if status != "200" and status != "304":
            tally.not_ok += 1
            return
        target = rest.partition(" ")[0].partition("?")[0].partition("#")[0]
        if self._find is None:
            self._find = _find_post(self.posts)
        found = self._find(target)
        if found is None:
            tally.not_post += 1
            return
        agent = match[5]
        bot = self._agents.get(agent)
        if bot is None:
            if len(self._agents) >= AGENT_CACHE:
                self._agents.clear()
            bot = self._agents[agent] = self.bots.search(agent) is not None
        if bot:
            tally.bots += 1
            return
        page = found[1]
        key = (hash((match[1], agent)), page)
        previous = self._last.get(key)
        if previous is not None and abs(second - previous) < self.repeat_seconds:
            tally.repeats += 1
            return
        self._last[key] = second
        if self.covered.covers(second):
            tally.already_counted += 1
            return
        day = self._dates.get(second // 86400)
        if day is None:
            day = self._dates[second // 86400] = date.fromordinal(_EPOCH_ORDINAL + second // 86400)
        pages = self.counts.setdefault(day, {})
        pages[page] = pages.get(page, 0) + 1
        tally.counted += 1
        summary.counted += 1

    def _prune(self, now: int) -> None:
        window = self.repeat_seconds
        stale = [key for key, when in self._last.items() if abs(now - when) >= window]
        for key in stale:
            del self._last[key]

    def _seconds(self, stamp: str) -> int | None:
        """Epoch seconds of "10/Oct/2026:13:55:36 -0700"; None when it is not one."""
        if len(stamp) != 26 or stamp[11] != ":" or stamp[20] != " ":
            return None
        day = self._days.get(stamp[:11])
        if day is None:
            try:
                month = _MONTHS[stamp[3:6]]
                parsed = date(int(stamp[7:11]), month, int(stamp[0:2]))
            except (KeyError, ValueError):
                return None
            day = self._days[stamp[:11]] = (parsed.toordinal() - _EPOCH_ORDINAL) * 86400
        zone = stamp[21:]
        clock = stamp[12:20]
        if not (clock[:2].isdigit() and clock[3:5].isdigit() and clock[6:].isdigit()):
            return None
        if zone[0] not in "+-" or not zone[1:].isdigit():
            return None
        offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1)
        return day + int(clock[:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:]) - offset


def _open(path: Path) -> io.TextIOWrapper:
    with path.open("rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    raw: Any = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def count_views(
    paths: Iterable[Path],
    posts: re.Pattern[str],
    *,
    covered: Coverage | None = None,
    repeat_seconds: int = 1800,
    bots: re.Pattern[str] | None = None,
) -> ViewCounter:
    """Read every log (oldest first) into one counter."""
    counter = ViewCounter(
        posts=posts,
        bots=bots or bot_pattern(),
        covered=covered or Coverage(),
        repeat_seconds=repeat_seconds,
    )
    for path in log_order(paths):
        counter.read(path)
    return counter


def lines_of(counter: ViewCounter) -> Iterator[str]:
    """Human lines about the run (for stderr)."""
    for summary in counter.files:
        note = f"{summary.path}: {summary.lines} lines, {summary.counted} views counted"
        if summary.malformed:
            note += (
                f", {summary.malformed} malformed line(s) skipped "
                f"(first at line {summary.first_malformed})"
            )
        if summary.error:
            note += f"; {summary.error}"
        yield note
