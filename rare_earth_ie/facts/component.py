"""Facts: the sentences and clauses that carry a PERCENT, MONEY, QUANTITY or POLICY.

Segments are cut where scraped pages break: line ends, glued headings (the repair step put a
newline there), sentence ends (not after ``U.S.``, ``No.``, ``Co.``), bullets glued with ``;``.
Each fact gets what its sentence settles: ``subject`` (what is measured), ``metric`` (price,
volume, revenue, ...) and ``period`` (a DATE inside it, else the dated heading above it, else the
article's publish month).
"""
from __future__ import annotations

import re
import string
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple, Optional

from spacy.tokens import Doc

from ..extract.recognizers.base import Ent, doc_text
from ..models import FACT_LABELS
from ..patterns import load_json
from ..read.header import header_zones
from .identity import strip_teaser_tail
from .records import describe
from .records import vocab as describe_vocab


@dataclass(frozen=True)
class _Vocab:
    sent_end: re.Pattern
    no_break: frozenset
    marker_rx: re.Pattern      # a line that labels a block of teasers ("Related:", "See also")
    no_end: frozenset          # words no whole sentence ends with


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None) -> _Vocab:
    d = load_json("facts.json", patterns_dir)
    # a sentence ends at . ! ? followed by space(s) and a capital, quote, bracket or number,
    # unless the word before the stop is an abbreviation (checked in segments())
    sent_end = re.compile(r"[.!?](?=\s+[A-Z\"'(\[0-9¥$€])")
    t = d["teaser"]
    # bounded repeats: the pattern is only tried at line starts, but must stay linear anywhere
    label = "|".join([r"%s(?![A-Za-z])" % re.escape(m).replace(r"\ ", r"[ \t]{1,3}")
                      for m in sorted(t["markers"], key=len, reverse=True)]
                     + [re.escape(p) + r"\S{0,6}" for p in t["marker_prefixes"]])
    sep = r"[ \t]{0,3}[:|»›>\-–—]?[ \t]{0,3}"
    # one or more labels ("推荐阅读 Recommended"), then the end of the line or a colon/bar/arrow
    marker_rx = re.compile(r"[\W_]{0,4}(?:%s)(?:%s(?:%s)){0,3}[ \t]{0,3}(?:[:|»›>\-–—][ \t]{0,3}|$)"
                           % (label, sep, label), re.I)
    return _Vocab(sent_end, frozenset(d["no_break_after"]), marker_rx,
                  frozenset(t["no_end_words"]))


@lru_cache(maxsize=1)
def _words() -> tuple[dict, list]:
    """Word costs of wordninja's English model (a dependency of the repair step; rarer words cost
    more) and its words sorted, to find the words a fragment begins."""
    import wordninja

    cost = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
    return cost, sorted(cost)


def _cut_word(w: str) -> bool:
    """Is ``w`` (lower case, ending a line) a word cut short? When it is no word but begins one
    ("definitiv", "outl"), or is a rare word that begins a far more common one ("prod" of
    "production", "roa" of "road"). A rare word that begins nothing common ("halts", "lakh",
    "sintered") and a word the model does not know ("carbonatite") count as whole."""
    cost, words = _words()
    c = cost.get(w)
    if c is not None and c < 12.0:
        return False
    i = bisect_left(words, w + "\0")
    best = None
    while i < len(words) and words[i].startswith(w) and i < len(words):
        k = cost[words[i]]
        best = k if best is None or k < best else best
        i += 1
        if best is not None and c is not None and best <= c - 3:
            return True
    if c is None:
        return best is not None
    return False


