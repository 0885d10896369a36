"""Claims on the d-bosons: memory of the density wave (n_d) and the decay length ℓ_d."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..analysis.bundle import (
    Bundle,
    has_u,
    largest_u,
    last_finite_time,
    masked_ok,
    seed_valid,
    sel_u,
    var,
)
from ..analysis.stats import mean_sem_finite
from .basis import basis
from .constants import (
    CONTRAST_MIN,
    ELL_D_EFFECT,
    ELL_D_RANGE,
    ELL_D_RATE_MAX,
    FAR_FRAC,
    LATE_FACTOR,
    NSIG,
    R_NEAR,
)
from .series import line_fit, window
from .verdicts import (
    FAILS,
    HOLDS,
    UNTESTABLE,
    WHY_INPUT,
    WHY_SIZE,
    WHY_TIME,
    Claim,
    Outcome,
    all_of,
    below,
    consistent,
    in_range,
    pm,
    significantly_positive,
    untestable,
)

__all__ = ["claim_nd_memory", "claim_ell_d", "claim_ell_d_profile", "claim_ell_d_inf_diff"]


def _contrast(agg: xr.Dataset, U: float, region: np.ndarray, valid, t_f: float) -> np.ndarray:
    """Per-realisation period-3 contrast of n_d at time ``t_f`` in ``region``.

    Mean n_d on the sites occupied at t = 0 minus mean n_d on the empty ones (1 at t = 0, 0
    when thermal); NaN for realisations missing (or excluded) at this U.
    """
    nd = sel_u(agg["n_d"], U)
    if valid is not None and sel_u(valid, U) is not None:
        nd = nd.where(sel_u(valid, U))
    first = agg["n_d"].isel(time=0)
    occ = first.max([d for d in first.dims if d != "site"], skipna=True).values > 0.5
    last = nd.sel(time=t_f).transpose("seed", "site").values.astype(float)
    o, em = region & occ, region & ~occ
    out = np.full(last.shape[0], np.nan)
    if not o.any() or not em.any():
        return out
    ok = np.all(np.isfinite(last[:, o]), axis=1) & np.all(np.isfinite(last[:, em]), axis=1)
    out[ok] = last[ok][:, o].mean(axis=1) - last[ok][:, em].mean(axis=1)
    return out


def claim_nd_memory(b: Bundle) -> Claim:
    """n_d keeps the period-3 memory far from the centre; extra relaxation only near it.

    Rule (largest L, largest U and U = 0 on the same realisations, last time): per
    realisation the density-wave contrast C = mean n_d(initially occupied) − mean
    n_d(initially empty) near the centre (|i − c_site| <= R_NEAR) and far from it (|i −
    c_site| >= FAR_FRAC·L); means and standard errors over realisations, paired where two
    U are compared. Parts: (i) memory far away: C_far(U) − CONTRAST_MIN significantly
    positive (effect: the Anderson memory C_far(0)); (ii) extra relaxation near the
    centre: D_near = C_near(0) − C_near(U) significantly positive (effect: C_near(0), the
    memory there is to lose); (iii) only near the centre: D_far = C_far(0) − C_far(U)
    consistent with 0 (effect: D_near). Not testable without U = 0 (no reference).
    """
    c = Claim(
        "n_d memory",
        "The d-bosons keep the memory of the period-3 density wave far from "
        "the centre; extra relaxation happens only near the centre",
        "Fig. 3(a)",
        rule=claim_nd_memory.__doc__ or "",
    )
    U = largest_u(b.u_all())
    Ls = [L for L in sorted(b.agg) if var(b.agg[L], "n_d") is not None and has_u(b.agg[L], U or -1)]
    if U is None or not Ls:
        return c.untestable(WHY_INPUT, "no aggregated n_d at U > 0")
    L = max(Ls)
    agg = b.agg[L]
    c_site = int(agg.attrs.get("c_site", L // 2))
    dist = np.abs(agg["site"].values - c_site)
    near, far = dist <= R_NEAR, dist >= FAR_FRAC * L
    valid = seed_valid(agg, b.exclude_unconverged)
    t_f = last_finite_time(sel_u(agg["n_d"], U))
    has0 = has_u(agg, 0.0)
    c.basis = basis(
        b,
        [L],
        [0.0, U] if has0 else [U],
        f"t = {t_f:g}; near |i-L/2| ≤ {R_NEAR}, far ≥ {FAR_FRAC * L:g}",
    )
    if near.sum() < 2 or far.sum() < 2 or np.any(near & far):
        return c.untestable(WHY_SIZE, f"L = {L} too small for separate near and far regions")
    cn, cf = _contrast(agg, U, near, valid, t_f), _contrast(agg, U, far, valid, t_f)
    mf, ef, n = mean_sem_finite(cf)
    mn, en, _ = mean_sem_finite(cn)
    c.numbers = {"C_far": mf, "C_near": mn}
    c.measured = f"contrast far {pm(mf, ef)}, near {pm(mn, en)} (U={U:g}, {n} realisations)"
    if not has0:
        return c.untestable(WHY_INPUT, "U = 0 not in the sweep: no Anderson reference")
    cn0, cf0 = _contrast(agg, 0.0, near, valid, t_f), _contrast(agg, 0.0, far, valid, t_f)
    m0f, e0f, _ = mean_sem_finite(cf0)
    m0n, _, _ = mean_sem_finite(cn0)
    dn, edn, _ = mean_sem_finite(cn0 - cn)
    df, edf, _ = mean_sem_finite(cf0 - cf)
    c.measured += f"; U=0: far {pm(m0f, e0f)}, near {pm(m0n)}"
    parts = [
        significantly_positive(mf - CONTRAST_MIN, ef, m0f, "memory far C_far − CONTRAST_MIN"),
        significantly_positive(dn, edn, m0n, "extra relaxation near D_near"),
        consistent(df, edf, dn, "extra relaxation far D_far"),
    ]
    return c.conclude(all_of(parts))


def _ld_table(b: Bundle, U: float, L: int | None = None):
    """``(L, t, centre, Y, E)`` of ℓ_d (status ok) at U on the largest L (or L), or None."""
    Ls = [L] if L is not None else sorted(b.ld_fit, reverse=True)
    for LL in Ls:
        ld = b.ld_fit.get(LL)
        if ld is None:
            continue
        # per-time statuses mask ℓ_d(t); the per-centre 'status' is that of the Eq. (4) fit
        has_st = "ell_d_status" in ld.variables
        ell = sel_u(masked_ok(ld, "ell_d", "ell_d_status") if has_st else var(ld, "ell_d"), U)
        if ell is None or "time" not in ell.dims:
            continue
        ell = ell.astype(float)
        ell = ell.transpose("time", "centre")
        err = sel_u(var(ld, "ell_d_err"), U)
        E = (
            err.transpose("time", "centre").values.astype(float)
            if err is not None
            else np.full(ell.shape, np.nan)
        )
        return (
            LL,
            ell["time"].values.astype(float),
            ell["centre"].values.astype(float),
            ell.values.astype(float),
            E,
        )
    return None


def _c_site(b: Bundle, L: int) -> float:
    ld, agg = b.ld_fit.get(L), b.agg.get(L)
    for ds in (ld, agg):
        if ds is not None and "c_site" in ds.attrs:
            return float(ds.attrs["c_site"])
    return L / 2


def _mean_err(y: np.ndarray, e: np.ndarray) -> tuple[float, float]:
    """Weighted mean and its error of the finite entries (NaN error without valid errors)."""
    ok = np.isfinite(y)
    if not ok.any():
        return float("nan"), float("nan")
    ee = e[ok]
    if np.all(np.isfinite(ee) & (ee > 0)):
        w = 1 / ee**2
        return float(np.sum(w * y[ok]) / w.sum()), float(1 / np.sqrt(w.sum()))
    return float(np.mean(y[ok])), float("nan")


def claim_ell_d(b: Bundle) -> Claim:
    """ℓ_d stays about one lattice spacing and saturates.

    Rule (largest L with ℓ_d fits, largest U): (i) at the last time, ℓ_d averaged over
    the positions near the centre (|i − c_site| <= R_NEAR) and over all positions lies in
    ELL_D_RANGE (within NSIG errors); (ii) saturation: at the centre, the slope of ℓ_d vs
    ln t over the last factor LATE_FACTOR in time lies below ELL_D_RATE_MAX per e-fold
    (within NSIG errors; power: err <= POWER·ELL_D_RATE_MAX). Not testable with fewer than
    3 times in that window.
    """
    c = Claim(
        "ell_d ~ 1",
        "ℓ_d stays close to one lattice spacing and saturates",
        "Fig. 3(b)",
        rule=claim_ell_d.__doc__ or "",
    )
    U = largest_u(b.u_all())
    tab = _ld_table(b, U) if U is not None else None
    if tab is None:
        return c.untestable(WHY_INPUT, "no ℓ_d fits at U > 0")
    L, t, centre, Y, E = tab
    fin_t = np.flatnonzero(np.isfinite(Y).any(axis=1))
    if fin_t.size == 0:
        return c.untestable(WHY_INPUT, f"ℓ_d all NaN at U = {U:g}, L = {L}")
    it = int(fin_t[-1])
    t_f = t[it]
    near = np.abs(centre - _c_site(b, L)) <= R_NEAR
    c.basis = basis(
        b, [L], [U], f"t_last = {t_f:g}, slope over t ∈ [{t_f / LATE_FACTOR:.3g}, {t_f:g}]"
    )
    m_near, e_near = _mean_err(Y[it, near], E[it, near])
    m_all, e_all = _mean_err(Y[it], E[it])
    c.numbers = {"ell_d_near": m_near, "ell_d_all": m_all}
    c.measured = (
        f"ℓ_d(t={t_f:g}) ∈ [{np.nanmin(Y[it]):.3g}, {np.nanmax(Y[it]):.3g}] over "
        f"{np.isfinite(Y[it]).sum()} positions"
    )
    parts = [
        in_range(m_near, e_near, *ELL_D_RANGE, "ℓ_d near the centre"),
        in_range(m_all, e_all, *ELL_D_RANGE, "ℓ_d over all positions"),
    ]
    j = int(np.argmin(np.abs(centre - _c_site(b, L))))
    sel = window(t, Y[:, j], t_f / LATE_FACTOR, t_f)
    fit = line_fit(np.log(np.where(t > 0, t, 1.0)), Y[:, j], E[:, j], sel)
    if fit is None:
        parts.append(untestable(WHY_TIME, "fewer than 3 times in the last decade"))
    else:
        c.numbers["rate"] = fit.b
        parts.append(below(fit.b, fit.eb, ELL_D_RATE_MAX, "centre dℓ_d/d ln t"))
    return c.conclude(all_of(parts))


def claim_ell_d_profile(b: Bundle) -> Claim:
    """ℓ_d(t, i) is largest at i = L/2, decreases away from it, and lies above the U = 0 value.

    Rule (largest L with ℓ_d at the largest U and at U = 0, last common time; positions
    near the centre |i − c_site| <= R_NEAR, far |i − c_site| >= FAR_FRAC·L; weighted means
    of ℓ_d over each region with their errors): (i) largest at the centre and decreasing
    away: ℓ_d(near) − ℓ_d(far) significantly positive; (ii) above the Anderson value:
    ℓ_d(near, U) − ℓ_d(near, 0) significantly positive; (iii) nowhere below it: ℓ_d(far, U)
    − ℓ_d(far, 0) not significantly negative (consistent with 0 or positive). Every part
    has the effect scale ELL_D_EFFECT. Not testable without U = 0.
    """
    c = Claim(
        "ell_d profile",
        "ℓ_d(t, i) is largest at i = L/2, decreases away from it, and lies above the "
        "Anderson (U = 0) value",
        "Fig. 3(b)",
        rule=claim_ell_d_profile.__doc__ or "",
    )
    U = largest_u(b.u_all())
    tab = _ld_table(b, U) if U is not None else None
    if tab is None:
        return c.untestable(WHY_INPUT, "no ℓ_d fits at U > 0")
    L, t, centre, Y, E = tab
    ref = _ld_table(b, 0.0, L)
    c.basis = basis(b, [L], [0.0, U] if ref is not None else [U], "")
    if ref is None:
        return c.untestable(WHY_INPUT, "no ℓ_d at U = 0 (Anderson reference)")
    _, t0, centre0, Y0, E0 = ref
    both = np.flatnonzero(np.isfinite(Y).any(axis=1) & np.isfinite(Y0).any(axis=1))
    if both.size == 0 or not np.array_equal(centre, centre0):
        return c.untestable(WHY_INPUT, "no common time with ℓ_d at U and U = 0")
    it = int(both[-1])
    dist = np.abs(centre - _c_site(b, L))
    near, far = dist <= R_NEAR, dist >= FAR_FRAC * L
    c.basis += f"; t = {t[it]:g}; near |i−L/2| ≤ {R_NEAR}, far ≥ {FAR_FRAC * L:g}"
    if not near.any() or not far.any():
        return c.untestable(WHY_SIZE, f"L = {L} has no positions far from the centre")
    mn, en = _mean_err(Y[it, near], E[it, near])
    mf, ef = _mean_err(Y[it, far], E[it, far])
    mn0, en0 = _mean_err(Y0[it, near], E0[it, near])
    mf0, ef0 = _mean_err(Y0[it, far], E0[it, far])
    c.numbers = {"near": mn, "far": mf, "near0": mn0, "far0": mf0}
    c.measured = (
        f"U={U:g}: ℓ_d near {pm(mn, en)}, far {pm(mf, ef)}; "
        f"U=0: near {pm(mn0, en0)}, far {pm(mf0, ef0)}"
    )
    far_diff = mf - mf0
    e_far = float(np.hypot(ef, ef0))
    parts = [
        significantly_positive(mn - mf, float(np.hypot(en, ef)), ELL_D_EFFECT, "near − far"),
        significantly_positive(mn - mn0, float(np.hypot(en, en0)), ELL_D_EFFECT, "near: U − U=0"),
        _not_below(far_diff, e_far, "far: U − U=0"),
    ]
    return c.conclude(all_of(parts))


def _not_below(v: float, e: float, what: str) -> Outcome:
    """Not significantly negative (power: effect ELL_D_EFFECT)."""
    out = significantly_positive(-v, e, ELL_D_EFFECT, f"−({what})")
    if out.verdict == UNTESTABLE:
        return out
    if out.verdict == HOLDS:
        return Outcome(FAILS, f"{what} = {pm(v, e)} significantly < 0")
    return Outcome(HOLDS, f"{what} = {pm(v, e)} not significantly < 0")


def claim_ell_d_inf_diff(b: Bundle) -> Claim:
    """Δℓ_d(∞, i) = ℓ_d(∞, i; U = 12) − ℓ_d(∞, i; U = 0) is positive only in a central region.

    Rule (largest L with ``ell_d_inf_diff`` and its error, the Eq. (4) saturation values'
    difference): (i) at the position nearest the centre Δℓ_d(∞) is significantly positive
    (effect ELL_D_EFFECT); (ii) beyond the central region, |i − c_site| >= FAR_FRAC·L, the
    weighted mean of Δℓ_d(∞) is consistent with 0 (effect: the central Δℓ_d(∞)). The half
    width of the region where Δℓ_d(∞) is significantly positive is reported. Not testable
    without U = 0 or without errors.
    """
    c = Claim(
        "Δell_d(∞) central",
        "Δℓ_d(∞, i) between U = 12 and U = 0 is positive only in a central region, "
        "consistent with 0 beyond it",
        "Fig. 3(b) inset",
        rule=claim_ell_d_inf_diff.__doc__ or "",
    )
    U = largest_u(b.u_all())
    for L in sorted(b.ld_fit, reverse=True):
        ld = b.ld_fit[L]
        d, e = var(ld, "ell_d_inf_diff"), var(ld, "ell_d_inf_diff_err")
        if d is None or not np.any(np.isfinite(d.values)):
            continue
        y = d.values.astype(float)
        err = e.values.astype(float) if e is not None else np.full_like(y, np.nan)
        centre = ld["centre"].values.astype(float)
        dist = np.abs(centre - _c_site(b, L))
        far = dist >= FAR_FRAC * L
        c.basis = basis(
            b, [L], [0.0, U] if U is not None else [0.0], f"Eq. (4) ℓ_d(∞); far ≥ {FAR_FRAC * L:g}"
        )
        j = int(np.argmin(dist))
        mf, ef = _mean_err(y[far], err[far])
        with np.errstate(invalid="ignore"):
            sig = np.isfinite(err) & (y > NSIG * err)
        width = float(dist[sig].max()) if sig.any() else float("nan")
        c.numbers = {"centre": float(y[j]), "far": mf, "width": width}
        c.measured = (
            f"Δℓ_d(∞) at the centre {pm(float(y[j]), float(err[j]))}, mean far {pm(mf, ef)}; "
            f"significantly > 0 up to |i − L/2| = {width:g}"
        )
        if not far.any():
            return c.untestable(WHY_SIZE, f"L = {L} has no positions far from the centre")
        parts = [
            significantly_positive(float(y[j]), float(err[j]), ELL_D_EFFECT, "Δℓ_d(∞) centre"),
            consistent(mf, ef, float(y[j]), "Δℓ_d(∞) far"),
        ]
        return c.conclude(all_of(parts))
    return c.untestable(WHY_INPUT, "no Δℓ_d(∞) in the ℓ_d fits (needs U = 0 and U > 0)")
