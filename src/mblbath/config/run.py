"""One run's parameters: :class:`RunParams`, generated from the parameter table.

Its fields are the run coordinates ``L, U, seed`` and every key the ``tebd`` rule uses (the
``x-used-by`` annotation of the schema), in schema order, with the schema's defaults.
:func:`run_params` validates each value against its own sub-schema and then the checks
across keys, with messages naming the parameter as the CLI spells it (``--chi-max``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import field, make_dataclass
from typing import Any

import jsonschema
import numpy as np

from .checks import ConfigError, Spelling, reject_non_finite, run_checks
from .derived import cdd_mask, chi_max_for, default_c_site, numerics_name, time_grid
from .schema import load_schema
from .table import RUN_COORDS, RUN_RULE, ParamTable, build_table

__all__ = [
    "TABLE",
    "RunParams",
    "make_run_params_class",
    "make_run_params",
    "run_params",
    "run_values",
    "numerics_of",
    "numerics_for",
    "model_of",
    "model_for",
    "model_regex",
    "run_table",
]

#: The parameter table of the package's schema.
TABLE: ParamTable = build_table(load_schema())

#: Sub-schema path and flag of each run coordinate.
_COORD_PATHS = {"L": "sweep.L", "U": "sweep.U", "seed": "seed"}


def _c0(self) -> int:
    """Initial c-boson site (:func:`~mblbath.config.derived.default_c_site` when unset)."""
    return default_c_site(self.L, self.d_residue) if self.c_site is None else self.c_site


def _numerics(self) -> str:
    """Folder name of the settings that change results (:func:`numerics_of`)."""
    return numerics_of(vars(self))


def _model_folder(self) -> str:
    """Folder name of the model parameters (:func:`model_of`)."""
    return model_of(vars(self), self._table)


def _times(self) -> np.ndarray:
    """Measurement times (:func:`~mblbath.config.derived.time_grid`)."""
    return time_grid(self.t_max, self.dt, self.t_first, self.n_per_decade)


def _cdd_times(self) -> np.ndarray:
    """Which grid times measure ``C_dd`` (bool, like :meth:`times`): :func:`cdd_mask`."""
    return cdd_mask(len(self.times()), self.cdd_every)


def _as_attrs(self, rule: str = RUN_RULE) -> dict[str, Any]:
    """Parameters as netCDF attributes (``c_site`` resolved): the coordinates and the
    parameters ``rule`` uses (``exact``: those of an exact reference)."""
    out = {k: getattr(self, k) for k in (*RUN_COORDS, *self._table.run_keys(rule))}
    if "c_site" in out:
        out["c_site"] = self.c0
    return out


_DOC = """Everything one TEBD (or exact) run depends on. Names follow config and CLI flags.

Fields: the coordinates ``L, U, seed`` and the run parameters of the config schema (the
keys the ``tebd`` rule uses, ``x-used-by``), with the schema's defaults. Build it with
:func:`run_params`, which validates every value.
"""


def make_run_params_class(table: ParamTable) -> type:
    """The frozen dataclass of the run parameters of ``table`` (see :data:`RunParams`)."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [("L", int), ("U", float), ("seed", int)]
    fields += [(p.name, p.annotation, field(default=p.default)) for p in table.run]
    namespace = {
        "__doc__": _DOC,
        "_table": table,
        "c0": property(_c0),
        "numerics": property(_numerics),
        "model_folder": property(_model_folder),
        "times": _times,
        "cdd_times": _cdd_times,
        "as_attrs": _as_attrs,
    }
    cls = make_dataclass("RunParams", fields, namespace=namespace, frozen=True)
    cls.__module__ = "mblbath.config"
    return cls


#: The run parameters of the package's schema (a frozen dataclass).
RunParams = make_run_params_class(TABLE)


def _spelling(table: ParamTable) -> Spelling:
    """Parameters as the CLI spells them: ``--chi-max`` for ``numerics.chi_max``."""
    flags = {path: f"--{name}" for name, path in _COORD_PATHS.items()}
    flags.update({p.path: p.flag for p in table.run})
    return Spelling("parameter", lambda key: flags.get(key, key))


def _check_value(schema: Mapping[str, Any], value: Any, path: str, spelling: Spelling) -> None:
    reject_non_finite(value, path, spelling)
    for err in jsonschema.Draft202012Validator(schema).iter_errors(value):
        raise spelling.error(path, err.message)


