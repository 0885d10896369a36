"""Does a config's TEBD work fit what the chosen profile delivers? Warnings, not errors.

``snakemake -n`` (through ``workflow/rules/common.smk``) and ``mblbath estimate`` say so
when the cost model (:mod:`mblbath.jobs.cost`, via :func:`mblbath.jobs.slurm.size_cost`)
plans more than the profile can do:

- local profile (``profiles/default``: no executor, ``cores`` cores): the TEBD jobs would
  take more than :data:`LOCAL_MAX_HOURS` of wall time on those cores (each job uses one
  core; the wall time is the core-hours over the cores, at least the longest job), or one
  job needs more memory than the machine has. The local profile is meant for the laptop
  reproduction, which the model puts at about a quarter of an hour on two cores;
- cluster profile (an executor such as ``slurm``): a job runs longer than the runtime cap
  (``MBLBATH_MAX_RUNTIME_MIN``) and needs more tries than the profile's ``retries`` allow
  (each try ends with a checkpoint and the next resumes; :func:`~mblbath.jobs.slurm.tebd_retries`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .calibration import active_coefficients
from .cost import CostCoefficients
from .slurm import max_runtime_minutes, size_cost, tebd_retries

__all__ = ["LOCAL_MAX_HOURS", "Profile", "read_profile", "machine_memory_mb", "capacity_warnings"]

#: Wall time of the TEBD jobs above which the local profile warns (hours).
LOCAL_MAX_HOURS = 2.0


@dataclass(frozen=True)
class Profile:
    """What a Snakemake profile delivers.

    Attributes
    ----------
    name : str
        For the messages (``profiles/default``).
    cluster : bool
        Jobs go to a cluster executor (``executor:`` set, or ``--jobs`` without one).
    cores : int
        Local cores (ignored on a cluster).
    retries : int or None
        ``retries`` of the profile, None if not known.
    """

    name: str
    cluster: bool
    cores: int
    retries: int | None = None


def read_profile(path: str | os.PathLike) -> Profile:
    """The :class:`Profile` of a Snakemake profile folder (its ``config.yaml``)."""
    path = Path(path)
    try:
        raw = yaml.safe_load((path / "config.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        raw = {}
    executor = raw.get("executor")
    cluster = executor not in (None, "local", "dryrun", "touch")
    cores = raw.get("cores")
    cores = int(cores) if isinstance(cores, int) else os.cpu_count() or 1
    retries = raw.get("retries")
    return Profile(str(path), cluster, cores, int(retries) if isinstance(retries, int) else None)


def machine_memory_mb() -> int | None:
    """Physical memory of this machine in MB, None if unknown."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 10**6
    except (ValueError, OSError, AttributeError):
        return None


def _hours(h: float) -> str:
    return f"{60 * h:.0f} min" if h < 1 else f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def capacity_warnings(
    cfg: Mapping[str, Any],
    profile: Profile,
    *,
    max_runtime: int | None = None,
    ram_mb: int | None = None,
    coeffs: CostCoefficients | None = None,
) -> list[str]:
    """One-line warnings where the TEBD jobs of ``cfg`` exceed what ``profile`` delivers.

    Parameters
    ----------
    cfg : mapping
        Validated config.
    profile : Profile
        The profile the workflow runs with.
    max_runtime : int, optional
        Runtime cap of a cluster job in minutes (default
        :func:`~mblbath.jobs.slurm.max_runtime_minutes`).
    ram_mb : int, optional
        Memory of the local machine (default :func:`machine_memory_mb`).
    coeffs : CostCoefficients, optional
        Default: :func:`~mblbath.jobs.calibration.active_coefficients`.
    """
    coeffs = coeffs or active_coefficients()
    cap = max_runtime_minutes(cfg) if max_runtime is None else int(max_runtime)
    n_per_L = len(cfg["sweep"]["U"]) * cfg["sweep"]["n_seeds"]
    sizes = [size_cost(cfg, L, 1.5, 1.5, cap, coeffs) for L in cfg["sweep"]["L"]]
    longest = max(sizes, key=lambda s: s["runtime_h"])
    out = []
    if profile.cluster:
        tries = max(s["attempts"] for s in sizes)
        if tries > 1 and (profile.retries is None or profile.retries + 1 < tries):
            out.append(
                f"mblbath: a TEBD job at L={longest['L']} runs about "
                f"{_hours(longest['runtime_h'])} by the cost model, longer than the runtime "
                f"cap of {cap} min: it needs {tries} tries (each resumes from the "
                f"checkpoint of the last); run Snakemake with --retries "
                f"{tebd_retries(cfg, max_runtime=cap, coeffs=coeffs)} or more"
            )
        return out
    core_h = sum(s["runtime_h"] * n_per_L for s in sizes)
    wall = max(core_h / max(profile.cores, 1), longest["runtime_h"])
    if wall > LOCAL_MAX_HOURS:
        out.append(
            f"mblbath: the {n_per_L * len(sizes)} TEBD jobs of this config take about "
            f"{_hours(wall)} on {profile.cores} cores by the cost model (longest job "
            f"{_hours(longest['runtime_h'])} at L={longest['L']}), more than the "
            f"{LOCAL_MAX_HOURS:g} h the local profile is meant for; see `mblbath estimate` "
            "and the cluster profile (profiles/slurm)"
        )
    ram = machine_memory_mb() if ram_mb is None else ram_mb
    biggest = max(sizes, key=lambda s: s["mem_mb"])
    if ram is not None and biggest["mem_mb"] > ram:
        out.append(
            f"mblbath: a TEBD job at L={biggest['L']} needs about "
            f"{biggest['mem_mb'] / 1000:.1f} GB by the cost model, more than the "
            f"{ram / 1000:.1f} GB of this machine"
        )
    return out
