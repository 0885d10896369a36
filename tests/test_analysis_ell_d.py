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
