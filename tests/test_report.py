"""The HTML report: content, escaping, charts, the `report` command, progress; and the page in a
real headless Chromium (skipped only when /usr/bin/chromium or playwright is missing)."""
import io
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rare_earth_ie as rei
from rare_earth_ie.frontends.cli import app
from rare_earth_ie.models import CanonicalFact, Entity, Mention

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")
from rare_earth_ie.frontends import report as rep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
EVIL_TEXT = ("Publish Time: 2025-10-01\nHacked <b>news</b>\n"
             "Prices <script>window.__pwned=1</script> of dysprosium oxide rose 5% to $300/kg in September. "
             '<img src=x onerror="window.__pwned=1"> Exports reached 2,000 tons in September 2025.')
runner = CliRunner()


@pytest.fixture(scope="module")
def evil_results(corpus_results):
    evil = rei.extract(EVIL_TEXT, published="2025-10-01", doc_id="evil<doc>", source='http://x.test/"<i>')
    return [*corpus_results, evil]


@pytest.fixture(scope="module")
def report_file(evil_results, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    rep.write_report(evil_results, path)
    return path


def _fact(metric, entities, period, text="x", source="text", doc="d"):
    return CanonicalFact(fact_id=text, text=text, entities=entities, support=1, metric=metric, period=period,
                         period_source=source, mentions=[Mention(doc_id=doc, start=0, end=1, text=text)])


def _ent(label, start=0, **value):
    return Entity(label=label, text=label.lower(), start=start, end=start + 1, value=value)


def test_chart_points_come_from_the_normalised_series():
    from datetime import date

    from currency_converter import CurrencyConverter

    month = {"start": "2025-09-01", "end": "2025-09-30", "grain": "month"}
    dy = _ent("MATERIAL", name="dysprosium oxide", symbol="Dy")
    facts = [
        _fact("price", [dy, _ent("MONEY", 1, amount=100.0, amount_max=120.0, currency="USD", per="kg")],
              month, text="a"),
        _fact("price", [dy, _ent("MONEY", 1, amount=1_600_000.0, currency="CNY", per="t")], month,
              text="b", doc="e"),                                                     # CNY per tonne
        _fact("price", [_ent("MONEY", amount=5.0, currency="USD", per="kg")], month, text="c"),  # no material
        # no period; a currency the ECB does not quote
        _fact("price", [dy, _ent("MONEY", 1, amount=9.0, currency="USD", per="kg")], None, text="d"),
        _fact("price", [dy, _ent("MONEY", 1, amount=9.0, currency="XYZ", per="kg")], month, text="e"),
        _fact("volume", [_ent("QUANTITY", value=2.5, unit="kt")], month, text="Exports rose"),
        _fact("volume", [_ent("QUANTITY", value=300.0, unit="t")], month, text="Imports of ore"),
        _fact("volume", [_ent("QUANTITY", value=30.0, unit="MGOe")], month, text="f"),        # not a mass
        _fact("volume", [_ent("QUANTITY", value=30.0, unit="t")],
              {"start": "2025-01-01", "end": "2025-12-31", "grain": "year"}, text="g"),       # not a month
    ]
    cny = CurrencyConverter().convert(1, "CNY", "USD", date=date(2025, 9, 30))
    prices = rep.price_points(facts)
    got = [(p["series"], round(p["value"], 6), p["unit"], str(p["date"]), p["conflict"]) for p in prices]
    assert got == [
        ("Dysprosium oxide", 110.0, "USD/kg", "2025-09-15", True),
        ("Dysprosium oxide", round(1600 * cny, 6), "USD/kg", "2025-09-15", True)]
    vols = rep.volume_points(facts)
    assert [(p["series"], p["value"]) for p in vols] == [("Export volume", 2500.0), ("Import volume", 300.0)]
    svg = rep.price_chart(facts)
    assert svg.startswith("<svg") and rep.volume_chart(facts).startswith("<svg")
    # one unit on the axis, a legend of sources, the conflict marked
    assert "USD per kg" in svg and "source" in svg and "in a conflict" in svg
    assert "middle of the period" in svg
    assert rep.price_chart([]) is None and rep.volume_chart([]) is None


def test_report_html_is_self_contained_escaped_and_complete(report_file, evil_results):
    page = report_file.read_text(encoding="utf-8")
    # nothing is fetched at view time
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # the article's markup is text, never markup
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "evil&lt;doc&gt;" in page and "<doc>" not in page
    assert page.count("<script") == 1                        # only the report's own script
    # facts, charts, articles
    facts = rei.deduplicate(evil_results)
    assert page.count('<tr data-search="') == len(facts)
    assert page.count('<svg role="img" class="chart"') == 2
    assert page.count('<details class="article"') == len(evil_results)
    # the CSP hash is that of the inline script
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    import base64
    import hashlib
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page


def test_report_command(tmp_path):
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(ROOT / "corpus"), "-o", str(out), "--max-articles", "2",
                              "--title", "Weekly <digest>"])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<title>Weekly &lt;digest&gt;</title>" in page
    assert page.count('<details class="article"') == 2 and "The first 2 of 5 articles" in page
    assert "docs/s" not in res.stderr and "wrote" not in res.stderr   # no progress off a terminal
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_report_command_names_the_extra_when_missing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    res = runner.invoke(app, ["report", str(ROOT / "corpus"), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 2
    assert "pip install 'rare-earth-ie[report]'" in res.stderr
    assert not (tmp_path / "r.html").exists()


def test_help_of_every_command_shows_an_example():
    for cmd in ("extract", "dedup", "run", "report", "evaluate", "ingest", "series", "conflicts"):
        assert "Example: rare-earth-ie" in runner.invoke(app, [cmd, "--help"]).stdout
    assert runner.invoke(app, ["--version"]).stdout == f"rare-earth-ie {rei.__version__}\n"


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_documents_facts_and_rate_only_on_a_terminal(corpus_results):
    from rare_earth_ie.frontends.progress import Progress

    tty = _Tty()
    with Progress("extract", stream=tty) as p:
        list(p.track(corpus_results))
    p.message("dedup: done")
    shown = tty.getvalue()
    n_facts = sum(len(r.facts) for r in corpus_results)
    assert f"extract: {len(corpus_results)} docs" in shown and f"facts={n_facts}" in shown
    assert "docs/s" in shown and "dedup: done" in shown
    for quiet, stream in ((True, _Tty()), (False, io.StringIO())):
        with Progress("extract", quiet=quiet, stream=stream) as p:
            list(p.track(corpus_results))
        p.message("x")
        assert stream.getvalue() == "" and p.docs == len(corpus_results)


def test_quiet_flag_on_long_commands(tmp_path):
    for cmd in ("extract", "run", "report"):
        res = runner.invoke(app, [cmd, str(ROOT / "corpus" / "000_*.txt"), "-q", "-o", str(tmp_path / cmd)])
        assert res.exit_code == 0, res.output
        assert "docs/s" not in res.stderr and "facts=" not in res.stderr


# --- in a real browser -------------------------------------------------------------------------

def _browser_or_skip():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium chromium-driver; .ci/run does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is missing (pip install playwright; it is in the [test] extra)")
    return sync_playwright


def test_report_in_headless_chromium(report_file, tmp_path):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_file.as_uri())
            page.wait_for_load_state("load")

            # the article's script and onerror never ran; its text is shown as text
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate("document.scripts.length") == 1
            assert page.locator("img[src='x']").count() == 0
            evil = page.locator("details.article", has_text="evil<doc>")
            evil.locator("summary").click()
            assert "<script>window.__pwned=1</script>" in evil.inner_text()
            assert all(u.startswith(("file:", "data:")) for u in requests), requests

            # the facts table has rows; the filter hides rows; sorting reorders them
            rows = page.locator("#facts-table tbody tr")
            n = rows.count()
            assert n > 30
            page.fill("#fact-filter", "terbium")
            visible = page.locator("#facts-table tbody tr:not([hidden])")
            assert 0 < visible.count() < n
            assert all("terbium" in t.lower() for t in visible.all_inner_texts())
            assert page.inner_text("#fact-count") == f"{visible.count()} of {n} facts"
            page.fill("#fact-filter", "no such fact anywhere")
            assert visible.count() == 0
            page.fill("#fact-filter", "")
            assert visible.count() == n
            page.select_option("#metric-filter", "price")
            assert 0 < visible.count() < n
            metrics = page.locator("#facts-table tbody tr:not([hidden]) td:nth-child(4)").all_inner_texts()
            assert set(metrics) == {"price"}
            page.select_option("#metric-filter", "")

            def supports():
                cells = page.locator("#facts-table tbody tr td:first-child").all_inner_texts()
                return [int(x) for x in cells]

            page.click("#facts-table thead th:first-child")          # descending -> ascending
            assert supports() == sorted(supports())
            page.click("#facts-table thead th:first-child")
            assert supports() == sorted(supports(), reverse=True)
            page.click("#facts-table thead th:nth-child(5)")         # period, ascending
            periods = page.locator("#facts-table tbody tr td:nth-child(5)").evaluate_all(
                "tds => tds.map(td => td.dataset.sort).filter(Boolean)")
            assert periods == sorted(periods)

            # both charts are drawn with a real size
            for chart in ("#chart-prices svg", "#chart-volumes svg"):
                box = page.locator(chart).bounding_box()
                assert box and box["width"] > 200 and box["height"] > 100, chart
            # highlighted entities are laid out
            assert page.locator("details.article[open] .rei-ent").count() > 50
            assert errors == []

            page.evaluate("window.scrollTo(0, 0)")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("REI_REPORT_SCREENSHOT")     # to keep a copy: REI_REPORT_SCREENSHOT=x.png
            if keep:
                shutil.copy(shot, keep)
        finally:
            browser.close()
