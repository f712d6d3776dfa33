"""`blog new` and `blog new-author` in a real git repository."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from plugins._shared.metadata import read_header
from plugins._shared.problems import BlogError
from tests.conftest import MakeSite
from tools.cli import cli
from tools.new_post import new_post

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
PROFILE = "Name: Ana López\nTeam: storage\n\nBio.\n"


@pytest.fixture
def repo_site(make_site: MakeSite) -> Path:
    """A site with one author, committed to a git repository on main."""
    root = make_site(
        {
            "content/authors/ana-lopez.md": PROFILE,
            "content/teams/storage.md": "Name: Storage\n\nx\n",
        }
    )
    repo = git.Repo.init(root, initial_branch="main")
    repo.config_writer().set_value("user", "name", "T").set_value("user", "email", "t@x").release()
    repo.git.add(A=True)
    repo.git.commit(m="base")
    return root


def blog(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_new_creates_the_post_on_its_branch_and_prints_only_the_path(repo_site: Path) -> None:
    result = blog(
        "new", "Cutting CI time: part 1!", "--author", "ana-lopez", "--tag", "K8s",
        "--tag", "CI", "--series", "Faster CI", "--root", str(repo_site),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    year = datetime.now(UTC).year
    expected = repo_site / f"content/posts/{year}/cutting-ci-time-part-1.md"
    assert result.stdout == f"{expected}\n"
    assert "post/cutting-ci-time-part-1" in result.stderr
    assert git.Repo(repo_site).active_branch.name == "post/cutting-ci-time-part-1"
    header = read_header(expected.read_text(encoding="utf-8"))
    values = {key: field.value for key, field in header.fields.items()}
    assert values["title"] == "Cutting CI time: part 1!"
    assert values["authors"] == "ana-lopez"
    assert values["tags"] == "kubernetes, ci"  # normalised, with the alias applied
    assert values["series"] == "Faster CI"
    assert values["slug"] == "cutting-ci-time-part-1"
    assert values["status"] == "draft"
    assert values["date"].startswith(f"{year}-")
    text = expected.read_text(encoding="utf-8")
    assert "Modified: YYYY-MM-DD HH:MM" in text  # optional fields are explained, commented
    # The only thing left to fix is the summary placeholder.
    check = blog("check", "--root", str(repo_site), "--format", "json")
    assert [p["code"] for p in json.loads(check.stdout)] == ["placeholder"]


def test_new_never_overwrites_a_file_or_a_branch(repo_site: Path) -> None:
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    path = new_post(repo_site, "Hello", ["ana-lopez"], now=now)
    assert path.as_posix() == "content/posts/2026/hello.md"
    original = (repo_site / path).read_text(encoding="utf-8")
    repo = git.Repo(repo_site)
    repo.git.checkout("main")
    with pytest.raises(BlogError, match="already exists"):
        new_post(repo_site, "Hello", ["ana-lopez"], now=now, branch=False)
    # The same slug in another year is taken too.
    with pytest.raises(BlogError, match=r"2026/hello\.md already exists"):
        new_post(repo_site, "Hello", ["ana-lopez"], now=datetime(2027, 1, 1, tzinfo=UTC))
    assert (repo_site / path).read_text(encoding="utf-8") == original
    (repo_site / path).unlink()
    with pytest.raises(BlogError, match="branch 'post/hello' already exists"):
        new_post(repo_site, "Hello", ["ana-lopez"], now=now)
    assert not (repo_site / path).exists()  # nothing written when the branch check fails
    assert repo.active_branch.name == "main"


def test_unknown_author_names_the_command_to_create_one(repo_site: Path) -> None:
    result = blog("new", "Hi", "--author", "zoe-martin", "--root", str(repo_site))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "blog new-author zoe-martin" in result.stderr
    assert git.Repo(repo_site).active_branch.name == "main"


def test_new_outside_git_needs_no_branch(make_site: MakeSite) -> None:
    root = make_site({"content/authors/ana-lopez.md": PROFILE})
    result = blog("new", "Hi", "--author", "ana-lopez", "--root", str(root))
    assert result.exit_code == 1 and "--no-branch" in result.stderr
    result = blog("new", "Hi", "--author", "ana-lopez", "--no-branch", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).is_file()


def test_new_author_scaffolds_a_profile_once(repo_site: Path) -> None:
    result = blog("new-author", "bo-chen", "--root", str(repo_site))
    assert result.exit_code == 0, result.stderr
    path = repo_site / "content/authors/bo-chen.md"
    assert result.stdout == f"{path}\n"
    header = read_header(path.read_text(encoding="utf-8"))
    assert header.fields["name"].value == "Bo Chen"
    assert "storage" in header.fields["team"].value  # lists the teams to choose from
    assert set(header.fields) >= {"role", "email", "location", "expertise", "links"}
    again = blog("new-author", "bo-chen", "--root", str(repo_site))
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = blog("new-author", "Bo Chen", "--root", str(repo_site))
    assert bad.exit_code == 1 and "not a valid author slug" in bad.stderr
    # The new author can now write a post.
    assert blog("new", "First", "--author", "bo-chen", "--root", str(repo_site)).exit_code == 0
