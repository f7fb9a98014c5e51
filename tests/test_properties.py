"""Property tests (hypothesis) of the whole pipeline.

* extraction never raises, whatever the text: every unicode category (lone surrogates and
  control characters included), the alphabet of scraped pages, headings glued to sentences,
  lines of the corpus cut and glued;
* every offset satisfies ``raw[start:end] == text``, for entities and facts;
* the output is deterministic, and independent of the batch size, of ``n_process`` and of the
  order of the input;
* deduplication is idempotent (deduplicating canonical facts again changes nothing) and
  independent of the order of its input.

Example counts are kept moderate so that the module runs in well under a minute.
"""
from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei
from rare_earth_ie.models import LABELS

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CORPUS_LINES = [
    line.strip()
    for p in sorted((ROOT / "corpus").glob("*.txt"))
    for line in p.read_text(encoding="utf-8").splitlines()
    if len(line.strip()) > 15
]

SCRAPED = (string.ascii_letters + string.digits + " ,.;:%$¥€£()-/\n'\"&+*#@|" +
           "∗−’“”—–\u00a0\u200b\u200f\u3000\ufeff新材料稀土，。％（）：")
FRAGMENTS = [
    "Export DynamicsSeptember Volume: 5,774 tons", "down 6.1% month-on-month", "¥1.916 billion",
    "Q3", "Jan-Sep", "H1 2025", "MOFCOM", "Ministry of Commerce (MOFCOM)", "NdFeB", "N52SH",
    "U.S.", "Lynas Rare Earths (ASX: LYC)", "RMB 580,000-600,000/ton", "by 2030", "the first quarter",
    "Critical Raw Materials Act (CRMA)", "Announcement No. 62/2025", "praseodymium-neodymium oxide",
    "Publish Time: 2025-10-21", "Views: 2 Author: Site Editor", "Price ReportSep 12", "+189.72% YoY",
    "$61.20/kg", "1.2 million tonnes", "50,000-ton/year", "12 ktpa", "Section 232 tariffs", "EVsOn October 7",
    "InSeptember2024,theU.S.DepartmentofEnergy(DOE)launched", "year-on-year.Jan-Sep", "3 March 2025",
    "May magnet exports slump", "the company said on 26 June that it will", "111 111 111", "$1-$1-$1",
]

unicode_text = st.text(st.characters(exclude_categories=()), max_size=30)  # every category, surrogates too
piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(CORPUS_LINES),
    st.text(SCRAPED, max_size=20),
    unicode_text,
    # a corpus line cut off mid-word, as teasers are
    st.tuples(st.sampled_from(CORPUS_LINES), st.integers(1, 200)).map(lambda t: t[0][:t[1]]),
)
separator = st.sampled_from(["", " ", "\n", "", ". ", "\n\n", "\u200b"])
texts = st.lists(st.tuples(piece, separator), max_size=14).map(lambda parts: "".join(p + s for p, s in parts))


def _check(raw: str, res) -> None:
    for e in res.entities:
        assert e.label in LABELS
        assert 0 <= e.start < e.end <= len(raw)
        assert raw[e.start:e.end] == e.text, e
    for f in res.facts:
        assert 0 <= f.start < f.end <= len(raw)
        assert raw[f.start:f.end] == f.text, f
        assert f.doc_id == res.doc_id
        for e in f.entities:
            assert raw[e.start:e.end] == e.text
            assert f.start <= e.start and e.end <= f.end


@settings(max_examples=300, **SETTINGS)
@given(texts, st.sampled_from([None, "2025-10-21", "2024-02-29"]))
def test_extraction_never_raises_and_offsets_hold(raw, published):
    res = rei.extract(raw, published=published)
    _check(raw, res)


@settings(max_examples=60, **SETTINGS)
@given(unicode_text.map(lambda t: t * 5))
def test_any_unicode_text(raw):
    _check(raw, rei.extract(raw))


def _as_read(raw: str) -> str:
    """A dict is read like a dump line: a lone surrogate (JSON's "\\ud800", no character, which
    UTF-8 output cannot hold) becomes U+FFFD, one for one, so the offsets still index it."""
    return re.sub("[\ud800-\udfff]", "\ufffd", raw)


def _items(raws: list[str]) -> list[dict]:
    return [{"doc_id": f"d{i}", "text": t, "published": "2025-10-21"} for i, t in enumerate(raws)]


def _dump(results) -> dict[str, dict]:
    return {r.doc_id: r.model_dump() for r in results}


@settings(max_examples=60, **SETTINGS)
@given(st.lists(texts, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_batch_size_and_order(raws, rnd):
    items = _items(raws)
    base = list(rei.extract_many(items, batch_size=64))
    assert [r.doc_id for r in base] == [i["doc_id"] for i in items]  # input order kept
    for r, raw in zip(base, raws):
        _check(_as_read(raw), r)
    again = _dump(rei.extract_many(items, batch_size=1))
    assert again == _dump(base)
    assert _dump(rei.extract_many(items, batch_size=4)) == again
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert _dump(rei.extract_many(shuffled, batch_size=3)) == again


@settings(max_examples=6, **SETTINGS)
@given(st.lists(texts, min_size=2, max_size=8))
def test_independent_of_n_process(raws):
    items = _items(raws)
    one = list(rei.extract_many(items, batch_size=2, n_process=1))
    two = list(rei.extract_many(items, batch_size=2, n_process=2))
    assert [r.model_dump() for r in two] == [r.model_dump() for r in one]


# --- deduplication ----------------------------------------------------------------------------


def _variant(line: str, how: str, cut: int) -> str:
    """A copy of a corpus line as scraped pages repeat it."""
    if how == "teaser":
        return line[: max(40, cut)]
    if how == "spaceless":
        return line.replace(" ", "")
    if how == "upper":
        return line.upper()
    return line


copies = st.tuples(st.sampled_from(CORPUS_LINES),
                   st.sampled_from(["same", "same", "teaser", "spaceless", "upper"]), st.integers(20, 300))
articles = st.lists(st.tuples(st.lists(copies, min_size=1, max_size=5), st.sampled_from(["\n", " ", ""])),
                    min_size=1, max_size=6)


def _results(arts):
    raws = [glue.join(_variant(*c) for c in lines) for lines, glue in arts]
    return list(rei.extract_many(_items(raws), batch_size=8))


def _facts_dump(facts) -> list[dict]:
    return [f.model_dump() for f in facts]


@settings(max_examples=100, **SETTINGS)
@given(articles, st.randoms(use_true_random=False))
def test_dedup_is_idempotent_and_independent_of_order(arts, rnd):
    results = _results(arts)
    once = rei.deduplicate(results)
    event(f"merged copies: {any(f.support > 1 for f in once)}")
    assert sum(f.support for f in once) == len({(m.doc_id, m.start, m.end) for f in once for m in f.mentions})
    assert _facts_dump(rei.deduplicate(once)) == _facts_dump(once)
    shuffled = results[:]
    rnd.shuffle(shuffled)
    assert _facts_dump(rei.deduplicate(shuffled)) == _facts_dump(once)
    facts = [f for r in results for f in r.facts]
    rnd.shuffle(facts)
    assert _facts_dump(rei.deduplicate(facts)) == _facts_dump(once)
    again = once[:]
    rnd.shuffle(again)
    assert _facts_dump(rei.deduplicate(again)) == _facts_dump(once)
