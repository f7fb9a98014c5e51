"""DATE: days, months, quarters, halves, years and ranges of them, resolved against ``published``.

Candidates come from one compiled pattern over the repaired text; each span is then resolved
on its own: dateparser (``languages=['en']``, the publish date as ``RELATIVE_BASE``, an explicit
``PREFER_DAY_OF_MONTH``; cached) for day dates, our own rules for what it does not do
(weekdays, quarters, halves, fiscal periods, day, month and year ranges, cumulative periods,
``early December``, ``two months ago``, ``last week``).

A date without a year takes the latest occurrence on or before ``published`` unless its
sentence announces something (``will``, ``expected``, ...), then the next one; a period that
contains ``published`` is the current one either way. Without a publish date nothing is
resolved against today: a date without a year, a weekday or a relative date keeps its grain
with ``start`` and ``end`` null.
"""
from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Optional

from ..numbers import parse_spelled
from ...patterns import alternation, lead, led, load_json
from .base import Context, Ent, Recognizer, context, doc_text

_MONTH_FULL = ("January|February|March|April|May|June|July|August|September|October|November|"
               "December")
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
MONTH = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})(?![a-z])"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# "May" is a verb as often as a month: alone it needs a preposition before it
_MAY_ALONE = re.compile(r"(?:in|since|from|until|till|by|of|during|early|mid|late|end of)\s+$", re.I)
DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d%])"
YEAR = r"(?:19[5-9]\d|20\d\d)(?![\d%])"
_Y = rf"(?<![\d.,/$¥€£-]){YEAR}"
_ORD = r"(?i:first|second|third|fourth|final|last|1st|2nd|3rd|4th)"
_HORD = r"(?i:first|second|1st|2nd|latter)"
_PART = r"(?:early|mid-?|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|start\s+of|middle\s+of)"
_TO = r"\s?(?:-|–|to|through|until)\s?"
_SMALL = r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|[2-9]|1[01])"


def _period_year(p: str) -> str:
    """What may follow a quarter or half to give its year: ``2025``, ``of 2025``, ``'25``,
    ``FY25``, ``of fiscal 2025``, ``calendar 2025``, ``CY2025``, ``of that year``."""
    return (rf"(?:(?:\s+of|,)?\s+(?P<{p}_fy>FY\s?|(?i:fiscal\s+(?:year\s+)?|financial\s+year\s+))(?P<{p}_fyy>{YEAR}|\d\d(?!\d))"
            rf"|(?:\s+of)?\s+(?P<{p}_cal>CY\s?|(?i:calendar\s+(?:year\s+)?))(?P<{p}_caly>{YEAR})"
            rf"|(?:\s+of|,)?\s+(?P<{p}_year>{YEAR})"
            rf"|'(?P<{p}_yy>\d\d)(?!\d)"
            rf"|\s+of\s+(?P<{p}_that>that|this|last|next)\s+year)?")


