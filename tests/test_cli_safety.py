"""The command line never destroys or silently drops data (issue: one test per way it once did).

Each test is a misuse a new user makes: an output that is also an input, a device or a symlink
as output, a zero option, a mistyped path, two runs on one file, an unwritable output, a huge
line, duplicate ids, a bad publish date, and a run that says nothing."""
from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rare_earth_ie.frontends.cli import app
from rare_earth_ie.output import Target
from rare_earth_ie.read import iter_articles, normalise_published
from rare_earth_ie.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_TXT = ROOT / "corpus" / "001_31136778b93a75e1.txt"
CLI = [sys.executable, "-m", "rare_earth_ie"]
runner = CliRunner()


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def dump(tmp_path) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"id": "a", "text": "Prices rose 5% in March 2025."}) + "\n"
                 + json.dumps({"id": "b", "text": "Lynas sold 1,000 tonnes of NdPr oxide."}) + "\n")
    return p


# 1. an output that names an input ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["extract", "run", "report"])
@pytest.mark.parametrize("flag", ["-o", "--errors"])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(dump, command, flag):
    before = dump.read_bytes()
    res = _cli(command, dump, flag, dump)
    assert res.exit_code == 2, res.output
    assert "is an output file of this command" in res.stderr
    assert dump.read_bytes() == before


def test_stdin_redirected_from_the_output_file_is_refused(dump):
    before = dump.read_bytes()
    with open(dump, "rb") as stdin:
        proc = subprocess.run(CLI + ["extract", "-", "-o", str(dump)], stdin=stdin, capture_output=True,
                              text=True, timeout=120)
    assert proc.returncode == 2 and "is both standard input and an output" in proc.stderr
    assert dump.read_bytes() == before


def test_output_and_errors_file_may_not_be_one_file(dump, tmp_path):
    out = tmp_path / "o.jsonl"
    res = _cli("run", dump, "-o", out, "--errors", out)
    assert res.exit_code == 2 and not out.exists()


# 2. devices, FIFOs and symlinks as outputs ------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "extract", "report"])
def test_dev_null_stays_a_device(dump, command):
    res = _cli(command, dump, "-o", "/dev/null")
    assert res.exit_code == 0, res.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlinked_output_replaces_the_file_it_points_to(dump, tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    res = _cli("run", dump, "-o", link)
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _rows(real) and _rows(real)[0]["fact_id"]


def test_a_fifo_is_written_directly(dump, tmp_path):
    fifo = tmp_path / "facts.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    res = _cli("run", dump, "-o", fifo)
    reader.join(30)
    assert res.exit_code == 0, res.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [json.loads(x)["support"] for x in got[0].splitlines()]


# 3. numeric options ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--batch-size", "-3"], ["-j", "0"],
                                  ["--max-line-bytes", "0"], ["--max-doc-chars", "-1"]])
def test_zero_and_negative_options_are_refused_with_a_message(dump, tmp_path, args):
    out = tmp_path / "o.jsonl"
    res = _cli("extract", dump, "-o", out, *args)
    assert res.exit_code == 2 and "Invalid value" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_report_max_articles_may_not_be_negative(dump, tmp_path):
    assert _cli("report", dump, "-o", tmp_path / "r.html", "--max-articles", "-1").exit_code == 2


# 4. a path that names nothing, and inputs that cannot be read -----------------------------------


@pytest.mark.parametrize("command", ["run", "extract", "dedup"])
def test_a_mistyped_input_leaves_the_old_output_alone(tmp_path, command):
    out = tmp_path / "facts.jsonl"
    out.write_text('{"old": "facts"}\n')
    res = _cli(command, tmp_path / "typo", "-o", out)
    assert res.exit_code == 2 and "no such file" in res.stderr
    assert out.read_text() == '{"old": "facts"}\n'
    res = _cli("run", str(tmp_path / "*.nothing"), "-o", out)
    assert res.exit_code == 2 and "glob matches no file" in res.stderr
    assert out.read_text() == '{"old": "facts"}\n'


@pytest.mark.parametrize("command", ["run", "extract"])
def test_no_output_is_touched_when_no_input_could_be_read(tmp_path, command):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text("keep\n")
    for out in (old, new):
        res = _cli(command, tmp_path / "bin.txt", "-o", out)
        assert res.exit_code == 1 and "binary file" in res.stderr
    assert old.read_text() == "keep\n" and not new.exists()


