"""Synthetic scraped-news dumps with known duplicate clusters, built from ``corpus/*.txt``.

The corpus articles are cut into *sections* (a heading and the lines under it) and every line
into sentences, the way ``rare_earth_ie.facts`` cuts statements (line ends, sentence ends not
after ``U.S.``/``No.``/``Co.``, ``;`` before a capital). Every sentence becomes a *template*
whose slots are found by pattern: dates (``September 23, 2025``, ``October 9``, ``Jan-Sep``,
``Q3``, ``the first quarter``, a lone year), numbers (percentages, money, quantities), rare-earth
elements, company names and stock tickers. A *story* is one section rendered with one setting of
its slots:

* a month shift (the story is told ``k`` months after the corpus article, on the same day of the
  month; every date moves with it, so ``September Volume ... from ... in August`` becomes
  ``March Volume ... in February``; lone years move with the year),
* new money and quantity figures (one scale factor per story; 10% of stories keep the corpus
  figures), new percentages (85% of them),
* other elements (terbium -> samarium, ``Praseodymium-Neodymium`` -> ``Cerium-Lanthanum``),
* invented company names (``Korvath Rare Earths``, ``Zenlan Mining Co., Ltd.``) and tickers,
* for a section that is a price list, sometimes a dated heading (``Price Report Sep 12``).

Bare counts (``7 heavy rare earths``), ministries and agencies, ``NdFeB`` and grades stay as they
are. 35% of the stories (``--sibling-rate``) are *hard siblings* of a story told in the last 30
days: the same section with exactly one thing changed (one number, one element, one company,
the day or the month of its dates, or the date of a price-list heading, a week earlier). Their
statements that did not change are copies of the older story's statements (same text); the one
that changed is a different statement that a deduplicator must keep apart. Statements record
their template and slot values, so a benchmark can say what told two wrongly merged ones apart.

Articles are pages as scraped: a header with the publish date, the stories born in that article
in full (heading line, one line per corpus line), whole repeats of recent stories in the page's
own text, then (usually after a label such as ``Related:``, ``See also``, ``More news``) a block
of copies of recent stories. The copies are the trap kinds of a deduplicator:

* ``cut``: heading glued to the first sentence, lines glued together, cut off mid-word after
  150-300 characters; ``cut_number``: the same, cut inside a number (``$61.2`` of ``$61.20``);
* ``suffix`` / ``suffix_cut``: whole or cut, with ``...``, ``…`` or ``Read more`` appended;
* ``glued`` / ``glued_first``: whole, heading glued to the first sentence, lines glued;
* ``recased``: whole, in capitals; ``repunct``: whole, commas and brackets dropped, dashes,
  quotes and the space before ``%`` changed;
* ``spaceless`` / ``spaceless_cut``: every space removed, whole or cut;
* ``repeat`` (in the page's own text) and, on pages without a label, whole copies that stand in
  the page's text (``body_glued``, ``body_recased``, ...): these state the page's statement.

Publish dates run over ~10 months; a story is repeated only within 45 days of its birth.

Truth: every piece of an article that carries a fact (a number with ``%``, a currency or a unit,
or a policy word; a cut piece only if such a cue ends before the cut) is a *span* with the id of
the statement it copies. A statement is identified by its exact text, the date of its dated
heading (if any), the year of its yearless dates, and, when it has no date of its own or of a
heading, the month of the page it stands on: a *template line* (the same words in the reports
of two months, whole, in the pages' own text) is two statements, while a teaser (cut, with a
tail, or in a block of related stories) keeps its source's identity. Copies no deduplicator can
attribute are flagged ``"ambiguous": true`` (see :class:`Truth`: a teaser cut before the point
where two statements differ, a whole teaser of words two months both state, a price line
without its dated heading whose text recurs under another date). The truth is written in the
``clusters.json`` format of ``docs/spec/GOLD_FORMAT.md`` (one cluster per statement, spans carry
an extra ``kind``) plus a parallel ``statements`` list, so
``rare_earth_ie.frontends.evaluate.bcubed`` scores a deduplication against it.

    python benchmarks/gen_dump.py --mentions 10000 --seed 0 -o /tmp/dump.jsonl --truth /tmp/truth.json

As a library::

    from gen_dump import generate, iter_dump, write_dump
    articles, truth = generate(2000, seed=1)                    # small sizes, in memory
    stats = write_dump("dump.jsonl", "truth.json", 1_000_000)     # streams articles to disk
    for article, spans in iter_dump(50_000, seed=2): ...          # spans: doc_id/start/end/sid/kind
    write_dump("dump.jsonl.gz", None, 10**6, keep_truth=False)    # pages only, spans not kept

Memory: articles are streamed; what is kept is one small record per distinct statement and per
span, and the stories of the last 45 days. 1,000,000 spans (~98,000 articles, ~260 M characters)
take ~30 s and peak at ~770 MB with the truth, ~350 MB with ``keep_truth=False``.

Deterministic for a given ``seed``, corpus and parameters. The generator does not import
``rare_earth_ie`` (only :func:`truth_facts`, which builds library ``Fact`` objects from the truth
for a benchmark that skips extraction, does).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "corpus"

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ORDINALS = ["first", "second", "third", "fourth"]
ELEMENTS = ["lanthanum", "cerium", "praseodymium", "neodymium", "samarium", "europium", "gadolinium",
            "terbium", "dysprosium", "holmium", "erbium", "ytterbium", "lutetium", "yttrium",
            "scandium"]
# company names of the corpus that stories replace by invented ones (ministries, agencies,
# parliaments and exchanges stay)
CORPUS_ORGS = [
    "Zhenghai Magnetic Materials", "MP Materials", "Northern Rare Earth", "China Rare Earth Group",
    "Baogang Rare Earth", "Baogang", "Tianhe Magnet", "Longci", "Noveon Magnetics", "Intrinsic Tech",
    "ASM", "REEtec", "Vacuumschmelze", "CNNC", "CATL", "BYD", "Jinhua Guanhong", "Shantou Liantoy",
    "Shantou Husha Technology", "Tesla",
]
_ORG_A = ["Kor", "Zen", "Hal", "Vel", "Mar", "Tor", "Lin", "Sha", "Bao", "Jin", "Hua", "Nor", "Ald",
          "Cal", "Dra", "Fen", "Gal", "Kan", "Lum", "Ori", "Pra", "Qui", "Ros", "Sel", "Tan", "Ul",
          "Vor", "Wes", "Xin", "Yan", "Zhe", "Bel", "Cor", "Den", "Eld", "Hex"]
_ORG_B = ["vath", "tra", "wick", "ion", "tek", "lis", "dor", "gang", "hai", "mont", "ara", "eon",
          "ridge", "ford", "lan", "ven", "sun", "ting", "wei", "xia", "mark", "stone", "feld", "por"]
_ORG_SUFFIX = ["Materials", "Rare Earths", "Mining Co., Ltd.", "Magnetics", "Metals Group",
               "Resources Ltd", "Magnet Technology", "Advanced Materials Inc.", "Rare Earth Group",
               "Minerals Corp", "New Materials Co., Ltd.", "Magnetic Materials"]
_HEADERS = [
    "Views: {views} Author: Site Editor Publish Time: {iso} Origin: Site",
    "Release time:{iso}",
    "Publish Time: {iso}",
]
_DATED_HEADINGS = ["Price Report {abbr} {day}", "Weekly Prices {month} {day}", "Price Trends {abbr} {day}"]
_NO_BREAK = frozenset(["U.S", "U.K", "e.g", "i.e", "No", "Co", "Ltd", "Inc", "Corp", "vs", "etc", "Mr",
                       "Ms", "Dr", "St", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
                       "Sept", "Oct", "Nov", "Dec", "approx", "Fig", "Nos", "Art", "Sec", "Gov",
                       "Dept", "Est", "Pty", "S.A", "N.V", "a.m", "p.m"])

# what makes a piece of text fact-bearing (a PERCENT, MONEY, QUANTITY or POLICY would be found)
_NUM = r"\d[\d,]*(?:\.\d+)?"
FACT_CUE = re.compile(
    rf"(?:[¥$€£]|US\$|RMB ?)\s?{_NUM}(?:\s?(?:billion|million))?"
    rf"|{_NUM}\s?(?:%|percent\b)"
    rf"|{_NUM}(?:\s?-\s?{_NUM})?\s?-?(?:tons?|tonnes?|kg|MGOe|GW|MW)\b"
    rf"|{_NUM}\s(?:billion |million )?(?:yuan|RMB)\b"
    r"|\b(?:tariffs?(?! threats)|export controls?|mandate|Act|Announcement No|quotas?|Program"
    r"|proclamation)\b")

_SENT_END = re.compile(r"[.!?](?=\s+[A-Z\"'(\[0-9¥$€])")
_SEMI = re.compile(r";(?=\s*[A-Z])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_PUBLISHED = re.compile(r"(?:Publish Time|Release time|Posted on)\s*:?\s*(\d{4}-\d{2}-\d{2})", re.I)

# --- slots --------------------------------------------------------------------------------------

_M = "|".join(MONTHS)
_A = "|".join(ABBR + ["Sept"])
_DATE_RX = [
    ("mrange", re.compile(rf"\b(?:Jan|January)-({_A}|{_M})\b")),
    ("mdy", re.compile(rf"\b({_M}|{_A})\.? (\d{{1,2}}), ((?:19|20)\d\d)\b")),
    ("my", re.compile(rf"\b({_M}) ((?:19|20)\d\d)\b")),
    ("md", re.compile(rf"\b({_M}|{_A}) (\d{{1,2}})\b(?!,? ?\d)")),
    ("m", re.compile(rf"\b({_M})\b")),
    ("q", re.compile(r"\bQ([1-4])\b")),
    ("qord", re.compile(r"\b(first|second|third|fourth) quarter\b")),
    ("y", re.compile(r"(?<![\d/.,])((?:19|20)\d\d)(?![\d/%])")),
]
_TICKER = re.compile(r"\b\d{6}\.S[ZH]\b")
_MASK = [re.compile(r"No\. ?\d+/\d{4}"), re.compile(r"\bneodymium iron boron\b", re.I),
         re.compile(r"\d+/\d+")]
_ELEMENT_RX = re.compile(r"\b(%s)\b" % "|".join(ELEMENTS), re.I)
_ORG_RX = re.compile(r"\b(%s)\b" % "|".join(re.escape(o) for o in sorted(CORPUS_ORGS, key=len, reverse=True)))
_NUMBER = re.compile(r"(?<![\w./])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w]|\.\d|/\d)")
_AFTER_PCT = re.compile(r"\s?(?:%|percent\b)")
_AFTER_QTY = re.compile(rf"(?:\s?-\s?{_NUM})?\s?-?(?:tons?|tonnes?|kg|MGOe|GW|MW)\b")
_AFTER_MONEY = re.compile(r"\s(?:billion |million )?(?:yuan|RMB)\b")
_BEFORE_MONEY = re.compile(r"(?:[¥$€£]|US\$|RMB ?)\s?$")


@dataclass
class Slot:
    start: int
    end: int
    kind: str          # date | num | mat | org | ticker
    sub: str           # date: mrange/mdy/...; num: pct/money/qty/count; mat/org/ticker: ""
    groups: tuple      # regex groups (date), (int digits, decimals) for numbers, the text otherwise
    key: int = -1      # index of the slot in its section (numbers) / the element or org name


@dataclass
class Sentence:
    text: str
    sep: str           # what followed it on its line ("" at the end of the line)
    slots: list[Slot]
    fact: bool


@dataclass
class Section:
    idx: int
    heading: str
    lines: list[list[Sentence]]
    published: date    # publish date of the corpus article (the anchor of its dates)
    is_price_list: bool
    n_nums: int = 0
    elements: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    num_slots: list[Slot] = field(default_factory=list)


def split_sentences(line: str) -> list[tuple[str, str]]:
    """(sentence, separator after it) pairs, cut like ``rare_earth_ie.facts.component.segments``."""
    cuts = [0]
    for m in _SENT_END.finditer(line):
        w = _WORD_BEFORE.search(line, max(0, m.start() - 12), m.start())
        if w and (w.group(1) in _NO_BREAK or len(w.group(1)) == 1 or
                  re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", w.group(1))):
            continue
        cuts.append(m.end())
    for m in _SEMI.finditer(line):
        cuts.append(m.end())
    cuts = sorted(set(cuts)) + [len(line)]
    out: list[tuple[str, str]] = []
    for a, b in zip(cuts, cuts[1:]):
        seg = line[a:b]
        body = seg.rstrip()
        lead = len(body) - len(body.lstrip())
        if out:
            prev, sep = out[-1]
            out[-1] = (prev, sep + seg[:lead])
        if body.strip():
            out.append((body.strip(), seg[len(body):]))
    if out:
        out[-1] = (out[-1][0], "")
    return out


def find_slots(s: str) -> list[Slot]:
    taken: list[tuple[int, int]] = []
    slots: list[Slot] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def claim(a: int, b: int, kind: str, sub: str, groups: tuple) -> None:
        taken.append((a, b))
        if kind:
            slots.append(Slot(a, b, kind, sub, groups))

    for m in _TICKER.finditer(s):
        claim(m.start(), m.end(), "ticker", "", (m.group(),))
    for rx in _MASK:
        for m in rx.finditer(s):
            if free(m.start(), m.end()):
                claim(m.start(), m.end(), "", "", ())
    for sub, rx in _DATE_RX:
        for m in rx.finditer(s):
            if free(m.start(), m.end()):
                claim(m.start(), m.end(), "date", sub, m.groups())
    for m in _ELEMENT_RX.finditer(s):
        if free(m.start(), m.end()):
            claim(m.start(), m.end(), "mat", "", (m.group(),))
    for m in _ORG_RX.finditer(s):
        if free(m.start(), m.end()):
            claim(m.start(), m.end(), "org", "", (m.group(),))
    prev_num: Optional[Slot] = None
    for m in _NUMBER.finditer(s):
        if not free(m.start(), m.end()):
            continue
        a, b = m.start(), m.end()
        if _AFTER_PCT.match(s, b):
            role = "pct"
        elif _AFTER_QTY.match(s, b):
            role = "qty"
        elif _BEFORE_MONEY.search(s, max(0, a - 6), a) or _AFTER_MONEY.match(s, b) or \
                re.match(r"\s?(?:billion|million)\b", s[b:]) and _BEFORE_MONEY.search(s, max(0, a - 6), a):
            role = "money"
        elif prev_num is not None and s[prev_num.end:a] in ("-", "–") and prev_num.sub != "count":
            role = prev_num.sub          # the second number of a range "580,000-600,000/ton"
        else:
            role = "count"
        digits = m.group(1)
        dec = m.group(2) or ""
        claim(a, b, "num", role, (digits, dec))
        prev_num = slots[-1]
    slots.sort(key=lambda x: x.start)
    return slots


_PRICE_LINE = re.compile(r"^[A-Z][\w -]{2,40}: (?:[¥$€£]|RMB|US\$)")
_META_LINE = re.compile(r"^(?:source|author|origin|views)\s*:", re.I)


def _is_heading(line: str) -> bool:
    if re.match(r"^[IVX]+\. \S", line) and len(line) < 120:
        return True              # "II. International Competition: The Dilemma of ..."
    return 4 <= len(line) < 70 and not FACT_CUE.search(line) and not line.endswith((".", ";")) \
        and not re.search(r"\d{3}", line)


def _is_teaser(line: str) -> bool:
    return len(line) >= 200 and line[-1].isalnum()


def load_sections(corpus: Iterable[str | Path] = (DEFAULT_CORPUS,)) -> list[Section]:
    """Sections with at least one fact-bearing sentence, from the clean (non-teaser) lines of the
    corpus articles; paths are files, folders (their ``*.txt``) or globs."""
    files: list[Path] = []
    for c in corpus:
        p = Path(c)
        if p.is_dir():
            files += sorted(p.glob("*.txt"))
        elif p.exists():
            files.append(p)
        else:
            files += sorted(Path().glob(str(c)))
    sections: list[Section] = []
    seen: set[str] = set()
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            raw = fh.read()
        m = _PUBLISHED.search(raw)
        if not m:
            continue
        pub = date.fromisoformat(m.group(1))
        heading = ""
        lines: list[list[Sentence]] = []
        price_mode = False
        for raw_line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = raw_line.strip()
            if not line or _PUBLISHED.search(line) or _META_LINE.match(line) \
                    or re.search(r"[\u3400-\u9fff]{3}", line) or line.startswith("•") or _is_teaser(line):
                continue
            if _is_heading(line):
                _flush(sections, heading, lines, pub)
                heading, lines, price_mode = line.rstrip(":").strip(), [], False
                continue
            if bool(_PRICE_LINE.match(line)) != price_mode:
                # a price list is a section of its own (it may get a dated heading)
                price_mode = not price_mode
                if lines:
                    _flush(sections, heading, lines, pub)
                    lines = []
                    heading = "Price Trends" if price_mode else heading
            sents = []
            for text, sep in split_sentences(line):
                key = re.sub(r"\W+", "", text.lower())
                fact = bool(FACT_CUE.search(text)) and len(text) >= 25 and key not in seen
                seen.add(key)
                sents.append(Sentence(text, sep, find_slots(text), fact))
            if sents:
                lines.append(sents)
        _flush(sections, heading, lines, pub)
    return sections


def _flush(sections: list[Section], heading: str, lines: list[list[Sentence]], pub: date) -> None:
    if lines and any(s.fact for ln in lines for s in ln):
        sections.append(_section(len(sections), heading or "Market Update", lines[:6], pub))


def _section(idx: int, heading: str, lines: list[list[Sentence]], pub: date) -> Section:
    price = all(_PRICE_LINE.match(s.text) for ln in lines for s in ln)
    sec = Section(idx, heading, lines, pub, price)
    for ln in lines:
        for s in ln:
            for sl in s.slots:
                if sl.kind == "num":
                    sl.key = sec.n_nums
                    sec.n_nums += 1
                    sec.num_slots.append(sl)
                elif sl.kind == "mat" and sl.groups[0].lower() not in sec.elements:
                    sec.elements.append(sl.groups[0].lower())
                elif sl.kind == "org" and sl.groups[0] not in sec.orgs:
                    sec.orgs.append(sl.groups[0])
    return sec


# --- rendering ------------------------------------------------------------------------------------

def add_months(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def _month_index(name: str) -> int:
    n = name.lower()[:3]
    return [a.lower() for a in ABBR].index(n) + 1


def _month_name(m: int, like: str) -> str:
    if like in ABBR and like != "May" or like == "Sept":
        return ABBR[m - 1]
    return MONTHS[m - 1]


def _fmt_num(v: float, decimals: int, commas: bool) -> str:
    s = f"{v:,.{decimals}f}" if commas else f"{v:.{decimals}f}"
    return s


@dataclass
class Spec:
    """One setting of a section's slots."""

    k: int                                   # months between the corpus article and the story
    day_shift: int = 0                       # days taken off every day-of-month (a date sibling)
    nums: dict[int, str] = field(default_factory=dict)
    mats: dict[str, str] = field(default_factory=dict)
    orgs: dict[str, str] = field(default_factory=dict)
    tickers: dict[str, str] = field(default_factory=dict)
    heading_date: Optional[date] = None
    heading_fmt: int = 0

    def copy(self) -> "Spec":
        return Spec(self.k, self.day_shift, dict(self.nums), dict(self.mats), dict(self.orgs),
                    dict(self.tickers), self.heading_date, self.heading_fmt)