_ALTS = [
    # the three months ended June 30, 2025; the nine months to September 30; the quarter ended ...
    ("ended", rf"(?:the\s+)?(?:(?P<n_months>three|six|nine|twelve|3|6|9|12)[\s-]months?|(?:fiscal\s+|financial\s+)?(?P<n_year>year)|(?P<n_q>quarter)|(?P<n_h>half(?:[\s-]year)?))\s+(?:ended|ending|to|through)\s+(?P<e_day>{MONTH}\s*{DAY}(?:,?\s+{YEAR})?|{DAY}\s+{MONTH}(?:,?\s+{YEAR})?)"),
    ("month_quarter", rf"(?P<mq_end>(?:the\s+)?end\s+of\s+)?(?:the\s+)?(?P<mq_month>March|June|September|December)(?:\s+(?P<mq_year>{YEAR}))?\s+(?i:quarter)"),
    ("numeric", rf"(?<![\d./-])(?P<na>\d{{1,2}})(?P<nsep>[/.-])(?P<nb>\d{{1,2}})(?P=nsep)(?P<ny>{YEAR}|(?<=/)\d\d(?![\d/.]))(?![\d])"),
    ("iso", rf"(?<![\d.])(?P<iso>{YEAR}[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?![\d])"),
    # Dec 1-5, November 3 to 7, 3-7 November 2025
    ("day_range", rf"(?:(?P<dr_m>{MONTH})\s*(?P<dr_a>{DAY}){_TO}(?P<dr_b>{DAY})(?:,?\s+(?P<dr_y>{YEAR}))?"
                  rf"|(?<![\d.,])(?P<dr_a2>{DAY}){_TO}(?P<dr_b2>{DAY})\s+(?:of\s+)?(?P<dr_m2>{MONTH})(?:,?\s+(?P<dr_y2>{YEAR}))?)"),
    ("mdy", rf"(?P<mdy>{MONTH}\s*{DAY}(?:,?\s+{YEAR})?)(?![\d,]\d)"),
    ("dmy", rf"(?<![\d.,])(?P<dmy>{DAY}(?:\s+|-)(?:of\s+)?{MONTH}(?:,?\s+{YEAR}|-{YEAR})?)"),
    ("half_month", rf"(?:the\s+)?(?P<hm_ord>first|second|1st|2nd)\s+half\s+of\s+(?P<hm_month>{MONTH})(?:,?\s+(?P<hm_year>{YEAR}))?"),
    ("part_month", rf"(?P<pm_part>{_PART})\s*(?P<pm_month>{MONTH})(?:,?\s+(?P<pm_year>{YEAR}))?"),
    ("part_year", rf"(?P<py_part>(?:by\s+)?(?:{_PART}|the\s+end\s+of))\s*(?P<py_year>{YEAR})"),
    ("month_range", rf"(?:between\s+(?P<mr_a2>{MONTH})\s+and\s+|(?P<mr_a>{MONTH})\s?(?:-|–|to|through|until)\s?)(?P<mr_b>{MONTH})(?:,?\s+(?P<mr_year>{YEAR}))?"),
    ("quarter_range", rf"(?P<qr_a>Q[1-4])\s?(?:-|–|to|through)\s?(?P<qr_b>Q[1-4])(?:\s+(?P<qr_year>{YEAR}))?"),
    ("month_year", rf"(?P<my_month>{MONTH}),?\s?(?P<my_year>{YEAR})"),
    # the first five months of 2024, the first three quarters, the first ten months of that year
    ("cumulative", rf"(?:the\s+)?(?i:first)\s+(?P<cu_n>{_SMALL})\s+(?P<cu_unit>months|quarters)"
                   rf"(?:\s+of\s+(?:(?P<cu_year>{YEAR})|(?P<cu_that>that|this|last)\s+year))?"),
    ("year_quarter", rf"(?P<yq_year>{_Y})\s?(?:Q(?P<yq_q>[1-4])|\s+(?:the\s+)?(?P<yq_ord>{_ORD})\s+(?i:quarter))(?![A-Za-z0-9])"),
    ("year_half", rf"(?P<yh_year>{_Y})\s?H(?P<yh_h>[12])(?![A-Za-z0-9])"),
    ("quarter", rf"(?:(?:the\s+)?(?P<q_ord>{_ORD})[\s-](?i:quarter)|(?<![A-Z0-9])Q(?P<q_num>[1-4])(?![A-Za-z0-9])"
                rf"|(?<![A-Za-z0-9])(?P<q_num2>[1-4])Q(?P<q_yy2>\d\d)?(?![A-Za-z0-9])){_period_year('q')}"),
    ("half", rf"(?:(?:the\s+)?(?P<h_ord>{_HORD})[\s-](?i:half)(?:[\s-]year)?|(?<![A-Za-z0-9])H(?P<h_num>[12])(?![A-Za-z0-9])"
             rf"|(?<![A-Za-z0-9])(?P<h_num2>[12])H(?P<h_yy2>\d\d)?(?![A-Za-z0-9])|(?P<h_interim>(?i:half[\s-]year|interim)))"
             rf"{_period_year('h')}"),
    ("fiscal", rf"(?:(?<![A-Za-z])FY\s?(?P<fy>{YEAR}|\d\d(?!\d))(?:[-/](?P<fy_e>\d\d)(?![\d%])|\s?(?:-|–|to)\s?FY\s?(?P<fy_b>{YEAR}|\d\d(?!\d)))?"
               rf"|(?i:fiscal|financial)(?:\s+year)?\s+(?P<fy2>{YEAR}))"),
    ("year_range", rf"(?:between\s+)?(?P<yr_a>{_Y})\s?(?:-|–|to|through|and|until|/)\s?(?P<yr_b>{YEAR}|\d\d(?![\d%]|[,.]\d))"),
    ("by_year", rf"(?P<by>by|the\s+year)\s+(?P<by_year>{_Y})"),
    ("weekday", rf"(?P<wd_rel>(?i:last|this|next|past)\s+)?(?P<wd>{_WEEKDAY})(?![A-Za-z])"),
    ("week", r"(?P<wk_rel>(?i:last|this|next|past))\s+week(?![A-Za-z-])"),
    ("relative", r"(?i:(?P<rel>(?:last|this|next)\s+(?:month|year|quarter)|yesterday|today|tomorrow))(?![a-z])"),
    ("month", rf"(?P<month>{MONTH})"),
    ("year", rf"(?P<year>{_Y})(?!\s*(?:%|[-/]\d|\.\d|tons?|tonnes?|t\b|kg|MW|GW|units?|batches))"),
]
# every alternative starts a word with one of these: checking them first lets the engine skip
# most positions of a text at once instead of trying each alternative there. Grouped by first
# letter (a lookahead only says yes or no, so their order is free): a word start is turned away
# after one test per group, not one per word
_ANCHOR = (r"(?<![A-Za-z0-9])(?="
           # frequent words only before what makes them a date ("the first quarter", "by 2030")
           r"[Tt](?:he\s+(?:[Ee]nd|[Bb]eginning|[Ss]tart|[Mm]iddle|[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]inal|"
           r"[Ll]ast|[Ll]atter|1st|2nd|3rd|4th|FIRST|SECOND|THIRD|FOURTH|[Yy]ear|[Qq]uarter|[Hh]alf|three|six|"
           r"nine|twelve|\d|March|June|September|December)|his\b|oday|omorrow|hird)|"
           r"[Bb](?:y\s+(?:the\s+end|early|mid|late|end|beginning|start|\d)|etween\b|eginning)|"
           r"[Ee](?:arly|nd\b)|[Mm](?:id|iddle)|[Ll](?:ate\b|ast\b|atter)|[Ss](?:tart\b|econd)|"
           r"[Ff](?:iscal|inancial|irst|ourth|inal)|[Pp]ast\b|[Nn]ext\b|[Yy](?:esterday|ear\s)|"
           r"[Hh]alf[\s-]|[Ii]nterim\s|[Qq]uarter\s|F(?:IRST|OURTH|Y)|SECOND|THIRD|"
           # months and weekdays by their first three letters; Q3, H1, 3Q, 1H, 2nd
           r"J(?:an|un|ul)|F(?:eb|ri)|M(?:ar|ay|on)|A(?:pr|ug)|S(?:ep|at|un)|Oct|Nov|Dec|T(?:ue|hu)|Wed|"
           r"Q[1-4]|H[12]|[1-4](?:st|nd|rd|th|Q|H)|"
           # a digit starts a date only before a digit, a space, a dot ("1.10.2025"), a slash or
           # dash of a numeric date, or an ordinal ending ("5th"): "5%", "5,000" and "$5" are
           # turned away at once
           r"\d(?=[\d\s.stnr/-]))")
