"""Loading the pattern data of ``patterns/`` (JSON, JSONL and word lists).

The data ships inside the package (``rare_earth_ie/patterns`` is the repository's ``patterns/``
folder, installed as package data). A pipeline may be pointed at another folder
(``build_nlp(patterns_dir=...)``, ``rare-earth-ie extract --patterns DIR``) holding edited copies
of some files: a file found there is used, the others come from the installed folder. Every file
is checked against its schema below when loaded, so that a misspelt or missing key stops the run
naming the file and the key instead of silently matching nothing.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

try:  # the regex parser of the standard library (private; its home moved in Python 3.11)
    from re import _constants as _sre_c, _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_REPO_PATTERNS = Path(__file__).resolve().parent.parent / "patterns"
_PKG_PATTERNS = Path(__file__).resolve().parent / "patterns"


def default_dir() -> Path:
    """The installed pattern folder (package data), else the repository's ``patterns/``."""
    for d in (_PKG_PATTERNS, _REPO_PATTERNS):
        if d.is_dir():
            return d
    raise FileNotFoundError("rare_earth_ie: no patterns folder found (package data missing)")


# --- schemas: what each file holds ---------------------------------------------------------------
# Keys starting with "_" are comments and allowed anywhere.
_NUM = (int, float)

#: JSON objects with a fixed set of keys, each of one type; all are required
KEYED: dict[str, dict[str, type | tuple]] = {
    "dates.json": {"months": dict, "ordinals": dict, "month_parts": dict, "year_parts": dict, "relative": dict,
                   "future_cues": list, "past_verbs": list, "fiscal_years": dict, "future_cue_undone_by": list,
                   "reference_words": list, "title_heads": list, "forward_nouns": list},
    "facts.json": {"metrics": dict, "flows": dict, "value_labels": dict, "commodity_words": dict,
                   "no_break_after": list, "teaser": dict},
    "materials.json": {"elements": dict, "partners": dict, "partner_symbols": list, "forms": list,
                       "standalone_symbols": list, "magnet_materials": dict, "magnet_names": dict,
                       "grade_regex": str, "stop_after": list, "symbol_aliases": dict, "symbol_names": dict},
    "numbers.json": {"scales": dict, "cjk_scales": dict, "money_verbs": list, "yen_exchanges": list,
                     "dollar_countries": dict},
    "org_context.json": {"before": list, "role_nouns": list, "after": list, "person_titles": list,
                         "gov_short": list, "not_names": list, "after_aux": list, "possessive_nouns": list,
                         "possessive_modifiers": list, "gov_short_verbs": list},
    "org_rules.json": {"heads": list, "legal": list, "gov_heads": list, "gov_links": list, "company_words": list,
                       "legal_words": list, "institutional_heads": list, "exchanges": list},
    "percent_cues.json": {"up": list, "down": list, "level_before": list, "level_after": list, "basis": dict,
                          "up_phrases": list, "up_after": list, "down_after": list, "level_verbs": list,
                          "basis_loose": dict, "market_moves": list},
    "policy.json": {"kinds": dict, "named_heads": list, "generic_single": list, "generic_pairs": dict,
                    "modifiers": list, "follow_ok": list, "complement": list, "complement_stop": list,
                    "purpose_complement": dict,
                    "plan_pairs": dict, "order_pairs": dict, "sections": list, "numbered_heads": dict,
                    "numbered_titles": dict, "bloc_acts": dict, "lowercase_named_heads": list,
                    "anaphor_determiners": list, "site_policies": list, "needs_modifier": list,
                    "sections_jurisdiction": str, "default_jurisdiction": dict},
    "quantity_rules.json": {"never_units": list, "word_units": list, "dimension_adjectives": list,
                            "not_after_rate": list, "scale_words": dict},
    "quantulum_units.json": {"quantulum3": str, "units": dict},
    "rewording.json": {"droppable": list, "same": list},
    "series.json": {"metrics": dict, "flows": dict, "values": dict, "money_per_unit": dict, "by_org": dict,
                    "units": dict, "targets": dict, "price_per": dict, "charts": dict},
}
#: JSON objects from names to values of one type (and, for objects, their keys)
MAPPINGS: dict[str, type] = {"demonyms.json": str, "gpe_towns.json": list, "orgs_meta.json": dict}
_MAPPING_VALUE_KEYS = {"orgs_meta.json": ({"aliases": list}, {"ticker": (str, type(None)), "country": str})}
#: JSONL rows: (required keys, optional keys), each with its type
_SPAN_RULER = ({"label": str, "pattern": (str, list)}, {"id": str})
ROWS: dict[str, tuple[dict, dict]] = {
    "currencies.jsonl": ({"code": str, "prefixes": list, "suffixes": list}, {"weak_suffixes": list, "minor": dict}),
    "gpe.jsonl": _SPAN_RULER, "orgs.jsonl": _SPAN_RULER, "orgs_listed.jsonl": _SPAN_RULER,
    "units.jsonl": ({"unit": str, "dimension": str, "surfaces": list},
                    {"factor": _NUM, "symbol": str, "factor_below": _NUM}),
}
#: word lists: one entry a line
WORDS = frozenset({"commodities.txt", "function_words.txt", "org_generic.txt", "org_legal.txt", "pint_units.txt"})
KNOWN = frozenset(KEYED) | frozenset(MAPPINGS) | frozenset(ROWS) | WORDS
#: files a run's pattern folder cannot replace (they are always read from the installed folder)
INSTALLED_ONLY = {
    "rewording.json": "dedup's vocabulary is part of a statement's identity, which must not depend on "
                      "a run's options (a store merges many runs)",
    "quantulum_units.json": "it is generated for the installed quantulum3 by tools/build_quantulum_units.py",
    "series.json": "the analysis of canonical facts reads it, not extraction",
}


