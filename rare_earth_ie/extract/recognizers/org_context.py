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
_SENT_START = re.compile(r"(?:^|[.!?:;\n•|]\s*|[\"“(]\s*)$")
_POSSESSIVE_NOUNS = (r"shares?|stake|plant|plants|unit|units|subsidiary|output|production|revenue|profit|"
                     r"sales|chief executive|CEO|chairman|board|shareholders?|largest shareholder|"
                     r"headquarters|mine|mines|project|projects|smelter|refinery|facility|facilities|"
                     r"factory|customers|offtake|results|guidance|market value|stock|share price|"
                     r"investment|operations|business|magnets?|capacity|order book|earnings")


def common_rank() -> dict[str, int]:
    """English words by frequency (wordninja's word list, a runtime dependency)."""
    import wordninja

    costs = wordninja.DEFAULT_LANGUAGE_MODEL._wordcost
    return {w: i for i, w in enumerate(sorted(costs, key=costs.get))}


COMMON_RANK = 25_000


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
        roles = alternation(ctx["role_nouns"])
        self.roles = frozenset(ctx["role_nouns"])
        self.before = re.compile(r"(?<![A-Za-z])(?:%s)[ \t]+(?:the[ \t]+)?(?=[A-Z])" % alternation(ctx["before"]))
        # "metals importer X", "magnet makers X, Y and Z"; not "the company X said" as a title
        self.role = re.compile(r"(?<![A-Za-z])(?P<role>%s)[ \t]+(?=[A-Z])" % roles)
        self.appositive = re.compile(r"(?<=[A-Za-z]),[ \t]+(?:a|an|the)[ \t]+(?:[\w'-]+[ \t]+){0,4}?(?:%s)(?![A-Za-z])"
                                     % roles)
        self.after = re.compile(r"(?<=[A-Za-z.])[ \t]+(?:%s)(?![A-Za-z])" % alternation(ctx["after"]))
        self.possessive = re.compile(r"(?<=[A-Za-z])(?:'s|(?<=s)')[ \t]+(?:(?:largest|biggest|main|new|own|first|"
                                     r"second|latest|annual|quarterly|planned|proposed|\w+-\w+)[ \t]+){0,2}"
                                     r"(?:%s)(?![A-Za-z])" % _POSSESSIVE_NOUNS)
        self.dateline = re.compile(r"(?m)^[^\n()]{0,60}?\((?=[A-Z][^)\n]{0,40}\)[ \t]*[-—–])")
        self.line_source = re.compile(r"(?m)^(?=[A-Z])")
        self.titles = re.compile(r"(?<![A-Za-z])(?:%s)[ \t]+(?=[A-Z])" % alternation(ctx["person_titles"]))
        self.person_after = re.compile(r"(?<=[A-Za-z]),[ \t]+(?:the[ \t]+|a[ \t]+|its[ \t]+)?(?:%s)(?![A-Za-z])"
                                       % alternation(ctx["person_titles"]))
        self.gov_short = frozenset(ctx["gov_short"])
        self.not_names = frozenset(ctx["not_names"]) | self.months
        # "passed Parliament", "the Treasury said": inside a sentence, after a lower-case word
        self.gov_short_re = re.compile(r"(?<=[a-z,;] )(?:the )?(?P<n>%s)(?![\w-])" % alternation(self.gov_short))
        # a title inside a name makes it a person's ("Energy Secretary Chris Wright")
        self.title_words = frozenset(w for t in ctx["person_titles"] for w in t.split() if w[0].isupper())
        self._rank: Optional[dict[str, int]] = None

    # --- names ------------------------------------------------------------------------------

    def common(self, word: str) -> bool:
        if self._rank is None:
            self._rank = common_rank()
        return self._rank.get(word.lower(), COMMON_RANK) < COMMON_RANK

    @staticmethod
    def _trim(text: str, s: int, e: int) -> tuple[int, int]:
        """A sentence's full stop is not part of a name ("... according to Fastmarkets.")."""
        if e > s and text[e - 1] == "." and "." not in text[s:e - 1].split()[-1]:
            e -= 1
        return s, e

    def persons(self, text: str) -> set[str]:
        """Words of the people an article introduces with a title or role."""
        out: set[str] = set()
        for m in self.titles.finditer(text):
            n = _NAME_AT.match(text, m.end())
            if n:
                out.update(w.strip(".") for w in n.group().split())
        for m in self.person_after.finditer(text):
            n = _NAME_BEFORE.search(text, max(0, m.start() - 60), m.start())
            if n and len(n.group().split()) >= 2:
                out.update(w.strip(".") for w in n.group().split())
        return out

    def accept(self, text: str, s: int, e: int, persons: set[str]) -> Optional[tuple[int, int]]:
        """The name's span if it may be an organisation."""
        words = text[s:e].split()
        while words and words[0] in self.function and len(words) > 1:
            s += len(words[0]) + (len(text[s + len(words[0]):]) - len(text[s + len(words[0]):].lstrip()))
            words = words[1:]
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
        if name.lower() in self.roles or any(len(w) == 1 for w in words):
            return None  # "Exporters said"; "Gmb H" of a word split apart
        the_head = len(words) == 1 and words[0].lower() in self.heads and text[max(0, s - 4):s].lower() == "the "
        if not the_head and all(w.lower() in self.stop or w.lower() in self.heads or w in self.places
                                or w in self.demonyms for w in words):
            return None  # "Rare Earth New Materials Science Center" names nobody; "the Commission noted" does
        if persons and all(w.strip(".") in persons for w in words):
            return None
        if len(words) == 1 and not name.isupper() and _SENT_START.search(text, max(0, s - 3), s) \
                and self.common(name):
            return None  # "Traders said", "Officials reported"
        return s, e

    # --- the contexts -----------------------------------------------------------------------

    def find(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of names that their context makes organisations."""
        persons = self.persons(text)
        for m in self.before.finditer(text):
            yield from self._names_at(text, m.end(), persons, coordinated=True)
        for m in self.role.finditer(text):
            plural = m.group("role").endswith("s")
            yield from self._names_at(text, m.end(), persons, coordinated=plural)
        for m in self.dateline.finditer(text):
            n = _NAME_AT.match(text, m.end())
            if n and text.startswith(")", n.end()):
                yield from self._ok(text, n.start(), n.end(), persons)
        for m in self.line_source.finditer(text):
            n = _NAME_AT.match(text, m.end())
            # "Agency, November 26: ..." opens a line as a source
            if n and re.match(r",[ \t]+(?:%s)\.?[ \t]+\d{1,2}\b" % "|".join(self.months), text[n.end():n.end() + 20]):
                yield from self._ok(text, n.start(), n.end(), persons)
        for m in self.after.finditer(text):
            yield from self._name_before(text, m.start(), persons)
        for m in self.possessive.finditer(text):
            yield from self._name_before(text, m.start(), persons)
        for m in self.appositive.finditer(text):
            yield from self._name_before(text, m.start(), persons)
        for m in self.gov_short_re.finditer(text):
            yield m.start("n"), m.end("n")

    def _ok(self, text: str, s: int, e: int, persons: set[str]):
        span = self.accept(text, s, e, persons)
        if span:
            yield span

    def _name_before(self, text: str, pos: int, persons: set[str]):
        lo = max(0, pos - 90)
        n = _NAME_BEFORE.search(text, lo, pos)
        if n:
            yield from self._ok(text, n.start(), n.end(), persons)

    def _names_at(self, text: str, pos: int, persons: set[str], coordinated: bool):
        n = _NAME_AT.match(text, pos)
        k = 0
        while n and k < 4:
            yield from self._ok(text, n.start(), n.end(), persons)
            if not coordinated:
                return
            nxt = re.match(r"(?:,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+|[ \t]*&[ \t]*)(?=[A-Z])", text[n.end():n.end() + 8])
            if not nxt:
                return
            n = _NAME_AT.match(text, n.end() + nxt.end())
            k += 1
