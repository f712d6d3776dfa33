"""Build speed: Markdown and rendering on every core; pages whose inputs did not change skipped.

Markdown: Pelican's MarkdownReader is replaced (`readers_init`) by one that reuses its
Markdown instances; when a build has many posts to convert, a fork pool started at
`article_generator_init` converts them ahead of Pelican's reading loop and is closed at
`article_generator_pretaxonomy`. Workers return plain data; metadata processing, content
objects and every signal stay in the building process. The output is byte-identical.
List it first in PLUGINS: its pool then starts before plugins.content_checks reads every
file at the same signal, and the two overlap.

Work Pelican repeats (taxonomy.py, and the URL freezer below): tag, category, author and
period-archive lists are selected by identity in linear time instead of Pelican's
quadratic `article in articles` scans (same lists, same order), and every post's and
page's URL is computed once, right before writing, instead of on each access.

Incremental writing (writer.py, which documents what a page's fingerprint covers): at
`initialized` the plugin takes over DELETE_OUTPUT_DIRECTORY (only the last build's pages
survive the start of a build), `get_writer` hands Pelican a Writer that skips pages and
feeds whose fingerprint did not change, and at `finalized` the outputs the build no
longer produces are deleted and the manifest is saved.

Checking and rendering on every core (writer.py): with more than one process, the Writer
defers each page (its fingerprint check, and its rendering if it changed) and each changed
feed; at `article_writer_finalized` (the articles generator, most of a site's pages, has
made its calls) forked children check and render a share of those jobs while the other
generators and the search index run, and at `finalized` the build does what came later and
collects the children's records. Before the first page, every post's field digest is
computed, half of them in a forked child (BuildState.digest_fields_on_every_core).
In a build session, the page of a post or page just saved (read afresh, not made from a
snapshot) is checked and rendered as soon as Pelican asks for it, so `blog preview` shows
the edit before the other pages are checked (BuildState.first_to_show).
`content_written` is sent when a page is deferred (nothing listening reads the file).
The output is byte-identical to rendering in one process (tests/test_fastbuild.py).

Settings:
    FASTBUILD_PROCESSES: processes for Markdown and for rendering (default 0: one per
        core; 1: convert and render in the building process, as Pelican does).
    FASTBUILD_PARALLEL_MIN_FILES: posts to convert, pages to render, or posts and pages
        whose fields to digest, before more processes are worth starting (default 64).
    FASTBUILD_INCREMENTAL: skip pages whose inputs did not change since the last build
        (default True); see plugins/fastbuild/writer.py for what counts as an input.
    FASTBUILD_PATCH: in `blog preview`, keep the last build and patch a post's new body
        into it instead of building in full (default True; plugins/fastbuild/patch.py).
    IGNORE_FILES (Pelican's): changed files matching it do not prevent a patch.
    MARKDOWN, FORMATTED_FIELDS, ARTICLE_PATHS, ARTICLE_EXCLUDES (Pelican's): read as
        Pelican's own reader does.
    OUTPUT_PATH, CACHE_PATH, OUTPUT_RETENTION, DELETE_OUTPUT_DIRECTORY,
        PAGINATED_TEMPLATES, DEFAULT_PAGINATION, FEED_MAX_ITEMS, and SITEURL, FEED_DOMAIN,
        SITENAME, SITESUBTITLE for feeds (Pelican's): read as Pelican's writer does; the
        manifest of the last build's outputs lives in CACHE_PATH.

Template variables: none.
"""

from __future__ import annotations

import os
from typing import Any

from pelican import signals
from pelican.contents import Content, Static
from pelican.generators import Generator
from pelican.readers import MarkdownReader

