"""Reading a fitted series from a fit file, and the small fits the rules make on it.

:func:`fit_series` returns ``(t, y, err)`` of a per-time fit variable at one U (values whose
fit status is not 'ok' are NaN); :func:`scalar` one per-U value. :func:`line_fit` and
:func:`quad_fit` are the weighted polynomial fits of the rules (in ln t or in a distance),
returning the coefficient, its error and the number of points, or None when the window
has too few points.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import xarray as xr

from ..analysis.bundle import masked_ok, sel_u, var
from ..analysis.stats import wls
from .constants import REL_ERR_MIN

__all__ = ["Poly", "fit_series", "scalar", "line_fit", "quad_fit", "window"]


class Poly(NamedTuple):
    """A weighted fit y = a + b u (+ c u^2) on a window: coefficients and their errors."""

    a: float
    b: float
    eb: float
    c: float
    ec: float
    n: int


def fit_series(
    ds: xr.Dataset | None, name: str, U: float, status: str = "status"
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(time, value, error)`` of ``ds[name]`` at U, NaN where the fit status is not ok.

    The error is ``ds[name + '_err']`` (NaN if absent). A value whose error is below
    REL_ERR_MIN of it is set to NaN too: a parameter stuck at a bound of its fit (every
    bootstrap replicate the same) is no measurement. None if the variable or U is absent.
    """
    if ds is None:
        return None
    st = status if status in ds.variables else "status"
    da = sel_u(masked_ok(ds, name, status=st), U)
    if da is None or "time" not in da.dims:
        return None
    err = sel_u(var(ds, f"{name}_err"), U)
    t = da["time"].values.astype(float)
    y = da.values.astype(float)
    e = err.values.astype(float) if err is not None else np.full_like(y, np.nan)
    with np.errstate(invalid="ignore"):
        stuck = np.isfinite(e) & (e <= REL_ERR_MIN * np.abs(y))
    y = np.where(stuck, np.nan, y)
    return t, y, e


def scalar(ds: xr.Dataset | None, name: str, U: float | None = None) -> float:
    """A scalar (or per-U) variable of ``ds`` as float; NaN if absent."""
    da = var(ds, name)
    if da is None:
        return float("nan")
    if U is not None and "U" in da.dims:
        da = sel_u(da, U)
        if da is None:
            return float("nan")
    if da.size != 1:
        return float("nan")
    try:
        return float(da.values.ravel()[0])
    except (TypeError, ValueError):
        return float("nan")


def window(t: np.ndarray, y: np.ndarray, t_lo: float, t_hi: float = np.inf) -> np.ndarray:
    """Mask of the finite points with t_lo <= t <= t_hi and t > 0."""
    t = np.asarray(t, dtype=float)
    return (
        (t > 0)
        & (t >= t_lo * (1 - 1e-9))
        & (t <= t_hi * (1 + 1e-9))
        & np.isfinite(np.asarray(y, dtype=float))
    )


def _errors_or_none(e: np.ndarray | None, sel: np.ndarray) -> np.ndarray | None:
    """The errors of the selected points if all are finite and positive, else None."""
    if e is None:
        return None
    es = np.asarray(e, dtype=float)[sel]
    return es if np.all(np.isfinite(es) & (es > 0)) else None


def line_fit(u: np.ndarray, y: np.ndarray, e: np.ndarray | None, sel: np.ndarray, min_n: int = 3):
    """Weighted line y = a + b·u on ``sel``: a :class:`Poly` (c = 0) or None.

    Weighted by ``e`` when every selected error is finite and positive (errors at face
    value), otherwise unweighted with errors from the scatter.
    """
    sel = np.asarray(sel, dtype=bool)
    if sel.sum() < min_n:
        return None
    fit = wls(np.asarray(u)[sel], np.asarray(y)[sel], _errors_or_none(e, sel), deg=1)
    if fit is None:
        return None
    p, cov = fit
    return Poly(float(p[0]), float(p[1]), math.sqrt(max(cov[1, 1], 0.0)), 0.0, 0.0, int(sel.sum()))


def quad_fit(u: np.ndarray, y: np.ndarray, e: np.ndarray | None, sel: np.ndarray, min_n: int = 5):
    """Weighted y = a + b·(u - <u>) + c·(u - <u>)² on ``sel``: a :class:`Poly` or None.

    ``b`` is the mean slope over the window; the second derivative is 2c.
    """
    sel = np.asarray(sel, dtype=bool)
    if sel.sum() < min_n:
        return None
    uu = np.asarray(u, dtype=float)[sel]
    uu = uu - uu.mean()
    fit = wls(uu, np.asarray(y)[sel], _errors_or_none(e, sel), deg=2)
    if fit is None:
        return None
    p, cov = fit
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    return Poly(float(p[0]), float(p[1]), float(sd[1]), float(p[2]), float(sd[2]), int(sel.sum()))
