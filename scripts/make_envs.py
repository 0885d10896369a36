"""Write envs/{simulate,analysis,figures}.yaml from requirements.lock (the one source).

Each rule family gets the third-party packages its ``mblbath`` subcommands import, with
their whole dependency closure pinned to the versions of requirements.lock (the versions
the tests run on):

- ``simulate`` (``mblbath run``, ``exact``, ``disorder``): TeNPy, numpy/scipy, xarray and
  netCDF4, threadpoolctl, tqdm;
- ``analysis`` (``mblbath aggregate``, ``validate``, ``fit``, ``report``): numpy/scipy,
  xarray and netCDF4, Markdown (the HTML claims table); neither TeNPy nor matplotlib;
- ``figures`` (``mblbath figure``): the analysis packages without Markdown, plus matplotlib.

Packages come from conda-forge under their conda-forge names (:data:`CONDA_FORGE`); a
package without a conda-forge name goes to the env's pip section. ``--pip-only`` writes
envs that take every package from PyPI instead (the exact set tests/test_envs.py installs).

The envs hold no path and no copy of mblbath: Snakemake copies an env file to
``.snakemake/conda/<hash>.yaml`` before conda reads it, so a relative path (``-e ..``)
would point into ``.snakemake/``, and an installed copy of mblbath would go stale when the
code changes. The rules run ``python -m mblbath`` with the repository's ``src/`` first on
``PYTHONPATH`` instead (the shell prefix set in workflow/rules/common.smk).

Run from the repository root in the environment installed from requirements.lock:
``python scripts/make_envs.py`` (``--check``: exit 1 if a file differs).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

#: The Python and pip of every env (the interpreter the tests run on).
PYTHON = "3.11.7"
PIP = "23.2.1"

_CORE = ["numpy", "scipy", "xarray", "netCDF4", "pandas", "jsonschema", "PyYAML"]

#: Top-level packages of each rule family (mblbath's imports in the commands it runs).
FAMILIES: dict[str, list[str]] = {
    "simulate": ["physics-tenpy", *_CORE, "threadpoolctl", "tqdm"],
    "analysis": [*_CORE, "Markdown"],
    "figures": [*_CORE, "matplotlib"],
}

#: conda-forge name of each PyPI package (canonical PyPI name -> conda-forge name).
CONDA_FORGE: dict[str, str] = {
    "attrs": "attrs",
    "certifi": "certifi",
    "cftime": "cftime",
    "contourpy": "contourpy",
    "cycler": "cycler",
    "fonttools": "fonttools",
    "jsonschema": "jsonschema",
    "jsonschema-specifications": "jsonschema-specifications",
    "kiwisolver": "kiwisolver",
    "markdown": "markdown",
    "matplotlib": "matplotlib-base",
    "netcdf4": "netcdf4",
    "numpy": "numpy",
    "packaging": "packaging",
    "pandas": "pandas",
    "physics-tenpy": "physics-tenpy",
    "pillow": "pillow",
    "pyparsing": "pyparsing",
    "python-dateutil": "python-dateutil",
    "pyyaml": "pyyaml",
    "referencing": "referencing",
    "rpds-py": "rpds-py",
    "scipy": "scipy",
    "threadpoolctl": "threadpoolctl",
    "tqdm": "tqdm",
    "typing-extensions": "typing_extensions",
    "tzdata": "python-tzdata",
    "xarray": "xarray",
}


def canon(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(path: Path = ROOT / "requirements.lock") -> dict[str, tuple[str, str]]:
    """``{canonical name: (name as written, version)}`` of the lock."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            out[canon(name)] = (name, version)
    return out


def closure(roots: list[str]) -> set[str]:
    """Canonical names of ``roots`` and everything they require (installed metadata)."""
    seen: set[str] = set()
    todo = [canon(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in md.requires(name) or []:
            req = Requirement(text)
            # Dependencies of extras and of other platforms (Linux, no extras) are left out.
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canon(req.name))
    return seen


def packages(env: str) -> list[tuple[str, str]]:
    """``(canonical name, version)`` of every third-party package of ``env``, sorted."""
    pins = lock()
    names = sorted(closure(FAMILIES[env]))
    missing = [n for n in names if n not in pins]
    if missing:
        raise SystemExit(f"{env}: {missing} not in requirements.lock")
    return [(n, pins[n][1]) for n in names]


def render(env: str, pip_only: bool = False) -> str:
    """Text of ``envs/{env}.yaml``."""
    pins = lock()
    conda, pip = [], []
    for name, version in packages(env):
        if not pip_only and name in CONDA_FORGE:
            conda.append(f"  - {CONDA_FORGE[name]}=={version}")
        else:
            pip.append(f"      - {pins[name][0]}=={version}")
    conda.sort()
    source = "PyPI" if pip_only else "conda-forge (pip where it lacks a package)"
    lines = [
        f"# Rule family '{env}': generated by scripts/make_envs.py from requirements.lock.",
        f"# Every package pinned to the version the tests run on, from {source}.",
        "# No path and no mblbath here: the rules run the repository's src/ (common.smk).",
        f"name: mblbath-{env}",
        "channels:",
        "  - conda-forge",
        "  - nodefaults",
        "dependencies:",
        f"  - python=={PYTHON}",
        *conda,
    ]
    if pip:
        lines += [f"  - pip=={PIP}", "  - pip:", *pip]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pip-only", action="store_true", help="every package from PyPI (default: conda-forge)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file differs"
    )
    args = parser.parse_args(argv)
    stale = []
    for env in FAMILIES:
        path = ROOT / "envs" / f"{env}.yaml"
        text = render(env, args.pip_only)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
            continue
        path.write_text(text)
        print(f"{path.relative_to(ROOT)}: {len(packages(env))} packages")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/make_envs.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
