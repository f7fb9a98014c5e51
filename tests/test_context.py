"""Context windows found once per text (``recognizers.base``), and settling overlaps linearly.

A text made of nothing but candidates (``5% 5% 5% ...``, a table of figures) asks for cue words
around each of hundreds of thousands of them: the windows and cue matches come from one pass over
the text, and overlapping candidates are settled group by group. These tests pin what those
shortcuts must give: the same answers as searching each window, and as settling all at once.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rare_earth_ie.extract.recognizers.base import Context, Ent, Matches, _settle, context, remove_overlaps
from rare_earth_ie.extract.recognizers.dates import DateRecognizer
from rare_earth_ie.extract.recognizers.percent import PercentRecognizer

# text from the characters that make and break clauses and sentences
CLAUSEY = st.text(alphabet="ab .,;:()\n!?-—%5", max_size=120)

# the plain definitions, searching each window: what the one-pass bounds must agree with. A
# comma between two digits groups a number and ends no clause; whether a comma or a full stop is
# a stop depends on the characters around it, so each window's search sees the whole text.
_LEFT_STOP = re.compile(r"[;:()\[\]\n!?]|(?<!\d),|,(?!\d)|\.\s|\s[-—]\s")
_RIGHT_STOP = re.compile(r"[;:()\[\]\n!?]|(?<!\d),|,(?!\d)|\.(?=\s|$)|\s(?=[-—]\s)")


def left_clause(text: str, pos: int, width: int) -> str:
    lo = max(0, pos - width)
    last = None
    for m in _LEFT_STOP.finditer(text):
        if m.start() >= lo and m.end() <= pos:
            last = m
    return text[last.end():pos] if last else text[lo:pos]


def right_clause(text: str, pos: int, width: int) -> str:
    hi = min(len(text), pos + width)
    m = _RIGHT_STOP.search(text, pos)
    return text[pos:m.start()] if m and m.start() < hi else text[pos:hi]


def left_sentence(text: str, pos: int, width: int = 200) -> str:
    left = text[max(0, pos - width):pos]
    return left[max(left.rfind("\n"), left.rfind(". ")) + 1:]


@settings(max_examples=300, deadline=None)
@given(CLAUSEY, st.data())
def test_windows_match_searching_each_window(text, data):
    """Away from the edges of a window (where a stop would be cut in two), the windows cut from
    a Context's clause bounds are those found by searching each window."""
    pos = data.draw(st.integers(0, len(text)))
    ctx = Context(text)
    lo, hi = ctx.clause_bounds(pos, pos)
    left_start = max(lo, pos - 60)
    if left_start == max(0, pos - 60) or text[left_start - 1] not in " -—":  # no stop cut at the edge
        assert text[left_start:pos] == left_clause(text, pos, 60)
    right_end = min(hi, pos + 60)
    if right_end == min(len(text), pos + 60) or text[right_end] not in " .-—":
        assert text[pos:right_end] == right_clause(text, pos, 60)
    assert text[ctx.left_sentence_start(pos):pos] == left_sentence(text, pos)


def test_clause_bounds_stop_at_punctuation_and_full_stops():
    text = "Prices rose; exports fell 5% in May. Imports were flat"
    ctx = Context(text)
    start = text.index("5%")
    lo, hi = ctx.clause_bounds(start, start + 2)
    assert text[lo:hi] == " exports fell 5% in May"
    lo, hi = ctx.clause_bounds(text.index("flat"), len(text))
    assert text[lo:hi] == "Imports were flat"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab YoY", max_size=80), st.integers(0, 80), st.integers(0, 80))
def test_matches_queries_agree_with_a_scan(text, lo, hi):
    rx = re.compile(r"YoY|ab")
    ms = Matches(rx, text)
    inside = [m for m in rx.finditer(text) if lo <= m.start() and m.end() <= hi and m.end() > m.start()]
    first, last = ms.first(lo, hi), ms.last(lo, hi)
    assert (first.span() if first else None) == (inside[0].span() if inside else None)
    assert (last.span() if last else None) == (inside[-1].span() if inside else None)


def test_context_is_shared_by_recognizers_of_one_text_only():
    a, b = "one text 5%", "another text 5%"
    assert context(a) is context(a)
    ca = context(a)
    assert context(b) is not ca and context(b).text is b


