"""CF-1.8 files (mblbath.cf through mblbath.io.write_atomic): units, time axis, attributes."""

from __future__ import annotations

import cf_units
import numpy as np
import pytest
import xarray as xr

from cf_check import cf_units_problems, checker_problems
from fit_data import make_agg
from mblbath import cf
from mblbath.aggregate import aggregate_runs
from mblbath.analysis.profile import fit_nc
from mblbath.config import run_params
from mblbath.disorder import disorder_dataset, merge_disorder, sample_eps
from mblbath.io import open_result, open_run, run_dataset, write_atomic


def _legacy() -> xr.Dataset:
    """A small Dataset as a builder might hand it over: model units, int64, a time axis."""
    return xr.Dataset(
        {
            "S": (("time", "bond"), np.ones((3, 2)), {"long_name": "entropy", "units": "nat"}),
            "chi": (
                ("time", "bond"),
                np.full((3, 2), 4, dtype=np.int64),
                {"long_name": "chi", "units": "1"},
            ),
            "status": (
                ("bond",),
                np.array(["ok", "fail"], dtype=object),
                {"long_name": "status", "units": "none"},
            ),
        },
        coords={
            "time": ("time", [0.0, 0.5, 1.0], {"long_name": "time", "units": "hopping times"}),
            "bond": ("bond", np.array([1, 2], dtype=np.int64), {"long_name": "bond", "units": "1"}),
            "U": ((), 2.5, {"long_name": "U", "units": "hopping", "comment": "swept"}),
        },
        attrs={"title": "test"},
    )


def _run(tmp_path, U: float, seed: int, method: str = "tebd"):
    p = run_params(L=6, U=U, seed=seed, chi_max=8, t_max=1.0, dt=0.1, n_per_decade=2)
    t = p.times()
    rng = np.random.default_rng(seed)
    result = {
        "times": t,
        "n_c": rng.random((len(t), 6)),
        "n_d": rng.random((len(t), 6)),
        "C_dd": rng.random((len(t), 6, 6)),
        "S": rng.random((len(t), 5)),
        "trunc_err": np.zeros(len(t)),
        "chi": np.ones((len(t), 5), dtype=int),
    }
    eps = sample_eps(p.W, p.L, seed, p.master_seed)
    path = tmp_path / f"{method}_U{U}_s{seed}.nc"
    write_atomic(run_dataset(result, p, eps, method, 1.0, config_hash="c0ffee"), path)
    return path


def test_model_units_become_dimensionless_with_a_comment():
    for unit, comment in cf.UNITS.items():
        attrs = cf.unit_attrs(unit)
        assert attrs == {"units": "1", "comment": comment}, unit
    assert "nats" in cf.unit_attrs("nat")["comment"]
    assert "1/t_d" in cf.unit_attrs("hopping times")["comment"]
    assert cf.unit_attrs("s") == {"units": "s"} and cf.unit_attrs("none") == {}
    # What the table gives, UDUNITS reads; what it replaces, UDUNITS does not (or misreads).
    cf_units.Unit("1")
    for unit in ("hopping", "hopping times", "lattice spacings"):
        with pytest.raises(ValueError):
            cf_units.Unit(unit)
    assert cf_units.Unit("nat").is_convertible("Pa")  # why "nat" cannot stay


def test_variable_attrs_is_idempotent_and_keeps_comments():
    once = cf.variable_attrs({"units": "hopping", "comment": "swept", "long_name": "U"})
    assert once == {
        "units": "1",
        "long_name": "U",
        "comment": f"{cf.UNITS['hopping']}; swept",
    }
    assert cf.variable_attrs(once) == once
    assert cf.variable_attrs({"units": "none", "long_name": "status"}) == {"long_name": "status"}


