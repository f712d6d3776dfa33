"""A small persistent memo: results of pure computations, keyed by a digest of their inputs.

Builds recompute the same things from the same inputs (the sanitized HTML of an unchanged
post, the related posts of an unchanged set of titles and tags). A `DiskMemo` is one
pickle file in Pelican's CACHE_PATH; it is read on first use and written by `save()`
with only the entries used since it was read, so it never grows beyond one build's needs.
Keys must cover every input (`digest_of` plus a version string naming the code).

In a build session (plugins._shared.session, `blog preview`), `open_memo` hands every
build the same DiskMemo: it stays in memory (no pickle round trip per build) and is
written once, when the session closes.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from plugins._shared.session import session_of

DIGEST_SIZE = 20


def digest_of(*parts: bytes | str) -> bytes:
    """Return a key for `parts` (bytes as given, strings as UTF-8)."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.digest()


def source_digest(*files: str | Path) -> str:
    """Return a digest of source files, to put the code's version into keys."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for file in files:
        h.update(Path(file).read_bytes())
    return h.hexdigest()


class DiskMemo:
    """A dict of digest -> value, loaded from and saved to one pickle file."""

    def __init__(self, path: Path, *, deferred: bool = False) -> None:
        self.path = path
        self._old: dict[bytes, Any] | None = None
        self._used: dict[bytes, Any] = {}
        self._changed = False
        # In a session, save() waits for the session's close() (see open_memo).
        self.deferred = deferred

    def _load(self) -> dict[bytes, Any]:
        if self._old is None:
            try:
                with self.path.open("rb") as handle:
                    found = pickle.load(handle)
            except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError):
                found = {}
            self._old = found if isinstance(found, dict) else {}
        return self._old

    def get(self, key: bytes) -> Any | None:
        """Return the value stored under `key`, or None."""
        if key in self._used:
            return self._used[key]
        value = self._load().get(key)
        if value is not None:
            self._used[key] = value
        return value

    def put(self, key: bytes, value: Any) -> None:
        """Store `value` under `key`."""
        self._used[key] = value
        self._changed = True

    def save(self) -> None:
        """Write the entries used since loading (only when something was added or dropped)."""
        if self.deferred:
            return
        self.flush()

    def flush(self) -> None:
        """Write now, even when deferred."""
        if not self._changed and self._old is not None and len(self._old) == len(self._used):
            return
        if not self._changed and self._old is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.tmp")
        with temp.open("wb") as handle:
            pickle.dump(self._used, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temp.replace(self.path)
        self._old = dict(self._used)
        self._changed = False


def open_memo(settings: Any, path: Path) -> DiskMemo:
    """The memo stored at `path` for this build: the session's own one when in a session."""
    session = session_of(settings)
    if session is None:
        return DiskMemo(path)
    memos = session.lasting("diskmemo")
    found = memos.get(path)
    if not isinstance(found, DiskMemo):
        found = memos[path] = DiskMemo(path, deferred=True)
        session.defer(f"diskmemo:{path}", found.flush)
    return found
