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
import warnings
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from ..models import Article
from ..settings import DEFAULT, Settings
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


@dataclass(frozen=True)
class ReadWarning:
    """Something wrong with an input that was still read (a bad ``published`` field): the
    article follows in the stream. Reported, not counted as a failure (and no ReadError, so
    that a check for failures never takes it for one)."""

    path: str
    line: Optional[int]
    reason: str
    doc_id: Optional[str] = None

    __str__ = ReadError.__str__

    def to_json(self) -> dict:
        return {**ReadError.to_json(self), "level": "warning"}


Item = Union[Article, ReadError, ReadWarning]


# --- readers ----------------------------------------------------------------------------------


def make_article(doc_id: str, text: str, published: Optional[str], source: Optional[str]) -> Article:
    if not published:
        published, _ = find_published(text)
    return Article(doc_id=doc_id, text=text, published=published, source=source)


def _too_long(text: str, path: str, line: Optional[int], doc_id: Optional[str],
              settings: Optional[Settings]) -> Optional[ReadError]:
    if settings is not None and len(text) > settings.max_doc_chars:
        return ReadError(path, line, f"article of {len(text):,} characters is longer than the limit of "
                                     f"{settings.max_doc_chars:,} (--max-doc-chars)", doc_id=doc_id)
    return None


def txt_item(data: bytes, path: str, doc_id: str, settings: Settings = DEFAULT) -> Item:
    """The article of a ``.txt`` file's bytes (from any source), or the reason it is none."""
    try:
        text = decode_bytes(data)
    except (DecodeError, UnicodeDecodeError) as e:
        return ReadError(path, None, str(e), doc_id=doc_id)
    return _too_long(text, path, None, doc_id, settings) or make_article(doc_id, text, None, path)


def read_txt(path: Path, settings: Settings = DEFAULT) -> Item:
    try:
        # a character takes at most 4 bytes: a file larger than that is over the limit unread
        size = path.stat().st_size
        if size > 4 * settings.max_doc_chars:
            return ReadError(str(path), None, f"file of {size:,} bytes is longer than the limit of "
                                              f"{settings.max_doc_chars:,} characters (--max-doc-chars)",
                             doc_id=path.stem)
        data = path.read_bytes()
    except OSError as e:
        return ReadError(str(path), None, f"cannot read: {e.strerror or e}")
    return txt_item(data, str(path), path.stem, settings)


_EPOCH_SECONDS = (1e8, 1e11)  # 1973 .. 5138: a number in this range is seconds since 1970
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|2\d)\d\d(?!\d)")


def normalise_published(v: object) -> Optional[str]:
    """An ISO date from a dump's ``published`` field: ISO dates and datetimes, written dates
    with a year, epoch seconds (or milliseconds) as a number or a string of digits. Raises
    ValueError for anything else: a date without a year would be resolved against the day of
    the run, and results would change from day to day."""
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"'published' must be a date string or epoch seconds, not {type(v).__name__}")
    if isinstance(v, str) and re.fullmatch(r"\s*\d{9,14}(?:\.\d+)?\s*", v):
        v = float(v)
    if isinstance(v, (int, float)):
        secs = float(v)
        if secs >= _EPOCH_SECONDS[1] * 10:  # milliseconds
            secs /= 1000
        if not (_EPOCH_SECONDS[0] <= secs < _EPOCH_SECONDS[1]):
            raise ValueError(f"'published' is not a date: {v!r} (epoch seconds out of range)")
        return datetime.fromtimestamp(secs, tz=timezone.utc).date().isoformat()
    m = re.match(r"\s*((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", v)
    if m:
        try:
            return date(*(int(x) for x in m.groups())).isoformat()
        except ValueError:
            raise ValueError(f"'published' is not a date: {v!r}") from None
    if not _YEAR.search(v):
        raise ValueError(f"'published' has no year: {v!r}")
    iso = parse_date_text(v)
    if iso is None:
        raise ValueError(f"'published' is not a date: {v!r}")
    return iso


