"""Observations: the numbers of canonical facts as rows an analyst charts.

One canonical fact gives one observation per material it states a value for (a price list line
``Terbium oxide: ...; Gadolinium oxide: ...`` gives two), or one when it names no material: the
first entity of the kind its metric is measured in (``patterns/series.json``, ``values``) that
lies nearest to that material. Each row carries

* what: ``metric`` (the fact's metric mapped to the vocabulary of ``series.json``, ``volume``
  turned into ``export volume``/``import volume`` by the words of the fact), ``material`` (the
  nearest MATERIAL's name, e.g. ``dysprosium oxide``, and ``material_symbol``), ``place`` (the
  nearest GPE's code, or name when it has none; ``places``: every GPE of the fact), ``org``;
* when: the fact's period (``period_start``, ``period_end``, ``period_grain``, ``period_source``);
* the value as stated: ``value``, ``value_max`` (a range), ``unit`` (a QUANTITY's unit, ``%``),
  ``currency`` and ``per`` (a MONEY's), ``entity_text``;
* the value normalised: ``value_norm``, ``value_max_norm``, ``unit_norm``: physical units to the
  one unit of their dimension (pint), money to US dollars at the ECB's reference rate of the
  period's end (``fx_rate``: dollars per unit of ``currency``, ``fx_date``: the day of the rate
  used), a price per unit of mass per kg (``USD/kg``);
* where from: ``sources`` (doc ids), ``source_names``, ``published`` (their publish dates),
  ``first_seen``, ``last_seen``, ``support``, ``fact_id``, ``text``.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Optional

from ..models import CanonicalFact, Entity
from . import fx, units
from .inputs import Documents

#: the columns of a series, in order
COLUMNS = [
    "observation_id", "metric", "material", "material_symbol", "place", "place_name", "places", "org",
    "period_start", "period_end", "period_grain", "period_source",
    "value", "value_max", "unit", "currency", "per", "entity_label", "entity_text",
    "value_norm", "value_max_norm", "unit_norm", "fx_rate", "fx_date",
    "conflict", "conflict_id",
    "sources", "source_names", "published", "first_seen", "last_seen", "support",
    "fact_id", "metric_raw", "subject", "text",
]
#: columns that hold lists (joined with ``;`` in CSV)
LIST_COLUMNS = ("places", "sources", "source_names", "published")
_NUMERIC = ("MONEY", "QUANTITY", "PERCENT")


# --- the vocabulary of series.json --------------------------------------------------------------


@lru_cache(maxsize=1)
def _vocab() -> tuple[dict, dict, dict, frozenset]:
    cfg = units.config()
    metrics = {k.lower(): v for k, v in cfg["metrics"].items() if not k.startswith("_")}
    flows = {}
    for base, ways in cfg["flows"].items():
        if base.startswith("_"):
            continue
        flows[base] = [(name, re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, words)), re.I))
                       for name, words in ways.items()]
    values = {k: v for k, v in cfg["values"].items() if not k.startswith("_")}
    return metrics, flows, values, frozenset(cfg["by_org"]["metrics"])


def metric_of(fact: CanonicalFact) -> Optional[str]:
    """The fact's metric in the vocabulary of ``series.json`` (a metric not listed is kept)."""
    if not fact.metric:
        return None
    metrics, flows, _, _ = _vocab()
    m = metrics.get(fact.metric.strip().lower(), fact.metric.strip().lower())
    for text in (fact.subject or "", fact.text):
        for name, rx in flows.get(m, ()):
            if rx.search(text):
                return name
    return m


def by_org(metric: Optional[str]) -> bool:
    return metric in _vocab()[3]


# --- which entities are the values --------------------------------------------------------------


def _is_level(e: Entity) -> bool:
    v = e.value or {}
    if e.label == "PERCENT":
        return v.get("value") is not None and not v.get("direction") and not v.get("basis")
    if e.label == "MONEY":
        return v.get("amount") is not None
    return e.label == "QUANTITY" and v.get("value") is not None