from plugins._shared.patching import patch_aware
from plugins._shared.session import session_of
from plugins.fastbuild.markdown_pool import Prefetch
from plugins.fastbuild.patch import (
    keep_finished_build,
    keep_generators,
    start_keeping,
    stop_recording,
)
from plugins.fastbuild.reader import FastMarkdownReader
from plugins.fastbuild.session import (
    remember_static_links,
    share_compiled_templates,
    share_content_objects,
    share_reader_cache,
)
from plugins.fastbuild.settings import FastbuildSettings
from plugins.fastbuild.taxonomy import linear_period_archives, linear_taxonomy_pages
from plugins.fastbuild.writer import STATE_ATTRIBUTE, BuildState, IncrementalWriter, new_build_state


@patch_aware
def use_fast_markdown(readers: Any) -> None:
    """Read Markdown with FastMarkdownReader wherever Pelican would use its own."""
    for extension in MarkdownReader.file_extensions:
        if readers.reader_classes.get(extension) is MarkdownReader:
            readers.reader_classes[extension] = FastMarkdownReader


@patch_aware
def speed_up_articles_generator(generator: Any) -> None:
    """Start the Markdown pool; make period archives and taxonomy pages linear-time."""
    # Instance attributes: only this build's generator is affected.
    generator._build_period_archives = linear_period_archives(generator._build_period_archives)
    linear_taxonomy_pages(generator)
    use_session_reader_cache(generator)
    start_markdown_pool(generator)


@patch_aware
def use_session_reader_cache(generator: Any) -> None:
    """In a build session, read through the session's reader cache (session.py)."""
    session = session_of(generator.settings)
    if session is not None:
        share_reader_cache(generator.readers, session)
        share_content_objects(generator, session)
        remember_static_links(generator, session)


@patch_aware
def release_reader_cache(generator: Any) -> None:
    """Drop Pelican's in-memory reader cache once it is saved (outside a build session).

    Pelican keeps every post's raw HTML and metadata in it for the rest of the build,
    though nothing reads it after the posts are read; the posts hold their own (cleaned)
    copies. Freeing it keeps that memory out of the processes forked to render.
    """
    cache = getattr(generator.readers, "_cache", None)
    if session_of(generator.settings) is None and isinstance(cache, dict):
        generator.readers._cache = {}


@patch_aware
def use_session_templates(generator: Any) -> None:
    """In a build session, reuse compiled templates (session.py)."""
    session = session_of(generator.settings)
    if session is not None:
        share_compiled_templates(generator, session)


def start_markdown_pool(generator: Any) -> None:
    """Convert the posts this build will read (and has not cached) in worker processes."""
    config = FastbuildSettings.from_settings(generator.settings)
    readers = generator.readers
    reader = readers.readers.get("md")
    if config.processes < 2 or not isinstance(reader, FastMarkdownReader):
        return
    paths = uncached_markdown(generator)
    if len(paths) >= config.parallel_min_files:
        reader.prefetch = Prefetch(
            paths,
            config.processes,
            generator.settings["MARKDOWN"],
            frozenset(generator.settings["FORMATTED_FIELDS"]),
        )


def uncached_markdown(generator: Any) -> list[str]:
    """Absolute paths of the Markdown posts the reader cache cannot answer, in read order."""

    readers = generator.readers
    cached = getattr(readers, "fastbuild_has_cached_data", None)
    if cached is None:
        cached = lambda path: readers.get_cached_data(path, None) is not None  # noqa: E731
    paths = []
    for relative in generator.get_files(
        generator.settings["ARTICLE_PATHS"], exclude=generator.settings["ARTICLE_EXCLUDES"]
    ):
        # The reader cache is keyed exactly as Pelican's read_file spells the path.
        path = os.path.abspath(os.path.join(generator.path, relative))  # noqa: PTH100, PTH118
        reader = readers.readers.get(path.rsplit(".", 1)[-1])
        if reader is readers.readers["md"] and not cached(path):
            paths.append(path)
    return paths


@patch_aware
def stop_markdown_pool(generator: Any) -> None:
    """Close the pool once every post has been read."""
    reader = generator.readers.readers.get("md")
    if isinstance(reader, FastMarkdownReader) and reader.prefetch is not None:
        reader.prefetch.close()
        reader.prefetch = None


