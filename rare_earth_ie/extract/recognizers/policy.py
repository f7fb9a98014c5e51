"""POLICY: laws, announcements, programmes, plans, tariffs, export controls, quotas, mandates.

Named instruments (``Critical Raw Materials Act``, ``Closed-Loop Critical Material Recycling
Program``) come from name tokens before a capitalised head (triggers found by a PhraseMatcher); numbered ones from
``Announcement No. 62/2025``; ``Section 232`` by pattern; generic ones (``higher tariffs``,
``export controls on rare earth technologies``, ``25% recycled magnet mandate``) from a policy
noun widened over its modifiers and a directly following ``on``/``against`` complement.
Section headings (``Export Restrictions Escalate``) and modifier uses (``tariff threats``)
are refused. Vocabulary lives in ``patterns/policy.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from spacy.tokens import Doc, Span

from ...patterns import alternation, led, load_json, load_words
from .base import RULER_KEY, Ent, Recognizer, doc_text, scratch
from .naming import Taken, find_names, trim_to_known
from .triggers import Triggers, is_name_token



# what every match of numbered_pattern holds: its reference number (most texts have none, and
# the full pattern is tried at every capital)
NUMBERED_HINT = re.compile(r"No\.?\s*\d")


def numbered_pattern(heads: list[str]) -> re.Pattern:
    """``Announcement No. 62/2025``, ``Decree No. 5 of 2024``."""
    # the issuer is bounded: "[A-Z][A-Za-z]+" tried at every capital of a long run of letters (a
    # URL, a spaceless page) scanned to the run's end, quadratic in the run's length
    return re.compile(
        r"(?:(?P<issuer>(?<![A-Za-z])[A-Z][A-Za-z]{1,24})\s+)?(?P<head>%s)\s+(?:\[\d{4}\]\s*)?"
        r"(?P<ref>No\.?\s*\d+(?:\s*/\s*\d{2,4})?(?:\s*of\s*\d{4})?)" % alternation(heads))


def section_pattern(sections: list[str]) -> re.Pattern:
    """``Section 232``, ``Section 301 tariffs``: the trade-law sections of ``policy.json``, and
    any section of a named act (``Section 40205 of the Infrastructure Investment and Jobs Act``)."""
    return re.compile(
        r"\bSection\s+(?:(?P<num>\d{1,5}[A-Z]?)(?P<of>\s+of\s+(?:the\s+)?(?:[A-Z][\w-]*\s+(?:and\s+|of\s+|for\s+)?){1,8}"
        r"(?:Act|Law|Code)(?:\s+(?:of\s+)?(?:19|20)\d\d)?)"
        r"|(?P<ref>%s)(?![\w/])(?:\s+(?P<tail>tariffs?|duties|investigation|probe))?)"
        % alternation(sections))


def titled_pattern(titles: list[str]) -> re.Pattern:
    """``Executive Order 14156``, ``Proclamation 11001``: a title and its number."""
    return re.compile(r"\b(?P<head>%s)\s+(?:No\.\s*)?(?P<num>\d{3,6})\b" % alternation(titles))


def bloc_pattern(heads: list[str], blocs: list[str]) -> re.Pattern:
    """``Regulation (EU) 2024/1252``, ``Directive (EU) No 2019/904``."""
    return re.compile(r"\b(?P<head>%s)\s*\((?P<bloc>%s)\)\s*(?:No\.?\s*)?(?P<num>\d{2,4}/\d{1,4})"
                      % (alternation(heads), alternation(blocs)))


def list_pattern(heads: list[str]) -> re.Pattern:
    """``Announcements No. 55, 56, 57 and 58 of 2025``: several instruments in one mention."""
    return re.compile(r"\b(?P<head>(?:%s)s)\s+Nos?\.?\s*\d+(?:\s*,\s*\d+)*\s*,?\s*and\s*\d+"
                      r"(?:\s*(?:of\s*(?:19|20)\d\d|/\s*(?:19|20)\d\d))?" % alternation(heads))


def normal_ref(ref: str) -> str:
    """``No.70 of 2025`` -> ``No. 70/2025``: one way to write an instrument's number."""
    ref = re.sub(r"No\.?\s*", "No. ", re.sub(r"\s+", " ", ref))
    return re.sub(r"\s*(?:/|\bof\b)\s*((?:19|20)?\d\d)$", r"/\1", ref)


