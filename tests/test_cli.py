"""The command line: run-file schema, provenance, and bad input stopped before computing."""

import numpy as np
import pytest
import xarray as xr

from mblbath import tebd
from mblbath.cli import main
from mblbath.disorder import sample_eps
from mblbath.io import SCHEMA_VERSION, open_run


@pytest.fixture
def run_file(tmp_path):
    out = tmp_path / "run.nc"
    args = ["run", "--L", "6", "--U", "2", "--seed", "1", "--t-max", "0.5", "--out", str(out)]
    assert main([*args, "--chi-max", "16", "--dt", "0.05", "--order", "2"]) == 0
    return out


def test_run_file_schema_and_provenance(run_file):
    with xr.open_dataset(run_file) as raw:  # on disk, the time axis is "t" (mblbath.cf)
        assert set(raw.dims) == {"t", "site", "site2", "bond"}
    ds = open_run(run_file)
    assert set(ds.dims) == {"time", "site", "site2", "bond"}
    assert ds.sizes["bond"] == 5 and ds["bond"].values[0] == 1
    names = ("eps", "n_c", "n_d", "C_dd", "S", "trunc_err", "chi", "chi_max_reached")
    for name in (*names, "n_c_total", "n_d_total"):
        assert "units" in ds[name].attrs and "long_name" in ds[name].attrs, name
    assert ds["time"].attrs["units"] == "1" and "1/t_d" in ds["time"].attrs["comment"]
    assert "nats" in ds["S"].attrs["comment"]
    np.testing.assert_allclose(ds["n_c_total"].values, 1.0, atol=1e-12)
    np.testing.assert_array_equal(ds["x"].values, np.arange(6) - 3)
    attrs = ds.attrs
    for key in ("L", "U", "W", "td", "tc", "seed", "master_seed", "chi_max", "dt", "order"):
        assert key in attrs, key
    assert attrs["initial_state"] == "d-bosons on sites i % 3 == 1, c-boson on site 3"
    assert attrs["version_physics_tenpy"] == "1.1.1"
    assert attrs["Conventions"] == "CF-1.8" and attrs["schema_version"] == SCHEMA_VERSION
    for key in ("title", "history", "source", "git_commit"):
        assert attrs[key], key
    assert attrs["wall_time_s"] > 0 and attrs["cpu_time_s"] > 0
    assert attrs["finished"] == 1 and attrs["converged"] == 1
    assert attrs["numerics"] == "chi16_dt0.05_o2_svd1e-10_T0.5"
    np.testing.assert_array_equal(ds["eps"].values, sample_eps(6.5, 6, 1, 20220711))
    # The initial state is the documented product state.
    np.testing.assert_array_equal(ds["n_d"].isel(time=0).values, [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(ds["n_c"].isel(time=0).values, [0, 0, 0, 1, 0, 0])


def test_same_seed_different_U_share_disorder(tmp_path, run_file):
    other = tmp_path / "other.nc"
    args = ["run", "--L", "6", "--U", "7.5", "--seed", "1", "--t-max", "0.2"]
    assert main([*args, "--chi-max", "8", "--order", "2", "--out", str(other)]) == 0
    np.testing.assert_array_equal(open_run(other)["eps"].values, open_run(run_file)["eps"].values)


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        (["--L", "14"], "'--L'"),
        (["--L", "-3"], "'--L'"),
        (["--chi-max", "-5"], "'--chi-max'"),
        (["--chi-max", "0"], "'--chi-max'"),
        (["--U", "nan"], "--U"),
        (["--U", "abc"], "--U"),
        (["--U", "-1"], "'--U'"),
        (["--t-max", "0"], "'--t-max'"),
        (["--t-max", "-2"], "'--t-max'"),
        (["--dt", "0"], "'--dt'"),
        (["--order", "3"], "'--order'"),
        (["--W", "-1"], "'--W'"),
        (["--seed", "-1"], "'--seed'"),
        (["--c-site", "40"], "'--c-site'"),
        (["--d-residue", "5"], "'--d-residue'"),
        (["--svd-min", "-1"], "'--svd-min'"),
        (["--t-max", "1.03"], "'--t-max'"),
    ],
)
def test_bad_input_stops_before_computation(tmp_path, monkeypatch, capsys, flags, name):
    def boom(*args, **kwargs):
        raise AssertionError("TEBD started despite invalid input")

    monkeypatch.setattr(tebd, "run_tebd", boom)
    base = {"--L": "12", "--U": "1", "--seed": "0", "--t-max": "1"}
    for flag, value in zip(flags[::2], flags[1::2], strict=True):
        base[flag] = value
    argv = ["run", *[x for kv in base.items() for x in kv], "--out", str(tmp_path / "x.nc")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert name in err, err
    assert not (tmp_path / "x.nc").exists()


def test_run_file_of_another_schema_is_rejected_clearly(tmp_path, run_file, capsys):
    ds = xr.load_dataset(run_file)
    ds.attrs["schema_version"] = 0
    old = tmp_path / "old.nc"
    ds.to_netcdf(old)
    with pytest.raises(SystemExit) as exc:
        main(["aggregate", str(old), "--out", str(tmp_path / "agg.nc")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "schema_version 0" in err and f"reads version {SCHEMA_VERSION}" in err
    assert "delete the file" in err and len(err.strip().splitlines()) == 1


def test_unreadable_run_file_is_rejected_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.nc"
    bad.write_text("not netCDF")
    with pytest.raises(SystemExit) as exc:
        main(["aggregate", str(bad), "--out", str(tmp_path / "agg.nc")])
    assert exc.value.code == 2
    assert "bad.nc" in capsys.readouterr().err


def test_version(capsys):
    import mblbath

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"mblbath {mblbath.__version__}"


def test_flags_fall_back_to_the_config_file_then_the_schema(tmp_path, monkeypatch):
    """An explicit flag beats --config, which beats the schema default."""
    seen = {}

    def record(params, *args, **kwargs):
        seen["params"] = params
        raise SystemExit(0)

    monkeypatch.setattr(tebd, "run_tebd", record)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "numerics: {chi_max: 48, dt: 0.1, chi_max_per_L: {'12': 24}}\nsweep: {L: [12]}\n"
    )
    argv = ["run", "--L", "12", "--U", "1", "--seed", "0", "--out", str(tmp_path / "x.nc")]
    with pytest.raises(SystemExit):
        main([*argv, "--config", str(cfg), "--dt", "0.05"])
    p = seen["params"]
    assert (p.chi_max, p.dt, p.order) == (24, 0.05, 4)  # per-L config, flag, schema default


def _subparsers():
    import argparse

    from mblbath.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_flag_has_help_and_shows_its_default():
    """Each flag of each subcommand says what it does and, unless it must be given, its
    default (the schema flags take both from the schema)."""
    import argparse

    subs = _subparsers()
    assert set(subs) == {
        "run", "exact", "disorder", "aggregate", "validate", "fit", "figure", "report", "estimate",
        "long-times",
        "calibrate",
    }  # fmt: skip
    nested = subs.pop("long-times")._subparsers._group_actions[0].choices
    subs.update({f"long-times {k}": v for k, v in nested.items()})
    for name, parser in subs.items():
        in_required_group = {
            a for g in parser._mutually_exclusive_groups if g.required for a in g._group_actions
        }
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            flag = f"mblbath {name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and len(action.help) > 5, flag
            optional = action.option_strings and not action.required
            if optional and action not in in_required_group:
                assert "(default: " in action.help, flag


def test_run_help_shows_every_default(capsys):
    from mblbath.config import TABLE

    with pytest.raises(SystemExit) as exc:
        main(["run", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for param in TABLE.used_by("tebd"):
        assert param.flag in text, param.flag
    assert "(default: 0.05)" in text and "(default: 4)" in text  # dt, order
    assert "(default: 10)" in text  # --checkpoint-every


@pytest.fixture
def disorder_file(tmp_path):
    out = tmp_path / "d.nc"
    assert main(["disorder", "--L", "6", "--n-seeds", "1", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["run", "--L", "6", "--U", "1", "--seed", "0", "--disorder", "{missing}"], "no such file"),
        (["run", "--L", "6", "--U", "1", "--seed", "0", "--threads", "0"], "--threads"),
        (["exact", "--L", "6", "--U", "1", "--seed", "0", "--method", "free"], "--method"),
        (["exact", "--L", "6", "--U", "1", "--seed", "0", "--config", "{missing}"], "no such"),
        (["disorder", "--L", "6", "--merge", "{missing}"], "no such file"),
        (["disorder", "--L", "6", "--n-seeds", "0"], "--n-seeds"),
        (["disorder", "--L", "7", "--n-seeds", "1"], "--L"),
        (["aggregate", "{missing}"], "no such file"),
        (["aggregate", "{disorder}", "--n-seeds", "two"], "--n-seeds"),
        (["validate", "--tebd", "{missing}", "--exact", "{disorder}"], "no such file"),
        (["fit", "nc", "--agg", "{missing}"], "no such file"),
        (["fit", "nc"], "--agg"),
        (["fit", "lc"], "--nc-fit"),
        (["fit", "slope", "--agg", "{disorder}"], "slope"),
        (["fit", "criterion", "--settings", "{{not json"], "--settings"),
        (["fit", "criterion", "--settings", '{{"criterion": {{"n_W": 1}}}}'], "n_W"),
        (["figure", "nosuch", "--out-png", "{png}"], "nosuch"),
        (["figure", "fig1", "--input", "agg={missing}", "--out-png", "{png}"], "no such file"),
        (["figure", "fig1", "--input", "agg", "--out-png", "{png}"], "--input"),
        (["report", "--input", "agg={missing}"], "no such file"),
        (["report", "--settings", '{{"analysis": {{"fit_t_min": -1}}}}'], "fit_t_min"),
        (["estimate", "--configfile", "{missing}"], "no such file"),
        (["estimate", "--configfile", "{config}", "--max-runtime", "5"], "--max-runtime"),
    ],
)
def test_misuse_exits_2_with_one_line(tmp_path, disorder_file, capsys, argv, problem):
    """Every subcommand: a bad value, a missing file or an unknown name ends with exit code 2
    and one line on stderr that names the problem (no traceback), before any output."""
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / "config" / "smoke.yaml"
    paths = {
        "missing": tmp_path / "missing.nc",
        "disorder": disorder_file,
        "png": tmp_path / "x.png",
        "config": config,
    }
    argv = [a.format(**paths) for a in argv]
    out = {"figure": ["--out-pdf", str(tmp_path / "x.pdf")]}.get(argv[0], [])
    if argv[0] not in ("figure", "estimate"):
        out = ["--out", str(tmp_path / "out.nc")]
    if argv[0] == "figure" and "--out-png" not in argv:
        out += ["--out-png", str(tmp_path / "x.png")]
    with pytest.raises(SystemExit) as exc:
        main([*argv, *out])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"mblbath {argv[0]}"), err
    assert problem in err, err
    assert not (tmp_path / "out.nc").exists() and not (tmp_path / "x.png").exists()


def test_runs_that_do_not_fit_together_exit_2_with_one_line(tmp_path, run_file, capsys):
    """aggregate: a run outside the requested grid; validate: runs that do not pair up."""
    exact = tmp_path / "exact.nc"
    args = ["exact", "--L", "6", "--U", "5", "--seed", "1", "--t-max", "0.5", "--dt", "0.05"]
    assert main([*args, "--out", str(exact)]) == 0
    agg, val = ["--out", str(tmp_path / "a.nc")], ["--out", str(tmp_path / "v.nc")]
    cases = [
        (["aggregate", str(run_file), "--U", "7", *agg], "outside"),
        (["aggregate", str(run_file), "--n-seeds", "0", *agg], "-seeds"),
        (["validate", "--tebd", str(run_file), "--exact", str(exact), *val], "pair up"),
    ]
    for argv, problem in cases:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and problem in err, err
    assert not list(tmp_path.glob("[av].nc"))
