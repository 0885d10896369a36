"""Fig. 4(a): the U = 0 reference is the Anderson insulator's d-only entropy, and the
Eq. (5) curves rise in time where the data do (data over an Anderson insulator with the
c-boson's H2 in the U = 0 runs, tests/synthetic_raw.py)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from mblbath.analysis.anderson_entropy import c_boson_entropy
from mblbath.analysis.bundle import Bundle
from mblbath.analysis.entanglement import fit_entanglement
from mblbath.analysis.profile import fit_nc
from mblbath.figures import fig4, style
from synthetic_raw import eq5_aggregate

matplotlib.use("Agg")

L = 24
AI_LABEL = "Anderson insulator ($U=0$, d only)"


@pytest.fixture(scope="module")
def data():
    # xi_S = 0.15 ~ the value of the default config's U = 12, L = 24 runs
    agg = eq5_aggregate(L=L, n_seeds=8, rng_seed=5, xi_S=0.15)
    nc = fit_nc(agg, fit_t_min=1.0, n_bootstrap=0)
    return agg, fit_entanglement(agg, nc, fit_t_min=1.0)


def _panel_a_lines(b: Bundle):
    with style.context():
        fig = fig4.plot(b)
    ax = fig.axes[0]
    return {ln.get_label(): ln for ln in ax.get_lines()}, ax.get_lines()


def test_reference_curve_is_the_d_only_entropy(data):
    agg, ent = data
    lines, _ = _panel_a_lines(Bundle(agg={L: agg}, ent_fit={L: ent}))
    ref = lines[AI_LABEL]
    t, y = ref.get_xdata(), ref.get_ydata()
    jb = int(np.flatnonzero(agg.bond.values == L // 2 + 1)[0])  # first cut with x >= 0
    S_d = agg["S_d_true"].mean("seed").values[:, jb]
    np.testing.assert_allclose(y, S_d[agg.time.values > 0], atol=1e-12)
    S0 = agg["S"].sel(U=0.0).mean("seed").values[:, jb]
    assert np.max(np.abs(S0[agg.time.values > 0] - y)) > 0.3  # not the full U = 0 entropy
    # without the fit file: the same curve from agg (S - H2 of the U = 0 runs)
    lines2, _ = _panel_a_lines(Bundle(agg={L: agg}))
    np.testing.assert_allclose(lines2[AI_LABEL].get_ydata(), y, atol=1e-12)
    np.testing.assert_allclose(t, agg.time.values[agg.time.values > 0])


def test_eq5_curves_rise_where_the_data_rise(data):
    agg, ent = data
    _, all_lines = _panel_a_lines(Bundle(agg={L: agg}, ent_fit={L: ent}))
    dashed = [ln for ln in all_lines if ln.get_linestyle() == "--"]
    assert len(dashed) >= 3
    for ln in dashed:
        y = np.asarray(ln.get_ydata(), dtype=float)
        y = y[np.isfinite(y)]
        assert y.size > 5 and np.all(np.diff(y) >= -1e-12)
        assert y[-1] > y[0]
    assert float(ent.xi_S.sel(U=12.0)) == pytest.approx(0.15, rel=0.05)
    # the U = 0 runs do carry the c-boson's entropy that S_AI leaves out
    h2 = c_boson_entropy(agg["n_c"].sel(U=0.0).values)
    assert h2.max() > 0.6
