"""Claims on the c-boson's localisation length: ξ_c(L), the shape of ℓ_c(t), ξ_c vs L."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..analysis.bundle import Bundle, largest_u, masked_ok, sel_u, smallest_positive_u, var
from ..analysis.stats import wls
from ..analysis.tables import ell_c_lower_bound
from .basis import basis, fit_t_min_of, status_of
from .verdicts import (
    ELL_C_MAX_FRAC,
    HOLDS,
    P_MIN,
    XI_OVER_L_MAX,
    Claim,
    holds_if,
    pm,
    sig_gt,
)

__all__ = [
    "claim_xi_c_size_independent",
    "claim_ell_c_log_saturates",
    "claim_ell_c_fast_small_U",
    "claim_xi_c_exceeds_L",
    "ell_c_curvature",
]


def claim_xi_c_size_independent(b: Bundle) -> Claim:
    """ξ_c at the largest U is independent of L within error bars.

    Rule: take ξ_c ± err of the Eq. (4) fit (status 'ok') at the largest U for every L.
    Not testable with fewer than two L, without finite positive errors, or if the weighted
    mean ξ_c exceeds XI_OVER_L_MAX of the smallest L (then finite size, not localisation,
    sets ξ_c). Holds if the chi^2 of the values about their weighted mean has p >= P_MIN
    (for two sizes: |Δξ_c| <= 2 combined errors); does not hold otherwise.
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
        c.measured = "no U > 0 in the inputs"
        return c
    rows = []
    for L, lc in sorted(b.lc_fit.items()):
        xi = sel_u(masked_ok(lc, "xi_c"), U)
        err = sel_u(var(lc, "xi_c_err"), U)
        if xi is None:
            continue
        v = float(xi)
        e = float(err) if err is not None else float("nan")
        rows.append((L, v, e, status_of(lc, U)))
    good = [(L, v, e) for L, v, e, _ in rows if np.isfinite(v)]
    c.basis = basis(b, [r[0] for r in rows], [U], f"Eq. (4) fit of ℓ_c(t ≥ {fit_t_min_of(b):g})")
    desc = ", ".join(f"{pm(v, e)} (L={L})" for L, v, e in good)
    failed = [f"L={L}: {s}" for L, v, _, s in rows if not np.isfinite(v)]
    c.measured = f"ξ_c(U={U:g}) = {desc or 'none'}" + (
        f"; fit failed: {'; '.join(failed)}" if failed else ""
    )
    if len(good) < 2:
        c.measured += "; fewer than two L with a fit"
        return c
    vals = np.array([v for _, v, _ in good])
    errs = np.array([e for _, _, e in good])
    if not np.all(np.isfinite(errs) & (errs > 0)):
        c.measured += "; no fit errors"
        return c
    w = 1 / errs**2
    mean = float((w * vals).sum() / w.sum())
    chi2 = float((w * (vals - mean) ** 2).sum())
    dof = len(vals) - 1
    p = float(stats.chi2.sf(chi2, dof))
    Lmin = min(L for L, _, _ in good)
    c.numbers = {"xi_mean": mean, "chi2": chi2, "p": p}
    c.measured += (
        f"; weighted mean {pm(mean, 1 / math.sqrt(w.sum()))}, "
        f"χ²/dof = {chi2:.2g}/{dof}, p = {p:.2g}"
    )
    if mean > XI_OVER_L_MAX * Lmin:
        c.measured += f"; ξ_c > {XI_OVER_L_MAX:g}·L_min = {XI_OVER_L_MAX * Lmin:g}: sizes too small"
        return c
    c.verdict = holds_if(p >= P_MIN)
    return c


def _ell_c_series(b: Bundle, U: float):
    """(L, t, ell_c, err) of the largest L with an Eq. (3) fit at U, or None."""
    for L in sorted(b.nc_fit, reverse=True):
        f = b.nc_fit[L]
        ell = sel_u(masked_ok(f, "ell_c"), U)
        if ell is None:
            continue
        err = sel_u(var(f, "ell_c_err"), U)
        e = err.values.astype(float) if err is not None else None
        return L, ell["time"].values.astype(float), ell.values.astype(float), e
    return None


