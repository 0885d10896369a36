"""The small chain (L = 9) on which the TEBD engine tests compare engines step by step."""

from __future__ import annotations

import numpy as np

from mblbath.model import BathModel

#: Sites of the test chain (d-bosons on 1, 4, 7; the c-boson on 4).
L = 9


def small_model(seed: int = 3, W: float = 1.0, U: float = 2.5) -> BathModel:
    """Eq. (1) on :data:`L` sites with weak disorder, so that a few steps entangle it."""
    eps = W * (2.0 * np.random.default_rng(seed).random(L) - 1.0)
    return BathModel({"L": L, "eps": eps, "U": U})


def tebd_options(order: int, chi: int, dt: float) -> dict:
    """TEBD options: one Trotter step per ``engine.run()``, truncation at ``chi``."""
    return {
        "order": order,
        "dt": dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
    }


def trunc_err_once(eng) -> tuple[float, float]:
    """``(eps, ov)`` of ``eng.trunc_err`` with each step's error counted once.

    A plain TeNPy 1.1.1 ``TEBDEngine`` adds it twice per ``run()`` (in ``evolve`` and in
    ``run_evolution``); :class:`mblbath.tebd.engine.ParallelTEBDEngine` once.
    """
    from mblbath.tebd.engine import ParallelTEBDEngine

    err = eng.trunc_err
    if isinstance(eng, ParallelTEBDEngine):
        return err.eps, err.ov
    return err.eps / 2, float(np.sqrt(err.ov))


def assert_same_evolution(psi_a, eng_a, psi_b, eng_b) -> None:
    """Two engines evolved the same state alike: observables, truncation errors, norm."""
    import pytest

    from mblbath.observables import measure

    obs_a, obs_b = measure(psi_a), measure(psi_b)
    for key in ("n_d", "n_c", "C_dd", "S"):
        np.testing.assert_allclose(obs_a[key], obs_b[key], rtol=0, atol=1e-12, err_msg=key)
    np.testing.assert_array_equal(obs_a["chi"], obs_b["chi"])
    (eps_a, ov_a), (eps_b, ov_b) = trunc_err_once(eng_a), trunc_err_once(eng_b)
    assert eps_a == pytest.approx(eps_b, rel=1e-10, abs=1e-15)
    assert ov_a == pytest.approx(ov_b, rel=1e-12)
    for a, b in zip(eng_a._trunc_err_bonds, eng_b._trunc_err_bonds, strict=True):
        assert a.eps == pytest.approx(b.eps, rel=1e-10, abs=1e-15)
    assert psi_a.norm == pytest.approx(psi_b.norm, rel=1e-12)
