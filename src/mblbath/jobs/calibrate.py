r"""Refit the step-cost coefficients to a machine's own runs, and test them on held-out runs.

The shipped coefficients (:data:`mblbath.jobs.cost.COEFFICIENTS`) were fitted once, on one
machine; another machine -- or the same code after an optimisation -- runs at another
speed, and not the same speed for every term (Python bookkeeping per bond against BLAS
work per ``chi^3``). The calibration keeps the form of the model and fits one multiplier
per group of terms,

.. math:: t = \rho_0 T_\text{startup} + \rho_1 T_\text{bonds} + \rho_2 T_{\chi^2}
          + \rho_3 T_{\chi^3} + \rho_4 T_\text{measure},

where the ``T`` are the shipped model's seconds of each group for a run
(:func:`mblbath.jobs.runcost.term_seconds` of the run's own ``chi(t, b)``) or for a
measured step. The data are *equations* (:class:`Equation`): every finished run with its
measured time (:mod:`mblbath.jobs.records`), and the points of a calibration measurement
(:mod:`mblbath.jobs.calibrate_run`). The fit minimises the relative residuals (every run
counts alike, from a second to a day) with non-negative multipliers, plus a weak pull of
the multipliers of the TEBD groups towards their common value (weight :data:`TIE`) and of
every multiplier towards 1 (:data:`RIDGE`): the groups share one machine speed unless the
data clearly say otherwise -- the ``chi^3`` term when every run stayed at small chi cannot
say so, and follows the others instead of absorbing noise. :func:`constrained` says which
groups the data did determine.

:func:`leave_one_out` is the test: every run is predicted from the others alone -- the
coefficients refitted without it, its ``chi(t)`` from the growth of the other runs of its
(model, U) (:mod:`mblbath.jobs.growth`) -- and compared with what it took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .cost import CostCoefficients, bond_profile
from .growth import learn_growth
from .records import RunRecord
from .runcost import features_from_sums, run_features, term_seconds

__all__ = [
    "GROUPS",
    "RIDGE",
    "TIE",
    "Equation",
    "group_seconds",
    "record_equation",
    "fit_multipliers",
    "apply_multipliers",
    "constrained",
    "predict_record",
    "leave_one_out",
]

#: The groups of terms, each with one multiplier, and the coefficients each one scales.
GROUPS: dict[str, tuple[str, ...]] = {
    "startup": ("startup_s",),
    "bonds": ("step_bond_s",),
    "chi2": ("step_chi2_s",),
    "chi3": ("step_chi3_s",),
    "measure": ("meas_pair_s", "meas_chi3_s"),
}
_TERMS = {
    "startup": ("startup",),
    "bonds": ("step_bonds",),
    "chi2": ("step_chi2",),
    "chi3": ("step_chi3",),
    "measure": ("meas_pairs", "meas_chi3"),
}
#: Weight of the pull of the TEBD groups' multipliers towards their common value (relative
#: to one equation's squared relative residual): one group at twice the others' speed
#: costs as much as ten runs predicted 10 % off.
TIE = 0.1
#: Weight of the pull of every multiplier towards 1 (the shipped value): it only decides
#: what no data decide.
RIDGE = 1e-3
#: A group is constrained by the data if it makes at least this share of some equation.
MIN_SHARE = 0.05


@dataclass(frozen=True)
class Equation:
    """One measured time and the shipped model's seconds of each group for it.

    Attributes
    ----------
    name : str
        What was measured (a run's key, or ``"step L=30 chi=256"``).
    seconds : float
        The measured time.
    groups : ndarray, shape (len(GROUPS),)
        The base model's seconds of each group of :data:`GROUPS`.
    """

    name: str
    seconds: float
    groups: np.ndarray


def group_seconds(
    features: Mapping[str, float], order: int, coeffs: CostCoefficients
) -> np.ndarray:
    """The seconds of each group of :data:`GROUPS` for a run's features."""
    terms = term_seconds(features, order, coeffs)
    return np.array([sum(terms[t] for t in _TERMS[g]) for g in GROUPS])


def record_equation(rec: RunRecord, base: CostCoefficients) -> Equation:
    """The equation of a finished run, from its own ``chi(t, b)``."""
    feats = run_features(rec.chi, rec.times, rec.dt, startup=rec.startup)
    return Equation(rec.key, rec.seconds, group_seconds(feats, rec.order, base))


def fit_multipliers(
    equations: Sequence[Equation], ridge: float = RIDGE, tie: float = TIE
) -> np.ndarray:
    """Non-negative multipliers of :data:`GROUPS` minimising the relative residuals.

    Minimises ``sum_i (rho . T_i / t_i - 1)^2 + tie * sum_g' (rho_g' - mean rho)^2 +
    ridge * sum_g (rho_g - 1)^2``, where ``g'`` runs over the groups of the TEBD work (all but
    the start-up) and ``mean rho`` is their mean: the groups share one machine speed unless
    the data say otherwise, and a speed the data do not fix at all stays the shipped one.
    With no equations, all 1.
    """
    from scipy.optimize import lsq_linear

    n = len(GROUPS)
    work = np.array([g != "startup" for g in GROUPS])
    tie_rows = (np.eye(n) - work[None, :] / work.sum())[work] * work[None, :]
    rows = [eq.groups / eq.seconds for eq in equations]
    A = np.vstack([*rows, np.sqrt(tie) * tie_rows, np.sqrt(ridge) * np.eye(n)])
    b = np.concatenate([np.ones(len(rows)), np.zeros(work.sum()), np.full(n, np.sqrt(ridge))])
    return np.asarray(lsq_linear(A, b, bounds=(0.0, np.inf)).x)


def constrained(equations: Sequence[Equation]) -> dict[str, bool]:
    """Per group: does it make at least :data:`MIN_SHARE` of the time of some equation?"""
    if not equations:
        return dict.fromkeys(GROUPS, False)
    share = np.max([eq.groups / eq.groups.sum() for eq in equations], axis=0)
    return {g: bool(s >= MIN_SHARE) for g, s in zip(GROUPS, share, strict=True)}


def apply_multipliers(
    base: CostCoefficients, rho: Sequence[float], **meta: Any
) -> CostCoefficients:
    """``base`` with each group's coefficients times its multiplier (and new ``meta``)."""
    changes: dict[str, Any] = {}
    for g, r in zip(GROUPS, rho, strict=True):
        for name in GROUPS[g]:
            changes[name] = float(f"{getattr(base, name) * float(r):.4g}")
    return replace(base, **changes, **meta)


def _saturated_sums(rec: RunRecord) -> tuple[np.ndarray, np.ndarray]:
    prof = bond_profile(rec.L, rec.chi_max)
    n = len(rec.times)
    return np.full(n, np.sum(prof**2)), np.full(n, np.sum(prof**3))


def predict_record(
    rec: RunRecord, coeffs: CostCoefficients, growth: Any | None
) -> dict[str, float | str]:
    """Predicted time of a run: from ``growth`` (or saturated chi), from its own chi, bound.

    Returns ``predicted_s`` (chi(t) from ``growth``, else the saturated bound),
    ``chi_from`` (``"growth"`` or ``"saturated"``), ``own_chi_s`` (the run's own chi(t):
    the coefficients' error alone) and ``saturated_s`` (chi_max from t = 0).
    """
    sat2, sat3 = _saturated_sums(rec)
    L, start = rec.L, rec.startup
    sat = features_from_sums(sat2, sat3, rec.times, rec.dt, L, startup=start)
    own = run_features(rec.chi, rec.times, rec.dt, startup=start)
    if growth is not None:
        s2, s3 = growth.profile_sums(L, rec.chi_max, rec.times)
        pred = features_from_sums(s2, s3, rec.times, rec.dt, L, startup=start)
    else:
        pred = sat

    def seconds(f: Mapping[str, float]) -> float:
        return float(sum(term_seconds(f, rec.order, coeffs).values()))

    return {
        "predicted_s": seconds(pred),
        "chi_from": "growth" if growth is not None else "saturated",
        "own_chi_s": seconds(own),
        "saturated_s": seconds(sat),
    }


def leave_one_out(
    records: Sequence[RunRecord],
    base: CostCoefficients,
    points: Sequence[Equation] = (),
    ridge: float = RIDGE,
) -> list[dict[str, Any]]:
    """Predict every run from the others (see module docstring); one row per run.

    Rows: ``key, L, U, chi_max, order, seconds`` (measured), the columns of
    :func:`predict_record`, ``ratio`` (predicted / measured), ``own_ratio``,
    ``saturated_ratio`` and ``growth_runs`` (runs the chi(t) came from, 0: none).
    """
    eqs = [record_equation(r, base) for r in records]
    rows = []
    for i, rec in enumerate(records):
        others = [r for j, r in enumerate(records) if j != i]
        rho = fit_multipliers([*eqs[:i], *eqs[i + 1 :], *points], ridge)
        coeffs = apply_multipliers(base, rho)
        same = [r for r in others if r.growth_key == rec.growth_key]
        growth = learn_growth(same).get(rec.growth_key) if same else None
        pred = predict_record(rec, coeffs, growth)
        rows.append(
            {
                "key": rec.key,
                "L": rec.L,
                "U": rec.U,
                "chi_max": rec.chi_max,
                "order": rec.order,
                "t_max": rec.t_max,
                "seconds": rec.seconds,
                "source": rec.source,
                **pred,
                "ratio": pred["predicted_s"] / rec.seconds,
                "own_ratio": pred["own_chi_s"] / rec.seconds,
                "saturated_ratio": pred["saturated_s"] / rec.seconds,
                "growth_runs": len(same),
            }
        )
    return rows