def make_run_params(cls: type, values: Mapping[str, Any]) -> Any:
    """Validate ``values`` and build an instance of ``cls`` (:func:`make_run_params_class`).

    Values that are None, and parameters not given, take the schema default. Raises
    :class:`ConfigError` naming the first invalid parameter (``parameter '--chi-max': ...``).
    """
    table: ParamTable = cls._table
    spelling = _spelling(table)
    unknown = sorted(set(values) - set(RUN_COORDS) - {p.name for p in table.run})
    if unknown:
        raise TypeError(f"unknown run parameter(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name in RUN_COORDS:
        value = _plain(values.get(name))
        if value is None:
            raise ConfigError(f"parameter '--{name}' is required")
        _check_value(table.coordinate_schema(name), value, _COORD_PATHS[name], spelling)
        out[name] = float(value) if name == "U" else int(value)
    for p in table.run:
        value = _plain(values.get(p.name))
        if value is None:
            value = p.default
        else:
            _check_value(p.schema, value, p.path, spelling)
        out[p.name] = p.coerce(value)
    dotted = {p.path: out[p.name] for p in table.run}
    run_checks({**dotted, "sweep.L": [out["L"]]}, spelling)
    return cls(**out)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (JSON schema knows only those)."""
    return value.item() if isinstance(value, np.generic) else value


def run_params(**kwargs: Any) -> Any:
    """Build and validate :class:`RunParams` (``L``, ``U``, ``seed`` required).

    Each value is validated against its own sub-schema, then the checks across keys
    (:data:`~mblbath.config.checks.CHECKS`) run on the complete set of parameters;
    a bad value raises :class:`ConfigError` naming it as the CLI does (``--chi-max``).
    """
    return make_run_params(RunParams, kwargs)


def run_values(cfg: Mapping[str, Any], L: int, table: ParamTable = TABLE) -> dict[str, Any]:
    """The run parameters of a validated config at size ``L`` (``chi_max`` resolved per L)."""
    out = {}
    for p in table.run:
        out[p.name] = cfg[p.name] if p.section is None else cfg[p.section][p.name]
    if "chi_max" in out:
        out["chi_max"] = chi_max_for(dict(cfg), int(L))
    return out


def numerics_of(values: Mapping[str, Any]) -> str:
    """:func:`~mblbath.config.derived.numerics_name` of a run's parameters (name -> value).

    The parameters of :func:`numerics_name` (its signature) are those that name the folder.
    """
    return numerics_name(**{k: values[k] for k in _NUMERICS_KEYS})


_NUMERICS_KEYS = tuple(inspect.signature(numerics_name).parameters)


def numerics_for(cfg: Mapping[str, Any], L: int | str) -> str:
    """Folder name of the numerical settings a validated config uses at size ``L``."""
    return numerics_of(run_values(cfg, int(L)))


def model_of(values: Mapping[str, Any], table: ParamTable = TABLE) -> str:
    """Folder name of the model parameters (the keys with ``x-path``), name -> value:
    ``W6.5_td1_tc1_r1_cmid_ms20220711``. The value of ``c_site`` is the configured one
    (null: ``cmid``), not the site it resolves to."""
    return "_".join(p.path_text(values[p.name]) for p in table.path_params)


def model_for(cfg: Mapping[str, Any], table: ParamTable = TABLE) -> str:
    """:func:`model_of` a validated config."""
    values = {
        p.name: cfg[p.section][p.name] if p.section else cfg[p.name] for p in table.path_params
    }
    return model_of(values, table)


def model_regex(table: ParamTable = TABLE) -> str:
    """Regular expression of the ``{model}`` wildcard: ``W[^/_]+_td[^/_]+_...``."""
    return "_".join(f"{p.path_label}[^/_]+" for p in table.path_params)


def run_table(cfg: dict) -> list:
    """All TEBD runs of a validated config, one per (L, U, seed)."""
    runs = []
    for L in cfg["sweep"]["L"]:
        raw = run_values(cfg, L)
        values = {p.name: p.coerce(raw[p.name]) for p in TABLE.run}
        for U in cfg["sweep"]["U"]:
            for s in range(cfg["sweep"]["n_seeds"]):
                runs.append(RunParams(L=int(L), U=float(U), seed=s, **values))
    return runs
