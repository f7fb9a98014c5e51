"""The article header: its publish date and the metadata fields around it.

Scraped pages open with a header (``Publish Time: 2025-10-21 Views: 2 Author: Site Editor``):
:func:`find_published` reads the publish date from it, :func:`header_fields` where each metadata
field's value lies (those values are never article content), and :func:`header_zones` the same
fields in the repaired text of a processed doc (once per doc: the resolver and the facts
component both ask).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Optional

from ..patterns import led


# --- publish date from the article's own header ------------------------------------------------

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_VALUE = (
    r"(?P<iso>(?:19|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?!\d)"
    rf"|(?P<dmy>(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?:19|20)\d\d)"
    rf"|(?P<mdy>{_MONTH}\s+(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)"
)
# "Publish Time: 2025-10-21", "Release time:2025-04-21", "Posted on: 12 March 2025", "Date: ..."
_HEADER_DATE = re.compile(
    r"(?i:(?:publish(?:ed)?|release[d]?|post(?:ed)?|updated?|date)(?:\s*(?:time|date|on|at))?)"
    rf"\s*[:：]?\s*(?:{_DATE_VALUE})"
)
# a line that starts with a timestamp: "2025-07-03 10:21 Source: ..."
_LEADING_DATE = re.compile(
    r"^[ \t]*(?P<iso>(?:19|20)\d\d[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9]))(?=[\sT])", re.M
)
# header fields whose values are metadata, never article content
_HEADER_FIELD = led(re.compile(
    r"(?i)\b(?P<name>views?|author|publish(?:ed)?\s*(?:time|date|on)?|release[d]?\s*(?:time|date)?|"
    r"origin|source|editor|posted(?:\s*on)?|hits|clicks|updated?|date|tags?|category|categories|by)\s*[:：]"
))
HEADER_CHARS = 1500  # a header sits near the top; never scan a whole 20 MB article for one


@dataclass(frozen=True)
class HeaderField:
    name: str
    start: int  # of the value
    end: int


@lru_cache(maxsize=4096)
def parse_date_text(s: str) -> Optional[str]:
    import dateparser

    d = dateparser.parse(s, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    return d.date().isoformat() if d else None


def _iso(m: re.Match) -> Optional[str]:
    if m.group("iso"):
        y, mo, d = (int(x) for x in re.split(r"[-/.]", m.group("iso")))
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            return None
    text = m.group("dmy") or m.group("mdy")
    return parse_date_text(text) if text else None


def find_published(text: str) -> tuple[Optional[str], Optional[tuple[int, int]]]:
    """The publish date an article states in its header, and the span of the date."""
    head = text[:HEADER_CHARS]
    for rx in (_HEADER_DATE, _LEADING_DATE):
        for m in rx.finditer(head):
            iso = _iso(m)
            if iso:
                g = next(k for k in ("iso", "dmy", "mdy") if k in m.groupdict() and m.group(k))
                return iso, (m.start(g), m.end(g))
    return None, None


def header_fields(text: str) -> list[HeaderField]:
    """Metadata fields of the header lines (``Views: 2 Author: Site Editor ...``).

    A line counts as a header line when it holds a publish field or at least two fields; each
    field's value runs to the next field or the end of the line.
    """
    fields: list[HeaderField] = []
    head = text[:HEADER_CHARS]
    pos = 0
    for line in head.splitlines(keepends=True):
        if ":" not in line and "：" not in line:  # every field ends in a colon: most lines have none
            pos += len(line)
            continue
        ms = list(_HEADER_FIELD.finditer(line))
        is_header = len(ms) >= 2 or any(
            re.match(r"(?i)publish|release|posted", m.group("name")) for m in ms
        ) or (len(ms) == 1 and ms[0].start() == 0 and len(line.strip()) < 80)
        if is_header:
            for i, m in enumerate(ms):
                end = ms[i + 1].start() if i + 1 < len(ms) else len(line.rstrip("\r\n"))
                name = re.sub(r"\s+", " ", m.group("name").lower())
                fields.append(HeaderField(name, pos + m.end(), pos + end))
        pos += len(line)
    return fields


def header_zones(doc) -> list[tuple[str, int, int]]:
    """Header metadata fields of a doc of our pipeline in repaired coordinates: (field name,
    start, end); computed once per doc (the resolver and the facts component both ask)."""
    cached = doc.user_data.get("rei_header_zones")
    if cached is not None:
        return cached
    rep = doc._.rei_repair
    raw = rep.raw if rep else doc.text
    out = []
    for f in header_fields(raw):
        s, e = (rep.rep_pos(f.start), rep.rep_pos(f.end)) if rep else (f.start, f.end)
        out.append((f.name, s, e))
    doc.user_data["rei_header_zones"] = out
    return out
