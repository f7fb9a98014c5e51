"""Pattern files as a user edits them: each checked against its schema when loaded, a folder of
edited copies (``--patterns DIR``) overriding only the files it holds, and a clear refusal
naming the file, line and key when one is wrong."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rare_earth_ie import build_nlp, extract_many
from rare_earth_ie.frontends.cli import app
from rare_earth_ie.patterns import (KNOWN, ROWS, WORDS, PatternError, check_dir, default_dir, load_json,
                                    load_jsonl, load_words, validate)
from rare_earth_ie.settings import Settings

TEXT = "Exports to Zorblaxia rose 5% in 2024."
NEW_PLACE = {"label": "GPE", "pattern": "Zorblaxia", "id": ":Zorblaxia:country"}


def _load(name, d=None):
    return (load_words if name in WORDS else load_jsonl if name in ROWS else load_json)(name, d)


def test_every_shipped_file_is_known_and_valid():
    shipped = {p.name for p in default_dir().iterdir() if p.suffix in (".json", ".jsonl", ".txt")}
    assert shipped == set(KNOWN), "a new pattern file needs its schema in rare_earth_ie/patterns.py"
    for name in shipped:
        assert _load(name)


def _copy_with(tmp_path: Path, name: str, change) -> Path:
    d = tmp_path / "mine"
    d.mkdir(exist_ok=True)
    data = json.loads((default_dir() / name).read_text(encoding="utf-8"))
    change(data)
    (d / name).write_text(json.dumps(data), encoding="utf-8")
    return d


@pytest.mark.parametrize("change, says", [
    (lambda d: d.__setitem__("scale", d.pop("scales")), "missing key(s) 'scales'"),
    (lambda d: d.__setitem__("scalez", {}), "unknown key 'scalez'"),
    (lambda d: d.__setitem__("money_verbs", "rose"), "key 'money_verbs' should be array, got str"),
])
def test_a_wrong_json_file_is_refused_naming_file_and_key(tmp_path, change, says):
    d = _copy_with(tmp_path, "numbers.json", change)
    with pytest.raises(PatternError) as e:
        load_json("numbers.json", str(d))
    assert str(d / "numbers.json") in str(e.value) and says in str(e.value)


def test_comment_keys_are_allowed(tmp_path):
    d = _copy_with(tmp_path, "numbers.json", lambda x: x.__setitem__("_why", "edited for our desk"))
    assert load_json("numbers.json", str(d))["_why"] == "edited for our desk"


def test_jsonl_rows_name_their_line(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "gpe.jsonl").write_text('// places\n{"label": "GPE", "pattern": "X"}\n'
                                 '{"label": "GPE", "patern": "Y"}\n', encoding="utf-8")
    with pytest.raises(PatternError, match=r"gpe\.jsonl:3: missing key\(s\) 'pattern'"):
        load_jsonl("gpe.jsonl", str(d))
    d2 = tmp_path / "mine2"
    d2.mkdir()
    (d2 / "gpe.jsonl").write_text('{"label": "GPE", "pattern": 5}\n', encoding="utf-8")
    with pytest.raises(PatternError, match=r"gpe\.jsonl:1: key 'pattern' should be string or array"):
        load_jsonl("gpe.jsonl", str(d2))


def test_mapping_values_are_checked():
    with pytest.raises(PatternError, match=r"'Acme': unknown key 'tickr'"):
        validate("orgs_meta.json", {"Acme": {"aliases": ["Acme"], "tickr": "X"}}, "orgs_meta.json")
    with pytest.raises(PatternError, match=r"'Chinese' should be string"):
        validate("demonyms.json", {"Chinese": 1}, "demonyms.json")


def test_check_dir_refuses_unknown_files_and_missing_folders(tmp_path):
    with pytest.raises(PatternError, match="no such pattern folder"):
        check_dir(tmp_path / "nowhere")
    (tmp_path / "number.json").write_text("{}", encoding="utf-8")
    with pytest.raises(PatternError, match=r"unknown pattern file\(s\) number\.json"):
        check_dir(tmp_path)


def _folder_with_place(tmp_path: Path) -> Path:
    d = tmp_path / "mine"
    d.mkdir()
    shutil.copy(default_dir() / "gpe.jsonl", d / "gpe.jsonl")
    with open(d / "gpe.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(NEW_PLACE) + "\n")
    return d


def test_an_edited_copy_overrides_only_its_file(tmp_path):
    d = _folder_with_place(tmp_path)
    assert check_dir(d) == ["gpe.jsonl"]
    doc, stock_doc = build_nlp(str(d))(TEXT), build_nlp()(TEXT)
    ours = {(s.text, s.label_) for s in doc.spans["rei"]}
    stock = {(s.text, s.label_) for s in stock_doc.spans["rei"]}
    assert ("Zorblaxia", "GPE") in ours and ("Zorblaxia", "GPE") not in stock
    # everything else still comes from the installed files
    assert {("5%", "PERCENT"), ("2024", "DATE")} <= ours
    # the tokenizer's repair reads the same folder (and a saved pipeline remembers it)
    assert build_nlp(str(d)).tokenizer.patterns_dir == str(d)


def test_settings_carry_the_folder_to_extract_many(tmp_path):
    d = _folder_with_place(tmp_path)
    (r,) = extract_many([TEXT], settings=Settings(patterns_dir=str(d)))
    assert any(e.label == "GPE" and e.text == "Zorblaxia" for e in r.entities)


def test_cli_patterns_option(tmp_path):
    d = _folder_with_place(tmp_path)
    src = tmp_path / "a.txt"
    src.write_text(TEXT + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(src), "-q", "--patterns", str(d)])
    assert res.exit_code == 0, res.output
    assert "Zorblaxia" in [e["text"] for e in json.loads(res.stdout)["entities"]]


def test_cli_refuses_a_bad_folder_before_writing(tmp_path):
    d = _copy_with(tmp_path, "percent_cues.json", lambda x: x.__setitem__("upp", []))
    src = tmp_path / "a.txt"
    src.write_text(TEXT + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["run", str(src), "-o", str(out), "--patterns", str(d)])
    assert res.exit_code == 2
    assert "percent_cues.json" in res.stderr and "unknown key 'upp'" in res.stderr
    assert not out.exists()
    res = CliRunner().invoke(app, ["extract", str(src), "--patterns", str(tmp_path / "typo")])
    assert res.exit_code == 2 and "no such pattern folder" in res.stderr


def test_evaluate_scores_edited_patterns(tmp_path):
    """A change to the patterns is judged before it is installed: `evaluate --patterns DIR`."""
    root = Path(__file__).resolve().parent.parent
    d = tmp_path / "mine"
    d.mkdir()
    (d / "gpe.jsonl").write_text(json.dumps(NEW_PLACE) + "\n", encoding="utf-8")  # every other place gone
    gold = str(root / "corpus" / "gold")

    def gpe_f1(*extra):
        res = CliRunner().invoke(app, ["evaluate", "--gold", gold, "--json", *extra])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["labels"]["GPE"]["f1"]
    assert gpe_f1("--patterns", str(d)) < gpe_f1() - 0.2
    res = CliRunner().invoke(app, ["evaluate", "--gold", gold, "--patterns", str(tmp_path / "typo")])
    assert res.exit_code == 2 and "no such pattern folder" in res.stderr


@pytest.mark.parametrize("name", ["rewording.json", "quantulum_units.json", "series.json"])
def test_a_file_a_run_never_reads_from_the_folder_is_refused(tmp_path, name):
    """Accepted, such a copy would be silently ignored: dedup, the quantulum3 table and the
    analysis always read the installed file."""
    shutil.copy(default_dir() / name, tmp_path / name)
    with pytest.raises(PatternError, match=f"{name} cannot be replaced by a run's folder"):
        check_dir(tmp_path)


def _reference_rows(path: Path, required: dict, optional: dict) -> tuple:
    """The plain definition of a JSONL pattern file: json.loads and _check_keys on every line."""
    from rare_earth_ie.patterns import _check_keys

    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise PatternError(f"{path}:{lineno}: bad pattern line: {e.msg}") from None
        _check_keys(f"{path}:{lineno}", row, required, optional)
        rows.append(row)
    return tuple(rows)


_VALUES = st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
_KEYS = st.sampled_from(["code", "prefixes", "suffixes", "minor", "unit", "dimension", "surfaces", "factor",
                         "_note", "codes", "x"])
_VALID = {"currencies.jsonl": {"code": st.text(max_size=4), "prefixes": st.lists(st.text(max_size=3), max_size=2),
                               "suffixes": st.lists(st.text(max_size=3), max_size=2)},
          "units.jsonl": {"unit": st.text(max_size=4), "dimension": st.text(max_size=4),
                          "surfaces": st.lists(st.text(max_size=3), max_size=2),
                          "factor": st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans())}}
_ODD = ['{"code": "X", "prefixes": [], "suffixes": []} x', '{"code": "X",', "[1, 2]", "5", '"text"', "// a comment",
        "", "  ", '{"code": "X", "prefixes": [], "suffixes": [], "code": 1}', "NaN", '{"a": 1}{"b": 2}',
        '\ufeff{"unit": "t", "dimension": "mass", "surfaces": []}', '{"unit": "t", "dimension": "mass", "surfaces": [], "factor": true}']


@pytest.mark.parametrize("name", sorted(_VALID))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_jsonl_loader_accepts_and_refuses_as_the_plain_definition(tmp_path_factory, name, data):
    """load_jsonl reads rows with the C scanner and a quick check of a valid row; whatever the
    lines, it returns the rows or raises the message that json.loads and _check_keys per line
    give."""
    line = st.one_of(st.dictionaries(_KEYS, _VALUES, max_size=6).map(json.dumps),
                     st.fixed_dictionaries(_VALID[name], optional=dict.fromkeys(["x", "_note", "minor", "symbol"], _VALUES))
                     .map(json.dumps), st.sampled_from(_ODD))
    lines = data.draw(st.lists(line, max_size=5))
    d = tmp_path_factory.mktemp("rows")
    path = d / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_jsonl.cache_clear()
    try:
        expected = _reference_rows(path, *ROWS[name])
    except PatternError as e:
        with pytest.raises(PatternError) as got:
            load_jsonl(name, str(d))
        assert str(got.value) == str(e)
    else:
        assert load_jsonl(name, str(d)) == expected
    finally:
        load_jsonl.cache_clear()
