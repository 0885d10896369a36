"""Fixtures shared by several test modules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fit_data import make_agg
from mblbath.analysis.profile import fit_nc


@pytest.fixture(autouse=True)
def _shipped_cost_coefficients(monkeypatch):
    """Tests see the shipped cost coefficients, not a calibration the checkout may hold
    (``mblbath calibrate`` writes results/calibration/<machine>.json); the tests of the
    calibration itself unset this."""
    monkeypatch.setenv("MBLBATH_CALIBRATION", "shipped")


@pytest.fixture(scope="session")
def agg60():
    """L = 60, U = 12, 50 seeds, lognormal noise of width 0.15 per seed and site."""
    return make_agg(L=60, Us=(12.0,), n_seeds=50, n_times=22, with_C=False, rng_seed=1, noise=0.15)


@pytest.fixture(scope="session")
def nc60(agg60):
    """Eq. (3) fits of ``agg60`` with 24 bootstrap resamples."""
    return fit_nc(agg60, fit_t_min=1.0, n_bootstrap=24, bootstrap_seed=3)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> tuple[Path, float]:
    """A copy of the repository with the whole smoke DAG run once, and its wall time (s).

    Shared by the end-to-end workflow tests: those that change files copy the tree first
    (:func:`test_workflow.clone_tree`), so the smoke run is paid once per session.
    """
    from test_workflow import copy_repo, snakemake

    repo = copy_repo(tmp_path_factory.mktemp("smoke"))
    start = time.perf_counter()
    snakemake("--cores", "2", "--configfile", "config/smoke.yaml", cwd=repo)
    return repo, time.perf_counter() - start
