"""GPE: countries, blocs, regions, provinces and cities from ``patterns/gpe.jsonl``.

The gazetteer is matched by the pipeline's SpanRuler (case-sensitive phrase patterns); each
pattern's id is ``CODE:Canonical name:kind`` so that ``U.S.``, ``US``, ``United States`` and
``America`` are one ``US``, a city carries its country's code and a multi-country region none.

Context adds what the gazetteer cannot say alone:
* a dateline's city in capitals (``NEW DELHI:``, ``TORONTO, Oct 31``), looked up in title case;
* a town the text places in a country or province (``a plant in Narva, Estonia``), from the
  generated town list ``patterns/gpe_towns.json`` or, after ``in``/``at``/``near``, any name;
* such a town again elsewhere in the article (``the Stillwater plant``).
``US`` before ``cents`` is a currency unit, and a place inside a named policy
(``Regulation (EU) 2024/1252``) or an organisation is part of that name, not a GPE of its own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from spacy.tokens import Doc

from ...patterns import load_json, load_jsonl
from .base import RULER_KEY, Ent, OverlapIndex, Recognizer, doc_text
from .naming import Taken, find_names


def gpe_value(span_id: str) -> dict:
    code, name, _kind = (span_id.split(":") + ["", ""])[:3]
    return {"name": name, "code": code or None}


def gpe_kind(span_id: str) -> str:
    """country, bloc, region or place (a province or city)."""
    parts = span_id.split(":")
    return parts[2] if len(parts) > 2 else "country"


# (every repetition bounded: these run over hostile text too, a run of capitals or spaces)
_DATELINE = re.compile(r"(?m)^[ \t]{0,4}(?P<c>[A-Z][A-Z.'-]{1,30}(?:[ \t][A-Z][A-Z.'-]{1,30}){0,3})"
                       r"(?=[ \t]{0,3}(?:,|:|[-—–]{1,2}[ \t]|\())")
_NAME_COMMA = re.compile(r"(?P<pre>\b(?:in|at|near|of|from)[ \t]{1,3})?(?P<n>[A-Z][\w'’.]{0,30}"
                         r"(?:[ -][A-Z][\w'’]{0,30}|-[a-z]{1,3}(?=-)){0,5}),[ \t]{1,3}$")
_CURRENCY_AFTER = re.compile(r"[ \t]{1,3}cents?\b")


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str]):
    ids = {r["pattern"]: r["id"] for r in load_jsonl("gpe.jsonl", patterns_dir) if r.get("label") == "GPE"}
    towns = {k: v for k, v in load_json("gpe_towns.json", patterns_dir).items() if not k.startswith("_")}
    return ids, towns


class GpeRecognizer(Recognizer):
    label = "GPE"

    def __init__(self, patterns_dir: Optional[str] = None):
        self.ids, self.towns = _data(patterns_dir)

    def find(self, doc: Doc) -> list[Ent]:
        text = doc_text(doc)
        out = []
        for sp in doc.spans.get(RULER_KEY, ()):
            if sp.label_ != "GPE":
                continue
            s, e = sp.start_char, sp.end_char
            if e - s <= 4 and _CURRENCY_AFTER.match(text, e) and text[s:e] in ("US", "U.S."):
                continue  # "809 US cents per lb"
            value = gpe_value(sp.id_)
            out.append(Ent(self.label, s, e, value, priority=1))
            if text[s - 2:s] == ", ":
                town = self._placed_town(text, s, value["code"])
                if town:
                    out.append(town)
        out.extend(self._datelines(text))
        return out

    def _datelines(self, text: str) -> list[Ent]:
        """``TORONTO, Oct 31 (Agency) -``: a line that opens on a place name in capitals."""
        out = []
        for m in _DATELINE.finditer(text):
            name = " ".join(w.capitalize() if "." not in w else w.title() for w in m.group("c").split())
            span_id = self.ids.get(name)
            if span_id is not None:
                out.append(Ent(self.label, m.start("c"), m.end("c"), gpe_value(span_id), priority=1))
            elif name in self.towns:
                out.append(Ent(self.label, m.start("c"), m.end("c"), {"name": name, "code": self.towns[name][0]},
                               priority=1))
        return out

    def _placed_town(self, text: str, pos: int, code: Optional[str]) -> Optional[Ent]:
        """``Narva, Estonia``: a town named just before the place it lies in."""
        if not code or text[pos - 2:pos] != ", ":
            return None
        m = _NAME_COMMA.search(text, max(0, pos - 60), pos)
        if not m:
            return None
        name = m.group("n")
        key = name.title() if name.isupper() else name
        if key in self.ids:
            return None  # a known place already ("Toronto, Canada")
        if code in self.towns.get(key, ()) or (m.group("pre") and not name.isupper()):
            return Ent(self.label, m.start("n"), m.end("n"), {"name": key, "code": code}, priority=1)
        return None

    def refine(self, doc: Doc, by_label: dict[str, list[Ent]]) -> None:
        """A place inside a named policy is part of its name; a town the article placed recurs."""
        gpes = by_label.get(self.label)
        if not gpes:
            return
        names = [(p.start, p.end) for p in by_label.get("POLICY", []) if p.priority >= 2]
        names += [(o.start, o.end) for o in by_label.get("ORG", [])]  # those the ORG refine added too
        if names:
            inside = OverlapIndex(names)
            gpes[:] = [g for g in gpes if not (inside.overlaps(g.start, g.end)
                                               and any(s <= g.start and g.end <= e and (s, e) != (g.start, g.end)
                                                       for s, e in names))]
        text = doc_text(doc)
        towns = {text[g.start:g.end]: g.value for g in gpes if g.value.get("name") not in self.ids
                 and g.value.get("name") == text[g.start:g.end]}
        if towns:
            taken = Taken(by_label)
            for s, e, v in find_names(text, towns):
                if not taken.overlaps(s, e):
                    gpes.append(Ent(self.label, s, e, dict(v), priority=1))
            gpes.sort(key=lambda e: e.start)
