"""Start-up: wall time of ``rare-earth-ie extract ONE_ARTICLE`` as a user runs it (a new process
each time), with a cold and a warm gazetteer token cache, against ``python -c pass``.

    python benchmarks/bench_startup.py            # best of 5
    python benchmarks/bench_startup.py --repeat 10

Target: under 1.5 s for one article with the cache warm (the usual case: the cache is built by
the first run after installing or editing patterns, in ``$REI_CACHE_DIR`` or
``~/.cache/rare-earth-ie``). Also prints the import time of ``spacy`` alone (a floor, and a
measure of the machine's speed that day) and of ``rare_earth_ie``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "rare_earth_ie"]


def _time(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="best of N runs (default 5)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    article = sorted((ROOT / "corpus").glob("*.txt"))[0]
    cache = Path(tempfile.mkdtemp(prefix="rei-bench-cache-"))
    env = dict(os.environ, REI_CACHE_DIR=str(cache))
    try:
        base = min(_time([sys.executable, "-c", "pass"], env) for _ in range(args.repeat))
        # spaCy's own import is a floor no change here moves; beside it, a figure taken on a
        # slower or faster day of a shared machine can still be compared
        spacy_imp = min(_time([sys.executable, "-c", "import spacy"], env) for _ in range(args.repeat))
        imp = min(_time([sys.executable, "-c", "import rare_earth_ie"], env) for _ in range(args.repeat))
        cold = []
        for _ in range(max(1, args.repeat // 2)):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(_time(CLI + ["extract", str(article), "-q"], env))
        warm = min(_time(CLI + ["extract", str(article), "-q"], env) for _ in range(args.repeat))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"article: {article.relative_to(ROOT)} ({article.stat().st_size:,} bytes); best of {args.repeat}")
    print(f"python -c pass            {base:6.2f} s")
    print(f"import spacy              {spacy_imp:6.2f} s   (a floor: spaCy's own import)")
    print(f"import rare_earth_ie      {imp:6.2f} s")
    print(f"extract, cold cache       {min(cold):6.2f} s   (first run after install or a pattern edit)")
    print(f"extract, warm cache       {warm:6.2f} s   (target < 1.5 s)")


if __name__ == "__main__":
    main()
