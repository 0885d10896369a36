"""Nonlinear least squares shared by the Eq. (3) and Eq. (4) fits.

Full-sample fits use bounded trust-region reflective least squares
(:func:`scipy.optimize.least_squares`, method ``trf``) from several starting points and
keep the lowest cost (:func:`best_of_starts`). Bootstrap refits start at the full-sample
optimum and use unbounded MINPACK Levenberg-Marquardt (:func:`refit_lm`), which is much
faster; the callers check the bounds afterwards (:func:`at_bound`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares, leastsq

__all__ = ["LSQ", "at_bound", "best_of_starts", "refit_lm"]

#: Function evaluations allowed per fit.
MAX_NFEV = 400


@dataclass
class LSQ:
    """A least-squares optimum: parameters, cost 0.5 sum(r^2), Jacobian (None from LM)."""

    x: np.ndarray
    cost: float
    jac: np.ndarray | None


def at_bound(p, lo, hi, tol=1e-3):
    """Masks of the parameters within ``tol`` of their lower and upper bounds."""
    return np.abs(p - lo) < tol, np.abs(p - hi) < tol


def best_of_starts(
    resid: Callable, starts: Sequence[np.ndarray], lo: np.ndarray, hi: np.ndarray, msg: str
) -> tuple[object | None, str]:
    """Bounded fit from every start (clipped inside the bounds); the lowest cost wins.

    Returns ``(result, msg)``: the best :class:`scipy.optimize.OptimizeResult` (None if
    every start failed) and the last failure message (``msg`` if none failed).
    """
    best = None
    for p0 in starts:
        p0 = np.clip(p0, lo + 1e-6, hi - 1e-6)
        try:
            r = least_squares(resid, p0, bounds=(lo, hi), method="trf", max_nfev=MAX_NFEV)
        except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
            msg = f"fit failed: {exc}"
            continue
        if not r.success or not np.all(np.isfinite(r.x)):
            msg = f"fit failed: {r.message}"
            continue
        if best is None or r.cost < best.cost:
            best = r
    return best, msg


def refit_lm(resid: Callable, p0: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> LSQ | str:
    """Unbounded Levenberg-Marquardt from ``p0`` (clipped inside the bounds).

    Returns the optimum (without Jacobian) or the failure message.
    """
    p0 = np.clip(p0, lo + 1e-6, hi - 1e-6)
    x, ier = leastsq(resid, p0, maxfev=MAX_NFEV)
    if ier not in (1, 2, 3, 4) or not np.all(np.isfinite(x)):
        return f"fit failed: MINPACK ier = {ier}"
    return LSQ(x=x, cost=0.5 * float(np.sum(resid(x) ** 2)), jac=None)
