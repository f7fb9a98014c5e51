"""Deduplication: every copy of a statement across a dump becomes one canonical fact.

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
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Union

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .facts import make_fact_id, normalise_text, period_key
from .models import ArticleResult, CanonicalFact, Entity, Fact, Mention

PREFIX_KEY = 24        # characters of normalised text that block truncated copies together
MIN_TRUNCATED = 30     # a shorter copy must keep this many characters to match as a teaser
FULL_RATIO = 93.0      # rapidfuzz ratio for two whole copies of one statement
PREFIX_RATIO = 95.0    # ratio of a teaser against the same length of the longer copy
_NUMERIC = ("PERCENT", "MONEY", "QUANTITY")


def _num(e: Entity) -> Optional[str]:
    v = e.value or {}
    x = v.get("value", v.get("amount"))
    return None if x is None else f"{float(x):.6g}"


@dataclass
class _Variant:
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

    def better_rep(self, f: Fact) -> bool:
        """The most complete raw copy represents the variant (ties: first doc_id, offset)."""
        return (-len(f.text), f.doc_id, f.start) < (-len(self.fact.text), self.fact.doc_id, self.fact.start)


def _overlap(a: str, b: str) -> Optional[str]:
    """Intersection of two period keys ("start..end", ISO dates), "" if either is unknown,
    None if they are disjoint."""
    if not a or not b:
        return a or b
    a0, a1 = a.split("..")
    b0, b1 = b.split("..")
    lo, hi = max(a0, b0), min(a1, b1)
    return f"{lo}..{hi}" if lo <= hi else None


def _variant_key(f: Fact) -> tuple[str, str]:
    return normalise_text(f.text), period_key(f.period, f.period_source)


# --- the pairwise decision and the blocks: pure functions, so that a distributed run
# (rare_earth_ie.dask) computes exactly the same edges block by block -----------------------


def order_key(v: _Variant) -> tuple:
    """The global processing order: longest text first, so a teaser meets its full copy."""
    return (-len(v.norm), v.norm, v.pkey)


def block_keys(v: _Variant) -> list[tuple]:
    """Blocks a variant is compared in: its normalised prefix, and its first number with the
    start of its text (a teaser keeps both)."""
    keys = [("p", v.norm[:PREFIX_KEY])]
    if v.numbers:
        keys.append(("n", v.numbers[0], v.norm[:8]))
    return keys


def same_text(short: str, long: str) -> list[str]:
    """How two normalised texts (shorter first) may be one statement: 'full' (a whole copy)
    and/or 'prefix' (a copy cut off)."""
    how = []
    if len(short) >= 0.9 * len(long) and fuzz.ratio(short, long) >= FULL_RATIO:
        how.append("full")
    if len(short) >= MIN_TRUNCATED and Indel.normalized_similarity(short, long[:len(short)]) * 100 >= PREFIX_RATIO:
        how.append("prefix")
    return how


def compatible(short: _Variant, long: _Variant, how: str) -> bool:
    """Do two copies state the same thing? Periods, materials and numbers must agree; a teaser
    may lack what came after its cut."""
    if _overlap(short.pkey, long.pkey) is None:
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


def block_edges(members: list[_Variant]) -> list[tuple[tuple, tuple, str]]:
    """Matching pairs within one block: (earlier key, later key, 'full'|'prefix')."""
    members = sorted(members, key=order_key)
    out = []
    for i, v in enumerate(members):
        for u in members[:i]:  # earlier: at least as long
            how = next((h for h in same_text(v.norm, u.norm) if compatible(v, u, h)), None)
            if how is not None:
                out.append((order_key(u), order_key(v), how))
    return out


def assemble(variants: list[_Variant], edges: Iterable[tuple[tuple, tuple, str]]) -> list[list[_Variant]]:
    """Clusters from matching pairs, deciding in the global order: a copy joins the statement
    it fully matches (merging statements it fully matches both of), or the one statement it is
    a teaser of; never a cluster whose explicit period contradicts its own; a teaser of several
    statements joins none."""
    variants = sorted(variants, key=order_key)
    index = {order_key(v): i for i, v in enumerate(variants)}
    earlier: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for u, v, how in set(edges):
        earlier[index[v]].append((index[u], how))
    parent = list(range(len(variants)))
    # root -> the explicit period its members state (the intersection of their ranges)
    periods: dict[int, str] = {i: v.pkey for i, v in enumerate(variants) if v.pkey}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def fits(root: int, pkey: str) -> bool:
        # periods keep copies apart only when they cannot be the same time: "Sep 5" and
        # "Sep 12" do not overlap; "March 2025" and "March 3, 2025" do
        return _overlap(periods.get(root, ""), pkey) is not None

    def join(root: int, other: int) -> None:
        parent[other] = root
        p = periods.pop(other, "")
        if p:
            periods[root] = _overlap(periods.get(root, ""), p) or p

    for i, v in enumerate(variants):
        full_hits: set[int] = set()
        prefix_hits: set[int] = set()
        for j, how in sorted(earlier.get(i, ())):
            root = find(j)
            if not fits(root, v.pkey):
                continue  # the same lines under another dated heading
            (full_hits if how == "full" else prefix_hits).add(root)
        if full_hits:
            roots = sorted(full_hits)
            target = roots[0]
            for r in roots[1:]:
                if fits(target, periods.get(r, "")):
                    join(target, r)
            join(target, i)
        elif len(prefix_hits) == 1:
            join(next(iter(prefix_hits)), i)
    groups: dict[int, list[_Variant]] = defaultdict(list)
    for i, v in enumerate(variants):
        groups[find(i)].append(v)
    return list(groups.values())


def _head(group: list[_Variant]) -> tuple[Fact, Optional[dict], Optional[str], str]:
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


def canonical(group: list[_Variant], mentions: Optional[Iterable[tuple]] = None) -> CanonicalFact:
    """One canonical fact from a cluster: the most complete copy's text and entities, and every
    mention (from the variants, or ``mentions`` when they were spilled to disk)."""
    f, period, source, fact_id = _head(group)
    if mentions is None:
        mentions = (m for v in group for m in v.mentions)
    unique = sorted({m[:3]: m for m in mentions}.values(), key=lambda m: m[:3])
    return CanonicalFact(
        fact_id=fact_id, text=f.text, entities=f.entities,
        mentions=[Mention(doc_id=d, start=s, end=e, text=t) for d, s, e, t in unique],
        support=len(unique), subject=f.subject, metric=f.metric, period=period, period_source=source)


def sort_canonical(facts: list[CanonicalFact]) -> list[CanonicalFact]:
    return sorted(facts, key=lambda c: (-c.support, c.fact_id))


class Deduplicator:
    """Streaming dedup: ``add`` facts or results as they come, then ``finish`` (a list) or
    ``iter_finish`` (canonical facts one at a time, for writing a large dump's facts).

    What it holds grows with the number of distinct texts, not with the article text. Mentions
    grow with the dump; with ``spill_after=N`` they move to a temporary SQLite file once more than
    N are held, so memory stays flat however large the dump (the command line does this).
    """

    def __init__(self, spill_after: Optional[int] = None, tmpdir: Optional[str] = None) -> None:
        self.variants: dict[tuple[str, str], _Variant] = {}
        self.spill_after = spill_after
        self.tmpdir = tmpdir
        self._held = 0
        self._db = None

    def add_fact(self, f: Fact, mentions: Optional[list] = None) -> None:
        norm, pk = _variant_key(f)
        if not norm:
            return
        key = (norm, pk)
        v = self.variants.get(key)
        if v is None:
            nums = tuple(n for n in (_num(e) for e in f.entities if e.label in _NUMERIC) if n)
            mats = frozenset((e.value or {}).get("symbol") or e.text.lower()
                             for e in f.entities if e.label == "MATERIAL")
            v = self.variants[key] = _Variant(norm, pk, f, nums, mats, vid=len(self.variants))
            if self._db is not None:
                v.mentions = None
        elif v.better_rep(f):
            v.fact = f
        rows = [(f.doc_id, f.start, f.end, f.text)] if mentions is None else [
            (m.doc_id, m.start, m.end, m.text) if isinstance(m, Mention) else tuple(m) for m in mentions]
        if self._db is not None:
            self._spill_rows(v, rows)
            return
        v.mentions.extend(rows)
        v.count += len(rows)
        self._held += len(rows)
        if self.spill_after is not None and self._held > self.spill_after:
            self._spill_all()

    # --- mentions on disk ---------------------------------------------------------------------

    def _spill_all(self) -> None:
        import sqlite3
        import tempfile

        fd, path = tempfile.mkstemp(prefix="rei-dedup-", suffix=".sqlite", dir=self.tmpdir)
        import os

        os.close(fd)
        self._db_path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE m (v INTEGER, doc TEXT, s INTEGER, e INTEGER, t TEXT)")
        for v in self.variants.values():
            held, v.mentions, v.count = v.mentions, None, 0
            self._spill_rows(v, held)
        self._held = 0

    def _spill_rows(self, v: _Variant, rows: list[tuple]) -> None:
        self._db.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?)", [(v.vid, *r) for r in rows])
        v.count += len(rows)

    def _spilled_mentions(self, group: list[_Variant]) -> Iterator[tuple]:
        ids = [v.vid for v in group]
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT doc, s, e, t FROM m WHERE v IN ({','.join('?' * len(chunk))})"
            yield from self._db.execute(q, chunk)

    def close(self) -> None:
        if self._db is not None:
            import os

            self._db.close()
            self._db = None
            try:
                os.unlink(self._db_path)
            except OSError:
                pass

    def add(self, result: Union[ArticleResult, Fact, CanonicalFact]) -> None:
        if isinstance(result, ArticleResult):
            for f in result.facts:
                self.add_fact(f)
        elif isinstance(result, Fact):
            self.add_fact(result)
        elif isinstance(result, CanonicalFact):
            # deduplicating canonical facts again: the canonical text stands for its mentions
            first = min(result.mentions, key=lambda m: (m.doc_id, m.start)) if result.mentions else None
            f = Fact(fact_id=result.fact_id, doc_id=first.doc_id if first else "",
                     text=result.text, start=first.start if first else 0,
                     end=first.end if first else 0, entities=result.entities,
                     subject=result.subject, metric=result.metric, period=result.period,
                     period_source=result.period_source)
            self.add_fact(f, list(result.mentions))
        else:
            raise TypeError(f"cannot deduplicate a {type(result).__name__}")

    def clusters(self) -> list[list[_Variant]]:
        blocks: dict[tuple, list[_Variant]] = defaultdict(list)
        for v in self.variants.values():
            for k in block_keys(v):
                blocks[k].append(v)
        edges = [e for members in blocks.values() if len(members) > 1 for e in block_edges(members)]
        return assemble(list(self.variants.values()), edges)

    def iter_finish(self) -> Iterator[CanonicalFact]:
        """Canonical facts in output order (most support first), built one at a time."""
        if self._db is None:
            yield from self.finish()
            return
        self._db.execute("CREATE INDEX mv ON m (v)")
        order = []
        for g in self.clusters():
            _, _, _, fact_id = _head(g)
            # support before reading the mentions, for the order; a mention added twice (the same
            # article read twice) is counted once when its fact is built, rarely off by one here
            order.append((-sum(v.count for v in g), fact_id, g))
        order.sort(key=lambda x: x[:2])
        try:
            for _, _, g in order:
                yield canonical(g, self._spilled_mentions(g))
        finally:
            self.close()

    def finish(self) -> list[CanonicalFact]:
        if self._db is not None:
            return sort_canonical(list(self.iter_finish()))
        return sort_canonical([canonical(g) for g in self.clusters()])


def deduplicate(results: Iterable[Union[ArticleResult, Fact, CanonicalFact]]) -> list[CanonicalFact]:
    """Merge every copy of the same statement into one :class:`CanonicalFact`.

    ``results`` may be article results, facts, or canonical facts (deduplicating those again
    changes nothing).
    """
    d = Deduplicator()
    for r in results:
        d.add(r)
    return d.finish()

