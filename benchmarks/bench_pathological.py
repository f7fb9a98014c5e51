"""Pathological input benchmark: extraction time of 1 MB of hostile text against 1 MB of news.

For each kind of pathological input (long runs of digits, commas, ``%``, spaces, ``111 111 ...``,
dots, hyphens, ``Q3 Q3 ...``, ``$1-$1-...``, repeated abbreviations, glued headings, spaceless
text, CJK, bidi marks, emoji, ...) it builds one article of ``--size`` characters (1 MB by
default), times ``rare_earth_ie.extract`` on it, and compares with the time of the same amount
of corpus text (``corpus/*.txt`` and the texts of ``corpus/heldout/docs.jsonl``, repeated with
every digit varied so that the pipeline's caches do not flatter it, extracted as articles with
``extract_many``). It prints, for each kind, seconds, entities and the ratio to the corpus time,
then the slowest kind; for every kind over the target (``--target``, 3x) it times the pipeline's
components on that input (tokenizer with text repair, then ``get_extractor().nlp.pipeline``) to
show where the time goes.

    python benchmarks/bench_pathological.py                        # every kind, 1 MB each
    python benchmarks/bench_pathological.py --kinds pct_runs Q3 --size 200000

The kinds are importable (``KINDS``, ``build``) so that the tests use the same inputs.
"""
from __future__ import annotations

import argparse
import glob
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: kind -> the unit repeated to build the input
KINDS: dict[str, str] = {
    "digits": "1",
    "commas": ",",
    "percents": "%",
    "spaces": " ",
    "newlines": "\n",
    "dots": ".",
    "hyphens": "-",
    "dollars": "$",
    "parens": "(",
    "quotes": "\"'",
    "grouped_111": "111 ",
    "comma_groups": "1,000,",
    "dotted_digits": "1.1.",
    "digit_hyphens": "1-",
    "Q3": "Q3 ",
    "dollar_ranges": "$1-",
    "pct_runs": "5% ",
    "abbr_US": "U.S. ",
    "abbr_Co": "Co. Ltd. ",
    "abbr_No": "No. 62/2025 ",
    "acronyms": "MOFCOM ",
    "caps": "ABCDEFGH",
    "names": "Lynas Rare Earths ",
    "ministry_of": "Ministry of ",
    "of_the": "of the ",
    "months": "January 2025 ",
    "month_ranges": "Jan-Sep ",
    "prices": "¥1,510,000/ton ",
    "tonnes": "5,774 tons ",
    "glued": "DynamicsSeptember",
    "spaceless": "theUSDepartmentofEnergy",
    "cjk": "稀土",
    "bidi_zw": "\u200f\u202eabc\u200b",
    "control": "\x00\x01\x1b[0m\x7f",
    "emoji": "😀",
    # not a repeated unit: built by a function of the size
    "long_url": "<function>",
    "base64": "<function>",
}


