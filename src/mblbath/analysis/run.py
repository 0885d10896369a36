"""Glue between the validated config and the analysis functions (one call per fit rule).

Each fit reads its inputs, calls the tested function of :mod:`mblbath.analysis` or
:mod:`mblbath.criterion` (or :mod:`.choices`) with the config's settings, stamps
provenance and writes one netCDF file atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..config import config_hash
from ..io import open_result, provenance, write_atomic

__all__ = ["run_fit"]


def _need(path: Path | None, flag: str, what: str) -> xr.Dataset:
    if path is None:
        raise ValueError(f"mblbath fit {what} needs {flag}")
    return open_result(path)


def run_fit(what: str, cfg: dict, agg: Path | None, nc_fit: Path | None, out: Path) -> Path:
    """Compute fit ``what`` (nc, lc, ld, entanglement, criterion, choices); write it to ``out``."""
    from .. import criterion
    from . import ell_d, entanglement, profile, saturation

    an = cfg["analysis"]
    if what == "choices":
        from .choices import measure_choices

        ds = measure_choices(cfg)
    elif what == "criterion":
        cr = cfg["criterion"]
        ds = criterion.compute_criterion(
            W_grid=np.linspace(cr["W_min"], cr["W_max"], cr["n_W"]),
            U_grid=np.linspace(0.0, cr["U_max"], cr["n_U"])[1:],
            L=cr["L"],
            n_real=cr["n_real"],
            seed=cfg["master_seed"],
            td=cfg["model"]["td"],
            tc=cfg["model"]["tc"],
            d_residue=cfg["model"]["d_residue"],
            x_small=cr["x_small"],
            n_real_small=cr["n_real_small"],
        )
    elif what == "lc":
        nc = _need(nc_fit, "--nc-fit", what)
        ds = saturation.fit_lc(nc, an["fit_t_min"], int(nc.attrs["L"]))
    else:
        data = _need(agg, "--agg", what)
        # The fits skip runs flagged converged = 0 themselves and record that they did.
        skip = {"exclude_unconverged": an["exclude_unconverged"]}
        boot = (an["fit_t_min"], an["n_bootstrap"], an["bootstrap_seed"])
        if what == "nc":
            ds = profile.fit_nc(data, *boot, **skip)
        elif what == "ld":
            ds = ell_d.fit_ld(data, *boot, **skip, average=an["ell_d_average"])
        elif what == "entanglement":
            nc = _need(nc_fit, "--nc-fit", what)
            t_ent = an["t_ent"] if an["t_ent"] is not None else float(data["time"].values[-1])
            ds = entanglement.fit_entanglement(data, nc, an["fit_t_min"], t_ent, **skip)
        else:
            raise ValueError(f"unknown fit {what!r}")
        for key in ("n_runs", "n_missing", "n_unconverged", "numerics"):
            if key in data.attrs:
                ds.attrs[f"input_{key}"] = data.attrs[key]
    ds.attrs.update(provenance(config_hash(cfg)))
    return write_atomic(ds, out)