@lru_cache(maxsize=4)
def _data(patterns_dir: Optional[str] = None) -> dict:
    return load_json("policy.json", patterns_dir)


class PolicyRecognizer(Recognizer):
    label = "POLICY"

    def __init__(self, triggers: Triggers, patterns_dir: Optional[str] = None):
        self.triggers = triggers
        d = _data(patterns_dir)
        self.kinds: dict[str, str] = d["kinds"]
        self.modifiers = frozenset(d["modifiers"])
        self.follow_ok = frozenset(d["follow_ok"])
        self.complement = frozenset(d["complement"])
        self.complement_stop = frozenset(d["complement_stop"])
        self.purpose_kinds = frozenset(d["purpose_complement"]["kinds"])
        self.purpose_words = frozenset(d["purpose_complement"]["words"])
        self.purpose_not = frozenset(d["purpose_complement"]["not_objects"])
        self.generic = load_words("org_generic.txt", patterns_dir) | {"corporate"}
        self.function = load_words("function_words.txt", patterns_dir) | {"-"}
        self.single = frozenset(d["generic_single"])
        # second word -> first words it pairs with: "export controls", "executive order"
        self.pair_first: dict[str, set] = {}
        for group in ("generic_pairs", "plan_pairs", "order_pairs"):
            for second in d[group]["second"]:
                self.pair_first.setdefault(second, set()).update(d[group]["first"])
        self.pair_second = frozenset(self.pair_first)
        self.numbered_heads: dict[str, str] = d["numbered_heads"]
        self.numbered_re = numbered_pattern(list(self.numbered_heads))
        self.section_re = led(section_pattern(d["sections"]))
        self.sections_country = d["sections_jurisdiction"]
        self.titled = d["numbered_titles"]
        self.titled_re = titled_pattern(list(self.titled))
        self.titled_word = re.compile("|".join(re.escape(t.split()[-1]) for t in self.titled))
        self.bloc = d["bloc_acts"]
        self.bloc_re = bloc_pattern(list(self.bloc["heads"]), list(self.bloc["blocs"]))
        self.list_re = list_pattern([h for h, k in self.numbered_heads.items() if k == "announcement"])
        self.lower_heads = frozenset(d["lowercase_named_heads"])
        self.anaphor = frozenset(d["anaphor_determiners"])
        self.months = frozenset(load_json("dates.json", patterns_dir)["months"])
        self.site_policies = frozenset(d["site_policies"])
        self.named_heads = frozenset(d["named_heads"]) | frozenset(d["lowercase_named_heads"])
        # words that may follow a policy noun and end its object: verbs ("took", "will")
        self.object_verbs = self.follow_ok - {"of", "for", "to", "in", "and", "or", "from", "at", "by", "with",
                                              "on", "against", "under", "over", "into", "via", "as"}
        self.needs_modifier = frozenset(d["needs_modifier"])
        org_rules = load_json("org_rules.json", patterns_dir)
        self.org_heads = frozenset(org_rules["heads"]) | frozenset(org_rules["gov_heads"])
        demonyms = load_json("demonyms.json", patterns_dir)
        self.demonyms = {k: v for k, v in demonyms.items() if not k.startswith("_")}
        self.demonym_rx = led(re.compile(r"(?<![A-Za-z])(%s)(?![A-Za-z])" % alternation(self.demonyms)))
        # what a policy noun's object may be named by before it: "tungsten mining quota"
        self.commodities = load_words("commodities.txt", patterns_dir)
        defaults = d.get("default_jurisdiction", {})
        self.default_jurisdiction = defaults
        self.default_rx = re.compile(r"(%s)\b" % alternation(defaults)) if defaults else None

    def _candidates(self, doc: Doc, triggers: dict[str, list[int]]):
        """(start, end, kind) token spans around policy trigger words."""
        n = len(doc)
        for i in triggers.get("POL_NAMED", ()):
            lower_head = doc[i].lower_ in self.lower_heads and doc[i].is_lower
            if not doc[i].is_title and not lower_head:
                continue
            start = _left_name(doc, i)
            if lower_head and i - start < 2:
                continue  # "Rare Earth Demonstration Facility program", not "the program"
            end = i + 1
            # "Act 2025": the year of an act
            if end < n and re.fullmatch(r"(?:19|20)\d\d", doc[end].text) and doc[i].lower_ in ("act", "law"):
                end += 1
            # "Interim Measures for the Total Amount Control of ...", "Scheme to Promote Manufacturing of ..."
            if i + 2 < n and doc[i + 1].lower_ in ("for", "of", "on", "to") and not lower_head:
                k = i + 2 + (doc[i + 2].lower_ == "the")
                first = k
                while k < n and k - first < 12:
                    if _name_word(doc[k]):
                        k += 1
                    elif doc[k].lower_ in ("and", "of", "for") and k + 1 < n and _name_word(doc[k + 1]):
                        k += 1
                    else:
                        break
                if k - first >= 2:
                    yield start, k, "named"
            if start < i:
                yield start, end, "named"
        for i in triggers.get("POL_NOUN", ()):
            low = doc[i].lower_
            if low in self.single:
                yield i, i + 1, "generic"
            if i > 0 and low in self.pair_second and doc[i - 1].lower_ in self.pair_first.get(low, ()):
                yield i - 1, i + 1, "generic"
            if low == "list" and i > 1 and doc[i - 1].lower_ == "control" and doc[i - 2].lower_ in ("export", "import"):
                yield i - 2, i + 1, "generic"

    def kind_of(self, words: list[str]) -> str:
        for w in reversed(words):
            k = self.kinds.get(w.lower())
            if k:
                return k
        return "other"

    def find(self, doc: Doc) -> list[Ent]:
        triggers = self.triggers.of(doc)
        out: list[Ent] = []
        for start, end, kind in self._candidates(doc, triggers):
            sp = doc[start:end]
            ent = self._named(sp) if kind == "named" else self._generic(sp)
            if ent:
                out.append(ent)
        text = doc_text(doc)
        numbered = self._numbered(text)
        _absorb(out, numbered)
        out.extend(numbered)
        return out

    def _numbered(self, text: str) -> list[Ent]:
        """Instruments named with their number; ``ref`` is the number, written one way."""
        out = []
        for m in (self.numbered_re.finditer(text) if NUMBERED_HINT.search(text) else ()):
            start = m.start("head")
            val = {"name": text[start:m.end()], "kind": self.numbered_heads[m.group("head")],
                   "jurisdiction": None, "ref": normal_ref(m.group("ref"))}
            out.append(Ent(self.label, start, m.end(), val, priority=3))
        # each pattern below runs only where its literal word is in the text at all
        for m in (self.list_re.finditer(text) if "s No" in text else ()):
            val = {"name": m.group(), "kind": self.numbered_heads[m.group("head")[:-1]], "jurisdiction": None,
                   "ref": None}  # several numbers: no one ref
            out.append(Ent(self.label, m.start(), m.end(), val, priority=3))
        for m in (self.titled_re.finditer(text) if self.titled_word.search(text) else ()):
            ref = f"{m.group('head')} {m.group('num')}"
            val = {"name": ref, "kind": self.titled[m.group("head")], "jurisdiction": None, "ref": ref}
            out.append(Ent(self.label, m.start(), m.end(), val, priority=3))
        for m in (self.bloc_re.finditer(text) if "(E" in text else ()):
            val = {"name": m.group(), "kind": self.bloc["heads"][m.group("head")],
                   "jurisdiction": self.bloc["blocs"][m.group("bloc")], "ref": m.group()}
            out.append(Ent(self.label, m.start(), m.end(), val, priority=3))
        for m in (self.section_re.finditer(text) if "Section" in text else ()):
            num = m.group("num") or m.group("ref")
            tail = m.group("tail") or ""
            kind = ("law" if m.group("of") or not tail else "tariff" if re.match(r"tariff|dut", tail)
                    else "other")
            # the listed trade-law sections are one country's; a section of a named act is its act's
            val = {"name": m.group(), "kind": kind, "jurisdiction": None if m.group("of") else self.sections_country,
                   "ref": f"Section {num}"}
            out.append(Ent(self.label, m.start(), m.end(), val, priority=3))
        return out

    def _named(self, sp: Span) -> Optional[Ent]:
        tokens = [t for t in sp]
        # "Under the Rare Earth Management Regulations": a sentence's first words are no name
        while tokens and (tokens[0].text in self.function or tokens[0].is_lower or tokens[0].is_punct):
            tokens = tokens[1:]
        if len(tokens) < 2:
            return None
        if len(tokens) == 2 and tokens[0].lower_ in self.generic:
            return None  # "Corporate Strategy Shifts" is a heading
        if tokens[-1].lower_ == "policy" and " ".join(t.text for t in tokens[:-1]) in self.site_policies:
            return None  # "Cookie Policy" is a page of the site
        nxt = sp.doc[sp.end] if sp.end < len(sp.doc) else None
        if nxt is not None and nxt.is_title and nxt.lower_ in self.org_heads:
            return None  # "National Reconstruction Fund Corporation" is a body
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        if tokens[-1].text.endswith(".") and len(tokens[-1].text) > 1:
            end -= 1  # "... Promotion Act." ends a sentence
        name = doc_text(sp.doc)[start:end]
        # the kind of the last head word: "... Act 2025" is a law, "Scheme to Promote ..." a
        # programme, "Interim Measures for ... Control of ..." a law (a control is no head)
        heads = [t.text for t in tokens if t.lower_ in self.named_heads]
        val = {"name": name, "kind": self.kind_of(heads[-1:] or [t.text.rstrip(".") for t in tokens]),
               "jurisdiction": None, "ref": None}
        return Ent(self.label, start, end, val, priority=2)

    def _generic(self, sp: Span) -> Optional[Ent]:
        doc = sp.doc
        head = sp[-1]
        # a section heading is title case: "Export Restrictions Escalate", "Flexible Controls:"
        if head.is_title and not (head.i == sp.start and _sentence_initial(head)):
            return None
        if any(t.is_title for t in sp[1:]):
            return None
        if head.is_title and head.i + 1 < len(doc) and doc[head.i + 1].is_title:
            return None
        # a modifier use: "tariff threats", "export control risks", "license applications";
        # a plural head is followed by its verb ("quotas rose"), not used as a modifier
        nxt = doc[sp.end] if sp.end < len(doc) else None
        if (nxt is not None and nxt.is_alpha and nxt.is_lower and nxt.lower_ not in self.follow_ok
                and not head.lower_.endswith("s")):
            return None
        first = sp.start
        places = _place_starts(doc)
        # widen over modifiers: "higher tariffs", "U.S. tariffs", "25% recycled magnet mandate",
        # the object named before the noun ("cobalt export ban"), the place ("Congo export ban")
        i = sp.start - 1
        steps = 0
        while i >= 0 and steps < 6:
            t = doc[i]
            if t.lower_ in self.modifiers or (t.like_num and doc[i + 1].text == "%") or t.text == "%" \
                    or (t.lower_ in self.commodities and not t.is_title):
                first = i
            elif i in places:
                first = i = places[i]
            elif t.text in ("U.S.", "US", "EU", "E.U.", "UK", "U.K.") or (t.is_upper and len(t) <= 3 and t.is_alpha):
                first = i
            elif t.text in self.demonyms:
                first = i  # "Chinese export restrictions"
            elif re.fullmatch(r"(?:19|20)\d\d", t.text) and not (i > 0 and doc[i - 1].lower_ in self.months):
                first = i  # "2023 ban on exports", not "January 2025 executive order"
            elif t.text == "-" and i > 0 and doc[i - 1].is_alpha and not doc[i - 1].whitespace_:
                first = i - 1  # hyphenated modifier: "second-batch quotas", "full-year quota"
                i -= 1
            elif i > 1 and doc[i - 1].text == "-" and not doc[i - 2].whitespace_ and not doc[i - 1].whitespace_ \
                    and f"{doc[i - 2].lower_}-{t.lower_}" in self.modifiers:
                first = i - 2  # "anti-dumping duties" written in three tokens
                i -= 2
            elif t.like_num and i > 0 and doc[i - 1].text == "Section":
                first = i - 1  # "additional Section 232 tariff"
                i -= 1
            elif t.lower_ == "and" and i > 0 and doc[i - 1].lower_ in self.modifiers and first == i + 1:
                first = i - 1  # "smelting and separation quota"
                i -= 1
            else:
                break
            i -= 1
            steps += 1
        last = sp.end
        if (first == sp.start and sp.end - sp.start == 1 and head.is_lower and not head.lower_.endswith("s")
                and sp.start > 0 and doc[sp.start - 1].lower_ in self.anaphor
                and not (nxt is not None and nxt.lower_ in self.complement)):
            return None  # "the ban", "the scheme": an anaphor, not a mention
        if head.lower_ in self.needs_modifier and first == sp.start and sp.end - sp.start == 1 \
                and not (nxt is not None and nxt.lower_ in self.complement):
            return None  # "the restrictions": an anaphor; "rare earth controls" is a mention
        if head.lower_ in ("order", "proclamation") and nxt is not None and nxt.is_title:
            k = sp.end
            while k < len(doc) and k - sp.end < 8 and _name_word(doc[k]) and "\n" not in doc[k - 1].whitespace_:
                k += 1
            if k - sp.end >= 2:
                last = k  # "executive order Unleashing American Energy"
                end = doc[last - 1].idx + len(doc[last - 1].text.rstrip("."))
                start = doc[first].idx
                return Ent(self.label, start, end, {"name": doc_text(doc)[start:end], "kind": "other",
                                                    "jurisdiction": None, "ref": None}, priority=2)
        if nxt is not None and (nxt.lower_ in self.complement or nxt.lower_ in self.purpose_words
                                and self.kinds.get(head.lower_) in self.purpose_kinds):
            j = sp.end + 1
            stop = min(len(doc), j + 12)
            while j < stop:
                t = doc[j]
                if t.text == "," and self._list_goes_on(doc, j, stop):
                    j += 1  # "export controls on tungsten, tellurium and bismuth"
                    continue
                if t.is_punct and t.text not in ("-",) or t.is_space or t.lower_ in self.complement_stop \
                        or t.lower_ in self.months:
                    break
                # a verb or a number ends the object: "tariffs on Chinese goods reached 145%"
                if t.like_num or j > sp.end + 1 and ((t.lower_.endswith("ed") and t.is_lower)
                                       or t.lower_ in self.object_verbs):
                    break
                j += 1
            while j > sp.end + 1 and doc[j - 1].lower_ in ("and", "or", ","):
                j -= 1  # "... scrap and [targeted measures]": the list ended
            if nxt.lower_ not in self.complement and any(t.lower_ in self.purpose_not for t in doc[sp.end + 1:j]):
                j = sp.end + 1  # "a scheme for the same year": when, not what for
            if j > sp.end + 1:
                last = j
        start, end = doc[first].idx, doc[last - 1].idx + len(doc[last - 1].text)
        words = [t.text for t in doc[sp.start:sp.end]]
        kind = self.kind_of(words)
        before_head = doc[sp.end - 2] if sp.end - 2 >= first else None
        if before_head is not None and before_head.lower_ in self.kinds:
            # two policy nouns: the first says what the instrument is ("quota restrictions",
            # "licensing requirements", "permit regime")
            kind = self.kinds[before_head.lower_]
        val = {"name": doc_text(doc)[start:end], "kind": kind, "jurisdiction": None, "ref": None}
        return Ent(self.label, start, end, val, priority=1)


    def _bare_numbers(self, text: str, by: dict[str, list[Ent]]) -> list[Ent]:
        """"No. 57" where the article names "Announcement No. 57/2025": that announcement."""
        refs: dict[str, dict] = {}
        for p in by.get(self.label, []):
            m = re.match(r"No\. (\d+)/", p.value.get("ref") or "")
            if m:
                refs.setdefault(m.group(1), p.value)
        if not refs:
            return []
        taken = Taken(by)
        out = []
        for m in _BARE_NO.finditer(text):
            v = refs.get(m.group(1))
            if v is not None and not taken.overlaps(m.start(), m.end()):
                out.append(Ent(self.label, m.start(), m.end(), dict(v), priority=2))
        return out

    def _short_forms(self, text: str, by: dict[str, list[Ent]]) -> list[Ent]:
        """"RESourceEU" where the article names the "RESourceEU Action Plan": a named policy's
        first word, when it is a coined word (inner capitals) and no place or generic word."""
        forms: dict[str, dict] = {}
        for p in by.get(self.label, []):
            if p.priority < 2:
                continue
            words = text[p.start:p.end].split()
            first = words[0] if len(words) > 1 else ""
            if len(first) >= 4 and first.isalpha() and first[0].isupper() and any(c.isupper() for c in first[1:]) \
                    and not first.isupper() and first.lower() not in self.generic:
                forms.setdefault(first, {**p.value})
        if not forms:
            return []
        taken = Taken(by)
        out = []
        for s, e, v in find_names(text, forms):
            if not taken.overlaps(s, e):
                out.append(Ent(self.label, s, e, dict(v), priority=2))
        return out

    @staticmethod
    def _list_goes_on(doc: Doc, j: int, stop: int) -> bool:
        """A comma inside an object list: lower-case items up to an "and"/"or" before any stop."""
        k = j + 1
        while k < min(len(doc), stop + 4):
            t = doc[k]
            if t.lower_ in ("and", "or"):
                return True
            if not (t.is_alpha and t.is_lower or t.text in (",", "-")):
                return False
            k += 1
        return False

    def refine(self, doc: Doc, by_label: dict[str, list[Ent]]) -> None:
        """After the others ran: a name ends on a name the article uses alone; generic policies
        are named in lower case; the jurisdiction from the issuing body or place."""
        text = doc_text(doc)
        policies = by_label.get(self.label, [])
        trim_to_known(text, policies)
        policies.extend(self._bare_numbers(text, by_label))
        policies.extend(self._short_forms(text, by_label))
        policies.sort(key=lambda e: e.start)
        _with_amounts(text, policies, by_label.get("MONEY", []))
        places = {g.start for g in by_label.get("GPE", ())}
        for p in policies:
            name = p.value.get("name")
            if p.priority <= 1 and name and not name[:2].isupper() and name.split()[0] not in self.demonyms \
                    and p.start not in places:  # "Gabon ... export ban" keeps its place's capital
                p.value["name"] = name[0].lower() + name[1:]  # "Export controls" -> "export controls"
        self._jurisdiction(text, by_label)

    def _jurisdiction(self, text: str, by: dict[str, list[Ent]]) -> None:
        """The place a policy belongs to: a place in its modifiers ("U.S. tariffs") or just
        before it ("EU's 25% mandate"), else a government body or the first place or demonym of
        its sentence, else a place after it, else the country the article is most about. A place
        in the policy's object ("tariff on US imports") is not its jurisdiction."""
        if self.label not in by:
            return
        gpes = [g for g in by.get("GPE", []) if g.value.get("code")]
        bodies = [o for o in by.get("ORG", []) if o.value.get("country")]
        moneys = by.get("MONEY", [])
        counts: dict[str, int] = {}
        for g in gpes:
            counts[g.value["code"]] = counts.get(g.value["code"], 0) + 1
        main = max(counts, key=lambda c: (counts[c], c)) if counts else None
        # the government bodies of the article issue its instruments when a sentence names none
        body_counts: dict[str, int] = {}
        for o in bodies:
            body_counts[o.value["country"]] = body_counts.get(o.value["country"], 0) + 1
        # the fallback: the country the article is most about, its bodies counting twice
        for c, k in body_counts.items():
            counts[c] = counts.get(c, 0) + 2 * k
        issuer = max(counts, key=lambda c: (counts[c], c)) if counts else None
        for p in by[self.label]:
            if p.value.get("jurisdiction"):
                continue
            lo = max((m.end() for m in _SENT_END.finditer(text, max(0, p.start - 300), p.start)),
                     default=max(0, p.start - 300))
            hi_m = _SENT_END.search(text, p.end)
            hi = hi_m.start() if hi_m else len(text)
            obj = re.search(r"\s(?:on|against)\s", text[p.start:p.end])
            head_end = p.start + obj.start() if obj else p.end
            inside = [g for g in gpes if p.start <= g.start and g.end <= head_end]
            # "EU's 25% mandate", "EU's proposed Act": a possessive place just before the policy
            adjacent = [g for g in gpes if g.end <= p.start and p.start - g.end <= 25
                        and (p.start - g.end <= 3 or text.startswith("'s", g.end))]
            before = [g for g in gpes if lo <= g.start and g.end <= p.start
                      and text.count('"', lo, g.start) % 2 == 0  # not inside a quotation
                      and not _GOODS_PLACE.search(text, max(0, g.start - 12), g.start)]
            near = [g for g in before if p.start - g.end <= 40]
            body = [o for o in bodies if lo <= o.start and o.end <= hi]
            after = [g for g in gpes if p.end <= g.start and g.end <= hi]
            code = None
            dm = self.demonym_rx.match(text, p.start, head_end)
            if dm:
                code = self.demonyms[dm.group(1)]  # "Chinese export restrictions"
            for group in (inside, adjacent[-1:], near[-1:]) if code is None else ():
                if group:
                    code = group[0].value["code"]
                    break
            if code is None and body:
                code = body[0].value["country"]
            if code is None and self.default_rx is not None:
                dm = self.default_rx.match(p.value.get("name") or "")
                if dm:
                    code = self.default_jurisdiction[dm.group(1)]
            if code is None:
                first = before[0].start if before else p.start
                dm = self.demonym_rx.search(text, lo, first)
                if dm:
                    code = self.demonyms[dm.group(1)]
                elif before:
                    code = before[0].value["code"]
            if code is None:
                code = _currency_country([m for m in moneys if lo <= m.start and m.end <= hi])
            if code is None:
                if after:
                    code = after[0].value["code"]
                else:
                    code = issuer or main
            p.value["jurisdiction"] = code


