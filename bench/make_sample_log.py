"""Generate believable nginx "combined" access logs for a site's posts (sample data, benchmarks).

Readers come from a fixed pool of intranet clients (IP + browser); each post has a
popularity (Zipf-like, seeded) and a burst in the week after it is published. Around the
real reads the log has what a real one has: the home page and other pages, CSS, images
and feeds, bots and monitors, HEAD requests, 404s, quick reloads and a few malformed lines.

    python bench/make_sample_log.py --root . --start 2026-09-24 --end 2026-11-22 \\
        --per-day 150 --out /tmp/access.log
    python bench/make_sample_log.py --root . --size-mb 1024 --out /tmp/big.log   # benchmark

Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; intranet-search-crawler/1.4)",
    "UptimeRobot/2.0",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "-",
)
ASSETS = (
    "/theme/css/site.css", "/theme/css/pygments.css", "/images/replication-topology.svg",
    "/feeds/all.atom.xml", "/favicon.ico", "/theme/images/logo.svg",
)  # fmt: skip
PAGES = ("/", "/tags/", "/people/", "/teams/", "/archives/", "/experts/", "/stats/")


@dataclass(frozen=True, slots=True)
class SamplePost:
    """A post the generator can send readers to."""

    url: str
    published: dt.date
    popularity: float


def sample_posts(root: Path, rng: random.Random) -> list[SamplePost]:
    """The site's published posts with a seeded popularity."""
    from plugins._shared.catalog import read_posts
    from tools.build import load_settings

    settings = load_settings(root.resolve(), {})
    headers = [p for p in read_posts(Path(settings["PATH"]), settings, dt.UTC) if p.published]
    ranks = list(range(1, len(headers) + 1))
    rng.shuffle(ranks)
    return [
        SamplePost("/" + h.url, h.date.date(), 1.0 / rank**0.8)
        for h, rank in zip(headers, ranks, strict=True)
    ]


def _stamp(when: dt.datetime) -> str:
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{when.day:02d}/{months[when.month - 1]}/{when.year}:{when:%H:%M:%S} +0000"


def _line(ip: str, when: dt.datetime, method: str, path: str, status: int, agent: str) -> str:
    size = 0 if status == 304 else 18_000 + zlib.crc32(path.encode()) % 9_000
    return (
        f'{ip} - - [{_stamp(when)}] "{method} {path} HTTP/1.1" {status} {size} '
        f'"https://blog.northwind.example/" "{agent}"\n'
    )


def day_lines(
    day: dt.date, posts: Sequence[SamplePost], per_day: int, rng: random.Random,
    clients: Sequence[tuple[str, str]],
) -> list[str]:  # fmt: skip
    """One day of log lines, in time order."""
    live = [p for p in posts if p.published <= day]
    weights = [p.popularity * (5.0 if (day - p.published).days < 7 else 1.0) for p in live]
    weekend = day.weekday() >= 5
    reads = int(per_day * (0.25 if weekend else 1.0) * rng.uniform(0.8, 1.2))
    events: list[tuple[int, str]] = []
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

    def at(second: int) -> dt.datetime:
        return start + dt.timedelta(seconds=min(second, 86_399))

    chosen = rng.choices(live, weights, k=reads) if live else []
    for post in chosen:
        second = int(rng.triangular(6 * 3600, 19 * 3600, 10 * 3600))
        ip, agent = rng.choice(clients)
        status = 304 if rng.random() < 0.08 else 200
        path = post.url + ("?utm_source=digest" if rng.random() < 0.05 else "")
        events.append((second, _line(ip, at(second), "GET", path, status, agent)))
        if rng.random() < 0.06:  # a reload a few minutes later: not a new view
            later = second + rng.randint(20, 600)
            events.append((later, _line(ip, at(later), "GET", post.url, 304, agent)))
        for asset in rng.sample(ASSETS, k=rng.randint(0, 3)):
            events.append((second + 1, _line(ip, at(second + 1), "GET", asset, 200, agent)))
        if rng.random() < 0.4:
            page = rng.choice(PAGES)
            events.append((second - 5, _line(ip, at(second - 5), "GET", page, 200, agent)))
    for _ in range(max(1, reads // 8)):
        second = rng.randint(0, 86_399)
        target = rng.choice(live).url if live and rng.random() < 0.7 else rng.choice(PAGES)
        agent = rng.choice(BOTS)
        events.append(
            (second, _line(f"10.9.0.{rng.randint(2, 20)}", at(second), "GET", target, 200, agent))
        )
    for _ in range(max(1, reads // 60)):
        second = rng.randint(0, 86_399)
        ip, agent = rng.choice(clients)
        target = rng.choice(live).url if live else "/"
        kind = rng.random()
        if kind < 0.4:
            events.append((second, _line(ip, at(second), "HEAD", target, 200, agent)))
        elif kind < 0.8:
            events.append((second, _line(ip, at(second), "GET", target + "old/", 404, agent)))
        else:
            events.append((second, f'{ip} - - [{_stamp(at(second))}] "GET {target}" garbled\n'))
    events.sort(key=lambda event: event[0])
    return [line for _, line in events]


def clients_pool(rng: random.Random, count: int = 1500) -> list[tuple[str, str]]:
    """Intranet readers: an IP and a browser each."""
    return [
        (
            f"10.{rng.randint(10, 40)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}",
            rng.choice(BROWSERS),
        )
        for _ in range(count)
    ]


def generate(
    posts: Sequence[SamplePost], start: dt.date, per_day: int, rng: random.Random,
    end: dt.date | None = None,
) -> Iterator[str]:  # fmt: skip
    """Lines from `start` to `end` (inclusive), or on and on when `end` is None."""
    clients = clients_pool(rng)
    day = start
    while end is None or day <= end:
        yield from day_lines(day, posts, per_day, rng, clients)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Write a log file; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(), help="site root")
    parser.add_argument("--out", type=Path, required=True, help="log file (.gz: compressed)")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=None,
        help="first day (default: the newest post's day, so every post can be read)",
    )  # fmt: skip
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--per-day", type=int, default=150, help="post reads per weekday")
    parser.add_argument("--size-mb", type=float, default=None, help="stop at this size instead")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    if args.end is None and args.size_mb is None:
        parser.error("give --end or --size-mb")
    rng = random.Random(args.seed)
    posts = sample_posts(args.root, rng)
    start = args.start or max((p.published for p in posts), default=dt.date.today())
    limit = int(args.size_mb * 1024 * 1024) if args.size_mb else None
    written = 0
    opened: IO[str] = (
        gzip.open(args.out, "wt", encoding="utf-8", compresslevel=6)  # noqa: SIM115
        if args.out.suffix == ".gz"
        else args.out.open("w", encoding="utf-8")
    )
    with opened as out:
        for line in generate(posts, start, args.per_day, rng, args.end):
            out.write(line)
            written += len(line)
            if limit is not None and written >= limit:
                break
    print(f"wrote {written / 1024 / 1024:.1f} MB of log to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
