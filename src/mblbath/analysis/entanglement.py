"""Eq. (5): entanglement S(b, t) = S_AI + xi_S log(1 + U_eff(x_b, t) t), MBL front, slope.

Bond b (entropy of sites 0..b-1) sits at the cut position x_b = b - 1/2 - c_site.
U_eff(x_b, t) = U n_c(x_b, t) uses Eq. (3) with the :func:`~mblbath.analysis.profile.fit_nc`
parameters at the same t (R = inf where R is unresolved). S_AI(bond) comes from the U = 0
data when present (disorder mean, averaged over t >= fit_t_min) and is then fixed;
otherwise one constant S_AI per U is fitted together with xi_S. The fit is linear least
squares over t >= fit_t_min (times with a fitted profile) and all bonds except
``edge_bonds`` at each end.

MBL front x_MBL(t) = ell_c(t) log(N_c(t) U t), set to 0 where N_c U t <= 1 (no region with
U_eff t > 1). Late-time profile (t_ent, or the last time): S_mean versus |x_b| is fitted by
a weighted straight line over the bonds where Eq. (5) is linear in |x|: U_eff(x_b, t) t >=
e² (log(1 + y) within 1/y of log y) and |x_b| <= R(t)/2 (exponential regime of Eq. 3);
its slope is compared with slope_pred = -xi_S / ell_c(t_ent).

Errors: bootstrap paired with the resamples of the Eq. (3) fit (its ``bootstrap_seeds``),
so the errors of U_eff are included; without them, the weighted least-squares errors
(inflated by sqrt(reduced chi^2) when > 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .dataset import (
    ERR_BOOT,
    STATUS_STRICT,
    agg_attrs,
    fit_attrs,
    seeds_used,
    str_array,
    u_time_coords,
    valid_mask,
    variable,
)
from .models import eq3
from .stats import bootstrap_mean, mean_sem, replicate_std, seed_counts, weighted_line

__all__ = ["fit_entanglement"]

LS = "lattice spacings"


def _ueff_log(U, t, x_b, ell, R, N):
    """log(1 + U n_c(x_b, t) t) with n_c from Eq. (3); arrays over time (t, ell, R, N)."""
    r = np.where(np.isfinite(R), R, np.inf)
    n = eq3(x_b[None, :], ell[:, None], r[:, None], N[:, None])
    return np.log1p(U * n * t[:, None])


def _solve(g, y, w, fixed: bool):
    """Weighted LSQ of y = S_AI + xi g (fixed: y already has S_AI removed).

    Returns (xi, S_AI, err of xi); NaN if singular.
    """
    line = weighted_line(g, y, w, axis=None, intercept=not fixed)
    if not line.den > 0:
        return np.nan, np.nan, np.nan
    return line.slope, (np.nan if fixed else line.intercept), line.slope_err


@dataclass
class _Data:
    """Inputs of the fits of one L: entropies, Eq. (3) parameters, bootstrap resamples."""

    Us: np.ndarray
    times: np.ndarray
    x_b: np.ndarray
    inner: np.ndarray  # bonds used by the fits
    tsel: np.ndarray  # times t >= fit_t_min
    valid: np.ndarray
    S_mean: np.ndarray  # (U, time, bond)
    S_err: np.ndarray
    ell: np.ndarray  # Eq. (3) parameters on the aggregate's (U, time)
    R: np.ndarray
    N: np.ndarray
    ell_err: np.ndarray
    n_boot: int = 0
    bS: np.ndarray | None = None  # (B, U, time, bond)
    b_ell: np.ndarray | None = None  # (B, U, time)
    b_R: np.ndarray | None = None
    b_N: np.ndarray | None = None
    s_ai0: np.ndarray | None = None  # S_AI(bond) from U = 0 when it has data

    @property
    def has0(self) -> bool:
        return self.s_ai0 is not None

    def s_ai_from_u0(self, smean: np.ndarray) -> np.ndarray:
        """Mean over t >= fit_t_min of the U = 0 entropy per bond (finite values only)."""
        blk = smean[self.tsel]
        fin = np.isfinite(blk)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(fin, blk, 0.0).sum(0) / fin.sum(0)

    def i0(self) -> int:
        return int(np.nonzero(self.Us == 0)[0][0])


def _read(agg, nc_fit, fit_t_min, edge_bonds, exclude_unconverged) -> _Data:
    c_site = int(agg.attrs["c_site"])
    bonds = agg.bond.values.astype(int)
    S = agg["S"].transpose("U", "seed", "time", "bond").values.astype(float)
    valid = valid_mask(agg, "S", ("bond",), exclude_unconverged)
    S_mean, S_err, _ = mean_sem(S, valid)  # (U, T, B)
    nc = nc_fit.reindex(U=agg.U.values, time=agg.time.values)
    inner = np.zeros(bonds.size, dtype=bool)
    inner[edge_bonds : bonds.size - edge_bonds] = True
    times = agg.time.values.astype(float)
    d = _Data(
        Us=agg.U.values.astype(float),
        times=times,
        x_b=bonds - 0.5 - c_site,
        inner=inner,
        tsel=times >= max(fit_t_min, np.finfo(float).tiny),
        valid=valid,
        S_mean=S_mean,
        S_err=S_err,
        ell=nc["ell_c"].values,
        R=nc["R"].values,
        N=nc["N_c"].values,
        ell_err=nc["ell_c_err"].values,
    )
    if "bootstrap_seeds" in nc_fit and "ell_c_boot" in nc_fit:
        counts = seed_counts(nc_fit["bootstrap_seeds"].values, agg.seed.values)
        d.n_boot = counts.shape[0]
        d.bS = bootstrap_mean(counts, S, valid)
        d.b_ell, d.b_R, d.b_N = (
            nc[k].transpose("sample", "U", "time").values
            for k in ("ell_c_boot", "R_boot", "N_c_boot")
        )
    i0 = np.nonzero(d.Us == 0)[0]
    if i0.size > 0 and np.isfinite(S_mean[i0[0]][d.tsel]).any():
        d.s_ai0 = d.s_ai_from_u0(S_mean[i0[0]])
    return d


def _empty(nU: int, nT: int, nB: int) -> dict[str, np.ndarray]:
    out = {k: np.full(nU, np.nan) for k in ("xi_S", "xi_S_err", "slope", "slope_err")}
    for k in ("slope_pred", "slope_pred_err", "t_ent", "sx_min", "sx_max"):
        out[k] = np.full(nU, np.nan)
    out["s_n"] = np.zeros(nU, dtype=np.int32)
    for k in ("S_AI_src", "status", "slope_status"):
        out[k] = str_array(nU)
    out["S_AI"] = np.full((nU, nB), np.nan)
    out["S_model"] = np.full((nU, nT, nB), np.nan)
    out["x_mbl"] = np.full((nU, nT), np.nan)
    out["x_mbl_err"] = np.full((nU, nT), np.nan)
    return out


def _x_mbl(d: _Data, out: dict, iu: int, U: float) -> None:
    """MBL front ell_c log(N_c U t) (clipped at 0) and its bootstrap error."""
    fitted_t = np.isfinite(d.ell[iu])
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = d.N[iu] * U * d.times
        xm = d.ell[iu] * np.log(np.where(arg > 0, arg, np.nan))
    out["x_mbl"][iu] = np.where(fitted_t & (d.times > 0), np.maximum(xm, 0.0), np.nan)
    if d.n_boot:
        with np.errstate(divide="ignore", invalid="ignore"):
            argb = d.b_N[:, iu] * U * d.times[None, :]
            xmb = d.b_ell[:, iu] * np.log(np.where(argb > 0, argb, np.nan))
        out["x_mbl_err"][iu] = np.where(
            np.isfinite(out["x_mbl"][iu]), replicate_std(np.maximum(xmb, 0.0), axis=0), np.nan
        )


def _xi_S_bootstrap(d: _Data, iu: int, U: float, use_t, w) -> float:
    """Bootstrap error of xi_S, paired with the Eq. (3) resamples (weights fixed)."""
    xb = np.full(d.n_boot, np.nan)
    for b in range(d.n_boot):
        okb = use_t & np.isfinite(d.b_ell[b, iu])
        if okb.sum() < 1:
            continue
        gb = _ueff_log(
            U, d.times[okb], d.x_b, d.b_ell[b, iu, okb], d.b_R[b, iu, okb], d.b_N[b, iu, okb]
        )
        yb = d.bS[b, iu, okb]
        wb = w[okb[use_t]]  # weights of the full sample at the same times
        if d.has0:
            sb0 = d.s_ai_from_u0(d.bS[b, d.i0()])
            xb[b] = _solve(gb, yb - sb0[None, :], wb, True)[0]
        else:
            xb[b] = _solve(gb, yb, wb, False)[0]
    return float(replicate_std(xb))


def _fit_xi_S(d: _Data, out: dict, iu: int, U: float, S_floor: float) -> bool:
    """Eq. (5) fit of xi_S (and S_AI without U = 0) at one U > 0; True if it succeeded."""
    fitted_t = np.isfinite(d.ell[iu])
    use_t = d.tsel & fitted_t & np.isfinite(d.S_mean[iu]).all(-1)
    if use_t.sum() < 1:
        out["status"][iu] = "no fitted c profile / no S data at t >= fit_t_min"
        out["slope_status"][iu] = out["status"][iu]
        return False
    g = _ueff_log(U, d.times[use_t], d.x_b, d.ell[iu, use_t], d.R[iu, use_t], d.N[iu, use_t])
    y = d.S_mean[iu, use_t]
    e = np.where(np.isfinite(d.S_err[iu, use_t]), d.S_err[iu, use_t], 0.0)
    w = np.where(d.inner[None, :], 1.0 / (e**2 + S_floor**2), 0.0)
    if d.has0:
        xi, _, xerr = _solve(g, y - out["S_AI"][iu][None, :], w, True)
    else:
        xi, out["S_AI"][iu], xerr = _solve(g, y, w, False)
    if not np.isfinite(xi):
        out["status"][iu] = "fit failed: U_eff t vanishes on the fit window (singular)"
        return False
    out["xi_S"][iu] = xi
    out["status"][iu] = "ok"
    if d.n_boot:
        out["xi_S_err"][iu] = _xi_S_bootstrap(d, iu, U, use_t, w)
    else:
        resid = (y - (out["S_AI"][iu][None, :] + xi * g)) * np.sqrt(w)
        dof = int((w > 0).sum()) - (1 if d.has0 else 2)
        scale = np.sqrt(max((resid**2).sum() / dof, 1.0)) if dof > 0 else 1.0
        out["xi_S_err"][iu] = xerr * scale
    # model on every time with a fitted profile
    ft = fitted_t & (d.times > 0)
    if ft.any():
        gm = _ueff_log(U, d.times[ft], d.x_b, d.ell[iu, ft], d.R[iu, ft], d.N[iu, ft])
        out["S_model"][iu, ft] = out["S_AI"][iu][None, :] + xi * gm
    return True


def _slope_region(d: _Data, out: dict, iu: int, U: float, t_ent, y_min) -> tuple[int, np.ndarray]:
    """Time index of the late profile and the bonds where Eq. (5) is linear in |x|."""
    fitted_t = np.isfinite(d.ell[iu])
    have = np.isfinite(d.S_mean[iu]).all(-1) & fitted_t & (d.times > 0)
    if not have.any():
        return -1, np.zeros(0, dtype=bool)
    cand = np.nonzero(have)[0]
    ie = int(cand[-1]) if t_ent is None else int(cand[np.argmin(np.abs(d.times[cand] - t_ent))])
    te = d.times[ie]
    out["t_ent"][iu] = te
    R = d.R[iu, ie]
    ye = U * eq3(d.x_b, d.ell[iu, ie], R if np.isfinite(R) else np.inf, d.N[iu, ie]) * te
    reg = d.inner & (ye >= y_min)
    if np.isfinite(R):
        reg &= np.abs(d.x_b) <= R / 2
    return ie, reg


def _late_slope(d: _Data, out: dict, iu: int, U: float, t_ent, y_min, S_floor) -> None:
    """Slope of the late-time S(|x_b|) over the linear region and its Eq. (5) prediction."""
    ie, reg = _slope_region(d, out, iu, U, t_ent, y_min)
    if ie < 0:
        out["slope_status"][iu] = "no time with both S data and a fitted profile"
        return
    xi = out["xi_S"][iu]
    out["s_n"][iu] = int(reg.sum())
    out["slope_pred"][iu] = -xi / d.ell[iu, ie]
    out["slope_pred_err"][iu] = abs(out["slope_pred"][iu]) * np.sqrt(
        (out["xi_S_err"][iu] / xi) ** 2 + (d.ell_err[iu, ie] / d.ell[iu, ie]) ** 2
    )
    ux = np.unique(np.abs(d.x_b[reg]))
    if ux.size < 3:
        out["slope_status"][iu] = (
            f"too few bonds in the linear region ({int(reg.sum())} bonds, "
            f"{ux.size} distinct |x|; need U_eff t >= {y_min:.3g})"
        )
        return
    ax = np.abs(d.x_b[reg])
    out["sx_min"][iu], out["sx_max"][iu] = float(ax.min()), float(ax.max())
    ee = np.where(np.isfinite(d.S_err[iu, ie, reg]), d.S_err[iu, ie, reg], 0.0)
    we = 1.0 / (ee**2 + S_floor**2)
    ys = d.S_mean[iu, ie, reg]
    line = weighted_line(ax, ys, we)
    out["slope"][iu] = line.slope
    out["slope_status"][iu] = "ok"
    if d.n_boot:
        sb = weighted_line(ax[None, :], d.bS[:, iu, ie][:, reg], we[None, :]).slope
        out["slope_err"][iu] = float(replicate_std(sb))
    else:
        r = (ys - line.intercept - line.slope * ax) * np.sqrt(we)
        dof = ax.size - 2
        scale = np.sqrt(max((r**2).sum() / dof, 1.0)) if dof > 0 else 1.0
        out["slope_err"][iu] = float(line.slope_err * scale)


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
        Output of :func:`~mblbath.analysis.profile.fit_nc` on the same data (U_eff from
        its ℓ_c, R, N_c).
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
    d = _read(agg, nc_fit, fit_t_min, edge_bonds, exclude_unconverged)
    out = _empty(d.Us.size, d.times.size, d.x_b.size)
    for iu, U in enumerate(d.Us):
        if U > 0:
            _x_mbl(d, out, iu, U)
        if d.has0:
            out["S_AI"][iu] = d.s_ai0
            out["S_AI_src"][iu] = "U=0 data: disorder mean averaged over t >= fit_t_min (fixed)"
        else:
            out["S_AI_src"][iu] = "fitted: one constant per U (no U = 0 data)"
        if U == 0:
            out["status"][iu] = "not fitted: U = 0 (Eq. 5 reduces to S = S_AI)"
            out["slope_status"][iu] = "not fitted: U = 0"
        elif _fit_xi_S(d, out, iu, U, S_floor):
            _late_slope(d, out, iu, U, t_ent, y_min, S_floor)
    ds = xr.Dataset(_variables(d, out), coords=_coords(agg, d))
    ds.attrs = fit_attrs(
        agg_attrs(agg),
        "Eq. (5) entanglement fits, MBL front and late-time slope",
        **_method_attrs(d.has0, fit_t_min, edge_bonds, int(agg.sizes["site"]), S_floor, y_min),
        error=(
            ERR_BOOT + " (paired with the fit_nc resamples: errors of U_eff included)"
            if d.n_boot
            else "standard error of the weighted linear least-squares fit"
        ),
        fit_t_min=fit_t_min,
        t_ent_requested="last time" if t_ent is None else float(t_ent),
        fit_window=f"t >= {fit_t_min:g}",
        status_convention=STATUS_STRICT,
        exclude_unconverged=exclude_unconverged,
        n_seeds=(d.Us, d.valid.any(axis=2).sum(axis=1)),
    )
    return ds


def _method_attrs(has0, fit_t_min, edge_bonds, L, S_floor, y_min) -> dict:
    return {
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
    }


def _coords(agg: xr.Dataset, d: _Data) -> dict:
    coords = u_time_coords(agg)
    coords["bond"] = variable(
        ("bond",),
        agg.bond.values.astype(int),
        "1",
        "bond b: entropy of sites 0..b-1 (cut at x = b - 1/2 - c_site)",
    )
    coords["x_bond"] = variable(("bond",), d.x_b, LS, "cut position b - 1/2 - c_site")
    return coords


def _variables(d: _Data, out: dict) -> dict:
    u, ut, utb, per_ls = ("U",), ("U", "time"), ("U", "time", "bond"), "1/lattice spacing"
    return {
        "xi_S": variable(u, out["xi_S"], "1", "Eq. (5) entanglement prefactor xi_S (nats)"),
        "xi_S_err": variable(u, out["xi_S_err"], "1", "uncertainty of xi_S"),
        "S_AI": variable(
            ("U", "bond"), out["S_AI"], "1", "Anderson-insulator entropy S_AI used in Eq. (5)"
        ),
        "S_AI_source": variable(u, out["S_AI_src"].astype(str), "none", "how S_AI was obtained"),
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
        "S_model": variable(utb, out["S_model"], "1", "Eq. (5) at the fitted parameters"),
        "S_mean": variable(utb, d.S_mean, "1", "disorder mean of the entanglement entropy"),
        "S_err": variable(utb, d.S_err, "1", "standard error of the disorder mean of S"),
        "n_seeds": seeds_used(d.valid),
    }
