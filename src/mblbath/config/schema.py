"""The config schema: where it is, validation of a config (defaults filled), its hash.

One JSON schema (``workflow/schemas/config.schema.yaml``) defines every parameter, its type,
range and default. Snakemake applies it with ``snakemake.utils.validate``; the CLI applies it
through :func:`validate_config`. Checks that a JSON schema cannot express (``c_site < L``,
``t_first < t_max``) are in :mod:`mblbath.config.checks` and are used by both.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .checks import CONFIG_KEYS, ConfigError, reject_non_finite, run_checks

__all__ = [
    "schema_path",
    "load_schema",
    "validate_config",
    "load_config",
    "check_consistency",
    "config_hash",
]


def schema_path() -> Path:
    """Locate the config schema: inside an installed wheel, or in the source tree."""
    package = Path(__file__).resolve().parents[1]  # src/mblbath (or mblbath in a wheel)
    for candidate in (
        package / "config.schema.yaml",
        package.parents[1] / "workflow" / "schemas" / "config.schema.yaml",
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


def validate_config(
    config: dict | None, *, partial: bool = False, schema: Mapping[str, Any] | None = None
) -> dict:
    """Validate ``config`` against the schema, fill defaults, check consistency.

    Parameters
    ----------
    config : dict or None
        A config, or the keys one rule receives (``partial``).
    partial : bool
        Apply the checks across keys only among the keys ``config`` gives: a rule that
        receives ``analysis.t_ent`` but not ``numerics.t_max`` is not checked against the
        default ``t_max``.
    schema : mapping, optional
        The schema (default: :func:`load_schema`).

    Returns
    -------
    dict
        A new dict; raises :class:`ConfigError` naming the first offending key.
    """
    cfg = copy.deepcopy(config) if config is not None else {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"config must be a mapping, got {type(cfg).__name__}")
    given = set(_flat(cfg)) if partial else None
    schema = load_schema() if schema is None else schema
    # Twice: defaults of nested objects are filled after their parent default is inserted.
    for _ in range(2):
        errors = sorted(_Validator(schema).iter_errors(cfg), key=lambda e: e.path)
        if errors:
            err = errors[0]
            raise CONFIG_KEYS.error(".".join(str(p) for p in err.absolute_path), err.message)
    check_consistency(cfg, given)
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


def _flat(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted key -> value for the top-level keys and the keys of each section."""
    out: dict[str, Any] = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def check_consistency(cfg: dict, keys: set[str] | None = None) -> None:
    """Cross-key checks the schema cannot express (:data:`~mblbath.config.checks.CHECKS`).

    Only the checks whose keys are all in ``keys`` apply, if given. Raises
    :class:`ConfigError`.
    """
    reject_non_finite(cfg, "", CONFIG_KEYS)
    values = _flat(cfg)
    if keys is not None:
        values = {k: v for k, v in values.items() if k in keys}
    run_checks(values, CONFIG_KEYS)


def config_hash(cfg: dict) -> str:
    """Short stable hash of a validated config (recorded in every output)."""
    blob = json.dumps(cfg, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]
