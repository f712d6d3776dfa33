"""Rules for the metadata of posts and pages; pure functions returning `Problem`s."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from pelican.utils import get_date

from plugins._shared.metadata import Header, read_header, split_list
from plugins._shared.problems import Problem, SettingsError, Severity

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?)?$")
POST_FIELDS = (
    "title", "date", "modified", "authors", "author", "category", "tags", "summary",
    "series", "status", "slug", "lang", "translation", "save_as", "url", "template",
)  # fmt: skip
SUMMARY_MAX_CHARS = 300
DEFAULT_STATUSES = ("published", "draft", "hidden")
_TAG_SEPARATORS = re.compile(r"[\s_]+")
# Left by `blog new` in the fields a writer must fill in.
PLACEHOLDER = "TODO:"


@dataclass(frozen=True, slots=True)
class ChecksSettings:
    """The values the rules need; built from pelicanconf by `from_settings`.

    `known_authors` is None when the site has no profiles at all (nothing to check against).
    """

    statuses: tuple[str, ...] = DEFAULT_STATUSES
    tag_aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    known_authors: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ChecksSettings:
        """Validate CONTENT_CHECKS_STATUSES and CONTENT_CHECKS_TAG_ALIASES."""
        statuses = settings.get("CONTENT_CHECKS_STATUSES", DEFAULT_STATUSES)
        if not isinstance(statuses, list | tuple) or not all(isinstance(s, str) for s in statuses):
            raise SettingsError(
                "pelicanconf.py: CONTENT_CHECKS_STATUSES must be a list of strings, "
                f"got {statuses!r}"
            )
        aliases = settings.get("CONTENT_CHECKS_TAG_ALIASES", {})
        if not isinstance(aliases, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
        ):
            raise SettingsError(
                "pelicanconf.py: CONTENT_CHECKS_TAG_ALIASES must map tags to tags "
                f'(e.g. {{"k8s": "kubernetes"}}), got {aliases!r}'
            )
        return cls(
            statuses=tuple(s.lower() for s in statuses),
            tag_aliases=MappingProxyType(
                {normalise_tag(k): normalise_tag(v) for k, v in aliases.items()}
            ),
        )


def normalise_tag(tag: str) -> str:
    """Return the canonical spelling of a tag: lower case, words joined by hyphens."""
    return _TAG_SEPARATORS.sub("-", tag.strip().lower())


def _problem(
    path: PurePosixPath, line: int, message: str, code: str, severity: Severity = Severity.ERROR
) -> Problem:
    return Problem(path=path, line=line, message=message, code=code, severity=severity)


def parse_date(value: str) -> datetime | None:
    """Parse a metadata date the way writers are told to write it (ISO 8601), else None."""
    if not ISO_DATE.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def check_placeholders(path: PurePosixPath, header: Header) -> list[Problem]:
    """Flag header fields that still hold the placeholder `blog new` wrote."""
    return [
        _problem(
            path,
            value.line,
            f'"{key}" still holds the {PLACEHOLDER} placeholder from the template; '
            "write the real value",
            "placeholder",
            Severity.WARNING,
        )
        for key, value in header.fields.items()
        if PLACEHOLDER in value.value
    ]


def _check_common(path: PurePosixPath, header: Header, settings: ChecksSettings) -> list[Problem]:
    problems: list[Problem] = []
    title = header.get("title")
    if title is None:
        problems.append(
            _problem(
                path, 1, 'no "Title:" line; add "Title: Your title" at the top', "missing-title"
            )
        )
    elif not title.value:
        problems.append(_problem(path, title.line, "the title is empty; write one", "empty-title"))
    status = header.get("status")
    if status is not None and status.value.lower() not in settings.statuses:
        allowed = ", ".join(settings.statuses)
        problems.append(
            _problem(
                path, status.line, f"unknown status {status.value!r}; use one of: {allowed}",
                "bad-status",
            )
        )  # fmt: skip
    for key, duplicate in header.duplicates:
        problems.append(
            _problem(
                path, duplicate.line, f'"{key}" is given twice; keep one line', "duplicate-field",
                Severity.WARNING,
            )
        )  # fmt: skip
    problems += check_placeholders(path, header)
    for key, value in header.fields.items():
        if key in POST_FIELDS:
            continue
        close = difflib.get_close_matches(key, POST_FIELDS, n=1, cutoff=0.8)
        if close:
            problems.append(
                _problem(
                    path, value.line, f'unknown field "{key}"; did you mean "{close[0]}"?',
                    "unknown-field", Severity.WARNING,
                )
            )  # fmt: skip
    return problems


def _check_date(path: PurePosixPath, header: Header, key: str, required: bool) -> list[Problem]:
    field = header.get(key)
    label = key.capitalize()
    if field is None:
        if not required:
            return []
        return [
            _problem(
                path, 1, f'no "{label}:" line; add e.g. "{label}: 2026-03-04 09:30"', "missing-date"
            )
        ]
    if parse_date(field.value) is not None:
        return []
    try:
        # What Pelican itself accepts (dateutil): publishable, but ambiguous to readers.
        get_date(field.value)
    except (ValueError, OverflowError):
        return [
            _problem(
                path, field.line,
                f"cannot read {key} {field.value!r}; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM",
                "bad-date",
            )
        ]  # fmt: skip
    return [
        _problem(
            path, field.line,
            f"{key} {field.value!r} is not ISO 8601 and may be misread; write YYYY-MM-DD HH:MM",
            "non-iso-date", Severity.WARNING,
        )
    ]  # fmt: skip


def check_post(path: PurePosixPath, text: str, settings: ChecksSettings) -> list[Problem]:
    """Check a post's header: title, dates, authors, status, summary, field names."""
    header = read_header(text)
    problems = _check_common(path, header, settings)
    problems += _check_date(path, header, "date", required=True)
    problems += _check_date(path, header, "modified", required=False)
    authors = header.get("authors") or header.get("author")
    if authors is None or not split_list(authors.value):
        problems.append(
            _problem(
                path, authors.line if authors else 1,
                'no author; add "Authors: your-slug" (see content/authors/)', "missing-author",
                Severity.WARNING,
            )
        )  # fmt: skip
    if authors is not None and settings.known_authors is not None:
        for slug in split_list(authors.value):
            if slug not in settings.known_authors:
                problems.append(
                    _problem(
                        path, authors.line,
                        f"unknown author {slug!r}: there is no content/authors/{slug}.md; "
                        f"fix the slug or create the profile with `blog new-author {slug}`",
                        "unknown-author",
                    )
                )  # fmt: skip
    problems += _check_tags(path, header, settings)
    summary = header.get("summary")
    if summary is not None and len(summary.value) > SUMMARY_MAX_CHARS:
        problems.append(
            _problem(
                path, summary.line,
                f"the summary has {len(summary.value)} characters; keep it under "
                f"{SUMMARY_MAX_CHARS} (one or two sentences)",
                "long-summary", Severity.WARNING,
            )
        )  # fmt: skip
    return problems


