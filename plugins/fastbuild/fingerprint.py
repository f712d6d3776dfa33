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
# Dataclasses with at most this many fields are encoded inline rather than memoized.
_INLINE_FIELDS = 6

# An attribute encoded in fewer bytes than this stands for itself instead of its digest.
_INLINE_BYTES = DIGEST_SIZE * 3

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
        # id -> (content object kept alive, its encoding as a reference)
        self._refs: dict[int, tuple[Any, bytes]] = {}
        self._opaque = {id(o): f"opaque-{n}".encode() for n, o in enumerate(opaque)}
        self._stack: set[int] = set()
        self._cycles = 0
        self._nonce = os.urandom(DIGEST_SIZE)
        self._dataclass_fields: dict[type, tuple[str, ...]] = {}
        # Exact types encoded without walking the isinstance chain.
        self._exact: dict[type, Callable[[list[bytes], Any], None]] = {
            str: self._str,
            int: self._number,
            float: self._number,
            bool: self._number,
            type(None): self._number,
            list: self._sequence,
            tuple: self._sequence,
            dict: self._mapping,
        }

    def digest(self, value: Any) -> bytes:
        """Return the digest of `value` (content objects by reference)."""
        out: list[bytes] = []
        self._feed(out, value)
        return hashlib.blake2b(b"".join(out), digest_size=DIGEST_SIZE).digest()

    def fields(
        self,
        obj: Any,
        exclude: frozenset[str],
        mirrored: str = "",
        known: Callable[[str, Any, Callable[[], bytes]], bytes] | None = None,
    ) -> bytes:
        """Return the digest of an object's own attributes, except `exclude`.

        `mirrored` names a dict attribute whose entries usually are the very objects held
        by the attribute of the same (lower-case) name, as Pelican's `metadata` is: such
        entries are encoded as "same as the attribute" instead of a second time.
        `known(name, value, compute)`, when given, returns each attribute's digest: one
        remembered from an earlier build, or `compute()` (`attribute`'s result).
        """
        attributes = vars(obj)
        h = hashlib.blake2b(type(obj).__qualname__.encode(), digest_size=DIGEST_SIZE)
        attribute = self.attribute
        for name in sorted(attributes):
            if name in exclude:
                continue
            if known is None:
                found = attribute(attributes, name, exclude, mirrored)
            else:
                compute = functools.partial(attribute, attributes, name, exclude, mirrored)
                found = known(name, attributes[name], compute)
            h.update(b"\x00k%d:%s%d:%s" % (len(name), name.encode(), len(found), found))
        return h.digest()

    def attribute(
        self, attributes: Mapping[str, Any], name: str, exclude: frozenset[str], mirrored: str
    ) -> bytes:
        """Return the digest of one attribute of an object's `attributes` (see `fields`).

        A short encoding is returned as itself (prefixed with "=", and never of a
        digest's length), which costs less than hashing it.
        """
        out: list[bytes] = []
        value = attributes[name]
        if name == mirrored and type(value) is dict and all(type(k) is str for k in value):
            out.append(b"\x16%d" % len(value))
            for key in sorted(value):
                self._str(out, key)
                item = value[key]
                if key.lower() not in exclude and attributes.get(key.lower(), out) is item:
                    out.append(b"\x17")  # the attribute of that name, encoded on its own
                else:
                    self._feed(out, item)
        else:
            self._feed(out, value)
        data = b"".join(out)
        if len(data) < _INLINE_BYTES and len(data) != DIGEST_SIZE - 1:
            return b"=" + data  # cheaper than hashing; never as long as a digest
        return hashlib.blake2b(data, digest_size=DIGEST_SIZE).digest()

    def _sub(self, value: Any, encode: Callable[[list[bytes], Any], None]) -> bytes:
        """Digest a compound value on its own, memoized unless it closed a cycle."""
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
            out: list[bytes] = []
            encode(out, value)
            result = hashlib.blake2b(b"".join(out), digest_size=DIGEST_SIZE).digest()
        finally:
            self._stack.discard(key)
        if self._cycles == cycles:
            self._memo[key] = (value, result)
        return result

    def _str(self, out: list[bytes], value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        out.append(b"\x02%d:" % len(data))
        out.append(data)

    def _number(self, out: list[bytes], value: Any) -> None:
        out.append(b"\x03" + repr(value).encode())

    def _sequence(self, out: list[bytes], value: Any) -> None:
        if id(value) in self._opaque:
            out.append(b"\x05" + self._opaque[id(value)])
            return
        out.append(b"\x07" + type(value).__qualname__.encode() + b"%d" % len(value))
        if len(value) >= _MEMO_MIN_LEN:
            out.append(self._sub(value, self._encode_items))
        else:
            self._encode_items(out, value)

    def _mapping(self, out: list[bytes], value: Any) -> None:
        if id(value) in self._opaque:
            out.append(b"\x05" + self._opaque[id(value)])
            return
        out.append(b"\x08" + type(value).__qualname__.encode() + b"%d" % len(value))
        if len(value) >= _MEMO_MIN_LEN:
            out.append(self._sub(value, self._encode_mapping))
        else:
            self._encode_mapping(out, value)

    def _feed(self, out: list[bytes], value: Any) -> None:
        exact = self._exact.get(type(value))
        if exact is not None:
            exact(out, value)
            return
        kind = type(value)
        if isinstance(value, Content):
            found = self._refs.get(id(value))
            if found is None or found[0] is not value:
                key = content_key(value).encode("utf-8", "surrogatepass")
                found = self._refs[id(value)] = (value, b"\x04" + key + b"\x00")
            out.append(found[1])
        elif id(value) in self._opaque:
            out.append(b"\x05" + self._opaque[id(value)])
        elif isinstance(value, str):  # Markup and other str subclasses
            out.append(b"\x06" + kind.__qualname__.encode())
            self._str(out, str(value))
        elif isinstance(value, list | tuple):
            self._sequence(out, value)
        elif isinstance(value, Mapping):
            self._mapping(out, value)
        elif isinstance(value, set | frozenset):
            out.append(b"\x09%d" % len(value))
            out.append(self._sub(value, self._encode_set))
        elif isinstance(value, datetime.datetime | datetime.date | datetime.time):
            tz = getattr(value, "tzinfo", None)
            out.append(b"\x0a" + kind.__qualname__.encode() + value.isoformat().encode())
            out.append(b"@" + str(getattr(tz, "key", tz)).encode())
        elif isinstance(value, URLWrapper):
            # name and slug decide everything a URLWrapper shows (its URLs come from the
            # settings); its __dict__ changes shape when as_dict() has been called.
            out.append(b"\x0b" + kind.__qualname__.encode())
            self._feed(out, value.name)
            self._feed(out, value.slug)
        elif isinstance(value, int | float):  # int and float subclasses
            out.append(b"\x03" + kind.__qualname__.encode() + repr(value).encode())
        elif isinstance(value, bytes | bytearray):
            out.append(b"\x0c%d:" % len(value) + bytes(value))
        elif isinstance(value, enum.Enum):
            out.append(b"\x0d" + kind.__qualname__.encode())
            self._feed(out, value.value)
        elif isinstance(value, PurePath):
            out.append(b"\x0e" + str(value).encode("utf-8", "surrogatepass"))
        elif isinstance(value, datetime.timedelta | datetime.tzinfo | re.Pattern):
            out.append(b"\x0f" + repr(value).encode())
        elif isinstance(value, functools.partial):
            out.append(b"\x15")
            self._feed(out, (value.func, value.args, value.keywords))
        elif callable(value) and hasattr(value, "__qualname__") and not hasattr(value, "__self__"):
            # functions and classes: their code is covered by the code digest
            name = f"{getattr(value, '__module__', '')}.{value.__qualname__}"
            out.append(b"\x10" + name.encode())
        elif dataclasses.is_dataclass(value):
            out.append(b"\x11" + kind.__qualname__.encode())
            if len(self._field_names(value)) > _INLINE_FIELDS or id(value) in self._stack:
                out.append(self._sub(value, self._encode_dataclass))
            else:  # small value objects (a TOC entry, a file history): cheaper inline
                self._stack.add(id(value))
                try:
                    self._encode_dataclass(out, value)
                finally:
                    self._stack.discard(id(value))
        elif hasattr(value, "__dict__") and not hasattr(value, "__self__"):
            out.append(b"\x12" + kind.__qualname__.encode())
            out.append(self._sub(value, self._encode_object))
        else:
            text = repr(value)
            if _ADDRESS.search(text):
                out.append(b"\x13" + self._nonce)  # unknown: never equal to a past build
            else:
                out.append(b"\x14" + kind.__qualname__.encode() + text.encode())

    def _encode_items(self, out: list[bytes], value: Any) -> None:
        feed = self._feed
        for item in value:
            feed(out, item)

    def _encode_mapping(self, out: list[bytes], value: Any) -> None:
        if all(type(k) is str for k in value):
            for key in sorted(value):
                self._str(out, key)
                self._feed(out, value[key])
            return
        items = [(self.digest(k), v) for k, v in value.items()]
        for key, item in sorted(items, key=lambda pair: pair[0]):
            out.append(key)
            self._feed(out, item)

    def _encode_set(self, out: list[bytes], value: Any) -> None:
        out.extend(sorted(self.digest(v) for v in value))

    def _field_names(self, value: Any) -> tuple[str, ...]:
        names = self._dataclass_fields.get(type(value))
        if names is None:
            names = tuple(spec.name for spec in dataclasses.fields(value))
            self._dataclass_fields[type(value)] = names
        return names

    def _encode_dataclass(self, out: list[bytes], value: Any) -> None:
        for name in self._field_names(value):
            out.append(b"\x00f" + name.encode())
            self._feed(out, getattr(value, name))

    def _encode_object(self, out: list[bytes], value: Any) -> None:
        attributes = vars(value)
        for name in sorted(attributes):
            out.append(b"\x00a" + name.encode())
            self._feed(out, attributes[name])


def combine(parts: Iterable[bytes]) -> bytes:
    """Return one digest of a sequence of digests."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        h.update(part)
    return h.digest()


_PLAIN = frozenset({str, int, bool, type(None), bytes})
_WHEN = (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)


def same_digest(value: Any, old: Any) -> bool:
    """Whether `value` digests as `old` did, judged without digesting either.

    True only when that cannot change later without one of them changing: both are
    built from immutable leaves (str, numbers, dates, time zones, paths, frozen
    dataclasses and tuples of those), lists, dicts and URLWrappers compared item by
    item. Content objects are left out: a value that holds posts (related posts, people
    pages) is cheaper to digest (by reference, memoized per build) than to compare, and
    keeping it to compare with would keep a past build's posts alive. Anything else (an
    object that may change in place) is False: the caller digests it again.
    """
    kind = type(value)
    if kind is not type(old):
        return False
    if kind in _PLAIN:
        return value is old or bool(value == old)
    if value is old:
        return _immutable(value)
    if kind is float:
        return repr(value) == repr(old)
    if kind is list or kind is tuple:
        return len(value) == len(old) and all(map(same_digest, value, old))
    if kind is dict:
        return (
            len(value) == len(old)
            and all(type(key) is str for key in value)
            and all(key in old and same_digest(item, old[key]) for key, item in value.items())
        )
    if isinstance(value, URLWrapper):
        # Encoded as name and slug (see _feed); an empty slug is not compared (its
        # computation would log on the old object).
        return (
            type(value.name) is str
            and value.name == old.name
            and bool(value.slug)
            and type(value.slug) is str
            and value.slug == old.slug
        )
    if isinstance(value, PurePath):
        return str(value) == str(old)
    if isinstance(value, _WHEN):
        return bool(value == old) and getattr(value, "tzinfo", None) is getattr(old, "tzinfo", None)
    if _frozen_dataclass(kind):
        return all(
            same_digest(getattr(value, name), getattr(old, name))
            for name in kind.__dataclass_fields__
        )
    return False


def _immutable(value: Any) -> bool:
    kind = type(value)
    if kind in _PLAIN or kind is float or isinstance(value, _WHEN):
        return True
    if kind is list or kind is dict:
        return False
    if isinstance(value, datetime.tzinfo | PurePath):
        return True
    if kind is tuple or kind is frozenset:
        return all(map(_immutable, value))
    if _frozen_dataclass(kind):
        return all(_immutable(getattr(value, name)) for name in kind.__dataclass_fields__)
    return False


def _frozen_dataclass(kind: type) -> bool:
    params = getattr(kind, "__dataclass_params__", None)
    return bool(getattr(params, "frozen", False)) and "__dataclass_params__" in vars(kind)


def comparable(value: Any) -> bool:
    """Whether `same_digest` can ever say True of `value` (worth keeping to compare with)."""
    kind = type(value)
    if kind is list or kind is tuple:
        return all(map(comparable, value))
    if kind is dict:
        return all(type(key) is str and comparable(item) for key, item in value.items())
    if isinstance(value, URLWrapper):
        return True
    return _immutable(value)
