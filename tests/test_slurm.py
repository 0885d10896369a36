"""The SLURM profile on a real (single-node, localhost) SLURM: jobs go through sbatch and
give the same numbers as a local run.

Needs root and Debian's ``slurm-wlm`` + ``munge`` (``apt-get install -y slurm-wlm munge``)
and ``snakemake-executor-plugin-slurm``; skipped with the reason otherwise. The cluster
(munged, slurmctld, slurmd) is started for this module and stopped by PID afterwards
(``tests/slurm_cluster.py``).

The workflow runs on a copy of the repository with ``config/smoke.yaml`` up to the
aggregate netCDF of the smallest size (disorder -> TEBD -> aggregate), once with
``--cores 2`` and once with a profile that is ``profiles/slurm/config.yaml`` with only the
partition and account replaced (``debug``, no account). Without slurmdbd there is no
``sacct``, so the plugin polls ``squeue`` (``--slurm-status-command squeue``).

A second run sends SIGTERM to a running TEBD job (as ``--signal=TERM@lead`` does before
the time limit) and checks that the retry resumes from the checkpoint and ends with the
numbers of an uninterrupted run. Two dry runs check the profile itself (no cluster
needed): every job of config/paper.yaml is planned with resources, and the profile names
only rules of the workflow.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mblbath import config as mc

# Registers the 'slurm' marker and puts it on this module's tests that use a cluster (see
# slurm_cluster.py). pytest imports the module itself (after this one), so it is imported
# inside the functions below, never at the top.
pytest_plugins = ["slurm_cluster"]
SLURM_TESTS = True


ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
PARTITION = "debug"
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "results", "logs", "__pycache__", ".*_cache", "*.egg-info"
)


def _skip_reason() -> str | None:
    from slurm_cluster import LocalSlurm

    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed"
    return LocalSlurm.unavailable()


def copy_repo(dest: Path) -> Path:
    """The repository's sources (no results, logs, caches, rule benchmarks) in ``dest``."""
    shutil.copytree(ROOT, dest, ignore=_IGNORE)
    for sub in (dest / "benchmarks").iterdir():
        if sub.is_dir() and sub.name != "__pycache__":
            shutil.rmtree(sub)  # Snakemake's per-rule benchmark folders of earlier runs
    return dest


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


def merged_config(configfile: Path) -> dict:
    """``configfile`` merged key by key over config/config.yaml (as Snakemake does), validated."""
    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    return mc.validate_config(_merge(base, yaml.safe_load(configfile.read_text())))


def numerics_of(cfg: dict, L: int) -> str:
    """``{model}/{numerics}`` of the results paths at size ``L``."""
    return f"{mc.model_for(cfg)}/{mc.numerics_for(cfg, L)}"


def smoke_targets() -> list[str]:
    """Aggregate file of the smallest size of the smoke config."""
    cfg = merged_config(ROOT / "config" / "smoke.yaml")
    L = min(cfg["sweep"]["L"])
    return [f"results/aggregate/{numerics_of(cfg, L)}/L{L}.nc"]


def test_profile(dest: Path) -> Path:
    """profiles/slurm/config.yaml with the partition and the account of this test cluster."""
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = PARTITION
    profile["default-resources"].pop("slurm_account", None)
    profile["slurm-no-account"] = True
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return dest


test_profile.__test__ = False  # a helper, not a test


def _env() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("SLURM_CONF", None)
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


def start_slurm_run(targets: list[str], configfile: str, cwd: Path, profile: Path):
    """``snakemake --profile <test profile>`` in the background; stdout+stderr to a file."""
    cmd = [
        SNAKEMAKE,
        *targets,  # first: --configfile takes every following word as a config file
        "--profile",
        str(profile),
        "--configfile",
        configfile,
        # No slurmdbd here, so no sacct: poll squeue, and start polling after 2 s.
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "2",
    ]
    out = open(cwd / "snakemake-slurm.log", "w")  # noqa: SIM115 - closed by finish()
    proc = subprocess.Popen(cmd, cwd=cwd, env=_env(), stdout=out, stderr=subprocess.STDOUT)
    return proc, out


