"""Configuration: the config schema as the one parameter table, validation, run parameters.

- :mod:`~mblbath.config.schema`: load the schema, validate a config (defaults filled);
- :mod:`~mblbath.config.table`: the parameter table read from the schema (types, defaults,
  descriptions, which rule uses which key);
- :mod:`~mblbath.config.checks`: the checks across keys the schema cannot express;
- :mod:`~mblbath.config.run`: :class:`RunParams`, generated from the table, and
  :func:`run_params`;
- :mod:`~mblbath.config.rules`: what each workflow rule receives (flags, settings);
- :mod:`~mblbath.config.derived`: path names, the time grid, chi per size.
"""

from .checks import CHECKS, ConfigError
from .derived import (
    FLOAT_RE,
    cdd_mask,
    chi_max_for,
    default_c_site,
    fmt_float,
    numerics_name,
    time_grid,
)
from .rules import rule_config_hash, rule_flags, rule_params, rule_settings
from .run import (
    TABLE,
    RunParams,
    make_run_params,
    make_run_params_class,
    model_for,
    model_of,
    model_regex,
    numerics_for,
    numerics_of,
    run_params,
    run_table,
    run_values,
)
from .schema import (
    check_consistency,
    config_hash,
    load_config,
    load_configs,
    load_schema,
    merge_configs,
    read_config_file,
    schema_path,
    validate_config,
)
from .table import RUN_COORDS, RUN_RULE, Param, ParamTable, build_table

#: Run parameters of the ``model`` and ``numerics`` sections (RunParams fields).
MODEL_KEYS: tuple[str, ...] = TABLE.run_keys(section="model")
NUMERIC_KEYS: tuple[str, ...] = TABLE.run_keys(section="numerics")

__all__ = [
    "CHECKS",
    "ConfigError",
    "FLOAT_RE",
    "MODEL_KEYS",
    "NUMERIC_KEYS",
    "Param",
    "ParamTable",
    "RUN_COORDS",
    "RUN_RULE",
    "RunParams",
    "TABLE",
    "build_table",
    "cdd_mask",
    "check_consistency",
    "chi_max_for",
    "config_hash",
    "default_c_site",
    "fmt_float",
    "load_config",
    "load_configs",
    "load_schema",
    "merge_configs",
    "read_config_file",
    "make_run_params",
    "make_run_params_class",
    "model_for",
    "model_of",
    "model_regex",
    "numerics_for",
    "numerics_name",
    "numerics_of",
    "rule_config_hash",
    "rule_flags",
    "rule_params",
    "rule_settings",
    "run_params",
    "run_table",
    "run_values",
    "schema_path",
    "time_grid",
    "validate_config",
]
