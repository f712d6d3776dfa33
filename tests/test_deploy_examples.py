"""The example deployment files, run for real: nginx serving a release root while releases
switch under load, and the systemd unit's `blog serve` command line.

The nginx test needs `nginx` (Debian: `apt-get install nginx-light`) and root (the workers
must read tmp_path); it is skipped without them. Only ports and /srv/intrablog are replaced.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.publishing import publish_json, write_build
from tools.targets import LocalTarget

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
BLOG = Path(sys.executable).with_name("blog")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int) -> None:
    for _ in range(300):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port}")


class Backend(BaseHTTPRequestHandler):
    """Stands in for the SSO verifier (/auth) and for `blog serve` (/search, /api/)."""

    def do_GET(self) -> None:
        if self.path.startswith("/auth"):
            allowed = "sso=alice" in (self.headers.get("Cookie") or "")
            self.send_response(200 if allowed else 401)
            if allowed:
                self.send_header("X-User", "alice")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"backend saw user={self.headers.get('X-Remote-User')}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def nginx_config(tmp_path: Path, root: Path, port: int, backend: int) -> Path:
    """Wrap the example server block in a minimal main config, replacing ports and paths."""
    block = (EXAMPLES / "nginx.conf").read_text()
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("/srv/intrablog", str(root)),
        ("127.0.0.1:8081", f"127.0.0.1:{backend}"),
        ("127.0.0.1:9090", f"127.0.0.1:{backend}"),
    ):
        assert old in block, old
        block = block.replace(old, new)
    (tmp_path / "intrablog.conf").write_text(block)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.is_file() else "types { text/html html; text/css css; }"
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"user root; worker_processes 2; daemon off; pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\nevents {{ worker_connections 256; }}\n"
        f"http {{ {types} default_type application/octet-stream;\n"
        f"access_log off; client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;\n"
        f"fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi;\n"
        f"scgi_temp_path {temp}/scgi;\n"
        f"include {tmp_path / 'intrablog.conf'}; }}\n"
    )
    return main


def get(
    port: int, path: str, cookie: bool = True, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if cookie:
        headers["Cookie"] = "sso=alice"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.skipif(NGINX is None or os.geteuid() != 0, reason="needs root and nginx")
def test_nginx_example_serves_releases_and_switches_without_errors(
    tmp_path: Path, backend: int
) -> None:
    root = tmp_path / "srv"
    css = "body { color: #222 }\n" * 50
    extra = {"theme/site.css": css, "404.html": "<p>our 404</p>"}
    b1 = write_build(tmp_path / "b1", "v1", extra=extra)
    (b1 / "site/theme/site.css.gz").write_bytes(gzip.compress(css.encode()))
    first = publish_json(b1, str(root))["release"]
    second = publish_json(write_build(tmp_path / "b2", "v2", extra=extra), str(root))["release"]
    (root / "current" / "search-index").mkdir()
    port = free_port()
    assert NGINX is not None
    config = nginx_config(tmp_path, root, port, backend)
    subprocess.run([NGINX, "-t", "-q", "-e", "stderr", "-c", str(config)], check=True)
    process = subprocess.Popen([NGINX, "-e", "stderr", "-c", str(config)])
    try:
        wait_for_port(port)
        status, headers, body = get(port, "/")
        assert status == 200 and b"home v2" in body
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-cache"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert get(port, "/", cookie=False)[0] == 401
        status, headers, body = get(port, "/theme/site.css", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert gzip.decompress(body).decode() == css
        assert headers["cache-control"] == "public, max-age=3600"
        status, headers, _ = get(port, "/posts/one")
        assert status == 301 and headers["location"].endswith("/posts/one/")
        status, headers, body = get(port, "/nowhere")
        assert status == 404 and b"our 404" in body and headers["x-frame-options"] == "DENY"
        assert get(port, "/search-index/x")[0] == 404
        assert get(port, "/.publish.lock")[0] == 404
        status, _, body = get(port, "/search?q=x", **{"X-Remote-User": "mallory"})
        assert status == 200 and body == b"backend saw user=alice"

        failures: list[str] = []
        served: list[int] = []
        stop = threading.Event()

        def reader() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while not stop.is_set():
                for path in ("/", "/posts/two/", "/theme/site.css"):
                    connection.request("GET", path, headers={"Cookie": "sso=alice"})
                    response = connection.getresponse()
                    body = response.read()
                    served.append(response.status)
                    if response.status != 200:
                        failures.append(f"{path}: {response.status}")
                    elif path == "/" and b"home v1" not in body and b"home v2" not in body:
                        failures.append(f"{path}: torn body")
            connection.close()

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for thread in readers:
            thread.start()
        target = LocalTarget(str(root), root=root)
        for i in range(300):
            target.switch(first if i % 2 == 0 else second)
            if i % 30 == 0:
                time.sleep(0.01)  # let the readers in: every switch must race real requests
        stop.set()
        for thread in readers:
            thread.join()
        assert failures == [] and len(served) > 100
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_systemd_unit_runs_blog_serve_on_the_release_root(tmp_path: Path) -> None:
    unit = (EXAMPLES / "intrablog-serve.service").read_text()
    (exec_line,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(exec_line.removeprefix("ExecStart="))
    assert argv[0] == "/opt/intrablog/venv/bin/blog" and argv[1] == "serve"
    if shutil.which("systemd-analyze"):
        assert "ReadOnlyPaths=/srv/intrablog" in unit
    root = tmp_path / "srv"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root))["release"]
    port = free_port()
    args = [str(BLOG), *argv[1:]]
    args[args.index("--port") + 1] = str(port)
    args[args.index("--root") + 1] = str(root)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        assert b"home v1" in get(port, "/", cookie=False)[2]
        second = publish_json(write_build(tmp_path / "b2", "v2"), str(root))["release"]
        assert b"home v2" in get(port, "/", cookie=False)[2]  # no restart needed
        LocalTarget(str(root), root=root).switch(first)
        assert b"home v1" in get(port, "/", cookie=False)[2]
        assert second != first
    finally:
        process.terminate()
        process.wait(timeout=10)
