"""The error-cost frontier of the TEBD numerics (issue #19, part 1).

Run on demand from the repository root (one process; BLAS pinned to one thread)::

    python -m benchmarks.frontier                 # the full benchmark (~60-90 min of one core)
    python -m benchmarks.frontier --quick         # smoke test of the harness (a few minutes)
    python -m benchmarks.frontier --table         # markdown tables from the CSV
    python -m benchmarks.frontier --plot          # the figure from the CSV
    python -m benchmarks.frontier --compare       # default vs chosen numerics, side by side

For every part of :func:`benchmarks.frontier_design.design` (size, interactions, seeds, T),
every realisation and every setting, :func:`benchmarks.frontier_run.evolve` runs the
pipeline's model, initial state and engine with that setting and records its cost (CPU and
wall seconds of the evolution, of the cheap measurements and of ``C_dd`` separately, peak chi,
accumulated discarded weight); :mod:`benchmarks.frontier_errors` compares it with the part's
reference at the figure times (t >= 1) and divides by the error bars of the claims (SEM of the
default config's aggregates, with 4 and with 16 realisations, plus the fits' floors). One row
per setting x U x L x seed goes to ``results/benchmarks/frontier.csv`` (reference runs too,
``role = reference``); :mod:`benchmarks.frontier_report` turns it into the tables, the figure
and the choice of numerics.

``--compare`` times today's default and the chosen setting interleaved (alternating which
goes first), several repetitions on the same realisations at L = 24, U = 12, each on its own
pipeline measurement grid, and reports the CPU-time ratio (min / median / max) of whole runs
(evolution + measurements) and of the evolution alone.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is loaded (python -m benchmarks.frontier)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from .frontier_design import Part, design, quick_design  # noqa: E402
from .frontier_errors import ratios, run_errors, sigma_table  # noqa: E402
from .frontier_run import DEFAULT, Setting, bench_times, evolve  # noqa: E402

__all__ = ["CHOSEN", "main", "run_part", "reference", "compare"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "benchmarks"
#: Aggregates of the default config (4 realisations) whose SEM are the claims' error bars.
AGGREGATES = ROOT / "results" / "aggregate" / "chi128_dt0.05_o2_svd1e-10_T20"
W, MASTER_SEED = 6.5, 20220711
#: Realisation counts whose error bars the errors are divided by (ratio4_*, ratio16_*).
N_SEEDS = (4, 16)
#: The numerics the frontier chooses for U = 12 (``--compare`` default).
CHOSEN = Setting(chi_max=128, order="4_opt", dt=0.2, svd_min=1e-10, fuse=True)


def _stamp() -> dict[str, Any]:
    """Provenance columns: commit, machine, load average."""
    from mblbath.io import git_commit

    from .perf._common import load_columns, machine

    return {"git_commit": git_commit(), "machine": machine(), **load_columns()}


def _times(part: Part, s: Setting) -> np.ndarray:
    """Measurement times of setting ``s`` in ``part`` (own pipeline grid, or the part's)."""
    return bench_times(part.t_max, s.dt if part.grid_dt is None else max(s.dt, part.grid_dt))


def _union(part: Part) -> np.ndarray:
    grids = [np.rint(_times(part, s) * 1000).astype(np.int64) for s in part.settings]
    return np.unique(np.concatenate(grids)) / 1000.0


def reference(
    part: Part, U: float, seed: int, eps: np.ndarray, cache: Path | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The reference run of ``part`` at ``(U, seed)`` on the union of the settings' grids.

    Exact (sector evolution; free fermions at U = 0) or TEBD with a large-chi setting. TEBD
    references are cached in ``cache`` (pickles keyed by everything they depend on).
    Returns ``(observables, row)`` where ``row`` holds its cost columns.
    """
    from mblbath.exact import free_evolution, sector_evolution
    from mblbath.model import d_sites
    from mblbath.tebd.engine import blas_limit

    times = _union(part)
    ref = part.reference[U]
    L = part.L
    if ref == "exact":
        c0, w0 = time.process_time(), time.perf_counter()
        with blas_limit(1):
            if U == 0:
                obs = free_evolution(eps, 1.0, 1.0, d_sites(L), L // 2, times)
            else:
                obs = sector_evolution(eps, U, 1.0, 1.0, d_sites(L), L // 2, times)
        obs["times"] = times
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        cost = {"evol_cpu_s": cpu, "cpu_s": cpu, "evol_wall_s": wall, "wall_s": wall}
        return obs, {"setting": "exact" if U else "exact_free", **cost}
    assert isinstance(ref, Setting)
    key = hashlib.sha256(repr((L, U, seed, ref, times.tolist(), eps.tolist())).encode())
    path = None if cache is None else cache / f"L{L}_U{U:g}_s{seed}_{key.hexdigest()[:16]}.pkl"
    if path is not None and path.exists():
        with path.open("rb") as fh:
            obs = pickle.load(fh)
    else:
        obs = evolve(ref, L, U, eps, times)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fh:
                pickle.dump(obs, fh)
    return obs, {**ref.as_row(), **_cost_columns(obs)}


def _cost_columns(r: dict[str, Any]) -> dict[str, Any]:
    keys = ("evol", "meas", "cdd")
    out = {f"{k}_cpu_s": r[f"{k}_cpu_s"] for k in keys}
    out["cpu_s"] = sum(out.values())
    out.update({f"{k}_wall_s": r[f"{k}_wall_s"] for k in keys})
    out["wall_s"] = sum(r[f"{k}_wall_s"] for k in keys)
    for k in ("n_steps", "n_meas", "chi_peak"):
        out[k] = r[k]
    out["trunc_err"] = r["trunc_err_final"]
    return out


def run_part(
    part: Part,
    aggregates: Path,
    emit: Callable[[dict[str, Any]], None],
    cache: Path | None = None,
    done: set[tuple] | None = None,
) -> None:
    """Run every (U, seed, setting) of ``part``; ``emit`` each CSV row as it is made.

    ``done`` holds keys ``(part, L, U, seed, T, setting)`` of rows already in the CSV, which
    are skipped (a resumed benchmark); the reference is still computed (or read from the
    cache) when a setting of its realisation remains.
    """
    from mblbath.disorder import sample_eps

    done = set() if done is None else done
    for U in part.Us:
        agg = aggregates / f"L{part.L}.nc"
        sig = sigma_table(agg, U) if agg.exists() else None
        if sig is not None and part.t_max > sig["times"][-1] + 1e-9:
            sig = None  # no error bars beyond the aggregate's last time: absolute errors only
        for seed in part.seeds:
            todo = [
                s
                for s in part.settings
                if (part.name, part.L, U, seed, part.t_max, s.name) not in done
            ]
            if not todo:
                continue
            eps = sample_eps(W, part.L, seed, MASTER_SEED)
            ref, ref_row = reference(part, U, seed, eps, cache)
            base = {"part": part.name, "L": part.L, "U": U, "seed": seed, "T": part.t_max}
            if (part.name, part.L, U, seed, part.t_max, ref_row["setting"]) not in done:
                emit({**base, "role": "reference", **ref_row, **_stamp()})
            for s in todo:
                r = evolve(s, part.L, U, eps, _times(part, s))
                row = {**base, "role": "candidate", **s.as_row(), **_cost_columns(r)}
                row.update(run_errors(r, ref))
                for n in N_SEEDS:
                    q = ratios(r, ref, sig, n) if sig is not None else {}
                    row.update({k.replace("ratio_", f"ratio{n}_"): v for k, v in q.items()})
                emit({**row, **_stamp()})


def _warm_up() -> None:
    """One tiny run first, so that no timed run pays for lazy imports and first-call setup."""
    evolve(DEFAULT.with_(order="4_opt"), 6, 12.0, np.zeros(6), np.array([0.0, 0.5]))


def compare(
    settings: list[Setting], L: int, U: float, seeds: list[int], t_max: float, reps: int
) -> list[dict[str, Any]]:
    """Time ``settings`` interleaved: ``reps`` rounds x seeds, the order rotated every round."""
    from mblbath.disorder import sample_eps

    rows = []
    for rep in range(reps):
        for seed in seeds:
            eps = sample_eps(W, L, seed, MASTER_SEED)
            k = (rep + seed) % len(settings)
            for pos, s in enumerate(settings[k:] + settings[:k]):
                r = evolve(s, L, U, eps, bench_times(t_max, s.dt))
                row = {"rep": rep, "seed": seed, "position": pos, "L": L, "U": U, "T": t_max}
                rows.append({**row, **s.as_row(), **_cost_columns(r), **_stamp()})
                print(
                    f"  rep {rep} seed {seed} {s.name}: {rows[-1]['cpu_s']:.1f} s CPU "
                    f"({rows[-1]['wall_s']:.1f} s wall, load {rows[-1]['load1']})",
                    flush=True,
                )
    return rows


def compare_summary(rows: list[dict[str, Any]], base: str, other: str) -> str:
    """Ratio base/other of CPU (whole run, evolution only) and wall, per (rep, seed) pair."""
    by = {(r["rep"], r["seed"], r["setting"]): r for r in rows}
    pairs = [(by[k[:2] + (base,)], by[k[:2] + (other,)]) for k in by if k[2] == base]
    lines = [f"{base} / {other}, {len(pairs)} pairs (rep x seed):"]
    for col in ("cpu_s", "evol_cpu_s", "wall_s"):
        q = [a[col] / b[col] for a, b in pairs]
        lines.append(
            f"  {col:10s} ratio min {min(q):.2f}  median {statistics.median(q):.2f}  "
            f"max {max(q):.2f}   ({statistics.median(a[col] for a, _ in pairs):.1f} s vs "
            f"{statistics.median(b[col] for _, b in pairs):.1f} s median)"
        )
    return "\n".join(lines)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.frontier", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smoke test (L = 12, T = 5, 1 seed)")
    p.add_argument("--parts", default=None, help="comma list of parts to run (default: all)")
    p.add_argument("--out", type=Path, default=None, help="CSV (default results/benchmarks/)")
    p.add_argument("--aggregates", type=Path, default=AGGREGATES, help="default-config aggregates")
    p.add_argument("--resume", action="store_true", help="skip rows already in the CSV")
    p.add_argument("--table", action="store_true", help="print the markdown tables and exit")
    p.add_argument("--plot", action="store_true", help="write the figure and exit")
    p.add_argument("--compare", action="store_true", help="default vs --chosen, interleaved")
    p.add_argument(
        "--chosen", default=CHOSEN.name, help="setting name(s) for --compare (comma list)"
    )
    p.add_argument("--reps", type=int, default=3, help="--compare repetitions")
    p.add_argument("--t-max", type=float, default=20.0, help="--compare T")
    p.add_argument("--L", type=int, default=24, help="--compare size")
    p.add_argument("--seeds", default="0,1", help="--compare realisations")
    return p.parse_args(argv)


def _default_csv(args: argparse.Namespace, name: str) -> Path:
    sub = RESULTS / "quick" if args.quick else RESULTS
    return sub / f"{name}.csv" if args.out is None else args.out


def _summary(folder: Path) -> str:
    """One line for benchmarks/README.md: the side-by-side CPU ratios of the compare runs."""
    import re

    import pandas as pd

    parts = []
    for path in sorted(folder.glob("frontier_compare_L*_T*.csv")):
        rows = pd.read_csv(path).to_dict("records")
        names = list(dict.fromkeys(r["setting"] for r in rows))
        tag = path.stem.removeprefix("frontier_compare_").replace("_", " ")
        for name in names[1:]:
            text = compare_summary(rows, DEFAULT.name, name)
            m = re.search(r"cpu_s\s+ratio min ([\d.]+)\s+median ([\d.]+)\s+max ([\d.]+)", text)
            if m:
                parts.append(f"{tag} U=12 `{name}`: {m.group(2)}x ({m.group(1)}-{m.group(3)})")
    best = "goal 3x at equal accuracy not met" if parts else "no side-by-side runs"
    return (
        f"CPU speed-up over `{DEFAULT.name}`, side by side (median (min-max) over rep x seed): "
        + "; ".join(parts)
        + f"; {best} (equal accuracy: `{CHOSEN.name}`, see the tables) -> frontier.csv"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line (see module docstring)."""
    from mblbath.tebd.engine import blas_limit

    from . import frontier_report as report
    from .perf._common import write_csv

    args = _parse(argv)
    csv = _default_csv(args, "frontier")
    if args.table:
        text = report.markdown(report.load(csv))
        csv.with_suffix(".md").write_text(text + "\n")
        csv.with_suffix(".txt").write_text(_summary(csv.parent) + "\n")
        print(text)
        print(
            "\n**SEM of the disorder means** (median (90th percentile) over the fit windows, "
            f"t >= 1; from {args.aggregates.name}; n = 16 halves them):\n"
        )
        print("\n".join(report.sem_table(args.aggregates)))
        return 0
    if args.plot:
        for path in report.plot(report.load(csv), csv.with_suffix("")):
            print(f"wrote {path}")
        return 0
    if args.compare:
        chosen = [Setting.parse(x) for x in args.chosen.split(",")]
        seeds = [int(x) for x in args.seeds.split(",")]
        t0 = time.perf_counter()
        with blas_limit(1):
            _warm_up()
            rows = compare([DEFAULT, *chosen], args.L, 12.0, seeds, args.t_max, args.reps)
        out = _default_csv(args, f"frontier_compare_L{args.L}_T{args.t_max:g}")
        write_csv("frontier_compare", rows, out)
        for c in chosen:
            print(compare_summary(rows, DEFAULT.name, c.name))
        print(f"[{time.perf_counter() - t0:.0f} s] -> {out}")
        return 0
    parts = quick_design() if args.quick else design()
    if args.parts:
        wanted = set(args.parts.split(","))
        parts = [p for p in parts if p.name in wanted]
    rows: list[dict[str, Any]] = report.load(csv).to_dict("records") if args.resume else []
    done = {(r["part"], r["L"], r["U"], r["seed"], r["T"], r["setting"]) for r in rows}

    def emit(row: dict[str, Any]) -> None:
        rows.append(row)
        write_csv("frontier", rows, csv)
        errs = " ".join(
            f"{k[4:]}={row[k]:.1e}" for k in ("err_nc", "err_nd", "err_cdd", "err_S") if k in row
        )
        print(
            f"{row['part']} L{row['L']} U{row['U']:g} s{row['seed']} {row['setting']:44s} "
            f"{row['cpu_s']:7.1f} s chi {row.get('chi_peak', '-')} {errs}",
            flush=True,
        )

    t0 = time.perf_counter()
    with blas_limit(1):
        _warm_up()
        for part in parts:
            run_part(part, args.aggregates, emit, cache=csv.parent / "frontier_refs", done=done)
    print(f"[{time.perf_counter() - t0:.0f} s] -> {csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