# 5. two runs on one output -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["extract", "run"])
def test_a_second_run_on_a_locked_output_is_refused(dump, tmp_path, command):
    out = tmp_path / "same.jsonl"
    out.write_text('{"doc_id": "x"}\n')
    first = Target(out)
    first.claim()  # another run is writing it
    try:
        res = _cli(command, dump, "-o", out)
        assert res.exit_code == 2 and "is being written by another run" in res.stderr
        res = _cli("extract", dump, "-o", out, "--resume")
        assert res.exit_code == 2
    finally:
        first.release()
    assert out.read_text() == '{"doc_id": "x"}\n'
    assert _cli(command, dump, "-o", out).exit_code == 0  # free again


def test_two_extract_processes_on_one_output(dump, tmp_path):
    """Two real processes: the one that comes second is refused, the first one's lines stand.
    The first reads stdin, fed in two parts, so it is still running when the second starts
    however fast it extracts (from a file it could finish first, and the test would race)."""
    import time

    def lines(a, b):
        return "".join(json.dumps({"id": f"d{i}", "text": f"Exports rose {i % 40 + 1}% in May 2025. " * 20}) + "\n"
                       for i in range(a, b))

    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(CLI + ["extract", "-", "-o", str(out), "-q", "--batch-size", "2"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        first.stdin.write(lines(0, 200))
        first.stdin.flush()
        t0 = time.time()
        while not (out.exists() and out.stat().st_size) and time.time() - t0 < 120:
            time.sleep(0.05)
        second = subprocess.run(CLI + ["extract", str(dump), "-o", str(out), "-q"], capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 2 and "is being written by another run" in second.stderr
        first.stdin.write(lines(200, 400))
    finally:
        first.stdin.close()
        first.wait(300)
    assert first.returncode == 0, first.stderr.read()
    assert [r["doc_id"] for r in _rows(out)] == [f"d{i}" for i in range(400)]


# 6. an output that cannot be written, found before extraction; write errors in one line ----------


def test_an_unwritable_output_is_found_before_any_extraction(dump, tmp_path, monkeypatch):
    ex = sys.modules["rare_earth_ie.extract"]  # the package (rei.extract is the function)
    called = []
    monkeypatch.setattr(ex, "extract_many", lambda *a, **k: called.append(1) or iter(()))
    not_a_dir = tmp_path / "plain.txt"
    not_a_dir.write_text("x")
    for command in ("extract", "run", "report"):
        res = _cli(command, dump, "-o", not_a_dir / "out.jsonl")
        assert res.exit_code == 2 and f"{not_a_dir / 'out.jsonl'}: cannot write" in res.stderr, res.output
        assert "Traceback" not in res.output and len(res.stderr.strip().splitlines()) == 1
    assert not called


@pytest.mark.parametrize("command", ["run", "extract"])
def test_a_write_error_is_one_line_naming_the_file(dump, command):
    res = _cli(command, dump, "-o", "/dev/full")
    assert res.exit_code == 1
    assert "error: /dev/full: cannot write: No space left on device" in res.stderr
    assert "Traceback" not in res.output


# 7. size limits on lines and articles --------------------------------------------------------


def test_a_huge_line_is_reported_and_the_next_article_read(tmp_path):
    p = tmp_path / "bomb.jsonl.gz"
    with gzip.open(p, "wb") as fh:
        fh.write(b'{"id": "huge", "text": "' + b"x" * 30_000_000 + b'"}\n')
        fh.write((json.dumps({"id": "good", "text": "Prices rose 5% in March 2025."}) + "\n").encode())
    assert p.stat().st_size < 200_000
    out = tmp_path / "o.jsonl"
    res = _cli("extract", p, "-o", out, "--max-line-bytes", "1000000")
    assert res.exit_code == 1
    assert f"error: {p}:1: line of 30,000,026 bytes is longer than the limit of 1,000,000" in res.stderr
    assert [r["doc_id"] for r in _rows(out)] == ["good"]
    # the reader never holds the long line: memory stays near the limit, not the line
    tracemalloc.start()
    items = list(iter_articles([str(p)], settings=Settings(max_line_bytes=1_000_000)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [type(i).__name__ for i in items] == ["ReadError", "Article"]
    assert peak < 8_000_000, peak


def test_a_long_article_is_reported_and_the_rest_goes_on(tmp_path):
    (tmp_path / "long.txt").write_text("Prices rose 5% in March 2025. " * 10)
    (tmp_path / "short.txt").write_text("Output fell 3%.")
    out = tmp_path / "o.jsonl"
    res = _cli("extract", tmp_path, "-o", out, "--max-doc-chars", "100")
    assert res.exit_code == 1 and "long.txt: article of 300 characters is longer than the limit of 100" in res.stderr
    assert [r["doc_id"] for r in _rows(out)] == ["short"]


def test_the_default_limits_take_a_20mb_article():
    s = Settings()
    assert s.max_doc_chars >= 20_000_000 and s.max_line_bytes >= 4 * 1024 * 1024


# 8. duplicate doc ids ------------------------------------------------------------------------


def test_duplicate_ids_warn_and_resume_tells_them_apart(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "same", "text": "Prices rose 5% in March 2025."}) + "\n")
    b.write_text(json.dumps({"id": "same", "text": "Output fell 3% in April 2025."}) + "\n")
    out = tmp_path / "o.jsonl"
    res = _cli("extract", a, b, "-o", out)
    assert res.exit_code == 0 and "warning: " in res.stderr and "'same' was already used" in res.stderr
    assert [r["source"] for r in _rows(out)] == [str(a), str(b)]
    # a run killed after the first article: --resume adds the second, different article
    out.write_text(out.read_text().splitlines(keepends=True)[0])
    res = _cli("extract", a, b, "-o", out, "--resume")
    assert res.exit_code == 0, res.output
    texts = [e["text"] for r in _rows(out) for e in r["entities"] if e["label"] == "PERCENT"]
    assert texts == ["5%", "3%"]


# 9. a bad publish date keeps the article ---------------------------------------------------------


def test_bad_published_keeps_the_article_and_epoch_seconds_are_dates(tmp_path):
    p = tmp_path / "d.jsonl"
    rows = [{"id": "bad", "text": "Exports rose 5% in March 2025.", "published": "2025-13-45"},
            {"id": "noyear", "text": "Exports rose 6%.", "published": "March 5"},
            {"id": "epoch", "text": "Exports rose 7%.", "published": 1700000000},
            {"id": "epochs", "text": "Exports rose 8%.", "published": "1700000000"}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "o.jsonl"
    res = _cli("extract", p, "-o", out)
    assert res.exit_code == 0, res.output
    got = {r["doc_id"]: r["published"] for r in _rows(out)}
    assert got == {"bad": None, "noyear": None, "epoch": "2023-11-14", "epochs": "2023-11-14"}
    assert f"warning: {p}:1: 'published' is not a date: '2025-13-45'" in res.stderr
    assert f"warning: {p}:2: 'published' has no year" in res.stderr


@pytest.mark.parametrize("value,iso", [("2025-10-21", "2025-10-21"), ("2025-10-21T08:00:00Z", "2025-10-21"),
                                       ("21 October 2025", "2025-10-21"), (1761004800, "2025-10-21"),
                                       (1761004800000, "2025-10-21"), (None, None)])
def test_published_forms(value, iso):
    assert normalise_published(value) == iso


@pytest.mark.parametrize("value", ["2025-13-45", "October 21", "yesterday", 42, True, {"y": 2025}])
def test_published_that_is_no_date(value):
    with pytest.raises(ValueError):
        normalise_published(value)


# 10. a run says what it did --------------------------------------------------------------------


def test_run_prints_a_summary_line_unless_quiet(tmp_path):
    out = tmp_path / "f.jsonl"
    proc = subprocess.run(CLI + ["run", str(CORPUS_TXT), "-o", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("run: ")]
    n = len(_rows(out))
    assert line.startswith("run: 1 articles, ") and f"-> {n:,} canonical facts in {out}" in line
    assert "0 failed" in line and line.endswith(" s")
    quiet = subprocess.run(CLI + ["run", str(CORPUS_TXT), "-o", str(out), "-q"], capture_output=True, text=True,
                           timeout=300)
    assert quiet.returncode == 0 and quiet.stderr == ""