def _candidates(fact: CanonicalFact, metric: str) -> list[Entity]:
    levels = [e for e in fact.entities if e.label in _NUMERIC and _is_level(e)]
    wanted = _vocab()[2].get(metric)
    if wanted:
        for label in wanted:
            found = [e for e in levels if e.label == label]
            if found:
                levels = found
                break
        else:
            return []
    elif levels:
        levels = [e for e in levels if e.label == levels[0].label]
    if metric == "price" and any((e.value or {}).get("per") for e in levels):
        levels = [e for e in levels if (e.value or {}).get("per")]
    return levels


def _distance(a: Entity, b: Entity) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def _nearest(e: Entity, others: list[Entity]) -> Optional[Entity]:
    """The entity of ``others`` closest to ``e`` (on a tie, the one before it)."""
    return min(others, key=lambda o: (_distance(e, o), o.start > e.start), default=None)


def value_entities(fact: CanonicalFact, metric: str) -> list[tuple[int, Entity, Optional[Entity]]]:
    """(index in fact.entities, value entity, its material) for each observation of the fact:
    the first value nearest to each material, or the first value when it names none."""
    cands = _candidates(fact, metric)
    if not cands:
        return []
    index = {id(e): i for i, e in enumerate(fact.entities)}
    materials = [e for e in fact.entities if e.label == "MATERIAL"]
    if not materials:
        return [(index[id(cands[0])], cands[0], None)]
    out, seen = [], set()
    for e in cands:
        m = _nearest(e, materials)
        key = (m.value or {}).get("name") or m.text.lower()
        if key not in seen:
            seen.add(key)
            out.append((index[id(e)], e, m))
    return out


def _values(fact: CanonicalFact) -> tuple[Optional[str], list]:
    """The fact's metric and its values; money per unit in a fact whose metric gives no value
    is a price (``money_per_unit`` in series.json)."""
    metric = metric_of(fact)
    values = value_entities(fact, metric) if metric else []
    if not values and any(e.label == "MONEY" and (e.value or {}).get("per") for e in fact.entities):
        metric = units.config()["money_per_unit"]["metric"]
        values = value_entities(fact, metric)
    return metric, values


# --- normalising ---------------------------------------------------------------------------------


def _day(s: Any) -> Optional[date]:
    try:
        return date.fromisoformat(str(s)[:10])
    except (TypeError, ValueError):
        return None


def normalise_quantity(v: dict) -> dict[str, Any]:
    lo, unit = units.normalise(v.get("value"), v.get("unit"))
    hi, _ = units.normalise(v.get("value_max"), v.get("unit"))
    return {"value_norm": lo, "value_max_norm": hi, "unit_norm": unit}


def normalise_money(v: dict, when: Optional[date]) -> dict[str, Any]:
    """Money in US dollars at the ECB rate of ``when``; a price per unit of mass per kg (the
    ``price_per`` of series.json), per another unit per that unit as it is."""
    out: dict[str, Any] = {"value_norm": None, "value_max_norm": None, "unit_norm": None,
                           "fx_rate": None, "fx_date": None}
    cur, per = v.get("currency"), v.get("per")
    if not cur or when is None:
        return out
    rate = fx.usd_rate(cur, when)
    if rate is None:
        return out
    target = units.config()["price_per"]
    factor, unit = 1.0, target["currency"]
    if per:
        f = units.per_unit_factor(per, target["unit"])
        factor, unit = (f, f"{unit}/{target['unit']}") if f is not None else (1.0, f"{unit}/{per}")
    out["fx_rate"], out["fx_date"] = rate[0], rate[1].isoformat()
    out["unit_norm"] = unit
    for k, src in (("value_norm", "amount"), ("value_max_norm", "amount_max")):
        if v.get(src) is not None:
            out[k] = float(v[src]) * rate[0] * factor
    return out


