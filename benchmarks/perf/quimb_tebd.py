"""Benchmark 1: one TEBD step of mblbath (TeNPy, block-sparse) vs quimb's dense TEBD.

Both codes evolve the same model (Eq. 1 at U = 2.5, W = 6.5, disorder seed 0, L = 30),
from the same state, at the same chi, with Trotter order 2 and dt = 0.05:

- ours: the TEBD engine exactly as :func:`mblbath.tebd.evolve.run_tebd` builds it
  (:func:`mblbath.tebd.evolve.make_engine`: TeNPy's ``TEBDEngine`` with the lean bond update of
  :mod:`mblbath.tebd.bond_update`; two U(1) charges, ``chi_max = chi``, ``svd_min = 1e-10``,
  ``N_steps = 1``); with ``--threads 2`` with 2 bond threads, 1 BLAS thread each;
- quimb: :class:`quimb.tensor.TEBD` on a dense ``MatrixProductState`` of local dimension 4
  (no symmetry), Hamiltonian :class:`quimb.tensor.LocalHam1D` built from the very same
  local operator matrices (``Site.get_op(...).to_ndarray()``: same basis order), split
  options ``max_bond = chi, cutoff = 1e-10, cutoff_mode = 'abs'``; one ``TEBD.step(order=2)``
  per step. With ``--threads 2`` quimb runs with two BLAS threads (its big dense SVDs are
  what BLAS threads are for).

Both second-order steps consist of three layers (half, full, half time step: 44 gates at
L = 30); TeNPy starts with the layer on sites (1,2),(3,4),..., quimb with (0,1),(2,3),...,
so the two Strang splittings differ at O(dt^3) per step.

Both second-order steps are the same circuit: TeNPy's order-2 decomposition and quimb's
``_step_order2`` both apply the bonds (0,1),(2,3),... for dt/2, then (1,2),(3,4),... for
dt, then the first layer again for dt/2, from the same two-site gates ``exp(-i h_b dt)``
(on-site terms shared between the two bonds of a site).

Agreement check: from the density-wave product state both codes evolve ``--agree-steps``
steps (default 20, t = 1) with ``chi_max = max_bond = --agree-chi`` (default 1024: no
truncation, the state needs chi = 73 there) and the maximal difference of ``<n_d,i>``
and ``<n_c,i>`` is reported: round-off level. From the saturated states (see
:mod:`benchmarks.perf._common`) the two truncate a volume-law state (discarded weight per
step ~1e-2 at chi = 128), so their difference after the timed steps is of the order of the
discarded weight, which is reported next to it.

Timing: the state is converted once (TeNPy B tensors -> dense quimb tensors); TeNPy gets
one warm-up step (it builds its gates in the first step), quimb none (its gates for this
dt are cached and numba is compiled by the agreement run); then ``--steps`` steps of each
code, interleaved; the median wall and CPU time per step are recorded with the load
average. With ``--threads 1,2`` the two-core comparison is added (twice the run time).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ._common import (
    bench_main,
    load_columns,
    median_time,
    parse_ints,
    saturated_state,
    wait_until_idle,
)

__all__ = ["NAME", "add_arguments", "run", "main", "quimb_hamiltonian", "to_quimb", "densities"]

NAME = "quimb_tebd"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chis", type=parse_ints, default=[64, 128, 256])
    p.add_argument("--steps", type=int, default=2, help="timed steps per code and chi")
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument(
        "--threads",
        type=parse_ints,
        default=[1],
        help="core counts to compare (1: one BLAS thread each; 2: ours with 2 bond threads "
        "vs quimb with 2 BLAS threads)",
    )
    p.add_argument("--agree-steps", type=int, default=20)
    p.add_argument("--agree-chi", type=int, default=1024, help="chi of the agreement run")


def _ops(model: Any) -> dict[str, np.ndarray]:
    site = model.lat.mps_sites()[0]
    return {k: site.get_op(k).to_ndarray() for k in ("Bd", "Bdd", "Bc", "Bcd", "Nd", "Nc", "NdNc")}


def quimb_hamiltonian(model: Any, eps: np.ndarray, U: float, td: float = 1.0, tc: float = 1.0):
    """Eq. (1) as a quimb ``LocalHam1D`` (dense, local dimension 4), same basis as TeNPy."""
    import quimb.tensor as qtn

    op = _ops(model)
    L = len(eps)
    bond = td * (np.kron(op["Bdd"], op["Bd"]) + np.kron(op["Bd"], op["Bdd"])) + tc * (
        np.kron(op["Bcd"], op["Bc"]) + np.kron(op["Bc"], op["Bcd"])
    )
    H2 = {(i, i + 1): bond for i in range(L - 1)}
    H1 = {i: eps[i] * op["Nd"] + U * op["NdNc"] for i in range(L)}
    return qtn.LocalHam1D(L, H2=H2, H1=H1)


def to_quimb(psi: Any):
    """A TeNPy finite MPS as a dense quimb ``MatrixProductState`` (complex, same state)."""
    import quimb.tensor as qtn

    arrays = []
    for i in range(psi.L):
        B = psi.get_B(i, "B").itranspose(["vL", "p", "vR"]).to_ndarray().astype(complex)
        if i == 0:
            B = B[0]  # (p, vR)
        elif i == psi.L - 1:
            B = B[:, :, 0]  # (vL, p)
        arrays.append(B)
    return qtn.MatrixProductState(arrays, shape="lpr")


def densities(mps: Any, model: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(<n_d,i>, <n_c,i>)`` of a quimb MPS (normalised local expectation values)."""
    op = _ops(model)
    info: dict[str, Any] = {"cur_orthog": "calc"}
    L = mps.L
    nd = [np.real(mps.local_expectation_canonical(op["Nd"], i, info=info)) for i in range(L)]
    nc = [np.real(mps.local_expectation_canonical(op["Nc"], i, info=info)) for i in range(L)]
    return np.asarray(nd), np.asarray(nc)


