"""Conda env files pin exactly the versions of the lock the tests run on."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.strip().split("==")
            pins[_canon(name)] = version
    return pins


def test_env_files_agree_with_lock():
    lock = _lock()
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert {p.stem for p in envs} == {"simulate", "analysis", "figures"}
    for path in envs:
        env = yaml.safe_load(path.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        pinned = [p for p in pip if not p.startswith("-e")]
        assert pinned, path
        for spec in pinned:
            name, sep, version = spec.partition("==")
            assert sep, f"{path.name}: {spec} is not pinned with =="
            assert lock.get(_canon(name)) == version, (
                f"{path.name}: {spec} vs lock {lock.get(_canon(name))}"
            )


def test_pyproject_pins_agree_with_lock():
    import tomllib

    lock = _lock()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for name, extra in meta["optional-dependencies"].items():
        if name != "bench":  # on-demand benchmark tools, deliberately not in the lock
            specs += extra
    for spec in specs:
        name, sep, version = spec.partition("==")
        assert sep and lock.get(_canon(name)) == version, spec


def test_every_rule_has_a_conda_env():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        n_rules = len(re.findall(r"^\s*rule\b", text, flags=re.M))
        n_conda = len(re.findall(r"^\s*conda:", text, flags=re.M))
        assert n_rules == n_conda, f"{smk.name}: {n_rules} rules, {n_conda} conda directives"
