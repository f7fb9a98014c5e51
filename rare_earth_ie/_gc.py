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