def parse_jsonl_line(line: str, path: str, lineno: int, settings: Optional[Settings] = DEFAULT) -> list[Item]:
    """One dump line -> [Article], [ReadWarning, Article] (a bad ``published``: the article is
    kept, without a publish date) or [ReadError], each naming the file and line. ``settings``
    None: no size limit (a Python caller's own text)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return [ReadError(path, lineno, f"not JSON: {e.msg} at column {e.colno}")]
    except (ValueError, RecursionError) as e:  # a 5000-digit number, [[[[... nested too deep
        return [ReadError(path, lineno, f"not JSON: {type(e).__name__}: {str(e)[:100]}")]
    if not isinstance(obj, dict):
        return [ReadError(path, lineno, f"expected a JSON object, got {type(obj).__name__}")]
    doc_id = obj.get("doc_id", obj.get("id"))
    if doc_id is None:
        doc_id = f"{Path(path).name}:{lineno}"
    doc_id = _no_surrogates(str(doc_id))
    text = obj.get("text")
    if text is None:
        return [ReadError(path, lineno, "missing 'text'", doc_id=doc_id)]
    if not isinstance(text, str):
        return [ReadError(path, lineno, f"'text' must be a string, not {type(text).__name__}",
                          doc_id=doc_id)]
    too_long = _too_long(text, path, lineno, doc_id, settings)
    if too_long:
        return [too_long]
    text = _no_surrogates(text)
    out: list[Item] = []
    try:
        published = normalise_published(obj.get("published"))
    except ValueError as e:
        published = None
        out.append(ReadWarning(path, lineno, f"{e}; extracted without a publish date", doc_id=doc_id))
    source = obj.get("source") or obj.get("url") or path
    article = Article(doc_id=doc_id, text=text, published=published, source=_no_surrogates(str(source)))
    if published is None and not out:
        article = make_article(doc_id, text, None, article.source)  # the date of its own header
    out.append(article)
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(s: str) -> str:
    """A lone surrogate (JSON allows the escape ``"\\ud800"``) is no character: spaCy cannot
    hash it and UTF-8 cannot encode it. It becomes U+FFFD, one for one, so offsets hold."""
    return _SURROGATE.sub("\ufffd", s) if _SURROGATE.search(s) else s


class _TooLong:
    """A line longer than the limit, skipped without being held."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        self.size = size


