"""What the analysis reads: canonical facts and the articles they were seen in, from whatever the
user has at hand.

A path may be

* a store (an SQLite file written by ``rare-earth-ie ingest``), told by its first bytes;
* a JSONL file of records this library wrote: extracted articles (``extract``: lines with
  ``facts``) or canonical facts (``run``/``dedup``: lines with ``mentions``), told line by line;
* raw articles: a folder, ``.txt`` files, a JSONL dump (lines with ``text``), extracted here.

Canonical facts lack their articles' publish dates and sources; extracted articles and stores
have them. :class:`Collected` holds the canonical facts with an index of the articles
(:class:`Documents`).
"""
from __future__ import annotations

import json
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union
from urllib.parse import urlsplit

from pydantic import ValidationError

from ..models import ArticleResult, CanonicalFact, Fact
from ..read import ReadError
from ..settings import DEFAULT, Settings
from ..store import Store, is_store_file

#: the first line is read this far to tell raw articles from records (an article's text can be long)
PEEK_BYTES = 1 << 20
_DUMP_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".gz")


def kind_of(path: Union[str, Path]) -> str:
    """``store``, ``records`` (extracted articles or canonical facts) or ``articles`` (raw);
    standard input, FIFOs and devices are read as raw articles (they cannot be peeked at)."""
    if str(path) == "-":
        return "articles"
    p = Path(path)
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):
            return "articles"
    except OSError:
        return "articles"
    if is_store_file(p):
        return "store"
    if not p.name.lower().endswith((".jsonl", ".jsonl.gz")):
        return "articles"
    first = _first_line(p)
    if first is None:
        return "articles"
    try:
        obj = json.loads(first)
    except ValueError:
        return "articles"
    return "records" if isinstance(obj, dict) and _is_record(obj) else "articles"


def _is_record(obj: dict) -> bool:
    return "mentions" in obj or ("facts" in obj and "text" not in obj)


def _first_line(p: Path) -> Optional[str]:
    import gzip

    try:
        opener = gzip.open if p.name.lower().endswith(".gz") else open
        with opener(p, "rb") as fh:
            while True:
                line = fh.readline(PEEK_BYTES)
                if not line:
                    return None
                if line.strip():
                    return line.decode("utf-8", "replace") if line.endswith(b"\n") else None
    except (OSError, EOFError):
        return None


def read_records(path: Union[str, Path], fh: Optional[IO[str]] = None
                 ) -> Iterator[Union[ArticleResult, CanonicalFact, ReadError]]:
    """The records of a JSONL file: an extracted article per line (``extract``) or a canonical
    fact per line (``run``, ``dedup``); a line that is neither is a ReadError naming its line."""
    try:
        handle = fh if fh is not None else _open_text(path)
    except OSError as e:
        yield ReadError(str(path), None, f"cannot open: {e.strerror or e}")
        return
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            yield parse_record(line, str(path), lineno)


def _open_text(path: Union[str, Path]) -> IO[str]:
    import gzip

    if str(path).lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def parse_record(line: str, path: str, lineno: int) -> Union[ArticleResult, CanonicalFact, ReadError]:
    try:
        obj = json.loads(line)
    except ValueError as e:
        return ReadError(path, lineno, f"not JSON: {str(e)[:100]}")
    model = CanonicalFact if isinstance(obj, dict) and "mentions" in obj else ArticleResult
    what = "a canonical fact" if model is CanonicalFact else "an extracted article"
    try:
        return model.model_validate(obj)
    except ValidationError as e:
        first = e.errors()[0]
        return ReadError(path, lineno, f"not {what}: {first['msg']} at {'.'.join(map(str, first['loc']))}")


# --- the articles behind the facts -------------------------------------------------------------


def source_name(source: Optional[str], doc_id: str) -> str:
    """How a chart's legend names where an article came from: a URL's site, a file's name; a
    JSONL line without a source of its own (its source is the dump's path) by its doc_id."""
    if not source:
        return doc_id
    if "://" in source:
        host = urlsplit(source).netloc.lower()
        return host[4:] if host.startswith("www.") else host or source
    low = source.lower()
    if low.endswith(_DUMP_SUFFIXES) or source == "<stdin>":
        return doc_id
    if "/" in source or os.sep in source or low.endswith(".txt"):
        return Path(source).name
    return source


@dataclass
class Documents:
    """doc_id -> the publish dates and sources of the articles stored or read under it."""

    published: dict[str, set[str]] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)

    def add(self, doc_id: str, published: Optional[str], source: Optional[str]) -> None:
        self.published.setdefault(doc_id, set())
        self.sources.setdefault(doc_id, set())
        if published:
            self.published[doc_id].add(published)
        self.sources[doc_id].add(source_name(source, doc_id))

    def add_result(self, r: ArticleResult) -> None:
        self.add(r.doc_id, r.published, r.source)

    def add_store(self, store: Store) -> None:
        for doc_id, d in store.documents().items():
            self.published.setdefault(doc_id, set()).update(d["published"])
            names = {source_name(s, doc_id) for s in d["sources"]} or {doc_id}
            self.sources.setdefault(doc_id, set()).update(names)

    def dates(self, doc_ids: Iterable[str]) -> list[str]:
        return sorted({p for d in doc_ids for p in self.published.get(d, ())})

    def names(self, doc_ids: Iterable[str]) -> list[str]:
        return sorted({s for d in doc_ids for s in (self.sources.get(d) or {d})})


@dataclass
class Collected:
    """Canonical facts and the articles they were seen in."""

    facts: list[CanonicalFact]
    docs: Documents


