"""Shared pieces of the performance benchmarks: states, timing, machine load, CSV output.

Saturated states
----------------
A TEBD step costs what its bond dimensions make it cost, so the benchmarks at a given chi
need a state whose bonds are at chi. The physical evolution of Eq. (1) at W = 6.5 grows
entanglement far too slowly for that (the d-bosons are localised), so
:func:`saturated_state` starts from the density-wave initial state of the pipeline
(:func:`mblbath.model.initial_mps`, disorder of seed 0, U = 2.5) and applies random
charge-conserving two-site unitaries (TeNPy's ``RandomUnitaryEvolution``, seeded,
truncated at chi) until the bonds hold ``min(chi, cap_b)`` states -- ``cap_b`` being the
Schmidt rank the conserved sector (N_d = L/3, N_c = 1) allows at bond b
(:func:`mblbath.jobs.cost.bond_profile`) -- weighted by cost: it stops once
``sum_b chi_b^3 >= 0.9 * sum_b target_b^3`` (the central bonds are at chi; the edge bonds,
which cost almost nothing, may still be filling up). This is a state of the same charge
sector and entanglement structure as a late-time production state. States are cached in
``results/benchmarks/states/`` (pickles, keyed by L, chi, seed and the TeNPy version).
"""

from __future__ import annotations

import csv
import datetime
import os
import pickle
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ROOT",
    "RESULTS",
    "U_BENCH",
    "W_BENCH",
    "SEED_DISORDER",
    "parse_ints",
    "loadavg",
    "load_columns",
    "bench_model",
    "saturated_state",
    "median_time",
    "wait_until_idle",
    "write_csv",
    "write_summary",
    "machine",
]

#: Repository root (benchmarks/perf/_common.py -> ../..).
ROOT = Path(__file__).resolve().parents[2]
#: Where every benchmark writes its CSV and summary (``MBLBATH_BENCH_RESULTS`` overrides it;
#: ``python -m benchmarks.perf all --quick`` writes to ``results/benchmarks/quick``).
RESULTS = Path(os.environ.get("MBLBATH_BENCH_RESULTS", ROOT / "results" / "benchmarks"))
#: Interaction and disorder of every benchmark model (the paper's U = 2.5 case, W = 6.5).
U_BENCH = 2.5
W_BENCH = 6.5
#: Disorder realisation used by the benchmarks (seed 0 of the default master seed).
SEED_DISORDER = 0


def parse_ints(text: str) -> list[int]:
    """``"64,128,256"`` -> ``[64, 128, 256]`` (argparse ``type=``)."""
    return [int(x) for x in str(text).replace(" ", "").split(",") if x]


def loadavg() -> tuple[float, float, float]:
    """``os.getloadavg()`` (1, 5, 15 minutes); NaNs where it is not available."""
    try:
        return os.getloadavg()
    except OSError:  # pragma: no cover
        return (float("nan"),) * 3


def load_columns(prefix: str = "load") -> dict[str, float]:
    """The current load average as CSV columns ``load1, load5, load15``."""
    a, b, c = loadavg()
    return {f"{prefix}1": round(a, 2), f"{prefix}5": round(b, 2), f"{prefix}15": round(c, 2)}


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; else what :mod:`platform` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """Short description of the machine: CPU model, cores, Python."""
    from mblbath.tebd.engine import available_cores

    return f"{cpu_model()}, {available_cores()} cores, Python {sys.version.split()[0]}"


def provenance() -> dict[str, str]:
    """Columns that say how a benchmark row was made: start time (UTC), commit, machine."""
    from mblbath.io import git_commit

    return {
        "measured_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git_commit(),
        "machine": machine(),
    }


def bench_model(L: int) -> tuple[Any, np.ndarray]:
    """The model of Eq. (1) used by every benchmark at size L, and its disorder ``eps``."""
    from mblbath.config import RunParams
    from mblbath.disorder import sample_eps
    from mblbath.model import BathModel

    master = RunParams(L=L, U=U_BENCH, seed=SEED_DISORDER).master_seed
    eps = sample_eps(W_BENCH, L, SEED_DISORDER, master)
    model = BathModel({"L": L, "eps": eps, "U": U_BENCH, "td": 1.0, "tc": 1.0})
    return model, eps


def _bond_dims(psi: Any) -> np.ndarray:
    return np.asarray(psi.chi, dtype=np.int64)[-(psi.L - 1) :]