def _place_starts(doc: Doc) -> dict[int, int]:
    """Token index of the last token of each gazetteer place -> its first token (once per doc)."""
    shared = scratch(doc)
    found = shared.get("place_starts")
    if found is None:
        found = shared["place_starts"] = {
            sp.end - 1: sp.start for sp in doc.spans.get(RULER_KEY, ()) if sp.label_ == "GPE"}
    return found


def _currency_country(moneys: list[Ent]) -> Optional[str]:
    """The country of a national currency an amount is given in: ISO 4217 begins with the
    ISO 3166 code of its country (INR: IN, AUD: AU), the euro is the EU's. The dollar is
    quoted the world over and names no one."""
    for m in moneys:
        code = m.value.get("currency") or ""
        if code == "EUR":
            return "EU"
        if len(code) == 3 and code != "USD" and not code.startswith("X"):
            return code[:2]
    return None


def _with_amounts(text: str, policies: list[Ent], moneys: list[Ent]) -> None:
    """A named instrument takes the amount written before its name ("the ₹1,500 crore Incentive
    Scheme for ..."): the amount is part of what the text calls it."""
    if not moneys:
        return
    ends = {m.end: m for m in moneys}
    for p in policies:
        if p.priority < 2:
            continue
        m = ends.get(p.start - 1) if text[p.start - 1:p.start] == " " else None
        if m is not None and m.value.get("per") is None:
            name = p.value.get("name") or text[p.start:p.end]
            p.value["name"] = text[m.start:p.start] + name
            p.start = m.start


