"""A machine's calibrated cost coefficients: where they are kept and which ones are in use.

``mblbath calibrate`` (:mod:`mblbath.jobs.calibrate_cli`) fits the step-cost coefficients
of :mod:`mblbath.jobs.cost` to the runs this checkout has made and writes them to
``results/calibration/<machine>.json`` (:func:`calibration_path`; ``<machine>`` is the
host name). There, and not in the package, because

- they describe a machine, not the code: ``results/`` is not under version control, so
  a checkout on another machine (where the shipped coefficients were 2x off) never
  inherits them;
- they sit next to the runs (``results/runs``) and benchmarks they were fitted to, in the
  directory the workflow runs in, where Snakemake's resource functions look for them.

:func:`active_coefficients` is what ``mblbath estimate``, the capacity warnings and the
SLURM requests (:func:`mblbath.jobs.slurm.tebd_resources`) use: this machine's calibration
if the file exists and is valid, else the reference calibration shipped with the package
(:data:`REFERENCE_CALIBRATION`: ``mblbath calibrate`` on a 2-core VM with the pipeline's
engine, ~3x faster than the raw coefficients, which were fitted to TeNPy's own engine),
else the raw :data:`~mblbath.jobs.cost.COEFFICIENTS`. The environment variable
``MBLBATH_CALIBRATION`` overrides the choice: a path names the file to use, ``shipped``
the raw coefficients.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
from dataclasses import fields
from pathlib import Path
from typing import Any

from .cost import COEFFICIENTS, CostCoefficients

__all__ = [
    "CALIBRATION_DIR",
    "ENV_VAR",
    "machine_name",
    "calibration_path",
    "save_calibration",
    "load_calibration",
    "active_coefficients",
    "reference_coefficients",
    "REFERENCE_CALIBRATION",
]

log = logging.getLogger(__name__)

#: Folder of the calibration files, relative to the workflow's directory.
CALIBRATION_DIR = Path("results") / "calibration"
#: Calibration of the reference machine, used where this machine has none.
REFERENCE_CALIBRATION = Path(__file__).with_name("reference_calibration.json")
#: Environment variable naming the calibration file to use (``shipped``: none).
ENV_VAR = "MBLBATH_CALIBRATION"


def machine_name() -> str:
    """This machine's name in file names: the host name up to its first dot, sanitised."""
    name = socket.gethostname().split(".")[0] or "localhost"
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def calibration_path(root: str | os.PathLike = ".", machine: str | None = None) -> Path:
    """``<root>/results/calibration/<machine>.json`` (default machine: this one)."""
    return Path(root) / CALIBRATION_DIR / f"{machine or machine_name()}.json"


def save_calibration(path: str | os.PathLike, coeffs: CostCoefficients, info: dict) -> Path:
    """Write the coefficients and what they rest on (``info``) as JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"coefficients": coeffs.as_dict(), **info}, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def load_calibration(path: str | os.PathLike) -> CostCoefficients | None:
    """The coefficients of a calibration file; None (and a warning) if it is not valid."""
    try:
        raw: Any = json.loads(Path(path).read_text())
        values = raw["coefficients"]
        names = {f.name for f in fields(CostCoefficients)}
        coeffs = CostCoefficients(**{k: v for k, v in values.items() if k in names})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the calibration file %s (%s): shipped coefficients used", path, exc)
        return None
    bad = [f.name for f in fields(coeffs) if isinstance(getattr(coeffs, f.name), float)]
    if any(not getattr(coeffs, n) >= 0 for n in bad):
        log.warning("ignoring the calibration file %s (negative or NaN coefficient)", path)
        return None
    return coeffs


_CACHE: dict[Path, tuple[int, CostCoefficients]] = {}


def active_coefficients(root: str | os.PathLike = ".") -> CostCoefficients:
    """This machine's calibrated coefficients under ``root`` if present, else the shipped ones.

    ``$MBLBATH_CALIBRATION`` overrides: a file to use instead, or ``shipped``. Read once per
    file version (cached by modification time): Snakemake calls the resource functions for
    every job of a plan.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env == "shipped":
        return COEFFICIENTS
    path = (Path(env) if env else calibration_path(root)).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return reference_coefficients() if not env else COEFFICIENTS
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    coeffs = load_calibration(path) or COEFFICIENTS
    _CACHE[path] = (mtime, coeffs)
    return coeffs


def reference_coefficients() -> CostCoefficients:
    """The reference machine's calibration (:data:`REFERENCE_CALIBRATION`), else the raw
    :data:`~mblbath.jobs.cost.COEFFICIENTS` if that file is missing or invalid."""
    hit = _CACHE.get(REFERENCE_CALIBRATION)
    if hit is None:
        hit = (0, load_calibration(REFERENCE_CALIBRATION) or COEFFICIENTS)
        _CACHE[REFERENCE_CALIBRATION] = hit
    return hit[1]