CANDS = st.lists(st.tuples(st.integers(0, 80), st.integers(1, 12), st.integers(0, 2)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(CANDS)
def test_settling_groups_equals_settling_everything_at_once(cands):
    ents = [Ent("X", s, s + n, {}, priority=p) for s, n, p in cands]
    got = [(e.start, e.end, e.priority) for e in remove_overlaps(ents)]
    want = [(e.start, e.end, e.priority) for e in _settle(ents)] if ents else []
    assert got == want
    assert all(a[1] <= b[0] for a, b in zip(got, got[1:]))  # no overlaps, in text order


def test_direction_and_basis_from_the_clause_only():
    rec = PercentRecognizer()
    text = "Output rose 5% year-on-year; prices fell 3%, a 7% share of exports. Sales dropped 2% YoY"
    got = {text[e.start:e.end]: (e.value["direction"], e.value["basis"]) for e in rec.scan(text)}
    assert got == {"5%": ("up", "YoY"), "3%": ("down", None), "7%": (None, None), "2%": ("down", "YoY")}


def test_future_cue_must_be_in_the_same_sentence_and_before_the_date():
    rec = DateRecognizer()
    # published in October 2025: a past March is 2025, an announced one is 2026
    past = rec.scan("It will rise. Exports fell in March.", "2025-10-21")
    future = rec.scan("Exports fell. The rule will apply from March.", "2025-10-21")
    reported = rec.scan("The ministry said in March that it will act.", "2025-10-21")
    assert [e.value["start"] for e in past] == ["2025-03-01"]
    assert [e.value["start"] for e in future] == ["2026-03-01"]
    assert [e.value["start"] for e in reported] == ["2025-03-01"]


def test_a_repeated_date_is_resolved_by_its_own_sentence_and_article():
    rec = DateRecognizer()
    text = "Exports fell in March. The rule will apply from March. Imports rose in March."
    assert [e.value["start"] for e in rec.scan(text, "2025-10-21")] == ["2025-03-01", "2026-03-01", "2025-03-01"]
    # the same text with another publish date is resolved again
    assert [e.value["start"] for e in rec.scan(text, "2024-10-21")] == ["2024-03-01", "2025-03-01", "2024-03-01"]
    # a fiscal year follows its own article's issuer, whatever came before
    japan = rec.scan("Shin-Etsu (Tokyo) results for FY2025.", "2025-10-21")
    plain = rec.scan("Results for FY2025.", "2025-10-21")
    assert japan[0].value["start"] != plain[0].value["start"]
    # values are the entity's own: changing one changes no other
    a, b = rec.scan("Q3 and Q3", "2025-10-21")
    a.value["grain"] = "changed"
    assert b.value["grain"] == "quarter" and rec.scan("Q3", "2025-10-21")[0].value["grain"] == "quarter"


def test_a_basis_phrase_must_start_a_word(tmp_path):
    pats = tmp_path / "patterns"
    shutil.copytree(Path(__file__).resolve().parent.parent / "patterns", pats)
    cues = json.loads((pats / "percent_cues.json").read_text(encoding="utf-8"))
    cues["basis"]["YoY"].append("~yoy")
    (pats / "percent_cues.json").write_text(json.dumps(cues), encoding="utf-8")
    with pytest.raises(ValueError, match="~yoy"):
        PercentRecognizer(str(pats))


# --- fast forms held to their plain definitions -----------------------------------------------

_FOLD_PLAIN = re.compile(r"[^\w%$\u00a2-\u00a5\u20a0-\u20cf\u058f\u060b\u09f2\u09f3\u0e3f\u17db\ufdfc]+|_+")
_LAST_WORD_PLAIN = re.compile(r"(?:(?<=[^A-Za-z])|^)([A-Za-z]{1,40})$")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ_ _-%$€é.,5\n ١"), max_size=60) | st.text(max_size=40))
def test_the_fold_drops_what_its_plain_pattern_drops(text):
    from rare_earth_ie.facts.identity import _FOLD, strip_teaser_tail

    import unicodedata
    body = unicodedata.normalize("NFKC", strip_teaser_tail(text)[0]).lower()
    assert _FOLD.sub("", body).replace("_", "") == _FOLD_PLAIN.sub("", body)


def _ends_cut_plain(seg: str, no_end: frozenset) -> bool:
    """``facts.component._ends_cut`` as it was written first: the last word by a regex."""
    from rare_earth_ie.facts.component import _CUT_NUMBER, _cut_word

    seg = seg.rstrip()
    if _CUT_NUMBER.search(seg):
        return True
    m = _LAST_WORD_PLAIN.search(seg)
    if m is None:
        return False
    w = m.group(1)
    before = seg[m.start() - 1:m.start()]
    if before.isdigit() or before == "/":
        return False
    if w[0].isupper():
        return len(w) == 1 and w not in "AI"
    if len(w) == 1:
        return True
    if w in no_end:
        return True
    return _cut_word(w)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdefghtAIZ /5,.é\n"), max_size=60)
       | st.builds(lambda a, n: a + "x" * n, st.text(alphabet=" ab5/", max_size=5), st.integers(38, 43)))
def test_the_last_word_is_read_as_its_plain_pattern_reads_it(seg):
    from rare_earth_ie.facts.component import _ends_cut

    no_end = frozenset({"of", "the", "ab"})
    assert _ends_cut(seg, no_end) == _ends_cut_plain(seg, no_end)


# --- led patterns: a lookahead of the first characters, derived from the pattern ---------------

def test_led_puts_the_first_characters_first_and_leaves_what_it_cannot_say():
    from rare_earth_ie.patterns import led

    assert led(re.compile(r"(?<![A-Za-z])(?:from|than|vs\.?)\b")).pattern.startswith("(?=[ftv])")
    assert led(re.compile(r"(?i)(?<!x)ab")).pattern == "(?i)(?=[a])(?<!x)ab"  # global flags stay first
    assert led(re.compile(r"(?<!x)(?i:ab)c")).pattern == "(?=(?i:[a]))(?<!x)(?i:ab)c"  # folded as it folds
    assert led(re.compile(r"(?<!x)a?b")).pattern == "(?=[ab])(?<!x)a?b"  # an optional first item
    for same in (r"ab", r"\d+", r"(?<!x)\w+", r"(?<!x)[^a]b", r"(?<!x)a*", r"(?<=(a))\1"):
        assert led(re.compile(same)).pattern == same  # starts with what it matches / cannot be said


# the lead ``led`` puts first (after global flags): "(?=[...])" or "(?=(?i:[...]))"
_LEAD = re.compile(r"^(\(\?[aiLmsux]+\))?\(\?=(?:\(\?i:)?\[(?:\\.|[^\]\\])*\]\)?\)")


def _led_patterns() -> list[tuple[re.Pattern, re.Pattern]]:
    """(as built, plain form) of the pipeline's patterns that carry a lead."""
    from rare_earth_ie.extract import get_extractor

    found, seen = {}, set()

    def walk(obj, depth=0):
        if isinstance(obj, re.Pattern):
            m = _LEAD.match(obj.pattern)
            if m:
                plain = (m.group(1) or "") + obj.pattern[m.end():]
                found[obj.pattern] = (obj, re.compile(plain, obj.flags))
            return
        if id(obj) in seen or depth > 4:
            return
        seen.add(id(obj))
        items = (obj.values() if isinstance(obj, dict) else obj if isinstance(obj, (list, tuple))
                 else vars(obj).values() if type(obj).__module__.startswith("rare_earth_ie") and hasattr(obj, "__dict__")
                 else ())
        for v in items:
            walk(v, depth + 1)
    for _, proc in get_extractor().nlp.pipeline:
        walk(proc)
    from rare_earth_ie.read import header
    walk(header._HEADER_FIELD)
    return list(found.values())


_LED = _led_patterns()


def test_the_pipeline_carries_led_patterns():
    assert len(_LED) >= 8  # the percent cues, materials, dates, policy, header fields


LED_TEXT = st.lists(st.sampled_from(list("aAbcdefimnorstuvwxyFMQY ,.-%5201\n:") + [
    "from", "than", "year", "month", "on", "y/y", "Q3", "vs.", "quarter", "NdFeB", "Nd", "oxide", " of ",
    "Chinese", "Section 232", "announced", "Author:", "No. 61 of ", "Act "]), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(LED_TEXT)
def test_led_patterns_find_what_their_plain_forms_find(text):
    for built, plain in _LED:
        assert [(m.span(), m.groups()) for m in built.finditer(text)] == \
            [(m.span(), m.groups()) for m in plain.finditer(text)], plain.pattern[:80]


# the date anchor as first written: one flat list of what a date starts with
_DATE_ANCHOR_PLAIN = re.compile(
    r"(?<![A-Za-z0-9])(?="
    r"[Tt]he\s+(?:[Ee]nd|[Bb]eginning|[Ss]tart|[Mm]iddle|[Ff]irst|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]inal|"
    r"[Ll]ast|[Ll]atter|1st|2nd|3rd|4th|FIRST|SECOND|THIRD|FOURTH|[Yy]ear|[Qq]uarter|[Hh]alf|three|six|"
    r"nine|twelve|\d|March|June|September|December)|"
    r"[Bb]y\s+(?:the\s+end|early|mid|late|end|beginning|start|\d)|[Bb]etween\b|[Ee]arly|[Mm]id|[Ll]ate\b|"
    r"[Ee]nd\b|[Bb]eginning|[Ss]tart\b|[Mm]iddle|[Ff]iscal|[Ff]inancial|[Ll]ast\b|[Pp]ast\b|[Tt]his\b|"
    r"[Nn]ext\b|[Yy]esterday|[Tt]oday|[Tt]omorrow|[Ff]irst|FIRST|[Ss]econd|SECOND|[Tt]hird|THIRD|"
    r"[Ff]ourth|FOURTH|[Ff]inal|[Ll]atter|[Hh]alf[\s-]|[Ii]nterim\s|[Qq]uarter\s|[Yy]ear\s|"
    r"[1-4](?:st|nd|rd|th|Q|H)|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|"
    r"Sat|Sun)|Q[1-4]|H[12]|FY|\d(?=[\d\s.stnr/-]))")

DATE_WORDS = st.lists(st.sampled_from(
    ["the", "The", "end", "first", "FIRST", "by", "By", "early", "mid", "late", "this", "next", "past",
     "Today", "tomorrow", "half", "Half-", "interim ", "quarter ", "year ", "Fiscal", "FY", "Q3", "H1", "3Q",
     "2nd", "Jan", "June", "May", "Mon", "Wed", "Thu", "Sat", "Sun", "Sept", "5", "5%", "2025", "1.10.",
     " ", " ", "\n", ",", "-", "x", "a", "s"]), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(DATE_WORDS)
def test_the_grouped_date_anchor_accepts_where_the_flat_one_does(text):
    from rare_earth_ie.extract.recognizers.dates import _ANCHOR

    assert [m.start() for m in re.finditer(_ANCHOR, text)] == [m.start() for m in _DATE_ANCHOR_PLAIN.finditer(text)]


# --- word alternations written as tries: the flat longest-first alternation's matches ----------

def _flat(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def test_alternation_is_a_trie_unless_two_branches_fold_together():
    from rare_earth_ie.patterns import alternation

    assert alternation(["oxide", "oxides", "oxalate", "ore"]) == "o(?:x(?:alate|ide(?:s|))|re)"
    # "F" and "f" branch from one node: under re.I both would match, so the list stays flat
    assert "(" not in alternation(["ferrite", "Ferrite", "fer", "Fe"])
    # as a trie, "A" (sorted first) would take the "a" of "ab" before "ab" were tried
    assert re.findall("(?i)(?:%s)" % alternation(["A", "ab", "x", "y"]), "ab") == ["ab"]
    assert "(" not in alternation(["sun", "ſun", "mon", "tue"])  # a fold of the engine's own
    assert alternation(["a.b", "a b", "c", "d"]) == r"(?:a(?:\ b|\.b)|c|d)"  # escaped per character
    fragments = alternation([r"\d+", "x", "y", "z"], regex=True).split("|")  # fragments stay flat
    assert fragments[0] == r"\d+" and sorted(fragments[1:]) == ["x", "y", "z"]


# few letters, in both cases and with the engine's own fold ("ſ" is an "s" under re.I), so that
# words share prefixes and branches that fold together turn up often; the texts are made of the
# words, their case swapped, and a few other characters
TRIE_WORDS = st.lists(st.text(alphabet="aAbsſ. -é", min_size=1, max_size=4), min_size=4, max_size=10)


@settings(max_examples=500, deadline=None)
@given(st.data(), TRIE_WORDS, st.sampled_from([0, re.I]),
       st.sampled_from(["(?:%s)", r"(?<![a-z])(?:%s)(?![a-z])", r"(?:%s)\.", r"(?P<w>%s)(?:\s|$)"]))
def test_a_trie_alternation_finds_what_the_flat_one_finds(data, words, flags, frame):
    from rare_earth_ie.patterns import alternation

    pieces = words + [w.swapcase() for w in words] + [" ", ".", "x", "S", "ſ"]
    text = data.draw(st.lists(st.sampled_from(pieces), max_size=8).map("".join))
    trie, flat = re.compile(frame % alternation(words), flags), re.compile(frame % _flat(words), flags)
    assert [(m.span(), m.groups()) for m in trie.finditer(text)] == \
        [(m.span(), m.groups()) for m in flat.finditer(text)]


# --- patterns rewritten to be tried at fewer places: the plain forms' matches -----------------

RUNS = st.lists(st.sampled_from(["a" * 7, "b" * 31, "x" * 175, "é", " ", "\n", "\t", "Source: ", "via:", "Origin ",
                                 "ſource:", "Lynas Corp", ", Reuters", "of", "SOURCE", "5", "1,2", ".", "-",
                                 "+", "%", " percent", "to", "٣"]), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(RUNS)
def test_patterns_tried_at_fewer_places_find_what_their_plain_forms_find(text):
    from rare_earth_ie.extract.recognizers.org import SOURCE_RE
    from rare_earth_ie.extract.recognizers.percent import PERCENT_RE
    from rare_earth_ie.extract.resolve import _LONG_LINE
    from rare_earth_ie.repair import _LONG_WORD

    plain_source = re.compile(SOURCE_RE.pattern.replace("(?=(?i:[osv]))", "", 1), SOURCE_RE.flags)
    plain_percent = re.compile(PERCENT_RE.pattern.replace(r"(?=[-+.\d])", "", 1), PERCENT_RE.flags)
    for built, plain in ((_LONG_LINE, re.compile(r"[^\n]{180,}")), (_LONG_WORD, re.compile(r"\S{30,}")),
                         (SOURCE_RE, plain_source), (PERCENT_RE, plain_percent)):
        assert built.pattern != plain.pattern
        assert [(m.span(), m.groups()) for m in built.finditer(text)] == \
            [(m.span(), m.groups()) for m in plain.finditer(text)]


def _date_alternatives_plain() -> re.Pattern:
    from rare_earth_ie.extract.recognizers.dates import _ALTS, _ANCHOR

    return re.compile(_ANCHOR + "(?:" + "|".join(f"(?P<_{name}>{rx})" for name, rx in _ALTS) + ")")


def _material_plain() -> re.Pattern:
    from rare_earth_ie.extract.recognizers.material import _compiled
    from rare_earth_ie.patterns import lead

    built = _compiled(None)[0][0].pattern
    names = built[built.index("(?=[A-Za-z0-9])"):]
    assert built == r"(?<![A-Za-z])" + lead(names) + names
    return re.compile(r"(?<![A-Za-z])" + names)  # the lead taken out


_DATE_PLAIN, _MATERIAL_PLAIN = _date_alternatives_plain(), _material_plain()

DATE_FORMS = st.lists(st.sampled_from(
    ["1999", "2025", "12", "3", "1.10.2025", "12/03/2024", "2024-09-13", "Q3", "Q1-Q2", "H1", "1H25", "FY25", "FY2024/25",
     "June", "Sept.", "5 June", "June 5, 2025", "Dec 1-5", "between", "and", "the first half of", "first five months",
     "three months ended", "year ended", "by", "mid-", "late", "end of", "Monday", "last week", "this year",
     "fiscal", "ago", "NdFeB", "Nd-Pr oxide", "dysprosium", "N52", " ", " ", ", ", "-", "\n"]), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(DATE_FORMS | DATE_WORDS | LED_TEXT)
def test_leads_of_the_date_alternatives_and_materials_change_no_match(text):
    from rare_earth_ie.extract.recognizers.dates import DATE_RE
    from rare_earth_ie.extract.recognizers.material import _compiled

    for built, plain in ((DATE_RE, _DATE_PLAIN), (_compiled(None)[0][0], _MATERIAL_PLAIN)):
        assert built.pattern != plain.pattern
        assert [(m.span(), m.lastgroup, m.groups()) for m in built.finditer(text)] == \
            [(m.span(), m.lastgroup, m.groups()) for m in plain.finditer(text)]
