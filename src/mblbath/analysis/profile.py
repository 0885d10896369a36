"""Eq. (3): fit of the disorder-averaged, coarse-grained c-boson profile at every time.

Disorder average over the valid runs, then a weighted least-squares fit of
ln ñ_model - ln ñ_data over the coarse-grained points with ñ_data > ``n_floor``, weights
1/σ² with σ = sqrt((SEM/ñ)² + rel_err_floor²) (SEM = standard error of the disorder mean).
Parameters ln ell_c, ln R; bounds ell_c in [0.05, 10 L], R in [0.1, 10 L]; several starting
points from the second moment of the profile.

The fit is a *forward-model* fit: Eq. (3) is evaluated on the lattice, normalised so that
its sum over the L sites equals the disorder-averaged total c density (N_c is not a free
parameter), and coarse-grained exactly like the data, so ell_c and R refer to the
microscopic profile (fitting the smoothed data with the bare formula would bias ell_c
upwards by the 3-site smoothing).

Profiles at t < ``fit_t_min`` (and t = 0) are not fitted, profiles with fewer than
``min_points`` coarse-grained points above ``n_floor`` are "too narrow"; both keep NaN and
say so in ``status``. R at its upper bound is unresolved ("ok; ..." with R = NaN, the
exponential limit). Errors: bootstrap over realisations (the resampled seeds are stored in
``bootstrap_seeds`` for the later stages), else from the Jacobian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .dataset import (
    ERR_BOOT,
    ERR_JAC,
    agg_attrs,
    fit_attrs,
    seeds_used,
    str_array,
    u_time_coords,
    valid_mask,
    variable,
)
from .lsq import at_bound, best_of_starts, refit_lm
from .models import coarse_grain, coarse_grain_x
from .stats import bootstrap_counts, bootstrap_mean, mean_sem, replicate_std

__all__ = ["fit_nc"]

#: Coarse-graining window (the unit cell of the nu_d = 1/3 density wave).
WIDTH = 3
LS = "lattice spacings"


class _Profile:
    """Coarse-grained, normalised Eq. (3) on the lattice, in log space (fast path)."""

    def __init__(self, x_site: np.ndarray, width: int = WIDTH):
        self.ax = np.abs(np.asarray(x_site, dtype=float))
        self.nz = self.ax > 0
        self.width = width

    def log_model(self, ell: float, R: float, log_total: float) -> tuple[np.ndarray, float]:
        """ln ñ_model on the coarse-grained points and ln N_c (the value at x = 0)."""
        lf = np.zeros(self.ax.size)
        axn = self.ax[self.nz]
        lf[self.nz] = -axn / (ell * np.tanh(R / axn))  # R = inf -> tanh = 1
        m = lf.max()
        log_n = log_total - (m + np.log(np.exp(lf - m).sum()))
        n = lf.size - self.width + 1
        win = [lf[k : k + n] for k in range(self.width)]
        wm = np.maximum.reduce(win)
        lse = wm + np.log(sum(np.exp(w - wm) for w in win))
        return log_n + lse - np.log(self.width), float(log_n)


def _fit_profile(prof, ly, sig, mask, log_total, starts, lo, hi, fast=False):
    """Weighted log-space fit of Eq. (3). Returns dict(p, status, jac, cost).

    ``fast``: unbounded Levenberg-Marquardt from ``starts[0]``, for the bootstrap refits
    that start at the full-sample optimum; bounds are checked after.
    """

    def resid(p):
        q = np.exp(np.clip(p, lo - 10.0, hi + 10.0))  # unbounded LM must not overflow
        lm, _ = prof.log_model(q[0], q[1], log_total)
        return (lm[mask] - ly[mask]) / sig[mask]

    if fast:
        best = refit_lm(resid, starts[0], lo, hi)
        best, msg = (None, best) if isinstance(best, str) else (best, "")
    else:
        best, msg = best_of_starts(resid, starts, lo, hi, "no starting point")
    fail = {"p": np.full(2, np.nan), "jac": None}
    if best is None:
        return {**fail, "status": msg, "cost": np.nan}
    at_lo, at_hi = at_bound(best.x, lo, hi)
    at_lo |= best.x < lo
    at_hi |= best.x > hi
    p = best.x.copy()
    if at_lo[0] or at_hi[0]:
        which = "lower" if at_lo[0] else "upper"
        status = f"ell_c at {which} bound {np.exp(p[0]):.3g}: profile not described"
        return {**fail, "status": status, "cost": best.cost}
    if at_lo[1]:
        status = f"R at lower bound {np.exp(p[1]):.3g}: ell_c and R degenerate"
        return {**fail, "status": status, "cost": best.cost}
    status = "ok"
    if at_hi[1]:
        status = "ok; R unresolved (upper bound: exponential over the whole chain), R = NaN"
        p[1] = np.inf
    return {"p": p, "status": status, "jac": best.jac, "cost": best.cost}


@dataclass(frozen=True)
class _Settings:
    fit_t_min: float
    n_floor: float
    min_points: int
    rel_err_floor: float
    lo: np.ndarray
    hi: np.ndarray


@dataclass
class _Averages:
    """Disorder averages of one L (and their bootstrap resamples) that the fits use."""

    L: int
    times: np.ndarray
    x_site: np.ndarray
    x_cg: np.ndarray
    valid: np.ndarray  # (U, seed, time)
    mean: np.ndarray  # (U, time, x_cg)
    sem: np.ndarray
    total: np.ndarray  # (U, time)
    idx: np.ndarray  # (B, draw) resampled seed positions
    bmean: np.ndarray | None  # (B, U, time, x_cg)
    btotal: np.ndarray | None  # (B, U, time)

    @property
    def n_boot(self) -> int:
        return self.idx.shape[0]


def _averages(agg, exclude_unconverged, n_bootstrap, bootstrap_seed) -> _Averages:
    L = int(agg.sizes["site"])
    n_c = agg["n_c"].transpose("U", "seed", "time", "site").values.astype(float)
    valid = valid_mask(agg, "n_c", ("site",), exclude_unconverged)
    cg = coarse_grain(n_c, WIDTH)
    x_site = np.arange(L) - int(agg.attrs["c_site"])
    mean, sem, _ = mean_sem(cg, valid)
    total, _, _ = mean_sem(n_c.sum(axis=-1), valid)
    counts, idx = bootstrap_counts(valid, n_bootstrap, bootstrap_seed)
    boot = counts.shape[0] > 0
    return _Averages(
        L=L,
        times=agg.time.values.astype(float),
        x_site=x_site,
        x_cg=coarse_grain_x(x_site, WIDTH),
        valid=valid,
        mean=mean,
        sem=sem,
        total=total,
        idx=idx,
        bmean=bootstrap_mean(counts, cg, valid) if boot else None,
        btotal=bootstrap_mean(counts, n_c.sum(axis=-1), valid) if boot else None,
    )


def _empty(nU: int, nT: int, nX: int, n_boot: int) -> dict[str, np.ndarray]:
    out = {k: np.full((nU, nT), np.nan) for k in ("ell", "R", "logN", "ell_err", "R_err")}
    out.update(N_err=np.full((nU, nT), np.nan), red_chi2=np.full((nU, nT), np.nan))
    out["n_points"] = np.zeros((nU, nT), dtype=np.int32)
    out["n_boot_ok"] = np.zeros((nU, nT), dtype=np.int32)
    out["status"] = str_array((nU, nT))
    out["fit_cg"] = np.full((nU, nT, nX), np.nan)
    for k in ("b_ell", "b_R", "b_N"):
        out[k] = np.full((n_boot, nU, nT), np.nan)
    return out


def _skip_reason(t: float, n_valid: int, fit_t_min: float) -> str | None:
    if n_valid == 0:
        return "no data: no valid run at this time"
    if t <= 0:
        return "not fitted: t = 0 (initial product state)"
    if t < fit_t_min:
        return f"not fitted: t = {t:g} < fit_t_min = {fit_t_min:g}"
    return None


def _log_data_and_starts(y, sem, mask, x_cg, L, rel_err_floor):
    """ln ñ, its σ and three starting points from the second moment of the profile."""
    ly = np.log(np.where(mask, y, 1.0))
    rel = np.where(mask, sem / np.where(mask, y, 1.0), np.nan)
    rel = np.where(np.isfinite(rel), rel, 0.0)
    sig = np.sqrt(rel**2 + rel_err_floor**2)
    # starting points from the second moment (minus the coarse-graining variance)
    w = np.where(mask, y, 0.0)
    var_x = max(float((w * x_cg**2).sum() / w.sum()) - (WIDTH**2 - 1) / 12, 0.25)
    l0 = max(np.sqrt(var_x / 2), 0.3)
    starts = [
        np.log([l0, max(2 * var_x / l0, 0.5)]),
        np.log([l0, 2.0 * L]),
        np.log([0.5 * l0, max(4 * var_x / l0, 1.0)]),
    ]
    return ly, sig, starts


def _fit_time(prof: _Profile, d: _Averages, out: dict, iu: int, it: int, s: _Settings) -> None:
    """Fit Eq. (3) at (U, time) index (iu, it) and store values, status and errors."""
    reason = _skip_reason(d.times[it], int(d.valid[iu, :, it].sum()), s.fit_t_min)
    if reason:
        out["status"][iu, it] = reason
        return
    y = d.mean[iu, it]
    mask = np.isfinite(y) & (y > s.n_floor)
    out["n_points"][iu, it] = int(mask.sum())
    if mask.sum() < s.min_points:
        out["status"][iu, it] = (
            f"too narrow: {int(mask.sum())} coarse-grained points above "
            f"n_floor = {s.n_floor:g} (need {s.min_points})"
        )
        return
    tot = d.total[iu, it]
    if not (np.isfinite(tot) and tot > 0):
        out["status"][iu, it] = "no data: total c density not positive"
        return
    ly, sig, starts = _log_data_and_starts(y, d.sem[iu, it], mask, d.x_cg, d.L, s.rel_err_floor)
    res = _fit_profile(prof, ly, sig, mask, np.log(tot), starts, s.lo, s.hi)
    out["status"][iu, it] = res["status"]
    if not np.isfinite(res["p"][0]):
        return
    e_c, r_c = np.exp(res["p"][0]), np.exp(res["p"][1])
    lm, ln_ = prof.log_model(e_c, r_c, np.log(tot))
    out["ell"][iu, it] = e_c
    out["R"][iu, it] = r_c if np.isfinite(r_c) else np.nan
    out["logN"][iu, it] = ln_
    out["fit_cg"][iu, it] = np.exp(lm)
    dof = int(mask.sum()) - 2
    out["red_chi2"][iu, it] = 2 * res["cost"] / dof if dof > 0 else np.nan
    if d.n_boot:
        _bootstrap_time(prof, d, out, iu, it, res["p"], mask, sig, s)
    elif res["jac"] is not None:
        _jacobian_errors(out, iu, it, res["jac"])


def _bootstrap_time(prof, d: _Averages, out, iu, it, p, mask, sig, s: _Settings) -> None:
    """Refit every bootstrap resample at (iu, it), weights fixed to the full sample's."""
    p_start = np.clip(np.array([p[0], min(p[1], s.hi[1] - 0.01)]), s.lo, s.hi)
    for b in range(d.n_boot):
        yb = d.bmean[b, iu, it]
        mb = mask & np.isfinite(yb) & (yb > 0)
        tb = d.btotal[b, iu, it]
        if mb.sum() < s.min_points or not (np.isfinite(tb) and tb > 0):
            continue
        lyb = np.log(np.where(mb, yb, 1.0))
        rb = _fit_profile(prof, lyb, sig, mb, np.log(tb), [p_start], s.lo, s.hi, fast=True)
        if not np.isfinite(rb["p"][0]):
            continue
        eb, rrb = np.exp(rb["p"][0]), np.exp(rb["p"][1])
        out["b_ell"][b, iu, it] = eb
        out["b_R"][b, iu, it] = rrb if np.isfinite(rrb) else np.nan
        out["b_N"][b, iu, it] = np.exp(prof.log_model(eb, rrb, np.log(tb))[1])
    out["n_boot_ok"][iu, it] = int(np.isfinite(out["b_ell"][:, iu, it]).sum())


