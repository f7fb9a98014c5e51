"""The docs stay true: the record reference matches the models, the quickstart's code runs, the
tutorial notebook is committed without outputs (nbmake runs it: see pyproject's testpaths), and CI
runs the README's test command."""
import importlib.util
import json
import re
from pathlib import Path

import pytest

import rare_earth_ie as rei
from rare_earth_ie.models import LABELS, VALUE_FIELDS

ROOT = Path(__file__).resolve().parent.parent


def _gen_records_doc():
    spec = importlib.util.spec_from_file_location("gen_records_doc", ROOT / "tools" / "gen_records_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_records_doc_matches_the_models():
    committed = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    assert committed == _gen_records_doc().render(), \
        "docs/records.md is out of date: run python tools/gen_records_doc.py"


def test_value_keys_emitted_are_documented(corpus_results):
    assert set(VALUE_FIELDS) == set(LABELS)
    # ranges of each numeric kind, which the corpus lacks for percentages
    ranges = rei.extract("Margins of 5-7% on prices of RMB 580,000-600,000/ton for 5-8 tons in Q1-Q3 2025.",
                         published="2025-10-21")
    assert {"PERCENT", "MONEY", "QUANTITY", "DATE"} <= {e.label for e in ranges.entities}
    missing = {(e.label, k) for r in [*corpus_results, ranges] for e in r.entities for k in e.value
               if k not in VALUE_FIELDS[e.label]}
    assert not missing, (f"entity value keys not in models.VALUE_FIELDS: {sorted(missing)}; add them there "
                         "and run python tools/gen_records_doc.py")


def test_quickstart_python_runs(monkeypatch):
    pytest.importorskip("pandas")
    text = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    for code in blocks:
        exec(compile(code, "docs/quickstart.md", "exec"), scope)
    assert len(scope["facts"]) == len(scope["df"]) > 0


def test_tutorial_notebook_is_committed_clean():
    nb = json.loads((ROOT / "docs" / "tutorial.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_default_test_run_includes_the_notebook():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    opts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "docs/tutorial.ipynb" in opts["testpaths"] and "--nbmake" in opts["addopts"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    cmd = next(line.strip() for line in readme.splitlines() if "python -m pytest" in line)
    assert ci.rstrip("\n").splitlines()[-1] == cmd
    assert ci.index("apt-get install -y -qq chromium chromium-driver") < ci.index(cmd)
