"""What every recognizer shares: the candidate type and context windows.

A recognizer finds candidate spans in the repaired text of a document with compiled patterns
built from ``patterns/`` data, then normalises each span on its own (never the whole document).
Offsets here are into the repaired text; the pipeline maps them back to the raw text.
"""
from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

#: where the pipeline keeps its results: ``doc.spans[SPANS_KEY]`` (every entity, ``span._.value``)
SPANS_KEY = "rei"
#: where the SpanRuler puts the gazetteer matches the name recognizers start from
RULER_KEY = "rei_ruler"

@dataclass(slots=True)
class Ent:
    """A candidate entity with offsets into the repaired text."""

    label: str
    start: int
    end: int
    value: dict[str, Any] = field(default_factory=dict)
    #: higher wins when two candidates of one label overlap (then the longer wins)
    priority: int = 0


class Recognizer:
    """The contract of every recognizer (one per label, in ``recognizers/<label>.py``):

    * ``find(doc)``: the label's candidates in a doc of our pipeline, offsets into its repaired
      text (``doc_text(doc)``); what a recognizer needs beyond the text it reads off the doc: the
      publish date (``doc._.rei_published``), the gazetteer spans of the SpanRuler
      (``doc.spans[RULER_KEY]``), the trigger words of :mod:`.triggers`;
    * ``refine(doc, by_label)``: called by the resolver once every recognizer ran and each
      label's own overlaps are settled, to adjust this label's entities with what the others
      found (``by_label`` maps a label to its entities; edit in place). Most need nothing.

    Patterns and word lists come from ``patterns/`` (data); the code generalises.
    """

    label: str = ""

    def find(self, doc) -> list[Ent]:
        raise NotImplementedError

    def refine(self, doc, by_label: dict[str, list[Ent]]) -> None:
        return None


# (weak reference to the doc last asked about, its text): one tuple, swapped whole
_TEXT_OF: tuple = (lambda: None, "")


# what the recognizers of one doc compute once and share (trigger words, token hashes, place
# starts), by doc: kept beside the doc, never in it, so a doc carries (and serialises) its
# results and not this; it goes with the doc, or earlier when the resolver is done with it
_SCRATCH: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def scratch(doc) -> dict:
    """The shared scratch dict of ``doc``."""
    found = _SCRATCH.get(doc)
    if found is None:
        found = _SCRATCH[doc] = {}
    return found


def drop_scratch(doc) -> None:
    """Every recognizer is done with ``doc``."""
    _SCRATCH.pop(doc, None)


def doc_text(doc) -> str:
    """The text of a doc of our pipeline. spaCy rebuilds ``Doc.text`` from the tokens on every
    access; the repairing tokenizer already holds the same string. The recognizers ask dozens
    of times per doc, one doc after another: the last answer is kept."""
    global _TEXT_OF
    ref, text = _TEXT_OF
    if ref() is doc:
        return text
    rep = doc._.rei_repair if doc.has_extension("rei_repair") else None
    text = rep.text if rep is not None else doc.text
    _TEXT_OF = (weakref.ref(doc), text)
    return text


def sentence_window(text: str, start: int, end: int, width: int = 200) -> str:
    """The sentence around a span (bounded by newlines and full stops), for cue words."""
    lo = max(0, start - width)
    left = text[lo:start]
    cut = max(left.rfind("\n"), left.rfind(". "))
    right = text[end:end + width]
    rcut = [i for i in (right.find("\n"), right.find(". ")) if i >= 0]
    return left[cut + 1:] + text[start:end] + (right[:min(rcut)] if rcut else right)


# sentence stops: a newline or a full stop before a space
_SENTENCE_STOP = re.compile(r"\n|\. ")
# clause stops (a cue beyond one belongs to another clause: ``;,:()[]!?``, a newline, a full stop
# before a space, a dash between spaces) as one-character matches: the last character of a stop
# (the clause after it starts there) and the first (the clause before it ends there). Matching a
# stop whole would hide one that shares its characters (".\n": the full stop takes the newline).
# A comma between two digits groups a number ("5,697"): it ends no clause.
# every alternative starts with the character it matches, checks after it (a lookbehind first
# made the engine try each alternative at every position: twice as slow)
_LEFT_STOP_END = re.compile(r"[;:()\[\]\n!?]|,(?:(?<!\d,)|(?!\d))|\s(?:(?<=\.\s)|(?<=\s[-—]\s))")
_RIGHT_STOP_START = re.compile(r"[;:()\[\]\n!?]|,(?:(?<!\d,)|(?!\d))|\.(?=\s|$)|\s(?=[-—]\s)")


