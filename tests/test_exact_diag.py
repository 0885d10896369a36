"""Full diagonalisation of the sector (mblbath.exact_diag) against independent references.

- the Chebyshev propagator of mblbath.exact (a different algorithm on the same sparse H);
- the diagonal ensemble: with td = 0 the d-bosons cannot move (n_d(∞) = n_d(0) exactly,
  whatever the degeneracies), and at U = 0 the c-boson is a free particle whose
  infinite-time density is Σ_k |φ_k(i)|² |φ_k(i0)|² (eigenvectors φ_k of the L×L hopping
  matrix); the long-time average over many random times at a small L;
- TEBD (mblbath.tebd) at the times both reach (slow, L = 12).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from mblbath.cli import main
from mblbath.exact import sector_dimension, sector_evolution
from mblbath.exact_diag import MAX_DIMENSION, SectorEigensystem, eigh_evolution
from mblbath.io import open_result

KEYS = ("n_d", "n_c", "C_dd", "S", "N_d", "N_c")


def eps_of(L: int, seed: int = 0, W: float = 6.5) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-W, W, L)


@pytest.mark.parametrize("U", [2.5, 12.0])
def test_eigh_matches_chebyshev_to_long_times(U):
    L = 9
    eps, d, c0 = eps_of(L, 1), np.arange(1, L, 3), L // 2
    times = np.r_[0.0, np.geomspace(0.1, 1e3, 25)]
    a = eigh_evolution(eps, U, 1.0, 1.0, d, c0, times)
    b = sector_evolution(eps, U, 1.0, 1.0, d, c0, times)
    for key in KEYS:
        np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-9, err_msg=key)
    assert a["n_c_inf"].shape == a["n_d_inf"].shape == (L,)
    assert a["n_c_inf"].sum() == pytest.approx(1.0, abs=1e-12)
    assert a["n_d_inf"].sum() == pytest.approx(d.size, abs=1e-12)


@pytest.mark.parametrize("U", [0.0, 3.0])
def test_diagonal_ensemble_with_frozen_d_bosons(U):
    """td = 0 and eps = 0: every d configuration is degenerate, yet n_d cannot change."""
    L = 9
    d, c0 = np.arange(1, L, 3), 3
    res = eigh_evolution(np.zeros(L), U, 0.0, 1.0, d, c0, [0.0, 50.0])
    n0 = np.zeros(L)
    n0[d] = 1.0
    np.testing.assert_allclose(res["n_d_inf"], n0, atol=1e-10)
    np.testing.assert_allclose(res["n_d"][-1], n0, atol=1e-10)
    if U == 0:
        hop = np.diag(np.ones(L - 1), 1) + np.diag(np.ones(L - 1), -1)
        _, phi = scipy.linalg.eigh(hop)
        free = (phi**2) @ (phi[c0] ** 2)
        np.testing.assert_allclose(res["n_c_inf"], free, atol=1e-10)


def test_diagonal_ensemble_is_the_long_time_average():
    L = 6
    eps, d, c0 = eps_of(L, 4), np.arange(1, L, 3), L // 2
    system = SectorEigensystem(eps, 4.0, 1.0, 1.0, d.size)
    res = eigh_evolution(eps, 4.0, 1.0, 1.0, d, c0, [0.0])
    psi0 = np.zeros(system.E.size, dtype=complex)
    k0 = int(np.searchsorted(system.confs, (1 << d).sum()))
    psi0[k0 * L + c0] = 1.0
    times = np.random.default_rng(0).uniform(0, 1e6, 20000)
    P = np.abs(system.evolve(system.coefficients(psi0), times)) ** 2
    n_c_avg = P.reshape(times.size, -1, L).sum(axis=1).mean(axis=0)
    np.testing.assert_allclose(res["n_c_inf"], n_c_avg, atol=0.01)


def test_too_large_a_sector_is_refused_before_any_work():
    L = 15
    assert sector_dimension(L, 5) > MAX_DIMENSION
    with pytest.raises(ValueError, match="too large"):
        SectorEigensystem(np.zeros(L), 1.0, 1.0, 1.0, 5)


def test_cli_writes_run_files_with_the_diagonal_ensemble(tmp_path):
    common = ["--L", "6", "--U", "3", "--seed", "0", "--t-max", "1000", "--n-per-decade", "4"]
    files = {}
    for method in ("eigh", "chebyshev"):
        files[method] = tmp_path / f"{method}.nc"
        argv = ["long-times", "exact", *common, "--method", method, "--out", str(files[method])]
        assert main(argv) == 0
    a, b = (open_result(files[m]) for m in ("eigh", "chebyshev"))
    assert a.attrs["method"] == "exact_eigh" and b.attrs["method"] == "exact_sector"
    assert a.attrs["t_max"] == 1000.0 and float(a["time"][-1]) == 1000.0
    for key in ("n_c", "n_d", "S"):
        np.testing.assert_allclose(a[key], b[key], rtol=0, atol=1e-9)
    assert "n_c_inf" in a and "n_c_inf" not in b
    agg = tmp_path / "agg.nc"
    assert main(["long-times", "aggregate", str(files["eigh"]), "--out", str(agg)]) == 0
    ds = open_result(agg)
    assert ds["n_c_inf"].dims == ("U", "seed", "site")
    np.testing.assert_allclose(ds["n_c_inf"].values[0, 0], a["n_c_inf"].values)


@pytest.mark.slow
def test_L12_long_times_agree_with_chebyshev_and_tebd():
    """Acceptance: L = 12, U = 12, W = 6.5: full diagonalisation vs the Chebyshev propagator
    on a log grid to t = 1e4, and vs TEBD (order 4, dt = 0.05, chi = 128: no truncation)
    at every time TEBD reaches (t <= 10), to the bounds of the TEBD acceptance tests."""
    from mblbath.config import run_params
    from mblbath.disorder import sample_eps
    from mblbath.model import d_sites
    from mblbath.tebd.evolve import run_tebd

    params = run_params(L=12, U=12.0, seed=0, chi_max=128, order=4, t_max=10.0, n_per_decade=6)
    eps = sample_eps(params.W, params.L, params.seed, params.master_seed)
    d = d_sites(params.L, params.d_residue)
    long_grid = np.r_[0.0, np.geomspace(0.1, 1e4, 31)]
    tebd_grid = params.times()
    ed = eigh_evolution(eps, 12.0, 1.0, 1.0, d, params.c0, np.r_[long_grid, tebd_grid])
    cheb = sector_evolution(eps, 12.0, 1.0, 1.0, d, params.c0, long_grid)
    n = long_grid.size
    for key in KEYS:
        np.testing.assert_allclose(ed[key][:n], cheb[key], rtol=0, atol=1e-8, err_msg=key)
    tebd = run_tebd(params, eps)
    for key, tol in (("n_c", 1e-5), ("n_d", 1e-5), ("S", 1e-4)):
        dev = np.abs(np.asarray(tebd[key]) - ed[key][n:]).max()
        assert dev <= tol, (key, dev)
