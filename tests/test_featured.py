"""Curation from featured.yml: parsing with line numbers, date windows, and the home page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from plugins._shared.problems import SettingsError, Severity
from plugins.featured.config import FeaturedSettings, resolve_today
from plugins.featured.selection import (
    Curation,
    FeaturedEntry,
    Spotlight,
    parse_curation,
    select_banner,
    select_featured,
    select_spotlights,
    validate_curation,
)
from tests.conftest import MakeSite, html, post, texts
from tools.cli import cli

PATH = PurePosixPath("content/featured.yml")
D = dt.date


def profile(name: str, role: str = "Engineer", team: str = "storage") -> str:
    # Each person needs their own email (plugins.people: duplicate-email).
    email = name.split()[0].lower()
    return f"Name: {name}\nRole: {role}\nTeam: {team}\nEmail: {email}@example.com\n\nBio.\n"


CURATION = """\
# Comms' hand-written header.
featured:
  - post: first
    blurb: The first post, featured for a week.
    from: 2026-11-01
    until: 2026-11-07
  - post: second
    order: 1
spotlight:
  - author: ana-lopez
    reason: Ran the reading group.
    from: 2026-11-01
    until: 2026-11-30
banner:
  text: Write for the year-end issue.
  link: /pages/writing-guide/
  until: 2026-11-07
