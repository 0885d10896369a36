"""Benchmark 5: parallel bond updates (:class:`mblbath.tebd.engine.ParallelTEBDEngine`).

At L = 30 and chi in {128, 256, 512} (saturated states, see :mod:`benchmarks.perf._common`),
Trotter order 2, dt = 0.05, three engines evolve copies of the same state -- the engine of
the pipeline (:func:`mblbath.tebd.evolve.make_engine`: the lean bond update of
:mod:`mblbath.tebd.bond_update`), or with ``--engine tenpy`` the same engine on TeNPy's own
bond-update code (``ParallelTEBDEngine(lean=False)``: ``n_threads = 1`` is exactly
:class:`~tenpy.algorithms.tebd.TEBDEngine`):

- ``seq1``: one bond at a time, one BLAS thread (``n_threads=1, blas_threads=1``);
- ``seqB``: one bond at a time, BLAS left at its default (all cores; what
  :func:`mblbath.tebd.evolve.run_tebd` does with ``n_threads = 1``);
- ``par``: ``n_threads=T, blas_threads=1``, T = ``--threads``.

One warm-up step each, then ``--steps`` rounds; in each round every engine in turn runs
``--warm`` untimed steps (default 1) and then its timed step (interleaved, so that load
from other processes hits all of them alike). The untimed step is there because a run
never switches engines, but the benchmark does, and the threaded engine's first step after
another engine's is slower than its next ones (measured 2026-12-02 on a 2-core Intel Xeon
VM at chi = 256: 0.189 s first, 0.171 s next, the sequential engine's first and next 0.287
and 0.285 s; in ten runs the first steps gave 1.52-1.65x where the steps after one
untimed step gave 1.62-1.85x). The CSV keeps the median first step of each engine
(``t_first_*_s``). Each
visit then measures the state as a run does between steps
(:func:`mblbath.observables.measure` without ``C_dd``, untimed) and times one more step
(``t_after_measure_*_s``): the condition of a run at its early, densely measured times.
After every step
the benchmark waits until the process is idle
(:func:`~benchmarks.perf._common.wait_until_idle`): after ``seqB``, OpenBLAS's pool
threads spin on for ~0.1 s (their CPU time is recorded as ``spin_cpu_after_seqB_s``),
which would otherwise take a core from the engine timed next and count in its CPU time
(measured 2026-12-02 at chi = 256 without the wait, three runs of each order: ``par``
timed right after ``seqB`` 1.59-1.68x, right after ``seq1`` 1.72-1.78x). Reported: the
median wall time per step, CPU time, the speedups ``seq1/par`` and ``seqB/par``, and the
largest difference between the sequential and parallel states after all steps
(``n_d``, ``n_c``, bond entropies, accumulated truncation error) -- which should be
round-off.

First, the same run measures what the machine itself allows (:func:`gemm_ceiling`): the
throughput of pure BLAS work on T threads relative to one. On a VM whose virtual cores
share a physical core or its caches this is below T, and it bounds every speedup above.
Then, per chi, :func:`process_ceiling`: T separate *processes* (no shared GIL, nothing
shared at all) each evolving its own copy with the sequential engine, against one such
process alone -- the throughput that T cores give this very workload here, i.e. the best
any in-process parallelisation of the bond updates could reach (``--no-process-ceiling``
skips it).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ._common import bench_main, load_columns, parse_ints, saturated_state, wait_until_idle

__all__ = ["NAME", "add_arguments", "gemm_ceiling", "run", "main"]

NAME = "parallel_bonds"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chis", type=parse_ints, default=[128, 256, 512])
    p.add_argument("--steps", type=int, default=3, help="timed steps per engine and chi")
    p.add_argument("--threads", type=int, default=2, help="bond-update threads")
    p.add_argument(
        "--warm",
        type=_non_negative,
        default=1,
        help="untimed steps of an engine before each of its timed steps (0: time the first "
        "step after switching engines)",
    )
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--order", type=int, default=2)
    p.add_argument(
        "--no-process-ceiling",
        dest="process_ceiling",
        action="store_false",
        help="skip the T-processes ceiling (saves ~1 min per chi)",
    )
    p.add_argument(
        "--engine",
        choices=["pipeline", "tenpy"],
        default="pipeline",
        help="pipeline: the lean bond update (make_engine); tenpy: TeNPy's update_bond code",
    )


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _observables(psi: Any) -> np.ndarray:
    return np.concatenate(
        [
            np.real(psi.expectation_value("Nd")),
            np.real(psi.expectation_value("Nc")),
            np.asarray(psi.entanglement_entropy()),
        ]
    )


def gemm_ceiling(n_threads: int, seconds: float = 4.0, size: int = 256) -> dict[str, float]:
    """What ``n_threads`` cores give on pure BLAS work here: the ceiling of any speedup.

    One BLAS thread per worker; each worker multiplies two complex ``size x size``
    matrices (the scale of the large charge blocks at chi ~ 256) for ``seconds``, first one
    worker alone, then ``n_threads`` Python threads at once (numpy releases the GIL in
    ``matmul``). On a VM whose virtual cores share physical resources this is below
    ``n_threads``.
    """
    import threading

    from mblbath.tebd.engine import blas_limit

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)) + 1j * rng.standard_normal((size, size))

    def work(counts: list[int], k: int) -> None:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            a @ a
            n += 1
        counts[k] = n

    with blas_limit(1):
        solo = [0]
        work(solo, 0)
        counts = [0] * n_threads
        threads = [threading.Thread(target=work, args=(counts, k)) for k in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {"gemm_solo_per_s": solo[0] / seconds, "gemm_ceiling": sum(counts) / solo[0]}


def _process_steps(
    L: int, chi: int, opts: dict[str, Any], lean: bool, steps: int, barrier: Any, out: Any
) -> None:
    """Child of :func:`process_ceiling`: ``steps`` sequential steps after the barrier."""
    from mblbath.tebd.engine import ParallelTEBDEngine, blas_limit

    model, psi, _ = saturated_state(L, chi)
    eng = ParallelTEBDEngine(psi, model, opts, n_threads=1, blas_threads=1, lean=lean)
    with blas_limit(1):
        eng.run()  # warm-up: gates
        barrier.wait()
        walls = []
        for _ in range(steps):
            w0 = time.perf_counter()
            eng.run()
            walls.append(time.perf_counter() - w0)
    out.put(float(np.median(walls)))


def process_ceiling(
    L: int, chi: int, opts: dict[str, Any], lean: bool, steps: int, n_procs: int
) -> dict[str, float]:
    """Throughput of ``n_procs`` independent processes vs one, on this very TEBD step.

    Each process (``spawn``) loads the saturated state and runs ``steps`` steps of the
    sequential engine with one BLAS thread: one process alone, then ``n_procs`` at once
    (started together by a barrier), then one alone again (the two alone runs are
    averaged). With nothing shared -- no GIL, no Python
    objects -- the ratio ``n_procs * t_alone / t_together`` is what the cores, caches and
    memory of this machine allow; bond threads inside one process cannot beat it.
    """
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    medians: dict[int, list[float]] = {1: [], n_procs: []}
    for n in (1, n_procs, 1):  # alone before and after: drifts of the VM hit both sides
        out, barrier = ctx.Queue(), ctx.Barrier(n)
        procs = [
            ctx.Process(target=_process_steps, args=(L, chi, opts, lean, steps, barrier, out))
            for _ in range(n)
        ]
        for p in procs:
            p.start()
        got = [out.get() for _ in procs]
        for p in procs:
            p.join()
        if any(p.exitcode for p in procs):
            raise RuntimeError("a process of the process ceiling failed")
        medians[n].append(float(np.mean(got)))
    alone, together = float(np.mean(medians[1])), medians[n_procs][0]
    return {
        "t_proc_alone_s": alone,
        "t_proc_together_s": together,
        "process_ceiling": n_procs * alone / together,
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows."""
    from mblbath.observables import measure
    from mblbath.tebd.engine import ParallelTEBDEngine, available_cores

    lean = args.engine == "pipeline"
    ceiling = gemm_ceiling(args.threads)
    print(
        f"pure gemm on {args.threads} threads vs 1 (the hardware's ceiling): "
        f"{ceiling['gemm_ceiling']:.2f}x (load {load_columns()['load1']})",
        flush=True,
    )

    rows = []
    for chi in args.chis:
        model, psi0, info = saturated_state(args.L, chi)
        opts = {
            "order": args.order,
            "dt": args.dt,
            "N_steps": 1,
            "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
        }
        engines = {
            "seq1": ParallelTEBDEngine(
                psi0.copy(), model, opts, n_threads=1, blas_threads=1, lean=lean
            ),
            "seqB": ParallelTEBDEngine(psi0.copy(), model, opts, n_threads=1, lean=lean),
            "par": ParallelTEBDEngine(
                psi0.copy(), model, opts, n_threads=args.threads, blas_threads=1, lean=lean
            ),
        }
        for eng in engines.values():
            eng.run()  # warm-up: gates
        load0 = load_columns("load_start_")
        wall: dict[str, list[float]] = {k: [] for k in engines}
        cpu: dict[str, list[float]] = {k: [] for k in engines}
        spin: dict[str, list[float]] = {k: [] for k in engines}
        wait_until_idle()
        first: dict[str, list[float]] = {k: [] for k in engines}
        after_measure: dict[str, list[float]] = {k: [] for k in engines}
        for _ in range(args.steps):
            for name, eng in engines.items():
                for j in range(args.warm + 1):  # the last step of the visit is timed
                    c0, w0 = time.process_time(), time.perf_counter()
                    eng.run()
                    w, c = time.perf_counter() - w0, time.process_time() - c0
                    if j == 0:
                        first[name].append(w)
                    # OpenBLAS's pool threads spin on after seqB: not the next step's cost
                    idle = wait_until_idle()[1]
                wall[name].append(w)
                cpu[name].append(c)
                spin[name].append(idle)
                # as in a run: the pipeline's measurement (main thread), then the next step
                measure(eng.psi, with_cdd=False)
                w0 = time.perf_counter()
                eng.run()
                after_measure[name].append(time.perf_counter() - w0)
                wait_until_idle()
        obs = {k: _observables(e.psi) for k, e in engines.items()}
        d_par = float(np.abs(obs["par"] - obs["seq1"]).max())
        d_seqB = float(np.abs(obs["seqB"] - obs["seq1"]).max())
        d_trunc = abs(engines["par"].trunc_err.eps - engines["seq1"].trunc_err.eps)
        for eng in engines.values():
            eng.close()
        t = {k: float(np.median(v)) for k, v in wall.items()}
        row = {
            "L": args.L,
            "chi": chi,
            "order": args.order,
            "engine": args.engine,
            "threads": args.threads,
            "cores": available_cores(),
            "steps": args.steps,
            "t_seq1_s": t["seq1"],
            "t_seqB_s": t["seqB"],
            "t_par_s": t["par"],
            "cpu_seq1_s": float(np.median(cpu["seq1"])),
            "cpu_seqB_s": float(np.median(cpu["seqB"])),
            "cpu_par_s": float(np.median(cpu["par"])),
            "spin_cpu_after_seqB_s": float(np.median(spin["seqB"])),
            "spin_cpu_after_seq1_s": float(np.median(spin["seq1"])),
            "spin_cpu_after_par_s": float(np.median(spin["par"])),
            "speedup_par_vs_seq1": t["seq1"] / t["par"],
            "speedup_par_vs_seqB": t["seqB"] / t["par"],
            "max_diff_par_seq1": d_par,
            "max_diff_seqB_seq1": d_seqB,
            "diff_trunc_err": d_trunc,
            "trunc_err_eps": float(engines["seq1"].trunc_err.eps),
            "walls_seq1": ";".join(f"{x:.3f}" for x in wall["seq1"]),
            "walls_par": ";".join(f"{x:.3f}" for x in wall["par"]),
            "warm_steps": args.warm,
            "t_first_seq1_s": float(np.median(first["seq1"])),
            "t_first_par_s": float(np.median(first["par"])),
            "t_after_measure_seq1_s": float(np.median(after_measure["seq1"])),
            "t_after_measure_par_s": float(np.median(after_measure["par"])),
            "state_saturation": info["saturation"],
            **load0,
            **load_columns(),
        }
        row.update(ceiling)
        if args.process_ceiling:
            row.update(process_ceiling(args.L, chi, opts, lean, args.steps, args.threads))
            row["speedup_vs_process_ceiling"] = row["speedup_par_vs_seq1"] / row["process_ceiling"]
        rows.append(row)
        print(
            f"L={args.L} chi={chi}: seq(1 BLAS) {t['seq1']:.3f} s, seq(BLAS all) "
            f"{t['seqB']:.3f} s, {args.threads} bond threads {t['par']:.3f} s -> "
            f"{row['speedup_par_vs_seq1']:.2f}x (first steps after switching engines: "
            f"{row['t_first_seq1_s'] / row['t_first_par_s']:.2f}x, steps right after a "
            f"measurement: {row['t_after_measure_seq1_s'] / row['t_after_measure_par_s']:.2f}x); "
            f"max|diff| = {d_par:.1e} "
            f"(load {row['load1']})",
            flush=True,
        )
        if args.process_ceiling:
            print(
                f"  {args.threads} processes vs 1 on the same step: "
                f"{row['process_ceiling']:.2f}x ({row['t_proc_alone_s']:.3f} s alone, "
                f"{row['t_proc_together_s']:.3f} s together): threads reach "
                f"{row['speedup_vs_process_ceiling']:.0%} of it",
                flush=True,
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf parallel [options]``."""
    return bench_main(NAME, "parallel", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    parts = [
        f"chi={r['chi']}: {r['speedup_par_vs_seq1']:.2f}x ({r['t_seq1_s']:.3f} -> "
        f"{r['t_par_s']:.3f} s, diff {r['max_diff_par_seq1']:.0e}"
        + (
            f", {args.threads} processes {r['process_ceiling']:.2f}x)"
            if "process_ceiling" in r
            else ")"
        )
        for r in rows
    ]
    return (
        f"{args.threads} bond threads vs 1 ({args.engine} engine, L={args.L}, "
        f"order {args.order}): " + "; ".join(parts) + f"; pure gemm ceiling "
        f"{rows[0]['gemm_ceiling']:.2f}x"
    )
