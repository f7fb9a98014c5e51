"""The layout keeps the data flow readable: no import cycles, no private names across modules,
and the core stages never reach into the front ends."""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "rare_earth_ie"
#: the one allowed way back: a model shows itself in a notebook through the front ends' renderer
LAZY_NOTEBOOK = {("rare_earth_ie.models", "rare_earth_ie.frontends.render"),
                 ("rare_earth_ie.models", "rare_earth_ie.frontends.frame")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, list[tuple[str, list[str]]]]:
    """module -> [(imported module, names imported from it)], lazy imports included."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    modules = {_module_name(p) for p in PKG.rglob("*.py")}
    for p in PKG.rglob("*.py"):
        name = _module_name(p)
        package = name if p.name == "__init__.py" else name.rpartition(".")[0]
        found = []
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("rare_earth_ie"):
                    continue
                names = [a.name for a in node.names]
                # "from . import dedup": the names are modules
                subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
                if subs:
                    found.extend((s, []) for s in subs)
                else:
                    found.append((target, names))
            elif isinstance(node, ast.Import):
                found.extend((a.name, []) for a in node.names if a.name.startswith("rare_earth_ie"))
        out[name] = found
    return out


def test_no_import_cycles():
    graph = {m: sorted({t for t, _ in imps if t != m and (m, t) not in LAZY_NOTEBOOK})
             for m, imps in _imports().items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in graph.get(m, ()):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, cycles


def test_no_private_names_across_modules():
    bad = [(m, t, n) for m, imps in _imports().items() for t, names in imps for n in names
           if n.startswith("_") and not n.startswith("__") and t != m]
    assert not bad, bad


def test_core_stages_do_not_import_front_ends():
    bad = [(m, t) for m, imps in _imports().items() for t, _ in imps
           if not m.startswith("rare_earth_ie.frontends") and t.startswith("rare_earth_ie.frontends")
           and (m, t) not in LAZY_NOTEBOOK and m not in ("rare_earth_ie", "rare_earth_ie.__main__")]
    assert not bad, bad
