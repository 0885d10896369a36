"""What each workflow rule receives of the config, from the parameter table.

A rule gets exactly the keys whose ``x-used-by`` names it, so that with Snakemake's
``params`` rerun trigger a change reruns exactly the jobs that use it: :func:`rule_flags`
for the run commands (``tebd``, ``exact``), :func:`rule_params` for values a shell command
names one by one, :func:`rule_settings` for the ``--settings`` JSON of the fits, figures
and report, and :func:`rule_config_hash` for the ``--config-hash`` every file records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .run import TABLE, run_values
from .schema import config_hash, validate_config
from .table import ParamTable

__all__ = ["rule_flags", "rule_params", "rule_settings", "rule_config_hash"]


def rule_flags(cfg: Mapping[str, Any], rule: str, L: int | str, table: ParamTable = TABLE) -> str:
    """The run flags of ``rule`` at size ``L``: ``--W 6.5 --td 1.0 ... --chi-max 64 ...``.

    Flags come in schema order, those passed only when set (``x-flag: when-set``, null
    defaults) last, and only if their value is not the default (not null). Values are
    written as the config holds them, so the command of a run never changes unless a
    value does.
    """
    values = run_values(cfg, int(L), table)
    always, when_set = [], []
    for p in table.used_by(rule):
        value = values[p.name]
        if value is None:
            continue
        if not p.when_set:
            always.append(f"{p.flag} {value}")
        elif value != p.default:
            when_set.append(f"{p.flag} {value}")
    return " ".join(always + when_set)


def rule_params(cfg: Mapping[str, Any], rule: str, table: ParamTable = TABLE) -> dict[str, Any]:
    """The keys ``rule`` uses as ``{name: value}`` (for ``params: **...``)."""
    return {p.name: _value(cfg, p.path) for p in table.used_by(rule)}


def rule_settings(cfg: Mapping[str, Any], rule: str, table: ParamTable = TABLE) -> str:
    """The keys ``rule`` uses as config-shaped JSON, for ``mblbath fit|figure|report
    --settings``: ``{"analysis": {"fit_t_min": 1.0, ...}}`` (top-level keys at the top)."""
    out: dict[str, Any] = {}
    for p in table.used_by(rule):
        if p.section is None:
            out[p.name] = cfg[p.name]
        else:
            out.setdefault(p.section, {})[p.name] = cfg[p.section][p.name]
    return json.dumps(out, sort_keys=True)


def rule_config_hash(cfg: Mapping[str, Any], *rules: str, table: ParamTable = TABLE) -> str:
    """Config hash of the keys ``rules`` use (validated, schema defaults filled).

    For one rule it is the hash ``mblbath fit|figure|report`` records from that rule's
    ``--settings``, so every file's ``config_hash`` changes exactly when a key its rule
    uses does (a rule without keys of its own names the rules whose outputs it reads).
    """
    merged: dict[str, Any] = {}
    for rule in rules:
        for key, value in json.loads(rule_settings(cfg, rule, table)).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            else:
                merged[key] = value
    return config_hash(validate_config(merged, partial=True))


def _value(cfg: Mapping[str, Any], path: str) -> Any:
    section, _, name = path.rpartition(".")
    return cfg[section][name] if section else cfg[name]
