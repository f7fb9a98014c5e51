"""QUANTITY: a number with a physical unit, ranges and per-time rates included.

``5,774 tons`` -> 5774 t; ``5-8 tons per unit`` -> 5..8 t; ``50,000-ton/year`` -> 50000 t/yr;
``12 ktpa`` -> 12 kt/yr; ``1.2 million tonnes`` -> 1200000 t. Units come from
``patterns/units.jsonl``; a word not listed there is asked of quantulum3 (cached per word) and
kept if it names a physical unit. Years, tickers, grades and bare counts never match: a unit
must follow the number.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..numbers import NUM, clean_float, parse_number
from .base import Ent, Recognizer, doc_text
from .units import normalise_unit, quantulum_unit, unit_alternation, unit_first_chars

_PER_TIME = {"year": "yr", "yr": "yr", "annum": "yr", "a": "yr", "month": "mo", "day": "d",
             "hour": "h", "h": "h", "week": "wk"}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


@lru_cache(maxsize=4)
def _regexes(patterns_dir: str | None = None):
    units = unit_alternation(patterns_dir)
    num = rf"(?<![\w.,/$¥€£])(?P<num>{NUM})"
    rng = rf"(?:\s?(?:-|to|~)\s?(?P<num2>{NUM}))?"
    scale = r"(?:\s(?P<scale>thousand|million|billion))?"
    tail = (r"(?:\s?(?:/|per\s|a\s)\s?(?P<per>year|yr|annum|month|day|hour|week|unit|vehicle|"
            r"car|turbine|set|piece|motor)(?![A-Za-z]))?")
    first = unit_first_chars(patterns_dir)
    known = re.compile(rf"{num}{rng}{scale}\s?-?\s?(?={first})(?P<unit>{units})(?![A-Za-z0-9]){tail}")
    other = re.compile(rf"{num}{rng}{scale}\s?(?P<unit>[A-Za-z]{{2,}})(?![A-Za-z0-9])")
    return known, other


class QuantityRecognizer(Recognizer):
    label = "QUANTITY"

    def __init__(self, patterns_dir: str | None = None):
        self.patterns_dir = patterns_dir
        self.known, self.other = _regexes(patterns_dir)

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        out = []
        for m in self.known.finditer(text):
            unit = normalise_unit(m.group("unit"), self.patterns_dir)
            e = self._ent(m, unit, priority=1)
            if e:
                out.append(e)
        for m in self.other.finditer(text):
            word = m.group("unit")
            if normalise_unit(word, self.patterns_dir):
                continue  # listed units are the job of the first pattern
            unit = quantulum_unit(word)
            if unit:
                e = self._ent(m, unit, priority=0)
                if e:
                    out.append(e)
        return out

    def _ent(self, m: re.Match, unit: str | None, priority: int) -> Ent | None:
        if not unit:
            return None
        value = parse_number(m.group("num"))
        if value is None:
            return None
        num_text = m.group("num")
        # a bare year before a one-letter unit ("in 2025 t") is not a quantity
        if len(m.group("unit")) == 1 and re.fullmatch(r"(?:19|20)\d\d", num_text):
            return None
        mult = _SCALES.get(m.group("scale") or "", 1.0)
        gd = m.groupdict()
        per = gd.get("per")
        if per and per in _PER_TIME and "/" not in unit:
            unit = f"{unit}/{_PER_TIME[per]}"
        val = {"value": clean_float(value * mult), "value_max": None, "unit": unit}
        if m.group("num2"):
            hi = parse_number(m.group("num2"))
            val["value_max"] = clean_float(hi * mult) if hi is not None else None
        return Ent("QUANTITY", m.start("num"), m.end(), val, priority=priority)
