"""The parameter table: every key of the config schema, with what the code needs to know.

The schema (``workflow/schemas/config.schema.yaml``) is the only list of parameters. This
module reads it once into a :class:`ParamTable` of :class:`Param` entries -- name, section,
type, default, description, sub-schema -- plus the two annotations the schema adds for the
code: ``x-used-by`` (the rules whose ``params:`` carry the key), ``x-flag: when-set`` and
``x-path`` (the keys that name the ``{model}`` folder of the results paths). The
run parameters (:class:`~mblbath.config.run.RunParams`), the CLI flags of ``mblbath
run|exact|disorder``, the rule flags and settings of the workflow, and the keys the
validation compares are all derived from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Param", "ParamTable", "build_table", "RUN_RULE", "RUN_COORDS"]

#: The rule whose keys are the run parameters (fields of RunParams, flags of ``mblbath run``).
RUN_RULE = "tebd"

#: The coordinates of one run: not parameters with defaults, but the job's (L, U, seed).
RUN_COORDS = ("L", "U", "seed")

_PYTYPES = {"integer": int, "number": float, "boolean": bool, "string": str}


@dataclass(frozen=True)
class Param:
    """One key of the config schema.

    Attributes
    ----------
    name : str
        The key (``chi_max``); also the RunParams field, netCDF attribute and, with dashes,
        the CLI flag (``--chi-max``).
    section : str or None
        The config section holding it (``numerics``), None at the top level.
    schema : dict
        Its sub-schema (type, range, enum, default, description, annotations).
    used_by : tuple of str
        Rules whose ``params:`` carry the key (``x-used-by``).
    when_set : bool
        Passed as a rule flag only when it differs from its default (``x-flag: when-set``
        or a null default).
    """

    name: str
    section: str | None
    schema: Mapping[str, Any]
    used_by: tuple[str, ...]
    when_set: bool

    @property
    def path(self) -> str:
        """Dotted config key: ``numerics.chi_max`` (``master_seed`` at the top level)."""
        return self.name if self.section is None else f"{self.section}.{self.name}"

    @property
    def flag(self) -> str:
        """The CLI flag: ``--chi-max``."""
        return "--" + self.name.replace("_", "-")

    @property
    def default(self) -> Any:
        return self.schema.get("default")

    @property
    def description(self) -> str:
        return " ".join(str(self.schema.get("description", "")).split())

    @property
    def path_label(self) -> str | None:
        """Label of the key in the ``{model}`` folder name (``x-path``), or None."""
        return self.schema.get("x-path")

    def path_text(self, value: Any) -> str:
        """``label + value`` in a folder name: ``W6.5``, ``ms20220711``, ``cmid`` (null)."""
        from .derived import fmt_float

        if value is None:
            text = str(self.schema.get("x-path-null", "none"))
        elif self.pytype is float:
            text = fmt_float(value)
        else:
            text = str(value)
        return f"{self.path_label}{text}"

    @property
    def json_types(self) -> tuple[str, ...]:
        """The JSON types allowed (``("integer", "null")`` for an optional integer)."""
        typ = self.schema.get("type", ())
        return (typ,) if isinstance(typ, str) else tuple(typ)

    @property
    def nullable(self) -> bool:
        return "null" in self.json_types

    @property
    def pytype(self) -> type:
        """Python type of a value (``int`` for ``["integer", "null"]``; ``object`` if other)."""
        scalar = [t for t in self.json_types if t != "null"]
        if len(scalar) == 1 and scalar[0] in _PYTYPES:
            return _PYTYPES[scalar[0]]
        return object

    @property
    def annotation(self) -> Any:
        """Type annotation of the RunParams field."""
        return self.pytype | None if self.nullable else self.pytype

    def coerce(self, value: Any) -> Any:
        """A validated value as its Python type (``5`` -> ``5.0`` for a number)."""
        if value is None or self.pytype is object:
            return value
        return self.pytype(value)


class ParamTable:
    """Every key of a config schema, in schema order (see the module docstring).

    Parameters
    ----------
    schema : mapping
        The config schema (as loaded from YAML).
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.params: tuple[Param, ...] = tuple(_leaves(schema))
        self._run: dict[str, Param] = {}
        for p in self.params:
            if RUN_RULE in p.used_by:
                if p.name in self._run or p.name in RUN_COORDS:
                    raise ValueError(f"two run parameters named {p.name!r}")
                self._run[p.name] = p

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def used_by(self, rule: str) -> tuple[Param, ...]:
        """The keys rule ``rule`` receives, in schema order."""
        return tuple(p for p in self.params if rule in p.used_by)

    @property
    def run(self) -> tuple[Param, ...]:
        """The run parameters: the keys the ``tebd`` rule uses (RunParams fields)."""
        return tuple(self._run.values())

    def run_keys(self, rule: str = RUN_RULE, section: str | None = "*") -> tuple[str, ...]:
        """Names of the run parameters ``rule`` uses (of one ``section`` if given)."""
        return tuple(
            p.name
            for p in self.used_by(rule)
            if self._run.get(p.name) is p and (section == "*" or p.section == section)
        )

    @property
    def path_params(self) -> tuple[Param, ...]:
        """The keys that name the ``{model}`` folder (``x-path``), in schema order."""
        return tuple(p for p in self.params if p.path_label is not None)

    @property
    def rules(self) -> frozenset[str]:
        """Every rule named by some ``x-used-by``."""
        return frozenset(r for p in self.params for r in p.used_by)

    def coordinate_schema(self, name: str) -> Mapping[str, Any]:
        """Sub-schema of one value of a run coordinate: ``sweep.L`` items for ``L``, etc."""
        if name == "seed":
            return {"type": "integer", "minimum": 0}
        return self.schema["properties"]["sweep"]["properties"][name]["items"]


def _leaves(schema: Mapping[str, Any]) -> Iterator[Param]:
    """The keys of the config: top-level scalars and the properties of each section."""
    for key, sub in schema["properties"].items():
        if sub.get("type") == "object" and "properties" in sub:
            for name, leaf in sub["properties"].items():
                yield _param(name, key, leaf)
        else:
            yield _param(key, None, sub)


def _param(name: str, section: str | None, sub: Mapping[str, Any]) -> Param:
    used_by = tuple(sub.get("x-used-by", ()))
    flag = sub.get("x-flag")
    if flag not in (None, "when-set"):
        raise ValueError(f"{name}: x-flag must be 'when-set', got {flag!r}")
    when_set = flag == "when-set" or ("default" in sub and sub["default"] is None)
    return Param(name, section, sub, used_by, when_set)


def build_table(schema: Mapping[str, Any]) -> ParamTable:
    """The :class:`ParamTable` of ``schema``."""
    return ParamTable(schema)
