"""Readers: folders and globs of ``.txt``, ``.jsonl`` / ``.jsonl.gz`` dumps, and stdin.

Readers stream: one article at a time, whatever the size of a dump. A file or line that cannot
be read becomes a :class:`ReadError` in the stream (naming the file and line) instead of an
exception, so that the rest of the batch goes on.
"""
from __future__ import annotations

import codecs
import glob
import gzip
import itertools
import json
import os
import re
import sys
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from ..models import Article
from .decode import DecodeError, decode_bytes
from .header import find_published, header_fields, parse_date_text

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read; ``line`` is 1-based or None for a whole file."""

    path: str
    line: Optional[int]
    reason: str
    doc_id: Optional[str] = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "doc_id": self.doc_id, "reason": self.reason}


Item = Union[Article, ReadError]


# --- readers ----------------------------------------------------------------------------------


def make_article(doc_id: str, text: str, published: Optional[str], source: Optional[str]) -> Article:
    if not published:
        published, _ = find_published(text)
    return Article(doc_id=doc_id, text=text, published=published, source=source)


def read_txt(path: Path) -> Item:
    try:
        data = path.read_bytes()
    except OSError as e:
        return ReadError(str(path), None, f"cannot read: {e.strerror or e}")
    try:
        text = decode_bytes(data)
    except (DecodeError, UnicodeDecodeError) as e:
        return ReadError(str(path), None, str(e), doc_id=path.stem)
    return make_article(path.stem, text, None, str(path))


def _normalise_published(v: object) -> Optional[str]:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ValueError(f"'published' must be a string, not {type(v).__name__}")
    m = re.match(r"\s*((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})", v)
    if m:
        return date(*(int(x) for x in m.groups())).isoformat()
    iso = parse_date_text(v)
    if iso is None:
        raise ValueError(f"'published' is not a date: {v!r}")
    return iso


def parse_jsonl_line(line: str, path: str, lineno: int) -> Item:
    """One dump line -> Article, or a ReadError naming the file and line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return ReadError(path, lineno, f"not JSON: {e.msg} at column {e.colno}")
    except (ValueError, RecursionError) as e:  # a 5000-digit number, [[[[... nested too deep
        return ReadError(path, lineno, f"not JSON: {type(e).__name__}: {str(e)[:100]}")
    if not isinstance(obj, dict):
        return ReadError(path, lineno, f"expected a JSON object, got {type(obj).__name__}")
    doc_id = obj.get("doc_id", obj.get("id"))
    if doc_id is None:
        doc_id = f"{Path(path).name}:{lineno}"
    doc_id = _no_surrogates(str(doc_id))
    text = obj.get("text")
    if text is None:
        return ReadError(path, lineno, "missing 'text'", doc_id=doc_id)
    if not isinstance(text, str):
        return ReadError(path, lineno, f"'text' must be a string, not {type(text).__name__}",
                         doc_id=doc_id)
    text = _no_surrogates(text)
    try:
        published = _normalise_published(obj.get("published"))
    except ValueError as e:
        return ReadError(path, lineno, str(e), doc_id=doc_id)
    source = obj.get("source") or obj.get("url") or path
    return make_article(doc_id, text, published, _no_surrogates(str(source)))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(s: str) -> str:
    """A lone surrogate (JSON allows the escape ``"\\ud800"``) is no character: spaCy cannot
    hash it and UTF-8 cannot encode it. It becomes U+FFFD, one for one, so offsets hold."""
    return _SURROGATE.sub("\ufffd", s) if _SURROGATE.search(s) else s


def _utf16_lines(first: bytes, fh: IO[bytes]) -> Iterator[str]:
    """The lines of a UTF-16 stream (with BOM) whose first 'line' of bytes is ``first``."""
    dec = codecs.getincrementaldecoder("utf-16")(errors="replace")
    buf = dec.decode(first)
    while True:
        chunk = fh.read(1 << 16)
        buf += dec.decode(chunk or b"", final=not chunk)
        *lines, buf = buf.split("\n")
        yield from lines
        if not chunk:
            break
    if buf:
        yield buf


def _text_lines(fh: IO[bytes]) -> Iterator[str]:
    """Decoded lines of a JSONL stream: UTF-8 (a BOM is dropped), UTF-16 with a BOM; a line that
    is not UTF-8 (a dump stitched from several sources) is read as Windows-1252."""
    first = fh.readline()
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield from _utf16_lines(first, fh)
        return
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    for raw in itertools.chain([first] if first else [], fh):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


