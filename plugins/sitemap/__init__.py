"""Write sitemap.xml listing every public page, with last-modified dates for posts and pages.

A generator added through `get_generators` runs its `generate_output` after the articles
and pages generators have written their HTML. It lists the HTML files the build's writer
reported (`content_written`) up to then, not whatever is on disk, so an incremental build
that keeps last build's files lists exactly what a clean build lists. It keeps no state
between builds.

Settings:
    SITEURL (Pelican's): the absolute base of every <loc>.

Template variables: none. Output: sitemap.xml at the site root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from plugins.sitemap.entries import collect_entries, render_sitemap


class SitemapGenerator(Generator):  # type: ignore[misc]
    """Write sitemap.xml from the written HTML pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written: list[str] = []
        # Generators are created before anything is written; blinker holds this bound
        # method weakly, so it lives exactly as long as the generator.
        signals.content_written.connect(self.add_written)

    def add_written(self, path: str, context: Any = None) -> None:
        """Remember a file the writer produced."""
        self.written.append(path)

    def generate_context(self) -> None:
        """Nothing to add: the sitemap only reads what others produced."""

    def generate_output(self, writer: Any) -> None:
        """Write sitemap.xml into the output directory."""
        lastmods: dict[str, Any] = {}
        for content in [*self.context.get("articles", []), *self.context.get("pages", [])]:
            changed = getattr(content, "modified", None) or getattr(content, "date", None)
            if changed is not None:
                lastmods[content.url] = changed
        signals.content_written.disconnect(self.add_written)
        output = Path(self.output_path)
        output.mkdir(parents=True, exist_ok=True)  # pages may be rendered after this runs
        entries = collect_entries(output, self.settings.get("SITEURL", ""), lastmods, self.written)
        (output / "sitemap.xml").write_text(render_sitemap(entries), encoding="utf-8")


def get_sitemap_generator(pelican: Any) -> type[SitemapGenerator]:
    """Hand Pelican the sitemap generator."""
    return SitemapGenerator


def register() -> None:
    """Add the sitemap generator to every build."""
    signals.get_generators.connect(get_sitemap_generator)
