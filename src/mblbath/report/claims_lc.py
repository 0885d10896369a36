"""Claims on the c-boson: ξ_c(L), the shape of ℓ_c(t) per U, ξ_c vs L, and R(t)."""

from __future__ import annotations

import numpy as np

from ..analysis.bundle import Bundle, largest_u, masked_ok, sel_u, smallest_positive_u, var
from ..analysis.tables import ell_c_lower_bound
from .basis import basis, fit_t_min_of, status_of
from .constants import (
    CURV_FRAC,
    ELL_C_MAX_FRAC,
    GROWTH_MIN,
    LATE_FACTOR,
    NSIG,
    R_EXP_TOL,
    R_GROW_FRAC,
    R_SAT_RANGE,
    XI_OVER_L_MAX,
)
from .series import fit_series, line_fit, quad_fit, scalar, window
from .verdicts import (
    HOLDS,
    WHY_INPUT,
    WHY_NO_ERROR,
    WHY_SIZE,
    WHY_TIME,
    Claim,
    Outcome,
    all_of,
    consistent,
    in_range,
    pm,
    significantly_negative,
    significantly_positive,
    untestable,
    within,
)

__all__ = [
    "claim_xi_c_size_independent",
    "claim_ell_c_log_saturates",
    "claim_ell_c_fast_small_U",
    "claim_xi_c_exceeds_L",
    "claim_R_sqrt_t",
    "ell_c_shape",
]


def claim_xi_c_size_independent(b: Bundle) -> Claim:
    """ξ_c at the largest U is independent of L within error bars.

    Rule: ξ_c ± err of the Eq. (4) fit (status 'ok') at the largest U for every L; a
    weighted straight line ξ_c(L) gives the change Δ = slope·(L_max − L_min) across the
    sizes. Holds if Δ is consistent with 0 within NSIG errors, does not hold otherwise.
    Power: the effect to rule out is finite-size growth ξ_c ∝ L, a change ξ̄·(L_max −
    L_min)/L_min (ξ̄ the weighted mean); err(Δ) must be <= POWER times it. Not testable
    with fewer than two L, or if ξ̄ exceeds XI_OVER_L_MAX·L_min (the boundary, not
    localisation, would set ξ_c).
    """
    U = largest_u(b.u_all())
    c = Claim(
        "xi_c(L)",
        "ξ_c at U = 12 does not depend on L within error bars: the c-boson "
        "stays localised in the thermodynamic limit",
        "Fig. 1(d) inset",
        rule=claim_xi_c_size_independent.__doc__ or "",
    )
    if U is None:
        return c.untestable(WHY_INPUT, "no U > 0 in the inputs")
    rows = []
    for L, lc in sorted(b.lc_fit.items()):
        if sel_u(var(lc, "xi_c"), U) is None:
            continue
        xi = float(sel_u(masked_ok(lc, "xi_c"), U))
        rows.append((L, xi, scalar(lc, "xi_c_err", U), status_of(lc, U)))
    good = [(L, v, e) for L, v, e, _ in rows if np.isfinite(v)]
    c.basis = basis(b, [r[0] for r in rows], [U], f"Eq. (4) fit of ℓ_c(t ≥ {fit_t_min_of(b):g})")
    failed = [f"L={L}: {s}" for L, v, _, s in rows if not np.isfinite(v)]
    c.measured = f"ξ_c(U={U:g}) = " + (
        ", ".join(f"{pm(v, e)} (L={L})" for L, v, e in good) or "none"
    )
    if failed:
        c.measured += f"; fit failed: {'; '.join(failed)}"
    if len(good) < 2:
        return c.untestable(WHY_SIZE, "fewer than two L with an Eq. (4) fit")
    Ls = np.array([g[0] for g in good], dtype=float)
    vals = np.array([g[1] for g in good])
    errs = np.array([g[2] for g in good])
    if not np.all(np.isfinite(errs) & (errs > 0)):
        return c.untestable(WHY_NO_ERROR, "ξ_c without finite positive errors")
    w = 1 / errs**2
    mean = float(np.sum(w * vals) / np.sum(w))
    span = float(Ls.max() - Ls.min())
    if len(good) == 2:  # the change is the difference of the two values
        delta, err = float(vals[1] - vals[0]), float(np.hypot(errs[0], errs[1]))
    else:
        fit = line_fit(Ls, vals, errs, np.ones(Ls.size, bool))
        if fit is None:
            return c.untestable(WHY_NO_ERROR, "weighted line of ξ_c(L) failed")
        delta, err = fit.b * span, fit.eb * span
    effect = mean * span / float(Ls.min())
    c.numbers = {"xi_mean": mean, "delta": delta, "delta_err": err}
    c.measured += f"; weighted mean {pm(mean, float(1 / np.sqrt(np.sum(w))))}"
    if mean > XI_OVER_L_MAX * Ls.min():
        return c.untestable(
            WHY_SIZE, f"ξ_c > {XI_OVER_L_MAX:g}·L_min = {XI_OVER_L_MAX * Ls.min():g}"
        )
    return c.conclude(
        consistent(delta, err, effect, f"Δξ_c(L={Ls.min():g}→{Ls.max():g}) from a line")
    )


