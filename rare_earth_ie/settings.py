"""Sizes and thresholds of a run, in one validated object (like dateparser's settings).

    from rare_earth_ie.settings import Settings
    s = Settings(max_doc_chars=50_000_000)

Every size has one name and one meaning; the command line's options set the same fields.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: the longest JSONL line read; a longer one (a gzip that inflates to one huge line) is
    #: reported as a failure naming its file and line and skipped without holding it in memory
    max_line_bytes: int = Field(32 * 1024 * 1024, ge=1, description="longest JSONL line read, in bytes")
    #: the longest article extracted (extraction needs ~100 bytes of memory per character)
    max_doc_chars: int = Field(25_000_000, ge=1, description="longest article extracted, in characters")


DEFAULT = Settings()
