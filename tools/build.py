"""Run Pelican in-process and turn its log into located, countable problems.

Pelican logs a broken post and skips it, and exits 0. Here every warning and error is
collected as a `Problem` (`path:line: message [code]`); errors fail the build, and with
`strict` warnings do too.

A process that builds repeatedly (`blog preview`) passes a `BuildSession`
(plugins._shared.session): it reaches the plugins as the runtime setting BUILD_SESSION
(never written in pelicanconf.py), and it holds what builds reuse in memory instead of
reloading it from CACHE_PATH. In a session Pelican's own reader-cache loading is turned
off (LOAD_CONTENT_CACHE=False; plugins.fastbuild keeps that cache in the session and reads
the file once), and the session is dropped whenever the settings or the plugins' code
change, and told when a build fails.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from plugins._shared.problems import (
    BlogError,
    Problem,
    ProblemReport,
    Severity,
    problem_from_record,
)
from plugins._shared.session import SETTING as SESSION_SETTING
from plugins._shared.session import BuildSession

logger = logging.getLogger(__name__)
SETTINGS_FILE = "pelicanconf.py"
# Pelican names files relative to the content folder ("posts/2026/x.md").
_UNRESOLVED_LINK = re.compile(r"^Unable to find '(?P<target>[^']+)'")
_LINK_CODES = frozenset({"broken-link", "missing-image", "missing-attachment"})
_SOURCE_IN_MESSAGE = re.compile(r"(?P<path>[\w./-]+\.(?:md|markdown|mkd|mdown|html|htm|rst))\b")


@dataclass(slots=True)
class BuildResult(ProblemReport):
    """What a build produced and what went wrong."""

    output: Path
    posts: int = 0
    drafts: int = 0
    pages: int = 0
    files_written: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    patched: bool = False  # one post's body patched into the last build (patch_site)

    def count_content(self, generators: Iterable[Any]) -> None:
        """Count the posts, drafts and pages the generators hold."""
        for generator in generators:
            self.posts += len(getattr(generator, "articles", []))
            self.drafts += len(getattr(generator, "drafts", []))
            self.pages += len(getattr(generator, "pages", ()))

    @contextmanager
    def counting_writes(self) -> Iterator[None]:
        """Count the files written inside the block."""
        from pelican import signals

        def count_written(path: str, context: Any = None) -> None:
            self.files_written += 1

        signals.content_written.connect(count_written, weak=False)
        try:
            yield
        finally:
            signals.content_written.disconnect(count_written)

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON summary printed by `blog build --json`."""
        return {
            "output": str(self.output),
            "posts": self.posts,
            "drafts": self.drafts,
            "pages": self.pages,
            "files_written": self.files_written,
            "seconds": round(self.seconds, 3),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_json() for p in self.problems],
        }


