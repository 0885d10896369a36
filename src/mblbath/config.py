"""Configuration: schema validation, derived quantities and the run table.

One JSON schema (``workflow/schemas/config.schema.yaml``) defines every parameter, its type,
range and default. Snakemake applies it with ``snakemake.utils.validate``; the CLI applies it
through :func:`validate_config`. Checks that a JSON schema cannot express (``c_site < L``,
``t_first < t_max``) live in :func:`check_consistency` and are used by both.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import yaml

__all__ = [
    "ConfigError",
    "schema_path",
    "load_schema",
    "validate_config",
    "load_config",
    "check_consistency",
    "fmt_float",
    "chi_max_for",
    "numerics_name",
    "time_grid",
    "cdd_mask",
    "config_hash",
    "MODEL_KEYS",
    "NUMERIC_KEYS",
    "RunParams",
    "run_params",
    "run_table",
]


class ConfigError(ValueError):
    """A configuration or command-line value is invalid; the message names the key."""


def schema_path() -> Path:
    """Locate the config schema: inside an installed wheel, or in the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "config.schema.yaml",
        here.parents[1] / "workflow" / "schemas" / "config.schema.yaml",
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("config.schema.yaml not found next to mblbath or in workflow/schemas")


@cache
def _schema_text() -> str:
    return schema_path().read_text()


def load_schema() -> dict:
    """The config schema as a fresh dict."""
    return yaml.safe_load(_schema_text())


def _extend_with_default(validator_class):
    """A jsonschema validator that fills in ``default`` values while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_Validator = _extend_with_default(jsonschema.Draft202012Validator)


def _key_of(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator in ("required", "additionalProperties") and error.message:
        return path or "<top level>"
    return path or "<top level>"


def validate_config(config: dict | None) -> dict:
    """Validate ``config`` against the schema, fill defaults, check consistency.

    Returns a new dict; raises :class:`ConfigError` naming the first offending key.
    """
    cfg = copy.deepcopy(config) if config is not None else {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"config must be a mapping, got {type(cfg).__name__}")
    # Twice: defaults of nested objects are filled after their parent default is inserted.
    for _ in range(2):
        errors = sorted(_Validator(load_schema()).iter_errors(cfg), key=lambda e: e.path)
        if errors:
            err = errors[0]
            raise ConfigError(f"config key '{_key_of(err)}': {err.message}")
    check_consistency(cfg)
    return cfg


def load_config(path: str | Path) -> dict:
    """Read a YAML config file and validate it (see :func:`validate_config`)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    return validate_config(raw)


def _reject_non_finite(obj: Any, path: str = "") -> None:
    if isinstance(obj, float) and not np.isfinite(obj):
        raise ConfigError(f"config key '{path or '<top level>'}': {obj} is not a finite number")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _reject_non_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _reject_non_finite(v, f"{path}.{i}")


def check_consistency(cfg: dict) -> None:
    """Cross-field checks the schema cannot express. Raises :class:`ConfigError`."""
    _reject_non_finite(cfg)
    model, num, sweep = cfg["model"], cfg["numerics"], cfg["sweep"]
    for L in sweep["L"]:
        if model["c_site"] is not None and model["c_site"] >= L:
            raise ConfigError(
                f"config key 'model.c_site': {model['c_site']} is not a site of L={L}"
            )
    for key in num["chi_max_per_L"]:
        if int(key) not in sweep["L"]:
            raise ConfigError(f"config key 'numerics.chi_max_per_L.{key}': L={key} is not swept")
    if num["t_first"] >= num["t_max"]:
        raise ConfigError("config key 'numerics.t_first': must be smaller than numerics.t_max")
    if num["dt"] > num["t_first"] + 1e-12:
        raise ConfigError("config key 'numerics.dt': must not exceed numerics.t_first")
    n_steps = num["t_max"] / num["dt"]
    if abs(n_steps - round(n_steps)) > 1e-6:
        raise ConfigError("config key 'numerics.t_max': must be a multiple of numerics.dt")
    crit = cfg["criterion"]
    if crit["W_min"] >= crit["W_max"]:
        raise ConfigError("config key 'criterion.W_min': must be smaller than criterion.W_max")
    t_ent = cfg["analysis"]["t_ent"]
    if t_ent is not None and t_ent > num["t_max"]:
        raise ConfigError("config key 'analysis.t_ent': exceeds numerics.t_max")


def fmt_float(x: float) -> str:
    """Canonical text of a float for paths and names: 2.5 -> '2.5', 12.0 -> '12', 1e-10 -> '1e-10'.

    ``U=2.5`` and ``U=2.50`` give the same string, so they can never name two files.
    """
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


#: Regular expression matching exactly the strings :func:`fmt_float` produces for x >= 0.
FLOAT_RE = r"[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?"


def chi_max_for(cfg: dict, L: int) -> int:
    """Bond dimension used at size ``L`` (``numerics.chi_max_per_L`` overrides ``chi_max``)."""
    num = cfg["numerics"]
    return int(num["chi_max_per_L"].get(str(L), num["chi_max"]))


def numerics_name(chi_max: int, dt: float, order: int, svd_min: float, t_max: float) -> str:
    """Readable name of the settings that change results: ``chi64_dt0.05_o4_svd1e-10_T20``."""
    return f"chi{chi_max}_dt{fmt_float(dt)}_o{order}_svd{fmt_float(svd_min)}_T{fmt_float(t_max)}"