def _raw(e: Entity) -> dict[str, Any]:
    v = e.value or {}
    if e.label == "MONEY":
        return {"value": v.get("amount"), "value_max": v.get("amount_max"), "unit": None,
                "currency": v.get("currency"), "per": v.get("per")}
    if e.label == "PERCENT":
        return {"value": v.get("value"), "value_max": v.get("value_max"), "unit": "%",
                "currency": None, "per": None}
    return {"value": v.get("value"), "value_max": v.get("value_max"), "unit": v.get("unit"),
            "currency": None, "per": None}


def _normalised(e: Entity, when: Optional[date]) -> dict[str, Any]:
    v = e.value or {}
    out: dict[str, Any] = {"fx_rate": None, "fx_date": None}
    if e.label == "MONEY":
        out.update(normalise_money(v, when))
    elif e.label == "PERCENT":
        out.update(value_norm=v.get("value"), value_max_norm=v.get("value_max"), unit_norm="%")
    else:
        out.update(normalise_quantity(v))
    return out


# --- the rows ------------------------------------------------------------------------------------


def _place(e: Optional[Entity]) -> tuple[Optional[str], Optional[str]]:
    if e is None:
        return None, None
    v = e.value or {}
    name = v.get("name") or e.text
    return v.get("code") or name, name


def observations(fact: CanonicalFact, docs: Optional[Documents] = None) -> list[dict[str, Any]]:
    """The observations of one canonical fact (see the module's doc); ``docs`` gives its
    articles' publish dates (first and last seen are the earliest and latest) and sources."""
    metric, values = _values(fact)
    if not values:
        return []
    docs = docs or Documents()
    period = fact.period or {}
    doc_ids = sorted({m.doc_id for m in fact.mentions})
    published = docs.dates(doc_ids)
    first, last = (published[0], published[-1]) if published else (None, None)
    when = _day(period.get("end")) or _day(last)
    gpes = [e for e in fact.entities if e.label == "GPE"]
    orgs = [e for e in fact.entities if e.label == "ORG"]
    places = sorted({_place(g)[0] for g in gpes})
    rows = []
    for i, e, mat in values:
        place, place_name = _place(_nearest(e, gpes))
        org = _nearest(e, orgs)
        row = {
            "observation_id": f"{fact.fact_id}/{i}", "metric": metric,
            "material": ((mat.value or {}).get("name") or mat.text.lower()) if mat else None,
            "material_symbol": (mat.value or {}).get("symbol") if mat else None,
            "place": place, "place_name": place_name, "places": places,
            "org": ((org.value or {}).get("name") or org.text) if org else None,
            "period_start": period.get("start"), "period_end": period.get("end"),
            "period_grain": period.get("grain"), "period_source": fact.period_source,
            **_raw(e), "entity_label": e.label, "entity_text": e.text,
            **_normalised(e, when),
            "conflict": False, "conflict_id": None,
            "sources": doc_ids, "source_names": docs.names(doc_ids), "published": published,
            "first_seen": first, "last_seen": last, "support": fact.support,
            "fact_id": fact.fact_id, "metric_raw": fact.metric, "subject": fact.subject, "text": fact.text,
        }
        rows.append({k: row.get(k) for k in COLUMNS})
    return rows


def observation_rows(facts: Iterable[CanonicalFact],
                     docs: Optional[Documents] = None) -> list[dict[str, Any]]:
    """Every observation of ``facts``, ordered by metric, material, place, period and value."""
    rows = [r for f in facts for r in observations(f, docs)]
    return sorted(rows, key=_order)


def _order(r: dict) -> tuple:
    return (r["metric"] or "", r["material"] or "", r["place"] or "", r["period_start"] or "",
            r["period_end"] or "", r["value_norm"] if r["value_norm"] is not None else float("inf"),
            r["observation_id"])
