"""Claims on the disorder strength (criterion, Eq. 2) and on TEBD's accuracy (validation)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..analysis.bundle import Bundle, cfg_get, u_values, var
from .basis import trange
from .verdicts import NSIG, WT_FRAC, Claim, holds_if, pm

__all__ = ["claim_w_tilde_max", "claim_validation"]


def claim_w_tilde_max(b: Bundle) -> Claim:
    """The disorder of the simulations (W = 6.5) is near the maximum of W̃(W).

    Rule: W̃ at W = model.W by linear interpolation on the criterion grid. Not testable if
    W is outside the grid or the maximum of W̃ sits at an end of the grid (not bracketed).
    Holds if W̃(W) is statistically indistinguishable from the maximum,
    W̃(W) + NSIG·err(W) >= max W̃ - NSIG·err(max), or within 5 % of it,
    W̃(W) >= WT_FRAC·max W̃; does not hold otherwise.
    """
    W0 = float(cfg_get(b.cfg, "model", "W", default=6.5))
    c = Claim(
        "W = 6.5 near max W̃",
        "W = 6.5 is close to the maximum of the non-monotonic W̃(W)",
        "text below Eq. (2); criterion figure",
        rule=claim_w_tilde_max.__doc__ or "",
    )
    crit = b.criterion
    wt = var(crit, "W_tilde")
    if wt is None:
        c.measured = "no criterion file"
        return c
    W = crit["W"].values.astype(float)
    y = wt.values.astype(float)
    err = var(crit, "W_tilde_err")
    e = err.values.astype(float) if err is not None else np.zeros_like(y)
    ok = np.isfinite(y)
    n_L = crit.attrs.get("L", cfg_get(b.cfg, "criterion", "L", default="?"))
    n_real = crit.attrs.get("n_real", cfg_get(b.cfg, "criterion", "n_real", default="?"))
    c.basis = (
        f"W grid [{W.min():g}, {W.max():g}] ({W.size} points); single-particle chains of "
        f"L = {n_L}, {n_real} realisations per W"
    )
    if ok.sum() < 3:
        c.measured = "W̃ has fewer than 3 finite values"
        return c
    Wo, yo, eo = W[ok], y[ok], np.where(np.isfinite(e[ok]), e[ok], 0.0)
    k = int(np.argmax(yo))
    w_arg, y_max = float(Wo[k]), float(yo[k])
    y0 = float(np.interp(W0, Wo, yo))
    e0 = float(np.interp(W0, Wo, eo))
    c.numbers = {"W_argmax": w_arg, "W_tilde_W0": y0, "W_tilde_max": y_max}
    c.measured = (
        f"max W̃ = {pm(y_max, eo[k])} at W = {w_arg:g}; W̃({W0:g}) = {pm(y0, e0)} "
        f"= {y0 / y_max:.0%} of the maximum"
    )
    if not (Wo.min() <= W0 <= Wo.max()):
        c.measured += f"; W = {W0:g} outside the grid"
        return c
    if k in (0, Wo.size - 1):
        c.measured += "; maximum at the end of the grid (not bracketed)"
        return c
    consistent = y0 + NSIG * e0 >= y_max - NSIG * float(eo[k])
    c.verdict = holds_if(consistent or y0 >= WT_FRAC * y_max)
    return c


def claim_validation(b: Bundle) -> Claim:
    """TEBD agrees with the exact reference within the tolerances.

    Rule: over every validation file, U, realisation and time, max |Δn| (c and d densities)
    <= tol_n and max |ΔS| <= tol_S (tolerances from the file attributes, default 1e-5 and
    1e-4). Maxima are recomputed from the arrays (file attributes only as a fallback). Not
    testable without a validation file.
    """
    c = Claim(
        "TEBD = exact",
        "TEBD reproduces exact dynamics: max |Δn| ≤ 1e-5, max |ΔS| ≤ 1e-4 "
        "(our accuracy target, DESIGN.md)",
        "validation figure",
        rule=claim_validation.__doc__ or "",
    )
    if not b.validation:
        c.measured = "no validation file (validation.n_seeds = 0 or smallest L > validation.max_L)"
        return c
    rows, ok_all = [], True
    for L, ds in sorted(b.validation.items()):
        tol_n = float(ds.attrs.get("tol_n", 1e-5))
        tol_S = float(ds.attrs.get("tol_S", 1e-4))

        def mx(name: str, attr: str, ds: xr.Dataset = ds) -> float:
            da = var(ds, name)
            if da is not None and np.any(np.isfinite(da.values)):
                return float(np.nanmax(da.values))
            return float(ds.attrs.get(attr, np.nan))

        dn = max(mx("dn_c", "max_dn_c"), mx("dn_d", "max_dn_d"))
        dS = mx("dS", "max_dS")
        good = np.isfinite(dn) and np.isfinite(dS) and dn <= tol_n and dS <= tol_S
        ok_all &= bool(good)
        n_seed = int(ds.sizes.get("seed", 1))
        t = ds["time"].values if "time" in ds.coords else np.array([np.nan])
        rows.append(
            (L, dn, tol_n, dS, tol_S, n_seed, t, str(ds.attrs.get("reference", "?")), u_values(ds))
        )
    c.measured = "; ".join(
        f"L={L}: max|Δn| = {dn:.2g} (tol {tn:g}), max|ΔS| = {dS:.2g} (tol {tS:g}) vs {ref}"
        for L, dn, tn, dS, tS, _, _, ref, _ in rows
    )
    c.basis = "; ".join(
        f"L={L}, U = {', '.join(f'{u:g}' for u in us)}, {ns} realisation(s) per U, {trange(t)}"
        for L, _, _, _, _, ns, t, _, us in rows
    )
    c.numbers = {"max_dn": max(r[1] for r in rows), "max_dS": max(r[3] for r in rows)}
    c.verdict = holds_if(ok_all)
    return c
