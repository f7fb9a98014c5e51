"""A self-contained HTML report of a run (``pip install 'rare-earth-ie[report]'``).

One file that needs no network to view: inline CSS and a small inline script, charts drawn by
matplotlib (Agg backend) as inline SVG. It shows

* the canonical facts as a table that sorts (click a heading) and filters (type in the box);
* charts: prices per material over time (facts with metric ``price``, a MATERIAL, a MONEY and a
  period) and volumes per month (metric ``export volume``, ``import volume`` or ``volume``, a
  mass QUANTITY and a month);
* each article with its entities highlighted (:mod:`rare_earth_ie.render`).

Every text from an article goes through Jinja2's autoescaping or :func:`render.esc`, and a
Content-Security-Policy lets only the report's own script run (its hash), so markup inside an
article is shown, never run.

    from rare_earth_ie.report import build_report
    html = build_report(rei.extract_many(texts))
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from ..models import LABELS, ArticleResult, CanonicalFact
from .render import chips, color, esc, format_period, format_value, highlight, legend

REPORT_HINT = "the report needs the [report] extra: pip install 'rare-earth-ie[report]'"

#: mass units in tonnes (volumes are charted in tonnes)
TONNES = {"t": 1.0, "kt": 1e3, "Mt": 1e6, "kg": 1e-3, "g": 1e-6, "mg": 1e-9, "lb": 0.00045359237}
_FLOW = re.compile(r"\b(export|import)", re.I)
_VOLUMES = ("volume", "export volume", "import volume")
MAX_SERIES = 12        # price series drawn (those with most points)


def require() -> None:
    """Raise an ImportError naming the extra when Jinja2 or matplotlib is missing."""
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{REPORT_HINT} ({e.name} is not installed)") from e


# --- chart data --------------------------------------------------------------------------------

def _first(fact: CanonicalFact, label: str):
    return next((e for e in fact.entities if e.label == label), None)


def _day(s: Any) -> Optional[date]:
    try:
        return date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def _middle(period: dict) -> Optional[date]:
    a, b = _day(period.get("start")), _day(period.get("end"))
    if a is None:
        return None
    return a if b is None or b < a else date.fromordinal((a.toordinal() + b.toordinal()) // 2)


def price_points(facts: Iterable[CanonicalFact]) -> list[dict[str, Any]]:
    """One point per price fact with a MATERIAL, a MONEY and a period: the material, the date
    (middle of the period), the amount (low, high for a range) and its currency and unit."""
    out = []
    for f in facts:
        mat, money = _first(f, "MATERIAL"), _first(f, "MONEY")
        if f.metric != "price" or mat is None or money is None or not f.period:
            continue
        v = money.value or {}
        when = _middle(f.period)
        if v.get("amount") is None or when is None:
            continue
        name = str((mat.value or {}).get("name") or mat.text)
        lo = float(v["amount"])
        hi = float(v["amount_max"]) if v.get("amount_max") is not None else lo
        unit = (v.get("currency") or "?") + (f"/{v['per']}" if v.get("per") else "")
        out.append({"material": name[:1].upper() + name[1:], "symbol": (mat.value or {}).get("symbol"),
                    "date": when, "low": lo, "high": hi, "amount": (lo + hi) / 2, "unit": unit,
                    "fact_id": f.fact_id, "text": f.text})
    return sorted(out, key=lambda p: (p["material"], p["unit"], p["date"]))


def _flow(f: CanonicalFact) -> str:
    for s in (f.metric or "", f.text):
        m = _FLOW.search(s)
        if m:
            return m.group(1).lower() + "s"
    return "other"


def volume_points(facts: Iterable[CanonicalFact]) -> list[dict[str, Any]]:
    """One point per volume fact with a mass QUANTITY and a one-month period: the month, the
    tonnes (of the first QUANTITY) and the flow (``exports``, ``imports`` or ``other``)."""
    out = []
    for f in facts:
        q = _first(f, "QUANTITY")
        if f.metric not in _VOLUMES or q is None or not f.period or f.period.get("grain") != "month":
            continue
        v = q.value or {}
        start = _day(f.period.get("start"))
        if v.get("value") is None or v.get("unit") not in TONNES or start is None:
            continue
        out.append({"month": start.strftime("%Y-%m"), "tonnes": float(v["value"]) * TONNES[v["unit"]],
                    "flow": _flow(f), "fact_id": f.fact_id, "text": f.text})
    return sorted(out, key=lambda p: (p["month"], p["flow"]))


# --- charts ------------------------------------------------------------------------------------

def _figure(width: float = 6.4, height: float = 3.8):
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.tick_params(labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _svg(fig, salt: str) -> str:
    """The figure as inline SVG markup (text kept as text, deterministic ids)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return svg.replace("<svg ", f'<svg role="img" class="chart" aria-label="{esc(salt)}" ', 1)


