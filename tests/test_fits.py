"""Tests of mblbath.fits: recovery of known parameters from synthetic aggregated data.

``make_agg`` builds a Dataset with the layout of the aggregated TEBD output (dims U, seed,
time, site, site2, bond) whose observables follow the paper's phenomenology exactly, with
disorder-like noise per realisation:

* n_c: Eq. (3) on the lattice (normalised to 1) with ell_c(t) = Eq. (4)(xi_c[U], T0_c) and
  R(t) = R0 + R1 sqrt(t), times lognormal noise of relative width ``noise`` per seed and site
  (mean preserving);
* C_dd: -A exp(-|i - j| / ell_d(t)), ell_d(t) = Eq. (4)(xi_d[U], T0_d), lognormal noise;
* S: Eq. (5) with the true n_c profile at the cut x_b = b - 1/2 - c_site, plus Gaussian
  noise of width ``s_noise`` per seed.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.fits import (
    coarse_grain,
    coarse_grain_x,
    eq3,
    eq4,
    eq5,
    fit_entanglement,
    fit_lc,
    fit_ld,
    fit_nc,
    ld_pair,
)

TRUE = {
    "xi_c": {0.0: 40.0, 4.0: 8.0, 12.0: 3.0},
    "T0_c": 0.5,
    "R0": 1.5,
    "R1": 2.0,
    "xi_d": {0.0: 1.0, 4.0: 1.15, 12.0: 1.3},
    "T0_d": 0.3,
    "A_d": 0.2,
    "xi_S": 0.25,
    "S_AI": 0.3,
}


def true_ell_c(U: float, t):
    return eq4(np.asarray(t, float), TRUE["xi_c"][U], TRUE["T0_c"])


def true_R(t):
    return TRUE["R0"] + TRUE["R1"] * np.sqrt(np.asarray(t, float))


def true_ell_d(U: float, t):
    return eq4(np.asarray(t, float), TRUE["xi_d"][U], TRUE["T0_d"])


def true_profile(U: float, t: float, x: np.ndarray, x_lattice: np.ndarray) -> np.ndarray:
    """Eq. (3) normalised to one c-boson on the lattice, evaluated at x."""
    if t == 0:
        return (np.asarray(x) == 0).astype(float)
    ell, R = true_ell_c(U, t), true_R(t)
    N = 1.0 / eq3(x_lattice, ell, R).sum()
    return eq3(x, ell, R, N)


def make_agg(
    L: int = 30,
    Us: tuple[float, ...] = (0.0, 12.0),
    n_seeds: int = 8,
    n_times: int = 24,
    t_max: float = 100.0,
    noise: float = 0.5,
    s_noise: float = 0.05,
    rng_seed: int = 0,
    missing: tuple[tuple[float, int], ...] = (),
    with_C: bool = True,
) -> xr.Dataset:
    """Synthetic aggregated dataset (see module docstring); ``missing`` = (U, seed) runs."""
    rng = np.random.default_rng(rng_seed)
    c_site = L // 2
    times = np.concatenate([[0.0], np.logspace(-1, np.log10(t_max), n_times - 1)])
    sites = np.arange(L)
    x = sites - c_site
    bonds = np.arange(1, L)
    x_b = bonds - 0.5 - c_site
    nU, nS, nT = len(Us), n_seeds, times.size

    def lognormal(shape, sigma):
        return np.exp(sigma * rng.standard_normal(shape) - sigma**2 / 2)

    n_c = np.empty((nU, nS, nT, L))
    S = np.empty((nU, nS, nT, L - 1))
    for iu, U in enumerate(Us):
        for it, t in enumerate(times):
            prof = true_profile(U, t, x, x)
            n_c[iu, :, it] = prof[None, :] * lognormal((nS, L), noise)
            pb = true_profile(U, t, x_b, x) if t > 0 else np.zeros_like(x_b)
            s_true = eq5(t, U * pb, TRUE["S_AI"], TRUE["xi_S"])
            S[iu, :, it] = s_true[None, :] + s_noise * rng.standard_normal((nS, L - 1))
    wave = (sites % 3 == 1).astype(float)
    relax = 1 / 3 + (wave[None, :] - 1 / 3) * np.exp(-times)[:, None]  # (time, site)
    n_d = np.broadcast_to(relax, (nU, nS, nT, L)).copy()
    if with_C:
        dist = np.abs(sites[:, None] - sites[None, :])
        C = np.empty((nU, nS, nT, L, L))
        for iu, U in enumerate(Us):
            for it, t in enumerate(times):
                if t == 0:
                    C[iu, :, it] = 0.0
                    continue
                base = -TRUE["A_d"] * np.exp(-dist / true_ell_d(U, t))
                C[iu, :, it] = base[None] * lognormal((nS, L, L), noise)
        C = 0.5 * (C + np.swapaxes(C, -1, -2))  # symmetric, as a correlation matrix
    else:
        C = np.zeros((nU, nS, nT, L, L))
    conv = np.ones((nU, nS), dtype=np.int8)
    trunc = np.zeros((nU, nS, nT))
    for U, s in missing:
        iu = list(Us).index(U)
        for arr in (n_c, n_d, C, S, trunc):
            arr[iu, s] = np.nan
        conv[iu, s] = 0
    ds = xr.Dataset(
        {
            "eps": (("seed", "site"), rng.uniform(-6.5, 6.5, (nS, L))),
            "n_c": (("U", "seed", "time", "site"), n_c),
            "n_d": (("U", "seed", "time", "site"), n_d),
            "C_dd": (("U", "seed", "time", "site", "site2"), C),
            "S": (("U", "seed", "time", "bond"), S),
            "trunc_err": (("U", "seed", "time"), trunc),
            "converged": (("U", "seed"), conv),
        },
        coords={
            "U": np.asarray(Us, float),
            "seed": np.arange(nS),
            "time": times,
            "site": sites,
            "site2": sites,
            "bond": bonds,
            "x": ("site", x),
        },
        attrs={
            "L": L,
            "W": 6.5,
            "td": 1.0,
            "tc": 1.0,
            "d_residue": 1,
            "c_site": c_site,
            "chi_max": 64,
            "dt": 0.05,
            "order": 4,
            "t_max": t_max,
            "numerics": "synthetic",
            "config_hash": "0" * 12,
        },
    )
    return ds


def _check_cf(ds: xr.Dataset, tmp_path, name: str) -> None:
    """Every variable and coordinate has units and long_name; the file can be written."""
    for k, v in ds.variables.items():
        assert "units" in v.attrs and "long_name" in v.attrs, k
    path = tmp_path / f"{name}.nc"
    ds.to_netcdf(path)
    with xr.open_dataset(path) as back:
        assert set(back.data_vars) == set(ds.data_vars)


# --------------------------------------------------------------------------------------
# model functions
# --------------------------------------------------------------------------------------
def test_coarse_grain_and_centres():
    n = np.array([0.0, 0.0, 3.0, 0.0, 0.0, 0.0])
    cg = coarse_grain(n)
    np.testing.assert_allclose(cg, [1.0, 1.0, 1.0, 0.0])
    x = np.arange(6) - 2
    np.testing.assert_allclose(coarse_grain_x(x), [-1, 0, 1, 2])  # centre x(i) + 1
    # symmetric profile stays symmetric about x = 0
    prof = np.exp(-np.abs(np.arange(11) - 5.0))
    cgp = coarse_grain(prof)
    xc = coarse_grain_x(np.arange(11) - 5)
    np.testing.assert_allclose(cgp, cgp[::-1])
    assert xc[np.argmax(cgp)] == 0
    # along the last axis of a batch
    assert coarse_grain(np.ones((2, 3, 7))).shape == (2, 3, 5)


def test_eq3_limits_and_eq4_eq5():
    x = np.array([-3.0, 0.0, 0.5, 3.0])
    assert eq3(np.array([0.0]), 2.0, 5.0, 0.7)[0] == 0.7
    np.testing.assert_allclose(eq3(x, 2.0, 5.0), eq3(-x, 2.0, 5.0))
    # |x| << R: exponential; |x| >> R: Gaussian exp(-x^2 / (ell R))
    np.testing.assert_allclose(eq3(np.array([1.0]), 2.0, 1e6), np.exp(-0.5), rtol=1e-9)
    np.testing.assert_allclose(eq3(np.array([1.0]), 2.0, np.inf), np.exp(-0.5))
    np.testing.assert_allclose(eq3(np.array([100.0]), 2.0, 1.0), np.exp(-(100**2) / 2.0), rtol=1e-3)
    t = np.array([0.0, 1.0, 1e8])
    e4 = eq4(t, 3.0, 0.5)
    assert e4[0] == 0 and e4[1] == pytest.approx(3 * np.log(3) / (1 + np.log(3)))
    assert e4[2] < 3.0 and e4[2] > 2.8
    assert eq5(2.0, 0.0, 0.3, 1.0) == pytest.approx(0.3)
    assert eq5(2.0, 1.5, 0.3, 0.5) == pytest.approx(0.3 + 0.5 * np.log(4.0))
    assert ld_pair(5, 2) == (4, 6) and ld_pair(5, 3) == (4, 7) and ld_pair(5, 1) == (5, 6)


# --------------------------------------------------------------------------------------
# Eq. (3)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def agg60():
    """L = 60, U = 12, 50 seeds, lognormal noise of width 0.15 per seed and site."""
    return make_agg(L=60, Us=(12.0,), n_seeds=50, n_times=22, with_C=False, rng_seed=1, noise=0.15)


@pytest.fixture(scope="module")
def nc60(agg60):
    return fit_nc(agg60, fit_t_min=1.0, n_bootstrap=24, bootstrap_seed=3)


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
    _check_cf(ds, tmp_path, "nc")


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


# --------------------------------------------------------------------------------------
# Eq. (4)
# --------------------------------------------------------------------------------------
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
    _check_cf(ds, tmp_path, "lc")


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


# --------------------------------------------------------------------------------------
# ell_d
# --------------------------------------------------------------------------------------
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
    _check_cf(ds, tmp_path, "ld")


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


# --------------------------------------------------------------------------------------
# Eq. (5)
# --------------------------------------------------------------------------------------
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
    _check_cf(ds, tmp_path, "ent")


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
        _check_cf(ds, tmp_path, f"{name}{n_seeds}")
        assert f"U=12: {n_seeds}" in ds.attrs.get("n_seeds_used", "")
    if n_seeds == 1:
        assert nc.attrs["error"].startswith("standard error from the Jacobian")
    # the pipeline passes nc_fit through netCDF: same results after a round trip
    with xr.open_dataset(tmp_path / f"nc{n_seeds}.nc") as back:
        back = back.load()
    xr.testing.assert_allclose(fit_lc(back, fit_t_min=1.0, L=12).xi_c, lc.xi_c)
    ent2 = fit_entanglement(agg, back, fit_t_min=1.0, t_ent=None)
    xr.testing.assert_allclose(ent2.xi_S, ent.xi_S)
    # every status is "ok"-like with finite values, or a reason with NaN
    for st, val in ((nc.status, nc.ell_c), (lc.status, lc.xi_c), (ent.status, ent.xi_S)):
        ok = np.char.startswith(st.values.astype(str), "ok")
        assert np.all(np.isfinite(val.values[ok]))
        assert np.all(np.isnan(val.values[~ok]))
