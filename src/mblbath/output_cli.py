"""``mblbath figure NAME`` and ``mblbath report``: the workflow's outputs from its results.

``figure`` draws one figure (:mod:`mblbath.figures`) as a PDF and a PNG; ``report`` writes
the claims table (:mod:`mblbath.report`) as Markdown and, if asked, as an HTML page and an
HTML summary. Both read their inputs by kind (``--input KEY=PATH[,PATH...]``, checked
before anything is drawn) and the settings of ``--config`` or ``--settings``; every output
gets its checksum sidecar (:func:`mblbath.checksum.seal`).

Each command imports only its own package, so the report runs without matplotlib.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .config import ConfigError

__all__ = ["add_output_parsers", "figure_command", "report_command"]


def add_output_parsers(sub: Any) -> None:
    """The ``figure`` and ``report`` subcommands of ``mblbath`` (see module docstring)."""
    p = sub.add_parser("figure", help="draw one figure")
    p.add_argument("name", help="fig1 .. fig4, criterion or validation")
    _add_input_flags(p)
    p.add_argument("--out-pdf", type=Path, required=True, help="output PDF")
    p.add_argument("--out-png", type=Path, required=True, help="output PNG")

    p = sub.add_parser("report", help="write the claims table")
    _add_input_flags(p)
    p.add_argument("--out", type=Path, required=True, help="output Markdown table")
    p.add_argument(
        "--out-html",
        type=Path,
        help="also write the table as an HTML page (default: none)",
    )
    p.add_argument(
        "--out-summary",
        type=Path,
        help="also write an HTML summary: verdict counts, provenance (default: none)",
    )


def _add_input_flags(p: argparse.ArgumentParser) -> None:
    """What both commands read: the settings (``--config``/``--settings``), ``--input``."""
    from .cli import _add_input_flag, _add_settings_flags

    _add_settings_flags(p)
    _add_input_flag(
        p,
        "input files by kind: agg, nc_fit, lc_fit, ld_fit, ent_fit, criterion, "
        "validation; repeatable (default: none, the panels say what is missing)",
    )


def figure_command(args: argparse.Namespace) -> int:
    """Draw figure ``args.name`` into ``--out-pdf`` and ``--out-png``, both sealed."""
    from .checksum import seal
    from .cli import _check_files, _meta, _parse_inputs
    from .figures import FIGURES, make_figure
    from .preflight import check_output

    if args.name not in FIGURES:
        raise ConfigError(f"unknown figure {args.name!r}; expected one of {', '.join(FIGURES)}")
    inputs = _parse_inputs(args.input)
    _check_files(args, [p for v in inputs.values() for p in v], "--input")
    check_output(args.out_pdf, "--out-pdf")
    check_output(args.out_png, "--out-png")
    make_figure(args.name, inputs, str(args.out_pdf), str(args.out_png), _meta(args))
    seal(args.out_pdf)
    seal(args.out_png)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """Write the claims table to ``--out`` and the HTML pages asked for, all sealed."""
    from .checksum import seal
    from .cli import _check_files, _meta, _parse_inputs
    from .report import write_claims
    from .report.html import write_html

    inputs = _parse_inputs(args.input)
    _check_files(args, [p for v in inputs.values() for p in v], "--input")
    write_claims(inputs, str(args.out), _meta(args))
    seal(args.out)
    if args.out_html is not None or args.out_summary is not None:
        write_html(args.out, args.out_html, args.out_summary)
        for out in (args.out_html, args.out_summary):
            if out is not None:
                seal(out)
    return 0
