"""People and teams (plugins.people): profiles, checks, pages, recognition, outdated notes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from click.testing import CliRunner

from plugins.people.profiles import (
    Person,
    Team,
    check_directory,
    parse_person,
)
from plugins.people.recognition import (
    Credit,
    PostFacts,
    milestones,
    new_voices,
    outdated_since,
    quarterly_top,
)
from tests.conftest import REPO, MakeSite, html, post, texts
from tools.cli import cli

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def build(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


# --- pure parts ---------------------------------------------------------------------------


def test_parse_person_reads_every_field_and_drops_unsafe_links() -> None:
    text = (
        "Name: Ana López\nRole: Staff Engineer\nTeam: Storage\nEmail: Ana@Example.com\n"
        "Location: Lisbon\nExpertise: postgres, Threat Modelling\nAvatar: /images/ana.jpg\n"
        "Links: https://git.example.com/ana/, javascript:alert(1)\nLeft: 2026-06-30\n\nThe *bio*.\n"
    )
    person, problems = parse_person(
        PurePosixPath("content/authors/ana-lopez.md"), text, lambda md: f"<p>{md.strip()}</p>"
    )
    assert (person.slug, person.name, person.role, person.team, person.email) == (
        "ana-lopez", "Ana López", "Staff Engineer", "storage", "ana@example.com",
    )  # fmt: skip
    assert person.expertise == ("postgres", "Threat Modelling")
    assert person.avatar == "images/ana.jpg" and person.left == date(2026, 6, 30)
    assert [(link.url, link.label) for link in person.links] == [
        ("https://git.example.com/ana/", "git.example.com/ana")
    ]
    assert person.bio_html == "<p>The *bio*.</p>" and person.initials == "AL"
    assert [(p.line, p.code) for p in problems] == [(8, "bad-link")]


def test_directory_checks_teams_emails_and_champions() -> None:
    def person(slug: str, team: str, email: str) -> Person:
        return Person(slug, slug.title(), PurePosixPath(f"content/authors/{slug}.md"),
                      team=team, email=email, team_line=3, email_line=4)  # fmt: skip

    people = {
        "ana": person("ana", "storage", "a@x"),
        "bo": person("bo", "nowhere", "b@x"),
        "cy": person("cy", "storage", "a@x"),
    }
    teams = {
        "storage": Team("storage", "Storage", PurePosixPath("content/teams/storage.md"),
                        champion="bo", champion_line=2),
        "web": Team("web", "Web", PurePosixPath("content/teams/web.md"), champion="zed",
                    champion_line=2),
    }  # fmt: skip
    found = [(str(p), p.severity.value) for p in check_directory(people, teams)]
    assert [(text.split(": ")[0], text.rsplit(" ", 1)[1], sev) for text, sev in found] == [
        ("content/authors/bo.md:3", "[unknown-team]", "error"),
        ("content/authors/cy.md:4", "[duplicate-email]", "error"),
        ("content/teams/storage.md:2", "[champion-not-member]", "error"),
        ("content/teams/web.md:2", "[unknown-champion]", "error"),
    ]


def facts(
    when: str, *authors: str, series: str = "", credits: tuple[Credit, ...] = ()
) -> PostFacts:
    return PostFacts(
        item=when, date=datetime.fromisoformat(when).replace(tzinfo=UTC), authors=authors,
        series=series, credits=credits,
    )  # fmt: skip


def test_milestones_new_voices_and_quarters() -> None:
    mine = [facts(f"2026-0{m}-01", "ana", series="Pg" if m > 7 else "") for m in range(1, 10)]
    found = [(m.kind, m.item) for m in milestones(mine)]
    assert found == [
        ("first-post", "2026-01-01"),
        ("posts-5", "2026-05-01"),
        ("series", "2026-09-01"),
    ]
    firsts = {"old": datetime(2025, 1, 1, tzinfo=UTC), "new": datetime(2026, 10, 1, tzinfo=UTC)}
    assert [slug for slug, _ in new_voices(firsts, NOW, 90)] == ["new"]

    helped = Credit("Bo", "bo", ("reviewer",), (datetime(2026, 7, 2, tzinfo=UTC),))
    posts = [facts("2026-07-01", "ana", credits=(helped,)), facts("2026-04-01", "bo")]
    tops = quarterly_top(posts, NOW, quarters=4)
    assert [(q.label, q.by_posts, q.by_contributions) for q in tops] == [
        ("2026 Q3", (("ana", 1),), (("bo", 1),)),
        ("2026 Q2", (("bo", 1),), ()),
    ]


def test_outdated_uses_the_shortest_limit_of_its_tags() -> None:
    updated = datetime(2025, 9, 1, tzinfo=UTC)
    assert outdated_since(updated, ["postgres"], NOW, 730, {"kubernetes": 365}) is None
    assert outdated_since(updated, ["postgres", "kubernetes"], NOW, 730, {"kubernetes": 365}) == 365


# --- through a real build -------------------------------------------------------------------

SITE = {
    "content/authors/ana-lopez.md": """
        Name: Ana López
        Role: Staff Engineer
        Team: storage
        Email: ana@example.com
        Location: Lisbon
        Expertise: postgres, replication
        Links: https://git.example.com/ana-lopez

        Ana keeps **Postgres** boring.<script>alert(1)</script>
        """,
    "content/authors/bo-chen.md": "Name: Bo Chen\nRole: Engineer\nTeam: storage\n\nBo.\n",
    "content/authors/cy-old.md": "Name: Cy Old\nTeam: web\nLeft: 2026-01-31\n\nGone.\n",
    "content/authors/dee-web.md": "Name: Dee Web\nTeam: web\nExpertise: css\n\nDee.\n",
    "content/authors/eve-new.md": "Name: Eve New\nTeam: storage\n\nNew here.\n",
    "content/teams/storage.md": "Name: Storage\nChampion: ana-lopez\n\nWe *store* data.\n",
    "content/teams/web.md": "Name: Web\nChampion: dee-web\n\nWe make pages.\n",
    **{
        f"content/posts/2026/ana-{n}.md": post(
            f"Ana post {n}", date=f"2026-0{n}-10 10:00", tags="postgres",
            extra="Series: Pg" if n > 3 else "",
        )
        for n in range(1, 6)
    },
    "content/posts/2026/together.md": post(
        "Together", date="2026-07-01 10:00", authors="ana-lopez, bo-chen", tags="replication"
    ),
    "content/posts/2024/cluster.md": post(
        "Old cluster notes", date="2024-05-01 10:00", authors="cy-old", tags="kubernetes"
    ),
    "content/posts/2026/hello.md": post("Hello", date="2026-10-20 10:00", authors="eve-new"),
}  # fmt: skip
SETTINGS = {"PEOPLE_NOW": "2026-11-01", "PEOPLE_OUTDATED_DAYS_BY_TAG": {"kubernetes": 365}}


def test_people_teams_and_experts_pages(make_site: MakeSite) -> None:
    root = make_site(SITE, **SETTINGS)
    code, stdout, stderr = build(root, "--strict", "--json")
    # The only problem: the writer is told the <script> in the bio will not be published.
    assert code == 1
    problems = [(p["path"], p["line"], p["code"]) for p in json.loads(stdout)["problems"]]
    assert problems == [("content/authors/ana-lopez.md", 9, "raw-html")], stderr
    out = root / "output/site"

    # Bylines show real names and keep people/<slug>/ URLs.
    together = html(out / "posts/2026/together/index.html")
    assert texts(together, ".post-header .post-meta a[rel='author']") == ["Ana López", "Bo Chen"]
    hrefs = [a.attributes["href"] for a in together.css(".post-header a[rel='author']")]
    assert all(h.endswith(("people/ana-lopez/", "people/bo-chen/")) for h in hrefs)
    assert together.css_first(".outdated-note") is None

    ana = html(out / "people/ana-lopez/index.html")
    assert texts(ana, "h1") == ["Ana López"]
    assert texts(ana, ".profile__head .avatar") == ["AL"]
    role = ana.css_first(".profile__role")
    assert " ".join(role.text().split()) == "Staff Engineer, Storage · Lisbon"
    assert ana.css_first(".profile__role a").attributes["href"].endswith("teams/storage/")
    assert texts(ana, ".profile__bio strong") == ["Postgres"]
    assert ana.css_first(".profile__bio script") is None
    assert texts(ana, ".profile__links a") == ["git.example.com/ana-lopez"]
    assert texts(ana, ".profile__topics a")[:2] == ["postgres", "replication"]
    assert texts(ana, ".profile__count") == ["6 (1 co-written)"]
    assert ana.css_first(".profile__first").attributes["datetime"].startswith("2026-01-10")
    assert ana.css_first(".profile__latest").attributes["datetime"].startswith("2026-07-01")
    assert [n.attributes["class"] for n in ana.css(".milestone")] == [
        "milestone milestone--first-post",
        "milestone milestone--posts-5",
        "milestone milestone--series",
    ]
    assert texts(ana, "#cowritten-heading + .title-list a") == ["Together"]
    assert (
        ana.css_first(".profile a.feed-link")
        .attributes["href"]
        .endswith("feeds/people/ana-lopez.atom.xml")
    )

    # A profile without posts still gets a page.
    dee = html(out / "people/dee-web/index.html")
    assert texts(dee, "h1") == ["Dee Web"] and dee.css_first(".profile a.feed-link") is None

    # Directory: grouped by team, and two sorted variants.
    people = html(out / "people/index.html")
    assert texts(people, ".people-group h2") == ["Storage", "Web"]
    assert texts(people, "#team-storage .person__name") == ["Ana López", "Bo Chen", "Eve New"]
    assert texts(people, "#team-web .person__name") == ["Cy Old", "Dee Web"]
    assert "6 posts" in texts(people, "#team-storage .count")
    by_posts = html(out / "people/by-posts/index.html")
    assert texts(by_posts, ".person__name")[0] == "Ana López"
    assert texts(by_posts, ".sort-nav [aria-current='page']") == ["Most posts"]
    by_name = html(out / "people/by-name/index.html")
    assert texts(by_name, ".person__name") == [
        "Ana López",
        "Bo Chen",
        "Cy Old",
        "Dee Web",
        "Eve New",
    ]
    assert texts(people, ".quarter h3")[0] == "2026 Q4"

    # Teams: index, team page with champion, members, posts, feed.
    teams = html(out / "teams/index.html")
    assert texts(teams, ".team-card__name") == ["Storage", "Web"]
    storage = html(out / "teams/storage/index.html")
    assert texts(storage, ".team__description em") == ["store"]
    assert texts(storage, ".team__champion .person__name") == ["Ana López"]
    assert texts(storage, ".team__members .person__name") == ["Ana López", "Bo Chen", "Eve New"]
    assert texts(storage, ".post-card__title")[0] == "Hello"
    feed = ElementTree.parse(out / "feeds/teams/storage.atom.xml")
    atom = "{http://www.w3.org/2005/Atom}"
    assert len(feed.findall(f"{atom}entry")) == 7

    # Experts: every topic, best people first.
    experts = html(out / "experts/index.html")
    assert texts(experts, "#topic-postgres .expert-list a") == ["Ana López"]
    assert texts(experts, "#topic-replication .expert-list a") == ["Ana López", "Bo Chen"]
    assert texts(experts, "#topic-css .expert-list a") == ["Dee Web"]

    # New voices on the home page; the outdated note asks the champion when the author left.
    home = html(out / "index.html")
    assert texts(home, ".new-voices .person__name") == ["Eve New"]
    old = html(out / "posts/2024/old-cluster-notes/index.html")
    assert "may be outdated" in texts(old, ".outdated-note")[0]
    assert texts(old, ".outdated-note a") == ["Dee Web"]
    ana_post = html(out / "posts/2026/ana-post-1/index.html")
    assert ana_post.css_first(".outdated-note") is None


def test_profile_and_post_problems_fail_the_build(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/authors/ana.md": "Name: Ana\nTeam: storage\nEmail: a@x.com\n\nA.\n",
            "content/authors/bo.md": "Name: Bo\nTeam: nowhere\nEmail: A@x.com\n\nB.\n",
            "content/teams/storage.md": "Name: Storage\nChampion: bo\n\nS.\n",
            "content/posts/2026/p.md": post("P", authors="ana, ghost"),
        }
    )
    code, stdout, stderr = build(root, "--json")
    assert code == 1
    found = [(p["path"], p["line"], p["code"]) for p in json.loads(stdout)["problems"]]
    assert found == [
        ("content/authors/bo.md", 2, "unknown-team"),
        ("content/authors/bo.md", 3, "duplicate-email"),
        ("content/posts/2026/p.md", 3, "unknown-author"),
        ("content/teams/storage.md", 2, "champion-not-member"),
    ]
    assert "content/posts/2026/p.md:3: unknown author 'ghost'" in stderr
    assert stderr.count("unknown author 'ghost'") == 1  # one owner: plugins.content_checks


def test_team_pages_list_their_posts_a_page_at_a_time(make_site: MakeSite) -> None:
    root = make_site(SITE, DEFAULT_PAGINATION=3, **SETTINGS)
    assert build(root)[0] == 0
    team = root / "output/site/teams/storage"
    pages = [html(team / "index.html"), html(team / "page/2/index.html")]
    pages.append(html(team / "page/3/index.html"))
    assert not (team / "page/4").exists()
    titles = [texts(page, ".post-card__title") for page in pages]
    assert [len(t) for t in titles] == [3, 3, 1]
    assert sorted(t for page in titles for t in page) == sorted(
        ["Hello", "Together", *(f"Ana post {n}" for n in range(1, 6))]
    )
    assert titles[0][0] == "Hello"  # newest first
    # Every page counts all the team's posts and links the others; the people are on the first.
    assert all(texts(page, "#posts-heading .count") == ["7"] for page in pages)
    assert texts(pages[0], ".team__members .person__name") == ["Ana López", "Bo Chen", "Eve New"]
    assert pages[1].css_first(".team__members") is None
    assert pages[1].css_first(".team__description") is None
    assert texts(pages[1], "h1 .page-header__sub") == ["page 2"]
    assert "Storage, page 2" in texts(pages[1], "title")[0]
    links = [a.attributes["href"] for a in pages[1].css(".pagination a")]
    assert any(h.endswith("teams/storage/") for h in links)
    assert any(h.endswith("teams/storage/page/3/") for h in links)


def test_sample_profiles_and_teams_are_consistent() -> None:
    from plugins.people.generator import MarkdownRenderer, read_profiles
    from tests.conftest import REPO

    content = REPO / "content"
    people, teams = read_profiles(content, {})
    assert len(people) >= 10 and len(teams) == 5
    assert check_directory(people, teams, lambda p: (content / p).is_file()) == []
    assert all(teams[slug].champion in people for slug in teams)
    assert "<script" not in MarkdownRenderer({})("Hi <script>x()</script>")


def test_missing_avatar_is_a_warning() -> None:
    ana = Person("ana", "Ana", PurePosixPath("content/authors/ana.md"), avatar="images/ana.jpg")
    problems = check_directory({"ana": ana}, {}, avatar_exists=lambda path: False)
    assert [(p.code, p.severity.value) for p in problems] == [
        ("missing-team", "warning"),
        ("missing-avatar", "warning"),
    ]
    assert check_directory({"ana": ana}, {}, avatar_exists=lambda path: True)[1:] == []


def test_bios_are_converted_once_and_remembered_for_the_next_build(
    make_site: MakeSite, tmp_path: Path
) -> None:
    from tests.test_incremental_build import change_test_site, edit

    root = change_test_site(make_site, tmp_path)
    page = root / "output/site/people/bo-chen/index.html"
    memo_file = root / "output/cache/people-html.pickle"
    assert build(root)[0] == 0
    assert "Bio of Bo Chen." in texts(html(page), "main p")
    memo = pickle.loads(memo_file.read_bytes())
    assert sorted(memo.values()) == [
        "<p>Bio of Ana Lopez.</p>", "<p>Bio of Bo Chen.</p>", "<p>We keep the data.</p>",
    ]  # fmt: skip
    # The next build takes the HTML from the memo: a doctored entry shows.
    key = next(k for k, v in memo.items() if v == "<p>Bio of Bo Chen.</p>")
    memo[key] = "<p>Remembered, not converted.</p>"
    memo_file.write_bytes(pickle.dumps(memo))
    assert build(root)[0] == 0
    assert "Remembered, not converted." in texts(html(page), "main p")
    # A changed bio is converted again (the memo is keyed by the text).
    profile = root / "content/authors/bo-chen.md"
    edit(profile, profile.read_text(encoding="utf-8").replace("Bio of", "The **bio** of"))
    assert build(root)[0] == 0
    assert "bio" in texts(html(page), "main p strong")  # "The **bio** of Bo Chen."
    assert "<p>Remembered, not converted.</p>" not in pickle.loads(memo_file.read_bytes()).values()


def test_the_sanitizing_policys_memo_key_is_the_same_in_every_process() -> None:
    code = (
        "from plugins.sanitize.policy import SanitizePolicy;"
        "print(SanitizePolicy.from_settings({}).stable_key())"
    )

    def key_with_seed(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
            cwd=REPO,
        )  # fmt: skip
        return run.stdout

    keys = {key_with_seed(seed) for seed in ("1", "2", "3")}
    assert len(keys) == 1 and "'strong'" in keys.pop()
