"""Settling the candidates of all recognizers into one entity list per document.

* header metadata (``Views: 2 Author: Site Editor``) yields nothing but the publish date and
  the source's name;
* cross-label conflicts: an amount inside a price is part of the price, a country inside a
  company's name is part of the name, a company inside a programme's name is part of it;
* one label never overlaps itself (priority, then length);
* abbreviations defined in the text (``Ministry of Commerce (MOFCOM)``) become mentions of the
  same ORG or POLICY wherever they recur;
* then each recognizer's ``refine`` adjusts its own label with what the others found (the
  label-specific rules live there: short forms of a firm, a policy's jurisdiction, ...).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from typing import Optional, Sequence

from spacy.tokens import Doc
from spacy.util import filter_spans

from ..patterns import load_json
from ..read.header import header_zones
from .recognizers.base import SPANS_KEY, Ent, Intervals, OverlapIndex, Recognizer, doc_text, drop_scratch, remove_overlaps
from .recognizers.naming import is_abbreviation

_ABBR = re.compile(r"\s?\(\s?(?P<abbr>[A-Z][A-Za-z&]{1,11}|[A-Z]{2,}[0-9]?)\s?\)")
# teasers are cut at 200-300 characters; tried at line starts only (from inside a shorter line
# the engine would count to its end at every character)
_LONG_LINE = re.compile(r"(?<![^\n])[^\n]{180,}")


def write_spans(doc: Doc, ents: list[Ent]) -> None:
    """Every entity to ``doc.spans[SPANS_KEY]`` (labels may overlap there: ``25%`` inside the
    POLICY ``25% tariff``), with its value on ``span._.value``; and to ``doc.ents`` those that
    overlap nothing already there (a statistical ``ner`` before us keeps its entities) nor a
    longer one of ours (``doc.ents`` cannot overlap)."""
    spans = []
    for e in ents:
        sp = doc.char_span(e.start, e.end, label=e.label, alignment_mode="expand")
        if sp is not None:
            sp._.value = e.value
            spans.append(sp)
    doc.spans[SPANS_KEY] = spans
    taken = [(x.start, x.end) for x in doc.ents]
    ours = [sp for sp in filter_spans(spans)
            if not any(sp.start < b and a < sp.end for a, b in taken)]
    if ours:
        doc.ents = sorted(list(doc.ents) + ours, key=lambda sp: sp.start)


class Resolver:
    """Settles the candidates; ``recognizers`` are refined in their order once the generic work
    is done (the pipeline passes every recognizer it runs)."""

    def __init__(self, patterns_dir: Optional[str] = None, recognizers: Sequence[Recognizer] = (),
                 spans: bool = True):
        self.patterns_dir = patterns_dir
        self.recognizers = list(recognizers)
        #: also write spaCy's views (doc.spans, doc.ents); a reader of doc._.rei_entities alone
        #: is spared a Span per entity (a third of this step's time)
        self.spans = spans
        # "Lynas Rare Earths Ltd (Ltd)" defines nothing
        self.not_abbreviations = frozenset(load_json("org_rules.json", patterns_dir)["legal_words"])

    def __call__(self, doc: Doc) -> Doc:
        cands: list[Ent] = list(doc._.rei_cands or [])
        cands = self._header(doc, cands, header_zones(doc))
        cands = self._drop_cut(doc_text(doc), cands)
        by = {}
        for e in cands:
            by.setdefault(e.label, []).append(e)
        for label in list(by):
            by[label] = remove_overlaps(by[label])
        self._conflicts(by)
        self._abbreviations(doc, by)
        for r in self.recognizers:
            r.refine(doc, by)
        ents = sorted((e for es in by.values() for e in es), key=lambda e: (e.start, e.label))
        doc._.rei_entities = ents
        drop_scratch(doc)
        if self.spans:
            write_spans(doc, ents)
        return doc

    @staticmethod
    def _header(doc: Doc, cands: list[Ent], zones) -> list[Ent]:
        if not zones:
            return cands
        out = []
        for e in cands:
            zone = next((z for z in zones if e.start < z[2] and z[1] < e.end), None)
            if zone is None:
                out.append(e)
            elif e.label == "DATE":
                out.append(e)  # "Updated: Nov. 21, 2024" is a date too
            elif e.label == "ORG" and zone[0] in ("source", "origin"):
                out.append(e)
        return out

    @staticmethod
    def _drop_cut(text: str, cands: list[Ent]) -> list[Ent]:
        """A teaser cut off mid-word ("... of recycled NdF", "... capital cost of A$31") ends a long
        line without closing punctuation; a mention touching that cut may be a piece of a
        longer one, so it is dropped."""
        cuts = set()
        for m in _LONG_LINE.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] == " ":
                end -= 1
            if end > m.start() and text[end - 1].isalnum():
                cuts.add(end)
        if not cuts:
            return cands
        return [e for e in cands if e.end not in cuts]

    @staticmethod
    def _conflicts(by: dict[str, list[Ent]]) -> None:
        money = Intervals((m.start, m.end) for m in by.get("MONEY", []))
        numeric = OverlapIndex([(n.start, n.end) for lab in ("MONEY", "PERCENT", "QUANTITY")
                                for n in by.get(lab, [])])
        if "QUANTITY" in by:
            by["QUANTITY"] = [q for q in by["QUANTITY"] if not money.overlaps(q.start, q.end)]
        if "DATE" in by:
            by["DATE"] = [d for d in by["DATE"] if not numeric.overlaps(d.start, d.end)]
        orgs = by.get("ORG", [])
        gpes = by.get("GPE", [])
        named_policies = Intervals((p.start, p.end) for p in by.get("POLICY", []) if p.priority >= 2)
        if orgs:
            # an ORG rule match that is just a place ("EU") is the place
            places = {(g.start, g.end) for g in gpes}
            orgs = [o for o in orgs if (o.priority >= 3 or (o.start, o.end) not in places)
                    and not named_policies.covering(o.start, o.end)]
            by["ORG"] = orgs
        org_index = Intervals((o.start, o.end) for o in orgs)
        if gpes:
            org_spans = {(o.start, o.end) for o in orgs}
            by["GPE"] = [g for g in gpes if not (org_index.covering(g.start, g.end)
                                               and (g.start, g.end) not in org_spans)]
        if "MATERIAL" in by:
            by["MATERIAL"] = [m for m in by["MATERIAL"] if not org_index.covering(m.start, m.end)]

    def _abbreviations(self, doc: Doc, by: dict[str, list[Ent]]) -> None:
        text = doc_text(doc)
        defs: dict[str, tuple[str, dict]] = {}
        for label in ("ORG", "POLICY"):
            for e in list(by.get(label, [])):
                m = _ABBR.match(text, e.end)
                if not m:
                    continue
                abbr = m.group("abbr")
                if abbr.lower() in self.not_abbreviations or not is_abbreviation(abbr, text[e.start:e.end]):
                    continue
                name = e.value.get("name") or text[e.start:e.end]
                defs[abbr] = (label, {**e.value, "name": name})  # ORG aliases: OrgRecognizer.refine
        if not defs:
            return
        rx = re.compile(r"(?<![A-Za-z0-9])(%s)(?![A-Za-z0-9])" % "|".join(map(re.escape, defs)))
        new: dict[str, list[Ent]] = {}
        for m in rx.finditer(text):
            label, val = defs[m.group(1)]
            new.setdefault(label, []).append(Ent(label, m.start(), m.end(), dict(val), priority=4))
        for label, ents in new.items():
            # an abbreviation replaces what overlaps it unless that is a longer, better match
            same = sorted(by.get(label, []), key=lambda e: e.start)
            starts = [e.start for e in same]
            drop: set[int] = set()
            keep_new = []
            for ent in ents:
                i = bisect_left(starts, ent.end)
                clash = []
                while i > 0 and same[i - 1].end > ent.start:
                    if same[i - 1].start < ent.end:
                        clash.append(i - 1)
                    i -= 1
                    if len(clash) > 3:
                        break
                if all(same[k].end - same[k].start <= ent.end - ent.start or same[k].priority < 2 for k in clash):
                    drop.update(clash)
                    keep_new.append(ent)
            by[label] = [e for k, e in enumerate(same) if k not in drop] + keep_new
        for label in ("ORG", "POLICY"):
            if label in by:
                by[label].sort(key=lambda e: e.start)
        # the GPE list may hold an abbreviation that is an ORG here ("EC") — the definition wins
        if "GPE" in by and "ORG" in by:
            org_spans = {(e.start, e.end) for e in by["ORG"] if e.priority == 4}
            by["GPE"] = [g for g in by["GPE"] if (g.start, g.end) not in org_spans]
