"""PERCENT: a percentage with its direction and its basis (MoM, YoY, QoQ).

The span is the number and its sign word (``6.1%``, ``12 per cent``); the words around it, in
the same clause, give the direction (``down 6.1%``, ``a 7.5% decrease``, ``(+189.72% YoY)``) and
the basis. Levels and shares (``a 25% tariff``, ``from 2.8% to 1.5%``, ``90% of output``) keep
``direction: null``.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from ..numbers import NUM, parse_number, parse_spelled, spelled_regex
from ...patterns import alternation, led, load_json
from .base import Ent, Matches, Recognizer, context, doc_text

_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*|\+|%")
# words skipped between a cue and its number: "decreased by more than 70%", "a plunge of 42.2%"
_FILLER = frozenset(
    "by of a an the about nearly some around approximately roughly almost just over more than "
    "significant significantly sharp sharply strong strongly slight slightly modest steep "
    "substantial marked further another record whopping staggering respectively only as much".split()
)


@lru_cache(maxsize=4)
def _cues(patterns_dir: str | None = None):
    data = load_json("percent_cues.json", patterns_dir)
    up = frozenset(w.lower() for w in data["up"])
    down = frozenset(w.lower() for w in data["down"])
    level_after = frozenset(w.lower() for w in data["level_after"])
    multi_before = [w for w in data["level_before"] if " " in w]
    level_before = frozenset(w.lower() for w in data["level_before"] if " " not in w)
    # phrases that must end the left clause: tested with str.endswith, not a regex search
    level_before_end = tuple(w.lower() for w in multi_before)
    up_before_end = tuple(w.lower() for w in data.get("up_phrases", []))
    basis, basis_any = _basis_patterns(data["basis"])
    loose_any = _basis_patterns(data.get("basis_loose", {}))[1]
    after = (frozenset(w.lower() for w in data.get("up_after", [])),
             frozenset(w.lower() for w in data.get("down_after", [])),
             frozenset(w.lower() for w in data.get("level_verbs", [])))
    market = led(re.compile(r"(?<![A-Za-z])(?:%s)(?![A-Za-z])" % alternation(data.get("market_moves", [])), re.I)) \
        if data.get("market_moves") else None
    return (up, down, level_before, level_before_end, up_before_end, level_after, basis, (basis_any, loose_any),
            after, market)


def _basis_patterns(table: dict[str, list[str]]):
    """Per basis code a pattern of its phrases, and one pattern for all of them (one search
    per window instead of one per basis; the group that matched names the code)."""
    basis = []
    groups = []
    for code, phrases in table.items():
        for p in phrases:
            # the whole-text search below skips positions that do not start a word
            if not (p[:1].isalnum() or p.startswith("(?")):
                raise ValueError(f"percent_cues.json: basis phrase {p!r} must start with a letter or digit")
        # a phrase with regex syntax (a backslash or a group) is a pattern, else a literal
        alts = alternation((p if ("\\" in p or "(?" in p) else re.escape(p) for p in phrases), regex=True)
        basis.append((code, led(re.compile(r"(?<![A-Za-z])(?:%s)(?![A-Za-z])" % alts, re.I))))
        groups.append(f"(?P<{code}>{alts})")
    # led: the cues' first letters tried first (2x faster; see patterns.led)
    basis_any = led(re.compile(r"(?<![A-Za-z])(?=\w)(?:%s)(?![A-Za-z])" % "|".join(groups), re.I)) if groups else None
    return basis, basis_any


# the sign word: "%", "percent", "per cent", "pc" (the trade press), percentage points ("pp")
_PCT = r"(?:%|(?:percent(?:age)?\s+points?|per\s?cent|percent|pct|ppts?|pp|pc)(?![A-Za-z]))"
# led by what a match starts with (a sign, a digit, the dot of ".5"): one test at a letter
# instead of two look-behinds (99 -> 60 us per article)
PERCENT_RE = re.compile(
    rf"(?=[-+.\d])(?<![\w.])(?<!\d,)(?P<sign>[+-])?(?P<num>{NUM})"
    rf"(?:\s?(?:-|–|to|~)\s?(?P<num2>{NUM}))?"
    rf"\s?(?P<pct>{_PCT})"
)
# "five percent", "one percentage point": the sign word after a spelled-out number
SPELLED_TAIL = re.compile(rf"[\s-](?P<pct>{_PCT})")
# what may stand between the two ends of a range written with two signs: "5%-7%", "5% to 7%"
_RANGE_GAP = re.compile(r"\s?(?:[-–~]|to)\s?")
# a clause joined to the one before by "and"/"while"/a comma: "rose 32pc and 38pc"
_JOIN = re.compile(r"\band\b|\bwhile\b|\bwhereas\b|,\s")


_UNSEEN = object()
# how far from its number a basis phrase may stand: after it, before it; a comparison with a
# figure ("from 146,400 dmt in the September quarter") may start that far and run longer
_BASIS_AFTER, _BASIS_BEFORE, _LOOSE_LENGTH = 45, 50, 80
# a clause that begins by naming what a change is measured from (", from US$2,240/dmt the
# previous quarter") still belongs to the change before it
_FROM_CLAUSE = re.compile(r",\s{0,3}(?:from|against|versus|vs\.?|compared (?:to|with))\s", re.I)


class PercentRecognizer(Recognizer):
    label = "PERCENT"

    def __init__(self, patterns_dir: str | None = None):
        (self.up, self.down, self.level_before, self.level_before_end, self.up_before_end,
         self.level_after, self.basis, (self.basis_any, self.basis_loose), after, self.market) = _cues(patterns_dir)
        self.up_after, self.down_after, self.level_verbs = after
        self._basis_words: dict[str, bool] = {}
        self._directions: dict[tuple, str | None] = {}

    def find(self, doc) -> list[Ent]:
        return self.scan(doc_text(doc))

    def scan(self, text: str) -> list[Ent]:
        out: list[Ent] = []
        ctx = context(text)
        cands = self._candidates(text, ctx)
        if not cands:
            return out
        # bases are looked for only in the windows around the percentages (every window once)
        windows = [(s - _BASIS_BEFORE - 2, e + _BASIS_AFTER + 2) for s, e, *_ in cands]
        bases = Matches(self.basis_any, text, windows)
        loose = (Matches(self.basis_loose, text, [(s - _BASIS_BEFORE - 2, e + _BASIS_AFTER + _LOOSE_LENGTH)
                                                  for s, e, *_ in cands])
                 if self.basis_loose is not None else None)
        prev: tuple | None = None  # (entity, sign) of the percentage before, for ranges and lists
        for start, end, sign, value, value_max in cands:
            # the clause of the number, found once: every window below is a slice of it
            lo, hi = ctx.clause_bounds(start, end)
            first = prev[0] if prev and self._continues_range(text, prev[0], start, sign) else None
            if first is not None:  # "1,882%-2,014% YoY", "up 5% to 7%": one change, two ends
                sign = prev[1]
                left_from = first.start
                lo = min(lo, ctx.clause_bounds(first.start, first.end)[0])
            else:
                left_from = start
            p = text[left_from - 1] if left_from else ""
            direction = self.direction(sign, p, text[max(lo, left_from - 60):left_from].lower(),
                                       text[end:min(hi, end + 50)].lower())
            level = direction is None and self._is_level(text, left_from, end, lo, hi)
            basis = None if level else (self.find_basis(bases, left_from, end, lo, hi)
                                        or (loose and self.find_loose(loose, text, ctx, left_from, end, lo, hi,
                                                                      direction is not None))
                                        or None)
            if basis and direction is None and not level:
                # "(40% YoY)": a change with a base and no word for its direction is a rise
                direction = "up"
            if direction is None and not level and prev and first is None:
                direction, basis = self._joined(text, prev[0], start, basis)
            val = {"value": value, "direction": direction, "basis": basis}
            if value_max is not None:
                val["value_max"] = value_max
            ent = Ent(self.label, start, end, val)
            if first is not None:
                first.value["direction"], first.value["basis"] = direction, basis
            out.append(ent)
            prev = (ent, sign)
        return out

    def _candidates(self, text: str, ctx):
        """(start, end, sign, value, value_max) of every percentage, in text order; none inside
        a URL (``%2C``, ``%20`` are escapes there)."""
        found = []
        for m in PERCENT_RE.finditer(text):
            value = parse_number(m.group("num"))
            if value is None or ctx.in_url(m.start(), m.end()):
                continue
            hi = parse_number(m.group("num2")) if m.group("num2") else None
            found.append((m.start("num"), m.end(), m.group("sign"), value, hi))
        for m in ctx.cues(spelled_regex()).matches:
            t = SPELLED_TAIL.match(text, m.end())
            if t is None:
                continue
            value = parse_spelled(m.group())
            if value is not None:
                found.append((m.start(), t.end(), None, value, None))
        found.sort()
        return found

    @staticmethod
    def _continues_range(text: str, before: Ent, start: int, sign: str | None) -> bool:
        """This percentage is the high end of a range whose low end is ``before``."""
        gap = text[before.end:start - (1 if sign else 0)]
        return bool(_RANGE_GAP.fullmatch(gap) or (gap == "" and sign == "-"))

    def _joined(self, text: str, before: Ent, start: int, basis: str | None) -> tuple:
        """A percentage listed after another in the same sentence with no cue of its own
        ("rose 32pc and 38pc", "Ganfeng rose 3.72% and Tianqi 3.81%") shares its direction and,
        when it states none, its basis."""
        d = before.value.get("direction")
        gap = text[before.end:start]
        if d is None or len(gap) > 80 or "\n" in gap or ". " in gap:
            return None, basis
        last = None
        for last in _JOIN.finditer(gap):  # the last joining word: what follows it is this one's own
            pass
        if last is None or len(gap[last.end():].split()) > 3:
            return None, basis
        return d, basis or before.value.get("basis")

    def _is_level(self, text: str, start: int, end: int, lo: int, hi: int) -> bool:
        left = text[max(lo, start - 40):start].lower().split()
        right = text[end:min(hi, end + 30)].lower().split()
        return bool((left and left[-1] in self.level_before) or (right and right[0] in self.level_after))

    def direction(self, sign: str | None, prev: str, left: str, right: str) -> str | None:
        """``up``, ``down`` or None from the sign of the number, the character before it and
        the lowercased words of its clause: up to 60 characters ``left`` of it and 50
        ``right`` of it. A function of these alone, so that repeated statements (the same
        paragraph on many pages) are read once."""
        key = (sign, prev, left, right)
        found = self._directions.get(key, _UNSEEN)
        if found is _UNSEEN:
            if len(self._directions) > 16384:  # bounded (~5 MB): a dump's sentences have no end
                self._directions.clear()
            found = self._directions[key] = self._direction(sign, prev, left, right)
        return found

    def _direction(self, sign: str | None, prev: str, left: str, right_text: str) -> str | None:
        if sign == "+":
            return "up"
        if sign == "-" and not prev.isalnum():
            return "down"
        up, down = self.up, self.down
        right = _WORD.findall(right_text)
        # a noun right after the number decides: "a 7.5% decrease", "a 130% QoQ spike"
        for w in right[:3]:
            if w in up or w in self.up_after:
                return "up"
            if w in down or w in self.down_after:
                return "down"
            if not self._is_basis_word(w):
                break
        tail = left.rstrip()
        if self.up_before_end and tail.endswith(self.up_before_end):
            return "up"
        if self.level_before_end and tail.endswith(self.level_before_end):
            return None
        skipped = 0
        words = _WORD.findall(left)
        for i in range(len(words) - 1, -1, -1):
            w = words[i]
            if w == "up" and i and words[i - 1] in self.level_verbs:
                return None  # "made up 50%", "taking up 17%": a share
            if w in up:
                return "up"
            if w in down:
                return "down"
            if w in self.level_before:
                return None
            if w in _FILLER or self._is_basis_word(w):
                continue
            skipped += 1
            if skipped > 2:
                break
        for w in right[:4]:
            if w in self.level_after:
                return None
            if w in up:
                return "up"
            if w in down:
                return "down"
        return None

    def _is_basis_word(self, w: str) -> bool:
        known = self._basis_words.get(w)
        if known is None:
            if len(self._basis_words) > 65536:  # bounded: a dump's vocabulary has no end
                self._basis_words.clear()
            known = self._basis_words[w] = any(rx.fullmatch(w) for _, rx in self.basis)
        return known

    @staticmethod
    def find_basis(bases: Matches, start: int, end: int, lo: int, hi: int) -> str | None:
        """The basis stated nearest after the number in its clause, else nearest before it."""
        m = bases.first(end, min(hi, end + _BASIS_AFTER))
        if m is None:
            m = bases.last(max(lo, start - _BASIS_BEFORE), start)
        return m.lastgroup if m is not None else None

    @staticmethod
    def find_loose(loose: Matches, text: str, ctx, start: int, end: int, lo: int, hi: int,
                   change: bool) -> str | None:
        """A comparison with a figure that starts near after the number and ends in its clause,
        or, for a change (a percentage with a direction), in the next clause when that one begins
        with what the change is measured from (levels compared there are no change)."""
        nxt = _FROM_CLAUSE.match(text, hi) if change else None
        if nxt is not None:
            hi = ctx.clause_bounds(nxt.end(), nxt.end())[1]
        i = bisect_left(loose.starts, end)
        while i < len(loose.starts) and loose.starts[i] <= end + _BASIS_AFTER:
            if loose.ends[i] <= hi:
                return loose.matches[i].lastgroup
            i += 1
        m = loose.last(max(lo, start - _BASIS_BEFORE), start)
        return m.lastgroup if m is not None else None

    # --- after the other recognizers ---------------------------------------------------------

    def refine(self, doc, by_label: dict[str, list[Ent]]) -> None:
        """Bases a change states through its sentence rather than next to its number: a change
        over a whole calendar year or a year-to-date span (``fell 10pc to 142,000 units in
        2024``, ``January-October imports ... down 22.9%``) is year on year, and a change listed
        after another in one sentence shares the basis stated for the first (``rose 5% from
        September, while those from Brazil fell 34.50%``)."""
        pcts = by_label.get("PERCENT")
        if not pcts:
            return
        text = doc_text(doc)
        dates = sorted((d for d in by_label.get("DATE", []) if _yearly(d.value)), key=lambda d: d.start)
        starts = [d.start for d in dates]
        prev = None
        seen: dict[float, Ent] = {}  # the last change of each value that states its basis
        last_based = None  # the last change with a basis
        for p in sorted(pcts, key=lambda e: e.start):
            v = p.value
            same = seen.get(v["value"])
            if v.get("basis") is None and same is not None and p.start - same.end < 600 \
                    and v.get("direction") in (None, same.value["direction"]) and not self._level_word_after(text, p):
                # "rose 88 per cent year-on-year ... Despite the 88 per cent jump": the same change
                v["direction"], v["basis"] = same.value["direction"], same.value["basis"]
            elif v.get("direction") is not None and v.get("basis") is None:
                if (prev is not None and prev.value.get("basis") and prev.value.get("direction")
                        and _same_sentence(text, prev.end, p.start, 160)):
                    v["basis"] = prev.value["basis"]
                elif self._near_yearly(text, p, dates, starts):
                    v["basis"] = "YoY"
                elif last_based is not None and p.start - last_based.end < 400 and _DEFINITE.search(
                        text, max(0, p.start - 8), p.start):
                    # "Despite the 88 per cent jump": a change told before, with the basis told there
                    v["basis"] = last_based.value["basis"]
                elif last_based is not None and _continues(text, last_based.end, p.start) \
                        and not self._market_move(text, p):
                    # a run of changes told one after another ("imports dropped 47pc on the year
                    # ...\nOxide imports slipped by 15pc"): the comparison stated for the first
                    # holds for the rest of its paragraph and the next
                    v["basis"] = last_based.value["basis"]
            if v.get("basis") and v.get("direction"):
                seen[v["value"]] = p
                last_based = p
            prev = p

    def _market_move(self, text: str, p: Ent) -> bool:
        """A price move on a market ("The shares jumped 11.2%"): its sentence says so."""
        if self.market is None:
            return False
        lo = max(text.rfind("\n", 0, p.start), text.rfind(". ", 0, p.start), p.start - 120)
        return self.market.search(text, lo + 1, p.start) is not None

    def _level_word_after(self, text: str, p: Ent) -> bool:
        words = text[p.end:p.end + 20].lower().split()
        return bool(words) and words[0] in self.level_after

    @staticmethod
    def _near_yearly(text: str, p: Ent, dates: list[Ent], starts: list[int]) -> bool:
        i = bisect_left(starts, p.start - 80)
        while i < len(dates) and dates[i].start <= p.end + 60:
            d = dates[i]
            lo, hi = (d.end, p.start) if d.end <= p.start else (p.end, d.start)
            if hi >= lo and _same_sentence(text, lo, hi, 80):
                return True
            i += 1
        return False


# a percentage a definite article introduces refers to a change already told
_DEFINITE = re.compile(r"(?i:\b(?:the|this|that)\s+)$")


def _continues(text: str, lo: int, hi: int, width: int = 400) -> bool:
    """``hi`` follows ``lo`` in the same paragraph or the next one, at most ``width`` apart, with
    no heading (a short line) between them."""
    gap = text[lo:hi]
    if len(gap) > width or gap.count("\n") > 1:
        return False
    if "\n" in gap:
        line_start = gap.index("\n") + 1
        next_break = text.find("\n", hi)
        line = text[lo + line_start:len(text) if next_break < 0 else next_break]
        if len(line) < 80:  # the next paragraph is a heading or a caption, not the story going on
            return False
    return True


def _same_sentence(text: str, lo: int, hi: int, width: int) -> bool:
    """Nothing between ``lo`` and ``hi`` ends a sentence, and they are at most ``width`` apart."""
    gap = text[lo:hi]
    return len(gap) <= width and "\n" not in gap and ". " not in gap


def _yearly(value: dict) -> bool:
    """A whole calendar year, or January to a later month of one year (year to date)."""
    s, e = value.get("start"), value.get("end")
    if not s or not e or s[:4] != e[:4] or s[5:] != "01-01":
        return False
    g = value.get("grain")
    return (g == "year" and e[5:] == "12-31") or (g in ("month", "quarter") and e[5:7] >= "02")
