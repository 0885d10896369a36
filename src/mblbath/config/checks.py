"""Checks across keys that a JSON schema cannot express (``t_first < t_max``, ``c_site < L``).

Each :class:`Check` names the config keys it reads, so that it applies alike to a whole
config (:func:`~mblbath.config.schema.validate_config`), to the keys one rule receives
(checked only where the rule has all of them) and to the run parameters of one run
(:func:`~mblbath.config.run.run_params`, where ``sweep.L`` is the run's single ``L``).
A violated check raises :class:`ConfigError` naming its first key, as the caller spells
keys (``numerics.t_first`` in a config, ``--t-first`` on the command line).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ConfigError",
    "Spelling",
    "CONFIG_KEYS",
    "Check",
    "CHECKS",
    "run_checks",
    "reject_non_finite",
]


class ConfigError(ValueError):
    """A configuration or command-line value is invalid; the message names the key."""


@dataclass(frozen=True)
class Spelling:
    """How an error message names a key: ``config key 'numerics.dt'`` or ``parameter '--dt'``.

    Attributes
    ----------
    label : str
        What a key is called (``config key``, ``parameter``).
    spell : callable
        Dotted config key -> the name the user knows it by.
    """

    label: str
    spell: Callable[[str], str]

    def error(self, key: str, message: str) -> ConfigError:
        """The error ``<label> '<key>': <message>``."""
        return ConfigError(f"{self.label} '{self.spell(key) or '<top level>'}': {message}")


#: Keys as a config file writes them (``numerics.dt``).
CONFIG_KEYS = Spelling("config key", lambda key: key)


@dataclass(frozen=True)
class Check:
    """A condition on several config keys.

    Attributes
    ----------
    keys : tuple of str
        Dotted config keys, in the order ``fails`` takes their values.
    fails : callable
        Returns None if the values are consistent, else the message (a format string that
        may name the keys as ``{0}``, ``{1}``, ...), or ``(suffix, message)`` to name a
        part of the first key (``numerics.chi_max_per_L.24``).
    """

    keys: tuple[str, ...]
    fails: Callable[..., str | None]


def _c_site(c_site: int | None, Ls: list[int]) -> str | None:
    for L in Ls:
        if c_site is not None and c_site >= L:
            return f"{c_site} is not a site of L={L}"
    return None


def _chi_per_L(per_L: Mapping[str, int], Ls: list[int]) -> tuple[str, str] | None:
    for key in per_L:
        if int(key) not in Ls:
            return key, f"L={key} is not swept"
    return None


def _multiple(t_max: float, dt: float) -> str | None:
    n_steps = t_max / dt
    return "must be a multiple of {1}" if abs(n_steps - round(n_steps)) > 1e-6 else None


def _sizes(per_L: Mapping[str, int]) -> tuple[str, str] | None:
    for key in per_L:
        if int(key) < 6 or int(key) % 3:
            return key, f"L={key} is not a multiple of 3 (nu_d = 1/3) of at least 6"
    return None


def _smaller(a: float, b: float) -> str | None:
    return "must be smaller than {1}" if a >= b else None


def _not_above(a: float, b: float) -> str | None:
    """``a <= b`` up to rounding (a time step against a time)."""
    return "must not exceed {1}" if a > b + 1e-12 else None


#: Every cross-key check of the config, in the order they are applied.
CHECKS: tuple[Check, ...] = (
    Check(("model.c_site", "sweep.L"), _c_site),
    Check(("numerics.chi_max_per_L", "sweep.L"), _chi_per_L),
    Check(
        ("numerics.t_first", "numerics.t_max"),
        _smaller,
    ),
    Check(
        ("numerics.dt", "numerics.t_first"),
        _not_above,
    ),
    Check(("numerics.t_max", "numerics.dt"), _multiple),
    Check(
        ("criterion.W_min", "criterion.W_max"),
        _smaller,
    ),
    Check(
        ("analysis.t_ent", "numerics.t_max"),
        lambda t_ent, t_max: "exceeds {1}" if t_ent is not None and t_ent > t_max else None,
    ),
    # The long-time branch (its runs use numerics.dt for their time grids).
    Check(("long_times.exact_n_seeds",), _sizes),
    Check(("model.c_site", "long_times.tebd_L"), _c_site),
    Check(
        ("model.c_site", "long_times.exact_n_seeds"),
        lambda c_site, per_L: _c_site(c_site, [int(k) for k in per_L]),
    ),
    Check(
        ("long_times.t_first", "long_times.t_max"),
        _smaller,
    ),
    Check(
        ("numerics.dt", "long_times.t_first"),
        _not_above,
    ),
    Check(("long_times.t_max", "numerics.dt"), _multiple),
    Check(("long_times.tebd_t_max", "numerics.dt"), _multiple),
)


def run_checks(
    values: Mapping[str, Any], spelling: Spelling, checks: tuple[Check, ...] = CHECKS
) -> None:
    """Apply every check whose keys are all in ``values``; raise on the first that fails.

    Parameters
    ----------
    values : mapping
        Dotted config key -> value (only the keys at hand).
    spelling : Spelling
        How the message names the keys.
    """
    for check in checks:
        if all(k in values for k in check.keys):
            result = check.fails(*(values[k] for k in check.keys))
            if result is None:
                continue
            suffix, message = result if isinstance(result, tuple) else ("", result)
            key = check.keys[0] + (f".{suffix}" if suffix else "")
            raise spelling.error(key, message.format(*map(spelling.spell, check.keys)))


def reject_non_finite(obj: Any, path: str, spelling: Spelling) -> None:
    """Raise :class:`ConfigError` if ``obj`` holds a NaN or an infinity (JSON has neither)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise spelling.error(path, f"{obj} is not a finite number")
    if isinstance(obj, dict):
        for k, v in obj.items():
            reject_non_finite(v, f"{path}.{k}" if path else str(k), spelling)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            reject_non_finite(v, f"{path}.{i}", spelling)
