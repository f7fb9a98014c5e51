"""Deduplication on disk, for dumps whose distinct statements do not fit in memory.

The same algorithm as :class:`rare_earth_ie.dedup.memory.Deduplicator` — the same variants (folded
by :func:`~rare_earth_ie.dedup.core.fold` into a buffer, merged into the file by
:func:`~rare_earth_ie.dedup.core.merge`), blocks,
pairwise decisions (:func:`block_edges`) and ordered assembly (:func:`assemble_roots`) — with
its state in a temporary SQLite file: variants with their representative copy, mentions, block
memberships, matching pairs and clusters. Memory holds only integer arrays over the variants
and the period keys the assembly needs, so a run's peak memory hardly grows with the dump.
Results are identical to the in-memory deduplicator's.
"""
from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from array import array
from itertools import groupby
from typing import Iterable, Iterator, Optional

from ..models import CanonicalFact, Fact
from .core import Variant, assemble_roots, block_edges, block_keys, canonical, fold, head, merge, order_key

_BATCH = 20_000


class DiskDeduplicator:
    """Add facts (with their mentions) as they come; ``iter_finish`` yields canonical facts in
    output order, one at a time. The temporary file is removed when done."""

    def __init__(self, tmpdir: Optional[str] = None):
        fd, self.path = tempfile.mkstemp(prefix="rei-dedup-", suffix=".sqlite", dir=tmpdir)
        os.close(fd)
        self.db = sqlite3.connect(self.path)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-65536"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript("""
            CREATE TABLE v (id INTEGER PRIMARY KEY, norm TEXT, pkey TEXT, cut INT, open INT, pdated INT,
                            rep TEXT, rlen INT, rdoc TEXT, rstart INT, rseq INT, first INT);
            CREATE UNIQUE INDEX vk ON v (norm, pkey);
            CREATE TABLE m (v INT, doc TEXT, s INT, e INT, t TEXT);
        """)
        self._buf: dict[tuple[str, str], Variant] = {}  # variants folded since the last flush
        self._seq = 0

    # --- adding ---------------------------------------------------------------------------------

    def add_fact(self, f: Fact, rows: Optional[list[tuple]] = None, seq: Optional[int] = None) -> None:
        """Fold a fact (with the copies it stands for) into the variants, through a buffer that
        is merged into the file every _BATCH variants. ``seq``: where the fact came in the input
        (default: after everything added so far)."""
        if seq is None:
            seq = self._seq
        self._seq = max(self._seq, seq + 1)
        fold(self._buf, f, rows, seq)
        if len(self._buf) >= _BATCH:
            self._flush()

    def add_variant(self, v: Variant) -> None:
        """Take over a variant of an in-memory deduplicator (with its mentions)."""
        key = (v.norm, v.pkey)
        held = self._buf.get(key)
        self._buf[key] = v if held is None else merge([held, v])
        self._seq = max(self._seq, v.first + 1)
        if len(self._buf) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        """Merge the buffered variants into the file: a new key is inserted; a known key keeps
        the representative that :func:`merge` picks."""
        db = self.db
        mentions = []
        for (norm, pk), v in self._buf.items():
            hit = db.execute("SELECT id, cut, open, pdated, first, rlen, rdoc, rstart, rseq FROM v "
                             "WHERE norm = ? AND pkey = ?", (norm, pk)).fetchone()
            if hit is None:
                cur = db.execute("INSERT INTO v (norm, pkey, cut, open, pdated, rep, rlen, rdoc, rstart, rseq, "
                                 "first) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (norm, pk, int(v.truncated), int(v.open), int(v.page_dated),
                                  v.fact.model_dump_json(), -v.rank[0], *v.rank[1:], v.first))
                vid = cur.lastrowid
            else:
                vid, cut, open_, pdated, first, rlen, rdoc, rstart, rseq = hit
                stored = Variant(norm, pk, None, bool(cut), bool(open_), bool(pdated), first=first,
                                 rank=(-rlen, rdoc, rstart, rseq))
                both = merge([stored, v])
                if both.fact is v.fact:
                    db.execute("UPDATE v SET rep = ?, rlen = ?, rdoc = ?, rstart = ?, rseq = ? WHERE id = ?",
                               (v.fact.model_dump_json(), -v.rank[0], *v.rank[1:], vid))
                db.execute("UPDATE v SET cut = ?, open = ?, pdated = ?, first = ? WHERE id = ?",
                           (int(both.truncated), int(both.open), int(both.page_dated), both.first, vid))
            mentions.extend((vid, *r) for r in v.mentions)
        db.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?)", mentions)
        db.commit()
        self._buf.clear()

    # --- finishing ------------------------------------------------------------------------------

    def _light(self, rows) -> list[Variant]:
        """Variants for comparing: text, period key, how it ends (no representative)."""
        return [Variant(norm, pkey, None, bool(cut), bool(open_), bool(pdated), vid=vid)
                for vid, norm, pkey, cut, open_, pdated in rows]

    def _full(self, vids: list[int]) -> list[Variant]:
        out = []
        for i in range(0, len(vids), 500):
            chunk = vids[i:i + 500]
            q = f"SELECT id, norm, pkey, cut, open, pdated, rep FROM v WHERE id IN ({','.join('?' * len(chunk))})"
            for vid, norm, pkey, cut, open_, pdated, rep in self.db.execute(q, chunk):
                out.append(Variant(norm, pkey, Fact.model_validate_json(rep), bool(cut), bool(open_), bool(pdated),
                                   mentions=None, vid=vid))
        return out

    def _mentions(self, vids: list[int]) -> Iterator[tuple]:
        for i in range(0, len(vids), 500):
            chunk = vids[i:i + 500]
            yield from self.db.execute(
                f"SELECT doc, s, e, t FROM m WHERE v IN ({','.join('?' * len(chunk))})", chunk)

    def iter_finish(self) -> Iterator[CanonicalFact]:
        try:
            yield from self._finish()
        finally:
            self.close()

    def _finish(self) -> Iterator[CanonicalFact]:
        db = self.db
        self._flush()
        # 1. the global order (longest text first) as integer arrays
        n = db.execute("SELECT COUNT(*) FROM v").fetchone()[0]
        max_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM v").fetchone()[0]
        idx_of = array("l", [-1]) * (max_id + 1)
        vid_of = array("l", [0]) * n
        pkeys: dict[int, str] = {}
        rows = db.execute("SELECT id, pkey FROM v ORDER BY length(norm) DESC, norm, pkey = '', pkey")
        for i, (vid, pkey) in enumerate(rows):
            idx_of[vid] = i
            vid_of[i] = vid
            if pkey:
                pkeys[i] = pkey
        # 2. block memberships, then matching pairs block by block
        db.executescript("CREATE TABLE b (k TEXT, i INT); CREATE TABLE ed (later INT, earlier INT, how TEXT);")
        batch = []
        for vid, norm in db.cursor().execute("SELECT id, norm FROM v"):
            v = Variant(norm, "", None)
            for k in block_keys(v):
                batch.append((json.dumps(k), idx_of[vid]))
            if len(batch) >= _BATCH:
                db.executemany("INSERT INTO b VALUES (?, ?)", batch)
                batch = []
        db.executemany("INSERT INTO b VALUES (?, ?)", batch)
        db.execute("CREATE INDEX bk ON b (k, i)")
        edges = []
        cur = db.cursor()
        for k, grp in groupby(cur.execute("SELECT k, i FROM b ORDER BY k, i"), key=lambda r: r[0]):
            members = [i for _, i in grp]
            if len(members) < 2:
                continue
            vids = [vid_of[i] for i in members]
            light = self._light(self._select_light(vids))
            key_to_idx = {order_key(v): idx_of[v.vid] for v in light}
            for u, w, how in block_edges(light, tuple(json.loads(k))):
                edges.append((key_to_idx[w], key_to_idx[u], how))
            if len(edges) >= _BATCH:
                db.executemany("INSERT INTO ed VALUES (?, ?, ?)", edges)
                edges = []
        db.executemany("INSERT INTO ed VALUES (?, ?, ?)", edges)
        db.execute("CREATE INDEX edl ON ed (later)")
        # 3. the ordered assembly, streaming the pairs by their later variant
        pairs = db.execute("SELECT DISTINCT later, earlier, how FROM ed ORDER BY later, earlier, how")
        earlier = ((later, [(e, h) for _, e, h in grp]) for later, grp in groupby(pairs, key=lambda r: r[0]))
        roots = assemble_roots(n, pkeys, earlier)
        # 4. clusters, their output order, then each canonical fact with its mentions
        db.executescript("CREATE TABLE c (root INT, vid INT); CREATE TABLE o (support INT, fid TEXT, root INT);")
        db.executemany("INSERT INTO c VALUES (?, ?)", ((roots[i], vid_of[i]) for i in range(n)))
        db.execute("CREATE INDEX cr ON c (root)")
        db.execute("CREATE INDEX mv ON m (v)")
        order = []
        for root, grp in groupby(db.cursor().execute("SELECT root, vid FROM c ORDER BY root"), key=lambda r: r[0]):
            vids = [vid for _, vid in grp]
            fact_id = head(self._full(vids))[-1]
            marks = ",".join("?" * len(vids)) if len(vids) <= 500 else None
            if marks:
                support = db.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT doc, s, e FROM m WHERE v IN ({marks}))",
                                     vids).fetchone()[0]
            else:
                support = len({r[:3] for r in self._mentions(vids)})
            order.append((support, fact_id, root))
            if len(order) >= _BATCH:
                db.executemany("INSERT INTO o VALUES (?, ?, ?)", order)
                order = []
        db.executemany("INSERT INTO o VALUES (?, ?, ?)", order)
        for (root,) in db.cursor().execute("SELECT root FROM o ORDER BY support DESC, fid"):
            vids = [vid for (vid,) in db.execute("SELECT vid FROM c WHERE root = ?", (root,))]
            yield canonical(self._full(vids), self._mentions(vids))

    def _select_light(self, vids: list[int]) -> Iterable[tuple]:
        out = []
        for i in range(0, len(vids), 500):
            chunk = vids[i:i + 500]
            out.extend(self.db.execute(
                f"SELECT id, norm, pkey, cut, open, pdated FROM v WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
        return out

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
            try:
                os.unlink(self.path)
            except OSError:
                pass
