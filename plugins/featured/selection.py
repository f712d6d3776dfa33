"""Parse, validate and select the curation in content/featured.yml (pure: no Pelican).

The file has three optional parts: `featured` (posts for the home page hero), `spotlight`
(people comms want everyone to know about) and `banner` (a site-wide announcement). Every
entry may carry `from` and `until` dates (YYYY-MM-DD, both inclusive): an entry is active
while from <= today <= until, so expired items disappear at the next build without anyone
editing the file.

Problems name the YAML line (`content/featured.yml:LINE: message [code]`):
errors (bad YAML, a missing field, a bad date, `from` after `until`, an unknown post or
author) drop the entry; an expired entry is a warning that it can be removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any, Generic, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from plugins._shared.problems import Problem, Severity

P = TypeVar("P")

FEATURED_KEYS = frozenset({"post", "blurb", "from", "until", "order"})
SPOTLIGHT_KEYS = frozenset({"author", "reason", "from", "until"})
BANNER_KEYS = frozenset({"text", "link", "from", "until"})
TOP_KEYS = ("featured", "spotlight", "banner")


class _DatesAsText(RoundTripConstructor):
    """Round-trip constructor that leaves dates as text, so a bad one gets its line number.

    The stock constructor raises a bare ValueError (no line) on `until: 2026-13-01`.
    """


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


class Status(StrEnum):
    """Where an entry stands on a given day."""

    SCHEDULED = "scheduled"
    ACTIVE = "active"
    EXPIRED = "expired"


def window_status(start: dt.date | None, end: dt.date | None, today: dt.date) -> Status:
    """Return whether `today` is before, inside or after the inclusive window [start, end]."""
    if start is not None and today < start:
        return Status.SCHEDULED
    if end is not None and today > end:
        return Status.EXPIRED
    return Status.ACTIVE


@dataclass(frozen=True, slots=True)
class FeaturedEntry:
    """A post featured on the home page."""

    post: str
    blurb: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    order: int | None = None
    line: int = 1

    def status(self, today: dt.date) -> Status:
        """Return the entry's status on `today`."""
        return window_status(self.start, self.end, today)


@dataclass(frozen=True, slots=True)
class Spotlight:
    """A person in the spotlight, and why."""

    author: str
    reason: str
    start: dt.date | None = None
    end: dt.date | None = None
    line: int = 1

    def status(self, today: dt.date) -> Status:
        """Return the entry's status on `today`."""
        return window_status(self.start, self.end, today)


@dataclass(frozen=True, slots=True)
class Banner:
    """The site-wide announcement."""

    text: str
    link: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    line: int = 1

    def status(self, today: dt.date) -> Status:
        """Return the banner's status on `today`."""
        return window_status(self.start, self.end, today)

    @property
    def external(self) -> bool:
        """Whether the link is an absolute URL (otherwise it is a path on this site)."""
        return self.link.startswith(("http://", "https://", "mailto:"))

    @property
    def path(self) -> str:
        """The link as a site path without its leading slash (for `{{ SITEURL }}/{{ path }}`)."""
        return self.link.lstrip("/")


@dataclass(frozen=True, slots=True)
class Curation:
    """Everything featured.yml says, in file order, with invalid entries left out."""

    featured: tuple[FeaturedEntry, ...] = ()
    spotlights: tuple[Spotlight, ...] = ()
    banner: Banner | None = None


@dataclass(frozen=True, slots=True)
class FeaturedPost(Generic[P]):
    """A featured entry paired with its post (a Pelican article, or a post header)."""

    entry: FeaturedEntry
    article: P

    @property
    def blurb(self) -> str:
        """Comms' blurb for the post (may be empty: show the post's summary instead)."""
        return self.entry.blurb


@dataclass(frozen=True, slots=True)
class SpotlightPerson:
    """A spotlighted person as templates show them: name, role, team and why."""

    slug: str
    name: str
    reason: str
    role: str = ""
    team: str = ""
    team_name: str = ""
    url: str | None = None


