"""Checksum sidecars: written with every file, verified on reading, cheap to check when intact."""

from __future__ import annotations

import os
import stat
import subprocess

import numpy as np
import pytest
import xarray as xr

from mblbath import checksum
from mblbath.io import SCHEMA_VERSION, RunFileError, open_run, write_atomic


def _ds() -> xr.Dataset:
    return xr.Dataset(
        {"a": ("x", np.arange(1000.0))}, attrs={"schema_version": SCHEMA_VERSION, "title": "t"}
    )


@pytest.fixture
def sealed(tmp_path):
    path = tmp_path / "f.nc"
    write_atomic(_ds(), path)
    return path


def test_write_atomic_seals_the_file_in_sha256sum_format(sealed):
    side = checksum.sidecar(sealed)
    first, second = side.read_text().splitlines()
    assert first == f"{checksum.file_sha256(sealed)}  f.nc"
    assert second == f"# mblbath: {sealed.stat().st_size} bytes"
    assert checksum.verify(sealed) and checksum.quick_status(sealed) is None
    proc = subprocess.run(["sha256sum", "-c", side.name], cwd=sealed.parent, capture_output=True)
    assert proc.returncode == 0 and b"f.nc: OK" in proc.stdout
    assert {p.name for p in sealed.parent.iterdir()} == {"f.nc", "f.nc.sha256"}  # no temp files


def test_truncation_is_seen_without_hashing(sealed, monkeypatch):
    raw = sealed.read_bytes()
    mtime = sealed.stat().st_mtime_ns
    sealed.write_bytes(raw[: len(raw) // 2])
    os.utime(sealed, ns=(mtime, mtime))  # not even the mtime gives it away
    monkeypatch.setattr(checksum, "file_sha256", lambda p: pytest.fail("hashed"))
    assert "truncated" in checksum.quick_status(sealed)


def test_a_changed_file_is_hashed_and_caught(sealed):
    raw = bytearray(sealed.read_bytes())
    raw[-100] ^= 0xFF
    sealed.write_bytes(bytes(raw))  # same size, newer mtime than the sidecar
    assert "checksum mismatch" in checksum.quick_status(sealed)


def test_a_touched_intact_file_is_hashed_once(sealed, monkeypatch):
    side = checksum.sidecar(sealed)
    now = side.stat().st_mtime_ns
    os.utime(side, ns=(now - 10 * 10**9,) * 2)
    os.utime(sealed, ns=(now - 5 * 10**9,) * 2)  # e.g. copied after its sidecar
    assert checksum.quick_status(sealed) is None  # hashed: intact, sidecar touched
    monkeypatch.setattr(checksum, "file_sha256", lambda p: pytest.fail("hashed again"))
    assert checksum.quick_status(sealed) is None


def test_silent_damage_is_caught_by_the_reader_and_marked_for_the_workflow(sealed):
    raw = bytearray(sealed.read_bytes())
    mtime = sealed.stat().st_mtime_ns
    raw[-100] ^= 0xFF
    sealed.write_bytes(bytes(raw))
    os.utime(sealed, ns=(mtime, mtime))  # bit rot: same size, same mtime
    assert checksum.quick_status(sealed) is None  # the cheap check cannot see it
    with pytest.raises(RunFileError, match=f"{sealed}: checksum mismatch"):
        open_run(sealed)
    assert "checksum mismatch" in checksum.quick_status(sealed)  # marked by the reader


def test_missing_sidecar_is_damage_for_the_workflow_not_for_a_reader(tmp_path):
    path = tmp_path / "plain.nc"
    _ds().to_netcdf(path)
    assert "no checksum file plain.nc.sha256" in checksum.quick_status(path)
    assert checksum.verify(path) is False
    with pytest.raises(checksum.DamagedFileError, match="no checksum"):
        checksum.verify(path, required=True)
    assert open_run(path).sizes["x"] == 1000


def test_output_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomic(_ds(), tmp_path / "g.nc")
        os.umask(0o077)
        private = write_atomic(_ds(), tmp_path / "h.nc")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(checksum.sidecar(path).stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
