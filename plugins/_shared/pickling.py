"""Pickling frozen, slotted dataclasses as their constructor arguments.

A dataclass made with `slots=True` pickles through `dataclasses.fields()` once per object
(its generated `__getstate__`/`__setstate__`). Memos and manifests hold tens of thousands
of such objects, which made every one-off build spend 0.2-0.3 s pickling them.
`@pickled_as_arguments` (above `@dataclass`) makes them pickle as `cls(*field values)`,
with the field names read once, so a field added later is never left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def pickled_as_arguments(cls: type[T]) -> type[T]:
    """Make the dataclass `cls` pickle as a call with its field values, in order."""
    names = tuple(spec.name for spec in dataclasses.fields(cls))  # type: ignore[arg-type]
    if any(not spec.init for spec in dataclasses.fields(cls)):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: every field must be an __init__ argument")

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
