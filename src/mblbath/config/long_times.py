"""The configs of the long-time branch's runs, derived from the ``long_times`` section.

The branch reuses the pipeline's run commands: its exact runs are ``mblbath long-times
exact`` with the flags of the ``exact`` rule, its TEBD runs are jobs of the ``tebd`` rule.
Their parameters are those of the config with a few ``numerics`` keys replaced:

- :func:`exact_config`: the ``long_times`` keys that the ``long_exact`` rule uses and that
  share their name with a ``numerics`` key (``t_max``, ``t_first``, ``n_per_decade``)
  replace it;
- :func:`tebd_config`: the ``long_times`` keys ``tebd_<name>`` whose ``<name>`` is a
  ``numerics`` key (``t_max``, ``chi_max``) replace it; ``chi_max_per_L`` is cleared.

So the schema stays the one list of parameters: a key added to ``long_times`` under such a
name reaches the runs without code changes. Source names (the ``{lt_source}`` path
component) say where an observable comes from: ``exact_T<t_max>``, ``tebd_<numerics>``
(the branch's TEBD runs) and ``sweep_<numerics>`` (the main sweep's aggregates).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .derived import fmt_float
from .run import TABLE, numerics_for

__all__ = [
    "enabled",
    "exact_config",
    "tebd_config",
    "exact_sizes",
    "exact_seeds",
    "exact_method",
    "exact_source",
    "tebd_source",
    "sweep_source",
]

_SECTION = "long_times"
_TEBD_PREFIX = "tebd_"


def enabled(cfg: Mapping[str, Any]) -> bool:
    """Whether the config builds the branch."""
    return bool(cfg[_SECTION]["enabled"])


def _numerics_names() -> set[str]:
    return {p.name for p in TABLE if p.section == "numerics"}


def exact_config(cfg: Mapping[str, Any]) -> dict:
    """The config of the exact runs: ``numerics`` keys replaced (module docstring)."""
    out = copy.deepcopy(dict(cfg))
    names = _numerics_names()
    for p in TABLE.used_by("long_exact"):
        if p.section == _SECTION and p.name in names:
            out["numerics"][p.name] = cfg[_SECTION][p.name]
    return out


def tebd_config(cfg: Mapping[str, Any]) -> dict:
    """The config of the branch's TEBD runs: ``numerics`` keys replaced (module docstring)."""
    out = copy.deepcopy(dict(cfg))
    names = _numerics_names()
    for p in TABLE:
        name = p.name.removeprefix(_TEBD_PREFIX)
        if p.section == _SECTION and p.name.startswith(_TEBD_PREFIX) and name in names:
            out["numerics"][name] = cfg[_SECTION][p.name]
    out["numerics"]["chi_max_per_L"] = {}
    return out


def exact_sizes(cfg: Mapping[str, Any]) -> list[int]:
    """Sizes of the exact runs, ascending."""
    return sorted(int(L) for L in cfg[_SECTION]["exact_n_seeds"])


def exact_seeds(cfg: Mapping[str, Any], L: int | str) -> list[int]:
    """Seeds of the exact runs at size ``L``."""
    return list(range(int(cfg[_SECTION]["exact_n_seeds"][str(int(L))])))


def exact_method(cfg: Mapping[str, Any], L: int | str) -> str:
    """``eigh`` (full diagonalisation) up to ``eigh_max_L``, else ``chebyshev``."""
    return "eigh" if int(L) <= int(cfg[_SECTION]["eigh_max_L"]) else "chebyshev"


def exact_source(cfg: Mapping[str, Any]) -> str:
    """Source name of the exact runs: ``exact_T<t_max>``."""
    return f"exact_T{fmt_float(exact_config(cfg)['numerics']['t_max'])}"


def tebd_source(cfg: Mapping[str, Any], L: int | str) -> str:
    """Source name of the branch's TEBD runs at size L: ``tebd_<numerics>``."""
    return f"{_TEBD_PREFIX}{numerics_for(tebd_config(cfg), L)}"


def sweep_source(cfg: Mapping[str, Any], L: int | str) -> str:
    """Source name of the main sweep's aggregate at size L: ``sweep_<numerics>``."""
    return f"sweep_{numerics_for(cfg, L)}"
