"""Warm rebuilds in one build session (`blog preview`) equal clean builds of the same sources."""

from __future__ import annotations

import gc
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pelican import signals
from pelican.contents import Content

from plugins._shared.session import BuildSession
from tests.conftest import MakeSite, post
from tests.gitrepo import commit, git, needs_git
from tests.test_incremental_build import (
    PROFILE,
    assert_same_tree,
    change_test_site,
    edit,
    rendered_counts,
)
from tools.build import build_site
from tools.preview import Preview

INDEX_STATE = "search-index/intrablog-index.json"


def clean_build(root: Path, clean: Path) -> Path:
    """Build a copy of root's sources (same mtimes) with drafts, from scratch, no session."""
    clean.mkdir()
    shutil.copytree(root / "content", clean / "content")
    shutil.copy2(root / "pelicanconf.py", clean / "pelicanconf.py")
    result = build_site(clean, drafts=True)
    assert not result.errors, result.errors
    return clean / "output"


def index_state(output: Path) -> dict[str, str]:
    hashes: dict[str, str] = json.loads((output / INDEX_STATE).read_text())["hashes"]
    return hashes


@pytest.fixture
def site(make_site: MakeSite, tmp_path: Path) -> tuple[Path, Path]:
    return change_test_site(make_site, tmp_path, draft=7), tmp_path / "theme"


