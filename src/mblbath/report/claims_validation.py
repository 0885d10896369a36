"""The validation claim: is the numerical error of these numerics small against the error bars?"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..analysis.bundle import Bundle, seed_valid, sel_u, u_values, var
from ..analysis.stats import mean_sem
from .basis import trange
from .constants import POWER, VAL_FRAC
from .verdicts import FAILS, HOLDS, WHY_INPUT, Claim, Outcome, all_of, power_check, untestable

__all__ = ["claim_validation", "statistical_scale"]

#: Validation variable -> aggregated variable it checks.
OBSERVABLES = {"dn_c": "n_c", "dn_d": "n_d", "dS": "S", "dC_dd": "C_dd"}


def _means(
    agg: xr.Dataset, name: str, U: float, t_max: float, valid
) -> tuple[np.ndarray, np.ndarray]:
    """Disorder mean and SEM of ``agg[name]`` at U, shape (time, sites), 0 < t <= t_max."""
    times = agg["time"].values
    da = sel_u(agg[name], U).isel(time=np.flatnonzero((times > 0) & (times <= t_max * (1 + 1e-9))))
    da = da.transpose("seed", "time", ...)
    nS, nT = da.sizes["seed"], da.sizes["time"]
    data = da.values.astype(float).reshape(nS, nT, -1)
    if name == "C_dd":  # off-diagonal pairs: the diagonal is n_d(1 − n_d), checked by n_d
        L = agg.sizes["site"]
        data = data.reshape(nS, nT, L, L)[:, :, ~np.eye(L, dtype=bool)]
    v = sel_u(valid, U).values.astype(bool) if valid is not None else None
    mean, sem, _ = mean_sem(data, v, axis=0)
    return mean, sem


def statistical_scale(b: Bundle, L: int, name: str, t_max: float) -> tuple[float, float] | None:
    """``(statistical error, effect)`` of ``name`` at size L over 0 < t <= t_max.

    The statistical error is the typical largest error bar of a profile: per U > 0 and
    time the largest standard error of the disorder mean over the sites (pairs for C_dd),
    then the median over U and times (the sites where the profile is ~0 have ~0 error and
    do not set it; at U = 0 the c-boson does not see the disorder, so n_c has none). The
    effect is the largest change the c-boson makes to the disorder mean, max over U > 0,
    times and sites of |mean(U) − mean(U = 0)| (without U = 0: the largest
    |mean|). None without the aggregated variable.
    """
    agg = b.agg.get(L)
    if agg is None or var(agg, name) is None:
        return None
    valid = seed_valid(agg, b.exclude_unconverged)
    Us = u_values(agg)
    got = {U: _means(agg, name, U, t_max, valid) for U in Us}
    pos = [u for u in Us if u > 0] or Us  # at U = 0 n_c does not depend on the disorder
    with np.errstate(invalid="ignore"):
        per_t = np.concatenate(
            [np.nanmax(np.where(np.isfinite(got[u][1]), got[u][1], -np.inf), axis=1) for u in pos]
        )
    per_t = per_t[np.isfinite(per_t) & (per_t > 0)]
    stat = float(np.median(per_t)) if per_t.size else float("nan")
    zero = [u for u in Us if abs(u) < 1e-9]
    if zero and len(Us) > 1:
        m0 = got[zero[0]][0]
        eff = [np.nanmax(np.abs(m - m0)) for U, (m, _) in got.items() if U > 0]
    else:
        eff = [np.nanmax(np.abs(m)) for m, _ in got.values()]
    return stat, float(np.nanmax(eff)) if eff else float("nan")


def _observable(b: Bundle, L: int, ds: xr.Dataset, vname: str, t_max: float) -> tuple[Outcome, str]:
    """Deviation vs statistical error (and the error vs the c-boson's effect) of one observable."""
    da = var(ds, vname)
    dev = (
        float(np.nanmax(da.values))
        if da is not None and np.any(np.isfinite(da.values))
        else float("nan")
    )
    if not np.isfinite(dev):
        dev = float(ds.attrs.get(f"max_{vname}", np.nan))
    name = OBSERVABLES[vname]
    sc = statistical_scale(b, L, name, t_max)
    if sc is None:
        return untestable(
            WHY_INPUT, f"{name}: no aggregate at L = {L}"
        ), f"{name}: max|Δ| = {dev:.2g}"
    stat, effect = sc
    text = f"{name}: max|Δ| = {dev:.2g} vs error bar {stat:.2g} (c-boson effect {effect:.2g})"
    if not np.isfinite(dev):
        return untestable(WHY_INPUT, f"{name}: no deviation in the validation file"), text
    bad = power_check(effect, stat, effect, f"{name}: c-boson effect")
    if bad is not None:
        return bad, text
    if dev <= VAL_FRAC * stat:
        return Outcome(HOLDS, ""), text
    return Outcome(FAILS, f"{name}: {dev:.2g} > {VAL_FRAC:g} × error bar"), text


def claim_validation(b: Bundle) -> Claim:
    """The numerical error of these numerics is small against the statistical error bars.

    Rule, per observable of the validation file (n_c, n_d, S, and C_dd off the diagonal if
    present): the TEBD-vs-exact maximum deviation (over U, realisations, times) must be at
    most VAL_FRAC times the statistical error bar at the validation L (from the aggregate,
    0 < t <= the validation's last time): per U > 0 and time the largest standard error of
    the disorder mean over the sites, its median over U and times. The comparison has power
    only if that error bar resolves the effects the claims rest on: it must be <= POWER
    times the largest change the c-boson makes to the disorder mean (|mean(U) − mean(U =
    0)|), else not testable. The strict accuracy target (1e-5 in n at Trotter order 4) is a
    test of the test suite, not of this row. Not testable without a validation file or an
    aggregate at its L.
    """
    c = Claim(
        "TEBD error ≪ error bars",
        "The numerical (TEBD) error is small against the disorder-average error bars "
        "(our check; the paper's numerics are converged TEBD)",
        "validation figure",
        rule=claim_validation.__doc__ or "",
    )
    if not b.validation:
        return c.untestable(
            WHY_INPUT,
            "no validation file (validation.n_seeds = 0 or smallest L > validation.max_L)",
        )
    parts, texts, bases = [], [], []
    for L, ds in sorted(b.validation.items()):
        t = ds["time"].values.astype(float) if "time" in ds.coords else np.array([np.nan])
        t_max = float(np.nanmax(t))
        for vname in OBSERVABLES:
            if vname in ds.variables or f"max_{vname}" in ds.attrs:
                out, text = _observable(b, L, ds, vname, t_max)
                parts.append(out)
                texts.append(f"L={L} {text}")
        n_seed = int(ds.sizes.get("seed", 1))
        us = ", ".join(f"{u:g}" for u in u_values(ds))
        bases.append(
            f"L={L}, U = {us}, {n_seed} realisation(s) per U, {trange(t)} vs "
            f"{ds.attrs.get('reference', '?')}; numerics {ds.attrs.get('numerics', '?')}"
        )
    c.basis = "; ".join(bases)
    c.measured = "; ".join(texts) + f" (VAL_FRAC = {VAL_FRAC:g}, POWER = {POWER:.2g})"
    return c.conclude(all_of(parts))
