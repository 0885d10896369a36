"""Aggregation keeps every run, marks missing ones, refuses to mix settings."""

import numpy as np
import pytest

from mblbath.aggregate import aggregate_runs, check_disorder, disorder_mean
from mblbath.config import run_params
from mblbath.disorder import disorder_dataset, sample_eps
from mblbath.io import run_dataset, write_atomic


def _fake_run(tmp_path, U, seed, chi_max=16, value=None, cdd_every=1, drop=()):
    p = run_params(
        L=6, U=U, seed=seed, chi_max=chi_max, t_max=1.0, dt=0.1, n_per_decade=2, cdd_every=cdd_every
    )
    t = p.times()
    rng = np.random.default_rng(seed + int(10 * U))
    v = rng.random((len(t), 6)) if value is None else np.full((len(t), 6), value)
    result = {
        "times": t,
        "n_c": v / 6,
        "n_d": 2 * v / 6,
        "C_dd": np.zeros((len(t), 6, 6)),
        "S": rng.random((len(t), 5)),
        "trunc_err": np.zeros(len(t)),
        "chi": np.ones((len(t), 5), dtype=int),
    }
    eps = sample_eps(p.W, p.L, seed, p.master_seed)
    ds = run_dataset(result, p, eps, "tebd", 1.0)
    for key in drop:  # a run file of an older version, without this attribute
        del ds.attrs[key]
    path = tmp_path / f"U{U}_s{seed}_chi{chi_max}_every{cdd_every}.nc"
    write_atomic(ds, path)
    return path


def test_stack_mean_and_missing_run(tmp_path):
    paths = [_fake_run(tmp_path, U, s, value=s + 1.0) for U in (0.0, 12.0) for s in (0, 1)]
    agg = aggregate_runs([str(p) for p in paths[:3]], U_values=[0.0, 12.0], seeds=[0, 1])
    assert agg.sizes["U"] == 2 and agg.sizes["seed"] == 2
    assert agg["n_c"].dims == ("U", "seed", "time", "site")
    assert agg.attrs["n_runs"] == 3 and agg.attrs["n_missing"] == 1
    assert agg["present"].sel(U=12.0, seed=1) == 0
    assert np.isnan(agg["n_c"].sel(U=12.0, seed=1)).all()
    mean, sem = disorder_mean(agg, "n_c")
    np.testing.assert_allclose(mean.sel(U=0.0).values, 1.5 / 6)
    np.testing.assert_allclose(mean.sel(U=12.0).values, 1.0 / 6)  # the missing run is skipped
    np.testing.assert_allclose(sem.sel(U=0.0).values, 0.5 / 6)  # std(1, 2)/sqrt(2), /6
    check_disorder(agg, _disorder_file(tmp_path))


def _disorder_file(tmp_path):
    path = tmp_path / "dis.nc"
    write_atomic(disorder_dataset(6.5, 6, [0, 1], 20220711), path)
    return str(path)


def test_refuses_to_mix_numerics(tmp_path):
    a = _fake_run(tmp_path, 0.0, 0, chi_max=16)
    b = _fake_run(tmp_path, 0.0, 1, chi_max=32)
    with pytest.raises(ValueError, match="chi_max"):
        aggregate_runs([str(a), str(b)])


def test_cdd_every_must_match_and_is_implied_for_older_files(tmp_path):
    old = _fake_run(tmp_path, 0.0, 0, drop=("cdd_every",))  # written before cdd_every existed
    new = _fake_run(tmp_path, 0.0, 1)
    agg = aggregate_runs([str(old), str(new)])
    assert agg.attrs["cdd_every"] == 1
    thin = _fake_run(tmp_path, 0.0, 1, cdd_every=2)
    with pytest.raises(ValueError, match="cdd_every"):
        aggregate_runs([str(old), str(thin)])


def test_duplicate_run_is_an_error(tmp_path):
    a = _fake_run(tmp_path, 0.0, 0)
    with pytest.raises(ValueError, match="second run"):
        aggregate_runs([str(a), str(a)])
