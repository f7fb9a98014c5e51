"""The command line, as a user runs it."""
import gzip
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from rare_earth_ie.frontends.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_extract_corpus_to_stdout():
    res = runner.invoke(app, ["extract", str(ROOT / "corpus")])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert set(row) >= {"doc_id", "published", "source", "entities", "facts"}
        assert row["published"]


def test_run_writes_canonical_facts(tmp_path):
    out = tmp_path / "facts.jsonl"
    res = runner.invoke(app, ["run", str(ROOT / "corpus"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    facts = [json.loads(line) for line in out.read_text().splitlines()]
    assert facts and all(f["support"] == len(f["mentions"]) for f in facts)
    assert max(f["support"] for f in facts) >= 4


def test_extract_then_dedup(tmp_path):
    ext = tmp_path / "ext.jsonl"
    assert runner.invoke(app, ["extract", str(ROOT / "corpus" / "*.txt"), "-o", str(ext)]).exit_code == 0
    out = tmp_path / "facts.jsonl"
    res = runner.invoke(app, ["dedup", str(ext), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(out.read_text().splitlines()) > 30


def test_bad_input_is_reported_and_the_batch_goes_on(tmp_path):
    good = tmp_path / "good.jsonl.gz"
    with gzip.open(good, "wt") as fh:
        fh.write(json.dumps({"id": "g", "text": "Prices rose 5% in March 2025."}) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "Output fell 3%."}\n{oops\n')
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    errs = tmp_path / "errors.jsonl"
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["extract", str(good), str(bad), str(tmp_path / "bin.txt"), "-o", str(out),
                              "--errors", str(errs)])
    assert res.exit_code == 1
    assert f"{bad}:2: not JSON" in res.stderr
    assert "bin.txt: binary file" in res.stderr
    assert [json.loads(line)["doc_id"] for line in out.read_text().splitlines()] == ["g", "a"]
    assert len(errs.read_text().splitlines()) == 2


def test_stdin_and_version():
    res = subprocess.run([sys.executable, "-m", "rare_earth_ie.frontends.cli", "extract", "-"], input=json.dumps(
        {"id": "s", "text": "Lynas Rare Earths (ASX: LYC) sold 1,000 tonnes."}) + "\n",
        capture_output=True, text=True, check=True)
    row = json.loads(res.stdout)
    assert {e["label"] for e in row["entities"]} >= {"ORG", "QUANTITY"}
    assert runner.invoke(app, ["--version"]).stdout.startswith("rare-earth-ie ")


def test_help_shows_examples():
    for cmd in ("extract", "dedup", "run", "evaluate"):
        assert "Example: rare-earth-ie" in runner.invoke(app, [cmd, "--help"]).stdout


def test_evaluate_json_on_corpus_gold():
    res = runner.invoke(app, ["evaluate", "--gold", str(ROOT / "corpus" / "gold"), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert set(rep["labels"]) == {"PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY", "MATERIAL", "GPE"}
    assert rep["dedup"]["f1"] > 0.9
