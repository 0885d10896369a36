"""``mblbath calibrate``: the fit of the cost model to a machine's runs, the calibration file,
and who uses it (mblbath.jobs.calibrate, .calibration, .calibrate_cli, .records).

No timing is asserted here: the fits are checked on synthetic times made by a known model,
and on the smoke runs only what the command reads and writes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mblbath.config import load_config, validate_config
from mblbath.jobs import calibrate, calibration, estimate, records, runcost, slurm
from mblbath.jobs.cost import COEFFICIENTS, bond_profile, profile_features
from test_jobs_growth import synthetic_record

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "config" / "paper.yaml"
TRUE = np.array([1.3, 0.4, 0.6, 0.5, 0.8])  # a machine unlike the shipped one, per group


def _timed(rec, rho=TRUE):
    """``rec`` with the time the shipped model scaled by ``rho`` gives it."""
    eq = calibrate.record_equation(rec, COEFFICIENTS)
    return replace(rec, seconds=float(eq.groups @ rho))


def _runs():
    out = []
    for U in (0.0, 2.5, 12.0):
        for seed, (L, chi) in enumerate([(18, 64), (24, 128), (30, 512), (30, 256)]):
            rate = 5.0 + 10.0 * U / 12.0
            out.append(_timed(synthetic_record(L, U, chi, t_max=10.0, rate=rate, seed=seed)))
    return out


def _points(rho=TRUE):
    """Equations of a calibration measurement (start-up, steps, measurements) timed by rho."""
    eqs = []
    for _ in range(3):
        f = dict.fromkeys(runcost.FEATURES, 0.0)
        eqs.append(calibrate.group_seconds({**f, "startup": 1.0}, 2, COEFFICIENTS))
    for L, chi in [(12, 32), (18, 32), (24, 64), (30, 128), (30, 256), (30, 512)]:
        p = profile_features(bond_profile(L, chi))
        f = dict.fromkeys(runcost.FEATURES, 0.0)
        step = {**f, "step_bonds": p["n_bonds"], "step_chi2": p["sum_chi2"]}
        eqs.append(calibrate.group_seconds({**step, "step_chi3": p["sum_chi3"]}, 2, COEFFICIENTS))
        meas = {**f, "meas_pairs": L**2, "meas_chi3": L * p["sum_chi3"]}
        eqs.append(calibrate.group_seconds(meas, 2, COEFFICIENTS))
    return [calibrate.Equation(f"point {i}", float(g @ rho), g) for i, g in enumerate(eqs)]


def test_the_fit_recovers_a_machines_multipliers():
    eqs = _points()
    runs = [calibrate.record_equation(r, COEFFICIENTS) for r in _runs()]
    assert all(calibrate.constrained(eqs).values())
    for rho in (calibrate.fit_multipliers(eqs), calibrate.fit_multipliers(runs + eqs)):
        # start-up, bonds, measurement: sharp; chi^2 and chi^3 grow together in the profiles
        # measured, so the pull towards a common speed shares them out a little
        assert rho[[0, 1, 4]] == pytest.approx(TRUE[[0, 1, 4]], rel=0.03)
        assert rho[[2, 3]] == pytest.approx(TRUE[[2, 3]], rel=0.1)


def test_a_group_without_data_follows_the_others_not_the_shipped_value():
    eqs = [calibrate.record_equation(r, COEFFICIENTS) for r in _runs()]
    eqs = [replace(e, groups=e.groups * [1, 1, 1, 0, 1]) for e in eqs]  # no chi^3 at all
    eqs = [replace(e, seconds=float(e.groups @ [1.0, 0.5, 0.5, 0.5, 0.5])) for e in eqs]
    rho = calibrate.fit_multipliers(eqs)
    assert not calibrate.constrained(eqs)["chi3"]
    assert rho[3] == pytest.approx(0.5, abs=0.05)
    assert rho[1:] == pytest.approx([0.5] * 4, abs=0.05)
    assert calibrate.fit_multipliers([]) == pytest.approx(np.ones(5))


def test_multipliers_scale_their_groups_of_coefficients():
    c = calibrate.apply_multipliers(COEFFICIENTS, [2, 1, 1, 0.5, 3], machine="here")
    assert c.startup_s == pytest.approx(2 * COEFFICIENTS.startup_s, rel=1e-3)
    assert c.step_chi3_s == pytest.approx(0.5 * COEFFICIENTS.step_chi3_s, rel=1e-3)
    assert c.meas_pair_s == pytest.approx(3 * COEFFICIENTS.meas_pair_s, rel=1e-3)
    assert c.meas_chi3_s == pytest.approx(3 * COEFFICIENTS.meas_chi3_s, rel=1e-3)
    assert c.mem_base_mb == COEFFICIENTS.mem_base_mb and c.machine == "here"


def test_leave_one_out_predicts_each_run_from_the_others():
    runs = _runs()
    rows = calibrate.leave_one_out(runs, COEFFICIENTS)
    assert [r["key"] for r in rows] == [r.key for r in runs]
    assert all(r["chi_from"] == "growth" and r["growth_runs"] == 3 for r in rows)
    for r in rows:
        # coefficients from the others: exact; chi(t) from the others' growth: close
        assert r["own_ratio"] == pytest.approx(1.0, rel=0.02)
        assert 1 / 1.5 < r["ratio"] < 1.5
    lonely = calibrate.leave_one_out(runs[:1], COEFFICIENTS)
    assert lonely[0]["chi_from"] == "saturated" and lonely[0]["growth_runs"] == 0
    assert lonely[0]["predicted_s"] == pytest.approx(lonely[0]["saturated_s"])


def test_calibration_file_round_trip_and_which_coefficients_are_active(
    tmp_path, caplog, monkeypatch
):
    monkeypatch.delenv(calibration.ENV_VAR)
    # no file: the reference machine's calibration shipped with the package
    ref = calibration.active_coefficients(tmp_path)
    assert ref == calibration.reference_coefficients() and ref is not COEFFICIENTS
    assert "calibrated" in ref.machine and ref.step_chi3_s < COEFFICIENTS.step_chi3_s
    coeffs = replace(COEFFICIENTS, step_chi3_s=1e-10, machine="calibrated here")
    path = calibration.calibration_path(tmp_path)
    assert path.parent == tmp_path / "results" / "calibration"
    calibration.save_calibration(path, coeffs, {"runs": 3})
    assert json.loads(path.read_text())["runs"] == 3
    assert calibration.load_calibration(path) == coeffs
    assert calibration.active_coefficients(tmp_path) == coeffs
    monkeypatch.setenv(calibration.ENV_VAR, "shipped")
    assert calibration.active_coefficients(tmp_path) is COEFFICIENTS
    other = tmp_path / "elsewhere.json"
    calibration.save_calibration(other, replace(coeffs, machine="elsewhere"), {})
    monkeypatch.setenv(calibration.ENV_VAR, str(other))
    assert calibration.active_coefficients(tmp_path).machine == "elsewhere"
    monkeypatch.delenv(calibration.ENV_VAR)
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert calibration.active_coefficients(tmp_path) is COEFFICIENTS
    assert "ignoring the calibration file" in caplog.text


def test_slurm_requests_and_estimate_use_the_calibration(tmp_path, monkeypatch):
    monkeypatch.delenv("MBLBATH_MAX_RUNTIME_MIN", raising=False)
    monkeypatch.delenv(calibration.ENV_VAR)
    small = {"sweep": {"L": [30]}, "numerics": {"chi_max": 256, "order": 2, "t_max": 200}}
    cfg = validate_config(small)
    shipped = slurm.tebd_resources(cfg, 30, coeffs=COEFFICIENTS)
    assert shipped["runtime"] < 1000
    slow = calibrate.apply_multipliers(COEFFICIENTS, [1, 4, 4, 4, 4], machine="a slow machine")
    calibration.save_calibration(calibration.calibration_path(tmp_path), slow, {})
    monkeypatch.chdir(tmp_path)  # Snakemake's resource functions run in the workflow's folder
    assert slurm.tebd_resources(cfg, 30)["runtime"] > 3 * shipped["runtime"]
    cfg = load_config(PAPER)
    est = estimate.estimate(cfg)
    assert est["coefficients"] == slow
    assert est["shipped_core_h"] == pytest.approx(est["total_core_h"] / 4, rel=1e-3)
    assert est["total_expected_core_h"] == pytest.approx(est["total_core_h"])  # no runs here
    text = estimate.estimate_main(PAPER, base=None, profile=None, root=tmp_path)
    assert "on a slow machine" in text and "no finished runs of this model" in text


def test_which_time_a_record_gets():
    """The run's own CPU time first; Snakemake's sampled cpu_time only where it is whole."""
    t = records._time
    assert t({"cpu_time_s": 7.0}, {"cpu_time": 3.0, "s": 40.0}, "cpu") == (
        7.0,
        True,
        "run file cpu_time_s",
    )
    assert t({}, {"cpu_time": 3.0, "s": 9.0}, "cpu")[:2] == (3.0, True)
    assert np.isnan(t({}, {"cpu_time": 3.0, "s": 45.0}, "cpu")[0])  # CPU after a sample lost
    assert t({}, {"cpu_time": 3000.0, "s": 3100.0}, "cpu")[0] == 3000.0
    assert t({"wall_time_s": 5.0}, {"s": 9.0}, "wall") == (9.0, True, "benchmark s")
    assert t({"wall_time_s": 5.0}, {}, "wall") == (5.0, False, "run file wall_time_s")


@pytest.mark.slow
def test_calibrate_on_the_smoke_runs(smoke_run, tmp_path):
    """The command on the smoke DAG's benchmarks and run files (their times are not judged)."""
    from mblbath.cli import main

    work = smoke_run[0]
    found = records.find_records(work)
    assert len(found) == 12 and {r.source for r in found} == {"run file cpu_time_s"}
    assert {(r.L, r.U) for r in found} == {(L, U) for L in (12, 18) for U in (0.0, 2.5, 12.0)}
    for r in found:
        assert r.startup and r.seconds > 0 and r.chi.shape == (len(r.times), r.L - 1)
    out, report = tmp_path / "cal.json", tmp_path / "bench"
    args = ["--root", str(work), "--out", str(out), "--report-dir", str(report)]
    assert main(["calibrate", *args]) == 0
    saved = json.loads(out.read_text())
    assert saved["runs"] == 12 and len(saved["leave_one_out"]) == 12
    assert all(r["chi_from"] == "growth" and r["ratio"] > 0 for r in saved["leave_one_out"])
    assert calibration.load_calibration(out).machine.endswith("calibrated on 12 runs")
    assert (report / "calibration.csv").read_text().count("\n") == 13
    assert (report / "calibration.txt").read_text().startswith("[calibration] 12 runs")
    assert "| chi32_dt0.1_o2_svd1e-10_T5/L18/U12/seed1 |" in (report / "calibration.md").read_text()
