"""Every claim against three synthetic data sets: it holds, it fails, it is too noisy to test.

The data sets come from :class:`synthetic.Scenario`: the defaults are the paper's physics
(every claim holds), one knob per claim breaks it (the claim must then not hold), and
``noise = 10`` keeps every mean but makes every realisation's noise and every fit error
ten times larger (the claim must then be not testable: a rule that says "holds" — or
"does not hold" — on the noisy set decides on errors too large to decide anything).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.report import CLAIMS, FAILS, HOLDS, UNTESTABLE
from synthetic import Scenario, build

#: claim -> the scenarios (knobs changed from the defaults) in which it must not hold.
BREAK = {
    "claim_xi_c_size_independent": [dict(xi_c_grows_with_L=True)],
    "claim_ell_c_log_saturates": [dict(ell_c_log=True)],
    "claim_ell_c_fast_small_U": [dict(small_U_saturates=True)],
    "claim_xi_c_exceeds_L": [dict(xi_c_small_U=10.0)],
    "claim_R_sqrt_t": [dict(R_exponent=1.0)],
    "claim_nd_memory": [dict(nd_far_relaxes=True)],
    "claim_ell_d": [dict(ell_d_growth=0.3)],
    "claim_ell_d_profile": [dict(ell_d_bump=-0.3)],
    "claim_ell_d_inf_diff": [dict(ell_d_inf_far=0.1)],
    "claim_entanglement_growth": [dict(S_saturates=True), dict(onset_delay=False)],
    "claim_S_half_vs_U": [dict(xi_S={2.5: 0.15, 6.0: 0.3, 12.0: 0.5})],
    "claim_profile_linear": [dict(gauss_profile_at=(2.5, 12.0))],
    "claim_slope_prediction": [dict(slope_factor=2.0)],
    "claim_profile_concave": [dict(gauss_profile_at=())],
    "claim_x_mbl": [dict(x_mbl_log=False)],
    "claim_eq4_describes": [dict(eq4_red_chi2=5.0)],
    "claim_eq5_describes": [dict(eq5_red_chi2=5.0)],
    "claim_w_tilde_max": [dict(W_peak=10.0)],
    "claim_criterion_U12": [dict(U_c=15.0), dict(U_c=1.0)],
    "claim_validation": [dict(val_dev=0.05)],
}

NAMES = [f.__name__ for f in CLAIMS]
BY_NAME = {f.__name__: f for f in CLAIMS}
FAIL_CASES = [(name, kw) for name in NAMES for kw in BREAK.get(name, [])]


def _id(case) -> str:
    name, kw = case
    return f"{name.removeprefix('claim_')}-" + "-".join(f"{k}" for k in kw)


@pytest.fixture(scope="module")
def paper():
    return build(Scenario())[0]


@pytest.fixture(scope="module")
def noisy():
    return build(Scenario(noise=10.0))[0]


def test_every_claim_has_a_scenario_that_breaks_it():
    assert set(BREAK) == set(NAMES)
    assert len(NAMES) >= 17


@pytest.mark.parametrize("name", NAMES)
def test_holds_on_the_papers_physics(paper, name):
    c = BY_NAME[name](paper)
    assert c.verdict == HOLDS, c.measured


@pytest.mark.parametrize("case", FAIL_CASES, ids=[_id(c) for c in FAIL_CASES])
def test_does_not_hold_when_broken(case):
    name, kw = case
    c = BY_NAME[name](build(Scenario(**kw))[0])
    assert c.verdict == FAILS, c.measured


@pytest.mark.parametrize("name", NAMES)
def test_not_testable_with_ten_times_the_noise(noisy, name):
    c = BY_NAME[name](noisy)
    assert c.verdict == UNTESTABLE, c.measured
    assert c.why, "a not-testable verdict says why"


def test_noise_keeps_the_means(paper, noisy):
    """The noisy set has the same disorder means and fit values; only the errors grow."""
    for L in paper.agg:
        a, b = paper.agg[L], noisy.agg[L]
        for name in ("n_c", "n_d", "S", "C_dd"):
            xr.testing.assert_allclose(a[name].mean("seed"), b[name].mean("seed"), atol=1e-10)
            sa, sb = a[name].std("seed"), b[name].std("seed")
            ok = (sa > 1e-12).values
            np.testing.assert_allclose(
                (sb.values / np.where(ok, sa.values, 1))[ok], 10.0, rtol=1e-6
            )
        for key, var in (
            ("nc_fit", "ell_c"),
            ("lc_fit", "xi_c"),
            ("ent_fit", "xi_S"),
            ("ld_fit", "ell_d"),
        ):
            fa, fb = getattr(paper, key)[L], getattr(noisy, key)[L]
            xr.testing.assert_allclose(fa[var], fb[var])
            ratio = (fb[f"{var}_err"] / fa[f"{var}_err"]).values
            np.testing.assert_allclose(ratio[np.isfinite(ratio)], 10.0)
    xr.testing.assert_allclose(paper.criterion["U_c"], noisy.criterion["U_c"])
