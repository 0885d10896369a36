"""TEBD vs exact: the largest deviations of every observable, per (U, seed, time).

Thresholds (DESIGN.md): max |dn| <= 1e-5 and max |dS| <= 1e-4 at converged chi with the
accurate setting (Trotter order 4, dt = 0.05). A cheaper production setting is allowed, but
then this comparison is what shows its error: ``passed = 0`` is a measurement, not a crash.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from . import cf
from .config import RUN_COORDS, TABLE
from .config.derived import trotter_order
from .io import open_run, provenance

__all__ = ["TOL_N", "TOL_S", "compare_runs"]

TOL_N = 1e-5
TOL_S = 1e-4

#: Attributes a TEBD run and its exact reference must share: the run's coordinates and
#: every parameter of the exact reference (the model and the time grid).
_SHARED_KEYS = (*RUN_COORDS, *TABLE.run_keys("exact"))


def compare_runs(
    tebd_paths: Sequence[str], exact_paths: Sequence[str], config_hash: str | None = None
) -> xr.Dataset:
    """Pair TEBD and exact run files by (U, seed) and record max |difference| vs time."""
    tebd = {(float(d.attrs["U"]), int(d.attrs["seed"])): d for d in map(open_run, tebd_paths)}
    exact = {(float(d.attrs["U"]), int(d.attrs["seed"])): d for d in map(open_run, exact_paths)}
    if set(tebd) != set(exact):
        raise ValueError(f"TEBD runs {sorted(tebd)} and exact runs {sorted(exact)} do not pair up")
    Us = sorted({k[0] for k in tebd})
    seeds = sorted({k[1] for k in tebd})
    ref = next(iter(tebd.values()))
    times = ref["time"].values
    out = {
        k: np.full((len(Us), len(seeds), len(times)), np.nan)
        for k in ("dn_c", "dn_d", "dS", "dC_dd")
    }
    methods = set()
    for key, a in tebd.items():
        b = exact[key]
        for attr in _SHARED_KEYS:
            if a.attrs.get(attr) != b.attrs.get(attr):
                raise ValueError(f"TEBD and exact run for U, seed = {key} differ in {attr}")
        if not np.allclose(a["time"].values, b["time"].values):
            raise ValueError(f"TEBD and exact run for U, seed = {key} have different time grids")
        i, j = Us.index(key[0]), seeds.index(key[1])
        out["dn_c"][i, j] = np.abs(a["n_c"] - b["n_c"]).max("site").values
        out["dn_d"][i, j] = np.abs(a["n_d"] - b["n_d"]).max("site").values
        out["dS"][i, j] = np.abs(a["S"] - b["S"]).max("bond").values
        out["dC_dd"][i, j] = np.abs(a["C_dd"] - b["C_dd"]).max(("site", "site2")).values
        methods.add(b.attrs["method"])
    long = {
        "dn_c": "max over sites of |n_c(TEBD) - n_c(exact)|",
        "dn_d": "max over sites of |n_d(TEBD) - n_d(exact)|",
        "dS": "max over bonds of |S(TEBD) - S(exact)| (entanglement entropy, in nats)",
        "dC_dd": "max over site pairs of |C_dd(TEBD) - C_dd(exact)|",
    }
    data = {
        k: (
            ("U", "seed", "time"),
            v,
            {"long_name": long[k], **cf.unit_attrs("nat" if k == "dS" else "1")},
        )
        for k, v in out.items()
    }
    max_n_c, max_n_d, max_S = (float(np.nanmax(out[k])) for k in ("dn_c", "dn_d", "dS"))
    attrs = {
        "title": "TEBD runs against exact references: largest deviations per (U, seed, time)",
        "L": int(ref.attrs["L"]),
        "numerics": ref.attrs["numerics"],
        "chi_max": int(ref.attrs["chi_max"]),
        "order": trotter_order(ref.attrs["order"]),
        "dt": float(ref.attrs["dt"]),
        "reference": " + ".join(sorted(methods)),
        "max_dn_c": max_n_c,
        "max_dn_d": max_n_d,
        "max_dS": max_S,
        "tol_n": TOL_N,
        "tol_S": TOL_S,
        "passed": int(max(max_n_c, max_n_d) <= TOL_N and max_S <= TOL_S),
        **provenance(config_hash),
    }
    coords = {
        "U": ("U", np.asarray(Us), {"long_name": "c-d interaction U", **cf.unit_attrs("hopping")}),
        "seed": ("seed", np.asarray(seeds, dtype=np.int64), {"long_name": "disorder realisation"}),
        "time": ("time", times, {"long_name": "time", **cf.unit_attrs("hopping times")}),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
