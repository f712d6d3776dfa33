"""Stable digests of the values a page is rendered from.

A digest is a 16-byte BLAKE2b over a canonical encoding of a value graph: primitives by
value, containers element by element (dicts and sets in sorted order), dataclasses and
plain objects field by field. Two kinds of objects are never walked into:

- content objects (Pelican's Article, Page, Static) are *references*: a value that holds
  a post contributes the post's source path, not its state. The state of a post enters a
  page's fingerprint only when the template reads one of its attributes (the writer
  records that), as the post's *field digest* (`FieldDigests`).
- the settings and the global context dicts, which the writer fingerprints once per build.

Objects that cannot be encoded stably (an object whose only description is its memory
address) get a token unique to this build, so a page that depends on one is always
rendered again: unknown values cost speed, never correctness.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath
from typing import Any

from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

DIGEST_SIZE = 16
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Containers shorter than this are encoded inline rather than memoized.
_MEMO_MIN_LEN = 8

Encoder = Callable[[Any], bytes]


def content_key(content: Any) -> str:
    """Return the stable identity of a content object: its path relative to the content."""
    key = getattr(content, "relative_source_path", None) or getattr(content, "source_path", "")
    return str(key)


class ValueDigests:
    """Digest values for one build; results are memoized per object while it is alive."""

    def __init__(self, *, opaque: Iterable[Any] = ()) -> None:
        # id -> (object kept alive so the id stays unique, digest)
        self._memo: dict[int, tuple[Any, bytes]] = {}
        self._opaque = {id(o): f"opaque-{n}".encode() for n, o in enumerate(opaque)}
        self._stack: set[int] = set()
        self._cycles = 0
        self._nonce = os.urandom(DIGEST_SIZE)

    def digest(self, value: Any) -> bytes:
        """Return the digest of `value` (content objects by reference)."""
        h = hashlib.blake2b(digest_size=DIGEST_SIZE)
        self._feed(h, value)
        return h.digest()

    def fields(self, obj: Any, exclude: frozenset[str]) -> bytes:
        """Return the digest of an object's own attributes, except `exclude`."""
        h = hashlib.blake2b(digest_size=DIGEST_SIZE)
        h.update(type(obj).__qualname__.encode())
        attributes = vars(obj)
        for name in sorted(attributes):
            if name not in exclude:
                h.update(b"\x00k" + name.encode())
                self._feed(h, attributes[name])
        return h.digest()

    def _sub(self, value: Any, encode: Callable[[Any, Any], None]) -> bytes:
        """Digest a compound value on its own hasher, memoized unless it closed a cycle."""
        key = id(value)
        found = self._memo.get(key)
        if found is not None:
            return found[1]
        if key in self._stack:
            self._cycles += 1
            return b"cycle"
        cycles = self._cycles
        self._stack.add(key)
        try:
            h = hashlib.blake2b(digest_size=DIGEST_SIZE)
            encode(h, value)
            result = h.digest()
        finally:
            self._stack.discard(key)
        if self._cycles == cycles:
            self._memo[key] = (value, result)
        return result

    def _feed(self, h: Any, value: Any) -> None:
        kind = type(value)
        if value is None or kind is bool:
            h.update(b"\x01" + repr(value).encode())
        elif kind is str:
            data = value.encode("utf-8", "surrogatepass")
            h.update(b"\x02%d:" % len(data))
            h.update(data)
        elif kind is int or kind is float:
            h.update(b"\x03" + repr(value).encode())
        elif isinstance(value, Content):
            h.update(b"\x04" + content_key(value).encode("utf-8", "surrogatepass") + b"\x00")
        elif id(value) in self._opaque:
            h.update(b"\x05" + self._opaque[id(value)])
        elif isinstance(value, str):  # Markup and other str subclasses
            h.update(b"\x06" + kind.__qualname__.encode())
            self._feed(h, str(value))
        elif isinstance(value, list | tuple):
            h.update(b"\x07" + kind.__qualname__.encode() + b"%d" % len(value))
            if len(value) >= _MEMO_MIN_LEN:
                h.update(self._sub(value, self._encode_items))
            else:
                self._encode_items(h, value)
        elif isinstance(value, Mapping):
            h.update(b"\x08" + kind.__qualname__.encode() + b"%d" % len(value))
            h.update(self._sub(value, self._encode_mapping))
        elif isinstance(value, set | frozenset):
            h.update(b"\x09%d" % len(value))
            h.update(self._sub(value, self._encode_set))
        elif isinstance(value, datetime.datetime | datetime.date | datetime.time):
            tz = getattr(value, "tzinfo", None)
            h.update(b"\x0a" + kind.__qualname__.encode() + value.isoformat().encode())
            h.update(b"@" + str(getattr(tz, "key", tz)).encode())
        elif isinstance(value, URLWrapper):
            # name and slug decide everything a URLWrapper shows (its URLs come from the
            # settings); its __dict__ changes shape when as_dict() has been called.
            h.update(b"\x0b" + kind.__qualname__.encode())
            self._feed(h, value.name)
            self._feed(h, value.slug)
        elif isinstance(value, bytes | bytearray):
            h.update(b"\x0c%d:" % len(value) + bytes(value))
        elif isinstance(value, enum.Enum):
            h.update(b"\x0d" + kind.__qualname__.encode())
            self._feed(h, value.value)
        elif isinstance(value, PurePath):
            h.update(b"\x0e" + str(value).encode("utf-8", "surrogatepass"))
        elif isinstance(value, datetime.timedelta | datetime.tzinfo | re.Pattern):
            h.update(b"\x0f" + repr(value).encode())
        elif isinstance(value, functools.partial):
            h.update(b"\x15")
            self._feed(h, (value.func, value.args, value.keywords))
        elif callable(value) and hasattr(value, "__qualname__") and not hasattr(value, "__self__"):
            # functions and classes: their code is covered by the code digest
            h.update(b"\x10" + f"{getattr(value, '__module__', '')}.{value.__qualname__}".encode())
        elif dataclasses.is_dataclass(value):
            h.update(b"\x11" + kind.__qualname__.encode())
            h.update(self._sub(value, self._encode_dataclass))
        elif hasattr(value, "__dict__") and not hasattr(value, "__self__"):
            h.update(b"\x12" + kind.__qualname__.encode())
            h.update(self._sub(value, self._encode_object))
        else:
            text = repr(value)
            if _ADDRESS.search(text):
                h.update(b"\x13" + self._nonce)  # unknown: never equal to a past build
            else:
                h.update(b"\x14" + kind.__qualname__.encode() + text.encode())

    def _encode_items(self, h: Any, value: Any) -> None:
        for item in value:
            self._feed(h, item)

    def _encode_mapping(self, h: Any, value: Any) -> None:
        items = [(self.digest(k), v) for k, v in value.items()]
        for key, item in sorted(items, key=lambda pair: pair[0]):
            h.update(key)
            self._feed(h, item)

    def _encode_set(self, h: Any, value: Any) -> None:
        for item in sorted(self.digest(v) for v in value):
            h.update(item)

    def _encode_dataclass(self, h: Any, value: Any) -> None:
        for spec in dataclasses.fields(value):
            h.update(b"\x00f" + spec.name.encode())
            self._feed(h, getattr(value, spec.name))

    def _encode_object(self, h: Any, value: Any) -> None:
        attributes = vars(value)
        for name in sorted(attributes):
            h.update(b"\x00a" + name.encode())
            self._feed(h, attributes[name])


def combine(parts: Iterable[bytes]) -> bytes:
    """Return one digest of a sequence of digests."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        h.update(part)
    return h.digest()