def test_to_file_renames_time_and_leaves_the_dataset_alone():
    ds = _legacy()
    before = ds.copy(deep=True)
    out, enc = cf.to_file(ds, {"git_commit": "abc", "version_mblbath": "9", "title": "x"})
    xr.testing.assert_identical(ds, before)  # attributes included
    assert "time" not in out.variables and out["S"].dims == ("t", "bond")
    assert out["t"].attrs["units"] == "1" and "1/t_d" in out["t"].attrs["comment"]
    assert out["S"].attrs["units"] == "1" and "nats" in out["S"].attrs["comment"]
    assert "units" not in out["status"].attrs
    assert cf_units_problems(out) == [] and cf_units_problems(ds) != []
    assert enc["t"] == {"_FillValue": None} and enc["U"] == {"_FillValue": None}
    assert enc["bond"] == {"dtype": "int32", "_FillValue": None}
    assert enc["chi"] == {"dtype": "int32"} and "S" not in enc
    assert out.attrs["Conventions"] == "CF-1.8" and out.attrs["title"] == "test"
    assert out.attrs["history"] == "written by mblbath 9 (git commit abc)"
    assert out.attrs["source"] == "mblbath 9" and "2109.07332" in out.attrs["references"]
    assert list(out.attrs)[:5] == ["Conventions", "title", "history", "source", "references"]
    back = cf.from_file(out)
    assert back["S"].dims == ("time", "bond")
    assert back["time"].attrs["comment"] == cf.UNITS["hopping times"]


def test_write_and_read_back_the_same_numbers(tmp_path):
    ds = _legacy()
    path = write_atomic(ds, tmp_path / "x.nc")
    back = open_result(path)
    xr.testing.assert_equal(back, ds)  # values, dims and coordinates; not the attributes
    assert back["chi"].dtype == np.int32
    with xr.open_dataset(path) as raw:
        assert set(raw.dims) == {"t", "bond"}
        assert "_FillValue" not in raw["t"].encoding and "_FillValue" not in raw["U"].encoding


def test_files_need_a_title_and_32_bit_integers(tmp_path):
    ds = _legacy()
    del ds.attrs["title"]
    with pytest.raises(ValueError, match="title"):
        write_atomic(ds, tmp_path / "a.nc")
    big = _legacy()
    big["chi"] = big["chi"] * 2**40
    with pytest.raises(ValueError, match="32-bit"):
        write_atomic(big, tmp_path / "b.nc")
    assert list(tmp_path.iterdir()) == []


def test_merged_disorder_ignores_provenance_but_not_the_draw(tmp_path):
    a, b, c = (tmp_path / f"{n}.nc" for n in "abc")
    write_atomic(disorder_dataset(6.5, 6, [0], 7, config_hash="h1"), a)
    other = disorder_dataset(6.5, 6, [1], 7)
    other.attrs["git_commit"] = "another commit"
    write_atomic(other, b)
    merged = merge_disorder([str(b), str(a)], config_hash="h2")
    assert merged["seed"].values.tolist() == [0, 1] and merged.attrs["config_hash"] == "h2"
    assert "git_commit" not in merged.attrs  # the merge's own provenance comes at writing
    write_atomic(disorder_dataset(6.0, 6, [2], 7), c)
    with pytest.raises(ValueError, match="attributes differ"):
        merge_disorder([str(a), str(c)])


def test_run_aggregate_disorder_and_fit_files_pass_the_checker(tmp_path):
    """compliance-checker --test=cf:1.8 on one file of each kind built here (the smoke DAG's
    files are checked in tests/test_workflow.py)."""
    runs = [_run(tmp_path, U, s) for U in (0.0, 2.0) for s in (0, 1)]
    ds = open_run(runs[0])
    assert "n_c_total" in ds and "N_c" not in ds and ds.attrs["config_hash"] == "c0ffee"
    agg = tmp_path / "agg.nc"
    write_atomic(aggregate_runs([str(p) for p in runs], config_hash="c0ffee"), agg)
    dis = write_atomic(disorder_dataset(6.5, 6, [0, 1], 20220711), tmp_path / "dis.nc")
    fit = make_agg(L=12, Us=(0.0, 12.0), n_seeds=2, n_times=8, t_max=20.0, with_C=False)
    nc = write_atomic(fit_nc(fit, 1.0, 4, 1), tmp_path / "nc_profile.nc")
    raw = tmp_path / "raw.nc"  # the same kind of data written by plain xarray: not CF
    _legacy().to_netcdf(raw)
    problems = checker_problems([runs[0], agg, dis, nc, raw], tmp_path)
    assert any("UDUNITS" in m for m in problems.pop(str(raw)))
    assert problems == {str(p): [] for p in (runs[0], agg, dis, nc)}
