"""The pure decisions of deduplication, shared by every engine (memory, disk, Dask).

Deduplication: every copy of a statement across a dump becomes one canonical fact.

A statement's identity (:mod:`rare_earth_ie.facts.identity`) is its normalised text (case,
punctuation, spaces and a teaser's ``...``/``Read more`` tail folded away, so a re-cased,
re-punctuated or de-spaced copy compares equal) and its period key (the period it refers to: a
date inside it, its dated heading, or its page's publish month; none for a teaser, whose page is
not the statement's). Copies are one statement when

* their normalised texts are equal and their period keys agree ("full"),
* one was cut off (``Fact.truncated``: cut mid-word or mid-number, or with a teaser's tail) or
  ends open (no full stop) and its normalised text begins the other's ("prefix"; at least
  MIN_TRUNCATED characters, so that a copy cut inside a number matches on the digits it still
  has), or
* one says the same as the other in other words: it adds or drops only words that change no
  statement (``today``, ``also``), or swaps phrases of one meaning (``compared with``/``versus``,
  ``prior-year``/``year-ago``), with the same digits and the same period key ("reworded";
  ``patterns/rewording.json``; found with rapidfuzz's alignment of the two normalised texts).
  Reordered or freely rewritten copies stay apart,

where two period keys agree when they are equal or one is empty; the key of a copy that begins
a longer one and is dated only by its page does not count (it is a teaser of that copy).
Nothing else is fuzzy: two texts that differ in one digit, one name or one month are two
statements, whatever the recognisers found in them. A copy joins a statement only when that
statement is the one it can belong to: a teaser (or a copy with no period key) that begins or
equals two statements joins neither, so a missed merge is the price of ambiguity, never two
numbers fused into one.

Exact copies collapse into one :class:`Variant` (normalised text and period key) with
:func:`fold`, the step every engine takes per fact; variants of one key folded apart (on several
workers, or in batches on disk) are combined by :func:`merge`. Variants are compared only inside
blocks (:func:`block_keys`: the first MIN_TRUNCATED characters, which a teaser shares with
every text it begins, and the digits, which a reworded copy keeps), in sorted order (:func:`block_edges`), never all-pairs; :func:`assemble_roots`
decides in a global order that does not depend on the engine, and :func:`canonical` builds the
record: the most complete copy's text and entities, every mention, and a ``fact_id`` that hashes
that text and the statement's period key, the same for the same input in any order.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional, Union

from rapidfuzz.distance import Indel

from ..facts.identity import ends_open, fact_id_for, normalise_text, period_key
from ..models import ArticleResult, CanonicalFact, Fact, Mention
from ..patterns import alternation, load_json

MIN_TRUNCATED = 20     # a teaser must keep this many normalised characters to join a statement
MAX_EXTENSIONS = 64    # texts a teaser is compared with; beyond, only the longest it begins
_END = "\U0010ffff"    # sorts after every character: text + _END bounds the texts text begins
MIN_REWORDED = 40      # a reworded copy is compared only when this long (normalised characters)
MAX_REWORDED_RUN = 32  # texts of one period and digits compared pairwise; a larger run is skipped
_DIGITS = re.compile(r"\d+")


@dataclass
class Variant:
    """One distinct normalised text with its period key, and every place it was seen."""

    norm: str
    pkey: str
    fact: Optional[Fact]             # a representative copy (deterministically chosen)
    #: every copy was cut before its statement ended: the text may begin a longer one
    truncated: bool = False
    #: every copy ends open (no stop): if it begins a longer text, it is a teaser of it
    open: bool = False
    #: the period key is its pages' publish month (void for a copy that is a teaser)
    page_dated: bool = False
    #: (doc_id, start, end, text) of every copy, unless spilled to disk (then None)
    mentions: Optional[list[tuple]] = field(default_factory=list)
    count: int = 0
    vid: int = -1
    #: where in the input the first fact of this key came
    first: Any = 0
    #: the representative's :func:`rep_rank`: the least rank represents the variant
    rank: tuple = ()


def _same_period(a: str, b: str) -> bool:
    """Period keys keep copies apart unless equal; a copy without one (a teaser dated only by
    its page, an undated page) blocks nothing."""
    return not a or not b or a == b


def variant_key(f: Fact) -> tuple[str, str]:
    """A fact's identity: its normalised text and its period key."""
    return normalise_text(f.text), period_key(f.period, f.period_source, f.teaser)


# --- folding facts into variants: the one step every engine takes ----------------------------


