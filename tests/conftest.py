"""Shared fixtures: a site factory, Pelican signal isolation, HTML query helpers."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pelican.plugins import signals
from selectolax.lexbor import LexborHTMLParser

REPO = Path(__file__).resolve().parent.parent

MakeSite = Callable[..., Path]


@pytest.fixture(autouse=True)
def isolate_pelican_signals() -> Iterator[None]:
    """Disconnect every receiver a test connected, so builds never leak plugins."""
    all_signals = [value for value in vars(signals).values() if hasattr(value, "receivers")]
    before = {id(sig): dict(sig.receivers) for sig in all_signals}
    yield
    for sig in all_signals:
        for key in list(sig.receivers):
            if key not in before[id(sig)]:
                sig.receivers.pop(key, None)


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Return a factory writing a site (repo pelicanconf + overrides, given files) into tmp_path.

    `files` maps site-relative paths to text (dedented). Settings overrides are appended
    to a copy of the repository's pelicanconf.py; the theme is the repository's.
    """

    def factory(files: dict[str, str], **settings: Any) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        # Test sites are not git repositories; tests of git history turn it on.
        overrides = {
            "THEME": str(REPO / "themes" / "intranet"),
            "GIT_METADATA_ENABLED": False,
            **settings,
        }
        conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
        conf += "\n# test overrides\n" + "".join(f"{k} = {v!r}\n" for k, v in overrides.items())
        (root / "pelicanconf.py").write_text(conf, encoding="utf-8")
        for sub in ("posts", "pages", "authors", "teams"):
            (root / "content" / sub).mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return factory


def post(
    title: str = "A post",
    *,
    date: str = "2026-03-04 09:30",
    authors: str = "ana-lopez",
    tags: str = "testing",
    body: str = "Some words here.",
    extra: str = "",
) -> str:
    """Return the text of a post with a metadata header."""
    header = f"Title: {title}\nDate: {date}\nAuthors: {authors}\nTags: {tags}\n{extra}"
    return f"{header.rstrip()}\n\n{body}\n"


def html(path: Path) -> LexborHTMLParser:
    """Parse an HTML file for CSS-selector assertions."""
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


def texts(page: LexborHTMLParser, selector: str) -> list[str]:
    """Return the stripped text of every node matching `selector`."""
    return [node.text(strip=True) for node in page.css(selector)]
