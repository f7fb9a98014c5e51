"""Extraction and dedup on a Dask cluster give exactly the single-machine canonical facts."""
import gzip
import json
import shutil
from pathlib import Path

import pytest

db = pytest.importorskip("dask.bag", reason="dask is not installed: pip install 'rare-earth-ie[dask]'")
distributed = pytest.importorskip("distributed",
                                  reason="distributed is not installed: pip install 'rare-earth-ie[dask]'")

import rare_earth_ie as rei  # noqa: E402
from rare_earth_ie.frontends.dask import deduplicate_bag, extract_bag, run  # noqa: E402
from rare_earth_ie.read import ReadError, iter_articles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DOCS = CORPUS / "heldout" / "docs.jsonl"


def dumps(facts):
    return [f.model_dump() for f in facts]


def reference(paths):
    """The single-machine run: (canonical facts, read errors)."""
    items = list(iter_articles(paths))
    articles = [a for a in items if not isinstance(a, ReadError)]
    return rei.deduplicate(rei.extract_many(articles)), [e for e in items if isinstance(e, ReadError)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The bundled corpus, the held-out dump, a gzipped copy of it and a copy with two bad lines
    (one not JSON, one without text) among good ones."""
    d = tmp_path_factory.mktemp("dask")
    gz = d / "docs.jsonl.gz"
    with open(DOCS, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    bad = d / "bad.jsonl"
    bad.write_text("\n".join(lines[:2] + ['{"id": "cut", "text": "Prices rose 5', '{"id": "notext"}']
                             + lines[2:4]) + "\n", encoding="utf-8")
    paths = [str(CORPUS / "*.txt"), str(DOCS), str(gz), str(bad)]
    facts, errors = reference(paths)
    return {"paths": paths, "bad": str(bad), "facts": facts, "errors": errors}


def test_run_on_a_local_cluster_is_the_single_machine_result(client, inputs):
    facts, errors = run(inputs["paths"], scheduler=client)
    assert len(facts) > 100
    assert dumps(facts) == dumps(inputs["facts"])
    # the malformed lines are reported with their file and line, the rest goes on
    assert errors == inputs["errors"]
    assert [(e.path, e.line) for e in errors] == [(inputs["bad"], 3), (inputs["bad"], 4)]
    assert "not JSON" in errors[0].reason and "missing 'text'" in errors[1].reason


def test_dump_cut_in_blocks_and_repartitioned(client, inputs):
    # an uncompressed dump cut in many blocks (line numbers still exact), articles repartitioned
    import dask

    results, errors = extract_bag(inputs["paths"], blocksize="4kiB", npartitions=6, batch_size=4)
    assert results.npartitions == 6
    results, errors = dask.persist(results, errors, scheduler=client)
    assert dumps(deduplicate_bag(results, scheduler=client)) == dumps(inputs["facts"])
    assert errors.compute(scheduler=client) == inputs["errors"]


def test_bag_of_dicts_and_strings(client):
    docs = [json.loads(line) for line in DOCS.read_text(encoding="utf-8").splitlines()][:6]
    for d in docs[::2]:
        del d["doc_id"]  # default ids count items across partitions: "<input>:N"
    items = docs + ["Output fell 3% in May 2025.", "NdPr oxide rose 2% to CNY 560,000/t."]
    ref = rei.deduplicate(rei.extract_many(items))
    results, errors = extract_bag(db.from_sequence(items + [{"id": "x"}], npartitions=3))
    facts = deduplicate_bag(results, scheduler=client)
    assert dumps(facts) == dumps(ref)
    assert errors.compute(scheduler=client) == [ReadError("<input>", 9, "missing 'text'", doc_id="x")]


def test_ties_are_broken_in_input_order_whatever_the_partitions(client, corpus_results):
    # copies of a fact with the same text, doc and offset but fewer entities (a tie for the
    # representative) and upper-cased copies (the same mention key, another text): the single-
    # machine result depends on the input order, and the distributed one must follow it
    import random

    rnd = random.Random(1)
    items = []
    for f in (f for r in corpus_results for f in r.facts):
        items.append(f)
        if rnd.random() < 0.5:
            items.append(f.model_copy(update={"entities": f.entities[:len(f.entities) // 2]}))
        if rnd.random() < 0.3:
            items.append(f.model_copy(update={"text": f.text.upper()}))
    rnd.shuffle(items)
    ref = dumps(rei.deduplicate(items))
    assert dumps(rei.deduplicate(items[::-1])) != ref  # order-sensitive indeed
    for n in (1, 3, 8):
        assert dumps(deduplicate_bag(db.from_sequence(items, npartitions=n), scheduler=client)) == ref
    # canonical facts deduplicated again, mixed with article results
    mixed = list(corpus_results) + list(rei.deduplicate(corpus_results))
    assert (dumps(deduplicate_bag(db.from_sequence(mixed, npartitions=4), scheduler=client))
            == dumps(rei.deduplicate(mixed)))


def test_cli_on_a_cluster_address(client, inputs, tmp_path):
    from typer.testing import CliRunner

    from rare_earth_ie.frontends.cli import app

    runner = CliRunner()
    paths = [str(CORPUS / "*.txt"), inputs["bad"]]
    plain, dasked = tmp_path / "plain.jsonl", tmp_path / "dask.jsonl"
    res = runner.invoke(app, ["run", *paths, "-o", str(plain)])
    assert res.exit_code == 1
    res = runner.invoke(app, ["run", "--dask", client.scheduler.address, *paths, "-o", str(dasked)])
    assert res.exit_code == 1, res.output
    assert f"{inputs['bad']}:3: not JSON" in res.stderr
    assert dasked.read_text() == plain.read_text()


def test_cli_dask_local(tmp_path):
    # starts (and closes) its own local cluster: small input, the workers start cold
    from typer.testing import CliRunner

    from rare_earth_ie.frontends.cli import app

    runner = CliRunner()
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(p, src)
    plain, dasked = tmp_path / "plain.jsonl", tmp_path / "dask.jsonl"
    assert runner.invoke(app, ["run", str(src), "-o", str(plain)]).exit_code == 0
    res = runner.invoke(app, ["run", "--dask", "local", str(src), "-o", str(dasked)])
    assert res.exit_code == 0, res.output
    assert dasked.read_text() == plain.read_text() != ""


def test_fold_step_gives_one_result_in_memory_on_disk_and_on_dask():
    """Every engine folds facts into variants through dedup.core.fold (and combines variants
    folded apart with core.merge): on a dump with the traps of issue 15 the memory engine, the
    disk engine and Dask (partitions folded apart, in any number) give the same facts."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from gen_dump import generate

    from rare_earth_ie.dedup import Deduplicator

    articles, _ = generate(600, seed=5)
    results = list(rei.extract_many([{"doc_id": a["id"], "text": a["text"], "published": a["published"]}
                                     for a in articles]))
    expected = dumps(rei.deduplicate(results))
    disk = Deduplicator(spill_after=0)
    for r in results:
        disk.add(r)
    assert dumps(disk.iter_finish()) == expected
    for n in (1, 4, 9):
        bag = db.from_sequence(results, npartitions=n)
        assert dumps(deduplicate_bag(bag, scheduler="sync")) == expected
