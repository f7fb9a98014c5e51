"""The scorer itself, and the accuracy the README promises on the gold sets."""
import pytest

from rare_earth_ie.frontends.evaluate import bcubed, evaluate, iou, match, value_matches
from rare_earth_ie.models import CanonicalFact, Mention

from .conftest import CORPUS


def test_iou_and_one_to_one_matching():
    assert iou((0, 10), (5, 10)) == 0.5 and iou((0, 4), (4, 8)) == 0.0
    gold = [{"label": "ORG", "start": 0, "end": 10}, {"label": "ORG", "start": 20, "end": 30}]
    pred = [{"label": "ORG", "start": 0, "end": 8}, {"label": "ORG", "start": 1, "end": 10},
            {"label": "GPE", "start": 20, "end": 30}]
    # both predictions overlap gold 0; only the better one (IoU 0.9 > 0.8) is matched
    assert match(gold, pred) == [(0, 1)]


def test_value_comparison_uses_gold_fields_only():
    assert value_matches({"amount": 1.916e9, "currency": "CNY"}, {"amount": 1916000000.0, "currency": "CNY", "per": None})[0]
    ok, diff = value_matches({"direction": "up"}, {"direction": None})
    assert not ok and diff == {"direction": ("up", None)}


def _fact(fid, spans):
    return CanonicalFact(fact_id=fid, text="x", entities=[], support=len(spans),
                         mentions=[Mention(doc_id=d, start=s, end=e, text="x") for d, s, e in spans])


def test_bcubed():
    gold = [[{"doc_id": "a", "start": 0, "end": 10}, {"doc_id": "b", "start": 0, "end": 10}],
            [{"doc_id": "a", "start": 20, "end": 30}]]
    perfect = [_fact("1", [("a", 0, 10), ("b", 0, 10)]), _fact("2", [("a", 20, 30)])]
    assert bcubed(gold, perfect)["f1"] == 1.0
    merged = [_fact("1", [("a", 0, 10), ("b", 0, 10), ("a", 20, 30)])]
    r = bcubed(gold, merged)
    assert r["recall"] == 1.0 and r["precision"] < 1.0 and r["merged_predicted_clusters"] == 1


@pytest.fixture(scope="module")
def corpus_report():
    return evaluate(CORPUS / "gold")


@pytest.mark.parametrize("label", ["PERCENT", "MONEY", "QUANTITY", "DATE"])
def test_numbers_and_dates_on_corpus_gold(corpus_report, label):
    s = corpus_report.labels[label]
    assert s.f1 >= 0.97 and s.value_accuracy >= 0.97, s.to_json()


@pytest.mark.parametrize("label,target", [("ORG", 0.93), ("POLICY", 0.88), ("MATERIAL", 0.93), ("GPE", 0.93)])
def test_names_on_corpus_gold(corpus_report, label, target):
    assert corpus_report.labels[label].f1 >= target, corpus_report.labels[label].to_json()


def test_dedup_on_corpus_clusters(corpus_report):
    d = corpus_report.dedup
    assert d["f1"] >= 0.97 and d["merged_predicted_clusters"] == 0, d


@pytest.fixture(scope="module")
def dev_report():
    return evaluate(CORPUS / "dev")


def test_dev_set_is_in_place_and_scored(dev_report):
    """corpus/dev: 40 articles written by others (1,920 entities, 308 clusters), scored like ours."""
    assert sum(s.gold for s in dev_report.labels.values()) == 1920
    assert dev_report.dedup["gold_clusters"] == 308


def test_evaluate_compares_every_bundled_set(monkeypatch):
    from typer.testing import CliRunner

    from rare_earth_ie.frontends.cli import app
    from rare_earth_ie.frontends.evaluate import bundled_sets

    assert [d.name for d in bundled_sets(CORPUS)] == ["gold", "heldout", "dev"]
    monkeypatch.chdir(CORPUS.parent)
    res = CliRunner().invoke(app, ["evaluate"])
    assert res.exit_code == 0, res.output
    head, sub, *rows = res.stdout.splitlines()
    assert head.split() == ["label", "gold", "heldout", "dev"]
    assert [r.split()[0] for r in rows[:9]] == ["PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY",
                                                "MATERIAL", "GPE", "ALL"]