def yearless_anchor(s: Sentence, sec: Section, spec: Spec) -> str:
    """The years a sentence's yearless dates (``March``, ``Q3``, ``the first quarter``, ``Jan-Sep``)
    stand for once shifted: the same text told a year apart ("first quarter" in May 2025 and in
    April 2026) is two statements, and a reader resolving dates against the publish date sees it."""
    p = sec.published
    years = []
    for sl in s.slots:
        if sl.kind != "date" or sl.sub not in ("m", "md", "mrange", "q", "qord"):
            continue
        g = sl.groups
        if sl.sub == "q":
            m = (int(g[0]) - 1) * 3 + 1
        elif sl.sub == "qord":
            m = ORDINALS.index(g[0]) * 3 + 1
        else:
            m = _month_index(g[0])
        y = p.year if m <= p.month else p.year - 1      # a past reference of the corpus article
        years.append(str(add_months(y, m, spec.k)[0]))
    return ",".join(years)


def render_sentence(s: Sentence, sec: Section, spec: Spec) -> tuple[str, tuple]:
    """The sentence under ``spec`` and its slot values (for telling siblings apart)."""
    out, pos, values = [], 0, []
    y0 = sec.published.year
    dy = add_months(sec.published.year, sec.published.month, spec.k)[0] - y0
    for sl in s.slots:
        out.append(s.text[pos:sl.start])
        orig = s.text[sl.start:sl.end]
        if sl.kind == "date":
            new = _render_date(sl, orig, spec, dy)
        elif sl.kind == "num":
            new = spec.nums.get(sl.key, orig)
        elif sl.kind == "mat":
            e = spec.mats.get(orig.lower(), orig.lower())
            new = e.capitalize() if orig[0].isupper() else e
        elif sl.kind == "org":
            new = spec.orgs.get(orig, orig)
        else:  # ticker
            new = spec.tickers.get(orig, orig)
        out.append(new)
        values.append((sl.kind, new))
        pos = sl.end
    out.append(s.text[pos:])
    return "".join(out), tuple(values)


