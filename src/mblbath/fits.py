r"""Fits of the aggregated TEBD data: Eqs. (3), (4), (5) and the d-boson decay length.

All functions take the aggregated dataset of one system size (dims ``U, seed, time, site,
site2, bond``; see the package README) and return an :class:`xarray.Dataset` in which every
variable has ``units`` and ``long_name`` and the attributes state the method, the error
reported, the fit window and the number of disorder realisations used.

Models
------
Eq. (3), c-boson profile (x measured from the c-boson's initial site ``c_site``)::

    n_c(x, t) = N_c(t) exp( -|x| / (ell_c(t) tanh(R(t) / |x|)) ),     n_c(0, t) = N_c(t)

exponential exp(-|x|/ell_c) for |x| << R, Gaussian exp(-x^2/(ell_c R)) for |x| >> R. R = inf
is the pure exponential. N_c is *not* a free parameter: sum_i n_c(x_i) over the L sites of
the chain equals the disorder-averaged total c density (1 for exact dynamics).

Eq. (4), saturation of a decay length::

    ell(t) = xi log(1 + t/T0) / (1 + log(1 + t/T0))

Eq. (5), entanglement of the left block ending at bond b::

    S(b, t) = S_AI + xi_S log(1 + U_eff(x_b, t) t),   U_eff(x, t) = U n_c(x, t) from Eq. (3)

Conventions
-----------
Coarse graining
    ``coarse_grain``: ñ(i) = (1/3) sum_{j=i}^{i+2} n(j) (sliding window, stride 1), assigned
    to the **centre** of its window, x_cg = x(i) + 1. A profile symmetric about x = 0 stays
    symmetric. The Eq. (3) fit is a *forward-model* fit: the model is evaluated on the
    lattice and coarse-grained exactly like the data, so ell_c and R refer to the
    microscopic profile of Eq. (3) (fitting the smoothed data with the bare formula would
    bias ell_c upwards by the 3-site smoothing).
Profile fit (``fit_nc``)
    Disorder average over the valid runs, then a weighted least-squares fit of
    ln ñ_model - ln ñ_data over the coarse-grained points with ñ_data > ``n_floor``,
    weights 1/σ² with σ = sqrt((SEM/ñ)² + rel_err_floor²) (SEM = standard error of the
    disorder mean). Parameters ln ell_c, ln R; bounds ell_c in [0.05, 10 L], R in
    [0.1, 10 L]. Several starting points from the second moment of the profile.
    Profiles at t < ``fit_t_min`` (and t = 0) are not fitted, profiles with fewer than
    ``min_points`` coarse-grained points above ``n_floor`` are "too narrow"; both keep NaN
    and say so in ``status``.
ℓ_d (``fit_ld``)
    C̄(i, x, t) = disorder mean of |C_dd(j, k, t)| (mean of the absolute value) for the pair
    j = i - floor(x/2), k = i + ceil(x/2): even x is the symmetric pair (i - x/2, i + x/2),
    **odd x is (i - (x-1)/2, i + (x+1)/2)** (centre i + 1/2, attributed to i). For every
    (U, t, i), ln C̄ = a - x / ell_d is fitted by weighted linear least squares over
    x = 1, 2, ... (both sites in the chain, x <= x_max) up to the first x with C̄ below
    ``c_floor`` (contiguous range); weights as in the profile fit.
Eq. (4) fits (``fit_lc``, and per centre in ``fit_ld``)
    Times t >= ``fit_t_min`` with a finite decay length; weighted least squares in
    (ln xi, ln T0), sigma = sqrt(err² + (1e-3 ell)²) with err the bootstrap error of each
    point; xi in [1e-3, 1e4 L], T0 in [1e-6, 1e6]; three starting values of T0. If the
    fitted T0 exceeds the last fitted time the data have not reached the time scale of
    the saturation: only xi/T0 is determined, so xi = T0 = NaN with that reason. T0 at its
    lower bound (curve already flat in the window) keeps xi with an "ok; " caveat.
Entanglement (``fit_entanglement``)
    Bond b (entropy of sites 0..b-1) sits at the cut position x_b = b - 1/2 - c_site.
    U_eff(x_b, t) uses Eq. (3) with the ``fit_nc`` parameters at the same t (R = inf where R
    is unresolved). S_AI(bond) comes from the U = 0 data when present (disorder mean,
    averaged over t >= fit_t_min) and is then fixed; otherwise one constant S_AI per U is
    fitted together with xi_S. The fit is linear least squares over t >= fit_t_min (times
    with a fitted profile) and all bonds except ``edge_bonds`` at each end.
    MBL front x_MBL(t) = ell_c(t) log(N_c(t) U t), set to 0 where N_c U t <= 1 (no region
    with U_eff t > 1). Late-time profile (t_ent, or the last time): S_mean versus |x_b| is
    fitted by a weighted straight line over the bonds where Eq. (5) is linear in |x|:
    U_eff(x_b, t) t >= e² (log(1 + y) within 1/y of log y) and |x_b| <= R(t)/2 (exponential
    regime of Eq. 3); its slope is compared with slope_pred = -xi_S / ell_c(t_ent).
Uncertainties
    "bootstrap standard deviation over disorder realisations": ``n_bootstrap`` resamples
    (with replacement) of the seeds that have data, drawn with
    ``numpy.random.default_rng(bootstrap_seed)``; every resample is averaged and fitted
    again (weights fixed to those of the full sample; unbounded Levenberg-Marquardt started
    at the full-sample optimum, bounds checked afterwards).
    The *same* resampled seeds are used for every U and are stored (``bootstrap_seeds``),
    so later stages (Eq. 4 fits of ell_c, Eq. 5) propagate the errors pairwise, and
    differences between U (ell_d_inf_diff) are paired. With ``n_bootstrap = 0`` or a single
    seed, errors come from the fit's Jacobian (stated in the attributes).
Failures
    A fit that fails, does not converge, or ends on a bound that makes it meaningless gives
    NaN values and a reason in ``status``; "ok" otherwise. A status starting with
    ``"ok; "`` carries a caveat but its finite values are usable (e.g. R unresolved).
Missing runs
    A (U, seed) run that is all-NaN (or a time at which it is NaN) is skipped; the number
    of seeds used is reported (``n_seeds``). With ``exclude_unconverged=True`` runs with
    ``converged == 0`` are skipped too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.optimize import least_squares, leastsq

from .config import cdd_mask

__all__ = [
    "coarse_grain",
    "coarse_grain_x",
    "eq3",
    "eq4",
    "eq5",
    "ld_pair",
    "fit_nc",
    "fit_lc",
    "fit_ld",
    "fit_entanglement",
]

ERR_BOOT = "bootstrap standard deviation over disorder realisations"
ERR_JAC = (
    "standard error from the Jacobian of the weighted least-squares fit "
    "(inflated by sqrt(reduced chi^2) when > 1)"
)


# --------------------------------------------------------------------------------------
# model functions
# --------------------------------------------------------------------------------------
def coarse_grain(n: np.ndarray, width: int = 3) -> np.ndarray:
    """Coarse-grain along the last axis: ñ(i) = (1/width) Σ_{j=i}^{i+width-1} n(j).

    Parameters
    ----------
    n : array, shape (..., L)
        Site-resolved density.
    width : int
        Window (3 = the unit cell of the ν_d = 1/3 density wave).

    Returns
    -------
    ndarray, shape (..., L - width + 1)
        ñ(i) for i = 0 .. L - width. Entry i belongs to the **window centre**
        x(i) + (width - 1)/2 (for width 3: x(i) + 1); see :func:`coarse_grain_x`.
        NaNs propagate.
    """
    n = np.asarray(n, dtype=float)
    if width < 1 or n.shape[-1] < width:
        raise ValueError(f"need 1 <= width <= L, got width={width}, L={n.shape[-1]}")
    return np.lib.stride_tricks.sliding_window_view(n, width, axis=-1).mean(axis=-1)


def coarse_grain_x(x: np.ndarray, width: int = 3) -> np.ndarray:
    """Coordinates of :func:`coarse_grain` output: the window centres x(i) + (width-1)/2."""
    x = np.asarray(x, dtype=float)
    return x[: x.size - width + 1] + (width - 1) / 2


def _log_eq3_shape(x, ell, R):
    """ln of Eq. (3) without N: -|x| / (ell tanh(R/|x|)); 0 at x = 0; R may be inf."""
    ax = np.abs(np.asarray(x, dtype=float))
    shape = np.broadcast_shapes(np.shape(ax), np.shape(R), np.shape(ell))
    ratio = np.divide(
        np.broadcast_to(R, shape),
        np.broadcast_to(ax, shape),
        out=np.full(shape, np.inf),
        where=np.broadcast_to(ax, shape) > 0,
    )
    return -ax / (ell * np.tanh(ratio))


def eq3(x: np.ndarray, ell: float, R: float, N: float = 1.0) -> np.ndarray:
    """Eq. (3): N exp(-|x| / (ell tanh(R/|x|))), equal to N at x = 0 (R = inf allowed).

    Parameters
    ----------
    x : array
        Distance from the c-boson's initial site (any real values).
    ell, R : float or array
        Decay length ℓ_c and crossover scale R (> 0), broadcast against x.
    N : float or array
        Amplitude N_c(t) (the value at x = 0).
    """
    return N * np.exp(_log_eq3_shape(x, ell, R))


def eq4(t: np.ndarray, xi: float, T0: float) -> np.ndarray:
    """Eq. (4): ξ log(1 + t/T0) / (1 + log(1 + t/T0))."""
    lg = np.log1p(np.asarray(t, dtype=float) / T0)
    return xi * lg / (1.0 + lg)


def eq5(t: np.ndarray, U_eff: np.ndarray, S_AI: float | np.ndarray, xi_S: float) -> np.ndarray:
    """Eq. (5): S_AI + ξ_S log(1 + U_eff t), with U_eff(x, t) = U n_c(x, t) from Eq. (3)."""
    return S_AI + xi_S * np.log1p(np.asarray(U_eff) * np.asarray(t))


def ld_pair(i: int, x: int) -> tuple[int, int]:
    """Sites (j, k) of the pair at centre i and distance x used for ℓ_d.

    Even x: (i - x/2, i + x/2). Odd x: (i - (x-1)/2, i + (x+1)/2), i.e. centre i + 1/2.
    """
    return i - x // 2, i + (x + 1) // 2


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _v(dims, data, units, long_name, **extra) -> xr.Variable:
    return xr.Variable(dims, data, attrs={"units": units, "long_name": long_name, **extra})


def _str_array(shape, fill: str = "") -> np.ndarray:
    a = np.empty(shape, dtype=object)
    a[...] = fill
    return a


def _agg_attrs(agg: xr.Dataset) -> dict:
    keep = ("L", "W", "td", "tc", "d_residue", "c_site", "chi_max", "dt", "order", "t_max")
    out = {k: agg.attrs[k] for k in keep if k in agg.attrs}
    for k in ("numerics", "config_hash"):
        if k in agg.attrs:
            out[k] = str(agg.attrs[k])
    return out


def _coords(agg: xr.Dataset) -> dict:
    return {
        "U": _v(("U",), agg.U.values.astype(float), "hopping", "c-d interaction U"),
        "time": _v(("time",), agg.time.values.astype(float), "hopping times", "time"),
    }


def _valid_mask(agg: xr.Dataset, var: str, spatial: tuple[str, ...], exclude_unconverged: bool):
    """(U, seed, time) boolean: the run has finite data at this time."""
    da = agg[var].transpose("U", "seed", "time", *spatial)
    valid = np.isfinite(da.values).all(axis=tuple(range(3, 3 + len(spatial))))
    if exclude_unconverged and "converged" in agg:
        conv = agg["converged"].transpose("U", "seed").values
        valid &= (np.nan_to_num(conv, nan=0) == 1)[:, :, None]
    return valid


def _mean_sem(data: np.ndarray, valid: np.ndarray):
    """Mean and standard error over axis 1 (seed) of data (U, seed, time, ...)."""
    extra = data.ndim - valid.ndim
    vb = valid.reshape(valid.shape + (1,) * extra)
    cnt = valid.sum(axis=1).reshape(valid.shape[:1] + valid.shape[2:] + (1,) * extra)
    d0 = np.where(vb, data, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = d0.sum(axis=1) / cnt
        dev = np.where(vb, data - np.expand_dims(mean, 1), 0.0)
        var = (dev * dev).sum(axis=1) / (cnt - 1)
        sem = np.sqrt(var / cnt)
    sem = np.where(cnt >= 2, sem, np.nan)
    return mean, sem


def _bootstrap_counts(valid: np.ndarray, n_bootstrap: int, bootstrap_seed: int):
    """Resample the seeds that have any data; returns (counts (B, n_seed), pool draws)."""
    n_seed = valid.shape[1]
    pool = np.nonzero(valid.any(axis=(0, 2)))[0]
    rng = np.random.default_rng(bootstrap_seed)
    if n_bootstrap <= 0 or pool.size < 2:
        return np.zeros((0, n_seed)), np.zeros((0, pool.size), dtype=int)
    draws = rng.integers(0, pool.size, size=(n_bootstrap, pool.size))
    idx = pool[draws]
    counts = np.stack([np.bincount(r, minlength=n_seed) for r in idx]).astype(float)
    return counts, idx


def _boot_mean(counts: np.ndarray, data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Resampled means: counts (B, seed), data (U, seed, time, ...) -> (B, U, time, ...)."""
    extra = data.ndim - valid.ndim
    vb = valid.reshape(valid.shape + (1,) * extra)
    num = np.einsum("bs,us...->bu...", counts, np.where(vb, data, 0.0))
    den = np.einsum("bs,ust->but", counts, valid.astype(float))
    den = den.reshape(den.shape + (1,) * extra)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _std(a: np.ndarray, axis: int = 0, min_n: int = 2) -> np.ndarray:
    """Standard deviation (ddof=1) over finite entries; NaN with fewer than min_n."""
    fin = np.isfinite(a)
    n = fin.sum(axis=axis)
    a0 = np.where(fin, a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = a0.sum(axis=axis) / n
        d = np.where(fin, a - np.expand_dims(m, axis), 0.0)
        s = np.sqrt((d * d).sum(axis=axis) / (n - 1))
    return np.where(n >= min_n, s, np.nan)


def _at_bound(p, lo, hi, tol=1e-3):
    return np.abs(p - lo) < tol, np.abs(p - hi) < tol


# --------------------------------------------------------------------------------------
# Eq. (3)
# --------------------------------------------------------------------------------------
class _Profile:
    """Coarse-grained, normalised Eq. (3) on the lattice, in log space (fast path)."""

    def __init__(self, x_site: np.ndarray, width: int = 3):
        self.ax = np.abs(np.asarray(x_site, dtype=float))
        self.nz = self.ax > 0
        self.width = width

    def log_model(self, ell: float, R: float, log_total: float) -> tuple[np.ndarray, float]:
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


@dataclass
class _LSQ:
    x: np.ndarray
    cost: float
    jac: np.ndarray | None


def _fit_profile(prof, ly, sig, mask, log_total, starts, lo, hi, fast=False):
    """Weighted log-space fit of Eq. (3). Returns dict(p, status, jac, cost).

    ``fast``: unbounded Levenberg-Marquardt (MINPACK ``leastsq``) from the given start, for
    the bootstrap refits that start at the full-sample optimum; bounds are checked after.
    """

    def resid(p):
        q = np.exp(np.clip(p, lo - 10.0, hi + 10.0))  # unbounded LM must not overflow
        lm, _ = prof.log_model(q[0], q[1], log_total)
        return (lm[mask] - ly[mask]) / sig[mask]

    best = None
    last_msg = "no starting point"
    for p0 in starts:
        p0 = np.clip(p0, lo + 1e-6, hi - 1e-6)
        if fast:
            x, ier = leastsq(resid, p0, maxfev=400)
            if ier not in (1, 2, 3, 4) or not np.all(np.isfinite(x)):
                last_msg = f"fit failed: MINPACK ier = {ier}"
                continue
            best = _LSQ(x=x, cost=0.5 * float(np.sum(resid(x) ** 2)), jac=None)
            break
        try:
            r = least_squares(resid, p0, bounds=(lo, hi), method="trf", max_nfev=400)
        except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
            last_msg = f"fit failed: {exc}"
            continue
        if not r.success or not np.all(np.isfinite(r.x)):
            last_msg = f"fit failed: {r.message}"
            continue
        if best is None or r.cost < best.cost:
            best = r
    if best is None:
        return {"p": np.full(2, np.nan), "status": last_msg, "jac": None, "cost": np.nan}
    at_lo, at_hi = _at_bound(best.x, lo, hi)
    at_lo |= best.x < lo
    at_hi |= best.x > hi
    p = best.x.copy()
    status = "ok"
    if at_lo[0] or at_hi[0]:
        which = "lower" if at_lo[0] else "upper"
        return {
            "p": np.full(2, np.nan),
            "status": f"ell_c at {which} bound {np.exp(p[0]):.3g}: profile not described",
            "jac": None,
            "cost": best.cost,
        }
    if at_lo[1]:
        return {
            "p": np.full(2, np.nan),
            "status": f"R at lower bound {np.exp(p[1]):.3g}: ell_c and R degenerate",
            "jac": None,
            "cost": best.cost,
        }
    if at_hi[1]:
        status = "ok; R unresolved (upper bound: exponential over the whole chain), R = NaN"
        p[1] = np.inf
    return {"p": p, "status": status, "jac": best.jac, "cost": best.cost}


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
    L = int(agg.sizes["site"])
    c_site = int(agg.attrs["c_site"])
    width = 3
    n_c = agg["n_c"].transpose("U", "seed", "time", "site").values.astype(float)
    valid = _valid_mask(agg, "n_c", ("site",), exclude_unconverged)
    cg = coarse_grain(n_c, width)
    x_site = np.arange(L) - c_site
    x_cg = coarse_grain_x(x_site, width)
    mean, sem = _mean_sem(cg, valid)  # (U, time, X)
    total, _ = _mean_sem(n_c.sum(axis=-1), valid)  # (U, time)
    counts, idx = _bootstrap_counts(valid, n_bootstrap, bootstrap_seed)
    n_boot = counts.shape[0]
    if n_boot:
        bmean = _boot_mean(counts, cg, valid)  # (B, U, time, X)
        btotal = _boot_mean(counts, n_c.sum(axis=-1), valid)  # (B, U, time)
    times = agg.time.values.astype(float)
    nU, nT, nX = mean.shape
    prof = _Profile(x_site, width)
    lo = np.log([0.05, 0.1])
    hi = np.log([10.0 * L, 10.0 * L])

    ell = np.full((nU, nT), np.nan)
    R = np.full((nU, nT), np.nan)
    logN = np.full((nU, nT), np.nan)
    ell_err = np.full((nU, nT), np.nan)
    R_err = np.full((nU, nT), np.nan)
    N_err = np.full((nU, nT), np.nan)
    red_chi2 = np.full((nU, nT), np.nan)
    n_points = np.zeros((nU, nT), dtype=np.int32)
    n_boot_ok = np.zeros((nU, nT), dtype=np.int32)
    status = _str_array((nU, nT))
    fit_cg = np.full((nU, nT, nX), np.nan)
    b_ell = np.full((n_boot, nU, nT), np.nan)
    b_R = np.full((n_boot, nU, nT), np.nan)
    b_N = np.full((n_boot, nU, nT), np.nan)
    cnt = valid.sum(axis=1)
    err_method = ERR_BOOT if n_boot else ERR_JAC

    for iu in range(nU):
        for it in range(nT):
            t = times[it]
            if cnt[iu, it] == 0:
                status[iu, it] = "no data: no valid run at this time"
                continue
            if t <= 0 or t < fit_t_min:
                status[iu, it] = f"not fitted: t = {t:g} < fit_t_min = {fit_t_min:g}"
                if t <= 0:
                    status[iu, it] = "not fitted: t = 0 (initial product state)"
                continue
            y = mean[iu, it]
            mask = np.isfinite(y) & (y > n_floor)
            n_points[iu, it] = int(mask.sum())
            if mask.sum() < min_points:
                status[iu, it] = (
                    f"too narrow: {int(mask.sum())} coarse-grained points above "
                    f"n_floor = {n_floor:g} (need {min_points})"
                )
                continue
            tot = total[iu, it]
            if not (np.isfinite(tot) and tot > 0):
                status[iu, it] = "no data: total c density not positive"
                continue
            ly = np.log(np.where(mask, y, 1.0))
            rel = np.where(mask, sem[iu, it] / np.where(mask, y, 1.0), np.nan)
            rel = np.where(np.isfinite(rel), rel, 0.0)
            sig = np.sqrt(rel**2 + rel_err_floor**2)
            # starting points from the second moment (minus the coarse-graining variance)
            w = np.where(mask, y, 0.0)
            var_x = max(float((w * x_cg**2).sum() / w.sum()) - (width**2 - 1) / 12, 0.25)
            l0 = max(np.sqrt(var_x / 2), 0.3)
            starts = [
                np.log([l0, max(2 * var_x / l0, 0.5)]),
                np.log([l0, 2.0 * L]),
                np.log([0.5 * l0, max(4 * var_x / l0, 1.0)]),
            ]
            res = _fit_profile(prof, ly, sig, mask, np.log(tot), starts, lo, hi)
            status[iu, it] = res["status"]
            if not np.isfinite(res["p"][0]):
                continue
            e_c, r_c = np.exp(res["p"][0]), np.exp(res["p"][1])
            lm, ln_ = prof.log_model(e_c, r_c, np.log(tot))
            ell[iu, it] = e_c
            R[iu, it] = r_c if np.isfinite(r_c) else np.nan
            logN[iu, it] = ln_
            fit_cg[iu, it] = np.exp(lm)
            dof = int(mask.sum()) - 2
            red_chi2[iu, it] = 2 * res["cost"] / dof if dof > 0 else np.nan
            if n_boot:
                p_start = np.clip(np.array([res["p"][0], min(res["p"][1], hi[1] - 0.01)]), lo, hi)
                for b in range(n_boot):
                    yb = bmean[b, iu, it]
                    mb = mask & np.isfinite(yb) & (yb > 0)
                    tb = btotal[b, iu, it]
                    if mb.sum() < min_points or not (np.isfinite(tb) and tb > 0):
                        continue
                    lyb = np.log(np.where(mb, yb, 1.0))
                    rb = _fit_profile(prof, lyb, sig, mb, np.log(tb), [p_start], lo, hi, fast=True)
                    if not np.isfinite(rb["p"][0]):
                        continue
                    eb, rrb = np.exp(rb["p"][0]), np.exp(rb["p"][1])
                    b_ell[b, iu, it] = eb
                    b_R[b, iu, it] = rrb if np.isfinite(rrb) else np.nan
                    b_N[b, iu, it] = np.exp(prof.log_model(eb, rrb, np.log(tb))[1])
                n_boot_ok[iu, it] = int(np.isfinite(b_ell[:, iu, it]).sum())
            elif res["jac"] is not None:
                jac = res["jac"]
                try:
                    # covariance with the given sigmas, inflated if reduced chi^2 > 1
                    cov = np.linalg.inv(jac.T @ jac) * max(np.nan_to_num(red_chi2[iu, it]), 1.0)
                    ell_err[iu, it] = e_c * np.sqrt(cov[0, 0])
                    if np.isfinite(r_c):
                        R_err[iu, it] = r_c * np.sqrt(cov[1, 1])
                except np.linalg.LinAlgError:
                    status[iu, it] = "ok; singular Jacobian: no error estimate"
    if n_boot:
        ell_err = _std(b_ell, axis=0)
        R_err = _std(b_R, axis=0)
        N_err = _std(b_N, axis=0)
        ell_err = np.where(np.isfinite(ell), ell_err, np.nan)
        R_err = np.where(np.isfinite(R), R_err, np.nan)
        N_err = np.where(np.isfinite(logN), N_err, np.nan)

    n_seeds = valid.any(axis=2).sum(axis=1)
    coords = _coords(agg)
    coords["x_cg"] = _v(
        ("x_cg",),
        x_cg,
        "lattice spacings",
        "centre of the 3-site coarse-graining window, x(i) + 1, relative to c_site",
    )
    data = {
        "ell_c": _v(("U", "time"), ell, "lattice spacings", "Eq. (3) decay length ell_c(t)"),
        "ell_c_err": _v(("U", "time"), ell_err, "lattice spacings", "uncertainty of ell_c"),
        "R": _v(("U", "time"), R, "lattice spacings", "Eq. (3) crossover scale R(t)"),
        "R_err": _v(("U", "time"), R_err, "lattice spacings", "uncertainty of R"),
        "N_c": _v(("U", "time"), np.exp(logN), "1", "Eq. (3) amplitude N_c(t) (normalisation)"),
        "N_c_err": _v(("U", "time"), N_err, "1", "uncertainty of N_c"),
        "status": _v(("U", "time"), status.astype(str), "none", "Eq. (3) fit status"),
        "nc_cg": _v(("U", "time", "x_cg"), mean, "1", "disorder-averaged coarse-grained c density"),
        "nc_cg_err": _v(
            ("U", "time", "x_cg"), sem, "1", "standard error of the disorder mean of nc_cg"
        ),
        "nc_cg_fit": _v(
            ("U", "time", "x_cg"), fit_cg, "1", "Eq. (3) at the fit, coarse-grained like nc_cg"
        ),
        "nc_total": _v(("U", "time"), total, "1", "disorder-averaged total c density"),
        "n_points": _v(("U", "time"), n_points, "1", "coarse-grained points in the fit"),
        "red_chi2": _v(("U", "time"), red_chi2, "1", "reduced chi^2 of the fit"),
        "n_boot_ok": _v(("U", "time"), n_boot_ok, "1", "successful bootstrap fits"),
        "n_seeds": _v(("U",), n_seeds.astype(np.int32), "1", "disorder realisations used"),
        "n_seeds_t": _v(
            ("U", "time"), cnt.astype(np.int32), "1", "disorder realisations used per time"
        ),
    }
    if n_boot:
        coords["sample"] = _v(("sample",), np.arange(n_boot), "1", "bootstrap sample")
        coords["draw"] = _v(("draw",), np.arange(idx.shape[1]), "1", "draw within a sample")
        data["ell_c_boot"] = _v(
            ("sample", "U", "time"), b_ell, "lattice spacings", "bootstrap replicates of ell_c"
        )
        data["R_boot"] = _v(
            ("sample", "U", "time"), b_R, "lattice spacings", "bootstrap replicates of R"
        )
        data["N_c_boot"] = _v(("sample", "U", "time"), b_N, "1", "bootstrap replicates of N_c")
        data["bootstrap_seeds"] = _v(
            ("sample", "draw"),
            agg.seed.values[idx].astype(np.int64),
            "1",
            "seed labels of each bootstrap resample",
        )
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {
        **_agg_attrs(agg),
        "title": "Eq. (3) fits of the c-boson profile",
        "model": "n_c(x,t) = N_c exp(-|x| / (ell_c tanh(R/|x|))), N_c from normalisation",
        "method": (
            "disorder average of the coarse-grained n_c (3-site sliding window, centre "
            "convention x(i)+1); Eq. (3) evaluated on the lattice, normalised to the total "
            "c density, coarse-grained identically and fitted in log space by weighted "
            "least squares (scipy.optimize.least_squares) in (ln ell_c, ln R)"
        ),
        "weights": f"sigma_ln = sqrt((SEM/mean)^2 + {rel_err_floor}^2)",
        "error": err_method,
        "n_bootstrap": int(n_boot),
        "bootstrap_seed": int(bootstrap_seed),
        "fit_t_min": float(fit_t_min),
        "fit_window": f"t >= {fit_t_min:g}; coarse-grained points with nc_cg > {n_floor:g}",
        "n_floor": float(n_floor),
        "min_points": int(min_points),
        "x_convention": "x = site - c_site; x_cg = window centre",
        "status_convention": "'ok'; 'ok; <caveat>' = usable; anything else = NaN + reason",
        "exclude_unconverged": int(exclude_unconverged),
        "n_seeds_used": ", ".join(
            f"U={u:g}: {int(n)}" for u, n in zip(agg.U.values, n_seeds, strict=True)
        ),
    }
    return ds


# --------------------------------------------------------------------------------------
# Eq. (4)
# --------------------------------------------------------------------------------------
_EQ4_LO = np.log([1e-3, 1e-6])


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
    best = None
    msg = "fit failed"
    for p0 in starts:
        p0 = np.clip(p0, lo + 1e-6, hi - 1e-6)
        if fast:
            x, ier = leastsq(resid, p0, maxfev=400)
            if ier in (1, 2, 3, 4) and np.all(np.isfinite(x)):
                best = _LSQ(x=np.clip(x, lo, hi), cost=0.5 * float(np.sum(resid(x) ** 2)), jac=None)
            else:
                msg = f"fit failed: MINPACK ier = {ier}"
            break
        r = least_squares(resid, p0, bounds=(lo, hi), method="trf", max_nfev=400)
        if not r.success or not np.all(np.isfinite(r.x)):
            msg = f"fit failed: {r.message}"
            continue
        if best is None or r.cost < best.cost:
            best = r
    if best is None:
        return np.nan, np.nan, msg, None, np.nan
    at_lo, at_hi = _at_bound(best.x, lo, hi)
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


def _eq4_series(times, ell, ell_err, boot, fit_t_min, xi_max, min_points=3, rel_floor=1e-3) -> dict:
    """Eq. (4) fit of one ell(t) series with optional bootstrap replicates (B, time)."""
    sel = (times >= fit_t_min) & np.isfinite(ell) & (times > 0)
    out = {"xi": np.nan, "T0": np.nan, "xi_err": np.nan, "T0_err": np.nan, "T0_fit": np.nan}
    out["n_points"] = int(sel.sum())
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
    p_start = [np.log([xi, t0_used])]
    if boot is not None and boot.shape[0] > 0:
        xb = np.full(boot.shape[0], np.nan)
        tb_ = np.full(boot.shape[0], np.nan)
        for b in range(boot.shape[0]):
            yb = boot[b][sel]
            ok = np.isfinite(yb)
            if ok.sum() < min_points:
                continue
            xbv, tbv, st, _, _ = _fit_eq4(t[ok], yb[ok], sig[ok], xi_max, p_start, fast=True)
            xb[b], tb_[b] = xbv, tbv
        out["xi_boot"] = xb
        out["xi_err"] = float(_std(xb))
        out["T0_err"] = float(_std(tb_)) if status == "ok" else np.nan
        out["err_method"] = ERR_BOOT
    elif jac is not None:
        try:
            cov = np.linalg.inv(jac.T @ jac)
            dof = t.size - 2
            if dof > 0:
                chi2 = 2 * cost / dof
                # unweighted: scale by the residual variance; weighted: inflate if chi2 > 1
                cov *= chi2 if not np.any(e > 0) else max(chi2, 1.0)
            out["xi_err"] = float(xi * np.sqrt(cov[0, 0]))
            out["T0_err"] = float(T0 * np.sqrt(cov[1, 1])) if status == "ok" else np.nan
        except np.linalg.LinAlgError:
            pass
        out["err_method"] = ERR_JAC
    return out


def fit_lc(nc_fit: xr.Dataset, fit_t_min: float = 1.0, L: int | None = None) -> xr.Dataset:
    """Fit Eq. (4) to ℓ_c(t) for every U: saturation length ξ_c and time scale T0.

    Parameters
    ----------
    nc_fit : xarray.Dataset
        Output of :func:`fit_nc`. Times with finite ``ell_c`` and t >= fit_t_min are used,
        weighted by ``ell_c_err`` (plus 0.1 % relative). If ``ell_c_boot`` is present, the
        Eq. (4) fit is repeated on every bootstrap replicate of the whole curve ℓ_c(t)
        (errors correlated in time are propagated); otherwise Jacobian errors.
    fit_t_min : float
        Smallest time used (the paper uses t >= 1).
    L : int, optional
        System size (default ``nc_fit.attrs["L"]``); ξ may exceed it (flagged by
        ``xi_c_exceeds_L``); the upper bound of ξ is 1e4 L.

    Returns
    -------
    xarray.Dataset
        dims (U, time): ``xi_c``, ``xi_c_err``, ``T0``, ``T0_err``, ``status``,
        ``n_points``, ``xi_c_exceeds_L`` (int8), ``ell_c_model(U, time)``; attrs ``L``,
        ``fit_t_min``.
    """
    if L is None:
        L = int(nc_fit.attrs.get("L", nc_fit.sizes.get("x_cg", 0) + 2))
    times = nc_fit.time.values.astype(float)
    Us = nc_fit.U.values
    nU = Us.size
    res = {k: np.full(nU, np.nan) for k in ("xi", "xi_err", "T0", "T0_err", "T0_fit")}
    status = _str_array(nU)
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
        o = _eq4_series(times, ell, err, boot, fit_t_min, 1e4 * L)
        for k in res:
            res[k][iu] = o[k]
        status[iu] = o["status"]
        n_points[iu] = o["n_points"]
        if "err_method" in o:
            methods.add(o["err_method"])
    model = np.full((nU, times.size), np.nan)
    for iu in range(nU):
        if np.isfinite(res["xi"][iu]):
            model[iu] = eq4(times, res["xi"][iu], res["T0_fit"][iu])
    exceeds = (np.nan_to_num(res["xi"], nan=0.0) > L).astype(np.int8)
    ds = xr.Dataset(
        {
            "xi_c": _v(("U",), res["xi"], "lattice spacings", "c-boson localisation length xi_c"),
            "xi_c_err": _v(("U",), res["xi_err"], "lattice spacings", "uncertainty of xi_c"),
            "T0": _v(("U",), res["T0"], "hopping times", "Eq. (4) time scale T0"),
            "T0_err": _v(("U",), res["T0_err"], "hopping times", "uncertainty of T0"),
            "status": _v(("U",), status.astype(str), "none", "Eq. (4) fit status"),
            "n_points": _v(("U",), n_points, "1", "times in the Eq. (4) fit"),
            "xi_c_exceeds_L": _v(("U",), exceeds, "1", "1 if xi_c > L (not localised in L)"),
            "ell_c_model": _v(
                ("U", "time"), model, "lattice spacings", "Eq. (4) at the fitted xi_c, T0"
            ),
        },
        coords={
            "U": _v(("U",), Us.astype(float), "hopping", "c-d interaction U"),
            "time": _v(("time",), times, "hopping times", "time"),
        },
    )
    ds.attrs = {
        **{k: v for k, v in nc_fit.attrs.items() if k in ("W", "td", "tc", "c_site")},
        **{k: nc_fit.attrs[k] for k in ("numerics", "config_hash") if k in nc_fit.attrs},
        "title": "Eq. (4) fits of ell_c(t)",
        "model": "ell_c(t) = xi_c log(1 + t/T0) / (1 + log(1 + t/T0))",
        "method": (
            "weighted least squares in (ln xi, ln T0), sigma = sqrt(ell_c_err^2 + "
            "(1e-3 ell_c)^2); xi in [1e-3, 1e4 L], T0 in [1e-6, 1e6]"
        ),
        "error": "; ".join(sorted(methods)) if methods else "none",
        "L": int(L),
        "fit_t_min": float(fit_t_min),
        "fit_window": f"t >= {fit_t_min:g}, times with a finite ell_c",
        "status_convention": "'ok'; 'ok; <caveat>' = usable; anything else = NaN + reason",
        "n_seeds_used": str(nc_fit.attrs.get("n_seeds_used", "")),
    }
    if "ell_c_model" in ds:
        ds["ell_c_model"].attrs["note"] = "T0 at its lower bound where status says so"
    return ds


# --------------------------------------------------------------------------------------
# ℓ_d
# --------------------------------------------------------------------------------------
def _linfit_slope(y, w, x):
    """Weighted linear regression along the last axis; returns slope, intercept, n."""
    sw = w.sum(-1)
    sx = (w * x).sum(-1)
    sy = (w * y).sum(-1)
    sxx = (w * x * x).sum(-1)
    sxy = (w * x * y).sum(-1)
    den = sw * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (sw * sxy - sx * sy) / den
        icpt = (sy - slope * sx) / sw
    return slope, icpt, den


def fit_ld(
    agg: xr.Dataset,
    fit_t_min: float = 1.0,
    n_bootstrap: int = 200,
    bootstrap_seed: int = 1,
    *,
    exclude_unconverged: bool = False,
    c_floor: float = 1e-8,
    x_max: int | None = None,
    min_points: int = 3,
    rel_err_floor: float = 0.02,
) -> xr.Dataset:
    """d-boson decay length ℓ_d(t, i) from |C_dd| and its Eq. (4) saturation per centre.

    Parameters
    ----------
    agg : xarray.Dataset
        Aggregated data (needs ``C_dd(U, seed, time, site, site2)``).
    fit_t_min : float
        Eq. (4) uses t >= fit_t_min; ℓ_d(t, i) is computed at every t > 0.
    n_bootstrap, bootstrap_seed : int
        Bootstrap over disorder realisations (same resamples for all U: paired
        differences).
    exclude_unconverged : bool
        Skip runs with ``converged == 0``.
    c_floor : float
        Mean |C| below this ends the x range (noise floor).
    x_max : int, optional
        Largest pair distance (default L - 1).
    min_points : int
        Minimum number of x values per exponential fit.
    rel_err_floor : float
        Relative error added in quadrature to the standard error of ln C̄.

    Returns
    -------
    xarray.Dataset
        ``ell_d(U, time, centre)``, ``ell_d_err``, ``ell_d_status``, ``n_points``;
        per (U, centre): ``ell_d_inf``, ``ell_d_inf_err``, ``T0``, ``T0_err``, ``status``;
        ``ell_d_inf_diff(centre)`` and ``ell_d_inf_diff_err`` (largest U minus U = 0).
    """
    L = int(agg.sizes["site"])
    if x_max is None:
        x_max = L - 1
    x_max = int(min(x_max, L - 1))
    Us = agg.U.values.astype(float)
    times = agg.time.values.astype(float)
    nU, nT = Us.size, times.size
    valid = _valid_mask(agg, "C_dd", ("site", "site2"), exclude_unconverged)
    every = int(agg.attrs.get("cdd_every", 1))  # numerics.cdd_every: C_dd on a thinner grid
    measured = cdd_mask(nT, every)
    counts, idx = _bootstrap_counts(valid, n_bootstrap, bootstrap_seed)
    n_boot = counts.shape[0]
    xs = np.arange(1, x_max + 1)
    centres = np.arange(L)
    J = centres[:, None] - xs[None, :] // 2
    K = centres[:, None] + (xs[None, :] + 1) // 2
    inside = (J >= 0) & (K < L)
    Jc, Kc = np.clip(J, 0, L - 1), np.clip(K, 0, L - 1)
    C = agg["C_dd"].transpose("U", "seed", "time", "site", "site2")
    ell_d = np.full((nU, nT, L), np.nan)
    ell_d_err = np.full((nU, nT, L), np.nan)
    b_ell = np.full((n_boot, nU, nT, L), np.nan)
    npts = np.zeros((nU, nT, L), dtype=np.int32)
    st = _str_array((nU, nT, L), "ok")
    xf = xs.astype(float)[None, :]
    for iu in range(nU):
        absC = np.abs(C.isel(U=iu).values.astype(float))[:, :, Jc, Kc]  # (S, T, L, X)
        v1 = valid[iu : iu + 1]
        mean, sem = _mean_sem(absC[None], v1)
        mean, sem = mean[0], sem[0]  # (T, L, X)
        for it in range(nT):
            if not measured[it]:
                st[iu, it, :] = f"not measured: C_dd at one time in {every} (cdd_every = {every})"
                continue
            if not v1[0, :, it].any():
                st[iu, it, :] = "no data: no valid run at this time"
                continue
            if times[it] <= 0:
                st[iu, it, :] = "not fitted: t = 0"
                continue
            m = mean[it]
            above = inside & np.isfinite(m) & (m > c_floor)
            mask = np.cumprod(above, axis=-1).astype(bool)  # contiguous from x = 1
            n = mask.sum(-1)
            npts[iu, it] = n
            ly = np.log(np.where(mask, m, 1.0))
            rel = np.where(mask, sem[it] / np.where(mask, m, 1.0), 0.0)
            rel = np.where(np.isfinite(rel), rel, 0.0)
            w = np.where(mask, 1.0 / (rel**2 + rel_err_floor**2), 0.0)
            slope, _, den = _linfit_slope(ly, w, xf)
            ok = (n >= min_points) & (den > 0)
            decays = ok & (slope < 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                ell_d[iu, it] = np.where(decays, -1.0 / slope, np.nan)
            st[iu, it, ~ok] = f"too few points (< {min_points} x values above c_floor)"
            st[iu, it, ok & ~decays] = "no decay: fitted slope >= 0"
            if n_boot:
                sub = _boot_mean(counts, absC[None, :, it : it + 1], v1[:, :, it : it + 1])
                sub = sub[:, 0, 0]  # (B, L, X)
                mb = mask[None] & np.isfinite(sub) & (sub > 0)
                lyb = np.log(np.where(mb, sub, 1.0))
                wb = np.where(mb, w[None], 0.0)
                sb, _, denb = _linfit_slope(lyb, wb, xf[None])
                okb = (mb.sum(-1) >= min_points) & (denb > 0) & (sb < 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    b_ell[:, iu, it] = np.where(okb & decays[None], -1.0 / sb, np.nan)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    var_s = np.where(ok, w.sum(-1) / den, np.nan)  # variance of the slope
                    ell_d_err[iu, it] = np.where(decays, np.sqrt(var_s) / slope**2, np.nan)
    if n_boot:
        ell_d_err = np.where(np.isfinite(ell_d), _std(b_ell, axis=0), np.nan)

    # Eq. (4) per (U, centre)
    res = {k: np.full((nU, L), np.nan) for k in ("xi", "xi_err", "T0", "T0_err")}
    status = _str_array((nU, L))
    xi_boot = np.full((n_boot, nU, L), np.nan)
    methods = set()
    for iu in range(nU):
        for ic in range(L):
            o = _eq4_series(
                times,
                ell_d[iu, :, ic],
                ell_d_err[iu, :, ic],
                b_ell[:, iu, :, ic] if n_boot else None,
                fit_t_min,
                1e4 * L,
            )
            for k in res:
                res[k][iu, ic] = o[k]
            status[iu, ic] = o["status"]
            if n_boot and o["xi_boot"].size:
                xi_boot[:, iu, ic] = o["xi_boot"]
            if "err_method" in o:
                methods.add(o["err_method"])

    diff = np.full(L, np.nan)
    diff_err = np.full(L, np.nan)
    has0 = np.any(Us == 0)
    pos = Us > 0
    if has0 and pos.any():
        i0 = int(np.nonzero(Us == 0)[0][0])
        imax = int(np.argmax(Us))
        diff = res["xi"][imax] - res["xi"][i0]
        if n_boot:
            diff_err = _std(xi_boot[:, imax] - xi_boot[:, i0], axis=0)
        else:
            diff_err = np.sqrt(res["xi_err"][imax] ** 2 + res["xi_err"][i0] ** 2)
        diff_note = f"ell_d_inf(U={Us[imax]:g}) - ell_d_inf(U=0)"
    else:
        diff_note = "not available: " + ("no U = 0 data" if not has0 else "no U > 0 data")
    n_seeds = valid.any(axis=2).sum(axis=1)
    coords = _coords(agg)
    coords["centre"] = _v(
        ("centre",),
        centres,
        "lattice spacings",
        "pair centre i (site index); odd x pairs (i-(x-1)/2, i+(x+1)/2)",
    )
    tc_dims = ("U", "time", "centre")
    data = {
        "ell_d": _v(tc_dims, ell_d, "lattice spacings", "d-boson decay length ell_d(t, i)"),
        "ell_d_err": _v(tc_dims, ell_d_err, "lattice spacings", "uncertainty of ell_d"),
        "ell_d_status": _v(tc_dims, st.astype(str), "none", "status of the exponential fit"),
        "n_points": _v(tc_dims, npts, "1", "pair distances x in the exponential fit"),
        "ell_d_inf": _v(
            ("U", "centre"), res["xi"], "lattice spacings", "Eq. (4) saturation ell_d(inf, i)"
        ),
        "ell_d_inf_err": _v(
            ("U", "centre"), res["xi_err"], "lattice spacings", "uncertainty of ell_d_inf"
        ),
        "T0": _v(("U", "centre"), res["T0"], "hopping times", "Eq. (4) time scale T0"),
        "T0_err": _v(("U", "centre"), res["T0_err"], "hopping times", "uncertainty of T0"),
        "status": _v(("U", "centre"), status.astype(str), "none", "Eq. (4) fit status"),
        "ell_d_inf_diff": _v(
            ("centre",),
            diff,
            "lattice spacings",
            "ell_d_inf at the largest U minus at U = 0",
            note=diff_note,
        ),
        "ell_d_inf_diff_err": _v(
            ("centre",), diff_err, "lattice spacings", "uncertainty of ell_d_inf_diff (paired)"
        ),
        "n_seeds": _v(("U",), n_seeds.astype(np.int32), "1", "disorder realisations used"),
    }
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {
        **_agg_attrs(agg),
        "title": "d-boson decay length ell_d from |C_dd| and its Eq. (4) saturation",
        "method": (
            "Cbar(i,x,t) = disorder mean of |C_dd(i - floor(x/2), i + ceil(x/2), t)|; "
            "weighted linear fit of ln Cbar = a - x/ell_d over x = 1.. (contiguous, "
            f"Cbar > {c_floor:g}, x <= {x_max}); then Eq. (4) per centre over t >= fit_t_min"
        ),
        "odd_x_convention": "odd x: pair (i - (x-1)/2, i + (x+1)/2), centre i + 1/2 -> i",
        "weights": f"sigma_ln = sqrt((SEM/mean)^2 + {rel_err_floor}^2)",
        "error": ERR_BOOT if n_boot else ERR_JAC,
        "error_eq4": "; ".join(sorted(methods)) if methods else "none",
        "n_bootstrap": int(n_boot),
        "bootstrap_seed": int(bootstrap_seed),
        "fit_t_min": float(fit_t_min),
        "fit_window": f"t >= {fit_t_min:g} for Eq. (4); every t > 0 for ell_d(t, i)",
        "ell_d_inf_diff": diff_note,
        "status_convention": "'ok'; 'ok; <caveat>' = usable; anything else = NaN + reason",
        "exclude_unconverged": int(exclude_unconverged),
        "n_seeds_used": ", ".join(f"U={u:g}: {int(n)}" for u, n in zip(Us, n_seeds, strict=True)),
    }
    return ds


# --------------------------------------------------------------------------------------
# Eq. (5)
# --------------------------------------------------------------------------------------
def _ueff_log(U, t, x_b, ell, R, N):
    """log(1 + U n_c(x_b, t) t) with n_c from Eq. (3); arrays over time (t, ell, R, N)."""
    r = np.where(np.isfinite(R), R, np.inf)
    n = eq3(x_b[None, :], ell[:, None], r[:, None], N[:, None])
    return np.log1p(U * n * t[:, None])


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
        Aggregated data (needs ``S(U, seed, time, bond)``).
    nc_fit : xarray.Dataset
        Output of :func:`fit_nc` on the same data (U_eff from its ℓ_c, R, N_c).
    fit_t_min : float
        Eq. (5) is fitted over t >= fit_t_min (times with a fitted profile).
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
        per U: ``xi_S``, ``xi_S_err``, ``S_AI_source`` (description), ``status``,
        ``slope``, ``slope_err``, ``slope_pred``, ``slope_pred_err``, ``slope_status``,
        ``t_ent``, ``slope_x_min``, ``slope_x_max``, ``slope_n``; ``S_AI(U, bond)``;
        ``x_mbl(U, time)``, ``x_mbl_err``; ``S_model``, ``S_mean``, ``S_err``
        (U, time, bond).
    """
    L = int(agg.sizes["site"])
    c_site = int(agg.attrs["c_site"])
    Us = agg.U.values.astype(float)
    times = agg.time.values.astype(float)
    bonds = agg.bond.values.astype(int)
    x_b = bonds - 0.5 - c_site
    nU, nT, nB = Us.size, times.size, bonds.size
    S = agg["S"].transpose("U", "seed", "time", "bond").values.astype(float)
    valid = _valid_mask(agg, "S", ("bond",), exclude_unconverged)
    S_mean, S_err = _mean_sem(S, valid)  # (U, T, B)
    nc = nc_fit.reindex(U=agg.U.values, time=agg.time.values)
    ell = nc["ell_c"].values
    Rr = nc["R"].values
    Nn = nc["N_c"].values
    boot = "bootstrap_seeds" in nc_fit and "ell_c_boot" in nc_fit
    seed_pos = {int(s): k for k, s in enumerate(agg.seed.values)}
    if boot:
        bseeds = nc_fit["bootstrap_seeds"].values
        n_boot = bseeds.shape[0]
        counts = np.zeros((n_boot, agg.sizes["seed"]))
        for b in range(n_boot):
            for s in bseeds[b]:
                if int(s) in seed_pos:
                    counts[b, seed_pos[int(s)]] += 1
        bS = _boot_mean(counts, S, valid)  # (B, U, T, B)
        b_ell = nc["ell_c_boot"].transpose("sample", "U", "time").values
        b_R = nc["R_boot"].transpose("sample", "U", "time").values
        b_N = nc["N_c_boot"].transpose("sample", "U", "time").values
    else:
        n_boot = 0
    err_method = (
        ERR_BOOT + " (paired with the fit_nc resamples: errors of U_eff included)"
        if n_boot
        else "standard error of the weighted linear least-squares fit"
    )
    inner = np.zeros(nB, dtype=bool)
    inner[edge_bonds : nB - edge_bonds] = True
    tsel = times >= max(fit_t_min, np.finfo(float).tiny)

    i0 = np.nonzero(Us == 0)[0]
    has0 = i0.size > 0 and np.isfinite(S_mean[i0[0]][tsel]).any()

    def s_ai_from_u0(smean):
        blk = smean[tsel]
        fin = np.isfinite(blk)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(fin, blk, 0.0).sum(0) / fin.sum(0)

    S_AI = np.full((nU, nB), np.nan)
    S_AI_src = _str_array(nU)
    xi_S = np.full(nU, np.nan)
    xi_S_err = np.full(nU, np.nan)
    status = _str_array(nU)
    S_model = np.full((nU, nT, nB), np.nan)
    x_mbl = np.full((nU, nT), np.nan)
    x_mbl_err = np.full((nU, nT), np.nan)
    slope = np.full(nU, np.nan)
    slope_err = np.full(nU, np.nan)
    slope_pred = np.full(nU, np.nan)
    slope_pred_err = np.full(nU, np.nan)
    slope_status = _str_array(nU)
    t_ent_used = np.full(nU, np.nan)
    sx_min = np.full(nU, np.nan)
    sx_max = np.full(nU, np.nan)
    s_n = np.zeros(nU, dtype=np.int32)
    s_ai0 = s_ai_from_u0(S_mean[i0[0]]) if has0 else None

    def solve(y, g, w, fixed):
        """Weighted LSQ of y = S_AI + xi g (fixed: y already has S_AI removed)."""
        if fixed:
            sgg = (w * g * g).sum()
            if sgg <= 0:
                return np.nan, np.nan, np.nan
            xi = (w * g * y).sum() / sgg
            return xi, np.nan, 1.0 / np.sqrt(sgg)
        sw, sg, sy = w.sum(), (w * g).sum(), (w * y).sum()
        sgg, sgy = (w * g * g).sum(), (w * g * y).sum()
        den = sw * sgg - sg * sg
        if den <= 0:
            return np.nan, np.nan, np.nan
        xi = (sw * sgy - sg * sy) / den
        return xi, (sy - xi * sg) / sw, np.sqrt(sw / den)

    for iu, U in enumerate(Us):
        fitted_t = np.isfinite(ell[iu])
        if U > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                arg = Nn[iu] * U * times
                xm = ell[iu] * np.log(np.where(arg > 0, arg, np.nan))
            x_mbl[iu] = np.where(fitted_t & (times > 0), np.maximum(xm, 0.0), np.nan)
            if n_boot:
                with np.errstate(divide="ignore", invalid="ignore"):
                    argb = b_N[:, iu] * U * times[None, :]
                    xmb = b_ell[:, iu] * np.log(np.where(argb > 0, argb, np.nan))
                x_mbl_err[iu] = np.where(
                    np.isfinite(x_mbl[iu]), _std(np.maximum(xmb, 0.0), axis=0), np.nan
                )
        if has0:
            S_AI[iu] = s_ai0
            S_AI_src[iu] = "U=0 data: disorder mean averaged over t >= fit_t_min (fixed)"
        else:
            S_AI_src[iu] = "fitted: one constant per U (no U = 0 data)"
        if U == 0:
            status[iu] = "not fitted: U = 0 (Eq. 5 reduces to S = S_AI)"
            slope_status[iu] = "not fitted: U = 0"
            continue
        use_t = tsel & fitted_t & np.isfinite(S_mean[iu]).all(-1)
        if use_t.sum() < 1:
            status[iu] = "no fitted c profile / no S data at t >= fit_t_min"
            slope_status[iu] = status[iu]
            continue
        tt = times[use_t]
        g = _ueff_log(U, tt, x_b, ell[iu, use_t], Rr[iu, use_t], Nn[iu, use_t])
        y = S_mean[iu, use_t]
        e = np.where(np.isfinite(S_err[iu, use_t]), S_err[iu, use_t], 0.0)
        w = np.where(inner[None, :], 1.0 / (e**2 + S_floor**2), 0.0)
        if has0:
            xi, sai, xerr = solve(y - S_AI[iu][None, :], g, w, True)
        else:
            xi, sai, xerr = solve(y, g, w, False)
            S_AI[iu] = sai
        if not np.isfinite(xi):
            status[iu] = "fit failed: U_eff t vanishes on the fit window (singular)"
            continue
        xi_S[iu] = xi
        status[iu] = "ok"
        if n_boot:
            xb = np.full(n_boot, np.nan)
            for b in range(n_boot):
                okb = use_t & np.isfinite(b_ell[b, iu])
                if okb.sum() < 1:
                    continue
                gb = _ueff_log(
                    U, times[okb], x_b, b_ell[b, iu, okb], b_R[b, iu, okb], b_N[b, iu, okb]
                )
                yb = bS[b, iu, okb]
                wb = w[okb[use_t]]  # weights of the full sample at the same times
                if has0:
                    sb0 = s_ai_from_u0(bS[b, i0[0]])
                    xb[b] = solve(yb - sb0[None, :], gb, wb, True)[0]
                else:
                    xb[b] = solve(yb, gb, wb, False)[0]
            xi_S_err[iu] = float(_std(xb))
        else:
            resid = (y - (S_AI[iu][None, :] + xi * g)) * np.sqrt(w)
            dof = int((w > 0).sum()) - (1 if has0 else 2)
            scale = np.sqrt(max((resid**2).sum() / dof, 1.0)) if dof > 0 else 1.0
            xi_S_err[iu] = xerr * scale
        # model on every time with a fitted profile
        ft = fitted_t & (times > 0)
        if ft.any():
            gm = _ueff_log(U, times[ft], x_b, ell[iu, ft], Rr[iu, ft], Nn[iu, ft])
            S_model[iu, ft] = S_AI[iu][None, :] + xi * gm

        # late-time profile
        have = np.isfinite(S_mean[iu]).all(-1) & fitted_t & (times > 0)
        if not have.any():
            slope_status[iu] = "no time with both S data and a fitted profile"
            continue
        if t_ent is None:
            ie = int(np.nonzero(have)[0][-1])
        else:
            cand = np.nonzero(have)[0]
            ie = int(cand[np.argmin(np.abs(times[cand] - t_ent))])
        te = times[ie]
        t_ent_used[iu] = te
        ye = (
            U
            * eq3(x_b, ell[iu, ie], Rr[iu, ie] if np.isfinite(Rr[iu, ie]) else np.inf, Nn[iu, ie])
            * te
        )
        reg = inner & (ye >= y_min)
        if np.isfinite(Rr[iu, ie]):
            reg &= np.abs(x_b) <= Rr[iu, ie] / 2
        s_n[iu] = int(reg.sum())
        slope_pred[iu] = -xi / ell[iu, ie]
        slope_pred_err[iu] = abs(slope_pred[iu]) * np.sqrt(
            (xi_S_err[iu] / xi) ** 2 + (nc["ell_c_err"].values[iu, ie] / ell[iu, ie]) ** 2
        )
        ux = np.unique(np.abs(x_b[reg]))
        if ux.size < 3:
            slope_status[iu] = (
                f"too few bonds in the linear region ({int(reg.sum())} bonds, "
                f"{ux.size} distinct |x|; need U_eff t >= {y_min:.3g})"
            )
            continue
        ax = np.abs(x_b[reg])
        sx_min[iu], sx_max[iu] = float(ax.min()), float(ax.max())
        ee = np.where(np.isfinite(S_err[iu, ie, reg]), S_err[iu, ie, reg], 0.0)
        we = 1.0 / (ee**2 + S_floor**2)
        sl, _, den = _linfit_slope(S_mean[iu, ie, reg], we, ax)
        slope[iu] = sl
        slope_status[iu] = "ok"
        if n_boot:
            sb, _, _ = _linfit_slope(bS[:, iu, ie][:, reg], we[None, :], ax[None, :])
            slope_err[iu] = float(_std(sb))
        else:
            icpt = ((we * S_mean[iu, ie, reg]).sum() - sl * (we * ax).sum()) / we.sum()
            r = (S_mean[iu, ie, reg] - icpt - sl * ax) * np.sqrt(we)
            dof = ax.size - 2
            scale = np.sqrt(max((r**2).sum() / dof, 1.0)) if dof > 0 else 1.0
            slope_err[iu] = float(np.sqrt(we.sum() / den) * scale)

    n_seeds = valid.any(axis=2).sum(axis=1)
    coords = _coords(agg)
    coords["bond"] = _v(
        ("bond",), bonds, "1", "bond b: entropy of sites 0..b-1 (cut at x = b - 1/2 - c_site)"
    )
    coords["x_bond"] = _v(("bond",), x_b, "lattice spacings", "cut position b - 1/2 - c_site")
    utb = ("U", "time", "bond")
    data = {
        "xi_S": _v(("U",), xi_S, "1", "Eq. (5) entanglement prefactor xi_S (nats)"),
        "xi_S_err": _v(("U",), xi_S_err, "1", "uncertainty of xi_S"),
        "S_AI": _v(("U", "bond"), S_AI, "1", "Anderson-insulator entropy S_AI used in Eq. (5)"),
        "S_AI_source": _v(("U",), S_AI_src.astype(str), "none", "how S_AI was obtained"),
        "status": _v(("U",), status.astype(str), "none", "Eq. (5) fit status"),
        "x_mbl": _v(
            ("U", "time"),
            x_mbl,
            "lattice spacings",
            "MBL front ell_c log(N_c U t) (0 where N_c U t <= 1)",
        ),
        "x_mbl_err": _v(("U", "time"), x_mbl_err, "lattice spacings", "uncertainty of x_mbl"),
        "slope": _v(("U",), slope, "1/lattice spacing", "slope of late-time S vs |x|"),
        "slope_err": _v(("U",), slope_err, "1/lattice spacing", "uncertainty of slope"),
        "slope_pred": _v(("U",), slope_pred, "1/lattice spacing", "-xi_S / ell_c(t_ent)"),
        "slope_pred_err": _v(
            ("U",), slope_pred_err, "1/lattice spacing", "uncertainty of slope_pred"
        ),
        "slope_status": _v(("U",), slope_status.astype(str), "none", "slope fit status"),
        "t_ent": _v(("U",), t_ent_used, "hopping times", "time of the late-time profile"),
        "slope_x_min": _v(("U",), sx_min, "lattice spacings", "smallest |x| in slope fit"),
        "slope_x_max": _v(("U",), sx_max, "lattice spacings", "largest |x| in slope fit"),
        "slope_n": _v(("U",), s_n, "1", "bonds in the slope fit"),
        "S_model": _v(utb, S_model, "1", "Eq. (5) at the fitted parameters"),
        "S_mean": _v(utb, S_mean, "1", "disorder mean of the entanglement entropy"),
        "S_err": _v(utb, S_err, "1", "standard error of the disorder mean of S"),
        "n_seeds": _v(("U",), n_seeds.astype(np.int32), "1", "disorder realisations used"),
    }
    ds = xr.Dataset(data, coords=coords)
    ds.attrs = {
        **_agg_attrs(agg),
        "title": "Eq. (5) entanglement fits, MBL front and late-time slope",
        "model": "S(b,t) = S_AI + xi_S log(1 + U n_c(x_b,t) t), n_c from the Eq. (3) fit",
        "S_AI_method": (
            "from the U = 0 data (disorder mean per bond averaged over t >= fit_t_min), fixed"
            if has0
            else "fitted: one constant per U together with xi_S (no U = 0 data)"
        ),
        "method": (
            f"linear weighted least squares over t >= {fit_t_min:g} (times with a fitted "
            f"profile) and bonds {edge_bonds + 1}..{L - 1 - edge_bonds}; weights "
            f"1/(S_err^2 + {S_floor:g}^2); x_b = b - 1/2 - c_site"
        ),
        "slope_method": (
            "weighted linear fit of S_mean vs |x_b| at t_ent over the bonds with "
            f"U n_c(x_b,t_ent) t_ent >= {y_min:.4g} and |x_b| <= R(t_ent)/2 (the region "
            "where Eq. (5) is linear in |x|); slope_pred = -xi_S / ell_c(t_ent)"
        ),
        "x_mbl_method": "ell_c(t) log(N_c(t) U t), clipped at 0",
        "error": err_method,
        "fit_t_min": float(fit_t_min),
        "t_ent_requested": "last time" if t_ent is None else float(t_ent),
        "fit_window": f"t >= {fit_t_min:g}",
        "status_convention": "'ok'; anything else = NaN + reason",
        "exclude_unconverged": int(exclude_unconverged),
        "n_seeds_used": ", ".join(f"U={u:g}: {int(n)}" for u, n in zip(Us, n_seeds, strict=True)),
    }
    return ds
