"""Benchmark: QR-based bond updates at large chi vs the SVD update (issue 22).

At L = 30 on states saturated at each chi of ``--chis`` (default 256, 512, 1024, 2048; see
:mod:`benchmarks.perf._common`), Trotter order 2, dt = 0.05, the paper's model
(:func:`~benchmarks.perf._common.bench_model`), five engines evolve copies of the same
state with ``chi_max = chi``, ``svd_min = 1e-10``, one BLAS thread each (threadpoolctl):

- ``tenpy_svd``: TeNPy's :class:`~tenpy.algorithms.tebd.TEBDEngine` (SVD of theta);
- ``tenpy_qr``: TeNPy's :class:`~tenpy.algorithms.tebd.QRBasedTEBDEngine`
  (arXiv:2212.09782) with its defaults: ``cbe_expand = 0.1`` (the paper's expansion rate:
  the QR subspace holds 10 % more states than the bond had), ``cbe_min_block_increase = 1``,
  ``compute_err = True`` (the exact truncation error, one more contraction per bond);
- ``tenpy_qr_noerr``: the same with ``compute_err = False`` (no truncation error: a run
  could not report its convergence; the fastest TeNPy QR);
- ``lean_svd``: the pipeline's engine (:func:`mblbath.tebd.evolve.make_engine`, the lean
  SVD update of :mod:`mblbath.tebd.bond_update`, one bond thread);
- ``lean_qr``: the same bookkeeping with the SVD of each charge sector replaced by the QR
  projection (:mod:`benchmarks.perf._lean_qr`, same expansion options; the truncation
  error comes free): what a QR update inside our engine would gain.

Timing: one untimed step each (gates, caches), then ``--steps`` rounds; in every round each
engine times one step (wall: ``perf_counter``; CPU: ``process_time``, the fair number on a
shared machine), the engines in a rotating order so that load from other processes hits
them alike. All engines therefore do the same step of the same evolution in the same
round. Reported per engine: min and median per step, and the CPU ratio to TeNPy's
TEBDEngine.

Accuracy: after the ``1 + steps`` steps, ``n_c``, ``n_d`` (max over sites) and ``S(L/2)``
of every engine are compared with a reference: the same start state evolved the same
steps by the lean SVD update at ``--ref-factor`` times chi (default 2: its truncation
error is orders of magnitude smaller). Above ``--ref-max-chi`` there is no reference and
the baseline is ``lean_svd`` (the column ``baseline`` says which). The accumulated
truncation error of each engine (discarded weight summed over bonds and steps) is
reported next to it.

Memory: before each chi the free memory (``MemAvailable``) is compared with what the
engines and the reference hold (the state's size times the number of copies, theta work
space on top); a chi that does not fit is skipped and said so. The process's peak
resident memory is recorded in every row.

Output: ``qr_tebd.csv`` (one row per chi and engine), ``qr_tebd.txt`` (summary: the best
QR speedup over TeNPy's TEBDEngine at chi >= ``--goal-chi`` against the goal ``--goal``,
at the accuracy measured) and ``qr_tebd.md`` (the table of benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ._common import RESULTS, bench_main, load_columns, parse_ints, saturated_state

__all__ = ["NAME", "ENGINES", "add_arguments", "run", "main"]

NAME = "qr_tebd"

#: Engines in table order (see the module docstring).
ENGINES = ("tenpy_svd", "tenpy_qr", "tenpy_qr_noerr", "lean_svd", "lean_qr")
_QR = ("tenpy_qr", "tenpy_qr_noerr", "lean_qr")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of this benchmark."""
    p.add_argument("--L", type=int, default=30)
    p.add_argument("--chis", type=parse_ints, default=[256, 512, 1024, 2048])
    p.add_argument("--steps", type=int, default=3, help="timed steps per engine and chi")
    p.add_argument("--dt", type=float, default=0.05)
    p.add_argument("--order", type=int, default=2)
    p.add_argument("--svd-min", type=float, default=1e-10)
    p.add_argument("--expand", type=float, default=0.1, help="cbe_expand of the QR engines")
    p.add_argument("--min-block-increase", type=int, default=1, help="cbe_min_block_increase")
    p.add_argument("--ref-factor", type=int, default=2, help="reference chi = this x chi")
    p.add_argument(
        "--ref-max-chi",
        type=int,
        default=4096,
        help="no reference above this chi (the baseline is then lean_svd at chi)",
    )
    p.add_argument("--goal", type=float, default=2.0, help="QR speedup over TEBDEngine asked")
    p.add_argument("--goal-chi", type=int, default=1024, help="the goal holds at chi >= this")


