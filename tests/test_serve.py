"""`blog serve`: the WSGI app in-process, and the real waitress server over HTTP."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.cli import cli
from tools.serve import call_app, content_type, make_app, resolve_path, site_dir


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built-looking output folder with a site, a secret beside it and a symlink out."""
    output = tmp_path / "output"
    root = output / "site"
    (root / "posts" / "a").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>", encoding="utf-8")
    (root / "404.html").write_text("<h1>Page not found</h1>", encoding="utf-8")
    (root / "posts" / "a" / "index.html").write_text("<h1>post a</h1>", encoding="utf-8")
    (root / "feeds").mkdir()
    (root / "feeds" / "all.atom.xml").write_text("<feed/>", encoding="utf-8")
    (root / "style.css").write_text("body{}", encoding="utf-8")
    (root / "caf\u00e9.txt").write_text("coffee", encoding="utf-8")
    (output / "search-index").mkdir()
    (output / "search-index" / "SECRET").write_text("index data", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    (root / "escape").symlink_to(tmp_path)
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    return output


def test_serves_pages_with_types_and_security_headers(site: Path) -> None:
    app = make_app(site)
    status, headers, body = call_app(app, "/posts/a/")
    assert (status, body) == (200, b"<h1>post a</h1>")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert call_app(app, "/style.css")[1]["Content-Type"] == "text/css; charset=utf-8"
    assert call_app(app, "/feeds/all.atom.xml")[1]["Content-Type"].startswith(
        "application/atom+xml"
    )
    assert call_app(app, "/caf%C3%A9.txt")[2] == b"coffee"


def test_directory_without_slash_redirects(site: Path) -> None:
    status, headers, _ = call_app(make_app(site), "/posts/a")
    assert status == 301
    assert headers["Location"] == "/posts/a/"


def test_missing_page_gets_the_site_404_page(site: Path) -> None:
    status, _, body = call_app(make_app(site), "/nope/")
    assert status == 404
    assert b"Page not found" in body


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/posts/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/escape/secret.txt",
        "/leak.txt",
        "/..\\secret.txt",
        "/%00",
        "/../search-index/SECRET",
    ],
)
def test_paths_outside_the_site_are_refused(site: Path, path: str) -> None:
    status, _, body = call_app(make_app(site), path)
    assert status in (400, 403, 404)
    assert b"TOP SECRET" not in body and b"index data" not in body


def test_resolve_path_refuses_traversal_and_symlinks(site: Path) -> None:
    root = site_dir(site)
    assert resolve_path(root, "/../secret.txt").status == 403
    assert resolve_path(root, "/leak.txt").status == 403
    assert resolve_path(root, "/posts/a/").file == root / "posts/a/index.html"


def test_release_root_follows_current_symlink(tmp_path: Path) -> None:
    for release in ("r1", "r2"):
        site = tmp_path / "releases" / release / "site"
        site.mkdir(parents=True)
        (site / "index.html").write_text(release, encoding="utf-8")
    current = tmp_path / "current"
    current.symlink_to("releases/r1")
    app = make_app(tmp_path)
    assert call_app(app, "/")[2] == b"r1"
    temp = tmp_path / "current.tmp"
    temp.symlink_to("releases/r2")
    temp.replace(current)
    assert call_app(app, "/")[2] == b"r2"


def test_content_types_for_common_files() -> None:
    assert content_type(Path("a.svg")) == "image/svg+xml"
    assert content_type(Path("sitemap.xml")).startswith("application/xml")
    assert content_type(Path("blob.unknownext")) == "application/octet-stream"


def test_cli_get_prints_body_and_exit_code(site: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["serve", "--root", str(site), "--get", "/posts/a/"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "<h1>post a</h1>"
    missing = runner.invoke(cli, ["serve", "--root", str(site), "--get", "/nope"])
    assert missing.exit_code == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(site: Path) -> Iterator[int]:
    """Run the real `blog serve` in a subprocess and yield its port."""
    port = free_port()
    blog = Path(sys.executable).with_name("blog")
    command = [str(blog)] if blog.exists() else [sys.executable, "-m", "tools.cli"]
    process = subprocess.Popen(
        [*command, "serve", "--root", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("blog serve did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """Send `path` byte for byte (no client-side normalisation) and return status, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_real_server_serves_and_refuses_traversal(server: int) -> None:
    assert raw_get(server, "/posts/a/") == (200, b"<h1>post a</h1>")
    status, body = raw_get(server, "/nope")
    assert status == 404 and b"Page not found" in body
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/escape/secret.txt", "/leak.txt"):
        status, body = raw_get(server, path)
        assert status in (400, 403, 404), path
        assert b"TOP SECRET" not in body, path
