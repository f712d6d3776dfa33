"""`blog publish`, `blog releases`, `blog rollback` and `blog unlock`: safe releases.

A publish builds the site (`--strict`), checks the build (no problems, every internal link
resolves, the search index opens), hashes every file into a manifest, then for each target:
takes its lock, removes what an interrupted publish left, uploads into
`releases/<id>.partial/` reusing unchanged files of the live release, and re-hashes the
upload against the manifest. Only when every target holds a verified copy are the copies
renamed to `releases/<id>` and `current` switched on each (a symlink renamed over it).
Until then readers keep the previous release; a failure on any target switches none.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import posixpath
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from tools.releases import (
    MANIFEST,
    PARTIAL_SUFFIX,
    Changes,
    LockDetails,
    Manifest,
    PublishError,
    ReleaseId,
    bundle_components,
    compare_to_manifest,
    diff_manifests,
    leftover_names,
    log_line,
    new_release_id,
    parse_log,
    previous_release,
    release_names,
    releases_to_prune,
    scan_bundle,
)
from tools.targets import Target, TargetState, TransferStats, parse_target

# Paths answered by `blog serve` (search, API) rather than files in the release.
DYNAMIC_PATHS = ("search", "api/")
LINK_SELECTORS = "a[href], link[href], img[src], script[src], source[src], iframe[src]"
MAX_LISTED = 20


class Reporter(Protocol):
    """Where a long operation reports progress and notes (the CLI: a rich stderr console)."""

    def note(self, message: str) -> None:
        """Report one line of what happened."""

    def progress(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        """Return a context giving a function that advances a progress bar by n."""


class QuietReporter:
    """A reporter that collects notes and shows no progress (tests, --json)."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        """Keep the note."""
        self.notes.append(message)

    @contextlib.contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """Return a progress function that does nothing."""
        yield lambda n: None


class RichReporter:
    """Notes and a transfer progress bar on a rich console (stderr)."""

    def __init__(self, console: Any) -> None:
        self.console = console

    def note(self, message: str) -> None:
        """Print the note."""
        self.console.print(message, markup=False, highlight=False)

    @contextlib.contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """Show a bar counting files while the block runs (only on a terminal)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach targets: ssh key, extra ssh options and an upload bandwidth limit."""

    identity: Path | None = None
    ssh_options: tuple[str, ...] = ()
    bwlimit_kbps: int | None = None

    def target(self, spec: str) -> Target:
        """Return the target for a `--target` value."""
        return parse_target(
            spec,
            identity=self.identity,
            ssh_options=self.ssh_options,
            throttle_kbps=self.bwlimit_kbps,
        )


@dataclass(slots=True)
class TargetReport:
    """What happened (or would happen) on one target."""

    target: str
    previous: str | None
    changes: Changes
    transfer: TransferStats = field(default_factory=TransferStats)
    cleaned: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    def to_json(self, with_paths: bool) -> dict[str, Any]:
        """Return the per-target part of the JSON summary."""
        data: dict[str, Any] = {
            "target": self.target,
            "previous": self.previous,
            **self.changes.counts(),
            **self.transfer.to_json(),
            "cleaned": self.cleaned,
            "pruned": self.pruned,
        }
        if with_paths:
            data["paths"] = {
                "added": self.changes.added,
                "changed": self.changes.changed,
                "removed": self.changes.removed,
            }
        return data


@dataclass(slots=True)
class PublishReport:
    """The outcome of `blog publish` (with `dry_run`, what it would do)."""

    release: str
    commit: str
    dry_run: bool
    files: int
    bytes: int
    targets: list[TargetReport]
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON printed by `blog publish --json`."""
        return {
            "release": self.release,
            "commit": self.commit,
            "dry_run": self.dry_run,
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "targets": [t.to_json(self.dry_run) for t in self.targets],
        }


# --- the build and its checks -----------------------------------------------------------


