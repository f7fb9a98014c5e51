"""Results as pandas DataFrames (``pip install 'rare-earth-ie[pandas]'``).

* extracted articles (:class:`ArticleResult`): one row per entity, with its article and the
  fact it belongs to;
* canonical facts (:class:`CanonicalFact`) or per-article facts (:class:`Fact`): one row per
  fact, with its main value and period.

The normalised value is flattened into ``value_*`` columns (``value_amount``,
``value_currency``, ``value_unit``, ...), one per key of ``Entity.value``.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Union

from ..models import VALUE_FIELDS, ArticleResult, CanonicalFact, Entity, Fact

PANDAS_HINT = "to_dataframe needs pandas: pip install 'rare-earth-ie[pandas]'"

#: the value_* columns, in a stable order
VALUE_COLUMNS: list[str] = []
for _keys in VALUE_FIELDS.values():
    for _k in _keys:
        if f"value_{_k}" not in VALUE_COLUMNS:
            VALUE_COLUMNS.append(f"value_{_k}")

#: which numeric entity states a fact's value, by metric (else the first numeric one)
_PREFERRED = {"price": "MONEY", "cost": "MONEY", "revenue": "MONEY", "investment": "MONEY",
              "net profit": "MONEY", "volume": "QUANTITY", "production": "QUANTITY",
              "capacity": "QUANTITY", "demand": "QUANTITY", "share": "PERCENT", "margin": "PERCENT"}
_NUMERIC = ("MONEY", "QUANTITY", "PERCENT")
#: a fact's main value is one of these labels: their columns are always there
_FACT_VALUE_COLUMNS = [f"value_{k}" for lb in (*_NUMERIC, "POLICY") for k in VALUE_FIELDS[lb]]


def _pandas():
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(PANDAS_HINT) from e
    return pd


def first(entities: Iterable[Entity], label: str) -> Optional[Entity]:
    return next((e for e in entities if e.label == label), None)


def main_value(fact: Union[Fact, CanonicalFact]) -> Optional[Entity]:
    """The entity that states the fact's value: for a price the MONEY, for a volume the
    QUANTITY, ...; else the first MONEY, QUANTITY or PERCENT; else its POLICY."""
    want = (fact.value or {}).get("label") or _PREFERRED.get(fact.metric or "")
    return ((want and first(fact.entities, want))
            or next((e for e in fact.entities if e.label in _NUMERIC), None)
            or first(fact.entities, "POLICY"))


def flat_value(value: Optional[dict[str, Any]]) -> dict[str, Any]:
    return {f"value_{k}": v for k, v in (value or {}).items()}


def _names(entities: Iterable[Entity], label: str) -> Optional[str]:
    seen: list[str] = []
    for e in entities:
        if e.label == label:
            n = str((e.value or {}).get("name") or e.text)
            if n not in seen:
                seen.append(n)
    return "; ".join(seen) or None


def entity_rows(results: Iterable[ArticleResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        in_fact = {}
        for f in r.facts:
            for e in f.entities:
                in_fact.setdefault((e.label, e.start, e.end), f.fact_id)
        for e in r.entities:
            rows.append({"doc_id": r.doc_id, "published": r.published, "source": r.source,
                         "label": e.label, "text": e.text, "start": e.start, "end": e.end,
                         "fact_id": in_fact.get((e.label, e.start, e.end)), **flat_value(e.value)})
    return rows


def fact_rows(facts: Iterable[Union[Fact, CanonicalFact]]) -> list[dict[str, Any]]:
    rows = []
    for f in facts:
        period = f.period or {}
        row: dict[str, Any] = {"fact_id": f.fact_id, "text": f.text}
        if isinstance(f, CanonicalFact):
            row.update(support=f.support, doc_ids=sorted({m.doc_id for m in f.mentions}))
        else:
            row.update(doc_id=f.doc_id, start=f.start, end=f.end)
        mat = first(f.entities, "MATERIAL")
        main = main_value(f)
        row.update(subject=f.subject, metric=f.metric, period_start=period.get("start"),
                   period_end=period.get("end"), period_grain=period.get("grain"),
                   period_source=f.period_source,
                   material=(mat.value or {}).get("name", mat.text) if mat else None,
                   material_symbol=(mat.value or {}).get("symbol") if mat else None,
                   orgs=_names(f.entities, "ORG"), places=_names(f.entities, "GPE"),
                   policies=_names(f.entities, "POLICY"), n_entities=len(f.entities),
                   value_label=main.label if main else None, value_text=main.text if main else None,
                   **flat_value(main.value if main else None))
        rows.append(row)
    return rows


def to_dataframe(items: Union[ArticleResult, Fact, CanonicalFact,
                              Iterable[Union[ArticleResult, Fact, CanonicalFact]]]):
    """A pandas DataFrame of extracted articles (one row per entity) or of facts (one row per
    fact), with the normalised values flattened into ``value_*`` columns.

    >>> df = rei.to_dataframe(rei.deduplicate(results))
    >>> df[df.metric == "price"][["material", "value_amount", "value_currency", "period_start"]]
    """
    pd = _pandas()
    if isinstance(items, (ArticleResult, Fact, CanonicalFact)):
        items = [items]
    items = list(items)
    kinds = {type(x) for x in items}
    if kinds <= {ArticleResult}:
        rows = entity_rows(items)
        lead = ["doc_id", "published", "source", "label", "text", "start", "end", "fact_id"]
    elif kinds <= {Fact, CanonicalFact}:
        rows = fact_rows(items)
        lead = ["fact_id", "text", "support", "doc_ids", "doc_id", "start", "end", "subject", "metric",
                "period_start", "period_end", "period_grain", "period_source", "material",
                "material_symbol", "orgs", "places", "policies", "n_entities", "value_label", "value_text"]
        if kinds == {CanonicalFact}:
            lead = [c for c in lead if c not in ("doc_id", "start", "end")]
        elif kinds == {Fact}:
            lead = [c for c in lead if c not in ("support", "doc_ids")]
    else:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(f"to_dataframe takes ArticleResults or facts, not a mix or other types ({names})")
    extra = sorted({k for row in rows for k in row} - set(lead) - set(VALUE_COLUMNS))
    present = {k for row in rows for k in row}
    always = VALUE_COLUMNS if kinds <= {ArticleResult} else _FACT_VALUE_COLUMNS
    values = [c for c in VALUE_COLUMNS if c in present or c in always]
    return pd.DataFrame(rows, columns=lead + values + extra)
