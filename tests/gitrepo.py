"""Real git repositories in tmp_path for history tests: commits with chosen authors and dates."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str, author: str = "Ana López <ana@example.com>", date: str = "") -> str:
    """Run git in `repo` as `author` at `date` (ISO), isolated from the user's git config."""
    name, _, email = author.partition(" <")
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email.rstrip(">"),
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email.rstrip(">"),
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def commit(
    repo: Path, files: dict[str, str | None], message: str, *,
    author: str = "Ana López <ana@example.com>", date: str = "2026-01-01T10:00:00+00:00",
) -> None:  # fmt: skip
    """Write (or delete, for None) `files` and commit them all."""
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, author=author, date=date)
