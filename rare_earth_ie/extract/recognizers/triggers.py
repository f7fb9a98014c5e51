"""Trigger words for the ORG and POLICY rules, found as one gazetteer of lower-cased words.

A company head ("Materials", "Group"), a government head ("Ministry"), a policy noun
("tariffs") or a named-instrument head ("Act") is rare in a text; finding these words with a
PhraseMatcher over lower-cased tokens costs next to nothing, and the rules then grow each name
around its trigger in Python. (The same rules as Matcher token patterns with ``+`` operators
cost more than tokenising the text: every pattern is tried at every token.)
"""
from __future__ import annotations

from collections import defaultdict
from typing import Optional

from spacy.tokens import Doc, Token

from ...patterns import load_json, load_words
from ..gazetteer import Gazetteer
from .base import scratch

# a name token is not lower case, punctuation, space, a number or a currency sign
_NOT_NAME_TEXT = frozenset("()[]{},.:;\"'!?%/&|*•·-–—+=<>#@~")


def is_name_token(t: Token) -> bool:
    return not (t.is_lower or t.is_punct or t.is_space or t.like_num or t.is_currency
                or t.text in _NOT_NAME_TEXT or not t.text[0].isalnum())


def trigger_vocab(patterns_dir: Optional[str] = None) -> dict[str, list[str]]:
    org = load_json("org_rules.json", patterns_dir)
    pol = load_json("policy.json", patterns_dir)
    return {
        "ORG_HEAD": org["heads"] + org["legal"] + sorted(load_words("org_legal.txt", patterns_dir)),
        "GOV_HEAD": org["gov_heads"],
        "CO_WORD": org["company_words"],
        "POL_NAMED": pol["named_heads"],
        "POL_NOUN": (pol["generic_single"] + pol["generic_pairs"]["second"] + pol["plan_pairs"]["second"]
                     + pol["order_pairs"]["second"] + ["list"]),
    }


def phrase_vocab(patterns_dir: Optional[str] = None) -> dict[str, list[str]]:
    """Cue phrases of one or more words, found with their end (``according to``, ``state-run``)."""
    ctx = load_json("org_context.json", patterns_dir)
    return {
        "ORG_BEFORE": ctx["before"],
        "ORG_ROLE": ctx["role_nouns"],
        "ORG_AFTER": ctx["after"] + ctx["after_aux"],
        "PERSON_TITLE": ctx["person_titles"],
        "GOV_SHORT": ctx["gov_short"],
    }


class Triggers:
    """Token indices of each kind of trigger word in a doc (the words matched lower-cased on
    whole tokens; their tokens by spaCy's plain English tokenizer, cached on disk)."""

    def __init__(self, vocab, patterns_dir: Optional[str] = None):
        self.vocab = vocab
        # punctuation of legal tails ("Co., Ltd.") is no trigger; a word is one only if it is
        # one token (phrases, below, have any number)
        words = [{"label": kind, "pattern": w} for kind, ws in trigger_vocab(patterns_dir).items()
                 for w in sorted(set(w for w in ws if any(c.isalnum() for c in w)))]
        phrases = [{"label": kind, "pattern": w} for kind, ws in phrase_vocab(patterns_dir).items()
                   for w in sorted(set(ws))]
        self.phrases = frozenset(phrase_vocab(patterns_dir))
        self.words = plain_gazetteer(vocab, words, attr="LOWER", max_tokens=1)
        self.phrase_list = plain_gazetteer(vocab, phrases, attr="LOWER")

    def __call__(self, doc: Doc) -> dict[str, list]:
        """kind -> token indices of single-word triggers, (start, end) token spans of phrases."""
        found: dict[str, list] = defaultdict(list)
        rows = self.words.rows
        for k, start, _end in self.words(doc):
            found[rows[k]["label"]].append(start)
        rows = self.phrase_list.rows
        for k, start, end in self.phrase_list(doc):
            found[rows[k]["label"]].append((start, end))
        return found

    def of(self, doc: Doc) -> dict[str, list[int]]:
        """The trigger words of ``doc``, found once however many recognizers ask."""
        shared = scratch(doc)
        found = shared.get("triggers")
        if found is None:
            found = shared["triggers"] = self(doc)
        return found


def plain_tokenizer(vocab):
    """spaCy's English tokenizer over our vocab, for the phrases of pattern lists."""
    from spacy.lang.en import English

    nlp = English(vocab=vocab)
    return nlp.make_doc


def plain_gazetteer(vocab, rows, **options) -> Gazetteer:
    """A gazetteer of pattern-list phrases tokenized by spaCy's plain English tokenizer (their
    tokens cached on disk under that tokenizer's tag); ``options`` as for :class:`Gazetteer`."""
    import spacy

    def tokenize(texts: list[str]) -> list[list[str]]:
        make = plain_tokenizer(vocab)
        return [[t.text for t in make(x)] for x in texts]

    return Gazetteer(rows, tokenize, f"plain-en:{spacy.__version__}", **options)
