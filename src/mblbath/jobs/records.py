"""The finished TEBD runs of a checkout, as records of what they cost and how chi grew.

Every ``tebd`` job leaves

- its run file ``results/runs/{model}/{numerics}/L{L}/U{U}/seed{seed}.nc`` with
  ``chi(time, bond)``, the run parameters as attributes, ``wall_time_s`` (wall time of
  the evolution and measurements, from after the imports) and ``cpu_time_s`` (CPU
  seconds of the whole ``mblbath run`` process, imports included);
- Snakemake's benchmark ``benchmarks/tebd/{model}/{numerics}/L{L}/U{U}/seed{seed}.tsv``
  (the same relative path) with ``s`` (wall seconds of the whole job) and ``cpu_time``
  (CPU seconds of its processes);
- its log ``logs/tebd/.../seed{seed}.log``.

:func:`find_records` pairs them into :class:`RunRecord`\\ s. The time of a record:

- CPU (default): the run file's ``cpu_time_s``; for run files written before it existed,
  the benchmark's ``cpu_time`` -- but only for a job shorter than
  :data:`DENSE_SAMPLING_S` or longer than :data:`LONG_JOB_S` wall seconds: Snakemake
  samples a job's CPU time every 0.5 s for its first 30 samples, then every 30 s, and the
  time after the last sample is lost (measured: a 45 s job on a loaded machine reported
  4.0 CPU seconds, its twin of 9 s wall 8.5);
- wall: the benchmark's ``s`` (exact), else the run file's ``wall_time_s`` (without the
  start-up).

A run resumed from a checkpoint (its log says ``resuming from``) is left out: its benchmark
and its times cover only the last try.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config.derived import trotter_order

__all__ = ["RunRecord", "find_records", "read_benchmark", "read_run_file"]

#: A benchmark's ``cpu_time`` is trusted below this wall time (Snakemake samples every
#: 0.5 s for its first 30 samples) ...
DENSE_SAMPLING_S = 12.0
#: ... and above this one (the up to 30 s after its last sample are then a small part).
LONG_JOB_S = 600.0

#: Where the pieces of a run live, relative to the working directory of the workflow.
RUNS_DIR = Path("results") / "runs"
BENCH_DIR = Path("benchmarks") / "tebd"
LOG_DIR = Path("logs") / "tebd"


@dataclass
class RunRecord:
    """One finished TEBD run: its parameters, ``chi(t, b)`` and the time it took.

    Attributes
    ----------
    key : str
        ``{model}/{numerics}/L{L}/U{U}/seed{seed}`` (the path without suffix).
    L, U, W, chi_max, order, dt, t_max : int or float
        Run parameters (from the run file's attributes).
    model : str
        The ``{model}`` folder (all model parameters; runs of one model and U share
        their chi growth).
    times : ndarray, shape (T,)
        Measurement times.
    chi : ndarray, shape (T, L - 1)
        Bond dimensions at those times.
    seconds : float
        The measured time (module docstring).
    startup : bool
        Whether ``seconds`` includes the start-up.
    source : str
        Where ``seconds`` comes from (``"run file cpu_time_s"``, ``"benchmark cpu_time"``,
        ``"benchmark s"``, ``"run file wall_time_s"``).
    wall_s : float
        The benchmark's ``s`` (NaN without one), for the record.
    """

    key: str
    L: int
    U: float
    W: float
    model: str
    chi_max: int
    order: int | str
    dt: float
    t_max: float
    times: np.ndarray = field(repr=False)
    chi: np.ndarray = field(repr=False)
    seconds: float
    startup: bool
    source: str
    wall_s: float = float("nan")

    @property
    def growth_key(self) -> tuple[str, float]:
        """Runs with the same key share their chi growth: the model folder and U."""
        return (self.model, float(self.U))


def read_benchmark(path: str | os.PathLike) -> dict[str, float]:
    """The last row of a Snakemake benchmark TSV as floats (``s``, ``cpu_time``, ...)."""
    with Path(path).open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        raise ValueError(f"{path}: no benchmark row")
    out = {}
    for k, v in rows[-1].items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def read_run_file(path: str | os.PathLike) -> dict[str, Any]:
    """Attributes, ``time`` and ``chi`` of a run file (nothing else is read)."""
    import xarray as xr

    with xr.open_dataset(path, engine="netcdf4") as ds:
        if "chi" not in ds:
            raise ValueError(f"{path}: no chi variable (not a TEBD run)")
        time = "t" if "t" in ds.variables else "time"  # on disk "t" (CF, mblbath.cf)
        return {
            "attrs": dict(ds.attrs),
            "times": np.asarray(ds[time].values, dtype=float),
            "chi": np.asarray(ds["chi"].values, dtype=float),
        }


def _resumed(log: Path) -> bool:
    try:
        return "resuming from" in log.read_text(errors="replace")
    except OSError:
        return False


def _time(attrs: dict, row: dict[str, float], target: str) -> tuple[float, bool, str]:
    """``(seconds, includes start-up, source)`` of a run (module docstring); NaN: none."""
    nan = float("nan")
    if target == "cpu":
        if attrs.get("cpu_time_s", 0) > 0:
            return float(attrs["cpu_time_s"]), True, "run file cpu_time_s"
        wall = row.get("s", nan)
        if row.get("cpu_time", 0) > 0 and not DENSE_SAMPLING_S < wall < LONG_JOB_S:
            return row["cpu_time"], True, "benchmark cpu_time"
        return nan, False, ""
    if row.get("s", 0) > 0:
        return row["s"], True, "benchmark s"
    return float(attrs.get("wall_time_s", nan)), False, "run file wall_time_s"


def _record(root: Path, rel: Path, target: str) -> RunRecord | None:
    """The record of the run at ``rel`` (``{model}/.../seed{s}``), None if it is unusable."""
    run = root / RUNS_DIR / rel.with_suffix(".nc")
    bench = root / BENCH_DIR / rel.with_suffix(".tsv")
    if not run.is_file() or _resumed(root / LOG_DIR / rel.with_suffix(".log")):
        return None
    try:
        data = read_run_file(run)
    except (OSError, ValueError, RuntimeError):
        return None
    a = data["attrs"]
    row: dict[str, float] = {}
    if bench.is_file():
        try:
            row = read_benchmark(bench)
        except (OSError, ValueError):
            row = {}
    seconds, startup, source = _time(a, row, target)
    if not np.isfinite(seconds) or seconds <= 0:
        return None
    return RunRecord(
        key=str(rel.with_suffix("")),
        L=int(a["L"]),
        U=float(a["U"]),
        W=float(a["W"]),
        model=rel.parts[0],
        chi_max=int(a["chi_max"]),
        order=trotter_order(a["order"]),
        dt=float(a["dt"]),
        t_max=float(a["t_max"]),
        times=data["times"],
        chi=data["chi"],
        seconds=float(seconds),
        startup=startup,
        source=source,
        wall_s=float(row.get("s", np.nan)),
    )


def find_records(root: str | os.PathLike = ".", target: str = "cpu") -> list[RunRecord]:
    """Every usable finished TEBD run under ``root`` (the workflow's directory).

    Parameters
    ----------
    root : path
        The directory holding ``results/runs``, ``benchmarks/tebd`` and ``logs/tebd``.
    target : {"cpu", "wall"}
        CPU time (default: the machine's speed, what a job costs on a core of its own) or
        wall time (which on a shared machine includes waiting for the CPU); see the module
        docstring for where each comes from.

    Returns
    -------
    list of RunRecord
        Sorted by key; runs resumed from a checkpoint, runs without a trustworthy time and
        files that cannot be read are left out.
    """
    if target not in ("cpu", "wall"):
        raise ValueError(f"target must be 'cpu' or 'wall', got {target!r}")
    root = Path(root)
    base = root / RUNS_DIR
    rels = sorted(p.relative_to(base).with_suffix("") for p in base.rglob("seed*.nc"))
    records = [_record(root, rel, target) for rel in rels]
    return [r for r in records if r is not None]