def _check_tags(path: PurePosixPath, header: Header, settings: ChecksSettings) -> list[Problem]:
    tags = header.get("tags")
    if tags is None:
        return []
    problems: list[Problem] = []
    for tag in split_list(tags.value):
        canonical = normalise_tag(tag)
        alias = settings.tag_aliases.get(canonical)
        if alias is not None and alias != canonical:
            problems.append(
                _problem(
                    path, tags.line,
                    f"use the tag {alias!r} instead of {tag!r} (CONTENT_CHECKS_TAG_ALIASES), "
                    "so all posts on the topic share one tag page",
                    "tag-alias", Severity.WARNING,
                )
            )  # fmt: skip
        elif canonical != tag:
            problems.append(
                _problem(
                    path, tags.line,
                    f"write the tag {tag!r} as {canonical!r} (lower case, words joined by -)",
                    "tag-format", Severity.WARNING,
                )
            )  # fmt: skip
    return problems


def check_page(path: PurePosixPath, text: str, settings: ChecksSettings) -> list[Problem]:
    """Check a page's header: title, status and field names."""
    return _check_common(path, read_header(text), settings)


def decode(path: PurePosixPath, data: bytes) -> tuple[str | None, list[Problem]]:
    """Decode a content file as UTF-8, or report the line of the first bad byte."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = "the file is not UTF-8; save it as UTF-8"
        return None, [_problem(path, line, message, "bad-encoding")]


def check_files(
    files: Iterable[tuple[PurePosixPath, bytes]], settings: ChecksSettings, *, posts: bool
) -> list[Problem]:
    """Check every (path, bytes) pair as posts (`posts=True`) or pages."""
    problems: list[Problem] = []
    check = check_post if posts else check_page
    for path, data in files:
        text, decode_problems = decode(path, data)
        problems += decode_problems
        if text is not None:
            problems += check(path, text, settings)
    return problems