def _palette(n: int) -> list[str]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _short(x: float) -> str:
    for div, suf in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suf}"
    return f"{x:.3g}"


def price_chart(facts: Iterable[CanonicalFact]) -> Optional[str]:
    """Prices per material over time, as inline SVG (None when no fact qualifies)."""
    points = price_points(facts)
    if not points:
        return None
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.ticker import FuncFormatter

    series: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in points:
        series[(p["material"], p["unit"])].append(p)
    # the series with most points, at most MAX_SERIES of them, in name order
    keep = sorted(sorted(series, key=lambda k: (-len(series[k]), k))[:MAX_SERIES])
    points = [p for k in keep for p in series[k]]
    ncols = min(len(keep), 3 if max(len(f"{m} ({u})") for m, u in keep) <= 24 else 2)
    fig, ax = _figure(height=3.2 + 0.19 * -(-len(keep) // ncols))
    palette = _palette(len(keep))
    for i, (mat, unit) in enumerate(keep):
        ps = series[(mat, unit)]
        xs = [p["date"] for p in ps]
        ys = [p["amount"] for p in ps]
        err = [[p["amount"] - p["low"] for p in ps], [p["high"] - p["amount"] for p in ps]]
        ax.errorbar(xs, ys, yerr=err if any(any(e) for e in err) else None, marker="o", ms=5, capsize=3,
                    lw=1.5, color=palette[i], label=f"{mat} ({unit})")
        if len(points) <= 20:
            for p in ps:
                ax.annotate(_short(p["amount"]), (p["date"], p["amount"]), textcoords="offset points",
                            xytext=(6, 4), fontsize=8, color=palette[i])
    amounts = [p["amount"] for p in points if p["amount"] > 0]
    if amounts and max(amounts) / min(amounts) > 20:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _short(y)))
    loc = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    days = sorted({p["date"] for p in points})
    if days[0] == days[-1] or (days[-1] - days[0]).days < 60:
        mid = days[0].toordinal() + (days[-1].toordinal() - days[0].toordinal()) // 2
        ax.set_xlim(date.fromordinal(mid - 45), date.fromordinal(mid + 45))
    ax.set_ylabel("price")
    ax.grid(True, alpha=0.3)
    title = (None if len(keep) == len(series)
             else f"{len(keep)} of {len(series)} series (those with most points)")
    fig.legend(fontsize=8, loc="outside lower center", ncols=ncols, frameon=False, title=title,
               title_fontsize=8)
    return _svg(fig, "prices-per-material")


def volume_chart(facts: Iterable[CanonicalFact]) -> Optional[str]:
    """Export (and import) volumes per month in tonnes, as inline SVG (None when no fact
    qualifies)."""
    points = volume_points(facts)
    if not points:
        return None
    from matplotlib.ticker import FuncFormatter

    fig, ax = _figure()
    months = sorted({p["month"] for p in points})
    flows = [f for f in ("exports", "imports", "other") if any(p["flow"] == f for p in points)]
    colours = {"exports": "#1f77b4", "imports": "#ff7f0e", "other": "#9e9e9e"}
    total: dict[tuple[str, str], float] = Counter()
    for p in points:
        total[(p["month"], p["flow"])] += p["tonnes"]
    width = 0.8 / len(flows)
    for j, flow in enumerate(flows):
        xs = [i + (j - (len(flows) - 1) / 2) * width for i, m in enumerate(months) if (m, flow) in total]
        ys = [total[(m, flow)] for m in months if (m, flow) in total]
        bars = ax.bar(xs, ys, width=width * 0.95, color=colours[flow], label=flow)
        ax.bar_label(bars, labels=[_short(y) for y in ys], fontsize=8, padding=2)
    ax.set_xticks(range(len(months)), months, rotation=0 if len(months) <= 12 else 45)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _short(y)))
    ax.set_ylabel("tonnes")
    ax.margins(y=0.15)
    ax.grid(True, axis="y", alpha=0.3)
    fig.legend(fontsize=8, loc="outside lower center", ncols=len(flows), frameon=False)
    return _svg(fig, "volumes-per-month")


