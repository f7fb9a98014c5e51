"""Unit tables from ``patterns/units.jsonl`` and the quantulum3 fallback for other units."""
from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Optional

from ..numbers import trie_alternation
from ...patterns import load_jsonl

# quantulum3 entities that are physical quantities worth reporting; time, currency and plain
# counts are not (years and "times" are never quantities here)
_PHYSICAL = frozenset({
    "mass", "length", "area", "volume", "power", "energy", "magnetic field",
    "magnetic flux density", "temperature", "force", "pressure", "density", "electric charge",
    "electric potential", "electric current", "frequency",
})


@lru_cache(maxsize=4)
def unit_rows(patterns_dir: str | None = None) -> dict[str, dict]:
    """Surface form -> its row of ``units.jsonl``; symbols are case-sensitive, words are not
    (a written-out form also matches capitalised and in capitals, unless listed otherwise)."""
    table: dict[str, dict] = {}
    variants: dict[str, dict] = {}
    for row in load_jsonl("units.jsonl", patterns_dir):
        for s in row["surfaces"]:
            table[s] = row
            if s.isalpha() and len(s) > 2 and s.islower():
                variants[s.capitalize()] = row
                variants[s.upper()] = row
    return {**variants, **table}


@lru_cache(maxsize=4)
def unit_table(patterns_dir: str | None = None) -> dict[str, str]:
    """Surface form -> unit symbol as written in a price's ``per`` (``kt`` stays ``kt``)."""
    return {s: row.get("symbol", row["unit"]) for s, row in unit_rows(patterns_dir).items()}


def unit_info(surface: str, patterns_dir: str | None = None) -> Optional[tuple[str, float, float]]:
    """A QUANTITY's normalised unit, the factor its number is multiplied by (``45 kt`` is
    45,000 t) and the value below which that factor applies (``mtpa`` is million t/yr for
    ``5 mtpa`` but metric t/yr for ``20,000 mtpa``; infinity for the others)."""
    rows = unit_rows(patterns_dir)
    s = re.sub(r"\s+", " ", surface.strip())
    row = rows.get(s) or rows.get(s.lower())
    if row is None:
        return None
    return row["unit"], float(row.get("factor", 1.0)), float(row.get("factor_below", float("inf")))


@lru_cache(maxsize=4)
def unit_alternation(patterns_dir: str | None = None) -> str:
    return trie_alternation(unit_table(patterns_dir))


@lru_cache(maxsize=4)
def unit_first_chars(patterns_dir: str | None = None) -> str:
    """A character class of the characters units start with: tested before the alternation of
    hundreds of units, it turns away a number followed by anything else at once."""
    return "[%s]" % "".join(sorted({re.escape(u[0]) for u in unit_table(patterns_dir)}))


def normalise_unit(surface: str, patterns_dir: str | None = None) -> Optional[str]:
    t = unit_table(patterns_dir)
    s = re.sub(r"\s+", " ", surface.strip())
    return t.get(s) or t.get(s.lower())


@lru_cache(maxsize=1)
def _quantulum_words() -> tuple[frozenset, frozenset]:
    """Every surface and symbol of quantulum3's unit tables (prefixed and plural forms too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quantulum3 import load

        units = load.units("en_US")
        words = frozenset(units.surfaces_all) | frozenset(units.symbols_all)
    return words, frozenset(w.lower() for w in words)


@lru_cache(maxsize=8192)
def quantulum_unit(word: str) -> Optional[str]:
    """The unit quantulum3 reads in ``1 <word>``, if it is a physical unit; cached per word.

    A word that is no surface or symbol in quantulum3's tables is turned away before its
    parser runs (~10 ms a call): random letters after digits (base64, hashes, serial numbers)
    would otherwise each cost a parse."""
    words, lower = _quantulum_words()
    if word not in words and word.lower() not in lower:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantulum3 warns that its optional classifier is absent
        from quantulum3 import parser

        try:
            qs = parser.parse(f"1 {word}")
        except Exception:  # quantulum3 raises on odd input; a miss is the right answer
            return None
    for q in qs:
        u = q.unit
        if u.entity.name in _PHYSICAL and q.surface.strip().endswith(word):
            syms = getattr(u, "symbols", None)
            return syms[0] if syms else u.name
    return None
