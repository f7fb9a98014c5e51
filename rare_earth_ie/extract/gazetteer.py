"""Gazetteers: phrase patterns (SpanRuler format) matched on exact token texts.

A PhraseMatcher on ``ORTH`` finds the same matches, but a pipeline that builds one makes a Doc
of each of its ~12,000 names at every start (a second and more of a short run). Here the names'
tokens are computed once per tokenizer and pattern set and cached on disk as JSON (never a
pickle), keyed by a hash of the patterns, the tokenizer's code and spaCy's version; a start
reads them back and matching compares 64-bit string hashes, the doc's ``ORTH`` array.

    rei_gazetteer   the pipeline component: places and organisations of ``patterns/`` into
                    ``doc.spans["rei_ruler"]`` (as spaCy's SpanRuler would put them)
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional

from spacy.attrs import LOWER, ORTH
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from .recognizers.base import scratch

Tokenize = Callable[[list[str]], list[list[str]]]


def cache_dir() -> Optional[Path]:
    """Where derived data is kept between runs: ``$REI_CACHE_DIR``, else the user's cache
    folder (``$XDG_CACHE_HOME`` or ``~/.cache``); None when it is set to an empty string."""
    env = os.environ.get("REI_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rare-earth-ie"


def cached_tokens(texts: list[str], tokenize: Tokenize, tag: str) -> list[list[str]]:
    """The token texts of ``texts`` by ``tokenize``, read from the cache when ``tag`` (what
    tokenizes: its code and versions) and the texts are those it was made from."""
    key = hashlib.sha1(json.dumps([tag, texts], ensure_ascii=False).encode("utf-8")).hexdigest()
    folder = cache_dir()
    path = folder / f"tokens-{key}.json" if folder is not None else None
    if path is not None:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, list) and len(data) == len(texts) and all(isinstance(t, list) for t in data):
                return data
    tokens = tokenize(texts)
    if path is not None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(tokens, fh, ensure_ascii=False)
                os.replace(tmp, path)  # a reader sees the whole file or none
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    return tokens


class Gazetteer:
    """Phrase patterns ``{"label", "pattern", "id"}`` matched on whole tokens, as a
    PhraseMatcher does: on their texts (``attr="ORTH"``, case-sensitive) or lower-cased texts
    (``attr="LOWER"``); every occurrence of every pattern, nested and overlapping ones too.
    ``max_tokens`` keeps only patterns of at most that many tokens."""

    def __init__(self, rows: Iterable[dict], tokenize: Tokenize, tag: str, attr: str = "ORTH",
                 max_tokens: Optional[int] = None):
        self.rows = [r for r in rows if isinstance(r.get("pattern"), str)]
        self.attr = LOWER if attr == "LOWER" else ORTH
        tokens = cached_tokens([r["pattern"] for r in self.rows], tokenize, tag)
        fold = str.lower if self.attr == LOWER else str
        #: the hash of a pattern's first token -> (the hashes of all its tokens, row index)
        index: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        for k, toks in enumerate(tokens):
            if toks and (max_tokens is None or len(toks) <= max_tokens):
                hashes = tuple(hash_string(fold(t)) for t in toks)
                index.setdefault(hashes[0], []).append((hashes, k))
        # tuples of ints: immutable values the garbage collector stops tracking
        self.index: dict[int, tuple[tuple[tuple[int, ...], int], ...]] = {h: tuple(v) for h, v in index.items()}

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(row index, start token, end token) of every match."""
        # the doc's token hashes, read once per attribute for all the gazetteers that ask
        shared = scratch(doc)
        key = ("hashes", self.attr, len(doc))  # a retokenised doc asks anew
        orths = shared.get(key)
        if orths is None:
            orths = shared[key] = doc.to_array(self.attr).tolist() if len(doc) else []
        index = self.index
        out = []
        for i, h in enumerate(orths):
            found = index.get(h)
            if found is None:
                continue
            for hashes, k in found:
                n = len(hashes)
                if n == 1 or tuple(orths[i:i + n]) == hashes:
                    out.append((k, i, i + n))
        return out


class GazetteerComponent:
    """The places and organisations of ``patterns/`` as spans in ``doc.spans[key]``, sorted and
    without duplicates, each with the pattern's label and ``id`` (what spaCy's SpanRuler gives
    for phrase patterns), for the recognizers to start from."""

    def __init__(self, gazetteer: Gazetteer, key: str):
        self.gazetteer = gazetteer
        self.key = key

    def __call__(self, doc: Doc) -> Doc:
        rows = self.gazetteer.rows
        found = {Span(doc, s, e, label=rows[k]["label"], span_id=rows[k].get("id", ""))
                 for k, s, e in self.gazetteer(doc) if s != e}
        spans = list(doc.spans[self.key]) if self.key in doc.spans else []
        doc.spans[self.key] = spans + sorted(found)
        return doc
