"""Claims on the d-bosons: memory of the density wave (n_d) and the decay length ℓ_d."""

from __future__ import annotations

import math

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
    u_values,
    var,
)
from ..analysis.stats import mean_sem_finite, wls
from .basis import basis
from .verdicts import (
    CONTRAST_MIN,
    ELL_D_RANGE,
    ELL_D_RATE_MAX,
    FAILS,
    FAR_FRAC,
    NSIG,
    R_NEAR,
    UNTESTABLE,
    Claim,
    holds_if,
    pm,
    sig_gt,
)

__all__ = ["claim_nd_memory", "claim_ell_d"]


def _contrast(agg: xr.Dataset, U: float, region: np.ndarray, valid) -> np.ndarray:
    """Per-realisation period-3 contrast of n_d at the last time in ``region``.

    Mean n_d on the sites occupied at t = 0 minus mean n_d on the empty ones (1 at t = 0, 0
    when thermal); NaN for realisations missing (or excluded) at this U.
    """
    nd = sel_u(agg["n_d"], U)
    if valid is not None and sel_u(valid, U) is not None:
        nd = nd.where(sel_u(valid, U))
    t_f = last_finite_time(sel_u(agg["n_d"], largest_u(u_values(agg)) or U))
    first = agg["n_d"].isel(time=0)
    occ = first.max([d for d in first.dims if d != "site"], skipna=True).values > 0.5
    last = nd.sel(time=t_f).transpose("seed", "site").values.astype(float)
    o, em = region & occ, region & ~occ
    out = np.full(last.shape[0], np.nan)
    if not o.any() or not em.any():
        return out
    for s in range(last.shape[0]):
        if np.all(np.isfinite(last[s, o])) and np.all(np.isfinite(last[s, em])):
            out[s] = last[s, o].mean() - last[s, em].mean()
    return out


