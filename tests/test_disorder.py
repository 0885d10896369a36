"""Disorder is reproducible: same for every U, every machine, independent of other draws."""

import numpy as np

from mblbath.disorder import disorder_dataset, sample_eps

MASTER = 20220711


def test_stored_numbers():
    # Drawn once with numpy 2.4 PCG64; any platform must give the same bits.
    np.testing.assert_array_equal(
        sample_eps(6.5, 12, 0, MASTER)[:3],
        [-0.10196452592106453, -2.853861558403295, 5.420407507826091],
    )
    assert float(sample_eps(6.5, 30, 0, MASTER).sum()) == -5.463182712836978
    assert float(sample_eps(6.5, 60, 49, MASTER).sum()) == 1.6586851703992398


def test_box_distribution_and_independence():
    eps = np.concatenate([sample_eps(2.0, 300, s, MASTER) for s in range(20)])
    assert eps.min() >= -2.0 and eps.max() <= 2.0
    assert abs(eps.mean()) < 0.1
    assert abs(eps.var() - 4.0 / 3.0) < 0.1
    assert not np.array_equal(sample_eps(6.5, 12, 0, MASTER), sample_eps(6.5, 12, 1, MASTER))
    assert not np.array_equal(sample_eps(6.5, 12, 0, MASTER), sample_eps(6.5, 12, 0, MASTER + 1))


def test_dataset_matches_single_draws():
    ds = disorder_dataset(6.5, 18, [0, 3], MASTER)
    np.testing.assert_array_equal(ds["eps"].sel(seed=3).values, sample_eps(6.5, 18, 3, MASTER))
    assert ds.attrs["W"] == 6.5 and ds["eps"].attrs["units"] == "1"
    assert "hopping" in ds["eps"].attrs["comment"]
