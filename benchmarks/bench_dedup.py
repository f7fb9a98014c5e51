"""Deduplication benchmark: accuracy and speed of ``rare_earth_ie`` dedup on synthetic dumps.

For each size (target number of fact mentions) it generates a dump with ``gen_dump.py`` (the
trap kinds of its docstring: template-identical lines from the reports of other months, copies
re-cased, re-punctuated, glued to headings, de-spaced, cut mid-word or inside a number, with
``...`` or ``Read more`` appended, whole teasers in related-story blocks, whole repeats, and
template siblings that must stay apart), extracts it with ``rare_earth_ie.extract_many`` (timed on its
own), deduplicates the facts with ``rare_earth_ie.Deduplicator`` (timed) and scores the canonical
facts against the generator's truth with ``rare_earth_ie.frontends.evaluate.bcubed``. It prints figures,
not pass/fail: B-cubed P/R/F1, wrongly merged clusters (the ``wrong`` column: truth statements
fused with another; the goal is none), dedup wall time and the growth of that
time from the smallest to the largest size, then the failure modes it saw, with examples.

    python benchmarks/bench_dedup.py                                   # 10k and 100k mentions
    python benchmarks/bench_dedup.py --sizes 10000 100000 1000000 --no-extract

``--no-extract`` builds the ``Fact`` objects straight from the truth (each distinct statement is
extracted once and its entities are reused for every copy, see ``gen_dump.truth_facts``): it
measures deduplication alone, on exactly the truth's spans (segmentation and recognition errors
of the extractor drop out), and makes 1,000,000 mentions affordable (~5 min to build the facts;
the rest is the dedup's own time). Targets of the issue: F1 >= 0.97 at every size, 100k mentions
deduplicated in under 60 s, time(100k)/time(10k) <= 15.

Scores: B-cubed (``rare_earth_ie.frontends.evaluate.bcubed``) over the truth spans, each taking the
canonical fact whose mention overlaps it most. The headline leaves out the spans the generator
flags ambiguous (a teaser cut before the point where two statements differ: no deduplicator can
attribute it); the score with them is printed too, and, when extraction found no fact for some
spans, the score without those. Failure analysis: wrong merges by what tells the two statements
apart (``dedup: org`` = only a company name, ``dedup: num``, ``dedup: date``, ...; or one
extracted fact covering both = segmentation), missed merges by the kind of copy split off
(``cut``, ``glued_first``, ``spaceless``, ...), with examples.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_dump

import rare_earth_ie as rei
from rare_earth_ie.frontends.evaluate import bcubed

TARGET_F1 = 0.97
TARGET_100K_S = 60.0
TARGET_RATIO = 15.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _short(s: str, n: int = 150) -> str:
    s = s.replace("\n", "⏎")
    return s if len(s) <= n else s[:n] + "…"


def assign(clusters: list[list[dict]], canon: list, with_mention: bool = False) -> list[list[Any]]:
    """For every truth span, the index of the canonical fact whose mention overlaps it most
    (None when nothing overlaps), exactly as ``bcubed`` assigns them; with ``with_mention``,
    ``(index, (doc_id, start, end) of that mention)``."""
    by_doc: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for k, f in enumerate(canon):
        for m in f.mentions:
            by_doc[m.doc_id].append((m.start, m.end, k))
    out = []
    for cluster in clusters:
        row = []
        for sp in cluster:
            best, best_ov, where = None, 0, None
            for s, e, k in by_doc.get(sp["doc_id"], ()):
                ov = min(e, sp["end"]) - max(s, sp["start"])
                if ov > best_ov:
                    best, best_ov, where = k, ov, (sp["doc_id"], s, e)
            row.append((best, where) if with_mention else best)
        out.append(row)
    return out


def unambiguous(clusters: list[list[dict]]) -> list[list[dict]]:
    """The truth without the copies no deduplicator can attribute (see ``gen_dump.Truth``)."""
    return [c2 for c2 in ([sp for sp in c if not sp.get("ambiguous")] for c in clusters) if c2]


def _slot_diff(a: dict, b: dict) -> str:
    """What tells two statements apart: the slot kinds whose values differ (same template), the
    heading date, or 'other template'."""
    if a["template"] != b["template"]:
        return "different template"
    kinds = sorted({x[0] for x, y in zip(a["slots"], b["slots"]) if x != y})
    if a.get("heading_date") != b.get("heading_date"):
        kinds.append("heading date")
    if a.get("page") != b.get("page"):
        kinds.append("page month (the same line in another month's report)")
    return "+".join(kinds) or "same slots (text differs?)"


def _raw(doc_texts: dict, sp: dict) -> str:
    t = doc_texts.get(sp["doc_id"])
    return t[sp["start"]:sp["end"]] if t is not None else "?"


def analyse(truth: dict, canon: list, dump_path: Path, examples: int) -> dict:
    """Failure modes: truth statements split over several canonical facts (missed merges, by the
    kind of copy split off), canonical facts holding several statements (wrong merges, by what
    tells the statements apart), truth spans no fact overlaps, facts spanning several statements."""
    clusters, stmts = truth["clusters"], truth["statements"]
    pm = assign(clusters, canon, with_mention=True)
    pred = [[p for p, _ in row] for row in pm]
    # --- wrong merges: a canonical fact holding spans of several statements
    sids_of: dict[int, set[int]] = defaultdict(set)
    mentions_of: dict[tuple[int, int], set] = defaultdict(set)   # (fact, statement) -> its mentions
    amb_only: dict[tuple[int, int], bool] = {}
    for ci, row in enumerate(pm):
        for sp, (p, where) in zip(clusters[ci], row):
            if p is not None:
                sids_of[p].add(ci)
                mentions_of[(p, ci)].add(where)
                amb_only[(p, ci)] = amb_only.get((p, ci), True) and bool(sp.get("ambiguous"))
    wrong: Counter = Counter()
    wrong_ex: dict[str, list] = defaultdict(list)
    for p, cis in sids_of.items():
        if len(cis) < 2:
            continue
        cis_l = sorted(cis, key=lambda c: (-len(mentions_of[(p, c)]), c))
        base = cis_l[0]
        for c in cis_l[1:]:
            if mentions_of[(p, c)] & mentions_of[(p, base)]:
                why = "one extracted fact covers both (segmentation)"
            elif amb_only[(p, c)] or amb_only[(p, base)]:
                why = "ambiguous copy joined a sibling (not scored)"
            else:
                why = "dedup: " + _slot_diff(stmts[base], stmts[c])
            wrong[why] += 1
            if len(wrong_ex[why]) < examples:
                wrong_ex[why].append((p, base, c))
    # --- missed merges
    missed: Counter = Counter()
    missed_ex: dict[str, list] = defaultdict(list)
    unmatched: Counter = Counter()
    unmatched_ex: dict[str, list] = defaultdict(list)
    for ci, row in enumerate(pred):
        for sp, p in zip(clusters[ci], row):
            if p is None:
                unmatched[sp["kind"]] += 1
                if len(unmatched_ex[sp["kind"]]) < examples:
                    unmatched_ex[sp["kind"]].append(sp)
        got = Counter(p for sp, p in zip(clusters[ci], row) if p is not None and not sp.get("ambiguous"))
        if len(got) < 2:
            continue
        main = got.most_common(1)[0][0]
        for sp, p in zip(clusters[ci], row):
            if p is not None and p != main and not sp.get("ambiguous"):
                kind = sp["kind"]
                missed[kind] += 1
                if len(missed_ex[kind]) < examples:
                    missed_ex[kind].append((ci, sp, main, p))
    # --- one extracted fact over several truth statements (segmentation)
    span_owner: dict[tuple, list] = defaultdict(list)
    for ci, cl in enumerate(clusters):
        for sp in cl:
            span_owner[sp["doc_id"]].append((sp["start"], sp["end"], ci))
    multi = 0
    multi_ex = []
    for f in canon:
        for m in f.mentions:
            inside = {ci for s, e, ci in span_owner.get(m.doc_id, ()) if min(e, m.end) - max(s, m.start) > 0}
            if len(inside) > 1:
                multi += 1
                if len(multi_ex) < examples:
                    multi_ex.append((m, sorted(inside)))
    # raw texts of the docs the examples need
    need = {sp["doc_id"] for exs in list(missed_ex.values()) for _, sp, _, _ in exs}
    need |= {sp["doc_id"] for exs in unmatched_ex.values() for sp in exs}
    need |= {m.doc_id for m, _ in multi_ex}
    doc_texts = {a["id"]: a["text"] for a in gen_dump.read_dump(dump_path) if a["id"] in need}
    return {"wrong": wrong, "wrong_ex": wrong_ex, "missed": missed, "missed_ex": missed_ex,
            "unmatched": unmatched, "unmatched_ex": unmatched_ex, "multi": multi, "multi_ex": multi_ex,
            "doc_texts": doc_texts}


def print_failures(a: dict, truth: dict, canon: list) -> None:
    stmts = truth["statements"]
    if a["wrong"]:
        print(f"  wrong merges (statement pairs in one canonical fact), by what tells them apart: "
              f"{dict(a['wrong'].most_common())}")
        for why, exs in a["wrong_ex"].items():
            for p, c1, c2 in exs:
                print(f"    [{why}] canonical: {_short(canon[p].text)!r}")
                for c in (c1, c2):
                    print(f"        stmt {stmts[c]['sid']}: {_short(stmts[c]['text'])!r} "
                          f"(heading {stmts[c]['heading_date']})")
    if a["missed"]:
        print(f"  missed merges (unambiguous copies split off their statement), by copy kind: "
              f"{dict(a['missed'].most_common())}")
        for kind, exs in a["missed_ex"].items():
            for ci, sp, main, p in exs:
                print(f"    [{kind}] statement: {_short(stmts[ci]['text'])!r}")
                print(f"        copy:      {_short(_raw(a['doc_texts'], sp))!r} "
                      f"({sp['doc_id']}:{sp['start']})")
                print(f"        joined:    {_short(canon[p].text)!r} (support {canon[p].support}, "
                      f"period {(canon[p].period or {}).get('start')} {canon[p].period_source})")
                print(f"        main:      {_short(canon[main].text)!r} (support {canon[main].support}, "
                      f"period {(canon[main].period or {}).get('start')} {canon[main].period_source})")
    if a["unmatched"]:
        print(f"  truth spans no extracted fact overlaps, by copy kind: {dict(a['unmatched'].most_common())}")
        for kind, exs in a["unmatched_ex"].items():
            for sp in exs[:2]:
                print(f"    [{kind}] {_short(_raw(a['doc_texts'], sp))!r} ({sp['doc_id']}:{sp['start']})")
    if a["multi"]:
        print(f"  extracted facts spanning several truth statements: {a['multi']}")
        for m, cis in a["multi_ex"][:3]:
            print(f"    {_short(m.text)!r} covers statements {[stmts[c]['sid'] for c in cis]}")


def run_size(n: int, args, workdir: Path) -> dict:
    row: dict[str, Any] = {"size": n}
    dump = workdir / f"dump_{n}.jsonl"
    truth_path = workdir / f"truth_{n}.json"
    t = time.perf_counter()
    stats = gen_dump.write_dump(dump, truth_path if args.keep else None, n, args.seed,
                                dated_headings=args.dated_headings)
    truth = stats.pop("truth")
    row["gen_s"] = time.perf_counter() - t
    row.update({k: stats[k] for k in ("articles", "chars", "spans", "statements")})
    print(f"\n== {n:,} target mentions: {stats['articles']:,} articles, {stats['chars'] / 1e6:.1f} M chars, "
          f"{stats['spans']:,} truth spans ({stats['ambiguous_spans']:,} ambiguous) in "
          f"{stats['statements']:,} statements (generated in {row['gen_s']:.1f} s)")
    print(f"  truth span kinds: {stats['span_kinds']}")

    t = time.perf_counter()
    if args.no_extract:
        items = list(gen_dump.truth_facts(dump, truth, n_process=args.n_process))
        row["extract_what"] = "facts from truth"
    else:
        arts = ({"doc_id": a["id"], "text": a["text"], "published": a["published"]}
                for a in gen_dump.read_dump(dump))
        items = []
        for r in rei.extract_many(arts, batch_size=args.batch_size, n_process=args.n_process):
            r.entities = []          # dedup needs the facts only; keep memory flat
            items.append(r)
        row["extract_what"] = f"extract_many n_process={args.n_process}"
    row["extract_s"] = time.perf_counter() - t
    row["mentions"] = sum(len(r.facts) for r in items) if not args.no_extract else len(items)
    print(f"  {row['extract_what']}: {row['mentions']:,} fact mentions in {row['extract_s']:.1f} s")

    gc.collect()
    t = time.perf_counter()
    d = rei.Deduplicator()
    for r in items:
        d.add(r)
    t_add = time.perf_counter() - t
    canon = d.finish()
    row["dedup_s"] = time.perf_counter() - t
    row["canonical"] = len(canon)
    print(f"  dedup: {row['dedup_s']:.2f} s ({t_add:.2f} s add, {row['dedup_s'] - t_add:.2f} s finish), "
          f"{len(canon):,} canonical facts, {len(d.variants):,} distinct texts; peak RSS {_rss_mb():.0f} MB")

    gold = unambiguous(truth["clusters"])
    try:  # how big the dedup's candidate blocks got (its internals; skipped if they change)
        from rare_earth_ie.dedup.core import block_keys
        blocks = Counter(k for v in d.variants.values() for k in block_keys(v))
        (key, big), = blocks.most_common(1)
        pairs = sum(c * (c - 1) // 2 for c in blocks.values())
        row["largest_block"] = big
        print(f"  largest prefix block: {big:,} distinct texts begin {key!r}; "
              f"{pairs:,} candidate pairs in prefix blocks")
    except Exception as e:  # noqa: BLE001
        print(f"  (block sizes not available: {e!r})")

    score = bcubed(gold, canon)
    row.update(score)
    print(f"  B-cubed over {score['gold_spans']:,} unambiguous truth spans: P {score['precision']:.4f}  "
          f"R {score['recall']:.4f}  F1 {score['f1']:.4f}  "
          f"wrongly merged {score['merged_predicted_clusters']}  "
          f"unmatched spans {score['unmatched_spans']}")
    s_all = bcubed(truth["clusters"], canon)
    row["f1_all"] = s_all["f1"]
    print(f"  B-cubed over all {s_all['gold_spans']:,} truth spans (ambiguous teasers included): "
          f"P {s_all['precision']:.4f}  R {s_all['recall']:.4f}  F1 {s_all['f1']:.4f}")
    if score["unmatched_spans"]:
        # dedup alone: leave out the truth spans extraction produced no fact for
        pred = assign(gold, canon)
        kept = [[sp for sp, p in zip(c, r) if p is not None] for c, r in zip(gold, pred)]
        s2 = bcubed([c for c in kept if c], canon)
        row["f1_matched"] = s2["f1"]
        print(f"  B-cubed over unambiguous truth spans with an extracted fact: P {s2['precision']:.4f}  "
              f"R {s2['recall']:.4f}  F1 {s2['f1']:.4f}")
    if args.examples:
        a = analyse(truth, canon, dump, args.examples)
        row["wrong_by"] = dict(a["wrong"])
        row["missed_by"] = dict(a["missed"])
        print_failures(a, truth, canon)
    del items, canon, d, truth
    gc.collect()
    if not args.keep:
        dump.unlink(missing_ok=True)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000],
                    help="target fact mentions per dump (default: 10000 100000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-extract", action="store_true",
                    help="build Fact objects from the truth instead of extracting the dump")
    ap.add_argument("--dated-headings", type=float, default=0.5,
                    help="share of price-list stories under a dated heading (0 leaves them out)")
    ap.add_argument("--n-process", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--examples", type=int, default=3, help="failure examples per kind (0: no analysis)")
    ap.add_argument("--out", help="keep the dumps and truths in this folder (default: a temporary one)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    args.keep = bool(args.out)
    print(f"rare_earth_ie {rei.__version__}; {os.cpu_count()} CPUs; seed {args.seed}; sizes {args.sizes}"
          f"{'; facts from truth (no extraction)' if args.no_extract else ''}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_dedup_") as tmp:
        workdir = Path(args.out) if args.out else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            rows.append(run_size(n, args, workdir))

    print("\n== summary")
    print(f"{'size':>9} {'articles':>9} {'mentions':>9} {'statements':>10} {'extract_s':>9} {'dedup_s':>8} "
          f"{'P':>7} {'R':>7} {'F1':>7} {'wrong':>6}")
    for r in rows:
        print(f"{r['size']:>9,} {r['articles']:>9,} {r['mentions']:>9,} {r['statements']:>10,} "
              f"{r['extract_s']:>9.1f} {r['dedup_s']:>8.2f} {r['precision']:>7.4f} {r['recall']:>7.4f} "
              f"{r['f1']:>7.4f} {r['merged_predicted_clusters']:>6}")
    by = {r["size"]: r for r in rows}
    sizes = sorted(by)
    for lo, hi in zip(sizes, sizes[1:]):
        ratio = by[hi]["dedup_s"] / max(by[lo]["dedup_s"], 1e-9)
        print(f"dedup time({hi:,})/time({lo:,}) = {ratio:.1f}  (size ratio {hi / lo:.0f}; target <= "
              f"{TARGET_RATIO:.0f} for 10x, i.e. near-linear)")
    if 100000 in by:
        print(f"dedup of 100k target mentions: {by[100000]['dedup_s']:.1f} s "
              f"(target < {TARGET_100K_S:.0f} s)")
    print(f"F1 target >= {TARGET_F1}: " + ", ".join(f"{r['size']:,}: {r['f1']:.4f}" for r in rows))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
