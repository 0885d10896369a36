"""The cost of a run from its chi(t, b) (mblbath.jobs.runcost) and of a config's jobs under the
chi(t) model (mblbath.jobs.expected)."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.config import time_grid, validate_config
from mblbath.jobs import cost, expected, runcost, slurm
from mblbath.jobs.growth import learn_growth
from test_jobs_growth import synthetic_record


def test_a_saturated_run_costs_what_the_saturated_model_says():
    L, chi, t_max, dt, order = 30, 256, 20.0, 0.05, 4
    times = time_grid(t_max, dt, 0.1, 10)
    profile = np.tile(cost.bond_profile(L, chi), (len(times), 1))
    feats = runcost.run_features(profile, times, dt)
    seconds = runcost.predict_seconds(feats, order, cost.COEFFICIENTS)
    minutes = cost.predict_runtime_minutes(L, chi, t_max, dt, order, 1.0)
    assert seconds == pytest.approx(60 * minutes, rel=1e-12)
    assert feats["step_bonds"] == pytest.approx(round(t_max / dt) * (L - 1))


def test_steps_are_priced_at_the_mean_of_their_interval_ends():
    times = np.array([0.0, 1.0, 3.0])
    chi = np.array([[1.0, 1.0], [2.0, 2.0], [4.0, 4.0]])  # L = 3
    f = runcost.run_features(chi, times, dt=0.5, startup=False)
    s3 = np.array([2.0, 16.0, 128.0])
    assert f["startup"] == 0.0
    assert f["step_chi3"] == pytest.approx(2 * (2 + 16) / 2 + 4 * (16 + 128) / 2)
    assert f["meas_chi3"] == pytest.approx(3 * s3.sum())
    assert f["meas_pairs"] == 3 * 9
    terms = runcost.term_seconds(f, 2, cost.COEFFICIENTS)
    assert terms["startup"] == 0.0 and set(terms) == set(runcost.FEATURES)
    with pytest.raises(ValueError, match="shape"):
        runcost.run_features(chi[:2], times, 0.5)


def _cfg(U: list[float], t_max: float = 40.0) -> dict:
    return validate_config(
        {
            "sweep": {"L": [24, 30], "U": U, "n_seeds": 2},
            "numerics": {"chi_max": 256, "order": 2, "dt": 0.05, "t_max": t_max},
        }
    )


def test_expected_cost_follows_growth_and_is_saturated_without_it():
    cfg = _cfg([2.5, 12.0])
    rec = synthetic_record(L=30, U=12.0, chi_max=512, t_max=10.0, rate=20.0)
    growth = learn_growth([rec])
    coeffs = cost.COEFFICIENTS
    grown, measured = expected.expected_seconds(cfg, 30, 12.0, growth, coeffs)
    bound, none = expected.expected_seconds(cfg, 30, 2.5, growth, coeffs)
    assert measured and not none
    assert 0 < grown < bound
    # without growth: the saturated model of the SLURM requests, exactly
    size = slurm.size_cost(cfg, 30, 1.0, 1.0, 2880, coeffs)
    assert bound == pytest.approx(3600 * size["runtime_h"], rel=1e-9)
    lines = expected.evidence(cfg, growth)
    assert any(line.strip().startswith("U=12: 1 run") for line in lines)
    assert any("t = 10..40" in line for line in lines)  # extrapolated in time
    assert lines[-1].strip().startswith("U=2.5: no finished runs")
