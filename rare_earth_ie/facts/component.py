"""Facts: the sentences and clauses that carry a PERCENT, MONEY, QUANTITY or POLICY.

Segments are cut where scraped pages break: line ends, glued headings (the repair step put a
newline there), sentence ends (not after ``U.S.``, ``No.``, ``Co.``), bullets glued with ``;``.
Each fact gets what its sentence settles: ``subject`` (what is measured), ``metric`` (price,
volume, revenue, ...) and ``period`` (a DATE inside it, else the dated heading above it, else the
article's publish month).
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Optional

from spacy.tokens import Doc

from ..extract.recognizers.base import Ent, doc_text
from ..models import FACT_LABELS
from ..patterns import alternation, load_json
from ..read.header import header_zones


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None):
    d = load_json("facts.json", patterns_dir)
    metrics = {k.lower(): v for k, v in d["metrics"].items()}
    metric_rx = re.compile(r"(?<![A-Za-z])(%s)(?![A-Za-z])" % alternation(metrics), re.I)
    # a sentence ends at . ! ? followed by space(s) and a capital, quote, bracket or number,
    # unless the word before the stop is an abbreviation (checked in segments())
    sent_end = re.compile(r"[.!?](?=\s+[A-Z\"'(\[0-9¥$€])")
    return metrics, metric_rx, sent_end, frozenset(d["no_break_after"])


_BULLET = re.compile(r"^[\s*•·\-–—>#]+")
_SEMI_BREAK = re.compile(r";(?=\s*\S)")


_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def segments(text: str, sent_end: re.Pattern, no_break: frozenset = frozenset()) -> list[tuple[int, int]]:
    """Sentence/clause spans of the (repaired) text."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        ls, le = line.start(), line.end()
        cuts = [ls]
        for m in sent_end.finditer(text, ls, le):
            w = _WORD_BEFORE.search(text, max(ls, m.start() - 12), m.start())
            if w and (w.group(1) in no_break or len(w.group(1)) == 1 or
                      re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", w.group(1))):
                continue  # "U.S. Department", "No. 62", "Co. Ltd", an initial
            cuts.append(m.end())
        for m in _SEMI_BREAK.finditer(text, ls, le):
            cuts.append(m.end())
        cuts = sorted(set(cuts)) + [le]
        for a, b in zip(cuts, cuts[1:]):
            seg = text[a:b]
            lead = len(seg) - len(_BULLET.sub("", seg))
            a2 = a + lead
            b2 = b
            while b2 > a2 and text[b2 - 1].isspace():
                b2 -= 1
            if b2 > a2:
                out.append((a2, b2))
    return out


class FactsComponent:
    def __init__(self, patterns_dir: Optional[str] = None):
        self.metrics, self.metric_rx, self.sent_end, self.no_break = _data(patterns_dir)

    def __call__(self, doc: Doc) -> Doc:
        ents: list[Ent] = doc._.rei_entities or []
        text = doc_text(doc)
        facts = []
        segs = segments(text, self.sent_end, self.no_break)
        header_end = max((z[2] for z in header_zones(doc)), default=0)
        heading_period: Optional[dict] = None
        ei = 0
        for s, e in segs:
            inside = []
            while ei < len(ents) and ents[ei].start < s:
                ei += 1
            j = ei
            while j < len(ents) and ents[j].start < e:
                if ents[j].end <= e:
                    inside.append(ents[j])
                j += 1
            line_len = _line_length(text, s)
            if not any(x.label in FACT_LABELS for x in inside):
                # a dated heading ("Price Report Sep 12", "Prices on Oct 17") dates the short
                # lines under it, not the paragraphs of other stories further down
                dates = [x for x in inside if x.label == "DATE"]
                if line_len < 60 and s >= header_end and _is_heading(text[s:e]):
                    heading_period = dates[0].value if dates else None  # a new heading, dated or not
                elif line_len >= 40:
                    heading_period = None
                continue
            if line_len >= 160:
                heading_period = None  # a paragraph ends the list under a heading
            facts.append(self._fact(doc, s, e, inside, heading_period))
        doc._.rei_facts = facts
        return doc

    def _fact(self, doc: Doc, s: int, e: int, inside: list[Ent], heading_period) -> dict:
        text = doc_text(doc)[s:e]
        dates = [x for x in inside if x.label == "DATE"]
        if dates:
            period, source = dates[0].value, "text"
        elif heading_period:
            period, source = heading_period, "heading"
        else:
            period, source = _published_month(doc._.rei_published), "published"
            if period is None:
                source = None
        metric = None
        m = self.metric_rx.search(text)
        if m:
            metric = self.metrics.get(m.group(1).lower())
        elif any(x.label == "MONEY" and x.value.get("per") for x in inside):
            metric = "price"
        elif any(x.label == "POLICY" and x.value.get("kind") == "tariff" for x in inside):
            metric = "tariff"
        subject = _subject(text, inside, s, metric, m)
        return {"start": s, "end": e, "entities": inside, "subject": subject, "metric": metric,
                "period": period, "period_source": source}


_SMALL_WORDS = frozenset("a an the of on in for and or to at by from with vs".split())


def _is_heading(seg: str) -> bool:
    """A heading line: short, no sentence end, its words capitalised ("Price Report Sep 12",
    "Prices on Oct 17", "Market Impact"), not a teaser cut mid-sentence."""
    if seg.rstrip()[-1:] in ".!?;,":
        return False
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", seg) if w.lower() not in _SMALL_WORDS]
    if not words:
        return True  # "12/09/2025"
    return sum(w[0].isupper() for w in words) * 2 >= len(words) * 1.5


def _line_length(text: str, pos: int) -> int:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return (len(text) if b < 0 else b) - a


def _published_month(published: Optional[str]) -> Optional[dict]:
    if not published:
        return None
    d = date.fromisoformat(published)
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    last = date.fromordinal(nxt.toordinal() - 1)
    return {"start": d.replace(day=1).isoformat(), "end": last.isoformat(), "grain": "month"}


_NP_STOP = frozenset("the a an of in and to that this these those while with by for on at as is are "
                     "was were has have had be been will would its their our his her it they we "
                     "from than or but also still only".split())
# metrics whose subject is the noun phrase before the keyword ("rare earth magnet exports")
_PHRASE_METRICS = {"volume", "production", "sales", "orders", "demand", "share", "market size",
                   "capacity", "price", "cost", "reserves"}
_LABEL_LINE = re.compile(r"^([A-Z][^:]{1,60}?):\s")


def _subject(text: str, inside: list[Ent], offset: int, metric: Optional[str], mm) -> Optional[str]:
    """What is measured: the label of a label line, a material or organisation named in the
    fact, or the words before the metric keyword."""
    label = _LABEL_LINE.match(text)
    materials = [x for x in inside if x.label == "MATERIAL"]
    orgs = [x for x in inside if x.label == "ORG"]
    if label and not re.search(r"\d", label.group(1)):
        head = label.group(1).strip()
        if materials or metric == "price":
            return f"{head} price" if metric == "price" and "price" not in head.lower() else head
        if orgs and metric:
            return f"{orgs[0].value.get('name')} {metric}"
        return head
    if materials and metric == "price":
        return f"{materials[0].value.get('name')} price"
    if orgs and metric in ("revenue", "net profit", "margin", "sales", "capacity", "production"):
        return f"{orgs[0].value.get('name')} {metric}"
    if mm is not None and metric in _PHRASE_METRICS:
        before = text[:mm.start(1)]
        # the noun phrase just before the keyword: stop at a verb-like or function word
        words = []
        for w in reversed(re.findall(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]", before)[-6:]):
            if not w[0].isalpha() or w.lower() in _NP_STOP or w.endswith(("ed", "ing", "ly")):
                break
            words.insert(0, w)
        phrase = " ".join(words + [mm.group(1)])
        return phrase if words else mm.group(1)
    return None
