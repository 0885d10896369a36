"""Statistics of mblbath.analysis.stats: mean/SEM, bootstrap, weighted least squares."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.aggregate import disorder_mean
from mblbath.analysis.stats import (
    bootstrap_counts,
    bootstrap_mean,
    mean_sem,
    mean_sem_finite,
    mean_sem_xr,
    replicate_std,
    seed_counts,
    weighted_line,
    wls,
)


def test_mean_sem_ignores_missing_runs():
    da = xr.DataArray([[1.0, 3.0, np.nan], [np.nan, np.nan, np.nan]], dims=("x", "seed"))
    m, s, n = mean_sem_xr(da)
    assert m.values[0] == pytest.approx(2.0)
    assert s.values[0] == pytest.approx(np.std([1.0, 3.0], ddof=1) / np.sqrt(2))
    assert np.isnan(m.values[1]) and int(n.values[1]) == 0


def test_mean_sem_numpy_with_a_run_mask():
    """(U, seed, time, site) data, a (U, seed, time) mask: masked runs do not count."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(2, 5, 3, 4))
    valid = np.ones((2, 5, 3), dtype=bool)
    valid[1, 2, :] = False  # a missing run
    valid[0, :, 1] = False  # no run at one time
    valid[0, 1:, 2] = False  # a single run at another time
    data[1, 2] = 1e9  # the masked run's values must not leak in
    mean, sem, n = mean_sem(data, valid)
    assert mean.shape == sem.shape == n.shape == (2, 3, 4)
    keep = np.delete(data[1], 2, axis=0)
    np.testing.assert_allclose(mean[1], keep.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(sem[1], keep.std(axis=0, ddof=1) / np.sqrt(4), rtol=1e-13)
    assert np.isnan(mean[0, 1]).all() and np.isnan(sem[0, 1]).all() and (n[0, 1] == 0).all()
    np.testing.assert_array_equal(mean[0, 2], data[0, 0, 2])  # one run: its value...
    assert np.isnan(sem[0, 2]).all()  # ...and no error


def test_one_mean_sem_everywhere():
    """The xarray wrapper, the scalar form and aggregate.disorder_mean agree with the core."""
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(3, 6, 5))
    vals[1, 4] = np.nan
    da = xr.DataArray(vals, dims=("U", "seed", "site"), coords={"U": [0.0, 2.5, 12.0]})
    m_np, s_np, n_np = mean_sem(vals, axis=1)
    m_xr, s_xr, n_xr = mean_sem_xr(da, "seed")
    assert m_xr.dims == ("U", "site") and list(m_xr["U"].values) == [0.0, 2.5, 12.0]
    np.testing.assert_array_equal(m_xr.values, m_np)
    np.testing.assert_array_equal(s_xr.values, s_np)
    np.testing.assert_array_equal(n_xr.values, n_np)
    m_f, s_f, n_f = mean_sem_finite(vals[1, :, 0])
    assert (m_f, s_f, n_f) == (m_np[1, 0], s_np[1, 0], 5)
    agg = xr.Dataset({"n_c": da, "converged": (("U", "seed"), np.ones((3, 6), np.int8))})
    agg["converged"][2, 0] = 0
    m_a, s_a = disorder_mean(agg, "n_c")
    np.testing.assert_array_equal(m_a.values, m_np)
    np.testing.assert_array_equal(s_a.values, s_np)
    m_c, _ = disorder_mean(agg, "n_c", exclude_unconverged=True)
    np.testing.assert_allclose(m_c.values[2], vals[2, 1:].mean(axis=0), rtol=1e-14)
    assert mean_sem_finite(np.array([np.nan, np.inf]))[2] == 0


def test_bootstrap_counts_resample_the_seeds_with_data():
    valid = np.ones((2, 4, 3), dtype=bool)
    valid[:, 2, :] = False  # seed 2 never has data: never drawn
    counts, idx = bootstrap_counts(valid, 50, bootstrap_seed=7)
    assert counts.shape == (50, 4) and idx.shape == (50, 3)
    np.testing.assert_array_equal(counts.sum(axis=1), 3)
    assert (counts[:, 2] == 0).all()
    again, _ = bootstrap_counts(valid, 50, bootstrap_seed=7)
    np.testing.assert_array_equal(counts, again)
    # the stored seed labels give the same counts back (paired errors of later stages)
    labels = np.array([10, 11, 12, 13])
    np.testing.assert_array_equal(seed_counts(labels[idx], labels), counts)
    # no resampling with one seed or n_bootstrap = 0
    assert bootstrap_counts(valid[:, :1], 50, 7)[0].shape == (0, 1)
    assert bootstrap_counts(valid, 0, 7)[0].shape == (0, 4)


def test_bootstrap_mean_weights_the_draws():
    data = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)  # (U, seed, time)
    valid = np.ones((2, 3, 2), dtype=bool)
    counts = np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 0.0], [0.0, 2.0, 1.0]])
    bm = bootstrap_mean(counts, data, valid)
    np.testing.assert_allclose(bm[0], data.mean(axis=1))
    np.testing.assert_allclose(bm[1], data[:, 0])
    np.testing.assert_allclose(bm[2], (2 * data[:, 1] + data[:, 2]) / 3)


def test_replicate_std_skips_failed_replicates():
    a = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, 2.0]])
    s = replicate_std(a, axis=0)
    assert s[0] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    assert np.isnan(s[1])  # one finite replicate is not enough


def test_wls_recovers_a_line_with_errors():
    x = np.linspace(0, 1, 9)
    p, cov = wls(x, 2 + 3 * x, np.full(9, 0.1), deg=1)
    assert p == pytest.approx([2, 3])
    assert cov[1, 1] > 0
    assert wls(x[:2], x[:2], None, deg=1) is None


def test_weighted_line_agrees_with_wls_and_is_vectorised():
    rng = np.random.default_rng(3)
    x = np.linspace(0.0, 2.0, 7)
    sig = rng.uniform(0.05, 0.2, size=(4, 7))
    y = 1.5 - 0.7 * x + sig * rng.standard_normal((4, 7))
    line = weighted_line(x[None, :], y, 1.0 / sig**2)
    for k in range(4):
        p, cov = wls(x, y[k], sig[k], deg=1)
        assert line.slope[k] == pytest.approx(p[1], rel=1e-10)
        assert line.intercept[k] == pytest.approx(p[0], rel=1e-10)
        assert line.slope_err[k] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-10)
    # through the origin, summed over every element
    xo = np.array([[1.0, 2.0], [3.0, 4.0]])
    fixed = weighted_line(xo, 2.5 * xo, np.ones_like(xo), axis=None, intercept=False)
    assert fixed.slope == pytest.approx(2.5) and fixed.den == pytest.approx(30.0)
    # a single distinct x: singular, no warning (warnings are errors here)
    single = weighted_line(np.ones(3), np.arange(3.0), np.ones(3))
    assert not single.den > 0