def _long_url(n: int) -> str:
    """Ordinary words around one URL of letters that takes half the text: repair breaks long
    runs without spaces, but not a URL in an ordinary line."""
    words = "The price rose 5% in March. " * (n // 112 + 1)
    half = words[: n // 4]
    return half + "https://example.com/" + "AbcDefGh" * (n // 16) + " " + words[: n - len(half) - n // 2 - 21]


def _base64(n: int) -> str:
    """An inline image as scraped pages carry it: ``data:image/png;base64,...`` (random bytes)."""
    import base64

    rng = random.Random(n)
    data = base64.b64encode(rng.randbytes(n * 3 // 4 + 3)).decode()
    return ("Photo: <img src=\"data:image/png;base64," + data)[:n]


def build(kind: str, n: int) -> str:
    """About ``n`` characters of the pathological input ``kind``."""
    if kind == "long_url":
        return _long_url(n)
    if kind == "base64":
        return _base64(n)
    unit = KINDS[kind]
    return (unit * (n // len(unit) + 1))[:n]


def corpus_texts() -> list[str]:
    texts = [Path(p).read_text(encoding="utf-8") for p in sorted(glob.glob(str(ROOT / "corpus" / "*.txt")))]
    with open(ROOT / "corpus" / "heldout" / "docs.jsonl", encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts


def vary_digits(text: str, rng: random.Random) -> str:
    """Every digit replaced by a random one (a leading digit stays non-zero): the same shapes of
    numbers and dates, other values, so that no cache of parsed numbers or dates is warm."""
    def sub(m: re.Match) -> str:
        s = m.group()
        return "".join(str(rng.randint(1 if i == 0 else 0, 9)) for i in range(len(s)))
    return re.sub(r"\d+", sub, text)


def corpus_articles(n_chars: int, seed: int = 0) -> list[dict]:
    """Corpus articles, repeated with varied digits, up to ``n_chars`` characters in all."""
    rng = random.Random(seed)
    base = corpus_texts()
    out, total, i = [], 0, 0
    while total < n_chars:
        t = vary_digits(base[i % len(base)], rng)
        out.append({"doc_id": f"c{i}", "text": t, "published": "2025-10-21"})
        total += len(t)
        i += 1
    return out


def time_components(text: str) -> dict[str, float]:
    """Seconds per pipeline step on ``text`` (cut into the extractor's pieces)."""
    from rare_earth_ie.extract import chunk_bounds, get_extractor

    nlp = get_extractor().nlp
    times: dict[str, float] = {"tokenizer+repair": 0.0}
    for s, e in chunk_bounds(text):
        t0 = time.perf_counter()
        doc = nlp.make_doc(text[s:e])
        doc._.rei_published = "2025-10-21"
        times["tokenizer+repair"] += time.perf_counter() - t0
        for name, proc in nlp.pipeline:
            t0 = time.perf_counter()
            doc = proc(doc)
            times[name] = times.get(name, 0.0) + time.perf_counter() - t0
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="characters per input (default 1 MB)")
    ap.add_argument("--kinds", nargs="*", default=list(KINDS), choices=list(KINDS), metavar="KIND",
                    help="kinds to run (default all): " + ", ".join(KINDS))
    ap.add_argument("--target", type=float, default=3.0, help="allowed ratio to corpus time (default 3)")
    args = ap.parse_args(argv)

    import rare_earth_ie as rei
    from rare_earth_ie.extract import get_extractor

    t0 = time.perf_counter()
    get_extractor()
    # the first articles load dateparser's language data, quantulum3 and wordninja's model:
    # a one-time cost (seconds) that is no part of either figure
    for _ in rei.extract_many(corpus_articles(1, seed=99)[:1] + corpus_articles(200_000, seed=98)):
        pass
    print(f"pipeline built and warmed up in {time.perf_counter() - t0:.2f} s")

    arts = corpus_articles(args.size)
    chars = sum(len(a["text"]) for a in arts)
    t0 = time.perf_counter()
    n_ent = sum(len(r.entities) for r in rei.extract_many(arts, batch_size=64))
    corpus_s = (time.perf_counter() - t0) * args.size / chars  # scaled to exactly --size
    print(f"corpus text: {chars:,} chars in {len(arts)} articles, {corpus_s:.2f} s per {args.size:,} "
          f"chars, {n_ent:,} entities\n")

    print(f"{'kind':16s} {'seconds':>8s} {'entities':>9s} {'ratio':>6s}")
    rows = []
    for kind in args.kinds:
        text = build(kind, args.size)
        t0 = time.perf_counter()
        r = rei.extract(text, published="2025-10-21", doc_id=kind)
        dt = time.perf_counter() - t0
        assert all(text[e.start:e.end] == e.text for e in r.entities)
        rows.append((kind, dt, len(r.entities)))
        flag = "  OVER TARGET" if dt / corpus_s > args.target else ""
        print(f"{kind:16s} {dt:8.2f} {len(r.entities):9,d} {dt / corpus_s:6.2f}{flag}", flush=True)

    kind, dt, _ = max(rows, key=lambda r: r[1])
    print(f"\nslowest: {kind} {dt:.2f} s = {dt / corpus_s:.2f}x corpus (target <= {args.target:g}x)")
    over = [r for r in rows if r[1] / corpus_s > args.target]
    for kind, dt, _ in over:
        times = time_components(build(kind, args.size))
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(times.items(), key=lambda kv: -kv[1]))
        print(f"  {kind}: {parts}")
    if not over:
        print("every kind within target")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
