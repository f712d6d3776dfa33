"""The one end-to-end build of the real sample content (`blog build --strict --json`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import REPO, html, texts
from tests.gitrepo import git, needs_git
from tools.cli import cli


def sample_repository(root: Path) -> Path:
    """Copy the sample site into a fresh git repository with a known history.

    The build must not depend on how CI cloned this repository (shallow, or not a repository
    at all), and git metadata is exercised on the real content.
    """
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
    (root / "themes").symlink_to(REPO / "themes")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Sample", author="Ana López <ana.lopez@northwind.example>")
    post = root / "content/posts/2026/zero-downtime-postgres-migrations-part-1.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA late fix.\n", encoding="utf-8")
    git(
        root, "commit", "-q", "-am",
        "Fix a typo\n\nReviewed-by: Tomáš Novák <tomas.novak@northwind.example>",
        author="Priya Raman <priya.raman@northwind.example>", date="2026-11-21T10:00:00+00:00",
    )  # fmt: skip
    return root


@needs_git
def test_sample_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    root = sample_repository(tmp_path / "repo")
    result = CliRunner().invoke(
        cli, ["build", "--root", str(root), "--strict", "--json", "--output", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    sources = list((REPO / "content/posts").rglob("*.md"))
    drafts = [p for p in sources if "Status: draft" in p.read_text(encoding="utf-8")]
    assert summary["posts"] == len(sources) - len(drafts) >= 15
    assert summary["drafts"] == len(drafts) == 1
    assert summary["problems"] == []

    # Home: the latest posts, newest first, each with a summary.
    home = html(out / "index.html")
    titles = texts(home, ".post-card__title")
    assert len(titles) == 10
    assert all(node.text(strip=True) for node in home.css(".post-card__summary"))
    assert home.css_first("a.skip-link[href='#main']") is not None
    assert home.css_first("main#main") is not None
    nav = texts(home, "nav[aria-label='Main'] a")
    assert nav[:7] == ["Home", "Archives", "Tags", "People", "Experts", "Teams", "Stats"]
    experts_nav = html(out / "experts/index.html").css_first(
        "nav[aria-label='Main'] a[aria-current]"
    )
    assert experts_nav is not None and experts_nav.text(strip=True) == "Experts"
    assert experts_nav.attributes["aria-current"] == "page"

    # A long two-author post in a series, with an image, a table of contents and neighbours.
    post = html(out / "posts/2026/zero-downtime-postgres-migrations-part-1/index.html")
    assert texts(post, "h1") == ["Zero-downtime Postgres migrations, part 1: schema changes"]
    assert post.css_first(".post-header time[datetime^='2026-03-04']") is not None
    assert any("min read" in t for t in texts(post, ".post-meta__item"))
    toc = post.css("nav[aria-label='Table of contents'] a")
    assert len(toc) >= 3
    for link in toc:
        anchor = (link.attributes.get("href") or "")[1:]
        assert post.css_first(f"[id='{anchor}']") is not None, anchor
    assert post.css_first(".post-content img[alt]") is not None
    assert post.css_first(".post-content .highlight") is not None
    assert post.css_first("nav[aria-label='More posts'] a[rel='next']") is not None
    assert post.css_first(
        "a[href$='content/posts/2026/zero-downtime-postgres-migrations-part-1.md']"
    )
    credits = " ".join(texts(post, ".post-contributors"))
    assert "Priya Raman" in credits and "Tomáš Novák" in credits
    assert texts(post, ".post-header a[href*='people/']") == ["Ana López", "Bo Chen"]
    part2 = post.css_first(".post-content a[href*='zero-downtime-postgres-migrations-part-2']")
    assert part2 is not None and "{filename}" not in (part2.attributes.get("href") or "")

    # The draft is nowhere; tags, archives, people, teams, 404 and feeds exist.
    draft_slug = drafts[0].stem
    assert not list(out.rglob(f"*{draft_slug}*"))
    assert draft_slug not in (out / "sitemap.xml").read_text(encoding="utf-8")
    for page in (
        "tags/index.html",
        "tags/postgres/index.html",
        "categories/index.html",
        "archives/index.html",
        "archives/2025/index.html",
        "people/index.html",
        "people/ana-lopez/index.html",
        "teams/index.html",
        "pages/about/index.html",
        "pages/writing-guide/index.html",
        "404.html",
        "feeds/all.atom.xml",
        "feeds/tags/postgres.atom.xml",
        "feeds/people/ana-lopez.atom.xml",
    ):
        assert (out / page).is_file(), page

    # No page asks for anything outside the site.
    for page in out.rglob("*.html"):
        doc = html(page)
        for node in doc.css("link[href], script[src], img[src]"):
            url = node.attributes.get("href") or node.attributes.get("src") or ""
            assert not url.startswith(("http:", "https:", "//")), (page, url)
        assert doc.css_first("script") is None, page
