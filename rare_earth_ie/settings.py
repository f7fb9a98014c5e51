"""Sizes and thresholds of a run, in one validated object (like dateparser's settings).

    from rare_earth_ie.settings import Settings
    s = Settings(max_doc_chars=50_000_000)

Every size has one name and one meaning; the command line's options set the same fields.
"""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: articles handed to the pipeline (or to a worker process) at a time
    batch_size: int = Field(64, ge=1, description="articles per batch")
    #: docs per ``nlp.pipe`` batch: our components work doc by doc, and a batch of 100 kB pieces
    #: of one long article would all be held at once
    spacy_batch: int = Field(8, ge=1, description="docs per spaCy batch")
    #: a long article is processed in pieces of at most this many characters, cut at line ends
    #: (well under spaCy's max_length; offsets still index the whole text)
    chunk_chars: int = Field(100_000, ge=1000, description="longest piece of an article processed at once")
    #: characters processed outside spaCy's memory zones first, to fill the tokenizer's cache of
    #: common words (which spaCy does not fill inside a zone)
    warm_chars: int = Field(5_000_000, ge=0, description="characters processed before memory zones")
    #: dedup moves its state to a temporary SQLite file past about this many mentions
    spill_after: int = Field(200_000, ge=1, description="mentions held in memory by dedup")
    #: the longest JSONL line read; a longer one (a gzip that inflates to one huge line) is
    #: reported as a failure naming its file and line and skipped without holding it in memory
    max_line_bytes: int = Field(32 * 1024 * 1024, ge=1, description="longest JSONL line read, in bytes")
    #: the longest article extracted (extraction needs ~100 bytes of memory per character)
    max_doc_chars: int = Field(25_000_000, ge=1, description="longest article extracted, in characters")
    #: a folder of edited pattern files; the files it lacks come from the installed patterns
    patterns_dir: Optional[str] = Field(None, description="folder of edited pattern files")


DEFAULT = Settings()
