"""chi growth learned from finished runs (mblbath.jobs.growth)."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.config import model_for, time_grid, validate_config
from mblbath.jobs import growth
from mblbath.jobs.cost import bond_caps
from mblbath.jobs.records import RunRecord

#: The ``{model}`` folder of the default config (the model of every run of these tests).
MODEL = model_for(validate_config({}))


def synthetic_record(
    L: int = 30,
    U: float = 12.0,
    chi_max: int = 256,
    t_max: float = 10.0,
    rate: float = 20.0,
    p: float = 1.0,
    seed: int = 0,
    seconds: float = 1.0,
) -> RunRecord:
    """A run whose bond b grows as ``rate_b t^p`` (rates spread over the bonds), truncated at
    chi_max and capped by the Hilbert space, as TEBD would show it."""
    times = time_grid(t_max, 0.05, 0.1, 10)
    rates = rate * np.linspace(0.5, 1.5, L - 1)[np.random.default_rng(seed).permutation(L - 1)]
    chi = np.clip(rates[None, :] * times[:, None] ** p, 1.0, chi_max)
    chi = np.minimum(chi, bond_caps(L)[None, :])
    return RunRecord(
        key=f"{MODEL}/chi{chi_max}_T{t_max:g}/L{L}/U{U:g}/seed{seed}",
        L=L,
        U=U,
        W=6.5,
        model=MODEL,
        chi_max=chi_max,
        order=2,
        dt=0.05,
        t_max=t_max,
        times=times,
        chi=chi,
        seconds=seconds,
        startup=True,
        source="benchmark",
    )


def test_deciles_of_the_bulk_bonds_and_their_truncation():
    rec = synthetic_record(L=30, chi_max=256, rate=20.0)
    t, q, valid = growth.decile_curves(rec.times, rec.chi, rec.L, rec.chi_max)
    assert t[0] > 0 and q.shape == (len(t), len(growth.QUANTILES))
    assert np.all(np.diff(q, axis=1) >= 0)  # deciles ascend
    assert not valid[-1, -1] and valid[0].all()  # the top truncated at the end, not at first
    assert np.array_equal(valid, q < growth.CLIPPED * 256)


@pytest.mark.parametrize(("p", "rate"), [(0.5, 60.0), (1.0, 20.0), (2.0, 10.0)])
def test_truncated_growth_is_continued_by_its_power_law(p, rate):
    """Learned from a run truncated at chi_max = 256, the growth of its bulk bonds goes on
    as the same power law: the deciles of ``rate_b t^p`` later on, uncapped."""
    rec = synthetic_record(chi_max=256, rate=rate, p=p, t_max=20.0)
    g = growth.learn_growth([rec])[rec.growth_key]
    assert g.t_clipped < 20.0 and g.chi_measured < 256
    assert g.slope == pytest.approx(p, abs=0.1)
    rates = rate * np.linspace(0.5, 1.5, rec.L - 1)[np.random.default_rng(0).permutation(29)]
    bulk = bond_caps(rec.L) > 256
    times = np.array([20.0, 50.0, 200.0])
    truth = np.quantile(rates[bulk][None, :] * times[:, None] ** p, growth.QUANTILES, axis=1).T
    assert g.deciles(times) == pytest.approx(truth, rel=0.15)


def test_beyond_the_measured_time_the_last_decade_continues():
    rec = synthetic_record(chi_max=100000, rate=5.0, p=1.0, t_max=10.0)
    g = growth.learn_growth([rec])[rec.growth_key]
    later = g.deciles([100.0])[0]
    assert later == pytest.approx(10 * g.deciles([10.0])[0], rel=0.1)
    assert np.all(g.deciles([0.0]) == 1.0)


def test_profile_sums_respect_chi_max_and_the_hilbert_space():
    rec = synthetic_record(L=12, chi_max=100000, rate=1000.0, t_max=10.0)
    g = growth.learn_growth([rec])[rec.growth_key]
    s2, s3 = g.profile_sums(12, 100000, [10.0])
    assert s3[0] == pytest.approx(np.sum(bond_caps(12).astype(float) ** 3))
    s2, s3 = g.profile_sums(30, 64, [10.0])
    assert s3[0] == pytest.approx(np.sum(np.minimum(bond_caps(30), 64).astype(float) ** 3))
    s2, s3 = g.profile_sums(30, 64, [0.0, 0.1])
    assert s2[0] == s3[0] == 29  # the product state


def test_runs_of_one_model_and_u_are_averaged_and_others_kept_apart():
    a = synthetic_record(U=12.0, rate=10.0, seed=0)
    b = synthetic_record(U=12.0, rate=40.0, seed=1)
    c = synthetic_record(U=2.5, rate=10.0)
    gs = growth.learn_growth([a, b, c])
    assert set(gs) == {(MODEL, 12.0), (MODEL, 2.5)}
    both, alone = gs[(MODEL, 12.0)], gs[(MODEL, 2.5)]
    assert both.runs == (a.key, b.key) and both.sizes == (30, 30)
    t = [0.5]
    geo = np.sqrt(
        growth.learn_growth([a])[a.growth_key].deciles(t)
        * growth.learn_growth([b])[b.growth_key].deciles(t)
    )
    assert both.deciles(t) == pytest.approx(geo, rel=1e-9)
    assert alone.deciles(t) == pytest.approx(
        growth.learn_growth([a])[a.growth_key].deciles(t), rel=1e-9
    )
    text = both.evidence()
    assert text.startswith("U=12: 2 runs (L=30) measured to t = 10") and "t^p" in text


def test_measured_curves_beat_the_guess_of_a_run_truncated_early():
    """A smoke-like run truncated at chi_max = 16 with a wrong early slope does not move
    what a long run measured, nor (much) its extrapolation."""
    long = synthetic_record(chi_max=4096, rate=10.0, p=1.0, t_max=20.0)
    short = synthetic_record(chi_max=16, rate=10.0, p=2.0, t_max=5.0, seed=1)
    alone = growth.learn_growth([long])[long.growth_key]
    both = growth.learn_growth([long, short])[long.growth_key]
    t = [2.0, 20.0, 200.0]
    assert both.deciles(t) == pytest.approx(alone.deciles(t), rel=1e-9)
    assert both.slope == pytest.approx(alone.slope)
