"""The search service through a real waitress server, on the built sample site."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import waitress.server
from pelican.plugins import signals
from selectolax.lexbor import LexborHTMLParser

from plugins.search_index.documents import DocumentSource
from plugins.search_index.people_file import PEOPLE_FILE, PeopleFacts, write_people
from plugins.search_index.profiles import AuthorInfo
from plugins.search_index.writer import update_index
from tests.conftest import REPO
from tools.build import build_site
from tools.serve import make_app

DISTINCTIVE = {
    "Kestrel": "zero-downtime-postgres-migrations-part-1",
    "Marlin": "rotating-service-credentials-without-downtime",
    "Nightjar": "on-call-handbook-v2",
    "Hummingbird": "ci-pipeline-from-40-to-9-minutes",
    "Tern": "design-system-tern-one-year",
    "Osprey": "incident-review-expired-tls-certificate",
    "Wren": "structured-logging-in-go",
    "Lodestar": "onboarding-first-two-weeks",
    "Sandpiper": "zero-downtime-postgres-migrations-part-2",
    "Heron": "data-contracts-for-event-pipelines",
    "Tanuki": "accessibility-audit-what-we-fixed",
    "Puffin": "kubernetes-cost-dashboard",
    "Magpie": "threat-modelling-in-an-afternoon",
    "Capybara": "hack-week-2026-what-we-built",
    "Ptarmigan": "testing-warehouse-models-in-ci",
    "Waypoint": "what-staff-engineers-actually-do",
    "Bramble": "turning-on-typescript-strict-mode",
    "Gazette": "welcome-to-intrablog",
    "Viewstamped": "replication-reading-group-autumn",
}


@contextmanager
def isolated_signals() -> Iterator[None]:
    """The autouse isolation is per test; a module-scoped build needs its own."""
    every = [value for value in vars(signals).values() if hasattr(value, "receivers")]
    before = {id(sig): dict(sig.receivers) for sig in every}
    try:
        yield
    finally:
        for sig in every:
            for key in list(sig.receivers):
                if key not in before[id(sig)]:
                    sig.receivers.pop(key, None)


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the repository's sample content once; return its output folder."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
    conf = root / "pelicanconf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8") + f"\nTHEME = {str(REPO / 'themes' / 'intranet')!r}\n",
        encoding="utf-8",
    )
    with isolated_signals():
        result = build_site(root)
    assert not result.errors, result.errors
    return root / "output"


@contextmanager
def running(root: Path) -> Iterator[int]:
    """Serve `root` with a real waitress server in a thread; yield its port."""
    server: Any = waitress.server.create_server(
        make_app(root), host="127.0.0.1", port=0, threads=6, ident="test"
    )
    stopping = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            if not stopping.is_set():  # closing the sockets under select() is expected
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def port(sample_output: Path) -> Iterator[int]:
    with running(sample_output) as found:
        yield found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def api(port: int, path: str) -> tuple[int, Any]:
    status, headers, body = get(port, path)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    return status, json.loads(body)


@pytest.mark.parametrize("word", sorted(DISTINCTIVE))
def test_each_posts_distinctive_word_finds_it_first(port: int, word: str) -> None:
    status, data = api(port, f"/api/search?q={word}")
    assert status == 200
    assert data["hits"][0]["url"].endswith(f"/{DISTINCTIVE[word]}/"), data["hits"][0]


def test_drafts_are_never_found(port: int, sample_output: Path) -> None:
    status, data = api(port, "/api/search?q=Cormorant&exact=1")
    assert (status, data["total"]) == (200, 0)
    assert "cormorant" not in (sample_output / "search-index" / "intrablog-index.json").read_text(
        encoding="utf-8"
    )


def test_api_search_has_stable_keys(port: int) -> None:
    status, data = api(port, "/api/search?q=postgres&size=2&sort=date")
    assert status == 200
    assert set(data) == {
        "query",
        "total",
        "page",
        "page_size",
        "pages",
        "sort",
        "suggestion",
        "corrected_from",
        "hits",
        "facets",
    }
    assert set(data["facets"]) == {"tag", "author", "team", "year"}
    assert set(data["hits"][0]) >= {"url", "title", "title_html", "snippet_html", "date", "tags"}
    assert len(data["hits"]) == 2 and data["sort"] == "date"
    assert data["hits"][0]["date"] >= data["hits"][1]["date"]


def test_search_page_renders_results_facets_and_pagination(port: int) -> None:
    status, headers, body = get(port, "/search?q=postgres&size=2")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    page = LexborHTMLParser(body.decode())
    assert page.css_first("title").text().startswith("postgres · Search")
    assert page.css_first("#search-q").attributes["value"] == "postgres"
    hits = page.css(".search-hit")
    assert len(hits) == 2
    assert hits[0].css_first(".search-hit__title a mark") is not None
    facet_links = [a.attributes["href"] for a in page.css(".search-facet a")]
    assert "search?q=postgres+tag%3Apostgres" in facet_links
    assert page.css_first('.pagination a[rel="next"]').attributes["href"].endswith("page=2")
    # The page is the site's own: its stylesheet, nav and the search box in the header.
    assert page.css_first('link[rel="stylesheet"]').attributes["href"] == "./theme/css/site.css"
    assert page.css_first("form.site-search label").text() == "Search posts"


def test_search_page_helps_when_nothing_matches(port: int) -> None:
    status, _, body = get(port, "/search?q=postgres+zzzzqq")
    assert status == 200
    page = LexborHTMLParser(body.decode())
    assert "No posts match" in page.css_first(".search-empty").text()
    assert page.css_first('.search-empty a[href="tags/"]') is not None


def test_typo_is_corrected_and_did_you_mean_is_offered(port: int) -> None:
    status, data = api(port, "/api/search?q=kestral")
    assert (status, data["corrected_from"], data["query"]) == (200, "kestral", "kestrel")
    _, body = get(port, "/search?q=postgres+migratons")[::2]
    suggestion = LexborHTMLParser(body.decode()).css_first(".search-suggestion a")
    assert suggestion is not None and suggestion.text().startswith("postgres migration")


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=%22open",
        "/search?q=after%3A2026-02-30",
        "/search?q=x&page=0",
        "/search?q=x&size=1000",
        "/search?q=x&sort=sideways",
        f"/search?q={'a' * 500}",
        "/search?q=tag%3A",
    ],
)
def test_malformed_requests_are_400_with_a_message(port: int, path: str) -> None:
    status, _, body = get(port, path)
    assert status == 400
    assert "could not be run" in LexborHTMLParser(body.decode()).css_first(".search-error").text()


@pytest.mark.parametrize(
    "q",
    [
        *['"', "(", ")", "*", "?", ":", 'tag:"', "-", "--", "a:b:c", "\\", "%00", "~1"],
        *["AND OR NOT", "year:0000", "year:9999", "after:9999-12-31", 'x "a.b c" node.js'],
        "é" * 200,
    ],
)
def test_odd_queries_never_fail_with_500(port: int, q: str) -> None:
    for path in (f"/api/search?q={quote(q)}", f"/search?q={quote(q)}"):
        status, _, _ = get(port, path)
        assert status in (200, 400), path


def test_api_errors_are_json(port: int) -> None:
    assert api(port, "/api/search") == (
        400,
        {"error": "q is required, for example /api/search?q=postgres"},
    )
    status, data = api(port, "/api/search?q=before%3Anope")
    assert status == 400 and "before: wants a date" in data["error"]
    assert api(port, "/api/experts?q=x&limit=0")[0] == 400


def test_experts_api_ranks_authors(port: int) -> None:
    status, data = api(port, "/api/experts?q=postgres")
    assert status == 200 and data["query"] == "postgres"
    first = data["experts"][0]
    assert set(first) == {"slug", "name", "teams", "score", "posts", "latest", "top_posts"}
    assert first["slug"] in {"ana-lopez", "bo-chen"}
    assert first["teams"] == ["storage"]
    assert first["name"] in {"Ana López", "Bo Chen"}
    # Kwame declares "threat modelling" in his profile: that counts for the query.
    _, data = api(port, "/api/experts?q=threat+modelling")
    assert "kwame-mensah" in [e["slug"] for e in data["experts"]]


def test_build_writes_people_facts_for_the_service(sample_output: Path) -> None:
    people = json.loads((sample_output / "search-index" / PEOPLE_FILE).read_text())
    assert people["format"] == 1
    ana = people["people"]["ana-lopez"]
    assert ana["team"] == "storage" and "postgres" in ana["expertise"]
    assert isinstance(people["credits"], dict)


def expert_source(path: str, title: str, authors: tuple[str, ...], when: str) -> DocumentSource:
    return DocumentSource(
        path=path, url=f"posts/{path[:-3]}/", title=title, summary_html="",
        content_html=f"<p>{title}.</p>", tags=("databases",), authors=authors,
        author_names=authors, teams=(), series="", date=datetime.fromisoformat(when),
        content_hash=path,
    )  # fmt: skip


def test_experts_api_uses_credits_declared_expertise_and_follows_people_json(
    tmp_path: Path,
) -> None:
    """/api/experts ranks with the people plugin's score and the build's people.json."""
    folder = tmp_path / "search-index"
    update_index(
        folder,
        [
            expert_source("a.md", "Postgres replication deep dive", ("ana",), "2026-10-01"),
            expert_source("b.md", "Postgres vacuum tuning", ("ana", "bo"), "2024-01-01"),
            expert_source("c.md", "Kubernetes costs", ("olga",), "2026-10-01"),
        ],
    )
    people = {
        "ana": AuthorInfo("Ana López", "storage", ("replication",)),
        "bo": AuthorInfo("Bo Chen", "storage"),
        "carl": AuthorInfo("Carl Berg", "platform"),
        "dee": AuthorInfo("Dee Okafor", "security", ("Postgres",)),
    }
    write_people(folder, PeopleFacts(people, {"a.md": ("carl",)}))
    (tmp_path / "site").mkdir()
    with running(tmp_path) as server:
        status, data = api(server, "/api/experts?q=postgres&limit=10")
        assert status == 200
        found = {e["slug"]: e for e in data["experts"]}
        assert set(found) == {"ana", "bo", "carl", "dee"}  # olga wrote nothing on postgres
        assert found["ana"]["score"] > found["bo"]["score"] > 0
        assert found["ana"]["score"] > found["carl"]["score"] > 0  # credited by git review
        assert found["carl"]["posts"] == 1 and found["carl"]["teams"] == ["platform"]
        assert (found["dee"]["posts"], found["dee"]["latest"]) == (0, "")  # declared only
        assert found["ana"]["name"] == "Ana López" and found["ana"]["latest"] == "2026-10-01"
        assert [p["url"] for p in found["ana"]["top_posts"]] == ["posts/a/", "posts/b/"]
        scores = [e["score"] for e in data["experts"]]
        assert scores == sorted(scores, reverse=True)
        # A new people.json (a build that changed profiles only) is picked up.
        people["ana"] = AuthorInfo("Ana Lopez-Garcia", "platform", ())
        write_people(folder, PeopleFacts(people, {}))
        for _ in range(100):
            found = {e["slug"]: e for e in api(server, "/api/experts?q=postgres")[1]["experts"]}
            if found["ana"]["name"] == "Ana Lopez-Garcia":
                break
        else:
            pytest.fail("people.json change was not picked up")
        assert found["ana"]["teams"] == ["platform"] and "carl" not in found


def test_opensearch_description_is_linked_from_every_page(port: int, sample_output: Path) -> None:
    status, _, body = get(port, "/opensearch.xml")
    assert status == 200 and b"/search?q={searchTerms}" in body
    page = LexborHTMLParser((sample_output / "site" / "index.html").read_text(encoding="utf-8"))
    link = page.css_first('link[rel="search"]')
    assert link.attributes["type"] == "application/opensearchdescription+xml"
    form = page.css_first("form.site-search")
    assert (form.attributes["method"], form.attributes["action"]) == ("get", "./search")
    assert page.css_first("label[for=site-search-q]") is not None


def test_related_posts_are_listed_on_post_pages(sample_output: Path) -> None:
    path = sample_output / "site/posts/2026/zero-downtime-postgres-migrations-part-1/index.html"
    page = LexborHTMLParser(path.read_text(encoding="utf-8"))
    links = [a.attributes["href"] for a in page.css(".related-posts a")]
    assert 1 <= len(links) <= 3
    assert "../../../posts/2026/zero-downtime-postgres-migrations-part-2/" in links


def test_no_index_is_503_not_500(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    with running(tmp_path) as bare:
        assert get(bare, "/search?q=x")[0] == 503
        assert api(bare, "/api/search?q=x")[0] == 503


def test_release_switch_is_picked_up_without_failed_requests(
    sample_output: Path, tmp_path: Path
) -> None:
    """Concurrent clients search while `current` flips between two releases."""
    releases = tmp_path / "releases"
    for name in ("r1", "r2"):
        shutil.copytree(sample_output / "site", releases / name / "site", symlinks=True)
        shutil.copytree(sample_output / "search-index", releases / name / "search-index")
    extra = DocumentSource(
        path="posts/2026/zanzibar.md",
        url="posts/2026/zanzibar/",
        title="Zanzibar authorization",
        summary_html="",
        content_html="<p>Zanzibar-style tuples.</p>",
        tags=("security",),
        authors=("priya-raman",),
        author_names=("Priya Raman",),
        teams=("security",),
        series="",
        date=datetime(2026, 11, 1),
        content_hash="zanzibar",
    )
    state = json.loads((releases / "r2/search-index/intrablog-index.json").read_text())
    kept = [
        DocumentSource(p, "", "", "", "", (), (), (), (), "", datetime(2026, 1, 1), h)
        for p, h in state["hashes"].items()
    ]
    update_index(releases / "r2" / "search-index", [*kept, extra])
    (tmp_path / "current").symlink_to("releases/r1")

    failures: list[str] = []
    done = threading.Event()
    with running(tmp_path) as port:

        def hammer() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while not done.is_set():
                for path in ("/api/search?q=kestrel", "/search?q=puffin&sort=date"):
                    try:
                        connection.request("GET", path)
                        response = connection.getresponse()
                        body = response.read()
                        if response.status != 200 or (
                            path.startswith("/api") and b"zero-downtime" not in body
                        ):
                            failures.append(f"{path}: {response.status}")
                    except (OSError, http.client.HTTPException) as error:
                        failures.append(f"{path}: {error!r}")
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.close()

        clients = [threading.Thread(target=hammer) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            for switch in range(6):
                target = "releases/r2" if switch % 2 == 0 else "releases/r1"
                temp = tmp_path / "current.tmp"
                temp.symlink_to(target)
                temp.replace(tmp_path / "current")  # atomic, like os.replace
                expected = 1 if target.endswith("r2") else 0
                for _ in range(200):
                    if api(port, "/api/search?q=zanzibar&exact=1")[1]["total"] == expected:
                        break
                else:
                    pytest.fail(f"switch {switch} to {target} was not picked up")
        finally:
            done.set()
            for client in clients:
                client.join(timeout=10)
    assert failures == []


def children_of(pid: int) -> set[int]:
    """Return the ids of the live (not zombie) child processes of `pid`, from /proc."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_share_the_socket_follow_switches_and_are_replaced(
    sample_output: Path, tmp_path: Path
) -> None:
    """`blog serve --workers 2`: two processes answer; each picks up a release switch."""
    releases = tmp_path / "releases"
    for name in ("r1", "r2"):
        shutil.copytree(sample_output / "site", releases / name / "site", symlinks=True)
        shutil.copytree(sample_output / "search-index", releases / name / "search-index")
    state = json.loads((releases / "r2/search-index/intrablog-index.json").read_text())
    kept = [
        DocumentSource(p, "", "", "", "", (), (), (), (), "", datetime(2026, 1, 1), h)
        for p, h in state["hashes"].items()
    ]
    extra = expert_source("posts/2026/zanzibar.md", "Zanzibar tuples", ("ana",), "2026-11-01")
    update_index(releases / "r2" / "search-index", [*kept, extra])
    (tmp_path / "current").symlink_to("releases/r1")
    port = free_port()
    blog = Path(sys.executable).with_name("blog")
    command = [str(blog)] if blog.exists() else [sys.executable, "-m", "tools.cli"]
    process = subprocess.Popen(
        [*command, "serve", "--root", str(tmp_path), "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def zanzibar_hits() -> int:
        status, data = api(port, "/api/search?q=zanzibar&exact=1")  # a new connection each
        assert status == 200
        return int(data["total"])

    def settled(expected: int) -> bool:
        """Twenty requests in a row (spread over both workers) see `expected`."""
        return any(all(zanzibar_hits() == expected for _ in range(20)) for _ in range(400))

    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        for _ in range(100):  # the socket listens before the workers are forked
            workers = children_of(process.pid)
            if len(workers) == 2:
                break
            time.sleep(0.05)
        assert len(workers) == 2
        assert settled(0)
        temp = tmp_path / "current.tmp"
        temp.symlink_to("releases/r2")
        temp.replace(tmp_path / "current")
        assert settled(1)
        # A worker that dies is replaced, and the service keeps answering.
        os.kill(next(iter(workers)), signal.SIGKILL)
        for _ in range(100):
            now = children_of(process.pid)
            if len(now) == 2 and now != workers:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the killed worker was not replaced: {now}")
        assert settled(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
    assert children_of(process.pid) == set()