def rep_rank(f: Fact, seq: Any = 0) -> tuple:
    """The most complete raw copy represents a variant; ties go to the first doc_id and offset,
    then to the copy that came first in the input (``seq``)."""
    return (-len(f.text), f.doc_id, f.start, seq)


def as_facts(result: Union[ArticleResult, Fact, CanonicalFact]) -> Iterator[tuple[Fact, list[tuple]]]:
    """The facts of anything an engine deduplicates, each with the copies it stands for as
    ``(doc_id, start, end, text)`` rows: an article's facts, a fact, or a canonical fact (its
    text standing for all its mentions, so that deduplicating canonical facts again changes
    nothing)."""
    if isinstance(result, ArticleResult):
        for f in result.facts:
            yield f, [(f.doc_id, f.start, f.end, f.text)]
    elif isinstance(result, Fact):
        yield result, [(result.doc_id, result.start, result.end, result.text)]
    elif isinstance(result, CanonicalFact):
        first = min(result.mentions, key=lambda m: (m.doc_id, m.start)) if result.mentions else None
        extra = {k: getattr(result, k) for k in CanonicalFact.model_fields if k in Fact.model_fields
                 and k not in ("fact_id", "text", "entities", "truncated")}
        f = Fact(fact_id=result.fact_id, doc_id=first.doc_id if first else "",
                 text=result.text, start=first.start if first else 0,
                 end=first.end if first else 0, entities=result.entities,
                 teaser=not result.period_key, truncated=result.truncated, **extra)
        yield f, [(m.doc_id, m.start, m.end, m.text) for m in result.mentions]
    else:
        raise TypeError(f"cannot deduplicate a {type(result).__name__}")


def fold(variants: dict[tuple[str, str], Variant], f: Fact, rows: Optional[list[tuple]] = None,
         seq: Any = 0) -> Optional[Variant]:
    """Fold one fact into the variant of its key (:func:`variant_key`), making the variant if it
    is new: its copies (``rows``, default the fact itself) join the variant's mentions, the fact
    becomes its representative if it ranks first (:func:`rep_rank`), and the variant stays
    ``truncated`` only while every copy was cut. ``seq`` is where the fact came in the input
    (any comparable value, increasing). Returns the variant, or None for a fact with no text.

    Every engine folds its facts with this step; variants of one key folded apart (partitions of
    a dump, batches spilled to disk) are combined by :func:`merge`."""
    key = variant_key(f)
    if not key[0]:
        return None
    rank = rep_rank(f, seq)
    v = variants.get(key)
    if v is None:
        v = variants[key] = Variant(key[0], key[1], f, f.truncated, ends_open(f.text),
                                    bool(key[1]) and f.period_source == "published",
                                    vid=len(variants), first=seq, rank=rank)
    else:
        v.truncated = v.truncated and f.truncated
        v.open = v.open and ends_open(f.text)
        v.page_dated = v.page_dated and f.period_source == "published"
        if rank < v.rank:
            v.fact, v.rank = f, rank
    rows = [(f.doc_id, f.start, f.end, f.text)] if rows is None else rows
    v.mentions.extend(rows)
    v.count += len(rows)
    return v


def merge(parts: list[Variant]) -> Variant:
    """Variants of one key folded apart, combined into the variant one :func:`fold` over all
    their facts in input order makes: the representative of least rank, every mention."""
    first = min(parts, key=lambda v: v.first)
    rep = min(parts, key=lambda v: v.rank)
    ordered = sorted(parts, key=lambda v: v.first)
    mentions = None if any(v.mentions is None for v in parts) else [m for v in ordered for m in v.mentions]
    return Variant(rep.norm, rep.pkey, rep.fact, all(v.truncated for v in parts), all(v.open for v in parts),
                   all(v.page_dated for v in parts), mentions, count=sum(v.count for v in parts), vid=first.vid, first=first.first, rank=rep.rank)


# --- the pairwise decision and the blocks: pure functions, so that a distributed run
# (rare_earth_ie.frontends.dask) computes exactly the same edges block by block ---------------


def order_key(v: Variant) -> tuple:
    """The global processing order: longest text first, so a teaser meets the texts it begins
    already settled; among equal texts those with a period key first, so that a copy without
    one meets every statement it could belong to."""
    return (-len(v.norm), v.norm, not v.pkey, v.pkey)


def block_keys(v: Variant) -> list[tuple]:
    """Blocks a variant is compared in (a function of its normalised text alone): its first
    MIN_TRUNCATED normalised characters (a teaser long enough to join shares them with every
    text it begins; a shorter text only meets its equals), and for a text of MIN_REWORDED
    characters with digits, its digits (a reworded copy keeps every one)."""
    keys = [("p", v.norm[:MIN_TRUNCATED])]
    if len(v.norm) >= MIN_REWORDED:
        digits = _DIGITS.findall(v.norm)
        if digits:
            keys.append(("n", " ".join(digits)))
    return keys


