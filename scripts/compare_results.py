"""Compare two results trees (e.g. before and after a refactoring) number by number.

Usage::

    python scripts/compare_results.py A B [--rtol 1e-12] [--atol 0]

Every netCDF file under A must exist under B and the other way round. Their variables
and coordinates must have the same names, dimensions and values: numbers within
``|a - b| <= atol + rtol |b|`` (NaN where NaN), everything else (statuses) equal; their
attributes must be equal, except the provenance ones that differ between any two runs of
the same code (git commit, package versions, wall and run times, history). Markdown files
(``claims.md``) must have the same text except the git commit line. For each file it
prints the largest absolute difference of any variable; the exit status is 1 on any
mismatch, 0 otherwise. Figures are not compared (their bytes carry timestamps).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import xarray as xr

#: Attributes (of files and variables) that record how and when, not what.
PROVENANCE = re.compile(
    r"^(run_)?(git_commits?|version_.*|history|wall_time_s|cpu_time_s|runtime_seconds|date_.*)$"
)
#: Variables that hold provenance (per-run wall times of an aggregate).
PROVENANCE_VARS = {"wall_time_s"}
#: Lines of a Markdown report that hold provenance.
PROVENANCE_LINE = re.compile(r"^- git commit: ")


def _attrs(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if not PROVENANCE.match(k)}


def _same_value(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _diff_attrs(where: str, a: dict, b: dict) -> list[str]:
    a, b = _attrs(a), _attrs(b)
    out = [f"{where}: attribute {k} only in one file" for k in sorted(set(a) ^ set(b))]
    for k in sorted(set(a) & set(b)):
        if not _same_value(a[k], b[k]):
            out.append(f"{where}: attribute {k}: {a[k]!r} != {b[k]!r}")
    return out


def _compare_variable(name: str, a: xr.Variable, b: xr.Variable, rtol: float, atol: float):
    """(problems, largest absolute difference) of one variable."""
    if a.dims != b.dims or a.shape != b.shape:
        return [f"{name}: dims {a.dims}{a.shape} != {b.dims}{b.shape}"], np.nan
    problems = _diff_attrs(name, a.attrs, b.attrs)
    va, vb = a.values, b.values
    if va.dtype.kind in "biufc" and vb.dtype.kind in "biufc":
        va, vb = va.astype(float), vb.astype(float)
        nan_a, nan_b = np.isnan(va), np.isnan(vb)
        if not np.array_equal(nan_a, nan_b):
            problems.append(f"{name}: NaN at different places ({nan_a.sum()} vs {nan_b.sum()})")
            return problems, np.inf
        both = ~nan_a
        with np.errstate(invalid="ignore"):
            diff = np.abs(va[both] - vb[both])
            tol = atol + rtol * np.abs(vb[both])
        inf_a = np.isinf(va[both])
        same_inf = inf_a & (va[both] == vb[both])
        bad = ~((diff <= tol) | same_inf)
        d = float(np.where(same_inf, 0.0, diff).max()) if diff.size else 0.0
        if bad.any():
            problems.append(f"{name}: {int(bad.sum())} values differ, max |diff| = {d:.3g}")
        return problems, d
    if not np.array_equal(va.astype(str), vb.astype(str)):
        n = int((va.astype(str) != vb.astype(str)).sum())
        problems.append(f"{name}: {n} non-numeric values differ")
    return problems, 0.0


def compare_nc(a: Path, b: Path, rtol: float, atol: float) -> tuple[list[str], float, str]:
    """(problems, largest absolute difference, its variable) of two netCDF files."""
    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        da, db = da.load(), db.load()
    problems = _diff_attrs("file", da.attrs, db.attrs)
    names_a = set(da.variables) - PROVENANCE_VARS
    names_b = set(db.variables) - PROVENANCE_VARS
    problems += [f"variable {n} only in one file" for n in sorted(names_a ^ names_b)]
    worst, worst_name = 0.0, "-"
    for name in sorted(names_a & names_b):
        p, d = _compare_variable(name, da.variables[name], db.variables[name], rtol, atol)
        problems += p
        if not d <= worst:
            worst, worst_name = d, name
    return problems, worst, worst_name


def compare_text(a: Path, b: Path) -> list[str]:
    """Differing lines of two text files, provenance lines left out."""
    la = [x for x in a.read_text().splitlines() if not PROVENANCE_LINE.match(x)]
    lb = [x for x in b.read_text().splitlines() if not PROVENANCE_LINE.match(x)]
    if la == lb:
        return []
    if len(la) != len(lb):
        return [f"{len(la)} lines != {len(lb)} lines"]
    return [
        f"line {k + 1} differs: {x!r} != {y!r}"
        for k, (x, y) in enumerate(zip(la, lb, strict=True))
        if x != y
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("a", type=Path, help="first results folder")
    p.add_argument("b", type=Path, help="second results folder (reference of the tolerance)")
    p.add_argument("--rtol", type=float, default=1e-12, help="relative tolerance")
    p.add_argument("--atol", type=float, default=0.0, help="absolute tolerance")
    args = p.parse_args(argv)
    files = {
        f.relative_to(root)
        for root in (args.a, args.b)
        for f in root.rglob("*")
        if f.suffix in (".nc", ".md")
    }
    failed = 0
    for rel in sorted(files):
        fa, fb = args.a / rel, args.b / rel
        if not (fa.is_file() and fb.is_file()):
            print(f"MISSING {rel}: only in {args.a if fa.is_file() else args.b}")
            failed += 1
            continue
        if rel.suffix == ".nc":
            problems, worst, name = compare_nc(fa, fb, args.rtol, args.atol)
            summary = f"max |diff| = {worst:.3g} ({name})"
        else:
            problems, summary = compare_text(fa, fb), "text"
        print(f"{'DIFF' if problems else 'ok  '} {rel}: {summary}")
        for line in problems:
            print(f"     {line}")
        failed += bool(problems)
    print(f"{len(files)} files compared, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
