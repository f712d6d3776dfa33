"""Benchmark plain Pelican against Intrablog on a generated corpus; print one table.

    make bench                      # 5,000 posts
    BENCH_POSTS=1000 make bench     # quicker
    make bench-search               # only the search service (builds once if needed)

Measured side by side in one run, each build in its own child process (seconds of wall
time; memory as the peak RSS of the largest process, from os.wait4, and as the peak of all
the build's processes together, their proportional set size sampled every 0.2 s):
- plain Pelican 4.12: default theme, feeds off, content cache on (its defaults otherwise);
- Intrablog: `blog build` with every plugin, the search index included;
- both on a copy of the corpus committed to a fresh git repository (as a real blog is);
- cold build (no output, no cache) BENCH_COLD_RUNS times (default 3), alternating plain
  and Intrablog, compared by median; then a rebuild after editing one post, in a new
  process; then the same edit in a running `blog preview` (bench/preview_bench.py: seconds
  from saving the post to the served page showing it, and to the rebuild being done);
- the search index: full build (inside the cold build) and update (inside the rebuild),
  as reported by the index writer;
- the access log reader: `blog stats --access-log` on a generated log of BENCH_LOG_MB
  (default 200) MB (bench/make_sample_log.py; `make bench-stats` measures it alone);
- search through `blog serve --workers N` over HTTP (N = BENCH_WORKERS, default one per
  core, at most 2): p50/p95 latency of distinct queries (one client), then requests/s
  with a concurrent client, for a mix where popular queries repeat and for all-distinct
  queries. `--search-only` measures only this, on the Intrablog build already in the work
  folder (building it first if there is none).
The work folder is BENCH_DIR (default bench/.work); nothing here is a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import preview_bench  # noqa: E402
from generate import TAGS, WORDS, codename, generate  # noqa: E402

BIN = Path(sys.executable).parent
PLAIN_CONF = """
PATH = "content"
ARTICLE_PATHS = ["posts"]
ARTICLE_EXCLUDES = ["authors", "teams", "pages"]
PAGE_PATHS = ["pages"]
OUTPUT_PATH = "output/site"
SITENAME = "Plain"
TIMEZONE = "UTC"
RELATIVE_URLS = True
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "output/cache"
"""


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of `pid` and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total / 1024


def run_child(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Run `command`; return (wall seconds, peak RSS in MB of its largest process, peak
    memory in MB of all its processes together, as proportional set size sampled every
    0.2 s: forked children share the parent's pages, which RSS would count twice)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak_pss = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not done.wait(0.2):
            peak_pss = max(peak_pss, tree_pss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{errors}")
    return seconds, usage.ru_maxrss / 1024, peak_pss


def summarize(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The median seconds and the highest memory peaks of several runs."""
    return (
        statistics.median(r[0] for r in runs),
        max(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def commit_all(root: Path) -> None:
    """Make `root` a git repository holding its content, as a real blog is."""
    git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "corpus"], check=True)


def prepare(work: Path, posts: int) -> tuple[Path, Path]:
    corpus = work / f"corpus-{posts}"
    if not (corpus / "content").is_dir():
        print(f"generating {posts} posts into {corpus}", file=sys.stderr)
        generate(corpus, posts)
    plain, intrablog = work / "plain", work / "intrablog"
    for root in (plain, intrablog):
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(corpus / "content", root / "content")
    (plain / "plainconf.py").write_text(PLAIN_CONF, encoding="utf-8")
    conf = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    conf += f"\nTHEME = {str(REPO / 'themes' / 'intranet')!r}\n"
    (intrablog / "pelicanconf.py").write_text(conf, encoding="utf-8")
    for root in (plain, intrablog):
        commit_all(root)
    return plain, intrablog


