"""ℓ_d: decay length of the d-boson correlations and its Eq. (4) saturation per centre.

C̄(i, x, t) is built from C_dd(j, k, t) for the pair j = i - floor(x/2), k = i + ceil(x/2)
(:func:`mblbath.analysis.models.ld_pair`): even x is the symmetric pair (i - x/2, i + x/2),
**odd x is (i - (x-1)/2, i + (x+1)/2)** (centre i + 1/2, attributed to i). Two averages
(``average``, the config's ``analysis.ell_d_average``):

- ``"abs_of_mean"`` (default, the paper's "absolute value of the disorder-averaged
  connected correlation function", PHYSICS.md §4): C̄ = |disorder mean of C_dd|, with the
  standard error of the mean of C as its error; bootstrap resamples are |mean| of the
  resampled C. At U > 0, C changes sign between realisations, so this is smaller than the
  mean of |C| and can decay faster.
- ``"mean_of_abs"``: C̄ = disorder mean of |C_dd| (a different, larger quantity; an
  explicit option, not the paper's).

For every (U, t, i), ln C̄ = a - x / ell_d is fitted by weighted linear least squares over
x = 1, 2, ... (both sites in the chain, x <= x_max) over a contiguous range that ends at
the first x where C̄ falls below ``c_floor`` or, for ``abs_of_mean``, where the disorder
mean of C has a sign different from its sign at x = 1 (at a sign change |mean C| dips
towards 0 and rises again, which is no exponential decay: the window ends there, and the
points beyond are not used); weights 1/σ² with σ = sqrt((SEM/C̄)² + rel_err_floor²). Then
Eq. (4) per centre (:func:`mblbath.analysis.saturation.fit_eq4_series`) gives
ell_d(inf, i) with its reduced χ², and the paired difference between the largest U and
U = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..config import cdd_mask
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
from .saturation import CHI2_NOTE, fit_eq4_series
from .stats import bootstrap_counts, bootstrap_mean, mean_sem, replicate_std, weighted_line

__all__ = ["fit_ld", "AVERAGES"]

LS = "lattice spacings"
#: The two disorder averages of C_dd (the first is the default, the paper's).
AVERAGES = ("abs_of_mean", "mean_of_abs")


@dataclass(frozen=True)
class _Pairs:
    """Pair distances x = 1..x_max and the site indices (j, k) of every (centre, x)."""

    xf: np.ndarray  # (1, X) distances as float
    J: np.ndarray  # (L, X) left sites, clipped into the chain
    K: np.ndarray  # (L, X) right sites, clipped
    inside: np.ndarray  # (L, X) both sites in the chain

    @classmethod
    def of(cls, L: int, x_max: int) -> _Pairs:
        xs = np.arange(1, x_max + 1)
        centres = np.arange(L)
        J = centres[:, None] - xs[None, :] // 2
        K = centres[:, None] + (xs[None, :] + 1) // 2
        inside = (J >= 0) & (K < L)
        return cls(xs.astype(float)[None, :], np.clip(J, 0, L - 1), np.clip(K, 0, L - 1), inside)


@dataclass(frozen=True)
class _Settings:
    c_floor: float
    min_points: int
    rel_err_floor: float
    every: int  # C_dd measured at one time in ``every``
    average: str = AVERAGES[0]


def _decay_fit(m, sem, pairs: _Pairs, s: _Settings, sign=None):
    """Exponential fit of one time, every centre: (ell_d, err, n, mask, w, ok, decays).

    ``sign`` (centre, x): sign of the disorder mean of C; the window also ends where it
    differs from its value at x = 1.
    """
    above = pairs.inside & np.isfinite(m) & (m > s.c_floor)
    if sign is not None:
        above &= sign == sign[..., :1]
    mask = np.cumprod(above, axis=-1).astype(bool)  # contiguous from x = 1
    n = mask.sum(-1)
    ly = np.log(np.where(mask, m, 1.0))
    rel = np.where(mask, sem / np.where(mask, m, 1.0), 0.0)
    rel = np.where(np.isfinite(rel), rel, 0.0)
    w = np.where(mask, 1.0 / (rel**2 + s.rel_err_floor**2), 0.0)
    line = weighted_line(pairs.xf, ly, w)
    ok = (n >= s.min_points) & (line.den > 0)
    decays = ok & (line.slope < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ell = np.where(decays, -1.0 / line.slope, np.nan)
        err = np.where(decays, line.slope_err / line.slope**2, np.nan)
    return ell, err, n, mask, w, ok, decays


def _bootstrap_decay(counts, C_t, valid_t, mask, w, decays, pairs: _Pairs, s: _Settings):
    """ell_d of every bootstrap resample at one time (B, centre), weights and window of the
    full sample; C_t is C (abs_of_mean) or |C| (mean_of_abs), the resample is |mean|."""
    sub = np.abs(bootstrap_mean(counts, C_t, valid_t)[:, 0, 0])  # (B, L, X)
    mb = mask[None] & np.isfinite(sub) & (sub > 0)
    lyb = np.log(np.where(mb, sub, 1.0))
    wb = np.where(mb, w[None], 0.0)
    line = weighted_line(pairs.xf[None], lyb, wb)
    okb = (mb.sum(-1) >= s.min_points) & (line.den > 0) & (line.slope < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(okb & decays[None], -1.0 / line.slope, np.nan)


def _decay_lengths(agg, valid, counts, times, pairs: _Pairs, s: _Settings) -> dict:
    """ell_d(U, time, centre), its error, status and points; bootstrap replicates."""
    nU, nT, L = agg.sizes["U"], times.size, pairs.J.shape[0]
    n_boot = counts.shape[0]
    out = {"ell_d": np.full((nU, nT, L), np.nan), "err": np.full((nU, nT, L), np.nan)}
    out["boot"] = np.full((n_boot, nU, nT, L), np.nan)
    out["npts"] = np.zeros((nU, nT, L), dtype=np.int32)
    out["status"] = st = str_array((nU, nT, L), "ok")
    measured = cdd_mask(nT, s.every)
    C = agg["C_dd"].transpose("U", "seed", "time", "site", "site2")
    for iu in range(nU):
        Cu = C.isel(U=iu).values.astype(float)[:, :, pairs.J, pairs.K]  # (S,T,L,X)
        if s.average == "mean_of_abs":
            Cu = np.abs(Cu)
        v1 = valid[iu : iu + 1]
        mean, sem, _ = mean_sem(Cu[None], v1)
        mean, sem = mean[0], sem[0]  # (T, L, X)
        sign = np.sign(mean) if s.average == "abs_of_mean" else None
        mean = np.abs(mean)
        for it in range(nT):
            if not measured[it]:
                st[iu, it, :] = (
                    f"not measured: C_dd at one time in {s.every} (cdd_every = {s.every})"
                )
                continue
            if not v1[0, :, it].any():
                st[iu, it, :] = "no data: no valid run at this time"
                continue
            if times[it] <= 0:
                st[iu, it, :] = "not fitted: t = 0"
                continue
            sg = sign[it] if sign is not None else None
            ell, err, n, mask, w, ok, decays = _decay_fit(mean[it], sem[it], pairs, s, sg)
            out["ell_d"][iu, it], out["npts"][iu, it] = ell, n
            st[iu, it, ~ok] = f"too few points (< {s.min_points} x values in the window)"
            st[iu, it, ok & ~decays] = "no decay: fitted slope >= 0"
            if n_boot:
                C_t, v_t = Cu[None, :, it : it + 1], v1[:, :, it : it + 1]
                out["boot"][:, iu, it] = _bootstrap_decay(
                    counts, C_t, v_t, mask, w, decays, pairs, s
                )
            else:
                out["err"][iu, it] = err
    if n_boot:
        out["err"] = np.where(np.isfinite(out["ell_d"]), replicate_std(out["boot"], axis=0), np.nan)
    return out


def _saturation(times, out: dict, fit_t_min: float, L: int):
    """Eq. (4) per (U, centre): (results, status, xi bootstrap replicates, error methods)."""
    n_boot, nU = out["boot"].shape[:2]
    keys = ("xi", "xi_err", "T0", "T0_err", "red_chi2", "n_dof")
    res = {k: np.full((nU, L), np.nan) for k in keys}
    status = str_array((nU, L))
    xi_boot = np.full((n_boot, nU, L), np.nan)
    methods = set()
    for iu in range(nU):
        for ic in range(L):
            o = fit_eq4_series(
                times,
                out["ell_d"][iu, :, ic],
                out["err"][iu, :, ic],
                out["boot"][:, iu, :, ic] if n_boot else None,
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
    return res, status, xi_boot, methods


def _inf_diff(Us, res: dict, xi_boot: np.ndarray, L: int):
    """ell_d_inf(largest U) - ell_d_inf(U = 0) per centre, paired error, and a note."""
    diff = np.full(L, np.nan)
    diff_err = np.full(L, np.nan)
    has0 = np.any(Us == 0)
    if not (has0 and (Us > 0).any()):
        return (
            diff,
            diff_err,
            "not available: " + ("no U = 0 data" if not has0 else "no U > 0 data"),
        )
    i0 = int(np.nonzero(Us == 0)[0][0])
    imax = int(np.argmax(Us))
    diff = res["xi"][imax] - res["xi"][i0]
    if xi_boot.shape[0]:
        diff_err = replicate_std(xi_boot[:, imax] - xi_boot[:, i0], axis=0)
    else:
        diff_err = np.sqrt(res["xi_err"][imax] ** 2 + res["xi_err"][i0] ** 2)
    return diff, diff_err, f"ell_d_inf(U={Us[imax]:g}) - ell_d_inf(U=0)"


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
    average: str = AVERAGES[0],
) -> xr.Dataset:
    """d-boson decay length ℓ_d(t, i) from C_dd and its Eq. (4) saturation per centre.

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
    average : {"abs_of_mean", "mean_of_abs"}
        C̄ = |disorder mean of C| (default, the paper's) or disorder mean of |C|.

    Returns
    -------
    xarray.Dataset
        ``ell_d(U, time, centre)``, ``ell_d_err``, ``ell_d_status``, ``n_points``;
        per (U, centre): ``ell_d_inf``, ``ell_d_inf_err``, ``T0``, ``T0_err``, ``status``,
        ``ell_d_inf_red_chi2``, ``ell_d_inf_n_dof`` (goodness of the Eq. (4) fit);
        ``ell_d_inf_diff(centre)`` and ``ell_d_inf_diff_err`` (largest U minus U = 0);
        attribute ``ell_d_average``.
    """
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    L = int(agg.sizes["site"])
    x_max = int(min(L - 1 if x_max is None else x_max, L - 1))
    Us = agg.U.values.astype(float)
    times = agg.time.values.astype(float)
    valid = valid_mask(agg, "C_dd", ("site", "site2"), exclude_unconverged)
    counts, _ = bootstrap_counts(valid, n_bootstrap, bootstrap_seed)
    n_boot = counts.shape[0]
    every = int(agg.attrs.get("cdd_every", 1))
    s = _Settings(c_floor, min_points, rel_err_floor, every, average)
    out = _decay_lengths(agg, valid, counts, times, _Pairs.of(L, x_max), s)
    res, status, xi_boot, methods = _saturation(times, out, fit_t_min, L)
    diff, diff_err, diff_note = _inf_diff(Us, res, xi_boot, L)
    ds = _dataset(agg, out, res, status, (diff, diff_err, diff_note), valid)
    ds.attrs = fit_attrs(
        agg_attrs(agg),
        "d-boson decay length ell_d from C_dd and its Eq. (4) saturation",
        ell_d_average=average,
        method=_method(average, c_floor, x_max),
        red_chi2_note=CHI2_NOTE.format("ell_d_err"),
        odd_x_convention="odd x: pair (i - (x-1)/2, i + (x+1)/2), centre i + 1/2 -> i",
        weights=f"sigma_ln = sqrt((SEM/mean)^2 + {rel_err_floor}^2)",
        error_eq4="; ".join(sorted(methods)) if methods else "none",
        n_bootstrap=int(n_boot),
        bootstrap_seed=int(bootstrap_seed),
        ell_d_inf_diff=diff_note,
        error=ERR_BOOT if n_boot else ERR_JAC,
        fit_t_min=fit_t_min,
        fit_window=f"t >= {fit_t_min:g} for Eq. (4); every t > 0 for ell_d(t, i)",
        exclude_unconverged=exclude_unconverged,
        n_seeds=(Us, valid.any(axis=2).sum(axis=1)),
    )
    return ds


def _method(average: str, c_floor: float, x_max: int) -> str:
    """The method attribute: which average, the window rule, then Eq. (4)."""
    pair = "C_dd(i - floor(x/2), i + ceil(x/2), t)"
    if average == "abs_of_mean":
        cbar = f"|disorder mean of {pair}| (abs_of_mean, the paper's)"
        stop = (
            f"ends at the first x with Cbar <= {c_floor:g} or a mean C of the other sign "
            "than at x = 1"
        )
    else:
        cbar = f"disorder mean of |{pair}| (mean_of_abs, not the paper's)"
        stop = f"ends at the first x with Cbar <= {c_floor:g}"
    return (
        f"Cbar(i,x,t) = {cbar}; weighted linear fit of ln Cbar = a - x/ell_d over "
        f"x = 1.. <= {x_max}, contiguous: the window {stop}; then Eq. (4) per centre over "
        "t >= fit_t_min"
    )


def _dataset(agg, out: dict, res: dict, status, diff: tuple, valid) -> xr.Dataset:
    """The ell_d result variables (attributes are added by the caller)."""
    L = int(agg.sizes["site"])
    diff, diff_err, diff_note = diff
    coords = u_time_coords(agg)
    coords["centre"] = variable(
        ("centre",),
        np.arange(L),
        LS,
        "pair centre i (site index); odd x pairs (i-(x-1)/2, i+(x+1)/2)",
    )
    tc, uc = ("U", "time", "centre"), ("U", "centre")
    data = {
        "ell_d": variable(tc, out["ell_d"], LS, "d-boson decay length ell_d(t, i)"),
        "ell_d_err": variable(tc, out["err"], LS, "uncertainty of ell_d"),
        "ell_d_status": variable(
            tc, out["status"].astype(str), "none", "status of the exponential fit"
        ),
        "n_points": variable(tc, out["npts"], "1", "pair distances x in the exponential fit"),
        "ell_d_inf": variable(uc, res["xi"], LS, "Eq. (4) saturation ell_d(inf, i)"),
        "ell_d_inf_err": variable(uc, res["xi_err"], LS, "uncertainty of ell_d_inf"),
        "T0": variable(uc, res["T0"], "hopping times", "Eq. (4) time scale T0"),
        "T0_err": variable(uc, res["T0_err"], "hopping times", "uncertainty of T0"),
        "status": variable(uc, status.astype(str), "none", "Eq. (4) fit status"),
        "ell_d_inf_red_chi2": variable(uc, res["red_chi2"], "1", "reduced chi^2 of Eq. (4)"),
        "ell_d_inf_n_dof": variable(
            uc, res["n_dof"].astype(np.int32), "1", "degrees of freedom of the Eq. (4) fit"
        ),
        "ell_d_inf_diff": variable(
            ("centre",), diff, LS, "ell_d_inf at the largest U minus at U = 0", note=diff_note
        ),
        "ell_d_inf_diff_err": variable(
            ("centre",), diff_err, LS, "uncertainty of ell_d_inf_diff (paired)"
        ),
        "n_seeds": seeds_used(valid),
    }
    return xr.Dataset(data, coords=coords)
