"""scripts/compare_results.py: provenance is ignored, any other difference is reported."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import xarray as xr

_SPEC = importlib.util.spec_from_file_location(
    "compare_results", Path(__file__).resolve().parents[1] / "scripts" / "compare_results.py"
)
compare_results = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(compare_results)


def _tree(root: Path, value: float = 1.0, commit: str = "abc", status: str = "ok") -> Path:
    ds = xr.Dataset(
        {
            "ell_c": ("U", np.array([value, np.nan]), {"units": "1"}),
            "status": ("U", np.array([status, "failed"], dtype=object)),
            "wall_time_s": ("U", np.random.default_rng().random(2)),
        },
        coords={"U": [2.5, 12.0]},
        attrs={"git_commit": commit, "version_numpy": commit, "fit_t_min": 0.5},
    )
    (root / "fits").mkdir(parents=True)
    ds.to_netcdf(root / "fits" / "x.nc")
    (root / "claims.md").write_text(f"# Claims\n- git commit: `{commit}`\n| 1 | holds |\n")
    return root


def test_provenance_is_ignored(tmp_path, capsys):
    a = _tree(tmp_path / "a", commit="abc")
    b = _tree(tmp_path / "b", value=1.0 + 1e-15, commit="def")
    assert compare_results.main([str(a), str(b)]) == 0
    assert "2 files compared, 0 differ" in capsys.readouterr().out


def test_differences_are_reported(tmp_path, capsys):
    a = _tree(tmp_path / "a")
    assert compare_results.main([str(a), str(_tree(tmp_path / "b", value=1.001))]) == 1
    assert "ell_c: 1 values differ" in capsys.readouterr().out
    assert compare_results.main([str(a), str(_tree(tmp_path / "c", status="ok; caveat"))]) == 1
    d = _tree(tmp_path / "d")
    (d / "claims.md").write_text("# Claims\n- git commit: `abc`\n| 1 | does not hold |\n")
    assert compare_results.main([str(a), str(d)]) == 1
    (d / "fits" / "x.nc").unlink()
    assert compare_results.main([str(a), str(d)]) == 1
    assert "MISSING fits/x.nc" in capsys.readouterr().out
