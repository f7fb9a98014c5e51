"""QUANTITY: a number with a physical unit, ranges and per-time rates included.

``5,774 tons`` -> 5774 t; ``5-8 tons per unit`` -> 5..8 t; ``50,000-ton/year`` -> 50000 t/yr;
``12 ktpa`` -> 12000 t/yr; ``45kt`` -> 45000 t; ``1.2 million tonnes`` -> 1200000 t; ``between
260 million and 270 million tonnes`` -> one range; ``twenty tonnes`` (number-parser);
``10.5±0.2 kg`` -> 10.5 kg. Units come from ``patterns/units.jsonl`` (with the factor that
converts kilo- and megatonnes to tonnes); a word not listed there is asked of quantulum3 (cached
per word) and kept if it names a physical unit and is no ordinal ending, time of day or English
word (``patterns/quantity_rules.json``). Years, tickers, grades and bare counts never match: a
unit must follow the number.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..numbers import NUM, RANGE_SEP, clean_float, parse_number, parse_spelled, spelled_regex
from ...patterns import alternation, load_json
from .base import Ent, Recognizer, context, doc_text
from .units import quantulum_unit, unit_alternation, unit_first_chars, unit_info

_YEAR = re.compile(r"(?:19|20)\d\d")
_PER_TIME = {"year": "yr", "yr": "yr", "annum": "yr", "a": "yr", "month": "mo", "day": "day",
             "hour": "h", "h": "h", "week": "wk"}
# a unit ends where a word would: a lower-case unit may be glued to a capitalised heading after
# it ("2,617tQ2 FY25"), a unit ending in a capital may not ("5 MWh" is not "5 MW" + "h")
_UNIT_END = r"(?:(?<=[a-z])(?![a-z0-9])|(?<![a-z])(?![A-Za-z0-9]))"


@lru_cache(maxsize=4)
def _rules(patterns_dir: str | None = None) -> dict:
    return load_json("quantity_rules.json", patterns_dir)


@lru_cache(maxsize=4)
def _regexes(patterns_dir: str | None = None):
    rules = _rules(patterns_dir)
    units = unit_alternation(patterns_dir)
    scale_words = alternation(rules["scale_words"])
    not_rate = alternation(rules["not_after_rate"])
    num = rf"(?<![\w.,/$¥€£])(?<!\d,)(?P<num>{NUM})(?:\s?±\s?{NUM})?"
    scale1 = rf"(?:\s(?P<scale1>{scale_words}))?"
    rng = rf"(?:(?P<conn>{RANGE_SEP})(?P<num2>{NUM}))?"
    scale = rf"(?:\s(?P<scale>{scale_words}))?"
    tail = (rf"(?:\s?(?:/|per\s|a\s)\s?(?P<per>year|yr|annum|month|day|hour|week|unit|vehicle|"
            rf"car|turbine|set|piece|motor)(?![A-Za-z])(?!\s+(?:{not_rate})\b))?")
    first = unit_first_chars(patterns_dir)
    unit = rf"(?=[{first[1:-1]}])(?P<unit>{units}){_UNIT_END}(?!\s+(?:{not_rate})\b)"
    known = re.compile(rf"{num}{scale1}{rng}{scale}\s?-?\s?{unit}{tail}")
    # "between 5,000 and 6,000 tonnes": "and" joins a range only after "between" (left outside)
    between = re.compile(rf"(?<![A-Za-z])(?i:between)\s+{num}{scale1}(?P<conn>\s+and\s+)(?P<num2>{NUM})"
                         rf"{scale}\s?-?\s?{unit}{tail}")
    other = re.compile(rf"{num}{rng}{scale}\s?(?P<unit>[A-Za-z]{{2,}})(?![A-Za-z0-9])")
    # after a spelled-out number: "twenty tonnes", "three lakh tonnes", "two-metre"
    spelled_tail = re.compile(rf"(?:\s(?P<scale>{scale_words}))?[\s-]{unit}{tail}")
    return known, between, other, spelled_tail


class QuantityRecognizer(Recognizer):
    label = "QUANTITY"

    def __init__(self, patterns_dir: str | None = None):
        self.patterns_dir = patterns_dir
        self.known, self.between, self.other, self.spelled_tail = _regexes(patterns_dir)
        rules = _rules(patterns_dir)
        self.scales = {k: float(v) for k, v in rules["scale_words"].items()}
        self.never = frozenset(rules["never_units"])
        self.word_units = frozenset(rules["word_units"])
        adj = alternation(rules["dimension_adjectives"])
        # a word unit ("in") ends its clause or stands before a dimension adjective ("2 in thick")
        self.word_unit_ok = re.compile(rf"\s*(?:[.,;:)!?]|$|(?:{adj})\b)")

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        ctx = context(text)
        out = []
        for rx, prio in ((self.known, 1), (self.between, 2)):
            for m in rx.finditer(text):
                if rx is self.known and m.group("conn") and m.group("conn").strip() == "and":
                    continue
                e = self._ent(m, unit_info(m.group("unit"), self.patterns_dir), prio)
                if e and not ctx.in_url(e.start, e.end):
                    out.append(e)
        for m in self.other.finditer(text):
            word = m.group("unit")
            if unit_info(word, self.patterns_dir) or word in self.never or word.lower() in self.never:
                continue  # listed units are the job of the first pattern
            if word in self.word_units and not self.word_unit_ok.match(text, m.end()):
                continue
            unit = quantulum_unit(word)
            if unit:
                e = self._ent(m, (unit, 1.0, float("inf")), priority=0)
                if e and not ctx.in_url(e.start, e.end):
                    out.append(e)
        out.extend(self._spelled(text, ctx))
        return _merge_ranges(text, out)

    def _spelled(self, text: str, ctx) -> list[Ent]:
        out = []
        for m in ctx.cues(spelled_regex()).matches:
            t = self.spelled_tail.match(text, m.end())
            if t is None:
                continue
            value = parse_spelled(m.group())
            info = unit_info(t.group("unit"), self.patterns_dir)
            if value is None or info is None:
                continue
            unit, factor, below = info
            value *= self.scales.get((t.group("scale") or "").lower(), 1.0)
            if value < below:
                value *= factor
            unit = self._rate(unit, t.groupdict().get("per"))
            out.append(Ent(self.label, m.start(), t.end(),
                           {"value": clean_float(value), "value_max": None, "unit": unit}, priority=1))
        return out

    @staticmethod
    def _rate(unit: str, per: str | None) -> str:
        if per and per in _PER_TIME and "/" not in unit:
            return f"{unit}/{_PER_TIME[per]}"
        return unit

    def _ent(self, m: re.Match, info: tuple[str, float, float] | None, priority: int) -> Ent | None:
        if not info:
            return None
        unit, factor, below = info
        value = parse_number(m.group("num"))
        if value is None:
            return None
        num_text = m.group("num")
        # a bare year before a one-letter unit ("in 2025 t") is not a quantity
        if len(m.group("unit")) == 1 and _YEAR.fullmatch(num_text):
            return None
        gd = m.groupdict()
        mult = self.scales.get((gd.get("scale") or "").lower(), 1.0)
        mult1 = self.scales.get((gd.get("scale1") or "").lower(), mult)
        hi = parse_number(gd["num2"]) if gd.get("num2") else None
        start = m.start("num")
        if hi is not None and _YEAR.fullmatch(num_text) and ("," in gd["num2"] or hi > 10 * value):
            # "in 2024 to 55,400 tons": a year, then the quantity
            value, hi, start, mult1 = hi, None, m.start("num2"), mult
        # "5 mtpa" is million t/yr, "20,000 mtpa" metric t/yr: the factor applies below its bound
        conv = factor if max(value, hi or 0) < below else 1.0
        val = {"value": clean_float(value * mult1 * conv), "value_max": None,
               "unit": self._rate(unit, gd.get("per"))}
        if hi is not None:
            val["value_max"] = clean_float(hi * mult * conv)
        return Ent(self.label, start, m.end(), val, priority=priority)


# two quantities of one unit joined as a range: "44 mg to 50 mg", "between 5 t and 6 t"
_RANGE_JOIN = re.compile(rf"{RANGE_SEP}|\s{{1,3}}and\s{{1,3}}")


def _joins_range(gap: str, before: str) -> bool:
    """"and" joins a range after "between"; "from 1,500 t to 2,000 t" is a change, not a range."""
    if gap.strip() == "and":
        return bool(re.search(r"(?i)\bbetween\s+$", before))
    return not re.search(r"(?i)\bfrom\s+$", before)


def _merge_ranges(text: str, ents: list[Ent]) -> list[Ent]:
    ents.sort(key=lambda e: (e.start, -e.end))
    out: list[Ent] = []
    for e in ents:
        if out:
            a = out[-1]
            gap = text[a.end:e.start]
            if (a.value.get("value_max") is None and e.value.get("value_max") is None
                    and a.value["unit"] == e.value["unit"] and _RANGE_JOIN.fullmatch(gap)
                    and _joins_range(gap, text[max(0, a.start - 9):a.start])):
                a.value = {**a.value, "value_max": e.value["value"]}
                a.end = e.end
                continue
        out.append(e)
    return out
