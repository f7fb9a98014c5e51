"""Number reading shared by the PERCENT, MONEY and QUANTITY recognizers.

Only candidate spans found by the recognizers' patterns come here, never whole documents.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from ..patterns import load_json

# A number as written in news: 5,774 / 816 000 / 1.916 / .5 / 1,510,000 / 12.5
# Groups of three after a comma or a (narrow) space; a leading sign is read by the recognizers.
# Space-grouped numbers take at most four groups: every group of a long "111 111 111 ..." run
# is a possible start, and unbounded groups would make the scan quadratic in the run's length.
NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3}){1,4}(?![\d ]\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
NUM_RE = re.compile(NUM)


@lru_cache(maxsize=1)
def scales() -> dict[str, float]:
    return dict(load_json("numbers.json")["scales"])


@lru_cache(maxsize=65536)
def parse_number(s: str) -> Optional[float]:
    """``'5,774'`` -> 5774.0, ``'816 000'`` -> 816000.0; None if not a number."""
    t = s.strip().replace(",", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    try:
        return float(t)
    except ValueError:
        return None


def scale_of(word: Optional[str]) -> float:
    if not word:
        return 1.0
    sc = scales()
    return sc.get(word, sc.get(word.lower(), 1.0)) if len(word) > 1 else sc.get(word, 1.0)


def clean_float(x: float) -> float:
    """Round away binary noise from scaling (1.916 * 1e9 -> 1916000000.0)."""
    return float(f"{x:.12g}")
