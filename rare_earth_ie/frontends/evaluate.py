"""Scoring against a gold set (``docs/spec/GOLD_FORMAT.md``).

Entities: per label, a prediction matches a gold mention of the same label whose span overlaps
it with IoU >= 0.5, one-to-one (best IoU first); precision, recall, F1, and value accuracy over
matched pairs (a pair is right when every field the gold value states is equal).
Dedup (when ``clusters.json`` is there): B-cubed precision, recall and F1 over the gold spans,
each gold span taking the predicted canonical fact whose mention overlaps it most, and the
number of gold clusters merged with another (template siblings that must stay apart).
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from ..models import LABELS, ArticleResult, CanonicalFact

IOU_MIN = 0.5


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union


def _equal(g: Any, p: Any) -> bool:
    if isinstance(g, float) or isinstance(p, float):
        if isinstance(g, (int, float)) and isinstance(p, (int, float)):
            return math.isclose(float(g), float(p), rel_tol=1e-6, abs_tol=1e-9)
        return False
    if isinstance(g, str) and isinstance(p, str):
        return " ".join(g.split()) == " ".join(p.split())
    if isinstance(g, list) and isinstance(p, list):
        return sorted(map(str, g)) == sorted(map(str, p))
    return g == p


def value_matches(gold: dict, pred: dict) -> tuple[bool, dict]:
    """Compare the fields present in gold; returns (all equal, {field: (gold, pred)} of misses)."""
    diff = {k: (v, pred.get(k)) for k, v in (gold or {}).items() if not _equal(v, pred.get(k))}
    return not diff, diff


def match(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one matching of same-label spans by IoU >= 0.5, best IoU first."""
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g["label"] == p["label"]:
                v = iou((g["start"], g["end"]), (p["start"], p["end"]))
                if v >= IOU_MIN:
                    pairs.append((v, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g, used_p, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


@dataclass
class LabelScore:
    gold: int = 0
    pred: int = 0
    tp: int = 0
    value_ok: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else (1.0 if not self.pred else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def value_accuracy(self) -> float:
        return self.value_ok / self.tp if self.tp else 1.0

    def to_json(self) -> dict:
        return {"gold": self.gold, "pred": self.pred, "tp": self.tp,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "value_accuracy": round(self.value_accuracy, 4)}


@dataclass
class Report:
    labels: dict[str, LabelScore] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    value_errors: list[dict] = field(default_factory=list)
    dedup: Optional[dict] = None

    def overall(self) -> LabelScore:
        s = LabelScore()
        for v in self.labels.values():
            s.gold += v.gold
            s.pred += v.pred
            s.tp += v.tp
            s.value_ok += v.value_ok
        return s

    def to_json(self, worst: int = 20) -> dict:
        return {
            "labels": {k: v.to_json() for k, v in self.labels.items()},
            "overall": self.overall().to_json(),
            "worst_misses": self.misses[:worst],
            "worst_false_positives": self.false_positives[:worst],
            "value_errors": self.value_errors[:worst],
            "dedup": self.dedup,
        }


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width):start].replace("\n", "⏎")
    right = text[end:end + width].replace("\n", "⏎")
    return f"{left}[{text[start:end]}]{right}"


def load_gold(gold_dir: str | Path) -> tuple[list[dict], dict[str, list[dict]], Optional[list]]:
    d = Path(gold_dir)
    docs = [json.loads(line) for line in open(d / "docs.jsonl", encoding="utf-8") if line.strip()]
    gold: dict[str, list[dict]] = {}
    gp = d / "gold.jsonl"
    if gp.exists():
        for line in open(gp, encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                gold[row["doc_id"]] = row["entities"]
    clusters = None
    cp = d / "clusters.json"
    if cp.exists():
        clusters = json.load(open(cp, encoding="utf-8"))["clusters"]
    return docs, gold, clusters


def score_entities(docs: list[dict], gold: dict[str, list[dict]],
                   results: dict[str, ArticleResult]) -> Report:
    rep = Report(labels={lab: LabelScore() for lab in LABELS})
    for d in docs:
        text = d["text"]
        g = gold.get(d["doc_id"], [])
        p = [e.model_dump() for e in results[d["doc_id"]].entities]
        for e in g:
            rep.labels[e["label"]].gold += 1
        for e in p:
            rep.labels[e["label"]].pred += 1
        pairs = match(g, p)
        mg, mp = {i for i, _ in pairs}, {j for _, j in pairs}
        for i, j in pairs:
            s = rep.labels[g[i]["label"]]
            s.tp += 1
            ok, diff = value_matches(g[i].get("value") or {}, p[j].get("value") or {})
            if ok:
                s.value_ok += 1
            else:
                rep.value_errors.append({"doc_id": d["doc_id"], "label": g[i]["label"],
                                         "text": g[i]["text"], "diff": diff,
                                         "context": _context(text, g[i]["start"], g[i]["end"])})
        for i, e in enumerate(g):
            if i not in mg:
                rep.misses.append({"doc_id": d["doc_id"], "label": e["label"], "text": e["text"],
                                   "context": _context(text, e["start"], e["end"])})
        for j, e in enumerate(p):
            if j not in mp:
                rep.false_positives.append({"doc_id": d["doc_id"], "label": e["label"],
                                            "text": e["text"],
                                            "context": _context(text, e["start"], e["end"])})
    # worst first: the labels furthest from their target lead the lists
    order = {k: v.f1 for k, v in rep.labels.items()}
    rep.misses.sort(key=lambda m: (order[m["label"]], m["label"]))
    rep.false_positives.sort(key=lambda m: (order[m["label"]], m["label"]))
    return rep


def bcubed(gold_clusters: list[list[dict]], facts: Iterable[CanonicalFact]) -> dict:
    """B-cubed over gold spans; each gold span takes the canonical fact overlapping it most."""
    by_doc: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for k, f in enumerate(facts):
        for m in f.mentions:
            by_doc[m.doc_id].append((m.start, m.end, k))
    items = []  # (gold cluster, predicted cluster)
    unmatched = 0
    for gi, cluster in enumerate(gold_clusters):
        for sp in cluster:
            best, best_ov = None, 0
            for s, e, k in by_doc.get(sp["doc_id"], ()):
                ov = min(e, sp["end"]) - max(s, sp["start"])
                if ov > best_ov:
                    best, best_ov = k, ov
            if best is None:
                unmatched += 1
                best = f"unmatched-{gi}-{sp['doc_id']}-{sp['start']}"
            items.append((gi, best))
    pred_size = Counter(p for _, p in items)
    gold_size = Counter(g for g, _ in items)
    both = Counter(items)
    n = len(items) or 1
    precision = sum(both[(g, p)] / pred_size[p] for g, p in items) / n
    recall = sum(both[(g, p)] / gold_size[g] for g, p in items) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # gold clusters that share a predicted fact with another gold cluster: wrongly merged
    golds_of_pred: dict[Any, set] = defaultdict(set)
    for g, p in items:
        golds_of_pred[p].add(g)
    merged = sum(1 for gs in golds_of_pred.values() if len(gs) > 1)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold_spans": len(items), "gold_clusters": len(gold_clusters),
            "unmatched_spans": unmatched, "merged_predicted_clusters": merged}


def evaluate(gold_dir: str | Path, n_process: int = 1, patterns_dir: Optional[str] = None) -> Report:
    """Run the pipeline over a gold set's ``docs.jsonl`` and score it."""
    from ..dedup import deduplicate
    from ..extract import extract_many

    docs, gold, clusters = load_gold(gold_dir)
    items = [{"doc_id": d["doc_id"], "text": d["text"], "published": d.get("published"),
              "source": d.get("source")} for d in docs]
    results = {r.doc_id: r for r in extract_many(items, n_process=n_process, patterns_dir=patterns_dir)}
    rep = score_entities(docs, gold, results)
    if clusters is not None:
        facts = deduplicate(results[d["doc_id"]] for d in docs)
        rep.dedup = bcubed(clusters, facts)
    return rep


def bundled_sets(root: str | Path = "corpus") -> list[Path]:
    """The gold sets of a corpus folder (each a subfolder with ``docs.jsonl``), in a fixed order:
    the team's own (``gold``, ``heldout``) first, then the others (``dev``: written by others)."""
    root = Path(root)
    found = [d for d in sorted(root.iterdir()) if (d / "docs.jsonl").is_file()] if root.is_dir() else []
    first = {"gold": 0, "heldout": 1, "dev": 2}
    return sorted(found, key=lambda d: (first.get(d.name, 3), d.name))


def format_comparison(reports: dict[str, Report]) -> str:
    """Several gold sets side by side: F1 and value accuracy per label, dedup B-cubed."""
    names = list(reports)
    head = f"{'label':<10}" + "".join(f"{n[:17]:>18}" for n in names)
    sub = f"{'':<10}" + "".join(f"{'F1':>10}{'value':>8}" for _ in names)
    lines = [head, sub]
    rows = [(lab, [r.labels[lab] for r in reports.values()]) for lab in LABELS]
    rows.append(("ALL", [r.overall() for r in reports.values()]))
    for lab, scores in rows:
        lines.append(f"{lab:<10}" + "".join(f"{s.f1:>10.3f}{s.value_accuracy:>8.3f}" for s in scores))
    dd = [r.dedup for r in reports.values()]
    if any(dd):
        lines.append(f"{'dedup F1':<10}" + "".join(
            f"{d['f1']:>10.3f}{'':>8}" if d else f"{'-':>10}{'':>8}" for d in dd))
        lines.append(f"{'merged':<10}" + "".join(
            f"{d['merged_predicted_clusters']:>10}{'':>8}" if d else f"{'-':>10}{'':>8}" for d in dd))
    lines.append("\n(F1: span IoU >= 0.5, one-to-one; value: accuracy over matched pairs; "
                 "merged: gold clusters wrongly merged with another)")
    return "\n".join(lines)


def format_report(rep: Report, worst: int = 15) -> str:
    lines = [f"{'label':<10}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}{'value':>8}"]
    for lab, s in list(rep.labels.items()) + [("ALL", rep.overall())]:
        lines.append(f"{lab:<10}{s.gold:>6}{s.pred:>6}{s.precision:>8.3f}{s.recall:>8.3f}"
                     f"{s.f1:>8.3f}{s.value_accuracy:>8.3f}")
    if rep.dedup:
        d = rep.dedup
        lines.append(f"\ndedup (B-cubed over {d['gold_spans']} gold spans in {d['gold_clusters']} "
                     f"clusters): P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f}  "
                     f"unmatched spans {d['unmatched_spans']}  wrongly merged {d['merged_predicted_clusters']}")
    for title, rows in (("worst misses", rep.misses), ("worst false positives", rep.false_positives)):
        if rows:
            lines.append(f"\n{title} ({len(rows)}):")
            for r in rows[:worst]:
                lines.append(f"  {r['label']:<9}{r['doc_id'][:14]:<15}{r['context']}")
    if rep.value_errors:
        lines.append(f"\nvalue errors ({len(rep.value_errors)}):")
        for r in rep.value_errors[:worst]:
            lines.append(f"  {r['label']:<9}{r['text']!r}: {r['diff']}")
    return "\n".join(lines)
