"""Long runs survive: SIGKILL and SIGTERM at any moment, then resume to identical numbers."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from mblbath.config import run_params
from mblbath.disorder import sample_eps
from mblbath.tebd.checkpoint import load_checkpoint, run_key, save_checkpoint
from mblbath.tebd.evolve import Interrupted, run_tebd

MBLBATH = str(Path(sys.executable).with_name("mblbath"))
ARGS = ["run", "--L", "12", "--U", "12", "--seed", "0", "--t-max", "4", "--dt", "0.05"]
ARGS += ["--order", "2", "--chi-max", "48", "--n-per-decade", "20", "--checkpoint-every", "0"]
OBSERVABLES = ("n_c", "n_d", "C_dd", "S", "trunc_err", "chi")


def _start(out: Path) -> subprocess.Popen:
    """Start a run; its log goes to OUT.log (appended, so every attempt is kept)."""
    with open(str(out) + ".log", "a") as log:
        return subprocess.Popen(
            [MBLBATH, *ARGS, "--out", str(out), "--no-progress"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _log(out: Path) -> str:
    return Path(str(out) + ".log").read_text()


def _assert_same(a: Path, b: Path) -> None:
    x, y = xr.load_dataset(a), xr.load_dataset(b)
    for name in OBSERVABLES:
        np.testing.assert_allclose(x[name].values, y[name].values, rtol=0, atol=1e-12, err_msg=name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ref.nc"
    proc = _start(out)
    assert proc.wait(timeout=300) == 0, _log(out)
    return out


def _wait_for_new_checkpoint(ckpt: Path, since: float, proc: subprocess.Popen) -> bool:
    """Wait until ``ckpt`` was (re)written after ``since``; False if the run ended first."""
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists() and ckpt.stat().st_mtime > since:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume(tmp_path, reference):
    """Kill -9 during start-up, then three times at random moments between checkpoints.

    The moments are drawn relative to events of the run (start, a fresh checkpoint), not
    to the wall clock alone, so that a loaded machine (slow imports) cannot make every
    kill land before the first checkpoint.
    """
    out = tmp_path / "run.nc"
    ckpt = Path(str(out) + ".ckpt")
    rng = np.random.default_rng(7)
    resumed = 0
    for attempt in range(4):
        start = time.time()
        proc = _start(out)
        if attempt == 0:
            time.sleep(float(rng.uniform(0.2, 1.5)))  # during start-up or the first steps
        elif not _wait_for_new_checkpoint(ckpt, start, proc):
            break
        else:
            time.sleep(float(rng.uniform(0.0, 0.3)))  # somewhere between two checkpoints
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not out.exists()
        resumed += ckpt.exists()
    assert resumed >= 2, f"only {resumed} kills happened after a checkpoint was written"
    proc = _start(out)
    assert proc.wait(timeout=300) == 0
    assert "resuming from" in _log(out)
    assert not ckpt.exists()
    _assert_same(out, reference)


@pytest.mark.slow
def test_sigterm_checkpoints_and_exits_nonzero(tmp_path, reference):
    out = tmp_path / "run.nc"
    ckpt = Path(str(out) + ".ckpt")
    proc = _start(out)
    deadline = time.time() + 120
    while not ckpt.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert ckpt.exists()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert ckpt.exists() and not out.exists()
    proc = _start(out)
    assert proc.wait(timeout=300) == 0
    _assert_same(out, reference)


def _small():
    p = run_params(L=6, U=3.0, seed=0, chi_max=16, t_max=1.0, dt=0.05, order=2, n_per_decade=5)
    return p, sample_eps(p.W, p.L, p.seed, p.master_seed)


def test_interrupted_run_resumes_to_identical_numbers(tmp_path):
    p, eps = _small()
    ref = run_tebd(p, eps)
    ckpt = tmp_path / "c.ckpt"
    calls = iter(range(10**6))
    with pytest.raises(Interrupted):
        run_tebd(p, eps, checkpoint=ckpt, should_stop=lambda: next(calls) == 11)
    assert load_checkpoint(ckpt, run_key(p, eps))["done"] == 11
    res = run_tebd(p, eps, checkpoint=ckpt)
    for name in OBSERVABLES:
        np.testing.assert_allclose(res[name], ref[name], rtol=0, atol=1e-12)


@pytest.mark.parametrize("damage", ["truncate", "flip", "other_run", "garbage"])
def test_bad_checkpoint_is_reported_and_ignored(tmp_path, caplog, damage):
    p, eps = _small()
    ckpt = tmp_path / "c.ckpt"
    calls = iter(range(10**6))
    with pytest.raises(Interrupted):
        run_tebd(p, eps, checkpoint=ckpt, should_stop=lambda: next(calls) == 11)
    raw = ckpt.read_bytes()
    if damage == "truncate":
        ckpt.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        ckpt.write_bytes(raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:])
    elif damage == "garbage":
        ckpt.write_bytes(b"not a checkpoint at all")
    else:
        other = run_params(L=6, U=4.0, seed=0, chi_max=16, t_max=1.0, dt=0.05, order=2)
        save_checkpoint(ckpt, run_key(other, eps), {"done": 999})
    with caplog.at_level(logging.WARNING):
        res = run_tebd(p, eps, checkpoint=ckpt)
    assert "ignoring checkpoint" in caplog.text
    ref = run_tebd(p, eps)
    np.testing.assert_allclose(res["n_c"], ref["n_c"], rtol=0, atol=1e-12)
