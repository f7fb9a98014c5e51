"""What every recognizer shares: the candidate type and context windows.

A recognizer finds candidate spans in the repaired text of a document with compiled patterns
built from ``patterns/`` data, then normalises each span on its own (never the whole document).
Offsets here are into the repaired text; the pipeline maps them back to the raw text.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

# clause boundaries for context windows: a cue beyond one of these belongs to another clause
_LEFT_STOP = re.compile(r"[;,:()\[\]\n!?]|\.\s|\s[-—]\s")
_RIGHT_STOP = re.compile(r"[;,:()\[\]\n!?]|\.(?:\s|$)|\s[-—]\s")


@dataclass(slots=True)
class Ent:
    """A candidate entity with offsets into the repaired text."""

    label: str
    start: int
    end: int
    value: dict[str, Any] = field(default_factory=dict)
    #: higher wins when two candidates of one label overlap (then the longer wins)
    priority: int = 0


def doc_text(doc) -> str:
    """The text of a doc of our pipeline. spaCy rebuilds ``Doc.text`` from the tokens on every
    access; the repairing tokenizer already holds the same string."""
    rep = doc._.rei_repair if doc.has_extension("rei_repair") else None
    return rep.text if rep is not None else doc.text


def left_clause(text: str, pos: int, width: int = 60) -> str:
    """Text left of ``pos`` back to the clause start, at most ``width`` characters."""
    lo = max(0, pos - width)
    chunk = text[lo:pos]
    last = None
    for last in _LEFT_STOP.finditer(chunk):
        pass
    return chunk[last.end():] if last else chunk


def right_clause(text: str, pos: int, width: int = 60) -> str:
    """Text right of ``pos`` up to the clause end, at most ``width`` characters."""
    chunk = text[pos:pos + width]
    m = _RIGHT_STOP.search(chunk)
    return chunk[:m.start()] if m else chunk


def sentence_window(text: str, start: int, end: int, width: int = 200) -> str:
    """The sentence around a span (bounded by newlines and full stops), for cue words."""
    lo = max(0, start - width)
    left = text[lo:start]
    cut = max(left.rfind("\n"), left.rfind(". "))
    right = text[end:end + width]
    rcut = [i for i in (right.find("\n"), right.find(". ")) if i >= 0]
    return left[cut + 1:] + text[start:end] + (right[:min(rcut)] if rcut else right)


def left_sentence(text: str, pos: int, width: int = 200) -> str:
    """The part of the sentence left of ``pos`` (back to a newline or a full stop)."""
    left = text[max(0, pos - width):pos]
    cut = max(left.rfind("\n"), left.rfind(". "))
    return left[cut + 1:]


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
    """Keep, for one label, the best non-overlapping candidates (priority, then length)."""
    ranked = sorted(ents, key=lambda e: (-e.priority, -(e.end - e.start), e.start))
    taken = Intervals()
    out: list[Ent] = []
    for e in ranked:
        if not taken.overlaps(e.start, e.end):
            taken.add(e.start, e.end)
            out.append(e)
    return sorted(out, key=lambda e: e.start)
