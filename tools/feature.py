"""`blog feature`: edit content/featured.yml by command, keeping comments and order.

Edits are round-trip (ruamel.yaml): hand-written comments, key order and quoting survive.
Inputs are validated before anything is written (an unknown post or author, `--from` after
`--until`); the whole file is then checked again, and problems (expired entries, older
mistakes) are returned with their line numbers for the command to print.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from plugins._shared.catalog import read_posts, read_profiles
from plugins._shared.problems import BlogError, Problem, Severity
from plugins.featured.config import FeaturedSettings
from plugins.featured.selection import TOP_KEYS, Curation, parse_curation, validate_curation
from tools.build import load_settings

NEW_FILE_COMMENT = (
    "Home page curation, owned by Comms and reviewed like any change.\n"
    "Entries are shown while from <= today <= until (YYYY-MM-DD, inclusive)."
)


@dataclass(frozen=True, slots=True)
class CurationSite:
    """Where the curation file is and what it may refer to."""

    file: Path
    relative: PurePosixPath
    posts: frozenset[str]
    unpublished: frozenset[str]
    authors: frozenset[str]


@dataclass(slots=True)
class EditResult:
    """What an edit did, and the problems left in the file afterwards."""

    path: Path
    action: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that the build would fail on."""
        return [p for p in self.problems if p.severity is Severity.ERROR]


@dataclass(frozen=True, slots=True)
class CurationRow:
    """One line of `blog feature list`."""

    kind: str
    subject: str
    detail: str
    start: dt.date | None
    end: dt.date | None
    status: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape of `blog feature list --json`."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "detail": self.detail,
            "from": self.start.isoformat() if self.start else None,
            "until": self.end.isoformat() if self.end else None,
            "status": self.status,
            "line": self.line,
        }


def load_site(root: Path) -> CurationSite:
    """Read pelicanconf.py, the posts' headers and the profiles of the site at `root`."""
    settings = load_settings(root.resolve(), {})
    config = FeaturedSettings.from_settings({**settings, "FEATURED_NOW": None})
    content_dir = Path(settings["PATH"])
    posts = read_posts(content_dir, settings, dt.UTC)
    return CurationSite(
        file=content_dir / config.file,
        relative=PurePosixPath(content_dir.name, *config.file.parts),
        posts=frozenset(p.slug for p in posts if p.published or p.status == "hidden"),
        unpublished=frozenset(p.slug for p in posts if p.status == "draft"),
        authors=frozenset(read_profiles(content_dir / "authors")),
    )


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long blurb
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_document(path: Path) -> CommentedMap:
    """Load the curation file for editing (an empty document if it does not exist yet)."""
    if not path.is_file():
        doc = CommentedMap()
        doc.yaml_set_start_comment(NEW_FILE_COMMENT)
        return doc
    text = path.read_text(encoding="utf-8")
    problems = [
        p for p in parse_curation(text, PurePosixPath(path.name))[1] if p.code == "bad-yaml"
    ]
    if problems:
        raise BlogError(f"{path}:{problems[0].line}: {problems[0].message}; fix it by hand first")
    doc = _yaml().load(text)
    if doc is None:
        return CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise BlogError(f"{path}: expected featured:, spotlight: and banner: sections")
    return doc


def dump_document(doc: CommentedMap) -> str:
    """Serialize the document back to YAML text."""
    buffer = io.StringIO()
    _yaml().dump(doc, buffer)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _section(doc: CommentedMap, key: str) -> CommentedSeq:
    section = doc.get(key)
    if section is None:
        section = CommentedSeq()
        # Keep the documented order: featured, spotlight, banner.
        position = sum(1 for k in doc if k in TOP_KEYS[: TOP_KEYS.index(key)])
        doc.insert(position, key, section)
    if not isinstance(section, CommentedSeq):
        raise BlogError(f"`{key}:` is not a list; fix it by hand first")
    return section


def _check_window(
    start: dt.date | None, end: dt.date | None, entry: CommentedMap | None = None
) -> None:
    existing_start = _as_date(entry.get("from")) if entry is not None else None
    existing_end = _as_date(entry.get("until")) if entry is not None else None
    first, last = start or existing_start, end or existing_end
    if first is not None and last is not None and first > last:
        raise BlogError(f"from {first} is after until {last}; swap or fix the dates")


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None