@lru_cache(maxsize=1)
def _rewording() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    # the installed file only: a statement's identity must not depend on a run's options
    d = load_json("rewording.json")
    drop = re.compile(f"(?:{alternation(d['droppable'])})+")
    same = {w: group[0] for group in d["same"] for w in group[1:]}
    return drop, re.compile(alternation(same)), same


def reworded(a: str, b: str) -> bool:
    """Two normalised texts that say the same in other words: once the phrases of one meaning
    are read alike (``comparedwith``/``versus``), every difference of their alignment (rapidfuzz)
    is a droppable word one of them adds (``today``, ``also``)."""
    if a == b or Indel.normalized_similarity(a, b) < 0.8:
        return False
    drop, same_rx, same = _rewording()
    a, b = (same_rx.sub(lambda m: same[m.group()], x) for x in (a, b))
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            continue
        piece = a[op.src_start:op.src_end] if op.tag == "delete" else b[op.dest_start:op.dest_end]
        if op.tag not in ("delete", "insert") or not drop.fullmatch(piece):
            return False
    return True


def block_edges(members: list[Variant], key: Optional[tuple] = None) -> list[tuple[tuple, tuple, str]]:
    """Matching pairs within one block (``key`` from :func:`block_keys`; a prefix block when
    not given): (earlier key, later key, 'full'|'prefix'|'teaser'|'reworded'), the earlier in
    :func:`order_key` order.

    Sorted by text, the copies of one text are neighbours and the texts a teaser begins follow
    it, so each variant is compared only with the run of texts it begins (its equals, and for a
    truncated one the longer texts: up to MAX_EXTENSIONS, else only the longest ones, those no
    other text of the run extends). In a block of digits, whole copies of one period key are
    compared pairwise for :func:`reworded` (runs of at most MAX_REWORDED_RUN)."""
    if key is not None and key[0] == "n":
        return _reworded_edges(members)
    by_text = sorted(members, key=lambda v: (v.norm, v.pkey))
    norms = [v.norm for v in by_text]
    out = []
    i, n = 0, len(by_text)
    while i < n:
        j = bisect_left(norms, norms[i] + "\0", i)  # the run of equal texts
        group = by_text[i:j]
        keyed = [v for v in group if v.pkey]
        for u in (v for v in group if not v.pkey):
            out.extend((order_key(w), order_key(u), "full") for w in keyed)
        if len(norms[i]) >= MIN_TRUNCATED and any(v.truncated or v.open for v in group):
            hi = bisect_left(norms, norms[i] + _END, j)
            longer = _extensions(by_text, norms, j, hi)
            for u in group:
                if u.truncated or u.open:
                    how, key = _as_prefix(u)
                    out.extend((order_key(w), order_key(u), how) for w in longer if _same_period(key, w.pkey))
        i = j
    return out


def _reworded_edges(members: list[Variant]) -> list[tuple[tuple, tuple, str]]:
    whole = sorted((v for v in members if v.pkey and not v.truncated), key=lambda v: (v.pkey, order_key(v)))
    out = []
    i = 0
    while i < len(whole):
        j = i
        while j < len(whole) and whole[j].pkey == whole[i].pkey:
            j += 1
        run = whole[i:j]
        if len(run) <= MAX_REWORDED_RUN:
            for x in range(len(run)):
                for y in range(x + 1, len(run)):
                    if reworded(run[x].norm, run[y].norm):
                        out.append((order_key(run[x]), order_key(run[y]), "reworded"))
        i = j
    return out


def _as_prefix(u: Variant) -> tuple[str, str]:
    """How a text that begins a longer one relates to it, and the period key that counts: a
    copy cut off, or dated by the date inside it or its heading, is a 'prefix' under its own key;
    a copy that merely ends open and is dated only by its page is a 'teaser': that page is not
    the statement's, so its key does not count."""
    if u.page_dated and not u.truncated:
        return "teaser", ""
    return "prefix", u.pkey


def _extensions(by_text: list[Variant], norms: list[str], lo: int, hi: int) -> list[Variant]:
    """The variants of by_text[lo:hi] (texts that one text begins): all of them, or when there
    are more than MAX_EXTENSIONS, the longest ones (those no later text of the run extends)."""
    if hi - lo <= MAX_EXTENSIONS:
        return by_text[lo:hi]
    out = []
    for k in range(lo, hi):
        nxt = bisect_left(norms, norms[k] + "\0", k)
        if nxt >= hi or not norms[nxt].startswith(norms[k]):
            out.append(by_text[k])
    return out


