"""Expected cost of a config's TEBD jobs under the chi(t) model, with its evidence.

The requests (:mod:`mblbath.jobs.slurm`) assume every step at ``chi_max``: an upper bound.
What the jobs are expected to use follows how chi grows (:mod:`mblbath.jobs.growth`,
learned from the finished runs of the same model and U): :func:`expected_seconds` prices a
planned run step by step on its measurement grid (:mod:`mblbath.jobs.runcost`). A U without
finished runs gets the saturated bound, and :func:`evidence` says so; it also says what
each size extrapolates (longer chains, larger ``chi_max``, later times than measured).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..config import chi_max_for, model_for, time_grid
from .cost import CostCoefficients, bond_profile
from .growth import Growth
from .runcost import features_from_sums, predict_seconds

__all__ = ["expected_seconds", "evidence"]


def _grid(cfg: Mapping[str, Any]) -> np.ndarray:
    n = cfg["numerics"]
    return time_grid(n["t_max"], n["dt"], n["t_first"], n["n_per_decade"])


def expected_seconds(
    cfg: Mapping[str, Any],
    L: int,
    U: float,
    growth: Mapping[tuple[str, float], Growth],
    coeffs: CostCoefficients,
) -> tuple[float, bool]:
    """Expected time (seconds, one thread) of the run (L, U) of a config, and whether it
    rests on measured growth (False: no finished run of this model and U, saturated bound).
    """
    n = cfg["numerics"]
    chi = chi_max_for(dict(cfg), L)
    times = _grid(cfg)
    g = growth.get((model_for(cfg), float(U)))
    if g is not None:
        s2, s3 = g.profile_sums(L, chi, times)
    else:
        prof = bond_profile(L, chi)
        s2 = np.full(len(times), np.sum(prof**2))
        s3 = np.full(len(times), np.sum(prof**3))
    feats = features_from_sums(s2, s3, times, n["dt"], L)
    return predict_seconds(feats, n["order"], coeffs), g is not None


def evidence(cfg: Mapping[str, Any], growth: Mapping[tuple[str, float], Growth]) -> list[str]:
    """Lines saying what the chi(t) model of a config rests on and what it extrapolates."""
    model = model_for(cfg)
    n = cfg["numerics"]
    lines, missing = [], []
    for U in cfg["sweep"]["U"]:
        g = growth.get((model, float(U)))
        if g is None:
            missing.append(f"{float(U):g}")
            continue
        beyond = []
        big_L = [L for L in cfg["sweep"]["L"] if L > max(g.sizes)]
        if big_L:
            beyond.append(f"L={','.join(map(str, big_L))} (bulk bonds assumed alike)")
        big_chi = sorted({chi_max_for(dict(cfg), L) for L in cfg["sweep"]["L"]})
        big_chi = [c for c in big_chi if c > g.chi_measured]
        if big_chi:
            beyond.append(f"chi up to {max(big_chi)}")
        if n["t_max"] > g.t_measured:
            beyond.append(f"t = {g.t_measured:g}..{n['t_max']:g}")
        extra = f"; extrapolated: {', '.join(beyond)}" if beyond else ""
        lines.append(f"  {g.evidence()}{extra}")
    if missing:
        lines.append(
            f"  U={','.join(missing)}: no finished runs of this model: saturated chi (bound)"
        )
    return lines
