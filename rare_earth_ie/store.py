"""A fact store that grows: every article ever ingested and the canonical facts of all of them,
in one SQLite file (``rare-earth-ie ingest DUMP... --db facts.sqlite``).

The design makes the store a function of the set of articles ingested, whatever the order:

* an article is kept once per (doc_id, content hash): the hash of its publish date and raw
  text (or, for an article that comes without its text, of its extracted record). A known
  article is not extracted again; a second copy of it changes nothing. Where it was read from
  (its own ``source``/``url``, or the ``.txt`` file it was) is a set beside it;
* the canonical facts are derived from all stored articles, read in key order, by the library's
  deduplication (:class:`rare_earth_ie.dedup.Deduplicator`), so a new copy of a known statement
  joins its canonical fact and a new statement is added, exactly as if the whole dump had been
  deduplicated at once; first and last seen are the earliest and latest publish dates of the
  articles a fact was seen in (not the time of an ingest, which would depend on the order);
* each ingest that adds something is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``):
  a killed or failed ingest leaves the store as it was, and one that adds nothing commits
  nothing. The runs are logged (``runs``) with what they read and added: that log, and the
  run that first brought each article, are the only parts that depend on the order.

Reading does not need the writer to finish: the file is in WAL mode, so a reader sees the last
committed state while an ingest runs.

    from rare_earth_ie.store import Store
    with Store("facts.sqlite") as st:
        stats = st.add_results(rei.extract_many(texts))     # or rei.ingest(paths, "facts.sqlite")
        facts = list(st.facts())
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from .dedup import Deduplicator
from .models import ArticleResult, CanonicalFact
from .settings import DEFAULT, Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
FORMAT = "rare-earth-ie store"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT NOT NULL,
                   version TEXT NOT NULL, inputs TEXT NOT NULL, articles_read INTEGER NOT NULL,
                   articles_new INTEGER NOT NULL, facts_before INTEGER NOT NULL,
                   facts_after INTEGER NOT NULL);
CREATE TABLE articles (doc_id TEXT NOT NULL, content_hash TEXT NOT NULL, published TEXT,
                       result TEXT NOT NULL, text BLOB, run_id INTEGER NOT NULL,
                       PRIMARY KEY (doc_id, content_hash)) WITHOUT ROWID;
CREATE TABLE article_sources (doc_id TEXT NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL,
                              PRIMARY KEY (doc_id, content_hash, source)) WITHOUT ROWID;
CREATE TABLE facts (rank INTEGER PRIMARY KEY, fact_id TEXT NOT NULL, metric TEXT,
                    support INTEGER NOT NULL, first_seen TEXT, last_seen TEXT, body TEXT NOT NULL);
CREATE INDEX facts_by_id ON facts (fact_id);
"""


class StoreError(Exception):
    """A file that is not a store, a newer store format, or a store another ingest is writing;
    ``str()`` is one line naming the file."""


def is_store_file(path: Union[str, Path]) -> bool:
    """Does the file begin as an SQLite database does (a store, or another SQLite file)?"""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def article_key(published: Optional[str], text: str) -> str:
    """The content hash of an article read with its text: its publish date and raw text (the
    two things its extraction depends on)."""
    return _hash(f"t\0{published or ''}\0{text}")


def content_hash(result: ArticleResult) -> str:
    """The key of an extracted article: :func:`article_key` when its text is known, else the
    hash of its record (without the source, which is kept apart)."""
    if result.text is not None:
        return article_key(result.published, result.text)
    return _hash("r\0" + result.model_copy(update={"source": None}).model_dump_json())


