"""Build speed changes nothing: the fast paths produce the same bytes as Pelican's own."""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import pytest
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.formats import Positions

from plugins._shared.background import BackgroundError, ForkJob
from plugins._shared.problems import BlogError
from plugins.fastbuild.fingerprint import ValueDigests
from plugins.fastbuild.taxonomy import DatesOf
from plugins.search_index.fastformat import FastPositions
from tests.conftest import REPO, MakeSite, post
from tests.test_incremental_build import assert_same_tree
from tools.build import build_site

BODY = """\
## Setting up

Some *emphasis*, a [link]({filename}/posts/2026/p1.md), `code` and a footnote.[^1]

| a | b |
|---|---|
| 1 | 2 |

```python
def f(x):
    return x * 2
```

### Details

Term
:   Definition, and an abbreviation: HTML.

*[HTML]: Hyper Text Markup Language

[^1]: The note.
"""


def site_files(count: int) -> dict[str, str]:
    return {
        f"content/posts/2026/p{n}.md": post(
            f"Post {n}",
            date=f"2026-03-{n % 28 + 1:02d} 09:{n % 60:02d}",
            tags="postgres, migrations" if n % 2 else "kubernetes",
            body=BODY.replace("Some", f"Post {n} has some"),
            extra=f"Summary: A *summary* of {n}, linking [home]({{filename}}/posts/2026/p0.md).",
        )
        for n in range(count)
    }


def test_fastbuild_changes_no_output_byte(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(site_files(12), FASTBUILD_PARALLEL_MIN_FILES=1, FASTBUILD_PROCESSES=2)
    plain = tmp_path / "plain"
    shutil.copytree(root / "content", plain / "content")
    conf = (root / "pelicanconf.py").read_text(encoding="utf-8")
    conf += '\nPLUGINS = [p for p in PLUGINS if p != "plugins.fastbuild"]\n'
    (plain / "pelicanconf.py").write_text(conf, encoding="utf-8")

    fast, stock = build_site(root), build_site(plain)
    assert not fast.errors and fast.problems == stock.problems
    assert fast.files_written == stock.files_written
    assert_same_tree(root / "output" / "site", plain / "output" / "site")


def test_problems_are_the_same_when_checks_are_remembered(make_site: MakeSite) -> None:
    files = {
        "content/posts/2026/a.md": post(
            "A", body="# Big heading\n\n[b]({filename}/posts/2026/b.md)"
        ),
    }
    root = make_site(files)
    first = build_site(root).problems
    assert {p.code for p in first} == {"heading-h1", "broken-link"}
    assert build_site(root).problems == first  # from CACHE_PATH/content-checks.pickle
    (root / "content/posts/2026/b.md").write_text(post("B"), encoding="utf-8")
    # The post did not change, but the site did: its link now resolves.
    assert {p.code for p in build_site(root).problems} == {"heading-h1"}


TEXTS = [
    "",
    "the the cat",
    "A b c the Ünïcode ÉCOLE straße İstanbul 3.141 big-time under_score a*b",
    "*** .. x.y.z running runs ran; indexing, indexes: indexed!",
    "Postgres replication lag: we measured 12.5 ms at p99 (and fixed it).",
]


@pytest.mark.parametrize("text", TEXTS)
def test_fast_positions_match_whoosh(text: str) -> None:
    analyzer = StemmingAnalyzer()
    for boost in (1.0, 2.5):
        expected = list(Positions(field_boost=boost).word_values(text, analyzer, mode="index"))
        found = list(FastPositions(field_boost=boost).word_values(text, analyzer, mode="index"))
        assert found == expected
    other = StandardAnalyzer()  # not the default stemmer: Whoosh's own path
    assert list(FastPositions().word_values(text, other)) == list(
        Positions().word_values(text, other)
    )


def test_dates_of_keeps_the_order_of_dates_and_drops_duplicates() -> None:
    a, b, c, d = (object() for _ in range(4))
    dates = [c, a, d, b]
    assert DatesOf(dates)([b, a, b, c]) == [c, a, b]
    assert DatesOf(dates)([]) == []


def _fails(message: str) -> None:
    logging.getLogger("plugins.test").warning("child says %s", message)
    raise BlogError(message)


def _returns(value: int) -> int:
    logging.getLogger("plugins.test").warning("computed %d", value)
    return value * 2


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("no")
        self.handle = lambda: None


def _raises_unpicklable() -> None:
    raise Unpicklable


def test_fork_job_returns_raises_and_replays_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="plugins.test")
    assert ForkJob(_returns, 21).result() == 42
    with pytest.raises(BlogError, match="index is locked"):
        ForkJob(_fails, "index is locked").result()
    assert [r.getMessage() for r in caplog.records] == [
        "computed 21",
        "child says index is locked",
    ]
    with pytest.raises(BackgroundError, match="Unpicklable"):
        ForkJob(_raises_unpicklable).result()


