"""ORG by context: a capitalised name that the words around it make an organisation.

New articles name firms no gazetteer lists and that carry no company head (``Iwatani``,
``Caremag``, ``Argus``); the sentence says what they are:

* a phrase before the name: ``according to X``, ``told X``, ``shares of X``, ``a unit of X``;
* a role noun before it, with the names it coordinates: ``metals importer X``, ``German trader
  X``, ``magnet makers X, Y``; or after it in an appositive: ``X, a Perth-based miner``;
* a reporting or business verb after it: ``X said``, ``X reported``, ``X assessed``;
* a possessive before a business noun: ``X's largest shareholder``, ``X's plant``;
* a news agency in a dateline: ``BEIJING, Nov 7 (Agency) -``; a source at the start of a line
  ``Agency, November 26:``.

A name is refused when it is a place, a demonym, generic or function words, a month, or the
words of a person the article introduces with a title (``Minister Jane Roe said``); a single
common English word opening a sentence (``Traders said``) is no name. Word lists live in
``patterns/org_context.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, Optional

from ...patterns import alternation, load_json, load_jsonl, load_words

# a word of a name: a capital, then letters, digits, "&", inner hyphens and initials' dots
# ("J.P."); bounded so that a megabyte of capitals is never scanned to its end from each one
_WORD = r"(?:[A-Z](?:[A-Za-z0-9&]|-(?=[A-Za-z0-9])|\.(?=[A-Z])){0,30}\.?)"
_LINK = r"(?:&|of|de|du|der|van|von|la|le|y)"
NAME = rf"{_WORD}(?:[ \t](?:{_LINK}[ \t])?{_WORD}){{0,4}}"
_NAME_AT = re.compile(NAME)
_NAME_BEFORE = re.compile(rf"(?<![\w.&'-]){NAME}$")
_FULL_STOP = re.compile(r"(?<=[a-z0-9])\.[ \t]+(?=[A-Z])")
_SENT_START = re.compile(r"(?:^|[.!?:;\n•|]\s*|[\"“(]\s*)$")


def _capitalised(t) -> bool:
    """A token a name may end on: a word with a capital, or a full stop of initials."""
    return t.text[:1].isupper() or (t.text == "." and t.i > 0 and t.doc[t.i - 1].text[:1].isupper()) \
        or any(c.isupper() for c in t.text)


def _end(doc, e: int) -> int:
    """The character offset where token ``e - 1`` ends."""
    return doc[e - 1].idx + len(doc[e - 1].text)


def _after_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def common_rank() -> dict[str, int]:
    """English words by frequency (wordninja's word list, a runtime dependency)."""
    import wordninja

    costs = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
    return {w: i for i, w in enumerate(sorted(costs, key=costs.get))}


COMMON_RANK = 25_000
SENTENCE_START_RANK = 40_000  # a capital that opens a sentence says less


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str]):
    ctx = load_json("org_context.json", patterns_dir)
    places = frozenset(r["pattern"] for r in load_jsonl("gpe.jsonl", patterns_dir))
    demonyms = frozenset(k for k in load_json("demonyms.json", patterns_dir) if not k.startswith("_"))
    months = frozenset(m.capitalize() for m in load_json("dates.json", patterns_dir)["months"])
    function = load_words("function_words.txt", patterns_dir)
    stop = load_words("org_generic.txt", patterns_dir) | frozenset(w.lower() for w in function)
    rules = load_json("org_rules.json", patterns_dir)
    heads = frozenset(rules["heads"]) | frozenset(rules["gov_heads"])
    return ctx, places, demonyms, months, stop, function, heads


