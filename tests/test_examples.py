"""The CI, pre-commit and CODEOWNERS examples: valid YAML that calls real `blog` commands."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from tools.cli import cli

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SHELL_OPERATORS = {">", ">>", "|", "||", "&&", ";", "2>", "2>&1"}


def load(name: str) -> Any:
    return YAML(typ="safe").load((EXAMPLES / name).read_text(encoding="utf-8"))


def shell_lines(data: Any) -> Iterator[str]:
    """Yield every shell command in a workflow: `run:`, `script:`, `before_script:`, `entry:`."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("run", "entry") and isinstance(value, str):
                yield from value.splitlines()
            elif key in ("script", "before_script") and isinstance(value, list):
                yield from (line for line in value if isinstance(line, str))
            else:
                yield from shell_lines(value)
    elif isinstance(data, list):
        for item in data:
            yield from shell_lines(item)


def blog_commands(data: Any) -> list[list[str]]:
    """Return the argument lists of every `blog ...` call, up to a shell operator."""
    calls = []
    for line in shell_lines(data):
        words = shlex.split(line, comments=True)
        for index, word in enumerate(words):
            if word == "blog":
                args = []
                for arg in words[index + 1 :]:
                    if arg in SHELL_OPERATORS:
                        break
                    args.append(arg)
                calls.append(args)
    return calls


def assert_valid(args: list[str]) -> None:
    """Parse `blog args` with the real CLI: an unknown command or option raises."""
    name, rest = args[0], args[1:]
    command = cli.commands.get(name)
    assert command is not None, f"blog {name}: no such command"
    with cli.make_context("blog", [name], resilient_parsing=True) as parent:
        try:
            command.make_context(name, rest, parent=parent)
        except click.UsageError as error:  # pragma: no cover - the failure message
            pytest.fail(f"blog {' '.join(args)}: {error.format_message()}")


@pytest.mark.parametrize("name", ["ci/github-actions.yml", "ci/gitlab-ci.yml"])
def test_ci_examples_check_build_strict_and_publish_a_preview(name: str) -> None:
    data = load(name)
    calls = blog_commands(data)
    assert calls, name
    for args in calls:
        assert_valid(args)
    commands = [" ".join(args) for args in calls]
    assert any(c.startswith("check") and "--changed-since" in c for c in commands)
    assert any(c.startswith("build") and "--strict" in c for c in commands)
    assert any(c.startswith("build") and "--drafts" in c for c in commands)


def test_github_workflow_uploads_the_preview_and_annotates() -> None:
    steps = load("ci/github-actions.yml")["jobs"]["check-and-build"]["steps"]
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "preview/"
    assert any("--format github" in str(s.get("run", "")) for s in steps)
    assert steps[0]["with"]["fetch-depth"] == 0


def test_gitlab_pipeline_reports_code_quality_and_exposes_the_preview() -> None:
    data = load("ci/gitlab-ci.yml")
    assert (
        data["blog-check"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    )
    assert "gl-code-quality-report.json" in data["blog-check"]["script"][-1]
    assert data["blog-preview"]["artifacts"]["paths"] == ["preview/"]


def test_pre_commit_runs_blog_check_on_staged_content() -> None:
    (hook,) = load("pre-commit-config.yaml")["repos"][0]["hooks"]
    assert hook["pass_filenames"] is True and hook["files"] == r"^content/.*\.md$"
    (args,) = blog_commands({"entry": hook["entry"]})
    assert args[0] == "check"
    assert_valid([*args, "content/posts/2026/x.md"])


def test_codeowners_covers_featured_authors_and_platform() -> None:
    owners: dict[str, list[str]] = {}
    for line in (EXAMPLES / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *who = line.split()
            owners[pattern] = who
    assert owners["/content/featured.yml"] == ["@northwind/comms"]
    for folder in ("/themes/", "/plugins/", "/tools/"):
        assert owners[folder] == ["@northwind/platform"]
    for profile in sorted((REPO / "content/authors").glob("*.md")):
        assert owners[f"/content/authors/{profile.name}"] == [f"@{profile.stem}"]


def test_an_unknown_option_is_caught() -> None:
    with pytest.raises(pytest.fail.Exception, match="--no-such-option"):
        assert_valid(["check", "--no-such-option"])
    with pytest.raises(AssertionError, match="no such command"):
        assert_valid(["deploy"])
