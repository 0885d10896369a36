"""Aggregation: many run files of one (numerics, L) -> one Dataset with dims (U, seed, ...).

Parameters that every run shares stay attributes; the swept ones (U, seed) become
dimensions. Per-run bookkeeping (``converged``, ``max_trunc_err``, ``finished``,
``wall_time_s``) becomes a variable over (U, seed). A (U, seed) pair with no run file is
NaN everywhere and ``present = 0``, so nothing is averaged unknowingly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from . import cf
from .analysis.stats import mean_sem_xr
from .config import MODEL_KEYS, NUMERIC_KEYS
from .io import open_run, provenance

__all__ = ["SHARED_ATTRS", "aggregate_runs", "check_disorder", "disorder_mean"]

#: Attributes that must be identical in every run of one aggregate.
SHARED_ATTRS = (
    "L",
    *MODEL_KEYS,
    "master_seed",
    *NUMERIC_KEYS,
    "numerics",
    "method",
    "schema_version",
)

_PER_RUN = {
    "converged": ("run converged (accumulated truncation error <= trunc_err_max)", np.int8),
    "finished": ("run reached t_max", np.int8),
    "max_trunc_err": ("accumulated truncation error at t_max", np.float64),
    "wall_time_s": ("wall time of the run", np.float64),
}


#: Shared attributes added after the first run files were written, with the value that
#: those files implied (so old and new runs of the same settings still aggregate).
_IMPLIED = {"cdd_every": 1}


def _shared(ds: xr.Dataset, key: str) -> Any:
    """Attribute ``key`` of a run file (the implied value if an older file lacks it)."""
    return ds.attrs.get(key, _IMPLIED.get(key))


def aggregate_runs(
    paths: Iterable[str],
    U_values: Sequence[float] | None = None,
    seeds: Sequence[int] | None = None,
    config_hash: str | None = None,
) -> xr.Dataset:
    """Stack run files into one Dataset with dims (U, seed, time, site[, site2], bond).

    ``U_values``/``seeds`` fix the coordinates (missing runs become NaN, ``present = 0``);
    by default they are those found in the files.
    """
    runs = [open_run(p) for p in paths]
    if not runs:
        raise ValueError("no run files to aggregate")
    _check_compatible(paths, runs)
    U_found = sorted({float(ds.attrs["U"]) for ds in runs})
    seed_found = sorted({int(ds.attrs["seed"]) for ds in runs})
    U_values = sorted(float(u) for u in U_values) if U_values is not None else U_found
    seeds = sorted(int(s) for s in seeds) if seeds is not None else seed_found
    index = _grid_index(paths, runs, U_values, seeds)
    ref = runs[0]
    return xr.Dataset(
        _stacked(ref, index, U_values, seeds),
        coords=_coords(ref, U_values, seeds),
        attrs=_attrs(ref, runs, index, len(U_values) * len(seeds), config_hash),
    )


def _check_compatible(paths: Iterable[str], runs: list[xr.Dataset]) -> None:
    """Raise ValueError unless every run has the first one's settings and time grid."""
    ref = runs[0]
    for p, ds in zip(paths, runs, strict=True):
        for key in SHARED_ATTRS:
            if _shared(ds, key) != _shared(ref, key):
                raise ValueError(
                    f"{p}: attribute {key}={_shared(ds, key)!r} differs from "
                    f"{_shared(ref, key)!r}; runs of different settings cannot be aggregated"
                )
        if not np.array_equal(ds["time"].values, ref["time"].values):
            raise ValueError(f"{p}: time grid differs from the other runs")


def _grid_index(
    paths: Iterable[str], runs: list[xr.Dataset], U_values: list[float], seeds: list[int]
) -> dict[tuple[float, int], xr.Dataset]:
    """The runs by (U, seed); ValueError for a duplicate or a point outside the grid."""
    index = {}
    for p, ds in zip(paths, runs, strict=True):
        key = (float(ds.attrs["U"]), int(ds.attrs["seed"]))
        if key in index:
            raise ValueError(f"{p}: a second run for U={key[0]}, seed={key[1]}")
        if key[0] not in U_values or key[1] not in seeds:
            raise ValueError(f"{p}: U={key[0]}, seed={key[1]} is outside the requested grid")
        index[key] = ds
    return index