class PatternError(ValueError):
    """A pattern file that does not match its schema; the message names the file (and line)."""


def _type_name(t) -> str:
    ts = t if isinstance(t, tuple) else (t,)
    return " or ".join("null" if x is type(None) else {"str": "string", "dict": "object", "list": "array",
                                                         "int": "number", "float": "number"}[x.__name__]
                       for x in ts)


def _check_keys(where: str, obj: Any, required: dict, optional: dict) -> None:
    if not isinstance(obj, dict):
        raise PatternError(f"{where}: expected an object, got {type(obj).__name__}")
    missing = sorted(k for k in required if k not in obj)
    if missing:
        raise PatternError(f"{where}: missing key(s) {', '.join(map(repr, missing))}")
    for k, v in obj.items():
        if k.startswith("_"):
            continue
        t = required.get(k, optional.get(k))
        if t is None:
            known = ", ".join(sorted(set(required) | set(optional)))
            raise PatternError(f"{where}: unknown key {k!r} (known keys: {known})")
        if not isinstance(v, t) or isinstance(v, bool):
            raise PatternError(f"{where}: key {k!r} should be {_type_name(t)}, got {type(v).__name__}")


def validate(name: str, data: Any, where: str) -> None:
    """Check the content of pattern file ``name`` against its schema; ``where`` names it in errors."""
    if name in KEYED:
        _check_keys(where, data, KEYED[name], {})
    elif name in MAPPINGS:
        if not isinstance(data, dict):
            raise PatternError(f"{where}: expected an object, got {type(data).__name__}")
        vt = MAPPINGS[name]
        for k, v in data.items():
            if k.startswith("_"):
                continue
            if not isinstance(v, vt):
                raise PatternError(f"{where}: {k!r} should be {_type_name(vt)}, got {type(v).__name__}")
            if name in _MAPPING_VALUE_KEYS:
                _check_keys(f"{where}: {k!r}", v, *_MAPPING_VALUE_KEYS[name])


def path_of(name: str, patterns_dir: Optional[str | Path] = None) -> Path:
    """Where ``name`` is read from: the user's folder if it has the file, else the installed one."""
    if name not in KNOWN:
        raise KeyError(f"rare_earth_ie: {name!r} is not a pattern file")
    if patterns_dir:
        mine = Path(patterns_dir) / name
        if mine.is_file():
            return mine
    return default_dir() / name