def _jacobian_errors(out: dict, iu: int, it: int, jac: np.ndarray) -> None:
    """Errors of ell_c and R from the covariance with the given sigmas (inflated if
    the reduced chi^2 exceeds 1)."""
    e_c, r_c = out["ell"][iu, it], out["R"][iu, it]
    try:
        cov = np.linalg.inv(jac.T @ jac) * max(np.nan_to_num(out["red_chi2"][iu, it]), 1.0)
        out["ell_err"][iu, it] = e_c * np.sqrt(cov[0, 0])
        if np.isfinite(r_c):
            out["R_err"][iu, it] = r_c * np.sqrt(cov[1, 1])
    except np.linalg.LinAlgError:
        out["status"][iu, it] = "ok; singular Jacobian: no error estimate"


def _bootstrap_errors(out: dict) -> None:
    """Errors = standard deviation of the bootstrap replicates, where the fit succeeded."""
    for key, ref, boot in (("ell_err", "ell", "b_ell"), ("R_err", "R", "b_R")):
        out[key] = np.where(np.isfinite(out[ref]), replicate_std(out[boot], axis=0), np.nan)
    out["N_err"] = np.where(np.isfinite(out["logN"]), replicate_std(out["b_N"], axis=0), np.nan)


def fit_nc(
    agg: xr.Dataset,
    fit_t_min: float = 1.0,
    n_bootstrap: int = 200,
    bootstrap_seed: int = 1,
    *,
    exclude_unconverged: bool = False,
    n_floor: float = 1e-6,
    min_points: int = 5,
    rel_err_floor: float = 0.02,
) -> xr.Dataset:
    """Fit Eq. (3) to the disorder-averaged, coarse-grained c-boson profile at every time.

    Parameters
    ----------
    agg : xarray.Dataset
        Aggregated data of one L (needs ``n_c(U, seed, time, site)``, attrs ``c_site``).
    fit_t_min : float
        Profiles at t < fit_t_min are not fitted (status says so); all times are kept.
    n_bootstrap : int
        Bootstrap resamples over disorder realisations (0: Jacobian errors).
    bootstrap_seed : int
        Seed of the resampling.
    exclude_unconverged : bool
        Skip runs with ``converged == 0``.
    n_floor : float
        Coarse-grained densities below this are not fitted (TEBD noise floor).
    min_points : int
        Minimum number of coarse-grained points above ``n_floor``.
    rel_err_floor : float
        Relative error added in quadrature to the standard error of each point.

    Returns
    -------
    xarray.Dataset
        dims (U, time, x_cg[, sample, draw]): ``ell_c``, ``ell_c_err``, ``R``, ``R_err``,
        ``N_c``, ``N_c_err``, ``status``, ``nc_cg``, ``nc_cg_err``, ``nc_cg_fit``,
        ``n_points``, ``red_chi2``, ``n_boot_ok``, ``n_seeds(U)``, ``n_seeds_t(U, time)``,
        ``nc_total``, bootstrap replicates ``ell_c_boot``, ``R_boot``, ``N_c_boot`` and
        the resampled seeds ``bootstrap_seeds(sample, draw)``.
    """
    d = _averages(agg, exclude_unconverged, n_bootstrap, bootstrap_seed)
    L = d.L
    s = _Settings(
        fit_t_min,
        n_floor,
        min_points,
        rel_err_floor,
        lo=np.log([0.05, 0.1]),
        hi=np.log([10.0 * L, 10.0 * L]),
    )
    nU, nT, nX = d.mean.shape
    out = _empty(nU, nT, nX, d.n_boot)
    prof = _Profile(d.x_site, WIDTH)
    for iu in range(nU):
        for it in range(nT):
            _fit_time(prof, d, out, iu, it, s)
    if d.n_boot:
        _bootstrap_errors(out)
    ds = xr.Dataset(_variables(agg, d, out), coords=_coords(agg, d))
    ds.attrs = _attrs(agg, d, s, bootstrap_seed, exclude_unconverged)
    return ds


