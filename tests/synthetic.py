"""Synthetic aggregated and fitted datasets for the figures and the claims report.

A :class:`Scenario` describes the physics: its defaults are the paper's (every claim of the
report holds), and one knob per claim breaks it (``xi_c_grows_with_L``, ``ell_c_log``,
``small_U_saturates``, ...). ``noise`` multiplies every realisation's noise AND every fit
error, without changing any mean: the per-realisation noise is normalised over the
realisations (zero mean, unit variance), so the disorder means are exactly the scenario's
truths and only the error bars grow.

:func:`build` returns an in-memory :class:`~mblbath.analysis.bundle.Bundle` (aggregates
of every L, the Eq. (3), (4), ℓ_d and Eq. (5) fit files with the variable names of the
pipeline's fits, the criterion, the validation and the choices file);
:func:`write_inputs` writes the same files to disk for the figures and the report CLI.

The truths:

- ℓ_c(t): Eq. (4) at U >= 5 (ξ_c = 3 at U = 12, 5 at U = 6; T0 = 0.5), a power law
  0.8 t^0.6 at U = 2.5 (faster than log), ballistic 0.3 + 2t at U = 0; R(t) = R1 t^{1/2}
  saturating smoothly at L/2; n_c from Eq. (3) normalised to one particle;
- n_d: the period-3 wave with the Anderson contrast 0.55 + 0.45 e^{−t/0.7} and extra
  relaxation near the centre growing with U;
- C_dd = −0.1 exp(−|i−j|/ℓ_d), ℓ_d = (0.95 + bump e^{−|x|/1.5})(1 − 0.3 e^{−t});
- S = S_AI(t, b) + ξ_S(U) log(1 + U n_eff(x, t) t) (Eq. 5), n_eff exponential in |x| at
  U >= 5 (linear late profile) and Gaussian at U = 2.5 (concave), ξ_S = 0.5, 0.3, 0.15 at
  U = 2.5, 6, 12 (S(L/2) grows as U decreases);
- W̃(W) a Gaussian peaked at W = 6.5; U_c(6.5) = 4 ± 0.3.

Everything is seeded (``numpy.random.default_rng``), so the data are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from mblbath.analysis.bundle import Bundle
from mblbath.analysis.stats import mean_sem
from mblbath.config import config_hash, validate_config

__all__ = [
    "Scenario",
    "eq4",
    "eq3",
    "time_grid",
    "ell_c_true",
    "make_agg",
    "make_nc_fit",
    "make_lc_fit",
    "make_ld_fit",
    "make_ent_fit",
    "make_criterion",
    "make_validation",
    "make_choices",
    "make_meta",
    "build",
    "write_inputs",
]

W = 6.5
ND = 1.0 / 3.0
INPUT_KINDS = ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "criterion", "validation", "choices")


@dataclass(frozen=True)
class Scenario:
    """The synthetic physics. Defaults: the paper's claims hold; each knob breaks one."""

    Ls: tuple[int, ...] = (12, 18, 24)
    Us: tuple[float, ...] = (0.0, 2.5, 6.0, 12.0)
    n_seeds: int = 4
    t_max: float = 50.0
    n_times: int = 20
    #: Multiplies every realisation's noise and every fit error (means unchanged).
    noise: float = 1.0
    seed: int = 0
    missing_run: bool = False
    # c-boson (claims on ξ_c, ℓ_c, R)
    xi_c_grows_with_L: bool = False
    ell_c_log: bool = False  # ℓ_c(U_max) grows like log forever (no saturation)
    small_U_saturates: bool = False  # ℓ_c(U_min) saturates like Eq. (4)
    xi_c_small_U: float = 60.0
    R_exponent: float = 0.5
    # d-bosons
    nd_far_relaxes: bool = False
    ell_d_growth: float = 0.0  # d ℓ_d / d ln(1 + t), all U
    ell_d_bump: float = 0.3  # ℓ_d enhancement at the centre at U_max (negative: a dip)
    ell_d_inf_far: float = 0.0  # offset of Δℓ_d(∞) beyond the centre
    # entanglement
    S_saturates: bool = False
    onset_delay: bool = True
    xi_S: dict[float, float] = field(default_factory=lambda: {2.5: 0.5, 6.0: 0.3, 12.0: 0.15})
    gauss_profile_at: tuple[float, ...] = (2.5,)  # U whose n_eff is Gaussian (concave profile)
    slope_factor: float = 1.0  # measured late slope = slope_factor × prediction
    x_mbl_log: bool = True
    eq4_red_chi2: float = 1.0
    eq5_red_chi2: float = 1.0
    # criterion and validation
    W_peak: float = 6.5
    U_c: float = 4.0
    val_dev: float = 1e-5

    def but(self, **kw: Any) -> Scenario:
        """A copy with some fields changed."""
        return replace(self, **kw)

    @property
    def u_max(self) -> float:
        return max(self.Us)

    @property
    def u_min(self) -> float:
        return min(u for u in self.Us if u > 0)


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