def _absorb(found: list[Ent], numbered: list[Ent]) -> None:
    """A generic mention that holds a numbered one ("additional Section 232 tariff on processed
    minerals", "25% Section 301 tariff on magnets") is one mention: the longer span with the
    number's ref, the numbered one dropped."""
    for n in list(numbered):
        for g in found:
            if g.start <= n.start and n.end <= g.end and (g.start, g.end) != (n.start, n.end):
                g.priority = n.priority
                g.value["ref"] = n.value.get("ref")
                g.value["jurisdiction"] = g.value.get("jurisdiction") or n.value.get("jurisdiction")
                numbered.remove(n)
                break


# "No. 57" on its own, not "Announcement No. 57" nor "No. 57/2025"
_BARE_NO = re.compile(r"(?<![A-Za-z])No\.\s?(\d{1,4})(?![\d/])(?!\s*of\s)")
_SENT_END = re.compile(r"(?<![A-Z])[.!?]\s|\n")
# a place goods go to or come from ("ore shipments to China as an export levy") is what the
# policy is about, not the country that issues it
_GOODS_PLACE = re.compile(r"\b(?:to|from|into)\s+(?:the\s+)?$", re.I)


def _name_word(t) -> bool:
    """A word of a policy's name: a name token or a capitalised number word ("One Big ... Act")."""
    return is_name_token(t) or (t.is_title and t.is_alpha)


