"""Text repair: make scraped text tokenisable without losing the raw text.

Scraped pages glue headings to the next sentence (``Export DynamicsSeptember Volume``), lose
the spaces of whole paragraphs (``InSeptember2024,theU.S.DepartmentofEnergy``) and carry odd
characters (``∗``, ``−``, full-width signs, zero-width spaces). The pipeline works on a repaired
copy; :class:`Repaired` maps every offset of that copy back into the raw text, so that every
entity the library reports satisfies ``raw[start:end] == text``.

Repairs are of three kinds, which keeps the offset map simple and exact:
* one-to-one character substitutions (same length, offsets unchanged);
* insertions of a separator (a space, or a newline where a heading was glued to its sentence);
* deletions of the extra spaces of a run (``Lynas  Rare Earths``, ``5,774  tons``, a zero-width
  space beside a space): spaCy makes a token of each extra space, which splits names and
  quantities that a single space would not.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .patterns import first_char_scans

# --- one-to-one substitutions -------------------------------------------------------------

_SUBST = {
    "∗": "*", "−": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "﹣": "-",
    "’": "'", "‘": "'", "′": "'", "“": '"', "”": '"', "″": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ", "\u2009": " ", "\u200a": " ",
    "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ",
    "\u200b": " ", "\u200c": " ", "\u200d": " ", "\u2060": " ", "\ufeff": " ",
    "\u200e": " ", "\u200f": " ", "\u061c": " ",
    "\r": " ", "\t": " ", "\x0b": " ", "\x0c": " ", "\x85": " ", "\u2028": "\n", "\u2029": "\n",
    "￥": "¥", "￡": "£", "€": "€",
    "。": ".", "、": ",", "，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "％": "%",
}
for _cp in range(0x202A, 0x202F):  # bidi embeddings and overrides
    _SUBST[chr(_cp)] = " "
for _cp in range(0x2066, 0x206A):  # bidi isolates
    _SUBST[chr(_cp)] = " "
for _cp in range(0xFF01, 0xFF5F):  # full-width ASCII
    _SUBST.setdefault(chr(_cp), chr(_cp - 0xFEE0))
for _cp in list(range(0x00, 0x20)) + [0x7F] + list(range(0x80, 0xA0)):  # control characters
    if chr(_cp) != "\n":
        _SUBST.setdefault(chr(_cp), " ")
# the characters to substitute, found by one class (the engine skips to them in C): most texts
# hold none or a few, and str.translate would look up every character of the text
_TO_SUBST = re.compile("[" + "".join(re.escape(c) for c in sorted(_SUBST)) + "]")


def _subst(m: re.Match) -> str:
    return _SUBST[m.group()]

# --- insertion rules ----------------------------------------------------------------------
# Each rule is a zero-width regex marking where a separator belongs, and the separator.
# Headings glued to their sentence get a newline so that no name or fact crosses them.
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# Each rule consumes one character and says whether the separator goes before ("start") or
# after ("end") it; lookbehinds come after that character. Starting with a plain character lets
# the regex engine jump between candidates (capitals, digits, punctuation) instead of testing a
# lookbehind at every position: 10x faster on ordinary text.
_GLUE_RULES: list[tuple[re.Pattern[str], str, str]] = [
    # heading glued to a capitalised word: "DynamicsSeptember", "DivergenceUS:"
    (re.compile(r"[A-Z](?<=[a-z]{3}[A-Z])(?=[a-z]+|[A-Z]{1,4}\b)"), "\n", "start"),
    # ... also after a plural acronym: "EVsOn October 7"
    (re.compile(r"[A-Z](?<=[A-Z]{2}s[A-Z])(?=[a-z])"), "\n", "start"),
    # sentence glued to the next: "year-on-year.Jan-Sep", "(+20.46% YoY).Primary"
    (re.compile(r"[.;!?](?<=[a-z0-9%)\]\"'][.;!?])(?=[A-Z][a-z])"), " ", "end"),
    # "U.S.Department" -> "U.S. Department"
    (re.compile(r"[A-Z](?<=[A-Z]\.[A-Z]\.[A-Z])(?=[a-z])"), " ", "start"),
    # word glued to a number: "Results10%", "awarding38", "September2024"
    (re.compile(r"\d(?<=[a-z]{3}\d)"), " ", "start"),
    # number glued to a word: "2024the"; to a capitalised word, a heading: "Price Report Sep 12Terbium"
    (re.compile(r"\d(?=[a-z]{3})"), " ", "end"),
    (re.compile(r"\d(?=[A-Z][a-z]{2})"), "\n", "end"),
    # an acronym or grade glued to the next heading: "grades like N52SHPrice support"
    (re.compile(r"[A-Z](?<=[A-Z0-9]{2}[A-Z])(?=[a-z]{3})"), "\n", "start"),
    # brackets and quotes glued to words: "Energy(DOE)launched", "the\"Closed", ",\"awarding";
    # a closing bracket or quote before a capitalised word ends a heading or a line
    (re.compile(r"\((?<=[A-Za-z]\()"), " ", "start"),
    (re.compile(r"\)(?=[A-Z][a-z])"), "\n", "end"),
    (re.compile(r"\)(?=[A-Za-z])"), " ", "end"),
    (re.compile(r"'(?<=[a-z]')(?=[A-Z][a-z])"), "\n", "end"),
    (re.compile(r'"(?<=[,.]")(?=[a-z])'), " ", "end"),
    # a colon glued to the next word: "supply chain:Resource side"
    (re.compile(r":(?<=[a-z]:)(?=[A-Z][a-z])"), " ", "end"),
    # a day glued to its year: "March3,2025" -> "March 3, 2025"
    (re.compile(r",(?:(?<=[a-z]\d,)|(?<=[a-z]\d\d,)|(?<=[a-z] \d,)|(?<=[a-z] \d\d,))(?=(?:19|20)\d\d(?!\d))"),
     " ", "end"),
    # comma glued to a word: "2024,the"
    (re.compile(r",(?<=[A-Za-z0-9],)(?=[A-Za-z])"), " ", "end"),
    # Latin next to CJK: "earth新材料 base"
    (re.compile(rf"[{_CJK}](?<=[A-Za-z0-9][{_CJK}])"), " ", "start"),
    (re.compile(rf"[{_CJK}](?=[A-Za-z0-9])"), " ", "end"),
    # an em dash glued to words or numbers: "month-on-month—4.4 times"
    (re.compile(r"—(?<=\w—)"), " ", "start"),
    (re.compile(r"—(?=\w)"), " ", "end"),
]


# the rules, one scan per first character (see patterns.first_char_scans), each with what its
# members say: (rule index, the group that tells it held or None when it is alone, separator, where)
_GLUE_SCANS = [(rx, [(i, group, _GLUE_RULES[i][1], _GLUE_RULES[i][2]) for i, group in members])
               for rx, members in first_char_scans([rx for rx, _sep, _where in _GLUE_RULES])]

_AFTER_ARTICLE = re.compile(r"(?<![A-Za-z])(?:the|an?)\s$")
_QUOTE_GLUE = re.compile(r'"(?<=[a-z]")(?=[A-Z][a-z])')
# text whose spaces were lost: a very long "word", or a line with almost no spaces
_LINE_RE = re.compile(r"[^\n]+")
_LONG_WORD = re.compile(r"(?<!\S)\S{30,}")  # tried where a run starts, not again inside it
_URLISH = re.compile(r"://|www\.|@|\\|/\w+/")
_ALPHA_RUN = re.compile(r"[A-Za-z]{4,}")
_SPLIT_WINDOW = 120
_MAX_PIECE = 64
_MAX_SYMBOLS = 12
# words a splitter must keep whole: chemical formulas of magnet materials, camel-case names
_PROTECT = re.compile(r"^(?:[A-Z][a-z]?\d*){2,}$")


@lru_cache(maxsize=4)
def _known_words(patterns_dir: Optional[str] = None) -> frozenset[str]:
    """Words never split: the domain's (element names are not in wordninja's vocabulary, so
    "Praseodymium" came out "Pra seo dy miu m") and wordninja's own single words."""
    import wordninja

    from .patterns import load_json

    m = load_json("materials.json", patterns_dir)
    domain = set(m["elements"]) | set(m["partners"]) | {f.lower() for f in m["forms"]}
    for names in m["magnet_materials"].values():
        for n in names:
            domain.update(w.lower() for w in re.split(r"[\s-]+", n))
    return frozenset(domain) | frozenset(wordninja.DEFAULT_LANGUAGE_MODEL._wordcost)


