"""Command line: ``mblbath run|exact|disorder|aggregate|validate|fit|figure|report|estimate``
and ``mblbath long-times ...`` (the long-time branch, :mod:`mblbath.long_times_cli`).

The parameter flags of ``run``, ``exact`` and ``disorder`` are generated from the config
schema (:data:`mblbath.config.TABLE`): one per key the matching rule uses, named after it
(``--chi-max`` is ``numerics.chi_max``), with its description and default as help. A flag
not given takes its value from ``--config FILE``, else the schema default. Values are
validated by the same schema as the Snakemake config before anything is computed; a bad
value stops the command with a message naming the flag (exit code 2).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .config import (
    TABLE,
    ConfigError,
    Param,
    ParamTable,
    RunParams,
    config_hash,
    load_config,
    run_params,
    run_values,
    validate_config,
)

__all__ = ["main", "build_parser"]

log = logging.getLogger("mblbath")


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _parse_bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _flag_type(param: Param) -> Callable[[str], Any]:
    """How argparse reads the flag of ``param`` (JSON for a type the CLI has no parser for)."""
    readers = {float: _finite_float, int: int, bool: _parse_bool, str: str}
    return readers.get(param.pytype, json.loads)


def _add_param_flags(p: argparse.ArgumentParser, rule: str, table: ParamTable) -> None:
    """One flag per key ``rule`` uses: ``--chi-max``, help from the schema, its default.

    The flags default to None (not given), so that ``--config FILE`` and then the schema
    default apply (:func:`_params_from_args`); the help shows the schema default.
    """
    for param in table.used_by(rule):
        text = f"{param.description} (default: {json.dumps(param.default)})"
        p.add_argument(
            param.flag,
            dest=param.name,
            type=_flag_type(param),
            help=text.replace("%", "%%"),
        )


def _add_run_flags(p: argparse.ArgumentParser, rule: str, table: ParamTable) -> None:
    p.add_argument("--config", type=Path, help="take defaults from this config file")
    p.add_argument("--L", type=int, required=True, help="number of sites (multiple of 3)")
    p.add_argument("--U", type=_finite_float, required=True, help="c-d interaction")
    p.add_argument("--seed", type=int, required=True, help="disorder realisation")
    p.add_argument(
        "--disorder",
        type=Path,
        help="read eps from this disorder file (mblbath disorder); default: draw it",
    )
    _add_param_flags(p, rule, table)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")
    p.add_argument("--config-hash", help="hash of the pipeline config (recorded)")


def _add_settings_flags(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", type=Path, help="config file (validated; defaults filled)")
    src.add_argument(
        "--settings",
        help='config sections as JSON, e.g. \'{"analysis": {"fit_t_min": 1}}\' (validated)',
    )


def _settings(args: argparse.Namespace) -> dict:
    """The validated config from --config or --settings (schema defaults for the rest).

    ``--settings`` holds the keys one rule uses (:func:`mblbath.config.rule_settings`): the
    checks across keys apply only among the keys it gives.
    """
    if args.config is not None:
        return load_config(args.config)
    raw = {}
    if args.settings:
        try:
            raw = json.loads(args.settings)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"parameter '--settings': not valid JSON ({exc})") from None
    return validate_config(raw, partial=True)


def build_parser(table: ParamTable = TABLE) -> argparse.ArgumentParser:
    """The argument parser; the parameter flags come from ``table`` (the schema's)."""
    parser = argparse.ArgumentParser(prog="mblbath", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mblbath {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run_parser(sub, table)
    _add_exact_parser(sub, table)
    _add_disorder_parser(sub, table)
    _add_data_parsers(sub)
    _add_output_parsers(sub)
    _add_estimate_parser(sub)
    from .long_times_cli import add_parser as add_long_times_parser

    add_long_times_parser(sub, table)
    return parser


def _add_run_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("run", help="TEBD run of one (L, U, seed)")
    _add_run_flags(p, "tebd", table)
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="checkpoint file (default: OUT.ckpt next to the output); a rerun resumes from it",
    )
    p.add_argument(
        "--checkpoint-every",
        type=_finite_float,
        default=10.0,
        metavar="MINUTES",
        help="minimal wall time between periodic checkpoints (default 10; 0: every measurement)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="update the bonds of a Trotter layer on N threads (default 1: sequential); "
        "BLAS gets cores // N threads each",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on a terminal")


def _add_exact_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("exact", help="exact reference run (sector evolution or free fermions)")
    _add_run_flags(p, "exact", table)
    p.add_argument(
        "--method",
        choices=("auto", "sector", "free"),
        default="auto",
        help="free fermions (U = 0 only), exact sector evolution, or auto (free if U = 0)",
    )


def _add_disorder_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("disorder", help="write eps(seed, site) of one size to netCDF")
    p.add_argument("--config", type=Path, help="take defaults from this config file")
    p.add_argument("--L", type=int, required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--n-seeds", type=int, help="seeds 0 .. n-1")
    which.add_argument("--seeds", type=int, nargs="+", help="these seeds")
    which.add_argument("--merge", type=Path, nargs="+", help="merge one-seed disorder files")
    _add_param_flags(p, "sample_disorder", table)
    p.add_argument("--out", type=Path, required=True)


def _add_data_parsers(sub: Any) -> None:
    """``aggregate``, ``validate`` and ``fit``."""
    p = sub.add_parser("aggregate", help="stack run files of one (numerics, L)")
    p.add_argument("runs", nargs="+", type=Path)
    p.add_argument("--U", nargs="*", type=_finite_float, help="U grid (missing runs -> NaN)")
    p.add_argument("--n-seeds", type=int, help="seeds 0..n-1 (missing runs -> NaN)")
    p.add_argument("--disorder", type=Path, help="check every run's eps against this file")
    p.add_argument("--config-hash")
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("validate", help="compare TEBD runs with exact references")
    p.add_argument("--tebd", nargs="+", type=Path, required=True)
    p.add_argument("--exact", nargs="+", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("fit", help="fit one quantity (see mblbath.analysis)")
    p.add_argument("what", choices=("nc", "lc", "ld", "entanglement", "criterion"))
    _add_settings_flags(p)
    p.add_argument("--agg", type=Path)
    p.add_argument("--nc-fit", type=Path)
    p.add_argument("--out", type=Path, required=True)


def _add_output_parsers(sub: Any) -> None:
    """``figure`` and ``report``."""
    for name, helptext in (("figure", "draw one figure"), ("report", "write the claims table")):
        p = sub.add_parser(name, help=helptext)
        if name == "figure":
            p.add_argument("name")
        _add_settings_flags(p)
        p.add_argument(
            "--input",
            action="append",
            default=[],
            metavar="KEY=PATH[,PATH...]",
            help="input files by kind: agg, nc_fit, lc_fit, ld_fit, ent_fit, criterion, validation",
        )
        if name == "figure":
            p.add_argument("--out-pdf", type=Path, required=True)
            p.add_argument("--out-png", type=Path, required=True)
        else:
            p.add_argument("--out", type=Path, required=True)


def _add_estimate_parser(sub: Any) -> None:
    p = sub.add_parser(
        "estimate", help="cost of every TEBD job of a config: runtime, memory, core-hours"
    )
    p.add_argument("--configfile", "--config", dest="configfile", type=Path, required=True)
    p.add_argument(
        "--max-runtime",
        type=int,
        metavar="MINUTES",
        help="runtime cap of one job (default: $MBLBATH_MAX_RUNTIME_MIN, else 2880)",
    )


def _param_values(args: argparse.Namespace, rule: str) -> dict[str, Any]:
    """The run parameters ``rule`` uses that are set: by a flag, else by ``--config``.

    Those set by neither take the schema default in :func:`~mblbath.config.run_params`.
    """
    keys = TABLE.run_keys(rule)
    values: dict[str, Any] = {}
    if args.config is not None:
        from_file = run_values(load_config(args.config), args.L)
        values.update({k: from_file[k] for k in keys})
    for name in keys:
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    return values


def _params_from_args(args: argparse.Namespace, rule: str) -> RunParams:
    """Validated parameters of one run of ``rule`` (``tebd`` or ``exact``)."""
    return run_params(L=args.L, U=args.U, seed=args.seed, **_param_values(args, rule))


def _eps_for(params: RunParams, disorder: Path | None) -> np.ndarray:
    from .disorder import sample_eps

    if disorder is None:
        return sample_eps(params.W, params.L, params.seed, params.master_seed)
    import xarray as xr

    with xr.open_dataset(disorder) as ds:
        for key in ("W", "L", "master_seed"):
            if not np.isclose(float(ds.attrs[key]), float(getattr(params, key))):
                flag = "--" + key.replace("_", "-")
                raise ConfigError(
                    f"parameter '{flag}': {getattr(params, key)} differs from {ds.attrs[key]} "
                    f"in the disorder file {disorder}"
                )
        if params.seed not in ds["seed"].values:
            raise ConfigError(f"parameter '--seed': {params.seed} is not in {disorder}")
        return ds["eps"].sel(seed=params.seed).values.copy()


class _ProgressPrinter:
    """A one-line progress bar on a terminal; plain log lines otherwise (e.g. in a job log)."""

    def __init__(self, enabled: bool):
        self.tty = enabled and sys.stderr.isatty()

    def __call__(self, p) -> None:
        eta = "?" if not math.isfinite(p.eta) else f"{p.eta:.0f}s"
        text = (
            f"t = {p.t:8.3f} / {p.t_max:g}  [{p.index + 1}/{p.n_times}]  chi = {p.chi:5d}  "
            f"trunc_err = {p.trunc_err:.2e}  elapsed {p.elapsed:.0f}s  ETA {eta}"
        )
        if self.tty:
            width = 24
            filled = int(width * p.t / p.t_max) if p.t_max > 0 else width
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}")
            if p.index + 1 == p.n_times:
                sys.stderr.write("\n")
            sys.stderr.flush()
        else:
            log.info(text)


class _StopFlag:
    """Turns SIGTERM/SIGINT into a polite request: checkpoint, then exit non-zero."""

    def __init__(self):
        self.signum = 0

    def __call__(self) -> bool:
        return self.signum != 0

    def install(self) -> None:
        def handler(signum, frame):
            log.warning("received signal %d: checkpointing and stopping", signum)
            self.signum = signum

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, handler)


def _cmd_run(args) -> int:
    from .io import run_dataset, write_atomic
    from .tebd import Interrupted, run_tebd

    params = _params_from_args(args, "tebd")
    if args.checkpoint_every < 0:
        raise ConfigError("parameter '--checkpoint-every': must be >= 0")
    if args.threads < 1:
        raise ConfigError("parameter '--threads': must be >= 1")
    eps = _eps_for(params, args.disorder)
    ckpt = args.checkpoint or args.out.with_name(args.out.name + ".ckpt")
    log.info(
        "TEBD run L=%d U=%g seed=%d numerics=%s -> %s (checkpoint %s)",
        params.L,
        params.U,
        params.seed,
        params.numerics,
        args.out,
        ckpt,
    )
    stop = _StopFlag()
    stop.install()
    start = time.perf_counter()
    try:
        result = run_tebd(
            params,
            eps,
            _ProgressPrinter(not args.no_progress),
            checkpoint=ckpt,
            checkpoint_every_s=60.0 * args.checkpoint_every,
            should_stop=stop,
            n_threads=args.threads,
        )
    except Interrupted as exc:
        log.warning("%s; state saved in %s, rerun the same command to resume", exc, ckpt)
        return 128 + stop.signum
    wall = time.perf_counter() - start
    ds = run_dataset(result, params, eps, "tebd", wall, args.config_hash)
    write_atomic(ds, args.out)
    ckpt.unlink(missing_ok=True)
    log.info(
        "done in %.1f s, max trunc_err %.3g, converged=%d",
        wall,
        ds.attrs["max_trunc_err"],
        ds.attrs["converged"],
    )
    return 0


def _cmd_exact(args) -> int:
    from . import exact
    from .io import run_dataset, write_atomic
    from .model import d_sites

    params = _params_from_args(args, "exact")
    method = args.method
    if method == "auto":
        method = "free" if params.U == 0 else "sector"
    if method == "free" and params.U != 0:
        raise ConfigError("parameter '--method': free fermions are exact only at U = 0")
    eps = _eps_for(params, args.disorder)
    times = params.times()
    start = time.perf_counter()
    occ = d_sites(params.L, params.d_residue)
    if method == "free":
        result = exact.free_evolution(eps, params.td, params.tc, occ, params.c0, times)
        name = "free_fermion"
    else:
        dim = exact.sector_dimension(params.L, len(occ))
        log.info("exact sector evolution, dimension %d", dim)
        result = exact.sector_evolution(eps, params.U, params.td, params.tc, occ, params.c0, times)
        name = "exact_sector"
    result = dict(result, times=times)
    wall = time.perf_counter() - start
    ds = run_dataset(result, params, eps, name, wall, args.config_hash, rule="exact")
    write_atomic(ds, args.out)
    return 0


def _cmd_disorder(args) -> int:
    from .disorder import disorder_dataset, merge_disorder
    from .io import write_atomic

    if args.merge:
        ds = merge_disorder([str(p) for p in args.merge])
        if int(ds.attrs["L"]) != args.L:
            raise ConfigError(f"parameter '--L': the files to merge have L={ds.attrs['L']}")
        write_atomic(ds, args.out)
        return 0
    kwargs = _param_values(args, "sample_disorder")
    if args.n_seeds is not None and args.n_seeds < 1:
        raise ConfigError("parameter '--n-seeds': must be >= 1")
    seeds = range(args.n_seeds) if args.n_seeds is not None else args.seeds
    for seed in seeds:
        params = run_params(L=args.L, U=0.0, seed=seed, **kwargs)
    ds = disorder_dataset(params.W, params.L, seeds, params.master_seed)
    write_atomic(ds, args.out)
    return 0


def _cmd_aggregate(args) -> int:
    from .aggregate import aggregate_runs, check_disorder
    from .io import write_atomic

    seeds = range(args.n_seeds) if args.n_seeds is not None else None
    ds = aggregate_runs([str(p) for p in args.runs], args.U or None, seeds, args.config_hash)
    if args.disorder is not None:
        check_disorder(ds, args.disorder)
    write_atomic(ds, args.out)
    log.info(
        "aggregated %d runs (%d missing) -> %s", ds.attrs["n_runs"], ds.attrs["n_missing"], args.out
    )
    return 0


def _cmd_validate(args) -> int:
    from .io import write_atomic
    from .validation import compare_runs

    ds = compare_runs([str(p) for p in args.tebd], [str(p) for p in args.exact])
    write_atomic(ds, args.out)
    log.info(
        "validation L=%s: max |dn_c| %.2e, |dn_d| %.2e, |dS| %.2e -> passed=%d",
        ds.attrs["L"],
        ds.attrs["max_dn_c"],
        ds.attrs["max_dn_d"],
        ds.attrs["max_dS"],
        ds.attrs["passed"],
    )
    return 0


def _cmd_fit(args) -> int:
    from .analysis.run import run_fit

    run_fit(args.what, _settings(args), args.agg, args.nc_fit, args.out)
    return 0


def _parse_inputs(items: list[str]) -> dict[str, list[str]]:
    inputs: dict[str, list[str]] = {}
    for item in items:
        key, sep, paths = item.partition("=")
        if not sep:
            raise ConfigError(f"parameter '--input': {item!r} is not KEY=PATH[,PATH...]")
        inputs.setdefault(key, []).extend(p for p in paths.split(",") if p)
    return inputs


def _meta(args: argparse.Namespace) -> dict:
    from .io import git_commit

    cfg = _settings(args)
    return {"config": cfg, "config_hash": config_hash(cfg), "git_commit": git_commit()}


def _cmd_figure(args) -> int:
    from .figures import make_figure

    make_figure(
        args.name,
        _parse_inputs(args.input),
        str(args.out_pdf),
        str(args.out_png),
        _meta(args),
    )
    return 0


def _cmd_report(args) -> int:
    from .report import write_claims

    write_claims(_parse_inputs(args.input), str(args.out), _meta(args))
    return 0


def _cmd_estimate(args) -> int:
    from .jobs.estimate import estimate_main

    print(estimate_main(args.configfile, max_runtime=args.max_runtime))
    return 0


def _cmd_long_times(args) -> int:
    from .long_times_cli import main as long_times_main

    return long_times_main(args)


_COMMANDS = {
    "run": _cmd_run,
    "exact": _cmd_exact,
    "disorder": _cmd_disorder,
    "aggregate": _cmd_aggregate,
    "validate": _cmd_validate,
    "fit": _cmd_fit,
    "figure": _cmd_figure,
    "report": _cmd_report,
    "estimate": _cmd_estimate,
    "long-times": _cmd_long_times,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("tenpy").setLevel(logging.WARNING)
        logging.getLogger("numexpr").setLevel(logging.WARNING)
    from .io import RunFileError

    try:
        return _COMMANDS[args.command](args)
    except (ConfigError, RunFileError) as exc:
        parser.exit(2, f"mblbath {args.command}: error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
