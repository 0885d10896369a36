"""The schema is the one parameter table: RunParams, CLI flags, rule flags and settings,
and the keys the validation compares all come from it, and there is no second list."""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import pytest

from mblbath import config as mc
from mblbath.cli import build_parser
from mblbath.validation import _SHARED_KEYS

ROOT = Path(__file__).resolve().parents[1]


def _help(parser, command: str) -> str:
    """``mblbath COMMAND --help`` with whitespace normalised (argparse wraps lines)."""
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return " ".join(sub.format_help().split())


def _entry(p: mc.Param) -> str:
    """What the help of a flag must say: the schema's description and default."""
    return f"{p.description} (default: {json.dumps(p.default)})"


def test_every_run_key_reaches_run_params_cli_and_rules():
    table = mc.TABLE
    assert [p.name for p in table.run] == [
        n for n in mc.RunParams.__dataclass_fields__ if n not in mc.RUN_COORDS
    ]
    cfg = mc.load_config(ROOT / "config" / "smoke.yaml")
    for i, p in enumerate(table.run):  # a value unlike any default, so every flag is passed
        (cfg[p.section] if p.section else cfg)[p.name] = 1000 + i
    parser = build_parser()
    helps = {cmd: _help(parser, cmd) for cmd in ("run", "exact", "disorder")}
    rules = {"run": "tebd", "exact": "exact", "disorder": "sample_disorder"}
    for i, p in enumerate(table.run):
        field = mc.RunParams.__dataclass_fields__[p.name]
        assert field.default == p.default, p.name
        assert p.description, p.name
        for cmd, rule in rules.items():
            listed = rule in p.used_by or rule == "tebd"
            assert (_entry(p) in helps[cmd]) == listed, (cmd, p.name)
            if cmd != "disorder":
                assert (f"{p.flag} {1000 + i}" in mc.rule_flags(cfg, rule, 18)) == listed
        assert mc.rule_params(cfg, "sample_disorder").get(p.name) == (
            1000 + i if "sample_disorder" in p.used_by else None
        )
    assert "(default: 64)" in helps["run"] and "--chi-max" not in helps["exact"]
    assert set(_SHARED_KEYS) == {*mc.RUN_COORDS, *(p.name for p in table.used_by("exact"))}
    assert mc.MODEL_KEYS == tuple(p.name for p in table.run if p.section == "model")


def test_rule_flags_keep_the_commands_of_existing_runs():
    """Flags in schema order; when-set flags (c_site, cdd_every) only when set, last."""
    cfg = mc.load_config(ROOT / "config" / "smoke.yaml")
    assert mc.rule_flags(cfg, "tebd", 12) == (
        "--W 6.5 --td 1.0 --tc 1.0 --d-residue 1 --master-seed 20220711 --chi-max 32 --dt 0.1 "
        "--order 2 --svd-min 1e-10 --t-max 5 --t-first 0.1 --n-per-decade 8 --trunc-err-max 0.0001"
    )
    cfg["model"]["c_site"], cfg["numerics"]["cdd_every"] = 4, 3
    assert mc.rule_flags(cfg, "tebd", 12).endswith(
        "--trunc-err-max 0.0001 --c-site 4 --cdd-every 3"
    )
    assert mc.rule_flags(cfg, "exact", 12) == (
        "--W 6.5 --td 1.0 --tc 1.0 --d-residue 1 --master-seed 20220711 --dt 0.1 --t-max 5 "
        "--t-first 0.1 --n-per-decade 8 --c-site 4"
    )


def _schema_with_new_keys() -> dict:
    schema = copy.deepcopy(mc.load_schema())
    schema["properties"]["model"]["properties"]["g"] = {
        "type": "number",
        "minimum": 0,
        "default": 0.25,
        "description": "A new coupling, 100% made up.",
        "x-used-by": ["tebd", "exact"],
    }
    schema["properties"]["analysis"]["properties"]["n_grid"] = {
        "type": "integer",
        "minimum": 1,
        "default": 7,
        "description": "A new analysis setting.",
        "x-used-by": ["fit_nc", "claims"],
    }
    return schema