class Matches:
    """Every match of one pattern in one text, found in a single pass. Cue words are asked for
    around each of the candidates of a document; a bisect here is what keeps a text made of
    nothing but candidates (``5% 5% 5% ...``) linear and cheap instead of one regex search per
    candidate and window."""

    __slots__ = ("matches", "starts", "ends")

    def __init__(self, pattern: re.Pattern, text: str, spans=None):
        if spans is None:
            self.matches = [m for m in pattern.finditer(text) if m.end() > m.start()]
        else:  # only inside these (start, end) windows, merged: each character is searched once
            self.matches = [m for lo, hi in _merged(spans, len(text)) for m in pattern.finditer(text, lo, hi)
                            if m.end() > m.start()]
        self.starts = [m.start() for m in self.matches]
        self.ends = [m.end() for m in self.matches]

    def first(self, lo: int, hi: int):
        """The first match lying inside ``[lo, hi)``, or None."""
        i = bisect_left(self.starts, lo)
        if i < len(self.starts) and self.ends[i] <= hi:
            return self.matches[i]
        return None

    def last(self, lo: int, hi: int):
        """The last match lying inside ``[lo, hi)``, or None."""
        i = bisect_right(self.ends, hi) - 1
        if i >= 0 and self.starts[i] >= lo:
            return self.matches[i]
        return None

    def ending_at(self, pos: int, lo: int):
        """The match that ends exactly at ``pos`` and starts at or after ``lo``, or None."""
        i = bisect_left(self.ends, pos)
        if i < len(self.ends) and self.ends[i] == pos and self.starts[i] >= lo:
            return self.matches[i]
        return None


def _merged(spans, size: int) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted((max(0, a), min(size, b)) for a, b in spans):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


class Context:
    """The clause and sentence bounds of one text, from stops found once per text, and the
    matches of cue patterns over the whole text (each found once, on first use)."""

    def __init__(self, text: str):
        self.text = text
        self._cues: dict[re.Pattern, Matches] = {}
        #: other facts about the whole text that recognizers look up once
        self.memo: dict[str, object] = {}

    def in_url(self, start: int, end: int) -> bool:
        """The span touches a URL or a URL-encoded token (``%2C``, ``%20``): its numbers and
        percent signs are escapes and addresses, never entities (the repair may have cut such
        a token in two, so touching is enough)."""
        urls = self.memo.get("urls")
        if urls is None:
            urls = self.memo["urls"] = _url_tokens(self.text)
        return bool(urls.starts) and urls.overlaps(start, end)

    def cues(self, pattern: re.Pattern) -> Matches:
        found = self._cues.get(pattern)
        if found is None:
            found = self._cues[pattern] = Matches(pattern, self.text)
        return found

    def clause_bounds(self, start: int, end: int) -> tuple[int, int]:
        """The end of the last clause stop before ``start`` and the start of the first one after
        ``end`` (0 and the text's length when there is none): the clause of a span, from which
        windows of any width follow without another search."""
        stops = self.cues(_LEFT_STOP_END)
        i = bisect_right(stops.ends, start) - 1
        lo = stops.ends[i] if i >= 0 else 0
        stops = self.cues(_RIGHT_STOP_START)
        i = bisect_left(stops.starts, end)
        hi = stops.starts[i] if i < len(stops.starts) else len(self.text)
        return lo, hi

    def left_sentence_start(self, pos: int, width: int = 200) -> int:
        """Where the sentence of ``pos`` starts, at most ``width`` characters back."""
        lo = max(0, pos - width)
        stop = self.cues(_SENTENCE_STOP).last(lo, pos)
        return stop.start() + 1 if stop is not None else lo


_CONTEXT: list = [None, None]
_DIGIT_RUN = re.compile(r"\d+")


def number_starts(ctx: "Context") -> list[int]:
    """Where a number may start in the text (a digit run not continuing a number, or the dot
    of ``.5``), found once per text: patterns that begin with a number are tried only there
    (``pattern.match(text, i)``), not at every character."""
    found = ctx.memo.get("number_starts")
    if found is None:
        text = ctx.text
        found = []
        for m in _DIGIT_RUN.finditer(text):
            i = m.start()
            before = text[i - 1] if i else ""
            if before in ".,":
                if i > 1 and text[i - 2].isdigit():
                    continue  # the decimals or a group of a number
                if before == ".":
                    i -= 1  # ".5 million"
            found.append(i)
        ctx.memo["number_starts"] = found
    return found


def match_at_numbers(pattern: re.Pattern, ctx: "Context", signed: bool = False):
    """The matches of ``pattern`` (which begins with a number) at the number starts of the text,
    without overlaps, as ``finditer`` would give them; with ``signed``, a minus sign before the
    number is tried as the start first."""
    text = ctx.text
    last = -1
    for i in number_starts(ctx):
        if i < last:
            continue
        m = None
        if signed and i and text[i - 1] in "-−" and i - 1 >= last:
            m = pattern.match(text, i - 1)
        if m is None:
            m = pattern.match(text, i)
        if m is not None and m.end() > m.start():
            last = m.end()
            yield m


