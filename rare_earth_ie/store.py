"""A fact store that grows: every article ever ingested and the canonical facts of all of them,
in one SQLite file (``rare-earth-ie ingest DUMP... --db facts.sqlite``).

The design makes the store a function of the set of articles ingested, whatever the order:

* an article is kept once per (doc_id, content hash), the hash of its extracted record (publish
  date, entities, facts; not where it was read from). Its raw text is kept beside it when it
  was read with it: an article read again with the same publish date and text is recognised by
  that text's hash and not extracted again, and the same article ingested once from a dump and
  once from ``extract`` output is one article. Where it was read from (its own
  ``source``/``url``, or the ``.txt`` file it was) is a set beside it;
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
                       result TEXT NOT NULL, text_hash TEXT, text BLOB, run_id INTEGER NOT NULL,
                       PRIMARY KEY (doc_id, content_hash)) WITHOUT ROWID;
CREATE INDEX articles_by_text ON articles (doc_id, text_hash);
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


def text_hash(published: Optional[str], text: str) -> str:
    """The hash of what an article's extraction depends on: its publish date and raw text."""
    return _hash(f"t\0{published or ''}\0{text}")


def content_hash(result: ArticleResult) -> str:
    """The key of an extracted article: the hash of its record (without its source, which is
    kept apart, and its text, which the record's JSON never holds)."""
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
    texts_added: int = 0
    facts_before: int = 0
    facts_after: int = 0
    committed: bool = False
    run_id: Optional[int] = None
    inputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rare-earth-ie")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"


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
                path = os.path.abspath(self.path).replace("?", "%3f").replace("#", "%23")
                uri = f"file:{path}?mode=ro"
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
        rows = self.db.execute("SELECT body, first_seen, last_seen FROM facts ORDER BY rank")
        for body, first, last in rows:
            yield {"fact": CanonicalFact.model_validate_json(body), "first_seen": first, "last_seen": last}

    def records(self, with_text: bool = True) -> Iterator[tuple[ArticleResult, list[str]]]:
        """Every stored article with all its sources, in key order."""
        sources = self._sources()
        col = "text" if with_text else "NULL"
        rows = self.db.execute(f"SELECT doc_id, content_hash, result, {col} FROM articles "
                               "ORDER BY doc_id, content_hash")
        for doc_id, h, body, blob in rows:
            r = ArticleResult.model_validate_json(body)
            if blob is not None:
                r = r.model_copy(update={"text": zlib.decompress(blob).decode("utf-8", "surrogatepass")})
            yield r, sorted(sources.get((doc_id, h), []))

    def results(self, with_text: bool = True) -> Iterator[ArticleResult]:
        """Every stored article, in key order (doc_id, content hash), with its text when it was
        stored and ``with_text``; ``source`` is the first of its sources (all: :meth:`records`)."""
        for r, sources in self.records(with_text):
            yield r.model_copy(update={"source": sources[0] if sources else None})

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
            "SELECT doc_id, content_hash, published, result, text_hash, text FROM articles "
            "ORDER BY doc_id, content_hash",
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
        self._new = self.store.is_new
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

    def known_text(self, doc_id: str, published: Optional[str], text: str, source: Optional[str]) -> bool:
        """Is an article with this doc_id, publish date and text stored (or added in this
        ingest)? Then it is not extracted again: it counts as read, and a source not seen
        before is recorded."""
        row = self.db.execute("SELECT content_hash FROM articles WHERE doc_id = ? AND text_hash = ? LIMIT 1",
                              (doc_id, text_hash(published, text))).fetchone()
        if row is None:
            return False
        self.stats.articles_read += 1
        self.stats.articles_known += 1
        self._add_sources(doc_id, row[0], [source])
        return True

    def _add_sources(self, doc_id: str, key: str, sources: Iterable[Optional[str]]) -> None:
        for s in sources:
            if s:
                cur = self.db.execute("INSERT OR IGNORE INTO article_sources VALUES (?, ?, ?)",
                                      (doc_id, key, s))
                self.stats.sources_new += cur.rowcount

    def add(self, result: ArticleResult, sources: Iterable[str] = ()) -> bool:
        """Store one extracted article (its ``source``, and ``sources``, go to the set of its
        sources, its ``text`` beside it); False when its record was already there (then only a
        source, or the text it lacked, is added)."""
        key = content_hash(result)
        th = text_hash(result.published, result.text) if result.text is not None else None
        self.stats.articles_read += 1
        row = self.db.execute("SELECT text_hash FROM articles WHERE doc_id = ? AND content_hash = ?",
                              (result.doc_id, key)).fetchone()
        if row is None:
            self.stats.articles_new += 1
            body = result.model_copy(update={"source": None}).model_dump_json()
            self.db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (result.doc_id, key, result.published, body, th,
                             _pack(result.text) if th is not None else None, self.run_id))
        else:
            self.stats.articles_known += 1
            if row[0] is None and th is not None:
                self.db.execute("UPDATE articles SET text_hash = ?, text = ? "
                                "WHERE doc_id = ? AND content_hash = ?",
                                (th, _pack(result.text), result.doc_id, key))
                self.stats.texts_added += 1
        self._add_sources(result.doc_id, key, [result.source, *sources])
        return row is None

    def commit(self) -> IngestStats:
        """Derive the canonical facts again (when an article was added), log the run, commit;
        an ingest that added nothing rolls back, so the file is not touched."""
        if not self._open:
            return self.stats
        if not (self.stats.articles_new or self.stats.sources_new or self.stats.texts_added):
            self.rollback()
            self.stats.facts_after = self.stats.facts_before
            return self.stats
        try:
            if self.stats.articles_new:
                self._rebuild()
            self.stats.facts_after = self.store.count("facts")
            self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (self.run_id, self.started, _now(), _version(), json.dumps(self.stats.inputs),
                             self.stats.articles_read, self.stats.articles_new, self.stats.facts_before,
                             self.stats.facts_after))
            self.db.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._open = False
        if self._new:
            # a persistent setting of the file, made outside any transaction once the store
            # exists: readers see the last committed state while a later ingest writes
            self.db.execute("PRAGMA journal_mode = WAL")
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
