"""Benchmark the access log reader: time and peak memory for generated logs of growing size.

Generates logs for the sample site with bench/make_sample_log.py (cached in --workdir), then
counts each in a fresh process (`plugins.stats.access_log.count_views`) and reports wall
time, lines per second and the child's peak RSS. Flat memory shows as the same peak RSS
for a 10x bigger log.

    python bench/stats_bench.py                      # 50 MB and 500 MB
    python bench/stats_bench.py --sizes 100 1024     # sizes in MB (1024 = the 1 GB check)
    python bench/stats_bench.py --gzip               # also the same logs gzip-compressed
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from pathlib import Path
from plugins.stats.access_log import count_views, post_path_pattern
started = time.perf_counter()
counter = count_views([Path(sys.argv[1])], post_path_pattern("posts/{date:%Y}/{slug}/"))
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, **counter.tally.to_json()}))
"""


def ensure_log(workdir: Path, size_mb: float, compress: bool) -> Path:
    """Generate (once) a log of about `size_mb` MB."""
    name = f"access-{size_mb:g}mb.log" + (".gz" if compress else "")
    path = workdir / name
    if not path.is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "make_sample_log.py"), "--root", str(ROOT),
             "--per-day", "20000", "--size-mb", str(size_mb),
             "--out", str(path)],
            check=True, cwd=ROOT,
        )  # fmt: skip
    return path


def measure(path: Path) -> dict[str, float]:
    """Count one log in a fresh interpreter and return its numbers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        check=True, capture_output=True, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[50, 500], help="MB")
    parser.add_argument("--gzip", action="store_true", help="also measure .gz logs")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated logs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stats-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"{'log':<24} {'MB':>7} {'lines':>10} {'views':>9} {'s':>7} {'lines/s':>9} "
              f"{'peak MB':>8}")  # fmt: skip
        for size in args.sizes:
            for compress in (False, True) if args.gzip else (False,):
                path = ensure_log(workdir, size, compress)
                found = measure(path)
                megabytes = path.stat().st_size / 1024 / 1024
                print(
                    f"{path.name:<24} {megabytes:>7.0f} {found['lines']:>10.0f} "
                    f"{found['counted']:>9.0f} {found['seconds']:>7.1f} "
                    f"{found['lines'] / found['seconds']:>9.0f} {found['peak_mb']:>8.1f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