class UrlFreezer(Generator):  # type: ignore[misc]  # Pelican is untyped
    """Compute each post's and page's URL once; Pelican formats it on every access.

    `override_url` is Pelican's own attribute for a URL given in metadata; setting it to
    the URL Pelican computes changes no output. Pelican calls
    `refresh_metadata_intersite_links` on every generator after all of them built their
    context and after `all_generators_finalized`, right before writing: slugs, dates and
    categories are final by then, whatever order plugins run in.
    """

    def generate_context(self) -> None:
        """Nothing to add."""

    def refresh_metadata_intersite_links(self) -> None:
        """Freeze the URL of every post and page (any status) in the context."""
        for content in dict(self.context.get("generated_content") or {}).values():
            if (
                isinstance(content, Content)
                and not isinstance(content, Static)
                and not hasattr(content, "override_url")
            ):
                content.override_url = content.url

    def patch_post(self, post: Any) -> None:
        """Nothing to redo: a patch changes no URL (plugins._shared.patching)."""


def url_freezer(pelican: Any) -> type[UrlFreezer]:
    """Hand Pelican the URL freezer."""
    return UrlFreezer


@patch_aware  # a patched rebuild starts its own BuildState (patch.py)
def start_incremental_build(pelican: Any) -> None:
    """Load the last build's manifest and take over cleaning the output folder."""
    if not FastbuildSettings.from_settings(pelican.settings).incremental:
        return
    delete = bool(pelican.delete_outputdir)
    # Pelican would delete every output at the start of run(); keep the last build's
    # pages (the writer decides which are still right) and delete the rest now.
    pelican.delete_outputdir = False
    setattr(pelican, STATE_ATTRIBUTE, new_build_state(pelican.settings, pelican.path, delete))
    start_keeping(pelican)  # blog preview keeps the build to patch the next save into


def incremental_writer(pelican: Any) -> type[IncrementalWriter] | None:
    """Hand Pelican a writer bound to this build's state."""
    state = getattr(pelican, STATE_ATTRIBUTE, None)
    if not isinstance(state, BuildState):
        return None
    return type("IncrementalWriter", (IncrementalWriter,), {"state": state})


def render_articles_in_background(generator: Any, writer: Any = None) -> None:
    """Start rendering the articles generator's pages while the other generators write."""
    state = getattr(writer, "state", None)
    if isinstance(state, BuildState):
        state.render_in_background()


def finish_incremental_build(pelican: Any) -> None:
    """Delete outputs this build no longer produces and save the manifest."""
    state = getattr(pelican, STATE_ATTRIBUTE, None)
    if isinstance(state, BuildState):
        state.render_deferred()
        state.finish()
        keep_finished_build(pelican, state)


def register() -> None:
    """Connect the reader replacement, the pool's start and stop, and the writer."""
    signals.readers_init.connect(use_fast_markdown)
    signals.article_generator_init.connect(speed_up_articles_generator)
    signals.page_generator_init.connect(use_session_reader_cache)
    # Sent right after Pelican saved the reader cache to CACHE_PATH.
    signals.article_generator_finalized.connect(release_reader_cache)
    signals.page_generator_finalized.connect(release_reader_cache)
    signals.generator_init.connect(use_session_templates)
    signals.get_generators.connect(url_freezer)
    # article_generator_pretaxonomy: sent right after the reading loop ends.
    signals.article_generator_pretaxonomy.connect(stop_markdown_pool)
    signals.initialized.connect(start_incremental_build)
    signals.get_writer.connect(incremental_writer)
    # Sent when the articles generator has written (deferred) its pages and feeds.
    signals.article_writer_finalized.connect(render_articles_in_background)
    signals.finalized.connect(finish_incremental_build)
    # Patched rebuilds (patch.py): the generators of a build to keep; its warnings are
    # recorded from `initialized` until the writer is asked for.
    signals.all_generators_finalized.connect(keep_generators)
    signals.get_writer.connect(stop_recording)
