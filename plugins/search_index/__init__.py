"""Search: a Whoosh index of published posts, related posts, and the search page shell.

Two edges:
- `article_generator_finalized` (before any page is written): each published post gets
  `related_posts`, computed from tag, series and title-word overlap (related.py).
- A generator added through `get_generators`. As soon as the posts are read and sorted
  (its receiver of `article_generator_pretaxonomy`, connected when Pelican creates it)
  it forks a process that updates the index incrementally (writer.py) while the build
  goes on: everything the index reads of a post (title, URL, text, summary text, tags,
  authors, series, date) is final once posts are read, and no plugin's
  `article_generator_finalized` receiver changes any of it. Starting before Pelican
  groups the posts by tag and those receivers run keeps the second core busy then.
  Links to pages and static files are not resolvable yet, which changes only `href`
  values, never text; the child drops Pelican's "Unable to find" warnings (the build
  reports them when it renders). Its `generate_output`, which runs after the posts are
  written, waits for that process (its errors and log lines come back to the build),
  writes opensearch.xml into the site, writes people.json into the index folder (names,
  teams, declared expertise, git credits per post: what the service needs to rank
  people, people_file.py), and renders the theme's `search.html` into the index folder
  as the shell `blog serve` fills with results.

The index lives beside the site (output/search-index/ for output/site/), never inside it.
Drafts and hidden posts are never indexed.

Settings:
    SEARCH_INDEX_DIR: the index folder, resolved against the parent of OUTPUT_PATH
        (default "search-index"); it may not overlap the site.
    SEARCH_RELATED_POSTS: related posts listed on each post (default 3; 0 turns them off).
    OUTPUT_PATH, PATH, SITENAME, SITEURL, RELATIVE_URLS (Pelican's): where things go, the
        authors folder (PATH/authors) and the OpenSearch description; CACHE_PATH keeps
        the last related-posts lists (reused while no title, tag, series or date changes).

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

from plugins._shared.background import ForkJob
from plugins._shared.diskmemo import DiskMemo, digest_of, open_memo, source_digest
from plugins._shared.patching import patch_aware
from plugins.search_index import related as related_module
from plugins.search_index.config import SearchIndexSettings
from plugins.search_index.documents import source_of
from plugins.search_index.opensearch import OPENSEARCH_FILE, render_opensearch
from plugins.search_index.people_file import collect, write_people
from plugins.search_index.profiles import read_authors
from plugins.search_index.related import RelatedInput, related_posts
from plugins.search_index.writer import IndexReport, update_documents, update_index

logger = logging.getLogger(__name__)

SHELL_FILE = "search.html"
RELATED_CACHE = "related-posts.pickle"  # in CACHE_PATH


@patch_aware  # reads titles, tags, series and dates: never a body
def add_related_posts(generator: Any) -> None:
    """Give every published post its `related_posts` (drafts and hidden posts get none)."""
    count = SearchIndexSettings.from_settings(generator.settings).related_count
    by_key = {str(a.source_path): a for a in generator.articles}
    inputs = related_inputs(by_key)
    memo = open_memo(generator.settings, Path(generator.settings["CACHE_PATH"]) / RELATED_CACHE)
    for key, related in related_posts_memoized(inputs, count, memo).items():
        by_key[key].related_posts = [by_key[k] for k in related]
    for article in [*generator.drafts, *generator.hidden_articles]:
        article.related_posts = []


def related_inputs(by_key: dict[str, Any]) -> list[RelatedInput]:
    """What relatedness looks at, for each published post."""
    return [
        RelatedInput(
            key=key,
            title=str(a.title),
            tags=tuple(t.name for t in getattr(a, "tags", None) or ()),
            series=str(a.metadata.get("series") or ""),
            date=a.date,
        )
        for key, a in by_key.items()
    ]


def related_posts_memoized(
    inputs: list[RelatedInput], count: int, memo: DiskMemo
) -> dict[str, list[str]]:
    """`related_posts`, reused from the last build when no title, tag or date changed."""
    # Editing a post's body changes none of the inputs: the lists are the same as before.
    key = digest_of(source_digest(related_module.__file__), str(count), repr(inputs))
    found = memo.get(key)
    if found is None:
        found = related_posts(inputs, count)
        memo.put(key, found)
        memo.save()
    result: dict[str, list[str]] = found
    return result


class _NoLinkWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unable to find")


def index_posts(
    articles: list[Any],
    authors_dir: Path,
    config: SearchIndexSettings,
    edited: frozenset[str] | None = None,
) -> IndexReport:
    """Bring the index in line with the published posts (run in a background process).

    With `edited` (source paths; a patched rebuild), only those posts are indexed again
    when the index allows it; otherwise every post is compared with the index.
    """
    # Only ever called in the forked child: the filter dies with it.
    logging.getLogger("pelican.contents").addFilter(_NoLinkWarnings())
    profiles = read_authors(authors_dir)
    if edited is not None:
        some = [source_of(a, profiles) for a in articles if str(a.source_path) in edited]
        report = update_documents(config.index_dir, some)
        if report is not None:
            return report
    return update_index(config.index_dir, [source_of(a, profiles) for a in articles])


class SearchIndexGenerator(Generator):  # type: ignore[misc]
    """Update the index and write the search shell and OpenSearch description."""

    _job: ForkJob[IndexReport] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Generators are created before any content is read; blinker holds the bound
        # method weakly (it lives with the generator).
        signals.article_generator_pretaxonomy.connect(self.start_indexing)

    def generate_context(self) -> None:
        """Nothing to add to the context."""

    def patch_post(self, post: Any) -> None:
        """One post's body changed (plugins._shared.patching): re-index it alone, now."""
        arguments = self._index_arguments(self.context.get("articles", []))
        self._job = ForkJob(index_posts, *arguments, frozenset({str(post.source_path)}))

    @patch_aware  # started again, for the patched post, by patch_post
    def start_indexing(self, generator: Any) -> None:
        """Start indexing the published posts in a background process."""
        if generator.context is not self.context:
            return  # another build's articles (this generator outlived a failed build)
        signals.article_generator_pretaxonomy.disconnect(self.start_indexing)
        self._job = ForkJob(index_posts, *self._index_arguments(generator.articles))

    def _index_arguments(self, articles: list[Any]) -> tuple[list[Any], Path, SearchIndexSettings]:
        return (
            list(articles),
            Path(self.settings["PATH"]) / "authors",
            SearchIndexSettings.from_settings(self.settings),
        )

    def generate_output(self, writer: Any) -> None:
        """Wait for the index update, then write the two files."""
        config = SearchIndexSettings.from_settings(self.settings)
        job, self._job = self._job, None
        if job is None:  # no articles generator ran before this one
            articles = self.context.get("articles", [])
            job = ForkJob(index_posts, *self._index_arguments(articles))
        report = job.result()
        profiles = read_authors(Path(self.settings["PATH"]) / "authors")
        write_people(config.index_dir, collect(profiles, self.context.get("articles", [])))
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
