"""TeNPy's truncation rule with pre-read options (mblbath.tebd.truncation) against TeNPy's own."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tenpy.linalg.truncation import truncate

from mblbath.tebd.truncation import TruncOptions, truncate_fast


@pytest.mark.parametrize(
    "opts",
    [
        {"chi_max": 7, "svd_min": 1e-10},
        {"chi_max": 40, "svd_min": 1e-3},
        {"chi_max": 7, "degeneracy_tol": 1e-6},
        {"chi_max": 7, "degeneracy_tol": 1e-6, "svd_min": 2.0},  # a warning
        {"chi_max": 50, "chi_min": 5, "svd_min": 0.05},
        {"chi_max": 50, "trunc_cut": 0.2},
        {"chi_max": 0},
        {"chi_max": 100, "svd_min": 1e-4},  # more than the spectrum holds
        {"chi_max": 50, "chi_min": 40},  # chi_min above the spectrum's length: a warning
        {"chi_max": 10, "chi_min": 20, "svd_min": 1e-3, "trunc_cut": 0.3},
        {"chi_max": 20, "svd_min": 2.0},  # nothing passes svd_min: a warning
        {"chi_max": -3},  # a negative chi_max, as Python's slices read it
        {"chi_max": 20, "svd_min": None, "trunc_cut": None},
        {},
    ],
)
def test_truncate_fast_matches_tenpy(opts):
    """The same mask, norm, error and warnings (attributed to the caller) as TeNPy's
    ``truncate``, including constraints that cannot be met."""
    rng = np.random.default_rng(1)
    for trial in range(20):
        S = rng.random(30) ** 3
        if trial % 3 == 0:
            S[::5] = S[1::5]  # exact degeneracies
        if trial % 4 == 0:
            S[-3:] = 0.0
        S /= np.linalg.norm(S)
        with warnings.catch_warnings(record=True) as warned_t:
            warnings.simplefilter("always")
            mask_t, norm_t, err_t = truncate(S, dict(opts))
        with warnings.catch_warnings(record=True) as warned_f:
            warnings.simplefilter("always")
            mask_f, norm_f, err_f = truncate_fast(S, TruncOptions.read(dict(opts)))
        assert [str(w.message) for w in warned_f] == [str(w.message) for w in warned_t]
        assert all(w.filename == __file__ for w in warned_f)  # attributed to the caller
        np.testing.assert_array_equal(mask_f, mask_t)
        assert norm_f == norm_t
        assert (err_f.eps, err_f.ov) == (err_t.eps, err_t.ov)


def test_truncate_fast_warns_like_tenpy():
    S = np.array([0.8, 0.6, 1e-12])
    opts = {"chi_max": 5, "svd_min": 2.0}
    with pytest.warns(UserWarning, match="svd_min"):
        ref = truncate(S, dict(opts))
    with pytest.warns(UserWarning, match="svd_min"):
        fast = truncate_fast(S, TruncOptions.read(dict(opts)))
    np.testing.assert_array_equal(fast[0], ref[0])
    with pytest.raises(ValueError, match="trunc_cut"):
        truncate_fast(S, TruncOptions.read({"trunc_cut": 1.5}))
