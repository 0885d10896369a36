r"""Cost of one TEBD run from its bond dimensions over time, ``chi_b(t)``.

:mod:`mblbath.jobs.cost` prices a step by the bond profile it runs at; a run's profile
grows from the product state (``chi = 1``) towards ``chi_max``, so the run costs the sum of
its steps, each at the profile of its time. Given ``chi_b(t_k)`` on the measurement grid
``t_k`` (a run file's ``chi(time, bond)``, or a prediction of it:
:mod:`mblbath.jobs.growth`), :func:`run_features` sums the model's features over the run:

- steps: between grid times ``t_{k-1}`` and ``t_k`` the engine makes
  ``n_k = round((t_k - t_{k-1}) / dt)`` steps; each is priced at the mean of the
  features at the two ends (the trapezoid rule on the cost, exact for a profile that grows
  linearly in between);
- measurements: one full measurement (:func:`mblbath.observables.measure`) at every grid
  time, priced at that time's profile;
- one start-up (interpreter, imports, model, initial state).

:func:`predict_seconds` turns the sums into seconds with a set of coefficients
(:class:`~mblbath.jobs.cost.CostCoefficients`: the shipped fit, or a machine's calibration,
:mod:`mblbath.jobs.calibrate`). The prediction is linear in the coefficients, which is
what lets :mod:`mblbath.jobs.calibrate` fit them to whole runs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .cost import CostCoefficients

__all__ = ["FEATURES", "run_features", "features_from_sums", "term_seconds", "predict_seconds"]

#: The feature sums of a run, in the order of :func:`term_seconds`' terms.
FEATURES = ("startup", "step_bonds", "step_chi2", "step_chi3", "meas_pairs", "meas_chi3")


def run_features(
    chi: np.ndarray, times: np.ndarray, dt: float, *, startup: bool = True
) -> dict[str, float]:
    """The cost model's features summed over one run.

    Parameters
    ----------
    chi : array, shape (T, L - 1)
        Bond dimension of every bond at every grid time (``chi[0]`` at ``times[0] = 0``).
    times : array, shape (T,)
        The measurement grid (:func:`mblbath.config.time_grid`), multiples of ``dt``.
    dt : float
        Trotter step.
    startup : bool
        Count one start-up (False for a time that excludes it, e.g. a run file's
        ``wall_time_s``, which starts after the imports).

    Returns
    -------
    dict
        :data:`FEATURES`: ``startup`` (0 or 1), ``step_bonds`` (steps times bonds),
        ``step_chi2``/``step_chi3`` (sums over steps of ``sum_b chi_b^2``/``chi_b^3``),
        ``meas_pairs`` (measurements times ``L^2``), ``meas_chi3`` (sum over measurements of
        ``L sum_b chi_b^3``).
    """
    chi = np.asarray(chi, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    if chi.ndim != 2 or chi.shape[0] != times.shape[0]:
        raise ValueError(f"chi has shape {chi.shape}, expected ({times.shape[0]}, L - 1)")
    s2, s3 = np.sum(chi**2, axis=1), np.sum(chi**3, axis=1)
    return features_from_sums(s2, s3, times, dt, chi.shape[1] + 1, startup=startup)


def features_from_sums(
    s2: np.ndarray,
    s3: np.ndarray,
    times: np.ndarray,
    dt: float,
    L: int,
    *,
    startup: bool = True,
) -> dict[str, float]:
    """:func:`run_features` from the profile sums ``sum_b chi_b(t)^2`` and ``^3`` per time.

    For a predicted profile, whose sums are expectations over the bonds' distribution
    (:mod:`mblbath.jobs.growth`) rather than sums over one realisation.
    """
    s2, s3 = np.asarray(s2, dtype=np.float64), np.asarray(s3, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    n_steps = np.rint(np.diff(times) / dt)
    return {
        "startup": 1.0 if startup else 0.0,
        "step_bonds": float(n_steps.sum() * (L - 1)),
        "step_chi2": float(np.sum(n_steps * 0.5 * (s2[1:] + s2[:-1]))),
        "step_chi3": float(np.sum(n_steps * 0.5 * (s3[1:] + s3[:-1]))),
        "meas_pairs": float(len(times) * L**2),
        "meas_chi3": float(L * s3.sum()),
    }


def term_seconds(
    features: Mapping[str, float], order: int, coeffs: CostCoefficients
) -> dict[str, float]:
    """Seconds of each term of :data:`FEATURES` (order-``order`` steps, one thread)."""
    f = coeffs.order_factor(order)
    return {
        "startup": coeffs.startup_s * features["startup"],
        "step_bonds": f * coeffs.step_bond_s * features["step_bonds"],
        "step_chi2": f * coeffs.step_chi2_s * features["step_chi2"],
        "step_chi3": f * coeffs.step_chi3_s * features["step_chi3"],
        "meas_pairs": coeffs.meas_pair_s * features["meas_pairs"],
        "meas_chi3": coeffs.meas_chi3_s * features["meas_chi3"],
    }


def predict_seconds(features: Mapping[str, float], order: int, coeffs: CostCoefficients) -> float:
    """Predicted time of a run (seconds, one thread) from its :func:`run_features`."""
    return float(sum(term_seconds(features, order, coeffs).values()))
