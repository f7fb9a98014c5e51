"""Build the generated organisation gazetteer and legal forms from maintained data.

A development tool, not a runtime dependency:
    pip install pytickersymbols cleanco && python tools/build_orgs.py

* ``patterns/orgs_listed.jsonl``: SpanRuler phrase patterns (``id`` = canonical name) for the
  constituents of the stock indices pytickersymbols maintains (S&P 500/600, Nasdaq 100, FTSE 100,
  DAX family, CAC 40/Mid 60, Nikkei 225, ...): the name as listed, the name without its legal
  form (cleanco), and a distinctive first word (``Lockheed`` of ``Lockheed Martin``).
* ``patterns/org_legal.txt``: legal forms of company names by country (cleanco's term data),
  the words a firm's name may end on (``GmbH``, ``Oyj``, ``Bhd``, ``K.K.``).

Names that are first of all English words (``Target``, ``Next``, ``Block``), places, demonyms or
generic words are left out: a gazetteer name must not fire on ordinary text. The common-word test
uses wordninja's frequency-ranked English word list (a runtime dependency already).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import wordninja
from cleanco import basename
from cleanco.termdata import terms_by_country, terms_by_type
from pytickersymbols import PyTickerSymbols

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "patterns"
OUT_NAMES = PATTERNS / "orgs_listed.jsonl"
OUT_LEGAL = PATTERNS / "org_legal.txt"

COMMON_RANK = 25_000  # words this frequent are English first, names second
ACRONYM_COMMON_RANK = 3_000


def ranked_words() -> dict[str, int]:
    costs = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
    return {w: i for i, w in enumerate(sorted(costs, key=costs.get))}


def load_words(name: str) -> set[str]:
    out = set()
    for line in open(PATTERNS / name, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(line.lower())
    return out


def places() -> set[str]:
    return {json.loads(line)["pattern"] for line in open(PATTERNS / "gpe.jsonl", encoding="utf-8")
            if line.strip() and not line.startswith("//")}


class Filter:
    def __init__(self):
        self.rank = ranked_words()
        self.places = places()
        demonyms = json.load(open(PATTERNS / "demonyms.json", encoding="utf-8"))
        self.stop = (load_words("org_generic.txt") | load_words("function_words.txt")
                     | {k.lower() for k in demonyms})

    def common(self, word: str, limit: int = COMMON_RANK) -> bool:
        return self.rank.get(word.lower(), limit) < limit

    def ok(self, name: str) -> bool:
        """A name that may stand as a phrase pattern on its own."""
        words = name.split()
        if len(name) < 3 or name in self.places or name.lower() in self.stop:
            return False
        if not re.match(r"[A-Z0-9]", name):
            return False
        if len(words) == 1:
            if name.isupper():
                return not self.common(name, ACRONYM_COMMON_RANK) and len(name) >= 3
            return not self.common(name)
        # several words: not all of them generic or places ("Energy Transfer" stays, "The Trade Desk" too)
        return not all(w.lower() in self.stop or w in self.places for w in words)

    def short_form(self, name: str) -> str | None:
        """The first word of a multi-word name when it is distinctive: ``Lockheed``, ``Glencore``."""
        words = name.split()
        if len(words) < 2:
            return None
        first = words[0].rstrip(",")
        if len(first) < 4 or not first[0].isupper() or not first.isalpha() or first.isupper():
            return None
        if first in self.places or first.lower() in self.stop or self.common(first, 60_000):
            return None
        return first


def legal_forms(flt: Filter) -> list[str]:
    """Legal forms that can end a name: with a dot or at least three letters, and no English word."""
    terms = {t.strip() for ts in list(terms_by_type.values()) + list(terms_by_country.values()) for t in ts}
    out = set()
    for t in terms:
        bare = t.replace(".", "").replace(" ", "")
        if not t or " " in t or not bare.isalnum():
            continue  # multi-word forms ("pty ltd") are their words one after the other
        if len(bare) < 3 and "." not in t:
            continue  # "as", "ab", "pt": words or initials first
        if flt.common(bare, 50_000) and bare not in ("ltd", "inc", "corp", "plc", "llc", "gmbh"):
            continue
        out.add(t.lower())
    return sorted(out)


def main() -> int:
    flt = Filter()
    rows: dict[str, str] = {}

    def add(pattern: str, canonical: str) -> None:
        pattern = " ".join(pattern.split())
        if pattern and pattern not in rows and flt.ok(pattern):
            rows[pattern] = canonical

    pts = PyTickerSymbols()
    companies = [c for idx in pts.get_all_indices() for c in pts.get_stocks_by_index(idx)]
    seen = set()
    for c in companies:
        # Wikipedia's disambiguation in brackets is no part of the name: "Rio Tinto (corporation)"
        name = re.sub(r"\s*\([^)]*\)?\s*$", "", " ".join(c["name"].split()))
        if name in seen:
            continue
        seen.add(name)
        base = basename(name).strip(" ,&")
        canonical = base if flt.ok(base) else name
        add(name, canonical)
        add(base, canonical)
        short = flt.short_form(base)
        if short:
            add(short, canonical)
    with open(OUT_NAMES, "w", encoding="utf-8") as fh:
        fh.write("// Generated by tools/build_orgs.py from pytickersymbols (index constituents) and cleanco"
                 " (legal forms); do not edit by hand.\n")
        for pattern in sorted(rows):
            fh.write(json.dumps({"label": "ORG", "pattern": pattern, "id": rows[pattern]},
                                ensure_ascii=False) + "\n")
    forms = legal_forms(flt)
    with open(OUT_LEGAL, "w", encoding="utf-8") as fh:
        fh.write("# Generated by tools/build_orgs.py from cleanco's term data: legal forms a firm's name may\n"
                 "# end on, lower case. Do not edit by hand.\n")
        fh.write("\n".join(forms) + "\n")
    print(f"{len(rows)} name patterns -> {OUT_NAMES}; {len(forms)} legal forms -> {OUT_LEGAL}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
