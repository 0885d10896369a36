"""Command line: ``mblbath COMMAND``, one subcommand per rule of the workflow, and more.

``run|exact|disorder|aggregate|validate|fit|figure|report`` are the rules' commands
(``figure`` and ``report``: :mod:`mblbath.output_cli`); ``estimate`` prints the cost of a
config's TEBD jobs (:mod:`mblbath.jobs.estimate_cli`), ``calibrate`` fits that cost to this
machine's runs (:mod:`mblbath.jobs.calibrate_cli`); ``long-times ...`` is the long-time
branch (:mod:`mblbath.long_times_cli`). Those modules hold the parsers and the code of
their subcommands; the helpers they share with the commands here stay in this module.

The parameter flags of ``run``, ``exact`` and ``disorder`` are generated from the config
schema (:data:`mblbath.config.TABLE`): one per key the matching rule uses, named after it
(``--chi-max`` is ``numerics.chi_max``), with its description and default as help. A flag
not given takes its value from ``--config FILE``, else the schema default. Values are
validated by the same schema as the Snakemake config before anything is computed; a bad
value stops the command with a message naming the flag (exit code 2).

Files are checked before anything is computed too (:mod:`mblbath.preflight`): every input
exists, is readable and matches its checksum; every output can be written. Every output
gets its checksum sidecar (:mod:`mblbath.checksum`). A bad input or path ends the command
with one line naming it (exit code 2); a write the file system refuses (a full disk)
names the path and the free space (exit code 1).
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .cli_args import Parser, add_param_flags, finite_float, input_path
from .config import (
    TABLE,
    ConfigError,
    ParamTable,
    RunParams,
    config_hash,
    load_config,
    run_params,
    run_values,
    validate_config,
)
from .progress import RunProgress

__all__ = ["main", "build_parser"]

log = logging.getLogger("mblbath")


_CONFIG_HELP = "take the parameters not given as flags from this config file (default: none)"


def _add_run_flags(p: argparse.ArgumentParser, rule: str, table: ParamTable) -> None:
    p.add_argument("--config", type=input_path, help=_CONFIG_HELP)
    p.add_argument("--L", type=int, required=True, help="number of sites (multiple of 3)")
    p.add_argument("--U", type=finite_float, required=True, help="c-d interaction")
    p.add_argument("--seed", type=int, required=True, help="disorder realisation")
    p.add_argument(
        "--disorder",
        type=input_path,
        help="read eps from this disorder file (mblbath disorder) (default: draw it)",
    )
    add_param_flags(p, rule, table)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")
    _add_config_hash_flag(p)


def _add_config_hash_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config-hash", help="hash of the pipeline config, recorded in the output (default: none)"
    )


def _add_settings_flags(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--config",
        type=input_path,
        help="config file, validated (default: the schema defaults)",
    )
    src.add_argument(
        "--settings",
        help='config sections as JSON, e.g. \'{"analysis": {"fit_t_min": 1}}\', validated '
        "(default: the schema defaults)",
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
    parser = Parser(prog="mblbath", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mblbath {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (default: off)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run_parser(sub, table)
    _add_exact_parser(sub, table)
    _add_disorder_parser(sub, table)
    _add_data_parsers(sub)
    from .output_cli import add_output_parsers

    add_output_parsers(sub)
    from .jobs.estimate_cli import add_estimate_parser

    add_estimate_parser(sub)
    from .long_times_cli import add_parser as add_long_times_parser

    add_long_times_parser(sub, table)
    from .jobs.calibrate_cli import add_calibrate_parser

    add_calibrate_parser(sub)
    return parser


def _add_run_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("run", help="TEBD run of one (L, U, seed)")
    _add_run_flags(p, "tebd", table)
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="checkpoint file; a rerun resumes from it (default: OUT.ckpt next to the output)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=finite_float,
        default=10.0,
        metavar="MINUTES",
        help="minimal wall time between periodic checkpoints, 0: at every measurement "
        "(default: 10)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="N",
        help="update the bonds of a Trotter layer on N threads, BLAS gets cores // N threads "
        "each (default: 1, sequential)",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="log lines instead of a progress bar on a terminal (default: a bar on a terminal)",
    )


def _add_exact_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("exact", help="exact reference run (sector evolution or free fermions)")
    _add_run_flags(p, "exact", table)
    p.add_argument(
        "--method",
        choices=("auto", "sector", "free"),
        default="auto",
        help="free fermions (U = 0 only), exact sector evolution, or auto: free if U = 0 "
        "(default: auto)",
    )


def _add_disorder_parser(sub: Any, table: ParamTable) -> None:
    p = sub.add_parser("disorder", help="write eps(seed, site) of one size to netCDF")
    p.add_argument("--config", type=input_path, help=_CONFIG_HELP)
    p.add_argument("--L", type=int, required=True, help="number of sites (multiple of 3)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--n-seeds", type=int, help="draw seeds 0 .. n-1")
    which.add_argument("--seeds", type=int, nargs="+", help="draw these seeds")
    which.add_argument(
        "--merge", type=input_path, nargs="+", help="merge these one-seed disorder files"
    )
    add_param_flags(p, "sample_disorder", table)
    _add_config_hash_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")


def _add_data_parsers(sub: Any) -> None:
    """``aggregate``, ``validate`` and ``fit``."""
    p = sub.add_parser("aggregate", help="stack run files of one (numerics, L)")
    p.add_argument("runs", nargs="+", type=input_path, help="run files (mblbath run)")
    p.add_argument(
        "--U",
        nargs="*",
        type=finite_float,
        help="U grid; a missing run is NaN (default: the U of the runs)",
    )
    p.add_argument(
        "--n-seeds",
        type=int,
        help="seeds 0..n-1; a missing run is NaN (default: the seeds of the runs)",
    )
    p.add_argument(
        "--disorder",
        type=input_path,
        help="check every run's eps against this disorder file (default: no check)",
    )
    _add_config_hash_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")

    p = sub.add_parser("validate", help="compare TEBD runs with exact references")
    p.add_argument("--tebd", nargs="+", type=input_path, required=True, help="TEBD run files")
    p.add_argument(
        "--exact", nargs="+", type=input_path, required=True, help="exact runs, same order"
    )
    _add_config_hash_flag(p)
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")

    p = sub.add_parser("fit", help="fit one quantity (see mblbath.analysis)")
    p.add_argument(
        "what",
        choices=("nc", "lc", "ld", "entanglement", "criterion", "choices"),
        help="Eq. (3) profile, Eq. (4) saturation of l_c, l_d, Eq. (5), the Eq. (2) criterion, "
        "or the measured effects of the choices the paper leaves open",
    )
    _add_settings_flags(p)
    p.add_argument(
        "--agg", type=input_path, help="aggregate file, for nc, ld, entanglement (default: none)"
    )
    p.add_argument(
        "--nc-fit", type=input_path, help="Eq. (3) fit file, for lc, entanglement (default: none)"
    )
    p.add_argument("--out", type=Path, required=True, help="output netCDF file")


def _add_input_flag(p: argparse.ArgumentParser, helptext: str) -> None:
    """The repeatable ``--input KEY=PATH[,PATH...]`` of the commands that read results by kind
    (:func:`_parse_inputs` reads it)."""
    p.add_argument(
        "--input", action="append", default=[], metavar="KEY=PATH[,PATH...]", help=helptext
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
    from .preflight import read_disorder

    if disorder is None:
        return sample_eps(params.W, params.L, params.seed, params.master_seed)
    return read_disorder(disorder, params)


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
    from .io import WriteError, run_dataset, write_atomic
    from .preflight import check_output
    from .tebd import Interrupted, run_tebd
    from .tebd.checkpoint import check_checkpoint_path, remove_checkpoint, rerun_hint, run_key

    params = _params_from_args(args, "tebd")
    if args.checkpoint_every < 0:
        raise ConfigError("parameter '--checkpoint-every': must be >= 0")
    if args.threads < 1:
        raise ConfigError("parameter '--threads': must be >= 1")
    check_output(args.out)
    ckpt = args.checkpoint or args.out.with_name(args.out.name + ".ckpt")
    check_checkpoint_path(ckpt, args.out, args.disorder)
    eps = _eps_for(params, args.disorder)
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
    progress = RunProgress(not args.no_progress)
    try:
        result = run_tebd(
            params,
            eps,
            progress,
            checkpoint=ckpt,
            checkpoint_every_s=60.0 * args.checkpoint_every,
            should_stop=stop,
            n_threads=args.threads,
        )
    except Interrupted as exc:
        progress.close()
        log.warning("%s; state saved in %s, rerun the same command to resume", exc, ckpt)
        return 128 + stop.signum
    wall = time.perf_counter() - start
    ds = run_dataset(result, params, eps, "tebd", wall, args.config_hash)
    # CPU seconds of this process from its start (imports included): the cost of the run
    # on a core of its own, which `mblbath calibrate` fits (mblbath.jobs.records)
    ds.attrs["cpu_time_s"] = time.process_time()
    try:
        write_atomic(ds, args.out)
    except WriteError as exc:
        hint = rerun_hint(ckpt, run_key(params, eps), len(ds["time"]))
        raise WriteError(f"{exc}; {hint}") from None
    remove_checkpoint(ckpt, run_key(params, eps))
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
    from .preflight import check_output

    params = _params_from_args(args, "exact")
    check_output(args.out)
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

    _check_files(args, args.merge or [], "--merge")
    if args.merge:
        ds = merge_disorder([str(p) for p in args.merge], args.config_hash)
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
    ds = disorder_dataset(params.W, params.L, seeds, params.master_seed, args.config_hash)
    write_atomic(ds, args.out)
    return 0


def _cmd_aggregate(args) -> int:
    from .aggregate import aggregate_runs, check_disorder
    from .io import write_atomic

    _check_files(args, [*args.runs, *([args.disorder] if args.disorder else [])], "runs")
    if args.n_seeds is not None and args.n_seeds < 1:
        raise ConfigError("parameter '--n-seeds': must be >= 1")
    seeds = range(args.n_seeds) if args.n_seeds is not None else None
    try:
        ds = aggregate_runs([str(p) for p in args.runs], args.U or None, seeds, args.config_hash)
    except ValueError as exc:  # runs that do not fit the grid or each other: bad arguments
        raise ConfigError(f"runs: {exc}") from None
    if args.disorder is not None:
        try:
            check_disorder(ds, args.disorder)
        except ValueError as exc:
            raise ConfigError(f"parameter '--disorder': {exc}") from None
    write_atomic(ds, args.out)
    log.info(
        "aggregated %d runs (%d missing) -> %s", ds.attrs["n_runs"], ds.attrs["n_missing"], args.out
    )
    return 0


def _cmd_validate(args) -> int:
    from .io import write_atomic
    from .validation import compare_runs

    _check_files(args, [*args.tebd, *args.exact], "--tebd/--exact")
    try:
        ds = compare_runs(
            [str(p) for p in args.tebd], [str(p) for p in args.exact], args.config_hash
        )
    except ValueError as exc:  # runs that do not pair up: bad arguments
        raise ConfigError(f"parameters '--tebd', '--exact': {exc}") from None
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


#: The input flags each ``mblbath fit`` needs.
_FIT_INPUTS = {
    "nc": ("agg",),
    "lc": ("nc_fit",),
    "ld": ("agg",),
    "entanglement": ("agg", "nc_fit"),
    "criterion": (),
    "choices": (),
}


def _cmd_fit(args) -> int:
    from .analysis.run import run_fit

    for name in _FIT_INPUTS[args.what]:
        if getattr(args, name) is None:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"parameter '{flag}': required by fit {args.what}")
    _check_files(args, [args.agg] if args.agg else [], "--agg")
    _check_files(args, [args.nc_fit] if args.nc_fit else [], "--nc-fit")
    run_fit(args.what, _settings(args), args.agg, args.nc_fit, args.out)
    return 0


def _parse_inputs(items: list[str]) -> dict[str, list[str]]:
    inputs: dict[str, list[str]] = {}
    for item in items:
        key, sep, paths = item.partition("=")
        if not sep:
            raise ConfigError(f"parameter '--input': {item!r} is not KEY=PATH[,PATH...]")
        files = [p for p in paths.split(",") if p]
        for path in files:
            if not Path(path).exists():
                raise ConfigError(f"parameter '--input': no such file: {path}")
        inputs.setdefault(key, []).extend(files)
    return inputs


def _meta(args: argparse.Namespace) -> dict:
    from .io import git_commit

    cfg = _settings(args)
    return {"config": cfg, "config_hash": config_hash(cfg), "git_commit": git_commit()}


def _cmd_figure(args) -> int:
    from .output_cli import figure_command

    return figure_command(args)


def _cmd_report(args) -> int:
    from .output_cli import report_command

    return report_command(args)


def _cmd_estimate(args) -> int:
    from .jobs.estimate_cli import estimate_command

    return estimate_command(args)


def _cmd_calibrate(args) -> int:
    from .jobs.calibrate_cli import calibrate_command

    return calibrate_command(args)


def _check_files(args: argparse.Namespace, inputs: list, flag: str) -> None:
    """Check the ``inputs`` of ``flag`` (readable, intact) and ``--out`` (writable)."""
    from .preflight import check_input, check_output

    for path in inputs:
        check_input(Path(path), flag)
    if getattr(args, "out", None) is not None:
        check_output(args.out)


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
    "calibrate": _cmd_calibrate,
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
    from .checksum import DamagedFileError
    from .io import RunFileError, WriteError

    try:
        return _COMMANDS[args.command](args)
    except (ConfigError, RunFileError, DamagedFileError) as exc:
        parser.exit(2, f"mblbath {args.command}: error: {exc}\n")
    except WriteError as exc:
        parser.exit(1, f"mblbath {args.command}: error: {exc}\n")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        # a path the arguments name that cannot be used as asked (one line, no traceback)
        where = f": {exc.filename}" if exc.filename else ""
        parser.exit(2, f"mblbath {args.command}: error: {exc.strerror or exc}{where}\n")


if __name__ == "__main__":
    sys.exit(main())
