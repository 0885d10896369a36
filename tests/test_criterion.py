"""Tests of mblbath.criterion (perturbative criterion, Eq. 2)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cf_check import cf_units_problems
from mblbath.criterion import compute_criterion, effective_disorder, find_crossing


@pytest.fixture(scope="module")
def small():
    return compute_criterion([2.0, 6.5, 12.0], [0.0, 1.0, 4.0, 12.0, 20.0], L=150, n_real=4, seed=3)


def test_output_layout_and_conventions(small, tmp_path):
    ds = small
    assert dict(ds.sizes) == {"W": 3, "U": 5, "x_small": 5, "residue": 3}
    assert cf_units_problems(ds) == []  # long_name everywhere, UDUNITS units (strings none)
    for name in (
        "W_tilde",
        "W_tilde_err",
        "xi_d",
        "xi_c0_limit",
        "xi_c0_limit_err",
        "U_c",
        "U_c_err",
        "U_c_status",
        "U_c_perU",
        "U_c_perU_status",
    ):
        assert ds[name].dims == ("W",), name
    for name in ("xi_c", "xi_c0", "lhs", "rhs", "rhs_perU", "stable"):
        assert ds[name].dims == ("W", "U")
    for name in ("U_small", "xi_c0_small", "xi_c0_small_err"):
        assert ds[name].dims == ("W", "x_small")
    assert ds.stable.dtype == np.int8
    for key in (
        "W_tilde_convention",
        "energy_convention",
        "criterion",
        "W_tilde_argmax",
        "xi_c0_limit_method",
        "xi_c0_limit_window",
    ):
        assert key in ds.attrs
    # U = 0: free c-boson; the per-U rhs is undefined, the limit's is not; lhs = 0: unstable
    u0 = ds.sel(U=0.0)
    assert np.isinf(u0.xi_c).all() and np.isnan(u0.rhs_perU).all() and (u0.stable == 0).all()
    # stable <=> lhs > rhs; lhs = (W + U W_tilde) U; xi_c0 = U^2 xi_c; rhs from the limit
    pos = ds.sel(U=[1.0, 4.0, 12.0, 20.0])
    np.testing.assert_array_equal(pos.stable.values, (pos.lhs > pos.rhs).values.astype(np.int8))

    def same(a, b):
        np.testing.assert_allclose(a.values, b.transpose(*a.dims).values, rtol=1e-12)

    same(pos.lhs, (pos.W + pos.U * pos.W_tilde) * pos.U)
    same(pos.xi_c0, pos.U**2 * pos.xi_c)
    same(pos.rhs_perU, 1.5 * pos.xi_c0 * pos.xi_d * (1 / 3) * (2 / 3))
    same(ds.rhs, (1.5 * ds.xi_c0_limit * ds.xi_d * (1 / 3) * (2 / 3)).broadcast_like(ds.rhs))
    # the small-U grid is x / W_tilde of the small-U chain
    same(ds.U_small, ds.x_small / ds.W_tilde_small)
    path = tmp_path / "crit.nc"
    ds.to_netcdf(path)
    with xr.open_dataset(path) as back:
        xr.testing.assert_allclose(back.lhs, ds.lhs)


def test_seeded_and_reproducible(small):
    again = compute_criterion(
        [2.0, 6.5, 12.0], [0.0, 1.0, 4.0, 12.0, 20.0], L=150, n_real=4, seed=3
    )
    status = ["U_c_status", "U_c_perU_status"]
    xr.testing.assert_allclose(small.drop_vars(status), again.drop_vars(status))
    other = compute_criterion([6.5], [4.0], L=150, n_real=4, seed=4)
    assert float(other.W_tilde[0]) != float(small.W_tilde.sel(W=6.5))


def test_physics_trends(small):
    # the Anderson length shrinks with W; xi_c shrinks with U (stronger effective disorder)
    assert np.all(np.diff(small.xi_d.values) < 0)
    xc = small.xi_c.sel(W=6.5).values[1:]
    assert np.all(np.diff(xc) < 0)
    # weak effective disorder: xi_c ~ 1/U^2 (so xi_c0 = U^2 xi_c varies slowly at small U)
    ds = compute_criterion([6.5], [1.0, 2.0], L=600, n_real=8, seed=1, n_real_small=40)
    xc = ds.xi_c.values[0]
    exponent = np.log(xc[1] / xc[0]) / np.log(2.0)
    print(f"xi_c(U=1) = {xc[0]:.1f}, xi_c(U=2) = {xc[1]:.1f}: xi_c ~ U^{exponent:.2f}")
    assert -2.6 < exponent < -1.6


def test_effective_disorder_definition():
    rng = np.random.default_rng(0)
    L = 300
    wave = np.tile((np.arange(L) % 3 == 1).astype(float), (5, 1))
    w, _ = effective_disorder(wave, 3, 0)
    assert w == pytest.approx(0.0, abs=1e-12)  # periodic part is not disorder
    a = 0.2
    noisy = 0.5 * wave + rng.uniform(-a, a, wave.shape)
    w, err = effective_disorder(noisy, 3, 10)
    assert w == pytest.approx(a, rel=0.03)  # box [-a, a] -> W_tilde = a
    assert 0 < err < 0.01


def test_find_crossing():
    u = np.array([0.5, 1.0, 2.0, 3.0])
    uc, st = find_crossing(u, np.array([-1.0, -0.5, 0.5, 1.0]))
    assert uc == pytest.approx(1.5) and st == "ok"
    uc, st = find_crossing(u, np.array([1.0, 1.0, 1.0, 1.0]))
    assert np.isnan(uc) and st.startswith("stable at every U")
    uc, st = find_crossing(u, -np.ones(4))
    assert np.isnan(uc) and st.startswith("unstable on the whole grid")
    uc, st = find_crossing(u, np.array([-1.0, 1.0, -1.0, 1.0]))
    assert uc == pytest.approx(0.75) and "3 sign changes" in st


def test_w_tilde_is_non_monotonic():
    """W_tilde(W) on a W grid: report where its maximum is (paper: W = 6.5 is close)."""
    W = np.arange(1.0, 15.01, 1.0)
    ds = compute_criterion(W, [12.0], L=300, n_real=6, seed=0, n_real_small=40)
    wt = ds.W_tilde.values
    i = int(np.argmax(wt))
    print(
        "W_tilde(W):",
        ", ".join(f"{w:g}:{v:.4f}" for w, v in zip(W, wt, strict=True)),
        f"| argmax W = {ds.attrs['W_tilde_argmax']:g}",
        f"| W_tilde(6.5 ~ 6,7) / max = {wt[5] / wt[i]:.3f}, {wt[6] / wt[i]:.3f}",
    )
    assert 0 < i < W.size - 1  # interior maximum: rises, then falls
    assert wt[-1] < wt[i] and wt[0] < wt[i]
    assert 5.0 <= ds.attrs["W_tilde_argmax"] <= 12.0  # near the paper's W = 6.5
