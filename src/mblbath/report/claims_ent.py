"""Claims on the entanglement dynamics: log growth and delayed onset, S(L/2) vs U, x_MBL(t)."""

from __future__ import annotations

import math

import numpy as np

from ..analysis.bundle import (
    Bundle,
    largest_u,
    last_finite_time,
    seed_valid,
    sel_u,
    u_values,
    var,
)
from ..analysis.stats import mean_sem_finite
from ..analysis.tables import c_site_of, cut_x, cuts, entropy_tables
from .basis import basis, fit_t_min_of
from .constants import DS_ONSET, LOG_SLOPE_TOL, NSIG, SAT_LEVEL, X_RATE_FRAC
from .series import fit_series, line_fit, scalar, window
from .verdicts import (
    FAILS,
    HOLDS,
    WHY_ERRORS,
    WHY_INPUT,
    WHY_NO_ERROR,
    WHY_TIME,
    Claim,
    Outcome,
    all_of,
    pm,
    significantly_positive,
    untestable,
    within,
)

__all__ = ["claim_entanglement_growth", "claim_S_half_vs_U", "claim_x_mbl", "excess_tables"]


def excess_tables(b: Bundle, U: float):
    """``(L, t, bond, y, err, name)``: the excess dS over S_AI_t of the Eq. (5) fit file
    (``name`` = 'dS') on the largest L that has it, else S itself (``name`` = 'S')."""
    for L in sorted(b.sizes("ent_fit", "agg"), reverse=True):
        ent = b.ent_fit.get(L)
        d = sel_u(var(ent, "dS"), U) if ent is not None else None
        if d is not None and np.any(np.isfinite(d.values)):
            d = d.transpose("time", "bond")
            e = sel_u(var(ent, "dS_err"), U)
            E = (
                e.transpose("time", "bond").values.astype(float)
                if e is not None
                else np.full(d.shape, np.nan)
            )
            return L, d["time"].values, d["bond"].values, d.values.astype(float), E, "dS"
    for L in sorted(b.sizes("ent_fit", "agg"), reverse=True):
        tab = entropy_tables(b, L, U)
        if tab is not None:
            t, bond, S, E, _ = tab
            return L, t, bond, S, E, "S"
    return None


def _log_growth(t, y, e, t_lo: float, t_hi: float) -> tuple[Outcome, str]:
    """Slopes of y vs ln t on the two halves (in ln t) of [t_lo, t_hi] and their test."""
    sel = window(t, y, t_lo, t_hi)
    if sel.sum() < 6:
        return untestable(WHY_TIME, f"fewer than 6 times in [{t_lo:g}, {t_hi:g}]"), ""
    tm = math.sqrt(t[sel].min() * t[sel].max())
    u = np.log(np.where(t > 0, t, 1.0))
    early = line_fit(u, y, e, sel & (t <= tm))
    late = line_fit(u, y, e, sel & (t >= tm))
    if early is None or late is None:
        return untestable(WHY_TIME, "fewer than 3 times in a half of the window"), ""
    meas = (
        f"central cut slope vs ln t {pm(early.b, early.eb)} (early) → {pm(late.b, late.eb)} (late)"
    )
    parts = [
        significantly_positive(early.b, early.eb, DS_ONSET, "early slope"),
        within(
            late.b - early.b,
            float(np.hypot(early.eb, late.eb)),
            LOG_SLOPE_TOL * abs(early.b),
            "late − early",
        ),
    ]
    return all_of(parts), meas


def _onset_window(t, y, e) -> tuple[float, float] | None:
    """(first time y may have reached DS_ONSET, first time it surely has), by NSIG errors.

    inf where never; None if an error at t > 0 is NaN, infinite or not positive.
    """
    ok = (t > 0) & np.isfinite(y)
    if not np.all(np.isfinite(e[ok]) & (e[ok] > 0)):
        return None
    maybe = np.flatnonzero(ok & (y + NSIG * e >= DS_ONSET))
    sure = np.flatnonzero(ok & (y - NSIG * e >= DS_ONSET))
    return (
        float(t[maybe[0]]) if maybe.size else float("inf"),
        float(t[sure[0]]) if sure.size else float("inf"),
    )


def _delayed(a: tuple[float, float], b_: tuple[float, float], what: str) -> Outcome:
    """Onset at the farther cut ``b_`` strictly after the onset at ``a``, by the windows."""
    note = f"{what}: onset in [{a[0]:.3g}, {a[1]:.3g}] then [{b_[0]:.3g}, {b_[1]:.3g}]"
    if b_[0] > a[1]:
        return Outcome(HOLDS, note)
    if b_[1] <= a[0]:
        return Outcome(FAILS, note)
    why = WHY_TIME if not np.isfinite(a[1]) else WHY_ERRORS
    return untestable(why, note + " (overlapping)")


