"""The release layout on a publish target, and the pure decisions `blog publish` makes.

A release root looks like this (the web server serves `current/site`):

    <root>/releases/<id>/site/            the static site
    <root>/releases/<id>/search-index/    the Whoosh index, when the build made one
    <root>/releases/<id>/manifest.json    sha256 of every file above
    <root>/releases/<id>.partial/         an upload in progress (or killed): never served
    <root>/releases/<id>.deleting/        a release being pruned: never served
    <root>/current -> releases/<id>       switched by renaming a new symlink over it
    <root>/releases.log                   one JSON object per publish or rollback
    <root>/.publish.lock/details          held while a publish runs (mkdir is atomic)

Nothing here touches the disk or the network: targets (tools/targets.py) do that.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from plugins._shared.problems import BlogError

RELEASES_DIR = "releases"
CURRENT = "current"
CURRENT_TMP = ".current.tmp"
LOG_FILE = "releases.log"
LOCK_DIR = ".publish.lock"
LOCK_DETAILS = "details"
MANIFEST = "manifest.json"
PARTIAL_SUFFIX = ".partial"
DELETING_SUFFIX = ".deleting"
COMPONENTS = ("site", "search-index")
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
RELEASE_ID = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)-(?P<commit>[0-9A-Za-z]+)$")
CHUNK = 1024 * 1024


class PublishError(BlogError):
    """A publish, rollback or listing failed; the message names the target."""


@dataclass(frozen=True, slots=True)
class ReleaseId:
    """`<UTC timestamp>-<git short sha>`, ordered by time (ids are unique per target)."""

    stamp: datetime
    commit: str

    @classmethod
    def parse(cls, text: str) -> ReleaseId | None:
        """Return the id for a release folder name, or None for anything else."""
        match = RELEASE_ID.match(text)
        if not match:
            return None
        try:
            stamp = datetime.strptime(match["stamp"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return None
        return cls(stamp, match["commit"])

    def __str__(self) -> str:
        return f"{self.stamp.strftime(TIMESTAMP_FORMAT)}-{self.commit}"


def new_release_id(now: datetime, commit: str, existing: Iterable[str]) -> ReleaseId:
    """Return an id for `commit` later than every existing one, so id order is publish order.

    Two publishes in the same second (or a target whose newest release is ahead of this
    clock) get the next free second instead of a clash.
    """
    stamp = now.astimezone(UTC).replace(microsecond=0)
    parsed = [r for r in (ReleaseId.parse(name) for name in existing) if r is not None]
    if parsed:
        stamp = max(stamp, max(r.stamp for r in parsed) + timedelta(seconds=1))
    token = re.sub(r"[^0-9A-Za-z]", "", commit) or "unknown"
    return ReleaseId(stamp, token)


def release_names(names: Iterable[str]) -> list[str]:
    """Return the complete release folder names among `names`, oldest first."""
    found = [(r, n) for n in names if (r := ReleaseId.parse(n)) is not None]
    return [name for _, name in sorted(found, key=lambda pair: (pair[0].stamp, pair[1]))]


def leftover_names(names: Iterable[str]) -> list[str]:
    """Return the unfinished uploads and half-pruned releases among `names`."""
    return sorted(
        n
        for n in names
        if n.endswith((PARTIAL_SUFFIX, DELETING_SUFFIX)) and "/" not in n and n not in ("", ".")
    )


# --- manifests --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """The content hash of every file in a release, keyed by POSIX path (`site/index.html`)."""

    files: Mapping[str, str]
    sizes: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the manifest as stored in `<release>/manifest.json`."""
        data = {
            "version": 1,
            "files": {
                p: {"sha256": h, "size": self.sizes.get(p, 0)} for p, h in self.files.items()
            },
        }
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Parse a stored manifest; `where` names it in the error."""
        try:
            data = json.loads(text)
            entries = data["files"]
            files = {str(p): str(e["sha256"]) for p, e in entries.items()}
            sizes = {str(p): int(e.get("size", 0)) for p, e in entries.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise PublishError(f"{where}: not a release manifest ({error})") from error
        return cls(files, sizes)

    @property
    def total_bytes(self) -> int:
        """Return the size of the whole release."""
        return sum(self.sizes.values())


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's content."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def scan_bundle(components: Mapping[str, Path]) -> Manifest:
    """Hash every file of a build (`{"site": dir, "search-index": dir}`) into a manifest.

    Raises PublishError for symlinks and special files: a release holds plain files only,
    so nothing in it can point outside it.
    """
    files: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for name, folder in sorted(components.items()):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                raise PublishError(f"{path}: symlinks cannot be published; copy the file instead")
            if path.is_dir():
                continue
            if not path.is_file():
                raise PublishError(f"{path}: not a regular file; it cannot be published")
            key = f"{name}/{relative}"
            files[key] = file_sha256(path)
            sizes[key] = path.stat().st_size
    return Manifest(files, sizes)


@dataclass(frozen=True, slots=True)
class Changes:
    """What a release adds, changes and removes compared with the live one."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int

    def counts(self) -> dict[str, int]:
        """Return the counts written to the release log and the JSON summary."""
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
        }

    def lines(self) -> list[str]:
        """Return `A path`, `M path`, `D path` lines, sorted by path."""
        tagged = (
            [("A", p) for p in self.added]
            + [("M", p) for p in self.changed]
            + [("D", p) for p in self.removed]
        )
        return [f"{tag} {path}" for tag, path in sorted(tagged, key=lambda t: (t[1], t[0]))]


