"""The config schema: where it is, validation of a config (defaults filled), its hash.

One JSON schema (``workflow/schemas/config.schema.yaml``) defines every parameter, its type,
range and default. Snakemake applies it with ``snakemake.utils.validate``; the CLI applies it
through :func:`validate_config`. Checks that a JSON schema cannot express (``c_site < L``,
``t_first < t_max``) are in :mod:`mblbath.config.checks` and are used by both.

Config files are read as Snakemake reads them (:func:`load_configs`: each file merged key
by key over the previous one, the first being ``config/config.yaml``), with errors that say
where: a YAML syntax error names the file, line and column; an unknown key is named with
the keys allowed there, without the schema. Integer keys (``chi_max_per_L: {24: 128}``,
as YAML reads them) become strings, as JSON would write them.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
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
    "load_configs",
    "read_config_file",
    "merge_configs",
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
    cfg = _str_keys(copy.deepcopy(config)) if config is not None else {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"config must be a mapping, got {type(cfg).__name__}")
    given = set(_flat(cfg)) if partial else None
    schema = load_schema() if schema is None else schema
    # Twice: defaults of nested objects are filled after their parent default is inserted.
    for _ in range(2):
        errors = sorted(_Validator(schema).iter_errors(cfg), key=lambda e: e.path)
        if errors:
            raise _schema_error(errors[0])
    check_consistency(cfg, given)
    return cfg


def _str_keys(obj: Any) -> Any:
    """``obj`` with every mapping key a string (YAML reads ``{24: 128}`` with an int key)."""
    if isinstance(obj, Mapping):
        return {str(k): _str_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_str_keys(v) for v in obj]
    return obj


def _schema_error(err: jsonschema.ValidationError) -> ConfigError:
    """A one-line error naming the key; an unknown key with the keys allowed there."""
    where = [str(p) for p in err.absolute_path]
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        pattern = err.schema.get("patternProperties")
        extra = [k for k in err.instance if k not in allowed]
        if pattern and not allowed:
            what = "not a size (keys are system sizes L, e.g. 24)"
            return CONFIG_KEYS.error(".".join([*where, extra[0]]), what)
        close = difflib.get_close_matches(extra[0], allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        known = ", ".join(allowed)
        return CONFIG_KEYS.error(
            ".".join([*where, extra[0]]), f"unknown key (allowed here: {known}){hint}"
        )
    return CONFIG_KEYS.error(".".join(where), err.message)


def read_config_file(path: str | os.PathLike) -> dict:
    """The mapping in a YAML (or JSON) config file, not yet validated.

    Raises :class:`ConfigError` naming the file (and the line and column of a YAML syntax
    error).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_error(path, exc)) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise ConfigError(f"config file {path}: expected keys at the top level, got a {kind}")
    return raw


def _yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    """``config file F, line L, column C: <problem>`` from a YAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = f"{context}: {problem}" if context else problem
    return f"config file {path}{where}: not valid YAML ({what})"


def merge_configs(base: Mapping[str, Any], *overrides: Mapping[str, Any]) -> dict:
    """``base`` updated key by key with each of ``overrides`` in turn (Snakemake's rule:
    nested mappings are merged, anything else is replaced)."""
    out = copy.deepcopy(dict(base))
    for over in overrides:
        _merge_into(out, over)
    return out


def _merge_into(target: dict, over: Mapping[str, Any]) -> None:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def load_config(path: str | os.PathLike) -> dict:
    """Read a YAML config file and validate it (see :func:`validate_config`)."""
    return load_configs([path])


def load_configs(paths: Sequence[str | os.PathLike], base: str | os.PathLike | None = None) -> dict:
    """Read config files, merge them as Snakemake does, and validate the result.

    Parameters
    ----------
    paths : sequence of path
        Config files, each merged over the previous ones (``--configfile A B``).
    base : path, optional
        The workflow's own config file (``configfile:`` of the Snakefile,
        ``config/config.yaml``), merged under ``paths``.
    """
    files = ([Path(base)] if base is not None else []) + [Path(p) for p in paths]
    raw = merge_configs({}, *(read_config_file(p) for p in files))
    try:
        return validate_config(raw)
    except ConfigError as exc:
        names = " over ".join(str(p) for p in reversed(files))
        raise ConfigError(f"{names}: {exc}") from None


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
