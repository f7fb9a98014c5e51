"""The one schema: pydantic models for articles, entities, facts and canonical facts.

Field names follow docs/spec/RECORDS.md; extra fields are allowed by the contract and kept
to a minimum here.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Label = Literal["PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY", "MATERIAL", "GPE"]
LABELS: tuple[str, ...] = ("PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY", "MATERIAL", "GPE")
#: labels that make a sentence a fact
FACT_LABELS = frozenset({"PERCENT", "MONEY", "QUANTITY", "POLICY"})


class Article(BaseModel):
    """One input article; ``text`` is the raw text exactly as read."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    text: str
    published: Optional[str] = None
    source: Optional[str] = None


class Entity(BaseModel):
    """One mention; ``start``/``end`` index the raw article text."""

    label: Label
    text: str
    start: int
    end: int
    value: dict[str, Any] = Field(default_factory=dict)


class Fact(BaseModel):
    """A sentence or clause of one article carrying a PERCENT, MONEY, QUANTITY or POLICY."""

    fact_id: str
    doc_id: str
    text: str
    start: int
    end: int
    entities: list[Entity]
    subject: Optional[str] = None
    metric: Optional[str] = None
    period: Optional[dict[str, Any]] = None
    period_source: Optional[Literal["text", "heading", "published"]] = None


class ArticleResult(BaseModel):
    """What :func:`rare_earth_ie.extract` returns for one article."""

    doc_id: str
    published: Optional[str] = None
    source: Optional[str] = None
    entities: list[Entity] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    #: the raw text is kept for rendering and dedup but not written to JSONL by default
    text: Optional[str] = Field(default=None, exclude=True)


class Mention(BaseModel):
    """Where a canonical fact was seen."""

    doc_id: str
    start: int
    end: int
    text: str


class CanonicalFact(BaseModel):
    """One statement after deduplication, with every place it was seen."""

    fact_id: str
    text: str
    entities: list[Entity]
    mentions: list[Mention]
    support: int
    subject: Optional[str] = None
    metric: Optional[str] = None
    period: Optional[dict[str, Any]] = None
    period_source: Optional[Literal["text", "heading", "published"]] = None
