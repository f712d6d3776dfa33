"""The theme's own files: stylesheets that parse, and nothing fetched from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

STATIC = REPO / "themes/intranet/static"
STYLESHEETS = sorted(STATIC.rglob("*.css"))


def test_there_are_stylesheets() -> None:
    assert {p.name for p in STYLESHEETS} >= {"site.css", "pygments.css"}


@pytest.mark.parametrize("path", STYLESHEETS, ids=[p.name for p in STYLESHEETS])
def test_stylesheet_blocks_are_balanced(path: Path) -> None:
    # An unclosed `@media print {` silently turns every later rule into a print-only rule.
    css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for line_number, line in enumerate(css.splitlines(), start=1):
        for char in line:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, f"{path}:{line_number}: closes a block that is not open"
    assert depth == 0, f"{path}: {depth} block(s) left open"


@pytest.mark.parametrize("path", STYLESHEETS, ids=[p.name for p in STYLESHEETS])
def test_stylesheet_fetches_nothing_from_other_hosts(path: Path) -> None:
    css = path.read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css