def _attrs(agg, d: _Averages, s: _Settings, bootstrap_seed, exclude_unconverged) -> dict:
    """Attributes of the Eq. (3) fit file."""
    fit_t_min = s.fit_t_min
    return fit_attrs(
        agg_attrs(agg),
        "Eq. (3) fits of the c-boson profile",
        model="n_c(x,t) = N_c exp(-|x| / (ell_c tanh(R/|x|))), N_c from normalisation",
        method=(
            "disorder average of the coarse-grained n_c (3-site sliding window, centre "
            "convention x(i)+1); Eq. (3) evaluated on the lattice, normalised to the total "
            "c density, coarse-grained identically and fitted in log space by weighted "
            "least squares (scipy.optimize.least_squares) in (ln ell_c, ln R)"
        ),
        weights=f"sigma_ln = sqrt((SEM/mean)^2 + {s.rel_err_floor}^2)",
        n_bootstrap=int(d.n_boot),
        bootstrap_seed=int(bootstrap_seed),
        n_floor=float(s.n_floor),
        min_points=int(s.min_points),
        x_convention="x = site - c_site; x_cg = window centre",
        error=ERR_BOOT if d.n_boot else ERR_JAC,
        fit_t_min=fit_t_min,
        fit_window=f"t >= {fit_t_min:g}; coarse-grained points with nc_cg > {s.n_floor:g}",
        exclude_unconverged=exclude_unconverged,
        n_seeds=(agg.U.values, d.valid.any(axis=2).sum(axis=1)),
    )


