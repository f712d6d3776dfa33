"""`blog preview`: build with drafts and a preview banner, serve it, rebuild on every save.

Each build goes into a fresh folder under `<output>/builds/`, and `<output>/current` is
switched to it with an atomic symlink replace; the server re-resolves `current/site` on
every request (tools.serve), so a reader never sees a half-written site.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plugins._shared.problems import BlogError
from tools.build import BuildResult, build_site, load_settings

KEEP_BUILDS = 2  # the live one and the one before it (requests may still be reading it)


@dataclass(slots=True)
class Preview:
    """A preview folder holding numbered builds and a `current` symlink to the live one."""

    root: Path
    output: Path

    def rebuild(self) -> BuildResult:
        """Build the site with drafts into a new folder and make it the live one."""
        builds = self.output / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        build_dir = builds / f"{time.time_ns()}"
        result = build_site(self.root, output=build_dir / "site", drafts=True)
        link = self.output / "current"
        staging = self.output / f".current-{os.getpid()}"
        staging.unlink(missing_ok=True)
        staging.symlink_to(build_dir.relative_to(self.output), target_is_directory=True)
        staging.replace(link)  # atomic: readers see the old build or the new one
        for old in sorted(builds.iterdir(), key=lambda p: p.name)[:-KEEP_BUILDS]:
            shutil.rmtree(old, ignore_errors=True)
        return result


def watched_paths(root: Path) -> list[Path]:
    """Return what a rebuild depends on: the content folder, the theme and pelicanconf.py."""
    settings = load_settings(root.resolve(), {})
    candidates = [
        Path(settings["PATH"]),
        Path(settings["THEME"]),
        root.resolve() / "pelicanconf.py",
    ]
    return [path for path in candidates if path.exists()]


def run_preview(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    output: Path | None = None,
    on_ready: Callable[[str], None] = print,
    log: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> None:
    """Build, serve on host:port (0 picks a free port) and rebuild on change until `stop`.

    `on_ready` gets the URL once the first build is served; `log` gets build summaries and
    problems. Ctrl-C (KeyboardInterrupt) or `stop.set()` ends it and closes the server.
    """
    import waitress
    import watchfiles

    from tools.serve import make_app

    root = root.resolve()
    preview = Preview(root, (output or root / "output" / "preview").resolve())
    paths = watched_paths(root)
    _build_and_report(preview, log)
    try:
        server = waitress.create_server(
            make_app(preview.output), host=host, port=port, threads=4, ident="intrablog-preview"
        )
    except OSError as error:
        raise BlogError(f"cannot listen on {host}:{port}: {error.strerror}; try --port") from error
    thread = threading.Thread(target=server.run, name="preview-server", daemon=True)
    thread.start()
    try:
        on_ready(f"http://{host}:{server.effective_port}/")
        for changes in watchfiles.watch(*paths, stop_event=stop, step=50, raise_interrupt=False):
            names = sorted({Path(name).name for _, name in changes})
            log(f"Changed: {', '.join(names)}; rebuilding")
            _build_and_report(preview, log)
    finally:
        server.close()
        thread.join(timeout=5)


def _build_and_report(preview: Preview, log: Callable[[str], None]) -> None:
    try:
        result = preview.rebuild()
    except Exception as error:
        # A half-edited pelicanconf.py or template must not end the preview: say what broke
        # and keep serving the last good build until the next save.
        log(f"Error: {type(error).__name__}: {error}; still serving the previous build")
        return
    for problem in result.problems:
        log(str(problem))
    log(
        f"Preview built: {result.posts} posts, {result.drafts} draft(s), {result.pages} pages "
        f"in {result.seconds:.2f} s; {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s)"
    )
