"""Synthetic aggregated and fitted datasets, built from the paper's formulas.

They follow the schemas of the figure/report inputs exactly (see
``mblbath.figures.make_figure``) and carry plausible numbers, so that the tests can render
every figure and the claims table without running any simulation:

- n_c(x, t): Eq. (3) with ell_c(t) from Eq. (4) (xi_c ~ 3 at U = 12, xi_c ~ 30 at U = 2.5;
  a ballistic packet at U = 0), R(t) ~ sqrt(t) saturating at L/2, normalised to one particle;
- n_d(i, t): the period-3 density wave with an Anderson contrast relaxing to ~0.55 and
  extra relaxation near the centre that grows with U n_c;
- S(b, t): Eq. (5), S_AI + xi_S log(1 + U n_c(x_b, t) t);
- fits: Eq. (4) curves and values with 5-10 % errors; criterion: W_tilde peaked at W = 6.5.

Everything is seeded (``numpy.random.default_rng``), so the files are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from mblbath.analysis.stats import mean_sem
from mblbath.config import config_hash, validate_config

__all__ = [
    "eq4",
    "eq3",
    "time_grid",
    "make_agg",
    "make_nc_fit",
    "make_lc_fit",
    "make_ld_fit",
    "make_ent_fit",
    "make_criterion",
    "make_validation",
    "make_meta",
    "write_inputs",
]

W = 6.5
XI_S = 0.15
ND = 1.0 / 3.0


def eq4(t: np.ndarray, xi: float, T0: float) -> np.ndarray:
    """Eq. (4): xi log(1 + t/T0) / (1 + log(1 + t/T0))."""
    g = np.log1p(np.asarray(t, dtype=float) / T0)
    return xi * g / (1.0 + g)


def eq3(x: np.ndarray, ell: float, R: float) -> np.ndarray:
    """Eq. (3) without the normalisation: exp(-|x| / (ell tanh(R/|x|)))."""
    ax = np.abs(np.asarray(x, dtype=float))
    with np.errstate(divide="ignore"):
        arg = np.where(ax > 0, R / np.where(ax > 0, ax, 1.0), np.inf)
    return np.exp(-ax / (ell * np.tanh(arg)))


def _xi_T0(U: float) -> tuple[float, float]:
    """Localisation length and T0 of the c-boson used for each U."""
    if U >= 10:
        return 3.0, 0.5
    if U >= 3.5:
        return 8.0, 3.0
    return 30.0, 60.0


def ell_c_true(U: float, t: np.ndarray) -> np.ndarray:
    """The 'true' ell_c(t) of the synthetic data (ballistic at U = 0)."""
    t = np.asarray(t, dtype=float)
    if U == 0:
        return 0.3 + 2.0 * t
    xi, T0 = _xi_T0(U)
    return np.maximum(eq4(t, xi, T0), 0.15)


def R_true(L: int, t: np.ndarray) -> np.ndarray:
    """The 'true' R(t): ~ sqrt(t), saturating at L/2."""
    return np.minimum(0.5 + 1.5 * np.sqrt(np.asarray(t, dtype=float)), L / 2)


def time_grid(t_max: float, n: int = 22) -> np.ndarray:
    """0, then n log-spaced times from 0.1 to t_max."""
    return np.concatenate([[0.0], np.geomspace(0.1, t_max, n)])


def _profile(
    L: int, c_site: int, U: float, t: float, x: np.ndarray, pure_exp: bool = False
) -> np.ndarray:
    """Normalised Eq. (3) profile of the c-boson at the positions x (site - c_site).

    ``pure_exp``: R = infinity (the exponential regime that makes S linear in |x|).
    """
    sites_x = np.arange(L) - c_site
    if t == 0:
        out = np.where(np.abs(x) < 1e-9, 1.0, 0.0)
        return out.astype(float)
    ell = float(ell_c_true(U, t))
    R = np.inf if pure_exp else float(R_true(L, t))
    norm = eq3(sites_x, ell, R).sum()
    return eq3(x, ell, R) / norm


def make_agg(
    L: int,
    Us: Sequence[float],
    n_seeds: int = 3,
    t_max: float = 50.0,
    seed: int = 0,
    missing_run: bool = True,
) -> xr.Dataset:
    """Aggregated runs of one L (schema of the 'agg' input).

    The last seed of the first U is a missing run (all NaN) when there are more than two
    seeds and more than one U; the last-but-one seed of the largest U is unconverged.
    """
    rng = np.random.default_rng([seed, L])
    c_site = L // 2
    t = time_grid(t_max)
    site = np.arange(L)
    x = site - c_site
    bond = np.arange(1, L)
    xb = bond - 0.5 - c_site
    occ = (site % 3 == 1).astype(float)
    nU, nS, nT = len(Us), n_seeds, t.size
    n_c = np.zeros((nU, nS, nT, L))
    n_d = np.zeros_like(n_c)
    S = np.zeros((nU, nS, nT, L - 1))
    C = np.zeros((nU, nS, nT, L, L))
    eps = rng.uniform(-W, W, size=(nS, L))
    a_and = 0.55 + 0.45 * np.exp(-t / 0.7)
    dist = np.abs(site[:, None] - site[None, :])
    for iu, U in enumerate(Us):
        for s in range(nS):
            static = 0.03 * rng.standard_normal(L)
            for it, tt in enumerate(t):
                prof = _profile(L, c_site, U, tt, x)
                noise = np.exp(0.15 * rng.standard_normal(L)) if tt > 0 else 1.0
                p = prof * noise
                n_c[iu, s, it] = p / p.sum()
                extra = 1.0 - 0.8 * (1 - np.exp(-U * tt / 20)) * np.minimum(1.0, 3 * prof)
                contrast = a_and[it] * extra
                n_d[iu, s, it] = np.clip(ND + (occ - ND) * contrast + static * (tt > 0), 0, 1)
                ueff = U * _profile(L, c_site, U, tt, xb, pure_exp=U >= 10)
                s_ai = (
                    0.35 * (1 - np.exp(-tt / 1.5)) * (1 - np.exp(-2 * np.minimum(bond, L - bond)))
                )
                S[iu, s, it] = (
                    s_ai + XI_S * np.log1p(ueff * tt) + 0.01 * rng.standard_normal(L - 1) * (tt > 0)
                )
                ell_d = 0.7 + 0.25 * (1 - np.exp(-tt)) + 0.002 * U * np.minimum(1, 3 * prof.max())
                nn = n_d[iu, s, it]
                cc = -0.1 * np.exp(-dist / ell_d) * (tt > 0)
                np.fill_diagonal(cc, nn * (1 - nn))
                C[iu, s, it] = cc
    trunc = np.broadcast_to(1e-9 * t[None, None, :], (nU, nS, nT)).copy()
    chi_reached = np.zeros((nU, nS, nT), dtype=np.int8)
    converged = np.ones((nU, nS), dtype=np.int8)
    if nS > 1:
        converged[-1, 1] = 0
        trunc[-1, 1, -3:] = 3e-4
        chi_reached[-1, 1, -5:] = 1
    if missing_run and nS > 2 and nU > 1:
        # one run that never finished: all NaN, as the aggregation writes it
        for arr in (n_c, n_d, S, C, trunc):
            arr[0, -1] = np.nan
        converged[0, -1] = 0
    dims4 = ("U", "seed", "time", "site")
    ds = xr.Dataset(
        {
            "eps": (("seed", "site"), eps, {"units": "hopping", "long_name": "potential"}),
            "n_c": (dims4, n_c, {"long_name": "c-boson density", "units": "1"}),
            "n_d": (dims4, n_d, {"long_name": "d-boson density", "units": "1"}),
            "C_dd": (("U", "seed", "time", "site", "site2"), C, {"units": "1"}),
            "S": (("U", "seed", "time", "bond"), S, {"units": "nat"}),
            "trunc_err": (("U", "seed", "time"), trunc),
            "chi_max_reached": (("U", "seed", "time"), chi_reached),
            "converged": (("U", "seed"), converged),
        },
        coords={
            "U": ("U", np.asarray(Us, dtype=float)),
            "seed": ("seed", np.arange(nS)),
            "time": ("time", t, {"units": "hopping times"}),
            "site": ("site", site),
            "site2": ("site2", site),
            "bond": ("bond", bond),
            "x": ("site", x),
        },
        attrs={
            "L": L,
            "W": W,
            "td": 1.0,
            "tc": 1.0,
            "d_residue": 1,
            "c_site": c_site,
            "chi_max": 64,
            "dt": 0.05,
            "order": 4,
            "t_max": t_max,
            "numerics": f"chi64_dt0.05_o4_svd1e-10_T{t_max:g}",
            "config_hash": "synthetic",
        },
    )
    return ds


def _status(shape: tuple[int, ...], ok: np.ndarray | bool = True, reason: str = "") -> np.ndarray:
    ok = np.broadcast_to(np.asarray(ok, dtype=bool), shape)
    return np.where(ok, "ok", reason or "fit failed").astype(object)


def make_nc_fit(agg: xr.Dataset, nan_fits: bool = False, seed: int = 1) -> xr.Dataset:
    """Eq. (3) fits of one L (schema of the 'nc_fit' input)."""
    rng = np.random.default_rng([seed, int(agg.attrs["L"])])
    L = int(agg.attrs["L"])
    c_site = int(agg.attrs["c_site"])
    Us = agg["U"].values.astype(float)
    t = agg["time"].values
    start = np.arange(0, L - 2)
    x_cg = start + 1 - c_site
    nc = agg["n_c"].values
    cg = (nc[..., :-2] + nc[..., 1:-1] + nc[..., 2:]) / 3.0
    mean, err, _ = mean_sem(cg)  # over the seeds, missing runs skipped
    noise = 1 + 0.015 * rng.standard_normal((Us.size, t.size))
    ell = np.array([ell_c_true(U, t) for U in Us]) * noise
    R = np.array([R_true(L, t) for _ in Us])
    fit = np.full_like(mean, np.nan)
    N_c = np.full((Us.size, t.size), np.nan)
    for iu in range(Us.size):
        for it in range(1, t.size):
            prof = eq3(np.arange(L) - c_site, ell[iu, it], R[iu, it])
            N_c[iu, it] = 1.0 / prof.sum()
            m = N_c[iu, it] * prof
            fit[iu, it] = (m[:-2] + m[1:-1] + m[2:]) / 3.0
    ok = np.ones((Us.size, t.size), dtype=bool)
    ok[:, 0] = False
    status = _status(ok.shape, ok, "t = 0: delta profile, not fitted")
    ell[:, 0] = np.nan
    if nan_fits:
        ell[:] = np.nan
        fit[:] = np.nan
        status = _status(ok.shape, False, "too few sites above noise floor")
    return xr.Dataset(
        {
            "ell_c": (("U", "time"), ell, {"units": "sites"}),
            "ell_c_err": (("U", "time"), 0.03 * ell),
            "R": (("U", "time"), R),
            "R_err": (("U", "time"), 0.1 * R),
            "N_c": (("U", "time"), N_c),
            "status": (("U", "time"), status),
            "nc_cg": (("U", "time", "x_cg"), mean),
            "nc_cg_err": (("U", "time", "x_cg"), err),
            "nc_cg_fit": (("U", "time", "x_cg"), fit),
        },
        coords={"U": Us, "time": t, "x_cg": x_cg},
        attrs={"L": L, "c_site": c_site},
    )


def make_lc_fit(agg: xr.Dataset, nan_fits: bool = False, seed: int = 2) -> xr.Dataset:
    """Eq. (4) fits of ell_c(t) of one L (schema of the 'lc_fit' input)."""
    rng = np.random.default_rng([seed, int(agg.attrs["L"])])
    L = int(agg.attrs["L"])
    Us = agg["U"].values.astype(float)
    t = agg["time"].values
    xi = np.full(Us.size, np.nan)
    T0 = np.full(Us.size, np.nan)
    model = np.full((Us.size, t.size), np.nan)
    status = []
    for iu, U in enumerate(Us):
        if U == 0:
            status.append("U = 0: free particle, Eq. (4) not applicable")
            continue
        x0, t0 = _xi_T0(U)
        xi[iu] = x0 * (1 + 0.04 * rng.standard_normal())
        T0[iu] = t0
        model[iu] = eq4(t, xi[iu], T0[iu])
        status.append("ok")
    st = np.asarray(status, dtype=object)
    if nan_fits:
        xi[:] = np.nan
        T0[:] = np.nan
        model[:] = np.nan
        st = np.asarray(["no ell_c data (all Eq. 3 fits failed)"] * Us.size, dtype=object)
    return xr.Dataset(
        {
            "xi_c": (("U",), xi, {"units": "sites"}),
            "xi_c_err": (("U",), np.where(Us > 5, 0.08, 0.12) * xi),
            "T0": (("U",), T0),
            "T0_err": (("U",), 0.1 * T0),
            "status": (("U",), st),
            "ell_c_model": (("U", "time"), model),
        },
        coords={"U": Us, "time": t},
        attrs={"L": L, "fit_t_min": 1.0},
    )


def make_ld_fit(agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """ell_d fits of one L (schema of the 'ld_fit' input)."""
    L = int(agg.attrs["L"])
    c_site = int(agg.attrs["c_site"])
    Us = agg["U"].values.astype(float)
    t = agg["time"].values
    centre = np.arange(2, L - 2)
    xc = centre - c_site
    ell = np.zeros((Us.size, t.size, centre.size))
    inf = np.zeros((Us.size, centre.size))
    for iu, U in enumerate(Us):
        bump = 0.004 * U * np.exp(-np.abs(xc) / 2.5)
        ell[iu] = 0.7 + (0.25 + bump)[None, :] * (1 - np.exp(-t[:, None]))
        inf[iu] = 0.95 + bump
    if nan_fits:
        inf[:] = np.nan
    status = _status(inf.shape, np.isfinite(inf), "Eq. (4) fit did not converge")
    has0 = np.any(Us == 0)
    diff = (
        inf[-1] - inf[int(np.argmin(Us))] if has0 and Us.size > 1 else np.full(centre.size, np.nan)
    )
    return xr.Dataset(
        {
            "ell_d": (("U", "time", "centre"), ell),
            "ell_d_err": (("U", "time", "centre"), 0.03 + 0 * ell),
            "ell_d_inf": (("U", "centre"), inf),
            "ell_d_inf_err": (("U", "centre"), 0.01 + 0 * inf),
            "T0": (("U", "centre"), 1.0 + 0 * inf),
            "status": (("U", "centre"), status),
            "ell_d_inf_diff": (("centre",), diff),
        },
        coords={"U": Us, "time": t, "centre": centre},
        attrs={"L": L, "c_site": c_site},
    )


def make_ent_fit(agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """Eq. (5) entanglement fits of one L (schema of the 'ent_fit' input)."""
    L = int(agg.attrs["L"])
    c_site = int(agg.attrs["c_site"])
    Us = agg["U"].values.astype(float)
    t = agg["time"].values
    bond = agg["bond"].values
    xb = bond - 0.5 - c_site
    S = agg["S"].values
    mean, err, _ = mean_sem(S)
    model = np.full_like(mean, np.nan)
    xmbl = np.full((Us.size, t.size), np.nan)
    slope = np.full(Us.size, np.nan)
    for iu, U in enumerate(Us):
        if U == 0:
            continue
        for it in range(1, t.size):
            ueff = U * _profile(L, c_site, U, t[it], xb, pure_exp=U >= 10)
            s_ai = 0.35 * (1 - np.exp(-t[it] / 1.5)) * (1 - np.exp(-2 * np.minimum(bond, L - bond)))
            model[iu, it] = s_ai + XI_S * np.log1p(ueff * t[it])
            ell = float(ell_c_true(U, t[it]))
            xmbl[iu, it] = max(ell * np.log(max(U * t[it] / 3, 1.0)), 0.0)
        slope[iu] = -XI_S / float(ell_c_true(U, t[-1]))
    xi_s = np.where(Us > 0, XI_S, np.nan)
    status = np.where(Us > 0, "ok", "U = 0: no interaction").astype(object)
    if nan_fits:
        model[:] = np.nan
        xi_s[:] = np.nan
        slope[:] = np.nan
        xmbl[:] = np.nan
        status = np.asarray(["not fitted: Eq. (3) fits missing"] * Us.size, dtype=object)
    return xr.Dataset(
        {
            "xi_S": (("U",), xi_s),
            "xi_S_err": (("U",), 0.1 * xi_s),
            "status": (("U",), status),
            "x_mbl": (("U", "time"), xmbl),
            "slope": (("U",), slope),
            "slope_err": (("U",), 0.1 * np.abs(slope)),
            "slope_pred": (("U",), slope * 1.1),
            "S_model": (("U", "time", "bond"), model),
            "S_mean": (("U", "time", "bond"), mean),
            "S_err": (("U", "time", "bond"), err),
        },
        coords={"U": Us, "time": t, "bond": bond},
        attrs={"L": L, "c_site": c_site},
    )


def make_criterion(W_peak: float = 6.5) -> xr.Dataset:
    """Perturbative criterion on a (W, U) grid (schema of the 'criterion' input)."""
    Wg = np.linspace(1.0, 15.0, 29)
    Ug = np.linspace(0.0, 20.0, 41)
    wt = 0.3 * (Wg / W_peak) * np.exp(1 - Wg / W_peak)
    xi_d = 1.0 / np.log1p(Wg**2 / 8.0)
    with np.errstate(divide="ignore"):
        xi_c = 40.0 / (1e-12 + (Ug[None, :] * wt[:, None]) ** 2)
    xi_c0 = Ug[None, :] ** 2 * xi_c
    lhs = (Wg[:, None] + wt[:, None]) * Ug[None, :]
    rhs = 1.5 * xi_c0 * xi_d[:, None] * ND * (1 - ND) * 0.05
    stable = (lhs > rhs).astype(np.int8)
    U_c = np.array([Ug[np.argmax(row)] if row.any() else np.nan for row in stable.astype(bool)])
    return xr.Dataset(
        {
            "W_tilde": (("W",), wt),
            "W_tilde_err": (("W",), 0.01 + 0 * wt),
            "xi_d": (("W",), xi_d),
            "xi_c": (("W", "U"), xi_c),
            "xi_c0": (("W", "U"), xi_c0),
            "lhs": (("W", "U"), lhs),
            "rhs": (("W", "U"), rhs),
            "stable": (("W", "U"), stable),
            "U_c": (("W",), U_c),
        },
        coords={"W": Wg, "U": Ug},
        attrs={"W_tilde_argmax": float(Wg[np.argmax(wt)])},
    )


def make_validation(
    L: int, Us: Sequence[float], t_max: float = 20.0, fail: bool = False
) -> xr.Dataset:
    """TEBD-vs-exact deviations of one L (schema of the 'validation' input)."""
    t = np.concatenate([[0.0], np.geomspace(0.1, t_max, 15)])
    Ua = np.asarray(Us, dtype=float)
    grow = t[None, None, :] * (1 + Ua[:, None, None] / 12)
    dn_c = 2e-8 * grow
    dn_d = 1e-8 * grow
    dS = 5e-8 * grow
    if fail:
        dS = dS * 1e4
    return xr.Dataset(
        {
            "dn_c": (("U", "seed", "time"), dn_c),
            "dn_d": (("U", "seed", "time"), dn_d),
            "dS": (("U", "seed", "time"), dS),
        },
        coords={"U": Ua, "seed": [0], "time": t},
        attrs={
            "L": L,
            "reference": "exact sector evolution (expm_multiply)",
            "max_dn_c": float(dn_c.max()),
            "max_dn_d": float(dn_d.max()),
            "max_dS": float(dS.max()),
            "tol_n": 1e-5,
            "tol_S": 1e-4,
            "passed": int(dn_c.max() <= 1e-5 and dS.max() <= 1e-4),
            "numerics": "chi64_dt0.05_o4_svd1e-10_T20",
        },
    )


def make_meta(Ls: Sequence[int], Us: Sequence[float], n_seeds: int, t_max: float) -> dict[str, Any]:
    """The ``meta`` argument: config hash, git commit and the validated config."""
    cfg = validate_config(
        {
            "sweep": {"L": list(Ls), "U": [float(u) for u in Us], "n_seeds": n_seeds},
            "numerics": {"t_max": t_max},
        }
    )
    return {"config_hash": config_hash(cfg), "git_commit": "0123456789abcdef", "config": cfg}


def write_inputs(
    tmp: Path,
    Ls: Sequence[int] = (12, 18),
    Us: Sequence[float] = (0.0, 2.5, 12.0),
    n_seeds: int = 3,
    t_max: float = 50.0,
    nan_fits: bool = False,
    criterion: bool = True,
    validation: bool = True,
    fits: bool = True,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Write a complete set of synthetic inputs under ``tmp``; return ``(inputs, meta)``."""
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    inputs: dict[str, list[str]] = {
        k: [] for k in ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "criterion", "validation")
    }
    for L in Ls:
        agg = make_agg(L, Us, n_seeds=n_seeds, t_max=t_max)
        builders = {
            "agg": lambda a: a,
            "nc_fit": lambda a: make_nc_fit(a, nan_fits),
            "lc_fit": lambda a: make_lc_fit(a, nan_fits),
            "ld_fit": lambda a: make_ld_fit(a, nan_fits),
            "ent_fit": lambda a: make_ent_fit(a, nan_fits),
        }
        for key, build in builders.items():
            if key != "agg" and not fits:
                continue
            path = tmp / f"{key}_L{L}.nc"
            build(agg).to_netcdf(path)
            inputs[key].append(str(path))
    if criterion:
        path = tmp / "criterion.nc"
        make_criterion().to_netcdf(path)
        inputs["criterion"].append(str(path))
    if validation:
        path = tmp / f"validation_L{min(Ls)}.nc"
        make_validation(min(Ls), Us).to_netcdf(path)
        inputs["validation"].append(str(path))
    return inputs, make_meta(Ls, Us, n_seeds, t_max)
