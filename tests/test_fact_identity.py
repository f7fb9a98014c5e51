"""Issue 15: the identity of a statement (one test per trap kind of an adversarial dump), and the
record an analyst reads (subject, metric, value, period). Sentences written for these tests."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

import rare_earth_ie as rei
from rare_earth_ie.dedup import Deduplicator, deduplicate
from rare_earth_ie.dedup.core import fold, merge, variant_key
from rare_earth_ie.facts.identity import ends_open, normalise_text, strip_teaser_tail

# a statement dated by its own words (whole copies on later pages are the same statement)
SOURCE = ("Korvath Magnetics said its Ilmen plant shipped 2,480 tonnes of sintered magnets in the "
          "third quarter of 2025, up 14.2% on the previous quarter, at an average of $61.75/kg.")
# a statement with no date of its own: its period is its page's month
PLAIN = "Spot neodymium oxide traded at $88.40/kg as buyers returned after the holiday lull."


def pages(*items):
    """Extract pages given as (text, published)."""
    return list(rei.extract_many([{"doc_id": f"p{i}", "text": t, "published": p}
                                  for i, (t, p) in enumerate(items)]))


def clusters(*items):
    """Canonical facts of the pages, as sets of doc_ids."""
    return sorted(sorted({m.doc_id for m in c.mentions}) for c in deduplicate(pages(*items)))


def source_and(copy, source=SOURCE, published="2025-11-03", copy_published="2025-12-15"):
    """The source page and a later page carrying ``copy`` among other text."""
    body = "Market wrap\nGallium prices were steady at $595/kg on thin trade.\n"
    return clusters((f"Weekly notes\n{source}\n", published), (body + copy + "\n", copy_published))


def joined(result):
    return ["p0", "p1"] in result


# --- template lines and periods ----------------------------------------------------------------


def test_template_line_in_reports_of_two_months_is_two_facts():
    first = clusters((f"Desk note\n{PLAIN}\n", "2025-10-02"), (f"Desk note\n{PLAIN}\n", "2025-11-06"))
    assert first == [["p0"], ["p1"]]
    same_month = clusters((f"Desk note\n{PLAIN}\n", "2025-10-02"), (f"Desk note\n{PLAIN}\n", "2025-10-20"))
    assert same_month == [["p0", "p1"]]


def test_template_line_under_two_dated_headings_is_two_facts():
    line = "Holmium Oxide: CNY 512,000/t (flat)"
    res = clusters((f"Prices on Nov 4\n{line}\n", "2025-11-14"), (f"Prices on Nov 11\n{line}\n", "2025-11-14"))
    assert res == [["p0"], ["p1"]]


def test_page_period_of_a_plain_statement():
    f = pages((f"Desk note\n{PLAIN}\n", "2025-10-02"))[0].facts[0]
    assert f.period_source == "published" and f.period["start"] == "2025-10-01" and not f.teaser
    assert variant_key(f)[1] == "2025-10-01..2025-10-31"


# --- teasers of a statement published on other pages join it -------------------------------------


def test_teaser_cut_mid_word_on_a_later_page_joins():
    cut = SOURCE.index("previous") + 4  # "... up 14.2% on the prev"
    copy = SOURCE[:cut]
    assert copy[-1].isalpha() and SOURCE[cut].isalpha()
    assert joined(source_and(copy))


def test_teaser_cut_inside_a_number_joins_on_its_digits():
    cut = SOURCE.index("61.75") + 3  # "$61."
    assert joined(source_and(SOURCE[:cut]))
    cut = SOURCE.index("2,480") + 3  # "2,4"
    res = source_and(SOURCE[:cut] + " and more text that makes the line longer than its cut")
    assert not joined(res)  # that is not a cut: other words follow the digits


def test_cut_teaser_that_begins_two_statements_joins_neither():
    other = SOURCE.replace("$61.75/kg", "$61.20/kg")
    cut = SOURCE.index("61.75") + 3
    res = clusters((f"Notes\n{SOURCE}\n", "2025-11-03"), (f"Notes\n{other}\n", "2025-11-05"),
                   (f"Wrap\n{SOURCE[:cut]}\n", "2025-12-01"))
    assert ["p2"] in res and ["p0"] in res and ["p1"] in res


def test_copy_with_ellipsis_or_read_more_joins():
    for tail in ("...", "…", " Read more", "... Read more »"):
        assert joined(source_and(SOURCE[:100] + tail)), tail
        assert joined(source_and(SOURCE + tail)), tail


def test_recased_copy_in_a_related_block_joins():
    assert joined(source_and("Related:\n" + SOURCE.upper()))


def test_repunctuated_copy_joins():
    copy = SOURCE.replace(",", "").replace("14.2%", "14.2 %").replace("$61.75/kg", "$61.75 / kg")
    assert normalise_text(copy) == normalise_text(SOURCE)
    assert joined(source_and("See also\n" + copy))


def test_copy_glued_to_a_heading_joins():
    assert joined(source_and("Magnet MakersKorvath" + SOURCE[len("Korvath"):]))
    # a label glued to the entry before it is cut apart
    facts = pages(("Oxides, Nov 4Holmium oxide: 512,000 yuan/t, flatErbium oxide: 301,000 yuan/t, up\n",
                   "2025-11-06"))[0].facts
    assert [f.text for f in facts] == ["Holmium oxide: 512,000 yuan/t, flat", "Erbium oxide: 301,000 yuan/t, up"]
    assert all(f.period_source == "heading" and f.period["start"] == "2025-11-04" for f in facts)


def test_despaced_copy_joins_also_glued_to_a_heading():
    despaced = SOURCE.replace(" ", "")
    assert joined(source_and(despaced))
    assert joined(source_and("Plant Update" + despaced))


def test_whole_republication_in_another_months_page_text_is_the_pages_statement():
    # the same words, whole, in the page's own text of another month: another report's line
    assert not joined(source_and(PLAIN, source=PLAIN))
    # in a block of related stories it is a teaser of the source
    assert joined(source_and("More news\n" + PLAIN, source=PLAIN))


def test_whole_teaser_of_words_two_months_state_joins_neither():
    res = clusters((f"Note\n{PLAIN}\n", "2025-10-02"), (f"Note\n{PLAIN}\n", "2025-11-06"),
                   (f"Related:\n{PLAIN}\n", "2025-12-01"))
    assert res == [["p0"], ["p1"], ["p2"]]


# --- the pieces ------------------------------------------------------------------------------------


def test_teaser_marks_and_open_ends():
    assert strip_teaser_tail("Output rose 4%... Read more »") == ("Output rose 4%", True)
    assert strip_teaser_tail("Output rose 4%.") == ("Output rose 4%.", False)
    assert ends_open("Output rose 4% to 1,2") and ends_open("prices averaged $61.")
    assert not ends_open("Output rose 4% to 1,200 t.") and not ends_open("Erbium Oxide: CNY 301,000/t")
    assert normalise_text("Price: ¥5/kg") != normalise_text("Price: $5/kg")


def test_cut_lines_and_related_blocks_make_teasers():
    text = ("Own story\nKorvath output rose 6% to 910 tonnes in the month.\n"
            "More news\nHalwick revenue climbed 9% to $40 million on higher volumes and\n"
            "Dravon said it shipped 120 tonnes of oxide to Europe.\n")
    facts = pages((text, "2025-11-20"))[0].facts
    flags = [(f.teaser, f.truncated) for f in facts]
    assert flags == [(False, False), (True, True), (True, False)]


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.randoms(use_true_random=False))
def test_fold_in_parts_then_merge_is_one_fold(nparts, rnd: random.Random):
    """The fold step of every engine: folding a dump's facts in parts (partitions, spilled
    batches) and merging the variants of each key gives the variants of one fold."""
    facts = [f for r in pages((f"A\n{SOURCE}\n{PLAIN}\n", "2025-11-03"), (f"B\n{SOURCE}\n", "2025-11-04"),
                              (f"C\n{SOURCE[:110]}\n{PLAIN}\n", "2025-12-04")) for f in r.facts]
    facts = facts * 2
    rnd.shuffle(facts)
    one: dict = {}
    for n, f in enumerate(facts):
        fold(one, f, seq=n)
    parts: list[dict] = [{} for _ in range(nparts)]
    bounds = sorted(rnd.sample(range(1, len(facts)), nparts - 1)) if nparts > 1 else []
    for n, f in enumerate(facts):
        fold(parts[sum(n >= b for b in bounds)], f, seq=n)
    keys = {k for p in parts for k in p}
    assert keys == set(one)
    for k in keys:
        m = merge([p[k] for p in parts if k in p])
        v = one[k]
        assert (m.fact, m.rank, m.truncated, m.open, m.page_dated, m.count) == \
               (v.fact, v.rank, v.truncated, v.open, v.page_dated, v.count)
        assert sorted(m.mentions) == sorted(v.mentions)


def test_memory_and_disk_engines_agree_on_traps():
    res = pages((f"A\n{SOURCE}\n{PLAIN}\n", "2025-11-03"), (f"B\nRelated:\n{SOURCE.upper()}\n", "2025-12-04"),
                (f"C\n{SOURCE[:110]}\n{PLAIN}\n", "2025-12-05"), (f"D\n{PLAIN}...\n", "2025-12-06"))
    expected = [c.model_dump() for c in deduplicate(res)]
    d = Deduplicator(spill_after=0)
    for r in res:
        d.add(r)
    assert [c.model_dump() for c in d.iter_finish()] == expected


# --- what a fact says ------------------------------------------------------------------------------


def record(text, published="2025-11-12"):
    return pages((text, published))[0].facts[-1]


def test_subject_is_the_organisation_that_owns_the_metric():
    f = record("Lynas Rare Earths said net profit fell 40% to A$12 million.")
    assert (f.subject, f.subject_type, f.metric) == ("Lynas Rare Earths", "ORG", "net profit")
    assert f.value["amount"] == 12_000_000 and f.value["currency"] == "AUD"
    assert f.change == {"value": 40.0, "direction": "down", "basis": None}


def test_label_naming_a_material_gives_subject_and_price():
    f = record("Prices\nDysprosium Oxide: CNY 1,640,000/t (unchanged)")
    assert (f.subject, f.subject_type, f.metric) == ("dysprosium oxide", "MATERIAL", "price")
    assert (f.value["amount"], f.value["currency"], f.value["per"]) == (1_640_000, "CNY", "t")


def test_heading_and_label_feed_metric_and_period_never_the_subject():
    f = record("Import Statistics\nOctober Volume: 3,200 tons, up 4% month-on-month")
    assert f.subject is None
    assert f.metric == "import volume" and f.value["value"] == 3200 and f.value["unit"] == "t"
    assert f.period["start"] == "2025-10-01" and f.period_source == "text"


def test_exporter_not_destination_is_the_subject():
    f = record("China's exports of rare earth magnets rose 8% to 5,000 tonnes in August.")
    assert (f.subject, f.metric, f.value["value"]) == ("China", "export volume", 5000)
    f = record("Exports of NdFeB magnets to Japan rose 5% to 300 tonnes.")
    assert f.subject_type == "MATERIAL" and f.subject != "Japan" and f.metric == "export volume"


def test_commodity_phrase_when_no_entity_names_the_subject():
    f = record("Rare earth concentrate prices rose 3% to 27,000 yuan/ton.")
    assert (f.subject, f.subject_type, f.metric) == ("rare earth concentrate", None, "price")


def test_metric_follows_the_value_stated():
    f = record("Cumulative net profit for the nine months was ¥230 million, up 18% year-on-year.")
    assert f.metric == "net profit" and f.value["amount"] == 230_000_000
    f = record("The nickel levy rose from 2.5% to 4% this year.")
    assert f.value["value"] == 4


def test_entity_of_a_later_clause_is_not_the_subject():
    f = record("Customs data showed exports of sintered magnets rose 9% to 1,900 tonnes, easing Japan's worries.")
    assert (f.subject, f.metric) == ("sintered magnets", "export volume")
