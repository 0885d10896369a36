"""Model functions of mblbath.analysis.models: coarse graining, Eqs. (3)-(5), pairs."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.analysis.models import coarse_grain, coarse_grain_x, eq3, eq4, eq5, ld_pair


def test_coarse_grain_and_centres():
    n = np.array([0.0, 0.0, 3.0, 0.0, 0.0, 0.0])
    cg = coarse_grain(n)
    np.testing.assert_allclose(cg, [1.0, 1.0, 1.0, 0.0])
    x = np.arange(6) - 2
    np.testing.assert_allclose(coarse_grain_x(x), [-1, 0, 1, 2])  # centre x(i) + 1
    # symmetric profile stays symmetric about x = 0
    prof = np.exp(-np.abs(np.arange(11) - 5.0))
    cgp = coarse_grain(prof)
    xc = coarse_grain_x(np.arange(11) - 5)
    np.testing.assert_allclose(cgp, cgp[::-1])
    assert xc[np.argmax(cgp)] == 0
    # along the last axis of a batch
    assert coarse_grain(np.ones((2, 3, 7))).shape == (2, 3, 5)


def test_eq3_limits_and_eq4_eq5():
    x = np.array([-3.0, 0.0, 0.5, 3.0])
    assert eq3(np.array([0.0]), 2.0, 5.0, 0.7)[0] == 0.7
    np.testing.assert_allclose(eq3(x, 2.0, 5.0), eq3(-x, 2.0, 5.0))
    # |x| << R: exponential; |x| >> R: Gaussian exp(-x^2 / (ell R))
    np.testing.assert_allclose(eq3(np.array([1.0]), 2.0, 1e6), np.exp(-0.5), rtol=1e-9)
    np.testing.assert_allclose(eq3(np.array([1.0]), 2.0, np.inf), np.exp(-0.5))
    np.testing.assert_allclose(eq3(np.array([100.0]), 2.0, 1.0), np.exp(-(100**2) / 2.0), rtol=1e-3)
    t = np.array([0.0, 1.0, 1e8])
    e4 = eq4(t, 3.0, 0.5)
    assert e4[0] == 0 and e4[1] == pytest.approx(3 * np.log(3) / (1 + np.log(3)))
    assert e4[2] < 3.0 and e4[2] > 2.8
    assert eq5(2.0, 0.0, 0.3, 1.0) == pytest.approx(0.3)
    assert eq5(2.0, 1.5, 0.3, 0.5) == pytest.approx(0.3 + 0.5 * np.log(4.0))
    assert ld_pair(5, 2) == (4, 6) and ld_pair(5, 3) == (4, 7) and ld_pair(5, 1) == (5, 6)