def test_warm_rebuilds_equal_clean_builds_after_every_kind_of_change(
    site: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, theme = site
    content = root / "content"
    preview = Preview(root, root / "output" / "preview")
    caplog.set_level(logging.INFO, logger="plugins.fastbuild.writer")
    assert not preview.rebuild().errors
    total = rendered_counts(caplog.records)[0]
    caplog.clear()
    assert not preview.rebuild().errors
    assert rendered_counts(caplog.records) == (0, total)  # a warm no-op renders nothing

    def step(name: str, change: Callable[[], None]) -> int:
        change()
        caplog.clear()
        result = preview.rebuild()
        assert not result.errors, (name, result.errors)
        rendered = rendered_counts(caplog.records)[0]
        clean = clean_build(root, tmp_path / f"clean-{name}")
        assert_same_tree(root / "output/preview/site", clean / "site")
        assert index_state(root / "output/preview") == index_state(clean), name
        return rendered

    def rewrite(relative: str, old: str, new: str) -> Callable[[], None]:
        path = content / relative
        return lambda: edit(path, path.read_text(encoding="utf-8").replace(old, new))

    def rename(old: str, new: str) -> Callable[[], None]:
        return lambda: (content / old).rename(content / new)

    rendered = step("body", rewrite("posts/2026/p5.md", "Body 5", "Body five, longer"))
    assert 0 < rendered < total - 10
    step("draft body", rewrite("posts/2026/p7.md", "Body 7", "Body seven"))
    step("title", rewrite("posts/2026/p2.md", "Post number 2", "A renamed second post"))
    step("tags", rewrite("posts/2026/p4.md", "Tags: postgres, migrations", "Tags: kubernetes"))
    step("add", lambda: edit(content / "posts/2026/p9.md", post("Ninth", date="2026-03-15")))
    step("delete", (content / "posts/2026/p3.md").unlink)
    step("rename", rename("posts/2026/p6.md", "posts/2026/p6-renamed.md"))
    step("profile name", rewrite("authors/bo-chen.md", "Name: Bo Chen", "Name: Bo Chen-Li"))
    step("profile role", rewrite("authors/bo-chen.md", "Role: SRE", "Role: Staff SRE"))

    def new_author() -> None:
        profile = PROFILE.format(name="Cy Dee", role="Writer", slug="cy-dee")
        edit(content / "authors/cy-dee.md", profile)
        rewrite("posts/2026/p1.md", "Authors: ana-lopez", "Authors: cy-dee")()

    step("new author", new_author)
    step("featured", rewrite("featured.yml", "number-1", "number-6"))
    step("team", rewrite("teams/storage.md", "We keep the data.", "We keep all the data."))
    template = theme / "templates" / "partials" / "cards.html"
    rendered = step(
        "template", lambda: edit(template, template.read_text().replace("min read", "minutes"))
    )
    assert rendered >= total // 2
    assert preview.session.builds == 15


def test_a_failed_warm_rebuild_does_not_poison_the_session(site: tuple[Path, Path]) -> None:
    root, theme = site
    preview = Preview(root, root / "output" / "preview")
    assert not preview.rebuild().errors

    broken_post = root / "content/posts/2026/p1.md"
    good_post = broken_post.read_text(encoding="utf-8")
    edit(broken_post, "Title: \n\nNo date, no title.\n")
    assert preview.rebuild().errors  # reported, like a one-off build reports it
    edit(broken_post, good_post.replace("Body 1", "Body one, fixed"))
    assert not preview.rebuild().errors

    base = theme / "templates" / "base.html"
    good_template = base.read_text(encoding="utf-8")
    edit(base, good_template + "{% if %}")
    with pytest.raises(Exception, match="expression"):
        preview.rebuild()
    edit(base, good_template.replace("</footer>", "<p>fixed</p></footer>"))
    assert not preview.rebuild().errors

    conf = root / "pelicanconf.py"
    good_conf = conf.read_text(encoding="utf-8")
    edit(conf, good_conf + "\nDEFAULT_PAGINATION = (\n")
    with pytest.raises(SyntaxError):
        preview.rebuild()
    edit(conf, good_conf + "\nDEFAULT_PAGINATION = 2\n")
    assert not preview.rebuild().errors

    clean = clean_build(root, root.parent / "clean")
    assert_same_tree(root / "output/preview/site", clean / "site")
    assert index_state(root / "output/preview") == index_state(clean)


def test_a_session_drops_its_state_when_the_settings_change() -> None:
    session = BuildSession()
    assert session.adopt(b"one") is False
    session.lasting("x")["a"] = 1
    session.volatile("y")["b"] = 2
    assert session.adopt(b"one") is True
    assert session.lasting("x") == {"a": 1}
    session.failed()
    assert session.volatile("y") == {}
    assert session.lasting("x") == {"a": 1}
    saved: list[str] = []
    session.defer("memo", lambda: saved.append("memo"))
    assert session.adopt(b"two") is False  # settings changed: write what is due, forget
    assert saved == ["memo"]
    assert session.lasting("x") == {}


def test_preview_saves_its_caches_when_it_closes(site: tuple[Path, Path]) -> None:
    root, _ = site
    cache = root / "output" / "cache"
    preview = Preview(root, root / "output" / "preview")
    assert not preview.rebuild().errors
    before = {p.name for p in cache.iterdir()} if cache.is_dir() else set()
    preview.close()
    after = {p.name for p in cache.iterdir()}
    assert "ArticlesGenerator-Readers" in after - before
    assert any(name.startswith("fastbuild-") for name in after - before)


@needs_git
def test_warm_rebuilds_follow_git_history_and_bios(site: tuple[Path, Path], tmp_path: Path) -> None:
    """Commits, uncommitted edits and bio edits between warm builds (remembered git log,
    bio HTML, attribute digests) give the same site as clean builds of a copy of the repo."""
    root, _ = site
    content = root / "content"
    (root / ".gitignore").write_text("output/\n__pycache__/\n", encoding="utf-8")
    conf = root / "pelicanconf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\nGIT_METADATA_ENABLED = True\n")
    git(root, "init", "-q")
    commit(root, {}, "Import the site", date="2026-03-10T10:00:00+00:00")
    preview = Preview(root, root / "output" / "preview")
    assert not preview.rebuild().errors

    def step(name: str, change: Callable[[], None]) -> None:
        change()
        result = preview.rebuild()
        assert not result.errors, (name, result.errors)
        clean = tmp_path / f"clean-{name}"
        shutil.copytree(root, clean, ignore=shutil.ignore_patterns("output"))
        assert not build_site(clean, drafts=True).errors
        assert_same_tree(root / "output/preview/site", clean / "output/site")
        assert index_state(root / "output/preview") == index_state(clean / "output"), name

    post5 = content / "posts/2026/p5.md"
    step("uncommitted", lambda: edit(post5, post5.read_text().replace("Body 5", "Body five")))
    step(
        "commit by another author",
        lambda: commit(
            root, {}, "Edit p5\n\nReviewed-by: Bo Chen <bo-chen@example.com>",
            author="Bo Chen <bo-chen@example.com>", date="2026-03-18T10:00:00+00:00",
        ),
    )  # fmt: skip
    bio = content / "authors/ana-lopez.md"
    step("bio", lambda: edit(bio, bio.read_text().replace("Bio of", "The bio of")))
    step(
        "commit a bio and a post",
        lambda: commit(
            root, {"content/posts/2026/p2.md": post("Second, committed", date="2026-03-03")},
            "Rewrite p2", date="2026-03-19T10:00:00+00:00",
        ),
    )  # fmt: skip
    step("no change", lambda: None)