def _capped_lines(fh: IO[bytes], limit: int) -> Iterator[Union[bytes, _TooLong]]:
    """The lines of a binary stream, none held longer than ``limit`` bytes: past the limit the
    rest of the line is read and dropped in blocks, so one huge line (a gzip bomb) costs time,
    not memory."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or (len(line) == limit + 1 and line.endswith(b"\n")):
            yield line
            continue
        size = len(line)
        while not line.endswith(b"\n"):
            line = fh.readline(1 << 20)
            if not line:
                break
            size += len(line)
        yield _TooLong(size - line.endswith(b"\n"))  # the line without its newline


def _utf16_lines(first: bytes, fh: IO[bytes], limit: int) -> Iterator[Union[str, _TooLong]]:
    """The lines of a UTF-16 stream (with BOM) whose first 'line' of bytes is ``first``."""
    dec = codecs.getincrementaldecoder("utf-16")(errors="replace")
    buf = dec.decode(first)
    skipping = 0  # bytes of an over-long line dropped so far
    while True:
        chunk = fh.read(1 << 16)
        buf += dec.decode(chunk or b"", final=not chunk)
        *lines, buf = buf.split("\n")
        for line in lines:
            if skipping:
                yield _TooLong(skipping + 2 * len(line))
                skipping = 0
            elif 2 * len(line) > limit:
                yield _TooLong(2 * len(line))
            else:
                yield line
        if 2 * len(buf) > limit:
            skipping += 2 * len(buf)
            buf = ""
        if not chunk:
            break
    if skipping:
        yield _TooLong(skipping + 2 * len(buf))
    elif buf:
        yield buf


def _text_lines(fh: IO[bytes], limit: int) -> Iterator[Union[str, _TooLong]]:
    """Decoded lines of a JSONL stream: UTF-8 (a BOM is dropped), UTF-16 with a BOM; a line that
    is not UTF-8 (a dump stitched from several sources) is read as Windows-1252."""
    lines = _capped_lines(fh, limit)
    first = next(lines, b"")
    if isinstance(first, bytes) and first.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield from _utf16_lines(first, fh, limit)
        return
    if isinstance(first, bytes) and first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    for raw in itertools.chain([first] if first else [], lines):
        if isinstance(raw, _TooLong):
            yield raw
            continue
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


def jsonl_items(fh: IO[bytes], path: str, settings: Settings = DEFAULT,
                first_line: int = 1) -> Iterator[tuple[Item, int]]:
    """(item, line number) for every non-blank line of a JSONL stream: any binary file object
    (a local file, a gzip stream, a remote file, a block of a larger dump starting at line
    ``first_line``). A truncated or corrupt gzip ends the stream with one error."""
    lineno = first_line - 1
    try:
        for line in _text_lines(fh, settings.max_line_bytes):
            lineno += 1
            if isinstance(line, _TooLong):
                yield ReadError(path, lineno, f"line of {line.size:,} bytes is longer than the limit of "
                                              f"{settings.max_line_bytes:,} (--max-line-bytes)"), lineno
                continue
            if not line.strip():
                continue
            for item in parse_jsonl_line(line, path, lineno, settings):
                yield item, lineno
    except (EOFError, OSError, zlib.error) as e:
        # a truncated or corrupt .gz: what was read stands, the rest is reported
        yield ReadError(path, lineno + 1, f"cannot read further: {e}"), lineno + 1


def read_jsonl_stream(fh: IO[bytes], path: str, settings: Settings = DEFAULT) -> Iterator[Item]:
    for item, _ in jsonl_items(fh, path, settings):
        yield item


def _read_jsonl_located(path: Path, settings: Settings) -> Iterator[tuple[Item, Optional[int]]]:
    try:
        fh = open(path, "rb")
        if path.name.endswith(".gz"):
            fh = gzip.GzipFile(fileobj=fh, mode="rb")  # inflated as read, never whole
    except OSError as e:
        yield ReadError(str(path), None, f"cannot open: {e.strerror or e}"), None
        return
    with fh:
        yield from jsonl_items(fh, str(path), settings)


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
                  exclude: Iterable[Union[str, Path]] = (), settings: Settings = DEFAULT) -> Iterator[Item]:
    """Stream articles (and read errors and warnings) from files, folders, globs and ``-``
    (stdin JSONL); files in ``exclude`` are not read (see :func:`expand_paths`)."""
    for item, _, _ in iter_located(paths, stdin, exclude, settings):
        yield item


def iter_located(paths: Iterable[str], stdin: Optional[IO[bytes]] = None,
                 exclude: Iterable[Union[str, Path]] = (), settings: Settings = DEFAULT
                 ) -> Iterator[tuple[Item, str, Optional[int]]]:
    """Like :func:`iter_articles`, with where each item was read: (item, file, line or None),
    so that a document that fails later can be reported by its file and line."""
    return read_sources(expand_paths(paths, exclude), stdin, settings)


def read_sources(sources: Iterable[Union[Path, str, ReadError]], stdin: Optional[IO[bytes]] = None,
                 settings: Settings = DEFAULT) -> Iterator[tuple[Item, str, Optional[int]]]:
    """(item, file, line or None) from sources :func:`expand_paths` gave: files, ``-`` and the
    errors of specs that named nothing (passed through)."""
    for p in sources:
        if isinstance(p, ReadError):
            yield p, p.path, p.line
        elif p == "-":
            fh = stdin if stdin is not None else sys.stdin.buffer
            for item, line in jsonl_items(fh, "<stdin>", settings):
                yield item, "<stdin>", line
        elif _is_jsonl(p):
            for item, line in _read_jsonl_located(p, settings):
                yield item, str(p), line
        else:
            yield read_txt(p, settings), str(p), None


def python_items(t: object, i: int) -> list[Item]:
    """The items of what a Python user handed over as the ``i``-th input: a string (id
    ``doc{i}``), a dict (a dump line: ``{"id"|"doc_id", "text", "published"?}``) or an
    :class:`Article`; what cannot be an article is a ReadError."""
    if isinstance(t, (Article, ReadError, ReadWarning)):
        return [t]
    if isinstance(t, str):
        return [make_article(f"doc{i}", t, None, None)]
    if isinstance(t, dict):
        try:
            line = json.dumps(t)
        except (TypeError, ValueError) as e:
            return [ReadError("<input>", i + 1, f"not JSON-serialisable: {e}")]
        return parse_jsonl_line(line, "<input>", i + 1, None)  # no size limit on a caller's text
    return [ReadError("<input>", i + 1, f"cannot make an article of {type(t).__name__}")]


def articles_from_texts(texts: Iterable[Union[str, Article, dict]]) -> Iterator[Article]:
    """Articles from what a Python user has at hand: strings, dicts or Articles. A dict whose
    ``published`` is not a date gives a warning and an article without a publish date; what
    cannot be an article raises (ValueError, or TypeError for an object of another type)."""
    for i, t in enumerate(texts):
        if not isinstance(t, (str, dict, Article)):
            raise TypeError(f"cannot make an article of {type(t).__name__}")
        for item in python_items(t, i):
            if isinstance(item, ReadWarning):
                warnings.warn(str(item), stacklevel=2)
            elif isinstance(item, ReadError):
                raise ValueError(str(item))
            else:
                yield item


__all__ = [
    "Article", "ReadError", "ReadWarning", "iter_articles", "iter_located", "read_sources", "jsonl_items",
    "txt_item", "python_items", "find_published", "header_fields", "decode_bytes", "articles_from_texts",
    "normalise_published",
]
