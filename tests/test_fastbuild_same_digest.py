"""same_digest: an attribute's remembered digest is reused only when the value digests the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from pelican.urlwrappers import Author, Tag

from plugins.fastbuild.fingerprint import ValueDigests, comparable, same_digest
from plugins.fastbuild.session import fresh
from plugins.reading.aids import TocEntry


@dataclass
class Mutable:
    value: int


@dataclass(frozen=True)
class Frozen:
    items: tuple[str, ...]
    path: PurePosixPath


SETTINGS = {"SLUGIFY_SOURCE": "title"}


def digest(value: object) -> bytes:
    return ValueDigests().digest(value)


def test_same_digest_agrees_with_the_digest_for_equal_values() -> None:
    when = datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    value = {
        "title": "A post",
        "date": when,
        "tags": [Tag("postgres", SETTINGS), Tag("kubernetes", SETTINGS)],
        "toc": [TocEntry(2, "a", "A"), TocEntry(3, "b", "B")],
        "frozen": Frozen(("x", "y"), PurePosixPath("content/a.md")),
        "count": 3,
        "none": None,
    }
    old = fresh(value)
    assert same_digest(value, old)
    assert comparable(value)
    assert digest(value) == digest(old)


def test_same_digest_sees_every_change_the_digest_sees() -> None:
    author = Author("ana-lopez", SETTINGS)
    old = fresh([author])
    author.name = "Ana López"  # renamed in place, as plugins.people does
    assert not same_digest([author], old)
    assert digest([author]) != digest(old)
    utc = datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    paris = utc.astimezone(ZoneInfo("Europe/Paris"))  # the same instant, shown differently
    assert not same_digest(paris, utc)
    assert not same_digest([TocEntry(2, "a", "A")], [TocEntry(2, "a", "B")])
    assert not same_digest({"a": 1}, {"a": 1, "b": 2})
    assert not same_digest(1, True)
    assert not same_digest(1.0, 1)


def test_objects_that_may_change_in_place_are_never_the_same() -> None:
    shared = Mutable(1)
    assert not same_digest(shared, shared)
    assert not same_digest([shared], [shared])
    assert not comparable([shared])
    assert not same_digest(Frozen((), PurePosixPath("a")), Mutable(1))
