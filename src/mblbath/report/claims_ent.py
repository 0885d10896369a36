"""Claims on the entanglement: logarithmic growth with a delayed onset, the late profile."""

from __future__ import annotations

import math

import numpy as np

from ..analysis.bundle import Bundle, largest_u, sel_u, smallest_positive_u, var
from ..analysis.stats import wls
from ..analysis.tables import c_site_of, cut_x, cuts, entropy_tables, symmetrise
from .basis import basis, fit_t_min_of
from .verdicts import (
    CURV_FRAC_MAX,
    DS_ONSET,
    EDGE_CUTS,
    LOG_RATIO_RANGE,
    MIN_PROFILE_POINTS,
    NSIG,
    Claim,
    combine_parts,
    holds_if,
    pm,
    sig_gt,
)

__all__ = [
    "claim_entanglement_growth",
    "claim_profile_linear",
    "claim_profile_concave",
    "log_slopes",
]


def log_slopes(t: np.ndarray, y: np.ndarray, e: np.ndarray | None, t_lo: float, t_hi: float):
    """Slopes of ``y`` vs ln t on the two halves (in ln t) of ``[t_lo, t_hi]``.

    Returns ``((s_early, err), (s_late, err), n_early, n_late)`` or None if a half has fewer
    than 3 finite points.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    e = np.asarray(e, dtype=float) if e is not None else None
    ok = (t >= t_lo * (1 - 1e-9)) & (t <= t_hi * (1 + 1e-9)) & (t > 0) & np.isfinite(y)
    if ok.sum() < 6:
        return None
    tm = math.sqrt(t[ok].min() * t[ok].max())
    out = []
    for half in (t <= tm, t >= tm):
        sel = ok & half
        fit = wls(np.log(t[sel]), y[sel], e[sel] if e is not None else None, deg=1)
        if fit is None or sel.sum() < 3:
            return None
        p, cov = fit
        out.append((float(p[1]), float(math.sqrt(max(cov[1, 1], 0.0))), int(sel.sum())))
    (se, ee, ne), (sl, el, nl) = out
    return (se, ee), (sl, el), ne, nl


def claim_entanglement_growth(b: Bundle) -> Claim:
    """Entanglement grows logarithmically, with an onset delayed away from the centre.

    Rule (largest L, largest U): (i) logarithmic growth at the central cut: on the two
    halves (in ln t) of [fit_t_min, t_last], the slope of S vs ln t is significantly
    positive late and the late/early slope ratio lies in LOG_RATIO_RANGE (neither
    saturating nor a power law). (ii) delayed onset: with the U = 0 entropy as reference,
    the onset time of a cut is the first time S(U) - S(0) >= DS_ONSET; over the cuts at
    distances ~0, L/8, L/4 from the centre the onset time never decreases and the farthest
    cut starts strictly later than the central one (no onset before t_last counts as
    later). Part (ii) is not testable without U = 0.
    """
    c = Claim(
        "S log growth",
        "Entanglement grows logarithmically in time, with an onset that is "
        "delayed away from the centre",
        "Fig. 4(a)",
        rule=claim_entanglement_growth.__doc__ or "",
    )
    U = largest_u(b.u_all())
    sizes = b.sizes("ent_fit", "agg")
    tab = None
    L = None
    for L in sorted(sizes, reverse=True):
        tab = entropy_tables(b, L, U) if U is not None else None
        if tab is not None:
            break
    if tab is None or L is None:
        c.measured = "no entanglement data at U > 0"
        return c
    t, bond, S, E, _ = tab
    x = cut_x(bond, c_site_of(b, L))
    sel_cuts = cuts(x, L, n=3)
    jc = sel_cuts[0]
    t_lo = fit_t_min_of(b, L)
    fin = np.isfinite(S[:, jc])
    if not fin.any():
        c.measured = "S all NaN at the central cut"
        return c
    t_hi = float(t[fin].max())
    ref = entropy_tables(b, L, 0.0)
    c.basis = basis(b, [L], [0.0, U] if ref is not None else [U], f"t ∈ [{t_lo:g}, {t_hi:g}]")
    res = log_slopes(t, S[:, jc], E[:, jc], t_lo, t_hi)
    parts: list[bool | None] = []
    if res is None:
        c.measured = "fewer than 3 times per half of the window at the central cut"
        parts.append(None)
    else:
        (se, ee), (sl, el), ne, nl = res
        ratio = sl / se if se != 0 else float("inf")
        c.numbers = {"slope_early": se, "slope_late": sl}
        c.measured = (
            f"central cut dS/d ln t = {pm(se, ee)} (early) → {pm(sl, el)} (late), ratio {ratio:.2g}"
        )
        parts.append(sig_gt(sl, el) and LOG_RATIO_RANGE[0] <= ratio <= LOG_RATIO_RANGE[1])
    if ref is None:
        c.measured += "; onset: U = 0 not in config (no Anderson reference)"
        parts.append(None)
    else:
        onsets = _onset_times(t, bond, S, ref, sel_cuts)
        c.measured += f"; onset time (S − S_U=0 ≥ {DS_ONSET:g}) at i−L/2 = " + ", ".join(
            f"{x[j]:g}: {o:.3g}" for j, o in zip(sel_cuts, onsets, strict=True)
        )
        if len(onsets) < 2 or not np.isfinite(onsets[0]):
            parts.append(None if len(onsets) < 2 else False)
        else:
            parts.append(
                all(a <= b_ for a, b_ in zip(onsets, onsets[1:], strict=False))
                and onsets[-1] > onsets[0]
            )
    c.verdict = combine_parts(parts)
    return c


def _onset_times(t, bond, S, ref, sel_cuts) -> list[float]:
    """First time S - S(U=0) >= DS_ONSET at each selected cut (inf if never)."""
    t0, bond0, S0 = ref[0], ref[1], ref[2]
    onsets = []
    for j in sel_cuts:
        j0 = int(np.argmin(np.abs(bond0 - bond[j])))
        ex = S[:, j] - np.interp(t, t0, S0[:, j0])
        hit = np.flatnonzero((t > 0) & (ex >= DS_ONSET))
        onsets.append(float(t[hit[0]]) if hit.size else float("inf"))
    return onsets


def _late_profile(b: Bundle, U: float):
    """Symmetrised S(|x|) at the last time on the largest L: ``(L, t_f, d, S, err)``.

    The EDGE_CUTS cuts at each end of the chain are set to NaN before folding.
    """
    for L in sorted(b.sizes("ent_fit", "agg"), reverse=True):
        tab = entropy_tables(b, L, U)
        if tab is None:
            continue
        t, bond, S, E, _ = tab
        fin = np.flatnonzero(np.isfinite(S).any(axis=1))
        if fin.size == 0:
            continue
        it = int(fin[-1])
        inner = (bond > EDGE_CUTS) & (bond < L - EDGE_CUTS)
        y = np.where(inner, S[it], np.nan)
        e = np.where(inner, E[it], np.nan)
        d, ys, es = symmetrise(cut_x(bond, c_site_of(b, L)), y, e)
        return L, float(t[it]), d, ys, es
    return None


def _profile_fits(d, y, e, d_max):
    sel = (d <= d_max + 1e-9) & np.isfinite(y)
    lin = wls(d[sel], y[sel], e[sel], deg=1)
    quad = wls(d[sel], y[sel], e[sel], deg=2)
    return int(sel.sum()), lin, quad


def claim_profile_linear(b: Bundle) -> Claim:
    """The late entanglement profile is linear in |i - L/2| at the largest U.

    Rule (largest L, last time, profile symmetrised about the c-boson's initial site, cut
    of bond b at distance |b - 1/2 - c_site|, the EDGE_CUTS cuts nearest each end excluded,
    and restricted to |i - L/2| <= x_MBL(t_last) of the Eq. (5) fit when
    that leaves at least MIN_PROFILE_POINTS distances): fit S = a + s·d and
    S = a + b·d + c·d² (weighted by
    the standard errors). Holds if the slope s is significantly negative and the curvature
    is insignificant (|c| < NSIG·err_c) or small (|c|·D < CURV_FRAC_MAX·|s| over the window
    length D). Not testable with fewer than MIN_PROFILE_POINTS distances.
    """
    c = Claim(
        "profile linear",
        "At U = 12 the late entanglement profile decreases linearly in |i − L/2| (slope −ξ_S/ℓ_c)",
        "Fig. 4(b)",
        rule=claim_profile_linear.__doc__ or "",
    )
    U = largest_u(b.u_all())
    prof = _late_profile(b, U) if U is not None else None
    if prof is None:
        c.measured = "no entanglement profile at U > 0"
        return c
    L, t_f, d, y, e = prof
    d_max = float(np.nanmax(np.where(np.isfinite(y), d, np.nan))) if np.any(np.isfinite(y)) else 0.0
    ent = b.ent_fit.get(L)
    xm = sel_u(var(ent, "x_mbl"), U) if ent is not None else None
    if xm is not None and "time" in xm.dims:
        xv = float(xm.sel(time=t_f, method="nearest"))
        n_in = np.sum((d <= min(d_max, xv) + 1e-9) & np.isfinite(y))
        if np.isfinite(xv) and n_in >= MIN_PROFILE_POINTS:
            d_max = min(d_max, xv)
    n, lin, quad = _profile_fits(d, y, e, d_max)
    c.basis = basis(
        b,
        [L],
        [U],
        f"t = {t_f:g}; cuts {EDGE_CUTS + 1}..{L - EDGE_CUTS - 1}, |i − L/2| ≤ {d_max:.3g}",
    )
    if lin is None or quad is None or n < MIN_PROFILE_POINTS:
        c.measured = f"only {n} distances in the window"
        return c
    s, es = float(lin[0][1]), float(math.sqrt(lin[1][1, 1]))
    cc, ec = float(quad[0][2]), float(math.sqrt(quad[1][2, 2]))
    D = float(d_max - d.min())
    c.numbers = {"slope": s, "curvature": cc}
    c.measured = f"slope {pm(s, es)}, curvature {pm(cc, ec)} over {n} distances"
    pred = sel_u(var(ent, "slope_pred"), U) if ent is not None else None
    if pred is not None and np.isfinite(float(pred)):
        c.measured += f"; Eq. (5) slope −ξ_S/ℓ_c = {float(pred):.3g}"
    small = (abs(cc) < NSIG * ec) or (abs(cc) * D < CURV_FRAC_MAX * abs(s))
    c.verdict = holds_if(sig_gt(-s, es) and small)
    return c


def claim_profile_concave(b: Bundle) -> Claim:
    """The late entanglement profile is concave in |i - L/2| at the smallest U > 0.

    Rule (largest L, last time, symmetrised, EDGE_CUTS cuts at each end excluded): fit
    S = a + b·d + c·d² weighted by the standard errors. Holds if c is significantly
    negative; does not hold otherwise. Not testable without a second U > 0 or with fewer
    than MIN_PROFILE_POINTS distances.
    """
    c = Claim(
        "profile concave",
        "At U = 2.5 the late entanglement profile is concave in |i − L/2|",
        "Fig. 4(b), Fig. 2(b)",
        rule=claim_profile_concave.__doc__ or "",
    )
    U = smallest_positive_u(b.u_all())
    if U is None:
        c.measured = "only one U > 0 in the sweep"
        return c
    prof = _late_profile(b, U)
    if prof is None:
        c.measured = f"no entanglement profile at U = {U:g}"
        return c
    L, t_f, d, y, e = prof
    d_max = float(np.nanmax(np.where(np.isfinite(y), d, np.nan))) if np.any(np.isfinite(y)) else 0.0
    n, _, quad = _profile_fits(d, y, e, d_max)
    c.basis = basis(
        b,
        [L],
        [U],
        f"t = {t_f:g}; cuts {EDGE_CUTS + 1}..{L - EDGE_CUTS - 1}, |i − L/2| ≤ {d_max:g}",
    )
    if quad is None or n < MIN_PROFILE_POINTS:
        c.measured = f"only {n} distances in the window"
        return c
    cc, ec = float(quad[0][2]), float(math.sqrt(quad[1][2, 2]))
    c.numbers = {"curvature": cc}
    c.measured = f"curvature {pm(cc, ec)} over {n} distances (U = {U:g})"
    c.verdict = holds_if(sig_gt(-cc, ec))
    return c
