"""What the name recognizers (ORG, POLICY) share: abbreviations and names the article itself
settles.
"""
from __future__ import annotations

from typing import TypeVar

from .base import Ent, Intervals, OverlapIndex

V = TypeVar("V")


def is_abbreviation(abbr: str, long: str) -> bool:
    """Schwartz-Hearst: the abbreviation's letters appear in order in the long form, the first
    at the start of a word (``MOFCOM`` <- ``Ministry of Commerce``, ``CRMA`` <- ``Critical Raw
    Materials Act``)."""
    s, lf = abbr.lower(), long.lower()
    si, li = len(s) - 1, len(lf) - 1
    while si >= 0:
        c = s[si]
        if not c.isalnum():
            si -= 1
            continue
        while li >= 0 and (lf[li] != c or (si == 0 and li > 0 and lf[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return False
        si -= 1
        li -= 1
    return True


def trim_to_known(text: str, ents: list[Ent]) -> None:
    """A named policy or firm whose tail is a name the article uses on its own elsewhere ends on
    that name: the headline's "EU Passes Critical Raw Materials Act" is the "Critical Raw
    Materials Act" of the body."""
    names = {text[e.start:e.end] for e in ents if e.priority >= 2}
    for e in ents:
        if e.priority < 2:
            continue
        surface = text[e.start:e.end]
        for n in names:
            if len(n) < len(surface) and surface.endswith(" " + n) and len(n.split()) >= 2:
                e.start = e.end - len(n)
                if e.value.get("name") == surface:
                    e.value["name"] = n
                break


class Taken:
    """The spans of a document's entities (of any label, overlapping each other) and those a
    refinement adds, for overlap queries."""

    def __init__(self, by_label: dict[str, list[Ent]]):
        self.fixed = OverlapIndex([(e.start, e.end) for es in by_label.values() for e in es])
        self.added = Intervals()

    def overlaps(self, s: int, e: int) -> bool:
        return self.fixed.overlaps(s, e) or self.added.overlaps(s, e)

    def add(self, s: int, e: int) -> None:
        self.added.add(s, e)


def find_names(text: str, names: dict[str, V]) -> list[tuple[int, int, V]]:
    """Every whole-word occurrence of a document's own few ``names`` (the longer where two
    overlap): one substring search per name, no pattern compiled per document."""
    found = []
    for n in names:
        if not n:
            continue
        i = text.find(n)
        while i >= 0:
            e = i + len(n)
            if not (i and (text[i - 1].isalnum() or text[i - 1] in "_-")) \
                    and not (e < len(text) and (text[e].isalnum() or text[e] in "_-")):
                found.append((i, e, names[n]))
            i = text.find(n, i + 1)
    found.sort(key=lambda f: (f[0], f[0] - f[1]))
    out, pos = [], 0
    for f in found:
        if f[0] >= pos:
            out.append(f)
            pos = f[1]
    return out