def _render_date(sl: Slot, orig: str, spec: Spec, dy: int) -> str:
    g, k = sl.groups, spec.k

    def day(d: str) -> str:
        return str(min(28, max(1, int(d) - spec.day_shift)) if int(d) > 28 or spec.day_shift else int(d))

    if sl.sub == "mrange":
        _, m = add_months(2000, _month_index(g[0]), k)
        head = orig.split("-")[0]
        return f"{head}-{_month_name(m, g[0])}" if m > 1 else MONTHS[0]
    if sl.sub == "mdy":
        y, m = add_months(int(g[2]), _month_index(g[0]), k)
        dot = "." if orig[len(g[0])] == "." else ""
        return f"{_month_name(m, g[0])}{dot} {day(g[1])}, {y}"
    if sl.sub == "my":
        y, m = add_months(int(g[1]), _month_index(g[0]), k)
        return f"{_month_name(m, g[0])} {y}"
    if sl.sub == "md":
        _, m = add_months(2000, _month_index(g[0]), k)
        return f"{_month_name(m, g[0])} {day(g[1])}"
    if sl.sub == "m":
        _, m = add_months(2000, _month_index(g[0]), k)
        return _month_name(m, g[0])
    if sl.sub == "q":
        _, m = add_months(2000, (int(g[0]) - 1) * 3 + 1, k)
        return f"Q{(m - 1) // 3 + 1}"
    if sl.sub == "qord":
        _, m = add_months(2000, (ORDINALS.index(g[0]) * 3) + 1, k)
        return f"{ORDINALS[(m - 1) // 3]} quarter"
    if sl.sub == "y":
        return str(int(g[0]) + dy)
    return orig


