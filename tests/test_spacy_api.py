"""The pipeline as spaCy users meet it: ``doc.ents``, ``doc.spans``, ``add_to`` an existing
pipeline after a statistical ``ner``, and saving/loading with ``nlp.to_disk``/``spacy.load``."""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Span

from rare_earth_ie import build_nlp
from rare_earth_ie import add_to
from rare_earth_ie.extract.recognizers.base import SPANS_KEY

TEXT = ("John Smith of Lynas said on 3 March 2025 that output rose 12% to 5,000 tons of NdPr "
        "under the 25% tariff.")


@Language.component("fake_person_ner")
def fake_person_ner(doc):
    """Stands in for a statistical ``ner``: a PERSON, and an ORG on a span ours also finds."""
    ents = [Span(doc, 0, 2, label="PERSON")] if doc[:2].text == "John Smith" else []
    ents += [Span(doc, t.i, t.i + 1, label="FIRM") for t in doc if t.text == "Lynas"]
    doc.ents = ents
    return doc


def _no_overlap(spans):
    spans = sorted(spans, key=lambda s: s.start)
    return all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_build_nlp_fills_ents_and_spans_with_values():
    doc = build_nlp()(TEXT)
    by_text = {s.text: s for s in doc.spans[SPANS_KEY]}
    assert by_text["12%"].label_ == "PERCENT" and by_text["12%"]._.value["direction"] == "up"
    assert by_text["5,000 tons"]._.value["unit"] == "t"
    assert by_text["3 March 2025"]._.value["start"] == "2025-03-03"
    # doc.spans may overlap (a percentage inside a tariff); doc.ents never does
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("5,000 tons", "QUANTITY") in ents and ("NdPr", "MATERIAL") in ents
    assert ("25% tariff", "POLICY") in ents and ("25%", "PERCENT") not in ents
    assert ("25%", "PERCENT") in {(s.text, s.label_) for s in doc.spans[SPANS_KEY]}
    assert _no_overlap(doc.ents)
    assert len(doc.spans[SPANS_KEY]) >= len(doc.ents)
    assert doc._.rei_facts, "facts are on the Doc too"


def test_add_to_after_ner_keeps_its_entities():
    nlp = spacy.blank("en")
    nlp.add_pipe("fake_person_ner", name="ner")
    add_to(nlp, after="ner")
    assert nlp.pipe_names[0] == "ner" and nlp.pipe_names[-1] == "rei_facts"
    doc = nlp(TEXT)
    ents = {(e.text, e.label_) for e in doc.ents}
    # the upstream entities stay, ours fill the gaps and never overlap them
    assert ("John Smith", "PERSON") in ents and ("Lynas", "FIRM") in ents
    assert ("Lynas", "ORG") not in ents
    assert ("12%", "PERCENT") in ents and ("3 March 2025", "DATE") in ents
    assert _no_overlap(doc.ents)
    # everything of ours is in doc.spans, the ORG too
    assert ("Lynas", "ORG") in {(s.text, s.label_) for s in doc.spans[SPANS_KEY]}


def test_add_to_with_before_keeps_order_and_pipe_streams():
    nlp = spacy.blank("en")
    nlp.add_pipe("fake_person_ner", name="ner")
    add_to(nlp, before="ner")
    assert nlp.pipe_names[-1] == "ner"
    assert nlp.pipe_names[:7] == ["rei_numbers", "rei_dates", "rei_materials", "rei_ruler",
                                  "rei_names", "rei_resolve", "rei_facts"]
    docs = list(nlp.pipe([TEXT, "Prices fell 3% m/m."]))
    (pct,) = docs[1].spans[SPANS_KEY]
    assert (pct.text, pct._.value) == ("3%", {"value": 3.0, "direction": "down", "basis": "MoM"})


def test_saved_pipeline_loads_and_gives_the_same_entities(tmp_path):
    nlp = build_nlp()
    nlp.to_disk(tmp_path / "model")
    again = spacy.load(tmp_path / "model")
    assert again.pipe_names == nlp.pipe_names

    def key(doc):
        return [(s.start_char, s.end_char, s.label_, s._.value) for s in doc.spans[SPANS_KEY]]
    assert key(again(TEXT)) == key(nlp(TEXT))


def test_spans_false_leaves_spacys_views_alone_and_finds_the_same_entities():
    """The batch extractor reads doc._.rei_entities only and builds without the Span views."""
    with_spans, without = build_nlp(), build_nlp(spans=False)
    a, b = with_spans(TEXT), without(TEXT)
    assert SPANS_KEY not in b.spans and not b.ents
    assert [(e.start, e.end, e.label, e.value) for e in b._.rei_entities] == \
        [(e.start, e.end, e.label, e.value) for e in a._.rei_entities]
    assert {(s.start_char, s.end_char, s.label_) for s in a.spans[SPANS_KEY]} == \
        {(e.start, e.end, e.label) for e in a._.rei_entities}


def _state(doc):
    return ([(e.label, e.start, e.end, e.value) for e in doc._.rei_entities],
            [{k: v for k, v in f.items() if k != "entities"} for f in doc._.rei_facts],
            [(s.start_char, s.end_char, s.label_, s._.value) for s in doc.spans[SPANS_KEY]],
            doc._.rei_repair.text, doc._.rei_repair.to_raw(0, len(doc.text)))


GLUED = ("Export DynamicsSeptember Volume: 5,774 tons, up 12% year on year. Lynas said prices of NdPr "
         "oxide rose to $60/kg under  Announcement No. 61 of 2025.")


def test_a_doc_travels_as_bytes_with_its_entities_facts_and_offset_map():
    """doc.to_bytes and DocBin(store_user_data=True) carry our extensions (srsly learns our types);
    the recognizers' scratch is not carried."""
    from spacy.tokens import Doc, DocBin

    nlp = build_nlp()
    doc = nlp(GLUED)
    assert doc._.rei_repair.text != GLUED  # the heading was split: the map is not the identity
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert _state(again) == _state(doc)
    assert not any("scratch" in str(k) or "triggers" in str(k) for k in again.user_data)
    db = DocBin(store_user_data=True)
    db.add(doc)
    (loaded,) = DocBin(store_user_data=True).from_bytes(db.to_bytes()).get_docs(nlp.vocab)
    assert [(e.label, e.start, e.end, e.value) for e in loaded._.rei_entities] == _state(doc)[0]


def test_nlp_pipe_on_two_processes_gives_what_one_gives():
    nlp = build_nlp()
    texts = [GLUED, TEXT, "Prices fell 3% m/m."]
    one = [_state(d) for d in nlp.pipe(texts)]
    two = [_state(d) for d in nlp.pipe(texts, n_process=2)]
    assert two == one


def test_without_the_resolver_a_doc_still_travels_and_its_scratch_goes_with_it():
    """The recognizers' shared scratch is kept beside the doc, never in it."""
    import gc

    from spacy.tokens import Doc

    from rare_earth_ie.extract.recognizers import base

    nlp = build_nlp()
    with nlp.select_pipes(disable=["rei_resolve", "rei_facts"]):
        doc = nlp(GLUED)
    assert doc in base._SCRATCH  # the names ran and left their trigger words
    Doc(nlp.vocab).from_bytes(doc.to_bytes())
    del doc
    gc.collect()
    assert not any(d.text == GLUED for d in base._SCRATCH.keys())
