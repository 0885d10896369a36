"""Fits of the long-time branch: each form recovered from data generated with it, and chosen.

The synthetic observables (tests/long_times_data.py) follow one known form exactly in the
disorder mean; the fits must recover its parameters within their (bootstrap) errors and the
AIC comparison must prefer it decisively (gap >= 2, chosen in >= 95 % of the resamples).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from long_times_data import TRUE, make_obs
from mblbath.analysis.long_forms import FORMS, QUANTITIES, evaluate, fit_form, sigma_of
from mblbath.analysis.long_times import MIN_POINTS, WINDOWS, compare_forms, fit_long_times


@pytest.fixture(scope="module", params=FORMS)
def fitted(request):
    form = request.param
    obs = make_obs({name: form for name in QUANTITIES}, n_seeds=40, noise=0.05)
    return form, fit_long_times(obs, 10.0, 60.0, n_bootstrap=100, bootstrap_seed=1)


def test_each_form_is_recovered_and_selected(fitted):
    form, fit = fitted
    for name in QUANTITIES:
        f = fit.sel(window="late", quantity=name, U=12.0)
        assert str(f["best_form"].values) == form, name
        assert float(f["delta_aic"]) >= 2.0, name
        assert float(f["select_frac"].sel(form=form)) >= 0.95, name
        p = f["params"].sel(form=form).values
        err = f["params_err"].sel(form=form).values
        assert np.all(np.isfinite(err) & (err > 0)), name
        # parameters within three of their errors (deterministic data, so no flakiness)
        assert np.all(np.abs(p - np.asarray(TRUE[name][form])) <= 3 * err), (name, p, err)
        assert str(f["status"].sel(form=form).values) == "ok", name


def test_the_common_window_ends_at_common_t_max(fitted):
    _, fit = fitted
    f = fit.sel(window="common", quantity="sigma2_c", U=12.0)
    assert float(f["t_hi"]) <= 60.0 + 1e-9
    assert float(f["t_lo"]) >= 10.0 - 1e-9
    late = fit.sel(window="late", quantity="sigma2_c", U=12.0)
    assert float(late["t_hi"]) == pytest.approx(1e4)


def test_fit_file_is_complete_and_self_describing(fitted, tmp_path):
    _, fit = fitted
    assert list(fit["window"].values) == list(WINDOWS)
    assert list(fit["form"].values) == list(FORMS)
    for name in fit.data_vars:
        assert "long_name" in fit[name].attrs, name
        # numbers carry units; strings (statuses, form names) have none in CF-1.8
        assert ("units" in fit[name].attrs) == (fit[name].dtype.kind in "fiu"), name
    assert "AIC" in fit.attrs["criterion"]
    fit.to_netcdf(tmp_path / "fit.nc")
    back = xr.load_dataset(tmp_path / "fit.nc")
    assert str(back["best_form"].sel(window="late", quantity="S_half", U=12.0).values) in FORMS


def test_saturation_plateau_is_the_long_time_value():
    form = "saturation"
    obs = make_obs({"imbalance_d": form, "sigma2_c": form}, n_seeds=30)
    fit = fit_long_times(obs, 10.0, 60.0, 50, 2).sel(window="late", U=12.0)
    xi = TRUE["imbalance_d"][form][0]
    plateau = fit["plateau"].sel(quantity="imbalance_d")
    assert float(plateau) == pytest.approx(
        1.0 - xi, abs=3 * float(fit["plateau_err"].sel(quantity="imbalance_d"))
    )
    assert float(fit["plateau"].sel(quantity="sigma2_c")) == pytest.approx(
        TRUE["sigma2_c"][form][0], rel=0.05
    )


def test_data_that_end_early_are_not_fitted_in_the_common_window():
    obs = make_obs({"sigma2_c": "log"}, n_seeds=10, t_max=20.0)
    fit = fit_long_times(obs, 10.0, 60.0, 20, 1)
    common = fit.sel(window="common", quantity="sigma2_c", U=12.0)
    assert int(common["n_points"]) == 0
    assert "data end at t = 19.95" in str(common["status"].values[0])
    late = fit.sel(window="late", quantity="sigma2_c", U=12.0)  # t in [10, 20]: 4 times
    assert int(late["n_points"]) == 0
    assert f"< {MIN_POINTS}" in str(late["status"].values[0])


def test_a_single_realisation_has_jacobian_errors_and_no_selection_frequency():
    obs = make_obs({"S_half": "log"}, n_seeds=1, noise=0.0)
    f = fit_long_times(obs, 10.0, 60.0, 100, 1).sel(window="late", quantity="S_half", U=12.0)
    assert str(f["best_form"].values) == "log"
    assert np.all(np.isnan(f["select_frac"].values))
    assert int(f["weighted"]) == 0


def test_compare_forms_errors_shrink_with_more_realisations():
    """Realisations scattered by a common factor: the error of A falls like 1/sqrt(n)."""
    t = np.geomspace(10, 1e4, 31)
    q = QUANTITIES["sigma2_c"]
    y = evaluate("power", t, np.array([0.8, 0.4]), q)
    rng = np.random.default_rng(5)
    errs = []
    for n in (10, 90):
        reps = y * (1 + 0.1 * rng.standard_normal((n, 1)))
        boot = np.stack([reps[rng.integers(0, n, n)].mean(axis=0) for _ in range(60)])
        res = compare_forms(t, reps.mean(axis=0), reps.std(axis=0, ddof=1) / np.sqrt(n), boot, q)
        errs.append(res["params_err"][FORMS.index("power"), 0])  # the amplitude A
    assert errs[1] < errs[0] / 2


def test_fit_form_reports_an_unreached_plateau():
    """Saturation data seen only well before T0: the plateau is an extrapolation."""
    q = QUANTITIES["sigma2_c"]
    t = np.geomspace(0.01, 0.5, 20)
    y = evaluate("saturation", t, np.array([5.0, 50.0]), q)
    sig, weighted = sigma_of(y, np.full(t.size, 1e-3))
    assert weighted
    r = fit_form("saturation", q, t, y, sig)
    assert r.status.startswith("ok; ")
    assert "plateau" in r.status
