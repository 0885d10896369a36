"""The ``mblbath estimate`` table (mblbath.jobs.estimate) and the retries it recommends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mblbath.config import load_config, validate_config
from mblbath.jobs import estimate, slurm

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "config" / "paper.yaml"


def test_estimate_of_the_paper_config(monkeypatch):
    monkeypatch.delenv("MBLBATH_MAX_RUNTIME_MIN", raising=False)
    cfg = load_config(PAPER)
    est = estimate.estimate(cfg)
    assert est["n_jobs"] == len(est["jobs"]) == 3 * 6 * 50
    assert list(est["by_L"].index) == [30, 48, 60]
    assert (est["by_L"]["jobs"] == 300).all()
    assert est["largest"]["L"] == 60 and est["largest"]["chi_max"] == 3000
    assert est["total_request_core_h"] >= est["total_core_h"] > 0
    assert est["total_core_h"] == pytest.approx(est["jobs"]["runtime_h"].sum())
    text = estimate.estimate_main(PAPER)
    assert "core-hours" in text and "largest job: L=60 chi=3000" in text
    for L in (30, 48, 60):
        assert re.search(rf"^\s*{L}\s+300\s", text, flags=re.MULTILINE), text


def test_estimate_of_a_small_config_needs_one_try():
    cfg = validate_config({"sweep": {"L": [12, 18], "U": [0, 12], "n_seeds": 3}})
    est = estimate.estimate(cfg)
    assert est["n_jobs"] == 12
    assert (est["by_L"]["attempts"] == 1).all()
    assert "tries > 1" not in estimate.format_estimate(est)
    assert slurm.tebd_retries(cfg) == 2  # the spares only


def test_retries_cover_the_tries_of_the_longest_runs(monkeypatch):
    monkeypatch.delenv("MBLBATH_MAX_RUNTIME_MIN", raising=False)
    cfg = load_config(PAPER)
    tries = int(estimate.estimate(cfg)["by_L"]["attempts"].max())
    assert tries > 1
    assert slurm.tebd_retries(cfg, spare=0) == tries - 1
    assert f"--retries {slurm.tebd_retries(cfg)}" in estimate.estimate_main(PAPER)
    # a longer partition limit needs fewer tries: as an argument or as the config's cap
    assert slurm.tebd_retries(cfg, max_runtime=4 * 2880) < slurm.tebd_retries(cfg)
    longer = validate_config({**cfg, "execution": {"max_runtime_min": 4 * 2880}})
    assert slurm.tebd_retries(longer) == slurm.tebd_retries(cfg, max_runtime=4 * 2880)
    assert estimate.estimate(longer)["max_runtime"] == 4 * 2880
