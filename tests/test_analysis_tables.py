"""Result tables of mblbath.analysis.tables shared by the figures and the report."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.analysis.tables import cut_x, cuts, pick_times, symmetrise


def test_cut_positions_and_cuts():
    x = cut_x(np.arange(1, 12), c_site=6)  # L = 12
    assert x[0] == -5.5 and x[5] == -0.5 and x[6] == 0.5
    picked = cuts(x, L=12)
    assert x[picked[0]] == 0.5  # the cut next to the c-boson
    assert all(x[j] >= 0 for j in picked) and len(set(picked)) == len(picked)


def test_symmetrise_folds_and_combines_errors():
    x = np.array([-1.5, -0.5, 0.5, 1.5])
    y = np.array([1.0, 3.0, 5.0, np.nan])
    e = np.array([0.3, 0.4, 0.4, 0.1])
    d, ys, es = symmetrise(x, y, e)
    np.testing.assert_array_equal(d, [0.5, 1.5])
    np.testing.assert_allclose(ys, [4.0, 1.0])  # NaN ignored in the mean
    assert es[0] == pytest.approx(np.hypot(0.4, 0.4) / 2)


def test_pick_times_are_grid_times():
    t = np.concatenate([[0.0], np.logspace(-1, 2, 25)])
    picked = pick_times(t, n=5, t_min=1.0)
    assert len(picked) == 5 and set(picked) <= set(t)
    assert picked[0] >= 1.0 and picked[-1] == t.max()
    assert pick_times(np.array([0.0, np.nan])) == []
