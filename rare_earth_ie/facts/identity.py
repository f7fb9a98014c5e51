"""The identity of a fact: the normalised form copies are compared on, its period key, the id.

Pure functions of a fact's text and period, shared by extraction (which stamps each fact with
its ``fact_id``) and every dedup engine (memory, disk, Dask).

* The normalised text folds what a copy may change without changing the statement: case,
  punctuation, spaces (a de-spaced copy), odd Unicode forms, and a teaser's tail (``...``,
  ``Read more``). Currency signs and ``%`` stay: ``¥5`` and ``$5`` are different statements.
* The period key is the period the statement refers to: the date inside it or its dated heading,
  else its page's period (the publish month) — unless the copy is a teaser, whose page is not
  the statement's. The same words under two different periods are two facts.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import Optional

from ..patterns import load_json

# everything but letters, digits, currency signs (after NFKC) and % is folded away
# what the fold drops: every character but word characters, ``%`` and currency signs, and the
# underscore (a word character); one character class first lets the engine skip to its matches
_FOLD = re.compile(r"[^\w%$\u00a2-\u00a5\u20a0-\u20cf\u058f\u060b\u09f2\u09f3\u0e3f\u17db\ufdfc]+")


_CLOSERS = "])>»›→"


@lru_cache(maxsize=4)
def _suffix_rx(patterns_dir: Optional[str] = None) -> tuple[re.Pattern, frozenset]:
    """A teaser's tail at the end of a text: ``...``, ``…``, ``Read more``, ``[…]``, ...
    (``patterns/facts.json``, ``teaser.suffixes``), with the arrows and brackets around it; and
    the characters such a tail can end with."""
    words = load_json("facts.json", patterns_dir)["teaser"]["suffixes"]
    alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    rx = re.compile(r"(?:\s{0,3}[\[(<]?\s{0,3}(?:%s)\s{0,3}[%s]{0,3}){1,3}\s{0,3}$" % (alts, _CLOSERS), re.I)
    return rx, frozenset(w[-1].lower() for w in words) | frozenset(w[-1].upper() for w in words) | frozenset(_CLOSERS)


def strip_teaser_tail(text: str, patterns_dir: Optional[str] = None) -> tuple[str, bool]:
    """``text`` without a teaser's tail, and whether it had one."""
    rx, last = _suffix_rx(patterns_dir)
    end = text.rstrip()[-2:]
    if end[-1:] not in last or end == "." or end[-1:] == "." and end != "..":
        return text, False  # most texts: no tail ends this way (a lone full stop ends a sentence)
    # a tail is short: look at the end only, so that a long text costs no more than a short one
    m = rx.search(text, max(0, len(text) - 60))
    if m is None or m.start() == 0:
        return text, False
    return text[:m.start()], True


# a stop after a digit may be a decimal point where the copy was cut ("averaged $61.")
_SENTENCE_END = re.compile(r"(?:(?<!\d)\.|[!?])[\"'’”»)\]]{0,3}$")
_LABEL_LINE = re.compile(r"[A-Z][^:.()\[\]\n]{0,58}:\s")  # "Terbium Metal: ", not "Lynas (ASX: "


def ends_open(text: str) -> bool:
    """Does the text stop before its statement closed? A sentence closes with a full stop (a
    bracket or quote after it allowed); a label line (``Terbium Metal: ¥8,250,000/ton``) needs
    none. A copy that ends open and begins a longer copy is a teaser cut at a word."""
    text, tail = strip_teaser_tail(text)
    if tail:
        return True
    text = text.rstrip()
    return not (_SENTENCE_END.search(text) or _LABEL_LINE.match(text))


def normalise_text(text: str) -> str:
    """The form facts are compared on: case, punctuation and spaces folded away (so that a copy
    whose spaces were lost or whose dashes differ compares equal), a teaser's tail dropped;
    letters, digits, currency signs and ``%`` kept."""
    text, _ = strip_teaser_tail(text)
    return _FOLD.sub("", unicodedata.normalize("NFKC", text).lower()).replace("_", "")


def period_key(period: Optional[dict], source: Optional[str], teaser: bool = False) -> str:
    """The part of a period that keeps copies apart: the period the statement refers to (a date
    inside it, its dated heading, or its page's publish month); empty for a teaser dated only by
    the page it was copied to, and for a fact with no period at all (it blocks no merge)."""
    if not period or source not in ("text", "heading", "published"):
        return ""
    if source == "published" and teaser:
        return ""
    return f"{period.get('start')}..{period.get('end')}"


def fact_id_for(norm: str, pkey: str) -> str:
    """A stable id from a normalised text and a period key."""
    return hashlib.sha1(f"{norm}|{pkey}".encode("utf-8")).hexdigest()[:16]


def make_fact_id(text: str, period: Optional[dict], source: Optional[str], teaser: bool = False) -> str:
    """A fact's stable id: a hash of its normalised text and its period key."""
    return fact_id_for(normalise_text(text), period_key(period, source, teaser))
