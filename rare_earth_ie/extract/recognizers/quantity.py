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
import unicodedata
from functools import lru_cache

from ..numbers import NUM, RANGE_SEP, clean_float, parse_number, parse_spelled, spelled_regex
from ...patterns import alternation, load_json
from .base import Ent, Matches, Recognizer, context, doc_text, match_at_numbers, one_words
from .units import quantulum_unit, unit_alternation, unit_first_chars, unit_info, unit_rows

_YEAR = re.compile(r"(?:19|20)\d\d")
_VULGAR = "¼½¾⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
# units whose values may be negative
_SIGNED = frozenset({"°C", "°F", "K"})
# where a fraction may be: a slash between digits, a vulgar fraction
_FRAC_HINT = re.compile(r"[/%s]" % _VULGAR)
_ONE_END = re.compile(r"\s{1,3}of\b|\s{0,3}(?:[.,;:!?)]|$)")
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
    num = rf"(?<![\w.,/$¥€£])(?<!\d,)(?P<neg>(?<![\w-])[-−](?=\d))?(?P<num>{NUM})(?:\s?±\s?{NUM})?"
    # "1.2 million", "0.5k miles" (a glued "k" before a space)
    scale1 = rf"(?:\s(?P<scale1>{scale_words})|(?P<kilo>k)(?=\s))?"
    # "5-8 t", "8- to 16-meter" (a hyphen left hanging before "to")
    rng = rf"(?:-?(?P<conn>{RANGE_SEP})(?P<num2>{NUM}))?"
    scale = rf"(?:\s(?P<scale>{scale_words}))?"
    tail = (rf"(?:\s?(?:/|per\s|a\s)\s?(?P<per>year|yr|annum|month|day|hour|week|unit|vehicle|"
            rf"car|turbine|set|piece|motor)(?![A-Za-z])(?!\s+(?:{not_rate})\b))?")
    first = unit_first_chars(patterns_dir)
    unit = rf"(?=[{first[1:-1]}])(?P<unit>{units}){_UNIT_END}(?!\s+(?:{not_rate})\b)"
    known = re.compile(rf"{num}{scale1}{rng}{scale}\s?-?\s?{unit}{tail}")
    # "between 5,000 and 6,000 tonnes": "and" joins a range only after "between" (left outside)
    between = re.compile(rf"[Bb](?<![A-Za-z][Bb])(?i:etween)\s+{num}{scale1}(?P<conn>\s+and\s+)(?P<num2>{NUM})"
                         rf"{scale}\s?-?\s?{unit}{tail}")
    other = re.compile(rf"{num}{rng}{scale}\s?-?(?P<unit>[A-Za-z]{{2,}})(?![A-Za-z0-9])")
    # "2 1/2 in", "1/4 inch", "½ tbsp": a fraction, with a whole number before it or not
    frac = re.compile(rf"(?<![\w./])(?:(?P<whole>\d{{1,3}})[\s-])?(?:(?P<fn>\d{{1,2}})/(?P<fd>\d{{1,2}})"
                      rf"|(?P<vf>[{_VULGAR}]))\s?-?(?P<unit>[A-Za-z]{{1,12}})(?![A-Za-z0-9])")
    # after a spelled-out number: "twenty tonnes", "three lakh tonnes", "two-metre"
    spelled_tail = re.compile(rf"(?:\s(?P<scale>{scale_words}))?[\s-]{unit}{tail}")
    return known, between, other, spelled_tail, frac


