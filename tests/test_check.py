"""`blog check`: formats, exit codes, PATHS, --changed-since in a real git repo, build parity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from tests.conftest import MakeSite, post
from tools.cli import cli

REPO = Path(__file__).resolve().parent.parent
PROFILE = "Name: Ana López\nTeam: storage\n\nBio.\n"
TEAM = "Name: Storage\n\nWe store things.\n"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def run_check(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", "--root", str(root), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def site(make_site: MakeSite) -> Path:
    """A site with one clean post, one with a warning and one with an error."""
    return make_site(
        {
            "content/authors/ana-lopez.md": PROFILE,
            "content/teams/storage.md": TEAM,
            "content/posts/2026/clean.md": post("Clean", extra="Slug: clean"),
            "content/posts/2026/tagged.md": post("Tagged", tags="k8s", extra="Slug: tagged"),
            "content/posts/2026/leak.md": post(
                "Leak", extra="Slug: leak", body="password: hunter2hunter2"
            ),
        }
    )


def test_text_output_exit_codes_and_summary(site: Path) -> None:
    code, stdout, stderr = run_check(site)
    assert code == 1
    assert stdout.splitlines() == [
        "content/posts/2026/leak.md:7: this line looks like it holds a password; remove it and "
        "rotate the credential (git keeps history). If it is a harmless example, put "
        "<!-- check: allow secret --> on the line before [secret]",
        "content/posts/2026/tagged.md:4: use the tag 'kubernetes' instead of 'k8s' "
        "(CONTENT_CHECKS_TAG_ALIASES), so all posts on the topic share one tag page [tag-alias]",
    ]
    assert "Failed: 5 file(s)" in stderr and "1 error(s), 1 warning(s)" in stderr
    assert run_check(site, str(site / "content/posts/2026/clean.md"))[:2] == (0, "")
    # Warnings alone pass, and fail with --strict.
    assert run_check(site, str(site / "content/posts/2026/tagged.md"))[0] == 0
    assert run_check(site, "--strict", str(site / "content/posts/2026/tagged.md"))[0] == 1


def test_json_is_a_list_of_problems_on_stdout_only(site: Path) -> None:
    code, stdout, stderr = run_check(site, "--format", "json")
    assert code == 1
    problems = json.loads(stdout)
    assert [(p["path"], p["line"], p["code"], p["severity"]) for p in problems] == [
        ("content/posts/2026/leak.md", 7, "secret", "error"),
        ("content/posts/2026/tagged.md", 4, "tag-alias", "warning"),
    ]
    assert "[secret]" in stderr  # people reading the CI log still see the problems


def test_github_annotations(site: Path) -> None:
    _, stdout, _ = run_check(site, "--format", "github")
    lines = stdout.splitlines()
    assert lines[0].startswith(
        "::error file=content/posts/2026/leak.md,line=7,title=secret::this line looks like"
    )
    assert lines[1].startswith(
        "::warning file=content/posts/2026/tagged.md,line=4,title=tag-alias::"
    )


def test_gitlab_code_quality_report(site: Path) -> None:
    _, stdout, _ = run_check(site, "--format", "gitlab")
    report = json.loads(stdout)
    assert [(i["check_name"], i["severity"]) for i in report] == [
        ("secret", "major"),
        ("tag-alias", "minor"),
    ]
    first = report[0]
    assert first["location"] == {"path": "content/posts/2026/leak.md", "lines": {"begin": 7}}
    assert first["description"].endswith("[secret]")
    assert len({i["fingerprint"] for i in report}) == 2
    assert all(len(i["fingerprint"]) == 64 for i in report)


def test_paths_may_be_folders_and_must_exist(site: Path) -> None:
    code, stdout, _ = run_check(site, str(site / "content/posts"))
    assert code == 1 and "leak.md" in stdout
    code, _, stderr = run_check(site, str(site / "content/posts/2026/nope.md"))
    assert code == 1 and "nope.md: no such file" in stderr


def test_the_sample_site_passes_strict() -> None:
    code, stdout, stderr = run_check(REPO, "--strict")
    assert (code, stdout) == (0, ""), stdout + stderr


def test_build_reports_the_same_problems_as_check(make_site: MakeSite) -> None:
    body = "## A\n\n#### B\n\n![](/images/none.png)\n\n<iframe src='x'></iframe>"
    root = make_site(
        {
            "content/authors/ana-lopez.md": PROFILE,
            "content/teams/storage.md": TEAM,
            "content/posts/2026/x.md": post("X", tags="k8s", authors="bo-chen", body=body),
        }
    )
    _, stdout, _ = run_check(root, "--format", "json")
    checked = {(p["path"], p["line"], p["code"]) for p in json.loads(stdout)}
    result = CliRunner().invoke(cli, ["build", "--root", str(root), "--json"])
    built = {(p["path"], p["line"], p["code"]) for p in json.loads(result.stdout)["problems"]}
    assert checked == built
    assert {code for _, _, code in checked} == {
        "unknown-author", "tag-alias", "heading-skip", "image-alt", "missing-image", "raw-html",
    }  # fmt: skip


def commit_all(repo: git.Repo, message: str) -> None:
    repo.git.add(A=True)
    repo.git.commit(m=message)


@needs_git
def test_changed_since_reports_only_changed_files(make_site: MakeSite) -> None:
    root = make_site(
        {
            "content/authors/ana-lopez.md": PROFILE,
            "content/teams/storage.md": TEAM,
            "content/posts/2026/old.md": post("Old", tags="k8s", extra="Slug: old"),
        }
    )
    repo = git.Repo.init(root, initial_branch="main")
    repo.config_writer().set_value("user", "name", "T").set_value("user", "email", "t@x").release()
    commit_all(repo, "base")
    repo.git.checkout("-b", "post/new")
    body = "[old]({filename}/posts/2026/old.md) and [gone]({filename}/posts/2026/gone.md)"
    (root / "content/posts/2026/new.md").write_text(post("New", extra="Slug: new", body=body))
    commit_all(repo, "new post")
    (root / "content/posts/2026/draft.md").write_text(
        post("Draft", tags="k8s", extra="Slug: draft")
    )
    code, stdout, stderr = run_check(root, "--format", "json", "--changed-since", "main")
    found = {(p["path"], p["code"]) for p in json.loads(stdout)}
    # old.md's tag problem is not this branch's; new.md's link to old.md resolves.
    assert found == {
        ("content/posts/2026/new.md", "broken-link"),
        ("content/posts/2026/draft.md", "tag-alias"),
    }
    assert "2 file(s)" in stderr
    code, _, stderr = run_check(root, "--changed-since", "no-such-branch")
    assert code == 1 and "git does not know this revision" in stderr


def test_changed_since_outside_git_is_a_clear_error(site: Path) -> None:
    code, _, stderr = run_check(site, "--changed-since", "main")
    assert code == 1 and "not inside a git repository" in stderr