# "a gallon", "one dollar": the article or "one" before a lower-case word (MONEY and QUANTITY
# read it as the number one before a unit); the character before is checked by the caller
# (a whitespace character first: the engine jumps from space to space)
ONE_WORD = re.compile(r"\s(?P<a>[Aa]n?|[Oo]ne)\s(?P<w>[a-z]+)")
_ONE_WORD_AT_START = re.compile(r"(?P<a>[Aa]n?|[Oo]ne)\s(?P<w>[a-z]+)")


def one_words(ctx: "Context") -> list:
    """The matches of :data:`ONE_WORD`, found once per text (one at the text's very start
    too); ``m.start("a")`` is where the article stands."""
    found = ctx.memo.get("one_words")
    if found is None:
        text = ctx.text
        first = _ONE_WORD_AT_START.match(text)
        found = ctx.memo["one_words"] = ([first] if first else []) + list(ONE_WORD.finditer(text))
    return found


# where a URL or an encoded token may be: an escape, a scheme, "www."
_URL_MARK = re.compile(r"%[0-9A-Fa-f]{2}|https?://|www\.")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_ADDRESS = re.compile(r"[/=?&]|[A-Za-z]%[0-9A-Fa-f]{2}")


def _url_tokens(text: str) -> "Intervals":
    """The whitespace-delimited tokens that are URLs, or carry a URL escape and a sign of an
    address (a second escape, ``/ = ? &``, or a letter right before the ``%``)."""
    out = Intervals()
    last_end = -1
    for m in _URL_MARK.finditer(text):
        if m.start() < last_end:
            continue
        lo = max(text.rfind(" ", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        ends = [i for i in (text.find(" ", m.end()), text.find("\n", m.end())) if i >= 0]
        hi = min(ends) if ends else len(text)
        token = text[lo:hi]
        if (m.group().startswith(("http", "www")) or len(_ESCAPE.findall(token)) >= 2
                or _ADDRESS.search(token)):
            out.add(lo, hi)
        last_end = hi
    return out


def context(text: str) -> Context:
    """The :class:`Context` of ``text``, shared by the recognizers that read the same document
    one after the other (the one last asked for is kept)."""
    if _CONTEXT[0] is not text:
        _CONTEXT[0], _CONTEXT[1] = text, Context(text)
    return _CONTEXT[1]


class Intervals:
    """Non-overlapping (start, end) intervals kept sorted, for O(log n) overlap queries: a
    document with thousands of candidates must not cost a quadratic loop."""

    def __init__(self, spans=()):
        self.starts: list[int] = []
        self.ends: list[int] = []
        for s, e in sorted(spans):
            self.add(s, e)

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_left(self.starts, s)
        if i < len(self.starts) and self.starts[i] < e:
            return True
        return i > 0 and self.ends[i - 1] > s

    def covering(self, s: int, e: int) -> bool:
        """Some interval contains [s, e)."""
        i = bisect_right(self.starts, s)
        return i > 0 and self.ends[i - 1] >= e

    def add(self, s: int, e: int) -> None:
        i = bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


class OverlapIndex:
    """Overlap queries against intervals that may overlap each other (several labels)."""

    def __init__(self, spans):
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]
        # running maximum of ends, to stop the leftward scan early
        self.max_end: list[int] = []
        m = -1
        for _, e in self.spans:
            m = max(m, e)
            self.max_end.append(m)

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_left(self.starts, e) - 1
        while i >= 0 and self.max_end[i] > s:
            if self.spans[i][1] > s:
                return True
            i -= 1
        return False


def remove_overlaps(ents: list[Ent]) -> list[Ent]:
    """Keep, for one label, the best non-overlapping candidates (priority, then length).

    Candidates are cut into groups that overlap among themselves and with no other group, and
    each group is settled on its own: the result is that of settling all at once, but the cost
    stays linear when a text holds hundreds of thousands of candidates of different lengths."""
    out: list[Ent] = []
    group: list[Ent] = []
    group_end = -1
    for e in sorted(ents, key=lambda e: (e.start, e.end)):
        if group and e.start >= group_end:
            out.extend(_settle(group))
            group = []
        group.append(e)
        group_end = max(group_end, e.end) if len(group) > 1 else e.end
    if group:
        out.extend(_settle(group))
    return out


def _settle(group: list[Ent]) -> list[Ent]:
    if len(group) == 1:
        return group
    ranked = sorted(group, key=lambda e: (-e.priority, -(e.end - e.start), e.start))
    taken = Intervals()
    out: list[Ent] = []
    for e in ranked:
        if not taken.overlaps(e.start, e.end):
            taken.add(e.start, e.end)
            out.append(e)
    return sorted(out, key=lambda e: e.start)
