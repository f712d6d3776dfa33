"""Patched rebuilds: `blog preview` keeps its last build and patches one post's body into it.

A full rebuild in a session makes every post anew from its snapshot and runs every
plugin's context step over all of them (about 1.3 s at 5,000 posts) before the writer
checks the pages. When the only change since the last build is the body of one post,
none of that can come out differently except what is derived from that body. So a
session build that ends well is kept (`KeptBuild`: the Pelican object, its generators
and context, the field digests, and the warnings its context phase logged), and
`patch_edit` then:

1. finds the one post whose file changed (editors' temporary files are ignored; any
   other change, a deleted source, or a change outside the posts is a full rebuild);
2. reads it again, as Pelican's articles generator does (snapshot and caches updated),
   and compares the new snapshot with the old one attribute by attribute: anything but
   the body (`_content`) differing, a new warning while reading, or other static links,
   and it builds in full;
3. puts the new body on the kept post, sends `post_edited` (plugins._shared.patching:
   git dates, reading aids and content checks are redone for it) and calls every
   generator's `patch_post`, replays the kept context-phase warnings (so the build
   reports what a full build would), and
4. runs the output phase again with a new BuildState that reuses the kept field digests
   of every other post and page: every page is checked as in any build, and only those
   that read the post are rendered again.

Every context-phase signal receiver must be marked `patch_aware`, and every generator a
plugin adds must have `patch_post`; otherwise nothing is patched. A kept build is used
for 10 minutes (MAX_AGE) and within one UTC day, so values computed from the clock (who
is a new voice, what is outdated, which featured entries apply) are never older than
that. A failed patch (CannotPatch) drops the kept build: the caller builds in full.
Keeping the build costs memory between saves (about 150 MB at 5,000 posts).

Settings:
    FASTBUILD_PATCH: keep the last build in `blog preview` and patch body edits into it
        (default True; False: every save is a full incremental rebuild).
    BUILD_SESSION (runtime, plugins._shared.session): only session builds are kept.
    IGNORE_FILES (Pelican's): changed files matching it are not changes to the site.
"""

# os.path on plain strings, as Pelican spells source paths.
# ruff: noqa: PTH100, PTH110, PTH113, PTH118, PTH119, PTH122

from __future__ import annotations

import datetime
import fnmatch
import logging
import os
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pelican import signals
from pelican.contents import Article
from pelican.generators import (
    ArticlesGenerator,
    PagesGenerator,
    SourceFileGenerator,
    StaticGenerator,
    TemplatePagesGenerator,
)

from plugins._shared.patching import CannotPatch, is_patch_aware, patch_aware, post_edited
from plugins._shared.session import BuildSession, session_of
from plugins.fastbuild.fingerprint import content_key, same_digest
from plugins.fastbuild.session import forget_rendered_content
from plugins.fastbuild.settings import FastbuildSettings
from plugins.fastbuild.writer import STATE_ATTRIBUTE, BuildState, new_build_state

logger = logging.getLogger(__name__)

OWNER = "fastbuild-patch"  # the session's volatile state: "building", then "kept"
MAX_AGE = 600.0  # seconds a kept build is patched before a full rebuild refreshes it
BODY = frozenset({"_content"})  # the attributes a patch may change
# A deleted file with one of these suffixes may have been read by a plugin (a profile, the
# curation file, the views file): its deletion is a change to the site.
READ_SUFFIXES = frozenset(
    {".md", ".markdown", ".mkd", ".mdown", ".html", ".htm", ".rst", ".txt",
     ".yml", ".yaml", ".json", ".toml", ".csv", ".py"}
)  # fmt: skip
# Signals sent while the context is built: their receivers must be patch-aware.
CONTEXT_SIGNALS = (
    "readers_init", "generator_init", "content_object_init",
    "article_generator_init", "article_generator_preread", "article_generator_context",
    "article_generator_pretaxonomy", "article_generator_finalized",
    "page_generator_init", "page_generator_preread", "page_generator_context",
    "page_generator_finalized", "static_generator_init", "static_generator_preread",
    "static_generator_context", "static_generator_finalized", "all_generators_finalized",
)  # fmt: skip
# Pelican's own generators: none derives anything from a post's body in its context.
PELICAN_GENERATORS = (
    ArticlesGenerator, PagesGenerator, StaticGenerator, TemplatePagesGenerator, SourceFileGenerator
)  # fmt: skip


@dataclass(slots=True, eq=False)
class KeptBuild:
    """A finished session build, kept for the next save to patch."""

    pelican: Any
    started: float  # time.time() when the full build began
    records: list[logging.LogRecord] = field(default_factory=list)  # context-phase warnings
    generators: list[Any] = field(default_factory=list)
    # The last build's field and attribute digests (BuildState.field_digests).
    digests: tuple[dict[str, bytes], dict[str, bytes]] = field(default_factory=lambda: ({}, {}))
    delete_stale: bool = False