def assemble_roots(n: int, pkeys: dict[int, str], earlier: Iterable[tuple[int, list[tuple]]]) -> list[int]:
    """The ordered decisions on variant indices 0..n-1 (the global order): ``earlier`` gives,
    for each index that has any, its matches among earlier indices as (index, 'full'|'prefix'),
    in increasing order of the later index. Returns each index's cluster root.

    A copy joins the statement it equals ('full'), else the statement it begins ('prefix', or
    'teaser' when its own period key does not count), else the one it rewords ('reworded'),
    and only if there is exactly one such
    statement whose period agrees with its own (a statement takes the period key of its first
    member that has one)."""
    parent = list(range(n))
    periods: dict[int, str] = dict(pkeys)  # root -> the period key of its members

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, matches in earlier:
        pkey = pkeys.get(i, "")
        full, begun, near = set(), set(), set()
        for j, how, *_ in matches:
            r = find(j)
            if _same_period(periods.get(r, ""), "" if how == "teaser" else pkey):
                (full if how == "full" else near if how == "reworded" else begun).add(r)
        found = full or begun or near
        if len(found) == 1:
            root = found.pop()
            parent[i] = root
            if pkey and not periods.get(root) and (full or not any(h == "teaser" for _, h, *_ in matches)):
                periods[root] = pkey
    return [find(i) for i in range(n)]


def assemble(variants: list[Variant], edges: Iterable[tuple]) -> list[list[Variant]]:
    """Clusters from matching pairs, decided in the global order by :func:`assemble_roots`."""
    variants = sorted(variants, key=order_key)
    index = {order_key(v): i for i, v in enumerate(variants)}
    earlier: dict[int, list[tuple]] = defaultdict(list)
    for u, v, how, *_ in set(map(tuple, edges)):
        earlier[index[v]].append((index[u], how))
    pkeys = {i: v.pkey for i, v in enumerate(variants) if v.pkey}
    roots = assemble_roots(len(variants), pkeys, sorted((i, sorted(m)) for i, m in earlier.items()))
    groups: dict[int, list[Variant]] = defaultdict(list)
    for i, v in enumerate(variants):
        groups[roots[i]].append(v)
    return list(groups.values())


def head(group: list[Variant]) -> tuple[Fact, Optional[dict], Optional[str], str, str]:
    """The most complete copy of a cluster (a whole copy before a cut one, the longest text, a
    copy on its own page before a teaser), the statement's period and its source (those of a
    copy that carries the period key, when the chosen copy does not), the period key and the
    ``fact_id``."""
    best = min(group, key=lambda v: (v.truncated, -len(v.norm), v.fact.teaser, -len(v.fact.text), v.norm,
                                      v.fact.doc_id, v.fact.start))
    f = best.fact
    pkey = next((v.pkey for v in sorted(group, key=order_key) if v.pkey), "")
    period, source = f.period, f.period_source
    if pkey and best.pkey != pkey:
        keyed = next(v.fact for v in sorted(group, key=order_key) if v.pkey == pkey)
        period, source = keyed.period, keyed.period_source
    return f, period, source, pkey, fact_id_for(best.norm, pkey)


def canonical(group: list[Variant], mentions: Optional[Iterable[tuple]] = None) -> CanonicalFact:
    """One canonical fact from a cluster: the most complete copy's text, entities and record
    fields, the statement's period, and every mention (from the variants, or ``mentions`` when
    they were spilled to disk)."""
    f, period, source, pkey, fact_id = head(group)
    if mentions is None:
        mentions = (m for v in group for m in v.mentions)
    unique = sorted({m[:3]: m for m in mentions}.values(), key=lambda m: m[:3])
    fields = {k: getattr(f, k) for k in CanonicalFact.model_fields if k in Fact.model_fields
              and k not in ("fact_id", "text", "entities", "period", "period_source", "truncated")}
    return CanonicalFact(
        fact_id=fact_id, text=f.text, entities=f.entities,
        mentions=[Mention(doc_id=d, start=s, end=e, text=t) for d, s, e, t in unique],
        support=len(unique), period=period, period_source=source, period_key=pkey,
        truncated=all(v.truncated for v in group), **fields)


def sort_canonical(facts: list[CanonicalFact]) -> list[CanonicalFact]:
    return sorted(facts, key=lambda c: (-c.support, c.fact_id))
