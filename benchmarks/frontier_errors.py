"""Error bookkeeping of the frontier benchmark: numerical errors and the error bars of the claims.

Numerical error of one run
--------------------------
At the *figure times* -- every grid time ``t >= 1`` (``t_max`` included) -- the candidate run
is compared with its reference (exact dynamics at L = 12, free fermions at U = 0, a much
larger-chi TEBD run otherwise) at equal times:

- ``err_nc``, ``err_nd``: ``max |Δn_c|``, ``max |Δn_d|`` over times and sites;
- ``err_cdd``: ``max |ΔC_dd|`` over times and pairs (i, j);
- ``err_Shalf``: ``max |ΔS(L/2)|`` over times; ``err_S``: ``max |ΔS|`` over times and bonds;
- the same five at ``t_max`` alone (``*_tmax``).

Error bars of the claims
------------------------
The claims rest on disorder means, and the fits of :mod:`mblbath.analysis` weight every point
of a mean by its standard error (SEM over realisations) plus a floor:

- n_c profile (Eq. 3, in ln ñ_c): ``sigma = sqrt(SEM^2 + (0.02 mean)^2)`` over the points
  with ``mean > 1e-6`` (``fit_nc``'s ``rel_err_floor`` and ``n_floor``);
- C_dd (ℓ_d, in ln |C|): ``sigma = sqrt(SEM^2 + (0.02 |mean|)^2)`` over the pairs i != j with
  ``|mean| > 1e-8`` (``fit_ld``'s ``rel_err_floor`` and ``c_floor``: ratio ``cdd``), and the
  same over the pairs with ``|mean| > 1e-6`` only (ratio ``cdd6``): the tail of the
  correlations between 1e-8 and 1e-6 is where truncation at chi <= 256 shows first;
- S (Eq. 5): ``sigma = sqrt(SEM^2 + 1e-3^2)`` (``fit_entanglement``'s ``S_floor``);
- n_d (figures only): ``sigma = SEM``.

:func:`sigma_table` computes these from an aggregate of the pipeline (dims ``U, seed, time,
site[, site2], bond``) at t >= 1; the SEM with ``n`` realisations is the aggregate's rescaled
by ``sqrt(n_agg / n)``. :func:`ratios` then gives, per observable, the worst ratio
``max_p |Δ(p)| / sigma_n(p)`` over the points p of the fit window, a candidate's time mapped
to the nearest aggregate time (in log t; the grids differ slightly for dt != 0.05).
Comparing the error of a single realisation with the error bar of the mean is conservative:
the numerical error of a mean is at most the largest error of its members.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "OBSERVABLES",
    "RATIOS",
    "T_FIG",
    "figure_mask",
    "run_errors",
    "sigma_table",
    "ratios",
]

#: Observables whose errors are reported, in table order.
OBSERVABLES = ("nc", "nd", "cdd", "Shalf", "S")
#: Observables whose error ratios are reported (``cdd6``: C_dd with the 1e-6 window).
RATIOS = ("nc", "nd", "cdd", "cdd6", "Shalf", "S")
#: Figure times start here (the fits' ``fit_t_min``).
T_FIG = 1.0
#: Floors of the fits' error model (mblbath.analysis defaults).
REL_FLOOR = 0.02
N_FLOOR = 1e-6
C_FLOOR = 1e-8
C_FLOOR_TAIL = 1e-6
S_FLOOR = 1e-3


def figure_mask(times: np.ndarray) -> np.ndarray:
    """Grid times the figures use: ``t >= 1`` (this includes ``t_max``)."""
    return np.asarray(times) >= T_FIG - 1e-12


def _align(ref: Mapping[str, np.ndarray], times: np.ndarray) -> np.ndarray:
    """Indices of ``times`` in ``ref["times"]`` (raises if one is missing)."""
    rt = np.asarray(ref["times"])
    idx = np.searchsorted(rt, times - 1e-9)
    idx = np.clip(idx, 0, len(rt) - 1)
    if not np.allclose(rt[idx], times, rtol=0, atol=1e-9):
        missing = times[~np.isclose(rt[idx], times, rtol=0, atol=1e-9)]
        raise ValueError(f"reference lacks times {missing[:5]}")
    return idx


def differences(run: Mapping[str, Any], ref: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``|run - ref|`` per observable at the run's figure times (t >= 1).

    Returns ``times`` (T',) and ``nc``, ``nd`` (T', L), ``cdd`` (T', L, L), ``S`` (T', L-1).
    """
    times = np.asarray(run["times"])
    m = figure_mask(times)
    idx = _align(ref, times[m])
    out = {"times": times[m]}
    for key, name in (("n_c", "nc"), ("n_d", "nd"), ("C_dd", "cdd"), ("S", "S")):
        out[name] = np.abs(np.asarray(run[key])[m] - np.asarray(ref[key])[idx])
    return out


