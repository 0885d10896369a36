r"""Cost model of a TEBD run: time per Trotter step, per measurement, per run; peak memory.

The model is fitted to measurements made on one machine by ``python -m benchmarks cost``
(table ``benchmarks/cost_model.csv``; :data:`COEFFICIENTS` is that table's fit, done by
``benchmarks/cost_model.py``, and records where and when it was measured). Every
prediction is for **one BLAS thread** (the ``tebd`` rule's ``threads: 1``); more threads
make large-chi steps faster, so the predictions stay conservative.

Bond profile
    A run at bond dimension ``chi`` on ``L`` sites has ``L - 1`` bonds. Bond ``b`` cannot be
    larger than the Schmidt rank allowed by the Hilbert space of the conserved sector
    (``N_d = L/3`` d-bosons, one c-boson): :func:`bond_caps`. The saturated profile is
    ``chi_b = min(chi, cap_b)`` (:func:`bond_profile`); near the edges and at small ``L``
    it is below ``chi``.

Time per step (Trotter order 2, one thread)
    .. math:: t_2 = a_1 (L-1) + a_2 \sum_b \chi_b^2 + a_3 \sum_b \chi_b^3

    (per-bond overhead, gate application, SVD). Order 1 and 4 cost a measured constant
    factor times order 2 (order 4: :attr:`CostCoefficients.order4_factor`, 3.8 measured
    at chi >= 256; about 4.4 at small chi, where Python overhead per layer dominates).

Measurement (``mblbath.observables.measure``: the ``L x L`` correlation matrix dominates)
    .. math:: t_m = m_1 L^2 + m_3 L \sum_b \chi_b^3

Peak memory (resident set of the whole ``mblbath run`` process, checkpoint save included)
    .. math:: M = M_0 + k_2 \sum_b \chi_b^2 + k_\theta \max_b \chi_b^2

Runtime of a run
    ``startup + n_steps * t_step + n_measurements * t_m``, times a safety factor. This
    assumes every step is at the saturated ``chi``: during the first part of a run chi is
    still growing, so a real run costs less (strongly so when entanglement grows slowly,
    as in the localised phase). The model is deliberately conservative.

The SLURM requests built from these predictions are in :mod:`mblbath.jobs.slurm`, the
``mblbath estimate`` table in :mod:`mblbath.jobs.estimate`. Only the TEBD runs matter for
the budget: disorder sampling, aggregation, fits and figures take seconds to minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..config import time_grid
from ..config.derived import trotter_order

__all__ = [
    "CostCoefficients",
    "COEFFICIENTS",
    "bond_caps",
    "bond_profile",
    "profile_features",
    "predict_step_seconds",
    "predict_measure_seconds",
    "predict_checkpoint_seconds",
    "predict_runtime_minutes",
    "predict_mem_mb",
]


@dataclass(frozen=True)
class CostCoefficients:
    """Fitted coefficients of the cost model (units in the field names; see module doc).

    Attributes
    ----------
    step_bond_s, step_chi2_s, step_chi3_s : float
        Order-2 step time: seconds per bond, per unit of ``sum chi_b^2`` and of
        ``sum chi_b^3``.
    order1_factor, order4_factor : float
        Cost of one order-1 / order-4 step relative to one order-2 step (measured medians).
    meas_pair_s, meas_chi3_s : float
        Measurement time: seconds per ``L^2`` and per unit of ``L sum chi_b^3``.
    ckpt_base_s, ckpt_chi2_s : float
        Time to write one checkpoint: constant and per unit of ``sum chi_b^2``.
    startup_s : float
        Interpreter start, imports, model and initial state.
    mem_base_mb, mem_chi2_mb, mem_theta_mb : float
        Peak resident memory: baseline, per unit of ``sum chi_b^2`` and of ``max chi_b^2``.
    measured_on, machine, source : str
        When and where the fitted table was measured, and which file holds it.
    """

    step_bond_s: float
    step_chi2_s: float
    step_chi3_s: float
    order1_factor: float
    order4_factor: float
    meas_pair_s: float
    meas_chi3_s: float
    ckpt_base_s: float
    ckpt_chi2_s: float
    startup_s: float
    mem_base_mb: float
    mem_chi2_mb: float
    mem_theta_mb: float
    measured_on: str = ""
    machine: str = ""
    source: str = "benchmarks/cost_model.csv"

    def order_factor(self, order: int | str) -> float:
        """Cost of one step of Trotter ``order`` relative to order 2.

        ``"4_opt"`` is priced as order 4: its steps cost within ~5 % of order 4's in the
        frontier benchmark (same dt, same chi; benchmarks/README.md).
        """
        order = trotter_order(order)
        o4 = self.order4_factor
        factors = {1: self.order1_factor, 2: 1.0, 4: o4, "4_opt": o4}
        return factors[order]

    def as_dict(self) -> dict[str, Any]:
        """The coefficients as a plain dict."""
        return asdict(self)


# --- BEGIN FITTED COEFFICIENTS (python -m benchmarks cost --fit-only prints this block) ---
#: Fit of benchmarks/cost_model.csv (``measured_on`` and ``machine`` say where and when the
#: table was measured; benchmarks/README.md has the software versions). Refitting that
#: table reproduces these numbers (tests/test_jobs_cost.py checks it).
COEFFICIENTS = CostCoefficients(
    step_bond_s=0.00327,
    step_chi2_s=2.118e-07,
    step_chi3_s=2.984e-10,
    order1_factor=0.7139,
    order4_factor=3.844,
    meas_pair_s=0.0006352,
    meas_chi3_s=4.393e-11,
    ckpt_base_s=0.003549,
    ckpt_chi2_s=2.358e-08,
    startup_s=1.636,
    mem_base_mb=174.7,
    mem_chi2_mb=1.915e-05,
    mem_theta_mb=0.0001452,
    measured_on="2026-11-24",
    machine="AMD EPYC, 2 cores, Linux 6.18.44-fc-v595",
)  # --- END FITTED COEFFICIENTS ---


def bond_caps(L: int, n_d: int | None = None, n_c: int = 1) -> np.ndarray:
    """Largest Schmidt rank of every bond allowed by the conserved charges.

    Parameters
    ----------
    L : int
        Number of sites.
    n_d : int, optional
        Number of d-bosons (default ``L // 3``, the density-wave initial state).
    n_c : int
        Number of c-bosons (default 1).

    Returns
    -------
    ndarray of int, shape (L-1,)
        For bond ``b`` (sites ``0..b-1`` | ``b..L-1``): the sum over charge sectors
        ``(k, m)`` of ``min(dim_left(k, m), dim_right(n_d - k, n_c - m))``, where a block of
        ``l`` hard-core sites holds ``C(l, k) C(l, m)`` states with ``k`` d- and ``m``
        c-bosons. Values larger than ``2**62`` are clipped (irrelevant for any chi).
    """
    return np.asarray(_bond_caps(int(L), L // 3 if n_d is None else int(n_d), int(n_c)))


@lru_cache(maxsize=256)
def _bond_caps(L: int, n_d: int, n_c: int) -> tuple[int, ...]:
    cap = []
    for b in range(1, L):
        r = L - b
        total = 0
        for k in range(0, min(b, n_d) + 1):
            for m in range(0, min(b, n_c) + 1):
                left = math.comb(b, k) * math.comb(b, m)
                right = math.comb(r, n_d - k) * math.comb(r, n_c - m)
                total += min(left, right)
        cap.append(min(total, 2**62))
    return tuple(cap)


def bond_profile(L: int, chi: int) -> np.ndarray:
    """Saturated bond dimensions ``min(chi, cap_b)`` of a run at ``chi`` on ``L`` sites."""
    if chi < 1 or L < 2:
        raise ValueError(f"need chi >= 1 and L >= 2, got L={L}, chi={chi}")
    return np.minimum(bond_caps(L), int(chi)).astype(np.float64)


def profile_features(chi_b: np.ndarray) -> dict[str, float]:
    """The sums the model uses, from a bond profile ``chi_b`` (length ``L - 1``).

    Returns
    -------
    dict
        ``L``, ``n_bonds``, ``sum_chi2``, ``sum_chi3``, ``max_chi2`` (floats).
    """
    chi_b = np.asarray(chi_b, dtype=np.float64)
    return {
        "L": float(chi_b.size + 1),
        "n_bonds": float(chi_b.size),
        "sum_chi2": float(np.sum(chi_b**2)),
        "sum_chi3": float(np.sum(chi_b**3)),
        "max_chi2": float(np.max(chi_b) ** 2),
    }


@lru_cache(maxsize=1024)
def _saturated_features(L: int, chi: int) -> dict[str, float]:
    return profile_features(bond_profile(L, chi))


def _features(L: int, chi: int) -> dict[str, float]:
    """Features of the saturated profile (cached: a plan calls this for every job)."""
    return dict(_saturated_features(int(L), int(chi)))


def _step_o2(f: Mapping[str, float], c: CostCoefficients) -> float:
    bonds = c.step_bond_s * f["n_bonds"]
    return bonds + c.step_chi2_s * f["sum_chi2"] + c.step_chi3_s * f["sum_chi3"]


def _measure(f: Mapping[str, float], c: CostCoefficients) -> float:
    return c.meas_pair_s * f["L"] ** 2 + c.meas_chi3_s * f["L"] * f["sum_chi3"]


def _ckpt(f: Mapping[str, float], c: CostCoefficients) -> float:
    return c.ckpt_base_s + c.ckpt_chi2_s * f["sum_chi2"]


def _mem(f: Mapping[str, float], c: CostCoefficients) -> float:
    return c.mem_base_mb + c.mem_chi2_mb * f["sum_chi2"] + c.mem_theta_mb * f["max_chi2"]


def predict_step_seconds(
    L: int, chi: int, order: int = 2, coeffs: CostCoefficients = COEFFICIENTS
) -> float:
    """Wall time of one Trotter step with every bond saturated at ``min(chi, cap_b)``.

    Parameters
    ----------
    L : int
        Number of sites.
    chi : int
        Bond dimension (``chi_max`` of the run).
    order : {1, 2, 4}
        Suzuki-Trotter order.
    coeffs : CostCoefficients
        Model coefficients (default: the fit stored in this module).

    Returns
    -------
    float
        Seconds, one BLAS thread.
    """
    f = _features(L, chi)
    return _step_o2(f, coeffs) * coeffs.order_factor(order)


def predict_measure_seconds(L: int, chi: int, coeffs: CostCoefficients = COEFFICIENTS) -> float:
    """Wall time of one measurement (densities, ``C_dd``, entropies) at saturated chi."""
    return _measure(_features(L, chi), coeffs)


def predict_checkpoint_seconds(L: int, chi: int, coeffs: CostCoefficients = COEFFICIENTS) -> float:
    """Wall time of writing one checkpoint of a saturated state."""
    return _ckpt(_features(L, chi), coeffs)


def predict_runtime_minutes(
    L: int,
    chi_max: int,
    t_max: float,
    dt: float,
    order: int,
    safety: float = 1.5,
    *,
    t_first: float = 0.1,
    n_per_decade: int = 10,
    coeffs: CostCoefficients = COEFFICIENTS,
) -> float:
    """Wall time of a whole ``mblbath run``, assuming saturated chi from the first step.

    Parameters
    ----------
    L, chi_max : int
        Size and bond dimension.
    t_max, dt : float
        Final time and Trotter step (``round(t_max / dt)`` steps).
    order : {1, 2, 4}
        Suzuki-Trotter order.
    safety : float
        Factor applied to the model's time (>= 1 for a request).
    t_first, n_per_decade : float, int
        Time grid of the measurements (:func:`mblbath.config.time_grid`).
    coeffs : CostCoefficients
        Model coefficients.

    Returns
    -------
    float
        Minutes. Conservative: while chi is still growing, steps are cheaper.
    """
    n_steps = int(round(t_max / dt))
    n_meas = len(time_grid(t_max, dt, t_first, n_per_decade))
    f = _features(L, chi_max)
    seconds = (
        coeffs.startup_s
        + n_steps * _step_o2(f, coeffs) * coeffs.order_factor(order)
        + n_meas * _measure(f, coeffs)
    )
    return safety * seconds / 60.0


def predict_mem_mb(
    L: int, chi_max: int, safety: float = 1.0, coeffs: CostCoefficients = COEFFICIENTS
) -> float:
    """Peak resident memory (MB) of a run whose bonds are saturated at ``chi_max``.

    Includes the interpreter and libraries, the MPS, the two-site tensors and SVD work
    space of one step, a measurement and the in-memory copy made by a checkpoint save.
    """
    return safety * _mem(_features(L, chi_max), coeffs)
