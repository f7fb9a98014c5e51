"""POLICY: laws, announcements, programmes, plans, tariffs, export controls, quotas, mandates.

Named instruments (``Critical Raw Materials Act``, ``Closed-Loop Critical Material Recycling
Program``) come from name tokens before a capitalised head (triggers found by a PhraseMatcher); numbered ones from
``Announcement No. 62/2025``; ``Section 232`` by pattern; generic ones (``higher tariffs``,
``export controls on rare earth technologies``, ``25% recycled magnet mandate``) from a policy
noun widened over its modifiers and a directly following ``on``/``against`` complement.
Section headings (``Export Restrictions Escalate``) and modifier uses (``tariff threats``)
are refused. Vocabulary lives in ``patterns/policy.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from spacy.tokens import Doc, Span

from ...patterns import alternation, load_json, load_words
from .base import Ent, Recognizer, doc_text
from .naming import trim_to_known
from .triggers import Triggers, is_name_token



def numbered_pattern(heads: list[str]) -> re.Pattern:
    """``Announcement No. 62/2025``, ``Decree No. 5 of 2024``."""
    # the issuer is bounded: "[A-Z][A-Za-z]+" tried at every capital of a long run of letters (a
    # URL, a spaceless page) scanned to the run's end, quadratic in the run's length
    return re.compile(
        r"(?:(?P<issuer>(?<![A-Za-z])[A-Z][A-Za-z]{1,24})\s+)?(?P<head>%s)\s+(?:\[\d{4}\]\s*)?"
        r"(?P<ref>No\.?\s*\d+(?:\s*/\s*\d{2,4})?(?:\s*of\s*\d{4})?)" % alternation(heads))


def section_pattern(sections: list[str]) -> re.Pattern:
    """``Section 232``, ``Section 301 tariffs``: the trade-law sections of ``policy.json``."""
    return re.compile(r"\bSection\s+(?P<ref>%s)(?:\s+(?:tariffs?|duties|investigation|probe))?"
                      % alternation(sections))


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None) -> dict:
    return load_json("policy.json", patterns_dir)


class PolicyRecognizer(Recognizer):
    label = "POLICY"

    def __init__(self, triggers: Triggers, patterns_dir: Optional[str] = None):
        self.triggers = triggers
        d = _data(patterns_dir)
        self.kinds: dict[str, str] = d["kinds"]
        self.modifiers = frozenset(d["modifiers"])
        self.follow_ok = frozenset(d["follow_ok"])
        self.complement = frozenset(d["complement"])
        self.complement_stop = frozenset(d["complement_stop"])
        self.generic = load_words("org_generic.txt", patterns_dir) | {"corporate"}
        self.single = frozenset(d["generic_single"])
        # second word -> first words it pairs with: "export controls", "executive order"
        self.pair_first: dict[str, set] = {}
        for group in ("generic_pairs", "plan_pairs", "order_pairs"):
            for second in d[group]["second"]:
                self.pair_first.setdefault(second, set()).update(d[group]["first"])
        self.pair_second = frozenset(self.pair_first)
        self.numbered_heads: dict[str, str] = d["numbered_heads"]
        self.numbered_re = numbered_pattern(list(self.numbered_heads))
        self.section_re = section_pattern(d["sections"])
        demonyms = load_json("demonyms.json", patterns_dir)
        self.demonyms = {k: v for k, v in demonyms.items() if not k.startswith("_")}
        self.demonym_rx = re.compile(r"(?<![A-Za-z])(%s)(?![A-Za-z])" % alternation(self.demonyms))

    def _candidates(self, doc: Doc, triggers: dict[str, list[int]]):
        """(start, end, kind) token spans around policy trigger words."""
        n = len(doc)
        for i in triggers.get("POL_NAMED", ()):
            if not doc[i].is_title:
                continue
            j = i - 1
            while j >= 0 and (is_name_token(doc[j]) or (doc[j].text == "-" and j > 0 and not doc[j - 1].whitespace_
                                                         and is_name_token(doc[j - 1]))):
                j -= 1
            start = j + 1
            if start == i:
                continue
            end = i + 1
            # "Interim Measures for the Total Amount Control of Rare Earth Mining and Smelting"
            if i + 2 < n and doc[i + 1].lower_ in ("for", "of", "on"):
                k = i + 2 + (doc[i + 2].lower_ == "the")
                first = k
                while k < n and k - first < 12:
                    if is_name_token(doc[k]):
                        k += 1
                    elif doc[k].lower_ in ("and", "of", "for") and k + 1 < n and is_name_token(doc[k + 1]):
                        k += 1
                    else:
                        break
                if k > first:
                    yield start, k, "named"
            yield start, end, "named"
        for i in triggers.get("POL_NOUN", ()):
            low = doc[i].lower_
            if low in self.single:
                yield i, i + 1, "generic"
            if i > 0 and low in self.pair_second and doc[i - 1].lower_ in self.pair_first.get(low, ()):
                yield i - 1, i + 1, "generic"
            if low == "list" and i > 1 and doc[i - 1].lower_ == "control" and doc[i - 2].lower_ in ("export", "import"):
                yield i - 2, i + 1, "generic"

    def kind_of(self, words: list[str]) -> str:
        for w in reversed(words):
            k = self.kinds.get(w.lower())
            if k:
                return k
        return "other"

    def find(self, doc: Doc) -> list[Ent]:
        triggers = self.triggers.of(doc)
        out: list[Ent] = []
        for start, end, kind in self._candidates(doc, triggers):
            sp = doc[start:end]
            ent = self._named(sp) if kind == "named" else self._generic(sp)
            if ent:
                out.append(ent)
        text = doc_text(doc)
        for m in self.numbered_re.finditer(text):
            ref = re.sub(r"\s+", " ", m.group("ref")).replace("No.", "No. ").replace("  ", " ")
            ref = re.sub(r"No\.?\s*", "No. ", ref)
            start = m.start("head")
            val = {"name": text[start:m.end()], "kind": self.numbered_heads[m.group("head")],
                   "jurisdiction": None, "ref": ref}
            out.append(Ent(self.label, start, m.end(), val, priority=3))
        for m in self.section_re.finditer(text):
            kind = "tariff" if re.search(r"tariff|dut", m.group()) else "other"
            val = {"name": m.group(), "kind": kind, "jurisdiction": "US", "ref": None}
            out.append(Ent(self.label, m.start(), m.end(), val, priority=3))
        return out

    def _named(self, sp: Span) -> Optional[Ent]:
        tokens = [t for t in sp]
        while tokens and (tokens[0].text in ("-", "The", "A", "An") or tokens[0].is_punct):
            tokens = tokens[1:]
        if len(tokens) < 2:
            return None
        if len(tokens) == 2 and tokens[0].lower_ in self.generic:
            return None  # "Corporate Strategy Shifts" is a heading
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        if tokens[-1].text.endswith(".") and len(tokens[-1].text) > 1:
            end -= 1  # "... Promotion Act." ends a sentence
        name = doc_text(sp.doc)[start:end]
        val = {"name": name, "kind": self.kind_of([tokens[-1].text.rstrip(".")]), "jurisdiction": None, "ref": None}
        return Ent(self.label, start, end, val, priority=2)

    def _generic(self, sp: Span) -> Optional[Ent]:
        doc = sp.doc
        head = sp[-1]
        # a section heading is title case: "Export Restrictions Escalate", "Flexible Controls:"
        if head.is_title and not (head.i == sp.start and _sentence_initial(head)):
            return None
        if any(t.is_title for t in sp[1:]):
            return None
        if head.is_title and head.i + 1 < len(doc) and doc[head.i + 1].is_title:
            return None
        # a modifier use: "tariff threats", "export control risks", "license applications";
        # a plural head is followed by its verb ("quotas rose"), not used as a modifier
        nxt = doc[sp.end] if sp.end < len(doc) else None
        if (nxt is not None and nxt.is_alpha and nxt.is_lower and nxt.lower_ not in self.follow_ok
                and not head.lower_.endswith("s")):
            return None
        first = sp.start
        # widen over modifiers: "higher tariffs", "U.S. tariffs", "25% recycled magnet mandate"
        i = sp.start - 1
        steps = 0
        while i >= 0 and steps < 6:
            t = doc[i]
            if t.lower_ in self.modifiers or (t.like_num and doc[i + 1].text == "%") or t.text == "%":
                first = i
            elif t.text in ("U.S.", "US", "EU", "E.U.", "UK", "U.K.") or (t.is_upper and len(t) <= 3 and t.is_alpha):
                first = i
            elif re.fullmatch(r"(?:19|20)\d\d", t.text):
                first = i  # "2023 ban on exports"
            elif t.text == "-" and i > 0 and doc[i - 1].is_alpha and not doc[i - 1].whitespace_:
                first = i - 1  # hyphenated modifier: "second-batch quotas", "full-year quota"
                i -= 1
            elif t.lower_ == "and" and i > 0 and doc[i - 1].lower_ in self.modifiers and first == i + 1:
                first = i - 1  # "smelting and separation quota"
                i -= 1
            else:
                break
            i -= 1
            steps += 1
        last = sp.end
        if nxt is not None and nxt.lower_ in self.complement:
            j = sp.end + 1
            stop = min(len(doc), j + 7)
            while j < stop:
                t = doc[j]
                if t.is_punct and t.text not in ("-",) or t.is_space or t.lower_ in self.complement_stop:
                    break
                # a verb or a number ends the object: "tariffs on Chinese goods reached 145%"
                if j > sp.end + 1 and (t.like_num or (t.lower_.endswith("ed") and t.is_lower)):
                    break
                j += 1
            if j > sp.end + 1:
                last = j
        start, end = doc[first].idx, doc[last - 1].idx + len(doc[last - 1].text)
        words = [t.text for t in doc[sp.start:sp.end]]
        val = {"name": doc_text(doc)[start:end], "kind": self.kind_of(words), "jurisdiction": None,
               "ref": None}
        return Ent(self.label, start, end, val, priority=1)


    def refine(self, doc: Doc, by_label: dict[str, list[Ent]]) -> None:
        """After the others ran: a name ends on a name the article uses alone; generic policies
        are named in lower case; the jurisdiction from the issuing body or place."""
        text = doc_text(doc)
        policies = by_label.get(self.label, [])
        trim_to_known(text, policies)
        for p in policies:
            name = p.value.get("name")
            if p.priority <= 1 and name and not name[:2].isupper():
                p.value["name"] = name[0].lower() + name[1:]  # "Export controls" -> "export controls"
        self._jurisdiction(text, by_label)

    def _jurisdiction(self, text: str, by: dict[str, list[Ent]]) -> None:
        """The place a policy belongs to: a place in its modifiers ("U.S. tariffs") or just
        before it ("EU's 25% mandate"), else a government body or the first place or demonym of
        its sentence, else a place after it, else the country the article is most about. A place
        in the policy's object ("tariff on US imports") is not its jurisdiction."""
        if self.label not in by:
            return
        gpes = [g for g in by.get("GPE", []) if g.value.get("code")]
        bodies = [o for o in by.get("ORG", []) if o.value.get("country")]
        counts: dict[str, int] = {}
        for g in gpes:
            counts[g.value["code"]] = counts.get(g.value["code"], 0) + 1
        main = max(counts, key=lambda c: (counts[c], c)) if counts else None
        for p in by[self.label]:
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
                dm = self.demonym_rx.search(text, lo, first)
                if dm:
                    code = self.demonyms[dm.group(1)]
                elif before:
                    code = before[0].value["code"]
                elif after:
                    code = after[0].value["code"]
                else:
                    code = main
            p.value["jurisdiction"] = code


_SENT_END = re.compile(r"(?<![A-Z])[.!?]\s|\n")


def _sentence_initial(tok) -> bool:
    doc = tok.doc
    i = tok.i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    return i < 0 or doc[i].text in (".", ":", ";", "!", "?", "\n", '"', "(") or "\n" in doc[i].whitespace_ \
        or doc[i].is_space
