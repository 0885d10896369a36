r"""Observables of the long-time branch, derived from an aggregate's n_c, n_d and S.

Per run (dims ``U, seed, time``), with ``x = i - i0`` the distance from the c-boson's
initial site ``i0`` (the aggregate's coordinate ``x``):

- ``sigma2_c`` -- mean-square displacement of the c-boson,
  :math:`\sigma_c^2(t) = \sum_i (i - i_0)^2 \langle n_{c,i}(t)\rangle`;
- ``imbalance_d`` -- contrast of the period-3 density wave,
  :math:`I_d(t) = \overline{n_d}(A, t) - \overline{n_d}(B, t)`, the mean d density on the sites
  A occupied at t = 0 minus that on the empty sites B. It is 1 at t = 0 (A full, B empty)
  without further normalisation, and 0 in a state of uniform density (thermal at
  ν_d = 1/3); a negative value means the wave has inverted. The same contrast, over the
  whole chain, that the claims report uses locally (:mod:`mblbath.report.claims_nd`);
- ``S_half`` -- entanglement entropy of the left half, sites ``0 .. L//2 - 1`` (bond
  ``L // 2``; for odd L the left block is the smaller one);
- ``return_c`` -- return probability of the c-boson, :math:`\langle n_{c,i_0}(t)\rangle`.

Runs of one aggregate share the disorder of each seed across U. From the first time at
which any TEBD run of a U has an accumulated truncation error above the aggregate's
``trunc_err_max``, that U's observables are NaN (``mask_unconverged_times``): the data of a
U end where its numerics stop being converged, for every realisation alike (keeping only
the converged runs would favour the least entangled ones). ``t_converged(U, seed)``
records each run's last converged time. Exact runs have no
truncation error and are never masked. Disorder means and standard errors over the seeds
(:func:`mblbath.analysis.stats.mean_sem`) are stored next to the per-run values.

If the aggregate holds the diagonal-ensemble densities of exact diagonalisation
(``n_c_inf``, ``n_d_inf``: the infinite-time averages), the same observables at t = ∞ are
stored as ``*_inf(U, seed)`` (``S_half`` has none). Two finite-size references go into the
attributes: ``sigma2_c_uniform``, the σ_c² of a c-boson spread uniformly over the chain, and
``S_half_page``, the half-chain entropy of a random state of the (N_d, N_c = 1) sector
(:func:`sector_page_entropy`).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from .dataset import variable
from .stats import mean_sem

__all__ = ["OBSERVABLES", "derived_observables", "sector_page_entropy", "per_run_observables"]

#: name -> (units, long_name) of the derived observables.
OBSERVABLES: dict[str, tuple[str, str]] = {
    "sigma2_c": (
        "1",
        "c-boson mean-square displacement sum_i (i - i0)^2 n_c,i (lattice spacings^2)",
    ),
    "imbalance_d": (
        "1",
        "d-boson density-wave contrast: mean n_d on the sites occupied at t = 0 minus "
        "mean n_d on the empty ones (1 at t = 0, 0 when uniform)",
    ),
    "S_half": ("1", "half-chain entanglement entropy S(L/2) in nats (bond L // 2)"),
    "return_c": ("1", "c-boson return probability n_c at its initial site"),
}


def sector_page_entropy(L: int, N_d: int, bond: int) -> float:
    """Entropy of sites ``0 .. bond-1`` of a random state of the (N_d, N_c = 1) sector.

    The reduced density matrix is block diagonal in the left charges (N_d,left, N_c,left);
    a block of m left and n right states holds the weight ``p = m n / D`` and, for a random
    state, the Page entropy ``ln min(m, n) - min(m, n) / (2 max(m, n))``. The total is
    ``Σ p (S_Page - ln p)`` (the standard block approximation; exact up to O(1/D)). The
    finite-size ceiling that an entanglement growing without bound would reach.
    """
    D = L * math.comb(L, N_d)
    total = 0.0
    for n_left in range(max(0, N_d - (L - bond)), min(N_d, bond) + 1):
        for c_left in (0, 1):
            m = math.comb(bond, n_left) * (bond if c_left else 1)
            n = math.comb(L - bond, N_d - n_left) * (1 if c_left else L - bond)
            if m == 0 or n == 0:
                continue
            p = m * n / D
            small, large = min(m, n), max(m, n)
            total += p * (math.log(small) - small / (2 * large) - math.log(p))
    return total


def _occupied(agg: xr.Dataset) -> np.ndarray:
    """Sites occupied by d-bosons at t = 0 (from n_d at the first time, which must be 0)."""
    if float(agg["time"].values[0]) != 0.0:
        raise ValueError("the aggregate's first time must be t = 0 (the initial state)")
    first = agg["n_d"].isel(time=0).transpose(..., "site").values.reshape(-1, agg.sizes["site"])
    good = np.all(np.isfinite(first), axis=1)
    if not good.any():
        raise ValueError("no run with n_d at t = 0")
    return first[good][0] > 0.5


def per_run_observables(
    n_c: np.ndarray, n_d: np.ndarray | None, S: np.ndarray | None, x: np.ndarray, occ: np.ndarray
) -> dict[str, np.ndarray]:
    """The derived observables of arrays (..., site) [S: (..., bond)]; see the module docstring.

    ``x``: distance of each site from the c-boson's initial site; ``occ``: boolean mask of
    the sites occupied by d-bosons at t = 0. ``n_d`` or ``S`` may be None (that observable
    is then absent).
    """
    x = np.asarray(x, dtype=float)
    out = {
        "sigma2_c": np.sum(n_c * x**2, axis=-1),
        "return_c": n_c[..., int(np.flatnonzero(x == 0)[0])],
    }
    if n_d is not None:
        out["imbalance_d"] = n_d[..., occ].mean(axis=-1) - n_d[..., ~occ].mean(axis=-1)
    if S is not None:
        L = x.size
        out["S_half"] = S[..., L // 2 - 1]  # bond b = L // 2 is column b - 1
    return out


def _masked_times(agg: xr.Dataset, mask: bool) -> tuple[np.ndarray, np.ndarray]:
    """(U, seed, time) mask of the times kept, and the last converged time of each run.

    A time is kept at a U only if every run of that U with data there is converged
    (accumulated truncation error <= ``trunc_err_max``): dropping only the unconverged runs
    would keep the least entangled realisations, a bias. Exact runs are always kept.
    """
    times = agg["time"].values.astype(float)
    nc = agg["n_c"].transpose("U", "seed", "time", "site").values
    have = np.all(np.isfinite(nc), axis=-1)
    conv = np.ones(have.shape, dtype=bool)
    if mask and "trunc_err" in agg and "trunc_err_max" in agg.attrs:
        te = agg["trunc_err"].transpose("U", "seed", "time").values
        conv = ~(te > float(agg.attrs["trunc_err_max"]))  # NaN (missing) counts as converged
    good = have & conv
    last = np.where(good.any(axis=-1), np.where(good, times, -np.inf).max(axis=-1), np.nan)
    keep = np.all(conv | ~have, axis=1, keepdims=True)  # (U, 1, time)
    return np.broadcast_to(keep, have.shape), last


def derived_observables(
    agg: xr.Dataset, source: str = "", mask_unconverged_times: bool = True
) -> xr.Dataset:
    """Derived observables of every run of an aggregate, with disorder means and errors.

    Parameters
    ----------
    agg : xarray.Dataset
        An aggregate (dims ``U, seed, time, site[, bond]``) of TEBD or exact runs.
    source : str
        Name of the data source (``exact_T10000``, ``tebd_<numerics>``, ...), recorded.
    mask_unconverged_times : bool
        Set the times of a run whose accumulated truncation error exceeds ``trunc_err_max``
        to NaN (module docstring).

    Returns
    -------
    xarray.Dataset
        ``<name>(U, seed, time)``, ``<name>_mean(U, time)``, ``<name>_sem(U, time)``,
        ``n_seeds(U, time)``, ``t_converged(U, seed)``, ``<name>_inf(U, seed)`` where the
        diagonal ensemble is available; attributes: L, the source, the method, the
        finite-size references and the aggregate's parameters.
    """
    agg = agg.transpose("U", "seed", "time", ...)
    L = int(agg.sizes["site"])
    x = agg["x"].values.astype(float)
    occ = _occupied(agg)
    ok, t_conv = _masked_times(agg, mask_unconverged_times)
    S = agg["S"].transpose("U", "seed", "time", "bond").values if "S" in agg else None
    obs = per_run_observables(
        agg["n_c"].transpose(..., "site").values,
        agg["n_d"].transpose(..., "site").values,
        S,
        x,
        occ,
    )
    dims = ("U", "seed", "time")
    data = {}
    for name, values in obs.items():
        units, long_name = OBSERVABLES[name]
        values = np.where(ok, values, np.nan)
        mean, sem, n = mean_sem(values, axis=1)
        data[name] = variable(dims, values, units, long_name)
        data[f"{name}_mean"] = variable(("U", "time"), mean, units, f"disorder mean of {name}")
        data[f"{name}_sem"] = variable(("U", "time"), sem, units, f"standard error of {name}_mean")
        data["n_seeds"] = variable(("U", "time"), n.astype(np.int32), "1", "realisations averaged")
    data["t_converged"] = variable(
        ("U", "seed"), t_conv, "hopping times", "last time with truncation error <= trunc_err_max"
    )
    data.update(_infinite_time(agg, x, occ))
    for name in ("converged", "present", "max_trunc_err"):
        if name in agg:
            data[name] = agg[name].variable
    return xr.Dataset(data, coords=_coords(agg), attrs=_attrs(agg, source, L, x, occ))


def _infinite_time(agg: xr.Dataset, x: np.ndarray, occ: np.ndarray) -> dict:
    """``<name>_inf(U, seed)`` from the diagonal-ensemble densities, if the aggregate has them."""
    if "n_c_inf" not in agg or "n_d_inf" not in agg:
        return {}
    nc = agg["n_c_inf"].transpose("U", "seed", "site").values
    nd = agg["n_d_inf"].transpose("U", "seed", "site").values
    out = {}
    for name, values in per_run_observables(nc, nd, None, x, occ).items():
        units, long_name = OBSERVABLES[name]
        out[f"{name}_inf"] = variable(
            ("U", "seed"), values, units, f"{long_name}, diagonal ensemble (t = infinity)"
        )
    return out


def _coords(agg: xr.Dataset) -> dict:
    return {
        "U": variable(("U",), agg["U"].values.astype(float), "hopping", "c-d interaction U"),
        "seed": variable(("seed",), agg["seed"].values.astype(np.int64), "1", "realisation"),
        "time": variable(("time",), agg["time"].values.astype(float), "hopping times", "time"),
    }


def _attrs(agg: xr.Dataset, source: str, L: int, x: np.ndarray, occ: np.ndarray) -> dict:
    N_d = int(occ.sum())
    keep = {k: v for k, v in agg.attrs.items() if not k.startswith(("version_", "run_version_"))}
    keep.pop("title", None)
    return {
        **keep,
        "title": "Long-time observables: sigma_c^2, I_d, S(L/2), return probability (issue 23)",
        "source": source,
        "L": L,
        "N_d": N_d,
        "half_bond": L // 2,
        "sigma2_c_uniform": float(np.mean(x**2)),
        "S_half_page": sector_page_entropy(L, N_d, L // 2),
        "imbalance_d_definition": (
            "mean n_d on the sites occupied at t = 0 minus mean n_d on the empty sites"
        ),
    }
