"""The one schema: pydantic models for articles, entities, facts and canonical facts.

Field names follow docs/spec/RECORDS.md; extra fields are allowed by the contract and kept
to a minimum here.
"""
from __future__ import annotations

from typing import Any, Literal, Optional, SupportsIndex, Union, overload

from pydantic import BaseModel, ConfigDict, Field

Label = Literal["PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY", "MATERIAL", "GPE"]
LABELS: tuple[str, ...] = ("PERCENT", "MONEY", "QUANTITY", "DATE", "ORG", "POLICY", "MATERIAL", "GPE")
#: labels that make a sentence a fact
FACT_LABELS = frozenset({"PERCENT", "MONEY", "QUANTITY", "POLICY"})

#: the keys of ``Entity.value`` per label (docs/spec/RECORDS.md); docs/records.md is generated
#: from this table and the models below (tools/gen_records_doc.py), and a test checks that the
#: pipeline emits no key missing here
VALUE_FIELDS: dict[str, dict[str, str]] = {
    "PERCENT": {"value": "the number (`6.1` for `6.1%`)",
                "direction": "`up`, `down` or null",
                "basis": "`MoM`, `YoY`, `QoQ` or null",
                "value_max": "the high end of a range (`7` in `5-7%`); present only on ranges"},
    "MONEY": {"amount": "the amount (the low end of a range)",
              "amount_max": "the high end of a range, or null",
              "currency": "ISO 4217 code (`CNY`, `USD`, ...)",
              "per": "unit symbol of a price per unit (`t`, `kg`), or null"},
    "QUANTITY": {"value": "the number (the low end of a range)",
                 "value_max": "the high end of a range, or null",
                 "unit": "normalised unit (`t`, `kg`, `t/yr`, `MGOe`, `GW`, ...); masses in tonnes "
                         "(`45 kt` is 45000 `t`, `12 ktpa` 12000 `t/yr`)"},
    "DATE": {"start": "first day, ISO date; null when the article has no publish date to place a date "
                      "without a year, a weekday or a relative date (`September`, `on Friday`, `last month`)",
             "end": "last day, ISO date; null where `start` is",
             "grain": "`day`, `month`, `quarter`, `half` or `year` (kept also where `start` and `end` are null)"},
    "ORG": {"name": "canonical name", "aliases": "other names of the organisation",
            "ticker": "exchange ticker (`300224.SZ`) or null",
            "country": "for a known government body, the code of its country or bloc (optional)"},
    "POLICY": {"name": "canonical name",
               "kind": "`law`, `announcement`, `programme`, `tariff`, `export_control`, `mandate`, "
                       "`plan` or `other`",
               "jurisdiction": "country or bloc code (`CN`, `US`, `EU`, ...) or null",
               "ref": "reference number (`No. 62/2025`) or null"},
    "MATERIAL": {"name": "canonical name",
                 "symbol": "element or alloy system (`Dy`, `DyFe`, `PrNd`, `NdFeB`)"},
    "GPE": {"name": "canonical name", "code": "country or bloc code; a city carries its country's"},
}


class Article(BaseModel):
    """One input article; ``text`` is the raw text exactly as read."""

    model_config = ConfigDict(frozen=True)

    doc_id: str = Field(description="stable id: file stem, or the `id` field of a JSONL dump line")
    text: str = Field(description="the raw article text, exactly as read")
    published: Optional[str] = Field(default=None,
                                     description="ISO publish date; the reference for relative dates")
    source: Optional[str] = Field(default=None, description="site name, URL or file path")


class Entity(BaseModel):
    """One mention; ``start``/``end`` index the raw article text."""

    label: Label = Field(description="the entity type")
    text: str = Field(description="the mention, exactly `raw[start:end]`")
    start: int = Field(description="character offset into the raw article text")
    end: int = Field(description="character offset into the raw article text (exclusive)")
    value: dict[str, Any] = Field(default_factory=dict, description="the normalised value; its keys "
                                  "depend on the label (see below)")


