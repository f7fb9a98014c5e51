"""rare_earth_ie: clean, deduplicated facts from scraped rare-earth and critical-minerals news.

    import rare_earth_ie as rei
    result = rei.extract(text, published="2025-10-21")
    results = list(rei.extract_many(texts, batch_size=64, n_process=2))
    facts = rei.deduplicate(results)
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .dedup import Deduplicator, deduplicate
from .extract import Extractor, extract, extract_many
from .models import Article, ArticleResult, CanonicalFact, Entity, Fact, Mention
from .pipeline import build_nlp
from .read import ReadError, iter_articles

try:
    __version__ = version("rare-earth-ie")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "Article", "ArticleResult", "CanonicalFact", "Deduplicator", "Entity", "Extractor", "Fact",
    "Mention", "ReadError", "build_nlp", "deduplicate", "extract", "extract_many", "iter_articles",
    "__version__",
]
