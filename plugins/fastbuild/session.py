"""What fastbuild keeps in a build session (plugins._shared.session) between builds.

- Pelican's reader cache ((html, metadata) per source file, checked by file stamp as
  Pelican does): kept as the live dict instead of being unpickled at the start of every
  build and pickled again at the end. Metadata holds objects plugins change in place
  (the people plugin renames Author objects): entries are copied on the way in and on
  the way out (`fresh`), so a build sees what a fresh unpickled cache would give it.
  tools.build turns Pelican's own loading off in a session (LOAD_CONTENT_CACHE=False)
  and says whether pelicanconf.py wanted it (`READER_CACHE_WANTED`); the file is then
  read once per session here and written when the session closes.
- Content objects (posts and pages) as they stand right after reading and
  `content_object_init` (Pelican's "generator layer" cache, done safely): a snapshot of
  the object's attributes, taken before any later plugin touches it, checked by file
  stamp; each build gets a new object built from a `fresh` copy of the snapshot (with
  this build's settings and context), so values plugins set or change later in a build
  never leak into the next. The content_object_init receivers (plugins.sanitize,
  plugins.reading) depend only on the object itself and the settings. A file whose
  reading logged a warning or an error is not snapshotted: it is read again (through the
  reader cache) every build, so its problems are reported every build.
  Each snapshot also remembers the digests of its objects' attributes as the last build
  saw them (writer.BuildState's field digests, with a `fresh` copy of each value): an
  attribute that still digests the same (`same_digest`: judged by comparing, item by
  item, with immutable leaves only) is not digested again.
- URLs: a post or page made from a snapshot is an instance of its class's twin
  (`url_memo_class`) that remembers `url` and `save_as` by the URL pattern and every value
  the pattern formats (Pelican formats them about four times a build, copying the
  metadata each time); what the last build used is kept.
- Static links: the {static}/{attach} files a post links to, found once per post HTML
  (`remember_static_links`).
- Compiled templates: a Jinja bytecode cache in memory, checked by the template source's
  checksum (Jinja's own rule) and keyed by the environment's options.
- The fastbuild manifest (writer.BuildState), as volatile state.

Pelican memoizes `get_content` and `get_summary` in a dict on the class, keyed by the
content object: in a process that builds again and again it would keep every build's
posts alive. `forget_rendered_content` empties it when a session build starts, and
`release_build` (with this build's thawed objects) when it ends.
"""

# os.path and os.stat on plain strings: this runs for every source file of every build.
# ruff: noqa: PTH110, PTH116, PTH118

from __future__ import annotations

import datetime
import locale
import logging
import os
import pickle
import re
import string
from dataclasses import dataclass
from typing import Any

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from pelican.contents import Article, Content, Page
from pelican.generators import CachingGenerator
from pelican.urlwrappers import URLWrapper

from plugins._shared.session import BuildSession

READER_CACHE_WANTED = "reader-cache-wanted"


