"""netCDF schema of one run, atomic writes and provenance.

One run file (CF-style) holds

- dims ``time``, ``site`` (0..L-1), ``site2`` (0..L-1), ``bond`` (1..L-1);
- ``eps(site)``, ``n_c(time, site)``, ``n_d(time, site)``, ``C_dd(time, site, site2)``
  (connected), ``S(time, bond)``, ``trunc_err(time)``, ``chi(time, bond)``,
  ``chi_max_reached(time)``, ``n_d_total(time)``, ``n_c_total(time)``;
- coords ``time``, ``site``, ``bond``, ``x(site) = site - c_site``;
- attrs: every model and numerical parameter, the seed, the initial-state choice, units,
  package versions, git commit, config hash, ``method`` (tebd / exact_sector /
  free_fermion), ``max_trunc_err``, ``converged`` (1/0), ``finished`` (1, set only when the
  run reached t_max), ``schema_version``, and ``wall_time_s`` (the only non-reproducible
  attribute, so comparisons of two runs ignore it).

Writing (:func:`write_atomic`): a temporary file in the target folder, its checksum
sidecar, then a rename, so a reader never sees a half-written file or a file without its
checksum, and a failed write (a full disk) leaves the previous file as it was and raises
:class:`WriteError` naming the path and the free space. Files get the mode the user's
umask gives a new file.

Checksums (:mod:`mblbath.checksum`): every file the pipeline writes has a sha256 sidecar
``F.sha256``, verified in full whenever the file is read as an input. A sidecar rather
than a content hash in a netCDF attribute, because

- the workflow checks every result file each time it builds the DAG (the paper config
  has 900 run files of about 2 MB): with the size recorded in the sidecar, a truncated
  file is found from two ``stat`` calls and a 100-byte read, without opening the
  netCDF/HDF5 file (an attribute needs an HDF5 open per file, and its hash the data);
  the sha256 is recomputed only for files modified after they were sealed (mtime), so a
  DAG check of 900 intact files takes a fraction of a second instead of hashing 1.8 GB;
- it covers every format alike (netCDF, PDF, PNG, markdown) and hashes the bytes on disk,
  not a re-serialisation of the data, so any damage, also to HDF5 metadata, is seen;
- ``sha256sum -c`` checks it by hand.

Every file mblbath writes goes through :func:`write_atomic`, which makes it CF-1.8
(:mod:`mblbath.cf`: units UDUNITS reads, global attributes, no ``_FillValue`` on
coordinates). On disk the time axis is called ``t`` (CF tools read ``time`` as calendar
time); :func:`open_result` and :func:`open_run` name it ``time`` again.
"""

from __future__ import annotations

import errno
import importlib.metadata
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from . import __version__, cf
from .checksum import DamagedFileError, seal, umask_mode, verify
from .config import RunParams

__all__ = [
    "SCHEMA_VERSION",
    "VARIABLES",
    "package_versions",
    "git_commit",
    "provenance",
    "run_dataset",
    "write_atomic",
    "open_result",
    "open_run",
    "RunFileError",
    "WriteError",
    "free_space",
]


class RunFileError(ValueError):
    """A result file is missing, unreadable, or of another schema version."""


class WriteError(OSError):
    """A result file could not be written (full disk, say); the previous file is intact."""


#: Version of the run-file layout; run files of another version are refused (2: CF-1.8,
#: ``N_d``/``N_c`` renamed ``n_d_total``/``n_c_total``, the time axis ``t`` on disk).
SCHEMA_VERSION = 2

#: (dims, long_name, units) of every data variable a run file may hold.
VARIABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "eps": (("site",), "on-site potential of the d-bosons", "hopping"),
    "n_c": (("time", "site"), "c-boson density <n_c,i>", "1"),
    "n_d": (("time", "site"), "d-boson density <n_d,i>", "1"),
    "C_dd": (
        ("time", "site", "site2"),
        "connected d-d density correlation <n_d,i n_d,j> - <n_d,i><n_d,j> "
        "(NaN: not measured at this time, see cdd_every)",
        "1",
    ),
    "S": (
        ("time", "bond"),
        "von Neumann entanglement entropy of sites 0..bond-1 (in nats)",
        "nat",
    ),
    "trunc_err": (("time",), "accumulated truncation error (discarded weight)", "1"),
    "chi": (("time", "bond"), "MPS bond dimension", "1"),
    "chi_max_reached": (("time",), "largest MPS bond dimension", "1"),
    "n_d_total": (("time",), "total number of d-bosons", "1"),
    "n_c_total": (("time",), "total number of c-bosons", "1"),
}

