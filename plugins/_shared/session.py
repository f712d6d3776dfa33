"""A build session: what a long-running process (`blog preview`) keeps between builds.

A fresh `blog build` re-reads every cache from CACHE_PATH (pickles), re-checks every file
and re-parses every template. A process that builds again and again (preview) owns one
`BuildSession` and passes it to each build; tools.build puts it into the settings under
`BUILD_SESSION` (a runtime value, never written in pelicanconf.py; every plugin that reads
it names it in its docstring). Plugins keep in it what they would otherwise load from
disk or recompute, and every entry is only ever reused under the same conditions as its
on-disk counterpart:

- `lasting(owner)`: a dict per owner for values checked on every use by what they were
  computed from (file stamps, content digests, template source checksums), e.g. Pelican's
  reader cache, DiskMemos, compiled templates. Survives failed builds.
- `volatile(owner)`: a dict per owner for values that describe the *last successful
  build's output* (the fastbuild manifest and which files are on disk); dropped when a
  build fails, so the next build starts from what is really on disk.

Both are dropped when the settings or our plugins' code change (`adopt`). Deferred writes
(`defer`) run at `close()`: a session does not pickle its caches after every build.
The object is deliberately opaque (slots, a constant repr) so digests of the settings do
not walk into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SETTING = "BUILD_SESSION"


class BuildSession:
    """In-memory state shared by the builds of one process."""

    __slots__ = ("_deferred", "_key", "_lasting", "_volatile", "builds")

    def __init__(self) -> None:
        self._key: bytes | None = None
        self._lasting: dict[str, dict[Any, Any]] = {}
        self._volatile: dict[str, dict[Any, Any]] = {}
        self._deferred: dict[str, Callable[[], None]] = {}
        self.builds = 0

    def __repr__(self) -> str:
        return "BuildSession()"

    # Objects that hold the settings (Pelican's URLWrappers) are pickled into caches and
    # copied: a session is never part of that, it pickles as None and copies as itself.
    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_detached, ())

    def __copy__(self) -> BuildSession:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> BuildSession:
        return self

    def adopt(self, key: bytes) -> bool:
        """Start a build whose settings and code digest to `key`; False: state was dropped."""
        self.builds += 1
        if key == self._key:
            return True
        self.close()
        self._lasting.clear()
        self._volatile.clear()
        self._key = key
        return False

    def is_current(self, key: bytes) -> bool:
        """Whether the last build's settings and code digested to `key` (nothing adopted)."""
        return self._key is not None and key == self._key

    def lasting(self, owner: str) -> dict[Any, Any]:
        """The owner's state that stays valid across builds (checked on every use)."""
        return self._lasting.setdefault(owner, {})

    def volatile(self, owner: str) -> dict[Any, Any]:
        """The owner's state about the last successful build's output."""
        return self._volatile.setdefault(owner, {})

    def failed(self) -> None:
        """A build raised: forget everything that describes its (unknown) output."""
        self._volatile.clear()

    def defer(self, name: str, write: Callable[[], None]) -> None:
        """Run `write` at close() (a later call with the same name replaces it)."""
        self._deferred[name] = write

    def close(self) -> None:
        """Run the deferred writes (save caches to disk for the next process)."""
        deferred, self._deferred = self._deferred, {}
        for write in deferred.values():
            write()


def _detached() -> None:
    return None


def session_of(settings: Any) -> BuildSession | None:
    """The session a build runs in, or None for a one-off build."""
    found = settings.get(SETTING) if hasattr(settings, "get") else None
    return found if isinstance(found, BuildSession) else None
