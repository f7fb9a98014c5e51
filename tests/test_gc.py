"""The collector around a batch: the objects alive when extract_many starts are out of its sight
while the batch runs, and handed back after, so a caller's own cycles are still collected."""
from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
import weakref

import pytest

import rare_earth_ie as rei

TEXTS = ["Lynas sold 5,000 tonnes of NdPr in May 2024, up 5% year on year.",
         "China's exports of magnets fell 3% m/m to 4,000 t in September."]


class Node:
    pass


def _cycle() -> weakref.ref:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_objects_are_frozen_only_while_the_batch_runs_and_cycles_are_collected_after():
    gc.unfreeze()  # the command line, run in this process by other tests, freezes for good
    gc.collect()
    assert gc.get_freeze_count() == 0
    ref = _cycle()  # garbage already, but only a collection can free it
    during = []
    for r in rei.extract_many(TEXTS):
        during.append(gc.get_freeze_count())
        assert r.entities
    assert during and all(n > 0 for n in during)
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None


def test_an_abandoned_batch_hands_the_objects_back():
    gc.unfreeze()
    it = rei.extract_many(TEXTS)
    next(it)
    assert gc.get_freeze_count() > 0
    it.close()
    assert gc.get_freeze_count() == 0


def test_a_callers_own_freeze_and_a_disabled_collector_are_left_alone():
    gc.freeze()
    try:
        list(rei.extract_many(TEXTS))
        assert gc.get_freeze_count() > 0  # not handed back by us (some frozen objects may have died)
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        gc.unfreeze()
        list(rei.extract_many(TEXTS))
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


@contextlib.contextmanager
def _collections():
    """The generations of the collections that start inside the block."""
    seen: list[int] = []
    gc.callbacks.append(cb := lambda phase, info: seen.append(info["generation"]) if phase == "start" else None)
    try:
        yield seen
    finally:
        gc.callbacks.remove(cb)


def _dense_texts(n: int) -> list[str]:
    """``n`` articles of eight sentences with a quantity, a date, a percentage and a price each,
    every number different: results dense enough for the collector to run."""
    return [" ".join(f"Lynas sold {1000 + i * 7 + k} tonnes of NdPr in May 2024, up {(i + k) % 9 + 1}% year on "
                     f"year, at ${50 + k}.{i % 10} per kg." for k in range(8)) for i in range(n)]


def test_building_a_pipeline_pauses_the_collector_and_restores_it():
    """The tables a build makes live as long as the pipeline: the collector is off while they are
    made (it rescanned them three times, a fifth of a second of every start), and left as the
    caller had it after, even when the build fails."""
    assert gc.isenabled()
    with _collections() as seen:
        rei.build_nlp()
    assert len(seen) <= 1  # hundreds with the collector running; one may fall before the pause
    assert gc.isenabled()
    gc.disable()
    try:
        rei.build_nlp()
        assert not gc.isenabled()
    finally:
        gc.enable()
    nlp = rei.build_nlp()
    with pytest.raises(ValueError):  # spaCy refuses a second component of the same name
        rei.add_to(nlp)
    assert gc.isenabled()


def test_importing_the_package_leaves_the_collector_as_it_was():
    code = ("import gc\n{pre}\nimport rare_earth_ie\nassert gc.isenabled() is {state}, gc.isenabled()\n")
    for pre, state in (("", True), ("gc.disable()", False)):
        subprocess.run([sys.executable, "-c", code.format(pre=pre, state=state)], check=True)


def test_a_batch_is_extracted_with_the_collector_paused():
    """A batch's results are all made before the first is handed over (no caller's code runs in
    between): the collector is paused for the whole batch, not only per document. Resumed per
    document, it rescanned the batch's growing list of results about once per document (3% of
    the time of short news articles; half that now)."""
    texts = _dense_texts(40)
    list(rei.extract_many(texts[:2]))
    with _collections() as starts:
        results = list(rei.extract_many(texts, batch_size=40))
    assert len(results) == 40 and all(r.entities for r in results)
    assert len(starts) <= 2, starts  # one young collection when the batch is done (and one may fall before it)


def test_two_processes_hand_over_each_result_as_soon_as_it_is_read_back():
    """With worker processes the parent reads results back one at a time, with the collector
    paused, and hands each over at once: a collection in the parent never finds a batch's
    results waiting in a list (a batch at a time, one young collection scanned them all, cold:
    half the parent's time)."""
    from rare_earth_ie.models import ArticleResult

    texts = _dense_texts(48)
    waiting: list[int] = []

    def count(phase, info):
        if phase == "start":
            waiting.append(sum(isinstance(o, ArticleResult) for o in gc.get_objects(generation=0)))

    gc.callbacks.append(count)
    try:
        n = sum(len(r.entities) for r in rei.extract_many(texts, batch_size=24, n_process=2))
    finally:
        gc.callbacks.remove(count)
    assert n >= 48 * 8 and waiting  # the results are dense enough for the collector to run
    assert max(waiting) <= 2, waiting  # the one being handed over, and the one before