# --- the page ----------------------------------------------------------------------------------

def _env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("rare_earth_ie.frontends", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["period"] = format_period
    return env


def _anchor(i: int) -> str:
    return f"doc-{i}"


class ReportBuilder:
    """Collects extracted articles (streaming: only the first ``max_articles`` keep their text
    for display) and their facts, then renders the page.

        b = ReportBuilder(); [b.add(r) for r in results]; html = b.render()
    """

    def __init__(self, title: str = "Rare-earth news: facts and entities", max_articles: int = 200):
        from ..dedup import Deduplicator

        require()
        self.title = title
        self.max_articles = max_articles
        self.dedup = Deduplicator()
        self.shown: list[ArticleResult] = []
        self.n_articles = 0
        self.n_facts = 0
        self.labels: Counter[str] = Counter()

    def add(self, result: ArticleResult) -> None:
        self.n_articles += 1
        self.n_facts += len(result.facts)
        self.labels.update(e.label for e in result.entities)
        self.dedup.add(result)
        if len(self.shown) < self.max_articles:
            self.shown.append(result)

    def render(self, facts: Optional[list[CanonicalFact]] = None) -> str:
        from .. import __version__

        facts = self.dedup.finish() if facts is None else facts
        anchors = {r.doc_id: _anchor(i) for i, r in enumerate(self.shown)}
        env = _env()
        script = env.get_template("report.js").render()
        csp_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        charts = [{"id": "chart-prices", "title": "Prices per material over time", "svg": price_chart(facts),
                   "empty": "No price fact with a material, a money amount and a period."},
                  {"id": "chart-volumes", "title": "Export and import volumes per month (tonnes)",
                   "svg": volume_chart(facts),
                   "empty": "No volume fact with a tonnage and a one-month period."}]
        return env.get_template("report.html.j2").render(
            title=self.title, version=__version__, script=script, csp_hash=csp_hash,
            css=env.get_template("report.css").render(),
            n_articles=self.n_articles, n_shown=len(self.shown), n_facts=self.n_facts,
            n_entities=sum(self.labels.values()),
            labels=[(lb, self.labels.get(lb, 0), color(lb)) for lb in LABELS],
            legend=legend(), charts=charts,
            metrics=sorted({f.metric for f in facts if f.metric}),
            facts=[_fact_row(f, anchors) for f in sorted(facts, key=lambda f: (-f.support, f.text))],
            articles=[_article(r, anchors[r.doc_id]) for r in self.shown])


def _fact_row(f: CanonicalFact, anchors: dict[str, str]) -> dict[str, Any]:
    from .frame import main_value

    main = main_value(f)
    v = (main.value or {}) if main else {}
    num = v.get("amount", v.get("value")) if main and main.label != "POLICY" else None
    docs = sorted({m.doc_id for m in f.mentions})
    search = " ".join([f.text, f.subject or "", f.metric or "", format_period(f.period),
                       *(e.text for e in f.entities), *docs]).lower()
    return {"fact": f, "period": format_period(f.period), "period_key": (f.period or {}).get("start") or "",
            "value": format_value(main) if main else "", "value_key": "" if num is None else num,
            "chips": chips(f.entities), "docs": [(d, anchors.get(d)) for d in docs], "search": search}


def _article(r: ArticleResult, anchor: str) -> dict[str, Any]:
    body = highlight(r.text, r.entities) if r.text is not None else chips(r.entities)
    return {"r": r, "anchor": anchor, "body": body,
            "labels": Counter(e.label for e in r.entities)}


def build_report(results: Iterable[ArticleResult], title: str = "Rare-earth news: facts and entities",
                 max_articles: int = 200, facts: Optional[list[CanonicalFact]] = None) -> str:
    """The report of extracted articles as one HTML string (facts deduplicated here unless
    given)."""
    b = ReportBuilder(title=title, max_articles=max_articles)
    for r in results:
        b.add(r)
    return b.render(facts)


def save(html: str, path: Union[str, Path]) -> None:
    """Write the page atomically (``-`` for stdout), readable like any file the user creates."""
    from ..output import atomic_output

    with atomic_output(str(path)) as fh:
        fh.write(html)
    if str(path) != "-":
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(path, 0o666 & ~umask)


def write_report(results: Iterable[ArticleResult], path: Union[str, Path], **kw: Any) -> Path:
    """Build the report of extracted articles and write it to ``path``."""
    save(build_report(results, **kw), path)
    return Path(path)
