"""MONEY: amounts and prices with currency, scale, per-unit tail and ranges.

``¥1,510,000/ton`` -> 1510000 CNY per t; ``RMB 580,000-600,000/ton`` -> a range (never its
midpoint); ``150 billion RMB``; ``A$1.2bn``; ``awarding 38 million`` (a money verb, no currency).
``¥`` is CNY unless the sentence speaks of yen or Japan.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..numbers import NUM, clean_float, parse_number, scale_of
from ...patterns import alternation, load_json, load_jsonl
from .base import Ent, Recognizer, context, doc_text, sentence_window
from .units import normalise_unit, unit_alternation

_JAPAN = re.compile(r"\b(?:yen|JPY|Japan(?:ese)?|Tokyo)\b")
_YEN_WORD = re.compile(r"\b(?:yen|JPY)\b")
_YUAN_WORD = re.compile(r"\b(?:yuan|RMB|CNY|renminbi)\b|CN¥")
# scale words; single letters only glued to the number ("$5m", "A$1.2bn")
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|mn|mln|bn|bln|tn|trn)\b|(?:m|k|b|M|K|B)(?![A-Za-z]))"


@lru_cache(maxsize=4)
def _tables(patterns_dir: str | None = None):
    prefixes: dict[str, str] = {}
    suffixes: dict[str, str] = {}
    for row in load_jsonl("currencies.jsonl", patterns_dir):
        for p in row["prefixes"]:
            prefixes[p] = row["code"]
        for s in row["suffixes"]:
            suffixes[s] = row["code"]
            suffixes[s.lower()] = row["code"]
    return prefixes, suffixes


@lru_cache(maxsize=4)
def _regexes(patterns_dir: str | None = None):
    prefixes, suffixes = _tables(patterns_dir)
    # letter prefixes (RMB, USD, A$) must not continue a word; bare signs ($, ¥) may follow anything
    words = [p for p in prefixes if p[0].isalpha()]
    signs = [p for p in prefixes if not p[0].isalpha()]
    pfx = r"(?P<pfx>(?<![A-Za-z])(?:%s)|(?:%s))" % (alternation(words), alternation(signs))
    sfx = r"(?P<sfx>(?:%s))(?![A-Za-z])" % alternation(suffixes)
    units = unit_alternation(patterns_dir)
    per = (r"(?:\s?(?:/|per\s|a\s)\s?(?:metric\s)?(?P<per>%s|unit|share|piece|vehicle|set)"
           r"(?![A-Za-z]))?") % units
    rng = rf"(?:\s?(?:-|to|~)\s?(?:(?P=pfx)\s?)?(?P<num2>{NUM})(?P<scale2>{_SCALE})?)?"
    num = rf"(?<![\d.,])(?P<num>{NUM})"
    prefixed = re.compile(rf"{pfx}\s?{num}(?P<scale>{_SCALE})?{rng}(?:\s{sfx})?{per}")
    # suffix form: "26,205 yuan/ton", "150 billion RMB"
    rng2 = rf"(?:\s?(?:-|to|~)\s?(?P<num2>{NUM}))?"
    suffixed = re.compile(rf"{num}{rng2}(?P<scale>{_SCALE})?\s?{sfx}{per}")
    verbs = load_json("numbers.json", patterns_dir)["money_verbs"]
    # "awarding 38 million": the amount is found first (a digit starts the pattern, so the engine
    # skips between digits), then the money verb is checked just before it
    bare = re.compile(rf"(?<![\d.,$¥€£])(?P<num>{NUM})(?P<scale>\s?(?:thousand|million|billion|trillion|mn|bn)\b)")
    verb_before = re.compile(
        r"(?i:\b(?:%s))\s+(?:(?:about|nearly|over|some|around|up to|more than|a total of)\s+)?$"
        % alternation(verbs))
    return prefixed, suffixed, bare, verb_before


class MoneyRecognizer(Recognizer):
    label = "MONEY"

    def __init__(self, patterns_dir: str | None = None):
        self.patterns_dir = patterns_dir
        self.prefixes, self.suffixes = _tables(patterns_dir)
        self.prefixed, self.suffixed, self.bare, self.verb_before = _regexes(patterns_dir)

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        out: list[Ent] = []
        for rx, prio in ((self.prefixed, 2), (self.suffixed, 1)):
            for m in rx.finditer(text):
                e = self._ent(text, m, prio)
                if e:
                    out.append(e)
        for m in self.bare.finditer(text):
            if not self.verb_before.search(text, max(0, m.start() - 40), m.start()):
                continue
            amount = parse_number(m.group("num"))
            if amount is not None:
                val = {"amount": clean_float(amount * scale_of(m.group("scale").strip())),
                       "amount_max": None, "currency": None, "per": None}
                out.append(Ent(self.label, m.start("num"), m.end("scale"), val, priority=0))
        return out

    def _currency(self, text: str, m: re.Match) -> str | None:
        gd = m.groupdict()
        sym = gd.get("pfx") or gd.get("sfx")
        code = self.prefixes.get(sym) if gd.get("pfx") else None
        if gd.get("sfx") and not code:
            code = self.suffixes.get(gd["sfx"]) or self.suffixes.get(gd["sfx"].lower())
        if sym == "¥" and (_JAPAN.search(sentence_window(text, m.start(), m.end()))
                           or self._yen_article(text)):
            code = "JPY"
        return code

    def _yen_article(self, text: str) -> bool:
        """An article that prices in yen and never in yuan: its bare ¥ is yen too."""
        memo = context(text).memo  # once per text, not once per ¥
        if "yen" not in memo:
            memo["yen"] = bool(_YEN_WORD.search(text)) and not _YUAN_WORD.search(text)
        return memo["yen"]

    def _ent(self, text: str, m: re.Match, prio: int) -> Ent | None:
        amount = parse_number(m.group("num"))
        if amount is None:
            return None
        gd = m.groupdict()
        scale = (m.group("scale") or "").strip()
        scale2 = (gd.get("scale2") or "").strip()
        # "RMB 580,000-600,000" shares no scale; "$1-2 billion" shares the second one
        amount = clean_float(amount * scale_of(scale or scale2))
        amount_max = None
        if gd.get("num2"):
            hi = parse_number(m.group("num2"))
            if hi is not None:
                amount_max = clean_float(hi * scale_of(scale2 or scale))
        per = None
        if m.group("per"):
            per = normalise_unit(m.group("per"), self.patterns_dir) or m.group("per").lower()
        val = {"amount": amount, "amount_max": amount_max, "currency": self._currency(text, m),
               "per": per}
        return Ent(self.label, m.start(), m.end(), val, priority=prio)