@dataclass(slots=True)
class _Parser:
    path: PurePosixPath
    problems: list[Problem] = field(default_factory=list)

    def report(
        self, line: int, message: str, code: str, severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(self.path, line, message, code, severity))

    def value_line(self, mapping: CommentedMap, key: str) -> int:
        return int(mapping.lc.value(key)[0]) + 1

    def entries(self, data: CommentedMap, key: str) -> list[tuple[int, CommentedMap]]:
        """Return (line, mapping) for each item of the list under `key`."""
        items = data.get(key)
        if items is None:
            return []
        if not isinstance(items, CommentedSeq):
            self.report(
                self.value_line(data, key), f"`{key}` must be a list of entries", "bad-entry"
            )
            return []
        found = []
        for index, item in enumerate(items):
            line = int(items.lc.item(index)[0]) + 1
            if isinstance(item, CommentedMap):
                found.append((line, item))
            else:
                self.report(line, f"each `{key}` entry must be a mapping of keys", "bad-entry")
        return found

    def check_keys(self, item: CommentedMap, allowed: frozenset[str], line: int) -> bool:
        unknown = sorted(str(k) for k in item if k not in allowed)
        for key in unknown:
            # A typo such as `untill` would silently keep an entry forever: an error.
            self.report(
                int(item.lc.key(key)[0]) + 1,
                f"unknown key `{key}`; expected one of: {', '.join(sorted(allowed))}",
                "unknown-key",
            )
        return not unknown

    def text(self, item: CommentedMap, key: str, line: int, required: bool) -> str | None:
        value = item.get(key)
        if value is None or value == "":
            if required:
                self.report(line, f"missing `{key}:`", "missing-field")
                return None
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(self.value_line(item, key), f"`{key}` must be text", "bad-entry")
            return None
        return str(value).strip()

    def date(self, item: CommentedMap, key: str) -> tuple[bool, dt.date | None]:
        value = item.get(key)
        if value is None:
            return True, None
        if isinstance(value, dt.datetime):
            return True, value.date()
        if isinstance(value, dt.date):
            return True, value
        try:
            return True, dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.report(
                self.value_line(item, key),
                f"cannot read `{key}: {value}` as a date; write YYYY-MM-DD",
                "bad-date",
            )
            return False, None

    def window(self, item: CommentedMap, line: int) -> tuple[bool, dt.date | None, dt.date | None]:
        ok_start, start = self.date(item, "from")
        ok_end, end = self.date(item, "until")
        if start is not None and end is not None and start > end:
            self.report(
                self.value_line(item, "from"),
                f"`from: {start}` is after `until: {end}`; swap or fix the dates",
                "bad-window",
            )
            return False, None, None
        return ok_start and ok_end, start, end

    def featured(self, data: CommentedMap) -> list[FeaturedEntry]:
        found = []
        for line, item in self.entries(data, "featured"):
            keys_ok = self.check_keys(item, FEATURED_KEYS, line)
            post = self.text(item, "post", line, required=True)
            blurb = self.text(item, "blurb", line, required=False)
            window_ok, start, end = self.window(item, line)
            order = item.get("order")
            if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
                self.report(self.value_line(item, "order"), "`order` must be a number", "bad-entry")
                continue
            if keys_ok and window_ok and post and blurb is not None:
                found.append(FeaturedEntry(post, blurb, start, end, order, line))
        return found

    def spotlights(self, data: CommentedMap) -> list[Spotlight]:
        found = []
        for line, item in self.entries(data, "spotlight"):
            keys_ok = self.check_keys(item, SPOTLIGHT_KEYS, line)
            author = self.text(item, "author", line, required=True)
            reason = self.text(item, "reason", line, required=True)
            window_ok, start, end = self.window(item, line)
            if keys_ok and window_ok and author and reason:
                found.append(Spotlight(author, reason, start, end, line))
        return found

    def banner(self, data: CommentedMap) -> Banner | None:
        item = data.get("banner")
        if item is None:
            return None
        line = int(data.lc.key("banner")[0]) + 1
        if not isinstance(item, CommentedMap):
            self.report(line, "`banner` must be a mapping with text, link, until", "bad-entry")
            return None
        keys_ok = self.check_keys(item, BANNER_KEYS, line)
        text = self.text(item, "text", line, required=True)
        link = self.text(item, "link", line, required=False)
        window_ok, start, end = self.window(item, line)
        if link and not link.startswith(("/", "http://", "https://", "mailto:")):
            self.report(
                self.value_line(item, "link"),
                f"banner link {link!r} must start with / (a page on this site) or https://",
                "bad-link",
            )
            return None
        if keys_ok and window_ok and text and link is not None:
            return Banner(text, link, start, end, line)
        return None


def parse_curation(text: str, path: PurePosixPath) -> tuple[Curation, list[Problem]]:
    """Parse featured.yml text into a `Curation` and the problems found in it."""
    parser = _Parser(path)
    try:
        yaml = YAML(typ="rt", pure=True)
        yaml.Constructor = _DatesAsText
        data = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = (error.problem or error.context or "invalid YAML").strip()
        parser.report(line, f"not valid YAML: {message}", "bad-yaml")
        return Curation(), parser.problems
    if data is None:
        return Curation(), []
    if not isinstance(data, CommentedMap):
        parser.report(1, "expected `featured:`, `spotlight:` and `banner:` sections", "bad-yaml")
        return Curation(), parser.problems
    for key in data:
        if key not in TOP_KEYS:
            parser.report(
                int(data.lc.key(key)[0]) + 1,
                f"unknown section `{key}`; expected one of: {', '.join(TOP_KEYS)}",
                "unknown-key",
            )
    curation = Curation(
        featured=tuple(parser.featured(data)),
        spotlights=tuple(parser.spotlights(data)),
        banner=parser.banner(data),
    )
    return curation, parser.problems


