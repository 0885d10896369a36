"""Reading the aggregated and fitted netCDF files for the figures and the claims report.

:func:`load_bundle` opens every input of a figure or of the report into a :class:`Bundle`
(per-L datasets keyed by L). The readers here are defensive: a variable may be missing, a
fit may have failed (its ``status`` is then a reason string instead of ``"ok"``), a U may
be absent from the sweep. They return ``None`` or NaN in those cases, never raise, and
never warn (pytest turns warnings into errors), so the callers can write an in-panel note
or a "not testable" verdict instead of crashing.

Disorder averages of these inputs use :func:`mblbath.analysis.stats.mean_sem_xr` over the
runs that :func:`seed_valid` admits (missing runs and, if ``analysis.exclude_unconverged``
is set in the config, runs flagged ``converged = 0`` are left out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..io import open_result

__all__ = [
    "INPUT_KEYS",
    "Bundle",
    "load_bundle",
    "open_all",
    "size_of",
    "var",
    "status_strings",
    "is_ok",
    "failure_reason",
    "ok_mask",
    "masked_ok",
    "u_values",
    "sel_u",
    "has_u",
    "largest_u",
    "smallest_positive_u",
    "seed_valid",
    "nearest_index",
    "last_finite_time",
    "run_counts",
    "cfg_get",
]

#: Keys of the ``inputs`` mapping of the figures' ``make_figure`` and the report's
#: ``write_claims``.
INPUT_KEYS = ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "criterion", "validation")

_U_TOL = 1e-9


def size_of(ds: xr.Dataset) -> int:
    """System size L of a dataset: attribute ``L``, else the length of dimension ``site``."""
    if "L" in ds.attrs:
        return int(np.asarray(ds.attrs["L"]).ravel()[0])
    if "site" in ds.sizes:
        return int(ds.sizes["site"])
    if "bond" in ds.sizes:
        return int(ds.sizes["bond"]) + 1
    return -1


def open_all(paths: Sequence[str | Path]) -> list[xr.Dataset]:
    """Load every netCDF file fully into memory (files are closed afterwards), sorted by L."""
    out = []
    for p in paths:
        if not Path(p).is_file():
            raise FileNotFoundError(f"figure/report input {p} does not exist")
        out.append(open_result(p))
    return sorted(out, key=size_of)


@dataclass
class Bundle:
    """All inputs of one figure or of the report, keyed by system size where per-L."""

    agg: dict[int, xr.Dataset] = field(default_factory=dict)
    nc_fit: dict[int, xr.Dataset] = field(default_factory=dict)
    lc_fit: dict[int, xr.Dataset] = field(default_factory=dict)
    ld_fit: dict[int, xr.Dataset] = field(default_factory=dict)
    ent_fit: dict[int, xr.Dataset] = field(default_factory=dict)
    criterion: xr.Dataset | None = None
    validation: dict[int, xr.Dataset] = field(default_factory=dict)
    cfg: dict[str, Any] = field(default_factory=dict)

    def sizes(self, *keys: str) -> list[int]:
        """Sorted system sizes present in the given per-L inputs (default: all of them)."""
        keys = keys or ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit")
        return sorted({L for k in keys for L in getattr(self, k)})

    def u_all(self) -> list[float]:
        """Every U of the config sweep and of any input file (for consistent colours)."""
        us = {float(u) for u in cfg_get(self.cfg, "sweep", "U", default=[]) or []}
        for key in ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit"):
            for ds in getattr(self, key).values():
                us.update(u_values(ds))
        return sorted(us)

    @property
    def exclude_unconverged(self) -> bool:
        return bool(cfg_get(self.cfg, "analysis", "exclude_unconverged", default=False))


def load_bundle(inputs: dict[str, list[str]], meta: dict[str, Any] | None) -> Bundle:
    """Open every input file; unknown keys are ignored, missing keys mean 'no file'."""
    b = Bundle(cfg=dict((meta or {}).get("config") or {}))
    for key in INPUT_KEYS:
        dsets = open_all(list(inputs.get(key) or []))
        if key == "criterion":
            b.criterion = dsets[-1] if dsets else None
        else:
            setattr(b, key, {size_of(ds): ds for ds in dsets})
    return b


def cfg_get(cfg: dict[str, Any] | None, *keys: str, default: Any = None) -> Any:
    """Nested ``cfg[k1][k2]...`` with a default for any missing level."""
    cur: Any = cfg or {}
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return default
        cur = cur[k]
    return default if cur is None else cur


def var(ds: xr.Dataset | None, name: str) -> xr.DataArray | None:
    """Variable ``name`` of ``ds`` or None."""
    if ds is None or name not in ds.variables:
        return None
    return ds[name]


def status_strings(da: xr.DataArray) -> np.ndarray:
    """Status values as an array of Python str (bytes decoded, missing -> 'missing')."""
    flat = []
    for v in np.asarray(da.values, dtype=object).ravel():
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        flat.append("missing" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return np.asarray(flat, dtype=object).reshape(da.shape)


def ok_mask(ds: xr.Dataset, status: str = "status") -> xr.DataArray | None:
    """Boolean DataArray, True where ``ds[status] == 'ok'`` (None if there is no status)."""
    st = var(ds, status)
    if st is None:
        return None
    ok = (
        np.vectorize(is_ok, otypes=[bool])(status_strings(st))
        if st.size
        else np.zeros(st.shape, bool)
    )
    return xr.DataArray(ok, dims=st.dims, coords=st.coords)


def is_ok(status: str) -> bool:
    """A fit status is usable if it is 'ok' or starts with 'ok; ' (ok with a caveat)."""
    return status == "ok" or status.startswith("ok;")


def failure_reason(st: xr.DataArray | None) -> str | None:
    """The most frequent non-ok status (skipping 'not fitted: t ...' when others exist)."""
    if st is None:
        return None
    bad = [s for s in status_strings(st).ravel() if not is_ok(s)]
    if not bad:
        return None
    real = [s for s in bad if not s.startswith("not fitted: t")]
    pool = real or bad
    return max(sorted(set(pool)), key=pool.count)


def masked_ok(ds: xr.Dataset | None, name: str, status: str = "status") -> xr.DataArray | None:
    """``ds[name]`` with NaN wherever the fit status is not 'ok' (and where it is NaN)."""
    da = var(ds, name)
    if da is None:
        return None
    da = da.astype(float)
    ok = ok_mask(ds, status)
    if ok is not None and set(ok.dims) <= set(da.dims):
        da = da.where(ok)
    return da


def u_values(ds: xr.Dataset | None) -> list[float]:
    """Sorted U coordinate values of ``ds`` (empty if it has no U)."""
    if ds is None or "U" not in ds.coords:
        return []
    return sorted(float(u) for u in np.atleast_1d(ds["U"].values))


def has_u(ds: xr.Dataset | None, U: float) -> bool:
    """True if ``U`` is one of the U coordinates of ``ds``."""
    return any(abs(u - U) < _U_TOL for u in u_values(ds))


def sel_u(obj: xr.Dataset | xr.DataArray | None, U: float) -> Any:
    """Select ``U`` exactly (within 1e-9); None if absent."""
    if obj is None or "U" not in obj.coords:
        return None
    us = np.atleast_1d(obj["U"].values).astype(float)
    hit = np.flatnonzero(np.abs(us - U) < _U_TOL)
    if hit.size == 0:
        return None
    return obj.isel(U=int(hit[0]))


def largest_u(us: Sequence[float]) -> float | None:
    """Largest U > 0 (the paper's main case U = 12), or None."""
    pos = [u for u in us if u > _U_TOL]
    return max(pos) if pos else None


def smallest_positive_u(us: Sequence[float]) -> float | None:
    """Smallest U > 0 when it differs from the largest (the paper's U = 2.5), else None."""
    pos = sorted(u for u in us if u > _U_TOL)
    return pos[0] if len(pos) >= 2 else None


def seed_valid(agg: xr.Dataset, exclude_unconverged: bool = False) -> xr.DataArray | None:
    """(U, seed) mask of the runs entering disorder averages.

    A run counts if it has any finite ``n_c`` (missing runs are NaN); with
    ``exclude_unconverged`` runs flagged ``converged == 0`` are dropped too.
    """
    nc = var(agg, "n_c")
    if nc is None:
        return None
    present = nc.notnull().any(dim=[d for d in nc.dims if d not in ("U", "seed")])
    conv = var(agg, "converged")
    if exclude_unconverged and conv is not None:
        present = present & (conv.fillna(0) != 0)
    return present


def nearest_index(values: np.ndarray, target: float) -> int:
    """Index of the finite value closest to ``target`` (in log if both are positive)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return -1
    with np.errstate(divide="ignore", invalid="ignore"):
        if target > 0 and np.any(v > 0):
            d = np.where(v > 0, np.abs(np.log(np.where(v > 0, v, 1.0)) - np.log(target)), np.inf)
        else:
            d = np.abs(v - target)
    d = np.where(np.isfinite(d), d, np.inf)
    return int(np.argmin(d))


def last_finite_time(da: xr.DataArray) -> float | None:
    """Largest time at which ``da`` has any finite value (None if none)."""
    if "time" not in da.dims:
        return None
    other = [d for d in da.dims if d != "time"]
    fin = da.notnull().any(dim=other) if other else da.notnull()
    t = da["time"].values[np.asarray(fin.values, dtype=bool)]
    return float(t.max()) if t.size else None


def run_counts(agg: xr.Dataset, U: float | None = None) -> tuple[int, int]:
    """``(runs present, of which unconverged)`` of ``agg`` (for one U if given)."""
    present = seed_valid(agg, exclude_unconverged=False)
    if present is None:
        return 0, 0
    conv = var(agg, "converged")
    if U is not None:
        present = sel_u(present, U)
        conv = sel_u(conv, U) if conv is not None else None
        if present is None:
            return 0, 0
    n = int(present.sum())
    if conv is None:
        return n, 0
    unconv = int((present & (conv.fillna(1) == 0)).sum())
    return n, unconv