def time_grid(t_max: float, n: int = 20) -> np.ndarray:
    """0, then n - 1 log-spaced times from 0.1 to t_max."""
    return np.concatenate([[0.0], np.geomspace(0.1, t_max, n - 1)])


# ------------------------------------------------------------------------------ truths
def xi_T0(sc: Scenario, U: float, L: int) -> tuple[float, float]:
    """(ξ_c, T0) of the Eq. (4) truth at U (U >= 5, or U_min when it saturates)."""
    if U >= 10:
        xi = 3.0 * (L / 12 if sc.xi_c_grows_with_L else 1.0)
        return xi, 0.5
    if U >= 5:
        return 5.0, 0.5
    return 4.0, 0.5


def ell_c_true(sc: Scenario, U: float, t: np.ndarray, L: int = 24) -> np.ndarray:
    """The 'true' ℓ_c(t)."""
    t = np.asarray(t, dtype=float)
    if U == 0:
        return 0.3 + 2.0 * t
    if U == sc.u_max and sc.ell_c_log:
        return 0.8 * np.log1p(t / 0.5)
    if U < 5 and not sc.small_U_saturates:
        return 0.8 * np.power(t, 0.6)
    xi, T0 = xi_T0(sc, U, L)
    return eq4(t, xi, T0)


def R_true(sc: Scenario, L: int, t: np.ndarray) -> np.ndarray:
    """R1 t^α, saturating smoothly at L/2 (fourth-power blend)."""
    x = 4.0 * np.power(np.asarray(t, dtype=float), sc.R_exponent)
    return x / (1 + (x / (L / 2)) ** 4) ** 0.25


