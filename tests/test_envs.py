"""The per-rule conda envs: generated from the lock, buildable wherever Snakemake copies them,
and enough for the commands of their rules (``snakemake --sdm conda`` end to end).

No conda channel is reachable here, so the end-to-end test puts a stand-in ``conda`` on the
PATH (tests/fake_conda.py) that builds each env as a venv of exactly its packages from PyPI;
Snakemake itself copies the env files, creates the envs and runs every job in its rule's env.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fake_conda import ACTIVATE, pypi_requirements

ROOT = Path(__file__).resolve().parents[1]
ENVS = ("simulate", "analysis", "figures")
#: The env of each rule (Snakemake's rule names; figure_* rules use the figures env).
RULE_ENV = {
    "sample_disorder": "simulate",
    "collect_disorder": "simulate",
    "tebd": "simulate",
    "exact": "simulate",
    "validate": "analysis",
    "aggregate": "analysis",
    "fit_nc": "analysis",
    "fit_lc": "analysis",
    "fit_ld": "analysis",
    "fit_entanglement": "analysis",
    "criterion": "analysis",
    "choices": "analysis",
    "long_exact": "simulate",
    "long_aggregate": "analysis",
    "long_observables": "analysis",
    "long_fit": "analysis",
    "claims": "analysis",
}


def _make_envs():
    spec = importlib.util.spec_from_file_location("make_envs", ROOT / "scripts" / "make_envs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[_canon(name)] = version
    return pins


def test_env_files_are_generated_from_the_lock():
    make_envs = _make_envs()
    assert sorted(p.stem for p in (ROOT / "envs").glob("*.yaml")) == sorted(ENVS)
    for env in ENVS:
        text = (ROOT / "envs" / f"{env}.yaml").read_text()
        assert text == make_envs.render(env), f"envs/{env}.yaml: run python scripts/make_envs.py"


@pytest.mark.parametrize("env", ENVS)
def test_env_pins_agree_with_lock(env):
    lock = _lock()
    path = ROOT / "envs" / f"{env}.yaml"
    reqs = pypi_requirements(path)
    assert len(reqs) >= 15, reqs
    for spec in reqs:
        name, sep, version = spec.partition("==")
        assert sep and lock.get(_canon(name)) == version, f"{path.name}: {spec}"


def test_envs_hold_what_their_rules_import_and_nothing_more():
    """TeNPy only where runs are made, matplotlib only for figures, Markdown for the claims."""
    names = {env: {_canon(r.partition("==")[0]) for r in _requirements(env)} for env in ENVS}
    assert "physics-tenpy" in names["simulate"] and "tqdm" in names["simulate"]
    assert "matplotlib" in names["figures"]
    assert "markdown" in names["analysis"]
    assert not {"physics-tenpy", "matplotlib", "tqdm"} & names["analysis"]
    assert not {"physics-tenpy", "tqdm", "markdown"} & names["figures"]
    assert "matplotlib" not in names["simulate"]


def _requirements(env):
    return pypi_requirements(ROOT / "envs" / f"{env}.yaml")


def test_pyproject_pins_agree_with_lock():
    import tomllib

    lock = _lock()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for name, extra in meta["optional-dependencies"].items():
        if name != "bench":  # on-demand benchmark tools, deliberately not in the lock
            specs += extra
    for spec in specs:
        name, sep, version = spec.partition("==")
        assert sep and lock.get(_canon(name)) == version, spec


def _rule_envs() -> dict[str, Path]:
    """``{rule: env file}`` from the rule files, paths resolved as Snakemake does (relative
    to the .smk file that holds the ``conda:`` directive)."""
    out = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text()
        for block in re.split(r"\n(?=\s*rule\b)", text):
            name = re.match(r"\s*rule\s*(\w*):", block)
            conda = re.search(r"conda:\s*\n\s*\"([^\"]+)\"", block)
            if not name:
                continue
            assert conda, f"{smk.name}: rule {name.group(1) or '(loop)'} has no conda env"
            out[name.group(1) or f"figure_* ({smk.name})"] = (smk.parent / conda.group(1)).resolve()
    return out


def test_every_rule_has_the_env_of_its_family():
    envs = _rule_envs()
    for rule, path in envs.items():
        assert path.exists(), (rule, path)
        expected = "figures" if rule.startswith("figure_") else RULE_ENV[rule]
        assert path == ROOT / "envs" / f"{expected}.yaml", rule
    assert set(RULE_ENV) <= set(envs)


def _paths_that_do_not_resolve(env_file: Path) -> list[str]:
    """Entries of an env file that name a path, resolved next to ``env_file``, that is not
    there (or, for an editable install, is not a Python project)."""
    env = yaml.safe_load(env_file.read_text())
    bad = []
    for dep in env["dependencies"]:
        for entry in dep["pip"] if isinstance(dep, dict) else [dep]:
            words = entry.split()
            is_path = words[0].startswith("-") or "/" in entry or entry.startswith(".")
            if not is_path:
                continue
            path = (env_file.parent / words[-1].split("[")[0]).resolve()
            editable = words[0] in ("-e", "--editable")
            if not path.exists() or (editable and not (path / "pyproject.toml").exists()):
                bad.append(entry)
    return bad


def test_envs_survive_snakemakes_copy(tmp_path):
    """Snakemake copies an env file to .snakemake/conda/<hash>.yaml and conda reads it there:
    every path in it must still name what it meant from there."""
    conda_dir = tmp_path / ".snakemake" / "conda"
    conda_dir.mkdir(parents=True)
    for env in ENVS:
        src = ROOT / "envs" / f"{env}.yaml"
        copy = conda_dir / (hashlib.md5(src.read_bytes()).hexdigest() + ".yaml")
        shutil.copy(src, copy)
        assert _paths_that_do_not_resolve(copy) == [], env
    # The check catches what broke the envs before: `-e ..` from .snakemake/conda/.
    old = conda_dir / "old.yaml"
    old.write_text("dependencies:\n  - pip:\n      - numpy==2.4.6\n      - -e ..[figures]\n")
    assert _paths_that_do_not_resolve(old) == ["-e ..[figures]"]


def _fake_conda(root: Path) -> dict[str, str]:
    """Install the stand-in conda under ``root``; the environment that puts it on the PATH."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    script = Path(__file__).with_name("fake_conda.py")
    (bin_dir / "conda").write_text(
        f'#!/bin/sh\nFAKE_CONDA_ROOT="{root}" exec "{sys.executable}" "{script}" "$@"\n'
    )
    (bin_dir / "conda").chmod(0o755)
    (bin_dir / "activate").write_text(ACTIVATE)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    return env