def _new_number(sl: Slot, rng: random.Random, factor: float) -> str:
    digits, dec = sl.groups
    v = float(digits.replace(",", "") + ("." + dec if dec else ""))
    if sl.sub == "count":
        return digits + ("." + dec if dec else "")
    if sl.sub == "pct":
        nv = v * rng.uniform(0.4, 1.8)
    else:
        nv = v * factor
    step = 10 ** -len(dec)
    nv = max(step, round(nv, len(dec)))
    commas = "," in digits or nv >= 10000
    return _fmt_num(nv, len(dec), commas)


def _other_number(sl: Slot, rng: random.Random, current: str) -> str:
    for _ in range(20):
        new = _new_number(sl, rng, rng.uniform(0.5, 1.6))
        if new != current:
            return new
    return current


def _org_name(rng: random.Random, at_end: bool) -> str:
    suffixes = [x for x in _ORG_SUFFIX if not (at_end and x.endswith("."))]
    return f"{rng.choice(_ORG_A)}{rng.choice(_ORG_B)} {rng.choice(suffixes)}"


def _ticker(rng: random.Random) -> str:
    head = rng.choice(["300", "600", "688", "002", "603"])
    return f"{head}{rng.randint(0, 999):03d}.{rng.choice(['SZ', 'SH'])}"


def _org_at_end(sec: Section) -> set[str]:
    out = set()
    for ln in sec.lines:
        for s in ln:
            for sl in s.slots:
                if sl.kind == "org" and len(s.text) - sl.end <= 2:
                    out.add(sl.groups[0])
    return out


def fresh_spec(sec: Section, rng: random.Random, k: int, story_date: date,
               dated_headings: float = 0.5) -> Spec:
    spec = Spec(k)
    # figures move in most stories (a few repeat the corpus figures: template siblings that
    # differ only in names or dates)
    factor = rng.uniform(0.55, 1.7) if rng.random() < 0.9 else 1.0
    for sl in sec.num_slots:
        if sl.sub == "pct" and rng.random() < 0.85 or sl.sub in ("money", "qty"):
            spec.nums[sl.key] = _new_number(sl, rng, factor)
    if sec.elements:
        pool = [e for e in ELEMENTS]
        rng.shuffle(pool)
        for e in sec.elements:
            if rng.random() < 0.6:
                spec.mats[e] = pool.pop()
        # keep the mapping injective (no "Cerium-Cerium")
        used: set[str] = set()
        for e in sec.elements:
            t = spec.mats.get(e, e)
            if t in used:
                spec.mats[e] = next(x for x in ELEMENTS if x not in used and x not in sec.elements)
                t = spec.mats[e]
            used.add(t)
    at_end = _org_at_end(sec)
    for o in sec.orgs:
        if rng.random() < 0.85:
            spec.orgs[o] = _org_name(rng, o in at_end)
    for ln in sec.lines:
        for s in ln:
            for sl in s.slots:
                if sl.kind == "ticker":
                    spec.tickers[sl.groups[0]] = _ticker(rng)
    if sec.is_price_list and rng.random() < dated_headings:
        spec.heading_date = story_date - timedelta(days=rng.randint(0, 3))
        spec.heading_fmt = rng.randrange(len(_DATED_HEADINGS))
    return spec


