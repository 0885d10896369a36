"""Claims on the late entanglement profile: linear at U = 12 with the Eq. (5) slope, concave
at U = 2.5."""

from __future__ import annotations

import numpy as np

from ..analysis.bundle import Bundle, largest_u, sel_u, smallest_positive_u, var
from ..analysis.tables import c_site_of, cut_x, symmetrise
from .basis import basis
from .claims_ent import excess_tables
from .constants import EDGE_CUTS, MIN_PROFILE_POINTS, Q_TOL
from .series import Poly, quad_fit, scalar
from .verdicts import (
    WHY_INPUT,
    WHY_SIZE,
    Claim,
    Outcome,
    all_of,
    consistent,
    pm,
    significantly_negative,
    within,
)

__all__ = [
    "claim_profile_linear",
    "claim_profile_concave",
    "claim_slope_prediction",
    "late_profile",
]


def late_profile(b: Bundle, U: float):
    """``(L, t_last, d, y, err, name)``: the profile at the last time, folded about c_site.

    ``y`` is dS (or S without dS, see :func:`~.claims_ent.excess_tables`) on the cuts
    away from the EDGE_CUTS cuts at each end, at distance d = |b − 1/2 − c_site|.
    """
    tab = excess_tables(b, U)
    if tab is None:
        return None
    L, t, bond, Y, E, name = tab
    fin = np.flatnonzero(np.isfinite(Y).any(axis=1))
    if fin.size == 0:
        return None
    it = int(fin[-1])
    inner = (bond > EDGE_CUTS) & (bond < L - EDGE_CUTS)
    y = np.where(inner, Y[it], np.nan)
    e = np.where(inner, E[it], np.nan)
    d, ys, es = symmetrise(cut_x(bond, c_site_of(b, L)), y, e)
    return L, float(t[it]), d, ys, es, name


def _curvature(d, y, e, d_max: float) -> tuple[Poly | None, float, float, int, float]:
    """Quadratic fit on d <= d_max: ``(fit, q, err_q, n, D)``.

    q = 2·c·D/|b| is the relative change of the slope across the window of length D (b
    the mean slope, c the quadratic coefficient).
    """
    sel = (d <= d_max + 1e-9) & np.isfinite(y)
    fit = quad_fit(d, y, e, sel)
    if fit is None or fit.b == 0:
        return fit, float("nan"), float("nan"), int(sel.sum()), 0.0
    D = float(d[sel].max() - d[sel].min())
    q = 2 * fit.c * D / abs(fit.b)
    eq = 2 * D / abs(fit.b) * float(np.hypot(fit.ec, fit.c * fit.eb / fit.b))
    return fit, q, eq, int(sel.sum()), D


def claim_profile_linear(b: Bundle) -> Claim:
    """The late entanglement profile is linear in |i − L/2| at the largest U.

    Rule (largest L, last time; dS of the Eq. (5) file, or S without it; folded about the
    c-boson's initial site, cut of bond b at distance d = |b − 1/2 − c_site|, the
    EDGE_CUTS cuts nearest each end excluded, and d <= x_MBL(t_last) of the Eq. (5) fit
    when that leaves at least MIN_PROFILE_POINTS distances): weighted quadratic fit y = a +
    b·(d − <d>) + c·(d − <d>)². Holds if (i) the mean slope b is significantly negative
    (effect: y at the smallest d over the window length D, a profile falling to zero) and
    (ii) the slope changes little across the window: q = 2cD/|b| satisfies |q| <= Q_TOL
    within NSIG errors. Not testable with fewer than MIN_PROFILE_POINTS distances.
    """
    c = Claim(
        "profile linear",
        "At U = 12 the late entanglement profile decreases linearly in |i − L/2|",
        "Fig. 4(b)",
        rule=claim_profile_linear.__doc__ or "",
    )
    U = largest_u(b.u_all())
    prof = late_profile(b, U) if U is not None else None
    if prof is None:
        return c.untestable(WHY_INPUT, "no entanglement profile at U > 0")
    L, t_f, d, y, e, name = prof
    fin = np.isfinite(y)
    d_max = float(d[fin].max()) if fin.any() else 0.0
    ent = b.ent_fit.get(L)
    xm = sel_u(var(ent, "x_mbl"), U) if ent is not None else None
    if xm is not None and "time" in xm.dims:
        xv = float(xm.sel(time=t_f, method="nearest"))
        if np.isfinite(xv) and np.sum((d <= min(d_max, xv) + 1e-9) & fin) >= MIN_PROFILE_POINTS:
            d_max = min(d_max, xv)
    fit, q, eq, n, D = _curvature(d, y, e, d_max)
    c.basis = basis(
        b,
        [L],
        [U],
        f"t = {t_f:g}; cuts {EDGE_CUTS + 1}..{L - EDGE_CUTS - 1}, |i − L/2| ≤ {d_max:.3g}",
    )
    if fit is None or n < MIN_PROFILE_POINTS:
        return c.untestable(WHY_SIZE, f"only {n} distances in the window")
    y0 = float(y[fin][np.argmin(d[fin])])
    c.numbers = {"slope": fit.b, "q": q}
    c.measured = (
        f"{name}: mean slope {pm(fit.b, fit.eb)}, relative slope change q = {pm(q, eq)} "
        f"over {n} distances"
    )
    parts = [
        significantly_negative(fit.b, fit.eb, abs(y0) / D if D > 0 else float("nan"), "slope"),
        within(q, eq, Q_TOL, "q"),
    ]
    return c.conclude(all_of(parts))