def ell_c_curvature(t: np.ndarray, y: np.ndarray, e: np.ndarray | None, t_lo: float, y_max: float):
    """Quadratic fit of ℓ_c in u = ln t - <ln t> on the finite-size-free window.

    The window is t >= ``t_lo`` up to (excluding) the first time ℓ_c exceeds ``y_max``.
    Returns ``(b, err_b, c2, err_c2, n, t_first, t_last)`` with b = mean dℓ_c/d ln t and
    c2 = d²ℓ_c/d(ln t)², or None if the window has fewer than 5 points or spans less than
    a factor 3 in time.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = (t >= t_lo * (1 - 1e-9)) & (t > 0) & np.isfinite(y)
    over = np.flatnonzero(ok & (y > y_max))
    if over.size:
        ok &= t < t[over[0]]
    if ok.sum() < 5 or t[ok].max() < 3 * t[ok].min():
        return None
    u = np.log(t[ok])
    u = u - u.mean()
    fit = wls(u, y[ok], e[ok] if e is not None else None, deg=2)
    if fit is None:
        return None
    p, cov = fit
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    return (
        float(p[1]),
        float(sd[1]),
        2 * float(p[2]),
        2 * float(sd[2]),
        int(ok.sum()),
        float(t[ok].min()),
        float(t[ok].max()),
    )


def _ell_c_shape(b: Bundle, U: float | None, want: str, c: Claim) -> Claim:
    """Shared logic of the two ℓ_c(t) shape claims (want = 'concave' or 'convex')."""
    if U is None:
        c.measured = "only one U > 0 in the sweep" if want == "convex" else "no U > 0"
        return c
    ser = _ell_c_series(b, U)
    if ser is None:
        c.measured = f"no Eq. (3) fits at U = {U:g}"
        return c
    L, t, y, e = ser
    t_lo = fit_t_min_of(b, L)
    y_max = ELL_C_MAX_FRAC * L
    res = ell_c_curvature(t, y, e, t_lo, y_max)
    if res is None:
        st = status_of(b.nc_fit[L], U)
        c.basis = basis(b, [L], [U], f"t ≥ {t_lo:g} while ℓ_c ≤ {y_max:g}")
        c.measured = (
            f"fewer than 5 fitted ℓ_c (or less than a factor 3 in time) with t ≥ {t_lo:g} "
            f"and ℓ_c ≤ {ELL_C_MAX_FRAC:g}·L = {y_max:g} (fit status: {st})"
        )
        return c
    slope, es, curv, ec, n, t1, t2 = res
    c.basis = basis(b, [L], [U], f"t ∈ [{t1:.3g}, {t2:.3g}] ({n} times, ℓ_c ≤ {y_max:g})")
    c.numbers = {"slope": slope, "curvature": curv}
    c.measured = f"dℓ_c/d ln t = {pm(slope, es)}, d²ℓ_c/d(ln t)² = {pm(curv, ec)}"
    lc = b.lc_fit.get(L)
    xi = sel_u(masked_ok(lc, "xi_c"), U) if lc is not None else None
    if xi is not None and np.isfinite(float(xi)):
        xe = sel_u(var(lc, "xi_c_err"), U)
        c.measured += f"; Eq. (4): ξ_c = {pm(float(xi), float(xe) if xe is not None else None)}"
    if want == "concave":
        c.verdict = holds_if(sig_gt(slope, es) and sig_gt(-curv, ec))
    else:
        c.verdict = holds_if(sig_gt(curv, ec))
    return c


def claim_ell_c_log_saturates(b: Bundle) -> Claim:
    """At the largest U, ℓ_c(t) grows logarithmically and then saturates.

    Rule: on the largest L, fit ℓ_c (status 'ok', weighted by its fit errors) with a
    quadratic in ln t on the window t >= fit_t_min that ends before ℓ_c first exceeds
    ELL_C_MAX_FRAC·L (beyond, the boundaries and not the physics bound ℓ_c). Holds if the
    mean slope dℓ_c/d ln t is significantly positive (growth) and the curvature
    d²ℓ_c/d(ln t)² significantly negative (slower than log: saturation); does not hold
    otherwise. Not testable with fewer than 5 times or less than a factor 3 in time.
    """
    c = Claim(
        "ell_c saturates",
        "At U = 12, ℓ_c(t) grows logarithmically and then saturates",
        "Fig. 1(d), Fig. 2(a)",
        rule=claim_ell_c_log_saturates.__doc__ or "",
    )
    return _ell_c_shape(b, largest_u(b.u_all()), "concave", c)


def claim_ell_c_fast_small_U(b: Bundle) -> Claim:
    """At the smallest U > 0, ℓ_c(t) grows faster than logarithmically.

    Rule: the same quadratic fit of ℓ_c in ln t as for the largest U (largest L, window
    ending before ℓ_c exceeds ELL_C_MAX_FRAC·L). Holds if the curvature d²ℓ_c/d(ln t)² is
    significantly positive (faster than log); does not hold otherwise. Not testable without
    a second U > 0, with fewer than 5 times or less than a factor 3 in time.
    """
    c = Claim(
        "ell_c fast at small U",
        "At U = 2.5, ℓ_c(t) grows faster than logarithmically",
        "Fig. 2(a)",
        rule=claim_ell_c_fast_small_U.__doc__ or "",
    )
    return _ell_c_shape(b, smallest_positive_u(b.u_all()), "convex", c)


def claim_xi_c_exceeds_L(b: Bundle) -> Claim:
    """At the smallest U > 0 the fitted ξ_c exceeds the system size.

    Rule: Eq. (4) fit at the smallest U > 0 on the largest L that has it. Holds if
    ξ_c - NSIG·err > L (an infinite ξ_c counts as exceeding L); does not hold otherwise.
    If the fit failed (e.g. no saturation inside the time window; the status is quoted),
    Eq. (4) still bounds ξ_c from below by every ℓ_c(t) (log(1+x)/(1+log(1+x)) < 1): the
    claim holds if the largest fitted ℓ_c exceeds L by NSIG errors, and is not testable
    otherwise. Not testable without a second U > 0.
    """
    U = smallest_positive_u(b.u_all())
    c = Claim(
        "xi_c > L at small U",
        "At U = 2.5 the fitted ξ_c exceeds the system size L",
        "Fig. 2(a) inset",
        rule=claim_xi_c_exceeds_L.__doc__ or "",
    )
    if U is None:
        c.measured = "only one U > 0 in the sweep"
        return c
    for L in sorted(b.lc_fit, reverse=True):
        lc = b.lc_fit[L]
        raw = sel_u(var(lc, "xi_c"), U)
        if raw is None:
            continue
        xi = float(sel_u(masked_ok(lc, "xi_c"), U))
        err = sel_u(var(lc, "xi_c_err"), U)
        e = float(err) if err is not None else float("nan")
        c.basis = basis(b, [L], [U], f"Eq. (4) fit of ℓ_c(t ≥ {fit_t_min_of(b, L):g})")
        if np.isinf(float(raw)) and float(raw) > 0:
            c.measured = f"ξ_c(U={U:g}) = inf (status: {status_of(lc, U)}) vs L = {L}"
            c.verdict = HOLDS
            return c
        if not np.isfinite(xi):
            c.measured = f"Eq. (4) fit failed at U = {U:g}, L = {L}: {status_of(lc, U)}"
            bound = ell_c_lower_bound(b, L, U)
            if bound is not None:
                lb, lbe, t_lb = bound
                c.numbers = {"xi_c_lower_bound": lb, "L": L}
                c.measured += f"; lower bound ξ_c > ℓ_c(t={t_lb:.3g}) = {pm(lb, lbe)}"
                if sig_gt(lb - L, lbe):
                    c.verdict = HOLDS
            return c
        c.numbers = {"xi_c": xi, "L": L}
        c.measured = f"ξ_c(U={U:g}) = {pm(xi, e)} vs L = {L}; ξ_c/L = {xi / L:.2g}"
        c.verdict = holds_if(sig_gt(xi - L, e))
        return c
    c.measured = f"no Eq. (4) fit at U = {U:g}"
    return c