class MemoryBytecodeCache(BytecodeCache):
    """Compiled template code by template and environment options, valid per checksum."""

    def __init__(self, store: dict[Any, Any]) -> None:
        self.store = store

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        """Return a bucket whose key also covers the options that shape compiled code."""
        key = (self.get_cache_key(name, filename), _compile_options(environment))
        bucket = Bucket(environment, repr(key), self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket when the same source was compiled before."""
        found = self.store.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Remember freshly compiled code."""
        self.store[bucket.key] = (bucket.checksum, bucket.code)


def _compile_options(env: Environment) -> tuple[Any, ...]:
    autoescape = env.autoescape
    return (
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        autoescape if isinstance(autoescape, bool) else getattr(autoescape, "__qualname__", "?"),
        tuple(sorted(env.extensions)),
    )


def share_compiled_templates(generator: Any, session: BuildSession) -> None:
    """Give the generator's Jinja environment the session's compiled templates."""
    env = getattr(generator, "env", None)
    if isinstance(env, Environment) and env.bytecode_cache is None:
        env.bytecode_cache = MemoryBytecodeCache(session.lasting("fastbuild-templates"))


def share_reader_cache(readers: Any, session: BuildSession) -> None:
    """Swap the generator's reader cache for the session's (loaded from disk once)."""
    path = getattr(readers, "_cache_path", None)
    if not readers._cache_data_policy or not path:
        return  # caching off at the reader layer
    caches = session.lasting("fastbuild-readers")
    cache = caches.get(path)
    if cache is None:
        cache = caches[path] = (
            _load(path, readers) if session.lasting("fastbuild").get(READER_CACHE_WANTED) else {}
        )
    readers._cache = cache
    get, put = readers.get_cached_data, readers.cache_data
    readers.get_cached_data = lambda path, default=None: fresh(get(path, default))
    # Whether an entry is there, without copying it (plugins.fastbuild.uncached_markdown).
    readers.fastbuild_has_cached_data = lambda path: get(path, None) is not None
    readers.cache_data = lambda path, data: put(path, fresh(data))
    save = readers.save_cache
    readers.save_cache = lambda: None  # Pelican's end-of-reading save; done at close
    session.defer(f"readers:{path}", save)


def _load(path: str, readers: Any) -> dict[Any, Any]:
    if not os.path.exists(path):
        return {}
    try:
        with readers._cache_open(path, "rb") as handle:
            found = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def fresh(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A copy of cached data that shares nothing a build may change in place.

    Lists, tuples, dicts and Pelican's URLWrappers (tags, authors, categories) are
    copied; what is shared twice in `value` is shared twice in the copy (Pelican's
    metadata dict holds the very objects of the attributes of the same name).
    """
    kind = type(value)
    if kind is str or value is None:
        return value
    if memo is None:
        memo = {}
    found = memo.get(id(value))
    if found is not None:
        return found
    if kind is tuple:
        copied: Any = tuple(fresh(item, memo) for item in value)
    elif kind is list:
        copied = [fresh(item, memo) for item in value]
    elif kind is dict:
        copied = {key: fresh(item, memo) for key, item in value.items()}
    elif isinstance(value, URLWrapper):
        # copy.copy's equivalent, several times faster: shares the settings, as
        # Pelican's own copies do.
        copied = object.__new__(kind)
        copied.__dict__.update(value.__dict__)
    else:
        return value  # str subclasses, dates, numbers: immutable
    memo[id(value)] = copied
    return copied


_PER_BUILD = frozenset({"_context", "settings"})


class _Alarm(logging.Handler):
    """Counts the warnings and errors logged while one file is read."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def share_content_objects(generator: Any, session: BuildSession) -> None:
    """Reuse posts' or pages' content objects from the session (see module docstring)."""
    if not isinstance(generator, CachingGenerator) or not generator.readers._cache_data_policy:
        return
    store = session.lasting(f"fastbuild-objects:{type(generator).__name__}")
    readers = generator.readers
    read_file = readers.read_file
    clean = [False]

    def read_watched(*args: Any, **kwargs: Any) -> Any:
        alarm = _Alarm()
        root = logging.getLogger()
        root.addHandler(alarm)
        try:
            found = read_file(*args, **kwargs)
        finally:
            root.removeHandler(alarm)
        clean[0] = alarm.count == 0
        return found

    origins = thawed_objects(session)

    def get_cached_data(relative: str, default: Any = None) -> Any:
        found = store.get(relative)
        if found is None or found[0] != _stamp(generator.path, relative):
            return default
        content = thaw(found[1], generator.settings, generator.context, session)
        origins[id(content)] = Origin(content, found[1][1], found[2])
        return content

    def cache_data(relative: str, content: Any) -> None:
        if clean[0] and type(content) in (Article, Page):
            store[relative] = (_stamp(generator.path, relative), freeze(content), {})
        else:
            store.pop(relative, None)
        clean[0] = False

    readers.read_file = read_watched
    generator.get_cached_data = get_cached_data
    generator.cache_data = cache_data


def remember_static_links(generator: Any, session: BuildSession) -> None:
    """Find the static files a post links to only when its HTML or path changed.

    Pelican scans every post's HTML for {static} and {attach} links each build; the
    answer depends on the HTML, the source path and the settings (a session is dropped
    when those change). Only the last build's answers are kept.
    """
    last, current = last_and_current(session, f"fastbuild-static-links:{type(generator).__name__}")

    def add_static_links(content: Any) -> None:
        raw = getattr(content, "_content", None)
        if type(raw) is not str:
            generator.context["static_links"] |= content.get_static_links()
            return
        key = (type(content), getattr(content, "source_path", None), raw)
        links = last.get(key)
        if links is None:
            links = content.get_static_links()
        current[key] = links
        generator.context["static_links"] |= links

    generator.add_static_links = add_static_links


@dataclass(frozen=True, slots=True)
class Origin:
    """The snapshot a content object of this build was made from."""

    content: Any  # kept alive, so its id stays its own for the build
    state: dict[str, Any]  # the snapshot's attributes (never handed out)
    # attribute name -> (copy of the value last digested, its digest, metadata mirrors)
    digests: dict[str, tuple[Any, bytes, Any]]


def thawed_objects(session: BuildSession) -> dict[int, Origin]:
    """This build's content objects made from snapshots, by id (a new dict every build)."""
    found = session.lasting("fastbuild-thawed")
    if found.get("build") != session.builds:
        found.clear()
        found["build"] = session.builds
        found["objects"] = {}
    objects: dict[int, Origin] = found["objects"]
    return objects


def _stamp(base: str, relative: str) -> tuple[int, int] | None:
    try:
        found = os.stat(os.path.join(base, relative))
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def freeze(content: Any) -> tuple[type, dict[str, Any]]:
    """A snapshot of a content object's attributes (nothing shared with the object).

    Tags', authors' and categories' slugs are worked out first, so every build's copies
    carry them instead of slugifying again (Pelican hashes them by slug).
    """
    state = {k: v for k, v in vars(content).items() if k not in _PER_BUILD}
    for value in state.values():
        for wrapper in value if type(value) is list else (value,):
            if isinstance(wrapper, URLWrapper):
                _settle_slug(wrapper)
    return type(content), fresh(state)


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _settle_slug(wrapper: URLWrapper) -> None:
    """Compute a wrapper's slug now; one that comes out empty is left to warn when used."""
    if wrapper._slug is not None:
        return
    quiet = _Quiet()
    log = logging.getLogger("pelican.urlwrappers")
    log.addFilter(quiet)
    try:
        if not wrapper.slug:
            wrapper._slug = None
    finally:
        log.removeFilter(quiet)


def thaw(
    snapshot: tuple[type, dict[str, Any]], settings: Any, context: Any, session: BuildSession
) -> Any:
    """A new content object from a snapshot, bound to this build's settings and context.

    It is made as the snapshot's class's URL-remembering twin (`url_memo_class`).
    """
    kind, state = snapshot
    content: Any = object.__new__(
        url_memo_class(kind, session) if issubclass(kind, Content) else kind
    )
    attributes = fresh(state)
    attributes["settings"] = settings
    attributes["_context"] = context
    content.__dict__.update(attributes)
    return content


def release_build(session: BuildSession) -> None:
    """Let go of a finished (or failed) build's posts, so its memory is free before the next.

    Two things would keep the whole build (every post and, through them, its context)
    alive until the next build starts: the origins of this build's thawed objects and
    Pelican's class-level memos. The next build then ran beside it, with the collector
    off: the preview's peak held two builds. Called when a session build ends.
    """
    found = session.lasting("fastbuild-thawed")
    found.clear()
    forget_rendered_content()


def forget_rendered_content() -> None:
    """Empty Pelican's class-level get_content/get_summary memos (past builds' posts)."""
    for name in ("get_content", "get_summary"):
        cache = getattr(vars(Content).get(name), "cache", None)
        if isinstance(cache, dict):
            cache.clear()


def url_memo_class(kind: type[Content], session: BuildSession) -> type:
    """`kind` (Article or Page) with its URLs remembered across a session's builds.

    Pelican formats a post's `url` and `save_as` from its settings pattern on every
    access (about four times a build): it copies the metadata, works out the source's
    relative path and formats the pattern. The twin answers from `remembered_url`
    instead: same class name, same behaviour, one lookup. Only thawed objects (posts
    and pages unchanged since a snapshot, whose class is exactly Article or Page) get it.
    """
    classes = session.lasting("fastbuild-url-classes")
    found = classes.get(kind)
    if found is None:

        def get_url_setting(self: Any, key: str) -> str:
            if hasattr(self, "override_" + key):
                return getattr(self, "override_" + key)  # type: ignore[no-any-return]
            return remembered_url(self, key, session, lambda: kind.get_url_setting(self, key))

        def __reduce_ex__(self: Any, protocol: Any) -> tuple[Any, ...]:
            # Pickled (a forked child's answer, say) as the plain class it stands for.
            return _plain, (kind, vars(self))

        found = classes[kind] = type(
            kind.__name__,
            (kind,),
            {
                "__module__": kind.__module__,
                "__qualname__": kind.__qualname__,
                "get_url_setting": get_url_setting,
                "__reduce_ex__": __reduce_ex__,
            },
        )
    return found


def _plain(kind: type, state: dict[str, Any]) -> Any:
    """Unpickle a URL-remembering twin as an object of the plain class it stands for."""
    content: Any = object.__new__(kind)
    content.__dict__.update(state)
    return content


def last_and_current(session: BuildSession, owner: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The entries the last build used and this build's (filled as it uses them).

    For memos that keep only what the last build used: the first call of a build moves
    `current` to `last` and starts an empty `current`; later calls return the same pair.
    """
    memo = session.lasting(owner)
    if memo.get("build") != session.builds:
        memo["last"] = memo.get("current", {})
        memo["current"] = {}
        memo["build"] = session.builds
    return memo["last"], memo["current"]


def remembered_url(content: Any, key: str, session: BuildSession, compute: Any) -> str:
    """`content`'s URL setting `key` ("url", "save_as"), formatted once per distinct input.

    Mirrors Pelican's Content/Article `_expand_settings` and `url_format`: the pattern is
    chosen by class, status and language as Article's and Page's choose it, and the memo
    key holds the pattern and the value of every field it names, as `url_format` would
    give it. A pattern that names the source path (costly to work out), a value other than
    a string, number, date or None, or a post without a date is formatted by Pelican every
    time.
    """
    last, current = last_and_current(session, "fastbuild-urls")
    setting = key if content.in_default_lang else f"lang_{key}"
    draft = content.status == "draft"
    if isinstance(content, Article):
        klass = "draft" if draft else "article"
    elif isinstance(content, Page):
        klass = "draft_page" if draft else "page"
    else:
        return str(compute())
    pattern = str(content.settings[f"{klass}_{setting}".upper()])
    fields = _pattern_fields(pattern, session.lasting("fastbuild-url-patterns"))
    values = None if fields is None else _url_values(content, fields)
    if values is None:
        return str(compute())
    memo_key = (pattern, locale.setlocale(locale.LC_TIME), values)
    found = current.get(memo_key)
    if found is None:
        found = last.get(memo_key)
    if found is None:
        found = str(compute())
    current[memo_key] = found
    return found


_PLAIN_URL_VALUES = frozenset({str, int, bool, type(None)})
_DATES = (datetime.date, datetime.time)


def _pattern_fields(
    pattern: str, patterns: dict[str, tuple[str, ...] | None]
) -> tuple[str, ...] | None:
    """The names a URL pattern formats (None: positional fields, or the source path)."""
    if pattern not in patterns:
        names: list[str] | None = []
        try:
            for _, field, _, _ in string.Formatter().parse(pattern):
                if field is None:
                    continue
                name = re.split(r"[.\[]", field, maxsplit=1)[0]
                if not name or name.isdigit() or name == "path":
                    names = None
                    break
                if names is not None and name not in names:
                    names.append(name)
        except ValueError:  # a malformed pattern: Pelican's own error, every time
            names = None
        patterns[pattern] = None if names is None else tuple(names)
    return patterns[pattern]


def _url_values(content: Any, fields: tuple[str, ...]) -> tuple[Any, ...] | None:
    """Each field's value as `Content.url_format` gives it, typed; None: not remembered."""
    values: list[Any] = []
    for name in fields:
        if name == "slug":
            value = getattr(content, "slug", "")
        elif name == "lang":
            value = getattr(content, "lang", "en")
        elif name == "date":
            if not hasattr(content, "date"):
                return None  # Pelican formats the current time
            value = content.date
        elif name in ("author", "category"):
            value = getattr(content, name).slug if hasattr(content, name) else ""
        elif name in content.metadata:
            value = content.metadata[name]
        else:
            return None  # Pelican's KeyError, every time
        kind = type(value)
        if kind not in _PLAIN_URL_VALUES and not isinstance(value, _DATES):
            return None  # e.g. a tag formats as its name but compares by its slug
        # Equal datetimes in different zones format differently: the zone is part of it.
        values.append((kind, value, getattr(value, "tzinfo", None)))
    return tuple(values)
