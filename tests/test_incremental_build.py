"""An incremental rebuild (content cache, index update) equals a clean build of the same content."""

from __future__ import annotations

import filecmp
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, MakeSite, post
from tools.build import build_site

POSTS = {
    "content/posts/2026/pg-one.md": post(
        "Postgres migrations one", tags="postgres, migrations", body="Kestrel backfills."
    ),
    "content/posts/2026/pg-two.md": post(
        "Postgres migrations two", date="2026-03-05 09:30", tags="postgres", body="Sandpiper."
    ),
    "content/posts/2026/k8s.md": post(
        "Kubernetes costs", date="2026-03-06 09:30", tags="kubernetes", body="Puffin dashboards."
    ),
    "content/posts/2026/gone.md": post(
        "Old news", date="2026-03-07 09:30", tags="kubernetes", body="Osprey certificates."
    ),
}


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def assert_same_tree(left: Path, right: Path) -> None:
    assert tree(left) == tree(right)
    different = [
        name
        for name in sorted(tree(left))
        if not filecmp.cmp(left / name, right / name, shallow=False)
    ]
    assert different == []


def edit(path: Path, text: str) -> None:
    stat = path.stat() if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if stat is not None:  # a clearly newer mtime, whatever the file system's resolution
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_incremental_build_equals_clean_build(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(POSTS)
    assert not build_site(root).errors
    assert (root / "output" / "cache").is_dir()

    edit(
        root / "content/posts/2026/pg-two.md",
        post(
            "Postgres migrations two",
            date="2026-03-05 09:30",
            tags="postgres, migrations",
            body="Heron replaces Sandpiper.",
        ),
    )
    edit(root / "content/posts/2026/new.md", post("Kubernetes rollouts", tags="kubernetes"))
    (root / "content/posts/2026/gone.md").unlink()
    assert not build_site(root).errors

    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copytree(root / "content", clean / "content")
    shutil.copy(root / "pelicanconf.py", clean / "pelicanconf.py")
    assert not build_site(clean).errors

    assert_same_tree(root / "output" / "site", clean / "output" / "site")
    state = "search-index/intrablog-index.json"
    hashes = [json.loads((r / "output" / state).read_text())["hashes"] for r in (root, clean)]
    assert hashes[0] == hashes[1]  # the same documents, the same content hashes

    from plugins.search_index.query import OpenIndex, SearchRequest

    index = OpenIndex(root / "output" / "search-index")
    assert index.search(SearchRequest(q="heron")).total == 1
    assert index.search(SearchRequest(q="osprey", exact=True)).total == 0
    assert index.doc_count == 4


PROFILE = "Name: {name}\nRole: {role}\nTeam: storage\nEmail: {slug}@example.com\n\nBio of {name}.\n"
TEAM = "Name: Storage\nChampion: ana-lopez\nContact: storage@example.com\n\nWe keep the data.\n"
FEATURED = "featured:\n  - post: {slug}\n    blurb: Read this one.\n    from: 2026-03-01\n"


def rendered_counts(records: list[logging.LogRecord]) -> tuple[int, int]:
    """(rendered, unchanged) from the incremental writer's summary line."""
    found = [r.getMessage() for r in records if r.name == "plugins.fastbuild.writer"]
    numbers = [int(word) for word in found[-1].replace(",", "").split() if word.isdigit()]
    return numbers[0], numbers[1]


def assert_like_clean_build(root: Path, clean: Path) -> None:
    """Build a copy of root's content from scratch and compare the whole output tree."""
    clean.mkdir()
    shutil.copytree(root / "content", clean / "content")
    shutil.copy(root / "pelicanconf.py", clean / "pelicanconf.py")
    assert not build_site(clean).errors
    assert_same_tree(root / "output" / "site", clean / "output" / "site")


def change_test_site(
    make_site: MakeSite, tmp_path: Path, *, draft: int | None = None, **settings: object
) -> Path:
    """Eight posts by two authors, a team, featured.yml and a copy of the theme (tmp_path/theme).

    Post number `draft`, if given, is a draft. Fixed dates make builds comparable.
    `settings` go into pelicanconf.py.
    """
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "themes" / "intranet", theme)
    files = {
        **{
            f"content/posts/2026/p{n}.md": post(
                f"Post number {n}",
                date=f"2026-03-{n + 1:02d} 09:30",
                authors="ana-lopez" if n % 2 else "bo-chen",
                tags="postgres, migrations" if n % 3 else "kubernetes",
                body=f"Body {n} links to [{{filename}}/posts/2026/p{(n + 1) % 8}.md](x).",
                extra="Status: draft" if n == draft else "",
            )
            for n in range(8)
        },
        "content/authors/ana-lopez.md": PROFILE.format(
            name="Ana Lopez", role="Engineer", slug="ana-lopez"
        ),
        "content/authors/bo-chen.md": PROFILE.format(name="Bo Chen", role="SRE", slug="bo-chen"),
        "content/teams/storage.md": TEAM,
        "content/featured.yml": FEATURED.format(slug="post-number-1"),
    }
    return make_site(
        files,
        THEME=str(theme),
        FEATURED_NOW="2026-03-20",
        PEOPLE_NOW="2026-03-20",
        STATS_NOW="2026-03-20",
        DEFAULT_PAGINATION=3,
        **settings,
    )