def _coords(agg: xr.Dataset, d: _Averages) -> dict:
    coords = u_time_coords(agg)
    coords["x_cg"] = variable(
        ("x_cg",),
        d.x_cg,
        LS,
        "centre of the 3-site coarse-graining window, x(i) + 1, relative to c_site",
    )
    if d.n_boot:
        coords["sample"] = variable(("sample",), np.arange(d.n_boot), "1", "bootstrap sample")
        coords["draw"] = variable(("draw",), np.arange(d.idx.shape[1]), "1", "draw within a sample")
    return coords


def _variables(agg: xr.Dataset, d: _Averages, out: dict) -> dict:
    ut, utx, sut = ("U", "time"), ("U", "time", "x_cg"), ("sample", "U", "time")
    data = {
        "ell_c": variable(ut, out["ell"], LS, "Eq. (3) decay length ell_c(t)"),
        "ell_c_err": variable(ut, out["ell_err"], LS, "uncertainty of ell_c"),
        "R": variable(ut, out["R"], LS, "Eq. (3) crossover scale R(t)"),
        "R_err": variable(ut, out["R_err"], LS, "uncertainty of R"),
        "N_c": variable(ut, np.exp(out["logN"]), "1", "Eq. (3) amplitude N_c(t) (normalisation)"),
        "N_c_err": variable(ut, out["N_err"], "1", "uncertainty of N_c"),
        "status": variable(ut, out["status"].astype(str), "none", "Eq. (3) fit status"),
        "nc_cg": variable(utx, d.mean, "1", "disorder-averaged coarse-grained c density"),
        "nc_cg_err": variable(utx, d.sem, "1", "standard error of the disorder mean of nc_cg"),
        "nc_cg_fit": variable(
            utx, out["fit_cg"], "1", "Eq. (3) at the fit, coarse-grained like nc_cg"
        ),
        "nc_total": variable(ut, d.total, "1", "disorder-averaged total c density"),
        "n_points": variable(ut, out["n_points"], "1", "coarse-grained points in the fit"),
        "red_chi2": variable(ut, out["red_chi2"], "1", "reduced chi^2 of the fit"),
        "n_boot_ok": variable(ut, out["n_boot_ok"], "1", "successful bootstrap fits"),
        "n_seeds": seeds_used(d.valid),
        "n_seeds_t": variable(
            ut, d.valid.sum(axis=1).astype(np.int32), "1", "disorder realisations used per time"
        ),
    }
    if d.n_boot:
        data["ell_c_boot"] = variable(sut, out["b_ell"], LS, "bootstrap replicates of ell_c")
        data["R_boot"] = variable(sut, out["b_R"], LS, "bootstrap replicates of R")
        data["N_c_boot"] = variable(sut, out["b_N"], "1", "bootstrap replicates of N_c")
        data["bootstrap_seeds"] = variable(
            ("sample", "draw"),
            agg.seed.values[d.idx].astype(np.int64),
            "1",
            "seed labels of each bootstrap resample",
        )
    return data