def _tenpy_engine(psi: Any, model: Any, chi: int, dt: float, n_threads: int):
    from mblbath.tebd.evolve import make_engine

    opts = {
        "order": 2,
        "dt": dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
    }
    return make_engine(
        psi, model, opts, n_threads=n_threads, blas_threads=1 if n_threads > 1 else None
    )


def _quimb_tebd(mps: Any, ham: Any, chi: int, dt: float):
    import quimb.tensor as qtn

    split = {"max_bond": chi, "cutoff": 1e-10, "cutoff_mode": "abs"}
    return qtn.TEBD(mps, ham, dt=dt, split_opts=split, progbar=False)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows."""
    import quimb
    from threadpoolctl import threadpool_limits

    from mblbath.model import initial_mps
    from mblbath.tebd.engine import blas_limit

    from ._common import bench_model

    L, dt = args.L, args.dt
    model, eps = bench_model(L)
    ham = quimb_hamiltonian(model, eps, 2.5)
    rows: list[dict[str, Any]] = []

    # Agreement from the product state (and numba/gate warm-up of quimb).
    with threadpool_limits(1, user_api="blas"):
        psi = initial_mps(model)
        tq = _quimb_tebd(to_quimb(psi), ham, args.agree_chi, dt)
        eng = _tenpy_engine(psi, model, args.agree_chi, dt, 1)
        for _ in range(args.agree_steps):
            tq.step(order=2)
            eng.run()
        nd_q, nc_q = densities(tq.pt, model)
        agree_d = float(np.abs(nd_q - psi.expectation_value("Nd")).max())
        agree_c = float(np.abs(nc_q - psi.expectation_value("Nc")).max())
        agree_chi = int(max(psi.chi))
    print(
        f"agreement from the product state after t = {args.agree_steps * dt:g} "
        f"(chi reached {agree_chi}, max {args.agree_chi}): max|dn_d| = {agree_d:.2e}, "
        f"max|dn_c| = {agree_c:.2e}",
        flush=True,
    )

    for chi in args.chis:
        model, psi0, info = saturated_state(L, chi)
        for n_cores in args.threads:
            psi = psi0.copy()
            with blas_limit(1):
                eng = _tenpy_engine(psi, model, chi, dt, n_cores)
                eng.run()  # warm-up
            # quimb needs no warm-up step: numba is compiled and the gates (same dt) are
            # cached by the agreement run above.
            tq = _quimb_tebd(to_quimb(psi), ham, chi, dt)
            load0 = load_columns("load_start_")
            ours_w, ours_c, quimb_w, quimb_c = [], [], [], []
            for _ in range(args.steps):
                with blas_limit(n_cores):
                    w, c, _ = median_time(lambda: tq.step(order=2), 1)  # noqa: B023
                quimb_w.append(w)
                quimb_c.append(c)
                wait_until_idle()  # OpenBLAS's threads spin on after quimb's threaded step
                with blas_limit(1):
                    w, c, _ = median_time(eng.run, 1)
                ours_w.append(w)
                ours_c.append(c)
                wait_until_idle()
            nd_q, nc_q = densities(tq.pt, model)
            diff = max(
                float(np.abs(nd_q - psi.expectation_value("Nd")).max()),
                float(np.abs(nc_q - psi.expectation_value("Nc")).max()),
            )
            if hasattr(eng, "close"):
                eng.close()
            t_ours, t_quimb = float(np.median(ours_w)), float(np.median(quimb_w))
            row = {
                "L": L,
                "chi": chi,
                "cores": n_cores,
                "ours_engine": f"make_engine(n_threads={n_cores})",
                "quimb_blas_threads": n_cores,
                "steps": args.steps,
                "t_ours_s": t_ours,
                "cpu_ours_s": float(np.median(ours_c)),
                "t_quimb_s": t_quimb,
                "cpu_quimb_s": float(np.median(quimb_c)),
                "speedup_vs_quimb": t_quimb / t_ours,
                "quimb_max_bond": int(tq.pt.max_bond()),
                "ours_chi_max": int(max(psi.chi)),
                "ours_trunc_err_eps": float(eng.trunc_err.eps),
                "max_dn_after_steps": diff,
                "agree_product_dn_d": agree_d,
                "agree_product_dn_c": agree_c,
                "agree_chi_reached": agree_chi,
                "state_saturation": info["saturation"],
                **load0,
                **load_columns(),
                "quimb_version": quimb.__version__,
            }
            rows.append(row)
            print(
                f"L={L} chi={chi} cores={n_cores}: ours {t_ours:.3f} s/step, quimb "
                f"{t_quimb:.3f} s/step -> {t_quimb / t_ours:.1f}x (load {row['load1']})",
                flush=True,
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf quimb [options]``."""
    return bench_main(NAME, "quimb", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    parts = [
        f"chi={r['chi']}/{r['cores']}c: {r['speedup_vs_quimb']:.1f}x "
        f"({r['t_ours_s']:.3f} vs {r['t_quimb_s']:.2f} s)"
        for r in rows
    ]
    return (
        f"TEBD step L={args.L} order 2, ours vs quimb dense: "
        + "; ".join(parts)
        + f"; product-state agreement max|dn| = "
        f"{max(rows[0]['agree_product_dn_d'], rows[0]['agree_product_dn_c']):.1e}"
    )
