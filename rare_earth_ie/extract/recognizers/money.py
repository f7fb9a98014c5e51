"""MONEY: amounts and prices with currency, scale, per-unit tail and ranges.

``¥1,510,000/ton`` -> 1510000 CNY per t; ``RMB 580,000-600,000/ton`` -> a range (never its
midpoint); ``150 billion RMB``; ``A$1.2bn``; ``₹750 crore``; ``900 million to 960 million yuan``;
``809 US cents per lb`` -> 8.09 USD per lb; ``awarding 38 million`` (a money verb, no currency).
Currency signs, codes and names come from ``patterns/currencies.jsonl`` (built from CLDR by
``tools/build_currencies.py``). ``¥`` is CNY unless the sentence or the article is about Japan;
a bare ``$`` follows the issuer's country where the article settles it (:meth:`refine`).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ..numbers import (NUM, RANGE_SEP, clean_float, parse_number, parse_spelled, scale_of, scale_regex,
                       spelled_regex)
from ...patterns import alternation, load_json, load_jsonl, trie_alternation
from .base import Ent, Recognizer, context, doc_text, match_at_numbers, one_words, sentence_window
from .units import normalise_unit, unit_alternation

_JAPAN = re.compile(r"\b(?:yen|JPY|Japan(?:ese)?|Tokyo)\b")
_YEN_WORD = re.compile(r"\b(?:yen|JPY)\b")
_YUAN_WORD = re.compile(r"\b(?:yuan|RMB|CNY|renminbi)\b|CN¥")
# a month name just before a number: that number is a day ("on Jan. 12 to 152,100 yuan")
_MONTH_BEFORE = re.compile(r"(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s?)$")
# words of a per-unit tail that sit between "per" and the unit ("per metric ton", "per common share")
_PER_ADJ = r"(?:(?:metric|short|long|dry|wet|common|ordinary|troy)\s)?"
_PER_OTHER = r"unit|share|piece|vehicle|set|car|tonne\s?unit"
# "a dollar", "a gallon of": the article as the number one, only before "of" or a clause's end
_DIGITS = re.compile(r"\d+")
_ONE_END = re.compile(r"\s{1,3}of\b|\s{0,3}(?:[.,;:!?)]|$)")


@lru_cache(maxsize=4)
def _tables(patterns_dir: str | None = None):
    """Sign or word -> (ISO code, factor): prefixes, suffixes, weak suffixes (English words as
    well: ``won``), smaller units (``US cents`` -> USD x 0.01)."""
    prefixes: dict[str, str] = {}
    suffixes: dict[str, tuple[str, float]] = {}
    weak: set[str] = set()
    for row in load_jsonl("currencies.jsonl", patterns_dir):
        for p in row["prefixes"]:
            prefixes.setdefault(p, row["code"])
        for s in row["suffixes"] + row.get("weak_suffixes", []):
            suffixes.setdefault(s, (row["code"], 1.0))
            suffixes.setdefault(s.lower(), (row["code"], 1.0))
        for s in row.get("weak_suffixes", []):
            weak.update((s, s.lower()))
        for s, worth in row.get("minor", {}).items():
            suffixes.setdefault(s, (row["code"], float(worth)))
    return prefixes, suffixes, frozenset(weak)


class _Lazy:
    """A value made on first use."""

    __slots__ = ("make", "value")

    def __init__(self, make):
        self.make, self.value = make, None

    def get(self):
        if self.value is None:
            self.value = self.make()
        return self.value


# where a "between ... and ..." range may stand at all
_BETWEEN = re.compile(r"(?i:etween)")


@lru_cache(maxsize=4)
def _regexes(patterns_dir: str | None = None):
    prefixes, suffixes, _ = _tables(patterns_dir)
    scale = scale_regex(patterns_dir)
    # letter prefixes (RMB, USD, A$) must not continue a word; bare signs ($, ¥) may follow anything
    words = [p for p in prefixes if p[0].isalpha()]
    signs = [p for p in prefixes if not p[0].isalpha()]
    # the prefixed form is tried only where a known prefix stands before a number (see
    # MoneyRecognizer._prefixed): the alternation of hundreds of codes is never scanned for
    pfx = r"(?P<pfx>(?<![A-Za-z])(?:%s)|(?:%s))" % (alternation(words), alternation(signs))
    sfx = r"(?P<sfx>%s)(?![A-Za-z])" % trie_alternation(suffixes)
    units = unit_alternation(patterns_dir)
    per = (rf"(?:\s?(?:/|per\s|a\s|an\s)\s?{_PER_ADJ}(?P<per>{units}|{_PER_OTHER})(?![a-z]))?")
    num = rf"(?<![\d.,])(?P<num>{NUM})"

    def forms(conn: str, lead: str = "") -> tuple[re.Pattern, re.Pattern]:
        rng = rf"(?:(?P<conn>{conn})(?:(?P=pfx)\s?)?(?P<num2>{NUM})(?P<scale2>{scale})?)?"
        prefixed = re.compile(rf"{lead}{pfx}\s?(?P<neg>[-−])?{num}(?P<scale>{scale})?{rng}(?:\s{sfx})?{per}")
        # suffix form: "26,205 yuan/ton", "150 billion RMB", "900 million to 960 million yuan"
        rng2 = rf"(?:(?P<conn>{conn})(?P<num2>{NUM})(?P<scale2>{scale})?)?"
        suffixed = re.compile(rf"{lead}{num}(?P<scale>{scale})?{rng2}\s?{sfx}{per}")
        return prefixed, suffixed

    prefixed, suffixed = forms(RANGE_SEP)
    # "between $5 million and $6 million": "and" joins a range only after "between" (left
    # outside the span); both ends are required there. Compiled on first use (a tenth of a
    # second, and most texts have no "between")
    between = _Lazy(lambda: forms(r"\s+and\s+", r"[Bb](?<![A-Za-z][Bb])(?i:etween)\s+(?=\S+(?:\s\S+)?\s+and\s)"))
    # "five million yen", "ten dollars": a spelled number before a scale and a currency word
    spelled_tail = re.compile(rf"(?P<scale>{scale})?\s{sfx}{per}")
    verbs = load_json("numbers.json", patterns_dir)["money_verbs"]
    # "awarding 38 million": the amount is found first (a digit starts the pattern, so the engine
    # skips between digits), then the money verb is checked just before it
    bare = re.compile(rf"(?<![\d.,$¥€£])(?P<num>{NUM})(?P<scale>\s?(?:thousand|million|billion|trillion|mn|bn)\b)")
    verb_before = re.compile(
        r"(?i:\b(?:%s))\s+(?:(?:about|nearly|over|some|around|up to|more than|a total of)\s+)?$"
        % alternation(verbs))
    # a tail after a bracketed conversion: "CNY 4,400 ($718.98) per kilogram"
    bracket_per = re.compile(rf"\s?\)\s?(?:/|per\s|a\s|an\s)\s?{_PER_ADJ}(?P<per>{units})(?![a-z])")
    return prefixed, suffixed, between, spelled_tail, bare, verb_before, bracket_per


@lru_cache(maxsize=4)
def _dollar_countries(patterns_dir: str | None = None):
    """What settles which dollar a bare ``$`` is: exchanges and reporting-currency phrases."""
    d = load_json("numbers.json", patterns_dir)["dollar_countries"]
    exchanges = {}
    for code, row in d.items():
        if code.startswith("_"):
            continue
        for ex in row["exchanges"]:
            exchanges[ex.upper()] = code
    # the lookahead of the verbs' first letters lets the engine pass most positions at once
    reports = re.compile(r"(?=(?i:[adefrs]))(?i:(?:report(?:s|ed|ing)?|expressed|stated|denominated|figures?|amounts?)"
                         r"(?:\s+(?:are|is|were))?\s+in\s+(?P<cur>%s))"
                         % alternation(w for row in d.values() if isinstance(row, dict)
                                       for w in row["reporting_words"]))
    by_word = {w.lower(): code for code, row in d.items() if isinstance(row, dict)
               for w in row["reporting_words"]}
    currency = {code: row["currency"] for code, row in d.items() if isinstance(row, dict)}
    return exchanges, reports, by_word, currency


class MoneyRecognizer(Recognizer):
    label = "MONEY"

    def __init__(self, patterns_dir: str | None = None):
        self.patterns_dir = patterns_dir
        self.prefixes, self.suffixes, self.weak = _tables(patterns_dir)
        self.longest_prefix = max(map(len, self.prefixes))
        self.prefix_ends = frozenset(p[-1] for p in self.prefixes)
        # the lower-case currency words ("dollar", "penny") that may follow "a" or "one"
        self.one_words = frozenset(w.split()[0] for w in self.suffixes if w[:1].islower() and w not in self.weak)
        (self.prefixed, self.suffixed, self.between, self.spelled_tail, self.bare, self.verb_before,
         self.bracket_per) = _regexes(patterns_dir)

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        out: list[Ent] = []
        for m in self._prefixed(text):
            e = self._ent(text, m, 2)
            if e:
                out.append(e)
        ctx = context(text)
        between = self.between.get() if _BETWEEN.search(text) else ()
        for found, prio in ((match_at_numbers(self.suffixed, ctx), 1), *((rx.finditer(text), 3) for rx in between)):
            for m in found:
                e = self._ent(text, m, prio)
                if e:
                    out.append(e)
        out.extend(self._spelled(text))
        for m in match_at_numbers(self.bare, ctx):
            if not self.verb_before.search(text, max(0, m.start() - 40), m.start()):
                continue
            amount = parse_number(m.group("num"))
            if amount is not None:
                val = {"amount": clean_float(amount * scale_of(m.group("scale"), self.patterns_dir)),
                       "amount_max": None, "currency": None, "per": None}
                out.append(Ent(self.label, m.start("num"), m.end("scale"), val, priority=0))
        self._bracketed_per(text, out)
        return out

    def _prefixed(self, text: str):
        """Matches of the prefixed form, tried where a currency prefix stands right before a
        number (a space or a minus between them allowed): the longest known prefix ending there."""
        longest = self.longest_prefix
        last_end = -1
        for run in _DIGITS.finditer(text):
            i = run.start()
            if i < last_end or (i and text[i - 1] in ".,"  and i > 1 and text[i - 2].isdigit()):
                continue  # inside a number, or inside the money just found
            j = i - 1 if i and text[i - 1] == "." else i  # ".5 million"
            if j and text[j - 1] in "-−":
                j -= 1
            if j and text[j - 1] in " \u00a0":
                j -= 1
            if not j or text[j - 1] not in self.prefix_ends:
                continue
            for n in range(min(longest, j), 0, -1):
                p = text[j - n:j]
                if p in self.prefixes:
                    m = self.prefixed.match(text, j - n)
                    if m:
                        last_end = m.end()
                        yield m
                        break

    def _spelled(self, text: str) -> list[Ent]:
        out = []
        for m in one_words(context(text)):  # "a dollar", "a penny": one of it, as peers read it
            if m.group("w") not in self.one_words:
                continue
            t = self.spelled_tail.match(text, m.start("w") - 1)
            if t is None or t.group("scale") or t.group("sfx") in self.weak or not t.group("sfx")[0].islower():
                continue
            code, factor = self._suffix(t.group("sfx"))
            if code and _ONE_END.match(text, t.end()):
                out.append(Ent(self.label, m.start("a"), t.end(), {"amount": clean_float(factor), "amount_max": None,
                                                                "currency": code, "per": self._per(t.group("per"))},
                               priority=0))
        for m in context(text).cues(spelled_regex()).matches:
            t = self.spelled_tail.match(text, m.end())
            if t is None:
                continue
            value = parse_spelled(m.group())
            code, factor = self._suffix(t.group("sfx"))
            if value is None or code is None:
                continue
            if t.group("sfx") in self.weak and not t.group("scale"):
                continue
            amount = clean_float(value * scale_of(t.group("scale"), self.patterns_dir) * factor)
            per = self._per(t.group("per"))
            out.append(Ent(self.label, m.start(), t.end(),
                           {"amount": amount, "amount_max": None, "currency": code, "per": per}, priority=1))
        return out

    def _suffix(self, s: str) -> tuple[str | None, float]:
        return self.suffixes.get(s) or self.suffixes.get(s.lower()) or (None, 1.0)

    def _per(self, per: str | None) -> str | None:
        if not per:
            return None
        per = " ".join(per.split())
        return normalise_unit(per, self.patterns_dir) or per.lower()

    def _currency(self, text: str, m: re.Match) -> tuple[str | None, float]:
        gd = m.groupdict()
        if gd.get("pfx"):
            code, factor = self.prefixes.get(gd["pfx"]), 1.0
            if gd.get("sfx"):  # "US$5 million USD": the suffix may only add cents
                factor = self._suffix(gd["sfx"])[1]
        else:
            code, factor = self._suffix(gd["sfx"])
        if gd.get("pfx") == "¥" and (_JAPAN.search(sentence_window(text, m.start(), m.end()))
                                     or self._yen_article(text)):
            code = "JPY"
        return code, factor

    def _yen_article(self, text: str) -> bool:
        """An article that prices in yen and never in yuan: its bare ¥ is yen too."""
        memo = context(text).memo  # once per text, not once per ¥
        if "yen" not in memo:
            memo["yen"] = bool(_YEN_WORD.search(text)) and not _YUAN_WORD.search(text)
        return memo["yen"]

    def _ent(self, text: str, m: re.Match, prio: int) -> Ent | None:
        amount = parse_number(m.group("num"))
        if amount is None:
            return None
        gd = m.groupdict()
        start, end = m.start(), m.end()
        scale = m.group("scale") or ""
        scale2 = gd.get("scale2") or ""
        num2 = gd.get("num2")
        if prio == 3:  # the "between" form: the span starts at the amount
            if not num2:
                return None
            start = m.start("pfx") if gd.get("pfx") else m.start("num")
        if gd.get("sfx") and not gd.get("pfx") and num2 and _MONTH_BEFORE.search(text, max(0, start - 10), start):
            # "on Jan. 12 to 152,100 yuan": the low end is the day of a date
            return self._upper_only(text, m, prio)
        code, factor = self._currency(text, m)
        if gd.get("sfx") and not gd.get("pfx") and gd["sfx"] in self.weak:
            if not (scale or scale2 or re.search(r"[,.]", m.group("num"))):
                return None
        # "RMB 580,000-600,000" shares no scale; "$1-2 billion" shares the second one
        amount = clean_float(amount * scale_of(scale or scale2, self.patterns_dir) * factor)
        amount_max = None
        if num2:
            hi = parse_number(num2)
            if hi is not None:
                amount_max = clean_float(hi * scale_of(scale2 or scale, self.patterns_dir) * factor)
        if gd.get("neg"):  # "$-99.99": a loss written with its sign
            amount, amount_max = -amount, (-amount_max if amount_max is not None else None)
        val = {"amount": amount, "amount_max": amount_max, "currency": code, "per": self._per(m.group("per"))}
        return Ent(self.label, start, end, val, priority=prio)

    def _upper_only(self, text: str, m: re.Match, prio: int) -> Ent | None:
        hi = parse_number(m.group("num2"))
        if hi is None:
            return None
        code, factor = self._currency(text, m)
        amount = clean_float(hi * scale_of(m.group("scale2") or m.group("scale"), self.patterns_dir) * factor)
        return Ent(self.label, m.start("num2"), m.end(), {"amount": amount, "amount_max": None, "currency": code,
                                                          "per": self._per(m.group("per"))}, priority=prio)

    def _bracketed_per(self, text: str, ents: list[Ent]) -> None:
        """``CNY 4,400 ($718.98) per kilogram``: the tail after the bracket is the unit of both."""
        for e in ents:
            if e.value.get("per") is not None:
                continue
            t = self.bracket_per.match(text, e.end)
            if t is None:
                continue
            per = self._per(t.group("per"))
            e.value["per"] = per
            # the amount before the bracket: "CNY 4,400 (" ends just before this one
            lo = text.rfind("(", max(0, e.start - 3), e.start)
            if lo < 0:
                continue
            for prev in ents:
                if prev is not e and prev.end <= lo and lo - prev.end <= 2 and prev.value.get("per") is None:
                    prev.value["per"] = per

    # --- after the other recognizers ---------------------------------------------------------

    def refine(self, doc, by_label: dict[str, list[Ent]]) -> None:
        """A bare ``$`` is the dollar of the issuer's country where the article settles it: a
        reporting-currency phrase (``reports in U.S. dollars``), else the article's most-named
        country when that country has a dollar of its own, else the exchange of the listed company it names
        most (twice at least). A bare ``¥`` is yen in an article most about Japan
        that never names the yuan."""
        money = by_label.get("MONEY")
        if not money:
            return
        text = doc_text(doc)
        dollars = [e for e in money if text.startswith("$", e.start)]
        yens = [e for e in money if text.startswith("¥", e.start) and e.value.get("currency") == "CNY"]
        if not dollars and not yens:
            return
        main = _main_country(by_label.get("GPE", []))
        if dollars:
            code = self._dollar_of(text, by_label, main)
            if code:
                for e in dollars:
                    e.value["currency"] = code
        if yens:
            japan = main == "JP" and not _YUAN_WORD.search(text)
            issuers = self._japanese_issuers(by_label.get("ORG", []))
            for e in yens:
                # the article is about Japan, or a Tokyo-listed company is named in the sentence
                if japan or any(0 <= e.start - o.end <= 200 and "\n" not in text[o.end:e.start] for o in issuers):
                    e.value["currency"] = "JPY"

    def _japanese_issuers(self, orgs: list[Ent]) -> list[Ent]:
        marks = load_json("numbers.json", self.patterns_dir)["yen_exchanges"]
        out = []
        for o in orgs:
            t = (o.value.get("ticker") or "").upper()
            if t and any(t.startswith(x) if x.endswith(":") else t.endswith(x) for x in marks):
                out.append(o)
        return out

    def _dollar_of(self, text: str, by_label: dict[str, list[Ent]], main: str | None) -> str | None:
        exchanges, reports, by_word, currency = _dollar_countries(self.patterns_dir)
        stated = reports.search(text)
        if stated:
            return currency.get(by_word.get(stated.group("cur").lower()))
        if main and main in currency:
            return currency[main]
        listed = Counter()
        for org in by_label.get("ORG", []):
            ticker = (org.value.get("ticker") or "").upper()
            if not ticker:
                continue
            prefix, _, _ = ticker.partition(":")
            suffix = ticker.rsplit(".", 1)[-1] if "." in ticker else ""
            country = exchanges.get(prefix + ":") or exchanges.get("." + suffix)
            if country:
                listed[country] += 1
        if listed:  # the exchange of the company the article keeps naming (not a teaser's one)
            (country, n), *rest = listed.most_common(2) + [(None, 0)]
            if n >= 2 and n > rest[0][1]:
                return currency[country]
        return None


def _main_country(gpes: list[Ent]) -> str | None:
    """The country an article names most often (at least twice), or None."""
    counts = Counter(g.value.get("code") for g in gpes if g.value.get("code"))
    if not counts:
        return None
    (code, n), *rest = counts.most_common(2) + [(None, 0)]
    return code if n >= 2 and n > rest[0][1] else None
