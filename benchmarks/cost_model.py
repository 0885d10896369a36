"""Measure the cost of TEBD on this machine and fit the model of :mod:`mblbath.jobs.cost`.

Run on demand (not part of the test suite), from the repository root::

    python -m benchmarks cost                 # measure, write benchmarks/cost_model.csv, fit
    python -m benchmarks cost --fit-only      # refit the committed table, print the check
    python -m benchmarks cost --quick         # a few small points (a minute; smoke test)

Every (L, chi) point runs in a fresh single-threaded process (OpenMP/OpenBLAS/MKL pinned to
one thread before numpy loads) so that its peak memory is its own:

1. the model of Eq. (1) (``mblbath.model.BathModel``, disorder of seed 0, U = 2.5) and the
   density-wave initial state (``initial_mps``);
2. random charge-conserving two-site unitaries (TeNPy's ``RandomUnitaryEvolution``,
   truncated at chi) until every bond holds ``min(chi, cap_b)`` states, where ``cap_b`` is
   the Schmidt rank the conserved sector allows (:func:`mblbath.jobs.cost.bond_caps`): a state
   in the same sector with saturated bonds, as late in a production run;
3. the peak-RSS counter is reset (``/proc/self/clear_refs``), then TEBD steps of the real
   Hamiltonian: Trotter order 2 (one warm-up + ``n`` timed), order 4 and order 1 (one
   each), one full measurement (``mblbath.observables.measure``) and one checkpoint save
   (``mblbath.tebd.checkpoint.save_checkpoint``); the peak RSS of this phase is recorded.

The time per step is the median over the timed steps of the CPU time of the process
(``time.process_time``; one thread, so it is the time on a dedicated core even when the
machine is shared); the wall time and the load average (``os.getloadavg``) are recorded
next to it. Points with ``role == "fit"`` are fitted; ``role == "heldout"`` points are
predicted from (L, chi) alone and compared (acceptance: within a factor of 2). One real
``mblbath run`` per entry of :data:`RUN_CHECKS` (``role == "run"``) shows how close (chi
saturates early) or how conservative (chi stays small) the whole-run prediction is.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = [
    "FIT_POINTS",
    "HELDOUT_POINTS",
    "QUICK_POINTS",
    "RUN_CHECKS",
    "CSV_PATH",
    "measure_point",
    "measure_startup",
    "measure_run",
    "run_benchmark",
    "fit_coefficients",
    "coefficients_source",
    "report",
    "main",
]

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "benchmarks" / "cost_model.csv"

#: (L, chi) points the model is fitted to.
FIT_POINTS: list[tuple[int, int]] = [
    (12, 256),  # capped by the Hilbert space: centre bond holds 96 states
    (18, 32),
    (18, 128),
    (24, 64),
    (24, 256),
    (30, 16),
    (30, 32),
    (30, 64),
    (30, 128),
    (30, 256),
    (30, 512),
    (36, 96),
    (36, 384),
]
#: (L, chi) points left out of the fit and predicted: interpolation, larger L, larger chi.
HELDOUT_POINTS: list[tuple[int, int]] = [
    (12, 48),
    (18, 96),
    (24, 192),
    (30, 384),
    (42, 160),
    (48, 256),
    (30, 768),
    (30, 1024),  # the paper's setting at L = 30
]
#: A few small points for a quick smoke test of the benchmark itself.
QUICK_POINTS: list[tuple[int, int]] = [(12, 32), (18, 32), (18, 64), (24, 32), (24, 64)]
#: Real runs compared with the whole-run prediction: two whose chi saturates early, and one
#: (U = 0: Anderson insulator, W = 6.5) whose chi stays far below chi_max.
RUN_CHECKS: list[dict[str, Any]] = [
    {"L": 18, "U": 2.5, "chi_max": 64, "t_max": 10.0, "dt": 0.05, "order": 2},
    {"L": 24, "U": 12.0, "chi_max": 128, "t_max": 10.0, "dt": 0.05, "order": 2},
    {"L": 24, "U": 0.0, "chi_max": 256, "t_max": 10.0, "dt": 0.05, "order": 2},
]

#: Modules a real ``mblbath run`` imports (part of its start-up time and baseline memory).
_RUN_IMPORTS = "import mblbath.cli, mblbath.tebd.evolve, mblbath.io, xarray, netCDF4"


def _status_kb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _machine() -> str:
    from .perf._common import cpu_model

    return f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def _blas() -> str:
    import numpy  # noqa: F401 - load BLAS before asking threadpoolctl about it

    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            i = info[0]
            return f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
    except ImportError:
        pass
    import numpy as np

    cfg = np.show_config(mode="dicts")
    blas = cfg.get("Build Dependencies", {}).get("blas", {})
    return f"{blas.get('name', '?')} {blas.get('version', '?')}"


def _bond_dims(psi):
    """Bond dimensions of the L - 1 bonds of a finite MPS."""
    import numpy as np

    return np.asarray(psi.chi, dtype=np.int64)[-(psi.L - 1) :]


def _saturate(psi, chi: int, target, max_sweeps: int) -> int:
    """Random charge-conserving unitaries until the bonds reach ``target`` or stop growing.

    Near the edges, truncation at chi can keep a bond below its Hilbert-space cap
    ``target``: the sweeps stop once no bond dimension changed for two sweeps.
    """
    import numpy as np
    from tenpy.algorithms.tebd import RandomUnitaryEvolution

    eng = RandomUnitaryEvolution(
        psi, {"N_steps": 1, "trunc_params": {"chi_max": chi, "svd_min": 1e-14}}
    )
    history: list = []
    for sweep in range(1, max_sweeps + 1):
        eng.run()
        dims = _bond_dims(psi)
        if np.all(dims >= 0.95 * target):
            return sweep
        history.append(dims)
        if len(history) >= 3 and all(np.array_equal(h, dims) for h in history[-3:]):
            return sweep
    return max_sweeps


def measure_point(L: int, chi: int, n_timed: int = 2) -> dict[str, Any]:
    """Cost of TEBD at (L, chi) in *this* process (call it in a fresh one: see module doc).

    Returns
    -------
    dict
        Realised bond profile sums (``n_bonds, sum_chi2, sum_chi3, max_chi2``), ``chi_reached``,
        ``saturation`` (realised / target of ``sum chi_b^3``), ``t_o{1,2,4}_s`` (CPU s per
        step), ``wall_o{1,2,4}_s``, ``t_measure_s``, ``t_ckpt_s``, ``peak_rss_mb``,
        ``rss_start_mb``, ``sweeps``.
    """
    exec(_RUN_IMPORTS)  # the baseline memory of a real run includes xarray and netCDF4
    import numpy as np
    from tenpy.algorithms.tebd import TEBDEngine

    from mblbath.disorder import sample_eps
    from mblbath.jobs.cost import bond_profile, profile_features
    from mblbath.model import BathModel, initial_mps
    from mblbath.observables import measure
    from mblbath.tebd.checkpoint import save_checkpoint

    eps = sample_eps(6.5, L, 0, 20220711)
    model = BathModel({"L": L, "eps": eps, "U": 2.5, "td": 1.0, "tc": 1.0})
    psi = initial_mps(model)
    target = bond_profile(L, chi)
    sweeps = _saturate(psi, chi, target, max_sweeps=L // 2 + 8)
    gc.collect()
    reset_ok = _reset_peak_rss()
    rss_start = _status_kb("VmRSS") / 1024

    def timed(engine, n: int) -> tuple[float, float]:
        cpu, wall = [], []
        for _ in range(n):
            c0, w0 = time.process_time(), time.perf_counter()
            engine.run()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        return float(np.median(cpu)), float(np.median(wall))

    def engine(order: int) -> TEBDEngine:
        opts = {
            "order": order,
            "dt": 0.05,
            "N_steps": 1,
            "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
        }
        return TEBDEngine(psi, model, opts)

    e2 = engine(2)
    e2.run()  # warm-up: gates, caches
    t2, w2 = timed(e2, n_timed)
    t4, w4 = timed(engine(4), 1)
    t1, w1 = timed(engine(1), 1)
    c0 = time.process_time()
    obs = measure(psi)
    t_meas = time.process_time() - c0
    with tempfile.TemporaryDirectory() as tmp:
        state = {"psi": psi, "out": {k: [v] for k, v in obs.items()}, "done": 0, "k_next": 0}
        w0 = time.perf_counter()
        save_checkpoint(Path(tmp) / "bench.ckpt", "benchmark", state)
        t_ckpt = time.perf_counter() - w0
    peak = _status_kb("VmHWM") / 1024
    realised = _bond_dims(psi).astype(float)
    feats = profile_features(realised)
    return {
        **{k: feats[k] for k in ("n_bonds", "sum_chi2", "sum_chi3", "max_chi2")},
        "chi_reached": int(realised.max()),
        "saturation": feats["sum_chi3"] / profile_features(target)["sum_chi3"],
        "sweeps": sweeps,
        "t_o1_s": t1,
        "t_o2_s": t2,
        "t_o4_s": t4,
        "wall_o1_s": w1,
        "wall_o2_s": w2,
        "wall_o4_s": w4,
        "t_measure_s": t_meas,
        "t_ckpt_s": t_ckpt,
        "peak_rss_mb": peak if reset_ok else float("nan"),
        "rss_start_mb": rss_start,
    }


def _child_env() -> dict[str, str]:
    from mblbath.jobs.slurm import thread_env

    env = dict(os.environ, **thread_env(1))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run_child(args: list[str], timeout: float = 900) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.cost_model", "--child", *args]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=_child_env(), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_startup(n: int = 3) -> float:
    """Median wall time of a fresh process that imports mblbath and builds model + state."""
    code = (
        f"{_RUN_IMPORTS};"
        "from mblbath.tebd import run_tebd; from mblbath.model import BathModel, initial_mps;"
        "from mblbath.disorder import sample_eps;"
        "m = BathModel({'L': 30, 'eps': sample_eps(6.5, 30, 0, 1), 'U': 2.5}); initial_mps(m)"
    )
    times = []
    for _ in range(n):
        w0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=_child_env(), check=True)
        times.append(time.perf_counter() - w0)
    return sorted(times)[len(times) // 2]


def measure_run(spec: dict[str, Any]) -> dict[str, Any]:
    """Wall time, CPU time and peak RSS of one real ``mblbath run`` (1 thread)."""
    exe = Path(sys.executable).with_name("mblbath")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(exe) if exe.exists() else sys.executable,
            *([] if exe.exists() else ["-m", "mblbath.cli"]),
            "run",
            "--L",
            str(spec["L"]),
            "--U",
            str(spec["U"]),
            "--seed",
            "0",
            "--chi-max",
            str(spec["chi_max"]),
            "--t-max",
            str(spec["t_max"]),
            "--dt",
            str(spec["dt"]),
            "--order",
            str(spec["order"]),
            "--no-progress",
            "--out",
            str(Path(tmp) / "run.nc"),
        ]
        w0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=_child_env(), stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - w0
        err = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"mblbath run failed:\n{err[-3000:]}")
        import xarray as xr

        with xr.open_dataset(Path(tmp) / "run.nc") as ds:
            chi_final = int(ds["chi"].isel(time=-1).max())
    return {
        "wall_run_s": wall,
        "cpu_run_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "chi_reached": chi_final,
    }


def run_benchmark(points: list[tuple[int, int, str]], n_timed: int = 2, with_run: bool = True):
    """Measure every (L, chi, role) point in a fresh process, then the real runs of
    :data:`RUN_CHECKS` (``with_run``); the table as a DataFrame."""
    import numpy as np
    import pandas as pd
    import tenpy

    date = _dt.date.today().isoformat()
    machine = _machine()
    blas = _blas()
    startup = measure_startup()
    print(f"startup (imports + model + state): {startup:.2f} s", flush=True)
    rows = []
    for L, chi, role in points:
        load0 = os.getloadavg()[0]
        w0 = time.perf_counter()
        res = _run_child([str(L), str(chi), str(n_timed)])
        load1 = os.getloadavg()[0]
        row = {"role": role, "L": L, "chi": chi, **res, "startup_s": startup}
        row.update(
            load1_before=load0,
            load1_after=load1,
            point_wall_s=time.perf_counter() - w0,
            threads=1,
            date=date,
            machine=machine,
            blas=blas,
            numpy=np.__version__,
            tenpy=tenpy.__version__,
        )
        rows.append(row)
        print(
            f"{role:8s} L={L:3d} chi={chi:4d} reached={res['chi_reached']:4d} "
            f"sat={res['saturation']:.2f} o2 {res['t_o2_s']:.3g}s (wall {res['wall_o2_s']:.3g}) "
            f"o4/o2 {res['t_o4_s'] / res['t_o2_s']:.2f} meas {res['t_measure_s']:.3g}s "
            f"peak {res['peak_rss_mb']:.0f}MB load {load0:.2f}->{load1:.2f} "
            f"[{time.perf_counter() - w0:.0f}s]",
            flush=True,
        )
    for spec in RUN_CHECKS if with_run else []:
        load0 = os.getloadavg()[0]
        res = measure_run(spec)
        rows.append(
            {
                "role": "run",
                "L": spec["L"],
                "chi": spec["chi_max"],
                **res,
                "run_spec": json.dumps(spec, sort_keys=True),
                "startup_s": startup,
                "load1_before": load0,
                "load1_after": os.getloadavg()[0],
                "threads": 1,
                "date": date,
                "machine": machine,
                "blas": blas,
                "numpy": np.__version__,
                "tenpy": tenpy.__version__,
            }
        )
        print(
            f"run      {spec}: {res['cpu_run_s']:.1f} s CPU, {res['wall_run_s']:.1f} s wall, "
            f"chi reached {res['chi_reached']}, peak {res['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    return pd.DataFrame(rows)


def fit_coefficients(table: Any, measured_on: str = "", machine: str = "") -> Any:
    """Fit the model to a benchmark table (rows with ``role == "fit"``).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns as written by ``benchmarks/cost_model.py``: ``role, L, n_bonds, sum_chi2,
        sum_chi3, max_chi2`` (realised bond profile), ``t_o1_s, t_o2_s, t_o4_s`` (seconds
        per step), ``t_measure_s, t_ckpt_s, startup_s, peak_rss_mb``.
    measured_on, machine : str
        Recorded in the result (default: the table's ``date``/``machine`` columns).

    Returns
    -------
    mblbath.jobs.cost.CostCoefficients
        Linear terms by non-negative least squares on *relative* residuals (every point
        counts alike, from chi = 16 to chi = 512); order factors as medians of the measured
        ratios over the points with chi >= 256 (the regime of any large run; at small chi
        the factors are about 15 % larger); startup as the median.
    """
    import numpy as np
    from scipy.optimize import nnls

    from mblbath.jobs.cost import CostCoefficients

    fit = table[table["role"] == "fit"]
    if len(fit) < 4:
        raise ValueError(f"need at least 4 fit rows, got {len(fit)}")

    def rel_nnls(columns: list[Any], y: Any) -> Any:
        X = np.column_stack(columns) / y[:, None]
        theta, _ = nnls(X, np.ones_like(y), maxiter=1000)
        return theta

    L = fit["L"].to_numpy(float)
    nb = fit["n_bonds"].to_numpy(float)
    s2 = fit["sum_chi2"].to_numpy(float)
    s3 = fit["sum_chi3"].to_numpy(float)
    m2 = fit["max_chi2"].to_numpy(float)
    one = np.ones_like(L)
    t2 = fit["t_o2_s"].to_numpy(float)
    a = rel_nnls([nb, s2, s3], t2)
    # Order factors at chi >= 256, the regime that dominates any budget (at small chi the
    # Python overhead per Trotter layer makes the factor larger).
    big = fit["chi_reached"].to_numpy() >= 256
    if big.sum() < 2:
        big = np.ones_like(t2, dtype=bool)
    m = rel_nnls([L**2, L * s3], fit["t_measure_s"].to_numpy(float))
    k = rel_nnls([one, s2], fit["t_ckpt_s"].to_numpy(float))
    mem = rel_nnls([one, s2, m2], fit["peak_rss_mb"].to_numpy(float))

    def sig(x: float) -> float:
        return float(f"{x:.4g}")

    return CostCoefficients(
        step_bond_s=sig(a[0]),
        step_chi2_s=sig(a[1]),
        step_chi3_s=sig(a[2]),
        order1_factor=sig(np.median(fit["t_o1_s"].to_numpy(float)[big] / t2[big])),
        order4_factor=sig(np.median(fit["t_o4_s"].to_numpy(float)[big] / t2[big])),
        meas_pair_s=sig(m[0]),
        meas_chi3_s=sig(m[1]),
        ckpt_base_s=sig(k[0]),
        ckpt_chi2_s=sig(k[1]),
        startup_s=sig(np.median(fit["startup_s"].to_numpy(float))),
        mem_base_mb=sig(mem[0]),
        mem_chi2_mb=sig(mem[1]),
        mem_theta_mb=sig(mem[2]),
        measured_on=measured_on or str(fit["date"].iloc[0]),
        machine=machine or str(fit["machine"].iloc[0]),
    )


def coefficients_source(c: Any) -> str:
    """Python source of ``COEFFICIENTS = CostCoefficients(...)`` for ``mblbath/jobs/cost.py``."""
    from dataclasses import fields

    body = []
    for fld in fields(c):
        v = getattr(c, fld.name)
        if fld.name == "source":
            continue
        body.append(f"    {fld.name}={v!r},")
    return "COEFFICIENTS = CostCoefficients(\n" + "\n".join(body) + "\n)"


def report(table) -> tuple[str, bool]:
    """Fit the table, and compare predictions with every held-out point and the real run.

    Returns
    -------
    (str, bool)
        The printed text (coefficient block + comparison tables) and whether every
        held-out ratio predicted/measured lies within [1/2, 2].
    """
    import numpy as np

    from mblbath.jobs import cost

    c = fit_coefficients(table)
    out = ["# fitted coefficients (paste into src/mblbath/jobs/cost.py):", coefficients_source(c)]
    held = table[table["role"] == "heldout"]
    ok = True
    out.append("")
    out.append("held-out points: predicted / measured (model from (L, chi) alone; 1 thread)")
    out.append(
        f"{'L':>3} {'chi':>4} {'reach':>5} | {'o2 pred':>8} {'o2 cpu':>8} {'o2 wall':>8}"
        f" {'ratio':>5}"
        f" | {'o4 pred':>8} {'o4 cpu':>8} {'ratio':>5} | {'meas pr':>8} {'meas':>8} {'ratio':>5}"
        f" | {'MB pred':>7} {'MB':>7} {'ratio':>5} | {'load':>4}"
    )
    for _, r in held.iterrows():
        L, chi = int(r["L"]), int(r["chi"])
        p2 = cost.predict_step_seconds(L, chi, 2, c)
        p4 = cost.predict_step_seconds(L, chi, 4, c)
        pm = cost.predict_measure_seconds(L, chi, c)
        pmem = cost.predict_mem_mb(L, chi, 1.0, c)
        ratios = [
            p2 / r["t_o2_s"],
            p4 / r["t_o4_s"],
            pm / r["t_measure_s"],
            pmem / r["peak_rss_mb"],
        ]
        ratios.append(p2 / r["wall_o2_s"])
        ok &= all(0.5 <= x <= 2.0 for x in ratios)
        out.append(
            f"{L:>3} {chi:>4} {int(r['chi_reached']):>5} | {p2:>8.3g} {r['t_o2_s']:>8.3g} "
            f"{r['wall_o2_s']:>8.3g} {ratios[0]:>5.2f} | {p4:>8.3g} {r['t_o4_s']:>8.3g} "
            f"{ratios[1]:>5.2f} | {pm:>8.3g} {r['t_measure_s']:>8.3g} {ratios[2]:>5.2f} | "
            f"{pmem:>7.0f} {r['peak_rss_mb']:>7.0f} {ratios[3]:>5.2f} | "
            f"{max(r['load1_before'], r['load1_after']):>4.1f}"
        )
    fit = table[table["role"] == "fit"]
    if len(fit):
        rel = []
        for _, r in fit.iterrows():
            rel.append(cost.predict_step_seconds(int(r["L"]), int(r["chi"]), 2, c) / r["t_o2_s"])
        out.append(
            f"fit points: order-2 step predicted/measured from {min(rel):.2f} to {max(rel):.2f} "
            f"(median {float(np.median(rel)):.2f}); o4/o2 = {c.order4_factor:.2f}, "
            f"o1/o2 = {c.order1_factor:.2f}"
        )
    for _, r in table[table["role"] == "run"].iterrows():
        spec = json.loads(r["run_spec"])
        pred_min = cost.predict_runtime_minutes(
            spec["L"], spec["chi_max"], spec["t_max"], spec["dt"], spec["order"], 1.0, coeffs=c
        )
        pmem = cost.predict_mem_mb(spec["L"], spec["chi_max"], 1.0, c)
        out.append(
            f"real run {spec}: chi reached {int(r['chi_reached'])}; predicted {60 * pred_min:.1f} s"
            f" (safety 1), measured {r['cpu_run_s']:.1f} s CPU / {r['wall_run_s']:.1f} s wall"
            f" (predicted/CPU {60 * pred_min / r['cpu_run_s']:.2f});"
            f" peak {r['peak_rss_mb']:.0f} MB,"
            f" predicted {pmem:.0f} MB ({pmem / r['peak_rss_mb']:.2f})"
        )
    out.append(f"held-out within a factor of 2: {'yes' if ok else 'NO'}")
    return "\n".join(out), ok


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark (see module docstring)."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks cost", description=__doc__.split("\n")[0]
    )
    p.add_argument("--fit-only", action="store_true", help="refit the existing table, no measuring")
    p.add_argument("--quick", action="store_true", help="a few small points (smoke test)")
    p.add_argument(
        "--runs-only",
        action="store_true",
        help="re-measure only the real runs (RUN_CHECKS) and replace them in the table",
    )
    p.add_argument("--out", type=Path, default=CSV_PATH, help=f"table (default {CSV_PATH})")
    p.add_argument("--steps", type=int, default=2, help="timed order-2 steps per point")
    p.add_argument("--child", nargs=3, metavar=("L", "CHI", "STEPS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        L, chi, n = (int(x) for x in args.child)
        print(json.dumps(measure_point(L, chi, n)))
        return 0
    import pandas as pd

    if args.fit_only:
        table = pd.read_csv(args.out)
    elif args.runs_only:
        old = pd.read_csv(args.out)
        runs = run_benchmark([], with_run=True)
        table = pd.concat([old[old["role"] != "run"], runs], ignore_index=True)
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"wrote {args.out}")
    else:
        if args.quick:
            points = [(L, chi, "fit") for L, chi in QUICK_POINTS[:-1]]
            points.append((*QUICK_POINTS[-1], "heldout"))
        else:
            points = [(L, chi, "fit") for L, chi in FIT_POINTS]
            points += [(L, chi, "heldout") for L, chi in HELDOUT_POINTS]
        w0 = time.perf_counter()
        table = run_benchmark(points, args.steps, with_run=not args.quick)
        print(f"benchmark wall time: {time.perf_counter() - w0:.0f} s")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"wrote {args.out}")
    text, ok = report(table)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
