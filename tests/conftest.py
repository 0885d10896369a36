"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest

from fit_data import make_agg
from mblbath.analysis.profile import fit_nc


@pytest.fixture(scope="session")
def agg60():
    """L = 60, U = 12, 50 seeds, lognormal noise of width 0.15 per seed and site."""
    return make_agg(L=60, Us=(12.0,), n_seeds=50, n_times=22, with_C=False, rng_seed=1, noise=0.15)


@pytest.fixture(scope="session")
def nc60(agg60):
    """Eq. (3) fits of ``agg60`` with 24 bootstrap resamples."""
    return fit_nc(agg60, fit_t_min=1.0, n_bootstrap=24, bootstrap_seed=3)
