"""d-boson decay lengths (mblbath.analysis.ell_d.fit_ld) from synthetic |C_dd|."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from fit_data import TRUE, check_cf, make_agg, true_ell_d
from mblbath.analysis.ell_d import fit_ld


@pytest.fixture(scope="module")
def agg_ld():
    return make_agg(L=30, Us=(0.0, 12.0), n_seeds=50, n_times=16, rng_seed=2)


def test_fit_ld_recovers_exponentials(agg_ld, tmp_path):
    ds = fit_ld(agg_ld, fit_t_min=1.0, n_bootstrap=16, bootstrap_seed=1)
    times = ds.time.values
    bulk = slice(8, 22)
    for U in (0.0, 12.0):
        ell = ds.ell_d.sel(U=U).isel(centre=bulk).values[times > 0]
        truth = true_ell_d(U, times[times > 0])[:, None]
        rel = np.abs(ell / truth - 1)
        print(f"ell_d U={U}: max rel err {rel.max():.4f}")
        assert rel.max() < 0.05
        inf = ds.ell_d_inf.sel(U=U).isel(centre=bulk).values
        print(f"ell_d_inf U={U}: {inf.mean():.4f} (true {TRUE['xi_d'][U]})")
        np.testing.assert_allclose(inf, TRUE["xi_d"][U], rtol=0.05)
        assert all(s == "ok" for s in ds.status.sel(U=U).isel(centre=bulk).values)
    diff = ds.ell_d_inf_diff.isel(centre=bulk).values
    np.testing.assert_allclose(diff, TRUE["xi_d"][12.0] - TRUE["xi_d"][0.0], atol=0.06)
    assert np.isfinite(ds.ell_d_inf_diff_err.isel(centre=bulk)).all()
    # chain ends: too few pairs -> NaN and a reason
    assert np.isnan(ds.ell_d.sel(U=0.0).isel(centre=0).values).all()
    assert str(ds.ell_d_status.sel(U=0.0).isel(centre=0, time=5).values).startswith("too few")
    check_cf(ds, tmp_path, "ld")


def test_fit_ld_on_a_thinned_c_dd_grid(agg_ld):
    """numerics.cdd_every = 3: C_dd only at every third time; those fits are unchanged."""
    from mblbath.config import cdd_mask

    full = fit_ld(agg_ld, fit_t_min=1.0, n_bootstrap=0)
    measured = cdd_mask(agg_ld.sizes["time"], 3)
    thin = agg_ld.copy()
    thin.attrs["cdd_every"] = 3
    thin["C_dd"] = agg_ld["C_dd"].where(xr.DataArray(measured, dims="time"))
    ds = fit_ld(thin, fit_t_min=1.0, n_bootstrap=0)
    np.testing.assert_array_equal(
        ds.ell_d.isel(time=measured).values, full.ell_d.isel(time=measured).values
    )
    assert np.isnan(ds.ell_d.isel(time=~measured)).all()
    status = ds.ell_d_status.isel(U=0, centre=15, time=int(np.flatnonzero(~measured)[0])).item()
    assert status.startswith("not measured") and "cdd_every" in status
    bulk = slice(8, 22)
    for U in (0.0, 12.0):  # Eq. (4) from a third of the times still recovers the truth
        inf = ds.ell_d_inf.sel(U=U).isel(centre=bulk).values
        np.testing.assert_allclose(inf, TRUE["xi_d"][U], rtol=0.05)


def test_fit_ld_diff_absent_without_u0():
    agg = make_agg(L=12, Us=(12.0,), n_seeds=3, n_times=8)
    ds = fit_ld(agg, fit_t_min=1.0, n_bootstrap=0)
    assert np.isnan(ds.ell_d_inf_diff).all()
    assert "no U = 0" in ds.ell_d_inf_diff.attrs["note"]


def _expected_window(t, A=0.2, D=0.0, ell_3=2.0, xi_1=1.0, T0_1=0.3, c_floor=1e-8, x_max=22):
    """Points of the fit window of |mean C| = |-A e^{-x/ell_1} + D e^{-x/ell_3}| (analytic):
    x = 1, 2, ... <= x_max while the mean keeps its sign at x = 1 and |mean| > c_floor."""
    from mblbath.analysis.models import eq4

    ell_1 = float(eq4(t, xi_1, T0_1))

    def mean(x):
        return -A * np.exp(-x / ell_1) + D * np.exp(-x / ell_3)

    n = 0
    for x in range(1, x_max + 1):
        if np.sign(mean(x)) != np.sign(mean(1)) or abs(mean(x)) <= c_floor:
            break
        n += 1
    return n


def test_ell_d_default_is_the_decay_of_the_abs_of_the_disorder_mean():
    """C_s = -A e^{-x/ell_1(t)} + eta_s B e^{-x/ell_2}, eta_s = +-1 in equal numbers:
    |mean C| = A e^{-x/ell_1} gives ell_d = ell_1(t) = Eq. (4)(1.0, 0.3) (the paper's);
    mean |C| = B e^{-x/ell_2} gives ell_2 = 3 (the explicit option)."""
    from mblbath.analysis.models import eq4
    from synthetic_raw import mixed_sign_cdd_aggregate

    agg = mixed_sign_cdd_aggregate(L=24, n_seeds=20)
    c3 = agg["C_dd"].isel(U=0, time=-1, site=10, site2=13).values
    assert (c3 > 0).sum() == 10 and (c3 < 0).sum() == 10  # realisations differ in sign
    ds = fit_ld(agg, fit_t_min=1.0, n_bootstrap=8, bootstrap_seed=1)
    t = ds.time.values
    bulk = slice(8, 16)
    ell = ds.ell_d.isel(U=0, centre=bulk).values[t > 0]
    truth = eq4(t[t > 0], 1.0, 0.3)[:, None]
    np.testing.assert_allclose(ell, np.broadcast_to(truth, ell.shape), rtol=1e-6)
    inf = ds.ell_d_inf.isel(U=0, centre=bulk).values
    np.testing.assert_allclose(inf, 1.0, rtol=1e-3)
    assert np.isfinite(ds.ell_d_err.isel(U=0, centre=bulk).values[t > 0]).all()
    assert ds.attrs["ell_d_average"] == "abs_of_mean"
    alt = fit_ld(agg, fit_t_min=1.0, n_bootstrap=0, average="mean_of_abs")
    assert alt.attrs["ell_d_average"] == "mean_of_abs"
    ell_alt = alt.ell_d.isel(U=0, centre=bulk).values[t > 0]
    np.testing.assert_allclose(ell_alt, 3.0, rtol=1e-6)
    with pytest.raises(ValueError, match="average"):
        fit_ld(agg, n_bootstrap=0, average="abs")


def test_ell_d_window_ends_where_the_mean_changes_sign():
    """Mean C = -A e^{-x/ell_1} + D e^{-x/ell_3} (D > 0) crosses zero: the window holds
    the x before the crossing only (|mean C| rises again beyond it)."""
    from synthetic_raw import mixed_sign_cdd_aggregate

    D, ell_3 = 0.01, 2.5
    agg = mixed_sign_cdd_aggregate(L=24, n_seeds=20, D=D, ell_3=ell_3)
    ds = fit_ld(agg, fit_t_min=1.0, n_bootstrap=0)
    t = ds.time.values
    n = ds.n_points.isel(U=0, centre=12).values
    status = ds.ell_d_status.isel(U=0, centre=12).values
    expected = [_expected_window(tt, D=D, ell_3=ell_3) if tt > 0 else 0 for tt in t]
    print("window sizes", n[t > 0], "expected", expected[1:])
    assert max(expected) >= 3 and min(expected[1:]) < 3  # both cases occur on this grid
    for k in np.flatnonzero(t > 0):
        assert n[k] == expected[k], t[k]
        assert (status[k] == "ok") == (expected[k] >= 3), (t[k], status[k])


def test_ell_d_inf_goodness_of_fit(agg_ld):
    ds = fit_ld(agg_ld, fit_t_min=1.0, n_bootstrap=0)
    red = ds.ell_d_inf_red_chi2.isel(centre=slice(8, 22)).values
    dof = ds.ell_d_inf_n_dof.isel(centre=slice(8, 22)).values
    ok = ds.status.isel(centre=slice(8, 22)).values == "ok"
    assert ok.any() and np.isfinite(red[ok]).all() and (red[ok] > 0).all()
    t_fit = (ds.time.values >= 1.0).sum()
    assert (dof[ok] == t_fit - 2).all()
    assert "approximate" in ds.attrs["red_chi2_note"]