# each alternative led by its own first characters: a named group is entered at every place the
# anchor lets through, where one class turns most alternatives away (11% faster)
_ALTERNATION = "(?:" + "|".join(f"(?P<_{name}>{lead(rx)}{rx})" for name, rx in _ALTS) + ")"
DATE_RE = re.compile(_ANCHOR + _ALTERNATION)
# a date glued to the word before it in spaceless text ("summaryQ2 FY25", "Run-UpDec 1-5"): found
# by its own capital letters (a fast scan), then read with the same alternatives
_GLUED = re.compile(r"[QJFMASOND](?:[1-4]\s?(?:FY|CY|20\d\d)|(?:an|eb|ar|pr|un|ul|ug|ept?|ct|ov|ec)\.?\s?\d)")
DATE_GLUED_RE = re.compile(_ALTERNATION)
# "two months ago", "a year ago": found from the word "ago" back
_AGO = re.compile(r"ago(?![A-Za-z])")
_AGO_BEFORE = re.compile(r"(?i:(?<![A-Za-z])(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
                         r"eleven|twelve|several)\s+(?P<unit>day|week|month|quarter|year)s?\s+)$")
# "year to date", "year-to-date", "YTD"
_YTD = re.compile(r"(?:[Yy]ear[\s-]to[\s-]date|YTD)(?![A-Za-z])")
# "financial year runs to 30 June", "FY2023, the year ended March 31, 2024"
_FY_STATED = re.compile(
    rf"(?:FY\s?(?P<fy>{YEAR}|\d\d),?\s+)?(?:the\s+)?(?i:(?:financial|fiscal)\s+)?year\s+(?:runs\s+to|ends(?:\s+on)?"
    rf"|ending(?:\s+on)?|ended(?:\s+on)?)\s+(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{MONTH})(?:,?\s+(?P<y1>{YEAR}))?"
    rf"|(?P<m2>{MONTH})\s+(?P<d2>\d{{1,2}})(?:,?\s+(?P<y2>{YEAR}))?)")
# kinds whose value depends on more of the article than the span and the publish date
_CONTEXTUAL = frozenset({"fiscal", "numeric", "cumulative"})


class _Unresolved(Exception):
    """A date that needs the publish date when there is none: its grain is all there is."""

    def __init__(self, grain: str):
        self.grain = grain


@lru_cache(maxsize=4)
def _data(patterns_dir: str | None = None):
    d = load_json("dates.json", patterns_dir)
    # led: the cues' first letters up front let the engine skip the words no cue begins with
    future = led(re.compile(r"\b(?=\w)(?:%s)\b" % alternation(d["future_cues"]), re.I))
    # a reporting verb, with its preposition and the space after: one right before a date
    # makes it a past event
    past_before = led(re.compile(r"\b(?=\w)(?:%s)(?:\s+on|\s+in|\s+at)?\s*" % alternation(d["past_verbs"]), re.I))
    fiscal = {k: v for k, v in d["fiscal_years"].items() if not k.startswith("_")}
    # "was expected", "than expected", "had planned": a future cue turned to the past
    unfuture = re.compile(r"(?i:\b(?:%s)\s+)$" % alternation(d["future_cue_undone_by"]))
    # a year that belongs to a document's reference or title ("No. 61 of 2025", "Act 2025")
    refs = led(re.compile(r"(?:\b(?:%s)\s*\d+[A-Za-z/-]*(?:\s*(?:,|and|&)\s*\d+[A-Za-z/-]*)*\s+of\s+"
                          r"|\b(?:%s),?\s+)$" % (alternation(d["reference_words"]), alternation(d["title_heads"]))))
    forward = re.compile(r"\s{1,3}(?:%s)\b" % alternation(d["forward_nouns"]))
    return (d["months"], d["ordinals"], d["month_parts"], d["year_parts"], d["relative"], future,
            past_before, fiscal, unfuture, refs, forward, frozenset(d["title_heads"]))


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _val(start: date, end: date, grain: str) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), "grain": grain}


def _yy(s: Optional[str]) -> Optional[int]:
    if not s:
        return None
    s = s.strip("'")
    y = int(s)
    return y if y >= 100 else 2000 + y


def _add_months(y: int, m: int, n: int) -> tuple[int, int]:
    """(year, month) ``n`` months after (y, m)."""
    y2, m0 = divmod(y * 12 + m - 1 + n, 12)
    return y2, m0 + 1


@lru_cache(maxsize=16384)
def _dateparse(text: str, base: Optional[str], prefer: str) -> Optional[date]:
    import dateparser

    settings = {"PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": prefer,
                "RETURN_AS_TIMEZONE_AWARE": False}
    if base:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base)
    d = dateparser.parse(text, languages=["en"], settings=settings)
    return d.date() if d else None


# a day written with a month name and digits ("20 June", "Nov. 6, 2025", "Oct.18", "21 Oct 2025"),
# the only forms our patterns send to dateparser: read directly, they give what dateparser gives
# (tests/test_numbers_dates.py compares the two) without its cost (0.25 s of imports and regex
# compilation on the first call, which was a sixth of a one-article run)
_DMY = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?P<m>[A-Za-z]{3,9})\.?(?:,?\s{1,3}(?P<y>\d{4}))?")
_MDY = re.compile(r"(?P<m>[A-Za-z]{3,9})\.?\s{0,3}(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s{1,3}(?P<y>\d{4}))?")


def month_day(text: str, months: dict[str, int]) -> Optional[tuple[Optional[int], int, int]]:
    """(year or None, month, day) of a day written as ``20 June [2025]`` or ``June 20[, 2025]``,
    when it is a real date (a day without a year: in every year, so not 29 February); else None
    and the caller asks dateparser."""
    text = text.strip()
    m = _DMY.fullmatch(text) or _MDY.fullmatch(text)
    if not m:
        return None
    mo = months.get(m.group("m").lower())
    if mo is None:
        return None
    y, d = m.group("y"), int(m.group("d"))
    try:
        date(int(y) if y else 2001, mo, d)  # 2001: a day without a year must exist in every year
    except ValueError:
        return None
    return (int(y) if y else None), mo, d