class ProblemCollector(logging.Handler):
    """Collect WARNING and above as problems; records from our plugins carry their own."""

    def __init__(self, content_dir: Path) -> None:
        super().__init__(level=logging.WARNING)
        self.content_dir = content_dir
        self.problems: list[Problem] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Turn one log record into a problem, locating the file it names when possible."""
        problem = problem_from_record(record)
        if problem is None:
            link = _UNRESOLVED_LINK.match(record.getMessage())
            located = self._locate_link(link["target"]) if link else []
            if located:
                self.problems.extend(p for p in located if not self._link_reported(p))
                return
            problem = self._from_pelican(record)
        if self._already_reported(problem):
            return
        self.problems.append(problem)

    def _locate_link(self, target: str) -> list[Problem]:
        """Find the lines that hold an internal link Pelican could not resolve."""
        needles = [f"{{{kind}}}{target}" for kind in ("filename", "static", "attach")]
        found = []
        for source in sorted(self.content_dir.rglob("*.md")):
            text = source.read_text(encoding="utf-8", errors="replace")
            if not any(needle in text for needle in needles):
                continue
            relative = PurePosixPath(
                self.content_dir.name, *source.relative_to(self.content_dir).parts
            )
            for number, line in enumerate(text.splitlines(), start=1):
                if any(needle in line for needle in needles):
                    message = (
                        f"internal link to {target!r} points to no file under "
                        f"{self.content_dir.name}/; fix the path (relative to "
                        f"{self.content_dir.name}/, starting with /)"
                    )
                    found.append(
                        Problem(relative, number, message, "broken-link", Severity.WARNING)
                    )
        return found

    def _from_pelican(self, record: logging.LogRecord) -> Problem:
        message = record.getMessage().strip().splitlines()[0]
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message}: {record.exc_info[1]}"
        severity = Severity.ERROR if record.levelno >= logging.ERROR else Severity.WARNING
        path = PurePosixPath(SETTINGS_FILE)
        match = _SOURCE_IN_MESSAGE.search(message)
        if match:
            source = self.content_dir / match["path"]  # absolute paths stay absolute
            if source.is_file() and source.resolve().is_relative_to(self.content_dir.resolve()):
                relative = source.resolve().relative_to(self.content_dir.resolve())
                path = PurePosixPath(self.content_dir.name, *relative.parts)
                message = message.replace(match["path"], path.as_posix())
        code = "pelican-error" if severity is Severity.ERROR else "pelican-warning"
        return Problem(path=path, line=1, message=message, code=code, severity=severity)

    def _link_reported(self, problem: Problem) -> bool:
        # plugins.content_checks reported this link (with a code and a hint) before writing.
        return any(
            p.path == problem.path and p.line == problem.line and p.code in _LINK_CODES
            for p in self.problems
        )

    def _already_reported(self, problem: Problem) -> bool:
        if problem.code == "pelican-warning" and problem.message.startswith("Empty alt"):
            # Pelican's alt-text warning has no line; plugins.content_checks gave one.
            return any(p.path == problem.path and p.code == "image-alt" for p in self.problems)
        # Pelican's own "Skipping x.md" follows our located report of why x.md is broken.
        return problem.code == "pelican-error" and any(
            p.path == problem.path and p.severity is Severity.ERROR for p in self.problems
        )


def reset_pelican_log_dedup() -> None:
    """Forget the warnings Pelican's log filter has seen in this process.

    Pelican's LimitFilter drops a warning identical to one logged before, process-wide,
    so a second build in the same process (tests, preview rebuilds) would lose its
    warnings and `--strict` would pass where it must fail.
    """
    from pelican.log import LimitFilter

    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()


@contextmanager
def collecting_problems(content_dir: Path) -> Iterator[ProblemCollector]:
    """Attach a problem collector to the root logger for the duration of the block."""
    reset_pelican_log_dedup()
    collector = ProblemCollector(content_dir)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(collector)
    root.setLevel(min(previous_level or logging.WARNING, logging.WARNING))
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        root.setLevel(previous_level)


def build_overrides(
    output: Path | None, drafts: bool, site_url: str | None, now: date | None = None
) -> dict[str, Any]:
    """Return the settings a build overrides in pelicanconf.py (all paths absolute)."""
    overrides: dict[str, Any] = {}
    if now is not None:
        overrides["FEATURED_NOW"] = now.isoformat()
    if output is not None:
        overrides["OUTPUT_PATH"] = str(output.resolve())
    if site_url:
        overrides["SITEURL"] = site_url.rstrip("/")
        overrides["FEED_DOMAIN"] = site_url.rstrip("/")
    if drafts:
        overrides.update(
            DRAFT_URL="drafts/{slug}/",
            DRAFT_SAVE_AS="drafts/{slug}/index.html",
            DRAFT_PAGE_URL="drafts/pages/{slug}/",
            DRAFT_PAGE_SAVE_AS="drafts/pages/{slug}/index.html",
            PREVIEW=True,
        )
    return overrides


def load_settings(root: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """Read pelicanconf.py from the site root with `overrides` applied."""
    from pelican.settings import read_settings

    settings_path = root / SETTINGS_FILE
    if not settings_path.is_file():
        raise BlogError(f"{settings_path}: not found; run blog from the site root or pass --root")
    settings: dict[str, Any] = read_settings(str(settings_path), override=overrides)
    return settings


def build_site(
    root: Path,
    *,
    output: Path | None = None,
    drafts: bool = False,
    site_url: str | None = None,
    now: date | None = None,
    session: BuildSession | None = None,
) -> BuildResult:
    """Build the site at `root` with Pelican and return counts and problems.

    With a `session`, what the build reads and computes is kept in it for the next build
    of the same process (see the module docstring).
    """
    from pelican import Pelican, signals

    with _reporting(root, build_overrides(output, drafts, site_url, now)) as (settings, result):
        if session is not None:
            join_session(settings, session)
        signals.all_generators_finalized.connect(result.count_content, weak=False)
        try:
            with result.counting_writes(), _ending(session):
                Pelican(settings).run()
        finally:
            signals.all_generators_finalized.disconnect(result.count_content)
    return result


def patch_site(
    root: Path,
    changed: Iterable[Path],
    *,
    session: BuildSession,
    output: Path | None = None,
    drafts: bool = False,
    site_url: str | None = None,
    now: date | None = None,
) -> BuildResult | None:
    """Rebuild by patching one post's new body into the session's kept build.

    `changed`: the files that changed since the last build. Returns None when the change
    is not exactly one post's body, or nothing is kept (plugins.fastbuild.patch says
    why at DEBUG): the caller then builds in full (`build_site`), as it must.
    """
    from plugins._shared.patching import CannotPatch
    from plugins.fastbuild.patch import kept_build, patch_edit

    if kept_build(session) is None:
        return None
    with _reporting(root, build_overrides(output, drafts, site_url, now)) as (settings, result):
        if not session.is_current(session_key(settings)):
            return None
        try:
            with result.counting_writes(), _ending(session):
                kept = patch_edit(session, [str(path) for path in changed])
        except CannotPatch as why:
            logger.debug("not patched: %s", why)
            return None
        result.count_content(kept.generators)
        result.patched = True
    return result


@contextmanager
def _reporting(
    root: Path, overrides: dict[str, Any]
) -> Iterator[tuple[dict[str, Any], BuildResult]]:
    """Load the settings and collect a build's problems and time into its BuildResult."""
    from pelican.log import console

    started = time.perf_counter()
    # Pelican prints its own summary on stdout; stdout belongs to our data (--json).
    console.quiet = True
    root = root.resolve()
    with collecting_problems(root / "content") as collector:
        settings = load_settings(root, overrides)
        collector.content_dir = Path(settings["PATH"])
        result = BuildResult(output=Path(settings["OUTPUT_PATH"]))
        yield settings, result
    result.problems = sorted(collector.problems, key=lambda p: (str(p.path), p.line, p.code))
    result.seconds = time.perf_counter() - started


