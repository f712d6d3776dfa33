"""Incremental writing: render a page only when something it is rendered from changed.

Every page and feed the Writer produces gets a fingerprint, kept in a manifest beside
Pelican's content cache (CACHE_PATH/fastbuild-<output>.pickle). The next build renders
the page again only when its fingerprint differs; otherwise the file on disk (checked by
size and modification time) is kept. A fingerprint covers:

- the build: a format version, every setting, the source of our plugins and the versions
  of the libraries that shape HTML (Pelican, Jinja2, Markdown, Pygments, nh3);
- the theme: every file under the template folders of the page's Jinja environment;
- the call: output path, template, the override flag;
- every variable the template (with everything it extends, includes or imports) can read,
  found by Jinja's own analysis of the templates, taken from the page's context: the
  writer's per-page values (SITEURL, output_file, pagination), the keyword arguments
  (article, articles, tag, ...) and the global context (pages, featured_posts, people,
  tags, ...). Values are digested deeply, except that a post is a *reference*;
- what the template actually read of each post while rendering the page last time
  (recorded through Jinja's attribute and item access, `views_of`): the digest of each
  attribute it read that is set on the post (or "absent"), so the archives, which read
  titles, URLs and dates, are not rendered again when a body changes; or, when it read a
  property or method (`summary`, `content`), `metadata` or the body, the post's field
  digest: all its attributes (metadata, HTML, plugin values such as related_posts or
  reading_time; other posts among them by reference) plus its HTML with internal links
  resolved, so a renamed link target counts.

The theme contract this relies on: templates read posts through attribute or item access
(`post.title`, `post['title']`, filters with `attribute=`), and objects that plugins hang
on posts compute what they show from their own fields. A template that reads a variable
through a name Jinja cannot see (a dynamic include) or a filter that receives the whole
context makes every variable count. Feeds are fingerprinted by their items' field digests.

Outputs of the previous build that this build did not produce are deleted at the end, so
the site equals a clean build (DELETE_OUTPUT_DIRECTORY, whose job this takes over: only
the manifest's files survive the start of a build). Skipped pages still send
`content_written`; skipped feeds send neither `feed_generated` nor `feed_written`.
"""

# os.path and os.stat on plain strings: this runs for every output file of every build.
# ruff: noqa: PTH100, PTH103, PTH105, PTH106, PTH107, PTH112, PTH116, PTH118, PTH120, PTH123, PTH206

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, meta
from jinja2.filters import FILTERS as DEFAULT_FILTERS
from jinja2.tests import TESTS as DEFAULT_TESTS
from jinja2.utils import _PassArg
from pelican.contents import Content, Static
from pelican.paginator import Paginator
from pelican.plugins import signals
from pelican.utils import clean_output_dir, get_relative_path, path_to_url, sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from plugins._shared.background import ForkJob
from plugins._shared.pickling import pickled_as_arguments
from plugins._shared.session import session_of
from plugins.fastbuild.fingerprint import (
    DIGEST_SIZE,
    ValueDigests,
    combine,
    comparable,
    content_key,
    same_digest,
)
from plugins.fastbuild.session import Origin, fresh, thawed_objects
from plugins.fastbuild.settings import FastbuildSettings

logger = logging.getLogger(__name__)

FORMAT = b"intrablog-fastbuild-1"
STATE_ATTRIBUTE = "fastbuild_state"  # the Pelican object's BuildState
_LIBRARIES = ("pelican", "jinja2", "markdown", "pygments", "nh3", "feedgenerator")
_CONTENT_EXCLUDE = frozenset({"_context", "settings"})
_MISSING = b"\x00missing"
_ABSENT = b"\x00absent"  # the attribute a page read is not set on the object
RENDER_BATCH = 25  # pages rendered between two looks for a free core
CHECK_BATCH = 250  # pages checked (found unchanged) between two looks for a free core
FRESH_FIRST = 8  # at most this many posts read afresh in a session build: their pages first
# An attribute digest computed afresh: (attribute, digest, metadata mirrors)
Learned = tuple[str, bytes, "tuple[str, ...] | None"]
# A deferred page or feed done: (output-relative path, its record, whether it was rendered)
Done = tuple[str, "Record | None", bool]


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Record:
    """What the manifest remembers about one output file."""

    fingerprint: bytes
    touched: tuple[str, ...]
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Manifest:
    """The fingerprints of the last build's outputs, by output-relative path."""

    build: bytes = b""
    records: dict[str, Record] = field(default_factory=dict)
    # (theme digest, template name) -> the variables the template family can read
    variables: dict[tuple[bytes, str], tuple[str, ...] | None] = field(default_factory=dict)


