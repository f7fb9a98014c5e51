"""HTML for people: an article with its entities highlighted, and tables of facts.

The highlighting follows the "span" style of spaCy's displaCy (a coloured bar under each
entity, its label on the bar's first word, overlapping entities on bars one below the other),
drawn from our raw character offsets, so the text shown is exactly the raw text. Every piece of
text is HTML-escaped: an article that contains markup shows the markup, never runs it.

The markup uses inline styles only, so the same snippet works in a notebook
(``ArticleResult._repr_html_``, ``FactList._repr_html_``) and in the report.
"""
from __future__ import annotations

import html
import re
from typing import Any, Iterable, Optional, Sequence, Union

from ..models import LABELS, ArticleResult, CanonicalFact, Entity, Fact

#: one colour per label (light enough for black text on it)
LABEL_COLORS: dict[str, str] = {
    "PERCENT": "#ffb347",
    "MONEY": "#8fd16a",
    "QUANTITY": "#6ec1ea",
    "DATE": "#c9a9ec",
    "ORG": "#ff9bae",
    "POLICY": "#f2d94e",
    "MATERIAL": "#4fd1c5",
    "GPE": "#d9b38c",
}
DEFAULT_COLOR = "#dddddd"

# geometry of displaCy's span renderer (pixels)
_TOP = 40          # the first bar, under the text
_LABEL_SPACE = 20  # room for the label under the last bar
_STEP = 17         # between stacked bars

_PIECES = re.compile(r"\S+[^\S\n]*|\s+")
_NUMERIC = ("MONEY", "QUANTITY", "PERCENT")


def esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def color(label: str) -> str:
    return LABEL_COLORS.get(label, DEFAULT_COLOR)


# --- values as short text ----------------------------------------------------------------------

def _num(x: Any) -> str:
    if x is None:
        return "?"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{f:,.0f}" if f.is_integer() else f"{f:,.6g}" if abs(f) >= 1e6 else f"{f:,.4g}"


def format_period(period: Optional[dict]) -> str:
    """``{"start": "2025-09-01", "end": "2025-09-30", "grain": "month"}`` -> ``2025-09``."""
    if not period:
        return ""
    start, end, grain = period.get("start") or "", period.get("end") or "", period.get("grain")

    def one(d: str, last: bool) -> str:
        if len(d) < 10:
            return d
        y, m = d[:4], int(d[5:7])
        if grain == "year":
            return y
        if grain == "half":
            return f"{y}-H{1 if m <= 6 else 2}"
        if grain == "quarter":
            return f"{y}-Q{(m - 1) // 3 + 1}"
        if grain == "month":
            return d[:7]
        return d

    a, b = one(start, False), one(end, True)
    return a if a == b or not b else f"{a}–{b}" if a else b


def format_value(e: Entity) -> str:
    """A short reading of an entity's normalised value: ``CNY 1,510,000/t``, ``-6.1% MoM``."""
    v = e.value or {}
    if e.label == "PERCENT":
        sign = {"up": "+", "down": "−"}.get(v.get("direction") or "", "")
        return f"{sign}{_num(v.get('value'))}%" + (f" {v['basis']}" if v.get("basis") else "")
    if e.label == "MONEY":
        amt = _num(v.get("amount")) + (f"–{_num(v['amount_max'])}" if v.get("amount_max") is not None else "")
        return f"{v.get('currency') or ''} {amt}".strip() + (f"/{v['per']}" if v.get("per") else "")
    if e.label == "QUANTITY":
        amt = _num(v.get("value")) + (f"–{_num(v['value_max'])}" if v.get("value_max") is not None else "")
        return f"{amt} {v.get('unit') or ''}".strip()
    if e.label == "DATE":
        return format_period(v) or e.text
    name = v.get("name") or e.text
    extra = v.get("symbol") or v.get("code") or v.get("ticker") or v.get("kind")
    return f"{name} ({extra})" if extra else str(name)


def _tooltip(e: Entity) -> str:
    return f"{e.label}: {format_value(e)}"


# --- highlighted text --------------------------------------------------------------------------

def _slots(entities: Sequence[Entity]) -> list[int]:
    """A bar level per entity: the lowest level free of every overlapping entity."""
    order = sorted(range(len(entities)), key=lambda i: (entities[i].start, -entities[i].end))
    slots = [0] * len(entities)
    active: list[int] = []
    for i in order:
        e = entities[i]
        active = [j for j in active if entities[j].end > e.start]
        used = {slots[j] for j in active}
        s = 0
        while s in used:
            s += 1
        slots[i] = s
        active.append(i)
    return slots