def _jsonl_located(fh: IO[bytes], path: str) -> Iterator[tuple[Item, Optional[int]]]:
    lineno = 0
    try:
        for line in _text_lines(fh):
            lineno += 1
            if not line.strip():
                continue
            yield parse_jsonl_line(line, path, lineno), lineno
    except (EOFError, OSError, zlib.error) as e:
        # a truncated or corrupt .gz: what was read stands, the rest is reported
        yield ReadError(path, lineno + 1, f"cannot read further: {e}"), lineno + 1


def read_jsonl_stream(fh: IO[bytes], path: str) -> Iterator[Item]:
    for item, _ in _jsonl_located(fh, path):
        yield item


def _read_jsonl_located(path: Path) -> Iterator[tuple[Item, Optional[int]]]:
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        fh = opener(path, "rb")
    except OSError as e:
        yield ReadError(str(path), None, f"cannot open: {e.strerror or e}"), None
        return
    with fh:
        yield from _jsonl_located(fh, str(path))


def _is_jsonl(p: Path) -> bool:
    return p.name.lower().endswith(JSONL_SUFFIXES)


def expand_paths(paths: Iterable[str], exclude: Iterable[Union[str, Path]] = ()
                 ) -> Iterator[Union[Path, str, ReadError]]:
    """Folders (their top-level readable files, sorted), globs and files; ``-`` passes through.

    Files in ``exclude`` (a command's own output and error files) are never read: a folder or
    glob skips them, naming one is an error. Otherwise ``extract dir/ -o dir/out.jsonl`` would
    read the lines it is writing, without end."""
    skip = {os.path.realpath(x) for x in exclude if x not in (None, "-")}

    def keep(f: Path) -> bool:
        return not skip or os.path.realpath(f) not in skip

    for spec in paths:
        if spec == "-":
            yield "-"
            continue
        p = Path(spec)
        if p.is_dir():
            files = sorted(
                f for f in p.iterdir()
                if f.is_file() and (f.suffix.lower() in TEXT_SUFFIXES or _is_jsonl(f)) and keep(f)
            )
            if not files:
                yield ReadError(spec, None, "folder holds no .txt or .jsonl files")
            yield from files
        elif p.exists():
            yield p if keep(p) else ReadError(spec, None, "is an output file of this command, not read")
        elif glob.has_magic(spec):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                yield ReadError(spec, None, "glob matches no file")
            yield from (Path(m) for m in matches if Path(m).is_file() and keep(Path(m)))
        else:
            yield ReadError(spec, None, "no such file or folder")


def iter_articles(paths: Iterable[str], stdin: Optional[IO[bytes]] = None,
                  exclude: Iterable[Union[str, Path]] = ()) -> Iterator[Item]:
    """Stream articles (and read errors) from files, folders, globs and ``-`` (stdin JSONL);
    files in ``exclude`` are not read (see :func:`expand_paths`)."""
    for item, _, _ in iter_located(paths, stdin, exclude):
        yield item


def iter_located(paths: Iterable[str], stdin: Optional[IO[bytes]] = None,
                 exclude: Iterable[Union[str, Path]] = ()) -> Iterator[tuple[Item, str, Optional[int]]]:
    """Like :func:`iter_articles`, with where each item was read: (item, file, line or None),
    so that a document that fails later can be reported by its file and line."""
    for p in expand_paths(paths, exclude):
        if isinstance(p, ReadError):
            yield p, p.path, p.line
        elif p == "-":
            fh = stdin if stdin is not None else sys.stdin.buffer
            for item, line in _jsonl_located(fh, "<stdin>"):
                yield item, "<stdin>", line
        elif _is_jsonl(p):
            for item, line in _read_jsonl_located(p):
                yield item, str(p), line
        else:
            yield read_txt(p), str(p), None


def articles_from_texts(texts: Iterable[Union[str, Article, dict]]) -> Iterator[Article]:
    """Articles from what a Python user has at hand: strings, dicts or Articles."""
    for i, t in enumerate(texts):
        if isinstance(t, Article):
            yield t
        elif isinstance(t, str):
            yield make_article(f"doc{i}", t, None, None)
        elif isinstance(t, dict):
            item = parse_jsonl_line(json.dumps(t), "<input>", i + 1)
            if isinstance(item, ReadError):
                raise ValueError(str(item))
            yield item
        else:
            raise TypeError(f"cannot make an article of {type(t).__name__}")


__all__ = [
    "Article", "ReadError", "iter_articles", "find_published", "header_fields", "decode_bytes",
    "articles_from_texts",
]
