"""PERCENT, MONEY, QUANTITY and DATE on sentences that are not in the corpus."""
import json
import warnings
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei


def ents(text, label, published="2025-10-21"):
    return [(e.text, e.value) for e in rei.extract(text, published=published).entities if e.label == label]


@pytest.mark.parametrize("text,span,value", [
    ("Output was down 6.1% month-on-month.", "6.1%", {"value": 6.1, "direction": "down", "basis": "MoM"}),
    ("Shipments plummeted 28.7% MoM.", "28.7%", {"value": 28.7, "direction": "down", "basis": "MoM"}),
    ("imports saw a year-on-year plunge of 42.2%", "42.2%", {"value": 42.2, "direction": "down", "basis": "YoY"}),
    ("net profit ¥115 million (+189.72% YoY)", "189.72%", {"value": 189.72, "direction": "up", "basis": "YoY"}),
    ("Prices jumped 37% QoQ on demand.", "37%", {"value": 37.0, "direction": "up", "basis": "QoQ"}),
    ("volumes fell 12 per cent compared to 2024", "12 per cent", {"value": 12.0, "direction": "down", "basis": "YoY"}),
    ("Washington imposed a 25% tariff on magnets.", "25%", {"value": 25.0, "direction": None, "basis": None}),
    ("margins narrowed from 2.8% to 1.5%.", "2.8%", {"value": 2.8, "direction": None}),
    ("Sales rose 4.2 percent quarter-on-quarter", "4.2 percent", {"value": 4.2, "direction": "up", "basis": "QoQ"}),
])
def test_percent(text, span, value):
    got = dict(ents(text, "PERCENT"))
    assert span in got
    assert {k: got[span].get(k) for k in value} == value


@pytest.mark.parametrize("text,span,value", [
    ("Q3 revenue reached ¥1.916 billion.", "¥1.916 billion", {"amount": 1.916e9, "currency": "CNY"}),
    ("Dysprosium oxide: ¥1,510,000/ton", "¥1,510,000/ton", {"amount": 1510000.0, "currency": "CNY", "per": "t"}),
    ("may fall to RMB 580,000-600,000/ton", "RMB 580,000-600,000/ton",
     {"amount": 580000.0, "amount_max": 600000.0, "currency": "CNY", "per": "t"}),
    ("quoted at 26,205 yuan/ton", "26,205 yuan/ton", {"amount": 26205.0, "currency": "CNY", "per": "t"}),
    ("a market of 150 billion RMB", "150 billion RMB", {"amount": 1.5e11, "currency": "CNY"}),
    ("an operating cost of $2.92/kg", "$2.92/kg", {"amount": 2.92, "currency": "USD", "per": "kg"}),
    ("a US$38 million grant", "US$38 million", {"amount": 3.8e7, "currency": "USD"}),
    ("raised USD34.6 million", "USD34.6 million", {"amount": 3.46e7, "currency": "USD"}),
    ("a A$1.2bn loan", "A$1.2bn", {"amount": 1.2e9, "currency": "AUD"}),
    ("Terbium at €45/kg in Rotterdam", "€45/kg", {"amount": 45.0, "currency": "EUR", "per": "kg"}),
    ("Japan's JOGMEC paid ¥3 billion", "¥3 billion", {"amount": 3e9, "currency": "JPY"}),
    ("a deal worth 2.5 billion yen", "2.5 billion yen", {"amount": 2.5e9, "currency": "JPY"}),
    ("NdPr oxide at $62.50 per kilogram", "$62.50 per kilogram", {"amount": 62.5, "per": "kg"}),
])
def test_money(text, span, value):
    got = dict(ents(text, "MONEY"))
    assert span in got, got
    assert {k: got[span].get(k) for k in value} == pytest.approx(value)


@pytest.mark.parametrize("text,span,value", [
    ("exports of 5,774 tons in August", "5,774 tons", {"value": 5774.0, "unit": "t"}),
    ("stockpile of 816 000 t", "816 000 t", {"value": 816000.0, "unit": "t"}),
    ("orders (5-8 tons per unit)", "5-8 tons per unit", {"value": 5.0, "value_max": 8.0, "unit": "t"}),
    ("a 50,000-ton/year line", "50,000-ton/year", {"value": 50000.0, "unit": "t/yr"}),
    ("energy product above 20 MGOe", "20 MGOe", {"value": 20.0, "unit": "MGOe"}),
    ("a 12 ktpa separation plant", "12 ktpa", {"value": 12000.0, "unit": "t/yr"}),
    ("a 1.5 GW wind farm", "1.5 GW", {"value": 1.5, "unit": "GW"}),
    ("some 1.2 million tonnes of ore", "1.2 million tonnes", {"value": 1.2e6, "unit": "t"}),
    ("hauled 300 miles by truck", "300 miles", {"value": 300.0, "unit": "mi"}),
])
def test_quantity(text, span, value):
    got = dict(ents(text, "QUANTITY"))
    assert span in got, got
    assert {k: got[span].get(k) for k in value} == value