def test_value_digests_follow_values_not_identity() -> None:
    digests = ValueDigests()
    one = {"b": [1, 2.0, "x"], "a": {"nested": (None, True)}}
    same = {"a": {"nested": (None, True)}, "b": [1, 2.0, "x"]}
    assert digests.digest(one) == ValueDigests().digest(same)
    assert digests.digest([1]) != digests.digest([1.0])
    assert digests.digest(["ab", "c"]) != digests.digest(["a", "bc"])
    assert digests.digest({"k": "1"}) != digests.digest({"k": 1})

    class Opaque:
        __slots__ = ()

    # An object only describable by its address never matches another build.
    assert ValueDigests().digest(Opaque()) != ValueDigests().digest(Opaque())


def sample_site(root: Path, **settings: object) -> Path:
    """The repository's sample content with its pelicanconf (plus overrides) under root."""
    shutil.copytree(REPO / "content", root / "content")
    conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    overrides = {"THEME": str(REPO / "themes" / "intranet"), **settings}
    conf += "".join(f"\n{key} = {value!r}" for key, value in overrides.items()) + "\n"
    (root / "pelicanconf.py").write_text(conf, encoding="utf-8")
    return root


def forked_shares(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if "forked process" in r.getMessage()]


def test_pages_rendered_in_two_processes_equal_pages_rendered_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # No core is waited for (the search index child may still be running): a child renders.
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: 0)
    caplog.set_level(logging.DEBUG, logger="plugins.fastbuild.writer")
    # Every feature of the sample site: people, teams, featured posts, stats, search shell.
    serial = sample_site(tmp_path / "serial", FASTBUILD_PROCESSES=1)
    parallel = sample_site(
        tmp_path / "parallel", FASTBUILD_PROCESSES=2, FASTBUILD_PARALLEL_MIN_FILES=1
    )
    one = build_site(serial)
    assert forked_shares(caplog.records) == [] and fields_forked(caplog.records) == 0
    two = build_site(parallel)
    assert len(forked_shares(caplog.records)) == 1
    assert fields_forked(caplog.records) > 20  # every post's fields, half in a child
    assert not one.errors and one.problems == two.problems
    assert one.files_written == two.files_written > 50
    assert_same_tree(serial / "output" / "site", parallel / "output" / "site")


def fields_forked(records: list[logging.LogRecord]) -> int:
    found = [r.getMessage() for r in records if "digested in 2 processes" in r.getMessage()]
    return int(found[-1].split()[3]) if found else 0


def fingerprints(root: Path) -> dict[str, bytes]:
    from plugins.fastbuild.writer import Manifest

    [path] = (root / "output" / "cache").glob("fastbuild-*.pickle")
    manifest = pickle.loads(path.read_bytes())
    assert isinstance(manifest, Manifest)
    return {name: record.fingerprint for name, record in manifest.records.items()}


def test_fields_digested_in_a_child_give_the_same_fingerprints(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="plugins.fastbuild.writer")
    root = make_site(site_files(12), FASTBUILD_PARALLEL_MIN_FILES=1, FASTBUILD_PROCESSES=2)
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: 1)  # no core free
    assert not build_site(root).errors
    assert fields_forked(caplog.records) == 0
    serial = fingerprints(root)
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: 0)
    caplog.clear()
    assert not build_site(root).errors
    assert fields_forked(caplog.records) >= 12
    assert fingerprints(root) == serial  # nothing to render again
    summary = [r.getMessage() for r in caplog.records if "files rendered" in r.getMessage()]
    assert summary[-1].startswith("fastbuild: 0 files rendered")


