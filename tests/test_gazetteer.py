"""The gazetteer: the same matches as spaCy's PhraseMatcher (and the same spans as the SpanRuler
it replaced), with the names' tokens cached on disk so that a start does not tokenize them again."""
import json

import spacy
from spacy.matcher import PhraseMatcher
from spacy.pipeline import SpanRuler

from rare_earth_ie.extract import get_extractor
from rare_earth_ie.extract.gazetteer import Gazetteer, cached_tokens
from rare_earth_ie.extract.pipeline import ruler_patterns
from rare_earth_ie.extract.recognizers.base import RULER_KEY

ROWS = [{"label": "ORG", "pattern": "Lynas Rare Earths", "id": "Lynas"}, {"label": "ORG", "pattern": "Lynas", "id": "Lynas"},
        {"label": "GPE", "pattern": "Rare Earths", "id": "x"}, {"label": "GPE", "pattern": "U.S.", "id": "US"},
        {"label": "ORG", "pattern": "MP Materials", "id": "MP"}, {"label": "GPE", "pattern": "China", "id": "CN"}]
TEXT = "Lynas Rare Earths and MP Materials sold to the U.S. and China; lynas rare earths, LYNAS. Lynas Rare Earths."


def _tokenize(nlp):
    return lambda texts: [[t.text for t in nlp.make_doc(x)] for x in texts]


def test_matches_equal_a_phrase_matcher_on_orth_and_lower(tmp_path, monkeypatch):
    monkeypatch.setenv("REI_CACHE_DIR", str(tmp_path))
    nlp = spacy.blank("en")
    doc = nlp(TEXT)
    for attr in ("ORTH", "LOWER"):
        pm = PhraseMatcher(nlp.vocab, attr=attr)
        for k, r in enumerate(ROWS):
            pm.add(str(k), [nlp.make_doc(r["pattern"])])
        want = sorted((int(nlp.vocab.strings[m]), s, e) for m, s, e in pm(doc))
        got = sorted(Gazetteer(ROWS, _tokenize(nlp), "test", attr=attr)(doc))
        assert got == want and got, attr


def test_spans_equal_the_span_ruler_on_the_corpus(corpus_texts, tmp_path, monkeypatch):
    monkeypatch.setenv("REI_CACHE_DIR", str(tmp_path))
    nlp = get_extractor().nlp
    ruler = SpanRuler(nlp, spans_key="ref", validate=False)
    with nlp.select_pipes(disable=nlp.pipe_names):
        ruler.add_patterns(ruler_patterns())
    for text in list(corpus_texts.values())[:3]:
        doc = nlp(text)
        ours = [(s.start, s.end, s.label_, s.id_) for s in doc.spans[RULER_KEY]]
        theirs = [(s.start, s.end, s.label_, s.id_) for s in ruler.match(doc)]
        assert ours == theirs and ours


def test_tokens_are_cached_and_a_broken_cache_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("REI_CACHE_DIR", str(tmp_path))
    calls = []

    def tokenize(texts):
        calls.append(len(texts))
        return [t.split() for t in texts]

    texts = ["Lynas Rare Earths", "MP Materials"]
    assert cached_tokens(texts, tokenize, "t1") == [["Lynas", "Rare", "Earths"], ["MP", "Materials"]]
    assert cached_tokens(texts, tokenize, "t1") == [["Lynas", "Rare", "Earths"], ["MP", "Materials"]]
    assert calls == [2]  # the second start read them back
    cached_tokens(texts, tokenize, "t2")  # another tokenizer: its own entry
    assert calls == [2, 2]
    assert all(isinstance(json.loads(p.read_text()), list) for p in tmp_path.iterdir())  # JSON, no pickle
    for p in tmp_path.iterdir():
        p.write_text("{not json")
    assert cached_tokens(texts, tokenize, "t1") == [["Lynas", "Rare", "Earths"], ["MP", "Materials"]]
    assert calls == [2, 2, 2]
    monkeypatch.setenv("REI_CACHE_DIR", "")  # no cache at all
    cached_tokens(texts, tokenize, "t1")
    assert calls == [2, 2, 2, 2]