# how much likelier (a difference of log-costs: e^2, about 7x) the letters after an acronym must
# read without its last capital than with it, for the capital to join the acronym
_SHIFT_MARGIN = 2.0
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


@lru_cache(maxsize=65536)
def _split_words(run: str, patterns_dir: Optional[str] = None) -> tuple[int, ...]:
    """Offsets inside ``run`` where a space belongs: at case changes ("MaterialRecycling"), then
    inside each piece by wordninja's unigram model unless the piece is a known word."""
    known = _known_words(patterns_dir)
    pieces = [[m.start(), m.group()] for m in _CAMEL.finditer(run)]
    for a, b in zip(pieces, pieces[1:]):
        # an acronym glued to a lower-case word: "CHIPSand" is "CHIPS and", "ASXlisted" is "ASX
        # listed" (the capital goes left) when the letters after it read likelier than with it
        # ("sand", "xlisted..."), by a clear margin; "MPMaterials" stays "MP Materials", "USAid"
        # "US Aid", and "NRCanhad" "NR Can had" ("an had" is hardly likelier than "can had")
        if len(a[1]) >= 2 and a[1].isupper() and a[0] + len(a[1]) == b[0] and len(b[1]) >= 3 \
                and b[1][1:].islower() and _split_cost(b[1][1:]) + _SHIFT_MARGIN < _split_cost(b[1].lower()):
            a[1], b[0], b[1] = a[1] + b[1][0], b[0] + 1, b[1][1:]
    cuts: list[int] = []
    for start, piece in pieces:
        if start > 0:
            cuts.append(start)
        if len(piece) < 4 or piece.lower() in known:
            continue
        cuts.extend(start + c for c in _ninja_cuts(piece))
    return tuple(sorted(c for c in set(cuts) if 0 < c < len(run)))


