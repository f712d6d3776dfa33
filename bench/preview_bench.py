"""Benchmark `blog preview`: seconds from saving a post to the served page showing the edit.

    python bench/preview_bench.py [--posts 5000]

Copies BENCH_DIR/corpus-N/content (laid out as bench/run.py prepare() does; default
BENCH_DIR bench/.work) into BENCH_DIR/preview, starts `blog preview --port <free>` on it,
waits until the first build is served, then appends a paragraph to one post three times,
3 s after the page last showed an edit (like bench/run.py edit_one_post), and polls that
post's page over HTTP until the edit shows, and reads the preview's log until the rebuild
is done. Prints one Markdown table row: the medians and the preview process's peak RSS.
`preview_rebuild(root)` is the same measurement for bench/run.py. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EDITS = 3
FIRST_BUILD_LIMIT = 900.0  # seconds: a cold 5,000-post build on a busy 2-core machine
EDIT_LIMIT = 120.0
EDIT_PAUSE = 3.0  # seconds between the served page and the next save


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(work: Path, posts: int) -> Path:
    """Copy the corpus into work/preview with the repository's pelicanconf.py and theme."""
    corpus = work / f"corpus-{posts}"
    if not (corpus / "content").is_dir():
        sys.path.insert(0, str(HERE))
        from generate import generate

        generate(corpus, posts)
    root = work / "preview"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(corpus / "content", root / "content")
    conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    conf += f"\nTHEME = {str(REPO / 'themes' / 'intranet')!r}\n"
    (root / "pelicanconf.py").write_text(conf, encoding="utf-8")
    return root


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, text: str, limit: float, process: subprocess.Popen[bytes]) -> float:
    """Poll `url` until it contains `text`; return the time.monotonic() it did."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"blog preview exited with {process.returncode}")
        body = fetch(url)
        if body is not None and text in body:
            return time.monotonic()
        time.sleep(0.01)
    raise RuntimeError(f"{url} never showed {text!r} within {limit:.0f} s")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post_url(base: str, post: Path) -> str:
    """The preview URL of a generated post (ARTICLE_URL = posts/{date:%Y}/{slug}/)."""
    header = post.read_text(encoding="utf-8").split("\n\n", 1)[0]
    fields = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
    slug = fields.get("Slug") or post.stem
    status = fields.get("Status", "published").strip()
    if status == "draft":
        return f"{base}drafts/{slug}/"
    return f"{base}posts/{fields['Date'][:4]}/{slug}/"


@dataclass(frozen=True)
class PreviewTimes:
    """Medians over the edits: save to page served, save to rebuild done; peak RSS."""

    served: float
    built: float
    peak_mb: float
    patched: int  # edits patched into the kept build (the rest were built in full)


class BuildLog:
    """The preview's stdout, read on a thread: when each build's summary line arrived."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.built: list[float] = []
        self.patched = 0  # how many of them patched the kept build (plugins.fastbuild.patch)
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip()
            self.lines.append(line)
            if line.startswith(("Preview built:", "Preview patched:")):
                self.built.append(time.monotonic())
                self.patched += line.startswith("Preview patched:")

    def wait_for_build(self, count: int, limit: float) -> float:
        """Wait until `count` builds were logged; return when the last one was."""
        deadline = time.monotonic() + limit
        while len(self.built) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no build logged within {limit:.0f} s: {self.lines[-5:]}")
            time.sleep(0.01)
        return self.built[count - 1]


def preview_rebuild(root: Path) -> PreviewTimes:
    """Start `blog preview` on `root`; time one-post edits (medians) and its peak RSS."""
    port = free_port()
    blog = Path(sys.executable).with_name("blog")
    command = [str(blog), "preview", "--root", str(root), "--port", str(port)]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    log = BuildLog(process.stdout)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for(base, "</html>", FIRST_BUILD_LIMIT, process)
        log.wait_for_build(1, EDIT_LIMIT)
        posts = sorted((root / "content" / "posts").rglob("*.md"))
        post = posts[len(posts) // 3]
        url = post_url(base, post)
        wait_for(url, "</html>", EDIT_LIMIT, process)
        served, built = [], []
        for n in range(EDITS):
            marker = f"Preview edit number {n} for the benchmark."
            # As an author saves: not within a second of the last build. The preview has
            # gone idle (IDLE_MS) and tidied up after that build (a full collection, about
            # 1 s at 5,000 posts, tools/preview.py), and the mtimes differ.
            time.sleep(EDIT_PAUSE)
            text = post.read_text(encoding="utf-8")
            started = time.monotonic()
            post.write_text(f"{text}\n{marker}\n", encoding="utf-8")
            served.append(wait_for(url, marker, EDIT_LIMIT, process) - started)
            built.append(log.wait_for_build(n + 2, EDIT_LIMIT) - started)
        return PreviewTimes(
            statistics.median(served),
            statistics.median(built),
            peak_rss_mb(process.pid),
            log.patched,
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_DIR", HERE / ".work")).resolve()
    root = prepare(work, args.posts)
    times = preview_rebuild(root)
    print("| scenario | save to page served, s | save to rebuild done, s | peak RSS MB | patched |")
    print("|---|---|---|---|---|")
    print(
        f"| preview: one-post edit, {args.posts} posts | {times.served:.2f} | "
        f"{times.built:.2f} | {times.peak_mb:.0f} | {times.patched} of {EDITS} |"
    )


if __name__ == "__main__":
    main()