def check_dir(patterns_dir: str | Path) -> list[str]:
    """Check a user's pattern folder before a run: it exists, names no file we do not know (a
    misspelt file name would otherwise be ignored) nor one a run always reads from the installed
    folder (:data:`INSTALLED_ONLY`), and every file in it matches its schema.
    Returns the names of the files it overrides; raises :class:`PatternError`."""
    d = Path(patterns_dir)
    if not d.is_dir():
        raise PatternError(f"{d}: no such pattern folder")
    mine = sorted(p.name for p in d.iterdir()
                  if p.is_file() and p.suffix in (".json", ".jsonl", ".txt") and not p.name.startswith("."))
    unknown = [n for n in mine if n not in KNOWN]
    if unknown:
        raise PatternError(f"{d}: unknown pattern file(s) {', '.join(unknown)} "
                           f"(known: {', '.join(sorted(KNOWN))})")
    fixed = [n for n in mine if n in INSTALLED_ONLY]
    if fixed:  # it would be silently ignored
        raise PatternError(f"{d}: {fixed[0]} cannot be replaced by a run's folder: {INSTALLED_ONLY[fixed[0]]}")
    for n in mine:
        loader = load_words if n in WORDS else load_jsonl if n in ROWS else load_json
        loader(n, str(d))
    return mine


@lru_cache(maxsize=64)
def load_json(name: str, patterns_dir: Optional[str] = None) -> Any:
    path = path_of(name, patterns_dir)
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as e:
            raise PatternError(f"{path}:{e.lineno}: not JSON: {e.msg}") from None
    validate(name, data, str(path))
    if MAPPINGS.get(name) is list:
        # tuples, not JSON's lists: the data is kept for the process, and tens of thousands of
        # immutable values of atoms are objects the garbage collector stops rescanning
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return data


@lru_cache(maxsize=64)
def load_jsonl(name: str, patterns_dir: Optional[str] = None) -> tuple[dict, ...]:
    path = path_of(name, patterns_dir)
    required, optional = ROWS[name]
    # the start of every run reads ~12,000 rows: the C scanner and a check of the usual, valid
    # row take less than half the time of json.loads and _check_keys per line; any doubt goes
    # to those, which name the line and what is wrong with it
    scan = _DECODER.scan_once
    types = {k: t for k, t in {**optional, **required}.items() if not k.startswith("_")}
    need = required.keys()
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                row, end = scan(line, 0)
            except (StopIteration, ValueError):
                end = -1
            if end != len(line):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise PatternError(f"{path}:{lineno}: bad pattern line: {e.msg}") from None
            if not (type(row) is dict and need <= row.keys() and _typed(row, types)):
                _check_keys(f"{path}:{lineno}", row, required, optional)
            rows.append(row)
    return tuple(rows)


_DECODER = json.JSONDecoder()


def _typed(row: dict, types: dict) -> bool:
    """Every key of ``row`` is known (or a comment) and of its type: what _check_keys accepts."""
    for k, v in row.items():
        t = types.get(k)
        if t is None:
            if k.startswith("_"):
                continue
            return False
        if not isinstance(v, t) or v.__class__ is bool:
            return False
    return True


@lru_cache(maxsize=64)
def load_words(name: str, patterns_dir: Optional[str] = None) -> frozenset[str]:
    """A word list: one entry a line, ``#`` starts a comment."""
    if name not in WORDS:
        raise KeyError(f"rare_earth_ie: {name!r} is not a word list")
    path = path_of(name, patterns_dir)
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                out.add(line)
    return frozenset(out)