def claim_profile_concave(b: Bundle) -> Claim:
    """The late entanglement profile is concave in |i − L/2| at the smallest U > 0.

    Rule (largest L, last time, folded, EDGE_CUTS cuts at each end excluded, all distances):
    the same quadratic fit as for the linear profile. Holds if q = 2cD/|b| is significantly
    negative (effect Q_TOL, the largest change a linear profile is allowed), does not hold
    otherwise. Not testable without a second U > 0 or with fewer than MIN_PROFILE_POINTS
    distances.
    """
    c = Claim(
        "profile concave",
        "At U = 2.5 the late entanglement profile is concave in |i − L/2|",
        "Fig. 4(b), Fig. 2(b)",
        rule=claim_profile_concave.__doc__ or "",
    )
    U = smallest_positive_u(b.u_all())
    if U is None:
        return c.untestable(WHY_INPUT, "only one U > 0 in the sweep")
    prof = late_profile(b, U)
    if prof is None:
        return c.untestable(WHY_INPUT, f"no entanglement profile at U = {U:g}")
    L, t_f, d, y, e, name = prof
    fin = np.isfinite(y)
    d_max = float(d[fin].max()) if fin.any() else 0.0
    fit, q, eq, n, _ = _curvature(d, y, e, d_max)
    c.basis = basis(
        b,
        [L],
        [U],
        f"t = {t_f:g}; cuts {EDGE_CUTS + 1}..{L - EDGE_CUTS - 1}, |i − L/2| ≤ {d_max:g}",
    )
    if fit is None or n < MIN_PROFILE_POINTS:
        return c.untestable(WHY_SIZE, f"only {n} distances in the window")
    c.numbers = {"q": q, "curvature": 2 * fit.c}
    c.measured = (
        f"{name} (U = {U:g}): mean slope {pm(fit.b, fit.eb)}, q = {pm(q, eq)} over {n} distances"
    )
    return c.conclude(significantly_negative(q, eq, Q_TOL, "q"))


def claim_slope_prediction(b: Bundle) -> Claim:
    """The late-profile slope equals the Eq. (5) prediction −ξ_S/ℓ_c within errors.

    Rule (largest L whose Eq. (5) file has ``slope``, ``slope_pred`` and their errors, at
    the largest U): the difference slope − slope_pred is consistent with 0 within NSIG
    combined errors; power: the effect is |slope_pred| (a measured slope of 0 or twice
    the prediction). Not testable without the variables or their errors.
    """
    c = Claim(
        "slope = −ξ_S/ℓ_c",
        "The late profile's slope equals −ξ_S/ℓ_c (Eq. (5) prediction vs measurement)",
        "Fig. 4(b)",
        rule=claim_slope_prediction.__doc__ or "",
    )
    U = largest_u(b.u_all())
    for L in sorted(b.ent_fit, reverse=True):
        ent = b.ent_fit[L]
        s, ps = scalar(ent, "slope", U), scalar(ent, "slope_pred", U)
        if U is None or not (np.isfinite(s) or np.isfinite(ps)):
            continue
        es, eps = scalar(ent, "slope_err", U), scalar(ent, "slope_pred_err", U)
        t_ent = scalar(ent, "t_ent", U)
        c.basis = basis(b, [L], [U], f"t_ent = {t_ent:.3g}" if np.isfinite(t_ent) else "")
        c.numbers = {"slope": s, "slope_pred": ps}
        c.measured = f"measured slope {pm(s, es)}, −ξ_S/ℓ_c = {pm(ps, eps)}"
        out: Outcome = consistent(s - ps, float(np.hypot(es, eps)), abs(ps), "slope − prediction")
        return c.conclude(out)
    return c.untestable(WHY_INPUT, "no measured and predicted late slopes in the Eq. (5) fits")
