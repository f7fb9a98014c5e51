import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="session")
def corpus_results(corpus_texts):
    import rare_earth_ie as rei

    from rare_earth_ie.read import find_published

    items = [{"doc_id": k, "text": v, "published": find_published(v)[0]} for k, v in corpus_texts.items()]
    return list(rei.extract_many(items))


def load_gold(name: str):
    d = CORPUS / name
    docs = [json.loads(line) for line in open(d / "docs.jsonl", encoding="utf-8")]
    gold = {json.loads(line)["doc_id"]: json.loads(line)["entities"] for line in open(d / "gold.jsonl", encoding="utf-8")}
    return docs, gold