def edit_one_post(root: Path) -> None:
    post = sorted((root / "content" / "posts").rglob("*.md"))[len(WORDS)]
    text = post.read_text(encoding="utf-8")
    post.write_text(text + "\nOne more paragraph, edited for the benchmark.\n", encoding="utf-8")
    stat = post.stat()
    os.utime(post, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def index_seconds(root: Path) -> float:
    state = json.loads((root / "output/search-index/intrablog-index.json").read_text())
    return float(state["last_update"]["seconds"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def queries(posts: int, count: int, seed: int) -> list[str]:
    """Return `count` distinct realistic queries."""
    rng = random.Random(seed)
    found: set[str] = set()
    result: list[str] = []
    while len(result) < count:
        kind = rng.randrange(6)
        if kind == 0:
            q = codename(rng.randrange(posts))
        elif kind == 1:
            q = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
        elif kind == 2:
            q = f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"'
        elif kind == 3:
            q = f"{rng.choice(WORDS)} tag:{rng.choice(TAGS)}"
        elif kind == 4:
            q = f"{rng.choice(WORDS)} after:{rng.randint(2019, 2026)}"
        else:
            q = f"{rng.choice(WORDS)}{rng.choice(['', 's', 'ing'])}"
        if q not in found:
            found.add(q)
            result.append(q)
    return result


def request(connection: http.client.HTTPConnection, q: str) -> float:
    started = time.perf_counter()
    connection.request("GET", f"/search?q={quote(q)}")
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"/search?q={q}: HTTP {response.status}")
    return time.perf_counter() - started


def latency(port: int, qs: list[str]) -> tuple[float, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = sorted(request(connection, q) for q in qs)
    connection.close()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000


def throughput(port: int, pick: list[str], clients: int = 8, seconds: float = 10.0) -> float:
    done = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        nonlocal done
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        position = offset
        mine = 0
        while time.perf_counter() < deadline:
            request(connection, pick[position % len(pick)])
            position += clients
            mine += 1
        connection.close()
        with lock:
            done += mine

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / (time.perf_counter() - started)


def search_bench(root: Path, posts: int, workers: int) -> dict[str, float]:
    port = free_port()
    command = [str(BIN / "blog"), "serve", "--root", str(root / "output"), "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        for _ in range(4 * workers):  # new connections reach every worker
            warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            request(warm, "warm up")  # opens the index and builds its arrays
            warm.close()
        distinct = queries(posts, 400, seed=1)
        p50, p95 = latency(port, distinct[:300])
        rng = random.Random(2)
        popular = queries(posts, 40, seed=3)
        weights = [1 / (rank + 1) for rank in range(len(popular))]
        mix = rng.choices(popular, weights=weights, k=5000)
        repeated = throughput(port, mix)
        unique = throughput(port, queries(posts, 20000, seed=4)[300:])
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"p50": p50, "p95": p95, "rps_mix": repeated, "rps_distinct": unique}


def print_search_rows(search: dict[str, float], workers: int) -> None:
    print(
        f"| search p50 / p95, distinct queries, ms | – | {search['p50']:.1f} / "
        f"{search['p95']:.1f} | |"
    )
    clients = f"8 clients, {workers} worker{'s' if workers > 1 else ''}"
    print(f"| requests/s, {clients}, popular queries repeat | – | {search['rps_mix']:.0f} | |")
    print(f"| requests/s, {clients}, all distinct | – | {search['rps_distinct']:.0f} | |")


def search_only(work: Path, posts: int, workers: int) -> None:
    """Measure the search service alone, on the existing Intrablog build if there is one."""
    intrablog = work / "intrablog"
    index = intrablog / "output" / "search-index"
    built = (intrablog / ".bench-posts").is_file() and (
        (intrablog / ".bench-posts").read_text().strip() == str(posts)
    )
    if not (built and index.is_dir()):
        _, intrablog = prepare(work, posts)
        print("Intrablog build", file=sys.stderr)
        run_child([str(BIN / "blog"), "build", "--root", str(intrablog)], intrablog)
        (intrablog / ".bench-posts").write_text(str(posts))
    print("search service", file=sys.stderr)
    search = search_bench(intrablog, posts, workers)
    load = os.getloadavg()[0]
    print(f"\n{posts} posts, {os.cpu_count()} cores, load {load:.1f} at the end\n")
    print("| measure | plain Pelican | Intrablog | Intrablog / plain |")
    print("| --- | ---: | ---: | ---: |")
    print_search_rows(search, workers)


def stats_bench(root: Path, work: Path, megabytes: float) -> tuple[float, float, float]:
    """`blog stats --access-log` on a generated log: (seconds, peak MB, log MB)."""
    log = work / f"access-{megabytes:g}mb.log"
    if not log.is_file():
        subprocess.run(
            [sys.executable, str(HERE / "make_sample_log.py"), "--root", str(root),
             "--per-day", "20000", "--size-mb", str(megabytes), "--out", str(log)],
            check=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    counts = work / "views.json"
    counts.unlink(missing_ok=True)
    command = [str(BIN / "blog"), "stats", "--root", str(root), "--access-log", str(log),
               "--counts", str(counts)]  # fmt: skip
    seconds, peak, _ = run_child(command, root)
    return seconds, peak, log.stat().st_size / 1024 / 1024


def main() -> None:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--search-only", action="store_true", help="measure only the search service"
    )
    args = parser.parse_args()
    posts = int(os.environ.get("BENCH_POSTS", "5000"))
    workers = int(os.environ.get("BENCH_WORKERS", str(min(2, os.cpu_count() or 1))))
    work = Path(os.environ.get("BENCH_DIR", HERE / ".work")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.search_only:
        search_only(work, posts, workers)
        return
    plain, intrablog = prepare(work, posts)
    pelican = [str(BIN / "pelican"), "content", "-s", "plainconf.py", "-q"]
    blog = [str(BIN / "blog"), "build", "--root", str(intrablog)]

    # Cold builds vary by 10-15% from run to run on a small VM: alternate the two, several
    # times, and compare medians (memory: the highest peak seen).
    runs = int(os.environ.get("BENCH_COLD_RUNS", "3"))
    plain_runs, ours_runs = [], []
    for n in range(runs):
        for root, command, found in ((plain, pelican, plain_runs), (intrablog, blog, ours_runs)):
            print(f"cold build {n + 1}/{runs}: {command[0]}", file=sys.stderr)
            shutil.rmtree(root / "output", ignore_errors=True)
            found.append(run_child(command, root))
    plain_cold, ours_cold = summarize(plain_runs), summarize(ours_runs)
    (intrablog / ".bench-posts").write_text(str(posts))
    index_build = index_seconds(intrablog)
    edit_one_post(plain)
    edit_one_post(intrablog)
    print("one-post rebuilds", file=sys.stderr)
    plain_edit = run_child(pelican, plain)
    ours_edit = run_child(blog, intrablog)
    index_update = index_seconds(intrablog)
    print("blog preview rebuilds", file=sys.stderr)
    preview = preview_bench.prepare(work, posts)
    commit_all(preview)
    preview_times = preview_bench.preview_rebuild(preview)
    print("search service", file=sys.stderr)
    search = search_bench(intrablog, posts, workers)
    print("access log reader (blog stats)", file=sys.stderr)
    log_seconds, log_peak, log_mb = stats_bench(
        intrablog, work, float(os.environ.get("BENCH_LOG_MB", "200"))
    )

    def ratio(ours: float, theirs: float) -> str:
        return f"{ours / theirs:.2f}×"

    rows = [
        ("cold build, s", plain_cold[0], ours_cold[0]),
        ("cold build, peak MB, largest process (RSS)", plain_cold[1], ours_cold[1]),
        ("cold build, peak MB, all processes (PSS)", plain_cold[2], ours_cold[2]),
        ("one-post rebuild, new process, s", plain_edit[0], ours_edit[0]),
        ("one-post rebuild, peak MB, all processes (PSS)", plain_edit[2], ours_edit[2]),
    ]
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"\n{posts} posts, {cpus} cores, load {load:.1f} at the end, Python {sys.version[:6]}")
    print(
        f"cold builds, {runs} alternating runs each (medians below): plain Pelican "
        f"{', '.join(f'{r[0]:.1f}' for r in plain_runs)} s; Intrablog "
        f"{', '.join(f'{r[0]:.1f}' for r in ours_runs)} s\n"
    )
    print("| measure | plain Pelican | Intrablog | Intrablog / plain |")
    print("| --- | ---: | ---: | ---: |")
    for name, theirs, ours in rows:
        print(f"| {name} | {theirs:.1f} | {ours:.1f} | {ratio(ours, theirs)} |")
    print(
        f"| one-post rebuild in `blog preview`, save to page served, s | – | "
        f"{preview_times.served:.2f} | |"
    )
    print(
        f"| one-post rebuild in `blog preview`, save to rebuild done, s | – | "
        f"{preview_times.built:.2f} | |"
    )
    print(
        f"| `blog preview` edits patched into the kept build | – | "
        f"{preview_times.patched} of {preview_bench.EDITS} | |"
    )
    print(f"| `blog preview` process, peak MB (RSS) | – | {preview_times.peak_mb:.1f} | |")
    print(f"| search index full build (in the cold build), s | – | {index_build:.2f} | |")
    print(f"| search index update (in the rebuild), s | – | {index_update:.2f} | |")
    print_search_rows(search, workers)
    print(f"| blog stats --access-log, {log_mb:.0f} MB log, s | – | {log_seconds:.1f} | |")
    print(f"| blog stats --access-log, {log_mb:.0f} MB log, peak MB | – | {log_peak:.1f} | |")


if __name__ == "__main__":
    main()