def test_a_warm_rebuild_keeps_no_past_posts_and_tidies_the_collector(
    site: tuple[Path, Path],
) -> None:
    root, _ = site
    preview = Preview(root, root / "output" / "preview")
    memo = vars(Content)["get_content"].cache
    during: list[int] = []

    def measure(pelican: object) -> None:
        during.append(len(memo))

    signals.finalized.connect(measure)
    assert gc.isenabled()
    assert not preview.rebuild().errors
    assert gc.isenabled()  # the collector is off only while a build runs
    assert not preview.rebuild().errors
    signals.finalized.disconnect(measure)
    # Pelican's memo held the build's posts while it ran, and was emptied when it ended.
    assert len(during) == 2 and min(during) > 0
    assert not memo
    assert preview.untidy
    preview.tidy()
    assert not preview.untidy
    assert gc.get_freeze_count() > 0
    gc.unfreeze()


@pytest.mark.parametrize(("patch", "kept"), [(True, 8), (False, 0)])
def test_a_finished_build_keeps_at_most_one_build_alive(
    make_site: MakeSite, tmp_path: Path, patch: bool, kept: int
) -> None:
    # Between saves the preview holds its caches and, to patch the next save into
    # (plugins.fastbuild.patch), the last build: never a build before it, which would
    # otherwise live on beside the next build. Without patching it keeps no post at all.
    root = change_test_site(make_site, tmp_path, draft=7, FASTBUILD_PATCH=patch)
    preview = Preview(root, root / "output" / "preview")
    body = root / "content/posts/2026/p5.md"

    def alive() -> int:
        gc.unfreeze()
        gc.collect()
        content = str(root / "content")
        return sum(
            1
            for o in gc.get_objects()
            if isinstance(o, Content) and str(getattr(o, "source_path", "")).startswith(content)
        )

    try:
        for n in range(3):  # a cold build, then warm ones made from snapshots
            edit(body, body.read_text(encoding="utf-8").replace("Body 5", f"Body 5 ({n})"))
            assert not preview.rebuild().errors
            preview.tidy()
            assert alive() == kept, n
    finally:
        gc.unfreeze()