def saturated_state(
    L: int, chi: int, seed: int = 1, cache: bool = True, max_sweeps: int = 60
) -> tuple[Any, Any, dict[str, Any]]:
    """The model at size L and a state of bond dimension ~chi (see module docstring).

    Parameters
    ----------
    L : int
        Number of sites (multiple of 3).
    chi : int
        Target bond dimension.
    seed : int
        Seed of numpy's global generator for the random unitaries.
    cache : bool
        Read/write ``results/benchmarks/states/L{L}_chi{chi}_seed{seed}_tenpy{v}.pkl``.
    max_sweeps : int
        Safety bound on the number of random-unitary sweeps.

    Returns
    -------
    model : BathModel
    psi : MPS
        Canonical MPS, norm 1.
    info : dict
        ``sweeps`` (0 if read from the cache), ``prep_s`` wall seconds to prepare it,
        ``chi_reached``, ``saturation`` (``sum chi_b^3 / sum target_b^3``), ``cached``.
    """
    import tenpy
    from tenpy.algorithms.tebd import RandomUnitaryEvolution

    from mblbath.jobs.cost import bond_profile
    from mblbath.model import initial_mps

    model, _ = bench_model(L)
    target = bond_profile(L, chi)
    path = RESULTS / "states" / f"L{L}_chi{chi}_seed{seed}_tenpy{tenpy.__version__}.pkl"
    if cache and path.exists():
        with path.open("rb") as fh:
            psi = pickle.load(fh)
        sweeps, prep = 0, 0.0
        cached = True
    else:
        psi = initial_mps(model)
        # TeNPy's random unitaries draw from numpy's global generator: seed it, restore after.
        state = np.random.get_state()  # noqa: NPY002
        np.random.seed(seed)  # noqa: NPY002
        eng = RandomUnitaryEvolution(
            psi, {"N_steps": 1, "trunc_params": {"chi_max": chi, "svd_min": 1e-14}}
        )
        w0 = time.perf_counter()
        sweeps = 0
        goal = 0.9 * float(np.sum(target**3))
        while sweeps < max_sweeps:
            eng.run()
            sweeps += 1
            if float(np.sum(_bond_dims(psi).astype(float) ** 3)) >= goal:
                break
        prep = time.perf_counter() - w0
        np.random.set_state(state)  # noqa: NPY002
        cached = False
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(psi, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
    dims = _bond_dims(psi).astype(float)
    info = {
        "sweeps": sweeps,
        "prep_s": round(prep, 2),
        "chi_reached": int(dims.max()),
        "saturation": round(float(np.sum(dims**3) / np.sum(target**3)), 3),
        "cached": cached,
    }
    return model, psi, info


def median_time(fn: Callable[[], Any], n: int) -> tuple[float, float, list[float]]:
    """Run ``fn`` n times; median wall seconds, median CPU seconds, all wall times."""
    wall, cpu = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(wall), statistics.median(cpu), wall


def wait_until_idle(
    max_s: float = 2.0, poll_s: float = 0.02, idle_cpu_s: float = 0.002
) -> tuple[float, float]:
    """Sleep until this process stops using CPU; return (seconds waited, CPU seconds used).

    After a call that ran on OpenBLAS's thread pool, its threads keep spinning for a while
    before they sleep (OpenBLAS's ``thread_timeout``, 2^28 cycles by default): measured
    here after one TEBD step at L = 30, chi = 256 with two BLAS threads, 0.13 s of CPU
    during the idle half second that followed. A benchmark that times a multi-threaded
    engine right after a BLAS-threaded one would charge that spinning core to the former;
    calling this in between takes it out. Polls every ``poll_s`` until one poll interval
    costs less than ``idle_cpu_s`` of CPU, at most ``max_s``.
    """
    w0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < max_s:
        c = time.process_time()
        time.sleep(poll_s)
        if time.process_time() - c < idle_cpu_s:
            break
    return time.perf_counter() - w0, time.process_time() - c0


def write_csv(name: str, rows: Sequence[dict[str, Any]], out: Path | None = None) -> Path:
    """Write ``rows`` to ``results/benchmarks/{name}.csv`` (columns: union, first-seen order)."""
    path = RESULTS / f"{name}.csv" if out is None else Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields: list[str] = []
    for row in rows:
        for key in row:
            if key not in fields:
                fields.append(key)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt(v) for k, v in row.items()})
    return path


def _fmt(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return f"{float(v):.6g}"
    return v


def write_summary(name: str, line: str) -> str:
    """Print the one-line summary and store it in ``results/benchmarks/{name}.txt``."""
    text = f"[{name}] {line}"
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.txt").write_text(text + "\n")
    return text


def fmt_list(values: Iterable[Any]) -> str:
    """``[1, 2]`` -> ``"1,2"``."""
    return ",".join(str(v) for v in values)


def bench_main(
    name: str,
    command: str,
    doc: str | None,
    add_arguments: Callable[[Any], None],
    run: Callable[[Any], list[dict[str, Any]]],
    summarize: Callable[[Any, list[dict[str, Any]]], str],
    argv: Sequence[str] | None = None,
) -> int:
    """The shared ``main`` of a benchmark: parse options, run, write the CSV and the summary
    line (with wall time, load average and the CSV's name appended)."""
    import argparse

    p = argparse.ArgumentParser(prog=f"python -m benchmarks.perf {command}", description=doc)
    add_arguments(p)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    stamp = provenance()
    rows = [{**row, **stamp} for row in run(args)]
    path = write_csv(name, rows)
    write_summary(
        name,
        summarize(args, rows)
        + f" [{time.perf_counter() - t0:.0f} s, load {rows[-1]['load1']}] -> {path.name}",
    )
    return 0