def finish(proc: subprocess.Popen, out, timeout: float = 600) -> tuple[int, str]:
    try:
        rc = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
        out.close()
    return rc, Path(out.name).read_text()


def sbatch_ids(log: str) -> list[tuple[str, str]]:
    """(rule, SLURM job id) of every submission named in a Snakemake log."""
    found = re.findall(r"submitted with SLURM jobid (\d+) \(log: [^)]*?/rule_(\w+?)/", log)
    return [(rule, jid) for jid, rule in found]


def assert_same_numbers(a_path: Path, b_path: Path) -> None:
    """Two netCDF files hold the same data (to round-off), wall times aside."""
    import xarray as xr

    with xr.open_dataset(a_path) as a, xr.open_dataset(b_path) as b:
        a_ = a.drop_vars("wall_time_s", errors="ignore").load()
        b_ = b.drop_vars("wall_time_s", errors="ignore").load()
    xr.testing.assert_allclose(a_, b_, rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from slurm_cluster import LocalSlurm

    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    c = LocalSlurm(tmp_path_factory.mktemp("slurm"), partition=PARTITION)
    c.start()
    yield c
    c.stop()


@pytest.mark.slow
def test_smoke_through_slurm_equals_local_run(cluster, tmp_path):
    start = time.perf_counter()
    targets = smoke_targets()
    remote = copy_repo(tmp_path / "slurm")
    local = copy_repo(tmp_path / "local")
    profile = test_profile(tmp_path / "profile")
    proc, out = start_slurm_run(targets, "config/smoke.yaml", remote, profile)
    # The local reference meanwhile (the SLURM run mostly waits for its status polls).
    ref = run([SNAKEMAKE, *targets, "--cores", "2", "--configfile", "config/smoke.yaml"], local)
    assert ref.returncode == 0, ref.stdout + ref.stderr
    rc, log = finish(proc, out)
    print(log[-2500:])
    assert rc == 0, f"{log}\n{cluster.logs()}"

    # Every job went through sbatch (the log names its SLURM job id) and SLURM completed it.
    ids = sbatch_ids(log)
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", log, flags=re.MULTILINE))
    n_jobs = sum(int(v) for k, v in counts.items() if k != "total")
    tebd = [jid for rule, jid in ids if rule == "tebd"]
    assert len(tebd) == int(counts["tebd"]) == 6, log
    assert len(ids) == n_jobs, log
    done = {r["JobId"]: r for r in cluster.jobcomp_records()}
    assert all(done[jid]["JobState"] == "COMPLETED" for _, jid in ids), (ids, done)

    for target in targets:
        assert_same_numbers(local / target, remote / target)
    print(
        f"SLURM + local run: {time.perf_counter() - start:.0f} s; {len(ids)} sbatch jobs, "
        f"tebd job ids {', '.join(tebd)}"
    )


@pytest.mark.slow
def test_sigterm_checkpoints_and_the_retry_resumes(cluster, tmp_path):
    """SIGTERM to a running TEBD job (what ``--signal=TERM@lead`` does before the time limit):
    ``mblbath run`` checkpoints and fails, Snakemake's retry (``retries`` of the profile)
    resumes from the checkpoint, and the result equals an uninterrupted run."""
    remote = copy_repo(tmp_path / "slurm")
    local = copy_repo(tmp_path / "local")
    cfg = yaml.safe_load((ROOT / "config" / "smoke.yaml").read_text())
    cfg["sweep"] = {"L": [12], "U": [2.5], "n_seeds": 1}
    cfg["numerics"].update(dt=0.02, t_max=10)  # 500 steps: tens of seconds
    cfg["validation"] = {"n_seeds": 0}
    for repo in (remote, local):
        (repo / "config" / "sigterm.yaml").write_text(yaml.safe_dump(cfg))
    numerics = numerics_of(merged_config(remote / "config" / "sigterm.yaml"), 12)
    target = f"results/runs/{numerics}/L12/U2.5/seed0.nc"
    run_log = remote / f"logs/tebd/{numerics}/L12/U2.5/seed0.log"

    proc, out = start_slurm_run(
        [target], "config/sigterm.yaml", remote, test_profile(tmp_path / "p")
    )
    # Wait until the run is well under way, then signal the job's steps like SLURM does.
    deadline = time.monotonic() + 180
    while not (run_log.exists() and run_log.read_text().count(" t = ") >= 6):
        assert proc.poll() is None and time.monotonic() < deadline, Path(out.name).read_text()
        time.sleep(0.2)
    queue = subprocess.run(
        ["squeue", "-h", "-o", "%i|%k|%T"], capture_output=True, text=True, env=_env()
    ).stdout
    running = [line.split("|")[0] for line in queue.splitlines() if "rule_tebd" in line]
    assert len(running) == 1, queue
    subprocess.run(["scancel", "--signal=TERM", running[0]], check=True, env=_env())

    ref = run([SNAKEMAKE, target, "--cores", "1", "--configfile", "config/sigterm.yaml"], local)
    assert ref.returncode == 0, ref.stdout + ref.stderr
    rc, log = finish(proc, out)
    assert rc == 0, f"{log}\n{cluster.logs()}"

    tebd = [jid for rule, jid in sbatch_ids(log) if rule == "tebd"]
    assert tebd[0] == running[0] and len(tebd) == 2, log  # the signalled job and its retry
    done = {r["JobId"]: r["JobState"] for r in cluster.jobcomp_records()}
    assert [done[j] for j in tebd] == ["FAILED", "COMPLETED"], done
    # The retry started from the checkpoint the signal made (periodic ones: every 10 min).
    resumed = re.search(r"resuming from .* at t = ([0-9.]+)", run_log.read_text())
    assert resumed and float(resumed.group(1)) > 0, run_log.read_text()
    assert_same_numbers(local / target, remote / target)


def _dry_run_jobs(configfile: str) -> list[dict[str, str]]:
    """Jobs planned by ``snakemake -n --profile profiles/slurm``: rule and resources."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm is not installed")
    # --forceall: the plan of every job, whatever results/ already holds.
    cmd = [SNAKEMAKE, "-n", "--forceall", "--profile", "profiles/slurm", "--configfile", configfile]
    proc = run(cmd, ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", proc.stdout):
        m = re.match(r"(?:local)?rule (\w+):", block.strip())
        if not m or m.group(1) == "all":
            continue
        res = re.search(r"^\s+resources: (.+)$", block, flags=re.MULTILINE)
        wc = re.search(r"^\s+wildcards: (.+)$", block, flags=re.MULTILINE)
        job = {"rule": m.group(1)}
        job.update(dict(kv.split("=", 1) for kv in res.group(1).split(", ")) if res else {})
        job.update(dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {})
        jobs.append(job)
    return jobs


def test_profile_plans_the_paper_config_with_resources_for_every_job():
    from mblbath.jobs.slurm import tebd_resources

    jobs = _dry_run_jobs("config/paper.yaml")
    assert sum(j["rule"] == "tebd" for j in jobs) == 3 * 6 * 50
    for job in jobs:
        assert int(job["mem_mb"]) > 0 and int(job["runtime"]) > 0, job
        assert job["slurm_partition"] == "FILL_IN_PARTITION", job
        assert job["slurm_account"] == "FILL_IN_ACCOUNT", job
    cfg = merged_config(ROOT / "config" / "paper.yaml")  # Snakemake's config
    tebd = [j for j in jobs if j["rule"] == "tebd"]
    if "slurm_extra" in tebd[0]:  # the rule takes its resources from the cost model
        for job in tebd:
            want = tebd_resources(cfg, job["L"])
            assert int(job["mem_mb"]) == want["mem_mb"], job
            assert int(job["runtime"]) == want["runtime"], job
            assert job["slurm_extra"] == want["slurm_extra"], job


def test_profile_names_only_rules_of_the_workflow():
    profile = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    named = set(profile["set-resources"]) | set(profile["set-threads"])
    planned = {j["rule"] for j in _dry_run_jobs("config/smoke.yaml")}
    assert named <= planned, named - planned
    assert profile["executor"] == "slurm"
    assert profile["retries"] >= 1 and profile["jobs"] >= 1
