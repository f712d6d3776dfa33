"""Site-wide checks: every rule over every content file, plus what needs the whole site.

`check_site` runs the metadata rules (rules.py), the body rules (body.py, secret_scan.py)
and the rules that compare files: duplicate slugs and URLs, file naming, tags and series
spelled two ways, and internal links, images and attachments that point to nothing.
Both the build (through the plugin) and `blog check` call it, so they report the same
problems. `only` restricts what is reported, never what is known: links from a changed
post are checked against the whole site.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pelican.utils import get_date, slugify

from plugins._shared.diskmemo import DiskMemo, digest_of
from plugins._shared.metadata import Header, read_header, split_list
from plugins._shared.pickling import pickled_as_arguments
from plugins._shared.problems import Problem, Severity
from plugins.content_checks.body import check_alt_text, check_headings, check_raw_html
from plugins.content_checks.markdown_scan import Line, Link, find_links, scan_lines
from plugins.content_checks.rules import (
    ChecksSettings,
    check_page,
    check_placeholders,
    check_post,
    decode,
    normalise_tag,
    parse_date,
)
from plugins.content_checks.secret_scan import check_secrets
from plugins.sanitize.policy import SanitizePolicy

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
PROFILE_FOLDERS = ("authors", "teams")
_LINK_PLACEHOLDER = re.compile(
    r"^[{|](?P<kind>filename|static|attach|tag|author|category|index)[}|]"
)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Source:
    """One Markdown content file: `kind` is "post", "page" or "profile" (authors, teams)."""

    path: PurePosixPath  # site-relative: content/posts/2026/x.md
    kind: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SiteContent:
    """Everything the checks read: Markdown sources and the names of all content files."""

    content_name: str  # the content folder's name, "content"
    sources: tuple[Source, ...]
    files: frozenset[str]  # every file, relative to the content folder: posts/2026/x.md


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """The settings the site-wide checks need, read from pelicanconf."""

    rules: ChecksSettings = field(default_factory=ChecksSettings)
    policy: SanitizePolicy = field(default_factory=SanitizePolicy)
    slug_substitutions: tuple[tuple[str, str], ...] = ()
    urls: Mapping[str, str] = field(default_factory=dict)  # kind -> URL pattern
    static_paths: tuple[str, ...] = ("images",)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SiteSettings:
        """Read the rules' settings, the sanitizer policy and Pelican's URL patterns."""
        urls = {
            "post": settings.get("ARTICLE_URL", "{slug}.html"),
            "page": settings.get("PAGE_URL", "pages/{slug}.html"),
            "tag": settings.get("TAG_URL", "tag/{slug}.html"),
            "author": settings.get("AUTHOR_URL", "author/{slug}.html"),
            "category": settings.get("CATEGORY_URL", "category/{slug}.html"),
        }
        listings = {
            f"listing-{key}": settings.get(key) or ""
            for key in ("TAGS_URL", "AUTHORS_URL", "CATEGORIES_URL", "ARCHIVES_URL")
        }
        return cls(
            rules=ChecksSettings.from_settings(settings),
            policy=SanitizePolicy.from_settings(settings),
            slug_substitutions=tuple(
                tuple(pair) for pair in settings.get("SLUG_REGEX_SUBSTITUTIONS", ())
            ),
            urls={**urls, **listings},
            static_paths=tuple(settings.get("STATIC_PATHS", ("images",))),
        )


def _excluded(relative: str, excludes: Iterable[str], ignores: Iterable[str]) -> bool:
    parts = relative.split("/")
    if any(fnmatch.fnmatch(parts[-1], pattern) for pattern in ignores):
        return True
    prefixes = {"/".join(parts[:n]) for n in range(1, len(parts))}
    return any(e.strip("/") in prefixes for e in excludes) or any(
        fnmatch.fnmatch(part, pattern) for part in parts[:-1] for pattern in ignores
    )


def read_site(
    content_dir: Path,
    settings: Mapping[str, Any],
    remembered: dict[str, tuple[tuple[int, int], Source]] | None = None,
) -> SiteContent:
    """Read every Markdown post, page and profile, and list every file, under content_dir.

    Posts and pages are the files Pelican reads (ARTICLE_PATHS, ARTICLE_EXCLUDES,
    PAGE_PATHS, PAGE_EXCLUDES, IGNORE_FILES); profiles are content/authors and content/teams.
    `remembered` (a build session's, for these settings): the sources read by earlier
    calls, reused while a file's modification time and size are the same.
    """
    files: list[str] = []
    for folder, dirs, names in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder).relative_to(content_dir).as_posix()
        files += [name if base == "." else f"{base}/{name}" for name in names]
    ignores = tuple(settings.get("IGNORE_FILES", ()))
    kinds = (
        ("post", settings.get("ARTICLE_PATHS", [""]), settings.get("ARTICLE_EXCLUDES", [])),
        ("page", settings.get("PAGE_PATHS", ["pages"]), settings.get("PAGE_EXCLUDES", [])),
        ("profile", PROFILE_FOLDERS, ()),
    )
    sources: list[Source] = []
    for relative in sorted(files):
        if not relative.endswith(MARKDOWN_SUFFIXES):
            continue
        stamp = _stamp(content_dir, relative) if remembered is not None else None
        if stamp is not None and remembered is not None:
            known = remembered.get(relative)
            if known is not None and known[0] == stamp:
                sources.append(known[1])
                continue
        for kind, paths, excludes in kinds:
            inside = any(p in ("", ".") or relative.startswith(f"{p.strip('/')}/") for p in paths)
            if inside and not _excluded(relative, excludes, ignores):
                data = (content_dir / relative).read_bytes()
                path = PurePosixPath(content_dir.name, relative)
                sources.append(Source(path, kind, data))
                if stamp is not None and remembered is not None:
                    remembered[relative] = (stamp, sources[-1])
                break
    listed = frozenset(files)
    if remembered is not None:
        for gone in remembered.keys() - listed:
            del remembered[gone]
    return SiteContent(content_dir.name, tuple(sources), listed)


def _stamp(content_dir: Path, relative: str) -> tuple[int, int] | None:
    try:
        found = os.stat(os.path.join(content_dir, relative))  # noqa: PTH116, PTH118
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


@dataclass(slots=True)
class _Entry:
    source: Source
    header: Header
    text: str | None = None  # decoded on first use (a memoized entry may never need it)
    facts: _Facts | None = None
    key: bytes = b""  # its memo key: its path, kind and bytes, and the checks' version
    slug: str | None = None
    url: str | None = None

    def body(self) -> str:
        """The decoded text (the entry exists only for files that decode)."""
        if self.text is None:
            self.text = self.source.data.decode("utf-8")
        return self.text


@dataclass(slots=True)
class _Index:
    """What exists on the site: file names, output URLs, tags, series, categories."""

    files: frozenset[str]
    urls: set[str] = field(default_factory=set)
    tag_slugs: set[str] = field(default_factory=set)
    author_slugs: set[str] = field(default_factory=set)
    tags: Counter[str] = field(default_factory=Counter)
    series: Counter[str] = field(default_factory=Counter)


def _format_url(pattern: str, slug: str, date: datetime | None) -> str | None:
    try:
        return pattern.format(slug=slug, date=date)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None  # the pattern uses metadata we do not model (lang, category, ...)


def _entry_date(header: Header) -> datetime | None:
    field_ = header.get("date")
    if field_ is None:
        return None
    parsed = parse_date(field_.value)
    if parsed is not None:
        return parsed
    try:
        return get_date(field_.value)  # type: ignore[no-any-return]
    except (ValueError, OverflowError):
        return None


def _normal_url(url: str) -> str:
    url = url.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    if url.endswith("index.html"):
        url = url[: -len("index.html")]
    return url


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class _Facts:
    """What one post or page adds to the site index (depends on its text and the settings)."""

    slug: str | None = None
    url: str | None = None
    listed: bool = False  # not a draft: its address, tags and authors exist on the site
    tags: tuple[str, ...] = ()
    tag_slugs: tuple[str, ...] = ()
    author_slugs: tuple[str, ...] = ()
    series: str = ""
    category: str = ""


def _entry_facts(kind: str, header: Header, settings: SiteSettings) -> _Facts:
    subs = settings.slug_substitutions
    slug_field, title = header.get("slug"), header.get("title")
    slug = None
    if slug_field and slug_field.value:
        slug = slug_field.value
    elif title and title.value:
        slug = slugify(title.value, regex_subs=subs)
    if slug is None:
        return _Facts()
    status = header.get("status")
    if status is not None and status.value.lower() == "draft":
        return _Facts(slug=slug)
    url = _format_url(settings.urls[kind], slug, _entry_date(header))
    if kind != "post":
        return _Facts(slug, None if url is None else _normal_url(url), True)
    tags = tuple(split_list(found.value)) if (found := header.get("tags")) else ()
    named = header.get("authors") or header.get("author")
    authors = split_list(named.value if named else "")
    series, category = header.get("series"), header.get("category")
    return _Facts(
        slug=slug,
        url=None if url is None else _normal_url(url),
        listed=True,
        tags=tags,
        tag_slugs=tuple(slugify(tag, regex_subs=subs) for tag in tags),
        author_slugs=tuple(slugify(author, regex_subs=subs) for author in authors),
        series=series.value if series and series.value else "",
        category=category.value if category and category.value else "",
    )


def _index_site(entries: list[_Entry], content: SiteContent, settings: SiteSettings) -> _Index:
    index = _Index(files=content.files)
    subs = settings.slug_substitutions
    categories = set()
    for entry in entries:
        if entry.source.kind == "profile":
            continue
        facts = entry.facts
        if facts is None:
            facts = entry.facts = _entry_facts(entry.source.kind, entry.header, settings)
        entry.slug = facts.slug
        if not facts.listed:
            continue
        if facts.url is not None:
            entry.url = facts.url
            index.urls.add(facts.url)
        for tag in facts.tags:
            index.tags[tag] += 1
        index.tag_slugs.update(facts.tag_slugs)
        index.author_slugs.update(facts.author_slugs)
        if facts.series:
            index.series[facts.series] += 1
        if facts.category:
            categories.add(facts.category)
    # Pelican writes a page for every author a post names; profiles add the rest.
    index.author_slugs.update(
        PurePosixPath(name).stem for name in content.files if name.startswith("authors/")
    )
    for kind, names in (("tag", index.tag_slugs), ("author", index.author_slugs)):
        index.urls.update(
            u for n in names if (u := _format_url(settings.urls[kind], n, None)) is not None
        )
    for name in categories:
        url = _format_url(settings.urls["category"], slugify(name, regex_subs=subs), None)
        if url is not None:
            index.urls.add(_normal_url(url))
    index.urls.update(
        _normal_url(url) for key, url in settings.urls.items() if key.startswith("listing-") and url
    )
    index.urls = {_normal_url(u) for u in index.urls}
    return index


def _index_digest(index: _Index) -> bytes:
    return digest_of(
        *sorted(index.files), "\0urls", *sorted(index.urls), "\0tags", *sorted(index.tag_slugs),
        "\0authors", *sorted(index.author_slugs),
    )  # fmt: skip


def _duplicates(entries: list[_Entry]) -> list[Problem]:
    problems: list[Problem] = []
    for attribute, code, what in (
        ("slug", "duplicate-slug", "slug"),
        ("url", "duplicate-url", "address"),
    ):
        groups: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        for entry in entries:
            value = getattr(entry, attribute)
            if value is not None and entry.source.kind != "profile":
                kind = entry.source.kind if attribute == "slug" else "any"
                groups[(kind, value)].append(entry)
        for (_, value), group in groups.items():
            if len(group) < 2:
                continue
            for entry in group:
                others = ", ".join(str(e.source.path) for e in group if e is not entry)
                line = entry.header.get("slug") or entry.header.get("title")
                problems.append(
                    Problem(
                        entry.source.path, line.line if line else 1,
                        f"the {what} {value!r} is also used by {others}; one would overwrite "
                        'the other, so give this one its own "Slug:"',
                        code, Severity.ERROR,
                    )
                )  # fmt: skip
    return problems


def _file_name(entry: _Entry) -> list[Problem]:
    path, header = entry.source.path, entry.header
    problems: list[Problem] = []
    slug = header.get("slug")
    if slug and slug.value and path.stem != slug.value:
        problems.append(
            Problem(
                path, slug.line,
                f'the file name does not match "Slug: {slug.value}"; rename the file to '
                f"{path.with_stem(slug.value).name} so the file and its address agree",
                "file-name", Severity.WARNING,
            )
        )  # fmt: skip
    if entry.source.kind != "post":
        return problems
    date = _entry_date(header)
    folder = path.parent.name
    if date is not None and folder != f"{date.year:04d}":
        expected = PurePosixPath(*path.parts[:2], f"{date.year:04d}", path.name)
        problems.append(
            Problem(
                path, header.get("date").line if header.get("date") else 1,  # type: ignore[union-attr]
                f"the post is dated {date.year} but is not in a {date.year}/ folder; "
                f"move it to {expected}",
                "file-name", Severity.WARNING,
            )
        )  # fmt: skip
    return problems


def _spelling_key(value: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", value.lower())
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _similar(entries: list[_Entry], index: _Index) -> list[Problem]:
    problems: list[Problem] = []
    for field_name, counts, code in (
        ("tags", index.tags, "similar-tag"),
        ("series", index.series, "similar-series"),
    ):
        spellings: dict[str, list[str]] = defaultdict(list)
        for value in counts:
            spellings[_spelling_key(value)].append(value)
        preferred: dict[str, str] = {}
        for group in spellings.values():
            if len(group) > 1:
                best = sorted(group, key=lambda v: (-counts[v], normalise_tag(v) != v, v))[0]
                preferred.update({v: best for v in group if v != best})
        if not preferred:
            continue
        for entry in entries:
            found = entry.header.get(field_name)
            if found is None or entry.source.kind != "post":
                continue
            values = split_list(found.value) if field_name == "tags" else [found.value]
            for value in values:
                # A tag that differs only in case or spaces is a tag-format problem already.
                if value in preferred and normalise_tag(value) != preferred[value]:
                    best = preferred[value]
                    problems.append(
                        Problem(
                            entry.source.path, found.line,
                            f"{field_name[:-1] if field_name == 'tags' else 'series'} "
                            f"{value!r} is spelled {best!r} in {counts[best]} other post(s); "
                            f"use {best!r} so they are listed together",
                            code, Severity.WARNING,
                        )
                    )  # fmt: skip
    return problems


def _resolve(source: PurePosixPath, target: str, content_name: str) -> str:
    """Return the content-relative path a {filename}/{static} target names."""
    target = target.split("#", 1)[0].split("?", 1)[0]
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    folder = PurePosixPath(*source.parts[1:]).parent.as_posix()
    return posixpath.normpath(posixpath.join(folder, target))


def _broken(path: PurePosixPath, link: Link, message: str, code: str) -> Problem:
    return Problem(path, link.line, message, code, Severity.WARNING)


def _check_link(
    path: PurePosixPath, link: Link, index: _Index, settings: SiteSettings, content: SiteContent
) -> Problem | None:
    url = link.url.strip()
    if not url or _EXTERNAL.match(url):
        return None
    placeholder = _LINK_PLACEHOLDER.match(url)
    missing_code = "missing-image" if link.image else "missing-attachment"
    if placeholder:
        kind, target = placeholder["kind"], url[placeholder.end() :]
        if kind in ("filename", "static", "attach"):
            resolved = _resolve(path, target, content.content_name)
            if resolved in index.files:
                return None
            code = "broken-link" if kind == "filename" and not link.image else missing_code
            return _broken(
                path, link,
                f"{{{kind}}}{target} points to no file under {content.content_name}/ "
                f"(looked for {content.content_name}/{resolved}); fix the path, which starts "
                f"at {content.content_name}/ when it begins with /",
                code,
            )  # fmt: skip
        if (
            kind == "tag"
            and slugify(target, regex_subs=settings.slug_substitutions) not in index.tag_slugs
        ):
            return _broken(
                path, link, f"no post is tagged {target!r}; fix the tag name", "broken-link"
            )
        if kind == "author" and target not in index.author_slugs:
            return _broken(
                path, link, f"no profile content/authors/{target}.md; fix the slug", "broken-link"
            )
        return None
    if not url.startswith("/"):
        if url.split("#", 1)[0].endswith(MARKDOWN_SUFFIXES):
            return _broken(
                path, link,
                f"a link to the source file {url!r} breaks on the site; write "
                "({filename}/posts/<year>/<slug>.md) with the path inside content/",
                "broken-link",
            )  # fmt: skip
        return None
    target = _normal_url(url)
    first = target.split("/", 1)[0]
    if first in settings.static_paths:
        if target in index.files:
            return None
        return _broken(
            path, link, f"{url} is not a file in {content.content_name}/; add it or fix the path",
            missing_code,
        )  # fmt: skip
    prefixes = {
        p.split("/", 1)[0]
        for k, p in settings.urls.items()
        if k in ("post", "page", "tag", "author", "category") and "/" in p
    }
    if first not in prefixes:
        return None  # not an address this site generates from content (search, feeds, ...)
    if target in index.urls or f"{target}/" in index.urls:
        return None
    close = _closest(target, index.urls)
    hint = f"; did you mean /{close}?" if close else "; fix the address"
    return _broken(path, link, f"{url} is not a page on this site{hint}", "broken-link")


def _closest(target: str, candidates: Iterable[str]) -> str | None:
    import difflib

    same_area = [c for c in candidates if c.split("/", 1)[0] == target.split("/", 1)[0]]
    found = difflib.get_close_matches(target, same_area, n=1, cutoff=0.6)
    return found[0] if found else None


def check_site(
    content: SiteContent,
    settings: SiteSettings,
    only: frozenset[PurePosixPath] | None = None,
    *,
    memo: DiskMemo | None = None,
    version: str = "",
) -> list[Problem]:
    """Check every source (or only the paths in `only`) against the rules and the whole site.

    With a `memo`, what depends on one file only (its header, what it adds to the site
    index, and its own problems given the same site index) is reused for files whose
    bytes did not change; `version` must name everything else the checks depend on (the
    settings and the checks' code).
    """
    authors = frozenset(
        PurePosixPath(name).stem
        for name in content.files
        if name.startswith("authors/") and name.endswith(MARKDOWN_SUFFIXES)
    )
    rules = ChecksSettings(
        statuses=settings.rules.statuses,
        tag_aliases=settings.rules.tag_aliases,
        known_authors=authors or None,
    )
    problems: list[Problem] = []
    entries: list[_Entry] = []
    for source in content.sources:
        key = b""
        if memo is not None:
            key = digest_of(version, str(source.path), source.kind, source.data)
            cached = memo.get(key)
            if cached is not None:
                decode_problems, header, facts = cached
                problems += decode_problems
                if header is not None:
                    entries.append(_Entry(source, header, facts=facts, key=key))
                continue
        text, decode_problems = decode(source.path, source.data)
        problems += decode_problems
        entry = _Entry(source, read_header(text), text, key=key) if text is not None else None
        if entry is not None:
            entries.append(entry)
        if memo is not None and entry is None:
            memo.put(key, (decode_problems, None, None))
    index = _index_site(entries, content, settings)
    if memo is not None:
        for entry in entries:
            memo.put(entry.key, ([], entry.header, entry.facts))
    index_key = _index_digest(index) if memo is not None else b""
    problems += _duplicates(entries)
    problems += _similar(entries, index)
    for entry in entries:
        path = entry.source.path
        if only is not None and path not in only:
            continue
        if memo is None:
            problems += _check_entry(entry, index, rules, settings, content)
            continue
        checks_key = digest_of(entry.key, index_key)
        found = memo.get(checks_key)
        if found is None:
            found = _check_entry(entry, index, rules, settings, content)
            memo.put(checks_key, found)
        problems += found
    if only is not None:
        problems = [p for p in problems if p.path in only]
    return sorted(set(problems), key=lambda p: (str(p.path), p.line, p.code, p.message))


def _check_entry(
    entry: _Entry,
    index: _Index,
    rules: ChecksSettings,
    settings: SiteSettings,
    content: SiteContent,
) -> list[Problem]:
    path, kind = entry.source.path, entry.source.kind
    problems: list[Problem] = []
    if kind == "post":
        problems += check_post(path, entry.body(), rules)
    elif kind == "page":
        problems += check_page(path, entry.body(), rules)
    if kind == "profile":
        problems += check_placeholders(path, entry.header)
    else:
        problems += _file_name(entry)
    all_lines = scan_lines(entry.body())
    body: list[Line] = [line for line in all_lines if line.number >= entry.header.body_line]
    problems += check_secrets(path, all_lines)
    links = find_links(body)
    problems += check_alt_text(path, links)
    problems += check_raw_html(path, body, settings.policy)
    if kind != "profile":
        problems += check_headings(path, body)
    for link in links:
        problem = _check_link(path, link, index, settings, content)
        if problem is not None:
            problems.append(problem)
    return problems
