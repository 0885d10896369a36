r"""SLURM requests of the TEBD jobs, from the cost model (:mod:`mblbath.jobs.cost`).

Coefficients: this machine's calibration (``mblbath calibrate``,
:func:`mblbath.jobs.calibration.active_coefficients`) where it exists, else the shipped
ones; the requests assume saturated chi from the first step (an upper bound: a request
that is too short costs a retry, :mod:`mblbath.jobs.growth` predicts the expected use).

SLURM requests (:func:`tebd_resources`)
    Memory: model peak x safety + the two Snakemake processes that wrap a SLURM job.
    Runtime: model x safety + the walltime-signal lead, capped at the config's
    ``execution.max_runtime_min`` (48 h by default; the partition's time limit).
    ``slurm_extra = --signal=TERM@lead``: SIGTERM reaches ``mblbath run`` ``lead`` seconds
    before the limit (two saturated steps + a checkpoint write + SLURM's 60 s resolution);
    it finishes its step, checkpoints and exits 143, and Snakemake's retry
    resumes. A run longer than the cap needs several such tries (:func:`tebd_retries`).

Threads
    Snakemake exports ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS``
    equal to the rule's ``threads`` to every shell command; :data:`SHELL_THREAD_PREFIX` and
    :func:`thread_env` do the same explicitly (before numpy loads).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from ..config import ConfigError, chi_max_for
from .calibration import active_coefficients
from .cost import (
    CostCoefficients,
    predict_checkpoint_seconds,
    predict_mem_mb,
    predict_runtime_minutes,
    predict_step_seconds,
)

__all__ = [
    "THREAD_ENV_VARS",
    "SHELL_THREAD_PREFIX",
    "DEFAULT_MAX_RUNTIME_MIN",
    "JOB_OVERHEAD_MB",
    "thread_env",
    "signal_lead_seconds",
    "max_runtime_minutes",
    "tebd_resources",
    "size_cost",
    "tebd_retries",
]

#: Environment variables that fix the thread count of OpenMP, OpenBLAS and MKL.
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: Shell prefix for a Snakemake ``shell:`` command (Snakemake fills in ``{threads}``); the
#: variables must be set before numpy is imported, i.e. before ``mblbath`` starts.
SHELL_THREAD_PREFIX = " ".join(["export", *(f"{v}={{threads}}" for v in THREAD_ENV_VARS)]) + "; "

#: Longest runtime request of one job (minutes) of a config without
#: ``execution.max_runtime_min``: 48 hours (the schema default), a common partition limit.
#: Longer runs are checkpointed and resumed by retries.
DEFAULT_MAX_RUNTIME_MIN = 2880

#: The environment variable that set the cap before it was a config key; now refused.
_OLD_ENV_VAR = "MBLBATH_MAX_RUNTIME_MIN"

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


def signal_lead_seconds(
    L: int, chi_max: int, order: int, coeffs: CostCoefficients | None = None
) -> int:
    """How long before its time limit a TEBD job must get SIGTERM to checkpoint in time.

    ``mblbath run`` polls for the signal after every Trotter step, then writes the
    checkpoint. Lead = SLURM's signal resolution (60 s) + two saturated steps + twice
    the checkpoint write + 60 s margin; at least 300 s, at most 65535 s (SLURM's limit).
    """
    coeffs = coeffs or active_coefficients()
    step = predict_step_seconds(L, chi_max, order, coeffs)
    save = predict_checkpoint_seconds(L, chi_max, coeffs)
    lead = _SLURM_SIGNAL_RESOLUTION_S + 2 * step + 2 * save
    return int(min(max(math.ceil(lead + 60), 300), 65535))


def max_runtime_minutes(cfg: Mapping[str, Any]) -> int:
    """Longest runtime request of one job: the config's ``execution.max_runtime_min``.

    The schema validates it (an integer >= 10); a config without it gets
    :data:`DEFAULT_MAX_RUNTIME_MIN`. The environment variable ``MBLBATH_MAX_RUNTIME_MIN``
    that set it before is refused with a message naming the config key, so that a value
    set there is not silently ignored.
    """
    if os.environ.get(_OLD_ENV_VAR, "").strip():
        raise ConfigError(
            f"{_OLD_ENV_VAR} is no longer read: set execution.max_runtime_min (minutes) "
            f"in the config file instead and unset {_OLD_ENV_VAR}"
        )
    value = cfg.get("execution", {}).get("max_runtime_min", DEFAULT_MAX_RUNTIME_MIN)
    if int(value) < 10:
        raise ConfigError(f"parameter 'execution.max_runtime_min': {value} is less than 10")
    return int(value)


def _ceil_to(x: float, step: int) -> int:
    return int(step * math.ceil(x / step))


def _run_minutes(
    numerics: Mapping[str, Any], L: int, chi: int, safety: float, coeffs: CostCoefficients
) -> float:
    """:func:`~mblbath.jobs.cost.predict_runtime_minutes` with a config's ``numerics``."""
    return predict_runtime_minutes(
        L,
        chi,
        numerics["t_max"],
        numerics["dt"],
        numerics["order"],
        safety,
        t_first=numerics["t_first"],
        n_per_decade=numerics["n_per_decade"],
        coeffs=coeffs,
    )


def tebd_resources(
    cfg: Mapping[str, Any],
    L: int | str,
    attempt: int = 1,
    *,
    runtime_safety: float = 1.5,
    mem_safety: float = 1.5,
    max_runtime: int | None = None,
    coeffs: CostCoefficients | None = None,
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
        Cap of the runtime request in minutes (default: the config's, see
        :func:`max_runtime_minutes`). A run predicted to take longer is checkpointed before
        the limit and resumed by a retry.
    coeffs : CostCoefficients, optional
        Model coefficients (default: :func:`~mblbath.jobs.calibration.active_coefficients`).

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
    coeffs = coeffs or active_coefficients()
    n = cfg["numerics"]
    chi = chi_max_for(dict(cfg), L)
    cap = max_runtime_minutes(cfg) if max_runtime is None else int(max_runtime)
    lead = signal_lead_seconds(L, chi, n["order"], coeffs)
    work = _run_minutes(n, L, chi, runtime_safety, coeffs)
    runtime = min(max(math.ceil(work + lead / 60.0), 10), cap)
    grow = min(1.0 + 0.5 * (max(int(attempt), 1) - 1), 2.0)
    mem = _ceil_to(predict_mem_mb(L, chi, mem_safety * grow, coeffs) + JOB_OVERHEAD_MB, 100)
    return {"mem_mb": mem, "runtime": int(runtime), "slurm_extra": f"--signal=TERM@{lead}"}


def size_cost(
    cfg: Mapping[str, Any],
    L: int,
    runtime_safety: float,
    mem_safety: float,
    cap: int,
    coeffs: CostCoefficients,
) -> dict[str, Any]:
    """Model runtime, requests and number of tries of one TEBD job at size ``L``.

    Parameters are those of :func:`tebd_resources` (``cap``: the runtime cap in minutes).

    Returns
    -------
    dict
        ``L``, ``chi_max``, ``order``, ``n_steps``, ``step_s`` (model seconds per step),
        ``runtime_h`` (model hours of a run, no safety factor), ``request_min`` (runtime
        request), ``attempts`` (tries needed with that request) and ``mem_mb`` (request).
    """
    n = cfg["numerics"]
    chi = chi_max_for(dict(cfg), L)
    res = tebd_resources(
        cfg, L, runtime_safety=runtime_safety, mem_safety=mem_safety, max_runtime=cap, coeffs=coeffs
    )
    model_min = _run_minutes(n, L, chi, 1.0, coeffs)
    usable = max(res["runtime"] - signal_lead_seconds(L, chi, n["order"], coeffs) / 60.0, 1.0)
    return {
        "L": int(L),
        "chi_max": chi,
        "order": n["order"],
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
    coeffs: CostCoefficients | None = None,
) -> int:
    """Snakemake ``--retries`` a config needs: the most tries of any run minus one, plus spares.

    A run predicted to last longer than the runtime cap is cut into tries: each ends with
    SLURM's SIGTERM, a checkpoint and a failed job; the next try resumes. ``spare`` retries
    are left for failures of another kind (a node going down).

    Pass it on the command line (``--retries N``) or as ``retries`` in the profile, not as
    the rule's ``retries:`` directive: Snakemake applies a rule's own retries inside the
    SLURM job, too, and would rerun the step in the allocation that is about to end.
    """
    cap = max_runtime_minutes(cfg) if max_runtime is None else int(max_runtime)
    coeffs = coeffs or active_coefficients()
    tries = [
        size_cost(cfg, L, runtime_safety, 1.0, cap, coeffs)["attempts"] for L in cfg["sweep"]["L"]
    ]
    return max(tries) - 1 + int(spare)
