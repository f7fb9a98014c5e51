"""rare_earth_ie: clean, deduplicated facts from scraped rare-earth and critical-minerals news.

    import rare_earth_ie as rei
    result = rei.extract(text, published="2025-10-21")
    results = list(rei.extract_many(texts, batch_size=64, n_process=2))
    facts = rei.deduplicate(results)          # a list; shown as a table in a notebook
    df = rei.to_dataframe(facts)              # needs the [pandas] extra
    rei.ingest("dump.jsonl", "facts.sqlite")  # a fact store that grows, dump after dump
    prices = rei.series("facts.sqlite")       # observations over time (the [analysis] extra)
    rei.conflicts("facts.sqlite")             # where sources disagree
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Iterable, Union

from ._gc import gc_paused as _gc_paused

# importing spaCy, pydantic's models and our modules makes ~100,000 objects that live as long as
# the process (and few garbage cycles): the collector paused meanwhile does not rescan them over
# 200 times (a tenth of a second of every start)
with _gc_paused():
    from . import dedup as _dedup
    from .dedup import Deduplicator
    from .extract import Extractor, extract, extract_many
    from .frontends.frame import to_dataframe
    from .models import Article, ArticleResult, CanonicalFact, Entity, Fact, FactList, Mention
    from .extract.pipeline import add_to, build_nlp
    from .analysis import conflicts, series
    from .analysis.inputs import ingest
    from .store import Store
    from .read import ReadError, iter_articles

try:
    __version__ = version("rare-earth-ie")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"


def deduplicate(results: Iterable[Union[ArticleResult, Fact, CanonicalFact]]) -> FactList:
    """Merge every copy of a statement into one :class:`CanonicalFact` with its mentions.

    Returns a :class:`FactList`: a ``list`` of canonical facts that a notebook shows as a table.
    """
    return FactList(_dedup.deduplicate(results))


__all__ = [
    "Article", "ArticleResult", "CanonicalFact", "Deduplicator", "Entity", "Extractor", "Fact",
    "FactList", "Mention", "ReadError", "add_to", "build_nlp", "deduplicate", "extract", "extract_many",
    "Store", "conflicts", "ingest", "iter_articles", "series", "to_dataframe", "__version__",
]
