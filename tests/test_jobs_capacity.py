"""Warnings when a config plans more TEBD work than the chosen profile delivers."""

from __future__ import annotations

from pathlib import Path

from mblbath.config import load_config, load_configs, validate_config
from mblbath.jobs.calibration import reference_coefficients
from mblbath.jobs.capacity import Profile, capacity_warnings, read_profile

ROOT = Path(__file__).resolve().parents[1]
LOCAL = Profile("local", cluster=False, cores=2)


def test_shipped_configs_fit_their_profiles():
    # by the cost model of the reference machine (a 2-core VM, the pipeline's engine);
    # the raw coefficients (TeNPy's engine) are ~3x slower
    ref = reference_coefficients()
    for name in ("config.yaml", "smoke.yaml", "reproduction.yaml"):
        # as snakemake --configfile merges them: over the workflow's config/config.yaml
        cfg = load_configs([ROOT / "config" / name], base=ROOT / "config" / "config.yaml")
        assert capacity_warnings(cfg, LOCAL, ram_mb=8000, coeffs=ref) == [], name
    paper = load_config(ROOT / "config" / "paper.yaml")
    slurm = read_profile(ROOT / "profiles" / "slurm")
    assert slurm.cluster and slurm.retries == 3
    [warning] = capacity_warnings(paper, slurm, max_runtime=2880)
    assert "needs" in warning and "--retries" in warning
    assert capacity_warnings(paper, Profile("big", True, 1, retries=500), max_runtime=2880) == []


def test_long_plans_and_big_jobs_on_the_local_profile_are_named():
    cfg = validate_config({"sweep": {"L": [600]}})
    [warning] = capacity_warnings(cfg, LOCAL, ram_mb=64000)
    assert "on 2 cores" in warning and "L=600" in warning and "local profile" in warning
    assert read_profile(ROOT / "profiles" / "default") == Profile(
        str(ROOT / "profiles" / "default"), cluster=False, cores=2
    )
    small_ram = capacity_warnings(validate_config({}), LOCAL, ram_mb=100)
    assert len(small_ram) == 1 and "more than the 0.1 GB of this machine" in small_ram[0]
