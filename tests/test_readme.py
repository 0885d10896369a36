"""The README's two commands are what CI and users run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    return re.findall(r"```sh\n(python3 -m venv[^\n]+)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_the_readme_test_command_verbatim():
    run_cmd, test_cmd = _commands()[:2]
    assert run_cmd.endswith("snakemake --cores 2")
    assert test_cmd.endswith("pytest")
    assert test_cmd in (ROOT / ".ci" / "run").read_text().splitlines()