@pytest.mark.parametrize("text", [
    "In 2025 the firm grew.", "Shenzhen-listed 300224.SZ fell.", "grades like N52SH sold out",
    "under Announcement No. 62/2025", "six tech companies joined", "3 out of 30 batches failed",
    "it is 4.4 times the volume", "within 180 days",
])
def test_not_a_quantity(text):
    assert ents(text, "QUANTITY") == []


@pytest.mark.parametrize("text,span,start,end,grain", [
    ("September volume", "September", "2025-09-01", "2025-09-30", "month"),
    ("Jan-Sep exports", "Jan-Sep", "2025-01-01", "2025-09-30", "month"),
    ("Q3 revenue", "Q3", "2025-07-01", "2025-09-30", "quarter"),
    ("in the first quarter of the year", "the first quarter", "2025-01-01", "2025-03-31", "quarter"),
    ("guidance for H1 2026", "H1 2026", "2026-01-01", "2026-06-30", "half"),
    ("announced on October 9", "October 9", "2025-10-09", "2025-10-09", "day"),
    ("On September 23, 2025, data", "September 23, 2025", "2025-09-23", "2025-09-23", "day"),
    ("as of early December 2025", "early December 2025", "2025-12-01", "2025-12-10", "day"),
    ("by 2030 the target", "by 2030", "2030-01-01", "2030-12-31", "year"),
    ("from 2026 to 2030, demand", "2026 to 2030", "2026-01-01", "2030-12-31", "year"),
    ("imports in January-February 2025 rose", "January-February 2025", "2025-01-01", "2025-02-28", "month"),
    ("on 9 October the ministry", "9 October", "2025-10-09", "2025-10-09", "day"),
    ("on Oct. 9 the ministry", "Oct. 9", "2025-10-09", "2025-10-09", "day"),
    ("prices last month", "last month", "2025-09-01", "2025-09-30", "month"),
    ("the 2025/26 season", "2025/26", "2025-01-01", "2026-12-31", "year"),
    ("results for the first half of 2025", "the first half of 2025", "2025-01-01", "2025-06-30", "half"),
    ("by the end of 2025 output", "by the end of 2025", "2025-12-31", "2025-12-31", "day"),
])
def test_dates(text, span, start, end, grain):
    got = dict(ents(text, "DATE"))
    assert span in got, got
    assert got[span] == {"start": start, "end": end, "grain": grain}


def test_yearless_date_takes_the_past_occurrence():
    got = dict(ents("exports in December rose", "DATE", published="2026-01-16"))
    assert got["December"]["start"] == "2025-12-01"


@pytest.mark.parametrize("text", ["claiming 25 years of dominance", "within two years", "rose 30 percent"])
def test_not_a_date(text):
    assert ents(text, "DATE") == []


def test_units_outside_our_tables_come_from_quantulum3_only_if_it_knows_the_word(monkeypatch):
    from quantulum3 import parser

    from rare_earth_ie.extract.recognizers import units
    from rare_earth_ie.extract.recognizers.units import ask_quantulum, quantulum_unit

    assert dict(ents("a field of 12 gauss and 40 kilojoules", "QUANTITY")) == {
        "12 gauss": {"value": 12.0, "value_max": None, "unit": "G"},
        "40 kilojoules": {"value": 40.0, "value_max": None, "unit": "kJ"}}

    asked = []
    real_parse = parser.parse
    monkeypatch.setattr(parser, "parse", lambda text, *a, **k: asked.append(text) or real_parse(text, *a, **k))
    quantulum_unit.cache_clear()
    # random letters after digits (base64, hashes) never reach the parser (~10 ms a call)
    assert ents("id 5aBcDeFgH 7QwErTy 9zzkq", "QUANTITY") == []
    assert quantulum_unit("xQzvbn") is None
    # a word of quantulum3's tables is answered from its generated table, as quantulum3 answers
    assert quantulum_unit("furlongs") == ask_quantulum("furlongs") and asked == ["1 furlongs"]
    assert quantulum_unit("furlongs") is not None
    # the cases news writes a word in are in the table too (symbols are case-sensitive there)
    asked.clear()
    quantulum_unit.cache_clear()
    assert quantulum_unit("FURLONGS") == ask_quantulum("FURLONGS") and asked == ["1 FURLONGS"]
    assert quantulum_unit("Furlongs") == ask_quantulum("Furlongs") and asked[1:] == ["1 Furlongs"]
    # a rarer casing of a table's word, or a table made by another quantulum3 version: asked live
    asked.clear()
    quantulum_unit.cache_clear()
    assert quantulum_unit("FurLongs") == ask_quantulum("FurLongs") and asked[0] == "1 FurLongs"
    monkeypatch.setattr(units, "_answers", lambda: None)
    asked.clear()
    quantulum_unit.cache_clear()
    quantulum_unit("furlongs")
    assert asked == ["1 furlongs"]
    quantulum_unit.cache_clear()