def claim_nd_memory(b: Bundle) -> Claim:
    """n_d keeps the period-3 memory far from the centre; extra relaxation only near it.

    Rule (largest L, largest U, last time): per realisation, the density-wave contrast
    C = mean n_d(initially occupied) - mean n_d(initially empty) in the region near the
    centre (|i - c_site| <= R_NEAR) and far from it (|i - c_site| >= FAR_FRAC·L); mean and
    standard error over realisations. Parts: (i) memory far away: C_far > CONTRAST_MIN by
    NSIG errors. With U = 0 in the sweep (paired, same realisations): (ii) extra relaxation
    near the centre, D_near = C_near(0) - C_near(U) significantly > 0, and (iii) only near
    the centre, D_near - D_far significantly > 0. Without U = 0: (ii') C_far - C_near
    significantly > 0 (the Anderson contrast is the same everywhere on average).
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
        c.measured = "no aggregated n_d at U > 0"
        return c
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
        c.measured = f"L = {L} too small for separate near and far regions"
        return c
    cn, cf = _contrast(agg, U, near, valid), _contrast(agg, U, far, valid)
    mf, ef, n = mean_sem_finite(cf)
    mn, en, _ = mean_sem_finite(cn)
    if n == 0:
        c.measured = "no finite n_d at the last time"
        return c
    parts = [sig_gt(mf - CONTRAST_MIN, ef)]
    c.measured = f"contrast far {pm(mf, ef)}, near {pm(mn, en)} (U={U:g}, {n} realisations)"
    c.numbers = {"C_far": mf, "C_near": mn}
    if has0:
        cn0, cf0 = _contrast(agg, 0.0, near, valid), _contrast(agg, 0.0, far, valid)
        dn, edn, _ = mean_sem_finite(cn0 - cn)
        df, edf, _ = mean_sem_finite(cf0 - cf)
        dd, edd, _ = mean_sem_finite((cn0 - cn) - (cf0 - cf))
        c.measured += (
            f"; U=0: far {pm(*mean_sem_finite(cf0)[:2])}, near {pm(*mean_sem_finite(cn0)[:2])}"
            f"; extra relaxation near {pm(dn, edn)}, far {pm(df, edf)}"
        )
        parts += [sig_gt(dn, edn), sig_gt(dd, edd)]
    else:
        d, ed, _ = mean_sem_finite(cf - cn)
        c.measured += f"; far - near {pm(d, ed)} (U = 0 not in config: no Anderson reference)"
        parts.append(sig_gt(d, ed))
    c.verdict = holds_if(all(parts))
    return c


def claim_ell_d(b: Bundle) -> Claim:
    """ℓ_d stays about one lattice spacing and saturates.

    Rule (largest L with ld fits, largest U): (i) ℓ_d(t_last, i) lies in ELL_D_RANGE for
    every position i; (ii) at the position nearest the centre, the slope of ℓ_d vs ln t
    over the last decade of times is below ELL_D_RATE_MAX (lattice spacings per e-fold),
    i.e. slope - NSIG·err < ELL_D_RATE_MAX. Not testable with fewer than 3 times in the
    last decade.
    """
    c = Claim(
        "ell_d ~ 1",
        "ℓ_d stays close to one lattice spacing and saturates",
        "Fig. 3(b)",
        rule=claim_ell_d.__doc__ or "",
    )
    U = largest_u(b.u_all())
    Ls = [L for L in sorted(b.ld_fit) if sel_u(var(b.ld_fit[L], "ell_d"), U or -1) is not None]
    if U is None or not Ls:
        c.measured = "no ℓ_d fits at U > 0"
        return c
    L = max(Ls)
    ld = b.ld_fit[L]
    ell = sel_u(masked_ok(ld, "ell_d", status="ell_d_status"), U).transpose("time", "centre")
    err = sel_u(var(ld, "ell_d_err"), U)
    E = err.transpose("time", "centre").values if err is not None else None
    t = ell["time"].values.astype(float)
    Y = ell.values.astype(float)
    fin_t = np.isfinite(Y).any(axis=1)
    if not fin_t.any():
        c.measured = f"ℓ_d all NaN at U = {U:g}, L = {L}"
        return c
    it = int(np.flatnonzero(fin_t)[-1])
    t_f = t[it]
    c.basis = basis(b, [L], [U], f"t_last = {t_f:g}, slope over t ∈ [{t_f / 10:g}, {t_f:g}]")
    last = Y[it]
    lo, hi = float(np.nanmin(last)), float(np.nanmax(last))
    agg = b.agg.get(L)
    c_site = ld.attrs.get("c_site", agg.attrs.get("c_site", L // 2) if agg is not None else L // 2)
    j = int(np.argmin(np.abs(ld["centre"].values.astype(float) - float(c_site))))
    sel = (t >= t_f / 10) & (t <= t_f) & np.isfinite(Y[:, j])
    fit = (
        wls(np.log(t[sel]), Y[sel, j], E[sel, j] if E is not None else None, deg=1)
        if sel.sum() >= 3
        else None
    )
    c.measured = f"ℓ_d(t={t_f:g}) ∈ [{lo:.3g}, {hi:.3g}] over {np.isfinite(last).sum()} positions"
    inf = sel_u(masked_ok(ld, "ell_d_inf"), U)
    if inf is not None and np.any(np.isfinite(inf.values)):
        c.measured += (
            f"; Eq. (4) ℓ_d(∞) ∈ [{np.nanmin(inf.values):.3g}, {np.nanmax(inf.values):.3g}]"
        )
    in_range = ELL_D_RANGE[0] <= lo and hi <= ELL_D_RANGE[1]
    if fit is None:
        c.measured += "; fewer than 3 times in the last decade"
        c.verdict = FAILS if not in_range else UNTESTABLE
        return c
    p, cov = fit
    s, es = float(p[1]), float(math.sqrt(max(cov[1, 1], 0.0)))
    c.numbers = {"ell_d_min": lo, "ell_d_max": hi, "rate": s}
    c.measured += f"; centre dℓ_d/d ln t (last decade) = {pm(s, es)}"
    saturated = (s - NSIG * (es if np.isfinite(es) else 0.0)) < ELL_D_RATE_MAX
    c.verdict = holds_if(in_range and saturated)
    return c
