"""``mblbath calibrate``: refit the cost model to this machine's runs and test it on them.

1. Finds the finished TEBD runs under ``--root`` (:func:`mblbath.jobs.records.find_records`:
   Snakemake's ``benchmarks/tebd/**/*.tsv`` with the run files' ``chi(time, bond)``);
   with none, or with ``--measure``, adds the calibration measurement
   (:mod:`mblbath.jobs.calibrate_run`, about two minutes).
2. Fits the multipliers of the cost model's groups of terms (:mod:`mblbath.jobs.calibrate`)
   and writes the coefficients to ``results/calibration/<machine>.json``
   (:mod:`mblbath.jobs.calibration`), which ``mblbath estimate`` and the SLURM requests
   then use.
3. Predicts every run from the others (leave-one-out: coefficients refitted without it,
   its ``chi(t)`` from the other runs of its (model, U)) and writes the comparison as the
   ``calibration`` benchmark (``results/benchmarks/calibration.csv``, ``.txt``, ``.md``;
   ``python -m benchmarks readme`` puts it into benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
from pathlib import Path
from typing import Any

import numpy as np

from .calibrate import (
    GROUPS,
    apply_multipliers,
    constrained,
    fit_multipliers,
    leave_one_out,
    record_equation,
)
from .calibration import calibration_path, machine_name, save_calibration
from .cost import COEFFICIENTS, CostCoefficients
from .records import find_records

__all__ = ["TOLERANCE", "add_calibrate_parser", "calibrate", "calibrate_command"]

#: Held-out runs must be predicted within this factor (issue 22).
TOLERANCE = 1.5


def add_calibrate_parser(sub: Any) -> None:
    """The ``calibrate`` subcommand of ``mblbath`` (see module docstring)."""
    p = sub.add_parser(
        "calibrate",
        help="refit the TEBD cost model to this machine's runs (results/calibration/)",
        description=__doc__.split("\n\n")[0],
    )
    p.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the workflow's directory (results/, benchmarks/, logs/) (default: .)",
    )
    p.add_argument(
        "--target",
        choices=["cpu", "wall"],
        default="cpu",
        help="fit the benchmarks' cpu_time (a core of one's own) or s (wall) (default: cpu)",
    )
    p.add_argument(
        "--measure",
        action="store_true",
        help="also run the ~2 min calibration measurement (default: only without runs)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="calibration file (default: ROOT/results/calibration/<this machine>.json)",
    )
    p.add_argument(
        "--report-dir",
        type=Path,
        help="where calibration.csv/.txt/.md go (default: $MBLBATH_BENCH_RESULTS, else "
        "ROOT/results/benchmarks)",
    )


def calibrate_command(args: argparse.Namespace) -> int:
    """Run ``mblbath calibrate`` with parsed arguments; prints the summary."""
    result = calibrate(
        args.root, target=args.target, measure=args.measure, out=args.out, report=args.report_dir
    )
    print(result["text"])
    return 0


def cpu_model() -> str:
    """CPU model and core count of this machine (``/proc/cpuinfo``)."""
    name = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover - not Linux
        pass
    return f"{name or 'unknown CPU'}, {os.cpu_count()} cores"


def calibrate(
    root: str | os.PathLike = ".",
    *,
    target: str = "cpu",
    measure: bool = False,
    out: str | os.PathLike | None = None,
    report: str | os.PathLike | None = None,
    base: CostCoefficients = COEFFICIENTS,
) -> dict[str, Any]:
    """Fit, test and write the calibration (see module docstring); returns what it did.

    Returns
    -------
    dict
        ``coefficients``, ``multipliers`` (per group), ``constrained`` (per group),
        ``loo`` (rows of :func:`~.calibrate.leave_one_out`), ``path`` (the calibration file),
        ``text`` (the summary printed).
    """
    root = Path(root)
    records = find_records(root, target)
    points, order4, raw = [], None, []
    if measure or not records:
        from .calibrate_run import measure_points

        points, order4, raw = measure_points(base)
    eqs = [record_equation(r, base) for r in records] + points
    if not eqs:  # pragma: no cover - measure_points always adds equations
        raise ValueError("nothing to calibrate on")
    rho = fit_multipliers(eqs)
    path = Path(out) if out is not None else calibration_path(root)
    now = datetime.datetime.now(datetime.UTC)
    extra = {"order4_factor": float(f"{order4:.4g}")} if order4 else {}
    coeffs = apply_multipliers(
        base,
        rho,
        measured_on=now.date().isoformat(),
        machine=f"{cpu_model()} ({machine_name()}), calibrated on {len(records)} runs"
        + (f" + {len(points)} measured points" if points else ""),
        source=str(path),
        **extra,
    )
    loo = leave_one_out(records, base, points)
    fixed = constrained(eqs)
    info = {
        "calibrated_utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": target,
        "runs": len(records),
        "points": raw,
        "multipliers": dict(zip(GROUPS, map(float, rho), strict=True)),
        "constrained": fixed,
        "base": {"measured_on": base.measured_on, "machine": base.machine},
        "leave_one_out": loo,
    }
    save_calibration(path, coeffs, info)
    text = _summary(records, rho, fixed, loo, path, target, len(points))
    _write_report(Path(report) if report else _report_dir(root), loo, text)
    return {
        "coefficients": coeffs,
        "multipliers": info["multipliers"],
        "constrained": fixed,
        "loo": loo,
        "path": path,
        "text": text,
    }


def _report_dir(root: Path) -> Path:
    env = os.environ.get("MBLBATH_BENCH_RESULTS")
    return Path(env) if env else root / "results" / "benchmarks"


def held_out(loo: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The leave-one-out rows whose chi(t) came from other runs (the ones the test counts)."""
    return [r for r in loo if r["chi_from"] == "growth"]


