"""Facts and deduplication: copies merge, template siblings never do, ids are stable."""
import random

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei
from rare_earth_ie.dedup import deduplicate

FULL = ("On March 3, 2025, Velarion Minerals Corp said its Mount Rayne plant produced 1,240 tonnes of "
        "NdPr oxide in February, up 12.5% month-on-month, and that prices averaged $61.20/kg.")


def results(*texts, published="2025-03-10"):
    return list(rei.extract_many([{"doc_id": f"d{i}", "text": t, "published": published}
                                  for i, t in enumerate(texts)]))


def test_facts_split_glued_headings_and_label_lines():
    r = results("Price TrendsTerbium Metal: ¥8,250,000/ton (unchanged)\nNeodymium Metal: ¥697,500/ton (unchanged)")[0]
    assert [f.text for f in r.facts] == ["Terbium Metal: ¥8,250,000/ton (unchanged)",
                                         "Neodymium Metal: ¥697,500/ton (unchanged)"]
    # the label names the material: the subject is the material, the metric says price
    assert r.facts[0].metric == "price" and r.facts[0].subject == "terbium metal"
    assert r.facts[0].subject_type == "MATERIAL" and r.facts[0].value["amount"] == 8250000


def test_fact_period_from_text_heading_and_published():
    text = "Price Report Sep 12\nTerbium Metal: ¥8,250,000/ton.\nIn Q2 sales rose 5%.\nSales rose 3%."
    facts = results(text, published="2025-09-14")[0].facts
    by = {f.text: (f.period_source, f.period["start"]) for f in facts}
    assert by["Terbium Metal: ¥8,250,000/ton."] == ("heading", "2025-09-12")
    assert by["In Q2 sales rose 5%."] == ("text", "2025-04-01")


def test_copies_merge_whole_truncated_glued_and_spaceless():
    teaser = FULL[:130] + "\nOther news"
    glued = "Company NewsOn" + FULL[2:]
    spaceless = FULL.replace(" ", "")
    canon = deduplicate(results(FULL, teaser, glued, spaceless, FULL))
    big = max(canon, key=lambda c: c.support)
    assert big.support == 5
    assert big.text == FULL
    assert {m.doc_id for m in big.mentions} == {"d0", "d1", "d2", "d3", "d4"}


def test_template_siblings_stay_apart():
    a = "Neodymium Metal: ¥697,500/ton (unchanged)"
    b = "Terbium Metal: ¥8,250,000/ton (unchanged)"
    c = "Neodymium Metal: ¥702,000/ton (up)"
    d = "Price Report Sep 5\nNeodymium Metal: ¥697,500/ton (unchanged)"
    e = "Price Report Sep 12\nNeodymium Metal: ¥697,500/ton (unchanged)"
    canon = deduplicate(results(a, b, c, d, e, published="2025-09-20"))
    assert sorted(c.support for c in canon) == [1, 1, 1, 1, 1] or len(canon) == 4
    texts_periods = {(c.text, (c.period or {}).get("start"), c.period_source) for c in canon}
    assert ("Neodymium Metal: ¥697,500/ton (unchanged)", "2025-09-05", "heading") in texts_periods
    assert ("Neodymium Metal: ¥697,500/ton (unchanged)", "2025-09-12", "heading") in texts_periods
    assert all(c.support <= 2 for c in canon)


def test_fact_ids_stable_across_order():
    texts = [FULL, FULL[:140], "Terbium Metal: ¥8,250,000/ton (unchanged)"]
    a = {c.fact_id: c.support for c in deduplicate(results(*texts))}
    b = {c.fact_id: c.support for c in deduplicate(list(reversed(results(*texts))))}
    assert a == b


def test_dedup_is_idempotent(corpus_results):
    once = deduplicate(corpus_results)
    twice = deduplicate(once)
    assert [c.model_dump() for c in once] == [c.model_dump() for c in twice]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=40, max_value=len(FULL)), min_size=1, max_size=6),
       st.randoms(use_true_random=False))
