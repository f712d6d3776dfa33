"""Frozen, slotted dataclasses that memos and manifests hold pickle as their arguments."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from plugins._shared.metadata import Field, read_header
from plugins._shared.pickling import pickled_as_arguments
from plugins.content_checks.site import _Facts
from plugins.fastbuild.writer import Manifest, Record


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_a_decorated_dataclass_pickles_as_a_call_with_every_field() -> None:
    point = Point(1, 2, ("a",))
    assert point.__reduce__() == (Point, (1, 2, ("a",)))
    assert pickle.loads(pickle.dumps(point)) == point


def test_pickling_does_not_look_up_the_fields_per_object(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = dataclasses.fields
    monkeypatch.setattr(dataclasses, "fields", lambda c: calls.append(c) or real(c))
    points = [Point(n) for n in range(100)]
    assert pickle.loads(pickle.dumps(points)) == points
    assert calls == []


def test_a_field_outside_init_cannot_be_pickled_as_an_argument() -> None:
    @dataclass(frozen=True, slots=True)
    class Counted:
        n: int
        seen: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="Counted: every field must be an __init__ argument"):
        pickled_as_arguments(Counted)


def test_the_memo_and_manifest_classes_round_trip() -> None:
    header = read_header("Title: A post\nTags: a, b\n\nBody.\n")
    facts = _Facts("a-post", "posts/a-post/", True, ("A",), ("a",), ("ana",), "s", "general")
    manifest = Manifest(b"build", {"index.html": Record(b"f" * 16, ("posts/a.md",), 10, 20)})
    for value in (Field("x", 3), header, facts, manifest):
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
