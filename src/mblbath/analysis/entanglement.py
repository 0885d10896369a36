"""Eq. (5): entanglement S(b, t) = S_AI + xi_S log(1 + U_eff(x_b, t) t), MBL front, slope.

Bond b (entropy of sites 0..b-1) sits at the cut position x_b = b - 1/2 - c_site.
U_eff(x_b, t) = U n_c(x_b, t) uses Eq. (3) with the :func:`~mblbath.analysis.profile.fit_nc`
parameters at the same t (R = inf where R is unresolved).

S_AI is the entanglement of the Anderson insulator alone, without the c-boson
(:mod:`.anderson_entropy`): S_d = S_{U=0} - H2(p_c^left) per realisation of the U = 0
runs, taken as a late-time constant per realisation and bond (its mean over the grid
times t >= fit_t_min; why a constant: the measured drift of S_d is small, see
:mod:`.anderson_entropy`, and is stored as ``S_AI_drift``). The runs at U > 0 share their
disorder realisations with U = 0, so Eq. (5) is fitted to the disorder mean of the paired
excess ΔS(b, t) = S_U(b, t) - S_AI(b) per realisation: xi_S is the only parameter, the
weights are 1/(SEM² + S_floor²) with the SEM of the paired differences. The same fit to
the paired excess over the time-dependent S_d(b, t) gives ``xi_S_tdep``, the effect of that
choice. Without U = 0 data S_AI cannot be measured: one constant S_AI per U is fitted
together with xi_S (status and attributes say so; that constant is not the Anderson
insulator's entropy). The fit is linear least squares over t >= fit_t_min (times with a
fitted profile) and all bonds except ``edge_bonds`` at each end; ``red_chi2`` is χ² over
its degrees of freedom ``n_dof`` with those weights (approximate: the times of one
realisation are correlated).

Errors: bootstrap paired with the resamples of the Eq. (3) fit (its ``bootstrap_seeds``),
so the errors of S_AI and U_eff are included; without them, the weighted least-squares
errors (inflated by sqrt(reduced chi^2) when > 1). MBL front and late-time slope:
:mod:`.ent_front`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

from .anderson_entropy import S_AI_DECISION
from .dataset import (
    ERR_BOOT,
    STATUS_WITH_CAVEAT,
    agg_attrs,
    fit_attrs,
    seeds_used,
    str_array,
    u_time_coords,
    variable,
)
from .ent_data import EntData, read_ent
from .ent_front import late_slope, x_mbl
from .models import eq3
from .stats import replicate_std, weighted_line

__all__ = ["fit_entanglement"]

LS = "lattice spacings"
_ERR_BOOT = ERR_BOOT + " (paired with the fit_nc resamples: errors of S_AI and U_eff included)"
_SRC_U0 = "U=0 data: S_d = S - H2(p_c^left) per realisation, mean over t >= fit_t_min"
_NO_U0 = "ok; S_AI not measured (no U = 0 runs): one constant per U fitted with xi_S"


def _ueff_log(U, t, x_b, ell, R, N):
    """log(1 + U n_c(x_b, t) t) with n_c from Eq. (3); arrays over time (t, ell, R, N)."""
    r = np.where(np.isfinite(R), R, np.inf)
    n = eq3(x_b[None, :], ell[:, None], r[:, None], N[:, None])
    return np.log1p(U * n * t[:, None])


class _Eq5(NamedTuple):
    """One Eq. (5) fit: xi_S, the fitted S_AI (NaN when fixed), error, red. chi², dof."""

    xi: float
    s_ai: float
    err: float
    red_chi2: float
    n_dof: int


def _g(d: EntData, iu: int, U: float, sel: np.ndarray, ell=None, R=None, N=None):
    """log(1 + U_eff t) at the selected times, from the full fit or one resample."""
    ell = d.ell[iu] if ell is None else ell
    R = d.R[iu] if R is None else R
    N = d.N[iu] if N is None else N
    return _ueff_log(U, d.times[sel], d.x_b, ell[sel], R[sel], N[sel])


def _boot_xi(d: EntData, iu: int, U: float, use_t, w, boot, fixed: bool) -> float:
    """Bootstrap error of xi_S, paired with the Eq. (3) resamples (weights fixed)."""
    xb = np.full(d.n_boot, np.nan)
    for b in range(d.n_boot):
        okb = use_t & np.isfinite(d.b_ell[b, iu]) & np.isfinite(boot[b, iu]).all(-1)
        if not okb.any():
            continue
        gb = _g(d, iu, U, okb, d.b_ell[b, iu], d.b_R[b, iu], d.b_N[b, iu])
        line = weighted_line(gb, boot[b, iu, okb], w[okb[use_t]], axis=None, intercept=not fixed)
        if line.den > 0:
            xb[b] = line.slope
    return float(replicate_std(xb))


def _eq5_fit(d: EntData, iu, U, y_all, e_all, boot, S_floor, fixed) -> _Eq5 | None:
    """Weighted linear fit of y = [S_AI +] xi_S g over the fit window; None if singular."""
    use_t = d.tsel & np.isfinite(d.ell[iu]) & np.isfinite(y_all[iu]).all(-1)
    if not use_t.any():
        return None
    g = _g(d, iu, U, use_t)
    y = y_all[iu, use_t]
    e = np.nan_to_num(e_all[iu, use_t], nan=0.0)
    w = np.where(d.inner[None, :], 1.0 / (e**2 + S_floor**2), 0.0)
    line = weighted_line(g, y, w, axis=None, intercept=not fixed)
    if not line.den > 0:
        return None
    s_ai = np.nan if fixed else float(line.intercept)
    chi2 = float((w * (y - np.nan_to_num(s_ai) - line.slope * g) ** 2).sum())
    n_dof = int((w > 0).sum()) - (1 if fixed else 2)
    red = chi2 / n_dof if n_dof > 0 else np.nan
    if d.n_boot and boot is not None:
        err = _boot_xi(d, iu, U, use_t, w, boot, fixed)
    else:
        err = float(line.slope_err) * np.sqrt(max(np.nan_to_num(red), 1.0))
    return _Eq5(float(line.slope), s_ai, err, red, n_dof)


def _fit_xi_S(d: EntData, out: dict, iu: int, U: float, S_floor: float) -> bool:
    """Eq. (5) fit of xi_S (and S_AI without U = 0) at one U > 0; True if it succeeded."""
    if not (d.tsel & np.isfinite(d.ell[iu])).any():
        out["status"][iu] = "no fitted c profile / no S data at t >= fit_t_min"
        out["slope_status"][iu] = out["status"][iu]
        return False
    res = _eq5_fit(d, iu, U, d.y_mean, d.y_err, d.by, S_floor, d.fixed)
    if res is None or not np.isfinite(res.xi):
        out["status"][iu] = "fit failed: no S data or U_eff t vanishes on the fit window"
        out["slope_status"][iu] = out["status"][iu]
        return False
    out["xi_S"][iu], out["xi_S_err"][iu] = res.xi, res.err
    out["red_chi2"][iu], out["n_dof"][iu] = res.red_chi2, res.n_dof
    if not d.fixed:
        out["S_AI"][iu] = res.s_ai
    out["status"][iu] = "ok" if d.fixed else _NO_U0
    if d.fixed:
        alt = _eq5_fit(d, iu, U, d.dS, d.dS_err, d.bdS, S_floor, True)
        if alt is not None:
            out["xi_S_tdep"][iu], out["xi_S_tdep_err"][iu] = alt.xi, alt.err
    ft = np.isfinite(d.ell[iu]) & (d.times > 0)
    if ft.any():
        out["S_model"][iu, ft] = out["S_AI"][iu][None, :] + res.xi * _g(d, iu, U, ft)
    return True


def _empty(d: EntData) -> dict[str, np.ndarray]:
    nU, nT, nB = d.Us.size, d.times.size, d.x_b.size
    out = {
        k: np.full(nU, np.nan)
        for k in ("xi_S", "xi_S_err", "xi_S_tdep", "xi_S_tdep_err", "red_chi2")
    }
    for k in ("slope", "slope_err", "slope_pred", "slope_pred_err", "t_ent", "sx_min", "sx_max"):
        out[k] = np.full(nU, np.nan)
    out["s_n"] = np.zeros(nU, dtype=np.int32)
    out["n_dof"] = np.zeros(nU, dtype=np.int32)
    for k in ("S_AI_src", "status", "slope_status"):
        out[k] = str_array(nU)
    out["S_AI"] = d.S_AI.copy()
    out["S_model"] = np.full((nU, nT, nB), np.nan)
    out["x_mbl"] = np.full((nU, nT), np.nan)
    out["x_mbl_err"] = np.full((nU, nT), np.nan)
    return out


def fit_entanglement(
    agg: xr.Dataset,
    nc_fit: xr.Dataset,
    fit_t_min: float = 1.0,
    t_ent: float | None = None,
    *,
    exclude_unconverged: bool = False,
    edge_bonds: int = 2,
    y_min: float = float(np.exp(2.0)),
    S_floor: float = 1e-3,
) -> xr.Dataset:
    """Fit Eq. (5) to S(b, t); MBL front and the slope of the late-time profile.

    Parameters
    ----------
    agg : xarray.Dataset
        Aggregated data (needs ``S(U, seed, time, bond)``; ``n_c`` of the U = 0 runs for
        S_AI).
    nc_fit : xarray.Dataset
        Output of :func:`~mblbath.analysis.profile.fit_nc` on the same data (U_eff from
        its ℓ_c, R, N_c).
    fit_t_min : float
        Eq. (5) is fitted over t >= fit_t_min (times with a fitted profile); S_AI is the
        mean of S_d over the same times.
    t_ent : float, optional
        Time of the late-time profile (nearest time in the data); None = last time with
        data for that U.
    exclude_unconverged : bool
        Skip runs with ``converged == 0``.
    edge_bonds : int
        Bonds excluded at each end of the chain from the fits.
    y_min : float
        Slope region: bonds with U_eff(x_b, t_ent) t_ent >= y_min (default e²: there
        log(1 + y) is within 1/y ≈ 0.14 of its linear asymptote log y) and
        |x_b| <= R(t_ent)/2 (exponential regime of Eq. 3).
    S_floor : float
        Absolute error added in quadrature to the standard error of S (weights).

    Returns
    -------
    xarray.Dataset
        per U: ``xi_S``, ``xi_S_err``, ``red_chi2``, ``n_dof``, ``xi_S_tdep``,
        ``xi_S_tdep_err``, ``S_AI_source`` (description), ``status``, ``slope``,
        ``slope_err``, ``slope_pred``, ``slope_pred_err``, ``slope_status``, ``t_ent``,
        ``slope_x_min``, ``slope_x_max``, ``slope_n``; ``S_AI(U, bond)``;
        ``S_AI_t(time, bond)``, ``S_AI_t_err``, ``S_AI_drift``, ``S_AI_drift_err``
        (scalars); ``x_mbl(U, time)``, ``x_mbl_err``; ``S_model``, ``S_mean``, ``S_err``,
        ``dS``, ``dS_err`` (U, time, bond).
    """
    d = read_ent(agg, nc_fit, fit_t_min, edge_bonds, exclude_unconverged)
    out = _empty(d)
    out["S_AI_src"][:] = _SRC_U0 if d.fixed else "fitted: one constant per U (no U = 0 data)"
    for iu, U in enumerate(d.Us):
        if U > 0:
            x_mbl(d, out, iu, U)
        if U == 0:
            out["status"][iu] = "not fitted: U = 0 (Eq. 5 reduces to S = S_AI)"
            out["slope_status"][iu] = "not fitted: U = 0"
        elif _fit_xi_S(d, out, iu, U, S_floor):
            late_slope(d, out, iu, U, t_ent, y_min, S_floor)
    ds = xr.Dataset(_variables(d, out), coords=_coords(agg, d))
    ds.attrs = fit_attrs(
        agg_attrs(agg),
        "Eq. (5) entanglement fits, MBL front and late-time slope",
        **_method_attrs(d, fit_t_min, edge_bonds, int(agg.sizes["site"]), S_floor, y_min),
        error=_ERR_BOOT if d.n_boot else "standard error of the weighted linear least squares",
        fit_t_min=fit_t_min,
        t_ent_requested="last time" if t_ent is None else float(t_ent),
        fit_window=f"t >= {fit_t_min:g}",
        status_convention=STATUS_WITH_CAVEAT,
        exclude_unconverged=exclude_unconverged,
        n_seeds=(d.Us, d.valid.any(axis=2).sum(axis=1)),
    )
    return ds


def _s_ai_attrs(d: EntData) -> dict:
    """How S_AI was obtained, with the drift measured on these data."""
    if not d.fixed:
        return {
            "S_AI_method": (
                "fitted: one constant per U together with xi_S (no U = 0 data: the Anderson "
                "insulator's entropy cannot be measured; xi_S is then not the paper's)"
            ),
            "S_AI_drift_note": "not available (no U = 0 data)",
        }
    r = d.ref
    return {
        "S_AI_method": S_AI_DECISION,
        "S_AI_drift_note": (
            f"measured here: d S_d / d ln t = {r.drift:.3g} +- {r.drift_err:.3g} nats per "
            f"e-fold (bond mean over the fitted bonds, {r.drift_n} realisations); compare "
            "with xi_S"
        ),
        "pairing": (
            "Eq. (5) fitted to the disorder mean of S_U - S_AI per realisation (U > 0 runs "
            "share their disorder with U = 0); weights from the SEM of those differences"
        ),
        "xi_S_tdep_method": (
            "same fit to the paired excess over the time-dependent S_d(b, t) (variable dS): "
            "the effect of taking S_AI constant"
        ),
    }


def _method_attrs(d: EntData, fit_t_min, edge_bonds, L, S_floor, y_min) -> dict:
    return {
        "model": "S(b,t) = S_AI + xi_S log(1 + U n_c(x_b,t) t), n_c from the Eq. (3) fit",
        **_s_ai_attrs(d),
        "method": (
            f"linear weighted least squares over t >= {fit_t_min:g} (times with a fitted "
            f"profile) and bonds {edge_bonds + 1}..{L - 1 - edge_bonds}; weights "
            f"1/(err^2 + {S_floor:g}^2); x_b = b - 1/2 - c_site"
        ),
        "red_chi2_note": (
            "chi^2 / n_dof with the fit weights; the times and bonds of one realisation are "
            "correlated, so the points are not independent and red_chi2 is approximate"
        ),
        "slope_method": (
            "weighted linear fit of S_mean vs |x_b| at t_ent over the bonds with "
            f"U n_c(x_b,t_ent) t_ent >= {y_min:.4g} and |x_b| <= R(t_ent)/2 (the region "
            "where Eq. (5) is linear in |x|); slope_pred = -xi_S / ell_c(t_ent)"
        ),
        "x_mbl_method": "ell_c(t) log(N_c(t) U t), clipped at 0",
    }


def _coords(agg: xr.Dataset, d: EntData) -> dict:
    coords = u_time_coords(agg)
    coords["bond"] = variable(
        ("bond",),
        agg.bond.values.astype(int),
        "1",
        "bond b: entropy of sites 0..b-1 (cut at x = b - 1/2 - c_site)",
    )
    coords["x_bond"] = variable(("bond",), d.x_b, LS, "cut position b - 1/2 - c_site")
    return coords


def _reference_variables(d: EntData) -> dict:
    """S_AI_t, its drift and the paired excess dS (NaN without U = 0 data)."""
    nT, nB = d.times.size, d.x_b.size
    r = d.ref
    tb, utb = ("time", "bond"), ("U", "time", "bond")
    nan_tb = np.full((nT, nB), np.nan)
    return {
        "S_AI_t": variable(
            tb,
            r.S_AI_t if r else nan_tb,
            "nat",
            "Anderson insulator (U = 0, d only): disorder mean of S - H2(p_c^left)",
        ),
        "S_AI_t_err": variable(
            tb, r.S_AI_t_err if r else nan_tb, "nat", "standard error of S_AI_t"
        ),
        "S_AI_drift": variable(
            (), r.drift if r else np.nan, "nat", "d S_d / d ln t over t >= fit_t_min (bond mean)"
        ),
        "S_AI_drift_err": variable(
            (), r.drift_err if r else np.nan, "nat", "standard error of S_AI_drift"
        ),
        "dS": variable(utb, d.dS, "nat", "paired excess S_U - S_d(t) per realisation, mean"),
        "dS_err": variable(utb, d.dS_err, "nat", "standard error of dS (paired differences)"),
    }


def _variables(d: EntData, out: dict) -> dict:
    u, ut, utb, per_ls = ("U",), ("U", "time"), ("U", "time", "bond"), "nat/lattice spacing"
    return {
        "xi_S": variable(u, out["xi_S"], "nat", "Eq. (5) entanglement prefactor xi_S (nats)"),
        "xi_S_err": variable(u, out["xi_S_err"], "nat", "uncertainty of xi_S"),
        "red_chi2": variable(u, out["red_chi2"], "1", "reduced chi^2 of the Eq. (5) fit"),
        "n_dof": variable(u, out["n_dof"], "1", "degrees of freedom of the Eq. (5) fit"),
        "xi_S_tdep": variable(u, out["xi_S_tdep"], "nat", "xi_S with the time-dependent S_d"),
        "xi_S_tdep_err": variable(u, out["xi_S_tdep_err"], "nat", "uncertainty of xi_S_tdep"),
        "S_AI": variable(
            ("U", "bond"), out["S_AI"], "nat", "Anderson-insulator entropy S_AI used in Eq. (5)"
        ),
        "S_AI_source": variable(u, out["S_AI_src"].astype(str), "none", "how S_AI was obtained"),
        **_reference_variables(d),
        "status": variable(u, out["status"].astype(str), "none", "Eq. (5) fit status"),
        "x_mbl": variable(
            ut, out["x_mbl"], LS, "MBL front ell_c log(N_c U t) (0 where N_c U t <= 1)"
        ),
        "x_mbl_err": variable(ut, out["x_mbl_err"], LS, "uncertainty of x_mbl"),
        "slope": variable(u, out["slope"], per_ls, "slope of late-time S vs |x|"),
        "slope_err": variable(u, out["slope_err"], per_ls, "uncertainty of slope"),
        "slope_pred": variable(u, out["slope_pred"], per_ls, "-xi_S / ell_c(t_ent)"),
        "slope_pred_err": variable(u, out["slope_pred_err"], per_ls, "uncertainty of slope_pred"),
        "slope_status": variable(u, out["slope_status"].astype(str), "none", "slope fit status"),
        "t_ent": variable(u, out["t_ent"], "hopping times", "time of the late-time profile"),
        "slope_x_min": variable(u, out["sx_min"], LS, "smallest |x| in slope fit"),
        "slope_x_max": variable(u, out["sx_max"], LS, "largest |x| in slope fit"),
        "slope_n": variable(u, out["s_n"], "1", "bonds in the slope fit"),
        "S_model": variable(utb, out["S_model"], "nat", "Eq. (5) at the fitted parameters"),
        "S_mean": variable(utb, d.S_mean, "nat", "disorder mean of the entanglement entropy"),
        "S_err": variable(utb, d.S_err, "nat", "standard error of the disorder mean of S"),
        "n_seeds": seeds_used(d.valid),
    }
