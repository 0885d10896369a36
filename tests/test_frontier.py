"""The frontier benchmark's bookkeeping (benchmarks/frontier*.py) on a tiny chain.

Not a timing test: it checks that the driver evolves what the pipeline evolves, that the cost
and truncation columns are what they claim, and that errors and error-bar ratios are computed
against the right reference points (L = 6, T = 1, exact dynamics).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import frontier_report as report  # noqa: E402
from benchmarks.frontier_design import combo_settings, design, knob_settings  # noqa: E402
from benchmarks.frontier_errors import differences, ratios, run_errors, sigma_table  # noqa: E402
from benchmarks.frontier_run import DEFAULT, Setting, bench_times, evolve  # noqa: E402

from mblbath.disorder import sample_eps  # noqa: E402
from mblbath.exact import sector_evolution  # noqa: E402
from mblbath.model import d_sites  # noqa: E402

L, U, T = 6, 12.0, 1.0


@pytest.fixture(scope="module")
def eps() -> np.ndarray:
    return sample_eps(6.5, L, 0, 20220711)


@pytest.fixture(scope="module")
def exact(eps: np.ndarray) -> dict:
    times = bench_times(T, 0.05)
    out = sector_evolution(eps, U, 1.0, 1.0, d_sites(L), L // 2, times)
    out["times"] = times
    return out


@pytest.fixture(scope="module")
def run(eps: np.ndarray) -> dict:
    return evolve(DEFAULT, L, U, eps, bench_times(T, DEFAULT.dt))


def test_setting_names_round_trip():
    for s in knob_settings() + combo_settings():
        assert Setting.parse(s.name) == s
    assert Setting.parse("chi64_o4_opt_dt0.2_svd1e-10_cut1e-05_fused") == Setting(
        chi_max=64, order="4_opt", dt=0.2, svd_min=1e-10, trunc_cut=1e-5, fuse=True
    )
    with pytest.raises(ValueError):
        Setting.parse("chi64_o3_dt0.2_svd1e-10")


def test_design_parts_share_realisations_and_references():
    for part in design():
        assert set(part.Us) <= set(part.reference)
        assert len(set(part.settings)) == len(part.settings)
        assert DEFAULT in part.settings  # every part measures today's default


def test_driver_counts_steps_measurements_and_cost(run: dict, exact: dict):
    times = bench_times(T, DEFAULT.dt)
    assert run["n_steps"] == round(T / DEFAULT.dt)
    assert run["n_meas"] == len(times) == run["n_c"].shape[0]
    assert run["evol_cpu_s"] > 0 and run["cdd_cpu_s"] > 0 and run["meas_cpu_s"] > 0
    assert run["chi_peak"] == run["chi"].max() <= 4 ** (L // 2)
    # no truncation at L = 6: svd_min 1e-10 discards (almost) nothing
    assert run["trunc_err_final"] < 1e-15
    # the pipeline's order-2 Trotter error at dt = 0.05 is ~1e-4 after one hopping time
    err = run_errors(run, exact)
    assert 1e-7 < err["err_nc"] < 1e-2
    assert np.isclose(np.abs(run["n_c"] - exact["n_c"])[times >= 1].max(), err["err_nc"])


def test_errors_are_taken_at_figure_times_and_matching_reference_times(run: dict):
    ref = {k: np.array(v, dtype=float) for k, v in run.items() if k in ("n_c", "n_d", "C_dd", "S")}
    ref["times"] = run["times"]
    assert all(v == 0 for v in run_errors(run, ref).values())
    # perturb one time before t = 1 and one at t_max: only the latter counts
    ref["n_c"] = ref["n_c"].copy()
    ref["n_c"][1, 0] += 0.5
    ref["n_c"][-1, 2] += 0.25
    err = run_errors(run, ref)
    assert err["err_nc"] == pytest.approx(0.25) and err["err_nc_tmax"] == pytest.approx(0.25)
    assert err["err_nd"] == 0
    # a reference on a finer grid is matched by time, not by index
    fine = {k: np.concatenate([v, v[-1:]]) for k, v in ref.items()}
    fine["times"] = np.concatenate([run["times"], [T + 0.05]])
    assert run_errors(run, fine)["err_nc"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="lacks times"):
        run_errors(run, {**ref, "times": ref["times"] + 0.05})


def test_fourth_order_and_fusing(eps: np.ndarray, run: dict, exact: dict):
    times = bench_times(T, 0.05)
    fused = evolve(DEFAULT.with_(fuse=True), L, U, eps, times)
    # the same product of gates: equal up to round-off (nothing is truncated at L = 6)
    np.testing.assert_allclose(fused["n_c"], run["n_c"], atol=1e-10)
    np.testing.assert_allclose(fused["S"], run["S"], atol=1e-9)
    o4 = evolve(DEFAULT.with_(order="4_opt", fuse=True), L, U, eps, times)
    assert run_errors(o4, exact)["err_nc"] < 0.05 * run_errors(run, exact)["err_nc"]


def test_trunc_cut_bounds_the_discarded_weight_per_update(eps: np.ndarray):
    times = bench_times(T, 0.05)
    cut = evolve(DEFAULT.with_(trunc_cut=1e-3), L, U, eps, times)
    assert cut["trunc_err_final"] > 1e-12
    n_updates = round(T / 0.05) * (3 * (L - 1) // 2 + 1)  # order 2, one call per step
    assert cut["trunc_err_final"] <= n_updates * 1e-3**2


def _aggregate(values: dict[str, np.ndarray], times: np.ndarray) -> xr.Dataset:
    n_s = next(iter(values.values())).shape[0]
    dims = {
        "n_c": ("seed", "time", "site"),
        "n_d": ("seed", "time", "site"),
        "C_dd": ("seed", "time", "site", "site2"),
        "S": ("seed", "time", "bond"),
    }
    ds = xr.Dataset(
        {k: (dims[k], v) for k, v in values.items()},
        coords={"seed": np.arange(n_s), "time": times},
    )
    ds["present"] = ("seed", np.ones(n_s, dtype=np.int8))
    return ds.expand_dims(U=[U]).transpose("U", ...)


def test_sigma_table_and_ratios(tmp_path: Path, run: dict):
    times = run["times"]
    nT = len(times)
    rng = np.random.default_rng(0)
    base = {
        "n_c": np.full((4, nT, L), 0.1),
        "n_d": np.full((4, nT, L), 0.3),
        "C_dd": np.full((4, nT, L, L), 1e-3),
        "S": np.full((4, nT, L - 1), 0.5),
    }
    shift = np.array([-1.5, -0.5, 0.5, 1.5]) * 0.01 / np.std([-1.5, -0.5, 0.5, 1.5], ddof=1)
    vals = {k: v + shift.reshape((4,) + (1,) * (v.ndim - 1)) for k, v in base.items()}
    vals["C_dd"] = vals["C_dd"] + rng.normal(0, 1e-12, vals["C_dd"].shape)  # C != exactly equal
    path = tmp_path / "agg.nc"
    _aggregate(vals, times).to_netcdf(path)
    sig = sigma_table(path, U)
    assert sig["n_seeds"] == 4
    m = times >= 1
    # std over seeds 0.01 -> SEM 0.005 at n = 4
    np.testing.assert_allclose(sig["sem_nd"], 0.005, rtol=1e-9)
    np.testing.assert_allclose(sig["floor_nc"], 0.02 * 0.1, rtol=1e-9)
    assert sig["times"].tolist() == times[m].tolist()

    ref = {k: np.array(run[k], dtype=float) for k in ("n_c", "n_d", "C_dd", "S")}
    ref["times"] = times
    cand = {**ref, "n_d": ref["n_d"] + 0.001, "S": ref["S"] + 0.002}
    r4, r16 = ratios(cand, ref, sig, 4), ratios(cand, ref, sig, 16)
    assert r4["ratio_nd"] == pytest.approx(0.001 / 0.005)
    assert r16["ratio_nd"] == pytest.approx(0.001 / 0.0025)  # SEM ~ 1/sqrt(n)
    s_sigma = np.sqrt(0.005**2 + 1e-3**2)
    assert r4["ratio_S"] == pytest.approx(0.002 / s_sigma)
    assert r4["ratio_Shalf"] == pytest.approx(0.002 / s_sigma)
    assert r4["ratio_nc"] == 0 and r4["ratio_cdd"] == 0
    d = differences(cand, ref)
    assert d["nd"].shape == (m.sum(), L)


def test_report_frontier_and_choice():
    rows = []
    for name, cpu, err in [
        ("chi128_o2_dt0.05_svd1e-10", 10.0, 1e-3),
        ("chi128_o4_opt_dt0.2_svd1e-10_fused", 4.0, 1e-4),
        ("chi64_o2_dt0.05_svd1e-10", 3.0, 5e-3),
        ("chi256_o2_dt0.05_svd1e-10", 30.0, 5e-4),
    ]:
        for seed in (0, 1):
            row = {"part": "L12", "L": 12, "T": 20.0, "U": 12.0, "seed": seed}
            row.update(role="candidate", setting=name, cpu_s=cpu + seed, evol_cpu_s=cpu)
            row.update(meas_cpu_s=0.1, cdd_cpu_s=0.2, wall_s=cpu, chi_peak=96, trunc_err=0.0)
            row.update(n_meas=25)
            for o in ("nc", "nd", "cdd", "Shalf", "S"):
                row[f"err_{o}"] = err * (1 + seed)
                for n, scale in ((4, 1.0), (16, 2.0)):
                    row[f"ratio{n}_{o}"] = 100 * err * (1 + seed) * scale
            rows.append(row)
    import pandas as pd

    s = report.summarize(pd.DataFrame(rows))
    best = s.set_index("setting")
    assert best.loc["chi128_o2_dt0.05_svd1e-10", "cost_rel"] == pytest.approx(1.0)
    assert best.loc["chi128_o4_opt_dt0.2_svd1e-10_fused", "cpu_s"] == pytest.approx(4.5)
    assert best.loc["chi128_o4_opt_dt0.2_svd1e-10_fused", "err_nc"] == pytest.approx(2e-4)
    on = s[report.frontier(s, "nc")]["setting"].tolist()
    assert set(on) == {"chi64_o2_dt0.05_svd1e-10", "chi128_o4_opt_dt0.2_svd1e-10_fused"}
    choice = report.choose(s, fraction=0.1, n=16).iloc[0]
    assert choice["setting"] == "chi128_o4_opt_dt0.2_svd1e-10_fused"  # worst16 = 0.04
    assert choice["default_worst"] == pytest.approx(0.4)
    # at least as accurate as the default on every observable: chi64 is cheaper but worse
    equal = report.choose_equal(s, n=16).iloc[0]
    assert equal["setting"] == "chi128_o4_opt_dt0.2_svd1e-10_fused"
    assert equal["cost_rel"] == pytest.approx(4.5 / 10.5)
    assert "chi128_o4_opt_dt0.2_svd1e-10_fused" in report.markdown(pd.DataFrame(rows))


def test_compare_summary_pairs_runs_of_the_same_round_and_realisation():
    from benchmarks.frontier import compare_summary

    rows = []
    for rep, seed, base_cpu, other_cpu in [
        (0, 0, 30.0, 10.0),
        (0, 1, 24.0, 12.0),
        (1, 0, 33.0, 9.0),
    ]:
        for name, cpu in (("a", base_cpu), ("b", other_cpu)):
            rows.append(
                {"rep": rep, "seed": seed, "setting": name, "cpu_s": cpu}
                | {"evol_cpu_s": cpu / 2, "wall_s": cpu * 2}
            )
    text = compare_summary(rows, "a", "b")
    assert "3 pairs" in text
    assert "min 2.00  median 3.00  max 3.67" in text
