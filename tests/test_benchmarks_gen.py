"""The synthetic dump generator of benchmarks/gen_dump.py: deterministic, and its truth is exact."""
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import gen_dump

from rare_earth_ie.frontends.evaluate import bcubed
from rare_earth_ie.models import CanonicalFact, Mention


@pytest.fixture(scope="module")
def dump():
    return gen_dump.generate(1500, seed=3)


def test_deterministic_and_sized(dump):
    articles, truth = dump
    again, truth2 = gen_dump.generate(1500, seed=3)
    assert articles == again and truth == truth2
    other, _ = gen_dump.generate(1500, seed=4)
    assert other != articles
    n = sum(len(c) for c in truth["clusters"])
    assert 1500 <= n < 1600
    assert len(truth["clusters"]) == len(truth["statements"])


def test_spans_are_copies_of_their_statement(dump):
    articles, truth = dump
    text = {a["id"]: a["text"] for a in articles}
    kinds = set()
    for cluster, st in zip(truth["clusters"], truth["statements"]):
        full = st["text"]
        for sp in cluster:
            piece = text[sp["doc_id"]][sp["start"]:sp["end"]]
            kinds.add(sp["kind"])
            kind = sp["kind"].removeprefix("body_")
            if kind in ("full", "repeat", "glued", "glued_first", "suffix"):
                assert piece == full
            elif kind in ("cut", "cut_number", "suffix_cut"):
                assert full.startswith(piece) and len(piece) < len(full)
            elif kind == "recased":
                assert piece == full.upper()
            elif kind == "repunct":
                assert gen_dump.fold(piece) == gen_dump.fold(full) and piece != full
            else:
                nospace = re.sub(r"\s+", "", full)
                assert nospace.startswith(piece)
                assert kind == "spaceless_cut" or piece == nospace
            assert gen_dump.FACT_CUE.search(full)
            if kind in gen_dump.CUT_KINDS:
                assert gen_dump.FACT_CUE.search(piece)
            if kind == "cut_number":  # cut between two digits of a number
                rest = full[len(piece):]
                assert piece[-1].isdigit() and (rest[0].isdigit() or rest[:2][-1:].isdigit())
    assert kinds >= {"full", "repeat", "glued", "glued_first", "cut", "cut_number", "suffix", "suffix_cut",
                     "recased", "repunct", "spaceless", "spaceless_cut"}


def test_template_lines_of_other_months_are_other_statements(dump):
    """The same words dated only by their pages, in two months' reports, are two statements."""
    _, truth = dump
    by_text = {}
    for st in truth["statements"]:
        if st["page"]:
            by_text.setdefault(st["text"], set()).add(st["page"])
    assert any(len(pages) > 1 for pages in by_text.values())


def test_pages_look_scraped(dump):
    articles, _ = dump
    body = "\n".join(a["text"] for a in articles)
    assert re.search(r"[a-z]{3}[A-Z][a-z]", body)                 # a heading glued to its sentence
    assert any(len(ln) > 100 and " " not in ln.lstrip("∗") for ln in body.split("\n"))   # spaces lost
    assert all(a["text"].split("\n")[0].endswith(a["published"]) or a["published"] in a["text"].split("\n")[0]
               for a in articles)
    assert all(set(a) == {"id", "text", "published"} for a in articles)


def test_template_siblings_exist(dump):
    _, truth = dump
    by_template = {}
    for st in truth["statements"]:
        by_template.setdefault(tuple(st["template"]), []).append(st)
    assert max(len(v) for v in by_template.values()) >= 5
    assert {st["sibling"] for st in truth["statements"]} >= {"number", "org", None}
    texts = [st["text"] for st in truth["statements"]]
    assert any(re.search(r"(Materials|Rare Earths|Mining Co\., Ltd\.|Magnetics)", t) for t in texts)


def test_truth_scores_itself_perfectly(dump):
    _, truth = dump
    canon = [CanonicalFact(fact_id=str(i), text=st["text"], entities=[], support=len(c),
                           mentions=[Mention(doc_id=sp["doc_id"], start=sp["start"], end=sp["end"], text="")
                                     for sp in c])
             for i, (c, st) in enumerate(zip(truth["clusters"], truth["statements"]))]
    s = bcubed(truth["clusters"], canon)
    assert s["f1"] == 1.0 and s["merged_predicted_clusters"] == 0
    one = [CanonicalFact(fact_id="x", text="", entities=[], support=0,
                         mentions=[m for c in canon for m in c.mentions])]
    assert bcubed(truth["clusters"], one)["precision"] < 0.1


def test_write_dump_streams_jsonl(tmp_path):
    stats = gen_dump.write_dump(tmp_path / "d.jsonl.gz", tmp_path / "t.json", 400, seed=1)
    rows = list(gen_dump.read_dump(tmp_path / "d.jsonl.gz"))
    assert len(rows) == stats["articles"]
    truth = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert sum(len(c) for c in truth["clusters"]) == stats["spans"]
