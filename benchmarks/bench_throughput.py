"""Throughput: our extraction against spaCy's blank English tokenizer, in one run.

    python benchmarks/bench_throughput.py            # ~5 MB, best of 3, single process
    python benchmarks/bench_throughput.py --mb 2 --repeat 2 --cores

Text comes from the synthetic dump generator (benchmarks/gen_dump.py): the corpus's sections
retold with other numbers, names, materials and dates, so that neither spaCy's tokenizer cache
nor our normaliser caches are flattered by plain repetition. Prints MB/s of

* ``spacy.blank("en")`` tokenisation alone (``nlp.pipe``, the ceiling),
* ``rare_earth_ie.extract_many`` (repair, tokenise, all components, records with raw offsets),

and their ratio (target >= 0.35). With ``--cores`` it also runs ``n_process=2`` and prints the
speed-up over one process (target >= 1.7x on 2 cores).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_texts(mb: float, seed: int) -> list[str]:
    from gen_dump import iter_dump

    texts, size = [], 0
    # ~3,000 fact mentions make ~1 MB of pages; ask for more than needed and stop at the size
    for art, _ in iter_dump(int(mb * 3800) + 500, seed=seed):
        texts.append(art["text"])
        size += len(art["text"].encode("utf-8"))
        if size >= mb * 1e6:
            break
    return texts


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=5.0, help="size of the text in MB (default 5)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--cores", action="store_true", help="also measure n_process=2")
    args = ap.parse_args(argv)

    import spacy

    import rare_earth_ie as rei

    texts = load_texts(args.mb, args.seed)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"text: {len(texts)} articles, {mb:.2f} MB (synthetic dump, seed {args.seed})")

    blank = spacy.blank("en")
    list(rei.extract_many(texts[:3]))  # build the pipeline and load the normalisers once

    def tokenise():
        for _ in blank.pipe(texts, batch_size=args.batch_size):
            pass

    def extract(n_process: int = 1):
        for _ in rei.extract_many(texts, batch_size=args.batch_size, n_process=n_process):
            pass

    t_tok = best_of(args.repeat, tokenise)
    t_ext = best_of(args.repeat, extract)
    print(f"spacy.blank('en') tokenizer : {mb / t_tok:6.3f} MB/s  ({t_tok:.2f} s)")
    print(f"rare_earth_ie extract_many  : {mb / t_ext:6.3f} MB/s  ({t_ext:.2f} s)")
    print(f"ratio extraction/tokenizer  : {t_tok / t_ext:6.3f}   (target >= 0.35)")
    if args.cores:
        t_two = best_of(args.repeat, lambda: extract(2))
        print(f"extract_many n_process=2    : {mb / t_two:6.3f} MB/s  ({t_two:.2f} s)")
        print(f"speed-up on 2 processes     : {t_ext / t_two:6.3f}x  (target >= 1.7x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