def _split_cost(text: str) -> float:
    """wordninja's cost of ``text`` split into its likeliest words (lower is likelier)."""
    splitter = _splitter()
    return sum(splitter.cost.get(w, 1e9) for w in splitter.split(text))


class _WordSplitter:
    """wordninja's split (its unigram model, its dynamic programme, its words and its ties) of a
    run of ASCII letters, faster: wordninja looks up every substring of up to 58 letters that
    ends at each place, one dictionary lookup each, 13 µs a letter. A word of three letters or
    more ends in the three letters before the place, so only the lengths of the words that end
    in them are looked up (5x faster). Any other text goes to wordninja itself, and so do the
    first letters a process splits: the table of endings takes 40 ms to make, which a short run
    of one article would not win back."""

    def __init__(self, model, table_after: int = 3000):
        self.model = model
        self.cost: dict[str, float] = model._wordcost
        self.table_after = table_after  # letters split by wordninja before the table is made
        self.letters = 0
        #: the lengths of the words ending in each three letters, as bits of an int
        self.masks: Optional[dict[str, int]] = None
        self.lengths: dict[str, tuple[int, ...]] = {}

    def split(self, s: str) -> list[str]:
        if not (s.isascii() and s.isalpha()):
            return self.model.split(s)  # apostrophes, digits: wordninja's own rules for them
        if self.masks is None:
            self.letters += len(s)
            if self.letters <= self.table_after:
                return self.model.split(s)
            self.masks = self._masks()
        low = s.lower()  # ASCII: the same length, letter for letter
        cost, last = [0.0], [0]  # the least cost of low[:i], and the length of its last word
        for i in range(1, len(s) + 1):
            c, k = self._best(low, cost, i)
            cost.append(c)
            last.append(k)
        out = []
        i = len(s)
        while i > 0:  # wordninja asks best_match again here; its answer is the one kept above
            k = last[i]
            out.append(s[i - k:i])
            i -= k
        out.reverse()
        return out

    def _masks(self) -> dict[str, int]:
        masks: dict[str, int] = {}
        for w in self.cost:
            if len(w) >= 3:
                masks[w[-3:]] = masks.get(w[-3:], 0) | 1 << len(w)
        return masks

    def _best(self, low: str, cost: list[float], i: int) -> tuple[float, int]:
        """wordninja's ``best_match``: the least ``cost[i - n] + cost of the word low[i - n:i]``
        and its length ``n``, the shorter word on a tie; ``(inf, 1)`` when no word ends at ``i``."""
        lengths: tuple[int, ...] = (1, 2)
        if i >= 3:
            end = low[i - 3:i]
            lengths = self.lengths.get(end)  # type: ignore[assignment]
            if lengths is None:
                mask = self.masks.get(end, 0)  # type: ignore[union-attr]
                lengths = self.lengths[end] = (1, 2) + tuple(n for n in range(3, mask.bit_length()) if mask >> n & 1)
        words = self.cost
        best, best_n = _INF, 1
        for n in lengths:
            if n > i:
                break
            c = words.get(low[i - n:i])
            if c is not None and cost[i - n] + c < best:
                best, best_n = cost[i - n] + c, n
        return best, best_n


