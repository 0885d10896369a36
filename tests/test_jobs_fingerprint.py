"""Code fingerprints of the workflow's commands: physics edits count, comments do not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mblbath.jobs import fingerprint

SRC = Path(fingerprint.__file__).resolve().parents[2]


def test_each_command_runs_the_modules_it_imports():
    run = fingerprint.command_modules("run")
    assert {"mblbath.model", "mblbath.tebd.evolve", "mblbath.tebd.bond_update"} <= set(run)
    assert "mblbath.io" in run and "mblbath.figures" not in run
    assert "mblbath.model" in fingerprint.command_modules("exact")
    # The disorder and the fits never build the Hamiltonian.
    for command in ("disorder", "aggregate", "fit", "figure", "report"):
        assert "mblbath.model" not in fingerprint.command_modules(command), command
    # figures imports its modules by name: the whole package counts.
    assert {"mblbath.figures.fig1", "mblbath.figures.validation"} <= set(
        fingerprint.command_modules("figure")
    )
    assert "mblbath.cli" not in fingerprint.command_modules("run")
    with pytest.raises(ValueError, match="_cmd_nope"):
        fingerprint.code_fingerprint("nope")


def test_docstrings_are_stripped_and_nothing_else():
    import ast

    source = '"""doc"""\ndef f():\n    """doc"""\n    x = "s"\n'
    tree = fingerprint.strip_docstrings(ast.parse(source))
    assert ast.unparse(tree) == "def f():\n    x = 's'"


def _fingerprints(src: Path, tmp_path: Path) -> dict[str, str]:
    """The fingerprints of every command, computed in a fresh interpreter on ``src``."""
    code = (
        "import json; from mblbath.jobs.fingerprint import code_fingerprint as f; "
        "print(json.dumps({c: f(c) for c in "
        "('run', 'exact', 'disorder', 'aggregate', 'validate', 'fit', 'figure', 'report')}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,  # its own cache file
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(proc.stdout)


def test_edits_change_exactly_the_commands_that_run_the_code(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC / "mblbath", src / "mblbath", ignore=shutil.ignore_patterns("__pycache__"))
    before = _fingerprints(src, tmp_path)
    model = src / "mblbath" / "model.py"
    text = model.read_text()
    line = '        self.add_onsite(U, 0, "NdNc")\n'
    model.write_text(
        text.replace(line, "    # the interaction\n" + line.rstrip() + "  # Eq. (1)\n\n").replace(
            "Open boundary conditions", "Open (edited) boundary conditions"
        )
    )
    assert _fingerprints(src, tmp_path) == before  # comments, docstring, blank line
    model.write_text(text.replace(line, line.replace("(U,", "(2 * U,")))
    after = _fingerprints(src, tmp_path)
    changed = {c for c in before if before[c] != after[c]}
    assert changed == {"run", "exact"}, changed
    # A helper of the CLI counts for the commands that call it, not for the others.
    model.write_text(text)
    cli = src / "mblbath" / "cli.py"
    cli.write_text(cli.read_text().replace('"free_fermion"', '"free_fermions"'))
    after = _fingerprints(src, tmp_path)
    assert {c for c in before if before[c] != after[c]} == {"exact"}


def test_the_cache_is_used_and_refreshed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fingerprint._module_info.cache_clear()
    fingerprint._module_info()
    assert fingerprint.CACHE.exists()
    fingerprint._module_info.cache_clear()
    parsed = []
    real = fingerprint.ast.parse
    monkeypatch.setattr(fingerprint.ast, "parse", lambda *a, **k: parsed.append(1) or real(*a, **k))
    fingerprint._module_info()
    assert parsed == []  # every module from the cache
    fingerprint._module_info.cache_clear()