@contextmanager
def _ending(session: BuildSession | None) -> Iterator[None]:
    """A session build's end: a failure drops what describes the output; nothing is kept alive."""
    from plugins._shared.patching import CannotPatch
    from plugins.fastbuild.patch import stop_recording
    from plugins.fastbuild.session import release_build

    try:
        yield
    except CannotPatch:
        raise  # nothing was written: the caller builds in full
    except BaseException:
        if session is not None:
            session.failed()
        raise
    finally:
        stop_recording()  # a build that failed before writing still records warnings
        if session is not None:
            release_build(session)  # the session keeps nothing of this build's posts


def session_key(settings: dict[str, Any]) -> bytes:
    """What a session's state depends on: our code and the settings (without the session)."""
    from plugins.fastbuild.fingerprint import ValueDigests
    from plugins.fastbuild.writer import code_digest

    plain = {k: v for k, v in settings.items() if k != SESSION_SETTING}
    return ValueDigests().digest([code_digest(), plain])


def join_session(settings: dict[str, Any], session: BuildSession) -> None:
    """Put the session into the settings; drop its state if settings or code changed."""
    from plugins.fastbuild.session import READER_CACHE_WANTED, forget_rendered_content

    settings.pop(SESSION_SETTING, None)
    wanted = bool(settings.get("LOAD_CONTENT_CACHE"))
    session.adopt(session_key(settings))
    forget_rendered_content()  # the last build's posts, kept alive by Pelican's memos
    session.lasting("fastbuild")[READER_CACHE_WANTED] = wanted
    settings["LOAD_CONTENT_CACHE"] = False
    settings[SESSION_SETTING] = session