def test_field_digests_split_with_a_child_are_remembered_as_if_made_here(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("plugins.fastbuild.writer.running_children", lambda: 0)
    root = change_test_site(
        make_site, tmp_path, FASTBUILD_PROCESSES=2, FASTBUILD_PARALLEL_MIN_FILES=1
    )
    preview = Preview(root, root / "output" / "preview")
    assert not preview.rebuild().errors
    body = root / "content/posts/2026/p5.md"
    for n in range(2):
        edit(body, body.read_text(encoding="utf-8").replace("Body 5", f"Body 5 ({n})"))
        assert not preview.rebuild().errors
    clean = clean_build(root, tmp_path / "clean")
    assert_same_tree(root / "output/preview/site", clean / "site")
    snapshots = preview.session.lasting("fastbuild-objects:ArticlesGenerator")
    assert len(snapshots) == 8
    # Half the posts were digested in a child each time: their attribute digests came back
    # (the post just edited was read afresh: nothing is remembered of it yet).
    for relative, (_, _, digests) in snapshots.items():
        if relative != "posts/2026/p5.md":
            assert {"title", "tags", "date"} <= digests.keys(), relative


def test_warm_rebuilds_follow_the_files_posts_link_to(
    site: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _ = site
    (root / "content/files").mkdir()
    (root / "content/files/spec.txt").write_text("the spec\n")
    (root / "content/files/notes.txt").write_text("the notes\n")
    body = root / "content/posts/2026/p2.md"
    text = body.read_text(encoding="utf-8")
    edit(body, text.replace("Body 2", "Body 2 with [the spec]({static}/files/spec.txt)"))
    preview = Preview(root, root / "output" / "preview")
    site_dir = root / "output/preview/site"
    assert not preview.rebuild().errors
    assert (site_dir / "files/spec.txt").is_file()
    for n, linked in enumerate(["notes", "notes", "spec"]):
        edit(body, text.replace("Body 2", f"Body 2 with [{linked}]({{static}}/files/{linked}.txt)"))
        assert not preview.rebuild().errors
        assert sorted(p.name for p in (site_dir / "files").iterdir()) == [f"{linked}.txt"]
        clean = clean_build(root, tmp_path / f"clean-{n}")
        assert_same_tree(site_dir, clean / "site")


def test_warm_rebuilds_check_what_changed_and_remember_the_rest(
    site: tuple[Path, Path],
) -> None:
    root, _ = site
    preview = Preview(root, root / "output" / "preview")
    first = preview.rebuild()
    assert not first.errors
    post_file = root / "content/posts/2026/p3.md"
    text = post_file.read_text(encoding="utf-8")
    edit(post_file, text.replace("Title: Post number 3", "Title: Post number 3\nSumary: A typo"))
    found = preview.rebuild()
    assert [(p.path.name, p.code) for p in found.problems if p.code == "unknown-field"] == [
        ("p3.md", "unknown-field")
    ]
    remembered = preview.session.lasting("content-checks-sources")
    assert "posts/2026/p3.md" in remembered and len(remembered) >= 11
    edit(post_file, text)
    (root / "content/posts/2026/p4.md").unlink()
    again = preview.rebuild()
    assert not [p for p in again.problems if p.code == "unknown-field"]
    assert "posts/2026/p4.md" not in remembered  # a deleted file is forgotten
    assert {str(p) for p in again.problems} <= {str(p) for p in first.problems}


def test_the_page_of_the_post_just_saved_is_written_first(
    make_site: MakeSite, tmp_path: Path
) -> None:
    # Two processes, but too few pages to fork for: every deferred page and feed is
    # rendered in call order at the end of the build, the saved post's page at once.
    root = change_test_site(
        make_site, tmp_path, FASTBUILD_PROCESSES=2, FASTBUILD_PARALLEL_MIN_FILES=100_000
    )
    preview = Preview(root, root / "output" / "preview")
    assert not preview.rebuild().errors
    site_dir = root / "output/preview/site"
    page, feed = site_dir / "posts/2026/post-number-5/index.html", site_dir / "feeds/all.atom.xml"
    body = root / "content/posts/2026/p5.md"
    for n in range(2):
        edit(body, body.read_text(encoding="utf-8").replace("Body 5", f"Body 5 ({n})"))
        started = time.time_ns()
        assert not preview.rebuild().errors
        # The feed lists post 5 and Pelican asks for it before the post's page.
        assert started < page.stat().st_mtime_ns < feed.stat().st_mtime_ns
        assert f"Body 5 ({n})" in page.read_text(encoding="utf-8")
    assert_same_tree(site_dir, clean_build(root, tmp_path / "clean") / "site")
