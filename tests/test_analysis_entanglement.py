"""Eq. (5) fits (mblbath.analysis.entanglement), and every fit end to end on a tiny set."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from fit_data import TRUE, check_cf, make_agg
from mblbath.analysis.ell_d import fit_ld
from mblbath.analysis.entanglement import fit_entanglement
from mblbath.analysis.profile import fit_nc
from mblbath.analysis.saturation import fit_lc
from mblbath.io import open_result


@pytest.fixture(scope="module")
def agg_ent():
    return make_agg(L=60, Us=(0.0, 12.0), n_seeds=50, n_times=22, with_C=False, rng_seed=4)


@pytest.fixture(scope="module")
def nc_ent(agg_ent):
    return fit_nc(agg_ent, fit_t_min=1.0, n_bootstrap=16, bootstrap_seed=5)


def test_fit_entanglement_with_u0(agg_ent, nc_ent, tmp_path):
    ds = fit_entanglement(agg_ent, nc_ent, fit_t_min=1.0, t_ent=None)
    xi = float(ds.xi_S.sel(U=12.0))
    print("xi_S (S_AI from U=0):", xi, "+-", float(ds.xi_S_err.sel(U=12.0)))
    assert str(ds.status.sel(U=12.0).values) == "ok"
    assert xi == pytest.approx(TRUE["xi_S"], rel=0.05)
    assert np.isfinite(ds.xi_S_err.sel(U=12.0)) and float(ds.xi_S_err.sel(U=12.0)) > 0
    assert "U=0 data" in str(ds.S_AI_source.sel(U=12.0).values)
    np.testing.assert_allclose(ds.S_AI.sel(U=12.0).values[2:-2], TRUE["S_AI"], atol=0.02)
    assert str(ds.status.sel(U=0.0).values).startswith("not fitted: U = 0")
    # late-time slope vs -xi_S / ell_c
    sl, sp = float(ds.slope.sel(U=12.0)), float(ds.slope_pred.sel(U=12.0))
    print("slope", sl, "+-", float(ds.slope_err.sel(U=12.0)), "pred", sp)
    assert str(ds.slope_status.sel(U=12.0).values) == "ok"
    assert sl == pytest.approx(sp, rel=0.15)
    # MBL front: positive and growing at late times
    xm = ds.x_mbl.sel(U=12.0).values
    late = ds.time.values >= 1
    assert np.all(np.diff(xm[late]) > 0)
    # model reproduces the mean
    m = ds.S_model.sel(U=12.0).values[late][:, 2:-2]
    d = ds.S_mean.sel(U=12.0).values[late][:, 2:-2]
    assert np.nanmax(np.abs(m - d)) < 0.06
    check_cf(ds, tmp_path, "ent")


def test_fit_entanglement_fits_S_AI_without_u0(agg_ent, nc_ent):
    agg = agg_ent.sel(U=[12.0])
    nc = nc_ent.sel(U=[12.0])
    ds = fit_entanglement(agg, nc, fit_t_min=1.0, t_ent=50.0)
    xi = float(ds.xi_S.sel(U=12.0))
    s_ai = float(ds.S_AI.sel(U=12.0).values[10])
    print("xi_S (S_AI fitted):", xi, "S_AI", s_ai)
    assert xi == pytest.approx(TRUE["xi_S"], rel=0.05)
    assert s_ai == pytest.approx(TRUE["S_AI"], rel=0.05)
    assert "fitted" in str(ds.S_AI_source.sel(U=12.0).values)
    assert float(ds.t_ent.sel(U=12.0)) == pytest.approx(
        ds.time.values[np.argmin(np.abs(ds.time.values - 50))]
    )


@pytest.mark.parametrize("n_seeds", [1, 2])
def test_tiny_dataset_end_to_end(n_seeds, tmp_path):
    """Laptop-size smoke test: every stage runs, writes netCDF, no warnings, no crash."""
    agg = make_agg(L=12, Us=(0.0, 4.0, 12.0), n_seeds=n_seeds, n_times=10, t_max=20.0)
    nc = fit_nc(agg, fit_t_min=1.0, n_bootstrap=8, bootstrap_seed=1)
    lc = fit_lc(nc, fit_t_min=1.0, L=12)
    ld = fit_ld(agg, fit_t_min=1.0, n_bootstrap=8, bootstrap_seed=1)
    ent = fit_entanglement(agg, nc, fit_t_min=1.0, t_ent=None)
    for name, ds in (("nc", nc), ("lc", lc), ("ld", ld), ("ent", ent)):
        check_cf(ds, tmp_path, f"{name}{n_seeds}")
        assert f"U=12: {n_seeds}" in ds.attrs.get("n_seeds_used", "")
    if n_seeds == 1:
        assert nc.attrs["error"].startswith("standard error from the Jacobian")
    # the pipeline passes nc_fit through netCDF: same results after a round trip
    back = open_result(tmp_path / f"nc{n_seeds}.nc")
    xr.testing.assert_allclose(fit_lc(back, fit_t_min=1.0, L=12).xi_c, lc.xi_c)
    ent2 = fit_entanglement(agg, back, fit_t_min=1.0, t_ent=None)
    xr.testing.assert_allclose(ent2.xi_S, ent.xi_S)
    # every status is "ok"-like with finite values, or a reason with NaN
    for st, val in ((nc.status, nc.ell_c), (lc.status, lc.xi_c), (ent.status, ent.xi_S)):
        ok = np.char.startswith(st.values.astype(str), "ok")
        assert np.all(np.isfinite(val.values[ok]))
        assert np.all(np.isnan(val.values[~ok]))
