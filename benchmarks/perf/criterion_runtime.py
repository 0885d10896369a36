"""Benchmark: the perturbative criterion (Eq. 2) at the default config's size.

:func:`mblbath.criterion.compute_criterion` on the config defaults (L = 600, 20
realisations, 29 W values in [1, 15], 41 U values in [0, 20]), as the ``criterion`` rule
runs it: wall and CPU time, and where the maximum of W_tilde lies (the physics the
figure shows: an interior maximum between W = 5 and 12).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ._common import bench_main, load_columns

__all__ = ["NAME", "add_arguments", "run", "main"]

NAME = "criterion_runtime"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=600)
    p.add_argument("--n-real", type=int, default=20)
    p.add_argument("--n-W", type=int, default=29)
    p.add_argument("--n-U", type=int, default=41)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV row."""
    from mblbath.criterion import compute_criterion

    load0 = load_columns("load_start_")
    c0, w0 = time.process_time(), time.perf_counter()
    ds = compute_criterion(
        np.linspace(1.0, 15.0, args.n_W), np.linspace(0.0, 20.0, args.n_U), args.L, args.n_real, 0
    )
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    row = {
        "L": args.L,
        "n_real": args.n_real,
        "n_W": args.n_W,
        "n_U": args.n_U,
        "wall_s": wall,
        "cpu_s": cpu,
        "W_tilde_argmax": float(ds.attrs["W_tilde_argmax"]),
        "W_tilde_max": float(ds.attrs["W_tilde_max"]),
        **load0,
        **load_columns(),
    }
    print(
        f"criterion at L={args.L}, {args.n_real} realisations, {args.n_W} x {args.n_U} (W, U): "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU; W_tilde maximal at W = {row['W_tilde_argmax']:g}",
        flush=True,
    )
    return [row]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf criterion [options]``."""
    return bench_main(NAME, "criterion", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    r = rows[0]
    return (
        f"criterion (Eq. 2) at L={args.L}, {args.n_real} realisations, {args.n_W} x {args.n_U}: "
        f"{r['wall_s']:.1f} s wall ({r['cpu_s']:.1f} s CPU); W_tilde max at W = "
        f"{r['W_tilde_argmax']:g}"
    )
