r"""The three late-time forms of the long-time branch and their weighted fits.

For an observable y(t) (σ_c², I_d or S(L/2); :mod:`.long_observables`) with value ``y0`` at
t = 0 and direction ``s`` (+1 growth, -1 decay), the forms compared are

- ``log`` -- logarithmic growth or decay, :math:`y = a + b \ln t` (parameters a, b);
- ``power`` -- a power law, :math:`y = A t^{\beta}` (A > 0; β > 0 growth, β < 0 decay);
- ``saturation`` -- the Eq. (4) form of the paper,
  :math:`y = y_0 + s\,\xi\,g(t/T_0)`, :math:`g(u) = \ln(1+u)/(1+\ln(1+u))`, which tends to
  the plateau :math:`y_0 + s\xi` (parameters ξ, T0).

The paper (arXiv:2109.07332) predicts saturation of the c-boson's spreading and of the
density-wave memory and logarithmic growth of the entanglement; the counterpoint
(arXiv:2212.07107) predicts power laws for all three. Each form has two parameters.

Fits minimise ``χ² = Σ ((y - f(t)) / σ)²`` with σ the standard error of the disorder mean
at each time (a relative floor of 1e-3 |y| keeps single points from dominating); with a
single realisation (no σ) the fit is unweighted. ``log`` is linear; ``power`` is fitted
in (ln A, β), ``saturation`` in (ln ξ, ln T0) with ξ in [1e-6, 1e4 · max|y - y0|] and T0 in
[1e-6, 1e8], both by bounded trust-region least squares from several starts; refits of
bootstrap replicates start at the full-sample optimum and use MINPACK's
Levenberg-Marquardt (:mod:`.lsq`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .lsq import best_of_starts, refit_lm
from .models import eq4

__all__ = [
    "FORMS",
    "PARAM_NAMES",
    "Quantity",
    "QUANTITIES",
    "FormFit",
    "evaluate",
    "fit_form",
    "refit_form",
    "sigma_of",
]

#: The forms, in the order of every table and file.
FORMS: tuple[str, ...] = ("log", "power", "saturation")
#: Names of the two parameters (p1, p2) of each form.
PARAM_NAMES: dict[str, tuple[str, str]] = {
    "log": ("a", "b"),
    "power": ("A", "beta"),
    "saturation": ("xi", "T0"),
}
#: Relative error floor of every point.
REL_FLOOR = 1e-3
_T0_RANGE = (1e-6, 1e8)


@dataclass(frozen=True)
class Quantity:
    """An observable fitted by the branch: its value at t = 0 and its direction."""

    y0: float
    sign: int


#: The observables fitted, with y(0) and the direction of change.
QUANTITIES: dict[str, Quantity] = {
    "sigma2_c": Quantity(0.0, +1),
    "imbalance_d": Quantity(1.0, -1),
    "S_half": Quantity(0.0, +1),
}


@dataclass
class FormFit:
    """One fitted form: parameters (p1, p2) as named in :data:`PARAM_NAMES`, χ², status."""

    params: np.ndarray
    chi2: float
    status: str
    #: Parameters in the fitting coordinates (start of bootstrap refits).
    internal: np.ndarray | None = None
    #: Jacobian of the weighted residuals in the fitting coordinates (None for refits).
    jac: np.ndarray | None = None


def _g(t: np.ndarray, T0: float) -> np.ndarray:
    """g(t / T0) of Eq. (4) with ξ = 1."""
    return eq4(t, 1.0, T0)


def evaluate(form: str, t: np.ndarray, params: np.ndarray, q: Quantity) -> np.ndarray:
    """The form at times ``t`` with parameters (p1, p2) (NaN parameters give NaN)."""
    t = np.asarray(t, dtype=float)
    p1, p2 = params
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if form == "log":
            return p1 + p2 * np.log(t)
        if form == "power":
            return p1 * t**p2
        if form == "saturation":
            return q.y0 + q.sign * p1 * _g(t, p2)
    raise ValueError(f"unknown form {form!r}")


def sigma_of(y: np.ndarray, sem: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """σ of each point and whether the fit is weighted (every SEM finite and > 0)."""
    y = np.asarray(y, dtype=float)
    if sem is not None:
        sem = np.asarray(sem, dtype=float)
        if np.all(np.isfinite(sem) & (sem > 0)):
            return np.sqrt(sem**2 + (REL_FLOOR * y) ** 2), True
    return np.full_like(y, max(float(np.mean(np.abs(y))), 1e-12)), False


def _internal(form: str, q: Quantity, y: np.ndarray) -> tuple[Callable, np.ndarray, np.ndarray]:
    """``(to_params, lo, hi)``: map from the fitting coordinates to (p1, p2), and bounds."""
    if form == "log":
        return (lambda p: p), np.full(2, -np.inf), np.full(2, np.inf)
    if form == "power":
        return (
            (lambda p: np.array([np.exp(p[0]), p[1]])),
            np.array([-700.0, -50.0]),
            np.array([700.0, 50.0]),
        )
    dy = float(np.max(np.abs(y - q.y0))) if y.size else 1.0
    lo = np.log([1e-6, _T0_RANGE[0]])
    hi = np.log([1e4 * max(dy, 1e-12), _T0_RANGE[1]])
    return np.exp, lo, hi


def _starts(form: str, q: Quantity, t: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    if form == "log":
        b, a = np.polyfit(np.log(t), y, 1)
        return [np.array([a, b])]
    if form == "power":
        pos = y > 0
        if pos.sum() >= 2:
            beta, lnA = np.polyfit(np.log(t[pos]), np.log(y[pos]), 1)
            return [np.array([lnA, beta])]
        return [np.array([np.log(max(float(np.mean(np.abs(y))), 1e-12)), 0.0])]
    dy = max(float(np.max(np.abs(y - q.y0))), 1e-12)
    return [np.log([1.5 * dy, T0]) for T0 in (0.1, 1.0, 10.0, 100.0, 1000.0)]


def _residual(form: str, q: Quantity, t, y, sig, to_params, lo, hi) -> Callable:
    """Weighted residuals; the parameters are clipped to the bounds (unbounded LM refits)."""

    def resid(p):
        return (evaluate(form, t, to_params(np.clip(p, lo, hi)), q) - y) / sig

    return resid


def fit_form(form: str, q: Quantity, t: np.ndarray, y: np.ndarray, sig: np.ndarray) -> FormFit:
    """Full-sample weighted fit of one form (bounded, best of several starts)."""
    to_params, lo, hi = _internal(form, q, y)
    resid = _residual(form, q, t, y, sig, to_params, lo, hi)
    best, msg = best_of_starts(resid, _starts(form, q, t, y), lo, hi, "fit failed")
    if best is None:
        return FormFit(np.full(2, np.nan), np.nan, msg)
    params = to_params(best.x)
    status = "ok"
    if form == "saturation":
        at_hi = np.abs(best.x - hi) < 1e-3
        if at_hi[0]:
            status = "ok; xi at its upper bound: no plateau in reach"
        elif params[1] > np.max(t):
            status = f"ok; T0 = {params[1]:.3g} beyond the window: plateau not reached"
    return FormFit(params, 2.0 * float(best.cost), status, best.x, best.jac)


def refit_form(
    form: str, q: Quantity, t: np.ndarray, y: np.ndarray, sig: np.ndarray, start: FormFit
) -> FormFit:
    """Refit of a bootstrap replicate from the full-sample optimum (Levenberg-Marquardt)."""
    if start.internal is None:
        return FormFit(np.full(2, np.nan), np.nan, start.status)
    to_params, lo, hi = _internal(form, q, y)
    resid = _residual(form, q, t, y, sig, to_params, lo, hi)
    r = refit_lm(resid, start.internal, lo, hi)
    if isinstance(r, str):
        return FormFit(np.full(2, np.nan), np.nan, r)
    x = np.clip(r.x, lo, hi)
    return FormFit(to_params(x), float(np.sum(resid(x) ** 2)), "ok", x)
