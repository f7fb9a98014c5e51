"""The fact store (rare_earth_ie.store, `rare-earth-ie ingest`): it grows dump after dump, the same
set of articles gives the same store in any order and any split, re-ingesting changes nothing, a
killed ingest leaves it as it was, and `dedup`, `series` and `report` read it."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import rare_earth_ie as rei
from rare_earth_ie.frontends.cli import app
from rare_earth_ie.output import Target
from rare_earth_ie.store import Store, StoreError

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "corpus" / "dev" / "docs.jsonl"
CLI = [sys.executable, "-m", "rare_earth_ie"]
runner = CliRunner()

# our own sentences: a statement repeated in a later article, with a new one beside it
FIRST = {"id": "wire-1", "published": "2025-05-06", "source": "https://wire.example.test/1",
         "text": "Dysprosium oxide prices held at $260/kg in April 2025, distributors said."}
LATER = {"id": "wire-2", "published": "2025-05-20", "source": "https://other.example.test/2",
         "text": "Dysprosium oxide prices held at $260/kg in April 2025, distributors said.\n"
                 "Holmium oxide rose to $95/kg in April 2025."}


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def dev_results():
    """The dev dump extracted once (a few seconds)."""
    return list(rei.extract_many(rei.iter_articles([str(DEV)])))


@pytest.fixture(scope="module")
def dev_records(dev_results, tmp_path_factory) -> tuple[Path, Path, Path]:
    """The dev dump as `extract` output: whole, first half, second half."""
    d = tmp_path_factory.mktemp("records")
    lines = [r.model_dump_json() + "\n" for r in dev_results]
    half = len(lines) // 2
    paths = d / "whole.jsonl", d / "h1.jsonl", d / "h2.jsonl"
    for p, part in zip(paths, (lines, lines[:half], lines[half:])):
        p.write_text("".join(part), encoding="utf-8")
    return paths


def _store(path, *batches) -> Store:
    st = Store(path)
    for b in batches:
        st.add_results(b)
    return st


def _content(st: Store) -> tuple:
    return ([f.model_dump() for f in st.facts()], [(r["fact"].fact_id, r["first_seen"], r["last_seen"])
                                                   for r in st.fact_rows()], st.documents())


# --- the same set of articles, the same store -----------------------------------------------------


def test_halves_in_either_order_give_the_store_of_the_whole(dev_results, tmp_path):
    half = len(dev_results) // 2
    a, b = dev_results[:half], dev_results[half:]
    whole = _store(tmp_path / "whole.sqlite", dev_results)
    ab = _store(tmp_path / "ab.sqlite", a, b)
    ba = _store(tmp_path / "ba.sqlite", b, a)
    assert whole.count("articles") == len(dev_results) and whole.count("facts") > 250
    assert whole.digest() == ab.digest() == ba.digest()
    assert _content(whole) == _content(ab) == _content(ba)
    # the canonical facts are those of deduplicating the whole dump at once
    assert [f.model_dump() for f in whole.facts()] == [f.model_dump() for f in rei.deduplicate(dev_results)]
    # only the run log tells the ingests apart
    assert [r["articles_new"] for r in ab.runs()] == [len(a), len(b)]
    assert [r["articles_new"] for r in whole.runs()] == [len(dev_results)]


def test_halves_in_either_order_from_the_command_line(dev_records, tmp_path):
    whole, h1, h2 = dev_records
    for name, order in (("whole", [whole]), ("ab", [h1, h2]), ("ba", [h2, h1])):
        for p in order:
            res = _cli("ingest", p, "--db", tmp_path / f"{name}.sqlite")
            assert res.exit_code == 0, res.output
    digests = {n: Store(tmp_path / f"{n}.sqlite", readonly=True).digest() for n in ("whole", "ab", "ba")}
    assert len(set(digests.values())) == 1


def test_halves_of_a_raw_dump_without_sources_in_either_order(tmp_path):
    """Lines without a source of their own: the dump's path is not stored as their source, so
    halves read from other files make the same store."""
    arts = [{k: v for k, v in x.items() if k != "source"} for x in (FIRST, LATER)]
    arts.append({"id": "wire-3", "published": "2025-05-21",
                 "text": "Holmium oxide rose to $95/kg in April 2025.\n"
                         "Yttrium oxide stayed at $8/kg in April 2025."})
    files = {}
    for name, part in (("whole", arts), ("h1", arts[:1]), ("h2", arts[1:])):
        files[name] = tmp_path / f"{name}.jsonl"
        files[name].write_text("".join(json.dumps(a) + "\n" for a in part))
    digests = set()
    for db, order in (("w", ["whole"]), ("ab", ["h1", "h2"]), ("ba", ["h2", "h1"])):
        for name in order:
            assert _cli("ingest", files[name], "--db", tmp_path / f"{db}.sqlite", "-q").exit_code == 0
        with Store(tmp_path / f"{db}.sqlite", readonly=True) as st:
            digests.add(st.digest())
            assert st.count("articles") == 3 and st.count("article_sources") == 0
    assert len(digests) == 1


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_split_in_any_order_gives_the_same_store(dev_results, tmp_path_factory, data):
    arts = dev_results[:14]
    k = data.draw(st.integers(1, 4))
    parts = [data.draw(st.integers(0, k - 1)) for _ in arts]
    batches = [[a for a, p in zip(arts, parts) if p == i] for i in range(k)]
    order = data.draw(st.permutations(range(k)))
    d = tmp_path_factory.mktemp("split")
    ref = _store(d / "ref.sqlite", arts)
    got = _store(d / "got.sqlite", *[batches[i] for i in order])
    assert got.digest() == ref.digest()
    # and a batch ingested twice, or an article inside it repeated, changes nothing
    again = got.add_results(batches[order[0]] + batches[order[0]][:1])
    assert not again.committed and got.digest() == ref.digest()


def test_reingesting_changes_nothing_not_even_a_byte(dev_records, tmp_path):
    whole = dev_records[0]
    db = tmp_path / "f.sqlite"
    assert _cli("ingest", whole, "--db", db).exit_code == 0
    before = db.read_bytes()
    res = _cli("ingest", whole, "--db", db)
    assert res.exit_code == 0
    assert "0 new, 40 already stored" in res.stderr and "unchanged" in res.stderr
    assert db.read_bytes() == before


def test_a_dump_and_its_extract_output_are_one_set_of_articles(tmp_path):
    dump = tmp_path / "wire.jsonl"
    dump.write_text(json.dumps(FIRST) + "\n" + json.dumps(LATER) + "\n")
    records = tmp_path / "wire.extract.jsonl"
    assert _cli("extract", dump, "-o", records, "-q").exit_code == 0
    raw_first, rec_first = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    for db, order in ((raw_first, [dump, records]), (rec_first, [records, dump])):
        for p in order:
            assert _cli("ingest", p, "--db", db, "-q").exit_code == 0
    a, b = Store(raw_first, readonly=True), Store(rec_first, readonly=True)
    assert a.count("articles") == 2 and a.digest() == b.digest()
    # the texts came with the dump, whichever came first: the report can highlight them
    assert all(r.text for r in b.results())


# --- growing -------------------------------------------------------------------------------------


def test_a_new_copy_joins_its_canonical_fact_and_a_new_statement_is_added(tmp_path):
    db = tmp_path / "f.sqlite"
    first = rei.ingest([rei.extract(FIRST["text"], published=FIRST["published"], doc_id="wire-1",
                                    source=FIRST["source"])], db)
    assert first.articles_new == 1 and first.facts_after == 1
    later = rei.ingest([rei.extract(LATER["text"], published=LATER["published"], doc_id="wire-2",
                                    source=LATER["source"])], db)
    assert (later.articles_new, later.facts_before, later.facts_after) == (1, 1, 2)
    with Store(db, readonly=True) as st:
        rows = {r["fact"].text.split()[0]: r for r in st.fact_rows()}
        dy = rows["Dysprosium"]
        assert dy["fact"].support == 2 and {m.doc_id for m in dy["fact"].mentions} == {"wire-1", "wire-2"}
        assert (dy["first_seen"], dy["last_seen"]) == ("2025-05-06", "2025-05-20")
        assert rows["Holmium"]["fact"].support == 1
        assert st.documents()["wire-1"]["sources"] == ["https://wire.example.test/1"]
        assert len(st.runs()) == 2


def test_known_articles_are_not_extracted_again(tmp_path, monkeypatch):
    dump = tmp_path / "wire.jsonl"
    dump.write_text(json.dumps(FIRST) + "\n")
    db = tmp_path / "f.sqlite"
    assert rei.ingest(dump, db).articles_new == 1
    ex = sys.modules["rare_earth_ie.extract"]

    def boom(*a, **k):
        raise AssertionError("extracted again")
    monkeypatch.setattr(ex.Extractor, "pipe_safe", boom)
    monkeypatch.setattr(ex.Extractor, "pipe", boom)
    stats = rei.ingest(dump, db)
    assert (stats.articles_read, stats.articles_known, stats.committed) == (1, 1, False)


def test_a_reader_sees_the_last_committed_state_while_an_ingest_writes(dev_results, tmp_path):
    db = tmp_path / "f.sqlite"
    st = _store(db, dev_results[:3])
    before = Store(db, readonly=True).digest()
    with st.ingest() as tx:
        for r in dev_results[3:6]:
            tx.add(r)
        with Store(db, readonly=True) as reader:
            assert reader.count("articles") == 3 and reader.digest() == before
    assert Store(db, readonly=True).count("articles") == 6


# --- a failed or killed ingest leaves the store as it was --------------------------------------------


def test_a_failure_while_deriving_the_facts_rolls_everything_back(dev_results, tmp_path, monkeypatch):
    db = tmp_path / "f.sqlite"
    st = _store(db, dev_results[:5])
    before = st.digest()
    import rare_earth_ie.store as store_mod

    def broken(self):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(store_mod.Ingest, "_rebuild", broken)
    with pytest.raises(RuntimeError):
        st.add_results(dev_results[5:10])
    assert st.digest() == before and st.count("articles") == 5 and len(st.runs()) == 1


def _blocked_reading_a_pipe(pid: int) -> bool:
    try:
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
    return "pipe" in wchan and "read" in wchan


def _cpu(pid: int) -> int:
    return sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])


def _wait_until_idle_on_the_pipe(pid: int, quiet_for: float = 1.5, timeout: float = 120) -> bool:
    """The process waits for more input and has used no CPU for a while: it has done all it
    could with what was written."""
    deadline, since, cpu = time.monotonic() + timeout, None, None
    while time.monotonic() < deadline:
        now = _cpu(pid)
        if _blocked_reading_a_pipe(pid) and now == cpu:
            since = since or time.monotonic()
            if time.monotonic() - since >= quiet_for:
                return True
        else:
            since = None
        cpu = now
        time.sleep(0.1)
    return False


def _write_locked(db: Path) -> bool:
    con = sqlite3.connect(db, timeout=0)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/proc/self/wchan").exists(),
                    reason="needs FIFOs and /proc")
def test_a_killed_ingest_leaves_the_store_as_it_was(dev_records, tmp_path):
    """An ingest reading a pipe is killed (SIGKILL) after it has extracted and stored articles in
    its transaction but before the input ends, i.e. before it could commit."""
    db = tmp_path / "f.sqlite"
    whole, h1, _ = dev_records
    assert _cli("ingest", h1, "--db", db, "-q").exit_code == 0
    before = Store(db, readonly=True).digest()
    fifo = tmp_path / "more.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen([*CLI, "ingest", str(fifo), "--db", str(db), "--batch-size", "1", "-q"],
                            cwd=ROOT, stderr=subprocess.PIPE)
    try:
        with open(fifo, "w", encoding="utf-8") as w:      # blocks until the ingest opens it
            for x in (FIRST, LATER):
                w.write(json.dumps(x) + "\n")
            w.flush()
            # both articles extracted and stored: the ingest waits for more input, mid-transaction
            assert _wait_until_idle_on_the_pipe(proc.pid) and proc.poll() is None
            assert _write_locked(db)                       # its transaction is open
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    with Store(db, readonly=True) as st:
        assert st.digest() == before and st.count("articles") == 20
    assert not _write_locked(db)
    # the next ingest goes on as if nothing happened
    res = _cli("ingest", whole, "--db", db)
    assert res.exit_code == 0 and "20 new, 20 already stored" in res.stderr


# --- misuse is refused before anything is touched -----------------------------------------------------


def test_misuse_of_the_store_is_refused(dev_records, tmp_path):
    whole = dev_records[0]
    folder = tmp_path / "dir"
    folder.mkdir()
    assert _cli("ingest", whole, "--db", folder).exit_code == 2
    text = tmp_path / "notes.txt"
    text.write_text("my notes\n")
    res = _cli("ingest", whole, "--db", text)
    assert res.exit_code == 2 and "not a rare-earth-ie store" in res.stderr
    assert text.read_text() == "my notes\n"
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = other.read_bytes()
    res = _cli("ingest", whole, "--db", other)
    assert res.exit_code == 2 and "not a rare-earth-ie store" in res.stderr and other.read_bytes() == before
    assert _cli("series", other).exit_code == 2
    db = tmp_path / "f.sqlite"
    assert _cli("ingest", whole, db, "--db", db).exit_code == 2            # the store as an input
    assert not db.exists()
    # a store another ingest is writing
    assert _cli("ingest", whole, "--db", db, "-q").exit_code == 0
    t = Target(db)
    t.claim()
    try:
        res = _cli("ingest", whole, "--db", db)
        assert res.exit_code == 2 and "is being written by another run" in res.stderr
    finally:
        t.release()
    with pytest.raises(StoreError):
        Store(tmp_path / "missing.sqlite", readonly=True)


def test_canonical_facts_cannot_be_ingested(dev_records, tmp_path):
    facts = tmp_path / "facts.jsonl"
    assert _cli("dedup", dev_records[1], "-o", facts, "-q").exit_code == 0
    db = tmp_path / "f.sqlite"
    assert _cli("ingest", dev_records[1], "--db", db, "-q").exit_code == 0
    before = db.read_bytes()
    res = _cli("ingest", facts, "--db", db)
    assert res.exit_code == 1 and "canonical facts cannot be ingested" in res.stderr
    assert db.read_bytes() == before


# --- reading the store ----------------------------------------------------------------------------


def test_dedup_series_and_report_read_the_store(dev_records, dev_results, tmp_path):
    whole = dev_records[0]
    db = tmp_path / "f.sqlite"
    assert _cli("ingest", whole, "--db", db, "-q").exit_code == 0
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert _cli("dedup", db, "-o", a, "-q").exit_code == 0
    assert _cli("dedup", whole, "-o", b, "-q").exit_code == 0
    assert a.read_text() == b.read_text() != ""
    sa, sb = tmp_path / "a.csv", tmp_path / "b.csv"
    res = _cli("series", db, "-o", sa)
    n = len(a.read_text().splitlines())  # the canonical facts dedup gave
    assert res.exit_code == 0 and f"series: 40 articles, {n} canonical facts" in res.stderr
    assert _cli("series", whole, "-o", sb, "-q").exit_code == 0
    assert sa.read_text() == sb.read_text()
    html = tmp_path / "r.html"
    _store(tmp_path / "texts.sqlite", dev_results).close()          # a store that kept the texts
    res = _cli("report", tmp_path / "texts.sqlite", "-o", html, "--max-articles", "3")
    assert res.exit_code == 0, res.output
    page = html.read_text()
    assert page.count('<svg role="img" class="chart"') == 2 and page.count('<details class="article"') == 3
    assert 'class="rei-ent' in page                      # the stored texts are highlighted
    # the Python API reads it too
    import pandas as pd

    assert len(rei.series(db)) == len(pd.read_csv(sa)) > 100


def test_the_store_of_the_corpus(corpus_results, tmp_path):
    db = tmp_path / "corpus.sqlite"
    stats = rei.ingest(corpus_results, db)
    assert stats.articles_new == 5 and stats.facts_after == len(rei.deduplicate(corpus_results))
    df = rei.series(db)
    assert (df.metric == "price").sum() >= 4 and df.first_seen.notna().all()