def _summary(
    records: list, rho: np.ndarray, fixed: dict, loo: list, path: Path, target: str, n_pts: int
) -> str:
    mult = ", ".join(
        f"{g} x{r:.2f}" + ("" if fixed[g] else " (not constrained)")
        for g, r in zip(GROUPS, rho, strict=True)
    )
    parts = [
        f"{len(records)} runs ({target} time)"
        + (f" + {n_pts} measured points" if n_pts else "")
        + f": multipliers of the shipped model {mult}"
    ]
    rows = held_out(loo)
    if rows:
        ratios = np.array([r["ratio"] for r in rows])
        worst = float(np.max(np.maximum(ratios, 1.0 / ratios)))
        sat = np.array([r["saturated_ratio"] for r in rows])
        parts.append(
            f"{len(rows)} held-out runs predicted from the others (chi(t) of the other runs of "
            f"the same U): predicted/measured {ratios.min():.2f}..{ratios.max():.2f}, worst "
            f"factor {worst:.2f} ({'within' if worst <= TOLERANCE else 'NOT within'} "
            f"{TOLERANCE:g}x); saturated-chi bound {sat.min():.2f}..{sat.max():.2f}"
        )
    alone = len(loo) - len(rows)
    if alone:
        parts.append(f"{alone} runs without another run of their U (saturated bound only)")
    parts.append(f"-> {path}")
    return "; ".join(parts)


def _write_report(folder: Path, loo: list[dict[str, Any]], text: str) -> None:
    """``calibration.csv`` (rows + provenance), ``.txt`` (summary), ``.md`` (table)."""
    from ..io import git_commit

    folder.mkdir(parents=True, exist_ok=True)
    stamp = {
        "measured_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git_commit(),
        "machine": cpu_model(),
    }
    rows = [{**r, **stamp} for r in loo] or [stamp]
    with (folder / "calibration.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: f"{v:.6g}" if isinstance(v, float) else v for k, v in r.items()})
    (folder / "calibration.txt").write_text(f"[calibration] {text}\n")
    lines = [
        "Leave-one-out: each run predicted from the others alone (coefficients refitted "
        "without it; its chi(t) from the other runs of its U).",
        "",
        "| run | L | U | chi_max | measured s | predicted s | ratio | ratio, own chi(t) "
        "| ratio, saturated chi |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in loo:
        how = "" if r["chi_from"] == "growth" else " (no other run of this U: saturated)"
        lines.append(
            f"| {r['key'].split('/', 1)[-1]} | {r['L']} | {r['U']:g} | {r['chi_max']} "
            f"| {r['seconds']:.3g} | {r['predicted_s']:.3g}{how} | {r['ratio']:.2f} "
            f"| {r['own_ratio']:.2f} | {r['saturated_ratio']:.2f} |"
        )
    (folder / "calibration.md").write_text("\n".join(lines) + "\n")
