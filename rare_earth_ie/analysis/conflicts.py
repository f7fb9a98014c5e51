"""Conflicts: observations of one thing that disagree.

Two observations are of one thing when they share the metric, what is measured (the material,
or the fact's subject when it names none), every place the facts name, the organisation (for
metrics of an organisation: ``by_org`` in ``patterns/series.json``), the period (same start and
end) and the normalised unit; by default only periods the facts state (in the text or a dated
heading) count, not those guessed from a publish date. An observation with none of material and
subject is not compared.

Their values (ranges as stated, normalised) are sorted and cut into sides: a value joins the side
before it when it lies within ``tolerance`` (relative) of that side's highest value, so ranges
that overlap, and round numbers of one figure, agree. A group of more than one side is a
conflict; each side lists its values and the articles that state them.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable, Optional

from .observe import by_org

#: relative difference two values of one thing may have and still agree
DEFAULT_TOLERANCE = 0.02
EXPLICIT = ("text", "heading")


def _comparable(row: dict) -> tuple[Optional[float], Optional[float], Optional[str]]:
    """(low, high, unit): the normalised value when there is one, else the value as stated."""
    if row.get("value_norm") is not None and row.get("unit_norm"):
        lo = float(row["value_norm"])
        hi = row.get("value_max_norm")
        return lo, float(hi) if hi is not None else lo, row["unit_norm"]
    if row.get("value") is None:
        return None, None, None
    unit = row.get("unit") or "/".join(x for x in (row.get("currency"), row.get("per")) if x) or None
    lo = float(row["value"])
    hi = row.get("value_max")
    return lo, float(hi) if hi is not None else lo, unit


def _what(row: dict) -> Optional[tuple[str, str]]:
    if row.get("material"):
        return "material", row["material"].lower()
    if row.get("subject"):
        return "subject", re.sub(r"\s+", " ", row["subject"].strip().lower())
    return None


def key_of(row: dict, explicit_only: bool = True) -> Optional[tuple]:
    """What an observation must share with another to be compared (None: never compared)."""
    if not row.get("period_start") or not row.get("metric"):
        return None
    if explicit_only and row.get("period_source") not in EXPLICIT:
        return None
    what = _what(row)
    lo, _, unit = _comparable(row)
    if what is None or lo is None:
        return None
    org = row.get("org") if by_org(row["metric"]) else None
    return (row["metric"], what, tuple(row.get("places") or ()), org, row["period_start"],
            row.get("period_end"), unit)


def _agrees(top: float, lo: float, tolerance: float) -> bool:
    return lo - top <= tolerance * max(abs(top), abs(lo))


def sides(rows: list[dict], tolerance: float) -> list[list[dict]]:
    """The rows cut into groups of agreeing values, lowest first."""
    ordered = sorted(rows, key=lambda r: (*_comparable(r)[:2], r["observation_id"]))
    out: list[list[dict]] = []
    top = None
    for r in ordered:
        lo, hi, _ = _comparable(r)
        if out and _agrees(top, lo, tolerance):
            out[-1].append(r)
            top = max(top, hi)
        else:
            out.append([r])
            top = hi
    return out


def _side(rows: list[dict]) -> dict[str, Any]:
    vals = [_comparable(r) for r in rows]
    return {
        "low": min(v[0] for v in vals), "high": max(v[1] for v in vals),
        "values": [r["entity_text"] for r in rows],
        "observations": [r["observation_id"] for r in rows],
        "fact_ids": sorted({r["fact_id"] for r in rows}),
        "sources": sorted({s for r in rows for s in r["sources"]}),
        "source_names": sorted({s for r in rows for s in r["source_names"]}),
        "published": sorted({p for r in rows for p in r["published"]}),
        "texts": [r["text"] for r in rows],
    }


def find_conflicts(rows: Iterable[dict], tolerance: float = DEFAULT_TOLERANCE,
                   explicit_only: bool = True) -> list[dict[str, Any]]:
    """The conflicts among observation rows; the rows in one are marked (``conflict``,
    ``conflict_id``) in place. Ordered by metric, what, period."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be 0 or more (got {tolerance})")
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        k = key_of(r, explicit_only)
        if k is not None:
            groups.setdefault(k, []).append(r)
    out = []
    for k in sorted(groups, key=repr):
        parts = sides(groups[k], tolerance)
        if len(parts) < 2:
            continue
        cid = hashlib.sha1(repr(k).encode("utf-8")).hexdigest()[:12]
        for part in parts:
            for r in part:
                r["conflict"], r["conflict_id"] = True, cid
        first = groups[k][0]
        metric, what, places, org, start, end, unit = k
        out.append({
            "conflict_id": cid, "metric": metric,
            "material": what[1] if what[0] == "material" else None,
            "subject": what[1] if what[0] == "subject" else None,
            "places": list(places), "org": org,
            "period_start": start, "period_end": end, "period_grain": first.get("period_grain"),
            "unit": unit, "tolerance": tolerance,
            "sides": [_side(p) for p in parts],
        })
    return out


#: one row per side of a conflict (CSV, DataFrame)
SIDE_COLUMNS = ["conflict_id", "metric", "material", "subject", "places", "org", "period_start",
                "period_end", "period_grain", "unit", "side", "low", "high", "values", "sources",
                "source_names", "published", "fact_ids", "texts"]


def side_rows(conflicts: Iterable[dict]) -> list[dict[str, Any]]:
    out = []
    for c in conflicts:
        for i, s in enumerate(c["sides"]):
            row = {**{k: c.get(k) for k in SIDE_COLUMNS}, **s, "side": i + 1}
            out.append({k: row.get(k) for k in SIDE_COLUMNS})
    return out