def test_the_quantulum3_table_is_what_quantulum3_answers():
    """patterns/quantulum_units.json is quantulum3's own answer for every word it holds (for the
    installed version; tools/build_quantulum_units.py makes it anew after an upgrade)."""
    import random
    from importlib.metadata import version

    from rare_earth_ie.extract.recognizers.units import ask_quantulum
    from rare_earth_ie.patterns import load_json

    data = load_json("quantulum_units.json")
    assert data["quantulum3"] == version("quantulum3"), "run tools/build_quantulum_units.py"
    sample = random.Random(3).sample(sorted(data["units"]), 60)
    assert {w: data["units"][w] for w in sample} == {w: ask_quantulum(w) for w in sample}


def test_quantulum3_peer_cases_with_physical_units():
    """quantulum3's own test cases: where a case states a number with a mass, power, energy or
    length unit that our tables cover, we must read the same value."""
    import quantulum3

    path = Path(quantulum3.__file__).parent / "_lang" / "en_US" / "tests" / "quantities.json"
    cases = json.loads(path.read_text(encoding="utf-8"))
    units = {"tonne": "t", "ton": "t", "kilogram": "kg", "gram": "g", "kilometre": "km",
             "megawatt": "MW", "gigawatt": "GW", "kilowatt": "kW", "watt": "W", "pound-mass": "lb",
             "mile": "mi", "metre": "m", "kilowatt hour": "kWh", "megawatt hour": "MWh"}
    checked = 0
    for case in cases:
        for q in case["res"]:
            unit = units.get(q["unit"])
            if unit is None or q.get("uncertainty"):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = ents(case["req"], "QUANTITY")
            values = [v for _, v in got if v["unit"] == unit]
            if values:
                checked += 1
                assert any(v["value"] == pytest.approx(q["value"]) for v in values), (case["req"], got)
    assert checked >= 5


# --- the direct reading of "20 June [2025]" / "June 20[, 2025]" agrees with dateparser -----------

_MONTH_FORMS = ["January", "Jan", "Jan.", "February", "Feb.", "March", "Mar", "April", "Apr.", "May", "June",
                "Jun", "July", "Jul.", "August", "Aug", "September", "Sept.", "Sep", "October", "Oct.",
                "November", "Nov", "December", "Dec."]


def test_month_day_reads_the_forms_and_leaves_the_rest_to_dateparser():
    import importlib

    dates = importlib.import_module("rare_earth_ie.extract.recognizers.dates")
    months = dates.DateRecognizer().months
    assert dates.month_day("20 June", months) == (None, 6, 20)
    assert dates.month_day("Nov. 6, 2025", months) == (2025, 11, 6)
    assert dates.month_day("Oct.18", months) == (None, 10, 18)
    assert dates.month_day("21 Oct 2025", months) == (2025, 10, 21)
    assert dates.month_day("1st April", months) == (None, 4, 1)
    # not a real day in every year, or not this form: dateparser decides
    for text in ("29 February", "31 September 2025", "June", "20 Juin", "the 20th of June", "June 20 25"):
        assert dates.month_day(text, months) is None, text


@settings(max_examples=150, deadline=None)
@given(st.dates(date(1990, 1, 1), date(2035, 12, 31)), st.sampled_from(_MONTH_FORMS), st.booleans(),
       st.booleans(), st.dates(date(2000, 1, 1), date(2030, 12, 31)), st.sampled_from(["past", "future"]))
def test_month_day_agrees_with_dateparser(day, month_form, day_first, with_year, base, prefer):
    import importlib

    dates = importlib.import_module("rare_earth_ie.extract.recognizers.dates")
    months = dates.DateRecognizer().months
    if months[month_form.lower().rstrip(".")] != day.month:
        month_form = next(f for f in _MONTH_FORMS if months[f.lower().rstrip(".")] == day.month)
    text = f"{day.day} {month_form}" if day_first else f"{month_form} {day.day}"
    if with_year:
        text += f"{'' if day_first else ','} {day.year}"
    ours = dates.month_day(text, months)
    theirs = dates._dateparse(text, base.isoformat(), prefer)
    if ours is None:  # 29 February without a year: left to dateparser
        assert (day.month, day.day) == (2, 29) and not with_year
        return
    assert theirs is not None
    # the recognizer keeps dateparser's year only when the text has one, else picks its own
    assert (ours[1], ours[2]) == (theirs.month, theirs.day)
    if with_year:
        assert ours[0] == theirs.year