def diff_manifests(old: Manifest | None, new: Manifest) -> Changes:
    """Compare the live release (None when there is none) with the new one."""
    before = dict(old.files) if old else {}
    added = sorted(p for p in new.files if p not in before)
    changed = sorted(p for p in new.files if p in before and before[p] != new.files[p])
    removed = sorted(p for p in before if p not in new.files)
    unchanged = len(new.files) - len(added) - len(changed)
    return Changes(added, changed, removed, unchanged)


def compare_to_manifest(manifest: Manifest, found: Mapping[str, str]) -> list[str]:
    """Return what differs between an uploaded release (`path -> sha256`) and its manifest."""
    problems = [f"missing {p}" for p in sorted(manifest.files) if p not in found]
    problems += [
        f"content differs: {p}"
        for p in sorted(manifest.files)
        if p in found and found[p] != manifest.files[p]
    ]
    problems += [f"unexpected file {p}" for p in sorted(found) if p not in manifest.files]
    return problems


def parse_sha256sum_z(output: bytes, prefix: str = "./") -> dict[str, str]:
    """Parse `sha256sum -z` output (`<hex>  <path>\\0` records) into `path -> sha256`."""
    found: dict[str, str] = {}
    for record in output.split(b"\0"):
        if not record:
            continue
        text = record.decode("utf-8", errors="surrogateescape")
        digest, _, path = text.partition("  ")
        path = path.removeprefix(prefix)
        found[path] = digest.lstrip("\\")
    return found


# --- pruning, logs, locks ---------------------------------------------------------------


def releases_to_prune(
    releases: Iterable[str], keep: int, protected: Iterable[str | None]
) -> list[str]:
    """Return the releases beyond the newest `keep`, never one in `protected`.

    `protected` holds the release `current` points to and the previous one (the rollback
    target); they survive whatever `keep` says.
    """
    ordered = release_names(releases)
    keep_set = set(ordered[-keep:] if keep > 0 else [])
    keep_set.update(p for p in protected if p)
    return [name for name in ordered if name not in keep_set]


def previous_release(releases: Iterable[str], current: str | None) -> str | None:
    """Return the newest release older than `current` (the default rollback target)."""
    ordered = release_names(releases)
    if current not in ordered:
        return ordered[-1] if ordered and current is None else None
    index = ordered.index(current)
    return ordered[index - 1] if index > 0 else None


@dataclass(frozen=True, slots=True)
class LockDetails:
    """Who holds a target's publish lock, written to `<root>/.publish.lock/details`."""

    pid: int
    host: str
    user: str
    time: str
    command: str = "publish"

    def to_json(self) -> str:
        """Return the details file content."""
        return json.dumps(asdict(self), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LockDetails | None:
        """Parse a details file; None when it is missing or unreadable."""
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                host=str(data["host"]),
                user=str(data["user"]),
                time=str(data["time"]),
                command=str(data.get("command", "publish")),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        """Return `publish by alice on host1 (pid 42) since <time>`."""
        return f"{self.command} by {self.user} on {self.host} (pid {self.pid}) since {self.time}"


def log_line(entry: Mapping[str, Any]) -> str:
    """Return one release-log line (compact JSON, newline-terminated)."""
    return json.dumps(dict(entry), sort_keys=True, separators=(",", ":")) + "\n"


def parse_log(text: str) -> list[dict[str, Any]]:
    """Return the release-log entries, skipping lines a crash may have cut short."""
    entries = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            entries.append(value)
    return entries


def bundle_components(folder: Path) -> dict[str, Path]:
    """Return the parts of a build folder to publish: `site/` and, if present, `search-index/`.

    A folder without `site/` that holds `index.html` is taken as the site itself.
    """
    if (folder / "site").is_dir():
        parts = {"site": folder / "site"}
        if (folder / "search-index").is_dir():
            parts["search-index"] = folder / "search-index"
        return parts
    if (folder / "index.html").is_file():
        return {"site": folder}
    raise PublishError(
        f"{folder}: no site/ folder and no index.html; pass a build output (with site/) "
        "or a built site"
    )


def release_path(name: str) -> PurePosixPath:
    """Return the path of a release folder relative to the release root."""
    return PurePosixPath(RELEASES_DIR, name)