def _options(args: argparse.Namespace, chi: int) -> dict[str, Any]:
    return {
        "order": args.order,
        "dt": args.dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": chi, "svd_min": args.svd_min},
    }


def _engines(model: Any, psi: Any, chi: int, args: argparse.Namespace) -> dict[str, Any]:
    """The five engines of the module docstring, each on its own copy of ``psi``."""
    from tenpy.algorithms.tebd import QRBasedTEBDEngine, TEBDEngine

    from mblbath.tebd import make_engine

    from ._lean_qr import LeanQREngine

    qr = {"cbe_expand": args.expand, "cbe_min_block_increase": args.min_block_increase}
    opts = _options(args, chi)
    return {
        "tenpy_svd": TEBDEngine(psi.copy(), model, dict(opts)),
        "tenpy_qr": QRBasedTEBDEngine(psi.copy(), model, {**opts, **qr, "compute_err": True}),
        "tenpy_qr_noerr": QRBasedTEBDEngine(
            psi.copy(), model, {**opts, **qr, "compute_err": False}
        ),
        "lean_svd": make_engine(psi.copy(), model, dict(opts), n_threads=1, blas_threads=1),
        "lean_qr": LeanQREngine(
            psi.copy(),
            model,
            dict(opts),
            expand=args.expand,
            min_block_increase=args.min_block_increase,
            blas_threads=1,
        ),
    }


