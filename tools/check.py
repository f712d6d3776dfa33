"""`blog check`: the pull-request linter, without a build.

Reads pelicanconf.py and every content file, runs the same rules the build runs
(plugins.content_checks.site.check_site) and formats the problems for people (text),
scripts (json), GitHub Actions annotations (github) or a GitLab Code Quality report
(gitlab). `--changed-since REF` reports only files changed since REF, while the link
checks still see the whole site.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from plugins._shared.problems import BlogError, Problem, ProblemReport, Severity
from plugins.content_checks.site import SiteSettings, check_site, read_site
from plugins.people.generator import load_profiles
from tools.build import load_settings

FORMATS = ("text", "json", "github", "gitlab")


@dataclass(slots=True)
class CheckResult(ProblemReport):
    """The problems found, how many files were checked and how long it took."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0


def changed_files(root: Path, ref: str) -> frozenset[PurePosixPath]:
    """Return the site-relative paths changed since the merge base of `ref` and HEAD.

    Committed, staged, unstaged and untracked changes all count; deleted files do not.
    """
    import git

    root = root.resolve()
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise BlogError(
            f"{root}: not inside a git repository; --changed-since needs one"
        ) from error
    try:
        bases = repo.merge_base(ref, "HEAD")
        base = bases[0] if bases else repo.commit(ref)
    except (git.GitCommandError, git.BadName, ValueError) as error:
        raise BlogError(
            f"--changed-since {ref}: git does not know this revision; fetch it first "
            f"(e.g. git fetch origin main) or check the name"
        ) from error
    names = {d.b_path for d in base.diff(None) if not d.deleted_file and d.b_path}
    names.update(repo.untracked_files)
    top = Path(repo.working_tree_dir or root).resolve()
    changed = set()
    for name in names:
        absolute = top / name
        if absolute.is_relative_to(root):
            changed.add(PurePosixPath(absolute.relative_to(root).as_posix()))
    return frozenset(changed)


def _named_paths(root: Path, paths: Iterable[Path]) -> list[PurePosixPath]:
    named = []
    for path in paths:
        absolute = path if path.is_absolute() else Path.cwd() / path
        absolute = absolute.resolve()
        if not absolute.exists():
            raise BlogError(f"{path}: no such file or folder")
        if not absolute.is_relative_to(root):
            raise BlogError(f"{path}: not inside the site root {root}")
        named.append(PurePosixPath(absolute.relative_to(root).as_posix()))
    return named


def check_content(
    root: Path, paths: Sequence[Path] = (), changed_since: str | None = None
) -> CheckResult:
    """Check the site at `root`; report only `paths` and/or files changed since a git ref."""
    started = time.perf_counter()
    root = root.resolve()
    settings = load_settings(root, {})
    content_dir = Path(settings["PATH"])
    site = read_site(content_dir, settings)
    prefix = PurePosixPath(content_dir.relative_to(root).as_posix())
    sources = {
        prefix / PurePosixPath(*s.path.parts[1:]): s.path for s in site.sources
    }  # root-relative -> reported (content-relative-with-folder) path
    selected: set[PurePosixPath] | None = None
    if paths:
        named = _named_paths(root, paths)
        selected = {
            rel
            for rel in sources
            if any(rel == n or n in rel.parents or n == PurePosixPath(".") for n in named)
        }
    if changed_since is not None:
        changed = changed_files(root, changed_since)
        selected = (set(sources) if selected is None else selected) & changed
    only = None if selected is None else frozenset(sources[rel] for rel in selected)
    problems = check_site(site, SiteSettings.from_settings(settings), only)
    # Profiles and teams are checked by the people plugin; the same rules run here so
    # `blog check` reports exactly what a build would.
    _, _, profile_problems = load_profiles(content_dir, settings)
    problems += [p for p in profile_problems if only is None or p.path in only]
    problems.sort(key=lambda p: (str(p.path), p.line, p.code))
    files = len(site.sources) if only is None else len(only)
    return CheckResult(problems, files, time.perf_counter() - started)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(problems: Iterable[Problem]) -> str:
    """Format problems as GitHub Actions workflow commands (`::error file=...::message`)."""
    lines = []
    for p in problems:
        level = "error" if p.severity is Severity.ERROR else "warning"
        lines.append(
            f"::{level} file={_escape_property(str(p.path))},line={p.line},"
            f"title={_escape_property(p.code)}::{_escape_data(p.message)}"
        )
    return "\n".join(lines)


def gitlab_report(problems: Iterable[Problem]) -> list[dict[str, object]]:
    """Return a GitLab Code Quality report (Code Climate issues) for the problems.

    The fingerprint hashes path, code and message (not the line), so an unrelated edit
    above a problem does not make GitLab see it as new; repeats get an occurrence number.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    report: list[dict[str, object]] = []
    for p in problems:
        key = (str(p.path), p.code, p.message)
        seen[key] += 1
        digest = hashlib.sha256("\0".join([*key, str(seen[key])]).encode()).hexdigest()
        report.append(
            {
                "type": "issue",
                "check_name": p.code,
                "description": f"{p.message} [{p.code}]",
                "severity": "major" if p.severity is Severity.ERROR else "minor",
                "fingerprint": digest,
                "location": {"path": str(p.path), "lines": {"begin": p.line}},
            }
        )
    return report


def format_problems(problems: list[Problem], output_format: str) -> str:
    """Render problems in one of FORMATS; empty problems give an empty text or `[]`."""
    if output_format == "text":
        return "\n".join(str(p) for p in problems)
    if output_format == "json":
        return json.dumps([p.to_json() for p in problems], indent=2)
    if output_format == "github":
        return github_annotations(problems)
    if output_format == "gitlab":
        return json.dumps(gitlab_report(problems), indent=2)
    raise BlogError(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")
