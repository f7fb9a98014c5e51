"""PERCENT: a percentage with its direction and its basis (MoM, YoY, QoQ).

The span is the number and its sign word (``6.1%``, ``12 per cent``); the words around it, in
the same clause, give the direction (``down 6.1%``, ``a 7.5% decrease``, ``(+189.72% YoY)``) and
the basis. Levels and shares (``a 25% tariff``, ``from 2.8% to 1.5%``, ``90% of output``) keep
``direction: null``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..numbers import NUM, parse_number
from ..patterns import alternation, load_json
from .base import Ent, left_clause, right_clause

_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*|\+|%")
# words skipped between a cue and its number: "decreased by more than 70%", "a plunge of 42.2%"
_FILLER = frozenset(
    "by of a an the about nearly some around approximately roughly almost just over more than "
    "significant significantly sharp sharply strong strongly slight slightly modest steep "
    "substantial marked further another record whopping staggering respectively".split()
)


@lru_cache(maxsize=4)
def _cues(patterns_dir: str | None = None):
    data = load_json("percent_cues.json", patterns_dir)
    up = frozenset(w.lower() for w in data["up"])
    down = frozenset(w.lower() for w in data["down"])
    level_after = frozenset(w.lower() for w in data["level_after"])
    multi_before = [w for w in data["level_before"] if " " in w]
    level_before = frozenset(w.lower() for w in data["level_before"] if " " not in w)
    level_before_re = re.compile(r"(?:%s)\s*$" % alternation(multi_before), re.I)
    up_before_re = re.compile(r"(?:%s)\s*$" % alternation(data.get("up_phrases", [])), re.I)
    basis = []
    groups = []
    for code, phrases in data["basis"].items():
        # a phrase with regex syntax (a backslash or a group) is a pattern, else a literal
        alts = alternation((p if ("\\" in p or "(?" in p) else re.escape(p) for p in phrases), regex=True)
        basis.append((code, re.compile(r"(?<![A-Za-z])(?:%s)(?![A-Za-z])" % alts, re.I)))
        groups.append(f"(?P<{code}>{alts})")
    # one pattern for all bases: one search per window instead of one per basis
    basis_any = re.compile(r"(?<![A-Za-z])(?:%s)(?![A-Za-z])" % "|".join(groups), re.I)
    return up, down, level_before, level_before_re, up_before_re, level_after, basis, basis_any


PERCENT_RE = re.compile(
    rf"(?<![\w.,])(?P<sign>[+-])?(?P<num>{NUM})"
    rf"(?:\s?(?:-|to|~)\s?(?P<num2>{NUM}))?"
    r"\s?(?P<pct>%|(?:percent(?:age)?\s+points?|per\s?cent|percent|pct|ppts?)\b)"
)


class PercentRecognizer:
    label = "PERCENT"

    def __init__(self, patterns_dir: str | None = None):
        (self.up, self.down, self.level_before, self.level_before_re, self.up_before,
         self.level_after, self.basis, self.basis_any) = _cues(patterns_dir)

    def find(self, text: str) -> list[Ent]:
        out = []
        for m in PERCENT_RE.finditer(text):
            value = parse_number(m.group("num"))
            if value is None:
                continue
            start, end = m.start("num"), m.end()
            val = {"value": value, "direction": self.direction(text, m), "basis": None}
            if m.group("num2"):
                val["value_max"] = parse_number(m.group("num2"))
            val["basis"] = self.find_basis(text, start, end)
            if val["basis"] and val["direction"] is None and not self._is_level(text, start, end):
                # "(40% YoY)": a change with a base and no word for its direction is a rise
                val["direction"] = "up"
            out.append(Ent(self.label, start, end, val))
        return out

    def _is_level(self, text: str, start: int, end: int) -> bool:
        left = left_clause(text, start, 40).lower().split()
        right = right_clause(text, end, 30).lower().split()
        return bool((left and left[-1] in self.level_before) or (right and right[0] in self.level_after))

    def direction(self, text: str, m: re.Match) -> str | None:
        sign = m.group("sign")
        if sign == "+":
            return "up"
        if sign == "-" and (m.start() == 0 or not text[m.start() - 1].isalnum()):
            return "down"
        start, end = m.start("num"), m.end()
        right = [w.lower() for w in _WORD.findall(right_clause(text, end, 50))]
        # a noun right after the number decides: "a 7.5% decrease", "a 130% QoQ spike"
        for w in right[:3]:
            if w in self.up:
                return "up"
            if w in self.down:
                return "down"
            if not self._is_basis_word(w):
                break
        left = left_clause(text, start, 60)
        if self.up_before.search(left):
            return "up"
        if self.level_before_re.search(left):
            return None
        words = [w.lower() for w in _WORD.findall(left)]
        skipped = 0
        for w in reversed(words):
            if w in self.up:
                return "up"
            if w in self.down:
                return "down"
            if w in self.level_before:
                return None
            if w in _FILLER or self._is_basis_word(w):
                continue
            skipped += 1
            if skipped > 2:
                break
        for w in right[:4]:
            if w in self.level_after:
                return None
            if w in self.up:
                return "up"
            if w in self.down:
                return "down"
        return None

    def _is_basis_word(self, w: str) -> bool:
        return any(rx.fullmatch(w) for _, rx in self.basis)

    def find_basis(self, text: str, start: int, end: int) -> str | None:
        """The basis stated nearest after the number in its clause, else nearest before it."""
        m = self.basis_any.search(right_clause(text, end, 45))
        if m:
            return m.lastgroup
        last = None
        for last in self.basis_any.finditer(left_clause(text, start, 50)):
            pass
        return last.lastgroup if last else None
