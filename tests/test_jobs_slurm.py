"""SLURM requests of the TEBD jobs (mblbath.jobs.slurm): memory, runtime cap, signal lead,
and the thread environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mblbath.config import ConfigError, load_config, validate_config
from mblbath.jobs import cost, slurm

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "config" / "paper.yaml"
SMOKE = ROOT / "config" / "smoke.yaml"


def test_tebd_resources_for_smoke_and_paper(monkeypatch):
    monkeypatch.delenv("MBLBATH_MAX_RUNTIME_MIN", raising=False)
    smoke = load_config(SMOKE)
    res = slurm.tebd_resources(smoke, "12")
    assert set(res) == {"mem_mb", "runtime", "slurm_extra"}
    assert isinstance(res["mem_mb"], int) and res["mem_mb"] % 100 == 0
    assert 10 <= res["runtime"] <= 30
    assert res["slurm_extra"] == "--signal=TERM@300"

    paper = load_config(PAPER)
    big = slurm.tebd_resources(paper, 60)
    assert big["runtime"] == slurm.DEFAULT_MAX_RUNTIME_MIN  # capped: resumed by retries
    lead = int(re.fullmatch(r"--signal=TERM@(\d+)", big["slurm_extra"]).group(1))
    assert 2 * cost.predict_step_seconds(60, 3000, 4) < lead <= 65535
    assert big["mem_mb"] >= 1.5 * cost.predict_mem_mb(60, 3000)
    # more memory on a retry, at most twice
    assert slurm.tebd_resources(paper, 60, attempt=2)["mem_mb"] > big["mem_mb"]
    assert slurm.tebd_resources(paper, 60, attempt=9)["mem_mb"] <= 2 * big["mem_mb"] + 100


def test_runtime_cap_is_a_validated_config_key(monkeypatch):
    """execution.max_runtime_min caps the request; the schema rejects a cap under 10 min;
    the old environment variable is refused instead of silently ignored."""
    monkeypatch.delenv("MBLBATH_MAX_RUNTIME_MIN", raising=False)
    paper = load_config(PAPER)
    day = validate_config({**paper, "execution": {"max_runtime_min": 1440}})
    assert slurm.tebd_resources(day, 60)["runtime"] == 1440
    smoke = load_config(SMOKE)
    capped = validate_config({**smoke, "execution": {"max_runtime_min": 1440}})
    assert slurm.tebd_resources(capped, 12) == slurm.tebd_resources(smoke, 12)  # short jobs
    with pytest.raises(ConfigError, match="max_runtime_min"):
        validate_config({"execution": {"max_runtime_min": 5}})
    monkeypatch.setenv("MBLBATH_MAX_RUNTIME_MIN", "1440")
    with pytest.raises(ConfigError, match="execution.max_runtime_min"):
        slurm.tebd_resources(paper, 60)


def test_thread_env():
    assert slurm.thread_env(2) == {
        "OMP_NUM_THREADS": "2",
        "OPENBLAS_NUM_THREADS": "2",
        "MKL_NUM_THREADS": "2",
    }
    assert slurm.SHELL_THREAD_PREFIX.format(threads=3) == (
        "export OMP_NUM_THREADS=3 OPENBLAS_NUM_THREADS=3 MKL_NUM_THREADS=3; "
    )
    with pytest.raises(ValueError):
        slurm.thread_env(0)
