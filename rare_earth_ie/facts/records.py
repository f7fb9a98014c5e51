"""What a fact says, for an analyst: its subject, its metric, its value and change.

Pure functions of a fact's text, its entities and the heading it stands under (the component
passes them in); the vocabulary is ``patterns/facts.json`` (documented in docs/records.md):

* ``metric``: the first metric word of the clause (``exports``, ``net profit``, ``prices``); a
  volume becomes an export or an import volume by the flow words of the clause, of its label
  (``September Volume:``) or of its heading (``Export Dynamics``); with no metric word, a price
  per unit makes a price, a tariff a tariff rate, a quota a quota, the heading's metric word the
  metric;
* ``subject``: what the statement is about, as a normalised entity (organisation, place or
  material): the entity a label names (``Terbium Metal:``, ``US:``), else the entity that owns
  the metric word (``Lynas revenue``, ``China's exports``, ``the price of terbium``), else the
  first organisation, place or material of the clause that is not a destination or a source
  (``to the EU``); with none, a commodity phrase (``rare earth magnets``). A label or heading
  without an entity gives no subject;
* ``value``: the entity that states the metric's value (a MONEY for a price, a QUANTITY for a
  volume, a PERCENT for a share), with its label, text, unit and currency; ``change``: a
  percentage change stated beside it (value, direction, basis).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Optional

from ..extract.recognizers.base import Ent
from ..patterns import load_json

SUBJECT_LABELS = ("ORG", "MATERIAL", "GPE")
_LABEL = re.compile(r"[A-Z][^:\n]{0,60}?:\s")
_POSSESSIVE_GAP = re.compile(r"^(?:['’]s)?(?:[\s-]+[a-z][\w-]*){0,3}[\s-]*$")  # "'s rare earth "
# "price of the ", "exports of ", "sales of high-performance "
_OF_GAP = re.compile(r"^\s+(?:of|for|on)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}$")
_AWAY = re.compile(r"(?:\b(?:to|from|into|via|against|with|than|in|at)\s+(?:the\s+)?)$", re.I)


class _Phrases:
    """Phrases (lower case, words joined by one space) and, per first word, the most words a
    phrase starting with it has: one dictionary look-up per word of a text."""

    def __init__(self, phrases):
        self.phrases = phrases
        self.heads: dict[str, int] = {}
        for p in phrases:
            first, n = p.split(" ")[0], p.count(" ") + 1
            self.heads[first] = max(self.heads.get(first, 0), n)

    def __contains__(self, p: str) -> bool:
        return p in self.phrases

    def __getitem__(self, p: str):
        return self.phrases[p]


@dataclass(frozen=True)
class _Vocab:
    metric_of: _Phrases        # phrase -> metric
    flows: dict                # metric -> _Phrases of its flow words
    value_label: dict
    commodity: _Phrases        # commodity phrases


class _Word(NamedTuple):
    """A metric word found in a clause (``group(1)``, ``start()``, ``end()`` as a regex match)."""

    phrase: str
    a: int
    b: int

    def group(self, _: int = 0) -> str:
        return self.phrase

    def start(self, _: int = 0) -> int:
        return self.a

    def end(self, _: int = 0) -> int:
        return self.b


def _phrases(words) -> dict:
    return {" ".join(re.findall(r"[a-z0-9]+", w.lower())): w for w in words}


@lru_cache(maxsize=4)
def vocab(patterns_dir: Optional[str] = None) -> _Vocab:
    d = load_json("facts.json", patterns_dir)
    metric_of = {p: m for m, words in d["metrics"].items() if m != "_doc" for p in _phrases(words)}
    flows = {m: _Phrases(frozenset(_phrases(words))) for m, words in d["flows"].items() if m != "_doc"}
    value_label = {m: label for label, ms in d["value_labels"].items() if label != "_doc" for m in ms}
    commodity = _Phrases(frozenset(_phrases(d["commodity_words"]["words"])))
    return _Vocab(_Phrases(metric_of), flows, value_label, commodity)


_TOKEN = re.compile(r"[A-Za-z0-9]+")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


def _find(text: str, phrases: _Phrases, toks: Optional[list] = None) -> list[_Word]:
    """The phrases in ``text`` (its ``toks``, if already cut) as whole words (case-insensitive),
    leftmost first, the longest at each place, not overlapping (instead of a regex alternation
    tried at every character)."""
    if toks is None:
        toks = _tokens(text)
    heads = phrases.heads
    out, i = [], 0
    while i < len(toks):
        longest = heads.get(toks[i][0])
        if longest:
            for n in range(min(longest, len(toks) - i), 0, -1):
                # the words of a phrase are joined by spaces or hyphens ("rare-earth", "net profit")
                if n > 1 and any(text[toks[k][2]:toks[k + 1][1]] not in (" ", "-") for k in range(i, i + n - 1)):
                    continue
                p = " ".join(t for t, _, _ in toks[i:i + n]) if n > 1 else toks[i][0]
                if p in phrases:
                    out.append(_Word(p, toks[i][1], toks[i + n - 1][2]))
                    i += n - 1
                    break
        i += 1
    return out


def describe(text: str, offset: int, inside: list[Ent], heading: str = "",
             patterns_dir: Optional[str] = None) -> dict:
    """Subject, metric, value and change of the fact ``text`` (at ``offset`` in its doc, with
    the entities ``inside`` it), standing under ``heading`` ("" when none)."""
    v = vocab(patterns_dir)
    label = _LABEL.match(text)
    body = label.end() if label else 0
    blocked = [(x.start - offset, x.end - offset) for x in inside if x.label == "ORG"]
    toks = _tokens(text)
    words = [m for m in _find(text, v.metric_of, toks) if not any(a <= m.start() < b for a, b in blocked)]
    word = _metric_word(words, body, inside, v)
    metric = _metric(text, toks, word, inside, heading, v)
    value, change = _value(text, offset, metric, inside, v)
    subject, subject_type = _subject(text, offset, inside, label, word, v)
    return {"subject": subject, "subject_type": subject_type, "metric": metric,
            "value": value, "change": change}


def _levels(inside: list[Ent]) -> set:
    """The labels of the values a clause states (a percentage change is no value)."""
    return {x.label for x in inside if x.label in ("MONEY", "QUANTITY", "PERCENT")
            and not (x.label == "PERCENT" and x.value.get("direction"))}


def _metric_word(words: list, body: int, inside: list[Ent], v: _Vocab):
    """The metric word of a clause: the first whose value the clause states (a price word when
    there is a MONEY: "Cumulative net profit ... ¥228 million" is a profit), after the label if
    the body has one; None when no word fits a stated value and a price per unit is there."""
    labels = _levels(inside)
    ranked = sorted(words, key=lambda m: (m.start() < body, m.start()))
    fit = next((m for m in ranked if v.value_label.get(v.metric_of[m.group(1)]) in labels), None)
    if fit is None and any(x.label == "MONEY" and x.value.get("per") for x in inside):
        return None  # "Praseodymium-Neodymium Mix: ¥682,500/ton (..., EV demand ...)": a price
    return fit or (ranked[0] if ranked else None)


_POLICY_METRIC = {"tariff": "tariff rate", "export_control": "export control", "mandate": "mandate"}


def _metric(text: str, toks: list, word, inside: list[Ent], heading: str, v: _Vocab) -> Optional[str]:
    if word is not None:
        metric = v.metric_of[word.group(1)]
    elif any(x.label == "MONEY" and x.value.get("per") for x in inside):
        metric = "price"
    else:
        kinds = [x.value.get("kind") for x in inside if x.label == "POLICY"]
        metric = next((_POLICY_METRIC[k] for k in kinds if k in _POLICY_METRIC), None)
        if metric is None and heading:
            found = _find(heading, v.metric_of)
            metric = v.metric_of[found[0].group(1)] if found else None
        if metric is None and kinds:
            metric = "policy"
    if metric == "volume":
        for where in (text,) + tuple(heading.split("\n")):
            cut = toks if where is text else None
            flows = [f for f, words in v.flows.items() if _find(where, words, cut)]
            if len(flows) == 1:
                metric = flows[0]
                break
        labels = {x.label for x in inside}
        if "QUANTITY" not in labels and "MONEY" in labels:
            metric = {"export volume": "export value", "import volume": "import value"}.get(metric, metric)
    return metric


def _value(text: str, offset: int, metric: Optional[str], inside: list[Ent],
           v: _Vocab) -> tuple[Optional[dict], Optional[dict]]:
    """The entity stating the metric's value, and a percentage change beside it."""
    changes = [x for x in inside if x.label == "PERCENT" and x.value.get("direction")]
    want = v.value_label.get(metric or "")
    levels = [x for x in inside if x.label in ("MONEY", "QUANTITY", "PERCENT") and x not in changes]
    # "from 2.5% to 1.8%": the level it came to
    ended = [x for x in levels if not _FROM.search(text, max(0, x.start - offset - 12), x.start - offset)]
    levels = ended or levels
    main = (next((x for x in levels if x.label == want), None)
            or next((x for x in levels if x.label in ("MONEY", "QUANTITY")), None)
            or next(iter(levels), None))
    value = None
    if main is not None:
        value = {"label": main.label, "text": text[main.start - offset:main.end - offset], **main.value}
    change = None
    if changes:
        c = changes[0]
        change = {"value": c.value.get("value"), "direction": c.value.get("direction"),
                  "basis": c.value.get("basis")}
    return value, change


