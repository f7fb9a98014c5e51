"""POLICY: laws, announcements, programmes, plans, tariffs, export controls, quotas, mandates.

Named instruments (``Critical Raw Materials Act``, ``Closed-Loop Critical Material Recycling
Program``) come from a title-case name before a capitalised head; numbered ones from
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

from ..patterns import load_json, load_words
from .base import Ent

NUMBERED_RE = re.compile(
    r"(?:(?P<issuer>[A-Z][A-Za-z]+)\s+)?(?P<head>Announcement|Notice|Order|Decree|Circular|Document|"
    r"Proclamation|Regulation|Directive)\s+(?:\[\d{4}\]\s*)?(?P<ref>No\.?\s*\d+(?:\s*/\s*\d{2,4})?"
    r"(?:\s*of\s*\d{4})?)"
)
SECTION_RE = re.compile(r"\bSection\s+(?P<ref>232|301|201|1260H|889|5949)(?:\s+(?:tariffs?|duties|investigation|probe))?")


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None) -> dict:
    return load_json("policy.json", patterns_dir)


def policy_patterns(patterns_dir: Optional[str] = None) -> list[dict]:
    """SpanRuler token patterns built from the vocabulary of ``patterns/policy.json``."""
    d = _data(patterns_dir)
    name = {"TEXT": {"REGEX": r"^(?:[A-Z][A-Za-z0-9&'.]*|-)$"}}
    pats = [
        {"label": "POLICY", "id": "named", "pattern": [
            dict(name, OP="+"), {"LOWER": {"IN": d["named_heads"]}, "IS_TITLE": True}]},
        {"label": "POLICY", "id": "generic", "pattern": [{"LOWER": {"IN": d["generic_single"]}}]},
        {"label": "POLICY", "id": "generic", "pattern": [
            {"LOWER": {"IN": d["generic_pairs"]["first"]}}, {"LOWER": {"IN": d["generic_pairs"]["second"]}}]},
        {"label": "POLICY", "id": "generic", "pattern": [
            {"LOWER": {"IN": d["plan_pairs"]["first"]}}, {"LOWER": {"IN": d["plan_pairs"]["second"]}}]},
        {"label": "POLICY", "id": "generic", "pattern": [
            {"LOWER": {"IN": d["order_pairs"]["first"]}}, {"LOWER": {"IN": d["order_pairs"]["second"]}}]},
        # "export control list", "entity list"
        {"label": "POLICY", "id": "generic", "pattern": [
            {"LOWER": {"IN": ["export", "import"]}}, {"LOWER": "control"}, {"LOWER": "list"}]},
        # "Interim Measures for the Total Amount Control of Rare Earth Mining and Smelting"
        {"label": "POLICY", "id": "named", "pattern": [
            dict(name, OP="+"), {"LOWER": {"IN": d["named_heads"]}, "IS_TITLE": True},
            {"LOWER": {"IN": ["for", "of", "on"]}}, {"LOWER": "the", "OP": "?"}, dict(name, OP="+"),
            {"LOWER": {"IN": ["of", "and", "for", "on"]}, "OP": "?"}, dict(name, OP="*"),
            {"LOWER": {"IN": ["and", "of"]}, "OP": "?"}, dict(name, OP="*")]},
    ]
    return pats


class PolicyRecognizer:
    label = "POLICY"

    def __init__(self, patterns_dir: Optional[str] = None):
        d = _data(patterns_dir)
        self.kinds: dict[str, str] = d["kinds"]
        self.modifiers = frozenset(d["modifiers"])
        self.follow_ok = frozenset(d["follow_ok"])
        self.complement = frozenset(d["complement"])
        self.complement_stop = frozenset(d["complement_stop"])
        self.generic = load_words("org_generic.txt", patterns_dir) | {"corporate"}

    def kind_of(self, words: list[str]) -> str:
        for w in reversed(words):
            k = self.kinds.get(w.lower())
            if k:
                return k
        return "other"

    def from_spans(self, doc: Doc, spans: list[Span]) -> list[Ent]:
        out: list[Ent] = []
        for sp in spans:
            if sp.label_ != "POLICY":
                continue
            ent = self._named(sp) if sp.id_ == "named" else self._generic(sp)
            if ent:
                out.append(ent)
        text = doc.text
        for m in NUMBERED_RE.finditer(text):
            ref = re.sub(r"\s+", " ", m.group("ref")).replace("No.", "No. ").replace("  ", " ")
            ref = re.sub(r"No\.?\s*", "No. ", ref)
            start = m.start("head")
            val = {"name": text[start:m.end()], "kind": "announcement" if m.group("head") in (
                "Announcement", "Notice", "Circular", "Document") else self.kind_of([m.group("head")]),
                "jurisdiction": None, "ref": ref}
            out.append(Ent(self.label, start, m.end(), val, priority=3))
        for m in SECTION_RE.finditer(text):
            kind = "tariff" if re.search(r"tariff|dut", m.group()) else "other"
            val = {"name": m.group(), "kind": kind, "jurisdiction": "US",
                   "ref": f"Section {m.group('ref')}"}
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
        name = sp.doc.text[start:end]
        val = {"name": name, "kind": self.kind_of([tokens[-1].text]), "jurisdiction": None, "ref": None}
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
        val = {"name": doc.text[start:end], "kind": self.kind_of(words), "jurisdiction": None,
               "ref": None}
        return Ent(self.label, start, end, val, priority=1)


def _sentence_initial(tok) -> bool:
    doc = tok.doc
    i = tok.i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    return i < 0 or doc[i].text in (".", ":", ";", "!", "?", "\n", '"', "(") or "\n" in doc[i].whitespace_ \
        or doc[i].is_space
