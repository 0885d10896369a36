"""Eq. (3) fits (mblbath.analysis.profile.fit_nc) recover known profiles from synthetic data."""

from __future__ import annotations

import numpy as np

from fit_data import check_cf, make_agg, true_ell_c, true_profile, true_R
from mblbath.analysis.profile import fit_nc


def test_fit_nc_recovers_eq3(nc60, agg60, tmp_path):
    ds = nc60
    times = ds.time.values
    fitted = times >= 1.0
    status = ds.status.sel(U=12.0).values
    assert all(s == "ok" for s in status[fitted]), status[fitted]
    assert all(s.startswith("not fitted") for s in status[~fitted])
    ell = ds.ell_c.sel(U=12.0).values[fitted]
    R = ds.R.sel(U=12.0).values[fitted]
    ell_true = true_ell_c(12.0, times[fitted])
    R_true = true_R(times[fitted])
    rel_ell = np.abs(ell / ell_true - 1)
    rel_R = np.abs(R / R_true - 1)
    print("max rel. error ell_c", rel_ell.max(), "R", rel_R.max())
    assert rel_ell.max() < 0.05
    assert rel_R.max() < 0.05
    # N_c from normalisation matches the true amplitude
    N_true = np.array(
        [true_profile(12.0, t, np.array([0.0]), np.arange(60) - 30)[0] for t in times[fitted]]
    )
    np.testing.assert_allclose(ds.N_c.sel(U=12.0).values[fitted], N_true, rtol=0.05)
    # bootstrap errors exist and are not absurd (pulls below 4)
    err = ds.ell_c_err.sel(U=12.0).values[fitted]
    assert np.all(np.isfinite(err)) and np.all(err > 0)
    assert np.all(np.abs(ell - ell_true) < 4 * err + 0.01 * ell_true)
    assert int(ds.n_seeds.sel(U=12.0)) == 50
    assert ds.attrs["error"].startswith("bootstrap standard deviation")
    # fitted model curve is finite where fitted, NaN elsewhere
    assert np.isfinite(ds.nc_cg_fit.sel(U=12.0).values[fitted]).all()
    assert np.isnan(ds.nc_cg_fit.sel(U=12.0).values[~fitted]).all()
    check_cf(ds, tmp_path, "nc")


def test_fit_nc_realistic_noise_errors_are_honest():
    """Sample-to-sample scatter 0.5 (a single-particle proxy of the c-boson in the Hartree
    potential gives 0.3-0.9): per-time l_c and R are then only known to ~5-15 % at the
    earliest times (l_c-R degeneracy while R ~ l_c); the bootstrap errors must say so."""
    agg = make_agg(L=60, Us=(12.0,), n_seeds=50, n_times=22, with_C=False, rng_seed=2)
    ds = fit_nc(agg, fit_t_min=1.0, n_bootstrap=24, bootstrap_seed=3)
    t = ds.time.values
    f = t >= 1
    for name, truth in (("ell_c", true_ell_c(12.0, t[f])), ("R", true_R(t[f]))):
        val = ds[name].sel(U=12.0).values[f]
        err = ds[f"{name}_err"].sel(U=12.0).values[f]
        rel = np.abs(val / truth - 1)
        pull = np.abs(val - truth) / err
        print(
            f"noise 0.5: {name} max rel {rel.max():.3f} median {np.median(rel):.3f}, "
            f"max pull {pull.max():.2f}"
        )
        assert np.median(rel) < 0.05
        assert pull.max() < 4


def test_fit_nc_early_times_and_failures_are_visible():
    agg = make_agg(L=30, Us=(12.0,), n_seeds=4, n_times=12, with_C=False)
    ds = fit_nc(agg, fit_t_min=0.0, n_bootstrap=0)
    st = ds.status.sel(U=12.0).values
    assert st[0].startswith("not fitted: t = 0")
    # earliest profiles: c-boson still on ~1 site -> "too narrow" or a bound, never silent
    for s, e in zip(st, ds.ell_c.sel(U=12.0).values, strict=True):
        assert (s.startswith("ok") and np.isfinite(e)) or (not s.startswith("ok") and np.isnan(e))
    # c-boson still on a single site at t >= fit_t_min: too few points to fit
    single = agg.copy(deep=True)
    single["n_c"][:] = 0.0
    single["n_c"][..., 15] = 1.0
    dss = fit_nc(single, fit_t_min=1.0, n_bootstrap=0)
    sts = dss.status.sel(U=12.0).values[dss.time.values >= 1]
    assert all(s.startswith("too narrow") for s in sts), sts
    # a flat (structureless) profile cannot be described by Eq. (3)
    flat = agg.copy(deep=True)
    flat["n_c"][:] = 1.0 / 30
    dsf = fit_nc(flat, fit_t_min=1.0, n_bootstrap=0)
    stf = dsf.status.sel(U=12.0).values[dsf.time.values >= 1]
    assert all(not s.startswith("ok") for s in stf), stf
    assert np.isnan(dsf.ell_c.sel(U=12.0).values).all()
    assert ds.attrs["error"].startswith("standard error from the Jacobian")


def test_fit_nc_skips_missing_runs():
    agg = make_agg(L=30, Us=(0.0, 12.0), n_seeds=6, n_times=12, with_C=False, missing=((12.0, 2),))
    ds = fit_nc(agg, fit_t_min=1.0, n_bootstrap=5)
    assert int(ds.n_seeds.sel(U=12.0)) == 5 and int(ds.n_seeds.sel(U=0.0)) == 6
    later = ds.time.values >= 1
    assert np.isfinite(ds.nc_cg.sel(U=12.0).values[later]).all()
    assert "U=12: 5" in ds.attrs["n_seeds_used"]
    # excluding unconverged runs by flag
    agg2 = make_agg(L=30, Us=(12.0,), n_seeds=4, n_times=8, with_C=False)
    agg2["converged"][0, 1] = 0
    ds2 = fit_nc(agg2, fit_t_min=1.0, n_bootstrap=0, exclude_unconverged=True)
    assert int(ds2.n_seeds.sel(U=12.0)) == 3
