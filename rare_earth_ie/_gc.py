"""Pausing Python's cyclic garbage collector around allocation-heavy steps that make no cycles.

Building hundreds of thousands of small objects (records, canonical facts) while a large result
is alive makes the collector rescan the live objects again and again; these steps create no
reference cycles, so nothing is lost by letting plain reference counting free their garbage.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def gc_frozen():
    """While a batch runs, the objects alive at its start (the pipeline's tables and models among
    them) are out of the collector's sight: a full collection rescanned them all, ~50 ms, twice
    per few hundred short articles. They are handed back at the end, so cycles a caller made
    before are collected as usual afterwards. A no-op when the caller froze objects itself or
    turned the collector off."""
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