@pytest.mark.slow
def test_smoke_dag_runs_with_sdm_conda(tmp_path):
    """``snakemake --sdm conda`` on one smoke size: Snakemake creates the three envs from
    their copies in .snakemake/conda/ and runs every rule in its env, which holds only the
    env file's packages (and not mblbath: the rules run the repository's src/)."""
    from test_workflow import copy_repo, job_counts, write_config

    work = copy_repo(tmp_path / "repo")
    config = write_config(work, "conda", sweep__L=[12], sweep__U=[0, 12])
    env = _fake_conda(tmp_path / "conda")
    args = ("--sdm", "conda", "--cores", "2", "--configfile", str(config))
    plan = _snakemake("-n", *args, cwd=work, env=env)
    # every rule of the default DAG (the long-time branch has its own test)
    default_rules = {r for r in RULE_ENV if not r.startswith("long_")}
    assert default_rules <= set(job_counts(plan)), plan
    _snakemake(*args, cwd=work, env=env)
    for name in ("fig1", "fig2", "fig3", "fig4", "criterion", "validation"):
        assert (work / "results" / "figures" / f"{name}.png").stat().st_size > 0
    assert (work / "results" / "report" / "claims.html").stat().st_size > 0

    envs = {}
    for spec in (work / ".snakemake" / "conda").glob("*.yaml"):
        envs[yaml.safe_load(spec.read_text())["name"]] = spec.with_suffix("")
    assert sorted(envs) == [f"mblbath-{e}" for e in sorted(ENVS)]
    # Each env imports what its rules run and lacks what they must not need; mblbath comes
    # from the repository's src/, not from the env.
    checks = {
        "simulate": (["mblbath.tebd", "mblbath.exact", "mblbath.disorder", "tqdm"], ["matplotlib"]),
        "analysis": (
            ["mblbath.report", "mblbath.analysis.run", "mblbath.aggregate", "mblbath.criterion"],
            ["tenpy", "matplotlib"],
        ),
        "figures": (["mblbath.figures.fig1", "mblbath.figures.criterion"], ["tenpy"]),
    }
    for family, (present, absent) in checks.items():
        code = "\n".join(
            [
                "import importlib.util, mblbath",
                *[f"import {m}" for m in present],
                f"assert mblbath.__file__.startswith({str(work / 'src')!r}), mblbath.__file__",
                f"missing = [m for m in {absent!r} if importlib.util.find_spec(m) is None]",
                f"assert missing == {absent!r}, missing",
            ]
        )
        proc = subprocess.run(
            [str(envs[f"mblbath-{family}"] / "bin" / "python"), "-c", code],
            env={"PYTHONPATH": str(work / "src"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, (family, proc.stderr)


def _snakemake(*args: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("snakemake")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, f"snakemake {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr
