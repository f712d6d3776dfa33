"""Measure the search index alone: a full build and one-post updates, in CPU seconds.

    python bench/index_bench.py prepare SITE sources.pickle   # once: build SITE, keep the sources
    python bench/index_bench.py run sources.pickle INDEX_DIR  # measure

`prepare` builds the site at SITE (a folder with pelicanconf.py and content/) with `blog
build`'s code, but instead of indexing it pickles the `DocumentSource`s the search plugin
would index. `run` loads them, then in a forked child (as the build does) builds a fresh
index at INDEX_DIR (deleting what is there) with `update_index`, and prints its CPU
seconds (user + sys of the child and every process it started), the child's peak RSS
and its growth over the parent's size, then the seconds of a one-post update and a
one-post delete. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def prepare(site: Path, target: Path) -> None:
    import plugins.search_index as plugin
    from plugins.search_index.writer import IndexReport
    from tools.build import build_site

    def keep_sources(index_dir: Path, sources: Any) -> IndexReport:
        target.write_bytes(pickle.dumps(list(sources), protocol=pickle.HIGHEST_PROTOCOL))
        return IndexReport(len(sources), 0, 0, 0, 0, rebuilt=False, seconds=0.0)

    plugin.update_index = keep_sources  # type: ignore[assignment]
    result = build_site(site)
    print(f"{result.posts} posts; sources in {target}")


def _rss_kb() -> int:
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run(sources_file: Path, index_dir: Path) -> None:
    from plugins.search_index.writer import update_index

    sources = pickle.loads(sources_file.read_bytes())
    shutil.rmtree(index_dir, ignore_errors=True)  # a full build, not an update
    base_kb = _rss_kb()
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        report = update_index(index_dir, sources)
        mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        os.write(write_fd, pickle.dumps((report, mine)))
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        report, child_peak = pickle.loads(pipe.read())
    _, _, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    grand = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = grand.ru_utime + grand.ru_stime
    print(f"full build: {len(sources)} docs, {wall:.2f} s wall, {cpu:.2f} CPU s")
    print(f"  index process: {usage.ru_utime + usage.ru_stime:.2f} CPU s (its own + waited-for)")
    growth = (child_peak - base_kb) / 1024
    print(
        f"  peak RSS of the index process {child_peak / 1024:.0f} MB (parent before fork "
        f"{base_kb / 1024:.0f} MB, growth {growth:.0f} MB)"
    )
    print(f"  report: {report}")
    size = sum(f.stat().st_size for f in index_dir.iterdir()) / 1e6
    print(f"  index size {size:.1f} MB")
    changed = list(sources)
    one = changed[len(changed) // 2]
    changed[len(changed) // 2] = replace(
        one,
        content_html=one.content_html + "<p>One more paragraph, edited for the benchmark.</p>",
        content_hash="edited" + one.content_hash[6:],
    )
    for label, docs in (("update one post", changed), ("delete one post", changed[:-1])):
        cpu_before = time.process_time()
        started = time.perf_counter()
        report = update_index(index_dir, docs)
        print(
            f"{label}: {time.perf_counter() - started:.3f} s wall, "
            f"{time.process_time() - cpu_before:.3f} CPU s ({report.seconds} s reported)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    first = commands.add_parser("prepare")
    first.add_argument("site", type=Path)
    first.add_argument("target", type=Path)
    second = commands.add_parser("run")
    second.add_argument("sources", type=Path)
    second.add_argument("index_dir", type=Path)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.site.resolve(), args.target.resolve())
    else:
        run(args.sources, args.index_dir)


if __name__ == "__main__":
    main()
