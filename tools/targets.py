"""Publish targets: a local folder, or `user@host:/path` reached with ssh and rsync.

Both kinds offer the same small set of operations on a release root (see tools/releases.py
for the layout); `tools/publish.py` decides which to call and in what order. Every error is
a `PublishError` whose message starts with the target as the user wrote it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tools.releases import (
    COMPONENTS,
    CURRENT,
    CURRENT_TMP,
    DELETING_SUFFIX,
    LOCK_DETAILS,
    LOCK_DIR,
    LOG_FILE,
    MANIFEST,
    PARTIAL_SUFFIX,
    RELEASES_DIR,
    LockDetails,
    Manifest,
    PublishError,
    file_sha256,
    parse_sha256sum_z,
)

Progress = Callable[[int], None]
_SSH_URL = re.compile(
    r"^ssh://(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+)(?::(?P<port>\d+))?(?P<path>/.*)$"
)
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^:/]+):(?P<path>.+)$")
_RSYNC_STAT = re.compile(r"^(?P<key>[A-Za-z ]+): (?P<value>[\d,]+)")
SSH_TIMEOUT = 15


@dataclass(frozen=True, slots=True)
class TargetState:
    """What a target root holds, read before deciding anything."""

    exists: bool
    empty: bool
    has_releases: bool
    current_kind: str  # "none", "symlink" or "other" (a real file or folder: refuse)
    current_link: str | None
    entries: tuple[str, ...]
    lock: str | None  # the lock's details text ("" without details) or None when free

    @property
    def current(self) -> str | None:
        """Return the release name `current` points to (`releases/<name>`), if any."""
        if self.current_link is None:
            return None
        link = self.current_link.rstrip("/")
        prefix = f"{RELEASES_DIR}/"
        return link[len(prefix) :] if link.startswith(prefix) else None


@dataclass(slots=True)
class TransferStats:
    """How much an upload actually wrote, as opposed to reused from the previous release."""

    files_copied: int = 0
    files_linked: int = 0
    bytes_copied: int = 0

    def to_json(self) -> dict[str, int]:
        """Return the stats for the JSON summary and the release log."""
        return {
            "files_copied": self.files_copied,
            "files_linked": self.files_linked,
            "bytes_copied": self.bytes_copied,
        }


@dataclass(slots=True)
class Target:
    """Base class: one release root. `label` is the target as the user wrote it."""

    label: str

    def fail(self, message: str) -> PublishError:
        """Return an error naming this target."""
        return PublishError(f"{self.label}: {message}")

    def connect(self) -> None:
        """Check the target is reachable (ssh: open one shared connection)."""

    def close(self) -> None:
        """Release connections opened by `connect`."""

    def probe(self) -> TargetState:
        """Return what the root holds."""
        raise NotImplementedError

    def init(self) -> None:
        """Create the root (if missing) and its releases/ folder."""
        raise NotImplementedError

    def lock(self, details: LockDetails) -> str | None:
        """Take the publish lock; return None, or the holder's details text when it is taken."""
        raise NotImplementedError

    def unlock(self) -> None:
        """Release the publish lock (removing a stale one is the same operation)."""
        raise NotImplementedError

    def remove(self, names: list[str]) -> None:
        """Delete release folders; complete ones are renamed `.deleting` first."""
        raise NotImplementedError

    def read_manifest(self, name: str) -> Manifest | None:
        """Return the manifest of a release, or None when it has none."""
        raise NotImplementedError

    def upload(
        self,
        name: str,
        components: Mapping[str, Path],
        manifest: Manifest,
        previous: str | None,
        previous_manifest: Manifest | None,
        progress: Progress,
    ) -> TransferStats:
        """Upload a build into `releases/<name>.partial/`, reusing files of `previous`."""
        raise NotImplementedError

    def hashes(self, name: str) -> dict[str, str]:
        """Return `path -> sha256` of every file in `releases/<name>` but the manifest."""
        raise NotImplementedError

    def finalize(self, name: str) -> None:
        """Rename `releases/<name>.partial` to `releases/<name>` and flush it to disk."""
        raise NotImplementedError

    def switch(self, name: str) -> None:
        """Point `current` at `releases/<name>` atomically (new symlink renamed over it)."""
        raise NotImplementedError

    def append_log(self, line: str) -> None:
        """Append one line to the release log."""
        raise NotImplementedError

    def read_log(self) -> str:
        """Return the release log ('' when there is none)."""
        raise NotImplementedError


