"""The report and the figures share mblbath.analysis and never import each other.

Walks the imports of every module of the two packages (statically, through any module of
mblbath in between) and checks in a fresh interpreter that the report does not load
matplotlib.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of mblbath imported by ``path`` (relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return {m for m in out if m == "mblbath" or m.startswith("mblbath.")}


def _graph() -> dict[str, set[str]]:
    mods = {_module_name(p): p for p in SRC.joinpath("mblbath").rglob("*.py")}
    graph = {}
    for name, path in mods.items():
        deps = set()
        for m in _imports(path):
            # importing a.b.c imports the packages a, a.b too
            parts = m.split(".")
            deps |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for dep in graph[todo.pop()]:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def _package(graph: dict[str, set[str]], pkg: str) -> list[str]:
    return sorted(m for m in graph if m == pkg or m.startswith(pkg + "."))


def test_the_walk_sees_the_imports():
    """The graph is not vacuous: the figures and the report do reach mblbath.analysis."""
    g = _graph()
    assert "mblbath.analysis.bundle" in _reachable(g, "mblbath.figures.fig4")
    assert "mblbath.analysis.tables" in _reachable(g, "mblbath.report.claims_ent")
    assert "mblbath.analysis.stats" in _reachable(g, "mblbath.aggregate")


@pytest.mark.parametrize(
    ("pkg", "other"), [("mblbath.report", "mblbath.figures"), ("mblbath.figures", "mblbath.report")]
)
def test_report_and_figures_do_not_import_each_other(pkg, other):
    g = _graph()
    for mod in _package(g, pkg):
        bad = sorted(m for m in _reachable(g, mod) if m == other or m.startswith(other + "."))
        assert not bad, f"{mod} imports {bad}"


def test_analysis_imports_neither():
    g = _graph()
    for mod in _package(g, "mblbath.analysis"):
        bad = sorted(
            m for m in _reachable(g, mod) if m.startswith(("mblbath.report", "mblbath.figures"))
        )
        assert not bad, f"{mod} imports {bad}"


def test_report_does_not_load_matplotlib():
    code = "import mblbath.report, sys; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
