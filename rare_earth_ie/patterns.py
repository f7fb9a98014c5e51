"""Loading the pattern data of ``patterns/`` (JSON, JSONL and word lists).

The data ships inside the package (``rare_earth_ie/patterns`` is the repository's ``patterns/``
folder, installed as package data); a pipeline may be pointed at another folder to use edited
patterns without reinstalling.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

_REPO_PATTERNS = Path(__file__).resolve().parent.parent / "patterns"
_PKG_PATTERNS = Path(__file__).resolve().parent / "patterns"


def default_dir() -> Path:
    """The installed pattern folder (package data), else the repository's ``patterns/``."""
    for d in (_PKG_PATTERNS, _REPO_PATTERNS):
        if d.is_dir():
            return d
    raise FileNotFoundError("rare_earth_ie: no patterns folder found (package data missing)")


def _dir(patterns_dir: Optional[str | Path]) -> Path:
    return Path(patterns_dir) if patterns_dir else default_dir()


@lru_cache(maxsize=64)
def load_json(name: str, patterns_dir: Optional[str] = None) -> Any:
    path = _dir(patterns_dir) / name
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=64)
def load_jsonl(name: str, patterns_dir: Optional[str] = None) -> tuple[dict, ...]:
    path = _dir(patterns_dir) / name
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: bad pattern line: {e.msg}") from None
    return tuple(rows)


@lru_cache(maxsize=64)
def load_words(name: str, patterns_dir: Optional[str] = None) -> frozenset[str]:
    """A word list: one entry a line, ``#`` starts a comment."""
    path = _dir(patterns_dir) / name
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                out.add(line)
    return frozenset(out)


def alternation(words: Iterable[str], regex: bool = False) -> str:
    """A regex alternation of ``words``, longest first so that the longest form wins."""
    items = sorted(set(words), key=len, reverse=True)
    return "|".join(w if regex else re.escape(w) for w in items)
