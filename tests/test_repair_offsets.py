"""Text repair and the offset invariant: every reported offset points into the raw text."""
import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei
from rare_earth_ie.repair import normalize_chars, repair


def test_glued_heading_gets_a_line_break():
    r = repair("Export DynamicsSeptember Volume: 5,774 tons")
    assert "Dynamics\nSeptember" in r.text


def test_glued_number_and_word():
    assert "Results 10%" in repair("Inspection Results10% failure rate").text
    assert "awarding 38 million" in repair("theprogram,awarding38 million to six firms").text


def test_spaceless_run_is_split_and_formulas_kept():
    raw = "∗InSeptember2024,theU.S.DepartmentofEnergy(DOE)launchedthe\"Closed−LoopCriticalMaterialRecyclingProgram,\"awarding38 million for NdFeB."
    r = repair(raw)
    for piece in ("In September 2024", "the U.S. Department of Energy (DOE) launched the",
                  "Closed-Loop Critical Material Recycling Program", "NdFeB"):
        assert piece in r.text, piece


def test_odd_characters_are_normalised_one_to_one():
    raw = "∗Price −5％ ＄12 China’s\u200bdata\u00a0here"
    t = normalize_chars(raw)
    assert len(t) == len(raw)
    assert t == "*Price -5% $12 China's data here"


def test_terminal_colour_codes_are_blanked_whole():
    raw = "\x1b[1;31mExports\x1b[0m rose 5% to 300 tons.\x1b[0m\x1b[K"
    t = normalize_chars(raw)
    assert len(t) == len(raw) and "[" not in t and "0m" not in t
    r = rei.extract(raw, published="2025-10-01")
    assert [(e.label, e.text) for e in r.entities] == [("PERCENT", "5%"), ("QUANTITY", "300 tons")]


def test_to_raw_maps_back_exactly():
    raw = "Corporate Performance SurgeZhenghai Magnetic Materials (300224.SZ): revenue"
    r = repair(raw)
    s = r.text.index("Zhenghai")
    e = r.text.index("Materials") + len("Materials")
    rs, re_ = r.to_raw(s, e)
    assert raw[rs:re_] == "Zhenghai Magnetic Materials"


def test_offsets_hold_on_every_corpus_article(corpus_texts, corpus_results):
    n = 0
    for res in corpus_results:
        raw = corpus_texts[res.doc_id]
        for e in res.entities:
            assert raw[e.start:e.end] == e.text, (res.doc_id, e)
            n += 1
        for f in res.facts:
            assert raw[f.start:f.end] == f.text
            for e in f.entities:
                assert raw[e.start:e.end] == e.text
    assert n > 400


_alphabet = string.ascii_letters + string.digits + " ,.;:%$¥€()-/\n'\"" + "∗−’—\u00a0\u200b新材料"
_words = st.sampled_from([
    "Export Dynamics", "September", "Volume:", "5,774 tons", "down 6.1%", "month-on-month", "¥1.916 billion",
    "Q3", "Jan-Sep", "MOFCOM", "Ministry of Commerce", "(MOFCOM)", "NdFeB", "N52SH", "tariffs", "U.S.",
    "Lynas Rare Earths", "(ASX: LYC)", "RMB 580,000-600,000/ton", "by 2030", "the first quarter",
    "Critical Raw Materials Act", "(CRMA)", "Announcement No. 62/2025", "praseodymium-neodymium",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_words, st.text(_alphabet, max_size=12)), max_size=30),
       st.lists(st.sampled_from(["", " ", "\n", ""]), min_size=30, max_size=30))
def test_offsets_hold_on_generated_text(parts, seps):
    raw = "".join(p + s for p, s in zip(parts, seps))
    res = rei.extract(raw, published="2025-10-21")
    for e in res.entities:
        assert raw[e.start:e.end] == e.text
        assert e.start < e.end
    for f in res.facts:
        assert raw[f.start:f.end] == f.text


@settings(max_examples=200, deadline=None)
@given(st.text(_alphabet, max_size=200))
def test_repair_map_is_monotone_and_exact(raw):
    r = repair(raw)
    assert r.text.replace(" ", "").replace("\n", "") == normalize_chars(raw).replace(" ", "").replace("\n", "")
    prev = 0
    for i in range(len(r.text) + 1):
        j = r.raw_offset(i)
        assert prev <= j <= len(raw)
        prev = j


def test_runs_of_spaces_change_nothing_but_offsets(corpus_texts, corpus_results):
    """Scraped pages double spaces (and leave zero-width spaces beside them): the same article
    with every space doubled gives the same entities and facts (and fact ids), with the spaces
    in their raw text."""

    for (name, text), res in zip(corpus_texts.items(), corpus_results):
        spaced = text.replace(" ", "  \u200b")
        got = rei.extract(spaced, published=res.published, doc_id=name)
        for e in got.entities:
            assert spaced[e.start:e.end] == e.text
        squeeze = lambda s: re.sub(r"[ \u200b]+", " ", s)  # noqa: E731
        want = [(e.label, e.text, e.value) for e in res.entities]
        have = [(e.label, squeeze(e.text), e.value) for e in got.entities]
        assert have == want, name
        assert [(f.fact_id, squeeze(f.text)) for f in got.facts] == [(f.fact_id, f.text) for f in res.facts]


def test_acronym_glued_to_a_word_in_a_spaceless_run():
    """The capital joins the acronym only when the rest reads clearly likelier without it."""
    text = ("Vulcanwonincentivesunderthe CHIPSandScienceActlastyear. Itisnowan"
            "ASXlistedcompanywithMPMaterialsasapartnerwhilePrairiesCanandNRCanhadalreadycommittedfunds.")
    rep = repair(text).text
    assert "CHIPS and Science Act" in rep
    assert "ASX listed company" in rep
    assert "MP Materials" in rep and "NR Can had" in rep