def sibling_spec(sec: Section, parent: Spec, rng: random.Random) -> tuple[Spec, str]:
    """The parent's setting with exactly one thing changed; returns (spec, what changed)."""
    spec = parent.copy()
    options = []
    if any(sl.sub in ("pct", "money", "qty") for sl in sec.num_slots):
        options += ["number"] * 3
    if sec.elements:
        options += ["material"] * 2
    if sec.orgs:
        options += ["org"] * 2
    dated = [sl for ln in sec.lines for s in ln for sl in s.slots if sl.kind == "date"]
    if any(sl.sub in ("mdy", "md") for sl in dated):
        options.append("day")
    if any(sl.sub in ("mdy", "md", "my", "m", "mrange", "q", "qord") for sl in dated):
        options.append("month")
    if parent.heading_date is not None:
        options += ["heading_date"] * 2
    if not options:
        return spec, "none"
    what = rng.choice(options)
    if what == "number":
        sl = rng.choice([x for x in sec.num_slots if x.sub in ("pct", "money", "qty")])
        cur = spec.nums.get(sl.key, "".join(sl.groups[0]) + ("." + sl.groups[1] if sl.groups[1] else ""))
        spec.nums[sl.key] = _other_number(sl, rng, cur)
    elif what == "material":
        e = rng.choice(sec.elements)
        used = {spec.mats.get(x, x) for x in sec.elements}
        spec.mats[e] = rng.choice([x for x in ELEMENTS if x not in used])
    elif what == "org":
        o = rng.choice(sec.orgs)
        spec.orgs[o] = _org_name(rng, o in _org_at_end(sec))
    elif what == "day":
        spec.day_shift = parent.day_shift + rng.randint(1, 6)
    elif what == "month":
        spec.k = parent.k - rng.randint(1, 2)
    elif what == "heading_date":
        spec.heading_date = parent.heading_date - timedelta(days=7)
        # a week apart most lines are unchanged; some move
        for sl in sec.num_slots:
            if rng.random() < 0.3:
                cur = spec.nums.get(sl.key, sl.groups[0])
                spec.nums[sl.key] = _other_number(sl, rng, cur)
    return spec, what


# --- stories and copies ---------------------------------------------------------------------------

@dataclass
class Story:
    sid_lines: list[list[tuple[str, str, int]]]   # per line: (sentence text, sep, statement id or -1)
    heading: str
    section: int
    born: date
    copies_left: int
    spec: Spec
    #: per statement id: (text, heading date, meta, anchor, dated?) to name it again on another page
    keys: dict = field(default_factory=dict)


#: copies cut before their statement's end (a teaser's piece), and whole teasers (placed in a
#: page's block of related stories, or marked by a tail): both keep their source's identity
CUT_KINDS = ("cut", "spaceless_cut", "cut_number", "suffix_cut")
TEASER_KINDS = ("glued", "glued_first", "recased", "repunct", "spaceless", "suffix")
#: labels of a page's block of related stories
MARKERS = ["Related:", "Read more", "See also", "More news", "Recommended", "Related articles",
           "推荐阅读 Recommended"]

_FOLD = re.compile(r"[^\w%$\u00a2-\u00a5\u20a0-\u20cf]+|_+", re.UNICODE)
_TAIL = re.compile(r"(?:\s*(?:\.\.\.|…|Read more|»))+\s*$", re.I)