#: Keys of the result dicts of :mod:`mblbath.exact` -> names in the run file (CF: no two
#: names that differ only in case, like ``n_c`` and ``N_c``).
_RESULT_NAMES = {"N_d": "n_d_total", "N_c": "n_c_total"}

_PACKAGES = ("mblbath", "physics-tenpy", "numpy", "scipy", "xarray", "netCDF4", "pandas")

#: The CF ``source`` of a run file, by ``method``.
_SOURCES = {
    "tebd": "TEBD of Eq. (1) on a U(1) x U(1) symmetric MPS (TeNPy)",
    "exact_sector": "exact evolution in the (N_d, N_c = 1) sector (sparse Hamiltonian)",
    "free_fermion": "exact free-fermion evolution (U = 0)",
}


def package_versions() -> dict[str, str]:
    """Versions of the packages that produced a result, as ``version_<name>`` attributes."""
    # mblbath's own version from the source that runs: a rule runs the repository's src/,
    # which need not be installed (workflow/rules/common.smk).
    out = {"version_mblbath": __version__}
    for pkg in _PACKAGES[1:]:
        try:
            out[f"version_{pkg.replace('-', '_')}"] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[f"version_{pkg.replace('-', '_')}"] = "not installed"
    return out


@cache
def git_commit() -> str:
    """Commit of the mblbath source tree (``+dirty`` if modified), or ``unknown``."""
    src = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("+dirty" if dirty else "")


def provenance(config_hash: str | None = None) -> dict[str, str]:
    """Attributes that say how a result was made."""
    out = {"git_commit": git_commit(), "schema_version": SCHEMA_VERSION}
    if config_hash:
        out["config_hash"] = config_hash
    out.update(package_versions())
    return out


