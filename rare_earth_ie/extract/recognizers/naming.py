"""What the name recognizers (ORG, POLICY) share: abbreviations and names the article itself
settles.
"""
from __future__ import annotations

import re
from typing import TypeVar

from .base import Ent, Intervals, OverlapIndex

V = TypeVar("V")
# where a name may start: a capital or digit that does not continue a word
_NAME_START = re.compile(r"(?<![\w-])[A-Z0-9]")
_KEY = 3


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


class NameIndex:
    """Whole-word occurrences of a set of (capitalised) names: names are looked up by their
    first characters at each capital rather than compiled into one pattern, which a gazetteer
    of thousands of names or a document's own few names would make slow to build."""

    def __init__(self, names: dict[str, V]):
        self.names = names
        self.index: dict[str, list[str]] = {}
        for n in sorted(names, key=len, reverse=True):
            self.index.setdefault(n[:_KEY], []).append(n)

    def find(self, text: str) -> list[tuple[int, int, V]]:
        out = []
        pos = 0
        index = self.index
        for m in _NAME_START.finditer(text):
            s = m.start()
            if s < pos:
                continue
            for n in index.get(text[s:s + _KEY], ()):
                e = s + len(n)
                if text.startswith(n, s) and not (e < len(text) and (text[e].isalnum() or text[e] in "_-")):
                    out.append((s, e, self.names[n]))
                    pos = e
                    break
        return out


def find_names(text: str, names: dict[str, V]) -> list[tuple[int, int, V]]:
    """Every occurrence of the (capitalised) ``names`` as whole words."""
    return NameIndex(names).find(text)