def _ell_c_series(b: Bundle, U: float):
    """``(L, t, ell_c, err)`` of the largest L with an Eq. (3) fit at U, or None."""
    for L in sorted(b.nc_fit, reverse=True):
        ser = fit_series(b.nc_fit[L], "ell_c", U)
        if ser is not None:
            return (L, *ser)
    return None


def ell_c_shape(b: Bundle, U: float, want: str) -> tuple[Outcome, str, str]:
    """Shape test of ℓ_c(t) at U: ``want`` = 'saturates' (concave) or 'fast' (convex).

    Quadratic fit of ℓ_c in u = ln t on the largest L, window t >= fit_t_min up to the
    first time ℓ_c exceeds ELL_C_MAX_FRAC·L (at least 5 points and a factor 3 in time).
    'saturates': the mean slope significantly positive (effect GROWTH_MIN per e-fold) and
    d²ℓ_c/du² significantly negative; 'fast': d²ℓ_c/du² significantly positive; the
    curvature's effect scale is CURV_FRAC·|slope|. Returns ``(outcome, measured, basis)``.
    """
    ser = _ell_c_series(b, U)
    if ser is None:
        return untestable(WHY_INPUT, f"no Eq. (3) fits at U = {U:g}"), "", ""
    L, t, y, e = ser
    t_lo, y_max = fit_t_min_of(b, L), ELL_C_MAX_FRAC * L
    sel = window(t, y, t_lo)
    over = np.flatnonzero(sel & (y > y_max))
    if over.size:
        sel &= t < t[over[0]]
    fit = quad_fit(np.log(np.where(t > 0, t, 1.0)), y, e, sel)
    if fit is None or t[sel].max() < 3 * t[sel].min():
        why = f"fewer than 5 fitted ℓ_c or less than a factor 3 in time with t ≥ {t_lo:g}"
        bas = basis(b, [L], [U], f"t ≥ {t_lo:g} while ℓ_c ≤ {y_max:g}")
        return (
            untestable(
                WHY_TIME, f"{why} and ℓ_c ≤ {y_max:g} (fit status: {status_of(b.nc_fit[L], U)})"
            ),
            "",
            bas,
        )
    bas = basis(
        b,
        [L],
        [U],
        f"t ∈ [{t[sel].min():.3g}, {t[sel].max():.3g}] ({fit.n} times, ℓ_c ≤ {y_max:g})",
    )
    curv, ecurv = 2 * fit.c, 2 * fit.ec
    meas = f"U={U:g}: dℓ_c/d ln t = {pm(fit.b, fit.eb)}, d²ℓ_c/d(ln t)² = {pm(curv, ecurv)}"
    scale = CURV_FRAC * abs(fit.b)
    if want == "saturates":
        out = all_of(
            [
                significantly_positive(fit.b, fit.eb, GROWTH_MIN, "growth dℓ_c/d ln t"),
                significantly_negative(curv, ecurv, scale, "curvature"),
            ]
        )
    else:
        out = significantly_positive(curv, ecurv, scale, "curvature")
    return out, meas, bas


def _shape_claim(b: Bundle, U: float | None, want: str, c: Claim) -> Claim:
    if U is None:
        return c.untestable(
            WHY_INPUT, "only one U > 0 in the sweep" if want == "fast" else "no U > 0"
        )
    out, meas, bas = ell_c_shape(b, U, want)
    c.measured, c.basis = meas, bas
    lc = b.lc_fit.get(max(b.lc_fit)) if b.lc_fit else None
    xi = scalar(lc, "xi_c", U) if lc is not None else float("nan")
    if np.isfinite(xi):
        c.measured += f"; Eq. (4): ξ_c = {pm(xi, scalar(lc, 'xi_c_err', U))}"
    return c.conclude(out)


