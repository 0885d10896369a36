"""The CLI and the user's files: refusals before computing, no file destroyed, full disk.

Every refusal is exit status 2 with one line naming the problem and no traceback, and
happens before the first TEBD step (``run_tebd`` is replaced by a function that fails).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from mblbath import tebd
from mblbath.checksum import sidecar
from mblbath.cli import main
from mblbath.tebd import evolve
from mblbath.tebd.checkpoint import checkpoint_header, remove_checkpoint, save_checkpoint

RUN = ["run", "--L", "6", "--U", "2", "--seed", "1", "--t-max", "0.5", "--chi-max", "8"]
RUN += ["--dt", "0.05", "--order", "2", "--no-progress"]


def _refused(capsys, argv, *needles) -> str:
    """Run ``mblbath argv``; assert exit 2 and one line holding every needle."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, err
    assert "\n" not in err and "Traceback" not in err, err
    for needle in needles:
        assert str(needle) in err, err
    return err


@pytest.fixture
def no_tebd(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("TEBD started despite a bad path")

    monkeypatch.setattr(tebd, "run_tebd", boom)


@pytest.fixture
def disorder(tmp_path) -> Path:
    path = tmp_path / "disorder.nc"
    assert main(["disorder", "--L", "6", "--n-seeds", "2", "--out", str(path)]) == 0
    return path


def test_foreign_file_at_the_checkpoint_path_is_refused_and_kept(tmp_path, capsys, no_tebd):
    precious = tmp_path / "precious.nc"
    xr.Dataset({"a": ("x", [1.0, 2.0])}).to_netcdf(precious)
    before = precious.read_bytes()
    argv = [*RUN, "--out", str(tmp_path / "o.nc"), "--checkpoint", str(precious)]
    _refused(capsys, argv, "'--checkpoint'", precious, "not a mblbath checkpoint")
    assert precious.read_bytes() == before


def test_checkpoint_equal_to_out_or_disorder_is_refused(tmp_path, capsys, no_tebd, disorder):
    same = tmp_path / "same.nc"
    _refused(capsys, [*RUN, "--out", str(same), "--checkpoint", str(same)], "also the --out")
    argv = [*RUN, "--out", str(tmp_path / "o.nc"), "--disorder", str(disorder)]
    _refused(capsys, [*argv, "--checkpoint", str(disorder)], "also the --disorder")
    assert not same.exists() and disorder.exists()


@pytest.mark.parametrize("case", ["out_is_dir", "parent_is_file", "parent_read_only"])
def test_unwritable_output_is_refused_before_computing(
    tmp_path, capsys, no_tebd, case, monkeypatch
):
    if case == "out_is_dir":
        out, needle = tmp_path / "d.nc", "is a directory"
        out.mkdir()
    elif case == "parent_is_file":
        (tmp_path / "file").write_text("x")
        out, needle = tmp_path / "file" / "sub" / "o.nc", "is not a directory"
    else:  # root may write anywhere: the permission check itself is what is tested
        out, needle = tmp_path / "ro" / "o.nc", "no permission to write in"
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == tmp_path else real(p, m))
    _refused(capsys, [*RUN, "--out", str(out)], "'--out'", needle)


