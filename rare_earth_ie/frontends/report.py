"""A self-contained HTML report of a run (``pip install 'rare-earth-ie[report]'``).

One file that needs no network to view: inline CSS and a small inline script, charts drawn by
matplotlib (Agg backend) as inline SVG. It shows

* the canonical facts as a table that sorts (click a heading) and filters (type in the box);
* charts drawn from the normalised series (:mod:`rare_earth_ie.analysis`, the ``charts`` of
  ``patterns/series.json``): prices per material over time in USD per kg (money converted at the
  ECB rate of the period's end) and volumes of one month in tonnes; one unit per axis, the axes
  labelled, a marker shape per source, the points of a conflict ringed in red;
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
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from ..models import LABELS, ArticleResult, CanonicalFact
from ..output import Target
from .render import chips, color, esc, format_period, format_value, highlight, legend

REPORT_HINT = "the report needs the [report] extra: pip install 'rare-earth-ie[report]'"

MAX_SERIES = 12        # series drawn per chart (those with most points)
#: marker shapes of sources (the last one for every source beyond them)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
OTHER_MARKER = MARKERS[-1]
CONFLICT_COLOUR = "#d62728"


def require() -> None:
    """Raise an ImportError naming the extra when Jinja2 or matplotlib is missing."""
    try:
        import currency_converter  # noqa: F401
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
        import pint  # noqa: F401
    except ImportError as e:
        raise ImportError(f"{REPORT_HINT} ({e.name} is not installed)") from e


# --- chart data: the normalised series (rare_earth_ie.analysis) ------------------------------------

def _day(s: Any) -> Optional[date]:
    try:
        return date.fromisoformat(str(s)[:10])
    except (TypeError, ValueError):
        return None


def _middle(start: Any, end: Any) -> Optional[date]:
    a, b = _day(start), _day(end)
    if a is None:
        return None
    return a if b is None or b < a else date.fromordinal((a.toordinal() + b.toordinal()) // 2)


def _one_month(start: Any, end: Any) -> bool:
    a, b = _day(start), _day(end)
    if a is None or b is None or a.day != 1 or (a.year, a.month) != (b.year, b.month):
        return False
    return (b + timedelta(days=1)).month != b.month


def observation_rows(data: Iterable[Any], docs: Any = None) -> list[dict[str, Any]]:
    """Observation rows (with conflicts marked) of canonical facts, or the rows themselves (dicts,
    or the DataFrame of :func:`rare_earth_ie.series`)."""
    from ..analysis import find_conflicts
    from ..analysis import observation_rows as rows_of

    if hasattr(data, "to_dict"):  # a DataFrame of rei.series: its missing values back to None
        items = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                 for r in data.to_dict("records")]
    else:
        items = list(data)
    if items and not isinstance(items[0], dict):
        items = rows_of(items, docs)
        find_conflicts(items)
    return items


def _chart(name: str) -> dict[str, Any]:
    from ..analysis.units import config

    return config()["charts"][name]


def _point(r: dict, when: date, what: str) -> dict[str, Any]:
    lo = float(r["value_norm"])
    hi = float(r["value_max_norm"]) if r["value_max_norm"] is not None else lo
    return {"series": what, "date": when, "low": lo, "high": hi, "value": (lo + hi) / 2,
            "sources": list(r["source_names"]) or list(r["sources"]), "conflict": bool(r["conflict"]),
            "fact_id": r["fact_id"], "text": r["text"], "unit": r["unit_norm"], "material": r["material"]}


def price_points(data: Iterable[Any], docs: Any = None) -> list[dict[str, Any]]:
    """One point per price observation of a material in the chart's unit (USD/kg: a price per
    unit of mass converted at the ECB rate of its period's end), dated at its period's middle."""
    cfg = _chart("prices")
    out = []
    for r in observation_rows(data, docs):
        if r["metric"] not in cfg["metrics"] or r["unit_norm"] != cfg["unit"] or r["value_norm"] is None:
            continue
        when = _middle(r["period_start"], r["period_end"])
        if when is None or not r["material"]:
            continue
        out.append(_point(r, when, r["material"][:1].upper() + r["material"][1:]))
    return sorted(out, key=lambda p: (p["series"], p["date"], p["value"]))


def volume_points(data: Iterable[Any], docs: Any = None) -> list[dict[str, Any]]:
    """One point per volume observation of one calendar month in the chart's unit (tonnes): the
    series is the metric (export volume, import volume, ...) with its material and place."""
    cfg = _chart("volumes")
    out = []
    for r in observation_rows(data, docs):
        if r["metric"] not in cfg["metrics"] or r["unit_norm"] != cfg["unit"] or r["value_norm"] is None:
            continue
        if cfg.get("grain") == "month" and not _one_month(r["period_start"], r["period_end"]):
            continue
        what = r["metric"] + (f" of {r['material']}" if r["material"] else "") + \
            (f" ({r['place_name']})" if r["place_name"] else "")
        out.append(_point(r, _middle(r["period_start"], r["period_end"]), what[:1].upper() + what[1:]))
    return sorted(out, key=lambda p: (p["series"], p["date"], p["value"]))


# --- charts ------------------------------------------------------------------------------------

def _figure(width: float = 6.4, height: float = 3.8):
    # a bare Figure draws without pyplot or a GUI backend, and leaves a notebook's backend alone
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


def _markers(points: list[dict]) -> dict[str, str]:
    """A marker shape per source (those with most points; the rest share one)."""
    counts = Counter(s for p in points for s in p["sources"])
    top = sorted(counts, key=lambda s: (-counts[s], s))[:len(MARKERS) - 1]
    out = {s: MARKERS[i] for i, s in enumerate(sorted(top))}
    for s in counts:
        out.setdefault(s, OTHER_MARKER)
    return out


def _series_chart(points: list[dict], ylabel: str, salt: str) -> str:
    """Points over time: a colour and line per series, a hollow marker per source (a point seen
    in several sources shows each marker), a red ring around points in a conflict, ranges as
    error bars; one unit on the y axis."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    series: dict[str, list[dict]] = defaultdict(list)
    for p in points:
        series[p["series"]].append(p)
    keep = sorted(sorted(series, key=lambda k: (-len(series[k]), k))[:MAX_SERIES])
    points = [p for k in keep for p in series[k]]
    markers = _markers(points)
    fig, ax = _figure(height=3.6 + 0.19 * -(-len(keep) // 2))
    colours = dict(zip(keep, _palette(len(keep))))
    for k in keep:
        ps = series[k]
        xs, ys = [p["date"] for p in ps], [p["value"] for p in ps]
        err = [[p["value"] - p["low"] for p in ps], [p["high"] - p["value"] for p in ps]]
        # a line joins the points of one material; without a material the points of a series
        # may be of different goods (a commodity the recognizers do not name)
        ax.errorbar(xs, ys, yerr=err if any(any(e) for e in err) else None, color=colours[k], capsize=3,
                    marker=None, lw=1.2 if all(p["material"] for p in ps) else 0)
        for p in ps:
            for src in p["sources"]:
                ax.plot([p["date"]], [p["value"]], linestyle="none", marker=markers[src], ms=7, mew=1.4,
                        mfc="none", mec=colours[k])
        if len(points) <= 20:
            for p in ps:
                ax.annotate(_short(p["value"]), (p["date"], p["value"]), textcoords="offset points",
                            xytext=(6, 4), fontsize=8, color=colours[k])
    bad = [p for p in points if p["conflict"]]
    if bad:
        ax.plot([p["date"] for p in bad], [p["value"] for p in bad], linestyle="none", marker="o", ms=15,
                mfc="none", mec=CONFLICT_COLOUR, mew=2)
    values = [p["value"] for p in points if p["value"] > 0]
    log = bool(values) and max(values) / min(values) > 20
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _short(y)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    loc = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(loc))
    days = sorted({p["date"] for p in points})
    if (days[-1] - days[0]).days < 60:
        mid = days[0].toordinal() + (days[-1].toordinal() - days[0].toordinal()) // 2
        ax.set_xlim(date.fromordinal(mid - 45), date.fromordinal(mid + 45))
    ax.set_ylabel(ylabel + (" (log scale)" if log else ""), fontsize=9)
    ax.set_xlabel("middle of the period", fontsize=9)
    ax.grid(True, alpha=0.3)
    what = [Line2D([], [], color=colours[k], lw=2, label=k) for k in keep]
    title = (None if len(keep) == len(series)
             else f"{len(keep)} of {len(series)} series (those with most points)")
    fig.legend(handles=what, fontsize=8, loc="outside lower center", ncols=2, frameon=False, title=title,
               title_fontsize=8)
    shown = sorted({s for p in points for s in p["sources"]}, key=lambda s: (markers[s] == OTHER_MARKER, s))
    legend = [Line2D([], [], linestyle="none", marker=markers[s], mfc="none", mec="#444", ms=7,
                     label=s if markers[s] != OTHER_MARKER else "other sources") for s in shown
              if markers[s] != OTHER_MARKER or s == shown[-1]]
    if bad:
        legend.append(Line2D([], [], linestyle="none", marker="o", ms=11, mfc="none", mec=CONFLICT_COLOUR,
                             mew=2, label="in a conflict"))
    fig.legend(handles=legend, fontsize=8, loc="outside right upper", frameon=False, title="source",
               title_fontsize=8)
    return _svg(fig, salt)


def price_chart(data: Iterable[Any], docs: Any = None) -> Optional[str]:
    """Prices per material over time in USD per kg, as inline SVG (None when nothing
    qualifies); ``data``: canonical facts, observation rows or a series DataFrame."""
    points = price_points(data, docs)
    if not points:
        return None
    return _series_chart(points, "USD per kg (ECB rate at period end)", "prices-per-material")


def volume_chart(data: Iterable[Any], docs: Any = None) -> Optional[str]:
    """Volumes of one month (exports, imports, production) in tonnes, as inline SVG (None when
    nothing qualifies); ``data``: canonical facts, observation rows or a series DataFrame."""
    points = volume_points(data, docs)
    if not points:
        return None
    return _series_chart(points, "tonnes in the month", "volumes-per-month")


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
        from ..analysis.inputs import Documents
        from ..dedup import Deduplicator

        require()
        self.title = title
        self.max_articles = max_articles
        self.dedup = Deduplicator()
        self.shown: list[ArticleResult] = []
        self.n_articles = 0
        self.n_facts = 0
        self.labels: Counter[str] = Counter()
        self.docs = Documents()

    def add(self, result: Union[ArticleResult, CanonicalFact]) -> None:
        """An extracted article (shown, its facts deduplicated), or a canonical fact read from
        ``run``/``dedup`` output (its article is not at hand)."""
        self.dedup.add(result)
        if isinstance(result, CanonicalFact):
            self.n_facts += result.support
            return
        self.n_articles += 1
        self.n_facts += len(result.facts)
        self.labels.update(e.label for e in result.entities)
        self.docs.add_result(result)
        if len(self.shown) < self.max_articles:
            self.shown.append(result)

    def render(self, facts: Optional[list[CanonicalFact]] = None) -> str:
        from .. import __version__

        facts = self.dedup.finish() if facts is None else facts
        anchors = {r.doc_id: _anchor(i) for i, r in enumerate(self.shown)}
        env = _env()
        script = env.get_template("report.js").render()
        csp_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        rows = observation_rows(facts, self.docs)
        charts = [{"id": "chart-prices", "title": "Prices per material over time (USD per kg)",
                   "svg": price_chart(rows),
                   "empty": "No price of a material per unit of mass with a period and a known currency."},
                  {"id": "chart-volumes", "title": "Volumes per month: exports, imports, production (tonnes)",
                   "svg": volume_chart(rows),
                   "empty": "No export, import or production volume in tonnes for one calendar month."}]
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


def save(html: str, path: Union[str, Path, Target]) -> None:
    """Write the page atomically (``-`` for stdout; a device or FIFO directly), readable like
    any file the user creates."""
    from ..output import atomic_output

    with atomic_output(path) as fh:
        fh.write(html)


def write_report(results: Iterable[ArticleResult], path: Union[str, Path], **kw: Any) -> Path:
    """Build the report of extracted articles and write it to ``path``."""
    save(build_report(results, **kw), path)
    return Path(path)