def git_commit(root: Path) -> tuple[str, bool]:
    """Return the short sha of HEAD in `root` and whether tracked files are modified."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=7", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "nogit", False
    return sha, bool(status.strip())


def broken_links(site: Path) -> list[str]:
    """Return `site/<page>: link to 'x' points to no file` for every dead internal link."""
    from selectolax.lexbor import LexborHTMLParser

    broken = []
    site = site.resolve()
    for page in sorted(site.rglob("*.html")):
        parser = LexborHTMLParser(page.read_text(encoding="utf-8", errors="replace"))
        relative_page = page.relative_to(site).as_posix()
        for node in parser.css(LINK_SELECTORS):
            url = node.attributes.get("href") or node.attributes.get("src")
            if not url or url.startswith(("#", "//")):
                continue
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            path = unquote(parts.path)
            base = "" if path.startswith("/") else posixpath.dirname(relative_page)
            resolved = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
            if resolved == "." or resolved.startswith(DYNAMIC_PATHS):
                continue
            target = site / resolved
            escapes = resolved.startswith("..")
            exists = not escapes and (
                target.is_file() or (target.is_dir() and (target / "index.html").is_file())
            )
            if not exists:
                broken.append(f"site/{relative_page}: link to {url!r} points to no file")
    return broken


def index_problems(index_dir: Path) -> list[str]:
    """Return why the Whoosh index in `index_dir` cannot be opened (empty when it opens)."""
    from whoosh import index as whoosh_index

    try:
        ix = whoosh_index.open_dir(str(index_dir))
        try:
            ix.doc_count()
        finally:
            ix.close()
    except Exception as error:  # whoosh raises many kinds; all mean "do not publish"
        return [f"search-index: cannot be opened ({type(error).__name__}: {error})"]
    return []


def check_bundle(components: Mapping[str, Path]) -> None:
    """Raise PublishError unless every internal link resolves and the index opens."""
    problems = broken_links(components["site"])
    if "search-index" in components:
        problems += index_problems(components["search-index"])
    if problems:
        listed = "\n  ".join(problems[:MAX_LISTED])
        more = (
            f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        )
        raise PublishError(f"the build is not publishable:\n  {listed}{more}")


def build_bundle(root: Path, into: Path) -> dict[str, Path]:
    """Build the site at `root` strictly into `into/site`; raise PublishError on any problem."""
    from tools.build import build_site

    result = build_site(root, output=into / "site")
    if result.failed(strict=True):
        listed = "\n  ".join(str(p) for p in result.problems[:MAX_LISTED])
        raise PublishError(
            f"{root}: the build has {len(result.errors)} error(s) and "
            f"{len(result.warnings)} warning(s); nothing was published:\n  {listed}"
        )
    return bundle_components(into)


# --- locking ----------------------------------------------------------------------------


def lock_details(command: str) -> LockDetails:
    """Return the details written into a lock this process takes."""
    return LockDetails(
        pid=os.getpid(),
        host=socket.gethostname(),
        user=getpass.getuser(),
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
    )


def holder_is_dead(details: LockDetails | None) -> bool:
    """Return whether a lock's holder is provably gone (same host, process not running)."""
    if details is None or details.host != socket.gethostname():
        return False
    try:
        os.kill(details.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lock_message(target: Target, text: str) -> str:
    """Explain who holds a target's lock and how to clear it if it is stale."""
    details = LockDetails.from_json(text)
    who = details.describe() if details else "an unknown process (no details file)"
    if holder_is_dead(details):
        return (
            f"{target.label}: locked by a {who}, and that process is no longer running "
            f"(a stale lock left by an interrupted run). Nothing was changed. Clear it with "
            f"`blog unlock --target {target.label}`, then run again."
        )
    return (
        f"{target.label}: locked by a {who}. Nothing was changed. Wait for it to finish; "
        f"if it is not running any more, clear it with "
        f"`blog unlock --target {target.label} --force`."
    )


@contextlib.contextmanager
def locked(targets: list[Target], command: str) -> Iterator[None]:
    """Hold every target's publish lock for the block (all or none)."""
    held: list[Target] = []
    details = lock_details(command)
    try:
        for target in targets:
            holder = target.lock(details)
            if holder is not None:
                raise PublishError(lock_message(target, holder))
            held.append(target)
        yield
    finally:
        for target in reversed(held):
            with contextlib.suppress(PublishError):
                target.unlock()


@contextlib.contextmanager
def connected(targets: list[Target]) -> Iterator[None]:
    """Connect to every target for the block."""
    opened: list[Target] = []
    try:
        for target in targets:
            target.connect()
            opened.append(target)
        yield
    finally:
        for target in opened:
            target.close()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup runs (`finally` blocks, lock release)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- publish ----------------------------------------------------------------------------


def resolve_targets(specs: tuple[str, ...] | list[str], connection: Connection) -> list[Target]:
    """Parse `--target` values, refusing none and duplicates."""
    if not specs:
        raise PublishError("no --target given")
    if len(set(specs)) != len(specs):
        raise PublishError("the same --target is given twice")
    return [connection.target(spec) for spec in specs]


def check_release_root(target: Target, state: TargetState, init: bool) -> None:
    """Refuse a folder that is not a release root (unless it is empty or `init`)."""
    if state.current_kind == "other":
        raise target.fail(
            "`current` is a real file or folder, not a symlink to a release; "
            "move it away before publishing here"
        )
    if state.exists and not state.empty and not state.has_releases and not init:
        raise target.fail(
            "not a release root (no releases/ folder) and not empty; refusing to publish "
            "into it. Pick an empty or new folder, or pass --init to make this one a release root"
        )


def publish(
    root: Path,
    specs: list[str],
    *,
    keep: int = 5,
    dry_run: bool = False,
    from_dir: Path | None = None,
    init: bool = False,
    connection: Connection | None = None,
    reporter: Reporter | None = None,
    now: datetime | None = None,
) -> PublishReport:
    """Build (or take `from_dir`), check and publish to every target; see the module doc."""
    started = time.perf_counter()
    reporter = reporter or QuietReporter()
    connection = connection or Connection()
    if keep < 1:
        raise PublishError("--keep must be at least 1")
    targets = resolve_targets(specs, connection)
    commit, dirty = git_commit(root)
    with tempfile.TemporaryDirectory(prefix="blog-publish-") as scratch:
        if from_dir is not None:
            components = bundle_components(from_dir)
        else:
            reporter.note(f"Building {root} (strict) ...")
            components = build_bundle(root, Path(scratch))
        check_bundle(components)
        manifest = scan_bundle(components)
        with connected(targets):
            if dry_run:
                reports = [_plan(target, manifest, init) for target in targets]
                release = str(new_release_id(now or datetime.now(UTC), commit, []))
            else:
                release, reports = _publish(
                    targets,
                    components,
                    manifest,
                    keep,
                    init,
                    (commit, dirty, started),
                    reporter,
                    now,
                )
    report = PublishReport(
        release=release,
        commit=commit,
        dry_run=dry_run,
        files=len(manifest.files),
        bytes=manifest.total_bytes,
        targets=reports,
        seconds=time.perf_counter() - started,
    )
    return report


def _plan(target: Target, manifest: Manifest, init: bool) -> TargetReport:
    state = target.probe()
    check_release_root(target, state, init)
    current = state.current
    old = target.read_manifest(current) if current else None
    return TargetReport(target.label, current, diff_manifests(old, manifest))


def _publish(
    targets: list[Target],
    components: Mapping[str, Path],
    manifest: Manifest,
    keep: int,
    init: bool,
    commit_state: tuple[str, bool, float],
    reporter: Reporter,
    now: datetime | None,
) -> tuple[str, list[TargetReport]]:
    commit, dirty, started = commit_state
    for target in targets:
        state = target.probe()
        check_release_root(target, state, init)
        if not state.has_releases:
            target.init()
    with locked(targets, "publish"), terminate_as_interrupt():
        states = [target.probe() for target in targets]  # authoritative: we hold the locks
        for target, state in zip(targets, states, strict=True):
            check_release_root(target, state, init=True)
        reports: list[TargetReport] = []
        live: list[Manifest | None] = []
        for target, state in zip(targets, states, strict=True):
            leftovers = leftover_names(state.entries)
            if leftovers:
                target.remove(leftovers)
                reporter.note(f"{target.label}: removed unfinished {', '.join(leftovers)}")
            current = state.current
            old = target.read_manifest(current) if current else None
            report = TargetReport(target.label, current, diff_manifests(old, manifest))
            report.cleaned = leftovers
            reports.append(report)
            live.append(old)
        existing = [name for state in states for name in state.entries]
        release = str(new_release_id(now or datetime.now(UTC), commit, existing))
        uploaded: list[Target] = []
        try:
            for target, report, old in zip(targets, reports, live, strict=True):
                uploaded.append(target)
                _upload_and_verify(target, release, components, (manifest, old), report, reporter)
            for target in targets:
                target.finalize(release)
        except BaseException:
            _discard(uploaded, release, reporter)
            raise
        _switch_all(
            [(t, release, r.previous) for t, r in zip(targets, reports, strict=True)], reporter
        )
        for target, state, report in zip(targets, states, reports, strict=True):
            names = [*release_names(state.entries), release]
            doomed = releases_to_prune(names, keep, (release, report.previous))
            try:
                target.remove(doomed)
                report.pruned = doomed
            except PublishError as error:  # the release is live; a failed prune is not fatal
                reporter.note(f"warning: {error}")
        seconds = time.perf_counter() - started
        _append_logs(targets, release, commit, dirty, len(manifest.files), reports, seconds)
    return release, reports


def _upload_and_verify(
    target: Target,
    release: str,
    components: Mapping[str, Path],
    manifests: tuple[Manifest, Manifest | None],
    report: TargetReport,
    reporter: Reporter,
) -> None:
    manifest, old = manifests
    previous = report.previous
    to_send = len(report.changes.added) + len(report.changes.changed)
    with reporter.progress(f"Uploading to {target.label}", max(to_send, 1)) as advance:
        report.transfer = target.upload(release, components, manifest, previous, old, advance)
    found = target.hashes(f"{release}{PARTIAL_SUFFIX}")
    problems = compare_to_manifest(manifest, found)
    if problems:
        listed = "; ".join(problems[:5])
        raise target.fail(f"the upload does not match the manifest ({listed}); nothing switched")
    reporter.note(
        f"{target.label}: uploaded {report.transfer.files_copied} file(s), "
        f"{report.transfer.bytes_copied} bytes; reused {report.transfer.files_linked}; verified"
    )


def _discard(targets: list[Target], release: str, reporter: Reporter) -> None:
    for target in targets:
        try:
            target.remove([f"{release}{PARTIAL_SUFFIX}"])
            state = target.probe()
            if release in state.entries and state.current != release:
                target.remove([release])
        except PublishError as error:
            reporter.note(f"warning: could not remove the unfinished release: {error}")


def _switch_all(moves: list[tuple[Target, str, str | None]], reporter: Reporter) -> None:
    """Switch each target to its release; if one fails, switch the done ones back."""
    switched: list[tuple[Target, str | None]] = []
    for target, release, before in moves:
        try:
            target.switch(release)
        except PublishError as error:
            for done, back in reversed(switched):
                if back is None:
                    continue
                try:
                    done.switch(back)
                    reporter.note(f"{done.label}: switched back to {back}")
                except PublishError as undo_error:
                    reporter.note(f"warning: {undo_error}")
            raise PublishError(f"{error}; the other targets were switched back") from error
        switched.append((target, before))


def _append_logs(
    targets: list[Target],
    release: str,
    commit: str,
    dirty: bool,
    files: int,
    reports: list[TargetReport],
    seconds: float,
) -> None:
    for target, report in zip(targets, reports, strict=True):
        entry = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": "publish",
            "release": release,
            "previous": report.previous,
            "who": f"{getpass.getuser()}@{socket.gethostname()}",
            "commit": commit,
            "dirty": dirty,
            "files": files,
            **report.changes.counts(),
            **report.transfer.to_json(),
            "pruned": report.pruned,
            "duration": round(seconds, 3),
        }
        try:
            target.append_log(log_line(entry))
        except PublishError:
            # The release is live; losing a log line must not turn success into failure.
            continue


