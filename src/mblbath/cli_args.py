"""Building blocks of the ``mblbath`` argument parser (:mod:`mblbath.cli`).

Argument types that reject a bad value while the arguments are read (a finite number, an
existing input path, a boolean), the parser class whose errors are one line, and the flags
generated from the parameter table: one per schema key a rule uses, with the key's
description and default as help.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import Param, ParamTable

__all__ = ["Parser", "add_param_flags", "finite_float", "input_path"]


def finite_float(text: str) -> float:
    """A finite number (no NaN, no infinity)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def input_path(text: str) -> Path:
    """An input file or folder, which must exist (checked while the arguments are read)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``mblbath run: error: ... (mblbath run --help)``."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parse_bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _flag_type(param: Param) -> Callable[[str], Any]:
    """How argparse reads the flag of ``param`` (JSON for a type the CLI has no parser for)."""
    readers = {float: finite_float, int: int, bool: _parse_bool, str: str}
    if {"integer", "string"} <= set(param.json_types):
        return _int_or_str  # numerics.order: 2 or 4_opt
    return readers.get(param.pytype, json.loads)


def _int_or_str(text: str) -> int | str:
    """``"4"`` -> 4, ``"4_opt"`` -> ``"4_opt"`` (the schema then checks the value)."""
    try:
        return int(text)
    except ValueError:
        return text


def add_param_flags(p: argparse.ArgumentParser, rule: str, table: ParamTable) -> None:
    """One flag per key ``rule`` uses: ``--chi-max``, help from the schema, its default.

    The flags default to None (not given), so that ``--config FILE`` and then the schema
    default apply (``mblbath.cli._params_from_args``); the help shows the schema default.
    """
    for param in table.used_by(rule):
        text = f"{param.description} (default: {json.dumps(param.default)})"
        p.add_argument(
            param.flag,
            dest=param.name,
            type=_flag_type(param),
            help=text.replace("%", "%%"),
        )
