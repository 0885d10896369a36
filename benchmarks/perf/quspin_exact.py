"""Benchmark 4: exact sector evolution of mblbath vs QuSpin, same problem.

Problem: Eq. (1) at U = 2.5, W = 6.5 (disorder seed 0), the density-wave initial state
(d-bosons on ``i % 3 == 1``, the c-boson on ``L // 2``), the pipeline's measurement grid
(``time_grid(t_max = 20, dt = 0.05, t_first = 0.1, n_per_decade = 10)``: 25 times), in the
(N_d = L/3, N_c = 1) sector (dimension 5,940 at L = 12, 45,045 at L = 15).

- ours: :func:`mblbath.exact.sector_evolution` -- sparse H, a Chebyshev expansion of
  ``exp(-i H dt)`` (:class:`mblbath.exact.ChebyshevPropagator`; numpy/scipy's default
  threads, the CSV has wall and CPU times) from one grid time to the next, and at every
  time n_d, n_c, C_dd *and* the entanglement entropy of every bond. Also timed: the
  evolution alone (the same ``sector_hamiltonian`` + propagator calls without
  observables).
- QuSpin 1.0.1: ``spinful_fermion_basis_1d(L, Nf=(N_d, 1))`` (species d = "up",
  c = "down") and ``hamiltonian`` with hopping ``+-|``/``-+|``, ``|+-``/``|-+``, ``n|``
  (eps) and ``n|n`` (U); evolution with QuSpin's OpenMP ``expm_multiply_parallel`` on 1
  and 2 OpenMP threads, two ways: ``set_a(-1j * dt)`` + ``dot`` per grid interval (each
  ``set_a`` re-estimates norms), and ``set_a`` once for the step 0.05 and ``dt / 0.05``
  calls of ``dot`` per interval (every grid time is a multiple of 0.05); the faster
  counts. For nearest-neighbour hopping on an open chain, with the species ordered
  up-block then down-block, the fermionic matrix elements equal those of the hard-core
  bosons (no string crosses another particle), and the spectrum of every left-block
  reduced density matrix is the same (the reordering sign is constant in each charge
  block), so it is the same problem.
  Observables from the QuSpin state: n_d, n_c and C_dd from ``|psi|^2`` and the diagonal of
  QuSpin's ``basis.Op('n|', ...)``/``('|n', ...)`` operators.
  QuSpin's ``basis.ent_entropy`` projects onto the full 2^(2L) Fock space: one call (one
  bond, one time, at ``--entropy-L``, default 12) is timed and reported; all L-1 bonds at
  all times would cost (L-1) x times that, which is not run.

Agreement: max |difference| of n_d, n_c, C_dd over all times, and of S at the timed bond.
Every time is the best of ``--repeats`` runs (default 2: the first includes imports and
numba compilation), except QuSpin's entropy (once). Ratios (> 1: ours is faster):
``quspin_best / ours_total``, where ``quspin_best`` = build + evolution on the faster
thread count + n/C_dd observables (no entanglement: favourable to QuSpin), and
``(quspin build + evolution) / ours_evolution``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from ._common import (
    U_BENCH,
    bench_main,
    bench_model,
    load_columns,
    parse_ints,
)

__all__ = ["NAME", "add_arguments", "run", "main", "quspin_problem"]

NAME = "quspin_exact"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--Ls", type=parse_ints, default=[12, 15])
    p.add_argument("--t-max", type=float, default=20.0)
    p.add_argument(
        "--entropy-L",
        type=int,
        default=12,
        help="time QuSpin's ent_entropy for one bond at this L (0: skip)",
    )
    p.add_argument(
        "--repeats", type=int, default=2, help="best of N (the first run includes imports/JIT)"
    )


def quspin_problem(L: int, eps: np.ndarray, U: float, N_d: int):
    """QuSpin basis and Hamiltonian of Eq. (1) in the (N_d, N_c = 1) sector (see docstring)."""
    from quspin.basis import spinful_fermion_basis_1d
    from quspin.operators import hamiltonian

    basis = spinful_fermion_basis_1d(L, Nf=(N_d, 1))
    hop = [[1.0, i, i + 1] for i in range(L - 1)]
    hop_m = [[-1.0, i, i + 1] for i in range(L - 1)]  # c_i c+_{i+1} = -c+_{i+1} c_i
    static = [
        ["+-|", hop],
        ["-+|", hop_m],
        ["|+-", hop],
        ["|-+", hop_m],
        ["n|", [[float(eps[i]), i] for i in range(L)]],
        ["n|n", [[float(U), i, i] for i in range(L)]],
    ]
    H = hamiltonian(
        static,
        [],
        basis=basis,
        dtype=np.float64,
        check_herm=False,
        check_pcon=False,
        check_symm=False,
    )
    return basis, H


def _occupations(basis: Any, L: int) -> tuple[np.ndarray, np.ndarray]:
    """(Ns, L) occupations of d ("up") and c ("down") from QuSpin's diagonal n operators."""
    occ_d = np.zeros((basis.Ns, L))
    occ_c = np.zeros((basis.Ns, L))
    for i in range(L):
        for occ, opstr in ((occ_d, "n|"), (occ_c, "|n")):
            me, row, col = basis.Op(opstr, [i], 1.0, np.float64)
            occ[row, i] = me
    return occ_d, occ_c


