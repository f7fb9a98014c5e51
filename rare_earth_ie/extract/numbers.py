"""Number reading shared by the PERCENT, MONEY, QUANTITY and DATE recognizers.

Only candidate spans found by the recognizers' patterns come here, never whole documents.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from ..patterns import alternation, load_json

# A number as written in news: 5,774 / 816 000 / 1.916 / .5 / 1,510,000 / 12.5
# Groups of three after a comma or a (narrow) space; a leading sign is read by the recognizers.
# Space-grouped numbers take at most four groups: every group of a long "111 111 111 ..." run
# is a possible start, and unbounded groups would make the scan quadratic in the run's length.
NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3}){1,4}(?![\d ]\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
NUM_RE = re.compile(NUM)
# a range between two numbers: a hyphen or dash (never a minus there), "to", a tilde
RANGE_SEP = r"(?:\s?[-–—~]\s?|\s{1,3}to\s{1,3}|\s{1,3}through\s{1,3})"


@lru_cache(maxsize=4)
def scales(patterns_dir: Optional[str] = None) -> dict[str, float]:
    return dict(load_json("numbers.json", patterns_dir)["scales"])


@lru_cache(maxsize=4)
def scale_regex(patterns_dir: Optional[str] = None) -> str:
    """A scale after a number: a word in any case after an optional space (``2 Billion``,
    ``750 crore``, ``4.3tn``), or a single letter glued to it (``$5m``, ``€10B``)."""
    sc = scales(patterns_dir)
    words = [w for w in sc if len(w) > 1]
    letters = [w for w in sc if len(w) == 1]
    return r"(?:\s?(?i:%s)(?![A-Za-z])|(?:%s)(?![A-Za-z]))" % (alternation(words), alternation(letters))


@lru_cache(maxsize=65536)
def parse_number(s: str) -> Optional[float]:
    """``'5,774'`` -> 5774.0, ``'816 000'`` -> 816000.0; None if not a number."""
    t = s.strip().replace(",", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    try:
        return float(t)
    except ValueError:
        return None


def scale_of(word: Optional[str], patterns_dir: Optional[str] = None) -> float:
    if not word:
        return 1.0
    word = word.strip()
    sc = scales(patterns_dir)
    return sc.get(word, sc.get(word.lower(), 1.0)) if len(word) > 1 else sc.get(word, 1.0)


def clean_float(x: float) -> float:
    """Round away binary noise from scaling (1.916 * 1e9 -> 1916000000.0)."""
    return float(f"{x:.12g}")


# --- spelled-out numbers ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _number_words() -> tuple[list[str], list[str]]:
    """The English number words of number-parser (its own tables): the words a spelled number
    may start with, and the multipliers (``hundred``, ``million``) that only continue one."""
    from number_parser.data import en

    info = en.info
    starts = [w for k in ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS") for w in info[k] if w != "zero"]
    powers = list(info["BIG_POWERS_OF_TEN"])
    return starts, powers


@lru_cache(maxsize=1)
def spelled_regex() -> re.Pattern:
    """A spelled-out number (``twenty``, ``three hundred and five``, ``twenty-one``): it starts
    with a number word that is not a bare multiplier, so ``million tonnes`` after a digit is
    left to the digit patterns. The first-letter lookahead turns other words away at once."""
    starts, powers = _number_words()
    first = "".join(sorted({w[0] for w in starts} | {w[0].upper() for w in starts}))
    start = alternation(starts)
    word = alternation(starts + powers)
    return re.compile(
        rf"(?<![A-Za-z0-9,.\-])(?=[{first}])(?i:{start})(?:(?:\s+|-)(?:and\s+)?(?i:{word}))*"
        r"(?:\s+and\s+a\s+half|-half)?(?![A-Za-z])")


@lru_cache(maxsize=4096)
def parse_spelled(s: str) -> Optional[float]:
    """The value of a spelled-out number (number-parser), or None."""
    from number_parser import parse_number as np_parse

    s = " ".join(s.lower().split())
    # "two and a half" is 2.5, "one-half" is 0.5: number-parser reads whole numbers only
    if s.endswith(" and a half"):
        whole = parse_spelled(s[:-len(" and a half")])
        return whole + 0.5 if whole is not None else None
    if s.endswith("-half"):
        whole = parse_spelled(s[:-len("-half")])
        return whole * 0.5 if whole is not None else None
    try:
        v = np_parse(s, language="en")
    except Exception:  # number-parser raises on some odd sequences; a miss is the right answer
        return None
    return float(v) if isinstance(v, (int, float)) else None