class _Recorder(logging.Handler):
    """Keeps the warnings logged while a kept build makes its context."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.WARNING)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def keeping(settings: Any) -> BuildSession | None:
    """The session that keeps this build, or None (no session, or patching is off)."""
    session = session_of(settings)
    if session is None or not FastbuildSettings.from_settings(settings).patch:
        return None
    return session


def start_keeping(pelican: Any) -> None:
    """A session build starts: drop the build kept before, record this one's warnings."""
    stop_recording()
    session = keeping(pelican.settings)
    if session is None:
        return
    store = session.volatile(OWNER)
    store.clear()
    kept = KeptBuild(pelican, time.time())
    store["building"] = kept
    logging.getLogger().addHandler(_Recorder(kept.records))


@patch_aware
def keep_generators(generators: list[Any]) -> None:
    """Remember the generators of the build being kept (all_generators_finalized)."""
    session = keeping(generators[0].settings) if generators else None
    kept = session.volatile(OWNER).get("building") if session is not None else None
    if isinstance(kept, KeptBuild):
        kept.generators = list(generators)


def stop_recording(pelican: Any = None) -> None:
    """The context is built (get_writer), or a build ended: stop recording warnings."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _Recorder):
            root.removeHandler(handler)


def keep_finished_build(pelican: Any, state: BuildState) -> None:
    """A session build finished well: keep it for the next save (called at `finalized`)."""
    session = keeping(pelican.settings)
    if session is None:
        return
    store = session.volatile(OWNER)
    kept = store.pop("building", None)
    if isinstance(kept, KeptBuild) and kept.pelican is pelican and kept.generators:
        kept.digests = state.field_digests()
        kept.delete_stale = state.delete_stale
        store["kept"] = kept


def drop_kept_build(session: BuildSession) -> bool:
    """Let go of the kept build (before a full rebuild); True if there was one."""
    store = session.volatile(OWNER)
    found = bool(store)
    store.clear()
    return found


def kept_build(session: BuildSession) -> KeptBuild | None:
    """The build kept for patching, if any."""
    found = session.volatile(OWNER).get("kept")
    return found if isinstance(found, KeptBuild) else None


def patch_edit(session: BuildSession, changed: Iterable[str]) -> KeptBuild:
    """Patch the one post whose body changed into the kept build and write the site again.

    `changed`: absolute paths the watcher reported. Raises CannotPatch (the kept build is
    dropped) when the change is not exactly one post's body; any other exception is the
    build's own failure.
    """
    kept = kept_build(session)
    if kept is None:
        raise CannotPatch("no finished build is kept")
    try:
        _check_age(kept)
        _check_receivers()
        _check_generators(kept.generators)
        articles = next(g for g in kept.generators if isinstance(g, ArticlesGenerator))
        source = _edited_source(kept, articles, changed)
        post = _kept_post(articles, source)
        fresh = _patch_body(session, articles, post)
        store = session.volatile(OWNER)
        store["building"] = store.pop("kept")  # kept again when the writing ends well
        post_edited.send(articles, post=post, fresh=fresh)
        for generator in kept.generators:
            patch = getattr(generator, "patch_post", None)
            if patch is not None:
                patch(post)
    except CannotPatch:
        drop_kept_build(session)
        raise
    _replay(kept.records)
    _write_again(kept, post)
    return kept


def _check_age(kept: KeptBuild) -> None:
    now = time.time()
    day = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
    if now - kept.started > MAX_AGE or day != (
        datetime.datetime.fromtimestamp(kept.started, datetime.UTC).date()
    ):
        raise CannotPatch("the kept build is too old (values computed from the clock)")


def _receivers(name: str) -> Iterator[Any]:
    signal = getattr(signals, name)
    for ref in list(signal.receivers.values()):
        receiver = ref() if isinstance(ref, weakref.ref) else ref
        if receiver is not None:
            yield receiver


def _check_receivers() -> None:
    for name in CONTEXT_SIGNALS:
        for receiver in _receivers(name):
            if not is_patch_aware(receiver):
                what = getattr(receiver, "__qualname__", repr(receiver))
                raise CannotPatch(f"{name} receiver {what} is not patch-aware")


def _check_generators(generators: list[Any]) -> None:
    if not any(isinstance(g, ArticlesGenerator) for g in generators):
        raise CannotPatch("the kept build has no articles generator")
    for generator in generators:
        if not isinstance(generator, PELICAN_GENERATORS) and not callable(
            getattr(generator, "patch_post", None)
        ):
            raise CannotPatch(f"{type(generator).__qualname__} has no patch_post")


def _edited_source(kept: KeptBuild, articles: Any, changed: Iterable[str]) -> str:
    """The one source file that changed; editors' temporary files do not count.

    Those are files matching IGNORE_FILES, and deleted files the build never read (such as
    vim's probe file `4913`, created and deleted as it saves).
    """
    settings = kept.pelican.settings
    ignored = list(settings.get("IGNORE_FILES") or ())
    context = articles.context
    known = {
        os.path.join(articles.path, key)
        for name in ("generated_content", "static_content")
        for key in dict(context.get(name) or {})
    }
    found = set()
    for path in {os.path.abspath(p) for p in changed}:
        if any(fnmatch.fnmatch(os.path.basename(path), pattern) for pattern in ignored):
            continue
        if os.path.exists(path):
            if not os.path.isfile(path):
                raise CannotPatch(f"{path}: a folder changed")
            found.add(path)
        elif path in known or os.path.splitext(path)[1].lower() in READ_SUFFIXES:
            raise CannotPatch(f"{path}: a file the build may read was deleted")
    if len(found) != 1:
        raise CannotPatch(f"{len(found)} files changed, not one")
    return found.pop()


def _kept_post(articles: Any, source: str) -> Any:
    """The kept post read from `source` (a translation or a translated post: no patch)."""
    posts = [*articles.articles, *articles.drafts, *articles.hidden_articles]
    found = [p for p in posts if os.path.abspath(p.source_path) == source]
    if len(found) != 1:
        raise CannotPatch(f"{source} is not one post of the kept build")
    post = found[0]
    if getattr(post, "translations", None):
        raise CannotPatch(f"{source} has translations")
    return post


def _patch_body(session: BuildSession, articles: Any, post: Any) -> Any:
    """Read the post again; put its new body on the kept post; return the fresh post."""
    relative = os.path.relpath(post.source_path, articles.path)
    snapshots = session.lasting(f"fastbuild-objects:{type(articles).__name__}")
    before = snapshots.get(relative)
    if before is None:
        raise CannotPatch(f"{relative} was not read cleanly by the last build")
    try:
        fresh = articles.readers.read_file(
            base_path=articles.path, path=relative, content_class=Article,
            context=articles.context, preread_signal=signals.article_generator_preread,
            preread_sender=articles, context_signal=signals.article_generator_context,
            context_sender=articles,
        )  # fmt: skip
    except Exception as error:  # the full build reports it, located
        raise CannotPatch(f"{relative}: {error}") from error
    if type(fresh) is not Article or not fresh.is_valid():
        raise CannotPatch(f"{relative} is no longer a valid post")
    articles.cache_data(relative, fresh)
    after = snapshots.get(relative)
    if after is None or after is before:
        raise CannotPatch(f"reading {relative} logged a problem")
    changed = changed_attributes(before[1], after[1])
    if changed - BODY:
        raise CannotPatch(f"{relative}: {', '.join(sorted(changed - BODY))} changed")
    if fresh.get_static_links() != post.get_static_links():
        raise CannotPatch(f"{relative} links to other files")
    for name in changed:
        setattr(post, name, vars(fresh)[name])
    forget_rendered_content()
    return fresh


def changed_attributes(
    before: tuple[type, dict[str, Any]], after: tuple[type, dict[str, Any]]
) -> set[str]:
    """The attributes two snapshots disagree on (every attribute, if their class differs).

    Judged by `same_digest`: a value it cannot compare counts as changed.
    """
    if before[0] is not after[0]:
        return set(before[1]) | set(after[1])
    missing = object()
    changed = set()
    for name in before[1].keys() | after[1].keys():
        old, new = before[1].get(name, missing), after[1].get(name, missing)
        if old is not new and not same_digest(new, old):
            changed.add(name)
    return changed


def _replay(records: list[logging.LogRecord]) -> None:
    """Log the kept context phase's warnings again (content checks ran again instead)."""
    for record in records:
        if record.name == "plugins.content_checks" or record.name.startswith(
            "plugins.content_checks."
        ):
            continue
        logging.getLogger(record.name).handle(record)


def _write_again(kept: KeptBuild, post: Any) -> None:
    """The output phase of Pelican.run, on the kept generators, with a new BuildState."""
    pelican = kept.pelican
    state = new_build_state(pelican.settings, pelican.path, kept.delete_stale)
    state.reuse_field_digests(kept.digests, {content_key(post)})
    setattr(pelican, STATE_ATTRIBUTE, state)
    writer = pelican._get_writer()
    for generator in kept.generators:
        if hasattr(generator, "generate_output"):
            generator.generate_output(writer)
    signals.finalized.send(pelican)
