"""ORG: organisations by gazetteer, by rule, by ticker and by abbreviation.

New articles name new firms, so rules carry most of the work:
* a company head after a name (``... Group``, ``Co., Ltd.``, ``Materials``, ``Magnetics``,
  ``Rare Earth``, ``Resources``), word lists in ``patterns/org_rules.json``;
* a government body (``Ministry of X``, ``General Administration of X``);
* a name followed by ``company``/``firm`` (``Australia's ASM company``);
* an exchange ticker marks the name before it (``(300224.SZ)``, ``(ASX: LYC)``, ``NYSE: MP``).
A rule match is trimmed of leading function words and dotted country abbreviations, and refused
when every word before its head is generic (``Rare Earth New Materials``).
The gazetteer (``patterns/orgs.jsonl``) holds agencies and the industry's largest firms with
canonical names and tickers.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from spacy.tokens import Doc, Span

from ...patterns import load_json, load_jsonl, load_words
from .base import RULER_KEY, Ent, OverlapIndex, Recognizer, context, doc_text
from .naming import Taken, find_names, trim_to_known
from .org_context import OrgContext
from .triggers import Triggers, is_name_token, plain_gazetteer

_NAME_TOKEN = re.compile(r"^(?:[A-Z][A-Za-z0-9&'.-]*|[0-9]+[A-Z][A-Za-z0-9]*)$")


# a name in Chinese or Japanese script in brackets right after a name
_NATIVE = re.compile(r"[ \t]?[(（][ \t]?(?P<n>[\u3040-\u30ff\u3400-\u9fff]{2,20})[ \t]?[)）]")


def _initial_forms(name: str) -> list[str]:
    """The initialisms of a name of capitalised words and link words: ``Department of War`` ->
    ``DW``, ``DoW``. None for a name with a word in capitals (``MP Materials``)."""
    words = [w for w in re.split(r"[\s-]+", name) if w]
    while words and re.fullmatch(r"(?:[A-Z]\.){2,}", words[0]):
        words = words[1:]  # "U.S. Department of War" -> "DoW"
    forms = [""]
    caps = 0
    for w in words:
        if w.isupper() and len(w) > 1:
            return []
        if w[0].isupper():
            forms = [f + w[0] for f in forms]
            caps += 1
        elif w in ("of", "and", "for", "on"):
            forms = forms + [f + w[0] for f in forms]
        else:
            return []
    return [f for f in forms if caps >= 2 and len(f) <= 6] if len(forms) <= 8 else []


def ticker_pattern(exchanges: list[str]) -> re.Pattern:
    """``(300224.SZ)``, ``(ASX: LYC)``, ``NYSE: MP``: an exchange prefix of ``org_rules.json`` or
    an exchange suffix."""
    ex = "|".join(re.escape(e) for e in sorted(exchanges, key=len, reverse=True))
    return re.compile(
        rf"\(\s*(?:(?P<ex>{ex})\s*:\s*(?P<sym>[A-Z0-9][A-Z0-9.]{{0,7}})"
        r"|(?P<code>\d{6}\.(?:SZ|SH|SS|BJ)|\d{4,5}\.(?:T|HK|KS|KQ|TW)|[A-Z]{1,5}\.(?:AX|TO|V|L|HK|N|O|DE|PA|OL|ST)))"
        r"(?:\s*[;,]\s*[^)]{0,30})?\s*\)"
        rf"|(?<![A-Za-z(])(?P<ex2>{ex})\s*:\s*(?P<sym2>[A-Z][A-Z0-9.]{{0,7}})(?![A-Za-z])"
    )


def ticker_of(m: re.Match) -> str:
    if m.group("code"):
        return m.group("code")
    ex, sym = (m.group("ex"), m.group("sym")) if m.group("ex") else (m.group("ex2"), m.group("sym2"))
    return f"{ex.upper()}:{sym}"


# "Source: X", "Data source: X, Y", "... 2024-09-13   source: X   Hits: 12": the words of a name
# are one space apart (header fields are further apart). The label is found first and its
# place checked after: a pattern that starts with a look-behind is tried at every character.
# led by its labels' first letters: under (?i) the engine would try each label at every place
SOURCE_RE = re.compile(r"(?=(?i:[osv]))(?i:sources?|via|origin)[ \t]*[:：][ \t]*"
                       r"(?P<name>[A-Z][\w&'.-]*(?:[ ](?:[A-Z][\w&'.-]*|of|and|&)){0,6})"
                       r"(?:,[ \t]*(?P<name2>[A-Z][\w&'.-]*(?:[ ](?:[A-Z][\w&'.-]*|of|and|&)){0,6}))?")
_SOURCE_AT = re.compile(r"(?:^|\|)[ \t]*$")


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None):
    meta = load_json("orgs_meta.json", patterns_dir)
    generic = load_words("org_generic.txt", patterns_dir)
    function = load_words("function_words.txt", patterns_dir)
    elements = frozenset(load_json("materials.json", patterns_dir)["elements"])
    demonyms = frozenset(k.lower() for k in load_json("demonyms.json", patterns_dir) if not k.startswith("_"))
    return meta, generic | demonyms, function, elements


class OrgRecognizer(Recognizer):
    label = "ORG"

    def __init__(self, triggers: Triggers, patterns_dir: Optional[str] = None):
        self.triggers = triggers
        self.meta, self.generic, self.function, self.elements = _data(patterns_dir)
        rules = load_json("org_rules.json", patterns_dir)
        # the legal forms of org_rules.json and those generated from cleanco (tools/build_orgs.py)
        self.legal_words = frozenset(rules["legal_words"]) | load_words("org_legal.txt", patterns_dir)
        self.legal = frozenset(rules["legal"]) | self.legal_words  # a legal tail, with its punctuation
        self.gov_links = frozenset(rules["gov_links"])
        # institutional heads name a body even when every word before them is generic
        # ("National Mining Agency"); a company head needs one distinctive word
        self.institutional = frozenset(rules["institutional_heads"])
        self.ticker_re = ticker_pattern(rules["exchanges"])
        self.context = OrgContext(patterns_dir)
        # listed firms (generated by tools/build_orgs.py): surface -> canonical name, matched
        # case-sensitively on tokens of spaCy's plain English tokenizer (in the pipeline's
        # gazetteer, whose names go through the repairing tokenizer, these 2,400 names made
        # spaCy's tokenizer several times slower on every later text)
        self.listed = plain_gazetteer(triggers.vocab, load_jsonl("orgs_listed.jsonl", patterns_dir))
        self.heads = frozenset(rules["heads"])

    def find(self, doc: Doc) -> list[Ent]:
        """ORGs from the gazetteer spans of the ruler and the rules grown around triggers."""
        spans = list(doc.spans.get(RULER_KEY, ()))
        triggers = self.triggers.of(doc)
        out: list[Ent] = []
        for sp in spans:
            if sp.label_ == "ORG":
                info = self.meta.get(sp.id_, {})
                val = {"name": sp.id_, "aliases": list(info.get("aliases", [])),
                       "ticker": info.get("ticker")}
                if info.get("country"):
                    val["country"] = info["country"]  # a government body's jurisdiction
                out.append(Ent(self.label, sp.start_char, sp.end_char, val, priority=3))
        text = doc_text(doc)
        listed = self.listed.rows
        for k, s, e in self.listed(doc):
            out.append(Ent(self.label, doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text),
                           {"name": listed[k]["id"], "aliases": [], "ticker": None}, priority=3))
        gazetteer = list(out)
        seen = set()
        for start, end, rule in self._candidates(doc, triggers):
            if (start, end, rule) in seen:
                continue
            seen.add((start, end, rule))
            ent = self._rule_match(doc[start:end], rule)
            if ent:
                if rule == "rule:head":
                    self._extends_known(ent, gazetteer)
                out.append(ent)
        out.extend(self._city_brand(doc, spans, out))
        out.extend(self._tickers(doc, out))
        out.extend(self._sources(doc))
        for s, e in set(self.context.find(text, doc, triggers)):
            out.append(Ent(self.label, s, e, {"name": text[s:e], "aliases": [], "ticker": None}, priority=2))
        return out

    def refine(self, doc: Doc, by_label: dict[str, list[Ent]]) -> None:
        """After the others ran: a name ends on a name the article uses alone, short forms of a
        firm's name, one name per organisation."""
        text = doc_text(doc)
        orgs = by_label.get(self.label, [])
        if not orgs:
            return
        trim_to_known(text, orgs)
        taken = Taken(by_label)
        for m in context(text).cues(self.ticker_re).matches:
            taken.add(m.start(), m.end())  # "(NYSE: NMG)" is a ticker, not a mention
        new = self._native_names(text, orgs, taken)
        # a firm's name recurs over a place it holds ("Korea Zinc"): places are not in the way
        new += self._recurrences(text, orgs, Taken({k: v for k, v in by_label.items() if k != "GPE"}), taken)
        new += self._initialisms(text, orgs, taken)
        orgs.extend(new)
        orgs.sort(key=lambda e: e.start)
        self._short_forms(text, by_label)
        self._prefixes_of_longer(text, orgs)
        self._names(text, orgs)

    @staticmethod
    def _prefixes_of_longer(text: str, orgs: list[Ent]) -> None:
        """A name that begins a longer name of the article ("Kisaragi", "Severn Magnet Recycling"
        beside "Severn Magnet Recycling plc") is that organisation: it takes the longer one's value."""
        longer: dict[str, dict] = {}
        for o in sorted(orgs, key=lambda o: o.start - o.end):
            words = text[o.start:o.end].split()
            for k in range(1, len(words)):
                longer.setdefault(" ".join(words[:k]), o.value)
        if not longer:
            return
        for o in orgs:
            v = longer.get(" ".join(text[o.start:o.end].split()))
            if v is not None and v is not o.value and o.value.get("name") in (None, text[o.start:o.end]):
                o.value = dict(v)

    def _native_names(self, text: str, orgs: list[Ent], taken: Taken) -> list[Ent]:
        """``Shenghe Resources (盛和资源)``: a name in Chinese or Japanese in brackets after the
        English one is the same organisation."""
        out = []
        for o in orgs:
            m = _NATIVE.match(text, o.end)
            if m and not taken.overlaps(m.start("n"), m.end("n")):
                out.append(Ent(self.label, m.start("n"), m.end("n"), dict(o.value), priority=2))
                taken.add(m.start("n"), m.end("n"))
        return out

    def _recurrences(self, text: str, orgs: list[Ent], taken: Taken, all_taken: Taken) -> list[Ent]:
        """A name the article gives an organisation once is that organisation wherever it
        recurs ("Iwatani will import ..." after "metals importer Iwatani"), also where the
        page lost its spaces ("SalesToKestrelMetals...")."""
        forms: dict[str, dict] = {}
        for o in orgs:
            surface = text[o.start:o.end]
            if o.priority >= 2 and len(surface) >= 3 and surface.lower() not in self.generic \
                    and surface not in self.function:
                forms.setdefault(surface, o.value)
        if not forms:
            return []
        out = []
        for s, e, value in find_names(text, forms):
            if not taken.overlaps(s, e):
                out.append(Ent(self.label, s, e, dict(value), priority=1))
                taken.add(s, e)
                all_taken.add(s, e)
        return out

    def _initialisms(self, text: str, orgs: list[Ent], taken: Taken) -> list[Ent]:
        """``DoW`` where the article names the ``Department of War``, ``OSC`` after the ``Office
        of Strategic Capital``: an undefined initialism whose capitals are the initials of the
        capitalised words of an organisation the article names."""
        by_initials: dict[str, dict] = {}
        for o in orgs:
            for form in _initial_forms(text[o.start:o.end]):
                by_initials.setdefault(form, o.value)
        if not by_initials:
            return []
        out = []
        for s, e, value in find_names(text, by_initials):
            if not taken.overlaps(s, e):
                out.append(Ent(self.label, s, e, dict(value), priority=1))
                taken.add(s, e)
        for o in orgs:  # one the context found already ("the OSS said") takes the full name too
            value = by_initials.get(text[o.start:o.end])
            if value is not None and o.value.get("name") == text[o.start:o.end]:
                o.value = dict(value)
        return out

    def _short_forms(self, text: str, by: dict[str, list[Ent]]) -> None:
        """Once an article names "Kisaragi Magnetics Co., Ltd.", a bare "Kisaragi" elsewhere in it
        (a headline, "Kisaragi's plant") is the same company. The short form is the name's
        distinctive first word(s); it must not be a place, a generic or a function word."""
        orgs = by.get(self.label, [])
        if not orgs:
            return
        places = {text[g.start:g.end] for g in by.get("GPE", [])}
        forms: dict[str, dict] = {}
        for o in orgs:
            if o.priority >= 4:  # abbreviations already handled
                continue
            words = text[o.start:o.end].split()
            if len(words) < 2:
                continue
            short = words[0].rstrip(",")
            if (len(short) < 3 or not short[0].isupper() or short in places or short.lower() in self.generic
                    or short in self.function or not short.isalpha()):
                continue
            forms.setdefault(short, {**o.value, "name": o.value.get("name") or text[o.start:o.end]})
        if not forms:
            return
        taken = OverlapIndex([(e.start, e.end) for es in by.values() for e in es])
        for s, e, value in find_names(text, forms):
            if not taken.overlaps(s, e):
                orgs.append(Ent(self.label, s, e, dict(value), priority=1))
        orgs.sort(key=lambda e: e.start)

    @staticmethod
    def _names(text: str, orgs: list[Ent]) -> None:
        """An organisation's name is the fullest form the article itself uses: a gazetteer's
        canonical "China Northern Rare Earth Group" is "Northern Rare Earth" in an article that
        never says more; "MOFCOM" is "Ministry of Commerce" where the article spells it out."""
        groups: dict[str, list[Ent]] = {}
        for o in orgs:
            groups.setdefault(o.value.get("name") or text[o.start:o.end], []).append(o)
        for canonical, ents in groups.items():
            surfaces = [" ".join(text[e.start:e.end].split()) for e in ents]
            fullest = max(surfaces, key=lambda x: (len(x), x))
            aliases = set(ents[0].value.get("aliases") or [])
            if fullest != canonical:
                aliases.add(canonical)
            aliases |= {x for x in surfaces if x != fullest}
            for e in ents:
                e.value = {**e.value, "name": fullest, "aliases": sorted(aliases)}

    def _sources(self, doc: Doc) -> list[Ent]:
        """``Source: Metals Daily Wire``: the named source of a page is an organisation."""
        out = []
        text = doc_text(doc)
        for m in SOURCE_RE.finditer(text):
            line = text.rfind("\n", 0, m.start()) + 1
            before = text[max(line, m.start() - 40):m.start()]
            # at a line's start or after "|"; "source:" also after other fields ("Data source:")
            if not (_SOURCE_AT.search(before) or (m.group()[:6].lower() == "source" and (not before or before[-1].isspace()))):
                continue
            for group in ("name", "name2"):
                if not m.group(group):
                    continue
                name = m.group(group).rstrip(" .,&")
                name = re.sub(r"\s+(?:and|of|&)$", "", name)
                if name and name.lower() not in self.generic and name not in self.function:
                    s = m.start(group)
                    out.append(Ent(self.label, s, s + len(name), {"name": name, "aliases": [], "ticker": None},
                                   priority=1))
        return out

    def _city_brand(self, doc: Doc, spans: list[Span], found: list[Ent]) -> list[Ent]:
        """``Shantou Liantoy``, ``Jinhua Guanhong``: a city followed by a capitalised word that is
        neither a place, a generic word nor a function word is a firm named after its city."""
        from .gpe import gpe_kind

        places = {(sp.start, sp.end) for sp in spans if sp.label_ == "GPE"}
        out = []
        for sp in spans:
            if sp.label_ != "GPE" or gpe_kind(sp.id_) != "place" or sp.end >= len(doc):
                continue
            j = sp.end
            while j < len(doc) and j - sp.end < 3:
                t = doc[j]
                if not (t.is_title and t.is_alpha) or t.lower_ in self.generic or t.text in self.function \
                        or any(a <= j < b for a, b in places):
                    break
                j += 1
            if j == sp.end:
                continue
            start, end = sp.start_char, doc[j - 1].idx + len(doc[j - 1].text)
            if any(e.start <= start and end <= e.end for e in found):
                continue
            out.append(Ent(self.label, start, end, {"name": doc_text(doc)[start:end], "aliases": [],
                                                    "ticker": None}, priority=1))
        return out

    def _candidates(self, doc: Doc, triggers: dict[str, list[int]]):
        """(start, end, rule) token spans grown around trigger words."""
        n = len(doc)

        def left_names(i: int, limit: int, allow_and: bool, institutional: bool = False) -> int:
            j, ands = i - 1, 0
            while j >= 0 and i - j <= limit:
                t = doc[j]
                if is_name_token(t):
                    j -= 1
                elif t.text == "-" and j > 0 and not doc[j - 1].whitespace_ and not t.whitespace_ \
                        and is_name_token(doc[j - 1]):
                    j -= 1  # "High-Tech", "Shin-Etsu"
                elif t.text == ")" and j > 1 and doc[j - 2].text == "(" and is_name_token(doc[j - 1]):
                    j -= 3  # "China Northern Rare Earth (Group) High-Tech Co., Ltd."
                elif allow_and and t.lower_ in ("and", "&") and ands == 0 and j > 0 and is_name_token(doc[j - 1]) \
                        and (t.text == "&" or institutional or j < 2 or not is_name_token(doc[j - 2])):
                    # "Iron and Steel", "Procter & Gamble"; not two names: "Vulcan Elements and X Technologies"
                    ands += 1
                    j -= 1
                else:
                    break
            start = j + 1
            while start < i and not is_name_token(doc[start]):
                start += 1  # never start on "and"
            return start

        for i in triggers.get("ORG_HEAD", ()):
            if doc[i].is_lower:
                continue
            start = left_names(i, 8, allow_and=True, institutional=doc[i].lower_ in self.institutional)
            if start == i:
                continue
            end = i + 1
            while end < n and (doc[end].lower_ in self.legal or
                               (doc[end].text == "," and end + 1 < n and doc[end + 1].lower_ in self.legal)):
                end += 1
            while end > i + 1 and doc[end - 1].text == ",":
                end -= 1
            yield start, end, "rule:head"
        for i in triggers.get("GOV_HEAD", ()):
            if not doc[i].is_title or i + 2 >= n or doc[i + 1].lower_ not in self.gov_links:
                continue
            start = left_names(i, 4, allow_and=False)
            k = i + 2
            if doc[k].lower_ == "the":
                k += 1
            first = k
            while k < n and k - first < 10:
                t = doc[k]
                if t.text in self.context.not_names:
                    break  # "Parliament on Tuesday"
                if is_name_token(t):
                    k += 1
                elif t.text == "-" and not t.whitespace_ and not doc[k - 1].whitespace_ and k + 1 < n \
                        and is_name_token(doc[k + 1]):
                    k += 1  # "Agency for Marine-Earth Science"
                elif t.lower_ in ("and", "&") and k + 1 < n and is_name_token(doc[k + 1]):
                    k += 1
                elif t.text == "," and k + 1 < n and is_name_token(doc[k + 1]) and any(
                        x.lower_ == "and" for x in doc[k + 1:min(n, k + 5)]):
                    k += 1
                else:
                    break
            if k > first:
                yield start, k, "rule:gov"
        for i in triggers.get("CO_WORD", ()):
            if not doc[i].is_lower:
                continue
            start = left_names(i, 4, allow_and=False)
            if start < i:
                yield start, i + 1, "rule:company_word"

    def _trim(self, tokens: list) -> list:
        # leading function words ("The", "According"), dotted country codes ("U.S. MP Materials")
        while tokens and (tokens[0].text in self.function or re.fullmatch(r"(?:[A-Z]\.){2,}", tokens[0].text)):
            tokens = tokens[1:]
        return tokens

    def _rule_match(self, sp: Span, rule: str) -> Optional[Ent]:
        tokens = list(sp)
        if rule == "rule:company_word":
            tokens = tokens[:-1]  # "ASM company" -> "ASM"
        tokens = self._trim(tokens)
        if not tokens:
            return None
        words = [t.text for t in tokens]
        lowers = [w.lower() for w in words]
        if rule == "rule:head":
            # "Rare Earth" is a head only as a pair, after a name: "Baogang Rare Earth"
            core = [w for w in lowers if w not in self.legal_words and w not in {",", "."}]
            if core and core[-1] in ("earth", "earths"):
                if len(core) < 3 or core[-2] != "rare":
                    return None
                before = core[:-2]
            else:
                before = core[:-1]
            has_legal = any(w in self.legal_words for w in lowers[1:])
            head = core[-1] if core else ""
            before = [w for w in before if w not in ("-", "(", ")")]
            if not before or all(w in self.elements for w in before):
                return None  # "Terbium Metal" is a material
            if not has_legal and all(w in self.generic or w == "&" for w in before) and not (
                    head in self.institutional and len(before) >= 2):
                return None
            if len(words) > 1 and all(w.isupper() for w in words if w.isalpha()):
                return None  # a masthead in capitals: "MOBILITY MATERIALS WATCH"
            if head in ("earth", "earths") and sp.end < len(sp.doc) and self._heading_word(sp.doc[sp.end]):
                return None  # a heading: "Heavy Rare Earths Keep Rising", "Rare Earth Prices"
        elif rule == "rule:company_word":
            if all(w in self.generic for w in lowers) or len(tokens) > 4:
                return None
        if sp.end < len(sp.doc) and sp.doc[sp.end].text in self.context.title_words:
            return None  # "Energy and Natural Resources Minister X": a title, not a body
        # a name ends on a word, not on "and"/"of"/"&"
        while tokens and tokens[-1].text.lower() in {"and", "of", "&", "for", "the", "on", ","}:
            tokens = tokens[:-1]
        if not tokens:
            return None
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        last = tokens[-1].text
        if last.endswith(".") and len(last) > 1 and last.lower() not in self.legal_words:
            end -= 1  # a sentence's full stop, not "Inc." or "Co."
        name = doc_text(sp.doc)[start:end]
        val = {"name": name, "aliases": [], "ticker": None}
        return Ent(self.label, start, end, val, priority=2 if rule != "rule:company_word" else 1)

    @staticmethod
    def _extends_known(ent: Ent, gazetteer: list[Ent]) -> None:
        """A known firm written with its full legal name ("Kisaragi Magnetics Holding Co., Ltd.")
        is that firm, the whole name its span."""
        for g in gazetteer:
            if ent.start <= g.start and g.end <= ent.end and (g.start, g.end) != (ent.start, ent.end):
                ent.value = dict(g.value)
                ent.priority = g.priority
                return

    def _heading_word(self, t) -> bool:
        """A capitalised word that goes on a heading, not a name: not a head or a legal form."""
        return t.is_title and t.is_alpha and t.lower_ not in self.legal_words and t.lower_ not in self.heads

    def _tickers(self, doc: Doc, found: list[Ent]) -> list[Ent]:
        """A ticker names the organisation right before it; make one if no rule found it."""
        text = doc_text(doc)
        extra = []
        # found once per text: the refinement asks again
        for m in context(text).cues(self.ticker_re).matches:
            ticker = ticker_of(m)
            pos = m.start()
            while pos > 0 and text[pos - 1] == " ":
                pos -= 1
            owner = next((e for e in found if e.end == pos or (e.end < pos and
                          not text[e.end:pos].strip("'s "))), None)
            if owner is not None:
                owner.value["ticker"] = owner.value.get("ticker") or ticker
                continue
            span = doc.char_span(0, pos, alignment_mode="contract")
            if span is None or not len(span):
                continue
            tokens = []
            for t in reversed(span):
                if _NAME_TOKEN.match(t.text) and len(tokens) < 6:
                    tokens.insert(0, t)
                else:
                    break
            tokens = self._trim(tokens)
            if tokens:
                s, e = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
                extra.append(Ent(self.label, s, e, {"name": text[s:e], "aliases": [], "ticker": ticker},
                                 priority=2))
        return extra
