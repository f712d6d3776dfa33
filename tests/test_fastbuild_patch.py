"""Patched rebuilds (plugins.fastbuild.patch): one post's new body in the kept build.

Each patched rebuild must give exactly the site (and search index, and problems) of a
clean build of the same sources; every change that is not one post's body must be built
in full.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pelican import signals

from plugins._shared.patching import patch_aware
from plugins.fastbuild.patch import MAX_AGE, changed_attributes, kept_build
from tests.conftest import MakeSite, post
from tests.gitrepo import commit, git, needs_git
from tests.test_incremental_build import assert_same_tree, change_test_site, edit
from tests.test_preview_session import index_state
from tools.build import BuildResult, build_site
from tools.preview import Preview


@pytest.fixture
def repo(make_site: MakeSite, tmp_path: Path) -> Path:
    """The eight-post test site (post 7 a draft) committed to a real git repository."""
    root = change_test_site(make_site, tmp_path, draft=7)
    (root / ".gitignore").write_text("output/\n__pycache__/\n", encoding="utf-8")
    conf = root / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nGIT_METADATA_ENABLED = True\n")
    git(root, "init", "-q")
    commit(root, {}, "Import the site", date="2026-03-10T10:00:00+00:00")
    return root


def clean_copy(root: Path, clean: Path, *, errors: bool = False) -> BuildResult:
    """A clean build (no session) of a copy of the repository, drafts shown."""
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("output"))
    result = build_site(clean, drafts=True)
    assert bool(result.errors) == errors, result.errors
    return result


def assert_same_as_clean(root: Path, clean: Path, *, errors: bool = False) -> BuildResult:
    result = clean_copy(root, clean, errors=errors)
    assert_same_tree(root / "output/preview/site", clean / "output/site")
    assert index_state(root / "output/preview") == index_state(clean / "output")
    return result


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    edit(path, text.replace(old, new))


@needs_git
def test_body_edits_are_patched_and_equal_clean_builds(repo: Path, tmp_path: Path) -> None:
    posts = repo / "content/posts/2026"
    rewrite(posts / "p6.md", "Title:", "Status: hidden\nTitle:")
    preview = Preview(repo, repo / "output" / "preview")
    assert not preview.rebuild().patched
    steps: list[tuple[str, Path, str, str]] = [
        ("longer", posts / "p5.md", "Body 5", "Body five, now longer"),
        ("hidden", posts / "p6.md", "Body 6", "Body six"),
        # headings: reading time and the table of contents change
        (
            "headings",
            posts / "p5.md",
            "Body five",
            "## One\n\nA\n\n## Two\n\nB\n\n## Three\n\nBody 5",
        ),
        ("draft", posts / "p7.md", "Body 7", "Body seven"),
        ("summary", posts / "p2.md", "Body 2", "A new first sentence. Body 2"),
        ("code", posts / "p5.md", "Body 5", "```python\nprint('patched')\n```\n\nBody 5"),
    ]
    for name, path, old, new in steps:
        rewrite(path, old, new)
        result = preview.rebuild([path])
        assert result.patched, name
        assert not result.errors, (name, result.errors)
        assert result.posts == 6 and result.drafts == 1, name
        assert_same_as_clean(repo, tmp_path / f"clean-{name}")
    page = (repo / "output/preview/site/posts/2026/post-number-5/index.html").read_text()
    assert "patched" in page and 'id="three"' in page


@needs_git
def test_every_other_change_is_built_in_full(repo: Path, tmp_path: Path) -> None:
    content = repo / "content"
    posts = content / "posts/2026"
    preview = Preview(repo, repo / "output" / "preview")
    preview.rebuild()

    def step(name: str, change: Callable[[], list[Path]]) -> None:
        changed = change()
        result = preview.rebuild(changed)
        assert not result.patched, name
        assert not result.errors, (name, result.errors)
        assert_same_as_clean(repo, tmp_path / f"clean-{name}")
        # The full build is kept in turn: the next body edit is patched again.
        rewrite(posts / "p1.md", "Body 1", f"Body 1 after {name}")
        patched = preview.rebuild([posts / "p1.md"])
        assert patched.patched, name
        assert_same_as_clean(repo, tmp_path / f"clean-{name}-then-body")

    def change(path: Path, old: str, new: str) -> Callable[[], list[Path]]:
        return lambda: (rewrite(path, old, new), [path])[1]

    step("title", change(posts / "p2.md", "Post number 2", "A renamed second post"))
    step("tags", change(posts / "p4.md", "Tags: postgres, migrations", "Tags: kubernetes"))
    step("date", change(posts / "p3.md", "2026-03-04 09:30", "2026-03-09 09:30"))
    step("status", change(posts / "p6.md", "Title:", "Status: draft\nTitle:"))
    step("profile", change(content / "authors/bo-chen.md", "Role: SRE", "Role: Staff SRE"))

    def two_posts() -> list[Path]:
        rewrite(posts / "p2.md", "Body 2", "Body two")
        rewrite(posts / "p3.md", "Body 3", "Body three")
        return [posts / "p2.md", posts / "p3.md"]

    step("two posts", two_posts)

    def added() -> list[Path]:
        edit(posts / "p9.md", post("Ninth", date="2026-03-15"))
        return [posts / "p9.md"]

    step("added", added)

    def deleted() -> list[Path]:
        (posts / "p3.md").unlink()
        rewrite(posts / "p2.md", "Body two", "Body 2 again")
        return [posts / "p3.md", posts / "p2.md"]

    step("deleted", deleted)

    def curation_deleted() -> list[Path]:
        # Not a source Pelican reads, and not committed: only its name says it mattered.
        (content / "featured.yml").unlink()
        rewrite(posts / "p2.md", "Body 2 again", "Body 2 once more")
        return [content / "featured.yml", posts / "p2.md"]

    step("curation deleted", curation_deleted)

    def committed() -> list[Path]:
        rewrite(posts / "p4.md", "Body 4", "Body four")
        commit(repo, {}, "Edit p4", date="2026-03-18T10:00:00+00:00")
        return [posts / "p4.md"]

    step("committed", committed)

    def image_link() -> list[Path]:
        (content / "images").mkdir(exist_ok=True)
        (content / "images/chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        commit(repo, {}, "Add a chart", date="2026-03-18T11:00:00+00:00")
        preview.rebuild([content / "images/chart.png"])
        rewrite(posts / "p5.md", "Body 5", "![A chart]({static}/images/chart.png)\n\nBody 5")
        return [posts / "p5.md"]

    step("static link", image_link)


@needs_git
def test_editors_temporary_files_do_not_prevent_a_patch(repo: Path, tmp_path: Path) -> None:
    posts = repo / "content/posts/2026"
    preview = Preview(repo, repo / "output" / "preview")
    preview.rebuild()
    rewrite(posts / "p5.md", "Body 5", "Body five")
    backup = posts / "p5.md~"
    backup.write_text("old", encoding="utf-8")
    gone = posts / "4913"  # vim's probe file: created and deleted before the save
    result = preview.rebuild([posts / "p5.md", backup, gone])
    assert result.patched
    backup.unlink()
    assert_same_as_clean(repo, tmp_path / "clean")


@needs_git
def test_a_patched_build_reports_what_a_full_build_reports(repo: Path, tmp_path: Path) -> None:
    posts = repo / "content/posts/2026"
    # A problem found while the context is built (curation naming no post), replayed.
    rewrite(repo / "content/featured.yml", "number-1", "number-99")
    preview = Preview(repo, repo / "output" / "preview")
    first = preview.rebuild()
    assert any("number-99" in p.message for p in first.problems), first.problems
    # The edit adds a broken internal link: the content checks run again.
    rewrite(posts / "p5.md", "Body 5", "Body 5 and [a link]({filename}/posts/2026/none.md).")
    result = preview.rebuild([posts / "p5.md"])
    assert result.patched
    clean = assert_same_as_clean(repo, tmp_path / "clean", errors=True)
    assert [str(p) for p in result.problems] == [str(p) for p in clean.problems]
    assert any(p.code == "broken-link" and p.path.name == "p5.md" for p in result.problems)
    # The link fixed: the problem is gone from the next patch's report.
    rewrite(posts / "p5.md", "none.md", "p1.md")
    fixed = preview.rebuild([posts / "p5.md"])
    assert fixed.patched
    assert not any(p.code == "broken-link" for p in fixed.problems)
    assert [str(p) for p in fixed.problems] == [str(p) for p in first.problems]


@pytest.fixture
def stranger() -> Iterator[Callable[..., Any]]:
    """A receiver of article_generator_finalized that no patch knows about."""
    seen: list[Any] = []

    def count_words(generator: Any) -> None:
        seen.append(generator)

    signals.article_generator_finalized.connect(count_words)
    yield count_words
    signals.article_generator_finalized.disconnect(count_words)


@needs_git
def test_a_receiver_that_is_not_patch_aware_means_a_full_build(
    repo: Path, stranger: Callable[..., Any]
) -> None:
    posts = repo / "content/posts/2026"
    preview = Preview(repo, repo / "output" / "preview")
    preview.rebuild()
    rewrite(posts / "p5.md", "Body 5", "Body five")
    assert not preview.rebuild([posts / "p5.md"]).patched
    patch_aware(stranger)  # marked: it promises to derive nothing from bodies
    rewrite(posts / "p5.md", "Body five", "Body 5")
    assert preview.rebuild([posts / "p5.md"]).patched


def test_patching_can_be_turned_off(make_site: MakeSite, tmp_path: Path) -> None:
    root = change_test_site(make_site, tmp_path, FASTBUILD_PATCH=False)
    preview = Preview(root, root / "output" / "preview")
    preview.rebuild()
    assert kept_build(preview.session) is None
    path = root / "content/posts/2026/p5.md"
    rewrite(path, "Body 5", "Body five")
    assert not preview.rebuild([path]).patched


def test_a_kept_build_is_patched_for_ten_minutes_only(make_site: MakeSite, tmp_path: Path) -> None:
    # Values computed from the clock (new voices, outdated notes, featured entries) are
    # refreshed by a full build at least every MAX_AGE seconds.
    root = change_test_site(make_site, tmp_path)
    preview = Preview(root, root / "output" / "preview")
    preview.rebuild()
    kept = kept_build(preview.session)
    assert kept is not None
    kept.started -= MAX_AGE + 1
    path = root / "content/posts/2026/p5.md"
    rewrite(path, "Body 5", "Body five")
    assert not preview.rebuild([path]).patched
    rewrite(path, "Body five", "Body 5")
    assert preview.rebuild([path]).patched  # the full build is kept, and is fresh


def test_a_failed_build_keeps_nothing_to_patch(make_site: MakeSite, tmp_path: Path) -> None:
    root = change_test_site(make_site, tmp_path)
    preview = Preview(root, root / "output" / "preview")
    preview.rebuild()
    assert kept_build(preview.session) is not None
    template = tmp_path / "theme/templates/article.html"
    template.write_text(template.read_text() + "{% if %}", encoding="utf-8")
    with pytest.raises(Exception, match="Expected an expression"):
        preview.rebuild([template])
    assert kept_build(preview.session) is None
    path = root / "content/posts/2026/p5.md"
    rewrite(path, "Body 5", "Body five")
    with pytest.raises(Exception, match="Expected an expression"):
        preview.rebuild([path])  # built in full, and the template is still broken


def test_snapshots_differ_only_where_their_attributes_do() -> None:
    before = (str, {"_content": "<p>a</p>", "title": "T", "tags": ["x"]})
    assert changed_attributes(before, (str, {**before[1], "_content": "<p>b</p>"})) == {"_content"}
    assert changed_attributes(before, (str, {**before[1], "tags": ["y"]})) == {"tags"}
    assert changed_attributes(before, (str, {"_content": "<p>a</p>", "title": "T"})) == {"tags"}
    assert changed_attributes(before, (int, before[1])) == {"_content", "title", "tags"}
    assert not changed_attributes(before, (str, dict(before[1])))


def test_a_site_outside_git_is_patched_with_file_dates(make_site: MakeSite, tmp_path: Path) -> None:
    # Git metadata on, but no repository: the build warns (replayed by every patch) and
    # dates come from the files; an edited post's "updated" date moves with its mtime.
    root = change_test_site(make_site, tmp_path, draft=7, GIT_METADATA_ENABLED=True)
    preview = Preview(root, root / "output" / "preview")
    first = preview.rebuild()
    assert [p.code for p in first.problems] == ["no-git-history"]
    path = root / "content/posts/2026/p5.md"
    rewrite(path, "Body 5", "Body five")
    result = preview.rebuild([path])
    assert result.patched
    assert [p.code for p in result.problems] == ["no-git-history"]
    clean = tmp_path / "clean"
    clean.mkdir()
    for name in ("content", "pelicanconf.py"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, clean / name)  # copy2 keeps the modification times
        else:
            shutil.copy2(source, clean / name)
    assert not build_site(clean, drafts=True).errors
    assert_same_tree(root / "output/preview/site", clean / "output/site")


@needs_git
def test_a_post_whose_commits_are_all_ignored_is_patched(repo: Path, tmp_path: Path) -> None:
    # Commits by an ignored email (a bot, a bulk import) are not history: the post is in
    # no counted commit until its uncommitted edit puts it into `git status`.
    conf = repo / "pelicanconf.py"
    conf.write_text(
        conf.read_text(encoding="utf-8") + '\nGIT_METADATA_IGNORE_EMAILS = ["ana@example.com"]\n'
    )
    commit(repo, {}, "Ignore the importer", date="2026-03-11T10:00:00+00:00")
    preview = Preview(repo, repo / "output" / "preview")
    preview.rebuild()
    path = repo / "content/posts/2026/p5.md"
    rewrite(path, "Body 5", "Body five")
    assert preview.rebuild([path]).patched
    assert_same_as_clean(repo, tmp_path / "clean")
