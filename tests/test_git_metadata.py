"""Git history (plugins.git_metadata): renames, trailers, shallow, uncommitted, no repository."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import pytest
from click.testing import CliRunner

from plugins.git_metadata.history import (
    Folders,
    Identity,
    RepoHistory,
    parse_trailers,
    read_history,
)
from tests.conftest import MakeSite, html, post, texts
from tests.gitrepo import commit, git, needs_git
from tools.cli import cli

ANA = "Ana López <ana@example.com>"
BO = "Bo Chen <bo@example.com>"
BOT = "Renovate [bot] <renovate[bot]@example.com>"


def day(month: int, number: int = 1) -> str:
    return f"2026-{month:02d}-{number:02d}T10:00:00+00:00"


def new_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    return repo


def test_trailers_credit_coauthors_and_reviewers() -> None:
    text = (
        "Co-authored-by: Cy <cy@example.com>\nReviewed-by: Dee <DEE@example.com>\n"
        "Signed-off-by: X <x@y>\n"
    )
    assert parse_trailers(text) == (
        ("co-author", Identity("Cy", "cy@example.com")),
        ("reviewer", Identity("Dee", "DEE@example.com")),
    )
    assert Identity("Dee", "DEE@example.com").key == "dee@example.com"


@needs_git
def test_history_follows_renames_and_credits_trailers(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    commit(repo, {"content/posts/a.md": "v1\n"}, "Add a", author=ANA, date=day(1))
    commit(
        repo, {"content/posts/a.md": "v1\nv2\n", "content/posts/other.md": "x\n"},
        "Edit a\n\nCo-authored-by: Cy <cy@example.com>\nReviewed-by: Dee <dee@example.com>\n",
        author=BO, date=day(2),
    )  # fmt: skip
    (repo / "content/posts/2026").mkdir()
    git(repo, "mv", "content/posts/a.md", "content/posts/2026/b.md")
    git(repo, "commit", "-q", "-m", "Move", author=ANA, date=day(3))
    commit(repo, {"outside.txt": "not content\n"}, "Outside", author=BO, date=day(4))

    history = read_history(repo / "content")
    assert history is not None and not history.shallow
    moved = history.files[PurePosixPath("content/posts/2026/b.md")]
    assert moved.created == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert moved.updated == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert len(moved.commits) == 3 and not moved.uncommitted
    assert [(who.name, roles) for who, roles in moved.credited()] == [
        ("Ana López", ("commit",)),
        ("Bo Chen", ("commit",)),
        ("Cy", ("co-author",)),
        ("Dee", ("reviewer",)),
    ]
    assert PurePosixPath("content/posts/a.md") not in history.files
    assert PurePosixPath("outside.txt") not in history.files
    assert history.for_file(repo / "content/posts/2026/b.md") == moved


@needs_git
def test_a_deleted_name_does_not_pass_its_history_on(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    commit(repo, {"content/p.md": "old\n"}, "Old", author=BO, date=day(1))
    commit(repo, {"content/p.md": None}, "Delete", author=BO, date=day(2))
    commit(repo, {"content/p.md": "new\n"}, "New", author=ANA, date=day(3))
    history = read_history(repo / "content")
    assert history is not None
    fresh = history.files[PurePosixPath("content/p.md")]
    assert fresh.created == fresh.updated == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert [c.author.name for c in fresh.commits] == ["Ana López"]


@needs_git
def test_uncommitted_files_use_their_modification_time(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    commit(repo, {"content/tracked.md": "v1\n"}, "Add", author=ANA, date=day(1))
    (repo / "content/tracked.md").write_text("v2, not committed\n", encoding="utf-8")
    (repo / "content/new.md").write_text("brand new\n", encoding="utf-8")
    history = read_history(repo / "content")
    assert history is not None
    tracked = history.files[PurePosixPath("content/tracked.md")]
    new = history.files[PurePosixPath("content/new.md")]
    assert tracked.uncommitted and len(tracked.commits) == 1
    assert tracked.updated is not None and tracked.updated > datetime(2026, 1, 2, tzinfo=UTC)
    assert new.uncommitted and new.commits == () and new.created is None


@needs_git
def test_ignored_emails_neither_credit_nor_date(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    commit(repo, {"content/p.md": "v1\n"}, "Add", author=ANA, date=day(1))
    commit(repo, {"content/p.md": "v2\n"}, "Bump", author=BOT, date=day(5))
    history = read_history(repo / "content", ignore_emails=["*[[]bot[]]@*"])
    assert history is not None
    found = history.files[PurePosixPath("content/p.md")]
    assert found.updated == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert [who.name for who, _ in found.credited()] == ["Ana López"]


@needs_git
def test_empty_repository_and_no_repository(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    (repo / "content").mkdir()
    history = read_history(repo / "content")
    assert history is not None and history.files == {}
    plain = tmp_path / "plain" / "content"
    plain.mkdir(parents=True)
    assert read_history(plain) is None


@needs_git
def test_shallow_clone_leaves_creation_unknown(tmp_path: Path) -> None:
    repo = new_repo(tmp_path)
    commit(repo, {"content/p.md": "v1\n"}, "Add", author=ANA, date=day(1))
    commit(repo, {"content/p.md": "v2\n", "content/q.md": "q\n"}, "Edit", author=BO, date=day(2))
    commit(repo, {"content/q.md": "q2\n"}, "Edit q", author=ANA, date=day(3))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", repo.as_uri(), str(clone))
    history = read_history(clone / "content")
    assert history is not None and history.shallow
    p = history.files[PurePosixPath("content/p.md")]
    q = history.files[PurePosixPath("content/q.md")]
    assert p.created is None and p.updated == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert q.created is None and q.updated == datetime(2026, 3, 1, 10, tzinfo=UTC)


# --- through a real build -------------------------------------------------------------

PROFILES = {
    "content/authors/ana-lopez.md": "Name: Ana López\nTeam: storage\nEmail: ana@example.com\n\n",
    "content/authors/bo-chen.md": "Name: Bo Chen\nTeam: storage\nEmail: BO@example.com\n\nBio.\n",
    "content/teams/storage.md": "Name: Storage\nChampion: ana-lopez\n\nWe store things.\n",
}
EDIT = "https://git.example.com/blog/-/edit/main/{path}"
HISTORY = "https://git.example.com/blog/-/commits/main/{path}"


def build(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["build", "--root", str(root), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@needs_git
def test_post_pages_show_history_contributors_and_links(make_site: MakeSite) -> None:
    root = make_site(
        {**PROFILES, "content/posts/2026/p.md": post("Moved post", date="2026-01-05 10:00")},
        GIT_METADATA_ENABLED=True, GIT_METADATA_EDIT_URL=EDIT, GIT_METADATA_HISTORY_URL=HISTORY,
        PEOPLE_NOW="2026-11-01",
    )  # fmt: skip
    git(root, "init", "-q")
    (root / ".gitignore").write_text("output/\n__pycache__/\n", encoding="utf-8")
    commit(root, {}, "Site", author=ANA, date=day(1, 5))
    changed = post("Moved post", date="2026-01-05 10:00", body="More.")
    commit(
        root, {"content/posts/2026/p.md": changed},
        "Fix\n\nReviewed-by: Cy Unknown <cy@example.com>\n", author=BO, date=day(4, 20),
    )  # fmt: skip
    code, _, stderr = build(root, "--strict")
    assert code == 0, stderr

    page = html(root / "output/site/posts/2026/moved-post/index.html")
    assert page.css_first(".post-updated time").attributes["datetime"].startswith("2026-04-20")
    assert texts(page, ".post-contributors a") == ["Bo Chen"]
    assert "Cy Unknown" in texts(page, ".post-contributors")[0]
    assert "(review)" in texts(page, ".post-contributors")[0]
    links = {a.text(strip=True): a.attributes["href"] for a in page.css(".source-links a")}
    assert links == {
        "Edit this page": EDIT.format(path="content/posts/2026/p.md"),
        "Page history": HISTORY.format(path="content/posts/2026/p.md"),
    }
    bo = html(root / "output/site/people/bo-chen/index.html")
    assert texts(bo, ".profile__contributed .title-list a") == ["Moved post"]
    people = html(root / "output/site/people/index.html")
    assert "Bo Chen" in texts(people, ".quarter__list--help a")
    feed = (root / "output/site/feeds/all.atom.xml").read_text(encoding="utf-8")
    assert "<updated>2026-04-20" in feed


def test_not_a_repository_warns_and_uses_file_dates(make_site: MakeSite) -> None:
    root = make_site({"content/posts/2026/p.md": post("Plain")}, GIT_METADATA_ENABLED=True)
    code, stdout, stderr = build(root, "--json")
    assert code == 0, stderr
    problems = json.loads(stdout)["problems"]
    assert [(p["path"], p["code"], p["severity"]) for p in problems] == [
        ("content", "no-git-history", "warning")
    ]
    assert "GIT_METADATA_ENABLED = False" in stderr
    code, _, _ = build(root, "--strict")
    assert code == 1


@needs_git
def test_shallow_site_build_says_so(make_site: MakeSite, tmp_path: Path) -> None:
    origin = make_site({"content/posts/2026/p.md": post("Shallow")})
    git(origin, "init", "-q")
    commit(origin, {}, "One", author=ANA, date=day(1))
    commit(origin, {"content/posts/2026/p.md": post("Shallow", body="Two.")}, "Two", date=day(2))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    (clone / "pelicanconf.py").write_text(
        (origin / "pelicanconf.py").read_text(encoding="utf-8") + "GIT_METADATA_ENABLED = True\n",
        encoding="utf-8",
    )
    code, _, stderr = build(clone)
    assert code == 0, stderr
    assert "content:1: the git clone is shallow" in stderr and "[shallow-history]" in stderr


def test_bad_url_template_is_a_settings_error(make_site: MakeSite) -> None:
    root = make_site(
        {"content/posts/2026/p.md": post("P")},
        GIT_METADATA_ENABLED=True, GIT_METADATA_EDIT_URL="https://git.example.com/{file}",
    )  # fmt: skip
    code, _, stderr = build(root)
    assert code == 1
    assert "GIT_METADATA_EDIT_URL may only use the {path} placeholder" in stderr


def test_relative_with_remembered_folders_resolves_like_pathlib(tmp_path: Path) -> None:
    root = (tmp_path / "repo").resolve()
    (root / "content/posts").mkdir(parents=True)
    (root / "content/posts/a.md").write_text("a", encoding="utf-8")
    (root / "content/linked").symlink_to(root / "content/posts")
    (root / "content/posts/alias.md").symlink_to(root / "content/posts/a.md")
    (tmp_path / "outside.md").write_text("x", encoding="utf-8")
    history = RepoHistory(root=root, shallow=False)
    folders: Folders = {}
    for name in ("content/posts/a.md", "content/linked/a.md", "content/posts/alias.md"):
        expected = PurePosixPath(*(root / name).resolve().relative_to(root).parts)
        assert history.relative(root / name, folders) == expected
        assert history.relative(root / name) == expected
        assert history.relative(Path(name), folders) == expected
    assert history.relative(root / "content/linked/a.md", folders) == PurePosixPath(
        "content/posts/a.md"
    )
    # One listing per folder tells which of its entries are symlinks.
    assert folders[str(root / "content/posts")] == (str(root / "content/posts"), {"alias.md"})
    missing = root / "content/missing/x.md"  # a folder that cannot be listed
    assert history.relative(missing, folders) == PurePosixPath("content/missing/x.md")
    assert folders[str(missing.parent)][1] is None
    with pytest.raises(ValueError):
        history.relative(tmp_path / "outside.md", folders)
