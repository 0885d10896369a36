"""The TEBD cost model (mblbath.jobs.cost): Hilbert-space caps, the stored fit, predictions.

The measurements live in ``benchmarks/cost_model.csv`` (``python -m benchmarks cost``, run
on demand); these tests only read that table.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmarks.cost_model import coefficients_source, fit_coefficients

from mblbath.config import time_grid
from mblbath.jobs import cost

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "benchmarks" / "cost_model.csv"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(CSV)


def _schmidt_ranks_of_random_sector_state(L: int, n_d: int, n_c: int) -> list[int]:
    """Schmidt rank of every bond of a random state in the (n_d, n_c) sector (brute force)."""
    rng = np.random.default_rng(1)
    # local basis |n_d n_c>: index 0=00, 1=10, 2=01, 3=11
    nd_of, nc_of = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])
    psi = np.zeros(4**L)
    for idx, conf in enumerate(itertools.product(range(4), repeat=L)):
        c = np.asarray(conf)
        if nd_of[c].sum() == n_d and nc_of[c].sum() == n_c:
            psi[idx] = rng.normal()
    ranks = []
    for b in range(1, L):
        s = np.linalg.svd(psi.reshape(4**b, 4 ** (L - b)), compute_uv=False)
        ranks.append(int(np.sum(s > 1e-10 * s[0])))
    return ranks


@pytest.mark.parametrize(("L", "n_d"), [(6, 2), (7, 2)])
def test_bond_caps_equal_schmidt_ranks_of_a_generic_sector_state(L, n_d):
    assert list(cost.bond_caps(L, n_d, 1)) == _schmidt_ranks_of_random_sector_state(L, n_d, 1)


def test_bond_caps_and_profile():
    caps = cost.bond_caps(12)
    assert list(caps) == list(caps[::-1])  # mirror symmetric
    assert caps[0] == 4 and caps.max() == 96  # the benchmark's L=12, chi=256 point reached 96
    prof = cost.bond_profile(30, 512)
    assert prof.max() == 512 and prof[0] == 4 and len(prof) == 29
    with pytest.raises(ValueError):
        cost.bond_profile(30, 0)


def test_benchmark_table_is_complete(table):
    assert {"fit", "heldout", "run"} <= set(table["role"])
    fit = table[table["role"] == "fit"]
    assert len(fit) >= 8 and fit["chi"].max() >= 512
    for col in ("load1_before", "load1_after", "date", "machine", "threads"):
        assert table[col].notna().all(), col
    assert (table["threads"] == 1).all()


def test_stored_coefficients_are_the_fit_of_the_committed_table(table):
    refit = fit_coefficients(table)
    stored = cost.COEFFICIENTS
    for name, value in stored.as_dict().items():
        if isinstance(value, float):
            assert getattr(refit, name) == pytest.approx(value, rel=2e-3, abs=1e-15), name
    assert stored.measured_on == refit.measured_on
    assert stored.machine == refit.machine


def test_heldout_points_are_predicted_within_a_factor_of_two(table):
    held = table[table["role"] == "heldout"]
    assert len(held) >= 5
    assert held["chi"].max() > table[table["role"] == "fit"]["chi"].max()  # extrapolation
    for _, r in held.iterrows():
        L, chi = int(r["L"]), int(r["chi"])
        pairs = {
            "o2": (cost.predict_step_seconds(L, chi, 2), r["t_o2_s"]),
            "o4": (cost.predict_step_seconds(L, chi, 4), r["t_o4_s"]),
            "measure": (cost.predict_measure_seconds(L, chi), r["t_measure_s"]),
            "memory": (cost.predict_mem_mb(L, chi), r["peak_rss_mb"]),
        }
        for what, (pred, meas) in pairs.items():
            assert 0.5 <= pred / meas <= 2.0, (L, chi, what, pred, meas)


def test_predictions_scale_as_expected():
    c = cost.COEFFICIENTS
    assert 3.0 <= c.order4_factor <= 5.0
    t2 = cost.predict_step_seconds(60, 3000, 2)
    assert cost.predict_step_seconds(60, 3000, 4) == pytest.approx(c.order4_factor * t2)
    # chi^3 dominates at large chi: doubling chi costs nearly 8x (less near the edges)
    ratio = cost.predict_step_seconds(60, 4000, 2) / cost.predict_step_seconds(60, 2000, 2)
    assert 6.0 < ratio <= 8.0
    assert cost.predict_step_seconds(48, 512, 2) > cost.predict_step_seconds(30, 512, 2)
    # small L: the Hilbert space caps chi, so a larger chi costs nothing more
    assert cost.predict_step_seconds(12, 96, 2) == cost.predict_step_seconds(12, 4096, 2)
    assert cost.predict_mem_mb(60, 3000) > cost.predict_mem_mb(30, 1024) > c.mem_base_mb
    with pytest.raises(ValueError):
        cost.predict_step_seconds(30, 64, 3)


def test_runtime_counts_steps_measurements_and_safety():
    one = cost.predict_runtime_minutes(30, 256, 20.0, 0.05, 2, safety=1.0)
    n_meas = len(time_grid(20.0, 0.05, 0.1, 10))
    assert 20 <= n_meas <= 25
    expected = (
        cost.COEFFICIENTS.startup_s
        + 400 * cost.predict_step_seconds(30, 256, 2)
        + n_meas * cost.predict_measure_seconds(30, 256)
    ) / 60
    assert one == pytest.approx(expected)
    assert cost.predict_runtime_minutes(30, 256, 20.0, 0.05, 2, safety=1.5) == pytest.approx(
        1.5 * one
    )
    # twice the steps, only a few more measurements (log grid)
    assert 1.8 * one < cost.predict_runtime_minutes(30, 256, 40.0, 0.05, 2, safety=1.0) < 2 * one


def test_fit_needs_enough_points(table):
    with pytest.raises(ValueError, match="at least 4"):
        fit_coefficients(table[table["role"] == "fit"].head(2))


def test_coefficients_source_round_trips():
    src = coefficients_source(cost.COEFFICIENTS)
    namespace = {"CostCoefficients": cost.CostCoefficients}
    exec(src, namespace)
    assert namespace["COEFFICIENTS"] == cost.COEFFICIENTS
