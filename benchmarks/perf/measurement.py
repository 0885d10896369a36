"""Benchmark 6: cost of one measurement vs a TEBD step, and its scaling with L.

1. At L = 30, chi = 256 (saturated state, see :mod:`benchmarks.perf._common`), one BLAS
   thread: wall/CPU time of every part of :func:`mblbath.observables.measure` -- the
   densities (``expectation_value``, O(L) local contractions), ``C_dd``
   (:func:`mblbath.observables.connected_dd`: ``correlation_function('Nd', 'Nd',
   hermitian=True)``, one triangle), the entropies (Schmidt values, no contraction) -- and
   of a TEBD step of Trotter order 2 and 4, which they are compared with.
2. Scaling: at fixed chi (``--scaling-chi``, default 64) and L in ``--scaling-Ls``
   (default 12, 18, 24, 30), the number of ``npc.tensordot``/``npc.inner`` calls (tensor
   contractions) made by ``C_dd``, by the densities and by the entropies, counted by
   wrapping the two functions, and the time of ``C_dd``. Fitted exponents p of
   ``count ~ L^p`` show O(L^2) for ``C_dd`` (every row sweeps once to the right, reusing the
   environment) and O(L) for the densities; the entropies make no contraction at all.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._common import bench_main, load_columns, parse_ints, saturated_state

__all__ = ["NAME", "add_arguments", "run", "main", "count_contractions"]

NAME = "measurement"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chi", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--scaling-Ls", type=parse_ints, default=[12, 18, 24, 30])
    p.add_argument("--scaling-chi", type=int, default=64)


@contextlib.contextmanager
def count_contractions() -> Iterator[dict[str, int]]:
    """Count ``npc.tensordot`` and ``npc.inner`` calls inside the ``with`` block."""
    from tenpy.linalg import np_conserved as npc

    counts = {"tensordot": 0, "inner": 0}
    orig_td, orig_inner = npc.tensordot, npc.inner

    def tensordot(*a: Any, **k: Any) -> Any:
        counts["tensordot"] += 1
        return orig_td(*a, **k)

    def inner(*a: Any, **k: Any) -> Any:
        counts["inner"] += 1
        return orig_inner(*a, **k)

    npc.tensordot, npc.inner = tensordot, inner
    try:
        yield counts
    finally:
        npc.tensordot, npc.inner = orig_td, orig_inner


def _best(fn: Any, repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows."""
    return _cost_rows(args) + _scaling_rows(args)


def _cost_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Part 1: each part of a measurement against a TEBD step, at (L, chi)."""
    from mblbath.observables import bond_entropies, connected_dd, densities, measure
    from mblbath.tebd import blas_limit, make_engine

    rows: list[dict[str, Any]] = []
    model, psi, _ = saturated_state(args.L, args.chi)
    with blas_limit(1):
        parts = {
            "densities": lambda: densities(psi),
            "C_dd": lambda: connected_dd(psi),
            "entropies": lambda: bond_entropies(psi),
            "measure": lambda: measure(psi),
        }
        times = {k: _best(fn, args.repeats) for k, fn in parts.items()}
        for order in (2, 4):
            opts = {
                "order": order,
                "dt": 0.05,
                "N_steps": 1,
                "trunc_params": {"chi_max": args.chi, "svd_min": 1e-10},
            }
            eng = make_engine(psi.copy(), model, opts)
            eng.run()  # warm-up
            times[f"step_o{order}"] = _best(eng.run, max(1, args.repeats - 1))
    for k, (w, c) in times.items():
        rows.append(
            {
                "table": "cost",
                "L": args.L,
                "chi": args.chi,
                "what": k,
                "wall_s": w,
                "cpu_s": c,
                "vs_step_o2": w / times["step_o2"][0],
                "vs_step_o4": w / times["step_o4"][0],
                **load_columns(),
            }
        )
        print(
            f"L={args.L} chi={args.chi} {k:10s} {w:8.3f} s  = {w / times['step_o2'][0]:.2f} "
            f"order-2 steps = {w / times['step_o4'][0]:.2f} order-4 steps",
            flush=True,
        )
    return rows


def _scaling_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Part 2: contractions and time of each part against L, at fixed chi."""
    from mblbath.observables import bond_entropies, connected_dd, densities
    from mblbath.tebd import blas_limit

    counts_rows = []
    for L in args.scaling_Ls:
        _, psi_L, _ = saturated_state(L, args.scaling_chi)
        rec: dict[str, Any] = {"table": "scaling", "L": L, "chi": args.scaling_chi}
        with blas_limit(1):
            for name, fn in (
                ("C_dd", lambda p=psi_L: connected_dd(p)),
                ("densities", lambda p=psi_L: densities(p)),
                ("entropies", lambda p=psi_L: bond_entropies(p)),
            ):
                with count_contractions() as cnt:
                    fn()
                rec[f"contractions_{name}"] = cnt["tensordot"] + cnt["inner"]
                rec[f"wall_{name}_s"] = _best(fn, args.repeats)[0]
        rec.update(load_columns())
        counts_rows.append(rec)
    Ls = np.log([r["L"] for r in counts_rows])
    fits: dict[str, float] = {}
    for name in ("C_dd", "densities"):
        y = np.log([r[f"contractions_{name}"] for r in counts_rows])
        fits[f"exponent_contractions_{name}"] = float(np.polyfit(Ls, y, 1)[0])
        yt = np.log([r[f"wall_{name}_s"] for r in counts_rows])
        fits[f"exponent_time_{name}"] = float(np.polyfit(Ls, yt, 1)[0])
    for r in counts_rows:
        r.update(fits)
        print(
            f"L={r['L']:3d} chi={r['chi']}: contractions C_dd {r['contractions_C_dd']}, "
            f"densities {r['contractions_densities']}"
            f", entropies {r['contractions_entropies']}; C_dd {r['wall_C_dd_s']:.3f} s",
            flush=True,
        )
    print(
        "fitted exponents p (count ~ L^p): "
        + ", ".join(f"{k.removeprefix('exponent_')} {v:.2f}" for k, v in fits.items())
    )
    return counts_rows


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf measure [options]``."""
    return bench_main(NAME, "measure", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    cost = {r["what"]: r for r in rows if r["table"] == "cost"}
    sc = [r for r in rows if r["table"] == "scaling"][-1]
    return (
        f"L={args.L} chi={args.chi}: measure() {cost['measure']['wall_s']:.2f} s = "
        f"{cost['measure']['vs_step_o2']:.2f} order-2 / {cost['measure']['vs_step_o4']:.2f} "
        f"order-4 steps (C_dd {cost['C_dd']['wall_s']:.2f} s, "
        f"entropies {cost['entropies']['wall_s'] * 1e3:.1f} ms); "
        f"contractions ~ L^{sc['exponent_contractions_C_dd']:.2f} (C_dd), "
        f"L^{sc['exponent_contractions_densities']:.2f} (densities), 0 (entropies)"
    )
