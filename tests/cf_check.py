"""CF-1.8 checks shared by the tests: the units rule, and compliance-checker (PyPI) itself.

``cf_units_problems`` checks what ``mblbath.cf`` promises of a Dataset in memory: every
numeric variable has a ``long_name`` and ``units`` that UDUNITS (cf_units) reads, string
variables have no units. ``checker_problems`` runs ``compliance-checker --test=cf:1.8`` (the
command line a user runs) on files and returns every check it failed, at any priority
(its "Errors", "Warnings" and suggestions), per file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

CHECKER = str(Path(sys.executable).with_name("compliance-checker"))
_PRIORITIES = ("high_priorities", "medium_priorities", "low_priorities")


def cf_units_problems(ds: xr.Dataset) -> list[str]:
    """Variables whose ``units``/``long_name`` break the CF units rule of :mod:`mblbath.cf`."""
    import cf_units

    out = []
    for name, var in ds.variables.items():
        if "long_name" not in var.attrs:
            out.append(f"{name}: no long_name")
        if var.dtype.kind in "OSU":
            if "units" in var.attrs:
                out.append(f"{name}: a string variable with units {var.attrs['units']!r}")
            continue
        if "units" not in var.attrs:
            out.append(f"{name}: no units")
            continue
        try:
            cf_units.Unit(var.attrs["units"])
        except ValueError:
            out.append(f"{name}: units {var.attrs['units']!r} are not UDUNITS")
    return out


def checker_problems(paths: Sequence[str | Path], tmp: Path) -> dict[str, list[str]]:
    """``{path: [failed check messages]}`` of compliance-checker's CF-1.8 test (one call)."""
    paths = [str(p) for p in paths]
    report = tmp / "cf_report.json"
    proc = subprocess.run(
        [CHECKER, "--test=cf:1.8", "--format=json_new", "-o", str(report), *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not report.is_file():
        raise AssertionError(f"compliance-checker wrote no report:\n{proc.stdout}\n{proc.stderr}")
    results = json.loads(report.read_text())
    out = {}
    for path in paths:
        res = results[path]["cf:1.8"]
        msgs = [
            f"{check['name']}: {msg}"
            for key in _PRIORITIES
            for check in res[key]
            if check["value"][0] < check["value"][1]
            for msg in check["msgs"] or ["(no message)"]
        ]
        out[path] = msgs
    return out
