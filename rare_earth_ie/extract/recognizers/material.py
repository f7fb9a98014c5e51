"""MATERIAL: rare-earth elements, their metals, oxides and alloys, magnet materials and grades.

One pattern is compiled from ``patterns/materials.json``: an element, joined by hyphens or
spaces to further elements or alloy partners (iron, cobalt, boron), and an optional form word
(metal, oxide, alloy). The symbol is derived, not listed: praseodymium-neodymium -> PrNd,
dysprosium iron -> DyFe, dysprosium oxide -> Dy; a magnet grade such as N52SH -> NdFeB.
Generic ``rare earths`` and ``magnets`` are never materials; a head noun such as ``magnets`` or
``Mix`` is left out of the span.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ...patterns import alternation, lead, load_json
from .base import Ent, Recognizer, doc_text


_GLUE = re.compile(r"[a-z](?=[A-Z])")


@lru_cache(maxsize=4)
def _compiled(patterns_dir: str | None = None):
    d = load_json("materials.json", patterns_dir)
    elements = {k.lower(): v for k, v in d["elements"].items()}
    partners = {k.lower(): v for k, v in d["partners"].items()}
    elem = alternation(elements)
    part = alternation(list(elements) + list(partners))
    forms = alternation(d["forms"])
    compound_core = (rf"(?:{elem})(?:(?:\s?-\s?|\s)(?:{part})(?![a-z])){{0,3}}"
                     rf"(?:\s(?:{forms}))?(?![A-Za-z])")
    compound = rf"(?<![A-Za-z]){compound_core}"
    magnet_alias = {}
    for sym, names in d["magnet_materials"].items():
        for n in names:
            magnet_alias[n.lower()] = sym
    form_tail = rf"(?:\s(?:{forms})(?![A-Za-z]))?"
    # a heading or menu writes them capitalised ("Ferrite Magnets"); case-sensitive alternatives
    # keep the pattern fast
    magnet_forms = set(magnet_alias) | {a[:1].upper() + a[1:] for a in magnet_alias} | {a.title() for a in magnet_alias}
    magnets = rf"(?<![A-Za-z])(?:{alternation(magnet_forms)})(?![A-Za-z0-9]){form_tail}"
    syms = sorted(set(v for v in elements.values() if len(v) <= 2))
    formula = (rf"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*(?:{'|'.join(syms)}))"
               rf"(?:(?:{'|'.join(syms + d['partner_symbols'])})\d*){{2,}}(?![A-Za-z0-9])(?i:{form_tail})")
    standalone = rf"(?<![A-Za-z0-9-])(?:{'|'.join(d['standalone_symbols'])})(?![A-Za-z0-9-])"
    # symbols joined by hyphens ("Pr-Nd oxide"), or by single spaces before a form where a page
    # lost its spaces and they were put back between the symbols ("Nd Pr oxide")
    sym_alt = "|".join(d["standalone_symbols"])
    joined_core = rf"(?:{sym_alt})(?:-(?:{sym_alt}|Fe|Co|B))+(?![A-Za-z0-9]){form_tail}"
    # every alternative starts a word with a letter or digit (a grade_regex in materials.json
    # must too). The place before is tested first, so the engine leaves the inside of a word
    # after that one test; then the lead of the alternatives' first letters turns most word
    # starts away (lead first, which most letters pass, was 12% slower)
    names = (rf"(?=[A-Za-z0-9])(?:(?P<magnet>{magnets})|(?P<grade>{d['grade_regex']})"
             rf"|(?P<compound>(?i:{compound}))|(?P<formula>{formula})|(?P<symbol>{standalone}))")
    rx = re.compile(rf"(?<![A-Za-z]){lead(names)}{names}")
    # its own pattern, starting on a symbol's letters (fast), the place before checked after
    joined = re.compile(rf"(?P<joined>(?:{sym_alt})(?:(?:-(?:{sym_alt}|Fe|Co|B))+(?![A-Za-z0-9]){form_tail}"
                        rf"|(?: (?:{sym_alt})){{1,2}} (?i:{forms})(?![A-Za-z])))")
    # where a glued heading ends and a name starts ("...yuan/mtDysprosium oxide", "OxidesPr-Nd oxide"):
    # tried only at a lower-case letter followed by a capital, a rare place in a text
    glued = re.compile(rf"(?P<joined>{joined_core})|(?P<compound>(?i:{compound_core}))")
    forms_set = {f.lower() for f in d["forms"]}
    sym_to_elem = {v: k for k, v in elements.items()}
    aliases = {"sym": d.get("symbol_aliases", {}), "names": d.get("symbol_names", {})}
    return (rx, joined), glued, elements, partners, magnet_alias, d["magnet_names"], forms_set, sym_to_elem, aliases


class MaterialRecognizer(Recognizer):
    label = "MATERIAL"

    def __init__(self, patterns_dir: str | None = None):
        (self.rx, self.glued, self.elements, self.partners, self.magnet_alias, self.magnet_names,
         self.forms, self.sym_to_elem, self.aliases) = _compiled(patterns_dir)

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def _matches(self, text: str):
        """The pattern's matches, and names glued to the word before them."""
        rx, joined = self.rx
        found = list(rx.finditer(text))
        found += [m for m in joined.finditer(text) if not m.start() or not (text[m.start() - 1].isalpha()
                                                                           or text[m.start() - 1] == "-")]
        ends = {m.end() for m in found}
        for g in _GLUE.finditer(text):
            m = self.glued.match(text, g.end())
            if m and m.end() not in ends:
                found.append(m)
        found.sort(key=lambda m: m.start())
        return found

    def scan(self, text: str) -> list[Ent]:
        out = []
        for m in self._matches(text):
            kind = m.lastgroup
            s = m.group()
            if kind == "magnet":
                sym = self.magnet_alias[self._strip_form(s).lower()]
                val = {"name": self.magnet_names.get(sym, s.lower()), "symbol": sym}
                prio = 2
            elif kind == "grade":
                val = {"name": s.lower(), "symbol": "NdFeB"}
                prio = 2
            elif kind == "compound":
                val = self._compound(s)
                prio = 1
            elif kind == "joined":
                val = self._joined(s)
                prio = 1
            elif kind == "formula":
                val = self._formula(s)
                if val is None:
                    continue
                prio = 1
            else:
                if m.end() == len(text) or text[m.end()] == "\n":
                    continue  # "... high-performance Nd" is a teaser cut mid-word
                val = {"name": self.sym_to_elem.get(s, s.lower()), "symbol": s}
                prio = 0
            sym = self.aliases["sym"].get(val["symbol"], val["symbol"])
            if sym != val["symbol"] or (kind == "formula" and sym in self.aliases["names"]):
                val = {"name": self.aliases["names"].get(sym, val["name"]), "symbol": sym}
            if kind in ("formula", "magnet"):
                form = s.split()[-1].lower() if " " in s else ""
                if form in self.forms and not val["name"].endswith(form):
                    val["name"] = f"{val['name']} {form}"  # "PrNd oxide" -> "praseodymium-neodymium oxide"
            out.append(Ent(self.label, m.start(), m.end(), val, priority=prio))
        return out

    def _joined(self, s: str) -> dict:
        """``Pr-Nd oxide`` -> praseodymium-neodymium oxide, PrNd."""
        words = re.split(r"[\s-]+", s)
        form = words[-1].lower() if words[-1].lower() in self.forms else ""
        syms = [w for w in words if w and w.lower() not in self.forms]
        symbol = "".join(dict.fromkeys(syms))
        symbol = self.aliases["sym"].get(symbol, symbol)
        name = self.aliases["names"].get(symbol) or "-".join(self.sym_to_elem.get(x, x.lower()) for x in syms)
        return {"name": f"{name} {form}" if form else name, "symbol": symbol}

    def _strip_form(self, s: str) -> str:
        words = s.split()
        return " ".join(words[:-1]) if len(words) > 1 and words[-1].lower() in self.forms else s

    def _compound(self, s: str) -> dict:
        words = [w for w in re.split(r"[\s-]+", s.lower()) if w]
        syms = []
        for w in words:
            if w in self.elements:
                syms.append(self.elements[w])
            elif w in self.partners:
                syms.append(self.partners[w])
        name = re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", s.lower()))
        symbol = "".join(dict.fromkeys(syms))  # "neodymium-neodymium" would not repeat
        if symbol == "NdFeB":
            name = self.magnet_names.get("NdFeB", name)
        return {"name": name, "symbol": symbol}

    def _formula(self, s: str) -> dict | None:
        formula = s.split()[0]
        if formula.isupper() or formula.islower():
            return None  # "CO", "NO", "PRC" are words, not formulas
        core = re.sub(r"\d+", "", formula)
        for alias, sym in self.magnet_alias.items():
            if alias.replace("-", "") == core.lower():
                return {"name": self.magnet_names.get(sym, alias), "symbol": sym}
        parts = re.findall(r"[A-Z][a-z]?", core)
        re_parts = [p for p in parts if p in self.sym_to_elem]
        if not re_parts:
            return None
        # an oxide or salt formula names its element: Dy2O3 -> Dy
        metals = [p for p in parts if p not in ("O", "F", "Cl", "C", "N")]
        symbol = "".join(dict.fromkeys(metals))
        return {"name": s.lower(), "symbol": symbol}
