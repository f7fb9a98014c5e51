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
from functools import lru_cache
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from .models import Article

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


# --- publish date from the article's own header ------------------------------------------------

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_VALUE = (
    r"(?P<iso>(?:19|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?!\d)"
    rf"|(?P<dmy>(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?:19|20)\d\d)"
    rf"|(?P<mdy>{_MONTH}\s+(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)"
)
# "Publish Time: 2025-10-21", "Release time:2025-04-21", "Posted on: 12 March 2025", "Date: ..."
_HEADER_DATE = re.compile(
    r"(?i:(?:publish(?:ed)?|release[d]?|post(?:ed)?|updated?|date)(?:\s*(?:time|date|on|at))?)"
    rf"\s*[:：]?\s*(?:{_DATE_VALUE})"
)
# a line that starts with a timestamp: "2025-07-03 10:21 Source: ..."
_LEADING_DATE = re.compile(
    r"^[ \t]*(?P<iso>(?:19|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?=[\sT])", re.M
)
# header fields whose values are metadata, never article content
_HEADER_FIELD = re.compile(
    r"(?i)\b(?P<name>views?|author|publish(?:ed)?\s*(?:time|date|on)?|release[d]?\s*(?:time|date)?|"
    r"origin|source|editor|posted(?:\s*on)?|hits|clicks|updated?|date|tags?|category|categories|by)\s*[:：]"
)
HEADER_CHARS = 1500  # a header sits near the top; never scan a whole 20 MB article for one


@dataclass(frozen=True)
class HeaderField:
    name: str
    start: int  # of the value
    end: int


