"""SLURM requests of the TEBD jobs (mblbath.jobs.slurm): memory, runtime cap, signal lead,
and the thread environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mblbath.config import load_config
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

    monkeypatch.setenv("MBLBATH_MAX_RUNTIME_MIN", "1440")
    assert slurm.tebd_resources(paper, 60)["runtime"] == 1440
    monkeypatch.setenv("MBLBATH_MAX_RUNTIME_MIN", "5")
    with pytest.raises(ValueError, match="MBLBATH_MAX_RUNTIME_MIN"):
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
