"""Write sitemap.xml listing every public page, with last-modified dates for posts and pages.

A generator added through `get_generators` listens to `content_written` from its creation,
before anything is written, and writes the sitemap when the build is `finalized`, after
every generator (people, teams, experts, stats pages included) has written its pages. It
lists the HTML files the build's writer reported, not whatever is on disk, so an
incremental build that keeps last build's files lists exactly what a clean build lists. It
keeps no state between builds.

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
        # Generators are created before anything is written; blinker holds these bound
        # methods weakly, so they live exactly as long as the generator (all of run()).
        signals.content_written.connect(self.add_written)
        signals.finalized.connect(self.write_sitemap)

    def patch_post(self, post: Any) -> None:
        """Ready for the output phase of a patched rebuild (plugins._shared.patching)."""
        self.written = []
        signals.content_written.connect(self.add_written)
        signals.finalized.connect(self.write_sitemap)

    def add_written(self, path: str, context: Any = None) -> None:
        """Remember a file the writer produced."""
        self.written.append(path)

    def generate_context(self) -> None:
        """Nothing to add: the sitemap only reads what others produced."""

    def generate_output(self, writer: Any) -> None:
        """Nothing yet: generators after this one still write pages (see write_sitemap)."""

    def write_sitemap(self, pelican: Any) -> None:
        """Write sitemap.xml into the output directory, once every page is written."""
        signals.content_written.disconnect(self.add_written)
        signals.finalized.disconnect(self.write_sitemap)
        lastmods: dict[str, Any] = {}
        for content in [*self.context.get("articles", []), *self.context.get("pages", [])]:
            changed = getattr(content, "modified", None) or getattr(content, "date", None)
            if changed is not None:
                lastmods[content.url] = changed
        output = Path(self.output_path)
        output.mkdir(parents=True, exist_ok=True)
        entries = collect_entries(output, self.settings.get("SITEURL", ""), lastmods, self.written)
        (output / "sitemap.xml").write_text(render_sitemap(entries), encoding="utf-8")


def get_sitemap_generator(pelican: Any) -> type[SitemapGenerator]:
    """Hand Pelican the sitemap generator."""
    return SitemapGenerator


def register() -> None:
    """Add the sitemap generator to every build."""
    signals.get_generators.connect(get_sitemap_generator)