def _stacked(
    ref: xr.Dataset,
    index: dict[tuple[float, int], xr.Dataset],
    U_values: list[float],
    seeds: list[int],
) -> dict[str, tuple]:
    """The data variables on the (U, seed) grid, NaN (0 for flags) where a run is missing.

    Every time-dependent variable of the runs gets the leading dims (U, seed); ``eps``
    depends on the seed only; ``present`` marks the runs found; the bookkeeping attributes
    of :data:`_PER_RUN` become variables over (U, seed).
    """
    data = {}
    for name in [v for v in ref.data_vars if "time" in ref[v].dims]:
        template = ref[name]
        arr = np.full((len(U_values), len(seeds), *template.shape), np.nan)
        for (u, s), ds in index.items():
            arr[U_values.index(u), seeds.index(s)] = ds[name].values
        data[name] = (("U", "seed", *template.dims), arr, dict(template.attrs))
    eps = np.full((len(seeds), ref.sizes["site"]), np.nan)
    for (_, s), ds in index.items():
        eps[seeds.index(s)] = ds["eps"].values
    data["eps"] = (("seed", "site"), eps, dict(ref["eps"].attrs))
    present = np.zeros((len(U_values), len(seeds)), dtype=np.int8)
    for u, s in index:
        present[U_values.index(u), seeds.index(s)] = 1
    data["present"] = (("U", "seed"), present, {"long_name": "run file present", "units": "1"})
    for name, (long_name, dtype) in _PER_RUN.items():
        fill = 0 if np.issubdtype(dtype, np.integer) else np.nan
        arr = np.full((len(U_values), len(seeds)), fill, dtype=dtype)
        for (u, s), ds in index.items():
            arr[U_values.index(u), seeds.index(s)] = ds.attrs.get(name, fill)
        units = "s" if name == "wall_time_s" else "1"
        data[name] = (("U", "seed"), arr, {"long_name": long_name, "units": units})
    return data


def _coords(ref: xr.Dataset, U_values: list[float], seeds: list[int]) -> dict[str, Any]:
    """The coordinates: those of the runs (time, sites, bonds) and the U and seed grids."""
    coords = {k: ref.coords[k] for k in ("time", "site", "site2", "bond", "x") if k in ref.coords}
    coords["U"] = (
        "U",
        np.asarray(U_values),
        {"long_name": "c-d interaction U", **cf.unit_attrs("hopping")},
    )
    coords["seed"] = (
        "seed",
        np.asarray(seeds, dtype=np.int64),
        {"long_name": "disorder realisation"},
    )
    return coords


def _attrs(
    ref: xr.Dataset,
    runs: list[xr.Dataset],
    index: dict[tuple[float, int], xr.Dataset],
    n_grid: int,
    config_hash: str | None,
) -> dict[str, Any]:
    """The attributes: the shared settings, counts of the grid's ``n_grid`` points that are
    present, missing and unconverged, the runs' commits and versions, and the provenance."""
    attrs = {"title": f"Runs of one system size (L = {ref.attrs.get('L')}) stacked over (U, seed)"}
    if "source" in ref.attrs:  # how the runs were made (CF: the method of production)
        attrs["source"] = ref.attrs["source"]
    attrs.update({k: _shared(ref, k) for k in SHARED_ATTRS if _shared(ref, k) is not None})
    attrs["initial_state"] = ref.attrs.get("initial_state", "")
    attrs["nu_d"] = ref.attrs.get("nu_d", "1/3")
    attrs["n_runs"] = len(index)
    attrs["n_missing"] = n_grid - len(index)
    attrs["n_unconverged"] = int(
        sum(1 - int(ds.attrs.get("converged", 0)) for ds in index.values())
    )
    attrs["run_git_commits"] = " ".join(sorted({str(ds.attrs.get("git_commit")) for ds in runs}))
    attrs.update({f"run_{k}": v for k, v in ref.attrs.items() if k.startswith("version_")})
    attrs.update(provenance(config_hash))
    return attrs


def check_disorder(agg: xr.Dataset, disorder_path: str) -> None:
    """Check that every run used the potential of the disorder file (bit for bit)."""
    with xr.open_dataset(disorder_path) as dis:
        for s in agg["seed"].values:
            got = agg["eps"].sel(seed=s).values
            if np.isnan(got).all():
                continue
            if s not in dis["seed"].values or not np.array_equal(
                got, dis["eps"].sel(seed=s).values
            ):
                raise ValueError(f"seed {s}: the runs' eps differs from {disorder_path}")


def disorder_mean(
    agg: xr.Dataset, var: str, exclude_unconverged: bool = False
) -> tuple[xr.DataArray, xr.DataArray]:
    """Disorder mean and standard error of the mean of ``agg[var]`` over ``seed``.

    Missing runs (NaN) are skipped; with ``exclude_unconverged`` runs flagged
    ``converged = 0`` are skipped too. Computed by :func:`mblbath.analysis.stats.mean_sem_xr`.
    """
    da = agg[var]
    if exclude_unconverged:
        da = da.where(agg["converged"] == 1)
    mean, sem, _ = mean_sem_xr(da, "seed")
    return mean, sem
