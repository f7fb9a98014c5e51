"""Settling the candidates of all recognizers into one entity list per document.

* header metadata (``Views: 2 Author: Site Editor``) yields nothing but the publish date and
  the source's name;
* cross-label conflicts: an amount inside a price is part of the price, a country inside a
  company's name is part of the name, a company inside a programme's name is part of it;
* one label never overlaps itself (priority, then length);
* abbreviations defined in the text (``Ministry of Commerce (MOFCOM)``) become mentions of the
  same ORG or POLICY wherever they recur;
* POLICY jurisdiction from the place the sentence names.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from typing import Optional

from spacy.tokens import Doc

from ..patterns import alternation, load_json, load_words
from ..read.header import header_zones
from .recognizers.base import SPANS_KEY, Ent, Intervals, OverlapIndex, doc_text, remove_overlaps
from .recognizers.org import LEGAL

_ABBR = re.compile(r"\s?\(\s?(?P<abbr>[A-Z][A-Za-z&]{1,11}|[A-Z]{2,}[0-9]?)\s?\)")
_LONG_LINE = re.compile(r"[^\n]{180,}")  # teasers are cut at 200-300 characters
_SENT_END = re.compile(r"(?<![A-Z])[.!?]\s|\n")


def is_abbreviation(abbr: str, long: str) -> bool:
    """Schwartz-Hearst: the abbreviation's letters appear in order in the long form, the first
    at the start of a word (``MOFCOM`` <- ``Ministry of Commerce``, ``CRMA`` <- ``Critical Raw
    Materials Act``)."""
    s, lf = abbr.lower(), long.lower()
    si, li = len(s) - 1, len(lf) - 1
    while si >= 0:
        c = s[si]
        if not c.isalnum():
            si -= 1
            continue
        while li >= 0 and (lf[li] != c or (si == 0 and li > 0 and lf[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return False
        si -= 1
        li -= 1
    return True


class Resolver:
    def __init__(self, patterns_dir: Optional[str] = None, recognizers: tuple = ()):
        self.patterns_dir = patterns_dir
        #: every recognizer of the pipeline: their ``refine`` runs once the labels are settled
        self.recognizers = tuple(recognizers)
        self.demonyms = {k: v for k, v in load_json("demonyms.json", patterns_dir).items()
                         if not k.startswith("_")}
        self.generic = load_words("org_generic.txt", patterns_dir)
        self.function = load_words("function_words.txt", patterns_dir)
        self._demonym_rx = re.compile(r"(?<![A-Za-z])(%s)(?![A-Za-z])" % alternation(self.demonyms))

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
        for r in self.recognizers:
            r.refine(doc, by)
        self._trim_to_known(doc_text(doc), by)
        self._abbreviations(doc, by)
        self._short_forms(doc, by)
        self._org_names(doc, by)
        self._jurisdiction(doc, by)
        ents = sorted((e for es in by.values() for e in es), key=lambda e: (e.start, e.label))
        doc._.rei_entities = ents
        spans = []
        for e in ents:
            sp = doc.char_span(e.start, e.end, label=e.label, alignment_mode="expand")
            if sp is not None:
                sp._.value = e.value
                spans.append(sp)
        doc.spans[SPANS_KEY] = spans
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

    @staticmethod
    def _trim_to_known(text: str, by: dict[str, list[Ent]]) -> None:
        """A named policy or firm whose tail is a name the article uses on its own elsewhere
        ends on that name: the headline's "EU Passes Critical Raw Materials Act" is the
        "Critical Raw Materials Act" of the body."""
        for label in ("POLICY", "ORG"):
            ents = by.get(label, [])
            names = {text[e.start:e.end] for e in ents if e.priority >= 2}
            for e in ents:
                if e.priority < 2:
                    continue
                surface = text[e.start:e.end]
                for n in names:
                    if len(n) < len(surface) and surface.endswith(" " + n) and len(n.split()) >= 2:
                        e.start = e.end - len(n)
                        if e.value.get("name") == surface:
                            e.value["name"] = n
                        break

    @staticmethod
    def _abbreviations(doc: Doc, by: dict[str, list[Ent]]) -> None:
        text = doc_text(doc)
        defs: dict[str, tuple[str, dict]] = {}
        for label in ("ORG", "POLICY"):
            for e in list(by.get(label, [])):
                m = _ABBR.match(text, e.end)
                if not m:
                    continue
                abbr = m.group("abbr")
                if abbr.lower() in LEGAL or not is_abbreviation(abbr, text[e.start:e.end]):
                    continue
                name = e.value.get("name") or text[e.start:e.end]
                defs[abbr] = (label, {**e.value, "name": name})
                if label == "ORG":
                    aliases = e.value.setdefault("aliases", [])
                    if abbr not in aliases:
                        aliases.append(abbr)
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

    @staticmethod
    def _org_names(doc: Doc, by: dict[str, list[Ent]]) -> None:
        """An organisation's name is the fullest form the article itself uses: a gazetteer's
        canonical "China Northern Rare Earth Group" is "Northern Rare Earth" in an article that
        never says more; "MOFCOM" is "Ministry of Commerce" where the article spells it out.
        Generic policies are named in lower case ("Export controls" -> "export controls")."""
        text = doc_text(doc)
        groups: dict[str, list[Ent]] = {}
        for o in by.get("ORG", []):
            groups.setdefault(o.value.get("name") or text[o.start:o.end], []).append(o)
        for canonical, ents in groups.items():
            surfaces = [" ".join(text[e.start:e.end].split()) for e in ents]
            fullest = max(surfaces, key=lambda x: (len(x), x))
            aliases = set(ents[0].value.get("aliases") or [])
            if fullest != canonical:
                aliases.add(canonical)
            aliases |= {x for x in surfaces if x != fullest}
            for e in ents:
                e.value = {**e.value, "name": fullest, "aliases": sorted(aliases)}
        for p in by.get("POLICY", []):
            if p.priority <= 1 and p.value.get("name"):
                p.value["name"] = p.value["name"][0].lower() + p.value["name"][1:] \
                    if not p.value["name"][:2].isupper() else p.value["name"]

    def _short_forms(self, doc: Doc, by: dict[str, list[Ent]]) -> None:
        """Once an article names "Kisaragi Magnetics Co., Ltd.", a bare "Kisaragi" elsewhere in it
        (a headline, "Kisaragi's plant") is the same company. The short form is the name's
        distinctive first word(s); it must not be a place, a generic or a function word."""
        orgs = by.get("ORG", [])
        if not orgs:
            return
        text = doc_text(doc)
        places = {text[g.start:g.end] for g in by.get("GPE", [])}
        forms: dict[str, dict] = {}
        for o in orgs:
            if o.priority >= 4:  # abbreviations already handled
                continue
            words = text[o.start:o.end].split()
            if len(words) < 2:
                continue
            short = words[0].rstrip(",")
            if (len(short) < 3 or not short[0].isupper() or short in places or short.lower() in self.generic
                    or short in self.function or not short.isalpha()):
                continue
            forms.setdefault(short, {**o.value, "name": o.value.get("name") or text[o.start:o.end]})
        if not forms:
            return
        rx = re.compile(r"(?<![\w-])(%s)(?![\w-])" % "|".join(map(re.escape, forms)))
        taken = OverlapIndex([(e.start, e.end) for es in by.values() for e in es])
        for m in rx.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            orgs.append(Ent("ORG", m.start(), m.end(), dict(forms[m.group(1)]), priority=1))
        orgs.sort(key=lambda e: e.start)

    def _jurisdiction(self, doc: Doc, by: dict[str, list[Ent]]) -> None:
        """The place a policy belongs to: a place in its modifiers ("U.S. tariffs") or just
        before it ("EU's 25% mandate"), else a government body or the first place or demonym of
        its sentence, else a place after it, else the country the article is most about. A place
        in the policy's object ("tariff on US imports") is not its jurisdiction."""
        if "POLICY" not in by:
            return
        gpes = [g for g in by.get("GPE", []) if g.value.get("code")]
        bodies = [o for o in by.get("ORG", []) if o.value.get("country")]
        text = doc_text(doc)
        counts: dict[str, int] = {}
        for g in gpes:
            counts[g.value["code"]] = counts.get(g.value["code"], 0) + 1
        main = max(counts, key=lambda c: (counts[c], c)) if counts else None
        for p in by["POLICY"]:
            if p.value.get("jurisdiction"):
                continue
            lo = max((m.end() for m in _SENT_END.finditer(text, max(0, p.start - 300), p.start)),
                     default=max(0, p.start - 300))
            hi_m = _SENT_END.search(text, p.end)
            hi = hi_m.start() if hi_m else len(text)
            obj = re.search(r"\s(?:on|against)\s", text[p.start:p.end])
            head_end = p.start + obj.start() if obj else p.end
            inside = [g for g in gpes if p.start <= g.start and g.end <= head_end]
            # "EU's 25% mandate", "EU's proposed Act": a possessive place just before the policy
            adjacent = [g for g in gpes if g.end <= p.start and p.start - g.end <= 25
                        and (p.start - g.end <= 3 or text.startswith("'s", g.end))]
            before = [g for g in gpes if lo <= g.start and g.end <= p.start
                      and text.count('"', lo, g.start) % 2 == 0]  # not inside a quotation
            near = [g for g in before if p.start - g.end <= 40]
            body = [o for o in bodies if lo <= o.start and o.end <= hi]
            after = [g for g in gpes if p.end <= g.start and g.end <= hi]
            code = None
            for group in (inside, adjacent[-1:], near[-1:]):
                if group:
                    code = group[0].value["code"]
                    break
            if code is None and body:
                code = body[0].value["country"]
            if code is None:
                first = before[0].start if before else p.start
                dm = self._demonym_rx.search(text, lo, first)
                if dm:
                    code = self.demonyms[dm.group(1)]
                elif before:
                    code = before[0].value["code"]
                elif after:
                    code = after[0].value["code"]
                else:
                    code = main
            p.value["jurisdiction"] = code
