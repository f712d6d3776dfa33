"""How long a post took from its first commit to landing on the main line.

Definition (what "time from first commit to merge" means on the stats page):

- first commit: the oldest commit touching the post's file, following renames, as
  plugins.git_metadata reads it (its author date; commits by GIT_METADATA_IGNORE_EMAILS
  accounts do not count);
- landing commit: the oldest commit on the FIRST-PARENT chain of the checked-out branch
  (normally main) that touches the file (following renames). For a pull request merged
  with a merge commit, that is the merge commit (its committer date);
- lead time = landing date - first commit date, in days.

A post is left out when history cannot show it: no history (not a git repository, or a
shallow clone that hides the first commit), or the landing commit IS the first commit (a
single commit pushed to main, a squash merge, a fast-forward or a rebase merge, where the
branch's commits sit on the main line themselves), or the dates run backwards.

ONE more `git log --first-parent --diff-merges=first-parent --name-status -M` over the
content folder gives every post's landing commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from plugins.git_metadata.history import FileHistory, follow_entry

_RECORD = "\x1e"
_FIELD = "\x1f"
_FORMAT = f"--format={_RECORD}%H{_FIELD}%cI{_FIELD}"


@dataclass(frozen=True, slots=True)
class Landing:
    """The commit that brought a file onto the main line."""

    sha: str
    date: datetime


def parse_landings(output: str) -> dict[PurePosixPath, Landing]:
    """Index first-parent `git log --name-status -M` output (newest first) by current name."""
    alias: dict[str, str | None] = {}
    found: dict[str, Landing] = {}
    for record in output.split(_RECORD)[1:]:
        sha, when, names = record.split(_FIELD, 2)
        commit = Landing(sha, datetime.fromisoformat(when.strip()))
        for line in names.splitlines():
            if not line.strip():
                continue
            status, *paths = line.split("\t")
            target = follow_entry(status, paths, alias)
            if target is not None:
                found[target] = commit  # walking newest first: the last one seen is the oldest
    return {PurePosixPath(path): landing for path, landing in found.items()}


def read_landings(folder: Path) -> dict[PurePosixPath, Landing]:
    """Landing commits of every file under `folder` (repository-relative keys); {} without git."""
    try:
        import git
    except ImportError:  # GitPython refuses to import when no git executable is installed
        return {}
    try:
        repo = git.Repo(folder, search_parent_directories=True)
        if repo.working_tree_dir is None:
            return {}
        root = Path(repo.working_tree_dir).resolve()
        spec = Path(folder).resolve().relative_to(root).as_posix() or "."
        output = repo.git(c="core.quotepath=off").log(
            _FORMAT, "--first-parent", "--diff-merges=first-parent", "--name-status", "-M",
            "--no-color", "--", spec,
        )  # fmt: skip
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return {}  # no repository, no commits yet: the figure just has no data
    return parse_landings(output)


def lead_days(history: FileHistory | None, landing: Landing | None) -> float | None:
    """Days from the first commit to the landing commit; None when history cannot show it."""
    if history is None or landing is None or not history.commits or history.created is None:
        return None
    first = history.commits[-1]
    if first.sha == landing.sha:
        return None
    seconds = (landing.date - first.date).total_seconds()
    return seconds / 86400 if seconds >= 0 else None
