"""Inputs of the Eq. (5) fits of one L: entropies, paired excesses, Eq. (3) parameters.

:func:`read_ent` turns the aggregate and the :func:`~mblbath.analysis.profile.fit_nc`
result into the arrays the fits of :mod:`.entanglement` and :mod:`.ent_front` use:

- ``S_mean``, ``S_err``: disorder mean and standard error of S(U, time, bond);
- with U = 0 data (:func:`~mblbath.analysis.anderson_entropy.anderson_reference`):
  ``y_mean``, ``y_err`` = the paired excess ΔS = S_U - S_AI per realisation over the
  realisation's late-time constant S_AI(b) (what Eq. (5) is fitted to, with no free
  intercept), and ``dS``, ``dS_err`` = the paired excess over the time-dependent S_d(b, t)
  of the same realisation; ``S_AI(U, bond)`` is the mean of S_AI over the realisations
  paired with that U;
- without U = 0 data: ``y_mean`` is ``S_mean`` (S_AI becomes a fitted constant);
- bootstrap means of S, of ΔS and of the S_d excess on the resamples of the Eq. (3) fit
  (its ``bootstrap_seeds``), so the errors of ξ_S include those of S_AI and U_eff.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .anderson_entropy import AndersonRef, anderson_reference
from .dataset import valid_mask
from .stats import bootstrap_mean, mean_sem, seed_counts

__all__ = ["EntData", "read_ent"]


@dataclass
class EntData:
    """Inputs of the Eq. (5) fits of one L (arrays (U, time, bond) unless noted)."""

    Us: np.ndarray
    times: np.ndarray
    x_b: np.ndarray  # (bond,) cut positions b - 1/2 - c_site
    inner: np.ndarray  # (bond,) bonds used by the fits
    tsel: np.ndarray  # (time,) t >= fit_t_min
    valid: np.ndarray  # (U, seed, time)
    S_mean: np.ndarray
    S_err: np.ndarray
    y_mean: np.ndarray  # what Eq. (5) is fitted to (paired excess, or S_mean)
    y_err: np.ndarray
    dS: np.ndarray  # paired excess over the time-dependent S_d (NaN without U = 0)
    dS_err: np.ndarray
    S_AI: np.ndarray  # (U, bond): from U = 0 (NaN without)
    ell: np.ndarray  # (U, time) Eq. (3) parameters on the aggregate's grid
    R: np.ndarray
    N: np.ndarray
    ell_err: np.ndarray
    ref: AndersonRef | None = None
    n_boot: int = 0
    bS: np.ndarray | None = None  # (B, U, time, bond) bootstrap means of S
    by: np.ndarray | None = None  # ... of y
    bdS: np.ndarray | None = None  # ... of dS
    b_ell: np.ndarray | None = None  # (B, U, time)
    b_R: np.ndarray | None = None
    b_N: np.ndarray | None = None

    @property
    def fixed(self) -> bool:
        """S_AI comes from the U = 0 runs (not a fitted constant)."""
        return self.ref is not None


def _paired(S: np.ndarray, valid: np.ndarray, ref: AndersonRef):
    """Per-realisation excesses over S_AI (constant) and over S_d(t), with their masks."""
    D = S - ref.S_AI_r[None, :, None, :]
    vD = valid & ref.has_r[None, :, None]
    E = S - ref.S_d[None]
    vE = valid & ref.valid[None]
    return D, vD, E, vE


def _s_ai_per_u(ref: AndersonRef, vD: np.ndarray) -> np.ndarray:
    """S_AI(U, bond): mean of the late-time S_AI over the realisations paired with U."""
    out = np.full((vD.shape[0], ref.S_AI_r.shape[-1]), np.nan)
    for iu in range(vD.shape[0]):
        seeds = vD[iu].any(axis=-1)
        if seeds.any():
            out[iu] = ref.S_AI_r[seeds].mean(axis=0)
    return out


def read_ent(agg: xr.Dataset, nc_fit: xr.Dataset, fit_t_min, edge_bonds, exclude_unconverged):
    """The :class:`EntData` of one aggregate and its Eq. (3) fit (see module docstring)."""
    c_site = int(agg.attrs["c_site"])
    bonds = agg.bond.values.astype(int)
    S = agg["S"].transpose("U", "seed", "time", "bond").values.astype(float)
    valid = valid_mask(agg, "S", ("bond",), exclude_unconverged)
    S_mean, S_err, _ = mean_sem(S, valid)
    nc = nc_fit.reindex(U=agg.U.values, time=agg.time.values)
    inner = np.zeros(bonds.size, dtype=bool)
    inner[edge_bonds : bonds.size - edge_bonds] = True
    times = agg.time.values.astype(float)
    ref = anderson_reference(agg, fit_t_min, inner, exclude_unconverged)
    nan = np.full_like(S_mean, np.nan)
    d = EntData(
        Us=agg.U.values.astype(float),
        times=times,
        x_b=bonds - 0.5 - c_site,
        inner=inner,
        tsel=times >= max(fit_t_min, np.finfo(float).tiny),
        valid=valid,
        S_mean=S_mean,
        S_err=S_err,
        y_mean=S_mean,
        y_err=S_err,
        dS=nan,
        dS_err=nan,
        S_AI=np.full((S_mean.shape[0], bonds.size), np.nan),
        ell=nc["ell_c"].values,
        R=nc["R"].values,
        N=nc["N_c"].values,
        ell_err=nc["ell_c_err"].values,
        ref=ref,
    )
    if ref is not None:
        D, vD, E, vE = _paired(S, valid, ref)
        d.y_mean, d.y_err, _ = mean_sem(D, vD)
        d.dS, d.dS_err, _ = mean_sem(E, vE)
        d.S_AI = _s_ai_per_u(ref, vD)
    if "bootstrap_seeds" in nc_fit and "ell_c_boot" in nc_fit:
        counts = seed_counts(nc_fit["bootstrap_seeds"].values, agg.seed.values)
        d.n_boot = counts.shape[0]
        d.bS = bootstrap_mean(counts, S, valid)
        d.by = d.bS
        if ref is not None:
            d.by = bootstrap_mean(counts, D, vD)
            d.bdS = bootstrap_mean(counts, E, vE)
        d.b_ell, d.b_R, d.b_N = (
            nc[k].transpose("sample", "U", "time").values
            for k in ("ell_c_boot", "R_boot", "N_c_boot")
        )
    return d
