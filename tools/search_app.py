"""The search side of `blog serve`: /search (HTML), /api/search and /api/experts (JSON).

The index is read from <root>/current/search-index (a release root) or
<root>/search-index (a build output). Every request checks the index folder's real path,
its newest Whoosh generation and the times of search.html and people.json; when any
changed (a publish switched `current`, or a build committed), a background thread opens
the new one, warms it with the terms the old one had loaded, and swaps it in; meanwhile
and until their end, requests are answered from the old one, which is freed when the
last drops it. (With no index open yet, the first request opens it.)
Whoosh's `Searcher.refresh()` is never used: it is broken in whoosh-reloaded 2.7.5.

Each opened generation keeps a small cache of finished responses, so popular queries
are answered without searching; a new generation starts with an empty cache.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus

import jinja2

from plugins.search_index.people_file import PEOPLE_FILE
from plugins.search_index.query import (
    MAX_QUERY_CHARS,
    OpenIndex,
    QueryError,
    SearchRequest,
    SearchResults,
)

logger = logging.getLogger(__name__)

INDEX_DIR = "search-index"
SHELL_FILE = "search.html"
SEARCH_PATHS = frozenset({"/search", "/search/", "/api/search", "/api/experts"})
CACHE_ENTRIES = 2048
MAX_EXPERTS = 50
RETRY_SECONDS = 5.0  # an index that failed to open is tried again after this long
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"

# Used when the index folder has no search.html shell (a theme without search.html).
FALLBACK_SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% if q %}{{ q }} · {% endif %}Search</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Search</h1>
<form role="search" action="search" method="get"><label for="q">Search posts</label>
<input id="q" type="search" name="q" value="{{ q }}" maxlength="200">
<button type="submit">Search</button></form>
{% if error %}<p role="alert">{{ error }}</p>{% elif results %}
{% if results.suggestion %}<p>Did you mean
<a href="{{ search_url(results.suggestion) }}">{{ results.suggestion }}</a>?</p>{% endif %}
<p role="status">{{ results.total }} posts found.</p><ol>{% for hit in results.hits %}
<li><a href="{{ hit.url }}">{{ hit.title_html|safe }}</a><p>{{ hit.snippet_html|safe }}</p></li>
{% endfor %}</ol>{% endif %}</main></body></html>
"""


