"""Reading time, table of contents and post neighbours; and the sitemap."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePosixPath

from plugins.reading.aids import (
    TocEntry,
    count_words,
    neighbours,
    reading_minutes,
    table_of_contents,
)
from plugins.sitemap.entries import SitemapEntry, collect_entries, page_url, render_sitemap


def test_count_words_includes_code_and_ignores_tags() -> None:
    assert count_words("<p>One <b>two</b></p><pre><code>three()</code></pre>") == 3
    assert count_words("") == 0


def test_reading_minutes_rounds_up_and_is_at_least_one() -> None:
    assert reading_minutes(0, 230) == 1
    assert reading_minutes(230, 230) == 1
    assert reading_minutes(231, 230) == 2


def test_table_of_contents_lists_headings_with_ids_in_order() -> None:
    markup = (
        '<h2 id="a">Alpha <code>x</code></h2><p>t</p><h3 id="b">Beta</h3>'
        '<h2>No id</h2><h5 id="deep">Too deep</h5><h4 id="c">Gamma</h4>'
    )
    assert table_of_contents(markup) == [
        TocEntry(2, "a", "Alphax"),
        TocEntry(3, "b", "Beta"),
        TocEntry(4, "c", "Gamma"),
    ]


def test_neighbours_in_newest_first_order() -> None:
    assert neighbours(["new", "mid", "old"]) == {
        0: (None, "mid"),
        1: ("new", "old"),
        2: ("mid", None),
    }


def test_sitemap_lists_public_pages_only(tmp_path: Path) -> None:
    for relative in ("index.html", "posts/a/index.html", "404.html", "theme/x.html", "p.html"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x", encoding="utf-8")
    when = datetime(2026, 3, 4, 9, 30)
    entries = collect_entries(tmp_path, "https://b.example/", {"posts/a/": when})
    assert entries == [
        SitemapEntry("https://b.example/", None),
        SitemapEntry("https://b.example/p.html", None),
        SitemapEntry("https://b.example/posts/a/", when),
    ]
    xml = render_sitemap([SitemapEntry("https://b.example/?a=1&b=2", when)])
    assert "<loc>https://b.example/?a=1&amp;b=2</loc><lastmod>2026-03-04</lastmod>" in xml


def test_page_url() -> None:
    assert page_url(PurePosixPath("index.html")) == ""
    assert page_url(PurePosixPath("tags/x/index.html")) == "tags/x/"
    assert page_url(PurePosixPath("a.html")) == "a.html"