def _hash(data: str) -> str:
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class IngestStats:
    """What one ingest read and changed."""

    articles_read: int = 0
    articles_new: int = 0
    articles_known: int = 0
    sources_new: int = 0
    facts_before: int = 0
    facts_after: int = 0
    committed: bool = False
    run_id: Optional[int] = None
    inputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Store:
    """One SQLite store file. ``readonly`` opens an existing store for reading only; otherwise a
    missing or empty file becomes a new store at the first ingest."""

    def __init__(self, path: Union[str, Path], readonly: bool = False, timeout: float = 0.0):
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.is_file():
            raise StoreError(f"{path}: no such store")
        if self.path.is_dir():
            raise StoreError(f"{path}: is a folder, not a store")
        if self.path.is_file() and self.path.stat().st_size and not is_store_file(self.path):
            raise StoreError(f"{path}: not a rare-earth-ie store (not an SQLite file)")
        try:
            if readonly:
                uri = "file:" + os.path.abspath(self.path).replace("?", "%3f").replace("#", "%23") + "?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
            else:
                self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=timeout)
            self._check()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: cannot open the store: {e}") from None

    # --- format ---------------------------------------------------------------------------------

    def _tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _check(self) -> None:
        tables = self._tables()
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path}: an empty store (nothing was ingested into it)")
            return  # a new store: the schema is made by the first ingest, in its transaction
        if "meta" not in tables:
            raise StoreError(f"{self.path}: an SQLite database, but not a rare-earth-ie store")
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise StoreError(f"{self.path}: an SQLite database, but not a rare-earth-ie store")
        if int(meta.get("schema", "0")) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: written by a newer rare-earth-ie (store schema "
                             f"{meta.get('schema')}); upgrade to read it")

    @property
    def is_new(self) -> bool:
        return "meta" not in self._tables()

    def _create(self) -> None:
        for stmt in _SCHEMA.strip().split(";"):
            if stmt.strip():
                self.db.execute(stmt)
        self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("format", FORMAT), ("schema", str(SCHEMA_VERSION))])

    # --- context ----------------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------------

    def ingest(self, inputs: Iterable[str] = (), settings: Settings = DEFAULT) -> "Ingest":
        """Begin one ingest (one transaction): ``with store.ingest(["dump.jsonl"]) as tx:
        tx.add(result)``; it commits when the block ends (if anything was added) and rolls back
        if the block raises."""
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        return Ingest(self, list(inputs), settings)

    def add_results(self, results: Iterable[ArticleResult], inputs: Iterable[str] = (),
                    settings: Settings = DEFAULT) -> IngestStats:
        """Ingest extracted articles (keep their ``text`` for the key and the report)."""
        with self.ingest(inputs, settings) as tx:
            for r in results:
                tx.add(r)
        return tx.stats

    # --- reading ----------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        if table not in ("articles", "facts", "runs", "article_sources"):
            raise ValueError(table)
        if self.is_new:
            return 0
        return self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def facts(self) -> Iterator[CanonicalFact]:
        """The canonical facts, most support first (the order ``dedup`` writes them)."""
        for (body,) in self.db.execute("SELECT body FROM facts ORDER BY rank"):
            yield CanonicalFact.model_validate_json(body)

    def fact_rows(self) -> Iterator[dict]:
        """Each canonical fact with its first and last seen publish dates."""
        for body, first, last in self.db.execute("SELECT body, first_seen, last_seen FROM facts ORDER BY rank"):
            yield {"fact": CanonicalFact.model_validate_json(body), "first_seen": first, "last_seen": last}

    def results(self, with_text: bool = True) -> Iterator[ArticleResult]:
        """Every stored article, in key order (doc_id, content hash), with its text when it was
        stored and ``with_text``; ``source`` is the first of its sources (all: :meth:`documents`)."""
        sources = self._sources()
        col = "text" if with_text else "NULL"
        rows = self.db.execute(f"SELECT doc_id, content_hash, result, {col} FROM articles "
                               "ORDER BY doc_id, content_hash")
        for doc_id, h, body, blob in rows:
            r = ArticleResult.model_validate_json(body)
            update = {"source": min(sources.get((doc_id, h), [None]), key=lambda s: s or "")}
            if blob is not None:
                update["text"] = zlib.decompress(blob).decode("utf-8", "surrogatepass")
            yield r.model_copy(update=update)

    def _sources(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for doc_id, h, s in self.db.execute("SELECT doc_id, content_hash, source FROM article_sources"):
            out.setdefault((doc_id, h), []).append(s)
        return out

    def documents(self) -> dict[str, dict[str, list[str]]]:
        """doc_id -> {"published": [...], "sources": [...]} over every stored version of it."""
        out: dict[str, dict[str, set]] = {}
        for doc_id, published in self.db.execute("SELECT doc_id, published FROM articles"):
            d = out.setdefault(doc_id, {"published": set(), "sources": set()})
            if published:
                d["published"].add(published)
        for (doc_id, _), srcs in self._sources().items():
            out.setdefault(doc_id, {"published": set(), "sources": set()})["sources"].update(srcs)
        return {k: {"published": sorted(v["published"]), "sources": sorted(v["sources"])}
                for k, v in sorted(out.items())}

    def runs(self) -> list[dict]:
        cols = ["run_id", "started", "finished", "version", "inputs", "articles_read", "articles_new",
                "facts_before", "facts_after"]
        out = []
        for row in self.db.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY run_id"):
            d = dict(zip(cols, row))
            d["inputs"] = json.loads(d["inputs"])
            out.append(d)
        return out

    def digest(self) -> str:
        """A hash of the store's content: its articles (key, publish date, record, text,
        sources) and canonical facts (in order, with first and last seen). Two stores that hold
        the same set of articles have the same digest, whatever order they were ingested in;
        the run log and the run that brought each article are left out."""
        h = hashlib.sha256()
        if self.is_new:
            return h.hexdigest()
        queries = [
            "SELECT doc_id, content_hash, published, result, text FROM articles ORDER BY doc_id, content_hash",
            "SELECT doc_id, content_hash, source FROM article_sources ORDER BY doc_id, content_hash, source",
            "SELECT rank, fact_id, metric, support, first_seen, last_seen, body FROM facts ORDER BY rank",
        ]
        for q in queries:
            for row in self.db.execute(q):
                h.update(repr(row).encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
        return h.hexdigest()


class Ingest:
    """One ingest into a store: one SQLite transaction from :meth:`begin` to :meth:`commit`."""

    def __init__(self, store: Store, inputs: list[str], settings: Settings):
        self.store = store
        self.db = store.db
        self.settings = settings
        self.stats = IngestStats(inputs=inputs)
        self.started = _now()
        self._pending: set[tuple[str, str]] = set()
        self._open = False

    def __enter__(self) -> "Ingest":
        self.begin()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    def begin(self) -> None:
        new = self.store.is_new
        if new:
            # a persistent setting of the file, outside any transaction: readers see the last
            # committed state while an ingest writes
            self.db.execute("PRAGMA journal_mode = WAL")
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(f"{self.store.path}: is being written by another ingest ({e}); "
                             "wait for it to finish") from None
        self._open = True
        if self.store.is_new:
            self.store._create()
        self.run_id = (self.db.execute("SELECT COALESCE(MAX(run_id), 0) + 1 FROM runs").fetchone()[0])
        self.stats.facts_before = self.store.count("facts")

    def known(self, doc_id: str, key: str) -> bool:
        """Is this article (doc_id and content hash) in the store, or added in this ingest?"""
        if (doc_id, key) in self._pending:
            return True
        row = self.db.execute("SELECT 1 FROM articles WHERE doc_id = ? AND content_hash = ?",
                              (doc_id, key)).fetchone()
        return row is not None

    def saw(self, doc_id: str, key: str, source: Optional[str]) -> None:
        """A known article read again: only a source not seen before is recorded."""
        self.stats.articles_read += 1
        self.stats.articles_known += 1
        self._add_source(doc_id, key, source)

    def _add_source(self, doc_id: str, key: str, source: Optional[str]) -> None:
        if source:
            cur = self.db.execute("INSERT OR IGNORE INTO article_sources VALUES (?, ?, ?)", (doc_id, key, source))
            self.stats.sources_new += cur.rowcount

    def add(self, result: ArticleResult, key: Optional[str] = None) -> bool:
        """Store one extracted article (its ``source`` goes to the set of its sources); False
        when it was already there."""
        key = key or content_hash(result)
        if self.known(result.doc_id, key):
            self.saw(result.doc_id, key, result.source)
            return False
        self.stats.articles_read += 1
        self.stats.articles_new += 1
        body = result.model_copy(update={"source": None}).model_dump_json()
        blob = (zlib.compress(result.text.encode("utf-8", "surrogatepass"), 6)
                if result.text is not None else None)
        self.db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?)",
                        (result.doc_id, key, result.published, body, blob, self.run_id))
        self._pending.add((result.doc_id, key))
        self._add_source(result.doc_id, key, result.source)
        return True

    def commit(self) -> IngestStats:
        """Derive the canonical facts again (when an article was added), log the run, commit;
        an ingest that added nothing rolls back, so the file is not touched."""
        if not self._open:
            return self.stats
        if not self.stats.articles_new and not self.stats.sources_new:
            self.rollback()
            self.stats.facts_after = self.stats.facts_before
            return self.stats
        try:
            if self.stats.articles_new:
                self._rebuild()
            self.stats.facts_after = self.store.count("facts")
            from . import __version__

            self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (self.run_id, self.started, _now(), __version__, json.dumps(self.stats.inputs),
                             self.stats.articles_read, self.stats.articles_new, self.stats.facts_before,
                             self.stats.facts_after))
            self.db.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._open = False
        self.stats.committed = True
        self.stats.run_id = self.run_id
        return self.stats

    def rollback(self) -> None:
        if self._open:
            self._open = False
            self.db.execute("ROLLBACK")

    def _rebuild(self) -> None:
        """The canonical facts of every stored article, deduplicated in key order."""
        d = Deduplicator(spill_after=self.settings.spill_after)
        for r in self.store.results(with_text=False):
            d.add(r)
        dates: dict[str, list[str]] = {}
        for doc_id, published in self.db.execute("SELECT doc_id, published FROM articles"):
            if published:
                dates.setdefault(doc_id, []).append(published)
        self.db.execute("DELETE FROM facts")
        rows = []
        for rank, f in enumerate(d.iter_finish()):
            seen = [p for doc in {m.doc_id for m in f.mentions} for p in dates.get(doc, ())]
            rows.append((rank, f.fact_id, f.metric, f.support, min(seen, default=None),
                         max(seen, default=None), f.model_dump_json()))
            if len(rows) >= 1000:
                self.db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                rows.clear()
        self.db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