@lru_cache(maxsize=4096)
def _parse_date_text(s: str) -> Optional[str]:
    import dateparser

    d = dateparser.parse(s, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    return d.date().isoformat() if d else None


def _iso(m: re.Match) -> Optional[str]:
    if m.group("iso"):
        y, mo, d = (int(x) for x in re.split(r"[-/.]", m.group("iso")))
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            return None
    text = m.group("dmy") or m.group("mdy")
    return _parse_date_text(text) if text else None


def find_published(text: str) -> tuple[Optional[str], Optional[tuple[int, int]]]:
    """The publish date an article states in its header, and the span of the date."""
    head = text[:HEADER_CHARS]
    for rx in (_HEADER_DATE, _LEADING_DATE):
        for m in rx.finditer(head):
            iso = _iso(m)
            if iso:
                g = next(k for k in ("iso", "dmy", "mdy") if k in m.groupdict() and m.group(k))
                return iso, (m.start(g), m.end(g))
    return None, None


def header_fields(text: str) -> list[HeaderField]:
    """Metadata fields of the header lines (``Views: 2 Author: Site Editor ...``).

    A line counts as a header line when it holds a publish field or at least two fields; each
    field's value runs to the next field or the end of the line.
    """
    fields: list[HeaderField] = []
    head = text[:HEADER_CHARS]
    pos = 0
    for line in head.splitlines(keepends=True):
        ms = list(_HEADER_FIELD.finditer(line))
        is_header = len(ms) >= 2 or any(
            re.match(r"(?i)publish|release|posted", m.group("name")) for m in ms
        ) or (len(ms) == 1 and ms[0].start() == 0 and len(line.strip()) < 80)
        if is_header:
            for i, m in enumerate(ms):
                end = ms[i + 1].start() if i + 1 < len(ms) else len(line.rstrip("\r\n"))
                name = re.sub(r"\s+", " ", m.group("name").lower())
                fields.append(HeaderField(name, pos + m.end(), pos + end))
        pos += len(line)
    return fields


# --- decoding ---------------------------------------------------------------------------------


class DecodeError(ValueError):
    pass


def decode_bytes(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 (BOM, or told by its NULs),
    mostly UTF-8 with lines in Windows-1252, a few accented letters in Windows-1252, else
    detected.

    Binary data is refused rather than turned into noise.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")  # a cut-off last byte is no reason to refuse
    sample = data[:65536]
    nuls = sample.count(b"\x00")
    # a stray NUL in text is noise the repair step blanks out; many NULs are UTF-16 or binary
    if nuls > len(sample) // 100:
        # UTF-16 without BOM: Latin text has a NUL in every other byte, the high byte of each
        # code unit (odd offsets little-endian, even offsets big-endian); binary has them anywhere
        even, odd = sample[0::2].count(b"\x00"), sample[1::2].count(b"\x00")
        half = len(sample) // 2 or 1
        enc = ("utf-16-le" if odd > 4 * even and odd > 0.3 * half else
               "utf-16-be" if even > 4 * odd and even > 0.3 * half else None)
        if enc and len(data) % 2 == 0:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                text = None
            if text is not None and _looks_textual(text[:4096]):
                return text
        if nuls > len(sample) // 10:
            raise DecodeError("binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
        if nuls and not _looks_textual(sample.decode("utf-8", "ignore").replace("\x00", "")):
            raise DecodeError("binary file (NUL bytes), not text")
        return text
    except UnicodeDecodeError as e:
        if nuls > len(sample) // 1000:  # not UTF-8 and NULs: random bytes have one in 256
            raise DecodeError("binary file (NUL bytes), not text") from None
        mixed = _decode_mixed(data, e)
        if mixed is not None:
            return mixed
    if _isolated_high_bytes(data):
        # a few accented letters in English or French text: one high byte at a time between
        # ASCII letters is a single-byte Latin code page; double-byte CJK encodings come in
        # pairs and runs ("Zürich" must not become "Z僡ich")
        text = data.decode("cp1252", errors="replace")
        if _looks_textual(text[:4096]):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("binary file or unknown encoding: not UTF-8 and no text encoding detected")
    guess = str(best)
    non_ascii = [c for c in guess[:20000] if ord(c) > 0x7F]
    latin = sum(1 for c in non_ascii if ord(c) <= 0x24F)
    if _SINGLE_BYTE_LATIN.match(best.encoding) and latin * 2 >= len(non_ascii):
        # the guess is some Latin-script code page: those are near-identical tables the detector
        # cannot tell apart on short text, and news in them is overwhelmingly Windows-1252
        # ("déjà" must not become "dĂ©jĂ"); Cyrillic, Greek or CJK guesses are kept
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        if _looks_textual(text[:4096]):
            return text
    text = guess
    if not _looks_textual(text[:4096]):
        raise DecodeError(f"binary file (decodes as {best.encoding} to non-text)")
    return text


_SINGLE_BYTE_LATIN = re.compile(r"^(?:cp125[0-8]|iso8859_\d+|latin_1|mac_\w+|cp[78]\d\d|kz1048|ptcp154|hp_roman8|tis_620)$")


def _decode_mixed(data: bytes, err: UnicodeDecodeError) -> Optional[str]:
    """Mostly UTF-8 with a few lines in a legacy encoding (a dump stitched from several
    sources): decode line by line, each line as UTF-8 or else as cp1252. None when most of the
    file is not UTF-8 (then the whole file is detected as one encoding)."""
    lines = data.splitlines(keepends=True)
    bad = 0
    out = []
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            bad += 1
            out.append(line.decode("cp1252", errors="replace"))
    good_non_ascii = sum(1 for line in lines if max(line, default=0) >= 0x80) - bad
    if bad * 2 > len(lines) or good_non_ascii == 0:
        return None  # not "mostly UTF-8": let the detector choose one encoding
    return "".join(out)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _isolated_high_bytes(data: bytes) -> bool:
    """Most non-ASCII bytes stand alone between ASCII ones (and there are some)."""
    runs = [len(m.group()) for m in itertools.islice(_HIGH_RUN.finditer(data), 2000)]
    return bool(runs) and sum(1 for n in runs if n == 1) >= 0.9 * len(runs)


def _looks_textual(s: str) -> bool:
    if not s:
        return True
    bad = sum(1 for c in s if (ord(c) < 32 and c not in "\n\r\t\f") or 0xFFF0 <= ord(c) or
              0xD800 <= ord(c) <= 0xDFFF)
    return bad / len(s) < 0.02


# --- readers ----------------------------------------------------------------------------------


def _article(doc_id: str, text: str, published: Optional[str], source: Optional[str]) -> Article:
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
    return _article(path.stem, text, None, str(path))


def _normalise_published(v: object) -> Optional[str]:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ValueError(f"'published' must be a string, not {type(v).__name__}")
    m = re.match(r"\s*((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})", v)
    if m:
        return date(*(int(x) for x in m.groups())).isoformat()
    iso = _parse_date_text(v)
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
    return _article(doc_id, text, published, _no_surrogates(str(source)))


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


def read_jsonl(path: Path) -> Iterator[Item]:
    for item, _ in _read_jsonl_located(path):
        yield item


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
            yield _article(f"doc{i}", t, None, None)
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
