"""`blog preview`: build with drafts and a preview banner, serve it, rebuild on every save.

Every build goes into the same folder, `<output>/site` (the search index beside it), and
is incremental: the preview owns a build session (plugins._shared.session) that keeps
Pelican's reader cache, the plugins' memos, compiled templates and the fastbuild manifest
in memory between builds, so a save re-renders only the pages it affects. It also keeps
the last finished build: when the watcher reports that only one post's body changed, the
new body is patched into it and only the output phase runs (plugins.fastbuild.patch;
about 1.5 s instead of 3.3 s at 5,000 posts); any other change drops the kept build,
collects it, and builds in full.

Why one folder and not a new folder per build: a new folder would make every rebuild a
cold one (the manifest names files in one output folder), or need a hard-linked copy of
~8,500 files whose every writer (Pelican's static copies, plugins writing files directly)
would have to replace rather than truncate, or it would corrupt the previous build
through the shared inode. Instead every page and feed the writer renders is written to a
temporary file and renamed over the old one (plugins.fastbuild.writer), and the server
opens files per request (tools.serve): a reader sees the old page or the new one, never a
half-written one. During a rebuild pages may be a mix of old and new for a moment.

Garbage collection: the session holds millions of objects, and each of Python's full
collections during a build walked them all (1-2 s per rebuild at 5,000 posts). A rebuild
runs with the collector off; afterwards, when the watcher is idle (or before the next
rebuild at the latest), one full collection frees the build's garbage and `gc.freeze()`
moves what survives (the session and the kept build) out of the collector's way until the
next one.
"""

from __future__ import annotations

import gc
import shutil
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from plugins._shared.problems import BlogError
from plugins._shared.session import BuildSession
from plugins.fastbuild.patch import drop_kept_build
from tools.build import BuildResult, build_site, load_settings, patch_site

T = TypeVar("T")
IDLE_MS = 300  # the watcher's quiet time before the preview tidies up after a build
LEGACY = ("current", "builds")  # the layout of earlier versions: one folder per build


@dataclass(slots=True)
class Preview:
    """The preview's output folder and the build session its rebuilds share."""

    root: Path
    output: Path
    session: BuildSession = field(default_factory=BuildSession)
    untidy: bool = False  # a build ran since the last tidy()

    def rebuild(self, changed: Collection[Path] = ()) -> BuildResult:
        """Build the site with drafts into `<output>/site`, incrementally.

        `changed`: the files changed since the last build, as the watcher saw them. When
        that is one post's body, the new body is patched into the last build, kept in
        the session (plugins.fastbuild.patch); otherwise the site is built in full.
        """
        if changed:
            patched = self._without_collector(
                lambda: patch_site(
                    self.root,
                    changed,
                    session=self.session,
                    output=self.output / "site",
                    drafts=True,
                )
            )
            if patched is not None:
                return patched
        if drop_kept_build(self.session):
            self.untidy = True  # collect the kept build before building another
        self.tidy()
        self.output.mkdir(parents=True, exist_ok=True)
        for name in LEGACY:
            legacy = self.output / name
            if legacy.is_symlink():
                legacy.unlink()
            elif legacy.is_dir():
                shutil.rmtree(legacy, ignore_errors=True)
        return self._without_collector(
            lambda: build_site(
                self.root, output=self.output / "site", drafts=True, session=self.session
            )
        )

    def _without_collector(self, build: Callable[[], T]) -> T:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return build()
        finally:
            self.untidy = True
            if enabled:
                gc.enable()

    def tidy(self) -> None:
        """Collect the last build's garbage; freeze what survives (see the module docstring)."""
        if self.untidy:
            self.untidy = False
            gc.unfreeze()
            gc.collect()
            gc.freeze()

    def close(self) -> None:
        """Save the session's caches to disk for the next `blog build` or preview."""
        self.session.close()


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
        for changes in watchfiles.watch(
            *paths, stop_event=stop, step=50, raise_interrupt=False,
            rust_timeout=IDLE_MS, yield_on_timeout=True,
        ):  # fmt: skip
            if not changes:  # idle
                preview.tidy()
                continue
            names = sorted({Path(name).name for _, name in changes})
            log(f"Changed: {', '.join(names)}; rebuilding")
            _build_and_report(preview, log, [Path(name) for _, name in changes])
    finally:
        server.close()
        thread.join(timeout=5)
        preview.close()


def _build_and_report(
    preview: Preview, log: Callable[[str], None], changed: Collection[Path] = ()
) -> None:
    try:
        result = preview.rebuild(changed)
    except Exception as error:
        # A half-edited pelicanconf.py or template must not end the preview: say what broke
        # and keep serving the last good build until the next save.
        log(f"Error: {type(error).__name__}: {error}; still serving the previous build")
        return
    for problem in result.problems:
        log(str(problem))
    log(
        f"Preview {'patched' if result.patched else 'built'}: {result.posts} posts, "
        f"{result.drafts} draft(s), {result.pages} pages in {result.seconds:.2f} s; "
        f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
    )