def test_any_cut_of_a_statement_joins_it(cuts, rnd: random.Random):
    texts = [FULL] + [FULL[:c] for c in cuts]
    rnd.shuffle(texts)
    res = results(*texts)
    canon = deduplicate(res)
    top = max(canon, key=lambda c: c.support)
    # every copy that kept a number (and so is a fact) merges into the full statement
    assert top.text == FULL
    assert top.support == sum(1 for r in res if r.facts)
    assert len(canon) == 1


def test_disk_dedup_equals_in_memory(corpus_results):
    """The deduplicator that moves its state to SQLite gives the same canonical facts."""
    from rare_earth_ie.dedup import Deduplicator

    expected = [c.model_dump() for c in deduplicate(corpus_results)]
    for spill_after in (0, 40):
        d = Deduplicator(spill_after=spill_after)
        for r in corpus_results:
            d.add(r)
        assert d._disk is not None
        assert [c.model_dump() for c in d.iter_finish()] == expected
    # and canonical facts deduplicated again on disk change nothing
    d = Deduplicator(spill_after=0)
    for c in deduplicate(corpus_results):
        d.add(c)
    assert [c.model_dump() for c in d.iter_finish()] == expected


# --- reworded copies: the same statement in other words ------------------------------------------

REWORDED = [
    ("On March 3, 2025, Velarion Minerals Corp today reported a net loss of $15.6 million for the quarter, "
     "compared with a net loss of $1.9 million in the prior-year quarter.",
     "On March 3, 2025, Velarion Minerals Corp reported a net loss of $15.6 million for the quarter, "
     "versus a net loss of $1.9 million in the year-ago quarter."),
    ("Cash and cash equivalents totaled $257.6 million at March 31, the company said in its report.",
     "Cash and cash equivalents were $257.6 million as of March 31, the company said in its report."),
]
NOT_REWORDED = [
    # another word of meaning, a direction, another role of a figure, another digit
    ("China's rare earth exports rose 13.7% in February from January, customs data showed.",
     "China's rare earth imports rose 13.7% in February from January, customs data showed."),
    ("China's rare earth exports rose 13.7% in February from January, customs data showed.",
     "China's rare earth exports fell 13.7% in February from January, customs data showed."),
    ("China's rare earth exports rose 13.7% to 5,000 tons in February, customs data showed.",
     "China's rare earth exports rose 13.7% by 5,000 tons in February, customs data showed."),
    ("China's rare earth exports rose 13.7% in February from January, customs data showed.",
     "China's rare earth exports rose 13.8% in February from January, customs data showed."),
    # reordered: left apart
    ("Operating loss for the quarter ended February 28 was $15.9 million, the company said.",
     "The operating loss was $15.9 million for the quarter ended February 28, the company said."),
]


@pytest.mark.parametrize("a, b", REWORDED)
def test_reworded_copies_merge(a, b):
    (canon,) = deduplicate(results(a, b))
    assert canon.support == 2 and canon.text == a  # the longer copy speaks for both


@pytest.mark.parametrize("a, b", NOT_REWORDED)
def test_other_statements_in_like_words_stay_apart(a, b):
    assert len(deduplicate(results(a, b))) == 2


def test_reworded_needs_one_period():
    a = ("Velarion Minerals also reported output of 1,240 tonnes of NdPr oxide, compared with "
         "1,100 tonnes in the prior-year period.")
    b = ("Velarion Minerals reported output of 1,240 tonnes of NdPr oxide, versus "
         "1,100 tonnes in the year-ago period.")
    assert len(deduplicate(results(a, b))) == 1
    # each copy is dated by its page: March and June are two statements
    assert len(deduplicate(results(a) + results(b, published="2025-06-10"))) == 2


def test_reworded_on_disk_and_in_memory_agree():
    from rare_earth_ie.dedup import Deduplicator

    res = results(*[t for pair in REWORDED + NOT_REWORDED for t in pair])
    expected = [c.model_dump() for c in deduplicate(res)]
    d = Deduplicator(spill_after=0)
    for r in res:
        d.add(r)
    assert [c.model_dump() for c in d.iter_finish()] == expected