_FROM = re.compile(r"\bfrom\s+(?:about\s+|around\s+)?$", re.I)


def _name(x: Ent) -> Optional[str]:
    return (x.value or {}).get("name")


def _subject(text: str, offset: int, inside: list[Ent], label, word, v: _Vocab) -> tuple[Optional[str], Optional[str]]:
    ents = [x for x in inside if x.label in SUBJECT_LABELS]
    rel = [(x.start - offset, x.end - offset, x) for x in ents]
    # a label that names an entity ("Terbium Metal:", "US:", "Zhenghai (300224.SZ):")
    if label is not None:
        named = [x for a, b, x in rel if b <= label.end()]
        if named:
            x = min(named, key=lambda x: SUBJECT_LABELS.index(x.label))
            return _name(x), x.label
    body = label.end() if label is not None else 0
    if word is not None:
        k, e = word.start(), word.end()
        # the entity that owns the metric word: "Lynas revenue", "China's rare earth exports"
        owners = [x for a, b, x in rel if body <= a and b <= k and _POSSESSIVE_GAP.match(text[b:k])]
        if owners:
            return _name(owners[-1]), owners[-1].label
        # "the price of terbium", "exports of dysprosium oxide"
        after = [x for a, b, x in rel if a >= e and _OF_GAP.match(text[e:a])]
        if after:
            return _name(after[0]), after[0].label
    # the first organisation, place or material that is not a destination or a source, before
    # the metric word when there is one (the sentence's subject, not a later clause's)
    limit = word.start() if word is not None else len(text)
    for a, b, x in sorted(rel, key=lambda t: t[0]):
        if body <= a < limit and not _AWAY.search(text[max(body, a - 12):a]) and not _in_brackets(text, a):
            return _name(x), x.label
    phrase = _commodity(text, body, word, v)
    return (phrase, None) if phrase else (None, None)