_BULLET = re.compile(r"^[\s*•·\-–—>#]+")
_SEMI_BREAK = re.compile(r";(?=\s*\S)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# a label glued to what came before ("yuan/mtDysprosium oxide: 1.6", "April 24Pr-Nd oxide:",
# "summaryQ2 FY25 total production:"): a capitalised word or code, up to four more words, a colon
# (each pattern starts with a plain character class: the engine jumps between capitals instead of
# testing a lookbehind at every position)
_GLUED_LABEL = re.compile(r"[A-Z](?<=[a-z0-9)%][A-Z])[A-Za-z0-9]{0,24}(?:[ -][A-Za-z0-9][\w/]{0,24}){0,4}:\s")
# after a label's value, a capital glued on starts the next entry ("2,617tQ2 FY25", "yuan/mtMetals")
_GLUED_ENTRY = re.compile(r"(?<=[a-z0-9)%])[A-Z](?=[a-z]{2}|[0-9]|[a-z]?-[A-Z])")
_SPACED_LABEL = re.compile(r"(?<=[a-z0-9)%] )[A-Z][A-Za-z0-9]{0,24}(?:[ -][A-Za-z0-9][\w/]{0,24}){0,3}:\s")
_CAPITALISED_BEFORE = re.compile(r"(?<![A-Za-z])[A-Z][^\s]{0,27}[A-Za-z] $")  # "(Marpor ", not "(UNCHANGED) "
# a heading glued to a sentence in capitals ("dual lock strategyKORTEK MINING CO. IS ...")
_GLUED_CAPS = re.compile(r"[A-Z](?<=[a-z]{2}[A-Z])[A-Z](?=[A-Z]{0,20}[ ,.'’-]{1,3}[A-Z]{2})")
_NAME_START = re.compile(r"(?<![A-Za-z])[A-Z][a-z]?$")  # "Pr" of "PrNd", "Mc" of "McKinsey"
_DIGIT = re.compile(r"\d")
_LABEL_HEAD = re.compile(r"[^:\n]{1,60}:\s")
_GLUE_POINT = re.compile(r"(?<=[a-z0-9])[A-Z](?=[a-z]{2})")
_NOT_HEADING = re.compile(r"[.!?;:]")


def _head_on_spaceless(raw: str) -> int:
    """The length of a heading of two to six words glued to a paragraph whose spaces were lost
    ("Market UpdatePricesroseforthethirdweek…"), at the start of ``raw``; 0 if none."""
    words = raw[:120].split(" ", 6)
    for k in range(1, min(6, len(words))):
        tok = words[k]
        if len(tok) < 30:
            continue
        m = _GLUE_POINT.search(tok)
        if m is None or not words[0][:1].isupper():
            return 0
        head = " ".join(words[:k]) + " " + tok[:m.start()]
        return 0 if _NOT_HEADING.search(head) else len(head)
    return 0



class Seg(NamedTuple):
    """A sentence or clause: its span, the span of the line it stands on (a glued heading or
    label ends a line of its own) and the number of its line in the text."""

    start: int
    end: int
    vstart: int
    vend: int
    line: int


def _glue_cuts(text: str, ls: int, le: int, rep=None, marker_rx: Optional[re.Pattern] = None) -> list[int]:
    """Where a line holds pieces: a label of related stories before the teaser it introduces
    ("Related: ..."), glued labels, entries glued after a label's value, a heading glued to a
    spaceless paragraph (seen in the raw text)."""
    cuts = []
    m = marker_rx.match(text, ls, le) if marker_rx is not None else None
    if m:
        cuts.append(m.end())
    colon = text.find(":", ls, le)
    if colon >= 0:  # a glued label ends in a colon
        # the first start of each label (a match takes the rest of its label), not inside a
        # camel-case name or formula ("PrNd Oxide:", "NdFeB", "McKinsey")
        cuts.extend(m.start() for m in _GLUED_LABEL.finditer(text, ls, le)
                    if not _NAME_START.search(text, max(ls, m.start() - 3), m.start()))
    cuts.extend(m.start() for m in _GLUED_CAPS.finditer(text, ls, le))
    if colon >= 0 and _LABEL_HEAD.match(text, ls, le):
        digit = _DIGIT.search(text, colon, le)
        if digit:
            cuts.extend(m.start() for m in _GLUED_ENTRY.finditer(text, digit.end(), le)
                        if not _NAME_START.search(text, max(ls, m.start() - 3), m.start()))
            # "¥1070479/ton unchanged Europium Metal: ¥5848641/ton": the next label, after a space
            # (not inside a label of several capitalised words: "Jan-Sep Cumulative:")
            cuts.extend(m.start() for m in _SPACED_LABEL.finditer(text, digit.end(), le)
                        if not _CAPITALISED_BEFORE.search(text, max(ls, m.start() - 30), m.start()))
    if rep is not None and rep.inserted and bisect_left(rep.inserted, ls) < bisect_left(rep.inserted, min(le, ls + 120)):
        # spaces were inserted near the line's start: it may be a heading glued to a spaceless run
        raw_ls = rep.raw_offset(ls)
        raw = rep.raw[raw_ls:min(rep.raw_offset(le), raw_ls + 160)]
        head = _head_on_spaceless(raw)
        if head:
            cuts.append(rep.rep_pos(raw_ls + head))
    return cuts


def segments(text: str, sent_end: re.Pattern, no_break: frozenset = frozenset(), rep=None,
             marker_rx: Optional[re.Pattern] = None) -> list[Seg]:
    """Sentence/clause spans of the (repaired) text, with the (virtual) lines they stand on."""
    out = []
    # a line of the page: newlines the repair step inserted (glued headings) do not end one
    inserted = frozenset(rep.boundaries) if rep is not None else frozenset()
    li = -1
    for line in re.finditer(r"[^\n]+", text):
        ls, le = line.start(), line.end()
        if ls - 1 not in inserted:
            li += 1
        glued = sorted(set(c for c in _glue_cuts(text, ls, le, rep, marker_rx) if ls < c < le))
        cuts = [ls] + glued
        for m in sent_end.finditer(text, ls, le):
            w = _WORD_BEFORE.search(text, max(ls, m.start() - 12), m.start())
            if w and (w.group(1) in no_break or w.group(1).title() in no_break or re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", w.group(1)) or
                      (len(w.group(1)) == 1 and not text[w.start() - 1:w.start()].isdigit())):
                continue  # "U.S. Department", "No. 62", "Co. Ltd", an initial (not "447t. Volumes")
            cuts.append(m.end())
        for m in _SEMI_BREAK.finditer(text, ls, le):
            cuts.append(m.end())
        cuts = sorted(set(cuts)) + [le]
        vbounds = [ls] + glued + [le]
        for a, b in zip(cuts, cuts[1:]):
            seg = text[a:b]
            lead = len(seg) - len(_BULLET.sub("", seg))
            a2 = a + lead
            b2 = b
            while b2 > a2 and text[b2 - 1].isspace():
                b2 -= 1
            if b2 > a2:
                k = bisect_right(vbounds, a) - 1
                out.append(Seg(a2, b2, vbounds[k], vbounds[k + 1], li))
    return out


class FactsComponent:
    def __init__(self, patterns_dir: Optional[str] = None):
        self.vocab = _data(patterns_dir)
        self.patterns_dir = patterns_dir
        describe_vocab(patterns_dir)  # load it now, not on the first fact

    def __call__(self, doc: Doc) -> Doc:
        ents: list[Ent] = doc._.rei_entities or []
        text = doc_text(doc)
        rep = doc._.rei_repair
        segs = segments(text, self.vocab.sent_end, self.vocab.no_break, rep, self.vocab.marker_rx)
        header_end = max((z[2] for z in header_zones(doc)), default=0)
        inside_of = _entities_by_segment(segs, ents)
        teaser_lines, cut_segs = self._teasers(text, segs, inside_of)
        facts = []
        heading_period: Optional[dict] = None
        heading = ""
        for k, seg in enumerate(segs):
            s, e = seg.start, seg.end
            inside = inside_of[k]
            line_len = seg.vend - seg.vstart
            if not any(x.label in FACT_LABELS for x in inside):
                # a dated heading ("Price Report Sep 12", "Prices on Oct 17") dates the short
                # lines under it, not the paragraphs of other stories further down
                dates = [x for x in inside if x.label == "DATE"]
                if line_len < 60 and s >= header_end and _is_heading(text[s:e]):
                    heading_period = dates[0].value if dates else None  # a new heading, dated or not
                    # the heading and the one above it ("Export Dynamics" over "Destination
                    # Divergence") feed the metric
                    heading = text[s:e] + "\n" + heading.split("\n")[0]
                elif line_len >= 40:
                    heading_period, heading = None, ""
                continue
            if line_len >= 160:
                heading_period = None  # a paragraph ends the list under a heading
            facts.append(self._fact(doc, s, e, inside, heading_period, heading,
                                    teaser=seg.line in teaser_lines, truncated=k in cut_segs))
        doc._.rei_facts = facts
        return doc

    def _teasers(self, text: str, segs: list[Seg], inside_of: list[list[Ent]]) -> tuple[set, set]:
        """The lines that hold teasers of other stories, and the segments cut off before their
        statement ended. A line is a teaser when its end was cut (mid-word, after a word no
        sentence ends with, inside a number) or carries a teaser's tail (``...``, ``Read more``),
        or when it is labelled as one ("Related: ...") or follows a label of related stories on a
        line of its own ("See also", "推荐阅读"), until prose without a figure resumes."""
        lines: dict[int, list[int]] = {}
        for k, seg in enumerate(segs):
            lines.setdefault(seg.line, []).append(k)
        teaser_lines, cut = set(), set()
        in_block = False
        for li, ks in lines.items():
            first, last = segs[ks[0]], segs[ks[-1]]
            has_fact = any(x.label in FACT_LABELS for k in ks for x in inside_of[k])
            marker = self.vocab.marker_rx.match(text, first.start, last.end)
            end = text[last.start:last.end]
            # a paragraph whose sentences end in stops but the last: cut ("... 2024. Exports ro")
            # the tail may stand as a segment of its own ("...$61.75/kg.... Read more »")
            is_cut = (strip_teaser_tail(text[first.start:last.end])[1] or _ends_cut(end, self.vocab.no_end)
                      or (end[-1:] not in _STOPS and any(text[segs[k].end - 1] in ".!?" for k in ks[:-1])))
            if is_cut:
                cut.add(ks[-1])
            if marker:
                # "Related: <a teaser>" is one teaser; the label alone (or with a link) opens a block
                in_block = not has_fact
                teaser_lines.add(li)
            elif in_block and not has_fact and not is_cut and last.end - first.start >= 60:
                in_block = False  # prose without a figure: the page's own text goes on
            if is_cut or in_block:
                teaser_lines.add(li)
        return teaser_lines, cut

    def _fact(self, doc: Doc, s: int, e: int, inside: list[Ent], heading_period, heading: str = "",
              teaser: bool = False, truncated: bool = False) -> dict:
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
        return {"start": s, "end": e, "entities": inside, **describe(text, s, inside, heading, self.patterns_dir),
                "period": period, "period_source": source, "teaser": teaser, "truncated": truncated}


def _entities_by_segment(segs: list[Seg], ents: list[Ent]) -> list[list[Ent]]:
    """The entities inside each segment (entities and segments both in text order)."""
    out = []
    ei = 0
    for seg in segs:
        inside = []
        while ei < len(ents) and ents[ei].start < seg.start:
            ei += 1
        j = ei
        while j < len(ents) and ents[j].start < seg.end:
            if ents[j].end <= seg.end:
                inside.append(ents[j])
            j += 1
        out.append(inside)
    return out


_STOPS = frozenset(".!?;:)]\"'’”»%")
_ASCII_LETTERS = string.ascii_letters
_CUT_NUMBER = re.compile(r"\d,\d{1,2}$")  # "2,1" of "2,122": a thousands group cut short


def _ends_cut(seg: str, no_end: frozenset) -> bool:
    """Was this text, the last on its line, cut before its end? Only when the end says so: a
    last word that is no word ("definitiv", a lone letter) or that no sentence ends with ("of",
    "the"), or a thousands group cut short. A line ending in a word, a number, a bracket or a
    stop may be whole (a label line, a heading) and counts as whole."""
    seg = seg.rstrip()
    if _CUT_NUMBER.search(seg):
        return True
    # the last word: the run of ASCII letters the text ends with, at most 40 long (stripped in
    # C; a regex anchored at the end is still tried from every position)
    start = len(seg.rstrip(_ASCII_LETTERS))
    if not 1 <= len(seg) - start <= 40:
        return False
    w = seg[start:]
    before = seg[start - 1:start]
    if before.isdigit() or before == "/":
        return False  # a unit: "2,617t", "yuan/mt"
    if w[0].isupper():
        return len(w) == 1 and w not in "AI"  # a capitalised word may be a name: whole
    if len(w) == 1:
        return True
    if w in no_end:
        return True
    return _cut_word(w)


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
    start, end = _month_of(published)
    return {"start": start, "end": end, "grain": "month"}  # a dict of its own per fact


@lru_cache(maxsize=1024)
def _month_of(published: str) -> tuple[str, str]:
    """First and last day of the month of ``published``: asked for every fact, one date a doc."""
    d = date.fromisoformat(published)
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    last = date.fromordinal(nxt.toordinal() - 1)
    return d.replace(day=1).isoformat(), last.isoformat()