class Fact(BaseModel):
    """A sentence or clause of one article carrying a PERCENT, MONEY, QUANTITY or POLICY."""

    fact_id: str = Field(description="stable hash of the normalised text and the period it refers to "
                         "(none for a teaser dated only by its page)")
    doc_id: str = Field(description="the article it is in")
    text: str = Field(description="the sentence or clause, exactly `raw[start:end]`")
    start: int = Field(description="character offset into the raw article text")
    end: int = Field(description="character offset into the raw article text (exclusive)")
    entities: list[Entity] = Field(description="the entities inside it")
    subject: Optional[str] = Field(default=None, description="what the statement is about: the normalised "
                                   "name of an organisation, place or material, else a commodity phrase "
                                   "(`rare earth magnets`); never a heading or a label")
    subject_type: Optional[Literal["ORG", "GPE", "MATERIAL"]] = Field(
        default=None, description="the entity label of `subject`; null for a commodity phrase")
    metric: Optional[str] = Field(default=None, description="what is measured, from the vocabulary of "
                                  "`patterns/facts.json` (`price`, `export volume`, `revenue`, ...; see Metrics)")
    value: Optional[dict[str, Any]] = Field(default=None, description="the entity that states the metric's "
                                            "value: its `label`, `text` and normalised value (amount or "
                                            "value, unit, currency, per)")
    change: Optional[dict[str, Any]] = Field(default=None, description="a percentage change stated with it: "
                                             "`{value, direction, basis}`")
    period: Optional[dict[str, Any]] = Field(default=None, description="the time it refers to, "
                                             "`{start, end, grain}` like a DATE value")
    period_source: Optional[Literal["text", "heading", "published"]] = Field(
        default=None, description="where `period` came from")
    teaser: bool = Field(default=False, description="a copy of a statement of another page: on a line cut "
                         "off, ending in `...` or `Read more`, or in a block of related stories; its "
                         "page's publish date is not its period")
    truncated: bool = Field(default=False, description="the text stops before the statement's end (cut "
                            "mid-word or with a teaser's tail); it may be the beginning of a longer copy")

    def _repr_html_(self) -> str:
        from .frontends.render import facts_table

        return facts_table([self])


class ArticleResult(BaseModel):
    """What :func:`rare_earth_ie.extract` returns for one article."""

    doc_id: str = Field(description="the article's id")
    published: Optional[str] = Field(default=None, description="ISO publish date")
    source: Optional[str] = Field(default=None, description="site name, URL or file path")
    entities: list[Entity] = Field(default_factory=list, description="every mention, in text order")
    facts: list[Fact] = Field(default_factory=list, description="every fact, in text order")
    #: the raw text is kept for rendering and dedup but not written to JSONL by default
    text: Optional[str] = Field(default=None, exclude=True, description="the raw text, kept in Python "
                                "for rendering and dedup")

    def _repr_html_(self) -> str:
        """In a notebook: the text with its entities highlighted, then the facts table."""
        from .frontends.render import article_html

        return article_html(self)


class Mention(BaseModel):
    """Where a canonical fact was seen."""

    doc_id: str = Field(description="the article")
    start: int = Field(description="character offset into that article's raw text")
    end: int = Field(description="character offset into that article's raw text (exclusive)")
    text: str = Field(description="the copy as it appears there")


class CanonicalFact(BaseModel):
    """One statement after deduplication, with every place it was seen."""

    fact_id: str = Field(description="stable hash of the canonical text and its `period_key`")
    text: str = Field(description="the most complete version seen")
    entities: list[Entity] = Field(description="the entities of that version (offsets into its article)")
    mentions: list[Mention] = Field(description="every place the statement was seen")
    support: int = Field(description="the number of mentions")
    subject: Optional[str] = Field(default=None, description="what the statement is about (see Fact)")
    subject_type: Optional[Literal["ORG", "GPE", "MATERIAL"]] = Field(
        default=None, description="the entity label of `subject`; null for a commodity phrase")
    metric: Optional[str] = Field(default=None, description="what is measured (see Metrics)")
    value: Optional[dict[str, Any]] = Field(default=None, description="the entity that states the value "
                                            "(see Fact)")
    change: Optional[dict[str, Any]] = Field(default=None, description="a percentage change stated with it")
    period: Optional[dict[str, Any]] = Field(default=None, description="the time it refers to, "
                                             "`{start, end, grain}`")
    period_source: Optional[Literal["text", "heading", "published"]] = Field(
        default=None, description="where `period` came from")
    period_key: str = Field(default="", description="the period that keeps this statement apart from the "
                            "same words in a report of another period (`start..end`); empty when no copy "
                            "was dated but by the page it was copied to")
    truncated: bool = Field(default=False, description="every copy seen was cut before the statement's end")

    def _repr_html_(self) -> str:
        from .frontends.render import facts_table

        return facts_table([self])


class FactList(list):
    """A plain ``list`` of facts (what :func:`rare_earth_ie.deduplicate` returns) that a notebook
    shows as a table; it compares, slices and serialises like a list."""

    @overload
    def __getitem__(self, i: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> "FactList": ...

    def __getitem__(self, i: Union[SupportsIndex, slice]) -> Any:
        item = super().__getitem__(i)
        return FactList(item) if isinstance(i, slice) else item

    def _repr_html_(self) -> str:
        from .frontends.render import facts_table

        return facts_table(self)

    def to_dataframe(self):
        """One row per fact (needs pandas: ``pip install 'rare-earth-ie[pandas]'``)."""
        from .frontends.frame import to_dataframe

        return to_dataframe(self)
