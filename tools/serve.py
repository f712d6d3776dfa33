"""Serve a built site over HTTP: a small WSGI app (`make_app`) run by waitress.

/search, /api/search and /api/experts are answered from the search index beside the
site (tools/search_app.py); every other path is a static file.

`blog serve --workers N` binds the socket once and forks N processes that all accept on
it (threads share one core because of the GIL; processes use them all); each worker has
its own app, searchers and caches, and follows release switches on its own.

The root may be a release root (serves `current/site`, re-resolved on every request so a
publish or rollback is picked up without a restart), a build output folder (serves
`site/`), or a folder of HTML. Nothing outside the site folder is ever served.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import mimetypes
import os
import posixpath
import signal
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugins._shared.problems import BlogError

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
]
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
CHUNK = 64 * 1024
WORKER_MIN_SECONDS = 2.0  # a worker dying sooner than this after its start failed to start
WORKER_MAX_QUICK_DEATHS = 5
WORKER_RESTART_DELAY = 0.2


def site_dir(root: Path) -> Path:
    """Return the real folder to serve for `root` (release root, build output or site)."""
    for candidate in (root / "current" / "site", root / "site"):
        if candidate.is_dir():
            return candidate.resolve()
    return root.resolve()


def content_type(path: Path) -> str:
    """Return the Content-Type for a file name."""
    if path.name.endswith(".atom.xml"):
        return "application/atom+xml; charset=utf-8"
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Resolved:
    """The outcome of mapping a URL path onto the site folder."""

    status: int
    file: Path | None = None
    location: str | None = None


def resolve_path(site: Path, url_path: str) -> Resolved:
    """Map a decoded URL path to a file in `site`, refusing anything outside it."""
    if "\x00" in url_path or "\\" in url_path:
        return Resolved(400)
    segments = url_path.split("/")
    if any(segment in ("..", ".") for segment in segments):
        return Resolved(403)
    relative = posixpath.normpath(url_path.lstrip("/")) if url_path.strip("/") else ""
    candidate = site / relative if relative not in ("", ".") else site
    try:
        real = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, RuntimeError, OSError):
        return Resolved(404)
    if real != site and site not in real.parents:
        return Resolved(403)  # a symlink pointing out of the site
    if real.is_dir():
        if not url_path.endswith("/"):
            return Resolved(301, location=url_path + "/")
        index = real / "index.html"
        return Resolved(200, file=index) if index.is_file() else Resolved(404)
    return Resolved(200, file=real) if real.is_file() else Resolved(404)


def _decode_path(environ: dict[str, Any]) -> str:
    # PEP 3333: PATH_INFO holds the URL-decoded bytes as latin-1 characters.
    raw = environ.get("PATH_INFO", "") or "/"
    try:
        return str(raw.encode("latin-1").decode("utf-8"))
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "\x00"


def _file_body(path: Path, environ: dict[str, Any]) -> Iterable[bytes]:
    handle = path.open("rb")  # opened now: a later release switch cannot tear this response
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None:
        return wrapper(handle, CHUNK)  # type: ignore[no-any-return]
    return _chunks(handle)


def _chunks(handle: Any) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def make_app(root: Path) -> WSGIApp:
    """Return a WSGI app serving the site under `root` with a 404 page and safe headers."""
    from tools.search_app import SEARCH_PATHS, SearchService

    root = Path(root)
    search = SearchService(root)

    def respond(
        start_response: StartResponse, status: str, body: bytes, headers: list[tuple[str, str]]
    ) -> list[bytes]:
        start_response(status, [*headers, *SECURITY_HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    def error_page(site: Path, start_response: StartResponse, code: int, head: bool) -> list[bytes]:
        reasons = {
            400: "Bad Request",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
        }
        page = site / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
        else:
            body = f"<!doctype html><title>{code}</title><h1>{code} {reasons[code]}</h1>".encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        if code == 405:
            headers.append(("Allow", "GET, HEAD"))
        result = respond(start_response, f"{code} {reasons[code]}", body, headers)
        return [b""] if head else result

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        head = method == "HEAD"
        url_path = _decode_path(environ)
        if url_path in SEARCH_PATHS and method in ("GET", "HEAD"):
            answer = search.handle(url_path, environ.get("QUERY_STRING", ""))
            headers = [*answer.headers, ("Cache-Control", "no-cache")]
            result = respond(start_response, answer.status, answer.body, headers)
            return [b""] if head else result
        site = site_dir(root)
        if method not in ("GET", "HEAD"):
            return error_page(site, start_response, 405, head)
        resolved = resolve_path(site, url_path)
        if resolved.status == 301 and resolved.location is not None:
            query = environ.get("QUERY_STRING")
            location = resolved.location + (f"?{query}" if query else "")
            return respond(start_response, "301 Moved Permanently", b"", [("Location", location)])
        if resolved.file is None:
            return error_page(site, start_response, resolved.status, head)
        stat = resolved.file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = [
            ("Content-Type", content_type(resolved.file)),
            ("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True)),
            ("ETag", etag),
            ("Cache-Control", "no-cache" if resolved.file.suffix == ".html" else "max-age=300"),
        ]
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", [*headers, *SECURITY_HEADERS])
            return [b""]
        start_response(
            "200 OK", [*headers, *SECURITY_HEADERS, ("Content-Length", str(stat.st_size))]
        )
        return [b""] if head else _file_body(resolved.file, environ)

    return app


def call_app(app: WSGIApp, path: str) -> tuple[int, dict[str, str], bytes]:
    """Run one GET request through `app` in-process; return status, headers and body."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(path)
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote(parts.path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "0",
        "wsgi.url_scheme": "http",
    }
    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body


