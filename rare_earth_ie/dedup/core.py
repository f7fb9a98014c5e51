"""The pure decisions of deduplication, shared by every engine (memory, disk, Dask).

Deduplication: every copy of a statement across a dump becomes one canonical fact.

Copies are compared on a normalised form (case, punctuation and spaces folded, so a copy whose
spaces were lost compares equal). Exact copies collapse in a dict; the rest is blocked, never
compared all-pairs: a distinct text is compared only with texts that share its normalised
prefix or its first number. A pair merges when rapidfuzz finds it a full match, or the shorter
is a near-prefix of the longer (a teaser cut off mid-word) — and only if they agree on what
they state: the shorter one's numbers and materials must be the longer one's, and explicit
periods (a date inside, a dated heading) must be equal. A teaser that is the prefix of two
different statements joins neither.

The canonical text is the most complete copy; its ``fact_id`` hashes that text and its explicit
period, so it is the same for the same input in any order.

Nothing here holds state: :class:`Variant` is one distinct normalised text and where it was seen,
built by :func:`fold` (the one step every engine takes per fact) and :func:`merge` (variants of
one key folded apart, on several workers or in batches on disk); :func:`block_keys`, :func:`block_edges` and :func:`assemble_roots` decide which variants are one
statement, in an order that does not depend on the engine; :func:`canonical` builds the record.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Union

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from ..facts.identity import make_fact_id, normalise_text, period_key
from ..models import ArticleResult, CanonicalFact, Entity, Fact, Mention

PREFIX_KEY = 24        # characters of normalised text that block truncated copies together
MIN_TRUNCATED = 20     # a shorter copy must keep this many characters to match as a teaser
BIG_BLOCK = 16         # blocks larger than this are compared by sorted neighbourhood
WINDOW = 8             # neighbours compared on each side in a large block
FULL_RATIO = 93.0      # rapidfuzz ratio for two whole copies of one statement
PREFIX_RATIO = 95.0    # ratio of a teaser against the same length of the longer copy
_NUMERIC = ("PERCENT", "MONEY", "QUANTITY")


def _num(e: Entity) -> Optional[str]:
    """A number a fact states, exactly (both ends of a range): '580000-600000'."""
    v = e.value or {}
    x = v.get("value", v.get("amount"))
    if x is None:
        return None
    hi = v.get("value_max", v.get("amount_max"))
    return f"{float(x):.12g}" + (f"-{float(hi):.12g}" if hi is not None else "")


def facets(f: Fact) -> tuple[tuple[str, ...], frozenset[str]]:
    """What two copies of one statement must share: its numbers, in order, and the materials and
    organisations it names (an organisation by its folded surface, the same in every copy)."""
    nums = tuple(n for n in (_num(e) for e in f.entities if e.label in _NUMERIC) if n)
    names = frozenset(
        [(e.value or {}).get("symbol") or e.text.lower() for e in f.entities if e.label == "MATERIAL"]
        + ["org:" + normalise_text(e.text) for e in f.entities if e.label == "ORG"])
    return nums, names


@dataclass
class Variant:
    """One distinct normalised text (with its explicit period) and every place it was seen."""

    norm: str
    pkey: str
    fact: Fact                       # a representative copy (deterministically chosen)
    numbers: tuple[str, ...]
    materials: frozenset[str]
    #: (doc_id, start, end, text) of every copy, unless spilled to disk (then None)
    mentions: Optional[list[tuple]] = field(default_factory=list)
    count: int = 0
    vid: int = -1
    #: where in the input the first fact of this key came (its numbers and materials count)
    first: Any = 0
    #: the representative's :func:`rep_rank`: the least rank represents the variant
    rank: tuple = ()


def _same_period(a: str, b: str) -> bool:
    """Explicit periods keep copies apart unless equal; a copy without one (a teaser cut before
    its date) blocks nothing."""
    return not a or not b or a == b


def variant_key(f: Fact) -> tuple[str, str]:
    return normalise_text(f.text), period_key(f.period, f.period_source)


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
        f = Fact(fact_id=result.fact_id, doc_id=first.doc_id if first else "",
                 text=result.text, start=first.start if first else 0,
                 end=first.end if first else 0, entities=result.entities,
                 subject=result.subject, metric=result.metric, period=result.period,
                 period_source=result.period_source)
        yield f, [(m.doc_id, m.start, m.end, m.text) for m in result.mentions]
    else:
        raise TypeError(f"cannot deduplicate a {type(result).__name__}")


def fold(variants: dict[tuple[str, str], Variant], f: Fact, rows: Optional[list[tuple]] = None,
         seq: Any = 0) -> Optional[Variant]:
    """Fold one fact into the variant of its key (normalised text and explicit period), making
    the variant if it is new: its copies (``rows``, default the fact itself) join the variant's
    mentions, and the fact becomes its representative if it ranks first (:func:`rep_rank`).
    ``seq`` is where the fact came in the input (any comparable value, increasing). Returns the
    variant, or None for a fact with no text to compare.

    Every engine folds its facts with this step; variants of one key folded apart (partitions of
    a dump, batches spilled to disk) are combined by :func:`merge`."""
    key = variant_key(f)
    if not key[0]:
        return None
    rank = rep_rank(f, seq)
    v = variants.get(key)
    if v is None:
        nums, mats = facets(f)
        v = variants[key] = Variant(key[0], key[1], f, nums, mats, vid=len(variants), first=seq, rank=rank)
    elif rank < v.rank:
        v.fact, v.rank = f, rank
    rows = [(f.doc_id, f.start, f.end, f.text)] if rows is None else rows
    v.mentions.extend(rows)
    v.count += len(rows)
    return v


def merge(parts: list[Variant]) -> Variant:
    """Variants of one key folded apart, combined into the variant one :func:`fold` over all
    their facts in input order makes: the representative of least rank, the numbers and
    materials of the first fact, every mention."""
    first = min(parts, key=lambda v: v.first)
    rep = min(parts, key=lambda v: v.rank)
    ordered = sorted(parts, key=lambda v: v.first)
    mentions = None if any(v.mentions is None for v in parts) else [m for v in ordered for m in v.mentions]
    return Variant(rep.norm, rep.pkey, rep.fact, first.numbers, first.materials, mentions,
                   count=sum(v.count for v in parts), vid=first.vid, first=first.first, rank=rep.rank)


# --- the pairwise decision and the blocks: pure functions, so that a distributed run
# (rare_earth_ie.dask) computes exactly the same edges block by block -----------------------


def order_key(v: Variant) -> tuple:
    """The global processing order: longest text first, so a teaser meets its full copy."""
    return (-len(v.norm), v.norm, v.pkey)


def block_keys(v: Variant) -> list[tuple]:
    """Blocks a variant is compared in: its normalised prefix, and its first number with the
    start of its text (a teaser keeps both)."""
    keys = [("p", v.norm[:PREFIX_KEY])]
    if v.numbers:
        keys.append(("n", v.numbers[0], v.norm[:8]))
    return keys


def same_text(short: str, long: str) -> list[tuple[str, float]]:
    """How two normalised texts (shorter first) may be one statement, with a score: 'full' (a
    whole copy) and/or 'prefix' (a copy cut off)."""
    how = []
    if len(short) >= 0.9 * len(long):
        r = fuzz.ratio(short, long)
        if r >= FULL_RATIO:
            how.append(("full", r))
    if len(short) >= MIN_TRUNCATED:
        r = Indel.normalized_similarity(short, long[:len(short)]) * 100
        if r >= PREFIX_RATIO:
            how.append(("prefix", r))
    return how


def compatible(short: Variant, long: Variant, how: str) -> bool:
    """Do two copies state the same thing? Periods, materials and numbers must agree; a teaser
    may lack what came after its cut."""
    if not _same_period(short.pkey, long.pkey):
        return False
    if not short.materials <= long.materials:
        return False
    a, b = short.numbers, long.numbers
    if how == "full":
        return a == b
    if len(a) > len(b) or a[:-1] != b[:len(a) - 1]:
        return False
    if a and a[-1] != b[len(a) - 1]:
        # a copy cut inside its last number ("$6" of "$61.20/kg"): its digits begin the longer
        # copy's number and end the shorter copy's text
        digits = a[-1].replace(".", "")
        return b[len(a) - 1].replace(".", "").startswith(digits) and short.norm.endswith(digits)
    return True


def block_edges(members: list[Variant]) -> list[tuple[tuple, tuple, str, float]]:
    """Matching pairs within one block: (earlier key, later key, 'full'|'prefix', score).

    A small block is compared all-pairs. A large one (a template repeated with many numbers)
    is sorted by text and each member compared with its WINDOW neighbours on either side: a
    teaser sorts right before the copies it begins, and near-copies share long prefixes, so
    the pairs that can match are neighbours (the sorted-neighbourhood method)."""
    members = sorted(members, key=order_key)
    rank = {id(v): i for i, v in enumerate(members)}
    if len(members) <= BIG_BLOCK:
        pairs = ((members[j], members[i]) for i in range(len(members)) for j in range(i))
    else:
        by_text = sorted(members, key=lambda v: (v.norm, v.pkey))
        seen = set()
        for i, v in enumerate(by_text):
            for u in by_text[i + 1:i + 1 + WINDOW]:
                a, b = (u, v) if rank[id(u)] < rank[id(v)] else (v, u)
                seen.add((rank[id(a)], rank[id(b)]))
        pairs = ((members[a], members[b]) for a, b in sorted(seen))
    out = []
    for u, v in pairs:  # u earlier: at least as long
        for how, score in same_text(v.norm, u.norm):
            if compatible(v, u, how):
                out.append((order_key(u), order_key(v), how, round(score, 3)))
                break
    return out


def assemble_roots(n: int, pkeys: dict[int, str],
                   earlier: Iterable[tuple[int, list[tuple]]]) -> list[int]:
    """The ordered decisions on variant indices 0..n-1 (the global order): ``earlier`` gives,
    for each index that has any, its matches among earlier indices as (index, 'full'|'prefix',
    score), in increasing order of the later index. Returns each index's cluster root.

    A copy joins the statement it matches best as a whole (and statements it fully matches are
    merged when their periods agree), else the one statement it is the best teaser of; a teaser
    that begins two statements equally well joins neither."""
    parent = list(range(n))
    periods: dict[int, str] = dict(pkeys)  # root -> the explicit period of its members

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def fits(root: int, pkey: str) -> bool:
        return _same_period(periods.get(root, ""), pkey)

    def join(root: int, other: int) -> None:
        parent[other] = root
        p = periods.pop(other, "")
        if p and not periods.get(root):
            periods[root] = p

    for i, matches in earlier:
        pkey = pkeys.get(i, "")
        best: dict[str, dict[int, float]] = {"full": {}, "prefix": {}}
        for j, how, *score in sorted(matches):
            root = find(j)
            if not fits(root, pkey):
                continue  # the same lines under another dated heading
            sc = score[0] if score else 100.0
            best[how][root] = max(best[how].get(root, 0.0), sc)
        full, prefix = best["full"], best["prefix"]
        if full:
            target = max(sorted(full), key=lambda r: full[r])
            for r in sorted(full):
                if r != target and fits(target, periods.get(r, "")):
                    join(target, r)
            join(target, i)
        elif prefix:
            top = max(prefix.values())
            winners = [r for r, sc in prefix.items() if sc == top]
            if len(winners) == 1:
                join(winners[0], i)
    return [find(i) for i in range(n)]


def assemble(variants: list[Variant], edges: Iterable[tuple[tuple, tuple, str]]) -> list[list[Variant]]:
    """Clusters from matching pairs, deciding in the global order: a copy joins the statement
    it fully matches (merging statements it fully matches both of), or the one statement it is
    a teaser of; never a cluster whose explicit period contradicts its own; a teaser of several
    statements joins none."""
    variants = sorted(variants, key=order_key)
    index = {order_key(v): i for i, v in enumerate(variants)}
    earlier: dict[int, list[tuple]] = defaultdict(list)
    for u, v, how, *score in set(map(tuple, edges)):
        earlier[index[v]].append((index[u], how, *score))
    pkeys = {i: v.pkey for i, v in enumerate(variants) if v.pkey}
    roots = assemble_roots(len(variants), pkeys, sorted(earlier.items()))
    groups: dict[int, list[Variant]] = defaultdict(list)
    for i, v in enumerate(variants):
        groups[roots[i]].append(v)
    return list(groups.values())


def head(group: list[Variant]) -> tuple[Fact, Optional[dict], Optional[str], str]:
    """The most complete copy of a cluster, its period (the explicit period of any copy when the
    chosen one has none) and the fact_id."""
    best = min(group, key=lambda v: (-len(v.fact.text), -len(v.norm), v.norm, v.fact.doc_id, v.fact.start))
    f = best.fact
    period, source = f.period, f.period_source
    if source not in ("text", "heading"):
        explicit = next((v.fact for v in sorted(group, key=order_key)
                         if v.fact.period_source in ("text", "heading")), None)
        if explicit is not None:
            period, source = explicit.period, explicit.period_source
    return f, period, source, make_fact_id(f.text, period, source)


def canonical(group: list[Variant], mentions: Optional[Iterable[tuple]] = None) -> CanonicalFact:
    """One canonical fact from a cluster: the most complete copy's text and entities, and every
    mention (from the variants, or ``mentions`` when they were spilled to disk)."""
    f, period, source, fact_id = head(group)
    if mentions is None:
        mentions = (m for v in group for m in v.mentions)
    unique = sorted({m[:3]: m for m in mentions}.values(), key=lambda m: m[:3])
    return CanonicalFact(
        fact_id=fact_id, text=f.text, entities=f.entities,
        mentions=[Mention(doc_id=d, start=s, end=e, text=t) for d, s, e, t in unique],
        support=len(unique), subject=f.subject, metric=f.metric, period=period, period_source=source)


def sort_canonical(facts: list[CanonicalFact]) -> list[CanonicalFact]:
    return sorted(facts, key=lambda c: (-c.support, c.fact_id))
