"""The Snakemake workflow as a user runs it: lint, planning, schema errors, smoke run, reruns.

The end-to-end tests copy the repository's tracked files into a temporary folder and run
``snakemake`` there, so they never touch ``results/`` of the working tree.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from cf_check import checker_problems
from mblbath.io import open_result

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
#: The rerun triggers of profiles/default, explicit so the tests do not depend on the profile.
RERUN = ("--rerun-triggers", "mtime", "params", "input", "code")


def snakemake(*args: str, cwd: Path = ROOT, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, timeout=1200)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def job_counts(dry_run_output: str) -> dict[str, int]:
    """The 'job  count' table of a dry run, as {rule: count}."""
    counts = {}
    table = dry_run_output.split("job ", 1)[-1].split("total", 1)[0]
    for line in table.splitlines():
        m = re.match(r"^([A-Za-z_][\w]*)\s+(\d+)\s*$", line.strip())
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def planned_outputs(dry_run_output: str, rule: str) -> list[str]:
    """Output paths of the planned jobs of one rule (from the dry run's job blocks)."""
    outs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", dry_run_output):
        if re.match(rf"(?:local)?rule {rule}:", block.strip()):
            m = re.search(r"output: (.+)", block)
            if m:
                outs.append(m.group(1).strip())
    return outs


def copy_repo(dest: Path) -> Path:
    """Copy the tracked repository (plus uncommitted and untracked, not ignored files)."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for rel in files:
        if rel.startswith("results/reference/"):  # committed results; tests that use them copy them
            continue
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def clone_tree(src: Path, dest: Path) -> Path:
    """Copy a worked-in repository copy (results, .snakemake metadata, mtimes) to ``dest``."""
    shutil.copytree(src, dest, symlinks=True)
    return dest


def write_config(workdir: Path, name: str, **changes) -> Path:
    cfg = yaml.safe_load((workdir / "config" / "smoke.yaml").read_text())
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        cfg.setdefault(section, {})[key] = value
    path = workdir / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_lint_is_clean():
    proc = snakemake("--lint", "--configfile", "config/smoke.yaml")
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr


def test_paper_config_plans_every_job():
    start = time.perf_counter()
    proc = snakemake("-n", "--configfile", "config/paper.yaml")
    print(f"paper config planned in {time.perf_counter() - start:.1f} s")
    cfg = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    n_tebd = len(cfg["sweep"]["L"]) * len(cfg["sweep"]["U"]) * cfg["sweep"]["n_seeds"]
    assert n_tebd == 3 * 6 * 50
    assert job_counts(proc.stdout)["tebd"] == n_tebd


def test_rules_receive_the_keys_the_schema_gives_them():
    """Every job's settings and run flags in a dry run are those the parameter table gives
    its rule (mblbath.config.rule_settings/rule_flags): no rule gets a key it does not use."""
    from mblbath import config as mc

    cfg = mc.load_config(ROOT / "config" / "smoke.yaml")
    proc = snakemake("-n", "--forceall", "--configfile", "config/smoke.yaml")  # every job
    seen = set()
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", proc.stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        command = re.search(r"Shell command: (.+)", block)
        if not (rule and command):
            continue
        rule, command = rule.group(1), command.group(1)
        settings = re.search(r"--settings '([^']*)'", command)
        if settings:
            assert settings.group(1) == mc.rule_settings(cfg, rule), rule
            seen.add(rule)
        if rule in ("tebd", "exact"):
            L = re.search(r"--L (\d+)", command).group(1)
            assert f" {mc.rule_flags(cfg, rule, L)} --" in command, rule
            seen.add(rule)
        if rule in ("tebd", "exact", "sample_disorder"):
            assert f"--config-hash {mc.rule_config_hash(cfg, rule)} " in command, rule
        if re.search(r"--out \S+\.nc", command):  # every netCDF file records a config hash
            assert "--config-hash " in command or "--settings " in command, rule
    assert {"tebd", "exact", "fit_nc", "fit_lc", "fit_ld", "fit_entanglement"} <= seen
    assert {"criterion", "choices", "figure_fig2", "figure_criterion", "claims"} <= seen


@pytest.mark.parametrize(
    ("config_text", "key"),
    [
        ("sweep: {L: [-12]}", "L"),
        ("sweep: {L: [12], U: [twelve]}", "U"),
        ("numerics: {chi_max: 12.5}", "chi_max"),
        ("numerics: {dt: -0.1}", "dt"),
        ("modell: {W: 6.5}", "modell"),
        ("model: {W: 6.5, c_site: 99}", "c_site"),
    ],
)
def test_malformed_config_is_rejected_before_any_job(tmp_path, config_text, key):
    bad = tmp_path / "bad.yaml"
    bad.write_text(config_text + "\n")
    proc = snakemake("-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert key in out, out
    assert "rule tebd" not in out


@pytest.mark.slow
def test_smoke_outputs_pass_the_cf_checker(smoke_run, tmp_path):
    """Every netCDF file of the smoke DAG (disorder per seed and merged, runs, exact
    references, validation, aggregates, every fit, criterion, choices) passes
    ``compliance-checker --test=cf:1.8`` without a single failed check."""
    smoke = smoke_run[0]  # the whole smoke DAG, run once per session (conftest.py)
    files = sorted(p for p in (smoke / "results").rglob("*.nc") if "damaged" not in p.parts)
    kinds = {p.relative_to(smoke / "results").parts[0] for p in files}
    assert kinds == {"disorder", "runs", "exact", "validation", "aggregate", "fits"}, kinds
    names = {p.stem for p in (smoke / "results" / "fits").rglob("*.nc")}
    assert {"nc_profile", "xi_c", "ell_d", "entanglement", "criterion", "choices"} <= names
    disorder = smoke / "results" / "disorder"
    assert list(disorder.rglob("L*/seed*.nc")) and list(disorder.rglob("L*.nc"))  # per seed, merged
    problems = {p: m for p, m in checker_problems(files, tmp_path).items() if m}
    assert problems == {}
    for path in files:
        with xr.open_dataset(path) as ds:
            assert ds.attrs["Conventions"] == "CF-1.8", path
            for key in ("title", "history", "source", "git_commit", "config_hash"):
                assert ds.attrs.get(key), (path, key)
            assert any(k.startswith("version_") for k in ds.attrs), path


@pytest.mark.slow
def test_smoke_run_and_incremental_reruns(smoke_run):
    workdir, elapsed = smoke_run  # the whole smoke DAG, run once per session (conftest.py)
    print(f"smoke DAG: {elapsed:.0f} s")
    cfg = yaml.safe_load((workdir / "config" / "smoke.yaml").read_text())
    for name in ("fig1", "fig2", "fig3", "fig4", "criterion", "validation"):
        for ext in ("pdf", "png"):
            assert (workdir / "results" / "figures" / f"{name}.{ext}").stat().st_size > 0
    assert (workdir / "results" / "report" / "claims.md").read_text().strip()
    n_runs = len(list((workdir / "results" / "runs").rglob("seed*.nc")))
    assert n_runs == len(cfg["sweep"]["L"]) * len(cfg["sweep"]["U"]) * cfg["sweep"]["n_seeds"]

    # Snakemake's HTML report: every figure, its caption, the claims table.
    snakemake(
        "--configfile", "config/smoke.yaml", "--report", "results/report/report.html", cwd=workdir
    )
    html = (workdir / "results" / "report" / "report.html").read_text(errors="replace")
    for name in ("fig1.pdf", "fig2.pdf", "fig3.pdf", "fig4.pdf", "criterion.pdf", "claims.html"):
        assert name in html, name
    assert "fig1.png" in html  # the image next to the PDF (tests the rendering: test_report_*)

    # Nothing left to do.
    proc = snakemake("-n", "--configfile", "config/smoke.yaml", cwd=workdir)
    assert "Nothing to be done" in proc.stdout + proc.stderr

    # One more seed: only the new runs and what depends on them.
    more = write_config(workdir, "more_seeds", sweep__n_seeds=cfg["sweep"]["n_seeds"] + 1)
    proc = snakemake("-n", "--configfile", str(more), cwd=workdir)
    counts = job_counts(proc.stdout)
    n_L, n_U = len(cfg["sweep"]["L"]), len(cfg["sweep"]["U"])
    new_seed = cfg["sweep"]["n_seeds"]
    assert counts["tebd"] == n_L * n_U
    assert all(f"seed{new_seed}.nc" in p for p in planned_outputs(proc.stdout, "tebd"))
    assert counts["sample_disorder"] == n_L
    assert counts["aggregate"] == n_L
    assert "exact" not in counts and "criterion" not in counts and "validate" not in counts

    # One more U: its runs (and its validation reference) only.
    more_u = write_config(workdir, "more_U", sweep__U=[*cfg["sweep"]["U"], 6])
    proc = snakemake("-n", "--configfile", str(more_u), cwd=workdir)
    counts = job_counts(proc.stdout)
    assert counts["tebd"] == n_L * cfg["sweep"]["n_seeds"]
    assert all("/U6/" in p for p in planned_outputs(proc.stdout, "tebd"))
    assert "sample_disorder" not in counts and "criterion" not in counts

    # A numerical setting names new files instead of mixing with the old ones; the exact
    # references, which do not depend on chi, are not replanned (params rerun trigger).
    chi = write_config(workdir, "chi", numerics__chi_max=cfg["numerics"]["chi_max"] * 2)
    proc = snakemake("-n", *RERUN, "--configfile", str(chi), cwd=workdir)
    outs = planned_outputs(proc.stdout, "tebd")
    assert len(outs) == n_runs
    assert all(f"chi{cfg['numerics']['chi_max'] * 2}_" in p for p in outs)
    counts = job_counts(proc.stdout)
    assert "exact" not in counts and "criterion" not in counts, counts

    # One analysis key: only the jobs that use it, and what reads their outputs.
    t_ent = write_config(workdir, "t_ent", analysis__t_ent=cfg["numerics"]["t_max"] / 2)
    proc = snakemake("-n", *RERUN, "--configfile", str(t_ent), cwd=workdir)
    counts = job_counts(proc.stdout)
    assert counts.get("fit_entanglement") == len(cfg["sweep"]["L"]), counts
    assert counts.get("figure_fig2") == 1, counts
    # fig4 and the claims read the entanglement fits; nothing else is planned
    assert set(counts) <= {"fit_entanglement", "figure_fig2", "figure_fig4", "claims", "all"}

    # A key of the criterion only: the criterion, its figure, the choices (whose U_c
    # variants use the criterion's chains) and the claims.
    crit = write_config(workdir, "n_real", criterion__n_real=cfg["criterion"]["n_real"] + 1)
    counts = job_counts(snakemake("-n", *RERUN, "--configfile", str(crit), cwd=workdir).stdout)
    assert set(counts) == {"criterion", "choices", "figure_criterion", "claims", "all"}, counts


@pytest.mark.slow
def test_report_as_a_reader_sees_it_in_a_browser(smoke_run, tmp_path):
    """``snakemake --report`` opened in headless chromium: the first page names the paper and
    counts the verdicts, the claims table is rendered as a table with every claim and its
    verdict, and the caption of every figure appears when its info button is clicked."""
    from report_browser import check_report, chromium

    if chromium() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    workdir, _ = smoke_run  # the whole smoke DAG, run once per session (conftest.py)
    report = workdir / "results" / "report" / "report.html"
    if not report.exists():  # run on its own: make the smoke results and the report first
        snakemake("--cores", "2", "--configfile", "config/smoke.yaml", cwd=workdir)
        snakemake(
            "--configfile",
            "config/smoke.yaml",
            "--report",
            "results/report/report.html",
            cwd=workdir,
        )
    check_report(report, workdir / "results" / "report" / "claims.md", tmp_path / "claims.png")


@pytest.mark.slow
def test_failed_run_with_keep_going_still_gives_aggregate_and_report(tmp_path):
    """One TEBD job fails: the other runs, the aggregates, fits, figures and report are made.

    The failure is real, not mocked: the run's checkpoint path is a directory, so
    ``mblbath run`` dies reading it (as on a broken file system). Afterwards the
    obstacle is removed and a plain rerun computes exactly that run and what depends on it.
    """
    work = copy_repo(tmp_path / "repo")
    smoke = yaml.safe_load((work / "config" / "smoke.yaml").read_text())
    # The smallest size only, no exact validation runs (a third of the smoke run's cost):
    # the aggregate of one L and everything after it are at stake. C_dd on a thinned grid
    # (cdd_every = 2), so that every fit, figure and the report also meet unmeasured times.
    config = write_config(
        work,
        "one_size",
        sweep__L=[min(smoke["sweep"]["L"])],
        validation__n_seeds=0,
        numerics__cdd_every=2,
    )
    config = str(config.relative_to(work))
    cfg = yaml.safe_load((work / config).read_text())
    L, U, seed = cfg["sweep"]["L"][0], 2.5, 0
    assert U in cfg["sweep"]["U"]
    plan = snakemake("-n", "--configfile", config, cwd=work).stdout
    [rel] = [p for p in planned_outputs(plan, "tebd") if f"/L{L}/U{U}/seed{seed}.nc" in p]
    failed = work / rel
    numerics = Path(*failed.parts[-5:-3])  # {model}/{numerics}
    # The tebd rule's checkpoint path (results/checkpoints/ mirrors results/runs/).
    obstacle = work / "results" / "checkpoints" / Path(*failed.parts[-5:]).with_suffix(".ckpt")
    obstacle.mkdir(parents=True)

    args = ("--cores", "2", "--keep-going", "--configfile", config)
    proc = snakemake(*args, cwd=work, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out  # the failure is not hidden
    assert "Error in rule tebd" in out and "partial pass done" in out, out
    assert not failed.exists()

    n_runs = len(cfg["sweep"]["U"]) * cfg["sweep"]["n_seeds"]
    for size in cfg["sweep"]["L"]:
        agg = open_result(work / "results" / "aggregate" / numerics / f"L{size}.nc")
        gone = int(size == L)
        assert (agg.attrs["n_runs"], agg.attrs["n_missing"]) == (n_runs - gone, gone)
        assert int(agg["present"].sel(U=U, seed=seed)) == 1 - gone
        fit = open_result(work / "results" / "fits" / numerics / f"L{size}" / "xi_c.nc")
        assert fit.sizes  # every fit was made
        assert agg.attrs["cdd_every"] == 2
        assert np.isnan(agg["C_dd"].isel(time=1)).all()
        assert np.isfinite(agg["C_dd"].isel(time=2).sel(U=U, seed=1)).all()
        ld = open_result(work / "results" / "fits" / numerics / f"L{size}" / "ell_d.nc")
        assert str(ld["ell_d_status"].isel(U=0, time=1, centre=0).item()).startswith("not meas")
    for name in ("fig1", "fig2", "fig3", "fig4", "criterion"):
        assert (work / "results" / "figures" / f"{name}.pdf").stat().st_size > 0
    claims = (work / "results" / "report" / "claims.md").read_text()
    assert "**Missing runs (1)**" in claims and f"L={L} U={U:g} seed {seed}" in claims

    # Rerun once the cause is gone: that run and what depends on it, nothing else.
    obstacle.rmdir()
    proc = snakemake("-n", "--configfile", config, cwd=work)
    counts = job_counts(proc.stdout)
    assert counts["tebd"] == 1 and counts["aggregate"] == 1
    assert planned_outputs(proc.stdout, "tebd") == [str(failed.relative_to(work))]
    snakemake(*args, cwd=work)
    assert failed.exists()
    claims = (work / "results" / "report" / "claims.md").read_text()
    assert "Every run of the sweep is present." in claims