def run_errors(run: Mapping[str, Any], ref: Mapping[str, Any]) -> dict[str, float]:
    """The error columns of one run against its reference (see module docstring)."""
    d = differences(run, ref)
    L = d["nc"].shape[1]
    half = L // 2 - 1  # bond L/2 (sites 0..L/2-1 | L/2..L-1) is column L/2 - 1
    per_t = {
        "nc": d["nc"].max(axis=1),
        "nd": d["nd"].max(axis=1),
        "cdd": d["cdd"].max(axis=(1, 2)),
        "Shalf": d["S"][:, half],
        "S": d["S"].max(axis=1),
    }
    out: dict[str, float] = {}
    for name in OBSERVABLES:
        out[f"err_{name}"] = float(per_t[name].max())
    for name in OBSERVABLES:
        out[f"err_{name}_tmax"] = float(per_t[name][-1])
    return out


def sigma_table(path: str | Path, U: float) -> dict[str, Any]:
    """SEM and the fits' floors of the observables at interaction ``U`` from an aggregate.

    Returns ``times`` (t >= 1), ``n_seeds``, and per observable (``nc``, ``nd``, ``cdd``,
    ``S``) the SEM ``sem_<obs>`` and the floor ``floor_<obs>`` (same shape; NaN marks a point
    outside the fit window), so that ``sigma_n = sqrt(sem^2 n_seeds / n + floor^2)``.
    """
    import xarray as xr

    with xr.open_dataset(path) as ds:
        sel = ds.sel(U=float(U))
        keep = sel["present"].values.astype(bool)
        times = sel["time"].values
        m = figure_mask(times)
        data = {k: sel[k].values[keep][:, m] for k in ("n_c", "n_d", "C_dd", "S")}
    n = int(keep.sum())
    if n < 2:
        raise ValueError(f"{path}: U = {U} has {n} realisations; need >= 2 for a SEM")

    def mean_sem(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return a.mean(axis=0), a.std(axis=0, ddof=1) / np.sqrt(n)

    out: dict[str, Any] = {"times": times[m], "n_seeds": n}
    mean, sem = mean_sem(data["n_c"])
    out["sem_nc"] = np.where(mean > N_FLOOR, sem, np.nan)
    out["floor_nc"] = REL_FLOOR * mean
    mean, sem = mean_sem(data["n_d"])
    out["sem_nd"], out["floor_nd"] = sem, np.zeros_like(sem)
    mean, sem = mean_sem(data["C_dd"])
    off_diag = ~np.eye(mean.shape[-1], dtype=bool)
    out["sem_cdd"] = np.where((np.abs(mean) > C_FLOOR) & off_diag, sem, np.nan)
    out["floor_cdd"] = REL_FLOOR * np.abs(mean)
    out["sem_cdd6"] = np.where(np.abs(mean) > C_FLOOR_TAIL, out["sem_cdd"], np.nan)
    out["floor_cdd6"] = out["floor_cdd"]
    mean, sem = mean_sem(data["S"])
    out["sem_S"], out["floor_S"] = sem, np.full_like(sem, S_FLOOR)
    return out


def _nearest(times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Index of the nearest ``grid`` time to every ``times`` entry, in log t."""
    lg = np.log(grid)
    return np.abs(np.log(times)[:, None] - lg[None, :]).argmin(axis=1)


def ratios(
    run: Mapping[str, Any], ref: Mapping[str, Any], sig: Mapping[str, Any], n: int
) -> dict[str, float]:
    """Worst ``|Δ| / sigma_n`` per observable over the fit window (see module docstring).

    ``Shalf`` uses bond L/2 only, ``S`` every bond. Returns ``ratio_<obs>`` columns for
    :data:`RATIOS`; NaN if no point of the run lies in the window. Times are mapped to the
    nearest aggregate time: the caller must not pass runs longer than the aggregate
    (:func:`benchmarks.frontier.run_part` reports absolute errors only for those).
    """
    d = differences(run, ref)
    it = _nearest(d["times"], np.asarray(sig["times"]))
    scale = sig["n_seeds"] / float(n)
    half = d["nc"].shape[1] // 2 - 1  # column of bond L/2

    def worst(delta: np.ndarray, obs: str, cols: slice = slice(None)) -> float:
        sem = np.asarray(sig[f"sem_{obs}"])[it][..., cols]
        floor = np.asarray(sig[f"floor_{obs}"])[it][..., cols]
        r = delta / np.sqrt(sem**2 * scale + floor**2)
        r = r[np.isfinite(r)]
        return float(r.max()) if r.size else float("nan")

    out = {
        "nc": worst(d["nc"], "nc"),
        "nd": worst(d["nd"], "nd"),
        "cdd": worst(d["cdd"], "cdd"),
        "cdd6": worst(d["cdd"], "cdd6"),
        "Shalf": worst(d["S"][:, half : half + 1], "S", slice(half, half + 1)),
        "S": worst(d["S"], "S"),
    }
    return {f"ratio_{k}": out[k] for k in RATIOS}