def alternation(words: Iterable[str], regex: bool = False) -> str:
    """A regex alternation of ``words``, longest first so that the longest form wins.

    Plain words (not ``regex`` fragments) are written as a trie (``ox(?:ides?|alate)``): the
    engine tests a character per branch instead of trying the words one after the other, which
    it cannot skip quickly under ``re.I``. The matches are the flat alternation's: when no two
    branches of a node can match the same character (even ignoring case), the words that match
    at a place lie on one path, and the trie tries the longest first, then the shorter ones, as
    the flat list does. A word list whose branches could (``Ferrite``, ``ferrite``) stays flat."""
    items = sorted(set(words), key=len, reverse=True)
    if not regex and len(items) >= 4 and "" not in items:
        trie = _trie(items)
        if not _case_clash_in(trie):
            return _trie_regex(trie)
    return "|".join(w if regex else re.escape(w) for w in items)


def trie_alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` as a trie (``ton(?:ne(?:s|)|s|)``) whatever their
    cases: at each branch the longer continuation is tried first. For tables matched
    case-sensitively whose words differ in case ("t", "T"), where :func:`alternation` stays flat."""
    return _trie_regex(_trie(w for w in set(words) if w))


def _trie(words: Iterable[str]) -> dict:
    """``words`` as a nested dict of characters, "" marking a word's end."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie


def _case_clash_in(trie: dict) -> bool:
    """Whether two branches of one node of ``trie`` could match the same character under re.I."""
    stack = [trie]
    while stack:
        node = stack.pop()
        keys = [k for k in node if k]
        if len(keys) > 1 and _case_clash(keys):
            return True
        stack.extend(node[k] for k in keys)
    return False


def _case_clash(chars: list[str]) -> bool:
    """Whether two of ``chars`` match each other ignoring case, as the regex engine folds."""
    if all(c.isascii() for c in chars):
        return len({c.lower() for c in chars}) < len(chars)
    # beyond ASCII the engine has folds of its own ("ſ" is an "s"): ask it
    return any(re.fullmatch("(?i)" + re.escape(a), b) for i, a in enumerate(chars) for b in chars[i + 1:])


def _trie_regex(node: dict) -> str:
    """The regex of a trie: at each node the branch leading to the longest word first, and the
    word ending there (if one does) after every longer one through it."""
    depths: dict[int, int] = {}

    def depth(n: dict) -> int:  # each node's once (by identity): a long word list is a deep trie
        d = depths.get(id(n))
        if d is None:
            d = depths[id(n)] = max((1 + depth(c) for k, c in n.items() if k), default=0)
        return d

    def regex(n: dict) -> str:
        alts = []
        for ch, child in sorted(((k, c) for k, c in n.items() if k), key=lambda kc: (-depth(kc[1]), kc[0])):
            alts.append(re.escape(ch) + (regex(child) if any(child) else ""))
        if "" in n and alts:
            alts.append("")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return regex(node)


def _first_chars(items, folded: bool) -> "tuple[set[str], bool] | None":
    """The characters a match of the parsed sequence ``items`` can start with, and whether one
    of them is matched ignoring case; None when that cannot be said (a class by category, a
    negated class, a sequence that may match nothing)."""
    out: set[str] = set()
    for op, av in items:
        if op is _sre_c.LITERAL:
            out.add(chr(av))
            return out, folded
        if op is _sre_c.IN:
            for o, a in av:
                if o is _sre_c.LITERAL:
                    out.add(chr(a))
                elif o is _sre_c.RANGE and a[1] - a[0] <= 256:
                    out.update(chr(c) for c in range(a[0], a[1] + 1))
                else:
                    return None
            return out, folded
        if op is _sre_c.BRANCH:
            for alt in av[1]:
                got = _first_chars(alt, folded)
                if got is None:
                    return None
                out |= got[0]
                folded = folded or got[1]
            return out, folded
        if op is _sre_c.SUBPATTERN:
            got = _first_chars(av[3], folded or bool(av[1] & re.IGNORECASE))
            if got is None:
                return None
            return out | got[0], got[1]
        if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT):
            lo, _hi, item = av
            got = _first_chars(item, folded)
            if got is None:
                return None
            out |= got[0]
            folded = got[1]
            if lo >= 1:
                return out, folded
            continue  # it may be left out: what follows may start the match too
        if op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT, _sre_c.AT):
            continue  # no width: the next element starts the match
        return None
    return None  # the whole may match nothing


def led(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` with a lookahead for the characters its matches can start with put first.
    The engine tries a pattern at every position of a text; a pattern that opens with
    lookbehinds and a long alternation costs its full attempt at each, where one class rejects
    most positions at once (2x faster on the basis cues). The same matches, by construction: the
    class is derived from the pattern (case folded as the pattern folds); a pattern whose first
    characters cannot be said is returned as it is."""
    try:
        items = list(_sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - an unknown parse: no lead, the pattern is still right
        return pattern
    if not items or items[0][0] not in (_sre_c.ASSERT, _sre_c.ASSERT_NOT, _sre_c.AT):
        return pattern  # one that opens with what it matches, the engine skips to already
    ahead = lead(pattern.pattern, pattern.flags)
    if not ahead:
        return pattern
    flags_at_start = _GLOBAL_FLAGS.match(pattern.pattern)  # "(?i)" must stay first
    cut = flags_at_start.end() if flags_at_start else 0
    return re.compile(pattern.pattern[:cut] + ahead + pattern.pattern[cut:], pattern.flags)


def lead(pattern: str, flags: int = 0) -> str:
    """The lookahead of the characters a match of ``pattern`` can start with (``(?=[ft])``,
    case folded as the pattern folds), or "" when that cannot be said: for :func:`led`, and for
    the alternatives of a long alternation, each of which the engine would otherwise enter at
    every place the alternation is tried."""
    try:
        got = _first_chars(list(_sre_parse.parse(pattern, flags)), bool(flags & re.IGNORECASE))
    except Exception:  # noqa: BLE001 - an unknown parse: no lead, the pattern is still right
        return ""
    if not got or not got[0]:
        return ""
    chars, folded = got
    cls = "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
    if folded and not flags & re.IGNORECASE:
        cls = "(?i:" + cls + ")"
    return "(?=" + cls + ")"


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def first_char_scans(patterns: list[re.Pattern]) -> list[tuple[re.Pattern, list[tuple[int, Optional[str]]]]]:
    """``patterns`` as scans of a text, one per first character: every pattern is a pass of the
    engine over the whole text however rarely it matches. Patterns made of one character and
    look-arounds that share that character (``[A-Z](?<=...)``, ``[A-Z](?=...)``) become one, in
    which each one's look-arounds are an optional group of its own (``r3`` for the fourth), and
    a conditional at the end requires one of them. Each scan comes with its members: (index in
    ``patterns``, the group that tells the member held, or None for a pattern scanned alone)."""
    by_first: dict[str, list[int]] = {}
    for i, rx in enumerate(patterns):
        # only a pattern that is one character and then look-arounds can share (not "a|b": its
        # first item would be the alternation)
        whole = _sre_parse.parse(rx.pattern, rx.flags)
        first = _first_item(rx.pattern, whole[0])
        shares = (not rx.flags & ~re.UNICODE and whole[0][0] in (_sre_c.LITERAL, _sre_c.IN)
                  and _sre_parse.parse(rx.pattern[len(first):]).getwidth() == (0, 0))
        by_first.setdefault(first if shares else f"#{i}", []).append(i)
    scans = []
    for first, idx in by_first.items():
        if len(idx) == 1:
            scans.append((patterns[idx[0]], [(idx[0], None)]))
            continue
        tails = "".join(f"(?:(?:{patterns[i].pattern[len(first):]})(?P<r{i}>))?" for i in idx)
        one_holds = "(?!)"
        for i in reversed(idx):
            one_holds = f"(?(r{i})|{one_holds})"
        scans.append((re.compile(first + tails + one_holds), [(i, f"r{i}") for i in idx]))
    return scans


def _first_item(pattern: str, first) -> str:
    """The text of a pattern's first item (``[A-Z]``, ``\\d``, ``—``), whose parse is ``first``:
    its shortest prefix that parses to that item alone."""
    for k in range(1, len(pattern) + 1):
        try:
            if list(_sre_parse.parse(pattern[:k])) == [first]:
                return pattern[:k]
        except re.error:
            continue
    return pattern