def claim_entanglement_growth(b: Bundle) -> Claim:
    """Entanglement grows logarithmically, with an onset that is delayed away from the centre.

    Rule (largest L, largest U; y = dS, the disorder-mean paired excess of S over the
    d-only Anderson entropy S_AI_t of the Eq. (5) file, or S itself if the file has no dS):
    (i) logarithmic growth at the central cut: on the two halves (in ln t) of [fit_t_min,
    t_last] the slope of y vs ln t is significantly positive early (effect DS_ONSET per
    e-fold) and the late slope equals the early one within LOG_SLOPE_TOL·|early slope|
    (within NSIG errors). (ii) delayed onset, needs dS: at the cuts at distances ~0, L/8,
    L/4 from the centre, the onset lies between the first time dS + NSIG·err >= DS_ONSET
    and the first time dS − NSIG·err >= DS_ONSET; each farther cut's onset window must
    start after the nearer cut's ends (holds), ends before it starts (does not hold), or
    the windows overlap (not testable: errors).
    """
    c = Claim(
        "S log growth",
        "Entanglement grows logarithmically in time, with an onset that is delayed away from "
        "the centre",
        "Fig. 4(a)",
        rule=claim_entanglement_growth.__doc__ or "",
    )
    U = largest_u(b.u_all())
    tab = excess_tables(b, U) if U is not None else None
    if tab is None:
        return c.untestable(WHY_INPUT, "no entanglement data at U > 0")
    L, t, bond, y, e, name = tab
    t = np.asarray(t, dtype=float)
    x = cut_x(bond, c_site_of(b, L))
    sel_cuts = cuts(x, L, n=3)
    jc = sel_cuts[0]
    fin = np.isfinite(y[:, jc])
    if not fin.any():
        return c.untestable(WHY_INPUT, f"{name} all NaN at the central cut")
    t_lo, t_hi = fit_t_min_of(b, L), float(t[fin].max())
    c.basis = basis(b, [L], [0.0, U] if name == "dS" else [U], f"t ∈ [{t_lo:g}, {t_hi:g}]")
    growth, meas = _log_growth(t, y[:, jc], e[:, jc], t_lo, t_hi)
    c.measured = f"{name}: {meas}" if meas else f"{name}"
    parts = [growth]
    if name != "dS":
        parts.append(
            untestable(
                WHY_INPUT, "onset: no dS (excess over the d-only S_AI_t) in the Eq. (5) file"
            )
        )
    else:
        wins = [_onset_window(t, y[:, j], e[:, j]) for j in sel_cuts]
        if len(sel_cuts) < 2:
            parts.append(untestable(WHY_INPUT, "fewer than two cuts"))
        elif any(w is None for w in wins):
            parts.append(untestable(WHY_NO_ERROR, "onset: dS without usable errors"))
        else:
            for k in range(len(sel_cuts) - 1):
                what = f"x = {x[sel_cuts[k]]:g} → {x[sel_cuts[k + 1]]:g}"
                parts.append(_delayed(wins[k], wins[k + 1], what))
    return c.conclude(all_of(parts))


def _half_cut_values(b: Bundle, L: int, Us: list[float]):
    """Per-realisation S at the half-chain cut at the last common time, per U (agg), or None."""
    agg = b.agg.get(L)
    if agg is None or var(agg, "S") is None:
        return None
    valid = seed_valid(agg, b.exclude_unconverged)
    t_f = min(last_finite_time(sel_u(agg["S"], U)) or 0.0 for U in Us)
    bond = L // 2
    out = {}
    for U in Us:
        s = sel_u(agg["S"], U).sel(time=t_f, bond=bond)
        if valid is not None:
            s = s.where(sel_u(valid, U))
        out[U] = s.values.astype(float)
    return t_f, bond, out


def claim_S_half_vs_U(b: Bundle) -> Claim:
    """S(L/2) at the late time grows as U decreases, monotonically across the U > 0 sweep.

    Rule (largest L with aggregated S at every U > 0; half-chain cut, bond L/2; last time
    common to every U): for each pair of neighbouring U > 0 (U_k < U_k+1) the paired
    (same realisations) difference S(U_k) − S(U_k+1) is significantly positive; effect
    DS_ONSET. Holds if every step is, does not hold if any is not. Not testable with
    fewer than two U > 0.
    """
    c = Claim(
        "S(L/2) vs U",
        "The late-time half-chain entanglement S(L/2) grows as U decreases, monotonically",
        "Fig. 2(b)",
        rule=claim_S_half_vs_U.__doc__ or "",
    )
    for L in sorted(b.agg, reverse=True):
        Us = [u for u in u_values(b.agg[L]) if u > 0]
        if len(Us) < 2:
            continue
        got = _half_cut_values(b, L, Us)
        if got is None:
            continue
        t_f, bond, vals = got
        c.basis = basis(b, [L], Us, f"t = {t_f:g}, bond {bond}")
        means = {U: mean_sem_finite(vals[U]) for U in Us}
        c.measured = "S(L/2) = " + ", ".join(
            f"{pm(m, e)} (U={U:g})" for U, (m, e, _) in means.items()
        )
        parts = []
        for u1, u2 in zip(Us, Us[1:], strict=False):
            d, e, _ = mean_sem_finite(vals[u1] - vals[u2])
            parts.append(significantly_positive(d, e, DS_ONSET, f"S(U={u1:g}) − S(U={u2:g})"))
        return c.conclude(all_of(parts))
    return c.untestable(WHY_INPUT, "no aggregated S with two U > 0")