def claim_ell_c_log_saturates(b: Bundle) -> Claim:
    """At the largest U, ℓ_c(t) grows logarithmically and then saturates.

    Rule: on the largest L, fit ℓ_c (status 'ok', weighted by its fit errors) with a
    quadratic in ln t on the window t >= fit_t_min that ends before ℓ_c first exceeds
    ELL_C_MAX_FRAC·L. Holds if the mean slope dℓ_c/d ln t is significantly positive
    (power: effect GROWTH_MIN per e-fold) and the curvature d²ℓ_c/d(ln t)² significantly
    negative (saturation; power: effect CURV_FRAC·slope); does not hold if either is not.
    Not testable with fewer than 5 times or less than a factor 3 in time.
    """
    c = Claim(
        "ell_c saturates",
        "At U = 12, ℓ_c(t) grows logarithmically and then saturates",
        "Fig. 1(d), Fig. 2(a)",
        rule=claim_ell_c_log_saturates.__doc__ or "",
    )
    return _shape_claim(b, largest_u(b.u_all()), "saturates", c)


def claim_ell_c_fast_small_U(b: Bundle) -> Claim:
    """At the smallest U > 0, ℓ_c(t) grows faster than logarithmically.

    Rule: the same quadratic fit of ℓ_c in ln t as for the largest U. Holds if the
    curvature d²ℓ_c/d(ln t)² is significantly positive (faster than log), does not hold
    otherwise; power: effect CURV_FRAC·|slope| (diffusion ℓ ∝ √t). Not testable without a
    second U > 0, with fewer than 5 times or less than a factor 3 in time.
    """
    c = Claim(
        "ell_c fast at small U",
        "At U = 2.5, ℓ_c(t) grows faster than logarithmically",
        "Fig. 2(a)",
        rule=claim_ell_c_fast_small_U.__doc__ or "",
    )
    return _shape_claim(b, smallest_positive_u(b.u_all()), "fast", c)


def claim_xi_c_exceeds_L(b: Bundle) -> Claim:
    """At the smallest U > 0 the fitted ξ_c exceeds the system size.

    Rule: Eq. (4) fit at the smallest U > 0 on the largest L that has it. Holds if ξ_c − L
    is significantly positive, does not hold if it is not; power: err(ξ_c) <= POWER·L. If
    the fit failed or gave ξ_c = inf (e.g. no saturation in the time window; the status is
    quoted), Eq. (4) still bounds ξ_c from below by every ℓ_c(t) (g/(1+g) < 1): the claim
    holds if the largest fitted ℓ_c exceeds L significantly, and is not testable otherwise.
    Not testable without a second U > 0.
    """
    U = smallest_positive_u(b.u_all())
    c = Claim(
        "xi_c > L at small U",
        "At U = 2.5 the fitted ξ_c exceeds the system size L",
        "Fig. 2(a) inset",
        rule=claim_xi_c_exceeds_L.__doc__ or "",
    )
    if U is None:
        return c.untestable(WHY_INPUT, "only one U > 0 in the sweep")
    for L in sorted(b.lc_fit, reverse=True):
        lc = b.lc_fit[L]
        if sel_u(var(lc, "xi_c"), U) is None:
            continue
        xi = float(sel_u(masked_ok(lc, "xi_c"), U))
        e = scalar(lc, "xi_c_err", U)
        c.basis = basis(b, [L], [U], f"Eq. (4) fit of ℓ_c(t ≥ {fit_t_min_of(b, L):g})")
        if np.isfinite(xi):
            c.numbers = {"xi_c": xi, "L": L}
            c.measured = f"ξ_c(U={U:g}) = {pm(xi, e)} vs L = {L}"
            return c.conclude(significantly_positive(xi - L, e, L, "ξ_c − L"))
        c.measured = f"Eq. (4) fit at U = {U:g}, L = {L}: ξ_c = {pm(xi)} ({status_of(lc, U)})"
        bound = ell_c_lower_bound(b, L, U)
        if bound is None:
            return c.untestable(WHY_INPUT, "no fitted ℓ_c to bound ξ_c from below")
        lb, lbe, t_lb = bound
        c.numbers = {"xi_c_lower_bound": lb, "L": L}
        c.measured += f"; lower bound ξ_c > ℓ_c(t={t_lb:.3g}) = {pm(lb, lbe)}"
        out = significantly_positive(lb - L, lbe, L, "ℓ_c,max − L")
        if out.verdict != HOLDS:  # a lower bound below L says nothing about ξ_c
            return c.untestable(out.why or WHY_TIME, out.note + " (a lower bound only)")
        return c.conclude(out)
    return c.untestable(WHY_INPUT, f"no Eq. (4) fit at U = {U:g}")


