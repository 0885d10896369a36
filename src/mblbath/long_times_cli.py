"""``mblbath long-times exact|aggregate|observables|fit|figure``: the long-time branch.

The commands of the branch that asks whether the localised regime of arXiv:2109.07332 is
transient (workflow/rules/long_times.smk):

``exact``
    One exact run to long times: full diagonalisation of the (N_d, N_c = 1) sector
    (``--method eigh``, :mod:`mblbath.exact_diag`, which also stores the diagonal-ensemble
    densities ``n_c_inf``, ``n_d_inf``) or the Chebyshev propagator (``--method chebyshev``,
    :func:`mblbath.exact.sector_evolution`). Flags as ``mblbath exact``; the run file is
    that of every run (:func:`mblbath.io.run_dataset`).
``aggregate``
    Stack run files of one size (exact or TEBD) like ``mblbath aggregate``, keeping the
    diagonal-ensemble densities as ``n_c_inf(U, seed, site)``, ``n_d_inf(U, seed, site)``.
``observables``
    σ_c², I_d, S(L/2) and the return probability of every run of an aggregate
    (:mod:`mblbath.analysis.long_observables`).
``fit``
    The three late-time forms and their comparison (:mod:`mblbath.analysis.long_times`).
``figure``
    Fig. 5 (:mod:`mblbath.figures.fig5`).

The claims report reads the observables and fits through ``mblbath report --input
long_obs=... --input long_fit=...`` (:mod:`mblbath.report.long_times`).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .config import ParamTable

__all__ = ["add_parser", "main"]

log = logging.getLogger("mblbath")

_DE_VARIABLES = {
    "n_c_inf": "c-boson density in the diagonal ensemble (infinite-time average)",
    "n_d_inf": "d-boson density in the diagonal ensemble (infinite-time average)",
}


def add_parser(sub: Any, table: ParamTable) -> None:
    """Add ``long-times`` and its subcommands to the ``mblbath`` subparsers ``sub``."""
    from .cli import _add_config_hash_flag, _add_input_flag, _add_run_flags, _add_settings_flags
    from .cli_args import input_path

    top = sub.add_parser("long-times", help="the long-time branch (exact to t = 1e4, Fig. 5)")
    lt = top.add_subparsers(dest="lt_command", required=True)

    p = lt.add_parser("exact", help="exact run to long times (eigh or Chebyshev)")
    _add_run_flags(p, "exact", table)
    p.add_argument(
        "--method",
        choices=("eigh", "chebyshev"),
        required=True,
        help="full diagonalisation of the sector (any time is free) or the Chebyshev propagator",
    )
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (default: 1)")

    p = lt.add_parser("aggregate", help="stack run files of one size, diagonal ensemble kept")
    p.add_argument("runs", nargs="+", type=input_path, help="run files (mblbath long-times exact)")
    p.add_argument(
        "--U", nargs="*", type=float, help="U grid; a missing run is NaN (default: the runs' U)"
    )
    p.add_argument(
        "--n-seeds", type=int, help="seeds 0..n-1; a missing run is NaN (default: the runs' seeds)"
    )
    _add_config_hash_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")

    p = lt.add_parser("observables", help="sigma_c^2, I_d, S(L/2), return probability")
    p.add_argument("--agg", type=input_path, required=True, help="aggregate file of one size")
    p.add_argument("--source", required=True, help="name of the data source (recorded)")
    _add_config_hash_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")

    p = lt.add_parser("fit", help="log, power law, saturation: fits and comparison")
    _add_settings_flags(p)
    p.add_argument("--obs", type=input_path, required=True, help="observables file of one size")
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")

    p = lt.add_parser("figure", help="Fig. 5")
    _add_settings_flags(p)
    _add_input_flag(p, "input files by kind: long_obs, long_fit (default: none; the panels say so)")
    p.add_argument("--out-pdf", type=Path, required=True, help="output PDF")
    p.add_argument("--out-png", type=Path, required=True, help="output PNG")


def _cmd_exact(args: argparse.Namespace) -> int:
    import xarray as xr
    from threadpoolctl import threadpool_limits

    from .cli import _eps_for, _params_from_args
    from .config import ConfigError
    from .exact import sector_dimension, sector_evolution
    from .exact_diag import eigh_evolution
    from .io import run_dataset, write_atomic
    from .model import d_sites

    if args.threads < 1:
        raise ConfigError("parameter '--threads': must be >= 1")
    params = _params_from_args(args, "exact")
    eps = _eps_for(params, args.disorder)
    times = params.times()
    occ = d_sites(params.L, params.d_residue)
    log.info(
        "exact (%s) L=%d U=%g seed=%d, dimension %d, %d times to t = %g",
        args.method,
        params.L,
        params.U,
        params.seed,
        sector_dimension(params.L, len(occ)),
        times.size,
        params.t_max,
    )
    evolve = eigh_evolution if args.method == "eigh" else sector_evolution
    start = time.perf_counter()
    with threadpool_limits(args.threads):
        result = evolve(eps, params.U, params.td, params.tc, occ, params.c0, times)
    wall = time.perf_counter() - start
    name = "exact_eigh" if args.method == "eigh" else "exact_sector"
    ds = run_dataset(dict(result, times=times), params, eps, name, wall, args.config_hash, "exact")
    for key, long_name in _DE_VARIABLES.items():
        if key in result:
            ds[key] = xr.Variable(("site",), result[key], {"long_name": long_name, "units": "1"})
    write_atomic(ds, args.out)
    log.info("done in %.1f s -> %s", wall, args.out)
    return 0


def _cmd_aggregate(args: argparse.Namespace) -> int:
    import xarray as xr

    from .aggregate import aggregate_runs
    from .io import open_run, write_atomic

    seeds = range(args.n_seeds) if args.n_seeds is not None else None
    paths = [str(p) for p in args.runs]
    ds = aggregate_runs(paths, args.U or None, seeds, args.config_hash)
    for key, long_name in _DE_VARIABLES.items():
        arr = np.full((ds.sizes["U"], ds.sizes["seed"], ds.sizes["site"]), np.nan)
        found = False
        for p in paths:
            run = open_run(p)
            if key in run:
                iu = int(np.flatnonzero(np.isclose(ds["U"].values, float(run.attrs["U"])))[0])
                js = int(np.flatnonzero(ds["seed"].values == int(run.attrs["seed"]))[0])
                arr[iu, js] = run[key].values
                found = True
        if found:
            ds[key] = xr.Variable(
                ("U", "seed", "site"), arr, {"long_name": long_name, "units": "1"}
            )
    write_atomic(ds, args.out)
    log.info("aggregated %d runs -> %s", ds.attrs["n_runs"], args.out)
    return 0


def _cmd_observables(args: argparse.Namespace) -> int:
    from .analysis.long_observables import derived_observables
    from .io import open_result, provenance, write_atomic

    agg = open_result(args.agg)
    ds = derived_observables(agg, args.source)
    ds.attrs.update(provenance(args.config_hash))
    write_atomic(ds, args.out)
    return 0


def _cmd_fit(args: argparse.Namespace) -> int:
    from .analysis.long_times import fit_long_times
    from .cli import _settings
    from .config import config_hash
    from .io import open_result, provenance, write_atomic

    cfg = _settings(args)
    lt = cfg["long_times"]
    common = lt["common_t_max"] if lt["common_t_max"] is not None else lt["tebd_t_max"]
    obs = open_result(args.obs)
    ds = fit_long_times(obs, lt["fit_t_min"], common, lt["n_bootstrap"], lt["bootstrap_seed"])
    ds.attrs.update(provenance(config_hash(cfg)))
    write_atomic(ds, args.out)
    return 0


def _cmd_figure(args: argparse.Namespace) -> int:
    from .checksum import seal
    from .cli import _meta, _parse_inputs
    from .figures import fig5, style

    inputs = _parse_inputs(args.input)
    with style.context():
        fig = fig5.plot_files(inputs.get("long_obs", []), inputs.get("long_fit", []))
        style.save(fig, args.out_pdf, args.out_png, _meta(args), "fig5")
    seal(args.out_pdf)
    seal(args.out_png)
    return 0


_COMMANDS = {
    "exact": _cmd_exact,
    "aggregate": _cmd_aggregate,
    "observables": _cmd_observables,
    "fit": _cmd_fit,
    "figure": _cmd_figure,
}


def main(args: argparse.Namespace) -> int:
    """Run the ``long-times`` subcommand ``args.lt_command``."""
    return _COMMANDS[args.lt_command](args)
