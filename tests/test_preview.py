"""`blog preview`: drafts with a banner, served by a real server, rebuilt when a file is saved."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from tests.conftest import MakeSite, html, post, texts
from tools.cli import cli
from tools.preview import Preview, run_preview

PATIENCE = 60.0  # seconds; a generous bound for a slow shared machine, not a speed test


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError):
        return None


def wait_for(url: str, text: str) -> LexborHTMLParser:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        body = fetch(url)
        if body is not None and text in body:
            return LexborHTMLParser(body)
        time.sleep(0.1)
    raise AssertionError(f"{url} never showed {text!r}")


@pytest.fixture
def preview_server(make_site: MakeSite) -> Iterator[tuple[Path, str]]:
    root = make_site(
        {
            "content/posts/2026/live.md": post("Live post", extra="Slug: live"),
            "content/posts/2026/wip.md": post(
                "Work in progress", extra="Slug: wip\nStatus: draft", body="First version."
            ),
        }
    )
    ready = threading.Event()
    urls: list[str] = []
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=run_preview,
        args=(root,),
        kwargs={"port": 0, "on_ready": on_ready, "log": lambda _: None, "stop": stop},
        daemon=True,
    )
    thread.start()
    assert ready.wait(PATIENCE), "the preview never started"
    yield root, urls[0]
    stop.set()
    thread.join(timeout=PATIENCE)
    assert not thread.is_alive()


def test_preview_serves_drafts_with_a_banner_and_rebuilds_on_save(
    preview_server: tuple[Path, str],
) -> None:
    root, url = preview_server
    assert url.startswith("http://127.0.0.1:")
    page = wait_for(f"{url}drafts/wip/", "First version.")
    assert texts(page, ".preview-banner") == ["Preview — not published"]
    home = wait_for(url, "Live post")
    assert texts(home, ".preview-banner") == ["Preview — not published"]
    source = root / "content/posts/2026/wip.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("First version.", "Second version."),
        encoding="utf-8",
    )
    page = wait_for(f"{url}drafts/wip/", "Second version.")
    assert texts(page, "main h1") == ["Work in progress"]


def test_rebuilds_replace_pages_whole_in_one_folder(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("A", extra="Status: draft", body="Old.")})
    legacy = root / "output/preview/builds/123/site"
    legacy.mkdir(parents=True)
    (root / "output/preview/current").symlink_to("builds/123", target_is_directory=True)
    preview = Preview(root, root / "output" / "preview")
    assert preview.rebuild().errors == []
    assert sorted(p.name for p in (root / "output/preview").iterdir()) == [
        "search-index",
        "site",
    ]  # the one-folder-per-build layout of earlier versions is gone
    page = root / "output/preview/site/drafts/a/index.html"
    source = root / "content/posts/2026/a.md"
    with page.open(encoding="utf-8") as reading:  # a request being served during a rebuild
        source.write_text(source.read_text(encoding="utf-8").replace("Old.", "New."))
        assert preview.rebuild().errors == []
        assert "Old." in reading.read()  # the file it had open was replaced, not truncated
    assert "New." in page.read_text(encoding="utf-8")
    assert texts(html(page), ".preview-banner") == ["Preview — not published"]
    assert [p.name for p in page.parent.iterdir()] == ["index.html"]  # no temporary files


def test_a_normal_build_has_no_banner(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/a.md": post("A", extra="Slug: a")})
    result = CliRunner().invoke(cli, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.stderr
    page = html(root / "output/site/posts/2026/a/index.html")
    assert page.css(".preview-banner") == []