def _loglog(t, y, e, sel):
    """Slope of ln y vs ln t on ``sel`` with errors e/y: a Poly or None."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.log(np.where(y > 0, y, np.nan))
        le = e / y
    return line_fit(np.log(np.where(t > 0, t, 1.0)), ly, le, sel & np.isfinite(ly))


def claim_R_sqrt_t(b: Bundle) -> Claim:
    """R(t) grows like √t until it saturates near L/2.

    Rule (largest L with Eq. (3) fits, largest U; R with status 'ok', weighted by its
    errors): (i) growth: the exponent α of R ∝ t^α, fitted on the times with R <=
    R_GROW_FRAC·L/2 (at least 3 times spanning a factor 3), satisfies |α − 1/2| <=
    R_EXP_TOL within NSIG errors. (ii) saturation, on the last factor LATE_FACTOR in time:
    the late exponent satisfies |α_late| <= R_EXP_TOL and the mean late R/(L/2) lies in
    R_SAT_RANGE, both within NSIG errors. If R is still growing at the last time (α_late
    significantly above R_EXP_TOL while R < L/2), (ii) is not testable (time window).
    """
    U = largest_u(b.u_all())
    c = Claim(
        "R ~ sqrt(t)",
        "R(t) grows like √t until it saturates near L/2",
        "Fig. 1 (text)",
        rule=claim_R_sqrt_t.__doc__ or "",
    )
    ser = None
    for L in sorted(b.nc_fit, reverse=True):
        ser = fit_series(b.nc_fit[L], "R", U) if U is not None else None
        if ser is not None:
            break
    if ser is None:
        return c.untestable(WHY_INPUT, "no Eq. (3) fits of R at U > 0")
    t, y, e = ser
    half = L / 2.0
    fin = window(t, y, 0.0)
    if not fin.any():
        return c.untestable(
            WHY_INPUT, f"no fitted R at U = {U:g}, L = {L} ({status_of(b.nc_fit[L], U)})"
        )
    t_last = float(t[fin].max())
    c.basis = basis(b, [L], [U], f"t ∈ [{t[fin].min():.3g}, {t_last:.3g}]")
    grow = fin & (y <= R_GROW_FRAC * half)
    g = _loglog(t, y, e, grow)
    parts: list[Outcome] = []
    if g is None or t[grow].max() < 3 * t[grow].min():
        parts.append(untestable(WHY_TIME, f"fewer than 3 times with R ≤ {R_GROW_FRAC * half:g}"))
    else:
        c.measured = (
            f"growth R ∝ t^α: α = {pm(g.b, g.eb)} ({g.n} times with R ≤ {R_GROW_FRAC * half:g})"
        )
        parts.append(within(g.b - 0.5, g.eb, R_EXP_TOL, "α − 1/2"))
    late = fin & (t >= t_last / LATE_FACTOR)
    s = _loglog(t, y, e, late)
    if s is None:
        parts.append(untestable(WHY_TIME, "fewer than 3 times in the last decade"))
    else:
        wts = 1 / e[late] ** 2 if np.all(np.isfinite(e[late]) & (e[late] > 0)) else None
        r = float(np.average(y[late], weights=wts)) / half
        er = float(1 / np.sqrt(wts.sum())) / half if wts is not None else float("nan")
        c.numbers = {"alpha_late": s.b, "R_late_over_half_L": r}
        late_text = (
            f"late (t ≥ {t_last / LATE_FACTOR:.3g}): α = {pm(s.b, s.eb)}, R/(L/2) = {pm(r, er)}"
        )
        c.measured = f"{c.measured}; {late_text}" if c.measured else late_text
        if s.b - NSIG * s.eb > R_EXP_TOL and r < 1:
            parts.append(untestable(WHY_TIME, "R still growing at the last time"))
        else:
            parts.append(within(s.b, s.eb, R_EXP_TOL, "late α"))
            parts.append(in_range(r, er, *R_SAT_RANGE, "late R/(L/2)"))
    return c.conclude(all_of(parts))
