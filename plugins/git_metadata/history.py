"""Read a repository's history once and index it by file, following renames.

`read_history` runs ONE `git log --name-status -M` over the content folder (not one git
call per post) and walks it newest first. A rename `R old new` makes every older commit
that touched `old` count for the file's current name; a deletion ends a name's history so
a later file of the same name does not inherit it. `git status` (one more call) marks
files that are new or changed but not committed yet.
"""

# os.path on plain strings in RepoHistory.relative: it runs for every post of every build.
# ruff: noqa: PTH118

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from plugins._shared.problems import BlogError

# Control characters git never emits in names or dates: record and field separators.
_RECORD = "\x1e"
_FIELD = "\x1f"
_FORMAT = (
    f"--format={_RECORD}%H{_FIELD}%aI{_FIELD}%an{_FIELD}%ae{_FIELD}%(trailers:only,unfold){_FIELD}"
)
_IDENTITY = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+)>\s*$")
TRAILER_ROLES = {"co-authored-by": "co-author", "reviewed-by": "reviewer"}


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as git records them: a display name and an email address."""

    name: str
    email: str

    @property
    def key(self) -> str:
        """The case-insensitive email used to match a profile."""
        return self.email.strip().lower()


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit that touched a file: who wrote it, when, and who it credits."""

    sha: str
    date: datetime
    author: Identity
    # (role, identity) from Co-authored-by / Reviewed-by trailers.
    credits: tuple[tuple[str, Identity], ...] = ()


@dataclass(frozen=True, slots=True)
class FileHistory:
    """What history says about one file.

    `commits` are newest first. `created` is None when it is unknown (no commits, or the
    oldest commit we can see is the boundary of a shallow clone). `uncommitted` is true for
    files with changes git has not recorded (their `updated` is the file's mtime).
    """

    commits: tuple[Commit, ...] = ()
    created: datetime | None = None
    updated: datetime | None = None
    uncommitted: bool = False

    def credited(self) -> list[tuple[Identity, tuple[str, ...]]]:
        """Everyone the history credits, first appearance first, with their roles."""
        roles: dict[str, tuple[Identity, list[str]]] = {}
        for commit in reversed(self.commits):
            for role, who in (("commit", commit.author), *commit.credits):
                entry = roles.setdefault(who.key, (who, []))
                if role not in entry[1]:
                    entry[1].append(role)
        return [(who, tuple(found)) for who, found in roles.values()]


# A folder's resolved path and the names of its entries that are symbolic links (None:
# the folder could not be listed), by folder: one build's (RepoHistory.relative).
Folders = dict[str, tuple[str, frozenset[str] | None]]


def _symlinks(folder: str) -> frozenset[str] | None:
    try:
        with os.scandir(folder) as entries:
            return frozenset(entry.name for entry in entries if entry.is_symlink())
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class RepoHistory:
    """The history of every file under one folder of a repository."""

    root: Path
    shallow: bool
    files: dict[PurePosixPath, FileHistory] = field(default_factory=dict)

    def for_file(self, path: Path) -> FileHistory | None:
        """Return the history of `path` (absolute or relative to the root), if any."""
        return self.files.get(self.relative(path))

    def relative(self, path: Path, folders: Folders | None = None) -> PurePosixPath:
        """Name `path` relative to the repository root, with forward slashes.

        Raises ValueError for a path outside the repository. `folders` remembers, across
        the calls of one build, each folder's resolved path and which of its entries are
        symbolic links (one directory listing instead of a check per file): a path that
        is not a symlink resolves to its resolved folder plus its name.
        """
        text = os.path.join(self.root, path)  # an absolute path replaces the root
        if folders is None:
            resolved = os.path.realpath(text)
        else:
            parent, name = os.path.split(text)
            found = folders.get(parent)
            if found is None:
                found = folders[parent] = (os.path.realpath(parent), _symlinks(parent))
            real, links = found
            if name in ("", ".", "..") or links is None or name in links:
                resolved = os.path.realpath(text)
            else:
                resolved = f"{real}/{name}"
        root = str(self.root)
        if not resolved.startswith(root + "/"):
            return PurePosixPath(*Path(resolved).relative_to(self.root).parts)  # or raises
        return PurePosixPath(resolved[len(root) + 1 :])


def parse_identity(text: str) -> Identity | None:
    """Parse `Name <email>`; None when there is no email in angle brackets."""
    match = _IDENTITY.match(text)
    if match is None:
        return None
    return Identity(match["name"] or match["email"], match["email"])


def parse_trailers(text: str) -> tuple[tuple[str, Identity], ...]:
    """Return (role, identity) for each Co-authored-by / Reviewed-by trailer line."""
    found: list[tuple[str, Identity]] = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        role = TRAILER_ROLES.get(key.strip().lower())
        who = parse_identity(value) if role else None
        if role and who and (role, who) not in found:
            found.append((role, who))
    return tuple(found)


