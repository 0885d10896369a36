"""Results on disk are what the DAG thinks they are, and stale code does not pass for current.

End to end on the smoke config: each slow test copies the one finished smoke run of the
session (``smoke_run`` in conftest.py) with its ``.snakemake`` metadata and mtimes, breaks
something, and checks the plan (``snakemake -n``) and, where it matters, the repair. The
fast tests check what ``snakemake -n`` says about bad configs, before any job.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mblbath.checksum import quick_status, sidecar
from test_workflow import ROOT, SNAKEMAKE, clone_tree, job_counts, planned_outputs

SMOKE = ("--configfile", "config/smoke.yaml")
#: What depends on one TEBD run of the validated size (L = 12): its aggregate, the
#: validation, the four fits of that size, every figure but the criterion's, the claims.
DOWNSTREAM_L12 = {
    "aggregate": 1,
    "validate": 1,
    "fit_nc": 1,
    "fit_lc": 1,
    "fit_ld": 1,
    "fit_entanglement": 1,
    "figure_fig1": 1,
    "figure_fig2": 1,
    "figure_fig3": 1,
    "figure_fig4": 1,
    "figure_validation": 1,
    "claims": 1,
    "all": 1,
}


def snakemake(
    *args: str, cwd: Path = ROOT, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, timeout=1200, env=env
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def _runs(work: Path) -> list[Path]:
    return sorted((work / "results" / "runs").rglob("seed*.nc"))


def _run(work: Path, L: int, U: str, seed: int) -> Path:
    [path] = [p for p in _runs(work) if p.parts[-3:] == (f"L{L}", f"U{U}", f"seed{seed}.nc")]
    return path


def _plan(work: Path, *args: str, env: dict | None = None) -> tuple[dict[str, int], str]:
    proc = snakemake("-n", *SMOKE, *args, cwd=work, env=env)
    return job_counts(proc.stdout), proc.stdout + proc.stderr


@pytest.mark.slow
def test_missing_and_damaged_runs_are_rebuilt_by_the_plain_command(smoke_run, tmp_path):
    work = clone_tree(smoke_run[0], tmp_path / "repo")
    # 1. A deleted run: exactly it and what depends on it.
    gone = _run(work, 12, "2.5", 0)
    gone.unlink()
    counts, _ = _plan(work)
    assert counts == {"tebd": 1, **DOWNSTREAM_L12}, counts
    # 2. A truncated run of the other size: moved aside with a warning naming it, planned.
    cut = _run(work, 18, "12", 1)
    raw = cut.read_bytes()
    cut.write_bytes(raw[: len(raw) // 2])
    counts, out = _plan(work)
    rel = str(cut.relative_to(work))
    damaged = work / "results" / "damaged" / cut.relative_to(work / "results")
    assert f"mblbath: {rel} is damaged (size" in out and "truncated" in out, out
    assert damaged.read_bytes() == raw[: len(raw) // 2] and sidecar(damaged).exists()
    assert counts["tebd"] == 2 and counts["aggregate"] == 2, counts
    assert sorted(planned_outputs(out, "tebd")) == sorted([str(gone.relative_to(work)), rel])
    assert not {"sample_disorder", "exact", "criterion", "figure_criterion"} & set(counts)
    # 3. The README command repairs both; afterwards nothing is left to do.
    snakemake("--cores", "2", *SMOKE, cwd=work)
    for path in (gone, cut):
        assert quick_status(path) is None
    assert cut.stat().st_size == len(raw)
    assert "Nothing to be done" in _plan(work)[1]


@pytest.mark.slow
def test_a_failed_aggregate_is_rebuilt_after_silent_damage(smoke_run, tmp_path):
    """The trap of issue 18: a damaged run fails its aggregate, Snakemake deletes the
    aggregate's previous output, and later calls must not say "Nothing to be done"."""
    work = clone_tree(smoke_run[0], tmp_path / "repo")
    agg = next((work / "results" / "aggregate").rglob("L18.nc"))
    # A deleted aggregate alone: it and what depends on it, no run.
    shutil.copy2(agg, tmp_path / "agg.nc")
    agg.unlink()
    counts, _ = _plan(work)
    assert counts.get("aggregate") == 1 and counts.get("fit_nc") == 1, counts
    assert "tebd" not in counts, counts
    shutil.copy2(tmp_path / "agg.nc", agg)  # back as it was (mtime too)
    assert "Nothing to be done" in _plan(work)[1]
    # A bit flip that keeps size and mtime: invisible until the aggregate reads it.
    run = _run(work, 18, "0", 0)
    raw, st = bytearray(run.read_bytes()), run.stat()
    raw[len(raw) // 2] ^= 0xFF
    run.write_bytes(bytes(raw))
    os.utime(run, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert "Nothing to be done" in _plan(work)[1]
    force = ("--forcerun", "aggregate", "--until", "aggregate")
    proc = snakemake("--cores", "2", "--keep-going", *SMOKE, *force, cwd=work, check=False)
    log = next((work / "logs" / "aggregate").rglob("L18.log")).read_text()
    assert proc.returncode != 0 and not agg.exists()
    assert f"{run.relative_to(work)}: checksum mismatch" in log, log
    assert "Traceback" not in log, log
    # The plain command now moves the run aside and rebuilds it and the aggregate.
    counts, out = _plan(work)
    assert f"{run.relative_to(work)} is damaged (checksum mismatch" in out, out
    assert planned_outputs(out, "tebd") == [str(run.relative_to(work))]
    assert counts.get("aggregate") == 1, counts


@pytest.mark.slow
def test_a_physics_edit_reruns_what_it_changes_and_a_comment_nothing(smoke_run, tmp_path):
    work = clone_tree(smoke_run[0], tmp_path / "repo")
    env = dict(os.environ, PYTHONPATH=str(work / "src"))  # the copy's package is imported
    model = work / "src" / "mblbath" / "model.py"
    text = model.read_text()
    line = '        self.add_onsite(U, 0, "NdNc")\n'
    assert text.count(line) == 1
    # Comments, docstrings and formatting: nothing to do.
    comment = "        # the c-d interaction, Eq. (1)\n"
    cosmetic = text.replace(line, comment + line.rstrip() + "  # U\n")
    cosmetic = cosmetic.replace('"""The two-species', '"""The (edited docstring) two-species', 1)
    assert cosmetic != text
    model.write_text(cosmetic)
    assert "Nothing to be done" in _plan(work, env=env)[1]
    # U -> 2U in the Hamiltonian: every TEBD and exact run and what depends on them.
    model.write_text(text.replace(line, line.replace("(U,", "(2 * U,")))
    counts, out = _plan(work, env=env)
    assert counts["tebd"] == len(_runs(work)) and counts["exact"] == 3, counts
    assert counts["aggregate"] == 2 and counts["claims"] == 1, counts
    assert not {"sample_disorder", "collect_disorder", "criterion", "figure_criterion"} & set(
        counts
    ), counts
    # ... because of the code fingerprint in their params; the rest through their inputs.
    assert out.count("reason: Params have changed") == counts["tebd"] + counts["exact"], out


def _bad(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return path


def test_unknown_key_is_named_in_one_line_without_the_schema(tmp_path):
    proc = snakemake("-n", "--configfile", str(_bad(tmp_path, "modell: {W: 6.5}\n")), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "config key 'modell': unknown key" in out and "did you mean 'model'" in out, out
    assert "Failed validating" not in out and len(out.splitlines()) < 40, out


def test_snakemake_accepts_integer_sizes_and_warns_beyond_the_local_profile(tmp_path):
    cfg = _bad(tmp_path, "sweep: {L: [12, 600]}\nnumerics: {chi_max_per_L: {12: 16}}\n")
    proc = snakemake("-n", "--configfile", str(cfg), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "--chi-max 16" in out  # the integer key applies to L = 12
    assert "more than the 2 h the local profile is meant for" in out, out


def test_yaml_error_in_the_default_config_names_line_and_column(tmp_path):
    from test_workflow import copy_repo

    work = copy_repo(tmp_path / "repo")
    cfg = work / "config" / "config.yaml"
    cfg.write_text(cfg.read_text().replace("  W: 6.5\n", "  W: [6.5\n", 1))
    proc = snakemake("-n", cwd=work, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "rule tebd" not in out
    assert "config file config/config.yaml, line " in out and ", column " in out, out
