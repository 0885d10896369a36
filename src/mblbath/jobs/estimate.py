"""The text of ``mblbath estimate``: cost of every TEBD job of a config, per size and total.

Built from the cost model (:mod:`mblbath.jobs.cost`, with this machine's calibration where
``mblbath calibrate`` made one: :func:`~mblbath.jobs.calibration.active_coefficients`) and
the SLURM requests (:mod:`mblbath.jobs.slurm`): per size the job count, the model's time
per step and per run at saturated chi, the runtime request and the number of tries it
needs, the memory request and the core-hours -- an upper bound, every step at ``chi_max``
-- and next to it the core-hours expected under the chi(t) model (:mod:`mblbath.jobs.growth`,
:mod:`mblbath.jobs.expected`: chi growing as it did in the finished runs of the same model
and U), with the evidence it rests on and what it extrapolates. The total is compared with
the saturated bound of the shipped coefficients. Config files are merged as Snakemake
merges them (over ``config/config.yaml``), and the table ends with the warnings of
:mod:`mblbath.jobs.capacity` for the chosen profile.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, load_configs
from .calibration import active_coefficients
from .capacity import Profile, capacity_warnings, read_profile
from .cost import COEFFICIENTS, CostCoefficients
from .expected import evidence, expected_seconds
from .growth import Growth, learn_growth
from .records import find_records
from .slurm import max_runtime_minutes, size_cost

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["estimate", "format_estimate", "estimate_main"]


def estimate(
    cfg: Mapping[str, Any],
    *,
    runtime_safety: float = 1.5,
    mem_safety: float = 1.5,
    max_runtime: int | None = None,
    coeffs: CostCoefficients | None = None,
    growth: Mapping[tuple[str, float], Growth] | None = None,
) -> dict[str, Any]:
    """Cost of every TEBD job of a validated config.

    Parameters
    ----------
    cfg : mapping
        Validated config.
    runtime_safety, mem_safety, max_runtime, coeffs
        As in :func:`tebd_resources` (default coefficients:
        :func:`~mblbath.jobs.calibration.active_coefficients`).
    growth : mapping, optional
        chi growth per (model, U) (:func:`~mblbath.jobs.growth.learn_growth`); without it
        (or for a U it lacks) the expected cost is the saturated one.

    Returns
    -------
    dict
        ``jobs``: pandas DataFrame, one row per TEBD job (``L, U, seed, chi_max, order,
        n_steps, step_s, runtime_h`` (model), ``request_min``, ``attempts`` (tries needed
        with requests capped at ``max_runtime``), ``mem_mb`` (request), ``core_h`` (model),
        ``request_core_h`` (tries x runtime request)); ``by_L``: the same per size (sums
        of the core-hours); ``n_jobs``, ``total_core_h`` (model), ``total_request_core_h``,
        ``largest`` (dict: the longest job), ``max_runtime`` (minutes), ``retries`` (as
        :func:`tebd_retries`), the safety factors and ``coefficients``; under the chi(t)
        model ``expected_h`` and ``measured_growth`` per job, ``expected_core_h`` per size,
        ``total_expected_core_h`` and ``evidence`` (lines); ``shipped_core_h``: the saturated
        total with the shipped coefficients.
    """
    import pandas as pd

    coeffs = coeffs or active_coefficients()
    growth = growth or {}
    cap = max_runtime_minutes(cfg) if max_runtime is None else int(max_runtime)
    jobs = pd.DataFrame(_job_rows(cfg, runtime_safety, mem_safety, cap, coeffs, growth))
    by_L = _per_size(jobs)
    top = jobs.loc[jobs["runtime_h"].idxmax()]
    return {
        "jobs": jobs,
        "by_L": by_L,
        "n_jobs": len(jobs),
        "total_core_h": float(jobs["core_h"].sum()),
        "total_request_core_h": float(jobs["request_core_h"].sum()),
        "total_expected_core_h": float(jobs["expected_h"].sum()),
        "shipped_core_h": _shipped_core_h(cfg, cap),
        "evidence": evidence(cfg, growth),
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


def _job_rows(
    cfg: Mapping[str, Any],
    runtime_safety: float,
    mem_safety: float,
    cap: int,
    coeffs: CostCoefficients,
    growth: Mapping[tuple[str, float], Growth],
) -> list[dict[str, Any]]:
    """One row per TEBD job of the sweep: by size in the config's order, then U, then seed.

    Every job of a size shares its saturated cost (:func:`~mblbath.jobs.slurm.size_cost`)
    with ``core_h`` (the model's runtime on one core) and ``request_core_h`` (tries x
    runtime request) added; ``expected_h`` and ``measured_growth`` come from the chi(t)
    model of the job's (model, U) (:func:`~mblbath.jobs.expected.expected_seconds`).
    """
    rows = []
    for L in cfg["sweep"]["L"]:
        size = size_cost(cfg, L, runtime_safety, mem_safety, cap, coeffs)
        size["core_h"] = size["runtime_h"]
        size["request_core_h"] = size["attempts"] * size["request_min"] / 60.0
        for U in cfg["sweep"]["U"]:
            sec, measured = expected_seconds(cfg, L, U, growth, coeffs)
            for seed in range(cfg["sweep"]["n_seeds"]):
                rows.append(
                    {
                        "U": float(U),
                        "seed": seed,
                        **size,
                        "expected_h": sec / 3600.0,
                        "measured_growth": measured,
                    }
                )
    return rows


def _per_size(jobs: pd.DataFrame) -> pd.DataFrame:
    """The jobs table per size: the figures of its largest job, the core-hours summed."""
    return jobs.groupby("L", sort=True).agg(
        jobs=("seed", "size"),
        chi_max=("chi_max", "max"),
        order=("order", "first"),
        n_steps=("n_steps", "max"),
        step_s=("step_s", "max"),
        runtime_h=("runtime_h", "max"),
        request_min=("request_min", "max"),
        attempts=("attempts", "max"),
        mem_mb=("mem_mb", "max"),
        core_h=("core_h", "sum"),
        request_core_h=("request_core_h", "sum"),
        expected_core_h=("expected_h", "sum"),
    )


def _shipped_core_h(cfg: Mapping[str, Any], cap: int) -> float:
    """Core-hours of the sweep at saturated chi with the shipped coefficients (no safety
    factors): the bound the chi(t) estimate is compared with."""
    n_per_L = len(cfg["sweep"]["U"]) * cfg["sweep"]["n_seeds"]
    shipped = 0.0
    for L in cfg["sweep"]["L"]:
        shipped += n_per_L * size_cost(cfg, L, 1.0, 1.0, cap, COEFFICIENTS)["runtime_h"]
    return shipped


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
        f"{'run/job':>9} {'request':>9} {'tries':>5} {'mem/job':>9} {'core-h':>10} "
        f"{'chi(t) core-h':>13}"
    )
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"TEBD cost model measured {c.measured_on} on {c.machine} (1 thread per job); "
        "step, run/job, request and core-h assume saturated chi from t = 0 (an upper "
        "bound); chi(t) core-h: chi growing as in the finished runs (evidence below)."
    )
    lines.append(head)
    for L, r in est["by_L"].iterrows():
        ints = {k: int(r[k]) for k in ("jobs", "chi_max", "n_steps", "request_min")}
        lines.append(
            f"{int(L):>4d} {ints['jobs']:>5d} {ints['chi_max']:>5d} {str(r['order']):>3} "
            f"{ints['n_steps']:>6d} {_fmt_seconds(r['step_s']):>9} {_fmt_hours(r['runtime_h']):>9} "
            f"{ints['request_min']:>5d} min {int(r['attempts']):>5d} "
            f"{r['mem_mb'] / 1000:>6.1f} GB {r['core_h']:>10.4g} {r['expected_core_h']:>13.4g}"
        )
    big = est["largest"]
    lines.append(
        f"total: {est['n_jobs']} TEBD jobs, {est['total_core_h']:.4g} core-hours (model, "
        f"saturated chi), {est['total_request_core_h']:.4g} core-hours requested "
        f"(runtime x{est['runtime_safety']:g}, memory x{est['mem_safety']:g})"
    )
    expected, shipped = est["total_expected_core_h"], est["shipped_core_h"]
    lines.append(
        f"expected under the chi(t) model: {expected:.4g} core-hours, "
        f"{est['total_core_h'] / expected:.2g}x below the saturated bound and "
        f"{shipped / expected:.2g}x below the shipped coefficients' saturated "
        f"{shipped:.4g}; chi(t) from:"
    )
    lines += est["evidence"]
    lines.append(
        f"largest job: L={big['L']} chi={big['chi_max']}: {_fmt_hours(big['runtime_h'])}, "
        f"{big['mem_mb'] / 1000:.1f} GB requested"
    )
    if (est["by_L"]["attempts"] > 1).any():
        lines.append(
            f"tries > 1: runs longer than the {est['max_runtime']} min cap "
            "(execution.max_runtime_min) are checkpointed before the limit and resumed by "
            f"a retry: run Snakemake with --retries {est['retries']} (or start it again "
            "until every run is done; each resumes from its checkpoint)."
        )
    return "\n".join(lines)


#: The workflow's own config file and local profile, relative to the repository root (the
#: working directory of ``snakemake``).
BASE_CONFIG = Path("config") / "config.yaml"
LOCAL_PROFILE = Path("profiles") / "default"


def estimate_main(
    config_paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    max_runtime: int | None = None,
    base: str | os.PathLike | None = BASE_CONFIG,
    profile: str | os.PathLike | None = LOCAL_PROFILE,
    root: str | os.PathLike = ".",
) -> str:
    """Text of ``mblbath estimate --configfile PATH...``: per-size job count, per-job runtime
    and memory, total core-hours, the largest job, and what exceeds the profile.

    Parameters
    ----------
    config_paths : path or sequence of paths
        Config files, validated (schema defaults for missing keys), each merged over the
        previous as Snakemake merges ``--configfile`` files.
    max_runtime : int, optional
        Cap of one job's runtime request in minutes (default: the config's
        ``execution.max_runtime_min``).
    base : path, optional
        The workflow's config file, merged under ``config_paths`` if it exists (Snakemake
        reads it first; default ``config/config.yaml``); None: not used.
    profile : path, optional
        Snakemake profile folder whose capacity the plan is checked against (default
        ``profiles/default``; if it does not exist, the local machine with all its cores).
    root : path
        The workflow's directory: its calibration (``results/calibration``) and finished
        runs (``results/runs``, for the chi(t) model) are used.
    """
    if max_runtime is not None and max_runtime < 10:
        raise ConfigError(f"parameter '--max-runtime': {max_runtime} is less than 10 minutes")
    if isinstance(config_paths, str | os.PathLike):
        config_paths = [config_paths]
    paths = [Path(p) for p in config_paths]
    base_path = Path(base) if base is not None and Path(base).is_file() else None
    if base_path is not None and any(p.resolve() == base_path.resolve() for p in paths):
        base_path = None
    cfg = load_configs(paths, base=base_path)
    coeffs = active_coefficients(root)
    est = estimate(cfg, max_runtime=max_runtime, coeffs=coeffs, growth=_growth(root))
    names = " over ".join(str(p) for p in reversed([*([base_path] if base_path else []), *paths]))
    text = format_estimate(est, title=f"mblbath estimate: {names}")
    if profile is not None and Path(profile).is_dir():
        prof = read_profile(profile)
    else:
        prof = Profile("this machine", cluster=False, cores=os.cpu_count() or 1)
    warnings = capacity_warnings(cfg, prof, max_runtime=est["max_runtime"], coeffs=coeffs)
    if warnings:
        text += (
            f"\nwarning (profile {prof.name}, {prof.cores} cores):"
            if not prof.cluster
            else (f"\nwarning (profile {prof.name}):")
        )
        text += "".join(f"\n  {w.removeprefix('mblbath: ')}" for w in warnings)
    return text


def _growth(root: str | os.PathLike) -> dict[tuple[str, float], Growth]:
    """chi growth of the finished runs under ``root`` (all of them: any time target)."""
    return learn_growth(find_records(root))