def _profile(sc: Scenario, L: int, U: float, t: float, x: np.ndarray) -> np.ndarray:
    """Normalised Eq. (3) profile of the c-boson at positions x (site - c_site)."""
    if t == 0:
        return np.where(np.abs(x) < 1e-9, 1.0, 0.0)
    ell = float(np.maximum(ell_c_true(sc, U, t, L), 0.05))
    R = float(R_true(sc, L, t))
    norm = eq3(np.arange(L) - L // 2, ell, R).sum()
    return eq3(x, ell, R) / norm


def _n_eff(sc: Scenario, L: int, U: float, t: float, x: np.ndarray) -> np.ndarray:
    """The U_eff/U of the synthetic Eq. (5): exponential in |x|, Gaussian at small U."""
    ell = float(np.maximum(ell_c_true(sc, U, t, L), 0.05))
    if not sc.onset_delay:
        x = np.zeros_like(x)
    if any(abs(U - u) < 1e-9 for u in sc.gauss_profile_at):
        return 0.3 * np.exp(-(x**2) / (2 * (1.5 * ell) ** 2))
    return np.exp(-np.abs(x) / ell) / (2 * ell)


def _xi_S(sc: Scenario, U: float) -> float:
    """ξ_S of the scenario at U (0.2 for a U it does not list)."""
    return float(sc.xi_S.get(float(U), 0.2))


def dS_true(sc: Scenario, L: int, U: float, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ξ_S log(1 + U n_eff t) on (time, cut); saturating in t if ``S_saturates``."""
    out = np.zeros((len(t), len(x)))
    if U == 0:
        return out
    for it, tt in enumerate(t):
        if tt > 0:
            out[it] = _xi_S(sc, U) * np.log1p(U * _n_eff(sc, L, U, tt, x) * tt)
    if sc.S_saturates:
        out = 0.25 * np.tanh(out / 0.25)
    return out


def S_AI_true(L: int, t: np.ndarray) -> np.ndarray:
    """The Anderson (d-only) entropy: 0.35 (1 - e^{-t/1.5}) at every interior cut."""
    bond = np.arange(1, L)
    return (
        0.35
        * (1 - np.exp(-np.asarray(t)[:, None] / 1.5))
        * (1 - np.exp(-2 * np.minimum(bond, L - bond)))
    )


def ell_d_true(sc: Scenario, U: float, t: np.ndarray, xc: np.ndarray) -> np.ndarray:
    """ℓ_d(t, centre) with the central bump growing linearly in U."""
    bump = sc.ell_d_bump * (U / sc.u_max) * np.exp(-np.abs(xc) / 1.5)
    base = (0.95 + bump)[None, :] * (1 - 0.3 * np.exp(-np.asarray(t)))[:, None]
    return base + sc.ell_d_growth * np.log1p(np.asarray(t))[:, None]


def _zero_mean(rng: np.random.Generator, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Standard normal noise normalised over ``axis``: exactly zero mean, unit variance."""
    z = rng.standard_normal(shape)
    z = z - z.mean(axis=axis, keepdims=True)
    sd = z.std(axis=axis, ddof=1, keepdims=True)
    return np.where(sd > 0, z / np.where(sd > 0, sd, 1.0), 0.0)


# ---------------------------------------------------------------------------- aggregate
def _contrast_true(sc: Scenario, U: float, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Density-wave contrast (time, site): Anderson relaxation times the c-boson's extra."""
    a_and = 0.55 + 0.45 * np.exp(-t / 0.7)
    near = np.ones_like(x, dtype=float) if sc.nd_far_relaxes else np.exp(-np.abs(x) / 2.0)
    extra = 1.0 - 0.8 * (1 - np.exp(-U * t / 20.0))[:, None] * near[None, :]
    return a_and[:, None] * extra


def make_agg(sc: Scenario, L: int) -> xr.Dataset:
    """Aggregated runs of one L (schema of the 'agg' input), means exactly the truths.

    The last-but-one seed of the largest U is flagged unconverged (its data are kept);
    with ``missing_run`` the last seed of the first U has no data (all NaN).
    """
    rng = np.random.default_rng([sc.seed, L])
    Us = np.asarray(sc.Us, dtype=float)
    t = time_grid(sc.t_max, sc.n_times)
    nU, nS, nT = Us.size, sc.n_seeds, t.size
    c_site = L // 2
    site = np.arange(L)
    x = site - c_site
    bond = np.arange(1, L)
    xb = bond - 0.5 - c_site
    occ = (site % 3 == 1).astype(float)
    on = (t > 0)[None, :, None]  # noise only after t = 0 (the initial state is a product)
    n_c = np.empty((nU, nS, nT, L))
    n_d = np.empty_like(n_c)
    S = np.empty((nU, nS, nT, L - 1))
    C = np.empty((nU, nS, nT, L, L))
    nd_static = 0.05 * _zero_mean(rng, (nS, 1, L), axis=0)
    s_static = 0.03 * _zero_mean(rng, (nS, 1, L - 1), axis=0)
    dist = np.abs(site[:, None] - site[None, :])
    mid = (site[:, None] + site[None, :]) / 2.0 - c_site
    for iu, U in enumerate(Us):
        prof = np.array([_profile(sc, L, U, tt, x) for tt in t])
        n_c[iu] = prof[None] * (1 + sc.noise * 0.15 * _zero_mean(rng, (nS, nT, L), 0) * on)
        nd_true = ND + (occ - ND)[None, :] * _contrast_true(sc, U, t, x)
        n_d[iu] = (
            nd_true[None] + sc.noise * (nd_static + 0.06 * _zero_mean(rng, (nS, nT, L), 0)) * on
        )
        s_true = S_AI_true(L, t) + dS_true(sc, L, U, t, xb)
        S[iu] = (
            s_true[None] + sc.noise * (s_static + 0.005 * _zero_mean(rng, (nS, nT, L - 1), 0)) * on
        )
        for it, tt in enumerate(t):
            ld = np.interp(mid, np.arange(-L, L), ell_d_true(sc, U, [tt], np.arange(-L, L))[0])
            cc = -0.1 * np.exp(-dist / ld) * (tt > 0)
            np.fill_diagonal(cc, nd_true[it] * (1 - nd_true[it]))
            C[iu, :, it] = cc[None] * (
                1 + sc.noise * 0.05 * _zero_mean(rng, (nS, L, L), 0) * (tt > 0)
            )
    trunc = np.broadcast_to(1e-9 * t[None, None, :], (nU, nS, nT)).copy()
    chi_reached = np.zeros((nU, nS, nT), dtype=np.int8)
    converged = np.ones((nU, nS), dtype=np.int8)
    if nS > 1:
        converged[-1, 1] = 0
        trunc[-1, 1, -3:] = 3e-4
        chi_reached[-1, 1, -5:] = 1
    if sc.missing_run and nS > 2 and nU > 1:
        for arr in (n_c, n_d, S, C, trunc):
            arr[0, -1] = np.nan
        converged[0, -1] = 0
    dims4 = ("U", "seed", "time", "site")
    return xr.Dataset(
        {
            "eps": (
                ("seed", "site"),
                rng.uniform(-W, W, (nS, L)),
                {"units": "1", "long_name": "potential"},
            ),
            "n_c": (dims4, n_c, {"long_name": "c-boson density", "units": "1"}),
            "n_d": (dims4, n_d, {"long_name": "d-boson density", "units": "1"}),
            "C_dd": (("U", "seed", "time", "site", "site2"), C, {"units": "1"}),
            "S": (("U", "seed", "time", "bond"), S, {"units": "1"}),
            "trunc_err": (("U", "seed", "time"), trunc),
            "chi_max_reached": (("U", "seed", "time"), chi_reached),
            "converged": (("U", "seed"), converged),
        },
        coords={
            "U": ("U", Us),
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
            "t_max": sc.t_max,
            "numerics": f"chi64_dt0.05_o4_svd1e-10_T{sc.t_max:g}",
            "config_hash": "synthetic",
        },
    )


# -------------------------------------------------------------------------------- fits
def _status(shape: tuple[int, ...], ok: np.ndarray | bool = True, reason: str = "") -> np.ndarray:
    ok = np.broadcast_to(np.asarray(ok, dtype=bool), shape)
    return np.where(ok, "ok", reason or "fit failed").astype(object)


def _L(agg: xr.Dataset) -> tuple[int, int, np.ndarray, np.ndarray]:
    return (
        int(agg.attrs["L"]),
        int(agg.attrs["c_site"]),
        agg["U"].values.astype(float),
        agg["time"].values,
    )


def make_nc_fit(sc: Scenario, agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """Eq. (3) fits of one L (schema of the 'nc_fit' input): the true ℓ_c, R, N_c."""
    L, c_site, Us, t = _L(agg)
    x_cg = np.arange(0, L - 2) + 1 - c_site
    nc = agg["n_c"].values
    cg = (nc[..., :-2] + nc[..., 1:-1] + nc[..., 2:]) / 3.0
    mean, err, _ = mean_sem(cg)
    ell = np.array([ell_c_true(sc, U, t, L) for U in Us])
    R = np.array([R_true(sc, L, t) for _ in Us])
    fit = np.full_like(mean, np.nan)
    N_c = np.full((Us.size, t.size), np.nan)
    for iu in range(Us.size):
        for it in range(1, t.size):
            prof = eq3(np.arange(L) - c_site, max(ell[iu, it], 0.05), R[iu, it])
            N_c[iu, it] = 1.0 / prof.sum()
            m = N_c[iu, it] * prof
            fit[iu, it] = (m[:-2] + m[1:-1] + m[2:]) / 3.0
    ok = np.ones((Us.size, t.size), dtype=bool)
    ok[:, 0] = False
    status = _status(ok.shape, ok, "not fitted: t (initial product state)")
    ell[:, 0] = np.nan
    if nan_fits:
        ell[:] = np.nan
        fit[:] = np.nan
        status = _status(ok.shape, False, "too few sites above noise floor")
    n = sc.noise
    return xr.Dataset(
        {
            "ell_c": (("U", "time"), ell, {"units": "1"}),
            "ell_c_err": (("U", "time"), 0.02 * n * ell),
            "R": (("U", "time"), R),
            "R_err": (("U", "time"), 0.03 * n * R),
            "N_c": (("U", "time"), N_c),
            "N_c_err": (("U", "time"), 0.02 * n * N_c),
            "status": (("U", "time"), status),
            "red_chi2": (("U", "time"), np.where(ok, 1.0 / n**2, np.nan)),
            "nc_cg": (("U", "time", "x_cg"), mean),
            "nc_cg_err": (("U", "time", "x_cg"), err),
            "nc_cg_fit": (("U", "time", "x_cg"), fit),
        },
        coords={"U": Us, "time": t, "x_cg": x_cg},
        attrs={"L": L, "c_site": c_site, "fit_t_min": 1.0},
    )


def make_lc_fit(sc: Scenario, agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """Eq. (4) fits of ℓ_c(t) of one L (schema of the 'lc_fit' input)."""
    L, _, Us, t = _L(agg)
    n = sc.noise
    xi, xe, T0 = (np.full(Us.size, np.nan) for _ in range(3))
    status = []
    for iu, U in enumerate(Us):
        if U == 0:
            status.append("U = 0: free particle, Eq. (4) not applicable")
            continue
        status.append("ok")
        if U < 5 and not sc.small_U_saturates:
            xi[iu], xe[iu], T0[iu] = sc.xi_c_small_U, 5.0 * n, 30.0
        else:
            xi[iu], T0[iu] = xi_T0(sc, U, L)
            xe[iu] = 0.05 * n * xi[iu]
    st = np.asarray(status, dtype=object)
    model = np.array([eq4(t, a, b) for a, b in zip(xi, T0, strict=True)])
    n_dof = float((t >= 1.0).sum() - 2)
    red = np.where(Us > 0, sc.eq4_red_chi2 / n**2, np.nan)
    if nan_fits:
        xi[:], T0[:], model[:], red[:] = np.nan, np.nan, np.nan, np.nan
        st = np.asarray(["no ell_c data (all Eq. 3 fits failed)"] * Us.size, dtype=object)
    return xr.Dataset(
        {
            "xi_c": (("U",), xi, {"units": "1"}),
            "xi_c_err": (("U",), xe),
            "T0": (("U",), T0),
            "T0_err": (("U",), 0.1 * n * T0),
            "status": (("U",), st),
            "red_chi2": (("U",), red),
            "n_dof": (("U",), np.full(Us.size, n_dof)),
            "ell_c_model": (("U", "time"), model),
        },
        coords={"U": Us, "time": t},
        attrs={"L": L, "fit_t_min": 1.0},
    )


def make_ld_fit(sc: Scenario, agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """ℓ_d fits of one L (schema of the 'ld_fit' input), ℓ_d from |mean C|."""
    L, c_site, Us, t = _L(agg)
    n = sc.noise
    centre = np.arange(2, L - 2)
    xc = centre - c_site
    ell = np.array([ell_d_true(sc, U, t, xc) for U in Us])
    inf = np.array([ell_d_true(sc, U, [1e9], xc)[0] for U in Us])
    if sc.ell_d_growth > 0 or nan_fits:
        inf[:] = np.nan
    st_t = _status(ell.shape, (t > 0)[None, :, None], "not fitted: t = 0")
    status = _status(inf.shape, np.isfinite(inf), "no saturation in the fit window")
    iu0, iu1 = int(np.argmin(Us)), int(np.argmax(Us))
    diff = inf[iu1] - inf[iu0] + sc.ell_d_inf_far * (np.abs(xc) >= 3)
    if Us[iu0] != 0 or Us.size < 2:
        diff = np.full(centre.size, np.nan)
    return xr.Dataset(
        {
            "ell_d": (("U", "time", "centre"), ell),
            "ell_d_err": (("U", "time", "centre"), 0.01 * n + 0 * ell),
            "ell_d_status": (("U", "time", "centre"), st_t),
            "ell_d_inf": (("U", "centre"), inf),
            "ell_d_inf_err": (("U", "centre"), 0.014 * n + 0 * inf),
            "ell_d_inf_red_chi2": (("U", "centre"), 1.0 / n**2 + 0 * inf),
            "T0": (("U", "centre"), 1.0 + 0 * inf),
            "status": (("U", "centre"), status),
            "ell_d_inf_diff": (("centre",), diff),
            "ell_d_inf_diff_err": (("centre",), 0.02 * n + 0 * diff),
        },
        coords={"U": Us, "time": t, "centre": centre},
        attrs={"L": L, "c_site": c_site, "ell_d_average": "abs_of_mean"},
    )


def _x_mbl(sc: Scenario, L: int, U: float, t: np.ndarray) -> np.ndarray:
    """x_MBL = ℓ_c log(1 + N_c U t) (or 2 ℓ_c: no log growth); NaN at U = 0."""
    if U == 0:
        return np.full(t.size, np.nan)
    ell = ell_c_true(sc, U, t, L)
    if not sc.x_mbl_log:
        return 2.0 * ell
    N = np.array([_profile(sc, L, U, tt, np.zeros(1))[0] for tt in t])
    return ell * np.log1p(N * U * t)


def make_ent_fit(sc: Scenario, agg: xr.Dataset, nan_fits: bool = False) -> xr.Dataset:
    """Eq. (5) fits of one L (schema of the 'ent_fit' input), dS paired over S_AI_t."""
    L, c_site, Us, t = _L(agg)
    n = sc.noise
    bond = agg["bond"].values
    S = agg["S"].values
    mean, err, _ = mean_sem(S)
    has0 = bool(np.any(Us == 0))
    i0 = int(np.argmin(np.abs(Us)))
    S0 = S[i0] if has0 else np.full(S.shape[1:], np.nan)
    dS, dS_err, _ = mean_sem(S - S0[None])
    late = t >= 1.0
    # Without U = 0 there is no Anderson reference: NaN, as the real fit writes it.
    s_ai_t = mean[i0] if has0 else np.full(mean.shape[1:], np.nan)
    s_ai_t_err = err[i0] if has0 else np.full(mean.shape[1:], np.nan)
    s_ai = np.nanmean(s_ai_t[late], axis=0) if has0 else np.full(bond.size, np.nan)
    xi_s = np.array([_xi_S(sc, U) if U > 0 else np.nan for U in Us])
    model = S_AI_true(L, t)[None] + np.array(
        [dS_true(sc, L, U, t, bond - 0.5 - c_site) for U in Us]
    )
    pred = np.array(
        [-_xi_S(sc, U) / float(ell_c_true(sc, U, t[-1], L)) if U > 0 else np.nan for U in Us]
    )
    xm = np.array([_x_mbl(sc, L, U, t) for U in Us])
    status = np.where(Us > 0, "ok", "U = 0: Anderson reference").astype(object)
    red = np.where(Us > 0, sc.eq5_red_chi2 / n**2, np.nan)
    if nan_fits:
        model[:], xi_s[:], pred[:], xm[:], red[:] = np.nan, np.nan, np.nan, np.nan, np.nan
        status = np.asarray(["not fitted: Eq. (3) fits missing"] * Us.size, dtype=object)
    slope = sc.slope_factor * pred
    U3, TB = ("U", "time", "bond"), ("time", "bond")
    return xr.Dataset(
        {
            "xi_S": (("U",), xi_s),
            "xi_S_err": (("U",), 0.05 * n * xi_s),
            "status": (("U",), status),
            "red_chi2": (("U",), red),
            "n_dof": (("U",), np.full(Us.size, float(late.sum() * (L - 5) - 1))),
            "S_AI": (("U", "bond"), np.broadcast_to(s_ai, (Us.size, bond.size)).copy()),
            "S_AI_t": (TB, s_ai_t),
            "S_AI_t_err": (TB, s_ai_t_err),
            "S_AI_drift": ((), 0.001),
            "S_AI_drift_err": ((), 0.002 * n),
            "dS": (U3, dS if has0 else np.full(mean.shape, np.nan)),
            "dS_err": (U3, dS_err if has0 else np.full(mean.shape, np.nan)),
            "x_mbl": (("U", "time"), xm),
            "x_mbl_err": (("U", "time"), 0.05 * n * xm),
            "slope": (("U",), slope),
            "slope_err": (("U",), 0.05 * n * np.abs(pred)),
            "slope_pred": (("U",), pred),
            "slope_pred_err": (("U",), 0.05 * n * np.abs(pred)),
            "t_ent": (("U",), np.full(Us.size, float(t[-1]))),
            "S_model": (U3, model),
            "S_mean": (U3, mean),
            "S_err": (U3, err),
        },
        coords={"U": Us, "time": t, "bond": bond},
        attrs={"L": L, "c_site": c_site, "S_AI_method": "d-only: S(U=0) - H2(p_c), late-time mean"},
    )


# ------------------------------------------------------------- criterion, validation, ...
def make_criterion(sc: Scenario | None = None) -> xr.Dataset:
    """Eq. (2) on a (W, U) grid (schema of the 'criterion' input), U_c from a limit ξ_c^0."""
    sc = sc or Scenario()
    n = sc.noise
    Wg = np.linspace(1.0, 15.0, 29)
    Ug = np.linspace(0.0, 20.0, 41)
    wt = 0.27 * np.exp(-((Wg - sc.W_peak) ** 2) / (2 * 3.0**2))
    xi_d = 1.0 / np.log1p(Wg**2 / 8.0)
    xi0 = np.full(Wg.size, 100.0)
    # the threshold is sc.U_c at W = 6.5 and moves smoothly with W
    U_c = sc.U_c * (1 + 0.05 * (Wg - 6.5))
    rhs = (Wg + wt * U_c) * U_c
    lhs = (Wg[:, None] + wt[:, None] * Ug[None, :]) * Ug[None, :]
    stable = (lhs > rhs[:, None]).astype(np.int8)
    with np.errstate(divide="ignore"):
        xi_c = xi0[:, None] / np.where(Ug > 0, Ug, np.nan)[None, :] ** 2
    return xr.Dataset(
        {
            "W_tilde": (("W",), wt),
            "W_tilde_err": (("W",), 0.008 * n + 0 * wt),
            "xi_d": (("W",), xi_d),
            "xi_c": (("W", "U"), xi_c),
            "xi_c0": (("W", "U"), xi_c * Ug[None, :] ** 2),
            "xi_c0_limit": (("W",), xi0),
            "xi_c0_limit_err": (("W",), 5.0 * n + 0 * xi0),
            "lhs": (("W", "U"), lhs),
            "rhs": (("W", "U"), np.broadcast_to(rhs[:, None], lhs.shape).copy()),
            "stable": (("W", "U"), stable),
            "U_c": (("W",), U_c),
            "U_c_err": (("W",), 0.3 * n + 0 * U_c),
            "U_c_status": (("W",), np.full(Wg.size, "ok", dtype=object)),
            "U_c_perU": (("W",), 1.2 * U_c),
            "U_c_perU_status": (("W",), np.full(Wg.size, "ok", dtype=object)),
        },
        coords={"W": Wg, "U": Ug},
        attrs={"W_tilde_argmax": float(Wg[np.argmax(wt)]), "L": 600, "n_real": 20},
    )


def make_validation(sc: Scenario, L: int, t_max: float = 20.0) -> xr.Dataset:
    """TEBD-vs-exact deviations of one L (schema of the 'validation' input)."""
    t = np.concatenate([[0.0], np.geomspace(0.1, t_max, 15)])
    Ua = np.asarray(sc.Us, dtype=float)
    grow = np.broadcast_to(t / t_max, (Ua.size, 2, t.size)) * (1 + Ua[:, None, None] / 12) / 2
    dev = {k: sc.val_dev * grow for k in ("dn_c", "dn_d", "dS", "dC_dd")}
    return xr.Dataset(
        {k: (("U", "seed", "time"), v) for k, v in dev.items()},
        coords={"U": Ua, "seed": [0, 1], "time": t},
        attrs={
            "L": L,
            "reference": "exact sector evolution (expm_multiply)",
            "max_dn_c": float(dev["dn_c"].max()),
            "max_dn_d": float(dev["dn_d"].max()),
            "max_dS": float(dev["dS"].max()),
            "tol_n": 1e-5,
            "tol_S": 1e-4,
            "passed": 1,
            "numerics": f"chi64_dt0.05_o4_svd1e-10_T{t_max:g}",
        },
    )


def make_choices() -> xr.Dataset:
    """The choices file (schema of the 'choices' input): descriptions and measured effects."""
    attrs = {
        "choice_c_site_description": "initial site of the c-boson (empty or occupied)",
        "choice_c_site_default": "L/2, an empty site",
        "choice_c_site_alternative": "an occupied site (doublon)",
        "choice_c_site_effect": "spread at t_max: -0.4 +- 0.1 sites (L = 12, U = 12)",
        "choice_W_tilde_description": "W_tilde from the random part of U<n_d>",
        "choice_W_tilde_default": "random part",
        "choice_W_tilde_effect": "U_c(6.5): 4.0 (default) vs 3.1 (full spread)",
        "choice_novel_description": "a choice the report does not know",
        "choice_novel_default": "something",
    }
    return xr.Dataset(attrs=attrs)


def make_meta(sc: Scenario) -> dict[str, Any]:
    """The ``meta`` argument: config hash, git commit and the validated config."""
    cfg = validate_config(
        {
            "sweep": {"L": list(sc.Ls), "U": [float(u) for u in sc.Us], "n_seeds": sc.n_seeds},
            "numerics": {"t_max": sc.t_max},
        }
    )
    return {"config_hash": config_hash(cfg), "git_commit": "0123456789abcdef", "config": cfg}


def _datasets(sc: Scenario, nan_fits: bool, fits: bool) -> dict[str, list[xr.Dataset]]:
    out: dict[str, list[xr.Dataset]] = {k: [] for k in INPUT_KINDS}
    for L in sc.Ls:
        agg = make_agg(sc, L)
        out["agg"].append(agg)
        if fits:
            out["nc_fit"].append(make_nc_fit(sc, agg, nan_fits))
            out["lc_fit"].append(make_lc_fit(sc, agg, nan_fits))
            out["ld_fit"].append(make_ld_fit(sc, agg, nan_fits))
            out["ent_fit"].append(make_ent_fit(sc, agg, nan_fits))
    out["criterion"].append(make_criterion(sc))
    out["validation"].append(make_validation(sc, min(sc.Ls)))
    out["choices"].append(make_choices())
    return out


def build(sc: Scenario | None = None) -> tuple[Bundle, xr.Dataset]:
    """An in-memory bundle of the scenario's inputs, and its choices dataset."""
    sc = sc or Scenario()
    ds = _datasets(sc, nan_fits=False, fits=True)
    b = Bundle(cfg=make_meta(sc)["config"])
    for key in ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "validation"):
        setattr(b, key, {int(d.attrs["L"]): d for d in ds[key]})
    b.criterion = ds["criterion"][0]
    return b, ds["choices"][0]


def write_inputs(
    tmp: Path,
    scenario: Scenario | None = None,
    Ls: Sequence[int] | None = None,
    Us: Sequence[float] | None = None,
    nan_fits: bool = False,
    criterion: bool = True,
    validation: bool = True,
    fits: bool = True,
    choices: bool = True,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Write a complete set of synthetic inputs under ``tmp``; return ``(inputs, meta)``.

    ``Ls``/``Us`` override the scenario's sizes and interactions (the figure tests use
    two L and U = 0, 2.5, 12 by default).
    """
    sc = scenario or Scenario(Ls=(12, 18), Us=(0.0, 2.5, 12.0), missing_run=True)
    if Ls is not None or Us is not None:
        sc = sc.but(Ls=tuple(Ls or sc.Ls), Us=tuple(float(u) for u in (Us or sc.Us)))
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    keep = {"criterion": criterion, "validation": validation, "choices": choices}
    inputs: dict[str, list[str]] = {k: [] for k in INPUT_KINDS}
    for key, dsets in _datasets(sc, nan_fits, fits).items():
        if not keep.get(key, True):
            continue
        for d in dsets:
            path = tmp / (f"{key}_L{d.attrs['L']}.nc" if "L" in d.attrs else f"{key}.nc")
            d.to_netcdf(path)
            inputs[key].append(str(path))
    return inputs, make_meta(sc)
