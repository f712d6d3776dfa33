"""Reading aids on posts and pages: reading time, table of contents, previous/next.

Runs after all content is read (`article_generator_finalized`, `page_generator_finalized`),
so it sees the sanitized HTML whatever order plugins were connected in. As each post is
created (`content_object_init`, while other processes still convert Markdown) its facts
are computed ahead into the memo below; the finalized handlers then find them there.

Word counts and tables of contents are remembered between builds by the HTML they come
from (plugins._shared.diskmemo, CACHE_PATH/reading-aids-*.pickle) when content caching is on.

Settings:
    READING_WORDS_PER_MINUTE: reading speed for the reading time (default 230).
    READING_TOC_MIN_HEADINGS: headings needed before a post shows its table of contents
        (default 3).
    CACHE_CONTENT, CACHE_PATH (Pelican's): whether and where the memo is kept.

Template variables (attributes on each post and page):
    reading_time: minutes, at least 1.
    toc: list of TocEntry(level, anchor, title); show_toc: whether to show it.
    newer, older: the neighbouring published posts by date, or None (posts only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.contents import Article, Page

from plugins._shared.diskmemo import DiskMemo, digest_of, open_memo, source_digest
from plugins._shared.patching import patch_aware, post_edited
from plugins._shared.problems import SettingsError
from plugins.reading import aids as aids_module
from plugins.reading.aids import neighbours, reading_facts, reading_minutes

MEMO_FILE = "reading-aids-{kind}.pickle"
PREPARED_KEY = "reading_aids_{kind}"  # the build context's memo, filled as objects are created


def _positive_int(settings: Mapping[str, Any], key: str, default: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"pelicanconf.py: {key} must be a positive integer, got {value!r}")
    return value


def annotate(
    contents: Iterable[Any],
    settings: Mapping[str, Any],
    kind: str = "posts",
    context: Mapping[str, Any] | None = None,
) -> None:
    """Set reading_time, toc and show_toc on every content object."""
    per_minute = _positive_int(settings, "READING_WORDS_PER_MINUTE", 230)
    toc_min = _positive_int(settings, "READING_TOC_MIN_HEADINGS", 3)
    memo = None
    if settings.get("CACHE_CONTENT") and settings.get("CACHE_PATH"):
        prepared = context.get(PREPARED_KEY.format(kind=kind)) if context is not None else None
        memo = (
            prepared
            if isinstance(prepared, DiskMemo)
            else open_memo(settings, Path(settings["CACHE_PATH"]) / MEMO_FILE.format(kind=kind))
        )
    version = source_digest(aids_module.__file__)
    for content in contents:
        html = content._content or ""
        words, toc = remembered_facts(html, memo, version)
        content.reading_time = reading_minutes(words, per_minute)
        content.toc = toc
        content.show_toc = len(content.toc) >= toc_min
    if memo is not None:
        memo.save()


def remembered_facts(html: str, memo: DiskMemo | None, version: str) -> tuple[int, list[Any]]:
    """`reading_facts`, from the memo when this HTML was seen before."""
    if memo is None:
        return reading_facts(html)
    key = digest_of(version, html)
    found = memo.get(key)
    if found is None:
        found = reading_facts(html)
        memo.put(key, found)
    return found[0], list(found[1])


@patch_aware  # only a head start for annotate
def prepare_aids(instance: Any) -> None:
    """Compute an object's reading facts as it is created (while Markdown workers run).

    Only a head start: `annotate` (at *_generator_finalized) is what sets the attributes,
    from the final HTML; when this ran first on other HTML, annotate computes afresh.
    """
    settings = instance.settings
    context = getattr(instance, "_context", None)
    if not (isinstance(context, dict) and settings.get("CACHE_CONTENT")):
        return
    if not isinstance(instance, Article | Page):
        return
    kind = "pages" if isinstance(instance, Page) else "posts"
    memo = context.get(PREPARED_KEY.format(kind=kind))
    if not isinstance(memo, DiskMemo):
        memo = context[PREPARED_KEY.format(kind=kind)] = open_memo(
            settings, Path(settings["CACHE_PATH"]) / MEMO_FILE.format(kind=kind)
        )
    remembered_facts(instance._content or "", memo, source_digest(aids_module.__file__))


def patch_post_aids(generator: Any, post: Any, **_: Any) -> None:
    """Reading time and table of contents of a patched post (plugins._shared.patching).

    Its neighbours stay: a patch never changes a date.
    """
    annotate([post], generator.settings, "posts", generator.context)


@patch_aware  # redone for a patched post by patch_post_aids
def add_post_aids(generator: Any) -> None:
    """Annotate posts and link each published post to its neighbours."""
    annotate(
        [*generator.articles, *generator.drafts, *generator.hidden_articles],
        generator.settings,
        "posts",
        generator.context,
    )
    newest_first = sorted(generator.articles, key=lambda a: a.date, reverse=True)
    for index, (newer, older) in neighbours(newest_first).items():
        newest_first[index].newer = newer
        newest_first[index].older = older


@patch_aware  # pages never change in a patched rebuild
def add_page_aids(generator: Any) -> None:
    """Annotate pages with reading time and table of contents."""
    annotate(
        [*generator.pages, *generator.hidden_pages, *generator.draft_pages],
        generator.settings,
        "pages",
        generator.context,
    )


def register() -> None:
    """Connect the reading aids."""
    signals.content_object_init.connect(prepare_aids)
    signals.article_generator_finalized.connect(add_post_aids)
    signals.page_generator_finalized.connect(add_page_aids)
    post_edited.connect(patch_post_aids)