@dataclass(frozen=True, slots=True)
class Response:
    """A finished response: status line, headers (without security headers), body."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _response(code: int, reason: str, content_type: str, body: bytes) -> Response:
    return Response(f"{code} {reason}", (("Content-Type", content_type),), body)


def search_url(q: str, page: int = 1, sort: str | None = None, exact: bool = False) -> str:
    """Return a relative link to the search page (the page itself sits at /search)."""
    # What urlencode() gives, built directly: pages link to dozens of searches.
    url = "search?q=" + quote_plus(q)
    if sort and sort != "relevance":
        url += "&sort=" + quote_plus(sort)
    if page > 1:
        url += f"&page={page}"
    if exact:
        url += "&exact=1"
    return url


def index_dir(root: Path) -> Path | None:
    """Return the real index folder under `root` (release root or build output), if any."""
    for candidate in (root / "current" / INDEX_DIR, root / INDEX_DIR):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def latest_generation(folder: Path) -> int | None:
    """Return the newest committed Whoosh generation in `folder` (None: no index)."""
    found = None
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                match = _TOC.match(entry.name)
                if match:
                    found = max(found or 0, int(match[1]))
    except OSError:
        return None
    return found


@dataclass(slots=True)
class Snapshot:
    """One opened index generation with its page template and response cache."""

    key: tuple[str, int, int, int]
    index: OpenIndex
    template: jinja2.Template
    cache: OrderedDict[tuple[Any, ...], Response] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[Any, ...]) -> Response | None:
        """Return a cached response, marking it recently used."""
        with self.lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
            return found

    def remember(self, key: tuple[Any, ...], response: Response) -> None:
        """Cache a response, evicting the least recently used beyond CACHE_ENTRIES."""
        with self.lock:
            self.cache[key] = response
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)


class SearchService:
    """Answer search requests for a site root, following index changes without restart."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._opening: tuple[str, int, int, int] | None = None
        self._failed: tuple[tuple[str, int, int, int], float] | None = None
        self._env = jinja2.Environment(autoescape=True, auto_reload=False)

    def current(self) -> Snapshot | None:
        """Return the snapshot to answer from now.

        The first one is opened on the spot. When the index changes later, the new one is
        opened (and warmed with the terms the old one had loaded) in a background thread
        while requests keep being answered from the old one, then swapped in.
        """
        folder = index_dir(self.root)
        generation = latest_generation(folder) if folder is not None else None
        if folder is None or generation is None:
            return self._snapshot if self._snapshot is not None else None
        key = (str(folder), generation, _stamp(folder / SHELL_FILE), _stamp(folder / PEOPLE_FILE))
        snapshot = self._snapshot
        if snapshot is not None and snapshot.key == key:
            return snapshot
        if snapshot is None:
            with self._lock:  # nothing to answer from meanwhile: open it now
                if self._snapshot is None:
                    self._snapshot = self._open(key, folder, None)
                return self._snapshot
        with self._lock:
            failed = self._failed
            if self._opening == key or (
                failed and failed[0] == key and time.monotonic() - failed[1] < RETRY_SECONDS
            ):
                return snapshot
            self._opening = key
        threading.Thread(
            target=self._swap, args=(key, folder, snapshot), name="search-open", daemon=True
        ).start()
        return snapshot

    def _open(
        self, key: tuple[str, int, int, int], folder: Path, previous: Snapshot | None
    ) -> Snapshot | None:
        """Open the index in `folder` (None if it cannot be read: a half-deleted folder)."""
        try:
            opened = OpenIndex(folder)
            shell = folder / SHELL_FILE
            source = shell.read_text(encoding="utf-8") if key[2] else FALLBACK_SHELL
            template = self._env.from_string(source)
            if previous is not None:
                opened.warm_from(previous.index)
        except Exception:
            logger.exception("search: cannot open the index in %s", folder)
            self._failed = (key, time.monotonic())
            return None
        logger.info("search: opened %s generation %d", folder, key[1])
        return Snapshot(key=key, index=opened, template=template)

    def _swap(self, key: tuple[str, int, int, int], folder: Path, previous: Snapshot) -> None:
        fresh = self._open(key, folder, previous)
        with self._lock:
            if fresh is not None:
                self._snapshot = fresh  # requests still running keep the old one
            self._opening = None

    def handle(self, path: str, query_string: str) -> Response:
        """Answer one GET request for a search path."""
        params = parse_qs(query_string, keep_blank_values=True, max_num_fields=20)
        api = path.startswith("/api/")
        snapshot = self.current()
        if snapshot is None:
            message = "search is not available: no index has been built yet (run blog build)"
            if api:
                return _json(503, "Service Unavailable", {"error": message})
            return _response(503, "Service Unavailable", HTML, message.encode())
        key = (path, tuple(sorted((k, tuple(v)) for k, v in params.items())))
        cached = snapshot.cached(key)
        if cached is not None:
            return cached
        response = self._answer(snapshot, path, params)
        if response.status.startswith(("200", "400")):
            snapshot.remember(key, response)
        return response

    def _answer(self, snapshot: Snapshot, path: str, params: dict[str, list[str]]) -> Response:
        if path == "/api/experts":
            return self._experts(snapshot, params)
        api = path == "/api/search"
        q = (params.get("q") or [""])[0]
        sort = (params.get("sort") or ["relevance"])[0]
        try:
            request = SearchRequest.from_params(params)
            if api and not request.q:
                raise QueryError("q is required, for example /api/search?q=postgres")
            results: SearchResults | None = None
            if request.q:
                results = snapshot.index.search(request)
        except QueryError as error:
            if api:
                return _json(400, "Bad Request", {"error": str(error)})
            page = self._page(snapshot, q[:MAX_QUERY_CHARS], "relevance", None, str(error))
            return _response(400, "Bad Request", HTML, page)
        if api:
            assert results is not None
            return _json(200, "OK", results.to_json())
        return _response(200, "OK", HTML, self._page(snapshot, request.q, sort, results, None))

    def _page(
        self,
        snapshot: Snapshot,
        q: str,
        sort: str,
        results: SearchResults | None,
        error: str | None,
    ) -> bytes:
        return snapshot.template.render(
            q=q, sort=sort, results=results, error=error, search_url=search_url
        ).encode("utf-8")

    def _experts(self, snapshot: Snapshot, params: dict[str, list[str]]) -> Response:
        q = (params.get("q") or [""])[0].strip()
        raw_limit = (params.get("limit") or ["10"])[0]
        try:
            if not q:
                raise QueryError("q is required, for example /api/experts?q=postgres")
            if len(q) > MAX_QUERY_CHARS:
                raise QueryError(f"the query is too long: at most {MAX_QUERY_CHARS} characters")
            if not re.fullmatch(r"\d{1,3}", raw_limit) or not 1 <= int(raw_limit) <= MAX_EXPERTS:
                raise QueryError(f"limit must be a whole number from 1 to {MAX_EXPERTS}")
            now = datetime.now(UTC).replace(tzinfo=None)
            experts = snapshot.index.experts(q, now=now, limit=int(raw_limit))
        except QueryError as error:
            return _json(400, "Bad Request", {"error": str(error)})
        return _json(200, "OK", {"query": q, "experts": [e.to_json() for e in experts]})


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _json(code: int, reason: str, data: dict[str, Any]) -> Response:
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return _response(code, reason, JSON, body)
