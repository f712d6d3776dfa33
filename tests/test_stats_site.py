"""Stats through real builds, a real git history and the `blog stats` command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from click.testing import CliRunner

from plugins.git_metadata.history import read_history
from plugins.stats.landing import lead_days, parse_landings, read_landings
from tests.conftest import MakeSite, html, post, texts
from tests.gitrepo import commit, git, needs_git
from tools.cli import cli

ANA = "Ana López <ana@example.com>"
DEE = "Dee Web <dee@example.com>"
PROFILES = {
    "content/authors/ana.md": "Name: Ana López\nTeam: storage\nEmail: ana@example.com\n\nAna.\n",
    "content/authors/bo.md": "Name: Bo Chen\nTeam: storage\nEmail: bo@example.com\n\nBo.\n",
    "content/authors/dee.md": "Name: Dee Web\nTeam: web\nEmail: dee@example.com\n\nDee.\n",
    "content/teams/storage.md": "Name: Storage\nChampion: ana\n\nWe store things.\n",
    "content/teams/web.md": "Name: Web\nChampion: dee\n\nWe make pages.\n",
    "content/authors/sam.md": "Name: Sam Lock\nTeam: security\nEmail: sam@example.com\n\nSam.\n",
    "content/teams/security.md": "Name: Security\nChampion: sam\n\nSafe.\n",
}
POSTS = {
    "content/posts/2026/old.md": post("Old news", date="2026-08-10 10:00", authors="bo",
                                      tags="kubernetes"),
    "content/posts/2026/shared.md": post("Shared work", date="2026-10-05 10:00",
                                         authors="ana, dee", tags="postgres, css"),
    "content/posts/2026/ana.md": post("Ana again", date="2026-11-02 10:00", authors="ana",
                                      tags="postgres"),
}  # fmt: skip
VIEWS = """{
 "format": "intrablog-views/1",
 "covered": [["2026-10-01T00:00:00Z", "2026-11-14T23:59:59Z"]],
 "days": {
 "2026-10-01": {"posts/2026/old-news/": 2},
 "2026-10-12": {"posts/2026/shared-work/": 40, "posts/2026/old-news/": 3},
 "2026-10-31": {"posts/2026/ana-again/": 1},
 "2026-11-10": {"posts/2026/ana-again/": 12, "posts/2026/shared-work/": 5},
 "2026-11-14": {"posts/2026/ana-again/": 1}
 }
}
"""
SETTINGS = {"STATS_NOW": "2026-11-15", "PEOPLE_NOW": "2026-11-15", "FEATURED_NOW": "2026-11-15"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_stats_pages_charts_and_most_read(make_site: MakeSite) -> None:
    root = make_site({**PROFILES, **POSTS, "content/stats/views.json": VIEWS}, **SETTINGS)
    code, _, stderr = run("build", "--root", str(root), "--strict")
    assert code == 0, stderr
    out = root / "output/site"

    page = html(out / "stats/index.html")
    assert texts(page, "h1") == ["Stats"]
    assert texts(page, ".stats-summary__posts") == ["3"]
    assert texts(page, ".stats-summary__authors") == ["3"]
    assert texts(page, ".stats-summary__quarter") == ["2"]
    assert texts(page, ".stats-summary__teams") == ["2 of 3 (67%)"]
    assert texts(page, ".stats-summary__views") == ["64"]
    svgs = page.css("svg.chart__svg")
    assert len(svgs) == 4
    for svg in svgs:
        assert svg.attributes["role"] == "img"
        title_id, desc_id = svg.attributes["aria-labelledby"].split()
        assert svg.css_first(f"title#{title_id}").text() and svg.css_first(f"desc#{desc_id}")
    posts_chart = page.css_first("#chart-site-posts")
    assert len(posts_chart.css("rect.chart__bar")) == 24
    rows = {
        r.css_first("th").text(strip=True): r.css_first("td").text(strip=True)
        for r in posts_chart.css("table tbody tr")
    }
    assert (rows["Aug 2026"], rows["Oct 2026"], rows["Nov 2026"], rows["Sep 2026"]) == (
        "1", "1", "1", "0",
    )  # fmt: skip
    assert (
        page.css_first("#chart-site-posts desc")
        .text()
        .startswith("Posts per month, Dec 2024 to Nov 2026: 3 posts in all")
    )
    teams = [[c.text(strip=True) for c in r.css("th, td")] for r in page.css(".stats-teams tr")][1:]
    assert teams == [
        ["Security", "0", "0", "0", "0"],
        ["Storage", "2", "1", "3", "19"],  # old, shared, ana; Bo is not active this quarter
        ["Web", "1", "1", "1", "5"],
    ]
    tags = [[c.text(strip=True) for c in r.css("th, td")] for r in page.css(".stats-tags tr")][1:]
    assert tags[0] == ["postgres", "2", "0", "★ new"]
    # The window: the 30 days to the last counted day (14 Nov, yesterday).
    assert texts(page, ".most-read__list a") == ["Ana again", "Shared work"]
    assert texts(page, ".most-read__views") == ["14 views", "5 views"]

    storage = html(out / "stats/storage/index.html")
    assert texts(storage, "h1") == ["Storage: stats"]
    assert texts(storage, ".stats-summary__posts") == ["3"]
    team = html(out / "teams/storage/index.html")
    assert team.css_first(".team__stats a").attributes["href"].endswith("stats/storage/")
    assert texts(team, ".most-read__list a") == ["Ana again", "Shared work"]
    home = html(out / "index.html")
    assert texts(home, ".most-read h2") == ["Most read this month"]
    assert texts(home, ".most-read__list a")[:1] == ["Ana again"]
    assert home.css_first(".most-read time").attributes["datetime"] == "2026-10-16"
    dee = html(out / "people/dee/index.html")
    assert "Most read post of October 2026 (40 views)" in texts(dee, ".milestone__label")


def test_a_broken_counts_file_fails_the_build_with_its_line(make_site: MakeSite) -> None:
    broken = '{\n "format": "intrablog-views/1",\n "days": {,}\n}\n'
    root = make_site({**PROFILES, **POSTS, "content/stats/views.json": broken}, **SETTINGS)
    code, _, stderr = run("build", "--root", str(root))
    assert code == 1
    assert "content/stats/views.json:3: not valid JSON" in stderr
    assert "[bad-views-file]" in stderr
    assert (root / "output/site/stats/index.html").is_file()


def log_line(when: str, path: str, ip: str) -> str:
    return (
        f'{ip} - - [{when}] "GET {path} HTTP/1.1" 200 512 "-" '
        '"Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"\n'
    )


def test_blog_stats_reads_logs_and_prints_the_same_figures_as_json_and_csv(
    make_site: MakeSite, tmp_path: Path
) -> None:
    root = make_site({**PROFILES, **POSTS}, **SETTINGS)
    log = tmp_path / "access.log"
    log.write_text(
        log_line("14/Nov/2026:10:00:00 +0000", "/posts/2026/ana-again/", "10.0.0.1")
        + log_line("14/Nov/2026:10:01:00 +0000", "/posts/2026/ana-again/", "10.0.0.1")
        + log_line("14/Nov/2026:11:00:00 +0000", "/posts/2026/shared-work/", "10.0.0.2")
        + "garbage\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run("stats", "--root", str(root), "--access-log", str(log), "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert "Counted 2 views from 4 lines" in stderr and "1 malformed" in stderr
    assert data["log"]["repeats"] == 1 and data["log"]["files"][0]["first_malformed_line"] == 4
    site = data["site"]
    assert (site["posts_total"], site["views_total"], site["teams_total"]) == (3, 2, 3)
    assert site["most_read"] == [
        {"url": "posts/2026/ana-again/", "title": "Ana again", "views": 1},
        {"url": "posts/2026/shared-work/", "title": "Shared work", "views": 1},
    ]
    assert data["teams"]["web"]["views_total"] == 1 and data["teams"]["storage"]["views_total"] == 2
    assert data["author_views"] == {"ana": 2, "dee": 1, "bo": 0}
    stored = json.loads((root / "content/stats/views.json").read_text(encoding="utf-8"))
    assert stored["days"] == {
        "2026-11-14": {"posts/2026/ana-again/": 1, "posts/2026/shared-work/": 1}
    }
    assert "10.0.0" not in (root / "content/stats/views.json").read_text(encoding="utf-8")

    # Same log again, now as CSV: nothing new is counted, and the figures match the JSON.
    code, stdout, stderr = run("stats", "--root", str(root), "--access-log", str(log), "--csv")
    assert code == 0 and "Counted 0 views" in stderr and "2 already counted" in stderr
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert rows[0].keys() == {"scope", "metric", "key", "period", "value"}

    def value(scope: str, metric: str, period: str = "") -> str:
        (found,) = [
            r["value"] for r in rows
            if (r["scope"], r["metric"], r["period"]) == (scope, metric, period)
        ]  # fmt: skip
        return found

    assert value("site", "views_total") == str(site["views_total"])
    assert value("site", "posts", "2026-11") == str(site["posts_per_month"]["2026-11"])
    assert value("storage", "active_authors", "2026-Q4") == "1"
    assert value("site", "teams_published", "2026-Q4") == "2"
    assert {"scope": "author", "metric": "views_total", "key": "ana", "period": "",
            "value": "2"} in rows  # fmt: skip

    code, stdout, stderr = run("stats", "--root", str(root))
    assert code == 0 and "Stats as of 2026-11-15 (2026 Q4)" in stdout and stderr == ""


def test_blog_stats_errors(make_site: MakeSite) -> None:
    root = make_site({**PROFILES, **POSTS, "content/stats/views.json": "{\n\n oops"}, **SETTINGS)
    code, stdout, stderr = run("stats", "--root", str(root), "--json")
    assert code == 1 and stdout == ""
    assert "views.json:3: not valid JSON" in stderr
    code, _, stderr = run("stats", "--root", str(root), "--json", "--csv")
    assert code == 2 and "either --json or --csv" in stderr


def test_parse_landings_follows_renames_to_the_oldest_main_line_commit() -> None:
    output = (
        "\x1ec3\x1f2026-03-01T10:00:00+00:00\x1f\n\nR100\tposts/a.md\tposts/b.md\n"
        "\x1ec2\x1f2026-02-01T10:00:00+00:00\x1f\n\nM\tposts/a.md\n"
        "\x1ec1\x1f2026-01-01T10:00:00+00:00\x1f\n\nA\tposts/a.md\nA\tposts/gone.md\n"
        "\x1ec0\x1f2025-12-01T10:00:00+00:00\x1f\n\nD\tposts/gone.md\n"
    )
    landings = parse_landings(output)
    assert landings[PurePosixPath("posts/b.md")].sha == "c1"
    assert PurePosixPath("posts/a.md") not in landings


def day(n: int, hour: int = 10) -> str:
    return f"2026-10-{n:02d}T{hour:02d}:00:00+00:00"


@needs_git
def test_merge_time_from_a_real_history(make_site: MakeSite) -> None:
    root = make_site({**PROFILES}, GIT_METADATA_ENABLED=True, **SETTINGS)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("output/\n__pycache__/\n", encoding="utf-8")
    commit(root, {}, "Site", author=ANA, date=day(1))
    first = "content/posts/2026/first.md"
    # A branch with two commits, merged with a merge commit 3 days after its first commit.
    git(root, "checkout", "-q", "-b", "first")
    commit(root, {first: post("First", date="2026-10-02 10:00", authors="ana")}, "Draft",
           author=ANA, date=day(2))  # fmt: skip
    commit(root, {first: post("First", date="2026-10-02 10:00", authors="ana", body="More.")},
           "Review fixes", author=ANA, date=day(3))  # fmt: skip
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "Merge first", "first", author=DEE, date=day(5))
    # One commit straight on main: history cannot show a merge.
    commit(root, {"content/posts/2026/direct.md": post("Direct", date="2026-10-06 10:00",
                                                       authors="dee")},
           "Direct", author=DEE, date=day(6))  # fmt: skip
    # One commit on a branch, merged a day later.
    git(root, "checkout", "-q", "-b", "quick")
    commit(root, {"content/posts/2026/quick.md": post("Quick", date="2026-10-07 10:00",
                                                      authors="dee")},
           "Quick", author=DEE, date=day(7))  # fmt: skip
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "-m", "Merge quick", "quick", author=ANA, date=day(8))
    # Fast-forwarded: the branch's commits are on the main line themselves.
    git(root, "checkout", "-q", "-b", "ff")
    commit(root, {"content/posts/2026/ff.md": post("FF", date="2026-10-09 10:00",
                                                   authors="ana")},
           "FF 1", author=ANA, date=day(9))  # fmt: skip
    commit(root, {"content/posts/2026/ff.md": post("FF", date="2026-10-09 10:00",
                                                   authors="ana", body="Two.")},
           "FF 2", author=ANA, date=day(10))  # fmt: skip
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--ff-only", "ff")
    # A rename on main later does not move the first post's landing.
    git(root, "mv", first, "content/posts/2026/first-renamed.md")
    git(root, "commit", "-q", "-m", "Rename", author=ANA, date=day(12))

    content = root / "content"
    history = read_history(content)
    landings = read_landings(content)
    assert history is not None

    def lead(name: str) -> float | None:
        path = PurePosixPath(f"content/posts/2026/{name}.md")
        return lead_days(history.files.get(path), landings.get(path))

    assert lead("first-renamed") == 3.0
    assert lead("quick") == 1.0
    assert lead("direct") is None and lead("ff") is None
    assert landings[PurePosixPath("content/posts/2026/first-renamed.md")].date == datetime(
        2026, 10, 5, 10, tzinfo=UTC
    )

    code, stdout, stderr = run("stats", "--root", str(root), "--json")
    assert code == 0, stderr
    site = json.loads(stdout)["site"]
    assert (site["median_days_first_commit_to_merge"], site["posts_with_merge_history"]) == (2.0, 2)
    code, _, stderr = run("build", "--root", str(root))
    assert code == 0, stderr
    page = html(root / "output/site/stats/index.html")
    assert texts(page, ".stats-summary__lead")[0].startswith("2.0 days(2 posts")
