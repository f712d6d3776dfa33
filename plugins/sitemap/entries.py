"""Build sitemap.xml entries from the HTML files a build wrote."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

EXCLUDED_TOP = frozenset({"theme", "drafts", "search-index", "embed"})  # embed: fragments
EXCLUDED_FILES = frozenset({"404.html"})


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One page: its absolute URL and, when known, when it last changed."""

    loc: str
    lastmod: datetime | None = None


def page_url(relative: PurePosixPath) -> str:
    """Return the site-relative URL of an output file (`a/index.html` → `a/`)."""
    if relative.name == "index.html":
        parent = relative.parent.as_posix()
        return "" if parent == "." else f"{parent}/"
    return relative.as_posix()


def collect_entries(
    output_dir: Path,
    site_url: str,
    lastmods: Mapping[str, datetime],
    pages: Iterable[str | Path] | None = None,
) -> list[SitemapEntry]:
    """List every public HTML page under `output_dir` (or in `pages`), sorted by path."""
    base = site_url.rstrip("/")
    root = os.path.abspath(output_dir).rstrip("/") + "/"  # noqa: PTH100 - as Pelican spells it
    if pages is None:
        pages = output_dir.rglob("*.html")
    relative = {str(p)[len(root) :] for p in pages if str(p).endswith(".html")}
    entries = []
    # Sorted by path components, as Path objects sort.
    for parts in sorted(name.split("/") for name in relative):
        if parts[0] in EXCLUDED_TOP or "/".join(parts) in EXCLUDED_FILES:
            continue
        url = page_url(PurePosixPath(*parts))
        entries.append(SitemapEntry(loc=f"{base}/{url}", lastmod=lastmods.get(url)))
    return entries


def render_sitemap(entries: Iterable[SitemapEntry]) -> str:
    """Render entries as a sitemaps.org XML document."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.date().isoformat()}</lastmod>" if entry.lastmod else ""
        lines.append(f"  <url><loc>{escape(entry.loc)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
