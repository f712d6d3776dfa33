"""Search: a Whoosh index of published posts, related posts, and the search page shell.

Two edges:
- `article_generator_finalized` (before any page is written): each published post gets
  `related_posts`, computed from tag, series and title-word overlap (related.py).
- A generator added through `get_generators` runs its `generate_output` after the posts
  are written (it needs their final HTML and the whole context, which the `finalized`
  signal does not carry). It updates the index incrementally (writer.py), writes
  opensearch.xml into the site, and renders the theme's `search.html` into the index
  folder as the shell `blog serve` fills with results.

The index lives beside the site (output/search-index/ for output/site/), never inside it.
Drafts and hidden posts are never indexed.

Settings:
    SEARCH_INDEX_DIR: the index folder, resolved against the parent of OUTPUT_PATH
        (default "search-index"); it may not overlap the site.
    SEARCH_INDEX_PROCS: processes for a full rebuild (default 0: up to 2, one per core).
    SEARCH_RELATED_POSTS: related posts listed on each post (default 3; 0 turns them off).
    OUTPUT_PATH, PATH, SITENAME, SITEURL, RELATIVE_URLS (Pelican's): where things go, the
        authors folder (PATH/authors) and the OpenSearch description.

Template variables:
    article.related_posts: list of Article, most related first (posts only).
    search.html (rendered once per build, then by the service) gets the usual context
    plus the `results` the service passes; see the template.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator, PelicanTemplateNotFound

from plugins.search_index.config import SearchIndexSettings
from plugins.search_index.documents import source_of
from plugins.search_index.opensearch import OPENSEARCH_FILE, render_opensearch
from plugins.search_index.profiles import read_authors
from plugins.search_index.related import RelatedInput, related_posts
from plugins.search_index.writer import update_index

logger = logging.getLogger(__name__)

SHELL_FILE = "search.html"


def add_related_posts(generator: Any) -> None:
    """Give every published post its `related_posts` (drafts and hidden posts get none)."""
    count = SearchIndexSettings.from_settings(generator.settings).related_count
    by_key = {str(a.source_path): a for a in generator.articles}
    inputs = [
        RelatedInput(
            key=key,
            title=str(a.title),
            tags=tuple(t.name for t in getattr(a, "tags", None) or ()),
            series=str(a.metadata.get("series") or ""),
            date=a.date,
        )
        for key, a in by_key.items()
    ]
    for key, related in related_posts(inputs, count).items():
        by_key[key].related_posts = [by_key[k] for k in related]
    for article in [*generator.drafts, *generator.hidden_articles]:
        article.related_posts = []


class SearchIndexGenerator(Generator):  # type: ignore[misc]
    """Update the index and write the search shell and OpenSearch description."""

    def generate_context(self) -> None:
        """Nothing to add to the context."""

    def generate_output(self, writer: Any) -> None:
        """Update the index from the published posts, then write the two files."""
        config = SearchIndexSettings.from_settings(self.settings)
        profiles = read_authors(Path(self.settings["PATH"]) / "authors")
        sources = [source_of(a, profiles) for a in self.context.get("articles", [])]
        report = update_index(config.index_dir, sources, procs=config.procs)
        logger.info(
            "search index: %d posts, %d added, %d updated, %d deleted%s in %.2f s",
            report.documents,
            report.added,
            report.updated,
            report.deleted,
            " (full rebuild)" if report.rebuilt else "",
            report.seconds,
        )
        site_url = str(self.settings.get("SITEURL", ""))
        (Path(self.output_path) / OPENSEARCH_FILE).write_text(
            render_opensearch(str(self.settings.get("SITENAME", "Search")), site_url),
            encoding="utf-8",
        )
        self._write_shell(config.index_dir / SHELL_FILE)

    def _write_shell(self, target: Path) -> None:
        """Render search.html once with the site's context; the service fills in results."""
        try:
            template = self.get_template("search")
        except PelicanTemplateNotFound:  # no search page in the theme: the service has one
            logger.debug("search index: theme has no search.html template")
            return
        relative = bool(self.settings.get("RELATIVE_URLS"))
        shell = template.render(
            {
                **self.context,
                "SITEURL": "." if relative else self.settings.get("SITEURL", ""),
                "output_file": "search",
            }
        )
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_text(shell, encoding="utf-8")
        temp.replace(target)


def get_search_generator(pelican: Any) -> type[SearchIndexGenerator]:
    """Hand Pelican the search index generator."""
    return SearchIndexGenerator


def register() -> None:
    """Connect related posts and the index generator."""
    signals.article_generator_finalized.connect(add_related_posts)
    signals.get_generators.connect(get_search_generator)
