"""S_AI of Eq. (5): the entanglement of the Anderson insulator alone, from the U = 0 runs.

At U = 0 the c-boson does not interact with the d-bosons, the state is a product of a
d-part and a c-part, and the entropy of the cut at bond b is

    S_{U=0}(b, t) = S_d(b, t) + H2(p(b, t)),   p(b, t) = Σ_{i<b} n_c(i, t),

with H2(p) = -p ln p - (1 - p) ln(1 - p) the free c-boson's share (it reaches ln 2 on every
cut the c-boson has passed). :func:`anderson_entropy` returns S_d = S_{U=0} - H2(p) per
realisation, which is exactly the entropy of the d-chain without the c-boson (to round-off
in exact dynamics and in untruncated TEBD, whose gates factorise at U = 0; the tests check
both).

Which S_d enters Eq. (5) (:func:`anderson_reference`): a **late-time constant** per
realisation and bond, S_AI(b) = mean of S_d(b, t) over the grid times t >= fit_t_min (a
mean over ln t on the log-spaced grid). Reason, measured on free fermions (W = 6.5,
L = 24, d-density wave, c-boson at L/2, 32 realisations, inner bonds): the disorder mean
of S_d rises from 0 to 0.33 by t ≈ 0.7 and then only drifts, 0.35 at t ≈ 1.6, 0.42 at
t ≈ 160, a drift d S_d / d ln t = 0.019 ± 0.004 nats per e-fold over t ∈ [1, 20] (0.014 ±
0.003 over [1, 200]). That is 7-15 % of the growth rate ξ_S of Eq. (5) at U = 12 on the
default config (ξ_S = 0.13-0.25 nats per e-fold at L = 12-24), and much smaller than the
realisation-to-realisation spread of S_d (standard deviation 0.18-0.30 per bond, 0.07 for
the bond mean). On the default config's aggregates (L = 24, 4 realisations) the constant
and the time-dependent S_d give ξ_S(U = 12) = 0.132 ± 0.005 and 0.124 ± 0.005. Eq. (5)
itself has a constant S_AI. The drift over the window (bond mean of S_d versus ln t, slope
per realisation, mean ± standard error) is stored with every fit, ``S_AI_drift``, so that
a reader can compare it with ξ_S, and so is the fit with the time-dependent S_d
(``xi_S_tdep``); the time-dependent disorder mean ``S_AI_t(time, bond)`` is stored too
(reference curve of Fig. 4(a), onset of the entanglement growth).

Pairing: the runs at U > 0 use the same disorder realisations as U = 0, so the fits use
per-realisation differences S_U - S_AI: the spread of S_d between realisations cancels to
the extent that S_U carries the same S_d.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..exact import binary_entropy
from .dataset import valid_mask
from .stats import mean_sem

__all__ = ["c_boson_entropy", "anderson_entropy", "AndersonRef", "anderson_reference"]

#: How S_AI enters Eq. (5); written into the fit file's attributes.
S_AI_DECISION = (
    "late-time constant per realisation and bond: mean of S_d(b, t) = S_U=0(b, t) - "
    "H2(p_c^left(b, t)) over the grid times t >= fit_t_min. Why: S_d saturates after ~1 "
    "hopping time and then drifts slowly (free fermions, W = 6.5, L = 24, 32 realisations: "
    "0.019 +- 0.004 nats per e-fold over t in [1, 20], 7-15 % of xi_S at U = 12 on the "
    "default config); the drift on these data is S_AI_drift, and xi_S_tdep is the fit with "
    "the time-dependent S_d (the effect of the choice)"
)


def c_boson_entropy(n_c: np.ndarray) -> np.ndarray:
    """H2(p) at every bond from n_c (..., site): p(b) = Σ_{i<b} n_c(i), bonds 1 .. L-1.

    p is clipped to [0, 1] (TEBD densities carry round-off). NaN densities give NaN.
    """
    n_c = np.asarray(n_c, dtype=float)
    p = np.cumsum(n_c, axis=-1)[..., :-1]
    return np.where(np.isfinite(p), binary_entropy(np.nan_to_num(p)), np.nan)


def anderson_entropy(agg: xr.Dataset) -> xr.DataArray | None:
    """S_d(seed, time, bond) = S - H2(p_c^left) of the U = 0 runs; None without U = 0.

    Parameters
    ----------
    agg : xarray.Dataset
        Aggregated runs of one L (``S(U, seed, time, bond)``, ``n_c(U, seed, time, site)``).

    Returns
    -------
    xarray.DataArray or None
        The d-bosons' entropy per realisation (NaN where the run has no data).
    """
    if "U" not in agg.coords or not np.any(agg.U.values == 0):
        return None
    a0 = agg.sel(U=0.0)
    S = a0["S"].transpose("seed", "time", "bond")
    h2 = c_boson_entropy(a0["n_c"].transpose("seed", "time", "site").values)
    out = S.copy(data=S.values.astype(float) - h2)
    out.name = "S_d"
    out.attrs = {
        "units": "1",
        "long_name": "entropy of the d-bosons alone: S(U=0) - H2(p_c^left)",
    }
    return out


@dataclass
class AndersonRef:
    """S_AI from the U = 0 runs (shapes: seed, time, bond as in the aggregate)."""

    S_d: np.ndarray  # (seed, time, bond), NaN where invalid
    valid: np.ndarray  # (seed, time): the U = 0 run has S and n_c at that time
    S_AI_r: np.ndarray  # (seed, bond): late-time constant per realisation, NaN if no data
    S_AI_t: np.ndarray  # (time, bond): disorder mean of S_d
    S_AI_t_err: np.ndarray  # (time, bond): its standard error
    drift: float  # d S_d / d ln t over t >= fit_t_min, bond mean over the inner bonds
    drift_err: float
    drift_n: int  # realisations in the drift

    @property
    def has_r(self) -> np.ndarray:
        """(seed,) realisations with a late-time S_AI at every bond."""
        return np.isfinite(self.S_AI_r).all(axis=-1)


def anderson_reference(
    agg: xr.Dataset, fit_t_min: float, inner: np.ndarray, exclude_unconverged: bool = False
) -> AndersonRef | None:
    """S_d per realisation, its late-time constant and time-dependent mean, and its drift.

    ``inner`` (bond,) selects the bonds of the drift's bond mean (those the fit uses).
    None without U = 0 data at t >= fit_t_min.
    """
    Sd = anderson_entropy(agg)
    if Sd is None:
        return None
    i0 = int(np.nonzero(agg.U.values == 0)[0][0])
    valid = (
        valid_mask(agg, "S", ("bond",), exclude_unconverged)[i0]
        & valid_mask(agg, "n_c", ("site",), exclude_unconverged)[i0]
    )
    S_d = np.where(valid[:, :, None], Sd.values, np.nan)
    times = agg.time.values.astype(float)
    win = times >= max(fit_t_min, np.finfo(float).tiny)
    if not np.isfinite(S_d[:, win]).any():
        return None
    blk = S_d[:, win]
    n = np.isfinite(blk).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        S_AI_r = np.where(n > 0, np.nansum(blk, axis=1) / n, np.nan)
    mean, sem, _ = mean_sem(S_d[None], valid[None])
    drift, drift_err, n_drift = _drift(S_d[:, win][:, :, inner], times[win])
    return AndersonRef(S_d, valid, S_AI_r, mean[0], sem[0], drift, drift_err, n_drift)


def _drift(S_d: np.ndarray, t: np.ndarray) -> tuple[float, float, int]:
    """Slope of the bond mean of S_d versus ln t per realisation: (mean, SEM, count)."""
    bm = S_d.mean(axis=-1)  # (seed, time), NaN if any bond is missing
    slopes = []
    for row in bm:
        ok = np.isfinite(row)
        if ok.sum() >= 2 and np.ptp(np.log(t[ok])) > 0:
            slopes.append(np.polyfit(np.log(t[ok]), row[ok], 1)[0])
    if not slopes:
        return np.nan, np.nan, 0
    m, e, n = mean_sem(np.asarray(slopes), axis=0)
    return float(m), float(e), int(n)