class QuantityRecognizer(Recognizer):
    label = "QUANTITY"

    def __init__(self, patterns_dir: str | None = None):
        self.patterns_dir = patterns_dir
        self.known, self.between, self.other, self.spelled_tail, self.frac = _regexes(patterns_dir)
        rules = _rules(patterns_dir)
        self.scales = {k: float(v) for k, v in rules["scale_words"].items()}
        self.never = frozenset(rules["never_units"])
        self.one_words = frozenset(w for w in unit_rows(patterns_dir) if w.isalpha() and w.islower() and len(w) > 2)
        self.word_units = frozenset(rules["word_units"])
        adj = alternation(rules["dimension_adjectives"])
        # a word unit ("in") ends its clause or stands before a dimension adjective ("2 in thick")
        self.word_unit_ok = re.compile(rf"\s{{0,3}}(?:[.,;:)!?]|$|(?:{adj})\b)")

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        ctx = context(text)
        out = []
        for rx, prio, found in ((self.known, 1, match_at_numbers(self.known, ctx, signed=True)),
                                (self.between, 2, self.between.finditer(text))):
            for m in found:
                if rx is self.known and m.group("conn") and m.group("conn").strip() == "and":
                    continue
                e = self._ent(m, unit_info(m.group("unit"), self.patterns_dir), prio)
                if e and not ctx.in_url(e.start, e.end):
                    out.append(e)
        for m in match_at_numbers(self.other, ctx):
            if unit_info(m.group("unit"), self.patterns_dir):
                continue  # listed units are the job of the first pattern
            unit = self._other_unit(text, m)
            if unit:
                e = self._ent(m, (unit, 1.0, float("inf")), priority=0)
                if e and not ctx.in_url(e.start, e.end):
                    out.append(e)
        out.extend(self._fractions(text, ctx))
        out.extend(self._one(text, ctx))
        out.extend(self._spelled(text, ctx))
        out = _merge_ranges(text, out)
        out.extend(_listed_before(text, out))
        return out

    def _other_unit(self, text: str, m: re.Match) -> str | None:
        """A unit word our table does not list, if quantulum3 reads a physical unit in it and
        it is no ordinal ending, time of day or English word out of place."""
        word = m.group("unit")
        if word in self.never or word.lower() in self.never:
            return None
        if word in self.word_units and not self.word_unit_ok.match(text, m.end()):
            return None
        return quantulum_unit(word)

    def _one(self, text: str, ctx) -> list[Ent]:
        """``a gallon of``, ``one kilogram.``: the article as the number one before a unit
        written out, only before "of" or a clause's end (not "half a tonne")."""
        out = []
        for m in one_words(ctx):
            word = m.group("w")
            if word not in self.one_words or not _ONE_END.match(text, m.end()):
                continue
            if re.search(r"(?i:\bhalf\s+)$", text[max(0, m.start("a") - 6):m.start("a")]):
                continue
            info = unit_info(word, self.patterns_dir)
            if info:
                out.append(Ent(self.label, m.start("a"), m.end(),
                               {"value": clean_float(info[1]), "value_max": None, "unit": info[0]}, priority=0))
        return out

    def _fractions(self, text: str, ctx) -> list[Ent]:
        out = []
        hints = [(h.start() - 6, h.end() + 20) for h in _FRAC_HINT.finditer(text)
                 if h.group() != "/" or (text[h.start() - 1:h.start()].isdigit() and text[h.end():h.end() + 1].isdigit())]
        for m in (Matches(self.frac, text, hints).matches if hints else ()):
            info = unit_info(m.group("unit"), self.patterns_dir)
            if info is None:
                unit = self._other_unit(text, m)
                info = (unit, 1.0, float("inf")) if unit else None
            if info is None or ctx.in_url(m.start(), m.end()):
                continue
            if m.group("vf"):
                part = unicodedata.numeric(m.group("vf"))
            elif int(m.group("fd")) == 0 or int(m.group("fn")) >= int(m.group("fd")):
                continue  # "24/7", "3/2": no fraction of a unit
            else:
                part = int(m.group("fn")) / int(m.group("fd"))
            value = int(m.group("whole") or 0) + part
            out.append(Ent(self.label, m.start(), m.end(),
                           {"value": clean_float(value * info[1]), "value_max": None, "unit": info[0]}, priority=1))
        return out

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
        mult1 = 1e3 if gd.get("kilo") else self.scales.get((gd.get("scale1") or "").lower(), mult)
        hi = parse_number(gd["num2"]) if gd.get("num2") else None
        start = m.start("num")
        if hi is not None and _YEAR.fullmatch(num_text) and ("," in gd["num2"] or hi > 10 * value):
            # "in 2024 to 55,400 tons": a year, then the quantity
            value, hi, start, mult1 = hi, None, m.start("num2"), mult
        # "5 mtpa" is million t/yr, "20,000 mtpa" metric t/yr: the factor applies below its bound
        conv = factor if max(value, hi or 0) < below else 1.0
        if gd.get("neg"):
            if unit not in _SIGNED:
                return None  # "-5 t" is a range's dash or a list's bullet, not a negative mass
            value = -value
            start = m.start("neg")
        val = {"value": clean_float(value * mult1 * conv), "value_max": None,
               "unit": self._rate(unit, gd.get("per"))}
        if hi is not None:
            val["value_max"] = clean_float(hi * mult * conv)
        return Ent(self.label, start, m.end(), val, priority=priority)


# two quantities of one unit joined as a range: "44 mg to 50 mg", "between 5 t and 6 t"
_RANGE_JOIN = re.compile(rf"{RANGE_SEP}|\s{{1,3}}and\s{{1,3}}")


def _joins_range(gap: str, before: str) -> bool:
    """"and" joins a range after "between"; "from 1,500 t to 2,000 t" is a change, not a
    range, unless a verb of range comes before ("ranged from -18 °C to -34 °C")."""
    if gap.strip() == "and":
        return bool(re.search(r"(?i)\bbetween\s+$", before))
    return not re.search(r"(?i)\bfrom\s+$", before) or bool(_RANGE_VERB.search(before))


# "45 and 50 mg": a bare number listed before a quantity shares its unit (not after "between")
_LISTED = re.compile(rf"(?<![\w.,$¥€£/-])(?P<num>{NUM})\s+(?:and|or)\s+$")


def _listed_before(text: str, ents: list[Ent]) -> list[Ent]:
    out = []
    for e in ents:
        if e.value.get("value_max") is not None or e.priority < 1:
            continue
        m = _LISTED.search(text, max(0, e.start - 24), e.start)
        if m is None or re.search(r"(?i)\bbetween\s+$", text[max(0, m.start() - 9):m.start()]):
            continue
        value = parse_number(m.group("num"))
        if value is None or _YEAR.fullmatch(m.group("num")):
            continue
        factor = e.value["value"] / (parse_number(text[e.start:e.end].split()[0].lstrip("-−")) or 1.0) \
            if text[e.start:e.start + 1].isdigit() else 1.0
        out.append(Ent("QUANTITY", m.start("num"), m.end("num"),
                       {"value": clean_float(value * factor), "value_max": None, "unit": e.value["unit"]}, priority=0))
    return out


_RANGE_VERB = re.compile(r"(?i)\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying)|spann?(?:s|ed|ing)?)\s+from\s+$")


def _merge_ranges(text: str, ents: list[Ent]) -> list[Ent]:
    ents.sort(key=lambda e: (e.start, -e.end))
    out: list[Ent] = []
    for e in ents:
        if out:
            a = out[-1]
            gap = text[a.end:e.start]
            if (a.value.get("value_max") is None and e.value.get("value_max") is None
                    and a.value["unit"] == e.value["unit"] and _RANGE_JOIN.fullmatch(gap)
                    and _joins_range(gap, text[max(0, a.start - 30):a.start])):
                a.value = {**a.value, "value_max": e.value["value"]}
                a.end = e.end
                continue
        out.append(e)
    return out