def _quspin_run(
    basis: Any, H: Any, psi0: np.ndarray, times: np.ndarray, step: float | None = None
) -> np.ndarray:
    """QuSpin's ``expm_multiply_parallel`` from one grid time to the next.

    ``step = None``: ``set_a(-1j * dt)`` for every interval (each call re-estimates norms,
    ~2 s at L = 15). ``step = h``: ``set_a`` once, then ``dt / h`` products per interval
    (every grid time is a multiple of the pipeline's dt, so ``h = 0.05`` is exact).
    """
    from quspin.tools.evolution import expm_multiply_parallel

    P = expm_multiply_parallel(H.tocsr(), a=-1j * (step or 0.05), dtype=np.complex128)
    work = np.zeros(2 * basis.Ns, dtype=np.complex128)
    v = psi0.copy()
    t_now = 0.0
    out = np.empty((len(times), basis.Ns), dtype=np.complex128)
    for n, t in enumerate(times):
        dt = float(t) - t_now
        if dt != 0.0:
            if step is None:
                P.set_a(-1j * dt)
                v = P.dot(v, work_array=work, overwrite_v=False)
            else:
                n_steps = round(dt / step)
                if abs(n_steps * step - dt) > 1e-9:
                    raise ValueError(f"interval {dt} is not a multiple of {step}")
                for _ in range(n_steps):
                    v = P.dot(v, work_array=work, overwrite_v=False)
            t_now = float(t)
        out[n] = v
    return out


def _ours_evolve_only(eps, U, N_d, d, c0, times) -> np.ndarray:
    """The evolution part of sector_evolution (same calls), without observables."""
    from mblbath.exact import ChebyshevPropagator, sector_basis, sector_hamiltonian

    L = len(eps)
    confs = sector_basis(L, N_d)
    propagate = ChebyshevPropagator(sector_hamiltonian(eps, U, 1.0, 1.0, N_d))
    conf0 = (np.int64(1) << d).sum(dtype=np.int64)
    psi = np.zeros(confs.size * L, dtype=np.complex128)
    psi[int(np.searchsorted(confs, conf0)) * L + c0] = 1.0
    t_now = 0.0
    norms = []
    for t in times:
        dt = float(t) - t_now
        if dt != 0.0:
            psi = propagate(psi, dt)
            t_now = float(t)
        norms.append(np.vdot(psi, psi).real)
    return np.asarray(norms)


