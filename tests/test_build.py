"""Building sites through `blog build`: problems, drafts, escaping, sanitizing, feeds."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner

from tests.conftest import MakeSite, html, post, texts
from tools.cli import cli


def run_build(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_clean_site_builds_and_json_is_the_only_stdout(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("First")})
    code, stdout, stderr = run_build(root, "--strict", "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["posts"] == 1
    assert summary["errors"] == 0 and summary["problems"] == []
    assert "Built: 1 posts" in stderr
    assert (root / "output/site/posts/2026/a-post/index.html").is_file() is False
    assert (root / "output/site/posts/2026/first/index.html").is_file()


def test_post_without_title_fails_with_path_and_line(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/posts/2026/good.md": post("Good"),
            "content/posts/2026/broken.md": "Date: 2026-01-02\nAuthors: ana\n\nNo title here.\n",
        }
    )
    code, stdout, stderr = run_build(root, "--strict", "--json")
    assert code == 1
    problems = json.loads(stdout)["problems"]
    assert [(p["path"], p["line"], p["code"]) for p in problems] == [
        ("content/posts/2026/broken.md", 1, "missing-title")
    ]
    assert 'content/posts/2026/broken.md:1: no "Title:" line' in stderr
    # Pelican's own "Skipping ..." is folded into our located report, not repeated.
    assert stderr.count("broken.md") == 1


def test_bad_date_names_its_line_and_fails_even_without_strict(make_site: MakeSite) -> None:
    text = "Title: Odd\nAuthors: ana\nDate: 2026-02-30\n\nBody.\n"
    root = make_site({"content/posts/2026/odd.md": text})
    code, _, stderr = run_build(root)
    assert code == 1
    assert "content/posts/2026/odd.md:3: cannot read date '2026-02-30'" in stderr
    assert "[bad-date]" in stderr


def test_warning_passes_normally_but_fails_strict(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("Loose date", date="March 4, 2026")})
    code, _, stderr = run_build(root)
    assert code == 0, stderr
    assert "content/posts/2026/a.md:2:" in stderr and "[non-iso-date]" in stderr
    code, _, _ = run_build(root, "--strict")
    assert code == 1


def test_draft_is_never_published(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/posts/2026/pub.md": post("Published one"),
            "content/posts/2026/draft.md": post("Secret draft", extra="Status: draft"),
        }
    )
    code, stdout, _ = run_build(root, "--strict", "--json")
    assert code == 0
    assert json.loads(stdout)["drafts"] == 1
    site = root / "output/site"
    every_file = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file()
    )
    assert "Secret draft" not in every_file
    assert not (site / "drafts").exists()


def test_drafts_flag_renders_drafts_for_preview(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/draft.md": post("Secret draft", extra="Status: draft")})
    code, _, _ = run_build(root, "--drafts")
    assert code == 0
    assert (root / "output/site/drafts/secret-draft/index.html").is_file()


DANGEROUS_BODY = """\
Hello <script>alert('body')</script> world.

<img src="x.png" alt="pic" onerror="alert('img')">

<a href="javascript:alert('link')">click</a> and <a href="JaVaScRiPt:alert(2)">again</a>

<a href="/pages/ok/" onclick="steal()">fine link</a>

<iframe src="https://evil.example"></iframe>
"""


def test_dangerous_html_in_posts_never_reaches_readers(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/x.md": post("Evil", body=DANGEROUS_BODY)})
    code, _, stderr = run_build(root)
    assert code == 0, stderr
    site = root / "output/site"
    for path in [*site.rglob("*.html"), *site.rglob("*.xml")]:
        text = path.read_text(encoding="utf-8").lower()
        assert "alert(" not in text, path
        assert "onerror" not in text and "onclick" not in text, path
        assert "javascript:" not in text, path
        assert "<iframe" not in text and "evil.example" not in text, path
    page = html(site / "posts/2026/evil/index.html")
    assert texts(page, "main a[href='/pages/ok/']") == ["fine link"]
    assert page.css_first("main img[alt='pic']") is not None


def test_metadata_is_escaped_in_pages_and_feeds(make_site: MakeSite) -> None:
    title = "Why <script>alert(1)</script> & friends"
    root = make_site(
        {
            "content/posts/2026/t.md": post(
                title,
                tags="<b>bold</b>, safe",
                extra='Summary: Says "quoted" <em>things</em>\nSlug: tricky',
            )
        }
    )
    code, _, stderr = run_build(root)
    assert code == 0, stderr
    site = root / "output/site"
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text, path
        assert "<b>bold</b>" not in text, path
    page = html(site / "posts/2026/tricky/index.html")
    assert texts(page, "h1") == [title]
    description = page.css_first("meta[name=description]")
    assert description is not None
    assert description.attributes["content"] == 'Says "quoted" things'
    feed_text = (site / "feeds/all.atom.xml").read_text(encoding="utf-8")
    assert "<script>" not in feed_text
    feed = ElementTree.fromstring(feed_text)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    # Pelican strips tags from titles in feeds; what is left is text, never markup.
    assert feed.findtext("a:entry/a:title", namespaces=ns) == "Why alert(1) & friends"


def test_feeds_for_all_tags_and_authors_and_sitemap(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/posts/2026/a.md": post("One", tags="kubernetes", authors="ana-lopez, bo-chen"),
            "content/pages/about.md": "Title: About\n\nAbout us.\n",
        },
        SITEURL="https://blog.example.com",
        FEED_DOMAIN="https://blog.example.com",
    )
    code, _, stderr = run_build(root, "--strict")
    assert code == 0, stderr
    site = root / "output/site"
    ns = {"a": "http://www.w3.org/2005/Atom", "s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    for feed in ("all", "tags/kubernetes", "people/ana-lopez", "people/bo-chen"):
        tree = ElementTree.parse(site / f"feeds/{feed}.atom.xml")
        links = [e.get("href") for e in tree.findall("a:entry/a:link", ns)]
        assert links == ["https://blog.example.com/posts/2026/one/"], feed
    sitemap = ElementTree.parse(site / "sitemap.xml")
    locs = [e.text for e in sitemap.findall("s:url/s:loc", ns)]
    assert "https://blog.example.com/posts/2026/one/" in locs
    assert "https://blog.example.com/pages/about/" in locs
    assert "https://blog.example.com/" in locs
    assert not any("404" in (loc or "") for loc in locs)


def test_site_url_option_overrides_feed_domain(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("One")})
    code, _, _ = run_build(root, "--site-url", "https://intranet.example/blog/")
    assert code == 0
    feed = (root / "output/site/feeds/all.atom.xml").read_text(encoding="utf-8")
    assert "https://intranet.example/blog/posts/2026/one/" in feed


def test_missing_settings_file_is_a_clean_error(tmp_path: Path) -> None:
    code, _, stderr = run_build(tmp_path)
    assert code == 1
    assert "pelicanconf.py: not found" in stderr


def test_sitemap_lists_pages_written_by_every_generator(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("One", authors="ana-lopez")})
    code, _, stderr = run_build(root)
    assert code == 0, stderr
    sitemap = (root / "output/site/sitemap.xml").read_text(encoding="utf-8")
    # People, teams, experts and stats pages are written after the sitemap's generator ran.
    for address in ("/people/", "/people/by-name/", "/teams/", "/experts/", "/stats/"):
        assert f"{address}</loc>" in sitemap, address
    assert "/embed/" not in sitemap
