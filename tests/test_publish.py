"""`blog publish`, `releases`, `rollback` and `unlock` against local release roots."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MakeSite, post
from tests.publishing import (
    blog,
    current,
    publish_json,
    release_dirs,
    served,
    write_build,
)

BLOG = Path(sys.executable).with_name("blog")


def test_first_publish_creates_release_root_and_serves_it(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build")
    root = tmp_path / "srv"
    summary = publish_json(build, str(root))
    release = summary["release"]
    assert current(root) == release
    assert (root / "current").readlink().as_posix() == f"releases/{release}"
    assert summary["targets"][0]["added"] == 4 and summary["files"] == 4
    manifest = json.loads((root / "releases" / release / "manifest.json").read_text())
    assert set(manifest["files"]) == {
        "site/index.html",
        "site/posts/one/index.html",
        "site/posts/two/index.html",
        "site/theme/site.css",
    }
    assert served(root) == (200, (build / "site/index.html").read_bytes())
    (log,) = [json.loads(line) for line in (root / "releases.log").read_text().splitlines()]
    assert log["action"] == "publish" and log["release"] == release
    assert (log["added"], log["changed"], log["removed"], log["files"]) == (4, 0, 0, 4)
    assert {"when", "who", "commit", "duration"} <= set(log)
    assert not (root / ".publish.lock").exists()


def test_republish_reuses_unchanged_files_and_reports_changes(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    old_build = write_build(tmp_path / "b1", "v1", extra={"old.txt": "gone"})
    first = publish_json(old_build, str(root))["release"]
    build = write_build(tmp_path / "b2", "v2", extra={"new.html": "<p>new</p>"})
    summary = publish_json(build, str(root))
    second = summary["release"]
    assert second > first and current(root) == second
    target = summary["targets"][0]
    assert (target["added"], target["changed"], target["removed"]) == (1, 2, 1)
    assert (target["files_copied"], target["files_linked"]) == (3, 2)
    old, new = root / "releases" / first / "site", root / "releases" / second / "site"
    same = "posts/one/index.html"
    assert (old / same).stat().st_ino == (new / same).stat().st_ino  # hardlinked
    assert (old / "index.html").stat().st_ino != (new / "index.html").stat().st_ino
    assert b"home v2" in served(root)[1]


def test_dry_run_lists_changes_and_touches_nothing(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    publish_json(write_build(tmp_path / "b1", "v1"), str(root))
    before = sorted(str(p) for p in root.rglob("*"))
    log_before = (root / "releases.log").read_text()
    build = write_build(tmp_path / "b2", "v2", extra={"new.html": "<p>new</p>"})
    code, stdout, stderr = blog("publish", "--from", str(build), "--target", str(root), "--dry-run")
    assert code == 0, stderr
    assert stdout.splitlines() == [
        "M site/index.html",
        "A site/new.html",
        "M site/posts/two/index.html",
    ]
    assert "would publish 1 added, 2 changed, 0 removed, 2 unchanged; nothing touched" in stderr
    assert sorted(str(p) for p in root.rglob("*")) == before
    assert (root / "releases.log").read_text() == log_before
    code, stdout, _ = blog(
        "publish", "--from", str(build), "--target", str(tmp_path / "new"), "--dry-run", "--json"
    )
    assert code == 0 and json.loads(stdout)["targets"][0]["paths"]["added"][0] == "site/index.html"
    assert not (tmp_path / "new").exists()


def test_prune_keeps_n_and_always_current_and_previous(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    build = write_build(tmp_path / "b")
    ids = [publish_json(build, str(root))["release"] for _ in range(3)]
    assert release_dirs(root) == ids
    code, _, stderr = blog("rollback", "--target", str(root), "--to", ids[0], "--yes")
    assert code == 0, stderr
    summary = publish_json(build, str(root), extra=("--keep", "1"))
    # Newest (the new one) plus the release that was live before it (ids[0]).
    assert release_dirs(root) == [ids[0], summary["release"]]
    assert summary["targets"][0]["pruned"] == ids[1:]


def test_releases_lists_newest_first_with_current_mark(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    build = write_build(tmp_path / "b")
    ids = [publish_json(build, str(root))["release"] for _ in range(2)]
    code, stdout, _ = blog("releases", "--target", str(root))
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0] == f"{root}:"
    assert lines[1].startswith(f"* {ids[1]}") and lines[2].startswith(f"  {ids[0]}")
    code, stdout, _ = blog("releases", "--target", str(root), "--json")
    (listing,) = json.loads(stdout)
    assert [(r["id"], r["current"], r["files"]) for r in listing["releases"]] == [
        (ids[1], True, 4),
        (ids[0], False, 4),
    ]


def test_rollback_switches_back_and_asks_first(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root))["release"]
    second = publish_json(write_build(tmp_path / "b2", "v2"), str(root))["release"]
    code, _, stderr = blog("rollback", "--target", str(root), input="n\n")
    assert code == 1 and f"{second} -> {first}" in stderr and "Aborted" in stderr
    assert current(root) == second
    code, _, stderr = blog("rollback", "--target", str(root), input="y\n")
    assert code == 0, stderr
    assert current(root) == first and b"home v1" in served(root)[1]
    log = [json.loads(line) for line in (root / "releases.log").read_text().splitlines()]
    assert (log[-1]["action"], log[-1]["release"], log[-1]["previous"]) == (
        "rollback",
        first,
        second,
    )
    code, _, stderr = blog("rollback", "--target", str(root), "--yes")
    assert code == 1 and f"{root}: no release older than the current one" in stderr
    code, _, stderr = blog("rollback", "--target", str(root), "--to", "nope", "--yes")
    assert code == 1 and f"{root}: no release 'nope' here" in stderr


def test_rollback_refuses_a_damaged_release(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root))["release"]
    second = publish_json(write_build(tmp_path / "b2", "v2"), str(root))["release"]
    (root / "releases" / first / "site/index.html").write_text("tampered")
    code, _, stderr = blog("rollback", "--target", str(root), "--yes")
    assert code == 1
    assert f"release {first} does not match its manifest (content differs: site/index.html" in (
        stderr
    )
    assert current(root) == second


def test_broken_internal_link_is_refused_before_touching_the_target(tmp_path: Path) -> None:
    build = write_build(tmp_path / "b", extra={"bad/index.html": '<a href="../nowhere/">x</a>'})
    root = tmp_path / "srv"
    code, stdout, stderr = blog("publish", "--from", str(build), "--target", str(root))
    assert code == 1 and stdout == ""
    assert "the build is not publishable" in stderr
    assert "site/bad/index.html: link to '../nowhere/' points to no file" in stderr
    assert not root.exists()


def test_search_index_that_does_not_open_is_refused(tmp_path: Path) -> None:
    build = write_build(tmp_path / "b")
    (build / "search-index").mkdir()
    (build / "search-index" / "junk").write_text("not an index")
    code, _, stderr = blog("publish", "--from", str(build), "--target", str(tmp_path / "srv"))
    assert code == 1 and "search-index: cannot be opened" in stderr


def test_search_index_is_published_beside_the_site(tmp_path: Path) -> None:
    from whoosh import fields, index

    build = write_build(tmp_path / "b")
    (build / "search-index").mkdir()
    ix = index.create_in(str(build / "search-index"), fields.Schema(title=fields.TEXT(stored=True)))
    with ix.writer() as writer:
        writer.add_document(title="hello")
    ix.close()
    root = tmp_path / "srv"
    publish_json(build, str(root))
    opened = index.open_dir(str(root / "current" / "search-index"))
    assert opened.doc_count() == 1
    opened.close()


def test_not_a_release_root_is_refused_unless_init(tmp_path: Path) -> None:
    build = write_build(tmp_path / "b")
    root = tmp_path / "home"
    root.mkdir()
    (root / "notes.txt").write_text("mine")
    code, _, stderr = blog("publish", "--from", str(build), "--target", str(root))
    assert code == 1
    assert f"Error: {root}: not a release root (no releases/ folder) and not empty" in stderr
    assert sorted(p.name for p in root.iterdir()) == ["notes.txt"]
    publish_json(build, str(root), extra=("--init",))
    assert (root / "notes.txt").read_text() == "mine" and (root / "current/site").is_dir()


def test_current_that_is_a_real_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    (root / "releases").mkdir(parents=True)
    (root / "current").mkdir()
    code, _, stderr = blog(
        "publish", "--from", str(write_build(tmp_path / "b")), "--target", str(root)
    )
    assert code == 1 and f"{root}: `current` is a real file or folder" in stderr


def test_lock_held_by_a_live_process_blocks_publish(tmp_path: Path) -> None:
    build = write_build(tmp_path / "b")
    root = tmp_path / "srv"
    first = publish_json(build, str(root))["release"]
    from tools.publish import lock_details

    (root / ".publish.lock").mkdir()
    (root / ".publish.lock/details").write_text(lock_details("publish").to_json())  # us: alive
    code, _, stderr = blog("publish", "--from", str(build), "--target", str(root))
    assert code == 1
    assert f"{root}: locked by a publish by" in stderr and f"(pid {os.getpid()})" in stderr
    assert f"blog unlock --target {root} --force" in stderr
    assert current(root) == first and release_dirs(root) == [first]
    code, _, stderr = blog("unlock", "--target", str(root))
    assert code == 1 and "may still be running; pass --force" in stderr
    code, _, stderr = blog("unlock", "--target", str(root), "--force")
    assert code == 0 and "removed the lock" in stderr
    assert not (root / ".publish.lock").exists()


def test_stale_lock_is_reported_with_how_to_clear_it(tmp_path: Path) -> None:
    build = write_build(tmp_path / "b")
    root = tmp_path / "srv"
    publish_json(build, str(root))
    from dataclasses import replace

    from tools.publish import lock_details

    child = subprocess.Popen(["true"])
    child.wait()
    (root / ".publish.lock").mkdir()
    details = replace(lock_details("publish"), pid=child.pid)
    (root / ".publish.lock/details").write_text(details.to_json())
    code, _, stderr = blog("publish", "--from", str(build), "--target", str(root))
    assert code == 1
    assert "that process is no longer running (a stale lock" in stderr
    assert f"Clear it with `blog unlock --target {root}`" in stderr
    code, _, stderr = blog("unlock", "--target", str(root))
    assert code == 0 and f"(pid {child.pid})" in stderr
    publish_json(build, str(root))


def test_several_targets_none_switches_when_one_fails(tmp_path: Path) -> None:
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root_a), str(root_b))["release"]
    assert current(root_a) == current(root_b) == first
    # b's lock is held by a live publish: a must not switch either.
    from tools.publish import lock_details

    (root_b / ".publish.lock").mkdir()
    (root_b / ".publish.lock/details").write_text(lock_details("publish").to_json())
    build = write_build(tmp_path / "b2", "v2")
    code, _, stderr = blog(
        "publish", "--from", str(build), "--target", str(root_a), "--target", str(root_b)
    )
    assert code == 1 and f"{root_b}: locked" in stderr
    assert current(root_a) == first and release_dirs(root_a) == [first]
    assert not (root_a / ".publish.lock").exists()


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    return mounted.returncode == 0


def test_disk_full_on_one_target_switches_none_and_cleans_up(tmp_path: Path) -> None:
    small = tmp_path / "small"
    if not _mount_tmpfs(small, "64k"):
        pytest.skip("needs root and tmpfs mounts to simulate a full disk")
    try:
        big = tmp_path / "big"
        first = publish_json(write_build(tmp_path / "b1", "v1"), str(big), str(small))["release"]
        huge = write_build(tmp_path / "b2", "v2", extra={"huge.html": "x" * 200_000})
        code, _, stderr = blog(
            "publish", "--from", str(huge), "--target", str(big), "--target", str(small)
        )
        assert code == 1
        assert f"Error: {small}: cannot write" in stderr and "no space left on device" in stderr
        for root in (big, small):
            assert current(root) == first and release_dirs(root) == [first], root
            assert not (root / ".publish.lock").exists()
            assert b"home v1" in served(root)[1]
    finally:
        subprocess.run(["umount", str(small)], check=False)


def test_permission_denied_names_the_target(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop CAP_DAC_OVERRIDE")
    build = write_build(tmp_path / "b")
    root = tmp_path / "srv"
    first = publish_json(build, str(root))["release"]
    (root / "releases").chmod(0o555)
    drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
    result = subprocess.run(
        [*drop, str(BLOG), "publish", "--from", str(build), "--target", str(root)],
        capture_output=True,
        text=True,
    )
    (root / "releases").chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert f"Error: {root}: cannot write" in result.stderr
    assert "Permission denied" in result.stderr
    assert current(root) == first and release_dirs(root) == [first]


def _wait_for(condition: object, what: str) -> None:
    for _ in range(600):
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _slow_publish(build: Path, root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BLOG), "publish", "--from", str(build), "--target", str(root), "--bwlimit", "64"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _big_build(folder: Path) -> Path:
    pages = {f"big/{i}.html": f"<p>{i}</p>" + "x" * 16_000 for i in range(40)}
    return write_build(folder, "v2", extra=pages)


def _uploading(root: Path) -> bool:
    partials = list((root / "releases").glob("*.partial/site/big"))
    return bool(partials) and any(partials[0].iterdir())


def test_killed_mid_upload_keeps_current_and_next_publish_cleans_up(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root))["release"]
    process = _slow_publish(_big_build(tmp_path / "b2"), root)
    try:
        _wait_for(lambda: _uploading(root), "the upload to start")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert current(root) == first and b"home v1" in served(root)[1]
    (partial,) = [name for name in release_dirs(root) if name.endswith(".partial")]
    code, _, stderr = blog("publish", "--from", str(tmp_path / "b1"), "--target", str(root))
    assert code == 1 and "stale lock" in stderr and "blog unlock" in stderr
    assert blog("unlock", "--target", str(root))[0] == 0
    summary = publish_json(tmp_path / "b1", str(root))
    assert summary["targets"][0]["cleaned"] == [partial]
    assert release_dirs(root) == [first, summary["release"]]


def test_terminated_mid_upload_cleans_up_itself(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    first = publish_json(write_build(tmp_path / "b1", "v1"), str(root))["release"]
    process = _slow_publish(_big_build(tmp_path / "b2"), root)
    try:
        _wait_for(lambda: _uploading(root), "the upload to start")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate()
    assert process.returncode != 0, stderr
    assert current(root) == first and release_dirs(root) == [first]
    assert not (root / ".publish.lock").exists()


def test_publish_builds_the_site_strictly(make_site: MakeSite, tmp_path: Path) -> None:
    guide = "Title: Writing guide\nSlug: writing-guide\n\nHow to write.\n"
    site = make_site(
        {"content/posts/2026/a.md": post("Hello publish"), "content/pages/writing-guide.md": guide}
    )
    root = tmp_path / "srv"
    code, stdout, stderr = blog("publish", "--root", str(site), "--target", str(root), "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["commit"] == "nogit"
    assert (root / "current/site/posts/2026/hello-publish/index.html").is_file()
    (site / "content/posts/2026/b.md").write_text(post("Loose", date="March 4, 2026"))
    code, _, stderr = blog("publish", "--root", str(site), "--target", str(root))
    assert code == 1 and "nothing was published" in stderr and "[non-iso-date]" in stderr