def _in_brackets(text: str, pos: int) -> bool:
    return text.rfind("(", 0, pos) > text.rfind(")", 0, pos)


_NP_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
_NP_STOP = frozenset("the a an of in and to that this these those while with by for on at as is are was were has "
                     "have had be been will would its their our his her it they we from than or but also still "
                     "only said says its whose which who what".split())


def _commodity(text: str, body: int, word, v: _Vocab) -> Optional[str]:
    """A noun phrase naming a commodity just before the metric word ("rare earth magnet
    exports") or after it ("exports of rare earth magnets"), lower case."""
    if word is None:
        return None
    before = [m for m in _NP_WORD.finditer(text, body, word.start())][-5:]
    np = []
    for m in reversed(before):
        w = m.group()
        if (w.lower() in _NP_STOP or w.endswith(("ed", "ing", "ly")) or len(w) == 1
                or np and text[m.end():m.end() + 1] in "'’"):  # "March's", a possessive: not the phrase
            break
        np.insert(0, w)
    if np and _find(" ".join(np), v.commodity):
        return " ".join(np).lower()
    m = re.match(r"\s+of\s+((?:[a-z][a-z-]*\s?){1,5})", text[word.end():])
    if m:
        words = []
        for w in m.group(1).split():
            if w in _NP_STOP:
                break
            words.append(w)
        found = _find(" ".join(words), v.commodity)
        if found:  # the phrase ends with its last commodity word ("sintered magnets", not "... rose")
            return " ".join(words)[:found[-1].end()]
    return None
