"""The identity of a fact: the normalised form copies are compared on, and the stable id.

Pure functions of a fact's text and period, shared by extraction (which stamps each fact with
its ``fact_id``) and every dedup engine (memory, disk, Dask).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Optional

_FOLD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """The form facts are compared on: case, punctuation and spaces folded away, so that a copy
    whose spaces were lost or whose dashes differ compares equal."""
    t = unicodedata.normalize("NFKC", text).lower()
    return _FOLD.sub("", t)


def period_key(period: Optional[dict], source: Optional[str]) -> str:
    """The part of a period that keeps facts apart: only an explicit one (text or heading)."""
    if not period or source not in ("text", "heading"):
        return ""
    return f"{period.get('start')}..{period.get('end')}"


def make_fact_id(text: str, period: Optional[dict], source: Optional[str]) -> str:
    h = hashlib.sha1(f"{normalise_text(text)}|{period_key(period, source)}".encode("utf-8"))
    return h.hexdigest()[:16]
