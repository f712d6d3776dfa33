"""Pure release decisions: ids, manifests, diffs, pruning, lock details, target parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.releases import (
    LockDetails,
    Manifest,
    PublishError,
    ReleaseId,
    compare_to_manifest,
    diff_manifests,
    leftover_names,
    new_release_id,
    parse_log,
    parse_sha256sum_z,
    previous_release,
    release_names,
    releases_to_prune,
    scan_bundle,
)
from tools.targets import LocalTarget, SshTarget, parse_target

NOW = datetime(2026, 11, 23, 10, 15, 0, 500, tzinfo=UTC)


def test_release_id_is_utc_timestamp_and_commit() -> None:
    assert str(new_release_id(NOW, "abc1234", [])) == "20261123T101500Z-abc1234"
    parsed = ReleaseId.parse("20261123T101500Z-abc1234")
    assert parsed is not None and parsed.commit == "abc1234"
    assert ReleaseId.parse("20261123T101500Z-abc1234.partial") is None
    assert ReleaseId.parse("20261399T101500Z-abc1234") is None


def test_release_id_is_later_than_every_existing_one() -> None:
    existing = ["20261123T101500Z-abc1234", "20261123T101502Z-fff0000", "junk"]
    assert str(new_release_id(NOW, "abc1234", existing)) == "20261123T101503Z-abc1234"


def test_release_names_sorts_by_time_and_skips_leftovers() -> None:
    names = ["20261123T101502Z-b", "x.partial", "20261123T101500Z-c", "current", "y.deleting"]
    assert release_names(names) == ["20261123T101500Z-c", "20261123T101502Z-b"]
    assert leftover_names(names) == ["x.partial", "y.deleting"]


def test_prune_keeps_newest_and_never_current_or_previous() -> None:
    names = [f"2026112{i}T000000Z-a" for i in range(1, 7)]
    assert releases_to_prune(names, 2, (names[5], names[4])) == names[:4]
    # After a rollback, current is old: it survives even beyond --keep.
    assert releases_to_prune(names, 1, (names[5], names[0])) == names[1:5]


def test_previous_release_is_the_one_before_current() -> None:
    names = ["20261121T000000Z-a", "20261122T000000Z-b", "20261123T000000Z-c"]
    assert previous_release(names, names[2]) == names[1]
    assert previous_release(names, names[0]) is None


def test_diff_and_compare_manifests() -> None:
    old = Manifest({"site/a": "1", "site/b": "2", "site/c": "3"})
    new = Manifest({"site/a": "1", "site/b": "9", "site/d": "4"})
    changes = diff_manifests(old, new)
    assert changes.lines() == ["M site/b", "D site/c", "A site/d"]
    assert changes.counts() == {"added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    found = {"site/a": "1", "site/b": "2", "site/x": "5"}
    assert compare_to_manifest(new, found) == [
        "missing site/d",
        "content differs: site/b",
        "unexpected file site/x",
    ]


def test_manifest_round_trips_and_bad_manifest_is_named() -> None:
    manifest = Manifest({"site/a": "ab"}, {"site/a": 3})
    assert Manifest.from_json(manifest.to_json(), "x") == manifest
    with pytest.raises(PublishError, match=r"^t: r/manifest\.json: not a release manifest"):
        Manifest.from_json("[]", "t: r/manifest.json")


def test_scan_bundle_refuses_symlinks(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.html").write_text("x")
    assert list(scan_bundle({"site": tmp_path / "site"}).files) == ["site/a.html"]
    (tmp_path / "site" / "evil").symlink_to("/etc/passwd")
    with pytest.raises(PublishError, match="evil: symlinks cannot be published"):
        scan_bundle({"site": tmp_path / "site"})


def test_parse_sha256sum_zero_terminated_output() -> None:
    output = b"aa  ./site/a b.html\0bb  ./manifest-like\0"
    assert parse_sha256sum_z(output) == {"site/a b.html": "aa", "manifest-like": "bb"}


def test_lock_details_and_log_survive_garbage() -> None:
    details = LockDetails(pid=7, host="h", user="u", time="t")
    assert LockDetails.from_json(details.to_json()) == details
    assert LockDetails.from_json("{") is None
    assert parse_log('{"release": "a"}\n{"release": "b"\n') == [{"release": "a"}]


def test_parse_target_forms() -> None:
    remote = parse_target("ssh://deploy@web1:2222/srv/blog")
    assert isinstance(remote, SshTarget)
    assert (remote.user, remote.host, remote.port, remote.path) == (
        "deploy",
        "web1",
        2222,
        "/srv/blog",
    )
    scp = parse_target("web2:/srv/blog")
    assert isinstance(scp, SshTarget) and (scp.user, scp.host) == (None, "web2")
    assert isinstance(parse_target("/srv/blog"), LocalTarget)
    assert isinstance(parse_target("./a:b"), LocalTarget)