class _Lazy:
    """A truth value computed on first use."""

    __slots__ = ("fn", "value")

    def __init__(self, fn):
        self.fn, self.value = fn, None

    def __bool__(self) -> bool:
        if self.value is None:
            self.value = bool(self.fn())
        return self.value


class DateRecognizer(Recognizer):
    label = "DATE"

    def __init__(self, patterns_dir: str | None = None):
        (self.months, self.ordinals, self.month_parts, self.year_parts, self.relative,
         self.future, self.past_before, self.fiscal, self.unfuture, self.refs, self.forward,
         self.title_heads) = _data(patterns_dir)
        self._resolved: dict[tuple, tuple[bool, Optional[dict]]] = {}
        self.modal_follow = frozenset("be have not also well never still soon continue rise fall "
                                      "need take see become help lead remain affect face".split())

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc), doc._.rei_published)

    def scan(self, text: str, published: Optional[str] = None) -> list[Ent]:
        pub = date.fromisoformat(published) if published else None
        out = []
        ctx = context(text)
        for m in self._matches(text):
            # the alternative's group closes last, so it is the match's last group
            kind = m.lastgroup[1:]
            if not self._is_date(text, kind, m, ctx):
                continue
            value = self._resolve_cached(kind, m, ctx, pub, published)
            if value is None:
                continue
            out.append(Ent(self.label, m.start(), m.end(), dict(value)))
        out.extend(self._ago(text, ctx, pub))
        out.extend(self._year_to_date(text, pub))
        self._end_of_period(text, out)
        return out

    @staticmethod
    def _matches(text: str):
        yield from DATE_RE.finditer(text)
        for g in _GLUED.finditer(text):
            if g.start() and text[g.start() - 1].islower():
                m = DATE_GLUED_RE.match(text, g.start())
                if m:
                    yield m

    def _is_date(self, text: str, kind: str, m: re.Match, ctx: Context) -> bool:
        if kind == "month" and m.group("month") == "May" and not self._may_is_month(text, m):
            return False
        if kind in ("year", "year_range") and self._in_reference(text, m.start()):
            return False  # "Announcement No. 61 of 2025", "the ... Act 2025": part of a reference
        if kind == "relative" and m.group("rel").lower() == "today":
            # "Today's quotes" (a determiner), "Metals Today" (a title)
            if text.startswith(("'s", "’s", "â€™s"), m.end()):
                return False
            prev = re.search(r"(\S+)[ \t]+$", text[max(0, m.start() - 30):m.start()])
            if m.group()[0] == "T" and prev and prev.group(1)[0].isupper() and prev.group(1)[-1].isalnum():
                return False
        return True

    def _in_reference(self, text: str, pos: int) -> bool:
        before = text[max(0, pos - 12):pos].rstrip(", ")
        word = before.rsplit(None, 1)[-1] if before.strip() else ""
        if word != "of" and word not in self.title_heads:  # the common case, without a search
            return False
        return bool(self.refs.search(text, max(0, pos - 60), pos))

    def _resolve_cached(self, kind: str, m: re.Match, ctx: Context, pub: Optional[date],
                        published: Optional[str]) -> Optional[dict]:
        """:meth:`resolve`, once per date text, publish date and (for a date without a year)
        whether its sentence announces something: the same "Q3" or "September" recurs all
        through an article and a dump. What depends on the rest of the article (a fiscal year,
        a numeric date's order, "that year") is not kept."""
        if kind in _CONTEXTUAL or (kind in ("quarter", "half") and (m.group(kind[0] + "_fy") or m.group(kind[0] + "_that"))):
            return self._resolve_safe(kind, m, ctx, pub, published, _Lazy(lambda: self._future(ctx, m)))
        key = (kind, m.group(), published)
        hit = self._resolved.get(key)
        if hit is not None and not hit[0]:
            return hit[1]
        if len(self._resolved) > 65536:  # bounded: a dump's dates have no end
            self._resolved.clear()
        if hit is not None:  # it depends on the sentence: ask, then look that answer up
            fut = self._future(ctx, m)
            hit = self._resolved.get(key + (fut,))
            if hit is None:
                hit = self._resolved[key + (fut,)] = (False, self._resolve_safe(kind, m, ctx, pub, published, fut))
            return hit[1]
        fut = _Lazy(lambda: self._future(ctx, m))
        value = self._resolve_safe(kind, m, ctx, pub, published, fut)
        if fut.value is None:
            self._resolved[key] = (False, value)
        else:
            self._resolved[key] = (True, None)
            self._resolved[key + (fut.value,)] = (False, value)
        return value

    def _resolve_safe(self, *args) -> Optional[dict]:
        try:
            return self.resolve(*args)
        except _Unresolved as u:  # no publish date to place it: the grain only
            return {"start": None, "end": None, "grain": u.grain}
        except (ValueError, OverflowError):  # "February 30", a year out of range
            return None

    # --- candidates outside the main pattern -------------------------------------------------

    def _ago(self, text: str, ctx: Context, pub: Optional[date]) -> list[Ent]:
        """``two months ago`` is that calendar month, ``three days ago`` that day, ``a year
        ago`` that year; found from the word "ago" back, so the scan costs nothing without it.
        After a comparison word (``from a year ago``) it is a basis, not a date."""
        out = []
        for a in _AGO.finditer(text):
            if a.start() and text[a.start() - 1].isalpha():
                continue
            m = _AGO_BEFORE.search(text, max(0, a.start() - 30), a.start())
            if m is None:
                continue
            if re.search(r"(?i:\b(?:from|than|over|versus|vs\.?|against|with|to|since|on)\s+)$",
                         text[max(0, m.start() - 12):m.start()]):
                continue
            n_text = m.group("n").lower()
            n = 1 if n_text in ("a", "an") else (int(n_text) if n_text.isdigit() else parse_spelled(n_text))
            if not n:
                continue
            unit = m.group("unit").lower()
            value = self._shift(pub, unit, -int(n))
            if value is not None:
                out.append(Ent(self.label, m.start(), a.end(), value))
        return out

    @staticmethod
    def _shift(pub: Optional[date], unit: str, n: int) -> Optional[dict]:
        grain = {"day": "day", "week": "day", "month": "month", "quarter": "quarter", "year": "year"}[unit]
        if pub is None:
            return {"start": None, "end": None, "grain": grain}
        if unit == "day":
            d = pub + timedelta(days=n)
            return _val(d, d, "day")
        if unit == "week":
            monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=n)
            return _val(monday, monday + timedelta(days=6), "day")
        if unit == "month":
            y, mo = _add_months(pub.year, pub.month, n)
            return _val(date(y, mo, 1), _month_end(y, mo), "month")
        if unit == "quarter":
            y, mo = _add_months(pub.year, 3 * ((pub.month - 1) // 3) + 1, 3 * n)
            return _val(date(y, mo, 1), _month_end(y, mo + 2), "quarter")
        y = pub.year + n
        return _val(date(y, 1, 1), date(y, 12, 31), "year")

    def _year_to_date(self, text: str, pub: Optional[date]) -> list[Ent]:
        """``year to date``: January to the month before publication (a monthly report covers
        the months that have closed), grain month."""
        out = []
        if "YTD" not in text and "to date" not in text and "to-date" not in text:
            return out
        for m in _YTD.finditer(text):
            if m.start() and text[m.start() - 1].isalpha():
                continue
            if pub is None:
                value = {"start": None, "end": None, "grain": "month"}
            else:
                last = max(1, pub.month - 1)
                value = _val(date(pub.year, 1, 1), _month_end(pub.year, last), "month")
            out.append(Ent(self.label, m.start(), m.end(), value))
        return out

    def _end_of_period(self, text: str, ents: list[Ent]) -> None:
        """``by the end of the first half of calendar 2025``: the last day of the period."""
        for e in ents:
            if e.value.get("grain") not in ("quarter", "half", "year") or e.value.get("end") is None:
                continue
            m = re.search(r"(?i:(?:\bby\s+)?\bthe\s+end\s+of\s+)$", text[max(0, e.start - 20):e.start])
            if m is None:
                continue
            e.start -= len(m.group())
            e.value = {"start": e.value["end"], "end": e.value["end"], "grain": "day"}

    # --- resolution ---------------------------------------------------------------------------

    def _day(self, text: str, base: Optional[str], prefer: str) -> Optional[date]:
        """The day ``text`` names, read directly when it is a month name and digits, else by
        dateparser (``base``, ``prefer`` as for it); a day without a year gets the year 2001,
        for the caller to replace."""
        md = month_day(text, self.months)
        if md is None:
            return _dateparse(text, base, prefer)
        return date(md[0] or 2001, md[1], md[2])

    def _month(self, s: str) -> int:
        return self.months[s.lower().rstrip(".")]

    def _may_is_month(self, text: str, m: re.Match) -> bool:
        """"May" alone is a month after a preposition, inside a sentence before a lower-case
        word ("the most-active May contract"), or opening a line or sentence before a noun ("May
        magnet exports slump"); otherwise it is the verb."""
        if _MAY_ALONE.search(text[max(0, m.start() - 12):m.start()]):
            return True
        nxt = re.match(r"\s+([a-z]+)", text[m.end():m.end() + 20])
        if nxt is None or nxt.group(1) in self.modal_follow:
            return False
        before = text[max(0, m.start() - 3):m.start()]
        sentence_start = m.start() == 0 or before.endswith("\n") or re.search(r"[.!?]\s+$", before)
        return bool(sentence_start or re.search(r"[a-z,]\s+$", before))

    def _future(self, ctx: Context, m: re.Match) -> bool:
        """An announced event: a future cue before the date in its sentence, not turned to the
        past ("was expected", "than expected"), and no past reporting verb right before it
        ("said on 26 June that it will ..." is past)."""
        pos = m.start()
        cues = ctx.cues(self.future)
        if not cues.starts or cues.starts[0] >= pos:  # no cue before it at all: the common case
            return False
        lo = ctx.left_sentence_start(pos)
        cue = cues.last(lo, pos)
        if cue is None:
            return False
        if self.unfuture.search(ctx.text, max(0, cue.start() - 20), cue.start()):
            return False
        return ctx.cues(self.past_before).ending_at(pos, max(lo, pos - 40)) is None

    def _pick_year(self, first: tuple[int, int], pub: Optional[date], future: bool,
                   months_ahead: int = 0, grain: str = "day") -> int:
        """The year for a yearless (month, day): latest on/before ``pub``, or next if future;
        for a period of ``months_ahead`` more months, the one containing ``pub`` either way."""
        if pub is None:
            raise _Unresolved(grain)
        y = pub.year
        mo, d = first
        if (mo, d) > (pub.month, pub.day):
            y -= 1
        if future and date(y, mo, min(d, 28)) < pub:
            ey, em = _add_months(y, mo, months_ahead)
            if _month_end(ey, em) < pub:  # over before publication: the next one
                y += 1
        return y

    def resolve(self, kind: str, m: re.Match, ctx: Context, pub: Optional[date], base: Optional[str],
                fut) -> Optional[dict]:
        """The value of the date ``m`` of alternative ``kind``; ``base`` is ``pub`` in ISO form
        and ``fut`` (a truth value, asked only by dates without a year) says whether its
        sentence announces something."""
        g = m.group
        if kind == "iso":
            y, mo, d = (int(x) for x in re.split(r"[-/.]", g("iso")))
            day = date(y, mo, d)
            return _val(day, day, "day")
        if kind == "numeric":
            return self._numeric(m, ctx)
        if kind in ("mdy", "dmy"):
            s = g(kind).replace("-", " ")
            has_year = re.search(YEAR, s) is not None
            if not has_year and pub is None:
                raise _Unresolved("day")
            day = self._day(s, base, "future" if not has_year and fut else "past")
            if day is None:
                return None
            if not has_year:
                day = day.replace(year=self._pick_year((day.month, day.day), pub, fut))
            return _val(day, day, "day")
        if kind == "day_range":
            mo = self._month(g("dr_m") or g("dr_m2"))
            a, b = (int(re.match(r"\d+", x).group()) for x in (g("dr_a") or g("dr_a2"), g("dr_b") or g("dr_b2")))
            if not a < b:
                return None
            yt = g("dr_y") or g("dr_y2")
            y = int(yt) if yt else self._pick_year((mo, a), pub, fut, grain="day")
            return _val(date(y, mo, a), date(y, mo, b), "day")
        if kind == "month_quarter":
            mo = self._month(g("mq_month"))
            y = int(g("mq_year")) if g("mq_year") else self._pick_year((mo - 2, 1), pub, fut, 2, "quarter")
            if g("mq_end"):
                day = _month_end(y, mo)
                return _val(day, day, "day")
            return _val(date(y, mo - 2, 1), _month_end(y, mo), "quarter")
        if kind == "ended":
            return self._ended(m, pub, base)
        if kind == "half_month":
            mo = self._month(g("hm_month"))
            y = int(g("hm_year")) if g("hm_year") else self._pick_year((mo, 1), pub, fut, grain="day")
            if g("hm_ord").lower() in ("first", "1st"):
                return _val(date(y, mo, 1), date(y, mo, 15), "day")
            return _val(date(y, mo, 16), _month_end(y, mo), "day")
        if kind == "part_month":
            mo = self._month(g("pm_month"))
            part = re.sub(r"\s+", " ", g("pm_part").lower())
            y = int(g("pm_year")) if g("pm_year") else self._pick_year((mo, 1), pub, fut, grain="day")
            if part.endswith("end of"):  # "the end of March": its last day, as "the end of 2025"
                day = _month_end(y, mo)
                return _val(day, day, "day")
            lo, hi = self.month_parts.get(part, self.month_parts.get(part.rstrip("-"), [1, 31]))
            last = calendar.monthrange(y, mo)[1]
            return _val(date(y, mo, lo), date(y, mo, min(hi, last)), "day")
        if kind == "part_year":
            y = int(g("py_year"))
            part = re.sub(r"\s+", " ", g("py_part").lower())
            part = part[3:] if part.startswith("by ") else part
            if part.endswith("end of"):
                day = date(y, 12, 31)
                return _val(day, day, "day")
            lo, hi = self.year_parts.get(part, self.year_parts.get(part.rstrip("-"), [1, 12]))
            return _val(date(y, lo, 1), _month_end(y, hi), "month")
        if kind == "month_range":
            a, b = self._month(g("mr_a") or g("mr_a2")), self._month(g("mr_b"))
            # a past range is over by the time of writing: place it by its last month
            yb = int(g("mr_year")) if g("mr_year") else self._pick_year((b, 28), pub, fut, grain="month")
            y = yb - 1 if b < a else yb
            return _val(date(y, a, 1), _month_end(yb, b), "month")
        if kind == "month_year":
            mo, y = self._month(g("my_month")), int(g("my_year"))
            return _val(date(y, mo, 1), _month_end(y, mo), "month")
        if kind == "month":
            mo = self._month(g("month"))
            # a futures contract month ("the May contract") is the coming one
            ahead = bool(self.forward.match(ctx.text, m.end()))
            y = self._pick_year((mo, 1), pub, ahead or fut, grain="month")
            return _val(date(y, mo, 1), _month_end(y, mo), "month")
        if kind == "quarter_range":
            a, b = int(g("qr_a")[1]), int(g("qr_b")[1])
            y = int(g("qr_year")) if g("qr_year") else self._pick_year((3 * a - 2, 1), pub, fut, 3 * (b - a) + 2, "quarter")
            return _val(date(y, 3 * a - 2, 1), _month_end(y, 3 * b), "quarter")
        if kind == "cumulative":
            return self._cumulative(m, ctx, pub, fut)
        if kind == "year_quarter":
            q = int(g("yq_q")) if g("yq_q") else self.ordinals[g("yq_ord").lower()]
            y = int(g("yq_year"))
            return _val(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")
        if kind == "year_half":
            h, y = int(g("yh_h")), int(g("yh_year"))
            return _val(date(y, 6 * h - 5, 1), _month_end(y, 6 * h), "half")
        if kind == "quarter":
            q = (self.ordinals.get((g("q_ord") or "").lower()) or int(g("q_num") or g("q_num2")))
            return self._period(m, "q", 3, q, _yy(g("q_yy2")), ctx, pub, fut, "quarter")
        if kind == "half":
            if g("h_interim") and not (g("h_year") or g("h_fy") or g("h_cal") or g("h_yy")):
                return None  # "half-year results", "interim dividend": no date without a year
            o = (g("h_ord") or "").lower()
            h = 2 if o in ("second", "2nd", "latter") else 1 if (o or g("h_interim")) else int(g("h_num") or g("h_num2"))
            return self._period(m, "h", 6, h, _yy(g("h_yy2")), ctx, pub, fut, "half")
        if kind == "fiscal":
            y = _yy(g("fy") or g("fy2"))
            if g("fy_e"):  # "FY2025-26": the fiscal year that runs from 2025 into 2026
                if (y + 1) % 100 != int(g("fy_e")):
                    return None
                conv = self._fiscal_convention(ctx, m.start())
                if conv is None:
                    return _val(date(y, 1, 1), date(y + 1, 12, 31), "year")
                return self._fiscal_year(y + 1 if conv["label_year"] == "end" else y, ctx, m.start())
            first = self._fiscal_year(y, ctx, m.start())
            if g("fy_b"):
                last = self._fiscal_year(_yy(g("fy_b")), ctx, m.start())
                if last["end"] <= first["start"]:
                    return None
                return {"start": first["start"], "end": last["end"], "grain": "year"}
            return first
        if kind == "year_range":
            a = int(g("yr_a"))
            b_raw = g("yr_b")
            b = int(b_raw) if len(b_raw) == 4 else (a // 100) * 100 + int(b_raw)
            if not (a < b <= a + 50):
                return None
            conv = (self._fiscal_convention(ctx, m.start(), within=300)
                    if (b == a + 1 and len(b_raw) == 2 and "/" not in m.group()) else None)
            if conv is not None:  # "2024-25" where its paragraph settles the fiscal year
                return self._fiscal_year(b if conv["label_year"] == "end" else a, ctx, m.start())
            return _val(date(a, 1, 1), date(b, 12, 31), "year")
        if kind == "by_year":
            y = int(g("by_year"))
            return _val(date(y, 1, 1), date(y, 12, 31), "year")
        if kind == "weekday":
            return self._weekday(g("wd"), (g("wd_rel") or "").strip().lower(), pub, fut)
        if kind == "week":
            rel = g("wk_rel").lower()
            return self._shift(pub, "week", {"last": -1, "past": -1, "this": 0, "next": 1}[rel])
        if kind == "relative":
            return self._relative(g("rel").lower(), pub)
        if kind == "year":
            y = int(g("year"))
            return _val(date(y, 1, 1), date(y, 12, 31), "year")
        return None

    def _period(self, m: re.Match, p: str, months: int, n: int, yy: Optional[int], ctx: Context,
                pub: Optional[date], fut, grain: str) -> dict:
        """Quarter or half ``n`` (``months`` long) of the year its words give: a calendar year,
        a fiscal year of the article's convention (``Q3 FY25``), "that year", or none (then the
        one the publish date and the tense settle)."""
        g = m.group
        if g(p + "_fy"):
            fy = self._fiscal_year(_yy(g(p + "_fyy")), ctx, m.start())
            sy, sm = int(fy["start"][:4]), int(fy["start"][5:7])
            y1, m1 = _add_months(sy, sm, months * (n - 1))
            y2, m2 = _add_months(y1, m1, months - 1)
            return _val(date(y1, m1, 1), _month_end(y2, m2), grain)
        y = yy or _yy(g(p + "_year") or g(p + "_caly") or g(p + "_yy"))
        if y is None and g(p + "_that"):
            y = self._named_year(g(p + "_that").lower(), m, ctx, pub, grain)
        first = months * (n - 1) + 1
        if y is None:
            y = self._pick_year((first, 1), pub, fut, months - 1, grain)
        return _val(date(y, first, 1), _month_end(y, first + months - 1), grain)

    def _named_year(self, word: str, m: re.Match, ctx: Context, pub: Optional[date], grain: str) -> int:
        """The year of "of that year" (the last year the text named before), "this year",
        "last year"."""
        if word == "that":
            years = re.findall(rf"(?<![\d.,/$¥€£-]){YEAR}", ctx.text[max(0, m.start() - 3000):m.start()])
            if years:
                return int(years[-1])
            raise _Unresolved(grain)
        if pub is None:
            raise _Unresolved(grain)
        return pub.year + {"this": 0, "last": -1, "next": 1}[word]

    def _cumulative(self, m: re.Match, ctx: Context, pub: Optional[date], fut) -> dict:
        """``the first five months of 2024`` (January-May, grain month), ``the first three
        quarters`` (January-September, grain quarter)."""
        g = m.group
        n_text = g("cu_n").lower()
        n = int(n_text) if n_text.isdigit() else int(parse_spelled(n_text) or 0)
        quarters = g("cu_unit").lower().startswith("quarter")
        last = 3 * n if quarters else n
        grain = "quarter" if quarters else "month"
        if not 1 <= last <= 12:
            return None
        if g("cu_year"):
            y = int(g("cu_year"))
        elif g("cu_that"):
            y = self._named_year(g("cu_that").lower(), m, ctx, pub, grain)
        else:  # a cumulative period is over: the latest whose last month has closed
            if pub is None:
                raise _Unresolved(grain)
            y = pub.year if (last, 28) <= (pub.month, pub.day) or last < pub.month else pub.year - 1
        return _val(date(y, 1, 1), _month_end(y, last), grain)

    def _ended(self, m: re.Match, pub: Optional[date], base: Optional[str]) -> Optional[dict]:
        g = m.group
        has_year = re.search(YEAR, g("e_day")) is not None
        if not has_year and pub is None:
            n = 3 if g("n_q") else 6 if g("n_h") else 12
            raise _Unresolved({3: "quarter", 6: "half", 12: "year"}.get(n, "month"))
        end = self._day(g("e_day"), base, "past")
        if end is None:
            return None
        if not has_year:  # a reporting period that has ended: the latest on or before publication
            end = end.replace(year=pub.year if (end.month, end.day) <= (pub.month, pub.day) else pub.year - 1)
        if g("n_year"):
            n = 12
        elif g("n_q"):
            n = 3
        elif g("n_h"):
            n = 6
        else:
            n = {"three": 3, "six": 6, "nine": 9, "twelve": 12}.get(g("n_months").lower()) or int(g("n_months"))
        y, mo = _add_months(end.year, end.month, 1 - n)
        return _val(date(y, mo, 1), end, {3: "quarter", 6: "half", 12: "year"}.get(n, "month"))

    def _numeric(self, m: re.Match, ctx: Context) -> Optional[dict]:
        """``21/10/2025`` (day first: 21 is no month), ``10/21/2025`` (month first), ``5.3.2025``
        (day first, the European dotted form); ``05/06/2025`` only where the article's other
        numeric dates settle the order."""
        a, b = int(m.group("na")), int(m.group("nb"))
        y = _yy(m.group("ny"))
        if a > 12 and b > 12:
            return None
        if a > 12 or m.group("nsep") == ".":
            d, mo = a, b
        elif b > 12:
            mo, d = a, b
        elif a == b:
            d = mo = a
        else:
            order = self._numeric_order(ctx)
            if order is None:
                return None
            d, mo = (a, b) if order == "dm" else (b, a)
        day = date(y, mo, d)
        return _val(day, day, "day")

    @staticmethod
    def _numeric_order(ctx: Context) -> Optional[str]:
        """``dm`` or ``md``: the order an article's unambiguous numeric dates use, if they agree."""
        if "numeric_order" not in ctx.memo:
            orders = set()
            for n in re.finditer(r"(?<![\d./-])(\d{1,2})[/-](\d{1,2})[/-](?:19|20)?\d\d(?![\d/])", ctx.text):
                a, b = int(n.group(1)), int(n.group(2))
                if a > 12 >= b:
                    orders.add("dm")
                elif b > 12 >= a:
                    orders.add("md")
            ctx.memo["numeric_order"] = orders.pop() if len(orders) == 1 else None
        return ctx.memo["numeric_order"]

    def _weekday(self, name: str, rel: str, pub: Optional[date], fut) -> dict:
        """``Friday`` / ``on Friday``: the latest on or before publication (the next on or
        after it when the sentence announces something); ``last Friday`` the latest strictly
        before, ``next Friday`` the first strictly after, ``this Friday`` the one of the
        publication's week (Monday to Sunday)."""
        if pub is None:
            raise _Unresolved("day")
        wd = ("monday tuesday wednesday thursday friday saturday sunday".split()).index(name.lower())
        back = (pub.weekday() - wd) % 7
        if rel in ("last", "past"):
            d = pub - timedelta(days=back or 7)
        elif rel == "next":
            d = pub + timedelta(days=((wd - pub.weekday()) % 7) or 7)
        elif rel == "this":
            d = pub - timedelta(days=pub.weekday()) + timedelta(days=wd)
        elif fut:
            d = pub + timedelta(days=(wd - pub.weekday()) % 7)
        else:
            d = pub - timedelta(days=back)
        return _val(d, d, "day")

    def _fiscal_marks(self, ctx: Context) -> tuple[list[int], list[Optional[dict]]]:
        """Where the article says how a fiscal year runs, found once per text: each place that
        names a country with a fiscal convention of its own (``Japan``, ``ASX``, ``India``) and
        each statement (``financial year runs to 30 June``), with that convention (None for a
        calendar year)."""
        marks = ctx.memo.get("fiscal_marks")
        if marks is not None:
            return marks
        text = ctx.text
        found: list[tuple[int, Optional[dict]]] = []
        for c in self.fiscal.values():
            for cue in c["cues"]:
                i = text.find(cue)
                while i >= 0:
                    found.append((i, c))
                    i = text.find(cue, i + 1)
        for st in _FY_STATED.finditer(text):
            end_month = self._month(st.group("m1") or st.group("m2"))
            if end_month == 12:
                found.append((st.start(), None))
                continue
            start_month = end_month % 12 + 1
            label = "end"
            fy, end_year = st.group("fy"), st.group("y1") or st.group("y2")
            if fy and end_year:  # "FY2023, the year ended March 31, 2024": labelled by its start
                label = "start" if _yy(fy) + 1 == int(end_year) else "end"
            else:
                same = [c for c in self.fiscal.values() if c["start_month"] == start_month]
                label = same[0]["label_year"] if len(same) == 1 else "end"
            found.append((st.start(), {"start_month": start_month, "label_year": label}))
        found.sort(key=lambda x: x[0])
        marks = ctx.memo["fiscal_marks"] = ([p for p, _ in found], [c for _, c in found])
        return marks

    def _fiscal_convention(self, ctx: Context, pos: int, within: Optional[int] = None) -> Optional[dict]:
        """How the fiscal year of a mention at ``pos`` runs: the convention named nearest to it
        (within ``within`` characters, if given); None for a calendar year."""
        positions, convs = self._fiscal_marks(ctx)
        if not positions:
            return None
        i = bisect_left(positions, pos)
        near = [j for j in (i - 1, i) if 0 <= j < len(positions)]
        j = min(near, key=lambda k: abs(positions[k] - pos))
        if within is not None and abs(positions[j] - pos) > within:
            return None
        return convs[j]

    def _fiscal_year(self, y: int, ctx: Context, pos: int = 0) -> dict:
        """FYnnnn: the calendar year unless the article places the issuer where fiscal years
        start elsewhere (Japan in April labelled by their start, India in April and Australia in
        July labelled by their end), or states its own."""
        conv = self._fiscal_convention(ctx, pos)
        if conv is not None:
            sm = conv["start_month"]
            first = y if conv["label_year"] == "start" else y - 1
            end_y, end_m = _add_months(first, sm, 11)
            return _val(date(first, sm, 1), _month_end(end_y, end_m), "year")
        return _val(date(y, 1, 1), date(y, 12, 31), "year")

    def _relative(self, phrase: str, pub: Optional[date]) -> Optional[dict]:
        phrase = re.sub(r"\s+", " ", phrase)
        if phrase not in self.relative:
            return None
        grain, delta = self.relative[phrase]
        return self._shift(pub, grain, delta)