class _Timer:
    """Best-of-``repeats`` wall times (and the CPU time of the last run) into ``row``."""

    def __init__(self, row: dict[str, Any], repeats: int) -> None:
        self.row, self.repeats, self.best = row, repeats, {}

    def __call__(self, key: str, fn: Any) -> Any:
        res = None
        walls = []
        for _ in range(self.repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            res = fn()
            walls.append(time.perf_counter() - w0)
            self.row[f"cpu_{key}_s"] = time.process_time() - c0
        self.best[key] = min(walls)
        self.row[f"t_{key}_s"] = self.best[key]
        return res


def _quspin_observables(basis: Any, states: np.ndarray, L: int) -> dict[str, np.ndarray]:
    """n_d, n_c, C_dd at every time from QuSpin states (same formulas as ours)."""
    occ_d, occ_c = _occupations(basis, L)
    P = np.abs(states) ** 2
    nd = P @ occ_d
    nc = P @ occ_c
    C = np.stack([(occ_d * p[:, None]).T @ occ_d for p in P]) - nd[:, :, None] * nd[:, None, :]
    return {"n_d": nd, "n_c": nc, "C_dd": C}


def _one_size(L: int, args: argparse.Namespace) -> dict[str, Any]:
    """Both codes at one L; returns the CSV row."""
    import quspin
    from threadpoolctl import threadpool_limits

    from mblbath.config import time_grid
    from mblbath.exact import sector_dimension, sector_evolution
    from mblbath.model import d_sites

    _, eps = bench_model(L)
    d = d_sites(L)
    c0 = L // 2
    N_d = d.size
    times = time_grid(args.t_max, 0.05, 0.1, 10)
    load0 = load_columns("load_start_")
    row: dict[str, Any] = {
        "L": L,
        "dim": sector_dimension(L, N_d),
        "n_times": len(times),
        "t_max": args.t_max,
    }
    timed = _Timer(row, args.repeats)
    best = timed.best

    ref = timed("ours_total", lambda: sector_evolution(eps, U_BENCH, 1.0, 1.0, d, c0, times))
    timed("ours_evolve", lambda: _ours_evolve_only(eps, U_BENCH, N_d, d, c0, times))

    basis, H = timed("quspin_build", lambda: quspin_problem(L, eps, U_BENCH, N_d))
    s_d = "".join("1" if i in set(d.tolist()) else "0" for i in range(L))
    s_c = "".join("1" if i == c0 else "0" for i in range(L))
    psi0 = np.zeros(basis.Ns, dtype=np.complex128)
    psi0[basis.index(s_d, s_c)] = 1.0
    states = np.empty(0)
    for nth in (1, 2):
        with threadpool_limits(nth, user_api="openmp"):
            states = timed(f"quspin_evolve_omp{nth}", lambda: _quspin_run(basis, H, psi0, times))
            timed(
                f"quspin_evolve_fixed_omp{nth}",
                lambda: _quspin_run(basis, H, psi0, times, step=0.05),
            )
    obs = timed("quspin_obs", lambda: _quspin_observables(basis, states, L))
    row["max_diff_n"] = max(
        float(np.abs(obs["n_d"] - ref["n_d"]).max()),
        float(np.abs(obs["n_c"] - ref["n_c"]).max()),
    )
    row["max_diff_C_dd"] = float(np.abs(obs["C_dd"] - ref["C_dd"]).max())
    if args.entropy_L and L == args.entropy_L:
        b = L // 2
        sub = (list(range(b)), list(range(b)))
        w0 = time.perf_counter()
        s_q = float(basis.ent_entropy(states[-1], sub_sys_A=sub, density=False)["Sent_A"])
        best["quspin_entropy_one_bond"] = time.perf_counter() - w0  # once: it is slow
        row["t_quspin_entropy_one_bond_s"] = best["quspin_entropy_one_bond"]
        row["entropy_bond"] = b
        row["diff_S_bond"] = abs(s_q - float(ref["S"][-1, b - 1]))
        row["quspin_entropy_all_estimate_s"] = (
            best["quspin_entropy_one_bond"] * (L - 1) * len(times)
        )
    q_evolve = min(best[f"quspin_evolve{v}_omp{n}"] for v in ("", "_fixed") for n in (1, 2))
    row["t_quspin_best_s"] = best["quspin_build"] + q_evolve + best["quspin_obs"]
    row["ratio_quspin_over_ours_total"] = row["t_quspin_best_s"] / best["ours_total"]
    row["ratio_quspin_evolve_over_ours_evolve"] = (best["quspin_build"] + q_evolve) / best[
        "ours_evolve"
    ]
    row["quspin_version"] = quspin.__version__
    row.update(load0)
    row.update(load_columns())
    print(
        f"L={L} (dim {row['dim']}): ours {best['ours_total']:.2f} s total "
        f"({best['ours_evolve']:.2f} s evolution); QuSpin build {best['quspin_build']:.2f} s"
        f" + evolve {best['quspin_evolve_omp1']:.2f} s (1 thr) / "
        f"{best['quspin_evolve_omp2']:.2f} s (2 thr), fixed step 0.05: "
        f"{best['quspin_evolve_fixed_omp1']:.2f} / {best['quspin_evolve_fixed_omp2']:.2f} s"
        f" + n,C {best['quspin_obs']:.2f} s -> "
        f"QuSpin/ours = {row['ratio_quspin_over_ours_total']:.2f}; max|dn| "
        f"{row['max_diff_n']:.1e} (load {row['load1']})",
        flush=True,
    )
    return row


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows (one per L)."""
    return [_one_size(L, args) for L in args.Ls]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf quspin [options]``."""
    return bench_main(NAME, "quspin", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    parts = []
    for r in rows:
        txt = (
            f"L={r['L']}: ours {r['t_ours_total_s']:.2f} s (with S) vs QuSpin "
            f"{r['t_quspin_best_s']:.2f} s (no S) -> QuSpin/ours "
            f"{r['ratio_quspin_over_ours_total']:.2f}"
            f", evolution only {r['ratio_quspin_evolve_over_ours_evolve']:.2f}"
        )
        if "t_quspin_entropy_one_bond_s" in r:
            txt += f", QuSpin S one bond {r['t_quspin_entropy_one_bond_s']:.1f} s"
        parts.append(txt)
    return f"exact sector evolution, {rows[0]['n_times']} times to t={args.t_max:g}: " + "; ".join(
        parts
    )
