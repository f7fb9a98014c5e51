"""Notebook display: highlighted articles, fact tables, FactList, DataFrames."""
import html
import json
import re
import sys

import pytest

import rare_earth_ie as rei
from rare_earth_ie import dedup
from rare_earth_ie.models import ArticleResult, CanonicalFact, Entity, FactList
from rare_earth_ie.frontends.render import format_period, format_value, highlight

EVIL = ('Prices <script>window.__pwned=1</script> of dysprosium oxide rose 5% to $300/kg. '
        '<img src=x onerror="window.__pwned=1"> & "quotes"')


def _visible_text(markup: str) -> str:
    """What a browser shows of highlight(): the text outside tags (labels removed), unescaped."""
    markup = re.sub(r'<span class="rei-label"[^>]*>[^<]*</span>', "", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_highlight_escapes_and_keeps_the_raw_text_exactly():
    r = rei.extract(EVIL, published="2025-10-01", doc_id="evil")
    out = highlight(r.text, r.entities)
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in out
    assert _visible_text(out) == EVIL
    labels = {lb for m in re.findall(r'data-labels="([A-Z ]+)"', out) for lb in m.split()}
    assert {"MONEY", "PERCENT"} <= labels


def test_overlapping_entities_get_stacked_bars():
    text = "the 25% recycled magnet mandate applies"
    ents = [Entity(label="POLICY", text="25% recycled magnet mandate", start=4, end=31, value={"name": "x"}),
            Entity(label="PERCENT", text="25%", start=4, end=7, value={"value": 25.0})]
    out = highlight(text, ents)
    assert _visible_text(out) == text
    first = out[out.index('<span class="rei-ent"'):out.index("recycled")]
    assert 'data-labels="POLICY PERCENT"' in first
    assert first.count('class="rei-label"') == 2          # both start here, on two bars
    assert "top:40px" in first and "top:57px" in first
    # offsets outside the text are ignored, not a crash
    assert _visible_text(highlight("abc", [Entity(label="ORG", text="x", start=2, end=9)])) == "abc"


def test_format_value_and_period():
    assert format_value(Entity(label="MONEY", text="RMB 580,000-600,000/ton", start=0, end=1, value={
        "amount": 580000.0, "amount_max": 600000.0, "currency": "CNY", "per": "t"})
    ) == "CNY 580,000–600,000/t"
    assert format_value(Entity(label="PERCENT", text="6.1%", start=0, end=1, value={
        "value": 6.1, "direction": "down", "basis": "MoM"})) == "−6.1% MoM"
    assert format_period({"start": "2025-09-01", "end": "2025-09-30", "grain": "month"}) == "2025-09"
    assert format_period({"start": "2025-10-01", "end": "2025-12-31", "grain": "quarter"}) == "2025-Q4"
    assert format_period({"start": "2026-01-01", "end": "2030-12-31", "grain": "year"}) == "2026–2030"
    assert format_period(None) == ""


def test_article_result_renders_in_a_notebook(corpus_results):
    r = corpus_results[0]
    out = r._repr_html_()
    assert r.doc_id in out and out.count('class="rei-ent"') >= len(r.entities) // 2
    assert "<table" in out and out.count("<tr>") == len(r.facts) + 1
    # read back from JSONL the text is gone: entities still show
    back = ArticleResult.model_validate_json(r.model_dump_json())
    assert back.text is None and "not kept" in back._repr_html_()
    assert r.facts[0]._repr_html_().count("<tr>") == 2


def test_deduplicate_returns_a_renderable_list(corpus_results):
    facts = rei.deduplicate(corpus_results)
    plain = dedup.deduplicate(corpus_results)
    assert isinstance(facts, FactList) and isinstance(facts, list)
    assert facts == plain and plain == facts
    assert isinstance(facts[:3], FactList) and facts[:3] == plain[:3]
    assert isinstance(facts[0], CanonicalFact)
    assert json.loads(json.dumps([f.model_dump() for f in facts])) == [f.model_dump() for f in plain]
    out = facts._repr_html_()
    assert f"{len(facts)} canonical facts" in out and "seen in" in out
    assert "more fact(s) not shown" in FactList(facts * 3)._repr_html_()
    assert facts[0]._repr_html_().count("<tr>") == 2


def test_to_dataframe_entities_and_facts(corpus_results):
    pytest.importorskip("pandas")
    df = rei.to_dataframe(corpus_results)
    assert len(df) == sum(len(r.entities) for r in corpus_results)
    assert {"doc_id", "label", "text", "start", "end", "fact_id", "value_amount", "value_currency",
            "value_unit", "value_symbol"} <= set(df.columns)
    money = df[df.label == "MONEY"]
    assert money.value_amount.notna().all() and set(money.value_currency) >= {"CNY"}
    facts = rei.deduplicate(corpus_results)
    fdf = rei.to_dataframe(facts)
    assert len(fdf) == len(facts) and list(fdf.fact_id) == [f.fact_id for f in facts]
    assert {"support", "doc_ids", "metric", "period_start", "material", "value_label", "value_amount",
            "value_currency", "value_value", "value_unit"} <= set(fdf.columns)
    prices = fdf[(fdf.metric == "price") & fdf.value_amount.notna()]
    assert len(prices) and (prices.value_label == "MONEY").all()
    assert facts.to_dataframe().equals(fdf)
    one = rei.to_dataframe(corpus_results[0].facts)
    assert len(one) == len(corpus_results[0].facts) and "doc_id" in one.columns
    assert list(rei.to_dataframe([]).columns)[:4] == ["doc_id", "published", "source", "label"]
    with pytest.raises(TypeError):
        rei.to_dataframe([corpus_results[0], facts[0]])


def test_to_dataframe_names_the_extra_when_pandas_is_missing(monkeypatch, corpus_results):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'rare-earth-ie\[pandas\]'"):
        rei.to_dataframe(corpus_results)
