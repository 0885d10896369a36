"""Statistics over disorder realisations: mean and standard error, bootstrap, least squares.

One implementation of each, shared by the fits, the figures, the claims report and the
aggregation:

- :func:`mean_sem` (numpy arrays) and :func:`mean_sem_xr` (an xarray wrapper over a named
  dimension, default ``seed``): mean, standard error of the mean ``std(ddof=1) / sqrt(n)``
  and count, skipping NaN entries and entries marked invalid (missing or excluded runs);
  the standard error is NaN with fewer than two entries. :func:`mean_sem_finite` is the
  scalar form over the finite entries of a 1-D array.
- :func:`bootstrap_counts`, :func:`seed_counts`, :func:`bootstrap_mean`: resampling of the
  seeds with replacement, stored as how often each seed is drawn, and the resampled means.
- :func:`replicate_std`: standard deviation over bootstrap replicates (the error of a
  bootstrapped quantity).
- Weighted least squares: :func:`weighted_line`, the closed-form straight line (with or
  without intercept) vectorised over leading axes, for the fits that solve many small
  problems at once; :func:`wls`, a polynomial of any degree with its covariance matrix,
  for the figures and the report.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr

__all__ = [
    "mean_sem",
    "mean_sem_xr",
    "mean_sem_finite",
    "bootstrap_counts",
    "seed_counts",
    "bootstrap_mean",
    "replicate_std",
    "Line",
    "weighted_line",
    "wls",
]


# --------------------------------------------------------------------------- mean and SEM
def mean_sem(
    data: np.ndarray, valid: np.ndarray | None = None, axis: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, standard error of the mean and count over ``axis``, without warnings.

    Parameters
    ----------
    data : array
        Values, e.g. (U, seed, time, ...) with the realisations on ``axis``.
    valid : bool array, optional
        Entries that count; its shape is that of the leading axes of ``data`` (trailing
        axes are broadcast), e.g. (U, seed, time) for runs with data at a time. NaN
        entries never count.
    axis : int
        Axis reduced over.

    Returns
    -------
    mean, sem, n
        ``n`` is the number of entries used; ``mean`` is NaN for n = 0, ``sem`` =
        sqrt(var(ddof=1) / n) is NaN for n < 2.
    """
    data = np.asarray(data, dtype=float)
    good = ~np.isnan(data)
    if valid is not None:
        v = np.asarray(valid, dtype=bool)
        good &= v.reshape(v.shape + (1,) * (data.ndim - v.ndim))
    n = good.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(good, data, 0.0).sum(axis=axis) / n
        dev = np.where(good, data - np.expand_dims(mean, axis), 0.0)
        var = (dev * dev).sum(axis=axis) / (n - 1)
        sem = np.sqrt(var / n)
    return mean, np.where(n >= 2, sem, np.nan), n