def _set_fields(entry: CommentedMap, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is not None:
            entry[key] = value


def _checked(site: CurationSite, text: str, today: dt.date) -> tuple[Curation, list[Problem]]:
    """Parse featured.yml `text` and check it against the site's posts and authors."""
    curation, problems = parse_curation(text, site.relative)
    problems += validate_curation(
        curation,
        site.relative,
        posts=site.posts,
        authors=site.authors,
        today=today,
        unpublished=site.unpublished,
    )
    return curation, problems


def _save(site: CurationSite, doc: CommentedMap, action: str, today: dt.date) -> EditResult:
    text = dump_document(doc)
    _, problems = _checked(site, text, today)
    _write_atomically(site.file, text)
    return EditResult(site.file, action, sorted(problems, key=lambda p: p.line))


def add_featured(
    root: Path,
    slug: str,
    *,
    blurb: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date,
) -> EditResult:
    """Feature the post `slug` (or update its entry): blurb, from, until."""
    site = load_site(root)
    if slug in site.unpublished:
        raise BlogError(f"post {slug!r} is a draft; publish it before featuring it")
    if slug not in site.posts:
        raise BlogError(
            f"no post with slug {slug!r}; use the Slug: of a published post in content/posts/"
        )
    doc = load_document(site.file)
    section = _section(doc, "featured")
    existing = next(
        (e for e in section if isinstance(e, CommentedMap) and e.get("post") == slug), None
    )
    _check_window(start, end, existing)
    values = {"blurb": blurb, "from": start, "until": end}
    if existing is not None:
        _set_fields(existing, values)
        return _save(site, doc, f"updated featured post {slug}", today)
    entry = CommentedMap(post=slug)
    _set_fields(entry, values)
    _append_keeping_layout(section, entry)
    return _save(site, doc, f"featured post {slug}", today)


def remove_featured(root: Path, slug: str, *, today: dt.date) -> EditResult:
    """Remove every featured entry for the post `slug`."""
    site = load_site(root)
    doc = load_document(site.file)
    section = doc.get("featured")
    indexes = [
        i
        for i, e in enumerate(section or [])
        if isinstance(e, CommentedMap) and e.get("post") == slug
    ]
    if not indexes:
        raise BlogError(f"{site.relative}: post {slug!r} is not featured; see `blog feature list`")
    for index in reversed(indexes):
        _pop_keeping_comments(section, index)
    return _save(site, doc, f"removed featured post {slug}", today)


def _trailing(item: object) -> tuple[dict[Any, Any] | None, Any]:
    """Return the comment slot table of an entry's last key and the token after it."""
    if not isinstance(item, CommentedMap) or not len(item):
        return None, None
    last_key = list(item)[-1]
    slot = item.ca.items.get(last_key)
    return item.ca.items, (slot[2] if slot and len(slot) > 2 else None)


def _append_keeping_layout(section: CommentedSeq, entry: CommentedMap) -> None:
    """Append an entry; blank and comment lines after the old last item stay after the list."""
    if len(section):
        table, after = _trailing(section[-1])
        if table is not None and after is not None:
            table[list(section[-1])[-1]][2] = None
            entry.ca.items[list(entry)[-1]] = [None, None, after, None]
    section.append(entry)


def _pop_keeping_comments(section: CommentedSeq, index: int) -> None:
    """Remove an item, with the comment lines above it but not those above the next one.

    ruamel attaches the comment lines and blank lines between two items to the end of the
    first: those after the removed item introduce the next one, so they move to the item
    before it (replacing the lines that introduced the removed one).
    """
    _, after = _trailing(section[index])
    section.pop(index)
    if index > 0:
        table, _ = _trailing(section[index - 1])
        if table is not None:
            previous = section[index - 1]
            slot = table.setdefault(list(previous)[-1], [None, None, None, None])
            slot[2] = after
    elif after is not None and index < len(section):
        lines = [line.strip() for line in after.value.splitlines() if line.strip()]
        comment = "\n".join(line.lstrip("#").strip() for line in lines if line.startswith("#"))
        if comment:
            section.yaml_set_comment_before_after_key(index, before=comment, indent=2)


def add_spotlight(
    root: Path,
    author: str,
    *,
    reason: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date,
) -> EditResult:
    """Spotlight the person `author` (or update their entry) with a reason and dates."""
    site = load_site(root)
    if author not in site.authors:
        raise BlogError(
            f"no profile for author {author!r}; add content/authors/{author}.md or fix the slug"
        )
    if not reason.strip():
        raise BlogError("--reason must say why this person is in the spotlight")
    doc = load_document(site.file)
    section = _section(doc, "spotlight")
    existing = next(
        (e for e in section if isinstance(e, CommentedMap) and e.get("author") == author), None
    )
    _check_window(start, end, existing)
    values = {"reason": reason.strip(), "from": start, "until": end}
    if existing is not None:
        _set_fields(existing, values)
        return _save(site, doc, f"updated spotlight on {author}", today)
    entry = CommentedMap(author=author)
    _set_fields(entry, values)
    _append_keeping_layout(section, entry)
    return _save(site, doc, f"spotlight on {author}", today)


def list_curation(root: Path, *, today: dt.date) -> tuple[list[CurationRow], list[Problem]]:
    """Return every curated entry with its status on `today`, and the file's problems."""
    site = load_site(root)
    if not site.file.is_file():
        return [], []
    curation, problems = _checked(site, site.file.read_text(encoding="utf-8"), today)
    rows = [
        CurationRow("featured", e.post, e.blurb, e.start, e.end, e.status(today), e.line)
        for e in curation.featured
    ]
    rows += [
        CurationRow("spotlight", s.author, s.reason, s.start, s.end, s.status(today), s.line)
        for s in curation.spotlights
    ]
    banner = curation.banner
    if banner is not None:
        rows.append(
            CurationRow(
                "banner", banner.text, banner.link, banner.start, banner.end,
                banner.status(today), banner.line,
            )
        )  # fmt: skip
    return rows, sorted(problems, key=lambda p: p.line)
