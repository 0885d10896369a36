"""Checks of a command's files before any computation: each failure is one line naming it.

The CLI calls these before the first step, so a bad path costs nothing and shows no
traceback (``mblbath: error: ...``, exit status 2):

- :func:`check_output`: not a directory, and the parent exists or can be created, as a
  directory the user may write to;
- :func:`check_input`: exists, is a readable file, and matches its checksum
  (:func:`mblbath.checksum.verify`);
- :func:`read_disorder`: a disorder file of ``mblbath disorder`` (``eps(seed, site)`` and
  the attributes ``W``, ``L``, ``master_seed``) that opens, whatever is wrong with it;
- :func:`mblbath.tebd.checkpoint.check_checkpoint_path` (with the checkpoint format): the
  checkpoint path of ``mblbath run`` is neither the output nor the disorder file, and holds
  nothing but a mblbath checkpoint, so a run never overwrites or removes a file it did
  not write.

This module imports no physics, so that the code fingerprint of a command
(:mod:`mblbath.jobs.fingerprint`) does not change with the physics it does not run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from .checksum import DamagedFileError, verify
from .config import ConfigError, RunParams

__all__ = ["check_output", "check_input", "read_disorder"]

log = logging.getLogger(__name__)


def check_output(path: Path, flag: str = "--out") -> None:
    """Raise :class:`ConfigError` unless a file can be written at ``path``."""
    if path.is_dir():
        raise ConfigError(f"parameter '{flag}': {path} is a directory")
    parent = path.parent
    while not parent.exists():
        if parent.is_symlink():
            raise ConfigError(f"parameter '{flag}': {parent} is a broken symbolic link")
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"parameter '{flag}': {parent} is not a directory, cannot hold {path}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"parameter '{flag}': no permission to write in {parent}")


def check_input(path: Path, flag: str) -> None:
    """Raise :class:`ConfigError` unless ``path`` is a readable, intact file."""
    if not path.exists():
        raise ConfigError(f"parameter '{flag}': {path} does not exist")
    if not path.is_file():
        raise ConfigError(f"parameter '{flag}': {path} is not a file")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"parameter '{flag}': no permission to read {path}")
    try:
        if not verify(path):
            log.warning("%s has no checksum file (not written by mblbath?): read unverified", path)
    except DamagedFileError as exc:
        raise ConfigError(f"parameter '{flag}': {exc}") from None


def read_disorder(path: Path, params: RunParams) -> np.ndarray:
    """``eps`` of the run's seed from a disorder file, after checking it is one and that
    it was drawn with the run's ``W``, ``L`` and ``master_seed``."""
    import xarray as xr

    check_input(path, "--disorder")
    try:
        ds = xr.load_dataset(path)
    except Exception as exc:  # noqa: BLE001 - HDF5/netCDF raise many kinds; all mean unreadable
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"parameter '--disorder': {path} is not a readable netCDF file ({first})"
        ) from None
    missing = [k for k in ("W", "L", "master_seed") if k not in ds.attrs]
    if "eps" not in ds or ds["eps"].dims != ("seed", "site") or missing:
        raise ConfigError(
            f"parameter '--disorder': {path} is not a disorder file of mblbath disorder "
            "(needs eps(seed, site) and the attributes W, L, master_seed)"
        )
    for key in ("W", "L", "master_seed"):
        if not np.isclose(float(ds.attrs[key]), float(getattr(params, key))):
            raise ConfigError(
                f"parameter '--{key.replace('_', '-')}': {getattr(params, key)} differs from "
                f"{ds.attrs[key]} in the disorder file {path}"
            )
    if params.seed not in ds["seed"].values:
        raise ConfigError(f"parameter '--seed': {params.seed} is not in {path}")
    return ds["eps"].sel(seed=params.seed).values.copy()