_INF = float("inf")


@lru_cache(maxsize=1)
def _splitter() -> _WordSplitter:
    import wordninja  # imported lazily: loading its model costs ~0.1 s

    return _WordSplitter(wordninja.DEFAULT_LANGUAGE_MODEL)


def _ninja_cuts(run: str) -> list[int]:
    cuts, pos = [], 0
    for piece in _splitter().split(run):
        # wordninja returns slices of its input in order; find each to stay exact
        idx = run.find(piece, pos)
        if idx < 0:
            return []
        if idx > 0:
            cuts.append(idx)
        pos = idx + len(piece)
    return [c for c in cuts if 0 < c < len(run)]


def _is_spaceless(line: str) -> bool:
    n = len(line)
    return n >= 60 and line.count(" ") < n / 40


def _spaceless_runs(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that lost their spaces (URLs and paths excepted)."""
    runs = []
    for m in _LONG_WORD.finditer(text):
        if not _URLISH.search(m.group()):
            runs.append((m.start(), m.end()))
    for m in _LINE_RE.finditer(text):
        if _is_spaceless(m.group()):
            runs.append((m.start(), m.end()))
    return runs


@dataclass
class Repaired:
    """A repaired copy of ``raw`` with an exact map back to raw offsets.

    The repaired text is made of runs copied from the (normalised) raw text, with separators
    inserted between runs and extra spaces left out between them. An inserted character, and
    the end of a run, map to the raw character that comes next in the repaired text, so the map
    serves starts and exclusive ends alike (a span's ends are trimmed of whitespace by
    :meth:`to_raw`)."""

    raw: str
    text: str
    #: positions (in repaired coordinates) of inserted separator characters, sorted
    inserted: list[int] = field(default_factory=list)
    #: positions in the repaired text where a glued heading was split (a strong boundary)
    boundaries: list[int] = field(default_factory=list)
    #: raw ``(start, end)`` ranges left out of the repaired text (extra spaces), sorted
    deleted: list[tuple[int, int]] = field(default_factory=list)
    #: the copied runs: repaired start, raw start and length of each (empty: text is raw's copy)
    run_rep: list[int] = field(default_factory=list, repr=False)
    run_raw: list[int] = field(default_factory=list, repr=False)
    run_len: list[int] = field(default_factory=list, repr=False)

    def raw_offset(self, pos: int) -> int:
        """Raw offset of repaired offset ``pos``."""
        if not self.run_rep:
            return pos
        k = bisect_right(self.run_rep, pos) - 1
        if k >= 0 and pos < self.run_rep[k] + self.run_len[k]:
            return self.run_raw[k] + pos - self.run_rep[k]
        return self.run_raw[k + 1] if k + 1 < len(self.run_raw) else len(self.raw)

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map a repaired span to raw offsets, trimming whitespace at both ends."""
        s, e = self.raw_offset(start), self.raw_offset(end)
        raw = self.raw
        while s < e and raw[s].isspace():
            s += 1
        while e > s and raw[e - 1].isspace():
            e -= 1
        return s, e

    def rep_pos(self, raw_pos: int) -> int:
        """The first repaired offset whose raw offset is ``raw_pos``, or for a raw character
        left out (an extra space), the first one past it (inverse of :meth:`raw_offset`)."""
        if not self.run_rep:
            return raw_pos
        k = bisect_right(self.run_raw, raw_pos) - 1
        if k < 0:
            return 0
        if raw_pos == self.run_raw[k]:
            # the inserted characters before the run, and the end of the run before, map here
            return self.run_rep[k - 1] + self.run_len[k - 1] if k > 0 else 0
        if raw_pos < self.run_raw[k] + self.run_len[k]:
            return self.run_rep[k] + raw_pos - self.run_raw[k]
        return self.run_rep[k] + self.run_len[k]


def _break_long_pieces(chunk: str, offset: int, points: dict[int, str]) -> None:
    """No token may stay very long: spaCy strips affixes from a token one at a time, each time
    searching the rest of it, which is quadratic in a token's length ("%%%%...", a megabyte
    without a space). What the word splitter left longer than _MAX_PIECE gets a space every
    _MAX_PIECE characters, at a non-alphanumeric boundary where there is one."""
    cuts = sorted(p - offset for p in points if offset <= p < offset + len(chunk))
    bounds = [0] + cuts + [len(chunk)]
    for a, b in zip(bounds, bounds[1:]):
        pos = a
        # a run of symbols ("$$$$", "%%%%") is cut shorter: spaCy strips its affixes one at a
        # time, and its tokenizer cache (10,000 entries) does not help past the first ones
        limit = _MAX_PIECE if any(c.isalnum() for c in chunk[a:min(b, a + 256)]) else _MAX_SYMBOLS
        while b - pos > limit:
            window = chunk[pos + limit // 2:pos + limit]
            k = next((i for i in range(len(window) - 1, -1, -1) if not window[i].isalnum()), None)
            cut = pos + limit // 2 + (k + 1 if k is not None else len(window))
            if cut <= pos or cut >= b:
                break
            points.setdefault(offset + cut, " ")
            pos = cut


def _glue_points(text: str) -> dict[int, str]:
    """Where the glue rules put a separator: a newline if one rule that holds there says so,
    else a space."""
    points: dict[int, str] = {}
    for rx, members in _GLUE_SCANS:
        for m in rx.finditer(text):
            for _i, group, sep, where in members:
                if group is not None and m.group(group) is None:
                    continue
                pos = m.start() if where == "start" else m.end()
                if sep == "\n" or pos not in points:
                    points[pos] = sep
    return points


def _insertions(text: str, patterns_dir: Optional[str] = None) -> dict[int, str]:
    """Insertion points (in ``text`` coordinates) and their separators."""
    points = _glue_points(text)
    # a case change inside a word right after an article is a name's spelling ("the RESourceEU
    # Action Plan", "an eVTOL"), not a heading glued to its sentence: no heading ends in "the"
    for pos in [p for p, sep in points.items() if sep == "\n" and 0 < p < len(text) and text[p - 1].isalpha()]:
        ws, lo = pos, max(0, pos - 40)  # bounded: a run of glued words is no name
        while ws > lo and text[ws - 1].isalnum():
            ws -= 1
        if ws > lo and _AFTER_ARTICLE.search(text, max(0, ws - 6), ws):
            del points[pos]
    # a double quote between a letter and a capital opens a quotation ('the"Closed-Loop') or
    # closes one before a glued heading ('"second supply chain"Exports'): the count of quotes
    # before it on its line tells which
    for m in _QUOTE_GLUE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if text.count('"', line_start, m.start()) % 2:
            points[m.end()] = "\n"
        else:
            points.setdefault(m.start(), " ")
    for run_start, run_end in _spaceless_runs(text):
        chunk = text[run_start:run_end]
        for rm in _ALPHA_RUN.finditer(chunk):
            run = rm.group()
            if _PROTECT.match(run) or run.isupper():
                continue
            # inside a run of letters the splitter decides every break, the case changes the glue
            # rules saw included ("CHIPSand" is "CHIPS and", not "CHIP Sand")
            lo, hi = run_start + rm.start(), run_start + rm.end()
            # the points are few and a run can be long: whichever is shorter is walked
            for p in [q for q in points if lo < q < hi] if len(points) < hi - lo else range(lo + 1, hi):
                points.pop(p, None)
            # wordninja's split is quadratic-ish in a run's length: split long runs in windows
            for w0 in range(0, len(run), _SPLIT_WINDOW):
                base = run_start + rm.start() + w0
                for cut in _split_words(run[w0:w0 + _SPLIT_WINDOW], patterns_dir):
                    points.setdefault(base + cut, " ")
                if w0:
                    points.setdefault(base, " ")
        # inside a spaceless run a capital glued to a lower-case letter is a word break, not a
        # heading ("theU.S.DepartmentofEnergy"); after a bracket, quote or number it still is one
        # ("(unchanged)TerbiumMetal:")
        for p in [q for q, sep in points.items() if sep == "\n" and run_start <= q < run_end and text[q - 1].isalpha()]:
            points[p] = " "
        _break_long_pieces(chunk, run_start, points)
    # never insert next to existing whitespace or at the ends
    return {
        p: s for p, s in points.items()
        if 0 < p < len(text) and not text[p].isspace() and not text[p - 1].isspace()
    }


# a terminal colour code left in a scraped log ("\x1b[0m"): blanked whole, else "0m" reads as metres
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def normalize_chars(raw: str) -> str:
    """One-to-one character normalisation (same length as ``raw``)."""
    if "\x1b" in raw:
        raw = _ANSI_ESCAPE.sub(lambda m: " " * len(m.group()), raw)
    text = _TO_SUBST.sub(_subst, raw)
    if not text.isascii():
        # other compatibility characters whose NFKC form is one character (full-width digits,
        # ligature-free letters); characters that would expand are left alone. Only the
        # characters past U+2000 (CJK ideographs aside) are looked at, found by one regex pass
        chars = None
        for m in _COMPAT_CANDIDATE.finditer(text):
            n = _nfkc_one(m.group())
            if n is not None:
                if chars is None:
                    chars = list(text)
                chars[m.start()] = n
        if chars is not None:
            text = "".join(chars)
    return text


_COMPAT_CANDIDATE = re.compile("[\u2001-\u33ff\ua000-\U0010ffff]")


@lru_cache(maxsize=4096)
def _nfkc_one(ch: str) -> Optional[str]:
    """The one-character NFKC form of ``ch`` when it differs, else None."""
    n = unicodedata.normalize("NFKC", ch)
    return n if len(n) == 1 and n != ch else None


# the extra spaces of a run: all but its first
_EXTRA_SPACES = re.compile(r"(?<= ) +")


def repair(raw: str, patterns_dir: Optional[str] = None) -> Repaired:
    """Repair ``raw`` for tokenisation; see the module docstring."""
    text = normalize_chars(raw)
    points = _insertions(text, patterns_dir)
    drops = [(m.start(), m.end()) for m in _EXTRA_SPACES.finditer(text)]
    if not points and not drops:
        return Repaired(raw=raw, text=text)
    if drops:
        # a separator that falls among dropped spaces goes after them
        starts = [a for a, _ in drops]
        moved: dict[int, str] = {}
        for pos, sep in points.items():
            k = bisect_right(starts, pos) - 1
            if k >= 0 and drops[k][0] < pos < drops[k][1]:
                pos = drops[k][1]
            if sep == "\n" or pos not in moved:
                moved[pos] = sep
        points = moved
    # events in text order: at one position a separator goes in before the spaces drop out
    events = sorted([(pos, 0, 0) for pos in points] + [(a, 1, b) for a, b in drops])
    parts: list[str] = []
    inserted: list[int] = []
    boundaries: list[int] = []
    run_rep: list[int] = []
    run_raw: list[int] = []
    run_len: list[int] = []
    prev = length = 0
    for pos, kind, end in events:
        if pos > prev:  # copy the run before the event
            run_rep.append(length)
            run_raw.append(prev)
            run_len.append(pos - prev)
            parts.append(text[prev:pos])
            length += pos - prev
            prev = pos
        if kind == 0:
            sep = points[pos]
            inserted.append(length)
            if sep == "\n":
                boundaries.append(length)
            parts.append(sep)
            length += 1
        else:
            prev = end
    if prev < len(text):
        run_rep.append(length)
        run_raw.append(prev)
        run_len.append(len(text) - prev)
        parts.append(text[prev:])
    return Repaired(raw=raw, text="".join(parts), inserted=inserted, boundaries=boundaries,
                    deleted=drops, run_rep=run_rep, run_raw=run_raw, run_len=run_len)