def test_pages_wait_for_a_free_core_before_a_child_is_forked(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Another child (the index) runs for three looks, then ends: the first is the field
    # digests' (they stay here), the next two are the renderer's.
    busy = iter([1, 1, 1])
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: next(busy, 0))
    caplog.set_level(logging.INFO, logger="plugins.fastbuild.writer")
    root = make_site(site_files(60), FASTBUILD_PARALLEL_MIN_FILES=1, FASTBUILD_PROCESSES=2)
    assert not build_site(root).errors
    [message] = forked_shares(caplog.records)
    left, total = [int(word) for word in message.split() if word.isdigit()][:2]
    # Two batches rendered here first; the child takes half of the rest.
    assert left == (total - 2 * 25) // 2


def test_a_second_build_after_a_parallel_one_renders_nothing(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_site(site_files(12), FASTBUILD_PARALLEL_MIN_FILES=1, FASTBUILD_PROCESSES=2)
    assert not build_site(root).errors
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="plugins.fastbuild.writer"):
        assert not build_site(root).errors
    summary = [r.getMessage() for r in caplog.records if "files rendered" in r.getMessage()]
    assert summary and summary[-1].startswith("fastbuild: 0 files rendered")


def test_problems_found_while_rendering_in_a_child_reach_the_build(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: 0)
    files = site_files(6)
    files["content/posts/2026/broken.md"] = post(
        "Broken link", body="See [the plan]({filename}/posts/2026/missing.md)."
    )
    root = make_site(files, FASTBUILD_PROCESSES=1)
    serial = build_site(root).problems
    assert "broken-link" in {p.code for p in serial}
    shutil.rmtree(root / "output")
    make_site(files, FASTBUILD_PROCESSES=2, FASTBUILD_PARALLEL_MIN_FILES=1)
    assert build_site(root).problems == serial


def test_a_template_error_while_rendering_in_a_child_fails_the_build(
    make_site: MakeSite, tmp_path: Path
) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "themes" / "intranet", theme)
    article = theme / "templates" / "article.html"
    article.write_text(
        article.read_text(encoding="utf-8").replace(
            "{% block content %}", "{% block content %}{{ article.title.no_such() }}", 1
        ),
        encoding="utf-8",
    )
    root = make_site(
        site_files(8), THEME=str(theme), FASTBUILD_PROCESSES=2, FASTBUILD_PARALLEL_MIN_FILES=1
    )
    with pytest.raises(Exception, match="no_such"):
        build_site(root)


def test_cached_highlighter_gives_pygments_own_html() -> None:
    from markdown import Markdown

    from plugins.fastbuild.highlight import CachedStyleHtmlFormatter, with_cached_formatter

    config = {
        "extension_configs": {
            "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
            "markdown.extensions.extra": {},
        },
        "extensions": ["markdown.extensions.codehilite", "markdown.extensions.extra"],
        "output_format": "html5",
    }
    text = '```go\nfunc main() { fmt.Println("hi") }\n```\n\n' + BODY
    cached = with_cached_formatter(config)
    options = cached["extension_configs"]["markdown.extensions.codehilite"]
    assert options["pygments_formatter"] is CachedStyleHtmlFormatter
    assert "pygments_formatter" not in config["extension_configs"]["markdown.extensions.codehilite"]
    for _ in range(2):  # the second conversion reuses the cached style tables
        html = Markdown(**cached).convert(text)
        assert html == Markdown(**config).convert(text)
        assert 'class="highlight"' in html and '<span class="nx">' in html


def _sleeps() -> None:
    import time

    time.sleep(60)


def test_a_fork_job_dropped_without_its_result_stops_its_child() -> None:
    import gc
    import os

    job = ForkJob(_sleeps)
    pid = job._pid
    os.kill(pid, 0)  # running
    del job
    gc.collect()
    with pytest.raises(ChildProcessError):  # stopped and reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def _naps() -> int:
    import time

    time.sleep(0.5)
    return 1


def test_running_children_counts_live_children_only() -> None:
    from plugins.fastbuild.writer import running_children

    before = running_children()
    job = ForkJob(_naps)
    assert running_children() == before + 1
    assert job.result() == 1  # collected: no longer counted
    assert running_children() == before


def test_running_children_ignores_programs_this_process_started() -> None:
    import subprocess

    from plugins.fastbuild.writer import running_children

    before = running_children()
    with subprocess.Popen(["sleep", "5"]) as program:
        assert running_children() == before
        program.kill()