def _left_name(doc: Doc, i: int) -> int:
    """Where the name before the head at ``i`` starts: name words, inner hyphens, a bracketed
    part and link words between name words ("Future Made in Australia (Production Tax Credits
    and Other Measures) Act")."""
    j = i - 1
    while j >= 0:
        t = doc[j]
        if _name_word(t):
            j -= 1
        elif t.text == "-" and j > 0 and not doc[j - 1].whitespace_ and _name_word(doc[j - 1]):
            j -= 1
        elif t.text == ")" and j > 1:
            k = j - 1
            while k > 0 and j - k < 10 and (_name_word(doc[k]) or doc[k].lower_ in _LINKS):
                k -= 1
            if doc[k].text != "(" or k == j - 1:
                break
            j = k - 1
        elif t.lower_ in _LINKS and t.is_lower and j > 0 and _name_word(doc[j - 1]) and j + 1 < i \
                and _name_word(doc[j + 1]):
            j -= 1
        else:
            break
    start = j + 1
    while start < i and (doc[start].is_lower or not doc[start].text[0].isalnum()):
        start += 1  # a name starts on a name word
    return start


_LINKS = frozenset(("of", "in", "and", "for", "the", "on", "to"))


def _sentence_initial(tok) -> bool:
    doc = tok.doc
    i = tok.i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    return i < 0 or doc[i].text in (".", ":", ";", "!", "?", "\n", '"', "(") or "\n" in doc[i].whitespace_ \
        or doc[i].is_space
