"""The partial pass after failed runs (mblbath.jobs.partial): when it starts, and with what."""

from __future__ import annotations

import sys

import pytest

from mblbath.jobs import partial


def _call(missing=("results/runs/a.nc",), present=3, **kw):
    calls, said = [], []
    args = {
        "enabled": True,
        "keep_going": True,
        "argv": ["/venv/bin/snakemake", "--cores", "2", "--configfile", "c.yaml"],
        "run": lambda cmd, env: calls.append((cmd, env)) or 0,
        "say": said.append,
    }
    args.update(kw)
    code = partial.run_partial_pass(list(missing), present=present, **args)
    return code, calls, "\n".join(said)


def test_starts_the_same_command_with_nolock_and_the_marker(monkeypatch):
    monkeypatch.delenv(partial.ENV, raising=False)
    code, calls, said = _call()
    assert code == 0
    [(cmd, env)] = calls
    assert cmd == [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "2",
        "--configfile",
        "c.yaml",
        "--nolock",
    ]
    assert env[partial.ENV] == "1"
    assert "results/runs/a.nc" in said and "partial pass" in said


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"missing": ()}, ""),
        ({"present": 0}, "No run file exists"),
        ({"enabled": False}, "partial_on_failure is false"),
        ({"keep_going": False}, "--keep-going"),
        ({"argv": ["python", "-c", "api"]}, "Not started from the snakemake command line"),
    ],
)
def test_does_not_start(monkeypatch, kw, why):
    monkeypatch.delenv(partial.ENV, raising=False)
    code, calls, said = _call(**kw)
    assert code is None and calls == []
    assert why in said


def test_never_recurses(monkeypatch):
    monkeypatch.setenv(partial.ENV, "1")
    assert partial.in_partial_pass()
    code, calls, _ = _call()
    assert code is None and calls == []


def test_argv_forms():
    assert partial.partial_pass_argv(["/x/snakemake/__main__.py", "-n", "--nolock"], "py") == [
        "py",
        "-m",
        "snakemake",
        "-n",
        "--nolock",
    ]
    assert partial.partial_pass_argv([]) is None


def test_existing_keeps_order(tmp_path):
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    b.write_text("x")
    (tmp_path / "dir.nc").mkdir()
    assert partial.existing([str(a), str(b), str(tmp_path / "dir.nc")]) == [str(b)]
