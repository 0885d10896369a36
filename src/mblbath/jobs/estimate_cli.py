"""``mblbath estimate``: print the cost of every TEBD job of a config.

The subcommand's parser and its command; the table itself is built by
:func:`mblbath.jobs.estimate.estimate_main` (runtime, memory and core-hours per size, the
chi(t) expectation, and the warnings of the chosen Snakemake profile).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..cli_args import input_path

__all__ = ["add_estimate_parser", "estimate_command"]


def add_estimate_parser(sub: Any) -> None:
    """The ``estimate`` subcommand of ``mblbath`` (see module docstring)."""
    p = sub.add_parser(
        "estimate", help="cost of every TEBD job of a config: runtime, memory, core-hours"
    )
    p.add_argument(
        "--configfile",
        "--config",
        dest="configfile",
        type=input_path,
        nargs="+",
        required=True,
        help="config files, each merged over the previous one and over config/config.yaml "
        "(if it exists here), as snakemake --configfile merges them",
    )
    p.add_argument(
        "--profile",
        type=Path,
        default=Path("profiles") / "default",
        help="Snakemake profile whose capacity the plan is checked against "
        "(default: profiles/default; if absent, this machine)",
    )
    p.add_argument(
        "--max-runtime",
        type=int,
        metavar="MINUTES",
        help="runtime cap of one job (default: the config's execution.max_runtime_min)",
    )


def estimate_command(args: argparse.Namespace) -> int:
    """Print the table of ``mblbath estimate`` for the config files ``args.configfile``."""
    from .estimate import estimate_main

    print(estimate_main(args.configfile, max_runtime=args.max_runtime, profile=args.profile))
    return 0
