"""Readers: folders, globs, .txt, .jsonl, .jsonl.gz, stdin; header dates; bad input."""
import gzip
import io
import json

import pytest

from rare_earth_ie.models import Article
from rare_earth_ie.read import ReadError, decode_bytes, find_published, header_fields, iter_articles


def _items(paths, stdin=None):
    return list(iter_articles([str(p) for p in paths], stdin=stdin))


def test_folder_reads_txt_and_jsonl_sorted(tmp_path):
    (tmp_path / "b.txt").write_text("Publish Time: 2025-10-21\nPrices rose 5%.", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "j1", "text": "x"}) + "\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored")
    items = _items([tmp_path])
    assert [i.doc_id for i in items] == ["j1", "b"]
    assert items[1].published == "2025-10-21"
    assert items[1].source.endswith("b.txt")


def test_glob_and_gz(tmp_path):
    with gzip.open(tmp_path / "d.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"doc_id": "g1", "text": "t", "published": "2025/03/12"}) + "\n")
    items = _items([tmp_path / "*.jsonl.gz"])
    assert items == [Article(doc_id="g1", text="t", published="2025-03-12", source=str(tmp_path / "d.jsonl.gz"))]


def test_stdin_jsonl():
    data = io.BytesIO(b'{"id": 7, "text": "hello", "url": "https://x.example/a"}\n\n')
    (a,) = list(iter_articles(["-"], stdin=data))
    assert a.doc_id == "7" and a.source == "https://x.example/a"


def test_bad_jsonl_lines_name_file_and_line(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"id": "ok", "text": "fine"}\nnot json\n{"id": "n"}\n{"id": "t", "text": 5}\n[1]\n',
                 encoding="utf-8")
    items = _items([p])
    assert isinstance(items[0], Article)
    errs = [i for i in items if isinstance(i, ReadError)]
    assert [(e.line, e.reason.split(":")[0]) for e in errs] == [
        (2, "not JSON"), (3, "missing 'text'"), (4, "'text' must be a string, not int"),
        (5, "expected a JSON object, got list")]
    assert str(errs[0]).startswith(f"{p}:2: ")


def test_truncated_gz_keeps_what_was_read(tmp_path):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as fh:
        for i in range(200):
            fh.write((json.dumps({"id": i, "text": "word " * 50}) + "\n").encode())
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    items = _items([p])
    ok = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, ReadError)]
    assert ok and len(errs) == 1 and "cannot read further" in errs[0].reason


def test_binary_and_missing_files_are_errors(tmp_path):
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 40)
    items = _items([tmp_path / "bin.txt", tmp_path / "nope.txt", tmp_path / "*.none"])
    assert all(isinstance(i, ReadError) for i in items)
    assert "binary" in items[0].reason
    assert "no such file" in items[1].reason and "glob matches no file" in items[2].reason


@pytest.mark.parametrize("enc", ["latin-1", "utf-16", "utf-8-sig", "cp1252"])
def test_encodings(enc):
    text = "Prix: 45 € / kg — Société Générale, déjà vu. " * 3
    data = text.encode(enc, errors="replace") if enc != "latin-1" else text.replace("€", "EUR").replace("—", "-").encode(enc)
    out = decode_bytes(data)
    assert "Soci" in out and "45" in out and "\x00" not in out


@pytest.mark.parametrize("head,expected", [
    ("Views: 2 Author: Site Editor Publish Time: 2025-10-21 Origin: Site", "2025-10-21"),
    ("Release time:2025-04-21", "2025-04-21"),
    ("Posted on: 12 March 2025 | Energy", "2025-03-12"),
    ("Published: Oct. 9, 2025", "2025-10-09"),
    ("Date: 2025/03/12", "2025-03-12"),
    ("2025-07-03 10:21 Source: Metals Daily", "2025-07-03"),
    ("Updated on 2 January 2026", "2026-01-02"),
    ("No date in this header. Prices rose in 2025-ish.", None),
])
def test_header_dates(head, expected):
    assert find_published(head + "\nBody text.")[0] == expected


def test_header_fields_are_metadata():
    text = "Views: 2 Author: Site Editor Publish Time: 2025-10-21 Origin: Site\nBody"
    names = [f.name for f in header_fields(text)]
    assert names == ["views", "author", "publish time", "origin"]
