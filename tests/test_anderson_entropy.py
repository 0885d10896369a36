"""S_AI of Eq. (5) is the d-bosons' entropy: S(U = 0) - H2(p_c^left), exact and in TEBD,
and the Eq. (5) fit built on it recovers xi_S from data that carry the c-boson's H2.

Each test here fails with S_AI taken as the full U = 0 entropy (the c-boson's H2
included), as the fit did before :mod:`mblbath.analysis.anderson_entropy`.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.analysis.anderson_entropy import anderson_entropy, c_boson_entropy
from mblbath.analysis.entanglement import fit_entanglement
from mblbath.analysis.profile import fit_nc
from mblbath.exact import free_evolution, sector_evolution
from mblbath.model import BathModel, d_sites, initial_labels, initial_mps
from synthetic_raw import EQ5, eq5_aggregate


def _u0_agg(S: np.ndarray, n_c: np.ndarray, times: np.ndarray) -> xr.Dataset:
    """A one-run aggregate at U = 0, as the fits read it."""
    L = n_c.shape[-1]
    sites = np.arange(L)
    return xr.Dataset(
        {
            "S": (("U", "seed", "time", "bond"), S[None, None]),
            "n_c": (("U", "seed", "time", "site"), n_c[None, None]),
        },
        coords={"U": [0.0], "seed": [0], "time": times, "site": sites, "bond": 1 + sites[:-1]},
        attrs={"L": L, "c_site": L // 2 - 1},
    )


def _fit_s_ai(agg: xr.Dataset) -> xr.Dataset:
    """The Eq. (5) fit file of an aggregate (its S_AI and S_AI_t)."""
    return fit_entanglement(agg, fit_nc(agg, fit_t_min=1.0, n_bootstrap=0), fit_t_min=1.0)


def test_exact_u0_entropy_minus_h2_is_the_d_only_entropy():
    """Sector evolution at U = 0, L = 12: S - H2(p_c^left) = free-fermion S_d to 1e-8, and
    the S_AI of the Eq. (5) fit is that d-only entropy (its late-time mean)."""
    L = 12
    eps = np.random.default_rng(12).uniform(-6.5, 6.5, L)
    occ = d_sites(L)
    times = np.array([0.0, 0.5, 1.5, 4.0, 10.0])
    full = sector_evolution(eps, 0.0, 1.0, 1.0, occ, L // 2 - 1, times)
    free = free_evolution(eps, 1.0, 1.0, occ, L // 2 - 1, times, with_S_d=True)
    agg = _u0_agg(full["S"], full["n_c"], times)
    ent = _fit_s_ai(agg)
    late = free["S_d"][times >= 1.0].mean(axis=0)
    np.testing.assert_allclose(ent.S_AI.sel(U=0.0).values, late, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ent.S_AI_t.values, free["S_d"], rtol=0, atol=1e-8)
    S_d = anderson_entropy(agg).isel(seed=0).values
    np.testing.assert_allclose(S_d, free["S_d"], rtol=0, atol=1e-8)
    # the subtracted part is large: the c-boson's own entropy, up to ln 2
    assert c_boson_entropy(full["n_c"])[-1].max() > 0.6
    assert np.abs(full["S"] - free["S_d"]).max() > 0.6


def _tebd_run(model: BathModel, psi, n_steps: int, every: int):
    """Evolve ``psi`` with the package's engine (no truncation); S and n_c every ``every``."""
    from mblbath.tebd.evolve import make_engine

    opts = {
        "order": 2,
        "dt": 0.05,
        "N_steps": 1,
        "trunc_params": {"chi_max": 512, "svd_min": 1e-15, "trunc_cut": None},
    }
    eng = make_engine(psi, model, opts)
    S, n_c = [], []
    try:
        for step in range(n_steps + 1):
            if step % every == 0:
                S.append(np.asarray(psi.entanglement_entropy(), dtype=float))
                n_c.append(np.real(psi.expectation_value("Nc")))
            if step < n_steps:
                eng.run()
    finally:
        eng.close()
    return np.array(S), np.array(n_c)


