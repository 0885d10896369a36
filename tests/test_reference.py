"""The committed reference results (``results/reference/reproduction/``) against today's code.

The reference holds what ``snakemake --cores 2 --configfile config/reproduction.yaml``
produced: aggregates, fits, figures and ``claims.md``. Here the analysis rules (fits,
figures, report) run again on the committed aggregates, with the commands Snakemake plans
for them, and must give the committed claims table: the reference can never drift silently
from the analysis code. A change of the analysis that moves a number or a verdict fails this
test; regenerate the reference then (``results/reference/README.md``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mblbath.checksum import seal
from test_workflow import copy_repo, job_counts, planned_outputs, snakemake

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "results" / "reference" / "reproduction"
CONFIG = "config/reproduction.yaml"
#: The rules that re-run on the committed aggregates, in an order that respects their inputs.
ANALYSIS_RULES = (
    "choices",
    "fit_nc",
    "fit_ld",
    "fit_lc",
    "fit_entanglement",
    "figure_fig1",
    "figure_fig2",
    "figure_fig3",
    "figure_fig4",
    "figure_criterion",
    "claims",
)
#: Lines of claims.md that name the checkout rather than the results.
VOLATILE = re.compile(r"^- git commit: ")


def planned_commands(dry_run: str) -> dict[str, list[str]]:
    """The shell command of every planned job of a ``snakemake -n -p`` output, by rule."""
    out: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", dry_run):
        m = re.match(r"(?:local)?rule (\w+):", block.strip())
        cmd = re.search(r"^Shell command: (.+)$", block, re.M)
        if m and cmd:
            out.setdefault(m.group(1), []).append(cmd.group(1))
    return out


def claims_table(text: str) -> list[str]:
    return [line for line in text.splitlines() if not VOLATILE.match(line)]


def _reference_files() -> list[Path]:
    return [p for p in REF.rglob("*") if p.is_file()]


def test_reference_is_complete_and_small():
    """Figures 1-4 (PNG and PDF), claims.md, fits and aggregates, <= 30 MB in all."""
    if not REF.exists():
        pytest.fail(f"{REF} is missing: see results/reference/README.md")
    for name in ("fig1", "fig2", "fig3", "fig4"):
        for ext in ("png", "pdf"):
            assert (REF / "figures" / f"{name}.{ext}").stat().st_size > 0, (name, ext)
    assert (REF / "report" / "claims.md").read_text().startswith("# Claims")
    assert list((REF / "aggregate").rglob("L*.nc")) and list((REF / "fits").rglob("*.nc"))
    size = sum(p.stat().st_size for p in _reference_files())
    assert size <= 30e6, size
    # README.md says how they were made.
    about = (ROOT / "results" / "reference" / "README.md").read_text()
    for word in ("snakemake --cores 2 --configfile config/reproduction.yaml", "wall", "commit"):
        assert word in about, word


@pytest.mark.slow
def test_analysis_rules_on_the_committed_aggregates_give_the_committed_claims(tmp_path):
    work = copy_repo(tmp_path / "repo")
    results = work / "results"
    shutil.rmtree(results / "reference", ignore_errors=True)
    for part in REF.iterdir():  # the inputs of the analysis rules: aggregates, fits, ...
        if part.is_dir() and part.name not in ("figures", "report"):
            shutil.copytree(part, results / part.name)
    plan = snakemake("-n", "-p", "--forceall", "--configfile", CONFIG, cwd=work).stdout
    commands = planned_commands(plan)
    assert set(commands) >= {"claims", "fit_nc", "fit_entanglement"}, job_counts(plan)
    env = dict(os.environ, PYTHONPATH=str(work / "src"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for rule in ANALYSIS_RULES:
        for cmd in commands.get(rule, []):
            for log in re.findall(r"2>>? (\S+)", cmd):
                (work / log).parent.mkdir(parents=True, exist_ok=True)
            proc = subprocess.run(
                cmd, shell=True, cwd=work, env=env, capture_output=True, text=True
            )
            assert proc.returncode == 0, (rule, cmd, proc.stderr)
    for name in ("fig1", "fig2", "fig3", "fig4"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 0, name
    got = claims_table((results / "report" / "claims.md").read_text())
    want = claims_table((REF / "report" / "claims.md").read_text())
    assert got == want


def test_one_more_seed_plans_that_run_and_what_depends_on_it(tmp_path):
    """With the reproduction's results in place, ``n_seeds + 1`` plans one TEBD run per
    (L, U) for the new seed, its disorder, and the aggregates, fits, figures and report
    downstream; no run of the existing seeds is planned again (dry run)."""
    cfg = yaml.safe_load((ROOT / CONFIG).read_text())
    more = tmp_path / "more.yaml"
    more.write_text(
        yaml.safe_dump({**cfg, "sweep": {**cfg["sweep"], "n_seeds": cfg["sweep"]["n_seeds"] + 1}})
    )
    work = copy_repo(tmp_path / "repo")
    # Every file of the reproduction up to the aggregates present (sealed placeholders will
    # do for planning: the plan is by path, mtime and checksum), then one seed more.
    plan = snakemake("-n", "--forceall", "--configfile", CONFIG, cwd=work).stdout
    for rule in ("sample_disorder", "collect_disorder", "tebd", "aggregate"):
        for rel in planned_outputs(plan, rule):
            for one in rel.split(","):
                path = work / one.strip()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"placeholder")
                seal(path)
    counts = job_counts(
        snakemake("-n", "--rerun-triggers", "mtime", "--configfile", str(more), cwd=work).stdout
    )
    n_L, n_U = len(cfg["sweep"]["L"]), len(cfg["sweep"]["U"])
    assert counts["tebd"] == n_L * n_U, counts
    assert counts["sample_disorder"] == n_L and counts["aggregate"] == n_L, counts
    assert counts["claims"] == 1 and counts["fit_entanglement"] == n_L, counts