def run_dataset(
    result: Mapping[str, np.ndarray],
    params: RunParams,
    eps: np.ndarray,
    method: str,
    wall_time_s: float,
    config_hash: str | None = None,
    rule: str = "tebd",
) -> xr.Dataset:
    """Build the run file's Dataset from a result dict of :func:`mblbath.tebd.evolve.run_tebd`
    or :mod:`mblbath.exact` (missing keys such as ``chi`` are simply absent).

    The attributes hold the parameters ``rule`` uses (``exact``: the model and the time grid,
    no TEBD settings and no ``numerics`` name) and the run's provenance.
    """
    L = params.L
    times = np.asarray(result["times"], dtype=float)
    data = {_RESULT_NAMES.get(k, k): v for k, v in result.items()}
    data["eps"] = np.asarray(eps, dtype=float)
    if "n_d_total" not in data:
        data["n_d_total"] = np.asarray(result["n_d"]).sum(axis=-1)
    if "n_c_total" not in data:
        data["n_c_total"] = np.asarray(result["n_c"]).sum(axis=-1)
    if "chi" in data:
        data["chi_max_reached"] = np.asarray(data["chi"]).max(axis=-1)
    variables = {}
    for name, (dims, long_name, units) in VARIABLES.items():
        if name in data:
            variables[name] = (
                dims,
                np.asarray(data[name]),
                {"long_name": long_name, **cf.unit_attrs(units)},
            )
    coords = {
        "time": ("time", times, {"long_name": "time", **cf.unit_attrs("hopping times")}),
        "site": ("site", np.arange(L), {"long_name": "lattice site", "units": "1"}),
        "site2": ("site2", np.arange(L), {"long_name": "lattice site", "units": "1"}),
        "bond": (
            "bond",
            np.arange(1, L),
            {"long_name": "bond b between sites b-1 and b", "units": "1"},
        ),
        "x": (
            "site",
            np.arange(L) - params.c0,
            {
                "long_name": "distance from the c-boson's initial site",
                **cf.unit_attrs("lattice spacings"),
            },
        ),
    }
    trunc = np.asarray(result.get("trunc_err", np.zeros(len(times))))
    max_trunc = float(trunc.max()) if trunc.size else 0.0
    attrs: dict[str, Any] = {
        "title": "Anderson insulator coupled to a clean mobile boson (arXiv:2109.07332, Eq. 1)",
        "method": method,
        "source": f"mblbath {__version__}: {_SOURCES.get(method, method)}",
        "units": "energies in units of the hopping, times in hopping times",
        **params.as_attrs(rule),
        "nu_d": "1/3",
        "initial_state": (
            f"d-bosons on sites i % 3 == {params.d_residue}, c-boson on site {params.c0}"
        ),
        **({"numerics": params.numerics} if rule == "tebd" else {}),
        "max_trunc_err": max_trunc,
        "converged": int(max_trunc <= params.trunc_err_max),
        "finished": int(np.isclose(times[-1], params.t_max)),
        **provenance(config_hash),
        "wall_time_s": float(wall_time_s),
    }
    attrs = {k: (v if not isinstance(v, bool) else int(v)) for k, v in attrs.items()}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def free_space(path: str | os.PathLike) -> str:
    """Free space on the file system holding ``path`` (or its nearest existing parent)."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return "unknown free space"
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if free < 1000 or unit == "TB":
            return f"{free:.0f} {unit} free" if unit == "bytes" else f"{free:.1f} {unit} free"
        free /= 1000
    return ""  # not reached


def write_atomic(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to netCDF at ``path`` with its checksum sidecar (see the module doc).

    The file is CF-1.8 (:func:`mblbath.cf.to_file`: units, ``t`` for the time axis, global
    attributes with the :func:`provenance` keys ``ds`` lacks); ``ds`` itself is unchanged.
    Raises :class:`WriteError` naming ``path`` and the free space if the file system
    refuses the write; the previous file at ``path`` (if any) is then unchanged.
    """
    path = Path(path)
    on_disk, encoding = cf.to_file(ds, provenance())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        on_disk.to_netcdf(tmp, engine="netcdf4", encoding=encoding)
        os.chmod(tmp, umask_mode())
        seal(tmp, name=path)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(_write_failure(path, exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_failure(path: Path, exc: BaseException) -> str:
    """One line: which file, why, how much space is left, and that nothing was lost."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno > 0:
        why = f"{os.strerror(exc.errno)} ({errno.errorcode.get(exc.errno, exc.errno)})"
    else:
        why = str(exc) or type(exc).__name__
    kept = "the previous file is unchanged" if path.exists() else "nothing was written"
    return f"cannot write {path}: {why}; {free_space(path.parent)} there; {kept}"


def open_result(path: str | os.PathLike) -> xr.Dataset:
    """Load a file mblbath wrote (fully, the file is closed), with its time axis named
    ``time`` as in memory (:func:`mblbath.cf.from_file`)."""
    return cf.from_file(xr.load_dataset(path, engine="netcdf4"))


def open_run(path: str | os.PathLike) -> xr.Dataset:
    """Open a run file and check it is one of ours, intact, of the current schema version.

    Its checksum is verified first (:func:`mblbath.checksum.verify`; a file without a
    sidecar is read as it is).
    """
    try:
        verify(path)
    except DamagedFileError as exc:
        raise RunFileError(str(exc)) from None
    try:
        ds = open_result(path)
    except (OSError, ValueError, RuntimeError) as exc:
        raise RunFileError(f"{path}: cannot be read as netCDF ({exc})") from None
    version = ds.attrs.get("schema_version")
    if version != SCHEMA_VERSION:
        found = "no schema_version" if version is None else f"schema_version {version}"
        raise RunFileError(
            f"{path}: a run file of {found}, but this mblbath reads version "
            f"{SCHEMA_VERSION}; delete the file and compute it again (Snakemake reruns "
            "missing runs)"
        )
    return ds
