"""Benchmark 2: the pipeline's overhead -- a full run vs a bare TeNPy loop.

One realisation (Eq. 1, U = 2.5, W = 6.5, disorder seed 0) from the density-wave initial
state, with the run parameters of :class:`mblbath.config.RunParams` (defaults: L = 30,
chi_max = 64, dt = 0.05, Trotter order 4, svd_min = 1e-10, t_max = 5, the logarithmic
measurement grid of the config), evolved and measured at every grid time by

- ``full``: what ``mblbath run`` does -- :func:`mblbath.tebd.evolve.run_tebd` with a checkpoint
  file and the CLI's default checkpoint interval (10 minutes), then
  :func:`mblbath.io.run_dataset` and :func:`mblbath.io.write_atomic` (netCDF, provenance);
- ``full_ckpt0``: the same with a checkpoint at every measurement (worst case);
- ``bare``: a plain loop -- the engine of ``run_tebd`` (:func:`mblbath.tebd.evolve.make_engine`,
  TeNPy's ``TEBDEngine`` with the lean bond update) with the same options, one
  ``engine.run()`` per Trotter step (the same floating-point operations as ``run_tebd``),
  measuring n_d, n_c,
  ``correlation_function('Nd', 'Nd')``, ``entanglement_entropy()``, chi and the truncation
  error at the same times into lists (no file);
- ``bare_same``: the same plain loop measuring with the pipeline's own functions
  (:func:`mblbath.observables.measure`: ``correlation_function`` with ``hermitian=True``,
  one sweep per row instead of TeNPy's default two) -- ``full / bare_same`` is the
  pipeline's overhead proper, ``full / bare`` includes what its cheaper measurement saves;
- ``bare_merged``: the idiomatic TeNPy loop -- one ``engine.run()`` with
  ``N_steps = steps until the next measurement``, which lets TeNPy fuse the last half-layer
  of a step with the first of the next (order 4: 10 instead of 11 layers per step, order
  2: 2 instead of 3). Same physics, not the same truncation points, so its results agree
  with the others only to the truncation/Trotter level.

Everything runs with one BLAS thread. The variants are interleaved (``--repeats`` rounds);
reported are the median and minimum wall time and the median CPU time of each, and the
ratios ``full / bare`` (the pipeline's own overhead: measurements bookkeeping, progress,
checkpoint logic, output) and ``full / bare_merged``. ``full`` and ``bare`` must agree
exactly (checked).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._common import (
    U_BENCH,
    W_BENCH,
    bench_main,
    bench_model,
    load_columns,
)

__all__ = ["NAME", "add_arguments", "run", "main", "full_run", "bare_loop"]

NAME = "overhead"

#: ``mblbath run --checkpoint-every`` default, in seconds.
CLI_CHECKPOINT_EVERY_S = 600.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chi", type=int, default=32)
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--order", type=int, default=4)
    p.add_argument("--t-max", type=float, default=5.0)
    p.add_argument("--repeats", type=int, default=2)


def full_run(params: Any, eps: np.ndarray, tmp: Path, every_s: float) -> dict[str, np.ndarray]:
    """What ``mblbath run`` does: run_tebd with a checkpoint, then the netCDF file."""
    from mblbath.io import run_dataset, write_atomic
    from mblbath.tebd.evolve import run_tebd

    out = tmp / "run.nc"
    ckpt = out.with_name(out.name + ".ckpt")
    start = time.perf_counter()
    result = run_tebd(params, eps, None, checkpoint=ckpt, checkpoint_every_s=every_s)
    ds = run_dataset(result, params, eps, "tebd", time.perf_counter() - start, None)
    write_atomic(ds, out)
    ckpt.unlink(missing_ok=True)
    return result


def bare_loop(
    params: Any, model: Any, merged: bool, same_measure: bool = False
) -> dict[str, np.ndarray]:
    """A plain TeNPy loop measuring the same observables at the same times.

    ``same_measure``: with :func:`mblbath.observables.measure` (what ``full`` uses)
    instead of TeNPy's default calls.
    """
    from mblbath.model import initial_mps
    from mblbath.observables import measure
    from mblbath.tebd.evolve import make_engine

    times = params.times()
    steps = np.rint(times / params.dt).astype(np.int64)
    psi = initial_mps(model, params.d_residue, params.c0)
    opts = {
        "order": params.order,
        "dt": params.dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": params.chi_max, "svd_min": params.svd_min},
    }
    eng = make_engine(psi, model, opts)
    out: dict[str, list] = {k: [] for k in ("n_d", "n_c", "C_dd", "S", "chi", "trunc_err")}
    done = 0
    for s in steps:
        if merged and s > done:
            eng.options["N_steps"] = int(s - done)
            eng.run()
            done = int(s)
        while done < s:
            eng.run()
            done += 1
        if same_measure:
            for name, val in measure(psi).items():
                out[name].append(val)
        else:
            n_d = np.real(psi.expectation_value("Nd"))
            out["n_d"].append(n_d)
            out["n_c"].append(np.real(psi.expectation_value("Nc")))
            nn = np.real(psi.correlation_function("Nd", "Nd"))
            out["C_dd"].append(nn - np.outer(n_d, n_d))
            out["S"].append(np.asarray(psi.entanglement_entropy()))
            out["chi"].append(np.asarray(psi.chi))
        out["trunc_err"].append(eng.trunc_err.eps)
    res = {k: np.asarray(v) for k, v in out.items()}
    res["times"] = times
    return res


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows (one per variant)."""
    from mblbath.config import run_params
    from mblbath.tebd.engine import blas_limit

    params = run_params(
        L=args.L,
        U=U_BENCH,
        W=W_BENCH,
        seed=0,
        chi_max=args.chi,
        dt=args.dt,
        order=args.order,
        t_max=args.t_max,
    )
    model, eps = bench_model(args.L)
    variants = {
        "full": lambda tmp: full_run(params, eps, tmp, CLI_CHECKPOINT_EVERY_S),
        "full_ckpt0": lambda tmp: full_run(params, eps, tmp, 0.0),
        "bare": lambda tmp: bare_loop(params, model, merged=False),
        "bare_same": lambda tmp: bare_loop(params, model, merged=False, same_measure=True),
        "bare_merged": lambda tmp: bare_loop(params, model, merged=True),
    }
    wall: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    results: dict[str, dict[str, np.ndarray]] = {}
    load0 = load_columns("load_start_")
    with blas_limit(1), tempfile.TemporaryDirectory() as tmpdir:
        for _ in range(args.repeats):
            for name, fn in variants.items():
                c0, w0 = time.process_time(), time.perf_counter()
                results[name] = fn(Path(tmpdir))
                wall[name].append(time.perf_counter() - w0)
                cpu[name].append(time.process_time() - c0)
    keys = ("n_d", "n_c", "C_dd", "S")
    same = max(float(np.abs(results["full"][k] - results["bare"][k]).max()) for k in keys)
    same_m = max(float(np.abs(results["full"][k] - results["bare_same"][k]).max()) for k in keys)
    merged_diff = max(
        float(np.abs(results["full"][k] - results["bare_merged"][k]).max()) for k in keys
    )
    med = {k: float(np.median(v)) for k, v in wall.items()}
    rows = []
    for name in variants:
        rows.append(
            {
                "variant": name,
                "L": args.L,
                "chi_max": args.chi,
                "order": args.order,
                "dt": args.dt,
                "t_max": args.t_max,
                "n_times": len(params.times()),
                "n_steps": int(round(args.t_max / args.dt)),
                "repeats": args.repeats,
                "wall_median_s": med[name],
                "wall_min_s": min(wall[name]),
                "cpu_median_s": float(np.median(cpu[name])),
                "ratio_vs_bare": med[name] / med["bare"],
                "ratio_vs_bare_same": med[name] / med["bare_same"],
                "cpu_ratio_vs_bare_same": float(np.median(cpu[name]) / np.median(cpu["bare_same"])),
                "ratio_vs_bare_merged": med[name] / med["bare_merged"],
                "cpu_ratio_vs_bare": float(np.median(cpu[name]) / np.median(cpu["bare"])),
                "cpu_ratio_vs_bare_merged": float(
                    np.median(cpu[name]) / np.median(cpu["bare_merged"])
                ),
                "max_diff_full_vs_bare": same,
                "max_diff_full_vs_bare_same": same_m,
                "max_diff_full_vs_bare_merged": merged_diff,
                "chi_reached": int(np.max(results["full"]["chi"])),
                "walls": ";".join(f"{x:.2f}" for x in wall[name]),
                **load0,
                **load_columns(),
            }
        )
        print(
            f"{name:12s} median {med[name]:7.2f} s (min {min(wall[name]):.2f}, CPU "
            f"{np.median(cpu[name]):.2f}) -> x{med[name] / med['bare']:.3f} vs bare, "
            f"x{med[name] / med['bare_same']:.3f} vs bare_same, "
            f"x{med[name] / med['bare_merged']:.3f} vs bare_merged",
            flush=True,
        )
    print(
        f"full vs bare: max|diff| = {same:.1e}; vs bare_same: {same_m:.1e}; "
        f"vs bare_merged: {merged_diff:.1e}"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf overhead [options]``."""
    return bench_main(NAME, "overhead", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    r = {row["variant"]: row for row in rows}
    return (
        f"full run / bare TeNPy loop (L={args.L}, chi={args.chi}, order {args.order}, "
        f"t_max={args.t_max:g}, {r['full']['n_times']} measurements): "
        f"x{r['full']['ratio_vs_bare']:.3f} "
        f"(same steps; CPU x{r['full']['cpu_ratio_vs_bare']:.3f}), "
        f"x{r['full']['ratio_vs_bare_same']:.3f} vs the loop measuring with the pipeline's "
        f"functions (CPU x{r['full']['cpu_ratio_vs_bare_same']:.3f}), "
        f"x{r['full']['ratio_vs_bare_merged']:.3f} vs the N_steps-merged loop "
        f"(CPU x{r['full']['cpu_ratio_vs_bare_merged']:.3f}); checkpoint at every measurement: "
        f"x{r['full_ckpt0']['ratio_vs_bare']:.3f}; full == bare to "
        f"{r['full']['max_diff_full_vs_bare']:.0e}"
        f""
    )
