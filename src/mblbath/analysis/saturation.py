"""Eq. (4): saturation of a decay length, ell(t) = xi log(1 + t/T0) / (1 + log(1 + t/T0)).

:func:`fit_eq4_series` fits one series ell(t) (used for ℓ_c by :func:`fit_lc` and for ℓ_d
at every centre by :func:`mblbath.analysis.ell_d.fit_ld`): times t >= ``fit_t_min`` with a
finite decay length; weighted least squares in (ln xi, ln T0), sigma = sqrt(err² +
(1e-3 ell)²) with err the error of each point; xi in [1e-3, 1e4 L], T0 in [1e-6, 1e6];
three starting values of T0. If the fitted T0 exceeds the last fitted time the data have
not reached the time scale of the saturation: only xi/T0 is determined, so xi = T0 = NaN
with that reason. T0 at its lower bound (curve already flat in the window) keeps xi with an
"ok; " caveat. With bootstrap replicates of the whole series the fit is repeated on each
(errors correlated in time are propagated); otherwise Jacobian errors.

Goodness of fit: ``red_chi2`` = χ² / n_dof with χ² = Σ ((ell - Eq. 4) / sigma)² over the
fitted times and n_dof = n_points - 2, the point errors being the weights. It is
approximate: the errors of ell at different times come from the same realisations and
bootstrap resamples, so they are correlated, and χ² does not follow the χ² distribution of
independent points. NaN when the points carry no errors (unweighted fit) or n_dof < 1.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..config import MODEL_KEYS
from .dataset import ERR_BOOT, ERR_JAC, fit_attrs, str_array, variable
from .lsq import LSQ, at_bound, best_of_starts, refit_lm
from .models import eq4
from .stats import replicate_std

__all__ = ["fit_eq4_series", "fit_lc", "CHI2_NOTE"]

#: Lower bounds of (ln xi, ln T0).
_EQ4_LO = np.log([1e-3, 1e-6])
LS = "lattice spacings"
#: Attribute of every file with Eq. (4) goodness-of-fit numbers ({} = the point errors).
CHI2_NOTE = (
    "red_chi2 = chi^2 / n_dof, n_dof = points - 2, weights 1/({}^2 + (1e-3 ell)^2); "
    "approximate: the errors at different times come from the same realisations and "
    "bootstrap resamples and are correlated"
)
_MODEL_NOTE = "T0 at its lower bound where status says so"


def _fit_eq4(t, y, sig, xi_max, starts=None, fast=False):
    """Weighted fit of Eq. (4) in (ln xi, ln T0). Returns (xi, T0, status, jac, cost).

    ``fast``: unbounded MINPACK Levenberg-Marquardt from ``starts[0]`` (bootstrap refits
    starting at the full-sample optimum); the bounds are checked afterwards.
    """
    hi = np.array([np.log(xi_max), np.log(1e6)])
    lo = _EQ4_LO

    def resid(p):
        q = np.exp(np.clip(p, lo - 10.0, hi + 10.0))
        return (eq4(t, q[0], q[1]) - y) / sig

    if starts is None:
        ymax = float(np.max(y))
        starts = [np.log([1.5 * ymax, T0]) for T0 in (0.1, 1.0, 10.0)]
    if fast:
        r = refit_lm(resid, starts[0], lo, hi)
        best, msg = (
            (None, r) if isinstance(r, str) else (LSQ(np.clip(r.x, lo, hi), r.cost, None), "")
        )
    else:
        best, msg = best_of_starts(resid, starts, lo, hi, "fit failed")
    if best is None:
        return np.nan, np.nan, msg, None, np.nan
    at_lo, at_hi = at_bound(best.x, lo, hi)
    xi, T0 = np.exp(best.x)
    if at_hi[0]:
        return np.nan, np.nan, "xi at upper bound: no saturation in the fit window", None, np.nan
    if at_lo[0]:
        return np.nan, np.nan, "xi at lower bound", None, np.nan
    if at_hi[1] or T0 > np.max(t):
        return (
            np.nan,
            np.nan,
            f"no saturation in the fit window: T0 = {T0:.3g} > last fitted time "
            f"{np.max(t):.3g}, xi and T0 degenerate (only xi/T0 determined)",
            None,
            np.nan,
        )
    status = "ok"
    if at_lo[1]:
        status = "ok; T0 at lower bound (saturated over the fit window), T0 = NaN"
    return xi, T0, status, best.jac, best.cost


def _bootstrap_eq4(out, t, sel, sig, boot, xi_max, p_start, min_points) -> None:
    """Refit Eq. (4) on every bootstrap replicate of the series; store xi_boot and errors."""
    xb = np.full(boot.shape[0], np.nan)
    tb_ = np.full(boot.shape[0], np.nan)
    for b in range(boot.shape[0]):
        yb = boot[b][sel]
        ok = np.isfinite(yb)
        if ok.sum() < min_points:
            continue
        xbv, tbv, _, _, _ = _fit_eq4(t[ok], yb[ok], sig[ok], xi_max, p_start, fast=True)
        xb[b], tb_[b] = xbv, tbv
    out["xi_boot"] = xb
    out["xi_err"] = float(replicate_std(xb))
    out["T0_err"] = float(replicate_std(tb_)) if out["status"] == "ok" else np.nan
    out["err_method"] = ERR_BOOT


def _jacobian_eq4(out, jac, cost, n_t, weighted) -> None:
    """Errors of xi and T0 from the Jacobian (unweighted: scaled by the residual variance;
    weighted: inflated if the reduced chi^2 exceeds 1)."""
    try:
        cov = np.linalg.inv(jac.T @ jac)
        dof = n_t - 2
        if dof > 0:
            chi2 = 2 * cost / dof
            cov *= max(chi2, 1.0) if weighted else chi2
        out["xi_err"] = float(out["xi"] * np.sqrt(cov[0, 0]))
        out["T0_err"] = float(out["T0"] * np.sqrt(cov[1, 1])) if out["status"] == "ok" else np.nan
    except np.linalg.LinAlgError:
        pass
    out["err_method"] = ERR_JAC


def fit_eq4_series(
    times, ell, ell_err, boot, fit_t_min, xi_max, min_points=3, rel_floor=1e-3
) -> dict:
    """Eq. (4) fit of one ell(t) series with optional bootstrap replicates (B, time).

    Returns a dict with ``xi``, ``T0`` (NaN unless status is 'ok'), ``T0_fit`` (the T0 of
    the curve, also at its lower bound), ``xi_err``, ``T0_err``, ``status``, ``n_points``,
    ``red_chi2``, ``n_dof`` (goodness of fit, see the module docstring), ``xi_boot`` (B)
    and, when errors were computed, ``err_method``.
    """
    sel = (times >= fit_t_min) & np.isfinite(ell) & (times > 0)
    out = {"xi": np.nan, "T0": np.nan, "xi_err": np.nan, "T0_err": np.nan, "T0_fit": np.nan}
    out["n_points"] = int(sel.sum())
    out["red_chi2"], out["n_dof"] = np.nan, 0
    out["xi_boot"] = np.full(0 if boot is None else boot.shape[0], np.nan)
    if sel.sum() < min_points:
        out["status"] = f"too few points: {int(sel.sum())} finite values at t >= {fit_t_min:g}"
        return out
    t, y = times[sel], ell[sel]
    e = ell_err[sel] if ell_err is not None else np.full(t.size, np.nan)
    e = np.where(np.isfinite(e), e, 0.0)
    sig = np.sqrt(e**2 + (rel_floor * np.abs(y)) ** 2)
    if not np.any(e > 0):
        sig = np.full_like(y, max(float(np.mean(np.abs(y))), 1e-12))  # unweighted
    xi, T0, status, jac, cost = _fit_eq4(t, y, sig, xi_max)
    out["status"] = status
    if not np.isfinite(xi):
        return out
    t0_used = T0 if not status.startswith("ok; T0 at lower") else np.exp(_EQ4_LO[1])
    out["xi"], out["T0_fit"] = xi, t0_used
    out["T0"] = T0 if status == "ok" else np.nan
    out["n_dof"] = int(t.size - 2)
    if np.any(e > 0) and t.size > 2:
        out["red_chi2"] = float(2 * cost / (t.size - 2))
    if boot is not None and boot.shape[0] > 0:
        p_start = [np.log([xi, t0_used])]
        _bootstrap_eq4(out, t, sel, sig, boot, xi_max, p_start, min_points)
    elif jac is not None:
        _jacobian_eq4(out, jac, cost, t.size, weighted=bool(np.any(e > 0)))
    return out


def fit_lc(nc_fit: xr.Dataset, fit_t_min: float = 1.0, L: int | None = None) -> xr.Dataset:
    """Fit Eq. (4) to ℓ_c(t) for every U: saturation length ξ_c and time scale T0.

    Parameters
    ----------
    nc_fit : xarray.Dataset
        Output of :func:`mblbath.analysis.profile.fit_nc`. Times with finite ``ell_c`` and
        t >= fit_t_min are used, weighted by ``ell_c_err`` (plus 0.1 % relative). If
        ``ell_c_boot`` is present, the Eq. (4) fit is repeated on every bootstrap replicate
        of the whole curve ℓ_c(t) (errors correlated in time are propagated); otherwise
        Jacobian errors.
    fit_t_min : float
        Smallest time used (the paper uses t >= 1).
    L : int, optional
        System size (default ``nc_fit.attrs["L"]``); ξ may exceed it (flagged by
        ``xi_c_exceeds_L``); the upper bound of ξ is 1e4 L.

    Returns
    -------
    xarray.Dataset
        dims (U, time): ``xi_c``, ``xi_c_err``, ``T0``, ``T0_err``, ``status``,
        ``n_points``, ``red_chi2``, ``n_dof`` (goodness of fit), ``xi_c_exceeds_L``
        (int8), ``ell_c_model(U, time)``; attrs ``L``, ``fit_t_min``.
    """
    if L is None:
        L = int(nc_fit.attrs.get("L", nc_fit.sizes.get("x_cg", 0) + 2))
    times = nc_fit.time.values.astype(float)
    res, status, n_points, methods = _fit_lc_per_u(nc_fit, times, fit_t_min, L)
    model = np.full((res["xi"].size, times.size), np.nan)
    for iu in range(res["xi"].size):
        if np.isfinite(res["xi"][iu]):
            model[iu] = eq4(times, res["xi"][iu], res["T0_fit"][iu])
    exceeds = (np.nan_to_num(res["xi"], nan=0.0) > L).astype(np.int8)
    u = ("U",)
    data = {
        "xi_c": variable(u, res["xi"], LS, "c-boson localisation length xi_c"),
        "xi_c_err": variable(u, res["xi_err"], LS, "uncertainty of xi_c"),
        "T0": variable(u, res["T0"], "hopping times", "Eq. (4) time scale T0"),
        "T0_err": variable(u, res["T0_err"], "hopping times", "uncertainty of T0"),
        "status": variable(u, status.astype(str), "none", "Eq. (4) fit status"),
        "n_points": variable(u, n_points, "1", "times in the Eq. (4) fit"),
        "red_chi2": variable(u, res["red_chi2"], "1", "reduced chi^2 of the Eq. (4) fit"),
        "n_dof": variable(u, res["n_dof"].astype(np.int32), "1", "degrees of freedom"),
        "xi_c_exceeds_L": variable(u, exceeds, "1", "1 if xi_c > L (not localised in L)"),
        "ell_c_model": variable(
            ("U", "time"), model, LS, "Eq. (4) at the fitted xi_c, T0", note=_MODEL_NOTE
        ),
    }
    coords = {
        "U": variable(u, nc_fit.U.values.astype(float), "hopping", "c-d interaction U"),
        "time": variable(("time",), times, "hopping times", "time"),
    }
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = fit_attrs(
        {
            **{k: v for k, v in nc_fit.attrs.items() if k in MODEL_KEYS},
            **{k: nc_fit.attrs[k] for k in ("numerics", "config_hash") if k in nc_fit.attrs},
        },
        "Eq. (4) fits of ell_c(t)",
        model="ell_c(t) = xi_c log(1 + t/T0) / (1 + log(1 + t/T0))",
        method=(
            "weighted least squares in (ln xi, ln T0), sigma = sqrt(ell_c_err^2 + "
            "(1e-3 ell_c)^2); xi in [1e-3, 1e4 L], T0 in [1e-6, 1e6]"
        ),
        L=int(L),
        red_chi2_note=CHI2_NOTE.format("ell_c_err"),
        error="; ".join(sorted(methods)) if methods else "none",
        fit_t_min=fit_t_min,
        fit_window=f"t >= {fit_t_min:g}, times with a finite ell_c",
        n_seeds=str(nc_fit.attrs.get("n_seeds_used", "")),
    )
    return ds


def _fit_lc_per_u(nc_fit: xr.Dataset, times: np.ndarray, fit_t_min: float, L: int):
    """:func:`fit_eq4_series` of ell_c(t) for every U: (results, status, n_points, methods)."""
    nU = nc_fit.U.size
    keys = ("xi", "xi_err", "T0", "T0_err", "T0_fit", "red_chi2", "n_dof")
    res = {k: np.full(nU, np.nan) for k in keys}
    status = str_array(nU)
    n_points = np.zeros(nU, dtype=np.int32)
    methods = set()
    for iu in range(nU):
        ell = nc_fit["ell_c"].isel(U=iu).values
        err = nc_fit["ell_c_err"].isel(U=iu).values if "ell_c_err" in nc_fit else None
        boot = (
            nc_fit["ell_c_boot"].isel(U=iu).transpose("sample", "time").values
            if "ell_c_boot" in nc_fit
            else None
        )
        o = fit_eq4_series(times, ell, err, boot, fit_t_min, 1e4 * L)
        for k in res:
            res[k][iu] = o[k]
        status[iu] = o["status"]
        n_points[iu] = o["n_points"]
        if "err_method" in o:
            methods.add(o["err_method"])
    return res, status, n_points, methods