# --- releases, rollback, unlock ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """One release on a target, for `blog releases`."""

    id: str
    date: str
    commit: str
    current: bool
    who: str | None
    files: int | None

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape."""
        return {
            "id": self.id,
            "date": self.date,
            "commit": self.commit,
            "current": self.current,
            "who": self.who,
            "files": self.files,
        }


def list_releases(spec: str, connection: Connection | None = None) -> list[ReleaseInfo]:
    """Return the complete releases on a target, newest first."""
    target = (connection or Connection()).target(spec)
    with connected([target]):
        state = target.probe()
        if not state.exists or not state.has_releases:
            raise target.fail("not a release root (no releases/ folder); publish to it first")
        log = {e.get("release"): e for e in parse_log(target.read_log())}
    infos = []
    for name in reversed(release_names(state.entries)):
        parsed = ReleaseId.parse(name)
        assert parsed is not None
        entry = log.get(name, {})
        infos.append(
            ReleaseInfo(
                id=name,
                date=parsed.stamp.isoformat(),
                commit=parsed.commit,
                current=name == state.current,
                who=entry.get("who"),
                files=entry.get("files"),
            )
        )
    return infos


@dataclass(frozen=True, slots=True)
class RollbackStep:
    """Switch one target from `current` to `to`."""

    target: str
    current: str | None
    to: str


def plan_rollback(
    specs: list[str], to: str | None, connection: Connection | None = None
) -> list[RollbackStep]:
    """Return what a rollback would switch on each target (reads only)."""
    targets = resolve_targets(specs, connection or Connection())
    with connected(targets):
        return [_rollback_step(target, target.probe(), to) for target in targets]


def _rollback_step(target: Target, state: TargetState, to: str | None) -> RollbackStep:
    if not state.exists or not state.has_releases:
        raise target.fail("not a release root (no releases/ folder); nothing to roll back")
    releases = release_names(state.entries)
    if to is None:
        to = previous_release(releases, state.current)
        if to is None:
            raise target.fail(
                f"no release older than the current one ({state.current}) to roll back to"
            )
    elif to not in releases:
        known = ", ".join(reversed(releases[-5:])) or "none"
        raise target.fail(f"no release {to!r} here (newest: {known}); see `blog releases`")
    return RollbackStep(target.label, state.current, to)


def rollback(
    specs: list[str],
    to: str | None,
    connection: Connection | None = None,
    reporter: Reporter | None = None,
) -> list[RollbackStep]:
    """Verify the chosen release on every target, then switch each back to it atomically."""
    reporter = reporter or QuietReporter()
    started = time.perf_counter()
    targets = resolve_targets(specs, connection or Connection())
    with connected(targets), locked(targets, "rollback"), terminate_as_interrupt():
        steps = [_rollback_step(target, target.probe(), to) for target in targets]
        for target, step in zip(targets, steps, strict=True):
            manifest = target.read_manifest(step.to)
            if manifest is None:
                raise target.fail(f"release {step.to} has no {MANIFEST}; cannot verify it")
            problems = compare_to_manifest(manifest, target.hashes(step.to))
            if problems:
                raise target.fail(
                    f"release {step.to} does not match its manifest "
                    f"({'; '.join(problems[:5])}); not switching to it"
                )
        moves = [(t, step.to, step.current) for t, step in zip(targets, steps, strict=True)]
        _switch_all(moves, reporter)
        for target, step in zip(targets, steps, strict=True):
            entry = {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "action": "rollback",
                "release": step.to,
                "previous": step.current,
                "who": f"{getpass.getuser()}@{socket.gethostname()}",
                "duration": round(time.perf_counter() - started, 3),
            }
            target.append_log(log_line(entry))
    return steps


def unlock(spec: str, force: bool, connection: Connection | None = None) -> str:
    """Remove a target's publish lock if its holder is dead (or with `force`); say what it did."""
    target = (connection or Connection()).target(spec)
    with connected([target]):
        state = target.probe()
        if state.lock is None:
            return f"{target.label}: not locked"
        details = LockDetails.from_json(state.lock)
        who = details.describe() if details else "an unknown process"
        if not force and not holder_is_dead(details):
            raise target.fail(
                f"locked by a {who}, which may still be running; "
                "pass --force if you are sure it is not"
            )
        target.unlock()
        return f"{target.label}: removed the lock held by a {who}"