def validate_curation(
    curation: Curation,
    path: PurePosixPath,
    *,
    posts: Collection[str],
    authors: Collection[str],
    today: dt.date,
    unpublished: Collection[str] = (),
) -> list[Problem]:
    """Check that featured posts and spotlighted people exist, and flag expired entries.

    `posts` are the slugs of published posts, `unpublished` those of drafts and hidden
    posts, `authors` the slugs that have a profile.
    """
    problems: list[Problem] = []
    for entry in curation.featured:
        if entry.post in unpublished:
            message = f"post {entry.post!r} is a draft; publish it or remove this entry"
            problems.append(Problem(path, entry.line, message, "unpublished-post"))
        elif entry.post not in posts:
            message = (
                f"no post with slug {entry.post!r}; use a post's Slug: (its file name) "
                "or remove this entry"
            )
            problems.append(Problem(path, entry.line, message, "unknown-post"))
        elif entry.status(today) is Status.EXPIRED:
            message = (
                f"featured post {entry.post!r} expired on {entry.end}; "
                f"remove it with `blog feature remove {entry.post}`"
            )
            problems.append(Problem(path, entry.line, message, "expired", Severity.WARNING))
    for spot in curation.spotlights:
        if spot.author not in authors:
            message = (
                f"no profile for author {spot.author!r}; add content/authors/{spot.author}.md "
                "or fix the slug"
            )
            problems.append(Problem(path, spot.line, message, "unknown-author"))
        elif spot.status(today) is Status.EXPIRED:
            message = f"spotlight on {spot.author!r} expired on {spot.end}; remove the entry"
            problems.append(Problem(path, spot.line, message, "expired", Severity.WARNING))
    banner = curation.banner
    if banner is not None and banner.status(today) is Status.EXPIRED:
        message = f"banner expired on {banner.end}; remove the `banner:` section"
        problems.append(Problem(path, banner.line, message, "expired", Severity.WARNING))
    return problems


def active_featured(curation: Curation, today: dt.date) -> list[FeaturedEntry]:
    """Return the featured entries active on `today`: explicit `order` first, then file order."""
    active = [e for e in curation.featured if e.status(today) is Status.ACTIVE]
    ranked = sorted(
        enumerate(active),
        key=lambda pair: (pair[1].order is None, pair[1].order or 0, pair[0]),
    )
    return [entry for _, entry in ranked]


def select_featured(
    curation: Curation, today: dt.date, posts: Mapping[str, P], limit: int
) -> list[FeaturedPost[P]]:
    """Pair the active featured entries with their posts, at most `limit`, best first.

    A post featured twice appears once; entries whose post is unknown are skipped.
    """
    chosen: list[FeaturedPost[P]] = []
    for entry in active_featured(curation, today):
        article = posts.get(entry.post)
        if article is None or any(c.entry.post == entry.post for c in chosen):
            continue
        chosen.append(FeaturedPost(entry, article))
        if len(chosen) == limit:
            break
    return chosen


def select_spotlights(
    curation: Curation,
    today: dt.date,
    profiles: Mapping[str, Any],
    team_names: Mapping[str, str],
    urls: Mapping[str, str],
) -> list[SpotlightPerson]:
    """Return the people in the spotlight on `today`, with name, role and team from profiles.

    `profiles` maps author slugs to objects with `name`, `role` and `team`; `urls` maps
    author slugs to their page, when they have one.
    """
    people = []
    for spot in curation.spotlights:
        profile = profiles.get(spot.author)
        if profile is None or spot.status(today) is not Status.ACTIVE:
            continue
        people.append(
            SpotlightPerson(
                slug=spot.author,
                name=profile.name,
                reason=spot.reason,
                role=profile.role,
                team=profile.team,
                team_name=team_names.get(profile.team, profile.team),
                url=urls.get(spot.author),
            )
        )
    return people


def select_banner(curation: Curation, today: dt.date) -> Banner | None:
    """Return the banner if it is active on `today`."""
    banner = curation.banner
    return banner if banner is not None and banner.status(today) is Status.ACTIVE else None


def featured_slugs(chosen: Sequence[FeaturedPost[Any]]) -> set[str]:
    """Return the slugs of the chosen featured posts."""
    return {c.entry.post for c in chosen}