class OrgContext:
    """Finds names made organisations by their context, in one text."""

    def __init__(self, patterns_dir: Optional[str] = None):
        ctx, self.places, self.demonyms, self.months, self.stop, self.function, self.heads = _data(patterns_dir)
        self.roles = frozenset(ctx["role_nouns"])
        roles = alternation(ctx["role_nouns"])
        self.aux = frozenset(ctx["after_aux"])
        # these start on a literal character (a fast scan); the letter before is checked after
        self.appositive = re.compile(r",[ \t]+(?:a|an|the)[ \t]+(?:[\w'-]+[ \t]+){0,4}?(?:%s)(?![A-Za-z])"
                                     % roles)
        self.possessive = re.compile(r"'s?[ \t]+(?:(?:%s|\w+-\w+)[ \t]+){0,2}(?:%s)(?![A-Za-z])" % (
            alternation(ctx["possessive_modifiers"]), alternation(ctx["possessive_nouns"])))
        self.gov_short_verbs = frozenset(ctx["gov_short_verbs"])
        self.dateline = re.compile(r"(?m)^[^\n()]{0,60}?\((?=[A-Z][^)\n]{0,40}\)[ \t]*[-—–])")
        # "Agency, November 26: ..." opens a line as a source
        self.line_source = re.compile(r"(?m)^(?P<n>%s),[ \t]+(?:%s)\.?[ \t]+\d{1,2}\b" % (
            NAME, "|".join(m.capitalize() for m in load_json("dates.json", patterns_dir)["months"])))
        # "Photo: ... (Agency)" at the end of a caption
        self.credit = re.compile(r"(?im)^(?:photo|image|picture|credit|source)s?[ \t]*:[^\n]*\((?=[A-Z][^()\n]{0,40}\)[ \t]*$)")
        self.person_after = re.compile(r",[ \t]+(?:the[ \t]+|a[ \t]+|its[ \t]+)?(?:%s)(?![A-Za-z])"
                                       % alternation(ctx["person_titles"]))
        self.gov_short = frozenset(ctx["gov_short"])
        self.not_names = frozenset(ctx["not_names"]) | self.months
        # a title inside a name makes it a person's ("Energy Secretary Chris Wright")
        self.title_words = frozenset(w for t in ctx["person_titles"] for w in t.split() if w[0].isupper())
        self._rank: Optional[dict[str, int]] = None

    # --- names ------------------------------------------------------------------------------

    def common(self, word: str, limit: int = COMMON_RANK) -> bool:
        if self._rank is None:
            self._rank = common_rank()
        return self._rank.get(word.lower(), limit) < limit

    @staticmethod
    def _trim(text: str, s: int, e: int) -> tuple[int, int]:
        """A sentence's full stop is not part of a name ("... according to Fastmarkets.")."""
        if e > s and text[e - 1] == "." and "." not in text[s:e - 1].split()[-1]:
            e -= 1
        return s, e

    def persons(self, text: str, doc, titles: list[tuple[int, int]]) -> set[str]:
        """Words of the people an article introduces with a title or role."""
        out: set[str] = set()
        for _s, e in titles:
            n = _NAME_AT.match(text, _after_space(text, _end(doc, e)))
            if n:
                out.update(w.strip(".") for w in n.group().split())
        for m in self.person_after.finditer(text):
            if not m.start() or not text[m.start() - 1].isalpha():
                continue
            n = _NAME_BEFORE.search(text, max(0, m.start() - 60), m.start())
            if n and len(n.group().split()) >= 2:
                out.update(w.strip(".") for w in n.group().split())
        return out

    def accept(self, text: str, s: int, e: int, persons: set[str], strong: bool = False) -> Optional[tuple[int, int]]:
        """The name's span if it may be an organisation (``strong``: the context says so even of
        a common word, as a dateline's agency)."""
        words = text[s:e].split()
        while words and words[0] in self.function and len(words) > 1:
            s += len(words[0]) + (len(text[s + len(words[0]):]) - len(text[s + len(words[0]):].lstrip()))
            words = words[1:]
        # a name does not run over a sentence's full stop ("... Tressel Data. Veyra said")
        stop = re.search(r"[a-z0-9]\.(?=[ \t])", text[s:e])
        if stop and not re.search(r"(?:^|[ \t])(?:[A-Z]\.)+[A-Z]?$", text[s:s + stop.end()]):
            e = s + stop.end()
        s, e = self._trim(text, s, e)
        name = text[s:e]
        words = name.split()
        if not words or len(name) < 2:
            return None
        if name in self.places or name in self.demonyms or name in self.not_names:
            return None
        if name.isupper() and (name.title() in self.places or name.capitalize() in self.places):
            return None  # a dateline's city: "BEIJING, Nov 7"
        if any(w in self.title_words for w in words) or re.match(r"[ \t]\d", text[e:e + 2]):
            return None  # "Secretary Chris Wright", "Line 1"
        if len(words) >= 3 and words[-1] in self.places and not self.places.issuperset(words[:-1]):
            return s, e  # "Export Development Canada": a body named after its country
        if name.lower() in self.roles or any(len(w) == 1 for w in words):
            return None  # "Exporters said"; "Gmb H" of a word split apart
        the_head = len(words) == 1 and words[0].lower() in self.heads and text[max(0, s - 4):s].lower() == "the "
        if not the_head and all(w.lower() in self.stop or w.lower() in self.heads or w in self.places
                                or w in self.demonyms for w in words):
            return None  # "Rare Earth New Materials Science Center" names nobody; "the Commission noted" does
        if persons and all(w.strip(".") in persons for w in words):
            return None
        if not strong and len(words) == 1 and not name.isupper() and _SENT_START.search(text, max(0, s - 3), s) \
                and (self.common(name, SENTENCE_START_RANK) or (name.endswith("s") and self.common(name, 10 ** 6))):
            return None  # "Traders said", "Applicants have to"
        return s, e

    # --- the contexts -----------------------------------------------------------------------

    def find(self, text: str, doc, cues: dict[str, list]) -> Iterator[tuple[int, int]]:
        """(start, end) of names that their context makes organisations; ``cues`` are the cue
        phrases of :class:`.triggers.Triggers` (token spans in ``doc``, whose text is ``text``)."""
        titles = cues.get("PERSON_TITLE", ())
        persons = self.persons(text, doc, titles)
        for s, e in cues.get("ORG_BEFORE", ()):
            pos = _after_space(text, _end(doc, e))
            if text.startswith("the ", pos):
                pos += 4
            yield from self._names_at(text, pos, persons, coordinated=True)
        for s, e in cues.get("ORG_ROLE", ()):
            if doc[s].is_lower:
                plural = doc[e - 1].lower_.endswith("s")
                yield from self._names_at(text, _after_space(text, _end(doc, e)), persons, coordinated=plural)
        for s, e in cues.get("ORG_AFTER", ()):
            if not s or not doc[s].is_lower or not _capitalised(doc[s - 1]):
                continue  # most cues follow no name: a look at the word before is cheap
            if doc[e - 1].lower_ in self.aux and not (e < len(doc) and doc[e].is_lower and doc[e].is_alpha):
                continue  # "X will import", not "X has 40%"
            pos = doc[s].idx
            if pos and text[pos - 1] in " \t":
                yield from self._name_before(text, pos - 1, persons)
        for s, e in titles:
            # "Agency pricing head Jane Roe said": the name before a person's role
            if doc[s].is_lower and e < len(doc) and doc[e].is_title and s:
                pos = doc[s].idx
                if doc[s - 1].is_lower and doc[s - 1].is_alpha and s > 1:
                    pos = doc[s - 1].idx  # one word of the role before it: "pricing head"
                    if not _capitalised(doc[s - 2]):
                        continue
                elif not _capitalised(doc[s - 1]):
                    continue
                if pos and text[pos - 1] in " \t":
                    yield from self._name_before(text, pos - 1, persons)
        for s, e in cues.get("GOV_SHORT", ()):
            yield from self._gov_short(doc, s, e)
        for m in self.dateline.finditer(text):
            n = _NAME_AT.match(text, m.end())
            if n and text.startswith(")", n.end()):
                yield from self._ok(text, n.start(), n.end(), persons, strong=True)
        for m in self.line_source.finditer(text):
            yield from self._ok(text, m.start("n"), m.end("n"), persons, strong=True)
        for m in self.credit.finditer(text):
            n = _NAME_AT.match(text, m.end())
            if n:
                yield from self._ok(text, n.start(), n.end(), persons, strong=True)
        for m in self.possessive.finditer(text):
            before = text[m.start() - 1:m.start()]
            # "X's plant"; "Elements' headquarters" (the apostrophe alone after an s)
            if before.isalpha() and (m.group().startswith("'s") or before == "s"):
                yield from self._name_before(text, m.start(), persons)
        for m in self.appositive.finditer(text):
            if m.start() and text[m.start() - 1].isalpha():
                yield from self._name_before(text, m.start(), persons)

    def _gov_short(self, doc, s: int, e: int):
        """"passed Parliament", "the Treasury said": a capitalised government word inside a
        sentence, or opening one before its verb; not part of a longer name ("Treasury Secretary")."""
        t = doc[s]
        if not t.text[0].isupper() or (e < len(doc) and doc[e].is_title):
            return
        prev = doc[s - 1] if s else None
        if prev is not None and prev.lower_ == "the":
            prev = doc[s - 2] if s > 1 else None
        inside = prev is not None and (prev.is_lower or prev.text in (",", ";"))
        verb = e < len(doc) and doc[e].lower_ in self.gov_short_verbs
        if inside or (verb and (prev is None or not prev.is_title)):
            yield t.idx, doc[e - 1].idx + len(doc[e - 1].text)

    def _ok(self, text: str, s: int, e: int, persons: set[str], strong: bool = False):
        span = self.accept(text, s, e, persons, strong)
        if span:
            yield span

    def _name_before(self, text: str, pos: int, persons: set[str]):
        lo = max(0, pos - 70)
        n = _NAME_BEFORE.search(text, lo, pos)
        if n:
            s = n.start()
            for stop in _FULL_STOP.finditer(text, s, n.end()):
                s = stop.end()  # the name after the last full stop: "... Data. Veyra Analytics said"
            if s < n.end():
                yield from self._ok(text, s, n.end(), persons)

    def _names_at(self, text: str, pos: int, persons: set[str], coordinated: bool):
        n = self._after_place(text, pos)
        k = 0
        while n and k < 4:
            yield from self._ok(text, n.start(), n.end(), persons)
            if not coordinated:
                return
            nxt = re.match(r"(?:,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+|[ \t]*&[ \t]*)(?=[A-Z])", text[n.end():n.end() + 8])
            if not nxt:
                return
            n = self._after_place(text, n.end() + nxt.end())
            k += 1

    def _after_place(self, text: str, pos: int):
        """The name at ``pos``, after a possessive place: "a unit of France's X"."""
        n = _NAME_AT.match(text, pos)
        if n and text.startswith("'s ", n.end()) and n.group() in self.places:
            n = _NAME_AT.match(text, n.end() + 3)
        return n
