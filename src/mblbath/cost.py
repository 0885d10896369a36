r"""Cost model of a TEBD run: time per Trotter step, peak memory, per-job SLURM resources.

The model is fitted to measurements made on one machine by ``python -m benchmarks cost``
(table ``benchmarks/cost_model.csv``; the coefficients below are that table's fit, see
:data:`COEFFICIENTS` for the date and the machine). Every prediction is for **one BLAS
thread** (the ``tebd`` rule's ``threads: 1``); more threads make large-chi steps faster, so
the predictions stay conservative.

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

SLURM requests (:func:`tebd_resources`)
    Memory: model peak x safety + the two Snakemake processes that wrap a SLURM job.
    Runtime: model x safety + the walltime-signal lead, capped at ``MBLBATH_MAX_RUNTIME_MIN``
    (48 h by default). ``slurm_extra = --signal=TERM@lead``: SIGTERM reaches ``mblbath run``
    ``lead`` seconds before the limit (two saturated steps + a checkpoint write + SLURM's
    60 s resolution); it finishes its step, checkpoints and exits 143, and Snakemake's retry
    resumes. A run longer than the cap needs several such tries (:func:`tebd_retries`).

Threads
    Snakemake exports ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS``
    equal to the rule's ``threads`` to every shell command; :data:`SHELL_THREAD_PREFIX` and
    :func:`thread_env` do the same explicitly (before numpy loads).

Only the TEBD runs matter for the budget: disorder sampling, aggregation, fits and
figures take seconds to minutes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .config import ConfigError, chi_max_for, load_config, time_grid

__all__ = [
    "CostCoefficients",
    "COEFFICIENTS",
    "THREAD_ENV_VARS",
    "SHELL_THREAD_PREFIX",
    "DEFAULT_MAX_RUNTIME_MIN",
    "JOB_OVERHEAD_MB",
    "bond_caps",
    "bond_profile",
    "profile_features",
    "predict_step_seconds",
    "predict_measure_seconds",
    "predict_checkpoint_seconds",
    "predict_runtime_minutes",
    "predict_mem_mb",
    "signal_lead_seconds",
    "max_runtime_minutes",
    "tebd_resources",
    "tebd_retries",
    "thread_env",
    "estimate",
    "format_estimate",
    "estimate_main",
    "fit_coefficients",
    "coefficients_source",
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

    def order_factor(self, order: int) -> float:
        """Cost of one step of Trotter ``order`` relative to order 2."""
        factors = {1: self.order1_factor, 2: 1.0, 4: self.order4_factor}
        if order not in factors:
            raise ValueError(f"Trotter order {order} is not one of 1, 2, 4")
        return factors[order]

    def as_dict(self) -> dict[str, Any]:
        """The coefficients as a plain dict."""
        return asdict(self)


# --- BEGIN FITTED COEFFICIENTS (python -m benchmarks cost --fit-only prints this block) ---
#: Fit of benchmarks/cost_model.csv, measured on 2026-11-24 on a 2-core AMD EPYC VM
#: (shared with other jobs: 1-min load average 2.0-4.6, recorded per point) with numpy 2.4.6,
#: OpenBLAS 0.3.31 (scipy-openblas) on one thread, TeNPy 1.1.1. Refitting that table
#: reproduces these numbers (tests/test_cost.py checks it).
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

#: Environment variables that fix the thread count of OpenMP, OpenBLAS and MKL.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: Shell prefix for a Snakemake ``shell:`` command (Snakemake fills in ``{threads}``); the
#: variables must be set before numpy is imported, i.e. before ``mblbath`` starts.
SHELL_THREAD_PREFIX = " ".join(["export", *(f"{v}={{threads}}" for v in THREAD_ENV_VARS)]) + "; "

#: Longest runtime request of one job (minutes) unless ``MBLBATH_MAX_RUNTIME_MIN`` is set:
#: 48 hours, a common partition limit. Longer runs are checkpointed and resumed by retries.
DEFAULT_MAX_RUNTIME_MIN = 2880

#: Memory of the two Snakemake processes that wrap every SLURM job (the batch script's and
#: the job step's, 130 MB each measured with this workflow, + srun); a SLURM job's memory
#: limit covers them and ``mblbath run`` together.
JOB_OVERHEAD_MB = 300

#: SLURM may send the ``--signal`` up to this many seconds earlier than asked.
_SLURM_SIGNAL_RESOLUTION_S = 60


def thread_env(threads: int) -> dict[str, str]:
    """Environment that pins OpenMP/OpenBLAS/MKL to ``threads`` threads.

    Parameters
    ----------
    threads : int
        Number of threads (>= 1).

    Returns
    -------
    dict
        ``{"OMP_NUM_THREADS": "1", ...}``; merge it into the environment of a process
        *before* that process imports numpy (e.g. ``subprocess.run(..., env=...)``).
    """
    if int(threads) < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    return {v: str(int(threads)) for v in THREAD_ENV_VARS}


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


def signal_lead_seconds(
    L: int, chi_max: int, order: int, coeffs: CostCoefficients = COEFFICIENTS
) -> int:
    """How long before its time limit a TEBD job must get SIGTERM to checkpoint in time.

    ``mblbath run`` polls for the signal after every Trotter step, then writes the
    checkpoint. Lead = SLURM's signal resolution (60 s) + two saturated steps + twice
    the checkpoint write + 60 s margin; at least 300 s, at most 65535 s (SLURM's limit).
    """
    step = predict_step_seconds(L, chi_max, order, coeffs)
    save = predict_checkpoint_seconds(L, chi_max, coeffs)
    lead = _SLURM_SIGNAL_RESOLUTION_S + 2 * step + 2 * save
    return int(min(max(math.ceil(lead + 60), 300), 65535))


def max_runtime_minutes() -> int:
    """Longest runtime request: ``$MBLBATH_MAX_RUNTIME_MIN`` or :data:`DEFAULT_MAX_RUNTIME_MIN`."""
    raw = os.environ.get("MBLBATH_MAX_RUNTIME_MIN", "")
    if not raw.strip():
        return DEFAULT_MAX_RUNTIME_MIN
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"MBLBATH_MAX_RUNTIME_MIN={raw!r} is not a number of minutes") from None
    if value < 10:
        raise ConfigError(f"MBLBATH_MAX_RUNTIME_MIN={raw}: must be at least 10 minutes")
    return value


def _ceil_to(x: float, step: int) -> int:
    return int(step * math.ceil(x / step))


def tebd_resources(
    cfg: Mapping[str, Any],
    L: int | str,
    attempt: int = 1,
    *,
    runtime_safety: float = 1.5,
    mem_safety: float = 1.5,
    max_runtime: int | None = None,
    coeffs: CostCoefficients = COEFFICIENTS,
) -> dict[str, Any]:
    """Resources of the ``tebd`` job at size ``L`` of a validated config.

    Parameters
    ----------
    cfg : mapping
        Validated config (Snakemake's ``config`` in a rule).
    L : int or str
        System size (a wildcard value is fine).
    attempt : int
        Snakemake's attempt number: memory grows by 50 % per retry (at most doubled), for
        a job killed for lack of memory; the runtime does not grow, since a job killed at
        its time limit resumes from its checkpoint.
    runtime_safety, mem_safety : float
        Safety factors on the model's time and memory.
    max_runtime : int, optional
        Cap of the runtime request in minutes (default :func:`max_runtime_minutes`). A run
        predicted to take longer is checkpointed before the limit and resumed by a retry.
    coeffs : CostCoefficients
        Model coefficients.

    Returns
    -------
    dict
        ``mem_mb`` (int, MB, multiple of 100: the model's peak times the safety factor,
        plus :data:`JOB_OVERHEAD_MB` for Snakemake inside the job), ``runtime`` (int,
        minutes, >= 10) and
        ``slurm_extra`` (``--signal=TERM@<lead>``: SIGTERM that many seconds before the time
        limit, so that ``mblbath run`` checkpoints and exits before SLURM kills it).
    """
    L = int(L)
    n = cfg["numerics"]
    chi = chi_max_for(dict(cfg), L)
    cap = max_runtime_minutes() if max_runtime is None else int(max_runtime)
    lead = signal_lead_seconds(L, chi, n["order"], coeffs)
    work = predict_runtime_minutes(
        L,
        chi,
        n["t_max"],
        n["dt"],
        n["order"],
        runtime_safety,
        t_first=n["t_first"],
        n_per_decade=n["n_per_decade"],
        coeffs=coeffs,
    )
    runtime = min(max(math.ceil(work + lead / 60.0), 10), cap)
    grow = min(1.0 + 0.5 * (max(int(attempt), 1) - 1), 2.0)
    mem = _ceil_to(predict_mem_mb(L, chi, mem_safety * grow, coeffs) + JOB_OVERHEAD_MB, 100)
    return {"mem_mb": mem, "runtime": int(runtime), "slurm_extra": f"--signal=TERM@{lead}"}


def _size_cost(
    cfg: Mapping[str, Any],
    L: int,
    runtime_safety: float,
    mem_safety: float,
    cap: int,
    coeffs: CostCoefficients,
) -> dict[str, Any]:
    """Model runtime, requests and number of tries of one TEBD job at size ``L``."""
    n = cfg["numerics"]
    chi = chi_max_for(dict(cfg), L)
    res = tebd_resources(
        cfg, L, runtime_safety=runtime_safety, mem_safety=mem_safety, max_runtime=cap, coeffs=coeffs
    )
    model_min = predict_runtime_minutes(
        L,
        chi,
        n["t_max"],
        n["dt"],
        n["order"],
        1.0,
        t_first=n["t_first"],
        n_per_decade=n["n_per_decade"],
        coeffs=coeffs,
    )
    usable = max(res["runtime"] - signal_lead_seconds(L, chi, n["order"], coeffs) / 60.0, 1.0)
    return {
        "L": int(L),
        "chi_max": chi,
        "order": int(n["order"]),
        "n_steps": int(round(n["t_max"] / n["dt"])),
        "step_s": predict_step_seconds(L, chi, n["order"], coeffs),
        "runtime_h": model_min / 60.0,
        "request_min": res["runtime"],
        "attempts": max(1, math.ceil(runtime_safety * model_min / usable)),
        "mem_mb": res["mem_mb"],
    }


def tebd_retries(
    cfg: Mapping[str, Any],
    spare: int = 2,
    *,
    runtime_safety: float = 1.5,
    max_runtime: int | None = None,
    coeffs: CostCoefficients = COEFFICIENTS,
) -> int:
    """Snakemake ``--retries`` a config needs: the most tries of any run minus one, plus spares.

    A run predicted to last longer than the runtime cap is cut into tries: each ends with
    SLURM's SIGTERM, a checkpoint and a failed job; the next try resumes. ``spare`` retries
    are left for failures of another kind (a node going down).

    Pass it on the command line (``--retries N``) or as ``retries`` in the profile, not as
    the rule's ``retries:`` directive: Snakemake applies a rule's own retries inside the
    SLURM job, too, and would rerun the step in the allocation that is about to end.
    """
    cap = max_runtime_minutes() if max_runtime is None else int(max_runtime)
    tries = [
        _size_cost(cfg, L, runtime_safety, 1.0, cap, coeffs)["attempts"] for L in cfg["sweep"]["L"]
    ]
    return max(tries) - 1 + int(spare)


def estimate(
    cfg: Mapping[str, Any],
    *,
    runtime_safety: float = 1.5,
    mem_safety: float = 1.5,
    max_runtime: int | None = None,
    coeffs: CostCoefficients = COEFFICIENTS,
) -> dict[str, Any]:
    """Cost of every TEBD job of a validated config.

    Parameters
    ----------
    cfg : mapping
        Validated config.
    runtime_safety, mem_safety, max_runtime, coeffs
        As in :func:`tebd_resources`.

    Returns
    -------
    dict
        ``jobs``: pandas DataFrame, one row per TEBD job (``L, U, seed, chi_max, order,
        n_steps, step_s, runtime_h`` (model), ``request_min``, ``attempts`` (tries needed
        with requests capped at ``max_runtime``), ``mem_mb`` (request), ``core_h`` (model),
        ``request_core_h`` (tries x runtime request)); ``by_L``: the same per size (sums
        of the core-hours); ``n_jobs``, ``total_core_h`` (model), ``total_request_core_h``,
        ``largest`` (dict: the longest job), ``max_runtime`` (minutes), ``retries`` (as
        :func:`tebd_retries`), the safety factors and ``coefficients``.
    """
    import pandas as pd

    cap = max_runtime_minutes() if max_runtime is None else int(max_runtime)
    rows = []
    for L in cfg["sweep"]["L"]:
        size = _size_cost(cfg, L, runtime_safety, mem_safety, cap, coeffs)
        size["core_h"] = size["runtime_h"]
        size["request_core_h"] = size["attempts"] * size["request_min"] / 60.0
        for U in cfg["sweep"]["U"]:
            for seed in range(cfg["sweep"]["n_seeds"]):
                rows.append({"U": float(U), "seed": seed, **size})
    jobs = pd.DataFrame(rows)
    by_L = jobs.groupby("L", sort=True).agg(
        jobs=("seed", "size"),
        chi_max=("chi_max", "max"),
        order=("order", "max"),
        n_steps=("n_steps", "max"),
        step_s=("step_s", "max"),
        runtime_h=("runtime_h", "max"),
        request_min=("request_min", "max"),
        attempts=("attempts", "max"),
        mem_mb=("mem_mb", "max"),
        core_h=("core_h", "sum"),
        request_core_h=("request_core_h", "sum"),
    )
    top = jobs.loc[jobs["runtime_h"].idxmax()]
    return {
        "jobs": jobs,
        "by_L": by_L,
        "n_jobs": len(jobs),
        "total_core_h": float(jobs["core_h"].sum()),
        "total_request_core_h": float(jobs["request_core_h"].sum()),
        "largest": {
            "L": int(top["L"]),
            "chi_max": int(top["chi_max"]),
            "runtime_h": float(top["runtime_h"]),
            "mem_mb": int(jobs["mem_mb"].max()),
        },
        "max_runtime": cap,
        "retries": int(by_L["attempts"].max()) - 1 + 2,
        "runtime_safety": runtime_safety,
        "mem_safety": mem_safety,
        "coefficients": coeffs,
    }


def _fmt_seconds(t: float) -> str:
    return f"{t:.3g} s" if t < 100 else _fmt_hours(t / 3600)


def _fmt_hours(h: float) -> str:
    if h < 1.0:
        return f"{60 * h:.1f} min"
    if h < 48.0:
        return f"{h:.1f} h"
    return f"{h / 24:.1f} d"


def format_estimate(est: Mapping[str, Any], title: str = "") -> str:
    """The table printed by ``mblbath estimate`` (see :func:`estimate`)."""
    c: CostCoefficients = est["coefficients"]
    head = (
        f"{'L':>4} {'jobs':>5} {'chi':>5} {'ord':>3} {'steps':>6} {'step':>9} "
        f"{'run/job':>9} {'request':>9} {'tries':>5} {'mem/job':>9} {'core-h':>10}"
    )
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"TEBD cost model measured {c.measured_on} on {c.machine} (1 thread per job); "
        "run/job assumes saturated chi from t = 0 (conservative)."
    )
    lines.append(head)
    for L, r in est["by_L"].iterrows():
        ints = {k: int(r[k]) for k in ("jobs", "chi_max", "order", "n_steps", "request_min")}
        lines.append(
            f"{int(L):>4d} {ints['jobs']:>5d} {ints['chi_max']:>5d} {ints['order']:>3d} "
            f"{ints['n_steps']:>6d} {_fmt_seconds(r['step_s']):>9} {_fmt_hours(r['runtime_h']):>9} "
            f"{ints['request_min']:>5d} min {int(r['attempts']):>5d} "
            f"{r['mem_mb'] / 1000:>6.1f} GB {r['core_h']:>10.4g}"
        )
    big = est["largest"]
    lines.append(
        f"total: {est['n_jobs']} TEBD jobs, {est['total_core_h']:.4g} core-hours (model), "
        f"{est['total_request_core_h']:.4g} core-hours requested "
        f"(runtime x{est['runtime_safety']:g}, memory x{est['mem_safety']:g})"
    )
    lines.append(
        f"largest job: L={big['L']} chi={big['chi_max']}: {_fmt_hours(big['runtime_h'])}, "
        f"{big['mem_mb'] / 1000:.1f} GB requested"
    )
    if (est["by_L"]["attempts"] > 1).any():
        lines.append(
            f"tries > 1: runs longer than the {est['max_runtime']} min cap "
            "(MBLBATH_MAX_RUNTIME_MIN) are checkpointed before the limit and resumed by "
            f"a retry: run Snakemake with --retries {est['retries']} (or start it again "
            "until every run is done; each resumes from its checkpoint)."
        )
    return "\n".join(lines)


def estimate_main(config_path: str | os.PathLike, *, max_runtime: int | None = None) -> str:
    """Text of ``mblbath estimate --configfile PATH``: per-size job count, per-job runtime
    and memory, total core-hours and the largest job.

    Parameters
    ----------
    config_path : path
        A config file, validated (schema defaults for missing keys).
    max_runtime : int, optional
        Cap of one job's runtime request in minutes (default :func:`max_runtime_minutes`).
    """
    if max_runtime is not None and max_runtime < 10:
        raise ConfigError(f"parameter 'max_runtime': {max_runtime} is less than 10 minutes")
    cfg = load_config(config_path)
    est = estimate(cfg, max_runtime=max_runtime)
    return format_estimate(est, title=f"mblbath estimate: {Path(config_path)}")


def fit_coefficients(table: Any, measured_on: str = "", machine: str = "") -> CostCoefficients:
    """Fit the model to a benchmark table (rows with ``role == "fit"``).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns as written by ``benchmarks/cost_model.py``: ``role, L, n_bonds, sum_chi2,
        sum_chi3, max_chi2`` (realised bond profile), ``t_o1_s, t_o2_s, t_o4_s`` (seconds
        per step), ``t_measure_s, t_ckpt_s, startup_s, peak_rss_mb``.
    measured_on, machine : str
        Recorded in the result (default: the table's ``date``/``machine`` columns).

    Returns
    -------
    CostCoefficients
        Linear terms by non-negative least squares on *relative* residuals (every point
        counts alike, from chi = 16 to chi = 512); order factors as medians of the measured
        ratios over the points with chi >= 256 (the regime of any large run; at small chi
        the factors are about 15 % larger); startup as the median.
    """
    from scipy.optimize import nnls

    fit = table[table["role"] == "fit"]
    if len(fit) < 4:
        raise ValueError(f"need at least 4 fit rows, got {len(fit)}")

    def rel_nnls(columns: list[np.ndarray], y: np.ndarray) -> np.ndarray:
        X = np.column_stack(columns) / y[:, None]
        theta, _ = nnls(X, np.ones_like(y), maxiter=1000)
        return theta

    L = fit["L"].to_numpy(float)
    nb = fit["n_bonds"].to_numpy(float)
    s2 = fit["sum_chi2"].to_numpy(float)
    s3 = fit["sum_chi3"].to_numpy(float)
    m2 = fit["max_chi2"].to_numpy(float)
    one = np.ones_like(L)
    t2 = fit["t_o2_s"].to_numpy(float)
    a = rel_nnls([nb, s2, s3], t2)
    # Order factors at chi >= 256, the regime that dominates any budget (at small chi the
    # Python overhead per Trotter layer makes the factor larger).
    big = fit["chi_reached"].to_numpy() >= 256
    if big.sum() < 2:
        big = np.ones_like(t2, dtype=bool)
    m = rel_nnls([L**2, L * s3], fit["t_measure_s"].to_numpy(float))
    k = rel_nnls([one, s2], fit["t_ckpt_s"].to_numpy(float))
    mem = rel_nnls([one, s2, m2], fit["peak_rss_mb"].to_numpy(float))

    def sig(x: float) -> float:
        return float(f"{x:.4g}")

    return CostCoefficients(
        step_bond_s=sig(a[0]),
        step_chi2_s=sig(a[1]),
        step_chi3_s=sig(a[2]),
        order1_factor=sig(np.median(fit["t_o1_s"].to_numpy(float)[big] / t2[big])),
        order4_factor=sig(np.median(fit["t_o4_s"].to_numpy(float)[big] / t2[big])),
        meas_pair_s=sig(m[0]),
        meas_chi3_s=sig(m[1]),
        ckpt_base_s=sig(k[0]),
        ckpt_chi2_s=sig(k[1]),
        startup_s=sig(np.median(fit["startup_s"].to_numpy(float))),
        mem_base_mb=sig(mem[0]),
        mem_chi2_mb=sig(mem[1]),
        mem_theta_mb=sig(mem[2]),
        measured_on=measured_on or str(fit["date"].iloc[0]),
        machine=machine or str(fit["machine"].iloc[0]),
    )


def coefficients_source(c: CostCoefficients) -> str:
    """Python source of ``COEFFICIENTS = CostCoefficients(...)`` for pasting into this module."""
    body = []
    for fld in fields(c):
        v = getattr(c, fld.name)
        if fld.name == "source":
            continue
        body.append(f"    {fld.name}={v!r},")
    return "COEFFICIENTS = CostCoefficients(\n" + "\n".join(body) + "\n)"
