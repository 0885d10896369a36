"""Eq. (4) fits (mblbath.analysis.saturation.fit_lc) recover xi and T0, and fail visibly."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from fit_data import TRUE, check_cf
from mblbath.analysis.models import eq4
from mblbath.analysis.saturation import fit_lc


def _synthetic_nc_fit(xi, T0, rel_noise=0.02, seed=0, growth="eq4"):
    rng = np.random.default_rng(seed)
    t = np.concatenate([[0.0], np.logspace(-1, 2, 31)])
    if growth == "eq4":
        ell = eq4(t, xi, T0)
    else:
        ell = 0.5 * t
    ell = ell * (1 + rel_noise * rng.standard_normal(t.size))
    ell[0] = np.nan
    return xr.Dataset(
        {
            "ell_c": (("U", "time"), ell[None]),
            "ell_c_err": (("U", "time"), rel_noise * np.abs(ell[None])),
            "status": (("U", "time"), np.array([["ok"] * t.size])),
        },
        coords={"U": [12.0], "time": t},
        attrs={"L": 60},
    )


def test_fit_lc_recovers_eq4(tmp_path):
    # 1 % scatter per time: the precision of l_c(t) from 50 realisations at late times
    ds = fit_lc(_synthetic_nc_fit(6.0, 0.7, rel_noise=0.01), fit_t_min=1.0, L=60)
    xi, T0 = float(ds.xi_c.sel(U=12.0)), float(ds.T0.sel(U=12.0))
    print("Eq.4 synthetic: xi", xi, "T0", T0)
    assert str(ds.status.sel(U=12.0).values) == "ok"
    assert xi == pytest.approx(6.0, rel=0.05)
    assert T0 == pytest.approx(0.7, rel=0.05)
    assert np.isfinite(ds.xi_c_err).all() and float(ds.xi_c_err.sel(U=12.0)) > 0
    assert abs(T0 - 0.7) < 3 * float(ds.T0_err.sel(U=12.0))
    assert ds.attrs["L"] == 60 and ds.attrs["fit_t_min"] == 1.0
    model = ds.ell_c_model.sel(U=12.0).values
    np.testing.assert_allclose(model[1:], eq4(ds.time.values[1:], xi, T0))
    check_cf(ds, tmp_path, "lc")


def test_fit_lc_failure_is_nan_with_reason():
    ds = fit_lc(_synthetic_nc_fit(6.0, 0.7, growth="linear"), fit_t_min=1.0, L=60)
    assert np.isnan(float(ds.xi_c.sel(U=12.0)))
    assert str(ds.status.sel(U=12.0).values) != "ok"
    few = _synthetic_nc_fit(6.0, 0.7)
    few["ell_c"][0, 3:] = np.nan
    ds2 = fit_lc(few, fit_t_min=1.0, L=60)
    assert str(ds2.status.sel(U=12.0).values).startswith("too few points")


def test_fit_lc_end_to_end(nc60):
    ds = fit_lc(nc60, fit_t_min=1.0, L=60)
    xi, T0 = float(ds.xi_c.sel(U=12.0)), float(ds.T0.sel(U=12.0))
    print(
        "Eq.4 end to end: xi",
        xi,
        "+-",
        float(ds.xi_c_err.sel(U=12.0)),
        "T0",
        T0,
        "+-",
        float(ds.T0_err.sel(U=12.0)),
    )
    assert xi == pytest.approx(TRUE["xi_c"][12.0], rel=0.05)
    assert T0 == pytest.approx(TRUE["T0_c"], rel=0.1)
    assert ds.attrs["error"].startswith("bootstrap")


def test_fit_lc_red_chi2_measures_the_misfit():
    """1 % scatter with 1 % stated errors: red_chi2 ~ 1; the same scatter with errors
    stated 10x too small: red_chi2 ~ 100 (the number can fail)."""
    honest = _synthetic_nc_fit(6.0, 0.7, rel_noise=0.01, seed=4)
    ds = fit_lc(honest, fit_t_min=1.0, L=60)
    red, dof = float(ds.red_chi2.sel(U=12.0)), int(ds.n_dof.sel(U=12.0))
    print("red_chi2 honest", red, "dof", dof)
    assert dof == int(ds.n_points.sel(U=12.0)) - 2 and dof > 10
    assert 0.3 < red < 2.0
    small = honest.copy(deep=True)
    small["ell_c_err"] = honest["ell_c_err"] / 10
    red_small = float(fit_lc(small, fit_t_min=1.0, L=60).red_chi2.sel(U=12.0))
    print("red_chi2 with errors 10x too small", red_small)
    assert red_small > 30
    assert "approximate" in ds.attrs["red_chi2_note"]
    failed = fit_lc(_synthetic_nc_fit(6.0, 0.7, growth="linear"), fit_t_min=1.0, L=60)
    assert np.isnan(float(failed.red_chi2.sel(U=12.0)))
