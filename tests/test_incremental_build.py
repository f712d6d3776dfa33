"""An incremental rebuild (content cache, index update) equals a clean build of the same content."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
from pathlib import Path

from tests.conftest import MakeSite, post
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
