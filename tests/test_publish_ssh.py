"""`blog publish` over SSH to a real, throwaway sshd on 127.0.0.1 (skipped without one).

Needs `sshd`, `ssh`, `ssh-keygen` and `rsync` (Debian: `apt-get install openssh-server
rsync`) and root, because sshd must switch to the logged-in user.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.publishing import blog, current, release_dirs, served, write_build

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
MISSING = [name for name in ("ssh", "ssh-keygen", "rsync") if shutil.which(name) is None]
if SSHD is None:
    MISSING.append("sshd")
BLOG = Path(sys.executable).with_name("blog")

needs_sshd = pytest.mark.skipif(
    bool(MISSING) or os.geteuid() != 0,
    reason=f"needs root and {', '.join(MISSING) or 'sshd'} (apt-get install openssh-server rsync)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Sshd:
    """A running throwaway sshd and the options to reach it."""

    port: int
    options: tuple[str, ...]

    def target(self, path: Path) -> str:
        return f"ssh://root@127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """Start sshd on a free loopback port with a generated host key and client key."""
    folder = tmp_path_factory.mktemp("sshd")
    for key in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / key)], check=True
        )
    shutil.copy(folder / "client.pub", folder / "authorized_keys")
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1:{port}\nHostKey {folder / 'host'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\n"  # tmp_path is under /tmp, which sshd's mode check refuses
    )
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {(folder / 'host.pub').read_text()}")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    assert SSHD is not None
    subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
    with (folder / "sshd.log").open("w") as log:
        process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.02)
    options = (
        "--identity",
        str(folder / "client"),
        "--ssh-option",
        f"UserKnownHostsFile={folder / 'known_hosts'}",
        "--ssh-option",
        "StrictHostKeyChecking=yes",
    )
    try:
        yield Sshd(port, options)
    finally:
        process.terminate()
        process.wait(timeout=10)


@needs_sshd
def test_publish_over_ssh_links_unchanged_files_and_rolls_back(sshd: Sshd, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    target = sshd.target(root)
    pages = {f"posts/p{i}/index.html": f"<p>post {i}</p>" + "x" * 4000 for i in range(30)}
    build = write_build(tmp_path / "b1", "v1", extra=pages)
    code, stdout, stderr = blog(
        "publish", "--from", str(build), "--target", target, "--json", *sshd.options
    )
    assert code == 0, stderr
    first = json.loads(stdout)["release"]
    assert current(root) == first and b"home v1" in served(root)[1]

    build2 = write_build(tmp_path / "b2", "v2", extra=pages)
    code, stdout, stderr = blog(
        "publish", "--from", str(build2), "--target", target, "--json", *sshd.options
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    second, report = summary["release"], summary["targets"][0]
    assert (report["added"], report["changed"], report["removed"]) == (0, 2, 0)
    assert report["files_copied"] == 2 and report["files_linked"] == summary["files"] - 2
    assert report["bytes_copied"] < summary["bytes"] / 10
    old, new = root / "releases" / first / "site", root / "releases" / second / "site"
    assert (old / "posts/p7/index.html").stat().st_ino == (
        new / "posts/p7/index.html"
    ).stat().st_ino
    assert b"home v2" in served(root)[1]

    code, stdout, _ = blog("releases", "--target", target, "--json", *sshd.options)
    assert code == 0
    assert [(r["id"], r["current"]) for r in json.loads(stdout)[0]["releases"]] == [
        (second, True),
        (first, False),
    ]
    code, _, stderr = blog("rollback", "--target", target, "--yes", *sshd.options)
    assert code == 0, stderr
    assert current(root) == first and b"home v1" in served(root)[1]
    log = [json.loads(line) for line in (root / "releases.log").read_text().splitlines()]
    assert [entry["action"] for entry in log] == ["publish", "publish", "rollback"]
    assert not (root / ".publish.lock").exists()


@needs_sshd
def test_remote_that_is_not_a_release_root_fails_and_local_target_is_untouched(
    sshd: Sshd, tmp_path: Path
) -> None:
    local = tmp_path / "local"
    build = write_build(tmp_path / "b1")
    code, stdout, stderr = blog("publish", "--from", str(build), "--target", str(local), "--json")
    first = json.loads(stdout)["release"]
    remote = tmp_path / "home"
    remote.mkdir()
    (remote / "keep.txt").write_text("x")
    target = sshd.target(remote)
    code, _, stderr = blog(
        "publish", "--from", str(build), "--target", str(local), "--target", target, *sshd.options
    )
    assert code == 1 and f"Error: {target}: not a release root" in stderr
    assert current(local) == first and release_dirs(local) == [first]
    assert sorted(p.name for p in remote.iterdir()) == ["keep.txt"]


def test_unreachable_host_names_the_target(tmp_path: Path) -> None:
    if shutil.which("ssh") is None or shutil.which("rsync") is None:
        pytest.skip("needs ssh and rsync")
    target = f"ssh://root@127.0.0.1:{free_port()}/srv/blog"
    build = write_build(tmp_path / "b")
    code, _, stderr = blog("publish", "--from", str(build), "--target", target)
    assert code == 1
    assert f"Error: {target}: cannot connect over ssh:" in stderr
    assert "Connection refused" in stderr


@needs_sshd
def test_killed_mid_upload_over_ssh_keeps_current(sshd: Sshd, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    target = sshd.target(root)
    code, stdout, stderr = blog(
        "publish",
        "--from",
        str(write_build(tmp_path / "b1")),
        "--target",
        target,
        "--json",
        *sshd.options,
    )
    assert code == 0, stderr
    first = json.loads(stdout)["release"]
    big = {f"big/{i}.html": os.urandom(8000).hex() for i in range(40)}
    build = write_build(tmp_path / "b2", "v2", extra=big)
    process = subprocess.Popen(
        [
            str(BLOG),
            "publish",
            "--from",
            str(build),
            "--target",
            target,
            "--bwlimit",
            "64",
            *sshd.options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            if any((root / "releases").glob("*.partial/site/big/*")):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the upload never started")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert current(root) == first and b"home v1" in served(root)[1]
    assert any(name.endswith(".partial") for name in release_dirs(root))
    assert blog("unlock", "--target", target, *sshd.options)[0] == 0
    code, stdout, stderr = blog(
        "publish", "--from", str(tmp_path / "b1"), "--target", target, "--json", *sshd.options
    )
    assert code == 0, stderr
    assert json.loads(stdout)["targets"][0]["cleaned"]
    assert not any(name.endswith(".partial") for name in release_dirs(root))