def test_odd_casing_after_an_article_is_a_name_not_a_glued_heading():
    rep = repair("The Commission adopted the RESourceEU Action Plan on Wednesday.").text
    assert "the RESourceEU Action Plan" in rep
    # a heading glued to its sentence is still cut
    assert repair("Export DynamicsSeptember Volume: 5,774 tons").text == "Export Dynamics\nSeptember Volume: 5,774 tons"
    assert "\n" in repair("Market OutlookThe price rose").text


def _normalize_by_every_character(raw: str) -> str:
    """The plain definition: every character past U+2000 but CJK ideographs, by its NFKC form
    where that is one other character (after the one-to-one table)."""
    import unicodedata

    from rare_earth_ie.repair import _SUBST

    out = []
    for ch in raw.translate(str.maketrans(_SUBST)):
        if ord(ch) > 0x2000 and not ("\u3400" <= ch <= "\u9fff"):
            n = unicodedata.normalize("NFKC", ch)
            ch = n if len(n) == 1 else ch
        out.append(ch)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1b"), max_size=60))
def test_compat_characters_found_by_one_pass_match_the_plain_definition(raw):
    assert normalize_chars(raw) == _normalize_by_every_character(raw)


def test_compat_characters_examples():
    assert normalize_chars("５,７７４ tons ﬁne 稀土") == "5,774 tons ﬁne 稀土"  # ligature expands: kept
    assert normalize_chars("Ｎｄ２Ｏ３") == "Nd2O3"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(__import__("rare_earth_ie.repair", fromlist=["_SUBST"])._SUBST)
                                        + list("ab 5\n")), max_size=60))
def test_the_substitutions_found_by_one_class_are_those_of_the_table(raw):
    from rare_earth_ie.repair import _SUBST, _TO_SUBST, _subst

    assert _TO_SUBST.sub(_subst, raw) == raw.translate(str.maketrans(_SUBST))


# --- the glue rules scanned one pass per first character -------------------------------------

GLUED = st.lists(st.sampled_from(
    ["Dynamics", "September", "EVs", "On", "U.S.", "Department", "Results", "10", "2024", "the", "Terbium", "N52SH",
     "Price", "(DOE)", "launched", '"', "'", ":", ",", ".", ";", "March3,", "新材料", "earth", "base", "—", "4.4",
     "DivergenceUS", " ", "\n", "a", "A", "5"]), max_size=16).map("".join)


@settings(max_examples=400, deadline=None)
@given(GLUED)
def test_the_glue_scans_mark_what_the_rules_mark_one_by_one(text):
    from rare_earth_ie.repair import _GLUE_RULES, _glue_points

    points = {}
    for rx, sep, where in _GLUE_RULES:  # as the rules were first applied, one pass each
        for m in rx.finditer(text):
            pos = m.start() if where == "start" else m.end()
            if sep == "\n" or pos not in points:
                points[pos] = sep
    assert _glue_points(text) == points


def test_rules_that_share_a_first_character_are_one_scan():
    from rare_earth_ie.repair import _GLUE_RULES, _GLUE_SCANS

    assert sorted(m[0] for _rx, members in _GLUE_SCANS for m in members) == list(range(len(_GLUE_RULES)))
    assert len(_GLUE_SCANS) < len(_GLUE_RULES)
    capitals = next(members for rx, members in _GLUE_SCANS if rx.pattern.startswith("[A-Z]"))
    assert len(capitals) >= 4


# --- the word splitter: wordninja's split, with a table of word endings --------------------------

def _wordninja_words(n: int) -> list[str]:
    import wordninja

    return [w for w in list(wordninja.DEFAULT_LANGUAGE_MODEL._wordcost)[:n] if w.isalpha()]


_WORDS = _wordninja_words(5000)
# runs as a page that lost its spaces has them: real words glued, capitals here and there, and
# letters that make no word (the splitter's ties and its single letters)
GLUED = st.lists(st.sampled_from(_WORDS) | st.text(alphabet="abcdefghijklmnopqrstuvwxyzQXZ", min_size=1, max_size=12),
                 min_size=1, max_size=10).map("".join) | st.text(alphabet="aAeEiIstTxXyYzZ", max_size=70)


@settings(max_examples=400, deadline=None)
@given(GLUED, st.booleans())
def test_the_word_splitter_splits_as_wordninja_does(run, title):
    import wordninja

    from rare_earth_ie.repair import _WordSplitter

    run = run.title() if title else run
    splitter = _WordSplitter(wordninja.DEFAULT_LANGUAGE_MODEL, table_after=0)
    assert splitter.split(run) == wordninja.split(run)


def test_the_word_splitter_leaves_other_text_and_short_runs_to_wordninja():
    import wordninja

    from rare_earth_ie.repair import _WordSplitter

    splitter = _WordSplitter(wordninja.DEFAULT_LANGUAGE_MODEL, table_after=30)
    for text in ("it'sraining", "the2025outlook", "exportsrose"):  # an apostrophe, digits; 11 letters
        assert splitter.split(text) == wordninja.split(text)
    assert splitter.masks is None  # 11 letters so far: no table yet
    assert splitter.split("rareearthmagnetexportsfellsharply") == ["rare", "earth", "magnet", "exports", "fell", "sharply"]
    assert splitter.masks is not None  # past 30 letters the table is made, and used from then on
    assert splitter.split("Praseodymiumoxideprices") == wordninja.split("Praseodymiumoxideprices")
