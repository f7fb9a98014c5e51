"""The in-memory dedup engine: :class:`Deduplicator` (streaming) and :func:`deduplicate`."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator, Optional, Union

from .._gc import gc_paused
from ..models import ArticleResult, CanonicalFact, Fact, Mention
from .core import Variant, as_facts, assemble, block_edges, block_keys, canonical, fold, sort_canonical


class Deduplicator:
    """Streaming dedup: ``add`` facts or results as they come, then ``finish`` (a list) or
    ``iter_finish`` (canonical facts one at a time, for writing a large dump's facts).

    What it holds grows with the number of distinct texts and mentions, not with the article
    text. With ``spill_after=N`` the whole state moves to a temporary SQLite file
    (:class:`rare_earth_ie.dedup.disk.DiskDeduplicator`) once it outgrows about N mentions, so
    memory stays flat however large the dump (the command line does this).
    """

    def __init__(self, spill_after: Optional[int] = None, tmpdir: Optional[str] = None) -> None:
        self.variants: dict[tuple[str, str], Variant] = {}
        self.spill_after = spill_after
        self.tmpdir = tmpdir
        self._held = 0
        self._seq = 0      # facts added so far: where each came in the input
        self._disk = None  # a DiskDeduplicator once the state outgrew spill_after

    def add_fact(self, f: Fact, mentions: Optional[list] = None) -> None:
        rows = None if mentions is None else [
            (m.doc_id, m.start, m.end, m.text) if isinstance(m, Mention) else tuple(m) for m in mentions]
        seq, self._seq = self._seq, self._seq + 1
        if self._disk is not None:
            self._disk.add_fact(f, rows, seq)
            return
        n = len(self.variants)
        v = fold(self.variants, f, rows, seq)
        if v is None:
            return
        if len(self.variants) > n:
            self._held += 20  # a variant weighs about as much as twenty mentions
        self._held += 1 if rows is None else len(rows)
        if self.spill_after is not None and self._held > self.spill_after:
            self._to_disk()

    # --- handing over to disk ---------------------------------------------------------------

    def _to_disk(self) -> None:
        from .disk import DiskDeduplicator

        disk = DiskDeduplicator(self.tmpdir)
        for v in self.variants.values():
            disk.add_variant(v)
        self.variants.clear()
        self._disk = disk

    def add(self, result: Union[ArticleResult, Fact, CanonicalFact]) -> None:
        """Add an article's facts, a fact, or a canonical fact (with all its mentions)."""
        for f, rows in as_facts(result):
            self.add_fact(f, rows)

    def clusters(self) -> list[list[Variant]]:
        blocks: dict[tuple, list[Variant]] = defaultdict(list)
        for v in self.variants.values():
            for k in block_keys(v):
                blocks[k].append(v)
        edges = [e for k, members in blocks.items() if len(members) > 1 for e in block_edges(members, k)]
        return assemble(list(self.variants.values()), edges)

    def iter_finish(self) -> Iterator[CanonicalFact]:
        """Canonical facts in output order (most support first), built one at a time."""
        if self._disk is not None:
            yield from self._disk.iter_finish()
        else:
            yield from self.finish()

    def finish(self) -> list[CanonicalFact]:
        if self._disk is not None:
            return list(self._disk.iter_finish())
        # building many small objects while a large dump's results are alive makes the cyclic
        # garbage collector rescan all of them again and again (superlinear); nothing here makes
        # reference cycles, so it can pause
        with gc_paused():
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