def highlight(text: str, entities: Iterable[Entity]) -> str:
    """The raw ``text`` as HTML with every entity underlined in its label's colour.

    Entities may overlap (across labels); offsets outside the text are ignored.
    """
    ents = [e for e in entities if 0 <= e.start < e.end <= len(text)]
    slots = _slots(ents)
    bounds = sorted({0, len(text)} | {e.start for e in ents} | {e.end for e in ents})
    out = ['<div class="rei-text" style="line-height:2.5;white-space:pre-wrap;'
           'overflow-wrap:anywhere;font-family:inherit">']
    for a, b in zip(bounds, bounds[1:]):
        seg = text[a:b]
        cover = [(slots[i], e) for i, e in enumerate(ents) if e.start <= a and b <= e.end]
        if not cover:
            out.append(esc(seg))
            continue
        cover.sort(key=lambda x: x[0])
        height = _TOP + _LABEL_SPACE + _STEP * max(s for s, _ in cover)
        title = esc("\n".join(_tooltip(e) for _, e in cover))
        pos = a
        for piece in _PIECES.findall(seg):
            p0, pos = pos, pos + len(piece)
            if not piece.strip():
                out.append(esc(piece))
                continue
            bars = []
            for s, e in cover:
                top = _TOP + _STEP * s
                start = e.start == p0
                radius = "border-top-left-radius:3px;border-bottom-left-radius:3px;" if start else ""
                bars.append(f'<span style="background:{color(e.label)};top:{top}px;height:4px;left:-1px;'
                            f'width:calc(100% + 2px);position:absolute;{radius}"></span>')
                if start:
                    bars.append(f'<span class="rei-label" style="background:{color(e.label)};z-index:10;'
                                f'color:#000;top:{top - 8}px;left:-1px;padding:2px 3px;position:absolute;'
                                f'font-size:0.6em;font-weight:bold;line-height:1;border-radius:3px;'
                                f'white-space:nowrap">{esc(e.label)}</span>')
            out.append(f'<span class="rei-ent" data-labels="{esc(" ".join(e.label for _, e in cover))}" '
                       f'title="{title}" style="font-weight:bold;display:inline-block;position:relative;'
                       f'height:{height}px">{esc(piece)}{"".join(bars)}</span>')
    out.append("</div>")
    return "".join(out)


def legend(labels: Iterable[str] = LABELS) -> str:
    return ('<div class="rei-legend" style="margin:0.3em 0">' + " ".join(
        f'<span style="background:{color(lb)};padding:1px 6px;border-radius:3px;font-size:0.8em;'
        f'font-weight:bold;color:#000">{esc(lb)}</span>' for lb in labels) + "</div>")


def chips(entities: Iterable[Entity], labels: Optional[Iterable[str]] = None) -> str:
    """Entities as small coloured chips: ``MONEY CNY 1,510,000/t``."""
    keep = set(labels) if labels is not None else None
    return " ".join(
        f'<span class="rei-chip" title="{esc(e.label + ": " + e.text)}" style="background:{color(e.label)};'
        f'padding:0 4px;margin:1px 0;border-radius:3px;display:inline-block;max-width:100%;color:#000;'
        f'font-size:0.85em;line-height:1.35">'
        f'<b style="font-size:0.75em">{esc(e.label)}</b> {esc(format_value(e))}</span>'
        for e in entities if keep is None or e.label in keep)


# --- tables ------------------------------------------------------------------------------------

_TABLE = 'style="border-collapse:collapse;text-align:left;font-size:0.9em;width:100%"'
_CELL = 'style="border-top:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left"'


def facts_table(facts: Sequence[Union[Fact, CanonicalFact]], max_rows: int = 60) -> str:
    """Facts (of one article) or canonical facts as an HTML table; long lists are cut after
    ``max_rows`` rows with a note, like pandas."""
    canonical = any(isinstance(f, CanonicalFact) for f in facts)
    cols = [("#", ""), *([("support", "")] if canonical else []), ("fact", "min-width:18em;max-width:40em"),
            ("subject", "min-width:6em"), ("metric", ""), ("period", "white-space:nowrap"),
            ("values", "min-width:16em"), *([("seen in", "font-size:0.85em")] if canonical else [])]
    rows = []
    for i, f in enumerate(facts[:max_rows] if max_rows else facts):
        cells = [str(i)]
        if canonical:
            cells.append(str(f.support) if isinstance(f, CanonicalFact) else "")
        cells += [esc(f.text), esc(f.subject), esc(f.metric),
                  esc(format_period(f.period)) + (f' <small style="color:#888">{esc(f.period_source)}</small>'
                                                  if f.period_source else ""),
                  chips(f.entities)]
        if canonical:
            docs = sorted({m.doc_id for m in f.mentions}) if isinstance(f, CanonicalFact) else [f.doc_id]
            cells.append("<br>".join(esc(d) for d in docs))
        tds = "".join(f'<td {_CELL[:-1]};{style}">{c}</td>' for c, (_, style) in zip(cells, cols))
        rows.append(f"<tr>{tds}</tr>")
    more = len(facts) - len(rows)
    note = f'<p style="color:#666">… {more} more fact(s) not shown</p>' if more > 0 else ""
    kind = "canonical facts" if canonical else "facts"
    return (f'<div class="rei-facts"><p><b>{len(facts)} {kind}</b></p><table {_TABLE}><thead><tr>'
            + "".join(f"<th {_CELL}>{h}</th>" for h, _ in cols)
            + "</tr></thead><tbody>" + "".join(rows) + f"</tbody></table>{note}</div>")


def article_header(r: ArticleResult) -> str:
    bits = [f"<b>{esc(r.doc_id)}</b>"]
    if r.published:
        bits.append(f"published {esc(r.published)}")
    if r.source:
        bits.append(esc(r.source))
    bits.append(f"{len(r.entities)} entities, {len(r.facts)} facts")
    return " · ".join(bits)


def article_html(r: ArticleResult, max_facts: int = 60) -> str:
    """An extracted article for a notebook: header, legend, highlighted text, facts table."""
    present = [lb for lb in LABELS if any(e.label == lb for e in r.entities)]
    if r.text is not None:
        body = highlight(r.text, r.entities)
    else:  # read back from JSONL: the raw text is not kept there
        body = ('<p style="color:#666">(the raw text is not kept in JSONL; entities only)</p>'
                + chips(r.entities))
    return (f'<div class="rei-article"><div>{article_header(r)}</div>{legend(present)}'
            f'{body}{facts_table(r.facts, max_rows=max_facts)}</div>')