def collect(data, n_process: int = 1, settings: Settings = DEFAULT) -> Collected:
    """Canonical facts and their articles from paths (stores, records, raw articles), a
    :class:`Store`, or Python objects (extracted articles, facts, canonical facts).

    A single store gives its canonical facts as they are; anything else is deduplicated here
    (deduplicating canonical facts again changes nothing). A line or file that cannot be read
    raises ValueError naming it."""
    from ..dedup import Deduplicator

    docs = Documents()
    if isinstance(data, (str, Path)):
        data = [data]
    if isinstance(data, Store):
        docs.add_store(data)
        return Collected(list(data.facts()), docs)
    items = list(data) if not isinstance(data, list) else data
    if len(items) == 1 and isinstance(items[0], (str, Path)) and kind_of(items[0]) == "store":
        with Store(items[0], readonly=True) as st:
            docs.add_store(st)
            return Collected(list(st.facts()), docs)
    d = Deduplicator(spill_after=settings.spill_after)
    for item in _models(items, docs, n_process, settings):
        d.add(item)
    return Collected(d.finish(), docs)


def _models(items: list, docs: Documents, n_process: int, settings: Settings
            ) -> Iterator[Union[ArticleResult, Fact, CanonicalFact]]:
    from ..extract import extract_many
    from ..read import ReadWarning, expand_paths, read_sources

    raw: list = []
    for item in items:
        if isinstance(item, (ArticleResult, Fact, CanonicalFact)):
            if isinstance(item, ArticleResult):
                docs.add_result(item)
            yield item
        elif isinstance(item, Store):
            docs.add_store(item)
            yield from item.results(with_text=False)
        elif isinstance(item, (str, Path)):
            for p in expand_paths([str(item)]):
                if isinstance(p, ReadError):
                    raise ValueError(str(p))
                kind = kind_of(p)
                if kind == "store":
                    with Store(p, readonly=True) as st:
                        docs.add_store(st)
                        yield from st.results(with_text=False)
                elif kind == "records":
                    for rec in read_records(p):
                        if isinstance(rec, ReadError):
                            raise ValueError(str(rec))
                        if isinstance(rec, ArticleResult):
                            docs.add_result(rec)
                        yield rec
                else:
                    raw.append(p)
        else:
            raise TypeError(f"cannot read facts from a {type(item).__name__}")
    if raw:
        def articles():
            for a, _, _ in read_sources(raw, settings=settings):
                if isinstance(a, ReadWarning):
                    warnings.warn(str(a), stacklevel=3)
                elif isinstance(a, ReadError):
                    raise ValueError(str(a))
                else:
                    yield a

        for r in extract_many(articles(), n_process=n_process, settings=settings):
            docs.add_result(r)
            yield r


# --- growing a store -----------------------------------------------------------------------------


def record_source(source: Optional[str]) -> Optional[str]:
    """The source of an ``extract`` record as :func:`own_source` would have kept it: the path of
    the dump it was read from (a JSONL line without a source of its own) is dropped."""
    if source and (source.lower().endswith(_DUMP_SUFFIXES) or source == "<stdin>"):
        return None
    return source


def own_source(article, path: str, line: Optional[int]) -> Optional[str]:
    """An article's own source: its ``source``/``url`` field, or the ``.txt`` file it is; a
    JSONL line without either has none (the reader gives it the dump's path, which is where it
    was read, not what it is: two halves of a dump must store the same articles)."""
    if line is not None and article.source == path:
        return None
    return article.source


def ingest(data, db: Union[str, Path], n_process: int = 1, settings: Settings = DEFAULT):
    """Merge articles into the store at ``db`` (made when missing) and return what changed
    (:class:`rare_earth_ie.store.IngestStats`). ``data``: paths (raw articles, ``extract``
    output, other stores) or extracted articles. Articles already in the store are not
    extracted again; the whole ingest is one transaction. A line or file that cannot be read
    raises ValueError naming it (and nothing is stored)."""
    from ..extract import extract_many
    from ..read import ReadWarning, expand_paths, read_sources
    if isinstance(data, (str, Path, ArticleResult)):
        data = [data]
    items = list(data)
    names = [str(x) for x in items if isinstance(x, (str, Path))]
    with Store(db) as st, st.ingest(names, settings) as tx:
        raw: list = []
        for item in items:
            if isinstance(item, ArticleResult):
                tx.add(item)
                continue
            for p in expand_paths([str(item)]):
                if isinstance(p, ReadError):
                    raise ValueError(str(p))
                kind = kind_of(p)
                if kind == "store":
                    with Store(p, readonly=True) as other:
                        for r, srcs in other.records():
                            tx.add(r, srcs)
                elif kind == "records":
                    for rec in read_records(p):
                        if not isinstance(rec, ArticleResult):
                            raise ValueError(str(rec) if isinstance(rec, ReadError) else
                                             f"{p}: canonical facts cannot be ingested (their articles "
                                             "are needed): ingest the dump or the output of extract")
                        tx.add(rec.model_copy(update={"source": record_source(rec.source)}))
                else:
                    raw.append(p)

        def new_articles():
            for a, path, line in read_sources(raw, settings=settings):
                if isinstance(a, ReadWarning):
                    warnings.warn(str(a), stacklevel=3)
                    continue
                if isinstance(a, ReadError):
                    raise ValueError(str(a))
                a = a.model_copy(update={"source": own_source(a, path, line)})
                if not tx.known_text(a.doc_id, a.published, a.text, a.source):
                    yield a

        for r in extract_many(new_articles(), n_process=n_process, settings=settings):
            tx.add(r)
    return tx.stats
