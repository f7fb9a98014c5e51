"""DATE: days, months, quarters, halves, years and ranges of them, resolved against ``published``.

Candidates come from one compiled pattern over the repaired text; each span is then resolved
on its own: dateparser (``languages=['en']``, the publish date as ``RELATIVE_BASE``, an explicit
``PREFER_DAY_OF_MONTH``; cached) for day dates and relative words, our own rules for what it
does not do (quarters, halves, month and year ranges, fiscal years, ``early December``).

A date without a year takes the latest occurrence on or before ``published`` unless its
sentence announces something (``will``, ``expected``, ...), then the next one.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Optional

from ...patterns import alternation, load_json
from .base import Context, Ent, Recognizer, context, doc_text

_MONTH_FULL = ("January|February|March|April|May|June|July|August|September|October|November|"
               "December")
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
MONTH = rf"(?:{_MONTH_FULL}|{_MONTH_ABBR})(?![a-z])"
# "May" is a verb as often as a month: alone it needs a preposition before it
_MAY_ALONE = re.compile(r"(?:in|since|from|until|till|by|of|during|early|mid|late|end of)\s+$", re.I)
DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d%])"
YEAR = r"(?:19[5-9]\d|20\d\d)(?![\d%])"
_Y = rf"(?<![\d.,/$¥€£-]){YEAR}"
_ORD = r"(?:first|second|third|fourth|final|last|1st|2nd|3rd|4th)"
_PART = r"(?:early|mid-?|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|start\s+of|middle\s+of)"

_ALTS = [
    # the three months ended June 30, 2025
    ("ended", rf"(?:the\s+)?(?:(?P<n_months>three|six|nine|twelve|3|6|9|12)[\s-]months?|(?:fiscal\s+|financial\s+)?(?P<n_year>year))\s+(?:ended|ending)\s+(?P<e_day>{MONTH}\s+{DAY},?\s+{YEAR}|{DAY}\s+{MONTH},?\s+{YEAR})"),
    ("month_quarter", rf"(?P<mq_end>(?:the\s+)?end\s+of\s+)?(?:the\s+)?(?P<mq_month>March|June|September|December)(?:\s+(?P<mq_year>{YEAR}))?\s+quarter"),
    ("dotted", rf"(?<![\d.])(?P<dotted>(?:3[01]|[12]\d|0?[1-9])\.(?:1[0-2]|0?[1-9])\.{YEAR})(?![\d.])"),
    ("iso", rf"(?<![\d.])(?P<iso>{YEAR}[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?![\d])"),
    ("mdy", rf"(?P<mdy>{MONTH}\s+{DAY}(?:,?\s+{YEAR})?)(?![\d,]\d)"),
    ("dmy", rf"(?<![\d.,])(?P<dmy>{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR})?)"),
    ("part_month", rf"(?P<pm_part>{_PART})\s*(?P<pm_month>{MONTH})(?:,?\s+(?P<pm_year>{YEAR}))?"),
    ("part_year", rf"(?P<py_part>(?:by\s+)?(?:{_PART}|the\s+end\s+of))\s*(?P<py_year>{YEAR})"),
    ("month_range", rf"(?:between\s+(?P<mr_a2>{MONTH})\s+and\s+|(?P<mr_a>{MONTH})\s?(?:-|to|through|until)\s?)(?P<mr_b>{MONTH})(?:,?\s+(?P<mr_year>{YEAR}))?"),
    ("quarter_range", rf"(?P<qr_a>Q[1-4])\s?(?:-|to|through)\s?(?P<qr_b>Q[1-4])(?:\s+(?P<qr_year>{YEAR}))?"),
    ("month_year", rf"(?P<my_month>{MONTH}),?\s?(?P<my_year>{YEAR})"),
    ("quarter", rf"(?:(?:the\s+)?(?P<q_ord>{_ORD})[\s-]quarter(?:(?:\s+of)?\s+(?:fiscal\s+)?(?P<q_year>{YEAR}))?"
                rf"|(?<![A-Za-z0-9])Q(?P<q_num>[1-4])(?:(?:\s+|\s*of\s+|')(?P<q_year2>{YEAR}|\d\d(?!\d)))?(?![A-Za-z0-9])"
                rf"|(?<![A-Za-z0-9])(?P<q_num2>[1-4])Q(?P<q_yy>\d\d)?(?![A-Za-z0-9]))"),
    ("half", rf"(?:(?:the\s+)?(?P<h_ord>first|second|1st|2nd|latter)[\s-]half(?:(?:\s+of)?\s+(?P<h_year>{YEAR}))?"
             rf"|(?<![A-Za-z0-9])H(?P<h_num>[12])(?:\s+(?P<h_year2>{YEAR})|'?(?P<h_yy>\d\d)(?!\d))?(?![A-Za-z0-9])"
             rf"|(?<![A-Za-z0-9])(?P<h_num2>[12])H(?P<h_yy2>\d\d)(?![A-Za-z0-9]))"),
    ("fiscal", rf"(?:(?<![A-Za-z])FY\s?(?P<fy>{YEAR}|\d\d(?!\d))|fiscal(?:\s+year)?\s+(?P<fy2>{YEAR}))"),
    ("year_range", rf"(?:between\s+)?(?P<yr_a>{_Y})\s?(?:-|to|through|and|until|/)\s?(?P<yr_b>{YEAR}|\d\d(?![\d%]))"),
    ("by_year", rf"(?P<by>by|the\s+year)\s+(?P<by_year>{_Y})"),
    ("relative", r"(?i:(?P<rel>(?:last|previous|this|next)\s+(?:month|year|quarter)|yesterday|today|tomorrow))(?![a-z])"),
    ("month", rf"(?P<month>{MONTH})"),
    ("year", rf"(?P<year>{_Y})(?!\s*(?:%|[-/]\d|\.\d|tons?|tonnes?|t\b|kg|MW|GW|units?|batches))"),
]
# every alternative starts a word with one of these: checking them first lets the engine skip
# most positions of a text at once instead of trying each alternative there
_ANCHOR = (r"(?<![A-Za-z0-9])(?=[Tt]he\b|[Bb]y\b|[Bb]etween\b|[Ee]arly|[Mm]id|[Ll]ate\b|[Ee]nd\b|"
           r"[Bb]eginning|[Ss]tart\b|[Mm]iddle|[Ff]iscal|[Ff]inancial|[Ll]ast\b|[Pp]revious|[Tt]his\b|"
           r"[Nn]ext\b|[Yy]esterday|[Tt]oday|[Tt]omorrow|[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]inal|"
           r"[Ll]atter|[1-4](?:st|nd|rd|th|Q|H)|[JFMASOND][a-z]|Q[1-4]|H[12]|FY|"
           # a digit starts a date only before a digit, a space, a dot ("1.10.2025") or an
           # ordinal ending ("5th"): "5%", "5,000" and "$5" are turned away at once
           r"\d(?=[\d\s.stnr]))")
DATE_RE = re.compile(_ANCHOR + "(?:" + "|".join(f"(?P<_{name}>{rx})" for name, rx in _ALTS) + ")")


@lru_cache(maxsize=4)
def _data(patterns_dir: str | None = None):
    d = load_json("dates.json", patterns_dir)
    future = re.compile(r"\b(?=\w)(?:%s)\b" % alternation(d["future_cues"]), re.I)
    # a reporting verb, with its preposition and the space after: one right before a date
    # makes it a past event
    past_before = re.compile(r"\b(?=\w)(?:%s)(?:\s+on|\s+in|\s+at)?\s*" % alternation(d["past_verbs"]), re.I)
    fiscal = {k: v for k, v in d["fiscal_years"].items() if not k.startswith("_")}
    return (d["months"], d["ordinals"], d["month_parts"], d["year_parts"], d["relative"], future,
            past_before, fiscal)


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


@lru_cache(maxsize=16384)
def _dateparse(text: str, base: Optional[str], prefer: str) -> Optional[date]:
    import dateparser

    settings = {"PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": prefer,
                "RETURN_AS_TIMEZONE_AWARE": False}
    if base:
        settings["RELATIVE_BASE"] = datetime.fromisoformat(base)
    d = dateparser.parse(text, languages=["en"], settings=settings)
    return d.date() if d else None


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
         self.future, self.past_before, self.fiscal) = _data(patterns_dir)
        self._resolved: dict[tuple, tuple[bool, Optional[dict]]] = {}
        self.modal_follow = frozenset("be have not also well never still soon continue rise fall "
                                      "need take see become help lead remain affect face".split())

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc), doc._.rei_published)

    def scan(self, text: str, published: Optional[str] = None) -> list[Ent]:
        pub = date.fromisoformat(published) if published else None
        out = []
        ctx = context(text)
        for m in DATE_RE.finditer(text):
            # the alternative's group closes last, so it is the match's last group
            kind = m.lastgroup[1:]
            if kind == "month" and m.group("month") == "May" and not self._may_is_month(text, m):
                continue
            value = self._resolve_cached(kind, m, ctx, pub, published)
            if value is None:
                continue
            out.append(Ent(self.label, m.start(), m.end(), dict(value)))
        return out

    def _resolve_cached(self, kind: str, m: re.Match, ctx: Context, pub: Optional[date],
                        published: Optional[str]) -> Optional[dict]:
        """:meth:`resolve`, once per date text, publish date and (for a date without a year)
        whether its sentence announces something: the same "Q3" or "September" recurs all
        through an article and a dump. A fiscal year depends on the whole article: not kept."""
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
        if kind != "fiscal":
            if fut.value is None:
                self._resolved[key] = (False, value)
            else:
                self._resolved[key] = (True, None)
                self._resolved[key + (fut.value,)] = (False, value)
        return value

    def _resolve_safe(self, *args) -> Optional[dict]:
        try:
            return self.resolve(*args)
        except (ValueError, OverflowError):  # "February 30", a year out of range
            return None

    # --- resolution ---------------------------------------------------------------------------

    def _month(self, s: str) -> int:
        return self.months[s.lower().rstrip(".")]

    def _may_is_month(self, text: str, m: re.Match) -> bool:
        """"May" alone is a month after a preposition, or opening a line before a noun
        ("May magnet exports slump"); otherwise it is the verb."""
        if _MAY_ALONE.search(text[max(0, m.start() - 12):m.start()]):
            return True
        line_start = m.start() == 0 or text[m.start() - 1] == "\n"
        nxt = re.match(r"\s+([a-z]+)", text[m.end():m.end() + 20])
        return bool(line_start and nxt and nxt.group(1) not in self.modal_follow)

    def _future(self, ctx: Context, m: re.Match) -> bool:
        """An announced event: a future cue before the date in its sentence, and no past
        reporting verb right before it ("said on 26 June that it will ..." is past)."""
        pos = m.start()
        cues = ctx.cues(self.future)
        if not cues.starts or cues.starts[0] >= pos:  # no cue before it at all: the common case
            return False
        lo = ctx.left_sentence_start(pos)
        if cues.last(lo, pos) is None:
            return False
        return ctx.cues(self.past_before).ending_at(pos, max(lo, pos - 40)) is None

    def _pick_year(self, first: tuple[int, int], pub: Optional[date], future: bool,
                   months_ahead: int = 0) -> int:
        """The year for a yearless (month, day): latest on/before ``pub``, or next if future."""
        if pub is None:
            return date.today().year
        y = pub.year
        mo, d = first
        if (mo, d) > (pub.month, pub.day):
            y -= 1
        if date(y, mo, min(d, 28)) < pub and future:
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
        if kind in ("mdy", "dmy"):
            s = g(kind)
            has_year = re.search(YEAR, s) is not None
            day = _dateparse(s, base, "future" if not has_year and fut else "past")
            if day is None:
                return None
            if not has_year and pub:
                day = day.replace(year=self._pick_year((day.month, day.day), pub, fut))
            return _val(day, day, "day")
        if kind == "dotted":
            d, mo, y = (int(x) for x in g("dotted").split("."))
            day = date(y, mo, d)
            return _val(day, day, "day")
        if kind == "month_quarter":
            mo = self._month(g("mq_month"))
            y = int(g("mq_year")) if g("mq_year") else self._pick_year((mo, 28), pub, fut)
            if g("mq_end"):
                day = _month_end(y, mo)
                return _val(day, day, "day")
            return _val(date(y, mo - 2, 1), _month_end(y, mo), "quarter")
        if kind == "ended":
            end = _dateparse(g("e_day"), base, "past")
            if end is None:
                return None
            if g("n_year"):
                n = 12
            else:
                n = {"three": 3, "six": 6, "nine": 9, "twelve": 12}.get(g("n_months").lower()) or int(g("n_months"))
            y, mo = end.year, end.month - n + 1
            while mo <= 0:
                mo += 12
                y -= 1
            return _val(date(y, mo, 1), end, {3: "quarter", 6: "half", 12: "year"}.get(n, "month"))
        if kind == "part_month":
            mo = self._month(g("pm_month"))
            part = re.sub(r"\s+", " ", g("pm_part").lower())
            lo, hi = self.month_parts.get(part, self.month_parts.get(part.rstrip("-"), [1, 31]))
            y = int(g("pm_year")) if g("pm_year") else self._pick_year((mo, 1), pub, fut)
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
            yb = int(g("mr_year")) if g("mr_year") else self._pick_year((b, 28), pub, fut)
            y = yb - 1 if b < a else yb
            return _val(date(y, a, 1), _month_end(yb, b), "month")
        if kind == "month_year":
            mo, y = self._month(g("my_month")), int(g("my_year"))
            return _val(date(y, mo, 1), _month_end(y, mo), "month")
        if kind == "month":
            mo = self._month(g("month"))
            y = self._pick_year((mo, 1), pub, fut)
            return _val(date(y, mo, 1), _month_end(y, mo), "month")
        if kind == "quarter_range":
            a, b = int(g("qr_a")[1]), int(g("qr_b")[1])
            y = int(g("qr_year")) if g("qr_year") else self._pick_year((3 * a - 2, 1), pub, fut)
            return _val(date(y, 3 * a - 2, 1), _month_end(y, 3 * b), "quarter")
        if kind == "quarter":
            q = (self.ordinals.get((g("q_ord") or "").lower()) or int(g("q_num") or g("q_num2")))
            y = _yy(g("q_year") or g("q_year2") or g("q_yy"))
            if y is None:
                y = self._pick_year((3 * q - 2, 1), pub, fut)
            return _val(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")
        if kind == "half":
            o = (g("h_ord") or "").lower()
            h = 2 if o in ("second", "2nd", "latter") else 1 if o else int(g("h_num") or g("h_num2"))
            y = _yy(g("h_year") or g("h_year2") or g("h_yy") or g("h_yy2"))
            if y is None:
                y = self._pick_year((6 * h - 5, 1), pub, fut)
            return _val(date(y, 6 * h - 5, 1), _month_end(y, 6 * h), "half")
        if kind == "fiscal":
            y = _yy(g("fy") or g("fy2"))
            return self._fiscal_year(y, ctx)
        if kind == "year_range":
            a = int(g("yr_a"))
            b_raw = g("yr_b")
            b = int(b_raw) if len(b_raw) == 4 else (a // 100) * 100 + int(b_raw)
            if not (a < b <= a + 50):
                return None
            return _val(date(a, 1, 1), date(b, 12, 31), "year")
        if kind == "by_year":
            y = int(g("by_year"))
            return _val(date(y, 1, 1), date(y, 12, 31), "year")
        if kind == "relative":
            return self._relative(g("rel").lower(), pub)
        if kind == "year":
            y = int(g("year"))
            return _val(date(y, 1, 1), date(y, 12, 31), "year")
        return None

    def _fiscal_year(self, y: int, ctx: Context) -> dict:
        """FYnnnn: the calendar year unless the article places the issuer where fiscal years
        start elsewhere (Japan and India in April, Australia in July, labelled by their end)."""
        conv = ctx.memo.get("fiscal", False)
        if conv is False:  # looked up once per text, not once per FY
            conv = ctx.memo["fiscal"] = next(
                (c for c in self.fiscal.values() if any(cue in ctx.text for cue in c["cues"])), None)
        if conv is not None:
            sm = conv["start_month"]
            first = y if conv["label_year"] == "start" else y - 1
            end_y, end_m = (first + 1, sm - 1) if sm > 1 else (first, 12)
            return _val(date(first, sm, 1), _month_end(end_y, end_m), "year")
        return _val(date(y, 1, 1), date(y, 12, 31), "year")

    def _relative(self, phrase: str, pub: Optional[date]) -> Optional[dict]:
        phrase = re.sub(r"\s+", " ", phrase)
        if phrase not in self.relative or pub is None:
            return None
        grain, delta = self.relative[phrase]
        if grain == "day":
            d = pub + timedelta(days=delta)
            return _val(d, d, "day")
        if grain == "year":
            y = pub.year + delta
            return _val(date(y, 1, 1), date(y, 12, 31), "year")
        if grain == "month":
            idx = pub.year * 12 + pub.month - 1 + delta
            y, mo = divmod(idx, 12)
            return _val(date(y, mo + 1, 1), _month_end(y, mo + 1), "month")
        q = (pub.month - 1) // 3 + delta
        y = pub.year + q // 4
        q = q % 4 + 1
        return _val(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), "quarter")