def time_grid(t_max: float, dt: float, t_first: float, n_per_decade: int) -> np.ndarray:
    """Measurement times: 0, then a logarithmic grid from ``t_first`` to ``t_max``.

    Every time is an integer multiple of ``dt`` (so TEBD lands on it exactly); duplicates
    created by the rounding are removed. ``t_max`` is always included.
    """
    n_dec = np.log10(t_max / t_first)
    n = max(int(np.ceil(n_dec * n_per_decade)) + 1, 2)
    t = np.geomspace(t_first, t_max, n)
    steps = np.unique(np.rint(t / dt).astype(np.int64))
    steps = steps[steps > 0]
    return np.concatenate([[0.0], steps * dt])


def cdd_mask(n_times: int, every: int) -> np.ndarray:
    """Grid times at which ``C_dd`` is measured: every ``every``-th index, and the last.

    ``numerics.cdd_every`` thins the expensive full correlation matrix (about one Trotter
    step per measurement at saturated chi) while the densities, entropies and chi keep the
    whole grid. Index 0 (t = 0) and the last index (t_max) are always included.
    """
    if every < 1:
        raise ValueError(f"cdd_every must be >= 1, got {every}")
    idx = np.arange(n_times)
    return (idx % every == 0) | (idx == n_times - 1)


def config_hash(cfg: dict) -> str:
    """Short stable hash of a validated config (recorded in every output)."""
    blob = json.dumps(cfg, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


#: Config keys of ``model`` and ``numerics`` that one run depends on (RunParams fields).
MODEL_KEYS = ("W", "td", "tc", "d_residue", "c_site")
NUMERIC_KEYS = (
    "chi_max",
    "dt",
    "order",
    "svd_min",
    "t_max",
    "t_first",
    "n_per_decade",
    "cdd_every",
    "trunc_err_max",
)


@dataclass(frozen=True)
class RunParams:
    """Everything one TEBD (or exact) run depends on. Names follow config and CLI flags."""

    L: int
    U: float
    seed: int
    W: float = 6.5
    td: float = 1.0
    tc: float = 1.0
    d_residue: int = 1
    c_site: int | None = None
    master_seed: int = 20220711
    chi_max: int = 64
    dt: float = 0.05
    order: int = 4
    svd_min: float = 1e-10
    t_max: float = 20.0
    t_first: float = 0.1
    n_per_decade: int = 10
    cdd_every: int = 1
    trunc_err_max: float = 1e-4

    @property
    def c0(self) -> int:
        """Initial c-boson site."""
        return self.L // 2 if self.c_site is None else self.c_site

    @property
    def numerics(self) -> str:
        return numerics_name(self.chi_max, self.dt, self.order, self.svd_min, self.t_max)

    def times(self) -> np.ndarray:
        return time_grid(self.t_max, self.dt, self.t_first, self.n_per_decade)

    def cdd_times(self) -> np.ndarray:
        """Which grid times measure ``C_dd`` (bool, like :meth:`times`): :func:`cdd_mask`."""
        return cdd_mask(len(self.times()), self.cdd_every)

    def as_attrs(self) -> dict[str, Any]:
        """Parameters as netCDF attributes (None becomes the resolved value)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["c_site"] = self.c0
        return out


def run_params(**kwargs: Any) -> RunParams:
    """Build and validate :class:`RunParams` through the schema (one source of truth).

    The keyword arguments are split into the config sections they belong to, validated with
    :func:`validate_config` (so defaults and error messages are the config's), and returned.
    """
    sections = {"model": MODEL_KEYS, "numerics": NUMERIC_KEYS}
    cfg: dict[str, Any] = {"model": {}, "numerics": {}, "sweep": {}}
    for sec, keys in sections.items():
        for k in keys:
            if kwargs.get(k) is not None:
                cfg[sec][k] = kwargs[k]
    for key in ("L", "U", "seed"):
        if kwargs.get(key) is None:
            raise ConfigError(f"parameter '{key}' is required")
    cfg["sweep"] = {"L": [kwargs["L"]], "U": [kwargs["U"]], "n_seeds": 1}
    if kwargs.get("master_seed") is not None:
        cfg["master_seed"] = kwargs["master_seed"]
    seed = kwargs["seed"]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"parameter 'seed': must be a non-negative integer, got {seed!r}")
    try:
        valid = validate_config(cfg)
    except ConfigError as exc:
        # Name the parameter the way the CLI does: 'sweep.L.0' -> 'L'.
        msg = str(exc)
        for key in ("L", "U"):
            msg = msg.replace(f"'sweep.{key}.0'", f"'{key}'")
        for sec in ("model.", "numerics."):
            msg = msg.replace(f"'{sec}", "'")
        raise ConfigError(msg) from None
    m, n = valid["model"], valid["numerics"]
    return RunParams(
        L=int(kwargs["L"]),
        U=float(kwargs["U"]),
        seed=int(seed),
        master_seed=int(valid["master_seed"]),
        **{k: m[k] for k in sections["model"]},
        **{k: n[k] for k in sections["numerics"]},
    )


def run_table(cfg: dict) -> list[RunParams]:
    """All TEBD runs of a validated config, one per (L, U, seed)."""
    m, n = cfg["model"], cfg["numerics"]
    runs = []
    for L in cfg["sweep"]["L"]:
        for U in cfg["sweep"]["U"]:
            for s in range(cfg["sweep"]["n_seeds"]):
                runs.append(
                    RunParams(
                        L=L,
                        U=float(U),
                        seed=s,
                        master_seed=cfg["master_seed"],
                        chi_max=chi_max_for(cfg, L),
                        **{k: m[k] for k in MODEL_KEYS},
                        **{k: n[k] for k in NUMERIC_KEYS if k != "chi_max"},
                    )
                )
    return runs