def fold(text: str) -> str:
    """Case, punctuation and spaces folded away, currency signs and % kept, a teaser's tail
    dropped (as ``rare_earth_ie.facts.normalise_text``)."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", _TAIL.sub("", text)).lower())


class Truth:
    """Statement registry and the spans seen of each statement.

    A copy is *ambiguous* when its text cannot tell which statement it copies: a teaser cut
    before the point where two statements differ (its folded text begins another statement
    too), or a copy that lost the dated heading of a price line whose text recurs under another
    date. No deduplicator can attribute those; spans carry ``"ambiguous": true`` and scores are
    given with and without them.
    """

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], int] = {}
        self.statements: list[dict] = []
        self.spans: list[list[tuple[str, int, int, str]]] = []
        # (sid, span index, folded piece, prefix?) for the copies that may be ambiguous
        self.checks: list[tuple[int, int, str, bool]] = []

    def sid(self, text: str, heading_date: Optional[date], meta: dict, anchor: str = "", page: str = "") -> int:
        """The statement of ``text`` under its dated heading (if any), with the years of its
        yearless dates (``anchor``) and, for a statement dated only by the page it stands on,
        that page's month (``page``, ``YYYY-MM``): the same words in the reports of two months
        are two statements."""
        key = (text, heading_date.isoformat() if heading_date else "", anchor, page)
        sid = self.index.get(key)
        if sid is None:
            sid = self.index[key] = len(self.statements)
            self.statements.append({"sid": sid, "text": text, "heading_date": key[1] or None,
                                    **meta, "page": page or None})
            self.spans.append([])
        return sid

    def add_span(self, sid: int, doc_id: str, a: int, b: int, kind: str, piece: str) -> None:
        sp = self.spans[sid]
        if kind in CUT_KINDS:
            self.checks.append((sid, len(sp), fold(piece), True))
        elif kind in TEASER_KINDS:
            # a whole teaser of a statement dated by its page: the same words of another month
            # are another statement, and the teaser cannot tell which
            self.checks.append((sid, len(sp), fold(piece), False))
        elif kind not in ("full", "repeat") or not self.statements[sid]["heading_date"]:
            # a price line whose text recurs under another dated heading (or none): a copy that
            # does not carry its own heading cannot tell which one it is
            if self.statements[sid]["template"] and self.statements[sid].get("price"):
                self.checks.append((sid, len(sp), fold(piece), False))
        sp.append((doc_id, a, b, kind))

    def ambiguous(self) -> set[tuple[int, int]]:
        from bisect import bisect_left

        folded = sorted((fold(st["text"]), st["sid"]) for st, sp in zip(self.statements, self.spans) if sp)
        keys = [f for f, _ in folded]
        out = set()
        for sid, i, piece, prefix in self.checks:
            j = bisect_left(keys, piece)
            while j < len(keys) and keys[j].startswith(piece) and (prefix or keys[j] == piece):
                if folded[j][1] != sid:
                    out.add((sid, i))
                    break
                j += 1
        return out

    def clusters_json(self) -> dict:
        amb = self.ambiguous()
        clusters, statements = [], []
        for st, sp in zip(self.statements, self.spans):
            if sp:
                sid = st["sid"]
                clusters.append([{"doc_id": d, "start": a, "end": b, "kind": k,
                                  **({"ambiguous": True} if (sid, i) in amb else {})}
                                 for i, (d, a, b, k) in enumerate(sp)])
                statements.append(st)
        return {"clusters": clusters, "statements": statements}


class Generator:
    """Streams ``(article, spans)``; see the module docstring."""

    WINDOW_DAYS = 45
    TIMELINE_DAYS = 300

    def __init__(self, n_mentions: int, seed: int = 0, corpus: Iterable[str | Path] = (DEFAULT_CORPUS,),
                 start: date = date(2025, 6, 1), sibling_rate: float = 0.35,
                 dated_headings: float = 0.5, sections: Optional[list[Section]] = None,
                 record_truth: bool = True):
        self.n = n_mentions
        self.rng = random.Random(seed)
        self.sections = sections if sections is not None else load_sections(corpus)
        if not self.sections:
            raise ValueError("no fact-bearing sections found in the corpus")
        self.start = start
        self.sibling_rate = sibling_rate
        self.dated_headings = dated_headings
        self.record_truth = record_truth   # False: spans are yielded but not kept (less memory)
        self.truth = Truth()
        self.alive: list[Story] = []
        self.n_spans = 0
        self.n_articles = 0
        # ~12 truth spans an article (measured); dates spread over the timeline
        self.per_day = max(1.0, n_mentions / 12 / self.TIMELINE_DAYS)

    # -- stories --
    def _story(self, d: date) -> Story:
        rng = self.rng
        parent = None
        if self.alive and rng.random() < self.sibling_rate:
            for _ in range(8):
                cand = self.alive[rng.randrange(len(self.alive))]
                if (d - cand.born).days <= 30:
                    parent = cand
                    break
        if parent is not None:
            sec = self.sections[parent.section]
            spec, what = sibling_spec(sec, parent.spec, rng)
            return self._render(sec, spec, d, parent=parent, what=what)
        sec = rng.choice(self.sections)
        p = sec.published
        # the story is told k months after its corpus article, on the same day of the month,
        # no later than today: every date of the text keeps its relation to the publish date
        k = (d.year - p.year) * 12 + d.month - p.month - (1 if d.day < min(p.day, 28) else 0)
        return self._render(sec, fresh_spec(sec, rng, k, d, self.dated_headings), d)

    def _render(self, sec: Section, spec: Spec, d: date, parent: Optional[Story] = None,
                what: str = "") -> Story:
        lines = []
        keys = {}
        for li, ln in enumerate(sec.lines):
            row = []
            for si, s in enumerate(ln):
                text, values = render_sentence(s, sec, spec)
                sid = -1
                if s.fact and FACT_CUE.search(text):
                    hd = spec.heading_date if sec.is_price_list else None
                    dated = hd is not None or any(sl.kind == "date" for sl in s.slots)
                    meta = {"template": [sec.idx, li, si], "price": sec.is_price_list,
                            "slots": [list(v) for v in values],
                            "published": d.isoformat(), "sibling": what or None}
                    anchor = yearless_anchor(s, sec, spec)
                    sid = self.truth.sid(text, hd, meta, anchor, "" if dated else d.strftime("%Y-%m"))
                    keys[sid] = (text, hd, meta, anchor, dated)
                row.append((text, s.sep, sid))
            lines.append(row)
        if spec.heading_date is not None:
            hd = spec.heading_date
            heading = _DATED_HEADINGS[spec.heading_fmt].format(
                abbr=ABBR[hd.month - 1], month=MONTHS[hd.month - 1], day=hd.day)
        else:
            heading = sec.heading
        r = self.rng.random()
        copies = 0 if r < 0.25 else 1 if r < 0.5 else 2 if r < 0.7 else 3 if r < 0.82 else \
            4 if r < 0.9 else self.rng.randint(5, 10)
        return Story(lines, heading, sec.idx, d, copies, spec, keys)

    # -- copies --
    @staticmethod
    def _full(st: Story) -> tuple[str, list[tuple[int, int, int, str]]]:
        parts, spans, pos = [st.heading, "\n"], [], len(st.heading) + 1
        for li, row in enumerate(st.sid_lines):
            if li:
                parts.append("\n")
                pos += 1
            for text, sep, sid in row:
                if sid >= 0:
                    spans.append((sid, pos, pos + len(text), "full"))
                parts.append(text + sep)
                pos += len(text) + len(sep)
        return "".join(parts), spans

    def _glued(self, st: Story, cut: bool) -> tuple[str, list[tuple[int, int, int, str]]]:
        parts, spans, pos = [st.heading], [], len(st.heading)
        first = True
        for row in st.sid_lines:
            for text, sep, sid in row:
                if sid >= 0:
                    spans.append((sid, pos, pos + len(text), "glued_first" if first else "glued"))
                first = False
                parts.append(text + sep)
                pos += len(text) + len(sep)
        text = "".join(parts)
        return self._cut(text, spans, "cut") if cut else (text, spans)

    def _spaceless(self, st: Story, cut: bool) -> tuple[str, list[tuple[int, int, int, str]]]:
        bullet = "∗" if self.rng.random() < 0.5 else ""
        parts, spans, pos = [bullet], [], len(bullet)
        for row in st.sid_lines:
            for text, _sep, sid in row:
                t = re.sub(r"\s+", "", text)
                if sid >= 0:
                    spans.append((sid, pos, pos + len(t), "spaceless"))
                parts.append(t)
                pos += len(t)
        text = "".join(parts)
        return self._cut(text, spans, "spaceless_cut") if cut else (text, spans)

    def _cut(self, text: str, spans, kind: str, in_number: bool = False):
        if len(text) < 170:
            return text, spans
        L = min(len(text) - 1, self.rng.randint(150, 300))
        nums = [m for m in re.finditer(r"\d[\d,.]*\d", text) if 120 <= m.start() and m.end() < len(text)]
        if in_number and nums:
            # inside a number of a fact-bearing copy, between two digits ("$61.2" of "$61.20/kg")
            m = self.rng.choice(nums)
            L = self.rng.choice([i for i in range(m.start() + 1, m.end()) if text[i - 1].isdigit()])
        else:
            kind = "cut" if kind == "cut_number" else kind
            for d in (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
                c = L + d
                if 0 < c < len(text) and text[c - 1].isalnum() and text[c].isalnum():
                    L = c
                    break
        out = []
        for sid, a, b, k in spans:
            if b <= L:
                out.append((sid, a, b, k))
            elif a < L:
                piece = text[a:L]
                if any(m.end() < len(piece) for m in FACT_CUE.finditer(piece)):
                    out.append((sid, a, L, kind))
        return text[:L], out

    def _recased(self, st: Story, how: str) -> tuple[str, list[tuple[int, int, int, str]]]:
        """A copy re-cased ("upper") or re-punctuated ("punct": commas dropped, dashes and
        quotes changed, a space before %, brackets dropped), its heading glued on; one line."""
        parts, spans, pos = [st.heading], [], len(st.heading)
        for row in st.sid_lines:
            for text, sep, sid in row:
                if how == "upper":
                    t = text.upper()
                else:
                    t = (text.replace(",", "").replace("-", "–").replace("%", " %").replace('"', "'")
                         .replace("(", "").replace(")", ""))
                if sid >= 0:
                    spans.append((sid, pos, pos + len(t), "recased" if how == "upper" else "repunct"))
                parts.append(t + (sep if sep.strip() else " "))
                pos += len(t) + (len(sep) if sep.strip() else 1)
        return "".join(parts).rstrip(), spans

    def _copy(self, st: Story, page: date) -> tuple[str, list, str]:
        """A copy of a story on a later page, and what it is: "body" (a whole repeat in the page's
        own text: the page's statement, the same words dated by another month being another
        statement), "whole" (a whole teaser: in a block of related stories it keeps its source's
        identity, in the page's own text it is the page's) or "teaser" (cut, or with a teaser's
        tail: its source's wherever it stands)."""
        r = self.rng.random()
        if r < 0.12:
            text, spans = self._full(st)
            return text, [(s, a, b, "repeat") for s, a, b, _ in spans], "body"
        if r < 0.20:
            return (*self._glued(st, cut=False), "whole")
        if r < 0.25:
            return (*self._recased(st, "upper"), "whole")
        if r < 0.30:
            return (*self._recased(st, "punct"), "whole")
        if r < 0.58:
            return self._cut_copy(*self._glued(st, cut=False), "cut")
        if r < 0.66:
            return self._cut_copy(*self._glued(st, cut=False), "cut_number")
        if r < 0.74:
            text, spans = self._glued(st, cut=False)
            if self.rng.random() < 0.7:
                text, spans, _ = self._cut_copy(text, spans, "cut")
            tail = self.rng.choice(["...", "…", " Read more", "... Read more »"])
            spans = [(s, a, b, ("suffix_cut" if k == "cut" else "suffix") if b == len(text) else k)
                     for s, a, b, k in spans]
            return text + tail, spans, "teaser"
        if self.rng.random() < 0.6:
            return self._cut_copy(*self._spaceless(st, cut=False), "spaceless_cut")
        return (*self._spaceless(st, cut=False), "whole")

    def _cut_copy(self, text: str, spans: list, kind: str) -> tuple[str, list, str]:
        """The copy cut (a teaser), or whole when too short to cut."""
        cut, out = self._cut(text, spans, kind, in_number=kind == "cut_number")
        return cut, out, "teaser" if len(cut) < len(text) else "whole"

    def _rekey(self, st: Story, spans: list, page: date) -> list:
        """Whole copies standing in a page's own text: each states the page's statement (the
        same as the story's when dated by its text or heading, or told the same month)."""
        out = []
        for sid, a, b, k in spans:
            text, hd, meta, anchor, dated = st.keys[sid]
            new = self.truth.sid(text, hd, {**meta, "published": page.isoformat()}, anchor,
                                 "" if dated else page.strftime("%Y-%m"))
            out.append((new, a, b, k if k == "repeat" else "body_" + k))
        return out

    # -- articles --
    def __iter__(self) -> Iterator[tuple[dict, list[dict]]]:
        rng = self.rng
        day = None
        while self.n_spans < self.n:
            i = self.n_articles
            d = self.start + timedelta(days=min(self.TIMELINE_DAYS + 30, int(i / self.per_day)))
            if d != day:   # once a day: forget the stories that are too old or fully copied
                day = d
                self.alive = [s for s in self.alive
                              if (d - s.born).days <= self.WINDOW_DAYS and s.copies_left > 0]
            parts: list[tuple[str, list]] = []
            header = rng.choice(_HEADERS).format(views=rng.randint(0, 400), iso=d.isoformat())
            parts.append((header, []))
            births = [self._story(d) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
            for st in births:
                parts.append(self._full(st))
            picked: list[Story] = []
            want = rng.randint(2, 7)
            for _ in range(3 * want):
                if len(picked) == want or not self.alive:
                    break
                st = self.alive[rng.randrange(len(self.alive))]
                if st.copies_left > 0 and all(st is not x for x in picked):
                    picked.append(st)
            block: list[tuple[str, list]] = []
            marker = rng.random() < 0.85     # else the whole copies stand in the page's own text
            for st in picked:
                st.copies_left -= 1
                for _ in range(2 if rng.random() < 0.03 else 1):   # the same paragraph twice on one page
                    text, sp, what = self._copy(st, d)
                    if what == "teaser" or what == "whole" and marker:
                        block.append((text, sp))
                    else:
                        parts.append((text, self._rekey(st, sp, d)))
            if block:
                if marker:
                    parts.append((rng.choice(MARKERS), []))
                parts.extend(block)
            self.alive.extend(births)
            doc_id = f"a{i:07d}"
            text_parts, spans, pos = [], [], 0
            for text, sp in parts:
                for sid, a, b, k in sp:
                    spans.append({"doc_id": doc_id, "start": pos + a, "end": pos + b, "sid": sid, "kind": k})
                    if self.record_truth:
                        self.truth.add_span(sid, doc_id, pos + a, pos + b, k, text[a:b])
                text_parts.append(text)
                pos += len(text) + 1
            text = "\n".join(text_parts) + "\n"
            self.n_spans += len(spans)
            self.n_articles += 1
            yield {"id": doc_id, "text": text, "published": d.isoformat()}, spans


def iter_dump(n_mentions: int, seed: int = 0, **kw) -> Iterator[tuple[dict, list[dict]]]:
    """Articles with their truth spans (``{"doc_id", "start", "end", "sid", "kind"}``), streamed."""
    return iter(Generator(n_mentions, seed, **kw))


def generate(n_mentions: int, seed: int = 0, **kw) -> tuple[list[dict], dict]:
    """All articles in memory and the truth (``clusters.json`` format plus ``statements``)."""
    g = Generator(n_mentions, seed, **kw)
    articles = [a for a, _ in g]
    return articles, g.truth.clusters_json()


def write_dump(dump_path: str | Path, truth_path: Optional[str | Path], n_mentions: int, seed: int = 0,
               keep_truth: bool = True, **kw) -> dict:
    """Stream the articles to a JSONL file (``.gz`` compresses) and write the truth; returns stats
    (and the truth itself under ``"truth"``). With ``keep_truth=False`` and no ``truth_path`` the
    spans are not kept at all (for benchmarks that only need the pages)."""
    import gzip

    g = Generator(n_mentions, seed, record_truth=keep_truth or truth_path is not None, **kw)
    dump_path = Path(dump_path)
    opener = gzip.open if dump_path.suffix == ".gz" else open
    chars = 0
    with opener(dump_path, "wt", encoding="utf-8", newline="\n") as out:
        for art, _ in g:
            chars += len(art["text"])
            out.write(json.dumps(art, ensure_ascii=False) + "\n")
    truth = g.truth.clusters_json()
    if truth_path is not None:
        with open(truth_path, "w", encoding="utf-8") as fh:
            json.dump(truth, fh, ensure_ascii=False)
    if not g.record_truth:
        return {"articles": g.n_articles, "chars": chars, "spans": g.n_spans, "sections": len(g.sections)}
    kinds: dict[str, int] = {}
    amb = 0
    for c in truth["clusters"]:
        for sp in c:
            kinds[sp["kind"]] = kinds.get(sp["kind"], 0) + 1
            amb += bool(sp.get("ambiguous"))
    return {"articles": g.n_articles, "chars": chars, "spans": g.n_spans, "ambiguous_spans": amb,
            "statements": len(truth["clusters"]), "sections": len(g.sections), "span_kinds": kinds,
            "truth": truth}


def read_dump(path: str | Path) -> Iterator[dict]:
    import gzip

    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# --- library facts straight from the truth (no extraction) ----------------------------------------

def truth_facts(dump_path: str | Path, truth: dict, n_process: int = 1, batch_size: int = 256) -> Iterator:
    """``rare_earth_ie.models.Fact`` objects for every truth span, without running extraction on
    the dump: each distinct statement is extracted once (``extract_many``) and its entities are
    reused for every copy, shifted to the copy's offsets, cut for a truncated copy (a number cut
    in the middle keeps its leading digits, as the extractor reads it), and mapped through the
    lost spaces of a spaceless copy. The period is the first DATE the copy kept, else the dated
    heading of a price list, else the publish month. Yields facts in dump order."""
    from rare_earth_ie import extract_many
    from rare_earth_ie.facts import make_fact_id
    from rare_earth_ie.models import Entity, Fact

    stmts = truth["statements"]
    by_sid = {st["sid"]: st for st in stmts}
    info: dict[int, tuple] = {}
    items = ({"doc_id": str(st["sid"]), "text": st["text"], "published": st["published"]} for st in stmts)
    for r in extract_many(items, batch_size=batch_size, n_process=n_process):
        f0 = r.facts[0] if r.facts else None
        info[int(r.doc_id)] = (r.entities, f0.subject if f0 else None, f0.metric if f0 else None)
    spans_by_doc: dict[str, list] = {}
    for c, st in zip(truth["clusters"], stmts):
        for sp in c:
            spans_by_doc.setdefault(sp["doc_id"], []).append((sp["start"], sp["end"], sp["kind"], st["sid"]))
    numeric = ("PERCENT", "MONEY", "QUANTITY")
    for art in read_dump(dump_path):
        doc_id, raw, pub = art["id"], art["text"], art.get("published")
        for start, end, kind, sid in sorted(spans_by_doc.get(doc_id, ())):
            st = by_sid[sid]
            ents, subject, metric = info[sid]
            full = st["text"]
            spaceless = kind.startswith("spaceless")
            if spaceless:
                # offset in the statement -> offset once its whitespace is gone
                gone = [0] * (len(full) + 1)
                n = 0
                for i, ch in enumerate(full):
                    gone[i] = n
                    if ch.isspace():
                        n += 1
                gone[len(full)] = n
            text = raw[start:end]
            L = len(text)
            out = []
            for e in ents:
                a, b, etext = e.start, e.end, e.text
                if spaceless:
                    a, b, etext = a - gone[a], b - gone[b], re.sub(r"\s+", "", etext)
                if b <= L:
                    out.append(Entity.model_construct(label=e.label, text=etext, start=start + a,
                                                      end=start + b, value=e.value))
                elif a < L and e.label in numeric:
                    part = text[a:L]
                    digits = re.findall(r"\d[\d,]*(?:\.\d+)?", part)
                    if digits:
                        v = float(digits[0].replace(",", "").rstrip("."))
                        field_ = "amount" if e.label == "MONEY" else "value"
                        out.append(Entity.model_construct(label=e.label, text=part, start=start + a,
                                                          end=start + L, value={field_: v}))
            dates = [e for e in out if e.label == "DATE"]
            if dates:
                period, source = dates[0].value, "text"
            elif st.get("heading_date") and not kind.startswith("spaceless"):
                hd = st["heading_date"]
                period, source = {"start": hd, "end": hd, "grain": "day"}, "heading"
            elif pub:
                d = date.fromisoformat(pub)
                nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
                period = {"start": d.replace(day=1).isoformat(),
                          "end": (nxt - timedelta(days=1)).isoformat(), "grain": "month"}
                source = "published"
            else:
                period, source = None, None
            # what the extractor tells from the page: a teaser (cut, with a tail, or in a block of
            # related stories) and a copy cut before its end
            teaser = kind in TEASER_KINDS or kind in CUT_KINDS
            yield Fact.model_construct(fact_id=make_fact_id(text, period, source, teaser), doc_id=doc_id,
                                       text=text, start=start, end=end, entities=out, subject=subject,
                                       metric=metric, period=period, period_source=source, teaser=teaser,
                                       truncated=kind in CUT_KINDS)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="example: python benchmarks/gen_dump.py --mentions 10000 "
                                        "-o dump.jsonl --truth truth.json")
    ap.add_argument("--mentions", type=int, default=10000,
                    help="target number of fact mentions (truth spans)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", required=True, help="JSONL dump to write (.jsonl or .jsonl.gz)")
    ap.add_argument("--truth", help="where to write the truth (clusters.json format + statements)")
    ap.add_argument("--corpus", nargs="*", default=[str(DEFAULT_CORPUS)],
                    help="corpus files, folders or globs (default: corpus/)")
    ap.add_argument("--sibling-rate", type=float, default=0.35,
                    help="share of stories that are one-change siblings of a recent story")
    ap.add_argument("--dated-headings", type=float, default=0.5,
                    help="share of price-list stories under a dated heading (Price Report Sep 12)")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    stats = write_dump(a.output, a.truth, a.mentions, a.seed, corpus=a.corpus, sibling_rate=a.sibling_rate,
                       dated_headings=a.dated_headings)
    stats.pop("truth")
    stats["seconds"] = round(time.perf_counter() - t, 2)
    print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