def follow_entry(status: str, paths: list[str], alias: dict[str, str | None]) -> str | None:
    """Return the file (by its newest name) a `--name-status` entry is about, or None.

    Walking history newest first, `alias` maps an older name to the name the file has now
    (a rename `R old new` records it); a deletion ends the chain, so a later file reusing a
    deleted name does not inherit the deleted file's history.
    """
    kind = status[:1]
    if kind == "R" and len(paths) == 2:
        old, new = paths
        target = alias.get(new, new)
        alias[old] = target
        return target
    if kind == "D":
        alias[paths[0]] = None
        return None
    return alias.get(paths[-1], paths[-1])


def _parse_entries(text: str) -> Iterator[tuple[str, list[str]]]:
    for line in text.splitlines():
        if line.strip():
            status, *paths = line.split("\t")
            yield status, paths


def parse_log(
    output: str, *, ignore_emails: Sequence[str] = (), boundary: Iterable[str] = ()
) -> dict[PurePosixPath, FileHistory]:
    """Index `git log --name-status -M` output (in our format, newest first) by file.

    Commits whose author email matches an `ignore_emails` pattern (bots, bulk imports)
    still move files along renames but neither credit anyone nor change dates.
    """
    ignored = [pattern.lower() for pattern in ignore_emails]
    shallow_roots = set(boundary)
    # Historical name -> current name (None: the file under that name was deleted).
    alias: dict[str, str | None] = {}
    commits: dict[str, list[Commit]] = {}
    for record in output.split(_RECORD)[1:]:
        sha, date, name, email, trailers, names = record.split(_FIELD, 5)
        commit = Commit(
            sha=sha,
            date=datetime.fromisoformat(date),
            author=Identity(name, email),
            credits=parse_trailers(trailers),
        )
        counts = not any(fnmatch.fnmatchcase(email.lower(), p) for p in ignored)
        for status, paths in _parse_entries(names):
            target = follow_entry(status, paths, alias)
            if counts and target is not None:
                commits.setdefault(target, []).append(commit)
    histories: dict[PurePosixPath, FileHistory] = {}
    for path, found in commits.items():
        oldest = found[-1]
        histories[PurePosixPath(path)] = FileHistory(
            commits=tuple(found),
            created=None if oldest.sha in shallow_roots else oldest.date,
            updated=found[0].date,
        )
    return histories


def parse_status(output: str) -> set[str]:
    """Return the paths `git status --porcelain` lists (new names for renames)."""
    paths: set[str] = set()
    for line in output.splitlines():
        if len(line) > 3:
            name = line[3:]
            paths.add(name.split(" -> ", 1)[1] if " -> " in name else name)
    return paths


def file_dates(path: Path) -> FileHistory:
    """History for a file git knows nothing about: its modification time, uncommitted."""
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return FileHistory(updated=mtime, uncommitted=True)


def read_history(
    folder: Path, *, ignore_emails: Sequence[str] = (), memo: dict[str, Any] | None = None
) -> RepoHistory | None:
    """Read the history of every file under `folder` in one `git log`; None if not a repo.

    `memo` (a build session's, kept between builds) remembers the parsed log with the
    commit HEAD named: while HEAD stays the same, only `git status` runs again.

    Raises:
        BlogError: git is present but the log command failed (its stderr is included).
    """
    try:
        import git
    except ImportError:  # GitPython refuses to import when no git executable is installed
        return None
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    except git.GitCommandNotFound:  # pragma: no cover - depends on the machine
        return None
    if repo.working_tree_dir is None:
        return None
    root = Path(repo.working_tree_dir).resolve()
    spec = Path(folder).resolve().relative_to(root).as_posix() or "."
    try:
        shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
        boundary: list[str] = []
        if shallow:
            shallow_file = Path(repo.git_dir) / "shallow"
            if shallow_file.is_file():
                boundary = shallow_file.read_text(encoding="ascii").split()
        key = (str(root), spec, tuple(ignore_emails), tuple(boundary), _head(repo))
        if memo is not None and key[-1] and memo.get("key") == key:
            logged: dict[PurePosixPath, FileHistory] = memo["files"]
        else:
            try:
                log = repo.git(c="core.quotepath=off").log(
                    _FORMAT, "--name-status", "-M", "--no-color", "--", spec
                )
            except git.GitCommandError as error:
                if "does not have any commits" not in str(error.stderr):
                    raise
                log = ""
            logged = parse_log(log, ignore_emails=ignore_emails, boundary=boundary)
            if memo is not None:
                memo.update(key=key, files=logged)
        status = repo.git(c="core.quotepath=off").status(
            "--porcelain", "--untracked-files=all", "--", spec
        )
    except git.GitCommandError as error:
        command = " ".join(str(part) for part in error.command)
        raise BlogError(f"{command} failed in {root}: {str(error.stderr).strip()}") from error
    files = dict(logged)
    for name in parse_status(status):
        path = root / name
        if not path.is_file():
            continue
        known = files.get(PurePosixPath(name), FileHistory())
        mtime = file_dates(path).updated
        files[PurePosixPath(name)] = FileHistory(
            commits=known.commits,
            created=known.created,
            updated=max(d for d in (known.updated, mtime) if d is not None),
            uncommitted=True,
        )
    return RepoHistory(root=root, shallow=shallow, files=files)


def _head(repo: Any) -> str:
    """The commit HEAD names ("" when there is none yet)."""
    try:
        return str(repo.head.commit.hexsha)
    except ValueError:  # no commits yet
        return ""
