"""Eq. (5) consequences: the MBL front x_MBL(t) and the slope of the late-time profile.

MBL front x_MBL(t) = ell_c(t) log(N_c(t) U t), set to 0 where N_c U t <= 1 (no region with
U_eff t > 1). Late-time profile (t_ent, or the last time): S_mean versus |x_b| is fitted by
a weighted straight line over the bonds where Eq. (5) is linear in |x|: U_eff(x_b, t) t >=
y_min (default e²: log(1 + y) within 1/y of log y) and |x_b| <= R(t)/2 (exponential regime
of Eq. 3); its slope is compared with slope_pred = -xi_S / ell_c(t_ent). Errors: bootstrap
on the Eq. (3) resamples when present, else weighted least squares (inflated by
sqrt(reduced chi^2) when > 1).
"""

from __future__ import annotations

import numpy as np

from .ent_data import EntData
from .models import eq3
from .stats import replicate_std, weighted_line

__all__ = ["x_mbl", "late_slope"]


def x_mbl(d: EntData, out: dict, iu: int, U: float) -> None:
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


def _slope_region(d: EntData, out: dict, iu: int, U: float, t_ent, y_min):
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


def late_slope(d: EntData, out: dict, iu: int, U: float, t_ent, y_min, S_floor) -> None:
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