def test_a_key_added_to_the_schema_reaches_everything():
    """One edit in the schema: the new key is a RunParams field, a validated CLI flag with
    help and default, a rule flag, part of the settings of the rules that list it."""
    schema = _schema_with_new_keys()
    table = mc.build_table(schema)
    cls = mc.make_run_params_class(table)
    assert cls.__dataclass_fields__["g"].default == 0.25
    run = mc.make_run_params(cls, {"L": 12, "U": 1.0, "seed": 0, "g": 0.5})
    assert run.g == 0.5 and run.as_attrs("exact")["g"] == 0.5 and run.as_attrs()["chi_max"] == 64
    with pytest.raises(mc.ConfigError, match="parameter '--g': -1.0 is less than the minimum"):
        mc.make_run_params(cls, {"L": 12, "U": 1.0, "seed": 0, "g": -1.0})

    parser = build_parser(table)
    for cmd in ("run", "exact"):
        assert "--g G A new coupling, 100% made up. (default: 0.25)" in _help(parser, cmd)
    assert "--g" not in _help(parser, "disorder")
    args = parser.parse_args(
        ["run", "--L", "12", "--U", "1", "--seed", "0", "--g", "2", "--out", "x"]
    )
    assert args.g == 2.0

    cfg = mc.validate_config({"model": {"g": 0.75}}, schema=schema)
    assert cfg["analysis"]["n_grid"] == 7
    assert "--d-residue 1 --g 0.75 --master-seed" in mc.rule_flags(cfg, "tebd", 12, table)
    assert "--g 0.75" in mc.rule_flags(cfg, "exact", 12, table)
    assert json.loads(mc.rule_settings(cfg, "fit_nc", table))["analysis"]["n_grid"] == 7
    assert "n_grid" not in mc.rule_settings(cfg, "fit_lc", table)
    assert "g" in table.run_keys("exact", section="model")


def test_x_used_by_names_known_rules_only():
    rules = set(re.findall(r"^rule (\w+):", _workflow_text(), flags=re.MULTILINE))
    rules |= {
        f"figure_{name}" for name in ("fig1", "fig2", "fig3", "fig4", "criterion", "validation")
    }
    assert mc.TABLE.rules <= rules, mc.TABLE.rules - rules
    for p in mc.TABLE:
        assert p.description, p.path  # every key explains itself
        if p.used_by:
            assert p.section in (
                None,
                "model",
                "sweep",
                "numerics",
                "analysis",
                "criterion",
                "choices",
                "long_times",
            )


def test_sample_disorder_passes_every_key_it_receives():
    """The disorder rule names its params in the command (its command, hence its jobs,
    stay as they were): each key that lists sample_disorder must appear there."""
    text = (ROOT / "workflow" / "rules" / "disorder.smk").read_text()
    keys = mc.TABLE.used_by("sample_disorder")
    assert keys
    for p in keys:
        assert f"{p.flag} {{params.{p.name}}}" in text, p.name


def _workflow_text() -> str:
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    return "\n".join(f.read_text() for f in files)


def _names() -> set[str]:
    """Every run parameter, as the code would write it in a literal list (key or flag)."""
    names = {p.name for p in mc.TABLE.run}
    return names | {n.replace("_", "-") for n in names}


#: Modules still holding a list of run parameters: fits.py copies run attributes by name
#: (``_agg_attrs``, ``fit_lc``). It is being split into ``mblbath/analysis/`` (issue #20,
#: analysis part), which can take the keys from ``mblbath.config``; drop it from here then.
_PENDING: set[str] = set()


def _name_lists(path: Path, names: set[str]) -> list[str]:
    """Literal tuples/lists/sets (dict keys) made only of parameter names, three or more."""
    allowed = names | set(mc.RUN_COORDS)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            items = node.keys
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        else:
            continue
        values = [i.value if isinstance(i, ast.Constant) else None for i in items]
        if values and all(v in allowed for v in values) and len(set(values) & names) >= 3:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {values}")
    return found


def test_no_second_list_of_parameters():
    """No literal list (tuple, set, dict keys) of run parameters in src/, and the workflow
    rules do not spell them out: the schema is the only list of them."""
    names = _names()
    found = []
    for path in sorted((ROOT / "src" / "mblbath").rglob("*.py")):
        if str(path.relative_to(ROOT)) not in _PENDING:
            found += _name_lists(path, names)
    assert not found, found
    quoted = set(re.findall(r"[\"']([\w-]+)[\"']", _workflow_text())) & names
    assert len(quoted) < 3, quoted
    # the check itself finds what the code held before the table
    old = ROOT / "tests" / "old_lists.py"
    try:
        old.write_text('MODEL_KEYS = ("W", "td", "tc", "d_residue", "c_site")\n')
        assert _name_lists(old, names)
    finally:
        old.unlink()
