"""Extraction: articles in, :class:`ArticleResult` out, every offset pointing into the raw text.

    from rare_earth_ie import extract, extract_many
    result = extract(text, published="2025-10-21")
    for r in extract_many(articles, batch_size=64, n_process=2): ...

Long articles are processed in chunks cut at line ends (spaCy's ``max_length`` is never hit and
memory stays bounded); offsets are shifted back so that they still index the whole raw text.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import re
from collections import deque
from functools import lru_cache
from itertools import islice
from typing import Iterable, Iterator, Optional, Union

from spacy.tokens import Doc

from .._gc import gc_frozen, gc_paused
from ..facts.identity import make_fact_id
from ..models import Article, ArticleResult, Entity, Fact
from ..read import ReadError, articles_from_texts, find_published
from ..settings import DEFAULT, Settings
from .pipeline import build_nlp

_SURROGATE = re.compile("[\ud800-\udfff]")


def chunk_bounds(text: str, limit: int = DEFAULT.chunk_chars) -> list[tuple[int, int]]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at line ends where possible."""
    if len(text) <= limit:
        return [(0, len(text))]
    out, start, n = [], 0, len(text)
    while start < n:
        end = min(n, start + limit)
        if end < n:
            cut = text.rfind("\n", start + limit // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + limit // 2, end)
            if cut > start:
                end = cut + 1
        out.append((start, end))
        start = end
    return out


class Extractor:
    """One pipeline and the conversion of its docs to records."""

    def __init__(self, patterns_dir: Optional[str] = None, settings: Settings = DEFAULT):
        # records are made from doc._.rei_entities: spaCy's Span views of them are not needed
        self.nlp = build_nlp(patterns_dir or settings.patterns_dir, spans=False)
        self.settings = settings
        self._chars_unzoned = 0  # characters processed outside a memory zone
        self.warm_chars = settings.warm_chars  # how many before batches run in memory zones

    def _doc(self, text: str, published: Optional[str], first: bool = True) -> Doc:
        if _SURROGATE.search(text):
            # a lone surrogate ("\ud800" from a JSON escape) is no character and spaCy cannot
            # hash it; one for one, so the offsets stay the raw text's
            text = _SURROGATE.sub("\ufffd", text)
        doc = self.nlp.make_doc(text)
        doc._.rei_published = published
        if not first:
            # the header is the start of an article, not the start of every 100 kB piece of it
            doc.user_data["rei_header_zones"] = []
        return doc

    def pipe(self, articles: Iterable[Article], batch_size: Optional[int] = None) -> Iterator[ArticleResult]:
        """Results in input order; spaCy's ``nlp.pipe`` batches the work.

        Pieces are tokenised lazily and each processed piece is turned into records at once, so
        a long article never holds more than a few of its pieces' Docs in memory; an article is
        yielded as soon as its last piece is done."""
        articles = iter(articles)
        batch_size = batch_size or self.settings.batch_size
        while True:
            batch = list(islice(articles, batch_size))
            if not batch:
                return
            if self._chars_unzoned < self.warm_chars or self.nlp.vocab.in_memory_zone:
                # the first few MB fill the tokenizer's cache of common words, which spaCy does
                # not fill inside a memory zone (and a zone opened by a caller is not nested)
                self._chars_unzoned += sum(len(a.text) for a in batch)
                yield from self._run_batch(batch)
            else:
                # every string and lexeme the batch adds to the vocab is dropped after it: a dump
                # of varied numbers and names would otherwise grow the vocab without end
                with self.nlp.memory_zone():
                    yield from self._run_batch(batch)

    def _run_batch(self, batch: list[Article]) -> Iterator[ArticleResult]:
        meta: deque[tuple[int, int, bool]] = deque()  # (article, offset, last piece?)

        def docs() -> Iterator[Doc]:
            for i, a in enumerate(batch):
                bounds = chunk_bounds(a.text, self.settings.chunk_chars)
                for k, (s, e) in enumerate(bounds):
                    meta.append((i, s, k == len(bounds) - 1))
                    yield self._doc(a.text[s:e], a.published, first=k == 0)

        entities: list[Entity] = []
        facts: list[Fact] = []
        # a small spaCy batch (Settings.spacy_batch): our components work doc by doc, and a
        # batch of 100 kB pieces of one long article would all be held at once
        processed = self.nlp.pipe(docs(), batch_size=self.settings.spacy_batch)
        while True:
            # the pipeline makes many small objects and no reference cycles: the collector
            # rescanning them as they pile up cost up to a third of the time of a text
            # dense with entities. It runs again between results, never paused in the
            # caller's code.
            with gc_paused():
                doc = next(processed, None)
                if doc is None:
                    break
                i, off, last = meta.popleft()
                self._convert(batch[i], off, doc, entities, facts)
                result = self._make_result(batch[i], entities, facts) if last else None
            if result is not None:
                yield result
                entities, facts = [], []

    def pipe_safe(self, batch: list[Article], on_error: str = "return") -> list[Union[ArticleResult, ReadError]]:
        """The results of a whole batch, as a list: a document that fails becomes a
        :class:`ReadError` naming it and the rest of the batch goes on (with
        ``on_error="raise"``, its error is raised).

        The collector is paused while the batch runs: no caller's code runs before the list is
        returned, and resumed per document it rescanned the growing list of results about once
        per document (3% of the time of short news articles, 1.6% paused)."""
        with gc_paused():
            try:
                return list(self.pipe(batch, batch_size=len(batch) or 1))
            except Exception:  # isolate the failing document(s)
                if on_error != "return":
                    raise
                out: list[Union[ArticleResult, ReadError]] = []
                for a in batch:
                    try:
                        out.append(self(a))
                    except Exception as e:  # noqa: BLE001 - reported, never swallowed
                        out.append(ReadError(a.source or "<input>", None,
                                             f"extraction failed: {type(e).__name__}: {e}", doc_id=a.doc_id))
                return out

    def __call__(self, article: Article) -> ArticleResult:
        return next(self.pipe([article], batch_size=1))

    @staticmethod
    def _make_result(article: Article, entities: list[Entity], facts: list[Fact]) -> ArticleResult:
        return ArticleResult(doc_id=article.doc_id, published=article.published,
                             source=article.source, entities=entities, facts=facts, text=article.text)

    @staticmethod
    def _convert(article: Article, off: int, doc: Doc, entities: list[Entity], facts: list[Fact]) -> None:
        """Append the entities and facts of one processed piece (at raw offset ``off``)."""
        raw = article.text
        rep = doc._.rei_repair
        local: dict[int, Entity] = {}
        for ent in doc._.rei_entities or []:
            s, e = rep.to_raw(ent.start, ent.end)
            if e <= s:
                continue
            m = Entity(label=ent.label, text=raw[off + s:off + e], start=off + s, end=off + e,
                       value=ent.value)
            local[id(ent)] = m
            entities.append(m)
        for f in doc._.rei_facts or []:
            s, e = rep.to_raw(f["start"], f["end"])
            text = raw[off + s:off + e]
            fid = make_fact_id(text, f["period"], f["period_source"], f["teaser"])
            # the facts component's fields, entities mapped to raw offsets
            fields = {k: v for k, v in f.items() if k not in ("start", "end", "entities")}
            facts.append(Fact(
                fact_id=fid, doc_id=article.doc_id, text=text, start=off + s, end=off + e,
                entities=[local[id(x)] for x in f["entities"] if id(x) in local], **fields))


def get_extractor(patterns_dir: Optional[str] = None, settings: Settings = DEFAULT) -> Extractor:
    """The process's pipeline for a pattern folder and settings, built once (building costs ~1 s)."""
    # one key per folder: lru_cache alone keys get_extractor() and get_extractor(None) apart and
    # built a second pipeline (twice the memory, and another tokenizer cache to fill)
    patterns_dir = patterns_dir or settings.patterns_dir
    return _extractor(str(patterns_dir) if patterns_dir else None, settings)


@lru_cache(maxsize=4)
def _extractor(patterns_dir: Optional[str], settings: Settings) -> Extractor:
    return Extractor(patterns_dir, settings)


def extract(text: str, published: Optional[str] = None, doc_id: str = "doc",
            source: Optional[str] = None, patterns_dir: Optional[str] = None) -> ArticleResult:
    """Extract one article. ``published`` (ISO date) defaults to the date in its header."""
    if published is None:
        published, _ = find_published(text)
    article = Article(doc_id=doc_id, text=text, published=published, source=source)
    return get_extractor(patterns_dir)(article)


# --- many articles, one or more processes -----------------------------------------------------

_worker: Optional[Extractor] = None


def _init_worker(patterns_dir: Optional[str], settings: Settings) -> None:
    global _worker
    _worker = get_extractor(patterns_dir, settings)
    # the worker process is ours and its pipeline lives as long as it does: out of the
    # collector's sight for good (see gc_frozen)
    gc.freeze()


def _work(batch: list[Article]) -> list[Union[str, ReadError]]:
    """A batch in a worker; results travel back as JSON (pydantic's Rust serialiser is far
    cheaper than pickling models) and without the raw text, which the parent already has."""
    assert _worker is not None
    return [r.model_dump_json() if isinstance(r, ArticleResult) else r for r in _worker.pipe_safe(batch)]


def _batches(items: Iterable[Article], n: int) -> Iterator[list[Article]]:
    it = iter(items)
    while True:
        b = list(islice(it, n))
        if not b:
            return
        yield b


def extract_many(items: Iterable[Union[str, dict, Article]], batch_size: Optional[int] = None,
                 n_process: int = 1, patterns_dir: Optional[str] = None,
                 on_error: str = "raise", settings: Settings = DEFAULT) -> Iterator[Union[ArticleResult, ReadError]]:
    """Extract many articles lazily, in input order.

    ``items`` may be strings, dicts (``{"doc_id"|"id", "text", "published"?}``) or
    :class:`Article` objects, cut into batches of ``batch_size`` articles (default
    ``settings.batch_size``, 64). With ``n_process > 1`` batches go to worker processes, each
    with its own pipeline; results are identical to a single-process run. With
    ``on_error="return"`` a document that fails is yielded as a :class:`ReadError` instead of
    raising, and the rest goes on.
    """
    if (batch_size is not None and batch_size < 1) or n_process < 1:
        raise ValueError(f"batch_size and n_process must be at least 1 (got {batch_size}, {n_process})")
    batch_size = batch_size or settings.batch_size
    articles = articles_from_texts(items)
    if n_process <= 1:
        ex = get_extractor(patterns_dir, settings)
        with gc_frozen():
            for batch in _batches(articles, batch_size):
                yield from ex.pipe_safe(batch, on_error)  # a whole batch, the collector paused
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    # the caller's objects (a pipeline it built, too) out of the collector's sight, as above
    with gc_frozen(), ctx.Pool(n_process, initializer=_init_worker, initargs=(patterns_dir, settings)) as pool:
        # a bounded window of batches in flight, collected in input order (Pool.imap would read
        # the whole input ahead of the workers and hold it in memory)
        pending: deque = deque()
        batches = _batches(articles, batch_size)
        for batch in batches:
            pending.append((batch, pool.apply_async(_work, (batch,))))
            if len(pending) >= 2 * n_process:
                yield from _collect(*pending.popleft(), on_error)
        while pending:
            yield from _collect(*pending.popleft(), on_error)


def _collect(batch: list[Article], job, on_error: str) -> Iterator[Union[ArticleResult, ReadError]]:
    # each result is read back with the collector paused and handed over at once. Read back a
    # batch at a time, the batch's 27,000 objects waited in a list for the collector's next
    # young collection, which scanned them all, cold (5-23 ms a batch: 0.3 s of the parent's
    # 0.6 s per 2 MB of news, on the cores its two workers use); one at a time, a young
    # collection finds the few just made, or nothing when the caller has let them go
    for article, r in zip(batch, job.get()):
        if isinstance(r, ReadError):
            if on_error != "return":
                raise RuntimeError(str(r))  # after the results before it, as one process does
            yield r
            continue
        with gc_paused():
            res = ArticleResult.model_validate_json(r)
        res.text = article.text
        yield res