def mean_sem_xr(
    da: xr.DataArray, dim: str = "seed", valid: xr.DataArray | None = None
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """:func:`mean_sem` of a DataArray over dimension ``dim`` (NaN entries skipped).

    ``valid`` (broadcastable to ``da``) removes further entries (e.g. unconverged runs).
    Without ``dim`` in ``da`` the data come back unchanged with NaN errors and count 1.
    """
    da = da.astype(float)
    if valid is not None:
        da = da.where(valid)
    if dim not in da.dims:
        return da, xr.full_like(da, np.nan), xr.ones_like(da)
    mean, sem, n = mean_sem(da.values, axis=da.get_axis_num(dim))
    dims = [d for d in da.dims if d != dim]
    coords = {k: c for k, c in da.coords.items() if dim not in c.dims}
    return tuple(xr.DataArray(a, dims=dims, coords=coords, name=da.name) for a in (mean, sem, n))


def mean_sem_finite(x: np.ndarray) -> tuple[float, float, int]:
    """``(mean, sem, n)`` over the finite entries of ``x`` (NaN, NaN, 0 if there are none)."""
    x = np.asarray(x, dtype=float).ravel()
    mean, sem, n = mean_sem(x[np.isfinite(x)], axis=0)
    return float(mean), float(sem), int(n)


# ------------------------------------------------------------------------------ bootstrap
def bootstrap_counts(
    valid: np.ndarray, n_bootstrap: int, bootstrap_seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resample the seeds that have any data (``valid`` is (U, seed, time)).

    Returns ``(counts, idx)``: how often each seed is drawn per resample (B, n_seed) and
    the drawn seed positions (B, n_pool), drawn with
    ``numpy.random.default_rng(bootstrap_seed)``. Empty (B = 0) for ``n_bootstrap <= 0``
    or fewer than two seeds with data.
    """
    n_seed = valid.shape[1]
    pool = np.nonzero(valid.any(axis=(0, 2)))[0]
    rng = np.random.default_rng(bootstrap_seed)
    if n_bootstrap <= 0 or pool.size < 2:
        return np.zeros((0, n_seed)), np.zeros((0, pool.size), dtype=int)
    draws = rng.integers(0, pool.size, size=(n_bootstrap, pool.size))
    idx = pool[draws]
    counts = np.stack([np.bincount(r, minlength=n_seed) for r in idx]).astype(float)
    return counts, idx


def seed_counts(resampled: np.ndarray, seed_labels: np.ndarray) -> np.ndarray:
    """Counts (B, n_seed) of stored resamples (seed labels, B rows) over ``seed_labels``.

    Labels that are not in ``seed_labels`` are ignored; this rebuilds the resamples of an
    earlier stage (the ``bootstrap_seeds`` of the Eq. (3) fit) so that errors are paired.
    """
    pos = {int(s): k for k, s in enumerate(seed_labels)}
    counts = np.zeros((resampled.shape[0], len(seed_labels)))
    for b in range(resampled.shape[0]):
        for s in resampled[b]:
            if int(s) in pos:
                counts[b, pos[int(s)]] += 1
    return counts


def bootstrap_mean(counts: np.ndarray, data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Resampled means: counts (B, seed), data (U, seed, time, ...) -> (B, U, time, ...)."""
    extra = data.ndim - valid.ndim
    vb = valid.reshape(valid.shape + (1,) * extra)
    num = np.einsum("bs,us...->bu...", counts, np.where(vb, data, 0.0))
    den = np.einsum("bs,ust->but", counts, valid.astype(float))
    den = den.reshape(den.shape + (1,) * extra)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def replicate_std(a: np.ndarray, axis: int = 0, min_n: int = 2) -> np.ndarray:
    """Standard deviation (ddof=1) over finite entries; NaN with fewer than ``min_n``."""
    fin = np.isfinite(a)
    n = fin.sum(axis=axis)
    a0 = np.where(fin, a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = a0.sum(axis=axis) / n
        d = np.where(fin, a - np.expand_dims(m, axis), 0.0)
        s = np.sqrt((d * d).sum(axis=axis) / (n - 1))
    return np.where(n >= min_n, s, np.nan)


# ------------------------------------------------------------------ weighted least squares
class Line(NamedTuple):
    """Result of :func:`weighted_line` (arrays over the leading axes)."""

    slope: np.ndarray
    intercept: np.ndarray
    #: Determinant of the normal equations (sum of w x^2 without intercept); <= 0: singular.
    den: np.ndarray
    #: Standard error of the slope with the weights taken as 1/sigma^2.
    slope_err: np.ndarray


def weighted_line(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    axis: int | None = -1,
    intercept: bool = True,
) -> Line:
    """Weighted straight-line fit ``y = a + s x`` (or ``y = s x``) by the normal equations.

    Sums run over ``axis`` (``None``: every element), so many independent fits are solved
    at once; ``x``, ``y``, ``w`` broadcast. Weights are 1/sigma^2 (zero drops a point).
    Singular problems (``den <= 0``) give NaN or inf without warnings; check ``den``.
    """
    sw = w.sum(axis)
    sx = (w * x).sum(axis)
    sy = (w * y).sum(axis)
    sxx = (w * x * x).sum(axis)
    sxy = (w * x * y).sum(axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        if not intercept:
            slope = sxy / sxx
            return Line(slope, np.zeros_like(slope), sxx, 1.0 / np.sqrt(sxx))
        den = sw * sxx - sx * sx
        slope = (sw * sxy - sx * sy) / den
        icpt = (sy - slope * sx) / sw
        return Line(slope, icpt, den, np.sqrt(sw / den))


def wls(
    x: np.ndarray, y: np.ndarray, sigma: np.ndarray | None, deg: int = 1
) -> tuple[np.ndarray, np.ndarray] | None:
    """Weighted least-squares polynomial fit ``y = sum_k p_k x**k`` (k = 0..deg).

    Returns ``(p, cov)`` with coefficients in increasing power, or None if there are not
    at least ``deg + 2`` finite points. With finite positive ``sigma`` for every point the
    covariance is the unscaled ``(A^T W A)^-1`` (errors taken at face value); otherwise
    the fit is unweighted and the covariance is scaled by the residual variance.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    fin = np.isfinite(x) & np.isfinite(y)
    use_sigma = sigma is not None
    if use_sigma:
        s = np.asarray(sigma, dtype=float)
        use_sigma = bool(np.all(np.isfinite(s[fin]) & (s[fin] > 0)))
    x, y = x[fin], y[fin]
    if x.size < deg + 2:
        return None
    A = np.vander(x, deg + 1, increasing=True)
    w = 1.0 / s[fin] if use_sigma else np.ones_like(x)
    Aw = A * w[:, None]
    yw = y * w
    p, *_ = np.linalg.lstsq(Aw, yw, rcond=None)
    try:
        cov = np.linalg.inv(Aw.T @ Aw)
    except np.linalg.LinAlgError:
        return None
    if not use_sigma:
        dof = x.size - (deg + 1)
        resid = yw - Aw @ p
        cov = cov * float(resid @ resid) / dof
    return p, cov
