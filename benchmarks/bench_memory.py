"""Memory: peak RSS of `rare-earth-ie run` over a small and a large synthetic dump.

    python benchmarks/bench_memory.py                       # 50 MB and 500 MB dumps, -j 2
    python benchmarks/bench_memory.py --sizes 5 50 -j 1     # a quicker look

Builds the dumps with benchmarks/gen_dump.py (cached under --workdir), runs the command line as
a user would (`rare-earth-ie run DUMP -o facts.jsonl --quiet -j N`) and samples the resident
memory of the whole process tree (the command and its worker processes) every 0.2 s. Prints the
peak RSS of each run, its wall time and throughput, and the ratio large/small (target: the
500 MB run within 1.3x of the 50 MB run: extraction streams, and dedup holds only distinct
statements in memory while mentions spill to disk).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def make_dump(mb: float, workdir: Path, seed: int) -> Path:
    from gen_dump import write_dump

    path = workdir / f"dump_{mb:g}mb_seed{seed}.jsonl"
    if path.exists() and path.stat().st_size >= mb * 1e6 * 0.9:
        return path
    # ~4,300 fact mentions per MB of pages
    t = time.time()
    stats = write_dump(path, None, int(mb * 4300), seed=seed)
    print(f"  built {path.name}: {stats['chars'] / 1e6:.0f} M chars, {stats['articles']} articles, "
          f"{stats['spans']} fact mentions ({time.time() - t:.0f} s)", flush=True)
    return path


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(dump: Path, out: Path, jobs: int) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "rare_earth_ie.frontends.cli", "run", str(dump), "-o", str(out), "--quiet",
           "-j", str(jobs)]
    t = time.time()
    p = subprocess.Popen(cmd)
    ps = psutil.Process(p.pid)
    peak = [0]

    def sample():
        while p.poll() is None:
            try:
                peak[0] = max(peak[0], tree_rss(ps))
            except psutil.Error:
                pass
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    rc = p.wait()
    th.join()
    if rc != 0:
        raise SystemExit(f"run failed with exit status {rc}")
    return peak[0] / 2**20, time.time() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[50, 500], help="dump sizes in MB")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="worker processes for `run`")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/rei_bench_memory"))
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for mb in args.sizes:
        dump = make_dump(mb, args.workdir, args.seed)
        size = dump.stat().st_size / 1e6
        out = args.workdir / f"facts_{mb:g}mb.jsonl"
        peak, secs = run(dump, out, args.jobs)
        n = sum(1 for _ in open(out, encoding="utf-8"))
        rows.append((mb, size, peak, secs, n))
        print(f"{size:7.0f} MB dump: peak RSS {peak:7.0f} MiB  {secs:7.0f} s  {size / secs:5.2f} MB/s  "
              f"{n} canonical facts", flush=True)
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print(f"peak RSS {large[1]:.0f} MB / {small[1]:.0f} MB dump: {large[2] / small[2]:.2f}x  (target <= 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