def _stat(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


def code_digest() -> bytes:
    """Digest the source of our plugins and the versions of the libraries shaping HTML."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    h.update(FORMAT)
    for library in _LIBRARIES:
        try:
            version = importlib_metadata.version(library)
        except importlib_metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{library}={version};".encode())
    plugins_dir = Path(__file__).resolve().parent.parent
    for source in sorted(plugins_dir.rglob("*.py")):
        h.update(source.relative_to(plugins_dir).as_posix().encode() + b"\x00")
        h.update(hashlib.blake2b(source.read_bytes(), digest_size=DIGEST_SIZE).digest())
    return h.digest()


def _loader_digest(loader: BaseLoader | None, h: Any) -> bool:
    """Feed every template file a loader can serve; False for a loader we cannot read."""
    if loader is None:
        return True
    if isinstance(loader, ChoiceLoader):
        return all(_loader_digest(inner, h) for inner in loader.loaders)
    if isinstance(loader, PrefixLoader):
        return all(_loader_digest(loader.mapping[prefix], h) for prefix in sorted(loader.mapping))
    if type(loader) is FileSystemLoader:
        for folder in loader.searchpath:
            h.update(b"\x00dir" + str(folder).encode())
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    h.update(path.relative_to(folder).as_posix().encode() + b"\x00")
                    h.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
        return True
    return False  # e.g. TEMPLATE_PAGES' temporary file loader: unknown, never skip


# What a page read of one content object, by (id, attribute name; None: the object as a whole)
Touched = dict[tuple[int, str | None], Any]
# Attributes a page's fingerprint never takes alone: `metadata` encodes its entries as
# references to the attributes they mirror, and the body is read through properties.
_WHOLE = frozenset({"metadata", "_content", "_summary", *_CONTENT_EXCLUDE})
_VIEW = "\x00"  # separates a content key from an attribute name in a recorded view


class Tracker:
    """Record which attributes of which content objects a template reads for one page."""

    def __init__(self) -> None:
        self.touched: Touched | None = None

    def install(self, env: Environment) -> None:
        """Route the environment's attribute and item access through the tracker."""
        if getattr(env, "fastbuild_tracker", None) is self:
            return
        tracker = self
        base_getattr = type(env).getattr
        base_getitem = type(env).getitem

        def getattr_(obj: Any, attribute: str) -> Any:
            touched = tracker.touched
            if touched is not None and isinstance(obj, Content):
                touched[(id(obj), attribute)] = obj
            # Environment.getattr's fast path inlined: this runs for every `.x` rendered.
            try:
                return getattr(obj, attribute)
            except AttributeError:
                return base_getattr(env, obj, attribute)

        def getitem(obj: Any, argument: Any) -> Any:
            touched = tracker.touched
            if touched is not None and isinstance(obj, Content):
                touched[(id(obj), argument if type(argument) is str else None)] = obj
            return base_getitem(env, obj, argument)

        # Compiled templates call environment.getattr/getitem for every `.x` and `[x]`,
        # and filters with attribute= go through getitem: instance attributes win.
        env.getattr = getattr_  # type: ignore[method-assign]
        env.getitem = getitem  # type: ignore[method-assign]
        env.fastbuild_tracker = self  # type: ignore[attr-defined]

    @contextmanager
    def recording(self) -> Iterator[Touched]:
        """Collect the content objects (and their attributes) read inside the block."""
        touched: Touched = {}
        self.touched = touched
        try:
            yield touched
        finally:
            self.touched = None


class BuildState:
    """One build's view of the manifest: decides what to skip and records what it wrote."""

    def __init__(self, settings: Mapping[str, Any], *, delete_stale: bool) -> None:
        self.settings = settings
        self.output_path = str(settings["OUTPUT_PATH"])
        self.delete_stale = delete_stale
        name = hashlib.blake2b(
            os.path.abspath(self.output_path).encode(), digest_size=8
        ).hexdigest()
        self.manifest_path = Path(settings["CACHE_PATH"]) / f"fastbuild-{name}.pickle"
        # In a build session the last successful build's manifest is kept in memory
        # (volatile: a failed build drops it) and pickled when the session closes.
        self.session = session_of(settings)
        remembered = (
            self.session.volatile("fastbuild").get(self.manifest_path)
            if self.session is not None
            else None
        )
        self.previous = remembered if isinstance(remembered, Manifest) else self._load()
        self.current = Manifest()
        self.kept: dict[str, tuple[int, int]] = {}  # previous outputs on disk at the start
        self.tracker = Tracker()
        self.rendered = 0
        self.skipped = 0
        self._build: bytes | None = None
        self._values: ValueDigests | None = None
        self._context: Mapping[str, Any] = {}
        self._registry: dict[str, Any] | None = None
        self._fields: dict[str, bytes] = {}
        self._views: dict[str, bytes] = {}  # view (key and attribute) -> its digest
        # Content objects made from session snapshots: their unchanged attributes'
        # digests are remembered from earlier builds (fastbuild.session).
        self._origins: dict[int, Origin] = (
            thawed_objects(self.session) if self.session is not None else {}
        )
        self._shared: dict[tuple[str, int], tuple[Any, bytes]] = {}
        self.folders: set[str] = set()
        self._variables: dict[tuple[int, str], tuple[str, ...] | None] = {}
        self._themes: dict[tuple[Any, ...], bytes] = {}
        self._env_themes: dict[int, tuple[Environment, bytes]] = {}
        self._env_known: dict[int, tuple[Environment, bool]] = {}
        self._parsed: dict[int, dict[str, Any]] = {}
        # Pages and feeds to render at the end of the build, by output path (a later
        # overriding write of the same path replaces the earlier one, as on disk).
        self.jobs: dict[str, Job] = {}
        self._unknown_themes: set[tuple[Any, ...]] = set()
        self.processes = 1
        self.parallel_min = 1
        self.background: list[ForkJob[list[Done]]] = []
        self.background_paths: set[str] = set()
        self.rendered_here: list[list[Done]] = []
        self._fresh: frozenset[str] | None = None

    def _load(self) -> Manifest:
        try:
            with self.manifest_path.open("rb") as handle:
                found = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError):
            return Manifest()
        return found if isinstance(found, Manifest) else Manifest()

    # -- the start and the end of a build -------------------------------------------

    def clean_output(self, source_path: str) -> None:
        """Delete what Pelican's DELETE_OUTPUT_DIRECTORY would, except last build's pages."""
        output = os.path.realpath(self.output_path)
        if os.path.commonpath([output]) == os.path.commonpath(
            [output, os.path.realpath(source_path)]
        ):
            return  # Pelican never deletes an output folder that holds the sources
        retention = tuple(self.settings.get("OUTPUT_RETENTION", ()))
        if not self.previous.records:
            clean_output_dir(self.output_path, retention)
            return
        if os.path.isdir(self.output_path):
            self._sweep(self.output_path, "", frozenset(retention))

    def _sweep(self, folder: str, prefix: str, retention: frozenset[str]) -> bool:
        """Keep the previous build's files in `folder`, delete the rest; True if it is empty.

        One stat per file (os.scandir knows symlinks and folders without one), and folders
        left empty are removed on the way back up, as a clean build would not have them.
        """
        left = 0
        records = self.previous.records
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if not prefix and name in retention:
                    left += 1
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if self._sweep(entry.path, f"{prefix}{name}/", retention):
                        with suppress(OSError):
                            os.rmdir(entry.path)
                            continue
                    left += 1
                    continue
                relative = prefix + name
                if relative in records and not entry.is_symlink():
                    try:
                        found = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    self.kept[relative] = (found.st_size, found.st_mtime_ns)
                    left += 1
                else:
                    os.remove(entry.path)
        return left == 0

    def render_in_background(self) -> None:
        """Check and render the pages deferred so far on every free core, while the build goes on.

        Called when the articles generator has made its calls (most of a site's pages).
        This process checks them (renders those that changed) in call order, in batches of
        RENDER_BATCH rendered or CHECK_BATCH kept pages; as soon as no other forked copy of this
        process is running (the search index is forked earlier and may still be writing),
        it forks children for all but its own share of what is left: with n processes,
        n - 1 children each render every n-th remaining job (the whole build is in their
        memory; nothing is pickled but the records they send back) while this process
        renders its share and then goes on with the other generators. Waiting for a free
        core keeps both the cores busy and the build's memory down: every process copies
        the memory pages it touches. Below `parallel_min` jobs, or with one process, the
        jobs wait for render_deferred().
        """
        jobs = list(self.jobs.values())
        processes = min(self.processes, len(jobs))
        if processes < 2 or len(jobs) < self.parallel_min:
            return
        self.jobs.clear()
        done: list[Done] = []
        first = 0
        while first < len(jobs):
            rest = jobs[first:]
            if len(rest) >= self.parallel_min and running_children() == 0:
                logger.info(
                    "fastbuild: %d of %d pages left to %d forked process(es)",
                    len(rest) - len(rest[0::processes]), len(jobs), processes - 1,
                )  # fmt: skip
                for n in range(1, processes):
                    share = rest[n::processes]
                    self.background.append(ForkJob(self._render, share))
                    self.background_paths.update(job.path for job in share)
                done += self._render(rest[0::processes])
                break
            batch = self._render(rest, stop=RENDER_BATCH)
            done += batch
            first += len(batch)
        self.rendered_here.append(done)

    def render_deferred(self) -> None:
        """Check and render the pages deferred since, then collect the children's records."""
        jobs = list(self.jobs.values())
        self.jobs.clear()
        shares, self.rendered_here = self.rendered_here, []
        try:
            if any(job.path in self.background_paths for job in jobs):
                # A later write of a page a child is rendering: it must land last.
                shares += self._join_background()
            shares.append(self._render(jobs))
        finally:
            shares += self._join_background()
        for share in shares:
            for relative, record, rendered in share:
                if record is not None:
                    self.current.records[relative] = record
                if rendered:
                    self.rendered += 1
                else:
                    self.skipped += 1

    def _join_background(self) -> list[list[Done]]:
        """Wait for every background child; raise the first error after all have ended."""
        children, self.background = self.background, []
        self.background_paths.clear()
        shares, errors = [], []
        for child in children:
            try:
                shares.append(child.result())
            except Exception as error:  # every child must be waited for
                errors.append(error)
        if errors:
            raise errors[0]
        return shares

    def _render(self, jobs: list[Job], stop: int = 0) -> list[Done]:
        """Check, render and write `jobs` in order; return their manifest records.

        A page whose signature is still to be worked out (PageJob.unchecked) is kept when
        its fingerprint did not change. With `stop`, return once that many pages were
        rendered or CHECK_BATCH were kept (the caller then looks for a free core).
        """
        done: list[Done] = []
        rendered = kept = 0
        for job in jobs:
            if stop and (rendered >= stop or kept >= CHECK_BATCH):
                break
            if isinstance(job, PageJob) and job.unchecked:
                job.signature = self.signature(job.template, job.name, job.override, job.local)
                job.unchecked = False
                previous = self.unchanged(job.relative, job.signature)
                if previous is not None:
                    done.append((job.relative, previous, False))
                    kept += 1
                    continue
            touched = job.run(self)
            rendered += 1
            found = _stat(job.path)
            record = None
            if found is not None:
                keys = tuple(sorted(set(touched)))
                record = Record(self.fingerprint(job.signature, keys), keys, *found)
            done.append((job.relative, record, True))
        return done

    def finish(self) -> None:
        """Delete the previous outputs this build did not produce; save the manifest."""
        if self.delete_stale:
            emptied = set()
            for relative in self.previous.records.keys() - self.current.records.keys():
                path = os.path.join(self.output_path, relative)
                if relative in self.kept and _stat(path) == self.kept[relative]:
                    os.remove(path)
                    emptied.add(os.path.dirname(path))
            self._remove_empty_dirs(emptied)
        self.current.build = self.build_digest()
        if self.session is not None:
            self.session.volatile("fastbuild")[self.manifest_path] = self.current
            self.session.defer(f"manifest:{self.manifest_path}", self._saver(self.current))
        else:
            self._saver(self.current)()
        logger.info("fastbuild: %d files rendered, %d unchanged", self.rendered, self.skipped)

    def _saver(self, manifest: Manifest) -> Callable[[], None]:
        # The closure holds the manifest and its path only: a session keeps it until it
        # closes, and `self` would keep this whole build (every post) alive with it.
        path = self.manifest_path

        def save() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.tmp")
            with temp.open("wb") as handle:
                pickle.dump(manifest, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(path)

        return save

    def _remove_empty_dirs(self, folders: Iterable[str]) -> None:
        """Remove `folders` and their parents inside the output folder while they are empty."""
        top = os.path.abspath(self.output_path)
        retention = set(self.settings.get("OUTPUT_RETENTION", ()))
        for folder in sorted(folders, key=len, reverse=True):
            folder = os.path.abspath(folder)
            while folder.startswith(top + os.sep):
                if os.path.relpath(folder, top).split(os.sep)[0] in retention:
                    break
                try:
                    os.rmdir(folder)
                except OSError:
                    break  # not empty (or gone): its parents are not empty either
                folder = os.path.dirname(folder)

    # -- fingerprints ----------------------------------------------------------------

    def bind(self, context: Mapping[str, Any]) -> None:
        """Learn the global context at the first output (never walked as a whole value)."""
        if self._values is None:
            self._values = ValueDigests(opaque=[self.settings, context])
            self._context = context
            self.digest_fields_on_every_core()

    def digest_fields_on_every_core(self) -> None:
        """Digest every post's and page's fields now, half of them in a forked child.

        Called at the first output, when every generator has built its context and the
        posts are final. A rebuild checks nearly every page, and the list pages read
        every post, so every field digest is needed; this process and one child (when a
        core is free: the search index may still be running) each digest half. The child
        sends back the digests and which attributes' digests it computed afresh, which
        this process then remembers for the next build as if it had computed them.
        """
        keys = sorted(
            key
            for key, content in self.registry().items()
            if not isinstance(content, Static) and key not in self._fields
        )
        if self.processes < 2 or len(keys) < self.parallel_min or running_children():
            return
        logger.debug("fastbuild: fields of %d posts and pages digested in 2 processes", len(keys))
        child = ForkJob(self._digest_fields, keys[1::2])
        self._digest_fields(keys[0::2])
        for key, (found, learned) in child.result().items():
            self._fields[key] = found
            content = self.registry()[key]
            origin = self._origins.get(id(content))
            if origin is not None and origin.content is content:
                attributes = vars(content)
                for name, digest, mirrors in learned:
                    origin.digests[name] = (fresh(attributes[name]), digest, mirrors)

    def _digest_fields(self, keys: list[str]) -> dict[str, tuple[bytes, list[Learned]]]:
        done = {}
        for key in keys:
            learned: list[Learned] = []
            done[key] = (self.field_digest(key, learned), learned)
        return done

    def field_digests(self) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """The field and attribute (view) digests this build worked out."""
        return self._fields, self._views

    def reuse_field_digests(
        self, known: tuple[Mapping[str, bytes], Mapping[str, bytes]], changed: Iterable[str]
    ) -> None:
        """Take the digests of a kept build whose objects this build writes again.

        For a patched rebuild (plugins.fastbuild.patch): the same content objects, of
        which only those named `changed` may differ. Their pages are shown first.
        """
        changed = frozenset(changed)
        fields, views = known
        self._fields.update((k, v) for k, v in fields.items() if k not in changed)
        self._views.update((k, v) for k, v in views.items() if k.partition(_VIEW)[0] not in changed)
        self._fresh = changed if len(changed) <= FRESH_FIRST else frozenset()

    def first_to_show(self, local: Mapping[str, Any]) -> bool:
        """Whether a page is the very post or page an author just saved.

        In a build session (`blog preview`), posts and pages unchanged since the last build
        are made from snapshots; the few that are not (at most FRESH_FIRST) were just
        saved. Their own pages are checked and rendered as soon as Pelican asks for them,
        not with the other deferred pages, so the edit shows in the browser first.
        """
        if self._fresh is None:
            fresh: frozenset[str] = frozenset()
            if self.session is not None and self._origins:
                fresh = frozenset(
                    key
                    for key, content in self.registry().items()
                    if not isinstance(content, Static)
                    and getattr(self._origins.get(id(content)), "content", None) is not content
                )
            self._fresh = fresh if len(fresh) <= FRESH_FIRST else frozenset()
        if not self._fresh:
            return False
        for name in ("article", "page"):
            content = local.get(name)
            if isinstance(content, Content) and content_key(content) in self._fresh:
                return True
        return False

    def render_first(self, job: Job) -> None:
        """Check (and render, if it changed) `job` now; it replaces any earlier job of its path."""
        self.jobs.pop(job.path, None)
        self.rendered_here.append(self._render([job]))

    def values(self) -> ValueDigests:
        """The value digester of this build."""
        if self._values is None:
            raise RuntimeError("fastbuild: BuildState.bind() was not called")
        return self._values

    def build_digest(self) -> bytes:
        """Digest what every output depends on: code, libraries, settings."""
        if self._build is None:
            lasting = self.session.lasting("fastbuild") if self.session is not None else {}
            found = lasting.get("build-digest")
            if not isinstance(found, bytes):
                h = hashlib.blake2b(digest_size=DIGEST_SIZE)
                h.update(code_digest())
                plain = ValueDigests()
                h.update(plain.digest(dict(self.settings)))
                found = lasting["build-digest"] = h.digest()
            self._build = found
            if self.previous.build != self._build:
                self.previous = Manifest()
        return self._build

    def theme_known(self, env: Environment) -> bool:
        """Whether every template of `env` is a file we can read (its pages can wait)."""
        found = self._env_known.get(id(env))
        if found is None or found[0] is not env:
            self.theme_digest(env)
            found = self._env_known[id(env)] = (
                env,
                _loader_ids(env.loader) not in self._unknown_themes,
            )
        return found[1]

    def theme_digest(self, env: Environment) -> bytes:
        """Digest every template the environment's loader can serve."""
        known = self._env_themes.get(id(env))
        if known is not None and known[0] is env:
            return known[1]
        loaders = _loader_ids(env.loader)
        found = self._themes.get(loaders)
        if found is None:
            h = hashlib.blake2b(digest_size=DIGEST_SIZE)
            if not _loader_digest(env.loader, h):
                h.update(os.urandom(DIGEST_SIZE))
                self._unknown_themes.add(loaders)
            found = self._themes[loaders] = h.digest()
        self._env_themes[id(env)] = (env, found)
        return found

    def variables(self, template: Any) -> tuple[str, ...] | None:
        """Names the template family can read from its context (None: any name)."""
        env = template.environment
        key = (id(env), str(template.name))
        if key not in self._variables:
            # Parsing a template family is costly: reuse last build's answer for the
            # same template files.
            lasting = (self.theme_digest(env), str(template.name))
            if lasting in self.previous.variables:
                found = self.previous.variables[lasting]
            else:
                parsed = self._parsed.setdefault(id(env), {})
                found = _template_variables(env, str(template.name), parsed)
            self._variables[key] = self.current.variables[lasting] = found
        return self._variables[key]

    def registry(self) -> dict[str, Any]:
        """Every content object of this build by its key."""
        if self._registry is None:
            found: dict[str, Any] = {}
            for name in ("generated_content", "static_content"):
                for content in dict(self._context.get(name) or {}).values():
                    if isinstance(content, Content):
                        found.setdefault(content_key(content), content)
            self._registry = found
        return self._registry

    def field_digest(self, key: str, learned: list[Learned] | None = None) -> bytes:
        """The digest of one content object's own state (b"" when it no longer exists).

        `learned`, when given, gets the attribute digests remembered for the next build.
        """
        found = self._fields.get(key)
        if found is None:
            content = self.registry().get(key)
            if content is None:
                found = _MISSING
            else:
                origin = self._origins.get(id(content))
                known = None
                if origin is not None and origin.content is content:
                    known = _snapshot_digests(origin, vars(content), learned)
                found = self.values().fields(
                    content, _CONTENT_EXCLUDE, mirrored="metadata", known=known
                )
                raw = getattr(content, "_content", None)
                if isinstance(raw, str) and raw:
                    links = content._get_intrasite_link_regex()
                    if links.search(raw):
                        found = combine([found, content._update_content(raw, "").encode()])
            self._fields[key] = found
        return found

    def signature(
        self, template: Any, name: str, override: bool, local: Mapping[str, Any]
    ) -> bytes:
        """Digest a page's call and every variable its template can read."""
        values = self.values()
        h = hashlib.blake2b(digest_size=DIGEST_SIZE)
        h.update(self.build_digest())
        h.update(self.theme_digest(template.environment))
        h.update(f"page\x00{name}\x00{template.name}\x00{override}".encode())
        names = self.variables(template)
        shared = self._shared
        for var in sorted(local) if names is None else names:
            h.update(b"\x00v" + var.encode())
            value = local.get(var, _MISSING)
            if value is _MISSING:
                h.update(_MISSING)
                continue
            # Values shared by every page (the global context's) are digested once.
            found = shared.get((var, id(value)))
            if found is None:
                found = shared[(var, id(value))] = (value, values.digest(value))
            h.update(found[1])
        return h.digest()

    def fingerprint(self, signature: bytes, touched: Iterable[str]) -> bytes:
        """Combine a page's signature with the digests of what it read of each post.

        `touched` holds views (`views_of`): a content key (the whole object: its field
        digest) or a key and one attribute name (that attribute's digest alone).
        """
        return combine(
            [
                signature,
                *(
                    self.view_digest(view) if _VIEW in view else self.field_digest(view)
                    for view in touched
                ),
            ]
        )

    def view_digest(self, view: str) -> bytes:
        """The digest of one attribute of one content object (see `views_of`)."""
        found = self._views.get(view)
        if found is None:
            key, _, name = view.partition(_VIEW)
            content = self.registry().get(key)
            if content is None:
                found = _MISSING
            else:
                attributes = vars(content)
                if name not in attributes:
                    found = _ABSENT
                else:
                    compute = functools.partial(
                        self.values().attribute, attributes, name, _CONTENT_EXCLUDE, "metadata"
                    )
                    origin = self._origins.get(id(content))
                    if origin is not None and origin.content is content:
                        found = _snapshot_digests(origin, attributes)(
                            name, attributes[name], compute
                        )
                    else:
                        found = compute()
            self._views[view] = found
        return found

    def unchanged(self, relative: str, signature: bytes) -> Record | None:
        """Return the previous record when the page need not be rendered again."""
        record = self.previous.records.get(relative)
        if record is None or self.kept.get(relative) != (record.size, record.mtime_ns):
            return None
        if self.fingerprint(signature, record.touched) != record.fingerprint:
            return None
        return record

    def keep(self, relative: str, record: Record) -> None:
        """Carry an unchanged output over to this build's manifest."""
        self.current.records[relative] = record
        self.skipped += 1

    def record(self, relative: str, path: str, signature: bytes, touched: Iterable[str]) -> None:
        """Remember a freshly written output."""
        keys = tuple(sorted(set(touched)))
        found = _stat(path)
        if found is not None:
            fingerprint = self.fingerprint(signature, keys)
            self.current.records[relative] = Record(fingerprint, keys, *found)
        self.rendered += 1


def views_of(touched: Touched) -> list[str]:
    """What a page read, as views: a content key, or a key and one attribute name.

    An attribute set on the object counts alone (`url` as Pelican's `override_url`, which
    plugins.fastbuild freezes); so does one not set (its digest says "absent", so it counts
    when it appears). A property or method (`summary`, `content`, `get_content`), a
    class-level name, `metadata` and the body count as the whole object: they may read any
    attribute.
    """
    keys: dict[int, str] = {}
    whole: set[str] = set()
    named: set[tuple[str, str]] = set()
    for (ident, name), content in touched.items():
        key = keys.get(ident)
        if key is None:
            key = keys[ident] = content_key(content)
        attributes = vars(content)
        if name is None or name in _WHOLE:
            whole.add(key)
        elif name in attributes:
            named.add((key, name))
        elif name == "url" and "override_url" in attributes:
            named.add((key, "override_url"))
        elif hasattr(type(content), name):
            whole.add(key)
        else:
            named.add((key, name))
    # Interned: the same view is recorded by many pages (tag pages, archives, related posts).
    views = (sys.intern(f"{key}{_VIEW}{name}") for key, name in named if key not in whole)
    return [*whole, *views]


def new_build_state(
    settings: Mapping[str, Any], source_path: str, delete_stale: bool
) -> BuildState:
    """A BuildState for one build; with `delete_stale`, outputs left from before are swept."""
    config = FastbuildSettings.from_settings(settings)
    state = BuildState(settings, delete_stale=delete_stale)
    state.processes = config.processes
    state.parallel_min = config.parallel_min_files
    if delete_stale:
        state.clean_output(source_path)
    return state


def _snapshot_digests(
    origin: Origin, attributes: Mapping[str, Any], learned: list[Learned] | None = None
) -> Callable[[str, Any, Callable[[], bytes]], bytes]:
    """Reuse an attribute's digest from an earlier build when its value digests the same.

    Each snapshot remembers, per attribute, a copy of the value last digested (`fresh`:
    nothing a build changes in place) and its digest. The `metadata` entries are encoded
    as references to the attributes they mirror, so its digest also needs the same
    entries mirrored as then.
    """
    remembered = origin.digests

    def known(name: str, value: Any, compute: Callable[[], bytes]) -> bytes:
        mirrors = _mirrors(value, attributes) if name == "metadata" else None
        found = remembered.get(name)
        if found is not None and found[2] == mirrors and same_digest(value, found[0]):
            digest: bytes = found[1]
            return digest
        digest = compute()
        if comparable(value):
            remembered[name] = (fresh(value), digest, mirrors)
            if learned is not None:
                learned.append((name, digest, mirrors))
        else:
            remembered.pop(name, None)
        return digest

    return known


def _mirrors(metadata: Any, attributes: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The metadata keys whose entry is the very object of the attribute of that name."""
    if type(metadata) is not dict:
        return None
    return tuple(k for k, v in metadata.items() if attributes.get(str(k).lower(), _MISSING) is v)


@dataclass(slots=True)
class Job:
    """A page or feed done later (BuildState.render_in_background, render_deferred)."""

    relative: str
    path: str
    signature: bytes

    def run(self, state: BuildState) -> Iterable[str]:
        """Write the file; return the keys of the content objects it read."""
        raise NotImplementedError


@dataclass(slots=True)
class PageJob(Job):
    """One `write_file` output: a template rendered with its context.

    `unchecked`: the page's signature is still to be worked out, and the page is
    rendered only if its fingerprint changed (checks, too, are shared among processes).
    """

    template: Any
    context: dict[str, Any]
    local: dict[str, Any]
    localsiteurl: Any
    name: str = ""
    override: bool = False
    unchecked: bool = False

    def run(self, state: BuildState) -> Iterable[str]:
        """Render the template and write the page."""
        # Contents resolve their links against this while rendering (Pelican does the same).
        self.context["localsiteurl"] = self.localsiteurl
        with state.tracker.recording() as touched:
            output = self.template.render(self.local)
        folder = os.path.dirname(self.path)
        if folder not in state.folders:
            os.makedirs(folder, exist_ok=True)
            state.folders.add(folder)
        opened = (
            _replacing(self.path, "utf-8")  # appears whole, as in _open_w
            if state.session is not None
            else open(self.path, "w", encoding="utf-8")  # noqa: SIM115
        )
        with opened as handle:
            handle.write(output)
        return views_of(touched)


@dataclass(slots=True)
class FeedJob(Job):
    """One `write_feed` output, written by Pelican's own feed writer."""

    writer: Writer
    arguments: tuple[Any, ...]
    keys: list[str]

    def run(self, state: BuildState) -> Iterable[str]:
        """Write the feed as Pelican would."""
        writer = self.writer
        # The build already claimed the path when it deferred the feed.
        writer._written_files.discard(self.path)
        writer._overridden_files.discard(self.path)
        with absolute_links(self.arguments[1]):
            Writer.write_feed(writer, *self.arguments)
        return self.keys


@contextmanager
def absolute_links(context: dict[str, Any]) -> Iterator[None]:
    """Resolve the links in feed items' summaries against SITEURL while a feed is written.

    Pelican resolves them against the `localsiteurl` the last page written left in the
    context: relative to some page, so wrong in a feed, and different for every order
    pages are written in (an incremental build writes fewer pages than a clean one).
    """
    before = context.get("localsiteurl", _MISSING)
    context["localsiteurl"] = context.get("SITEURL", "")
    try:
        yield
    finally:
        if before is _MISSING:
            context.pop("localsiteurl", None)
        else:
            context["localsiteurl"] = before


def running_children() -> int:
    """How many forked copies of this process are running (0 where /proc has no answer).

    Only forks count (a forked child has this process's command line): a `git` or other
    program this process started is not building the site.
    """
    try:
        mine = Path("/proc/self/cmdline").read_bytes()
    except OSError:
        return 0
    count = 0
    for listing in Path("/proc/self/task").glob("*/children"):
        try:
            pids = listing.read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (OSError, IndexError):
                continue
            # A child that ended but was not collected yet is done.
            count += state != "Z" and command == mine
    return count


def _loader_ids(loader: Any) -> tuple[Any, ...]:
    """What identifies the templates a loader serves: folders, or the loader itself."""
    if isinstance(loader, ChoiceLoader):
        return ("choice", *(_loader_ids(inner) for inner in loader.loaders))
    if isinstance(loader, PrefixLoader):
        return ("prefix", *((p, _loader_ids(loader.mapping[p])) for p in sorted(loader.mapping)))
    if type(loader) is FileSystemLoader:
        # Every generator has its own loaders over the same folders: one digest for all.
        return ("files", *(str(folder) for folder in loader.searchpath))
    return (id(loader),)


def _passes_context(env: Environment) -> bool:
    """Whether a filter, test or global outside Jinja's own receives the whole context."""
    functions = [*env.filters.values(), *env.tests.values(), *env.globals.values()]
    # Jinja's map/select/selectattr/... take the context only to look up filters and tests.
    builtin = {id(f) for f in (*DEFAULT_FILTERS.values(), *DEFAULT_TESTS.values())}
    return any(
        getattr(f, "jinja_pass_arg", None) is _PassArg.context and id(f) not in builtin
        for f in functions
    )


def _template_variables(
    env: Environment,
    name: str,
    parsed: dict[str, tuple[frozenset[str], tuple[str | None, ...]] | None] | None = None,
) -> tuple[str, ...] | None:
    """Undeclared variables of a template and of every template it references.

    `parsed` memoizes each file's own names and references (one parse per file).
    """
    if _passes_context(env):
        return None
    parsed = {} if parsed is None else parsed
    seen: set[str] = set()
    names: set[str] = set()
    queue = [name]
    while queue:
        current = queue.pop()
        if current in seen:
            continue
        seen.add(current)
        if current not in parsed:
            try:
                source, _, _ = env.loader.get_source(env, current)  # type: ignore[union-attr]
            except Exception:
                parsed[current] = None
            else:
                tree = env.parse(source)
                parsed[current] = (
                    frozenset(meta.find_undeclared_variables(tree)),
                    tuple(meta.find_referenced_templates(tree)),
                )
        found = parsed[current]
        if found is None:
            return None
        names |= found[0]
        for referenced in found[1]:
            if referenced is None:
                return None  # a template name computed at render time
            queue.append(referenced)
    return tuple(sorted(names))


@contextmanager
def _replacing(filename: str, encoding: str) -> Iterator[Any]:
    """Write to a temporary file in the same folder and rename it over `filename`."""
    folder, name = os.path.split(filename)
    temp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(temp, "w", encoding=encoding) as handle:
            yield handle
        os.replace(temp, filename)
    except BaseException:
        with suppress(OSError):
            os.remove(temp)
        raise


class IncrementalWriter(Writer):  # type: ignore[misc]  # Pelican is untyped
    """Pelican's Writer, skipping outputs whose fingerprint did not change."""

    state: BuildState  # set on the per-build subclass

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        """Pelican's `_open_w`, but in a build session the file appears whole.

        A server reading the output folder while a build runs (`blog preview`, which builds
        in a session) sees the old file or the new one, never a truncated one: written
        beside, then renamed. A one-off build's folder is not served while it is built
        (`blog publish` switches whole releases), so it writes in place: a rename costs
        about a third more than the write on this kind of file system.
        """
        if self.state.session is None:
            return super()._open_w(filename, encoding, override)
        if filename in self._overridden_files or (filename in self._written_files and not override):
            return super()._open_w(filename, encoding, override)  # raises, or os.devnull
        if filename in self._written_files:
            logger.info('Overwriting "%s"', filename)
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _replacing(filename, encoding)

    def _relative(self, path: str) -> str:
        # sanitised_join's paths are normalized and start with the absolute output path.
        top = os.path.abspath(self.output_path) + "/"
        if os.sep == "/" and path.startswith(top):
            return path[len(top) :]
        return os.path.relpath(path, self.output_path).replace(os.sep, "/")

    def _claim(self, filename: str, override: bool) -> bool:
        """Do `_open_w`'s bookkeeping without opening; False if the write would be dropped."""
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time (was previously overwritten)'
                )
            return False
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written to it '
                "previously (set `override=True` if intended)"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return True

    def write_file(
        self,
        name: str,
        template: Any,
        context: dict[str, Any],
        relative_urls: bool = False,
        paginated: dict[str, Any] | None = None,
        template_name: str | None = None,
        override_output: bool = False,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Render the template and write the file, unless the file is up to date."""
        if not name:
            return
        self.state.bind(context)
        self.state.tracker.install(template.environment)

        def local_context(name: str, extra: dict[str, Any]) -> dict[str, Any]:
            local = context.copy()
            local["localsiteurl"] = local.get("localsiteurl", None)
            if relative_urls:
                relative_url = path_to_url(get_relative_path(name))
                local["SITEURL"] = relative_url
                local["localsiteurl"] = relative_url
            local["output_file"] = name
            local.update(extra)
            return local

        if paginated is None:
            paginated = {k: v for k, v in kwargs.items() if k in {"articles", "dates"}}
        if paginated and template_name in self.settings["PAGINATED_TEMPLATES"]:
            per_page = (
                self.settings["PAGINATED_TEMPLATES"][template_name]
                or self.settings["DEFAULT_PAGINATION"]
            )
            paginators = {
                key: Paginator(name, url, val, self.settings, per_page)
                for key, val in paginated.items()
            }
            for page_num in range(next(iter(paginators.values())).num_pages):
                paginated_kwargs = kwargs.copy()
                for key, paginator in paginators.items():
                    previous_page = paginator.page(page_num) if page_num > 0 else None
                    page = paginator.page(page_num + 1)
                    next_page = (
                        paginator.page(page_num + 2) if page_num + 1 < paginator.num_pages else None
                    )
                    paginated_kwargs.update(
                        {
                            f"{key}_paginator": paginator,
                            f"{key}_page": page,
                            f"{key}_previous_page": previous_page,
                            f"{key}_next_page": next_page,
                        }
                    )
                local = local_context(page.save_as, paginated_kwargs)
                self._write(template, context, local, page.save_as, override_output)
        else:
            local = local_context(name, kwargs)
            self._write(template, context, local, name, override_output)

    def _write(
        self,
        template: Any,
        context: dict[str, Any],
        local: dict[str, Any],
        name: str,
        override: bool,
    ) -> None:
        state = self.state
        # Contents resolve their links against this while rendering (Pelican does the same).
        if local["localsiteurl"]:
            context["localsiteurl"] = local["localsiteurl"]
        path = sanitised_join(self.output_path, name)
        relative = self._relative(path)
        if state.processes > 1 and state.theme_known(template.environment):
            # Checked, and rendered if it changed, later and on every core
            # (BuildState.render_in_background, render_deferred).
            if self._claim(path, override):
                job = PageJob(
                    relative, path, b"", template, context, local,
                    context.get("localsiteurl"), name, override, unchecked=True,
                )  # fmt: skip
                if path not in state.background_paths and state.first_to_show(local):
                    state.render_first(job)
                else:
                    state.jobs[path] = job
            signals.content_written.send(path, context=local)
            return
        signature = state.signature(template, name, override, local)
        record = state.unchanged(relative, signature)
        if record is not None:
            if self._claim(path, override):
                state.keep(relative, record)
            signals.content_written.send(path, context=local)
            return
        with state.tracker.recording() as touched:
            output = template.render(local)
        folder = os.path.dirname(path)
        if folder not in state.folders:
            os.makedirs(folder, exist_ok=True)
            state.folders.add(folder)
        dropped = path in self._overridden_files and not override
        with self._open_w(path, "utf-8", override=override) as handle:
            handle.write(output)
        logger.info('Writing "%s"', path)
        if not dropped:
            state.record(relative, path, signature, views_of(touched))
        signals.content_written.send(path, context=local)

    def write_feed(
        self,
        elements: list[Any],
        context: dict[str, Any],
        path: str | None = None,
        url: str | None = None,
        feed_type: str = "atom",
        override_output: bool = False,
        feed_title: str | None = None,
    ) -> Any:
        """Write a feed, unless the file is up to date with its items."""
        if not path:
            with absolute_links(context):
                return super().write_feed(
                    elements, context, path, url, feed_type, override_output, feed_title
                )
        state = self.state
        state.bind(context)
        complete_path = sanitised_join(self.output_path, path)
        relative = self._relative(complete_path)
        items = list(elements[: self.settings["FEED_MAX_ITEMS"]])
        values = state.values()
        h = hashlib.blake2b(digest_size=DIGEST_SIZE)
        h.update(state.build_digest())
        h.update(f"feed\x00{path}\x00{url}\x00{feed_type}\x00{override_output}".encode())
        h.update(values.digest(feed_title))
        for key in ("SITEURL", "FEED_DOMAIN", "SITENAME", "SITESUBTITLE"):
            h.update(values.digest(context.get(key, _MISSING)))
        h.update(values.digest(items))
        signature = h.digest()
        keys = [content_key(item) for item in items]
        record = state.unchanged(relative, signature)
        if record is not None:
            if self._claim(complete_path, override_output):
                state.keep(relative, record)
            return None
        if state.processes > 1:
            if self._claim(complete_path, override_output):
                arguments = (elements, context, path, url, feed_type, override_output, feed_title)
                state.jobs[complete_path] = FeedJob(
                    relative, complete_path, signature, self, arguments, keys
                )
            return None
        dropped = complete_path in self._overridden_files and not override_output
        with absolute_links(context):
            feed = super().write_feed(
                elements, context, path, url, feed_type, override_output, feed_title
            )
        if not dropped:
            state.record(relative, complete_path, signature, keys)
        return feed