def _os_error(error: OSError) -> str:
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        reason = "no space left on device"
    where = f" {error.filename}" if error.filename else ""
    return f"{reason}:{where}" if where else reason


@dataclass(slots=True)
class LocalTarget(Target):
    """A release root on this machine (a mounted share works too)."""

    root: Path = field(default_factory=Path)
    throttle_kbps: int | None = None

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            raise self.fail(f"cannot {doing}: {_os_error(error)}") from error

    def probe(self) -> TargetState:
        """Return what the root holds."""
        with self._errors("read the target"):
            if not self.root.exists():
                return TargetState(False, True, False, "none", None, (), None)
            if not self.root.is_dir():
                raise self.fail("exists and is not a folder")
            names = list(self.root.iterdir())
            releases = self.root / RELEASES_DIR
            entries = tuple(sorted(p.name for p in releases.iterdir())) if releases.is_dir() else ()
            current = self.root / CURRENT
            link = str(current.readlink()) if current.is_symlink() else None
            kind = "symlink" if link is not None else ("other" if current.exists() else "none")
            lock_dir = self.root / LOCK_DIR
            lock = None
            if lock_dir.is_dir():
                details = lock_dir / LOCK_DETAILS
                lock = details.read_text(encoding="utf-8") if details.is_file() else ""
            return TargetState(True, not names, releases.is_dir(), kind, link, entries, lock)

    def init(self) -> None:
        """Create the root (if missing) and its releases/ folder."""
        with self._errors("create the release root"):
            (self.root / RELEASES_DIR).mkdir(parents=True, exist_ok=True)

    def lock(self, details: LockDetails) -> str | None:
        """Take the publish lock; return None, or the holder's details text when it is taken."""
        lock_dir = self.root / LOCK_DIR
        with self._errors("take the publish lock"):
            try:
                lock_dir.mkdir()
            except FileExistsError:
                path = lock_dir / LOCK_DETAILS
                return path.read_text(encoding="utf-8") if path.is_file() else ""
            (lock_dir / LOCK_DETAILS).write_text(details.to_json(), encoding="utf-8")
        return None

    def unlock(self) -> None:
        """Release the publish lock (removing a stale one is the same operation)."""
        with self._errors("release the publish lock"):
            shutil.rmtree(self.root / LOCK_DIR, ignore_errors=False)

    def remove(self, names: list[str]) -> None:
        """Delete release folders; complete ones are renamed `.deleting` first."""
        releases = self.root / RELEASES_DIR
        with self._errors("remove old releases"):
            for name in names:
                path = releases / name
                if not name.endswith((PARTIAL_SUFFIX, DELETING_SUFFIX)):
                    doomed = releases / f"{name}{DELETING_SUFFIX}"
                    path.rename(doomed)  # never leave a half-deleted release that looks whole
                    path = doomed
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)

    def read_manifest(self, name: str) -> Manifest | None:
        """Return the manifest of a release, or None when it has none."""
        path = self.root / RELEASES_DIR / name / MANIFEST
        with self._errors(f"read {path}"):
            if not path.is_file():
                return None
            text = path.read_text(encoding="utf-8")
        return Manifest.from_json(text, f"{self.label}: {path}")

    def upload(
        self,
        name: str,
        components: Mapping[str, Path],
        manifest: Manifest,
        previous: str | None,
        previous_manifest: Manifest | None,
        progress: Progress,
    ) -> TransferStats:
        """Copy a build into `releases/<name>.partial/`, hardlinking files whose hash is known."""
        releases = self.root / RELEASES_DIR
        partial = releases / f"{name}{PARTIAL_SUFFIX}"
        reusable: dict[str, Path] = {}
        if previous and previous_manifest:
            for path, digest in previous_manifest.files.items():
                reusable.setdefault(digest, releases / previous / path)
        stats = TransferStats()
        with self._errors(f"write {partial}"):
            partial.mkdir()
            for key, digest in sorted(manifest.files.items()):
                component, _, relative = key.partition("/")
                source = components[component] / relative
                destination = partial / key
                destination.parent.mkdir(parents=True, exist_ok=True)
                if self._link(reusable.get(digest), destination):
                    stats.files_linked += 1
                else:
                    shutil.copyfile(source, destination)
                    shutil.copymode(source, destination)
                    stats.files_copied += 1
                    stats.bytes_copied += destination.stat().st_size
                    if self.throttle_kbps:
                        time.sleep(destination.stat().st_size / (self.throttle_kbps * 1024))
                progress(1)
            (partial / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        return stats

    @staticmethod
    def _link(existing: Path | None, destination: Path) -> bool:
        if existing is None or not existing.is_file():
            return False
        try:
            os.link(existing, destination)
        except OSError:  # another filesystem, too many links: copy instead
            return False
        return True

    def hashes(self, name: str) -> dict[str, str]:
        """Return `path -> sha256` of every file in `releases/<name>` but the manifest."""
        folder = self.root / RELEASES_DIR / name
        found: dict[str, str] = {}
        with self._errors(f"read {folder}"):
            for path in sorted(folder.rglob("*")):
                key = path.relative_to(folder).as_posix()
                if key == MANIFEST or (path.is_dir() and not path.is_symlink()):
                    continue
                found[key] = file_sha256(path) if path.is_file() else "not-a-regular-file"
        return found

    def finalize(self, name: str) -> None:
        """Rename `releases/<name>.partial` to `releases/<name>` and flush it to disk."""
        releases = self.root / RELEASES_DIR
        with self._errors(f"finish release {name}"):
            os.sync()  # the files reach the disk before anything points at them
            (releases / f"{name}{PARTIAL_SUFFIX}").rename(releases / name)
            _fsync_dir(releases)

    def switch(self, name: str) -> None:
        """Point `current` at `releases/<name>` atomically (new symlink renamed over it)."""
        current = self.root / CURRENT
        tmp = self.root / CURRENT_TMP
        with self._errors(f"switch current to {name}"):
            if not (self.root / RELEASES_DIR / name).is_dir():
                raise self.fail(f"release {name} does not exist")
            if current.exists() and not current.is_symlink():
                raise self.fail(f"{current} is not a symlink; move it away first")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(f"{RELEASES_DIR}/{name}")
            tmp.replace(current)  # rename(2): readers see the old or the new, never none
            _fsync_dir(self.root)

    def append_log(self, line: str) -> None:
        """Append one line to the release log."""
        with self._errors("append to the release log"), (self.root / LOG_FILE).open("a") as log:
            log.write(line)
            log.flush()
            os.fsync(log.fileno())

    def read_log(self) -> str:
        """Return the release log ('' when there is none)."""
        path = self.root / LOG_FILE
        with self._errors("read the release log"):
            return path.read_text(encoding="utf-8") if path.is_file() else ""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(slots=True)
class SshTarget(Target):
    """A release root on another machine: commands over ssh, files with rsync.

    One ssh connection is opened by `connect` and shared (ControlMaster) by every later
    command and rsync, so a publish costs one authentication per target.
    """

    host: str = ""
    path: str = ""
    user: str | None = None
    port: int | None = None
    identity: Path | None = None
    ssh_options: tuple[str, ...] = ()
    throttle_kbps: int | None = None
    _control_dir: str | None = None

    @property
    def destination(self) -> str:
        """Return `user@host` (or `host`)."""
        return f"{self.user}@{self.host}" if self.user else self.host

    def ssh_args(self) -> list[str]:
        """Return the ssh command without the destination."""
        args = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={SSH_TIMEOUT}"]
        if self.port:
            args += ["-p", str(self.port)]
        if self.identity:
            args += ["-i", str(self.identity), "-o", "IdentitiesOnly=yes"]
        for option in self.ssh_options:
            args += ["-o", option]
        if self._control_dir:
            args += ["-o", f"ControlPath={self._control_dir}/cm-%C"]
        return args

    def connect(self) -> None:
        """Open the shared connection; a refused, unknown or unreachable host fails here."""
        if shutil.which("ssh") is None:
            raise self.fail("ssh is not installed on this machine")
        if shutil.which("rsync") is None:
            raise self.fail("rsync is not installed on this machine")
        self._control_dir = tempfile.mkdtemp(prefix="blog-ssh-")
        command = [
            *self.ssh_args(),
            "-o",
            "ControlMaster=yes",
            "-o",
            "ControlPersist=60",
            "-f",
            "-N",
            self.destination,
        ]
        with tempfile.TemporaryFile() as errors:
            # The master lives on in the background: it must not hold our pipes open.
            result = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors
            )
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
        if result.returncode != 0:
            self.close()
            last = message.splitlines()[-1] if message else f"ssh exited {result.returncode}"
            raise self.fail(f"cannot connect over ssh: {last}")

    def close(self) -> None:
        """Stop the shared connection."""
        if self._control_dir is None:
            return
        subprocess.run(
            [*self.ssh_args(), "-O", "exit", self.destination],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=SSH_TIMEOUT,
            check=False,
        )
        shutil.rmtree(self._control_dir, ignore_errors=True)
        self._control_dir = None

    def run(self, script: str, stdin: bytes = b"", check: bool = True) -> bytes:
        """Run a POSIX sh script in the release root's parent context; return stdout."""
        command = [*self.ssh_args(), self.destination, "--", "sh", "-c", shlex.quote(script)]
        result = subprocess.run(command, input=stdin, capture_output=True, check=False)
        if check and result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            if result.returncode == 255:
                raise self.fail(f"ssh failed: {message or 'connection lost'}")
            raise self.fail(message or f"remote command exited {result.returncode}")
        return result.stdout

    def _in_root(self, script: str) -> str:
        root = shlex.quote(self.path)
        fail = f"{{ echo {shlex.quote(f'cannot enter {self.path}')} >&2; exit 3; }}"
        return f"set -e; cd {root} 2>/dev/null || {fail}; {script}"

    def probe(self) -> TargetState:
        """Return what the root holds (one round trip)."""
        root = shlex.quote(self.path)
        script = f"""
command -v rsync >/dev/null || {{ echo "rsync is not installed on {self.host}" >&2; exit 3; }}
if [ ! -e {root} ]; then echo exists=no; exit 0; fi
if [ ! -d {root} ]; then echo "{self.path} exists and is not a folder" >&2; exit 3; fi
cd {root} || exit 3
echo exists=yes
if [ -n "$(ls -A .)" ]; then echo empty=no; else echo empty=yes; fi
if [ -d releases ]; then echo releases=yes; for n in releases/* releases/.[!.]*; do
  [ -e "$n" ] && echo "entry=${{n#releases/}}"; done; fi
if [ -L current ]; then echo "current=$(readlink current)";
elif [ -e current ]; then echo current_kind=other; fi
if [ -d {LOCK_DIR} ]; then echo locked=yes; cat {LOCK_DIR}/{LOCK_DETAILS} 2>/dev/null \\
  | sed 's/^/lock=/'; fi
"""
        values: dict[str, list[str]] = {}
        for line in self.run(script).decode("utf-8", "replace").splitlines():
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
        if values.get("exists") != ["yes"]:
            return TargetState(False, True, False, "none", None, (), None)
        link = values.get("current", [None])[0]
        kind = "symlink" if link is not None else values.get("current_kind", ["none"])[0]
        lock = "\n".join(values.get("lock", [])) if "locked" in values else None
        return TargetState(
            True,
            values.get("empty") == ["yes"],
            "releases" in values,
            kind,
            link,
            tuple(sorted(values.get("entry", []))),
            lock,
        )

    def init(self) -> None:
        """Create the root (if missing) and its releases/ folder."""
        self.run(f"mkdir -p {shlex.quote(self.path)}/{RELEASES_DIR}")

    def lock(self, details: LockDetails) -> str | None:
        """Take the publish lock (mkdir is atomic on the remote too)."""
        output = self.run(
            self._in_root(
                f"if mkdir {LOCK_DIR} 2>/dev/null; then cat > {LOCK_DIR}/{LOCK_DETAILS}; "
                f"echo ACQUIRED; else echo HELD; cat {LOCK_DIR}/{LOCK_DETAILS} 2>/dev/null "
                "|| true; fi"
            ),
            stdin=details.to_json().encode(),
        ).decode("utf-8", "replace")
        status, _, rest = output.partition("\n")
        return None if status == "ACQUIRED" else rest

    def unlock(self) -> None:
        """Release the publish lock."""
        self.run(self._in_root(f"rm -rf {LOCK_DIR}"))

    def remove(self, names: list[str]) -> None:
        """Delete release folders; complete ones are renamed `.deleting` first."""
        if not names:
            return
        steps = []
        for name in names:
            quoted = shlex.quote(name)
            if name.endswith((PARTIAL_SUFFIX, DELETING_SUFFIX)):
                steps.append(f"rm -rf {RELEASES_DIR}/{quoted}")
            else:
                doomed = shlex.quote(f"{name}{DELETING_SUFFIX}")
                steps.append(
                    f"mv -T {RELEASES_DIR}/{quoted} {RELEASES_DIR}/{doomed} && "
                    f"rm -rf {RELEASES_DIR}/{doomed}"
                )
        self.run(self._in_root("; ".join(steps)))

    def read_manifest(self, name: str) -> Manifest | None:
        """Return the manifest of a release, or None when it has none."""
        path = f"{RELEASES_DIR}/{name}/{MANIFEST}"
        output = self.run(self._in_root(f"if [ -f {shlex.quote(path)} ]; then cat {path}; fi"))
        if not output.strip():
            return None
        return Manifest.from_json(output.decode("utf-8"), f"{self.label}: {path}")

    def upload(
        self,
        name: str,
        components: Mapping[str, Path],
        manifest: Manifest,
        previous: str | None,
        previous_manifest: Manifest | None,
        progress: Progress,
    ) -> TransferStats:
        """rsync each part into `releases/<name>.partial/<part>/`, hardlinking unchanged files.

        `-c --no-times`: every build rewrites every file's mtime, so rsync must compare
        content (not mtimes) to link a file from `--link-dest` (measured, see the deploy note).
        """
        partial = f"{RELEASES_DIR}/{name}{PARTIAL_SUFFIX}"
        self.run(
            self._in_root(
                f"mkdir {shlex.quote(partial)} && cat > {shlex.quote(partial)}/{MANIFEST}"
            ),
            stdin=manifest.to_json().encode(),
        )
        remote_shell = " ".join(shlex.quote(a) for a in self.ssh_args())
        stats = TransferStats()
        for component in COMPONENTS:
            if component not in components:
                continue
            command = [
                "rsync",
                "-a",
                "-c",
                "--no-times",
                "--stats",
                "--out-format=>>> %i %n",
                "-e",
                remote_shell,
            ]
            has_previous = previous_manifest is not None and any(
                p.startswith(f"{component}/") for p in previous_manifest.files
            )
            if previous and has_previous:
                # Relative to the destination folder; rsync silently copies all if it is missing.
                command.append(f"--link-dest=../../{previous}/{component}")
            if self.throttle_kbps:
                command.append(f"--bwlimit={self.throttle_kbps}")
            remote = f"{self.path.rstrip('/')}/{partial}/{component}/"
            command += [f"{components[component]}/", f"{self.destination}:{remote}"]
            self._rsync(command, stats, progress)
        stats.files_linked = max(0, len(manifest.files) - stats.files_copied)
        return stats

    def _rsync(self, command: list[str], stats: TransferStats, progress: Progress) -> None:
        found: dict[str, int] = {}
        with subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            for line in process.stdout:
                if line.startswith(">>> "):
                    if line[4:6] in ("<f", ">f"):
                        progress(1)
                    continue
                match = _RSYNC_STAT.match(line.strip())
                if match:
                    found[match["key"]] = int(match["value"].replace(",", ""))
            errors = process.stderr.read()
            code = process.wait()
        if code != 0:
            # Any nonzero exit, 23/24 included, is a failed upload: never switch to it.
            detail = errors.strip().splitlines()
            message = "; ".join(line for line in detail if line)[-500:] or "no message"
            raise self.fail(f"upload failed (rsync exit {code}): {message}")
        stats.files_copied += found.get("Number of regular files transferred", 0)
        stats.bytes_copied += found.get("Total transferred file size", 0)

    def hashes(self, name: str) -> dict[str, str]:
        """Hash the uploaded release on the remote (sha256sum) and return `path -> sha256`."""
        folder = shlex.quote(f"{RELEASES_DIR}/{name}")
        output = self.run(
            self._in_root(
                f"cd {folder} && find . -type f ! -path ./{MANIFEST} -print0 "
                "| xargs -0r sha256sum -z"
            )
        )
        return parse_sha256sum_z(output)

    def finalize(self, name: str) -> None:
        """Flush the upload to disk, then rename `.partial` to the release name."""
        partial = shlex.quote(f"{RELEASES_DIR}/{name}{PARTIAL_SUFFIX}")
        final = shlex.quote(f"{RELEASES_DIR}/{name}")
        self.run(self._in_root(f"sync -f {partial} && mv -T {partial} {final} && sync releases"))

    def switch(self, name: str) -> None:
        """`ln -s` beside `current`, then `mv -T` over it: one rename(2), never a gap."""
        release = shlex.quote(f"{RELEASES_DIR}/{name}")
        self.run(
            self._in_root(
                f'[ -d {release} ] || {{ echo "release {name} does not exist" >&2; exit 3; }}; '
                f"if [ -e {CURRENT} ] && [ ! -L {CURRENT} ]; then "
                f"echo {shlex.quote(f'{self.path}/{CURRENT} is not a symlink; move it away')} >&2; "
                "exit 3; fi; "
                f"rm -f {CURRENT_TMP} && ln -s {release} {CURRENT_TMP} && "
                f"mv -T {CURRENT_TMP} {CURRENT} && sync ."
            )
        )

    def append_log(self, line: str) -> None:
        """Append one line to the release log."""
        self.run(self._in_root(f"cat >> {LOG_FILE}"), stdin=line.encode())

    def read_log(self) -> str:
        """Return the release log ('' when there is none)."""
        output = self.run(self._in_root(f"if [ -f {LOG_FILE} ]; then cat {LOG_FILE}; fi"))
        return output.decode("utf-8", "replace")


def parse_target(
    spec: str,
    *,
    identity: Path | None = None,
    ssh_options: tuple[str, ...] = (),
    throttle_kbps: int | None = None,
) -> Target:
    """Return the target for `spec`: `ssh://user@host:port/path`, `user@host:/path` or a folder."""
    match = _SSH_URL.match(spec)
    if match:
        return SshTarget(
            spec,
            host=match["host"],
            path=match["path"],
            user=match["user"],
            port=int(match["port"]) if match["port"] else None,
            identity=identity,
            ssh_options=ssh_options,
            throttle_kbps=throttle_kbps,
        )
    match = _SCP_LIKE.match(spec)
    if match and not spec.startswith(("/", ".")):
        return SshTarget(
            spec,
            host=match["host"],
            path=match["path"],
            user=match["user"],
            identity=identity,
            ssh_options=ssh_options,
            throttle_kbps=throttle_kbps,
        )
    if not spec.strip():
        raise PublishError("empty --target; give a folder or user@host:/path")
    return LocalTarget(spec, root=Path(spec).expanduser().absolute(), throttle_kbps=throttle_kbps)
