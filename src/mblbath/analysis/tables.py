"""Result tables that the figures and the claims report both show.

Each function turns the loaded inputs (:class:`~mblbath.analysis.bundle.Bundle`) into
plain numpy tables: the entanglement S(time, bond) with its errors and the Eq. (5) model
(:func:`entropy_tables`), the profile folded about the c-boson's initial site
(:func:`symmetrise`), the cuts and times shown (:func:`cuts`, :func:`pick_times`), the cut
positions (:func:`cut_x`, :func:`c_site_of`) and the lower bound of ξ_c when its Eq. (4) fit
failed (:func:`ell_c_lower_bound`). Like the readers of :mod:`.bundle` they return None
instead of raising when an input is missing.

Cut positions: the cut of bond b (between sites b-1 and b) sits at i = b - 1/2, so its
distance from the c-boson's initial site is x = b - 1/2 - c_site, a half-integer.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .bundle import Bundle, masked_ok, nearest_index, seed_valid, sel_u, var
from .stats import mean_sem_xr

__all__ = [
    "c_site_of",
    "cut_x",
    "cuts",
    "disorder_mean_at",
    "ell_c_lower_bound",
    "entropy_tables",
    "pick_times",
    "symmetrise",
]

#: Number of times picked by default (profiles of Fig. 1(b)).
N_TIMES = 6


def disorder_mean_at(
    b: Bundle, agg: xr.Dataset, name: str, U: float
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Mean, standard error and count over ``seed`` of ``agg[name]`` at ``U``.

    The runs are those of :func:`~mblbath.analysis.bundle.seed_valid` (unconverged runs
    left out if the config says so).
    """
    valid = seed_valid(agg, b.exclude_unconverged)
    v = sel_u(valid, U) if valid is not None else None
    return mean_sem_xr(sel_u(agg[name], U), "seed", v)


def entropy_tables(b: Bundle, L: int, U: float):
    """``(time, bond, S, S_err, S_model | None)`` as numpy arrays (time, bond); None if absent."""
    ent = b.ent_fit.get(L)
    if ent is not None and sel_u(var(ent, "S_mean"), U) is not None:
        f = sel_u(ent, U)
        S = f["S_mean"].transpose("time", "bond")
        err = f.get("S_err")
        E = err.transpose("time", "bond").values if err is not None else np.full(S.shape, np.nan)
        mod = f.get("S_model")
        M = mod.transpose("time", "bond").values.astype(float) if mod is not None else None
        if M is not None and not np.any(np.isfinite(M)):
            M = None
        return S["time"].values, S["bond"].values, S.values.astype(float), E, M
    agg = b.agg.get(L)
    if agg is None or sel_u(var(agg, "S"), U) is None:
        return None
    m, e, _ = disorder_mean_at(b, agg, "S", U)
    m = m.transpose("time", "bond")
    return m["time"].values, m["bond"].values, m.values, e.transpose("time", "bond").values, None


def symmetrise(x: np.ndarray, y: np.ndarray, e: np.ndarray | None = None):
    """Fold a profile over the centre: at d = |x| the mean of the cuts at +-x (NaN ignored).

    The errors of the two cuts are combined in quadrature.
    """
    d = np.round(np.abs(np.asarray(x, dtype=float)), 6)
    ds = np.unique(d)
    ys, es = [], []
    for v in ds:
        k = np.flatnonzero(np.isclose(d, v))
        ys.append(np.nanmean(y[k]) if np.any(np.isfinite(y[k])) else np.nan)
        if e is not None:
            ek = e[k][np.isfinite(e[k])]
            es.append(np.sqrt(np.sum(ek**2)) / len(k) if ek.size else np.nan)
    return ds, np.asarray(ys), (np.asarray(es) if e is not None else None)


def cuts(x: np.ndarray, L: int, n: int = 4) -> list[int]:
    """Indices of the cuts with x >= 0 closest to 0, L/8, L/4, 3L/8 (distinct)."""
    x = np.asarray(x, dtype=float)
    out: list[int] = []
    for k in range(n):
        j = int(np.argmin(np.where(x >= 0, np.abs(x - k * L / 8.0), np.inf)))
        if j not in out:
            out.append(j)
    return out


def pick_times(times: np.ndarray, n: int = N_TIMES, t_min: float = 0.5) -> list[float]:
    """About ``n`` distinct grid times, log-spaced from ``t_min`` (or the first t > 0) to t_max."""
    t = np.asarray([v for v in times if v > 0 and np.isfinite(v)], dtype=float)
    if t.size == 0:
        return []
    lo = t[t >= t_min].min() if np.any(t >= t_min) else t.min()
    targets = np.geomspace(lo, t.max(), n) if t.max() > lo else [lo]
    return sorted({float(t[nearest_index(t, tt)]) for tt in targets})


def c_site_of(b: Bundle, L: int) -> int:
    """Initial site of the c-boson at size L (attribute ``c_site`` of any input, else L // 2)."""
    for key in ("agg", "ent_fit", "nc_fit", "ld_fit", "lc_fit"):
        ds = getattr(b, key).get(L)
        if ds is not None and "c_site" in ds.attrs:
            return int(np.asarray(ds.attrs["c_site"]).ravel()[0])
    return L // 2


def cut_x(bond: np.ndarray, c_site: int) -> np.ndarray:
    """Position of the cut of bond b (between sites b-1 and b) relative to the c-boson's
    initial site: x = b - 1/2 - c_site (half-integer; +-1/2 are the two cuts next to it)."""
    return np.asarray(bond, dtype=float) - 0.5 - float(c_site)


def ell_c_lower_bound(b: Bundle, L: int, U: float) -> tuple[float, float, float] | None:
    """Largest fitted ℓ_c(t) (status ok) at (L, U): ``(value, error, time)`` or None.

    Eq. (4) gives ℓ(t) = ξ g/(1 + g) < ξ, so this is a lower bound of ξ_c when the Eq. (4)
    fit itself failed (e.g. no saturation inside the time window).
    """
    f = b.nc_fit.get(L)
    ell = sel_u(masked_ok(f, "ell_c"), U) if f is not None else None
    if ell is None or not np.any(np.isfinite(ell.values)):
        return None
    y = ell.values.astype(float)
    k = int(np.nanargmax(y))
    err = sel_u(var(f, "ell_c_err"), U)
    e = float(err.values[k]) if err is not None else float("nan")
    return float(y[k]), e, float(ell["time"].values[k])