"""


def test_a_window_includes_its_first_and_last_day_and_not_the_day_after() -> None:
    curation, problems = parse_curation(CURATION, PATH)
    assert problems == []
    posts = {"first": "FIRST", "second": "SECOND"}

    def shown(day: dt.date) -> list[str]:
        return [c.article for c in select_featured(curation, day, posts, limit=5)]

    assert shown(D(2026, 10, 31)) == ["SECOND"]
    assert shown(D(2026, 11, 1)) == ["SECOND", "FIRST"]  # explicit order first
    assert shown(D(2026, 11, 7)) == ["SECOND", "FIRST"]
    assert shown(D(2026, 11, 8)) == ["SECOND"]
    assert select_banner(curation, D(2026, 11, 7)) is not None
    assert select_banner(curation, D(2026, 11, 8)) is None


def test_entries_keep_file_order_unless_ordered_and_the_limit_applies() -> None:
    curation = Curation(
        featured=(
            FeaturedEntry("a", line=1),
            FeaturedEntry("b", line=2, order=2),
            FeaturedEntry("missing", line=3, order=1),
            FeaturedEntry("c", line=4),
            FeaturedEntry("a", line=5),
        )
    )
    posts = {"a": "A", "b": "B", "c": "C"}
    chosen = select_featured(curation, D(2026, 1, 1), posts, limit=3)
    assert [c.article for c in chosen] == ["B", "A", "C"]
    assert [c.article for c in select_featured(curation, D(2026, 1, 1), posts, limit=1)] == ["B"]


def test_spotlights_carry_name_role_and_team_from_the_profile() -> None:
    curation = Curation(
        spotlights=(
            Spotlight("ana", "Ran the group."),
            Spotlight("bo", "Not yet.", start=D(2026, 2, 1)),
            Spotlight("nobody", "No profile."),
        )
    )

    class Profile:
        name, role, team = "Ana López", "Staff Engineer", "storage"

    people = select_spotlights(
        curation,
        D(2026, 1, 1),
        {"ana": Profile(), "bo": Profile()},
        {"storage": "Storage"},
        {"ana": "people/ana/"},
    )
    assert [(p.name, p.role, p.team_name, p.reason, p.url) for p in people] == [
        ("Ana López", "Staff Engineer", "Storage", "Ran the group.", "people/ana/")
    ]


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("featured:\n  - post: a\n    from: 2026-12-01\n    until: 2026-11-01\n", 3, "bad-window"),
        ("featured:\n  - post: a\n    until: 2026-13-01\n", 3, "bad-date"),
        ("featured:\n  - post: a\n  - blurb: no post\n", 3, "missing-field"),
        ("featured:\n  - post: a\n    untill: 2026-11-01\n", 3, "unknown-key"),
        ("spotlight:\n  - author: ana\n", 2, "missing-field"),
        ("banner:\n  text: Hi\n  link: javascript:alert(1)\n", 3, "bad-link"),
        ("featured:\n  - post: a\n   bad: [\n", 3, "bad-yaml"),
        ("featuerd: []\n", 1, "unknown-key"),
    ],
)
def test_problems_name_the_yaml_line(text: str, line: int, code: str) -> None:
    curation, problems = parse_curation(text, PATH)
    assert [(p.line, p.code, p.severity) for p in problems] == [(line, code, Severity.ERROR)]
    assert str(problems[0]).startswith(f"content/featured.yml:{line}: ")
    assert str(problems[0]).endswith(f"[{code}]")
    # An invalid entry is never shown.
    assert all(e.post == "a" and e.end is None for e in curation.featured if code != "bad-yaml")


def test_validation_finds_unknown_posts_and_authors_and_warns_about_expired() -> None:
    text = (
        "featured:\n"
        "  - post: known\n    until: 2026-01-31\n"
        "  - post: nope\n"
        "  - post: a-draft\n"
        "spotlight:\n"
        "  - author: ghost\n    reason: Who?\n"
    )
    curation, problems = parse_curation(text, PATH)
    assert problems == []
    found = validate_curation(
        curation,
        PATH,
        posts={"known"},
        authors={"ana"},
        today=D(2026, 2, 1),
        unpublished={"a-draft"},
    )
    assert [(p.line, p.code, p.severity) for p in found] == [
        (2, "expired", Severity.WARNING),
        (4, "unknown-post", Severity.ERROR),
        (5, "unpublished-post", Severity.ERROR),
        (7, "unknown-author", Severity.ERROR),
    ]
    assert "add content/authors/ghost.md" in found[3].message


def test_settings_are_checked() -> None:
    assert resolve_today("2026-11-05") == D(2026, 11, 5)
    assert resolve_today(None) == dt.datetime.now(dt.UTC).date()
    with pytest.raises(SettingsError, match="FEATURED_NOW"):
        resolve_today("next tuesday")
    with pytest.raises(SettingsError, match="FEATURED_LIMIT"):
        FeaturedSettings.from_settings({"FEATURED_LIMIT": 0})


def curated_site(make_site: MakeSite, curation: str = CURATION) -> Path:
    return make_site(
        {
            "content/posts/2026/first.md": post(
                "First", date="2026-10-01 09:00", extra="Slug: first"
            ),
            "content/posts/2026/second.md": post(
                "Second", date="2026-10-02 09:00", extra="Slug: second"
            ),
            "content/posts/2026/third.md": post(
                "Third", date="2026-10-03 09:00", extra="Slug: third"
            ),
            "content/authors/ana-lopez.md": profile("Ana López", "Staff Engineer"),
            "content/teams/storage.md": "Name: Storage\nChampion: ana-lopez\n\nWe store.\n",
            "content/pages/about.md": "Title: About\n\nAbout us.\n",
            "content/featured.yml": curation,
        }
    )


def build(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--strict", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def test_home_page_shows_hero_spotlight_banner_and_marks(make_site: MakeSite) -> None:
    root = curated_site(make_site)
    code, stderr = build(root, "--now", "2026-11-07")
    assert code == 0, stderr
    out = root / "output/site"
    home = html(out / "index.html")
    assert texts(home, ".featured-card__title") == ["Second", "First"]
    assert home.css_first(".featured-card--hero .featured-card__title").text(strip=True) == "Second"
    assert texts(home, ".featured-card__blurb")[1] == "The first post, featured for a week."
    assert texts(home, ".spotlight-card__name") == ["Ana López"]
    assert texts(home, ".spotlight-card__role") == ["Staff Engineer, Storage"]
    assert texts(home, ".spotlight-card__reason") == ["Ran the reading group."]
    assert home.css_first(".spotlight-card__name a").attributes["href"] == "./people/ana-lopez/"
    # Featured posts carry a mark in the list (not in the hero, which says so already).
    marked = [
        card.css_first(".post-card__title").text(strip=True)
        for card in home.css(".post-card")
        if card.css_first(".featured-mark")
    ]
    assert marked == ["Second", "First"]
    assert home.css_first(".featured .featured-mark") is None
    # The banner is on every page, as a labelled region with a site link.
    for page in ("index.html", "pages/about/index.html", "posts/2026/third/index.html"):
        banner = html(out / page).css_first("[role='region'][aria-label='Announcement']")
        assert banner is not None, page
        assert banner.text(strip=True) == "Write for the year-end issue."
    link = html(out / "pages/about/index.html").css_first(".banner a").attributes["href"]
    assert link == "../../pages/writing-guide/"
    post_page = html(out / "posts/2026/first/index.html")
    assert texts(post_page, ".post-header .featured-mark") == ["Featured"]
    assert html(out / "posts/2026/third/index.html").css_first(".featured-mark") is None


def test_the_day_after_the_window_nothing_expired_is_shown(make_site: MakeSite) -> None:
    root = curated_site(make_site)
    code, stderr = build(root, "--now", "2026-11-08")
    assert code == 0, stderr  # expired entries never fail a --strict build
    out = root / "output/site"
    home = html(out / "index.html")
    assert texts(home, ".featured-card__title") == ["Second"]
    assert home.css_first(".banner") is None
    assert html(out / "posts/2026/first/index.html").css_first(".featured-mark") is None


def test_without_curation_the_home_page_has_no_curated_sections(make_site: MakeSite) -> None:
    root = curated_site(make_site, "# nothing yet\n")
    code, stderr = build(root, "--now", "2026-11-07")
    assert code == 0, stderr
    home = html(root / "output/site/index.html")
    assert home.css_first(".featured, .spotlight, .banner, .featured-mark") is None


def test_an_unknown_post_fails_the_build_with_the_yaml_line(make_site: MakeSite) -> None:
    text = CURATION.replace("post: second", "post: secnod")
    root = curated_site(make_site, text)
    code, stderr = build(root, "--now", "2026-11-07")
    assert code == 1
    assert "content/featured.yml:7: no post with slug 'secnod'" in stderr
    assert "[unknown-post]" in stderr
