"""Damaged results are moved aside (never deleted, never overwritten) when the DAG is built."""

from __future__ import annotations

from base64 import urlsafe_b64encode
from pathlib import Path

import numpy as np
import xarray as xr

from mblbath.checksum import sidecar
from mblbath.io import write_atomic
from mblbath.jobs.damaged import check_results, incomplete, quarantine


def _result(root: Path, rel: str) -> Path:
    return write_atomic(
        xr.Dataset({"a": ("x", np.arange(50.0))}, attrs={"title": "t"}), root / "results" / rel
    )


def test_damaged_files_are_moved_aside_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = _result(tmp_path, "runs/m/n/L12/U0/seed0.nc")
    cut = _result(tmp_path, "runs/m/n/L12/U0/seed1.nc")
    cut.write_bytes(cut.read_bytes()[:100])
    bare = _result(tmp_path, "aggregate/m/n/L12.nc")
    sidecar(bare).unlink()
    said = []
    paths = [str(p.relative_to(tmp_path)) for p in (good, cut, bare)] + ["results/missing.nc"]
    moved = check_results(paths, say=said.append)
    assert [m[0] for m in moved] == paths[1:3]
    assert good.exists() and not cut.exists() and not bare.exists()
    target = tmp_path / "results" / "damaged" / "runs/m/n/L12/U0/seed1.nc"
    assert target.read_bytes()[:100] == target.read_bytes() and sidecar(target).exists()
    assert "truncated" in said[0] and "results/damaged/runs/m/n/L12/U0/seed1.nc" in said[0]
    assert "no checksum file" in said[1]


def test_quarantine_never_overwrites_an_earlier_damaged_copy(tmp_path):
    first = _result(tmp_path, "runs/a.nc")
    first.write_bytes(b"first")
    one = quarantine(first, tmp_path / "results")
    second = _result(tmp_path, "runs/a.nc")
    second.write_bytes(b"second")
    two = quarantine(second, tmp_path / "results")
    assert one.name == "a.nc" and two.name == "a.nc.1"
    assert one.read_bytes() == b"first" and two.read_bytes() == b"second"


def test_outputs_of_incomplete_jobs_are_left_to_snakemake(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = _result(tmp_path, "runs/m/seed0.nc")
    run.write_bytes(b"half")
    rel = "results/runs/m/seed0.nc"
    marker = tmp_path / ".snakemake" / "incomplete" / urlsafe_b64encode(rel.encode()).decode()
    marker.parent.mkdir(parents=True)
    marker.write_text("{}")
    assert incomplete(rel)
    assert check_results([rel], say=lambda s: None) == []
    assert run.exists()
    marker.unlink()
    assert len(check_results([rel], say=lambda s: None)) == 1