def serve(root: Path, host: str, port: int, threads: int = 8, workers: int = 1) -> None:
    """Serve `root` with waitress until interrupted, in `workers` processes."""
    import waitress

    if workers <= 1:
        waitress.serve(make_app(root), host=host, port=port, threads=threads, ident="intrablog")
        return
    listener = listening_socket(host, port)

    def work() -> None:
        # Each worker builds its own app after the fork: its own searchers, caches, threads.
        waitress.serve(make_app(root), sockets=[listener], threads=threads, ident="intrablog")

    try:
        run_workers(work, workers)
    finally:
        listener.close()


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind and listen once, before forking, so every worker accepts on the same socket."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise BlogError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    listener.listen(1024)
    return listener


def run_workers(work: Callable[[], None], count: int) -> None:
    """Run `work` in `count` forked processes until SIGTERM or SIGINT; replace any that die.

    Python threads share one core (the GIL), so several processes are the way to use
    several cores. The parent only supervises: it forwards SIGTERM to the workers and
    waits for them. A worker that dies is replaced, unless workers keep dying within
    WORKER_MIN_SECONDS of starting (then the parent stops everything and fails).
    """
    started: dict[int, float] = {}
    stopping = False
    quick_deaths = 0

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                work()
            except Exception:  # report it; os._exit skips the parent's cleanup handlers
                logger.exception("serve: worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)
        started[pid] = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(count):
            spawn()
        while started:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            began = started.pop(pid, None)
            if stopping or began is None:
                continue
            quick_deaths = quick_deaths + 1 if time.monotonic() - began < WORKER_MIN_SECONDS else 0
            if quick_deaths >= WORKER_MAX_QUICK_DEATHS:
                stop(signal.SIGTERM, None)
                raise BlogError("serve: workers keep dying at start; see the log above")
            logger.warning("serve: worker %d ended; starting a new one", pid)
            time.sleep(WORKER_RESTART_DELAY)
            spawn()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def default_root() -> Path:
    """Return the folder `blog serve` serves by default (the build output)."""
    return Path(os.environ.get("BLOG_SERVE_ROOT", "output"))
