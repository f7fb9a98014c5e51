"""Decoding the bytes of a text file: UTF-8, UTF-16, mixed, legacy code pages, detected; binary
data refused."""
from __future__ import annotations

import itertools
import re
from typing import Optional


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