def test_tebd_u0_state_factorises_into_d_and_c_parts():
    """TEBD at U = 0: S - H2(p) equals the entropy of the same d-chain run without the
    c-boson (N_c = 0, the same gates on that sector) to 1e-8, untruncated, L = 9."""
    from tenpy.networks.mps import MPS

    L = 9
    eps = np.random.default_rng(9).uniform(-3.0, 3.0, L)
    model = BathModel({"L": L, "eps": eps, "U": 0.0})
    psi_full = initial_mps(model, 1, L // 2 - 1)
    d_only = [lab[0] + "0" for lab in initial_labels(L, 1, L // 2 - 1)]
    psi_d = MPS.from_product_state(model.lat.mps_sites(), d_only, bc="finite", unit_cell_width=L)
    S_full, nc_full = _tebd_run(model, psi_full, 60, 20)
    S_d, nc_d = _tebd_run(model, psi_d, 60, 20)
    assert np.all(nc_d == 0)
    ent = _fit_s_ai(_u0_agg(S_full, nc_full, np.array([0.0, 1.0, 2.0, 3.0])))
    np.testing.assert_allclose(ent.S_AI.sel(U=0.0).values, S_d[1:].mean(0), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ent.S_AI_t.values, S_d, rtol=0, atol=1e-8)
    np.testing.assert_allclose(S_full - c_boson_entropy(nc_full), S_d, rtol=0, atol=1e-8)
    assert (S_full - S_d)[-1].max() > 0.3  # the c-boson's H2 is not negligible


@pytest.fixture(scope="module")
def eq5_data():
    agg = eq5_aggregate(L=36, n_seeds=24, rng_seed=3)
    nc = fit_nc(agg, fit_t_min=1.0, n_bootstrap=16, bootstrap_seed=2)
    return agg, nc, fit_entanglement(agg, nc, fit_t_min=1.0)


def test_eq5_fit_recovers_xi_S_over_an_anderson_insulator(eq5_data):
    """S = S_d + xi_S log(1 + U n_c t) at U = 12 and S_d + H2(p_c) at U = 0: xi_S recovered
    within its error and within 3 %; the Eq. (5) model never decreases in time."""
    agg, _, ent = eq5_data
    xi, err = float(ent.xi_S.sel(U=12.0)), float(ent.xi_S_err.sel(U=12.0))
    print(f"xi_S = {xi:.4f} +- {err:.4f} (true {EQ5['xi_S']})")
    assert str(ent.status.sel(U=12.0).values) == "ok"
    assert 0 < err < 0.03 * EQ5["xi_S"]
    assert abs(xi - EQ5["xi_S"]) < 3 * err
    assert xi == pytest.approx(EQ5["xi_S"], rel=0.03)
    model = ent.S_model.sel(U=12.0).transpose("time", "bond").values
    fitted = np.isfinite(model).all(axis=1)
    assert fitted.sum() > 10
    assert np.all(np.diff(model[fitted], axis=0) >= -1e-12)
    # S_AI is the d-only entropy: its late-time mean, not the U = 0 entropy with H2
    truth = agg["S_d_true"].sel(time=agg.time >= 1.0).mean(("time", "seed")).values
    np.testing.assert_allclose(ent.S_AI.sel(U=12.0).values, truth, atol=1e-3)
    S_AI_t = ent.S_AI_t.values
    np.testing.assert_allclose(S_AI_t, agg["S_d_true"].mean("seed").values, atol=1e-12)
    # paired excess over the time-dependent S_d: exactly xi_S log(1 + U n_c t) + noise
    assert float(ent.xi_S_tdep.sel(U=12.0)) == pytest.approx(EQ5["xi_S"], rel=0.03)
    assert 1 <= int(ent.n_dof.sel(U=12.0)) and np.isfinite(ent.red_chi2.sel(U=12.0))
    print(f"red_chi2 {float(ent.red_chi2.sel(U=12.0)):.3g}")


def test_s_ai_drift_is_measured(eq5_data):
    """A saturating S_d has no drift; a drifting one is measured (nats per e-fold)."""
    _, _, ent = eq5_data
    d0, e0 = float(ent.S_AI_drift), float(ent.S_AI_drift_err)
    assert abs(d0) < 0.01 and np.isfinite(e0)
    agg = eq5_aggregate(L=24, n_seeds=8, rng_seed=4, drift=0.05)
    nc = fit_nc(agg, fit_t_min=1.0, n_bootstrap=0)
    ent2 = fit_entanglement(agg, nc, fit_t_min=1.0)
    # S_d = a (1 - e^{-t/tau}) + 0.05 ln(1 + t): slope vs ln t is 0.05 t/(1+t) in [0.025, 0.05)
    assert 0.04 < float(ent2.S_AI_drift) < 0.05
    assert "S_AI_drift" in ent2 and "measured here" in ent2.attrs["S_AI_drift_note"]


def test_without_u0_s_ai_is_fitted_and_says_so(eq5_data):
    agg, nc, _ = eq5_data
    ent = fit_entanglement(agg.sel(U=[12.0]), nc.sel(U=[12.0]), fit_t_min=1.0)
    status = str(ent.status.sel(U=12.0).values)
    assert status.startswith("ok; S_AI not measured (no U = 0 runs)")
    assert "fitted" in str(ent.S_AI_source.sel(U=12.0).values)
    assert "no U = 0 data" in ent.attrs["S_AI_method"]
    assert np.isnan(ent.S_AI_t).all() and np.isnan(ent.dS).all()
