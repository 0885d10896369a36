"""Benchmark 3: which fraction of a TEBD step is spent inside BLAS/LAPACK.

At L = 30 and chi in {128, 256, 512} (saturated states, see :mod:`benchmarks.perf._common`),
Trotter order 2, dt = 0.05, one BLAS thread (so that CPU time and wall time of the main
thread coincide and no idle BLAS thread is sampled), the engine of the pipeline
(:func:`mblbath.tebd.evolve.make_engine`, one bond thread: the lean bond update of
:mod:`mblbath.tebd.bond_update`; ``--engine tenpy``: TeNPy's own ``TEBDEngine``, the reference)
performs the same TEBD steps, measured four ways:

1. plain: wall and CPU seconds per step;
2. ``perf`` (Linux ``perf record -F 499 --call-graph dwarf`` attached to the main thread
   during the steps only; skipped with ``--no-perf`` or when ``perf`` is missing): every
   sample is attributed by its call stack. ``blas_incl`` = samples with a BLAS/LAPACK
   library frame (OpenBLAS/MKL/reference BLAS) anywhere on the stack, i.e. including the
   libm/libc functions LAPACK calls (e.g. ``hypot`` in ``zlange``); ``blas_self`` = samples
   whose innermost frame is in the BLAS library. The rest is split by the innermost frame:
   Python interpreter, numpy, TeNPy's compiled ``_npc_helper``, libc/libm, kernel.
   This is the number the acceptance line (>= 80 % at chi >= 256) is judged on;
   ``perf_blas_se`` is its binomial standard error, sqrt(p (1 - p) / samples) (~1 point
   at chi = 256 with the default 6 steps; consecutive samples are not quite independent).
3. cProfile: deterministic, function level. LAPACK = own time of ``scipy.linalg`` SVD/QR/
   eigen wrappers (the f2py call into LAPACK is not a separate entry, so it lands there);
   ``tensordot`` = own time of TeNPy's ``tensordot``/``inner`` (the compiled block loop
   calling ``gemm``: BLAS plus block bookkeeping, an upper bound for its BLAS part);
   numpy BLAS entry points (``dot``, ``tensordot``, ``linalg.svd``) and the own time of
   :func:`mblbath.tebd.bond_update._svd` (the gesdd gufunc, invisible to cProfile) are added.
   cProfile's own overhead inflates the Python share, and it does not see calls of ufuncs
   such as ``numpy.matmul`` (the gemms of the lean update: their time is the caller's own
   time), so this is a lower bound of the BLAS/LAPACK share, the perf column the
   measurement.
4. the same steps at TeNPy's optimisation level ``skip_arg_checks`` (no sanity checks of
   new arrays; TeNPy calls it unsafe: reported, not used by the pipeline).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ._common import bench_main, load_columns, parse_ints, saturated_state

__all__ = ["NAME", "add_arguments", "run", "main", "perf_fractions", "cprofile_fractions"]

NAME = "blas_fraction"

_BLAS_DSO = re.compile(r"openblas|libblas|liblapack|mkl_|libmkl|flexiblas|libcblas|accelerate")
# Innermost-frame categories, first match wins (the site-packages paths contain "python3").
_CATEGORIES = (
    ("npc_helper", re.compile(r"_npc_helper")),
    ("numpy", re.compile(r"/numpy/")),
    ("python", re.compile(r"libpython|/bin/python")),
    ("libc_libm", re.compile(r"libc\.so|libm\.so|libstdc|ld-linux")),
    ("kernel", re.compile(r"kernel")),
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chis", type=parse_ints, default=[128, 256, 512])
    p.add_argument("--steps", type=int, default=6, help="TEBD steps per measurement")
    p.add_argument("--order", type=int, default=2)
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--no-perf", action="store_true", help="skip the perf sampling")
    p.add_argument(
        "--engine",
        choices=["pipeline", "tenpy"],
        default="pipeline",
        help="pipeline: mblbath.tebd.evolve.make_engine (lean update); tenpy: TeNPy's TEBDEngine",
    )


def _parse_perf_script(text: str) -> tuple[int, Counter]:
    """Count samples of ``perf script -F tid,ip,sym,dso`` output by category."""
    counts: Counter = Counter()
    n = 0
    for block in text.split("\n\n"):
        lines = [ln.strip() for ln in block.strip().splitlines()]
        frames = [ln for ln in lines[1:] if ln]
        if not lines or not frames:
            continue
        n += 1
        dsos = [fr[fr.rfind("(") + 1 : -1] if fr.endswith(")") else "" for fr in frames]
        inner = dsos[0]
        if _BLAS_DSO.search(inner):
            counts["blas_self"] += 1
        if any(_BLAS_DSO.search(d) for d in dsos):
            counts["blas_incl"] += 1
            continue
        for cat, rx in _CATEGORIES:
            if rx.search(inner):
                counts[cat] += 1
                break
        else:
            counts["other"] += 1
    return n, counts


def perf_fractions(step: Any, n_steps: int) -> dict[str, float] | None:
    """Run ``step()`` n times under ``perf record`` (main thread); fractions by category.

    Returns None if ``perf`` is not available or recorded nothing.
    """
    perf = shutil.which("perf")
    if perf is None:
        return None
    tid = threading.get_native_id()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        proc = subprocess.Popen(
            [perf, "record", "-q", "-F", "499", "--call-graph", "dwarf,16384"]
            + ["-t", str(tid), "-o", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # let perf attach
        if proc.poll() is not None:
            return None
        for _ in range(n_steps):
            step()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
        if not data.exists():
            return None
        out = subprocess.run(
            [perf, "script", "-i", str(data), "-F", "tid,ip,sym,dso"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    n, counts = _parse_perf_script(out)
    if n == 0:
        return None
    res = {f"perf_{k}": counts.get(k, 0) / n for k in ("blas_incl", "blas_self")}
    for cat in [c for c, _ in _CATEGORIES] + ["other"]:
        res[f"perf_{cat}"] = counts.get(cat, 0) / n
    res["perf_samples"] = n
    p = res["perf_blas_incl"]
    res["perf_blas_se"] = float(np.sqrt(p * (1.0 - p) / n))
    return res


_LAPACK_FUNCS = re.compile(
    r"scipy/linalg/_decomp(_svd|_qr|)?\.py|svd_robust\.py|numpy/linalg/_linalg\.py"
)
_NP_BLAS = re.compile(r"numpy\.(dot|matmul|tensordot|vdot|inner)|_umath_linalg|numpy.linalg")


def cprofile_fractions(step: Any, n_steps: int) -> dict[str, float]:
    """Run ``step()`` n times under cProfile; own-time fractions of LAPACK/BLAS entry points."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n_steps):
        step()
    prof.disable()
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = lapack = tdot = npblas = 0.0
    for (fname, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.items():
        total += tt
        if _LAPACK_FUNCS.search(fname) and func in ("svd", "qr", "eigh", "eig", "svd_flat"):
            lapack += tt
        elif fname.endswith("bond_update.py") and func == "_svd":  # calls the gesdd gufunc
            lapack += tt
        elif "np_conserved.py" in fname and func in ("tensordot", "inner"):
            tdot += tt
        elif fname == "~" and _NP_BLAS.search(func):
            npblas += tt
    return {
        "cprof_lapack": lapack / total,
        "cprof_tensordot": tdot / total,
        "cprof_numpy_blas": npblas / total,
        "cprof_blas_lapack": (lapack + tdot + npblas) / total,
        "cprof_total_s": total / n_steps,
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows."""
    from tenpy.algorithms.tebd import TEBDEngine
    from tenpy.tools import optimization

    from mblbath.tebd.engine import blas_limit
    from mblbath.tebd.evolve import make_engine

    rows = []
    for chi in args.chis:
        model, psi, info = saturated_state(args.L, chi)
        opts = {
            "order": args.order,
            "dt": args.dt,
            "N_steps": 1,
            "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
        }
        if args.engine == "tenpy":
            eng = TEBDEngine(psi, model, opts)
        else:
            eng = make_engine(psi, model, opts, n_threads=1, blas_threads=1)
        row: dict[str, Any] = {
            "L": args.L,
            "chi": chi,
            "order": args.order,
            "engine": args.engine,
            **load_columns(),
        }
        with blas_limit(1):
            eng.run()  # warm-up
            wall, cpu = [], []
            for _ in range(args.steps):
                c0, w0 = time.process_time(), time.perf_counter()
                eng.run()
                wall.append(time.perf_counter() - w0)
                cpu.append(time.process_time() - c0)
            row["t_step_s"] = float(np.median(wall))
            row["cpu_step_s"] = float(np.median(cpu))
            pf = None if args.no_perf else perf_fractions(eng.run, args.steps)
            if pf is not None:
                row.update(pf)
            row.update(cprofile_fractions(eng.run, args.steps))
            old = optimization.get_level()
            try:
                optimization.set_level(optimization.OptimizationFlag.skip_arg_checks)
                c0 = time.process_time()
                for _ in range(args.steps):
                    eng.run()
                row["cpu_step_skip_checks_s"] = (time.process_time() - c0) / args.steps
            finally:
                optimization.set_level(old)
        row["state_saturation"] = info["saturation"]
        row.update(load_columns("load_end"))
        rows.append(row)
        perf_txt = (
            f"perf: BLAS/LAPACK {row['perf_blas_incl']:.1%} +- {row['perf_blas_se']:.1%} "
            f"(self {row['perf_blas_self']:.0%}, "
            f"python {row['perf_python']:.0%}, numpy {row['perf_numpy']:.0%})"
            if "perf_blas_incl" in row
            else "perf: n/a"
        )
        print(
            f"L={args.L} chi={chi}: {row['cpu_step_s']:.3f} s/step CPU; {perf_txt}; "
            f"cProfile: LAPACK {row['cprof_lapack']:.0%} + tensordot "
            f"{row['cprof_tensordot']:.0%}; skip_arg_checks "
            f"{row['cpu_step_skip_checks_s']:.3f} s/step (load {row['load1']})",
            flush=True,
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf blas [options]``."""
    return bench_main(NAME, "blas", __doc__, add_arguments, _run_noted, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    parts = []
    for r in rows:
        perf_txt = (
            f"perf {r['perf_blas_incl']:.1%} +- {r['perf_blas_se']:.1%}"
            if "perf_blas_incl" in r
            else "perf n/a"
        )
        parts.append(f"chi={r['chi']}: {perf_txt}, cProfile {r['cprof_blas_lapack']:.0%}")
    return (
        f"share of TEBD time in BLAS/LAPACK ({args.engine} engine, L={args.L}, "
        f"order {args.order}, 1 thread): " + "; ".join(parts)
    )


def _run_noted(args: argparse.Namespace) -> list[dict[str, Any]]:
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} (left as is)")
    return run(args)