@pytest.mark.parametrize("damage", ["truncated", "not_disorder", "missing"])
def test_bad_disorder_file_is_one_line(tmp_path, capsys, no_tebd, disorder, damage):
    bad = tmp_path / "bad.nc"
    if damage == "truncated":
        raw = disorder.read_bytes()
        bad.write_bytes(raw[: len(raw) // 3])
        needle = "not a readable netCDF file"
    elif damage == "not_disorder":
        xr.Dataset({"eps": ("site", np.zeros(6))}, attrs={"W": 6.5}).to_netcdf(bad)
        needle = "not a disorder file"
    else:
        needle = "no such file"
    _refused(capsys, [*RUN, "--out", str(tmp_path / "o.nc"), "--disorder", str(bad)], needle)


def test_damaged_input_is_named(tmp_path, capsys, disorder):
    raw = bytearray(disorder.read_bytes())
    raw[-50] ^= 0xFF
    disorder.write_bytes(bytes(raw))
    argv = [*RUN, "--out", str(tmp_path / "o.nc"), "--disorder", str(disorder)]
    _refused(capsys, argv, disorder, "checksum mismatch")


def test_the_default_c_site_is_never_a_doublon():
    """Null c_site: the empty site nearest the centre, L // 2 for every L divisible by 6."""
    from mblbath.config import default_c_site, run_params
    from mblbath.model import d_sites

    for L in range(6, 64, 3):
        for r in (0, 1, 2):
            c = default_c_site(L, r)
            assert c not in d_sites(L, r) and abs(c - L // 2) <= 1, (L, r)
    for L in (12, 18, 24, 30, 48, 60):
        assert default_c_site(L, 1) == L // 2
    assert default_c_site(15, 1) == 6 and run_params(L=15, U=2.0, seed=0).c0 == 6
    assert run_params(L=15, U=2.0, seed=0, c_site=7).c0 == 7  # explicit: the user's choice


def test_yaml_syntax_error_names_file_line_and_column(tmp_path, capsys, no_tebd):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("numerics:\n  chi_max: 32\n  dt: [0.1\nsweep: {L: [12]}\n")
    argv = ["run", "--L", "12", "--U", "1", "--seed", "0", "--out", str(tmp_path / "o.nc")]
    _refused(capsys, [*argv, "--config", str(cfg)], f"config file {cfg}, line 4, column")


def test_estimate_merges_over_config_yaml_and_warns_beyond_the_local_profile(
    tmp_path, capsys, monkeypatch
):
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    big = tmp_path / "big.yaml"
    big.write_text("sweep: {L: [600]}\n")
    assert main(["estimate", "--configfile", str(big)]) == 0
    out = capsys.readouterr().out
    assert f"{big} over config/config.yaml" in out
    chi = __import__("yaml").safe_load((root / "config" / "config.yaml").read_text())
    assert f" 600    {len(chi['sweep']['U']) * chi['sweep']['n_seeds']}   " in out
    assert "warning (profile profiles/default, 2 cores)" in out and "local profile" in out
    assert main(["estimate", "--configfile", "config/smoke.yaml"]) == 0
    assert "warning" not in capsys.readouterr().out


def test_full_disk_keeps_the_previous_file_and_the_finished_run(tmp_path, capsys, monkeypatch):
    out, ckpt = tmp_path / "run.nc", tmp_path / "run.ckpt"
    out.write_bytes(b"previous result")
    argv = [*RUN, "--out", str(out), "--checkpoint", str(ckpt)]

    def full(self, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(xr.Dataset, "to_netcdf", full)
        with pytest.raises(SystemExit) as exc:
            main(argv)
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exc.value.code == 1
    assert f"cannot write {out}: No space left on device" in err and "free there" in err, err
    assert "the previous file is unchanged" in err and "it only writes" in err, err
    assert out.read_bytes() == b"previous result"
    assert not list(tmp_path.glob(".run.nc.*"))  # no temporary file left behind
    assert checkpoint_header(ckpt)["k_next"] > 0

    def no_steps(*args, **kwargs):
        raise AssertionError("the finished run was evolved again")

    monkeypatch.setattr(evolve, "make_engine", no_steps)
    assert main(argv) == 0  # space freed: the rerun only writes
    ds = xr.load_dataset(out)
    assert ds.attrs["finished"] == 1 and sidecar(out).exists()
    assert not ckpt.exists()


def test_the_run_removes_only_its_own_checkpoint(tmp_path):
    ckpt = tmp_path / "c.ckpt"
    save_checkpoint(ckpt, "other-run", {"k_next": 3})
    assert not remove_checkpoint(ckpt, "this-run") and ckpt.exists()
    assert remove_checkpoint(ckpt, "other-run") and not ckpt.exists()
    ckpt.write_text("not a checkpoint")
    assert not remove_checkpoint(ckpt, "this-run") and ckpt.exists()