def claim_x_mbl(b: Bundle) -> Claim:
    """x_MBL(t) first follows ℓ_c(t), then keeps growing logarithmically after ℓ_c saturates.

    Rule (largest L with x_MBL in the Eq. (5) file, ℓ_c in the Eq. (3) file and ξ_c, T0 in
    the Eq. (4) file, largest U): ℓ_c counts as saturated from t_sat, where Eq. (4)
    reaches SAT_LEVEL·ξ_c (g = SAT_LEVEL/(1 − SAT_LEVEL), t_sat = T0·(e^g − 1)). Slopes vs
    ln t (weighted lines, >= 3 times): (i) before t_sat, x_MBL grows with ℓ_c: its slope
    is significantly positive (effect: the slope of ℓ_c there); (ii) after t_sat (a
    factor 3 in time at least), x_MBL keeps growing logarithmically while ℓ_c does not:
    slope(x_MBL) − slope(ℓ_c) − X_RATE_FRAC·ℓ_c(t_sat) significantly positive (effect
    ℓ_c(t_sat), the slope of x_MBL = ℓ_c log(N_c U t) at fixed ℓ_c). Not testable if
    either window is too short.
    """
    c = Claim(
        "x_MBL log",
        "x_MBL(t) first follows ℓ_c(t), then keeps growing logarithmically after ℓ_c saturates",
        "Fig. 4(a) inset",
        rule=claim_x_mbl.__doc__ or "",
    )
    U = largest_u(b.u_all())
    for L in sorted(b.ent_fit, reverse=True):
        xs = fit_series(b.ent_fit[L], "x_mbl", U) if U is not None else None
        ls = fit_series(b.nc_fit.get(L), "ell_c", U) if U is not None else None
        if xs is None or ls is None:
            continue
        lc = b.lc_fit.get(L)
        xi, T0 = scalar(lc, "xi_c", U), scalar(lc, "T0", U)
        c.basis = basis(b, [L], [U], "")
        if not (np.isfinite(xi) and np.isfinite(T0)):
            return c.untestable(WHY_INPUT, f"no Eq. (4) fit of ℓ_c at U = {U:g}, L = {L}")
        g = SAT_LEVEL / (1 - SAT_LEVEL)
        t_sat = T0 * math.expm1(g)
        c.measured = (
            f"t_sat = {t_sat:.3g} (ℓ_c = {SAT_LEVEL:.2g}·ξ_c, ξ_c = {xi:.3g}, T0 = {T0:.3g})"
        )
        return c.conclude(_x_mbl_parts(c, xs, ls, t_sat, SAT_LEVEL * xi))
    return c.untestable(WHY_INPUT, "no x_MBL (Eq. 5) with ℓ_c (Eq. 3) at the largest U")


def _x_mbl_parts(c: Claim, xs, ls, t_sat: float, ell_sat: float) -> Outcome:
    (t, x, ex), (t2, y, ey) = xs, ls
    if not np.array_equal(t, t2):
        return untestable(WHY_INPUT, "x_MBL and ℓ_c on different time grids")
    u = np.log(np.where(t > 0, t, 1.0))
    both = np.isfinite(x) & np.isfinite(y)
    early_sel = window(t, x, 0.0, t_sat) & both
    late_sel = window(t, x, t_sat) & both
    parts = []
    xe, le = line_fit(u, x, ex, early_sel), line_fit(u, y, ey, early_sel)
    if xe is None or le is None:
        parts.append(untestable(WHY_TIME, f"fewer than 3 times before t_sat = {t_sat:.3g}"))
    else:
        c.measured += (
            f"; before t_sat: dx_MBL/d ln t = {pm(xe.b, xe.eb)}, dℓ_c/d ln t = {pm(le.b, le.eb)}"
        )
        parts.append(significantly_positive(xe.b, xe.eb, abs(le.b), "early dx_MBL/d ln t"))
    xl, ll = line_fit(u, x, ex, late_sel), line_fit(u, y, ey, late_sel)
    if xl is None or ll is None or t[late_sel].max() < 3 * t[late_sel].min():
        parts.append(
            untestable(WHY_TIME, f"less than a factor 3 in time after t_sat = {t_sat:.3g}")
        )
    else:
        c.measured += f"; after: dx_MBL/d ln t = {pm(xl.b, xl.eb)}, dℓ_c/d ln t = {pm(ll.b, ll.eb)}"
        d, e = xl.b - ll.b, float(np.hypot(xl.eb, ll.eb))
        what = f"late slope x_MBL − ℓ_c − {X_RATE_FRAC:g}·ℓ_c(t_sat)"
        parts.append(significantly_positive(d - X_RATE_FRAC * ell_sat, e, ell_sat, what))
    return all_of(parts)