def _observables(psi: Any) -> dict[str, np.ndarray]:
    L = psi.L
    return {
        "n_c": np.real(psi.expectation_value("Nc")),
        "n_d": np.real(psi.expectation_value("Nd")),
        "S_mid": np.asarray([psi.entanglement_entropy()[L // 2 - 1]]),
    }


def _trunc_eps(engine: Any) -> float:
    """Discarded weight summed over bonds and steps (counted once, whatever the engine)."""
    return float(sum(err.eps for err in engine._trunc_err_bonds))


def _state_mb(psi: Any) -> float:
    return sum(b.nbytes for B in psi._B for b in B._data) / 1e6


def _mem_available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024
    except OSError:  # pragma: no cover
        pass
    return float("inf")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_rounds(engines: dict[str, Any], steps: int) -> dict[str, dict[str, list[float]]]:
    """One untimed step each, then ``steps`` rounds of one timed step each, rotating order."""
    for eng in engines.values():
        eng.run()
    times: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in engines}
    names = list(engines)
    for r in range(steps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            c0, w0 = time.process_time(), time.perf_counter()
            engines[name].run()
            times[name]["wall"].append(time.perf_counter() - w0)
            times[name]["cpu"].append(time.process_time() - c0)
        print(
            f"  round {r + 1}/{steps}: CPU s "
            + ", ".join(f"{k} {v['cpu'][-1]:.3f}" for k, v in times.items()),
            flush=True,
        )
    return times


def _reference(model: Any, psi: Any, chi: int, n_steps: int, args: argparse.Namespace) -> Any:
    """The start state evolved ``n_steps`` steps by the lean SVD update at ``chi``."""
    from mblbath.tebd import make_engine

    eng = make_engine(psi.copy(), model, _options(args, chi), n_threads=1, blas_threads=1)
    c0 = time.process_time()
    for _ in range(n_steps):
        eng.run()
    print(f"  reference chi={chi}: {time.process_time() - c0:.1f} s CPU", flush=True)
    return eng.psi


def _chi_rows(args: argparse.Namespace, chi: int) -> list[dict[str, Any]]:
    """Time and compare the engines at one chi; one row per engine (or one 'skipped' row)."""
    from mblbath.tebd import blas_limit

    model, psi0, info = saturated_state(args.L, chi)
    ref_chi = args.ref_factor * chi if args.ref_factor * chi <= args.ref_max_chi else None
    state_mb = _state_mb(psi0)
    need_mb = state_mb * (len(ENGINES) + 2 + (args.ref_factor**2 if ref_chi else 0))
    base = {"L": args.L, "chi": chi, "order": args.order, "dt": args.dt, "state_mb": state_mb}
    if need_mb > _mem_available_mb():
        print(f"chi={chi}: needs ~{need_mb:.0f} MB, {_mem_available_mb():.0f} MB free: skipped")
        return [{**base, "engine": "skipped", "need_mb": need_mb, **load_columns()}]
    print(f"chi={chi}: state {state_mb:.0f} MB, saturation {info['saturation']}", flush=True)
    engines = _engines(model, psi0, chi, args)
    load0 = load_columns("load_start_")
    with blas_limit(1), warnings.catch_warnings():
        # TeNPy's QR engine warns when it truncates below chi_max (the saturated states do)
        warnings.simplefilter("ignore", UserWarning)
        times = _time_rounds(engines, args.steps)
        ref = _reference(model, psi0, ref_chi, args.steps + 1, args) if ref_chi else None
    obs = {k: _observables(e.psi) for k, e in engines.items()}
    target = _observables(ref) if ref is not None else obs["lean_svd"]
    tenpy_cpu = statistics.median(times["tenpy_svd"]["cpu"])
    tenpy_wall = statistics.median(times["tenpy_svd"]["wall"])
    rows = []
    for name, eng in engines.items():
        t = times[name]
        dev = {f"dev_{k}": float(np.abs(obs[name][k] - target[k]).max()) for k in target}
        rows.append(
            {
                **base,
                "engine": name,
                "steps": args.steps,
                "cpu_median_s": statistics.median(t["cpu"]),
                "cpu_min_s": min(t["cpu"]),
                "wall_median_s": statistics.median(t["wall"]),
                "wall_min_s": min(t["wall"]),
                "cpu_vs_tenpy_svd": tenpy_cpu / statistics.median(t["cpu"]),
                "wall_vs_tenpy_svd": tenpy_wall / statistics.median(t["wall"]),
                **dev,
                "trunc_eps": _trunc_eps(eng),
                "baseline": f"lean_svd chi={ref_chi}" if ref_chi else f"lean_svd chi={chi}",
                "chi_after": int(max(eng.psi.chi)),
                "cpus": ";".join(f"{x:.3f}" for x in t["cpu"]),
                "walls": ";".join(f"{x:.3f}" for x in t["wall"]),
                "expand": args.expand,
                "min_block_increase": args.min_block_increase,
                "state_saturation": info["saturation"],
                "peak_rss_mb": _peak_rss_mb(),
                **load0,
                **load_columns(),
            }
        )
    return rows


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run the benchmark; returns the CSV rows (and writes ``qr_tebd.md``)."""
    rows: list[dict[str, Any]] = []
    for chi in args.chis:
        rows += _chi_rows(args, chi)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{NAME}.md").write_text(_markdown(args, rows) + "\n")
    return rows


_LABELS = {
    "tenpy_svd": "TeNPy `TEBDEngine` (SVD)",
    "tenpy_qr": "TeNPy `QRBasedTEBDEngine`",
    "tenpy_qr_noerr": "TeNPy `QRBasedTEBDEngine`, `compute_err=False`",
    "lean_svd": "ours: lean SVD update (the pipeline)",
    "lean_qr": "ours + QR projection (prototype)",
}


def _markdown(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The detailed table: per chi and engine, time per step, ratio, deviations, error."""
    lines = [
        f"L = {args.L}, Trotter order {args.order}, dt = {args.dt}, svd_min = {args.svd_min:g},"
        f" 1 BLAS thread; QR: cbe_expand = {args.expand:g}, cbe_min_block_increase ="
        f" {args.min_block_increase}. Per step: median (min) of {args.steps} interleaved"
        f" steps. Deviations after {args.steps + 1} steps from the reference (lean SVD at"
        f" {args.ref_factor}χ; above χ = {args.ref_max_chi // args.ref_factor}: from lean SVD"
        " at χ).",
        "",
        "| χ | engine | CPU s/step | wall s/step | CPU speedup vs TEBDEngine "
        "| max\\|Δn_c\\| | max\\|Δn_d\\| | \\|ΔS(L/2)\\| | discarded weight |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["engine"] == "skipped":
            lines.append(
                f"| {r['chi']} | skipped: needs ~{r['need_mb'] / 1000:.1f} GB | | | | | | | |"
            )
            continue
        lines.append(
            f"| {r['chi']} | {_LABELS[r['engine']]}"
            f" | {r['cpu_median_s']:.3g} ({r['cpu_min_s']:.3g})"
            f" | {r['wall_median_s']:.3g} ({r['wall_min_s']:.3g}) | {r['cpu_vs_tenpy_svd']:.2f}x"
            f" | {r['dev_n_c']:.1e} | {r['dev_n_d']:.1e} | {r['dev_S_mid']:.1e}"
            f" | {r['trunc_eps']:.2e} |"
        )
    return "\n".join(lines)


def best_qr(rows: list[dict[str, Any]], goal_chi: int) -> dict[str, Any] | None:
    """The QR row with the largest CPU speedup over TEBDEngine at chi >= ``goal_chi``."""
    cand = [r for r in rows if r["engine"] in _QR and r["chi"] >= goal_chi]
    return max(cand, key=lambda r: r["cpu_vs_tenpy_svd"]) if cand else None


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf qr [options]``."""
    return bench_main(NAME, "qr", __doc__, add_arguments, run, _summary, argv)


def _summary(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    """The one-line summary of this benchmark's rows."""
    done = [r for r in rows if r["engine"] != "skipped"]
    by = {(r["chi"], r["engine"]): r for r in done}
    parts = []
    for chi in sorted({r["chi"] for r in done}):
        cells = "/".join(f"{by[(chi, e)]['cpu_median_s']:.3g}" for e in ENGINES if (chi, e) in by)
        parts.append(f"chi={chi}: {cells} s")
    text = (
        f"CPU s per order-{args.order} step at L={args.L}, TEBDEngine/TeNPy QR/TeNPy QR without"
        f" error/lean SVD/lean QR: " + "; ".join(parts)
    )
    best = best_qr(done, args.goal_chi)
    if best is not None:
        svd = by[(best["chi"], "lean_svd")]
        met = best["cpu_vs_tenpy_svd"] >= args.goal
        text += (
            f". Best QR at chi>={args.goal_chi}: {best['engine']} at chi={best['chi']}, "
            f"{best['cpu_vs_tenpy_svd']:.2f}x TEBDEngine ({svd['cpu_vs_tenpy_svd']:.2f}x for "
            f"lean SVD), max|dn_c| {best['dev_n_c']:.1e} vs {svd['dev_n_c']:.1e} (SVD): goal "
            f"{args.goal:g}x {'met' if met else 'not met'}"
        )
    skipped = [str(r["chi"]) for r in rows if r["engine"] == "skipped"]
    if skipped:
        text += f"; skipped (memory): chi={','.join(skipped)}"
    return text
