"""A stand-in for ``conda`` so that ``snakemake --sdm conda`` runs where no channel is reachable.

Snakemake asks conda for its version, info and channel priority, then creates each env with
``conda env create --file .snakemake/conda/<hash>.yaml --prefix .snakemake/conda/<hash>``
and runs a job as ``source <conda>/bin/activate <prefix>; <command>``. This script answers
the questions and "creates" an env as a venv holding exactly the env file's packages, taken
from PyPI under their PyPI names (the reverse of scripts/make_envs.py's conda-forge names):
``pip install --no-deps`` of the listed pins, then ``pip check``, so a package the env file
forgets makes the creation fail. Paths in the pip section are resolved the way conda does,
relative to the copied env file, and must exist. What it cannot check: that conda-forge
holds these versions.

Installed by tests/test_envs.py as ``<root>/bin/conda`` (a wrapper that sets
``FAKE_CONDA_ROOT``) next to ``<root>/bin/activate``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: ``bin/activate`` of the fake installation: puts the env's bin first on PATH.
ACTIVATE = 'export CONDA_PREFIX="$1"; export PATH="$1/bin:$PATH"\n'


def _make_envs():
    spec = importlib.util.spec_from_file_location("make_envs", ROOT / "scripts" / "make_envs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pypi_requirements(env_file: Path) -> list[str]:
    """The env file's packages as pip requirements (PyPI names, same pins).

    Raises SystemExit naming the entry for an unknown conda name, a Python of another minor
    version, or a path in the pip section that does not exist next to ``env_file``.
    """
    make_envs = _make_envs()
    to_pypi = {conda: pypi for pypi, conda in make_envs.CONDA_FORGE.items()}
    env = yaml.safe_load(env_file.read_text())
    if "conda-forge" not in env.get("channels", []):
        raise SystemExit(f"{env_file}: conda-forge is not a channel")
    reqs = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for entry in dep["pip"]:
                reqs.append(_pip_entry(entry, env_file.parent))
            continue
        name, sep, version = dep.partition("==")
        if not sep:
            raise SystemExit(f"{env_file}: {dep!r} is not pinned with ==")
        if name == "python":
            here = platform.python_version()
            if version.rsplit(".", 1)[0] != here.rsplit(".", 1)[0]:
                raise SystemExit(f"{env_file}: python {version}, this is {here}")
        elif name != "pip":
            if name not in to_pypi:
                raise SystemExit(f"{env_file}: {name} is not a conda-forge name of make_envs")
            reqs.append(f"{to_pypi[name]}=={version}")
    return reqs


def _pip_entry(entry: str, where: Path) -> str:
    """A pip-section entry; a path in it must exist relative to the env file (as for conda)."""
    words = entry.split()
    if words[0] in ("-e", "--editable", "-r", "--requirement") or "/" in entry or entry == ".":
        path = (where / words[-1].split("[")[0]).resolve()
        if not path.exists() or (words[0] in ("-e", "--editable") and not _is_project(path)):
            raise SystemExit(f"pip entry {entry!r} names {path}, which is not there")
    return entry


def _is_project(path: Path) -> bool:
    return (path / "pyproject.toml").exists() or (path / "setup.py").exists()


def create(env_file: Path, prefix: Path) -> int:
    reqs = pypi_requirements(env_file)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(prefix / "bin" / "python")]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--no-input", "--no-compile", *reqs],
        check=True,
        cwd=env_file.parent,
    )
    subprocess.run([*pip, "check"], check=True)
    print(f"fake conda: {prefix} with {len(reqs)} packages")
    return 0


def _option(argv: list[str], name: str) -> Path:
    return Path(argv[argv.index(name) + 1].strip('"'))


def main(argv: list[str]) -> int:
    root = os.environ["FAKE_CONDA_ROOT"]
    if argv[:1] == ["--version"]:
        print("conda 24.11.3")
    elif argv[:2] == ["info", "--json"]:
        print(json.dumps({"conda_prefix": root, "platform": "linux-64", "envs_dirs": []}))
    elif argv[:2] == ["config", "--get"]:
        print(json.dumps({"get": {"channel_priority": "strict"}, "success": True}))
    elif argv[:2] == ["env", "create"]:
        return create(_option(argv, "--file"), _option(argv, "--prefix"))
    elif argv[:1] != ["clean"]:
        print(f"fake conda: {' '.join(argv)} is not supported", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
