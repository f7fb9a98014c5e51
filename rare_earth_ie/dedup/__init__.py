"""Deduplication: every copy of a statement across a dump becomes one canonical fact.

* :mod:`.core`: the pure decisions (variants, blocks, pairwise matches, ordered assembly, the
  canonical record), shared by every engine;
* :mod:`.memory`: :class:`Deduplicator`, streaming, in memory (spills to disk when told);
* :mod:`.disk`: :class:`DiskDeduplicator`, the same algorithm with its state in SQLite.
"""
from .memory import Deduplicator, deduplicate

__all__ = ["Deduplicator", "deduplicate"]
