"""The fits' common ground: reading the aggregate and building the result datasets.

Every fit reads the aggregated dataset of one system size (dims ``U, seed, time, site,
site2, bond``) and returns an :class:`xarray.Dataset` in which every variable has
``units`` and ``long_name`` (:func:`variable`, units made CF by
:func:`mblbath.cf.unit_attrs`) and whose attributes state the method, the
error reported, the fit window, the status convention and the disorder realisations used
(:func:`fit_attrs`, written once here for every fit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..cf import unit_attrs
from ..config import MODEL_KEYS, NUMERIC_KEYS

__all__ = [
    "ERR_BOOT",
    "ERR_JAC",
    "STATUS_WITH_CAVEAT",
    "STATUS_STRICT",
    "variable",
    "str_array",
    "agg_attrs",
    "u_time_coords",
    "valid_mask",
    "seeds_used",
    "fit_attrs",
]

ERR_BOOT = "bootstrap standard deviation over disorder realisations"
ERR_JAC = (
    "standard error from the Jacobian of the weighted least-squares fit "
    "(inflated by sqrt(reduced chi^2) when > 1)"
)
#: Status convention of the fits whose usable results may carry a caveat.
STATUS_WITH_CAVEAT = "'ok'; 'ok; <caveat>' = usable; anything else = NaN + reason"
#: Status convention of the fits without caveats.
STATUS_STRICT = "'ok'; anything else = NaN + reason"

#: Attributes of the aggregate carried into every fit file: L and the run parameters of the
#: parameter table (model and numerics; the schema is the one list of them).
_KEEP = ("L", *MODEL_KEYS, *NUMERIC_KEYS)


def variable(dims, data, units: str, long_name: str, **extra) -> xr.Variable:
    """A variable with ``units`` and ``long_name`` (and any further attributes).

    ``units`` is a UDUNITS unit or a unit of the model (``"hopping"``, ``"lattice
    spacings"``, ``"nat"``, ...; ``"none"`` for strings): :func:`mblbath.cf.unit_attrs`.
    """
    return xr.Variable(dims, data, attrs={**unit_attrs(units), "long_name": long_name, **extra})


def str_array(shape, fill: str = "") -> np.ndarray:
    """Object array of strings (statuses), filled with ``fill``."""
    a = np.empty(shape, dtype=object)
    a[...] = fill
    return a


def agg_attrs(agg: xr.Dataset) -> dict:
    """Model and numerical parameters of the aggregate that every fit file repeats."""
    out = {k: agg.attrs[k] for k in _KEEP if k in agg.attrs}
    for k in ("numerics", "config_hash"):
        if k in agg.attrs:
            out[k] = str(agg.attrs[k])
    return out


def u_time_coords(agg: xr.Dataset) -> dict:
    """Coordinates ``U`` and ``time`` of a fit file, with units."""
    return {
        "U": variable(("U",), agg.U.values.astype(float), "hopping", "c-d interaction U"),
        "time": variable(("time",), agg.time.values.astype(float), "hopping times", "time"),
    }


def valid_mask(
    agg: xr.Dataset, var: str, spatial: tuple[str, ...], exclude_unconverged: bool
) -> np.ndarray:
    """(U, seed, time) boolean: the run has finite ``var`` at this time (and converged)."""
    da = agg[var].transpose("U", "seed", "time", *spatial)
    valid = np.isfinite(da.values).all(axis=tuple(range(3, 3 + len(spatial))))
    if exclude_unconverged and "converged" in agg:
        conv = agg["converged"].transpose("U", "seed").values
        valid &= (np.nan_to_num(conv, nan=0) == 1)[:, :, None]
    return valid


def seeds_used(valid: np.ndarray) -> xr.Variable:
    """Variable ``n_seeds(U)``: the realisations with data at any time, per U."""
    n_seeds = valid.any(axis=2).sum(axis=1)
    return variable(("U",), n_seeds.astype(np.int32), "1", "disorder realisations used")


def fit_attrs(
    base: dict,
    title: str,
    *,
    error: str,
    fit_t_min: float,
    fit_window: str,
    status_convention: str = STATUS_WITH_CAVEAT,
    exclude_unconverged: bool | None = None,
    n_seeds: tuple[Sequence[float], Sequence[int]] | str | None = None,
    **specific,
) -> dict:
    """Attributes of a fit file: ``base`` (parameters), ``title``, the fit-specific ones,
    then those every fit states the same way.

    ``n_seeds`` is ``(U values, realisations per U)`` or an already formatted string (a
    later stage repeating its input's); ``exclude_unconverged`` is left out when None.
    """
    if isinstance(n_seeds, tuple):
        Us, counts = n_seeds
        n_seeds = ", ".join(f"U={u:g}: {int(n)}" for u, n in zip(Us, counts, strict=True))
    attrs = {**base, "title": title, **specific}
    attrs.update(
        error=error,
        fit_t_min=float(fit_t_min),
        fit_window=fit_window,
        status_convention=status_convention,
    )
    if exclude_unconverged is not None:
        attrs["exclude_unconverged"] = int(exclude_unconverged)
    if n_seeds is not None:
        attrs["n_seeds_used"] = n_seeds
    return attrs
