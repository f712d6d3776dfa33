"""Access logs (plugins.stats.access_log): what counts as a view, rotated and gzip files,
re-reading without double counting, and malformed input that is never fatal."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

from plugins.stats.access_log import (
    bot_pattern,
    count_views,
    log_order,
    post_path_pattern,
)
from plugins.stats.views import ViewCounts

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/129.0 Safari/537.36"
POSTS = post_path_pattern("posts/{date:%Y}/{slug}/")


def hit(
    when: str, path: str, *, ip: str = "10.0.0.1", agent: str = FIREFOX, method: str = "GET",
    status: int = 200,
) -> str:  # fmt: skip
    """A combined-format line; `when` is "02/Nov/2026:10:00:00 +0000"."""
    return (
        f'{ip} - alice [{when}] "{method} {path} HTTP/1.1" {status} 5120 '
        f'"https://blog.example/" "{agent}"\n'
    )


A = "/posts/2026/alpha/"
B = "/posts/2026/beta/"
LOG = [
    hit("02/Nov/2026:10:00:00 +0000", A),  # 1 view: alpha on 2 Nov
    hit("02/Nov/2026:10:10:00 +0000", A),  # same client within 30 min: repeat
    hit("02/Nov/2026:10:10:00 +0000", A, agent=CHROME),  # same IP, other browser: a view
    hit("02/Nov/2026:10:29:59 +0000", A),  # still within 30 min of the counted one: repeat
    hit("02/Nov/2026:10:30:00 +0000", A),  # 30 min after the counted one: a view
    hit("02/Nov/2026:10:31:00 +0000", B + "index.html?utm_source=mail"),  # beta: a view
    hit("02/Nov/2026:10:32:00 +0000", B, status=304),  # other page... same client: repeat
    hit("02/Nov/2026:11:00:00 +0000", "/blog" + B, ip="10.0.0.2"),  # under a prefix: view
    hit("02/Nov/2026:11:00:01 +0000", B, ip="10.0.0.3", status=304),  # cached: a view
    hit("02/Nov/2026:11:00:02 +0000", B, ip="10.0.0.4", method="HEAD"),  # not GET
    hit("02/Nov/2026:11:00:03 +0000", B, ip="10.0.0.5", method="POST"),  # not GET
    hit("02/Nov/2026:11:00:04 +0000", B, ip="10.0.0.6", status=404),  # not OK
    hit("02/Nov/2026:11:00:05 +0000", B, ip="10.0.0.7", status=301),  # not OK
    hit("02/Nov/2026:11:00:06 +0000", "/theme/css/site.css", ip="10.0.0.8"),  # asset
    hit("02/Nov/2026:11:00:07 +0000", "/posts/2026/beta/diagram.png", ip="10.0.0.8"),  # asset
    hit("02/Nov/2026:11:00:08 +0000", "/feeds/all.atom.xml", ip="10.0.0.8"),  # feed
    hit("02/Nov/2026:11:00:09 +0000", "/tags/postgres/", ip="10.0.0.8"),  # not a post
    hit("02/Nov/2026:11:00:10 +0000", "/posts/2026/", ip="10.0.0.8"),  # not a post
    hit("02/Nov/2026:11:00:11 +0000", B, ip="10.0.0.9", agent="Googlebot/2.1"),  # bot
    hit("02/Nov/2026:11:00:12 +0000", B, ip="10.0.0.9", agent="curl/8.5.0"),  # bot
    hit("02/Nov/2026:11:00:13 +0000", B, ip="10.0.0.9", agent="-"),  # no agent: bot
    hit("02/Nov/2026:11:00:14 +0000", B, ip="10.0.0.9", agent="UptimeRobot/2.0"),  # bot
    "this is not a log line\n",  # malformed
    '10.0.0.1 - - [32/Nov/2026:10:00:00 +0000] "GET /posts/2026/alpha/ HTTP/1.1" 200 1 "-" "x"\n',
    '10.0.0.1 - - [02/Nov/2026:10:00:00 +0000] "GET /posts/2026/alpha/ HTTP/1.1" 200 1\n',
    "\n",  # empty: malformed
    hit("02/Nov/2026:23:30:00 -0100", A, ip="10.0.0.10"),  # 00:30 UTC on 3 Nov: a view
]


def write(path: Path, lines: list[str], *, compress: bool = False) -> Path:
    data = "".join(lines).encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_what_counts_as_a_view(tmp_path: Path) -> None:
    counter = count_views([write(tmp_path / "access.log", LOG)], POSTS)
    assert counter.counts == {
        date(2026, 11, 2): {"posts/2026/alpha/": 3, "posts/2026/beta/": 3},
        date(2026, 11, 3): {"posts/2026/alpha/": 1},
    }
    assert counter.tally.to_json() == {
        "lines": 27, "counted": 7, "malformed": 4, "not_get": 2, "not_ok": 2, "not_post": 5,
        "bots": 4, "repeats": 3, "already_counted": 0,
    }  # fmt: skip
    (summary,) = counter.files
    assert (summary.lines, summary.malformed, summary.first_malformed) == (27, 4, 23)
    assert summary.to_json()["first"] == "2026-11-02T10:00:00Z"
    assert summary.to_json()["last"] == "2026-11-03T00:30:00Z"


def test_post_path_and_bot_patterns() -> None:
    pattern = post_path_pattern("posts/{date:%Y}/{slug}/")
    assert pattern.search("/posts/2026/x/index.html")[1] == "posts/2026/x/"  # type: ignore[index]
    assert pattern.search("/posts/26/x/") is None
    assert bot_pattern(["InternalChecker"]).search("internalchecker/1.0")
    assert not bot_pattern().search(FIREFOX)


def test_no_repeat_window_counts_every_hit(tmp_path: Path) -> None:
    lines = [hit(f"02/Nov/2026:10:0{i}:00 +0000", A) for i in range(3)]
    counter = count_views([write(tmp_path / "a.log", lines)], POSTS, repeat_seconds=0)
    assert counter.counts == {date(2026, 11, 2): {"posts/2026/alpha/": 3}}


def test_rotated_and_gzip_files_are_read_oldest_first(tmp_path: Path) -> None:
    older = [hit("01/Nov/2026:23:50:00 +0000", A)]
    middle = [hit("02/Nov/2026:00:05:00 +0000", A), hit("02/Nov/2026:09:00:00 +0000", B)]
    newest = [hit("02/Nov/2026:12:00:00 +0000", B)]
    files = [
        write(tmp_path / "access.log", newest),
        write(tmp_path / "access.log.1", middle),
        # compressed, but named without .gz: detected by its first bytes
        write(tmp_path / "access.log.2.gz", older, compress=True),
    ]
    assert [p.name for p in log_order(files)] == ["access.log.2.gz", "access.log.1", "access.log"]
    counter = count_views(files, POSTS)
    # 00:05 is within 30 minutes of 23:50 the day before (same client): a repeat.
    assert counter.counts == {
        date(2026, 11, 1): {"posts/2026/alpha/": 1},
        date(2026, 11, 2): {"posts/2026/beta/": 2},
    }
    assert counter.tally.repeats == 1
    assert len(counter.spans) == 3


def test_rereading_never_double_counts_and_a_grown_log_adds_only_new_hits(
    tmp_path: Path,
) -> None:
    log = write(tmp_path / "access.log", LOG[:9])
    store = ViewCounts()

    def read() -> int:
        counter = count_views([log], POSTS, covered=store.covered)
        store.add(counter.counts)
        store.cover(counter.spans)
        return counter.tally.counted

    assert read() == 6
    first = {d: dict(p) for d, p in store.days.items()}
    assert read() == 0 and store.days == first
    write(log, [*LOG[:9], hit("05/Nov/2026:08:00:00 +0000", A, ip="10.0.0.42")])
    assert read() == 1
    assert store.days[date(2026, 11, 5)] == {"posts/2026/alpha/": 1}
    assert store.days[date(2026, 11, 2)] == first[date(2026, 11, 2)]


def test_a_truncated_gzip_file_is_not_fatal(tmp_path: Path) -> None:
    lines = [hit(f"02/Nov/2026:10:{m:02d}:00 +0000", A, ip=f"10.1.0.{m}") for m in range(60)]
    data = gzip.compress("".join(lines).encode())
    broken = tmp_path / "access.log.3.gz"
    broken.write_bytes(data[: len(data) // 2])
    good = write(tmp_path / "access.log", [hit("03/Nov/2026:10:00:00 +0000", B)])
    counter = count_views([broken, good], POSTS)
    assert counter.files[0].error.startswith("stopped after line")
    assert counter.counts[date(2026, 11, 3)] == {"posts/2026/beta/": 1}


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_bytes(hit("02/Nov/2026:10:00:00 +0000", A, agent="Firefox \xff").encode("latin-1"))
    assert count_views([path], POSTS).tally.counted == 1