def test_incremental_writer_equals_clean_build_after_every_kind_of_change(
    make_site: MakeSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = change_test_site(make_site, tmp_path)
    theme = tmp_path / "theme"
    content = root / "content"
    caplog.set_level(logging.INFO, logger="plugins.fastbuild.writer")
    assert not build_site(root).errors
    total = rendered_counts(caplog.records)[0]

    assert not build_site(root).errors
    assert rendered_counts(caplog.records) == (0, total)  # nothing changed, nothing rendered

    def step(name: str, change: Callable[[], None]) -> tuple[int, int]:
        change()
        caplog.clear()
        assert not build_site(root).errors, name
        counts = rendered_counts(caplog.records)
        assert_like_clean_build(root, tmp_path / f"clean-{name}")
        return counts

    def rewrite(relative: str, old: str, new: str) -> Callable[[], None]:
        path = content / relative
        return lambda: edit(path, path.read_text(encoding="utf-8").replace(old, new))

    rendered, _ = step("body", rewrite("posts/2026/p5.md", "Body 5", "Body five, longer"))
    assert 0 < rendered < total - 10  # its page, and the lists, feeds and posts showing it
    step("title", rewrite("posts/2026/p2.md", "Post number 2", "A renamed second post"))
    step("tags", rewrite("posts/2026/p4.md", "Tags: postgres, migrations", "Tags: kubernetes"))
    step("add", lambda: edit(content / "posts/2026/p9.md", post("Ninth", date="2026-03-15")))
    step("delete", (content / "posts/2026/p3.md").unlink)
    step("profile", rewrite("authors/bo-chen.md", "Role: SRE", "Role: Staff SRE"))
    step("featured", rewrite("featured.yml", "number-1", "number-6"))
    step("team", rewrite("teams/storage.md", "We keep the data.", "We keep all the data."))

    template = theme / "templates" / "partials" / "cards.html"
    rendered, _ = step(
        "template", lambda: edit(template, template.read_text().replace("min read", "minutes"))
    )
    assert rendered >= total // 2


def test_pagination_links_a_window_of_pages(make_site: MakeSite) -> None:
    from tests.conftest import html, texts

    files = {
        f"content/posts/2026/p{n:02d}.md": post(f"Post {n}", date=f"2026-03-{n + 1:02d} 09:30")
        for n in range(12)
    }
    root = make_site(files, DEFAULT_PAGINATION=1)
    assert not build_site(root).errors
    site = root / "output" / "site"
    first = texts(html(site / "index.html"), ".pagination__page a")
    assert first == ["Page1", "Page2", "Page12"]
    middle = texts(html(site / "page/6/index.html"), ".pagination__page a")
    assert middle == ["Page1", "Page5", "Page6", "Page7", "Page12"]
    assert len(html(site / "page/6/index.html").css(".pagination__gap")) == 2


def test_incremental_build_deletes_strays_and_emptied_folders(make_site: MakeSite) -> None:
    root = make_site(POSTS, OUTPUT_RETENTION=[".keep-me"])
    assert not build_site(root).errors
    site = root / "output" / "site"
    gone = site / "posts/2026/old-news"
    assert (gone / "index.html").is_file()
    (site / "stray.html").write_text("not ours")
    (site / "empty/deeper").mkdir(parents=True)
    (site / "posts/2026/stray-folder").mkdir()
    (site / "posts/2026/stray-folder/page.html").write_text("not ours either")
    (site / "link.html").symlink_to(site / "index.html")
    (site / ".keep-me").mkdir()
    (site / ".keep-me/data.txt").write_text("retained")

    (root / "content/posts/2026/gone.md").unlink()
    assert not build_site(root).errors

    assert not gone.exists()  # the stale page and the folder it left empty
    assert (site / "posts/2026").is_dir()  # still holds the other posts
    for stray in ("stray.html", "empty", "posts/2026/stray-folder", "link.html"):
        assert not (site / stray).exists() and not (site / stray).is_symlink(), stray
    assert (site / ".keep-me/data.txt").read_text() == "retained"
    assert (site / "index.html").is_file()


def test_a_page_is_rendered_again_only_when_what_it_read_changed(
    make_site: MakeSite, tmp_path: Path
) -> None:
    # The archives read each post's title, URL, date and authors, not its body: a body edit
    # leaves them alone, a title edit renders them again (and both equal a clean build).
    root = change_test_site(make_site, tmp_path)
    site = root / "output" / "site"
    archives = site / "archives/index.html"
    page = site / "posts/2026/post-number-5/index.html"
    assert not build_site(root).errors

    def stamps() -> tuple[int, int]:
        return archives.stat().st_mtime_ns, page.stat().st_mtime_ns

    before = stamps()
    path = root / "content/posts/2026/p5.md"
    edit(path, path.read_text(encoding="utf-8").replace("Body 5", "Body five"))
    assert not build_site(root).errors
    after_body = stamps()
    assert after_body[0] == before[0] and after_body[1] != before[1]
    assert_like_clean_build(root, tmp_path / "clean-body")
    edit(path, path.read_text(encoding="utf-8").replace("Post number 5", "Post five"))
    assert not build_site(root).errors
    assert archives.stat().st_mtime_ns != after_body[0]  # (the slug, and the page, moved)
    assert "Post five" in archives.read_text(encoding="utf-8")
    assert_like_clean_build(root, tmp_path / "clean-title")


def test_what_a_page_read_is_recorded_per_attribute_or_whole() -> None:
    from pelican.contents import Article

    from plugins.fastbuild.writer import views_of

    post = object.__new__(Article)
    post.__dict__.update(
        relative_source_path="posts/a.md", title="A", override_url="posts/a/", metadata={}
    )
    other = object.__new__(Article)
    other.__dict__.update(relative_source_path="posts/b.md", title="B")

    def views(*reads: tuple[Article, str | None]) -> set[str]:
        return set(views_of({(id(obj), name): obj for obj, name in reads}))

    assert views((post, "title"), (post, "url")) == {
        "posts/a.md\x00title", "posts/a.md\x00override_url"
    }  # fmt: skip
    assert views((post, "modified")) == {"posts/a.md\x00modified"}  # not set: "absent"
    assert views((post, "title"), (post, "summary")) == {"posts/a.md"}  # a property
    assert views((post, "metadata")) == {"posts/a.md"}  # mirrors other attributes
    assert views((post, None), (other, "title")) == {"posts/a.md", "posts/b.md\x00title"}
    assert views((other, "url")) == {"posts/b.md"}  # no frozen URL: Pelican formats it
