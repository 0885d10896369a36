"""Parallel bond updates (mblbath.tebd.engine): same state as the sequential TEBD, to round-off.

Small sizes only (L = 9, chi <= 16): the whole module runs in a few seconds. The sequential
reference is TeNPy's own ``TEBDEngine``; the engine is tested with the lean bond update of
:mod:`mblbath.tebd.bond_update` (the default, what ``mblbath.tebd.evolve.run_tebd`` uses) and with
TeNPy's own update code (``lean=False``). The lean update itself: ``test_tebd_bond_update.py``.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from tenpy.algorithms.tebd import TEBDEngine
from tenpy.linalg import np_conserved as npc

from mblbath.model import initial_mps
from mblbath.observables import measure
from mblbath.tebd import engine
from mblbath.tebd.engine import (
    ParallelTEBDEngine,
    available_cores,
    blas_limit,
    blas_threads_for,
    performance_info,
)
from small_chain import assert_same_evolution, small_model, tebd_options, trunc_err_once


def _options(order: int, chi: int, dt: float = 0.1) -> dict:
    return tebd_options(order, chi, dt)


def _evolve(engine_cls, model, order, chi, steps, dt=0.1, **kw):
    psi = initial_mps(model)
    eng = engine_cls(psi, model, _options(order, chi, dt), **kw)
    for _ in range(steps):
        eng.run()
    if isinstance(eng, ParallelTEBDEngine):
        eng.close()
    return psi, eng


@pytest.mark.parametrize("lean", [True, False])
@pytest.mark.parametrize("order", [2, 4])
def test_parallel_equals_sequential(order, lean):
    """All observables, the truncation error and the norm agree to 1e-12 (chi truncates)."""
    model = small_model()
    chi, steps, dt = 8, (8 if order == 2 else 3), 0.2
    psi_s, eng_s = _evolve(TEBDEngine, model, order, chi, steps, dt)
    psi_p, eng_p = _evolve(ParallelTEBDEngine, model, order, chi, steps, dt, n_threads=2, lean=lean)
    psi_p.test_sanity()
    assert max(psi_s.chi) == chi  # truncation is active, so its accumulation is tested
    assert eng_s.trunc_err.eps > 1e-8
    assert_same_evolution(psi_p, eng_p, psi_s, eng_s)
    assert eng_p.evolved_time == eng_s.evolved_time
    # the states themselves, not only the measured numbers (after truncation the MPS is
    # canonical only approximately, so <psi|psi> != 1: normalise the overlap)
    fidelity = abs(psi_p.overlap(psi_s)) / np.sqrt(
        abs(psi_p.overlap(psi_p)) * abs(psi_s.overlap(psi_s))
    )
    assert abs(fidelity - 1.0) < 1e-12


def test_one_thread_is_the_sequential_code_path():
    """n_threads = 1, lean=False performs exactly TeNPy's operations: bitwise identical.

    (The truncation error TeNPy sums twice per step, see ``trunc_err_once``.)
    """
    model = small_model(seed=5)
    psi_s, eng_s = _evolve(TEBDEngine, model, 2, 8, 6)
    psi_1, eng_1 = _evolve(ParallelTEBDEngine, model, 2, 8, 6, n_threads=1, lean=False)
    obs_s, obs_1 = measure(psi_s), measure(psi_1)
    for key in obs_s:
        np.testing.assert_array_equal(obs_1[key], obs_s[key], err_msg=key)
    assert eng_1.trunc_err.eps == pytest.approx(trunc_err_once(eng_s)[0], rel=1e-14)


def test_engine_is_reusable_after_close_and_matches_three_threads():
    model = small_model(seed=7)
    psi_s, _ = _evolve(TEBDEngine, model, 2, 16, 6)
    psi = initial_mps(model)
    with ParallelTEBDEngine(psi, model, _options(2, 16), n_threads=3) as eng:
        for _ in range(3):
            eng.run()
        eng.close()
        for _ in range(3):
            eng.run()  # a new pool
    assert eng._pool is None
    np.testing.assert_allclose(measure(psi)["S"], measure(psi_s)["S"], atol=1e-12)


def test_constructor_validation_and_blas_threads():
    model = small_model()
    psi = initial_mps(model)
    with pytest.raises(ValueError, match="n_threads"):
        ParallelTEBDEngine(psi, model, _options(2, 8), n_threads=0)
    with pytest.raises(ValueError, match="blas_threads"):
        ParallelTEBDEngine(psi, model, _options(2, 8), n_threads=2, blas_threads=-1)
    eng = ParallelTEBDEngine(psi, model, _options(2, 8), n_threads=2)
    assert eng.blas_threads == max(1, available_cores() // 2)
    eng.run()  # (TeNPy warns about options never read)
    eng.close()
    eng = ParallelTEBDEngine(psi, model, _options(2, 8), blas_threads=0)
    assert eng.blas_threads is None
    eng.run()
    eng = ParallelTEBDEngine(psi, model, _options(2, 8))  # 1 thread: BLAS left alone
    assert eng.n_threads == 1 and eng.blas_threads is None
    eng.run()
    assert blas_threads_for(2, cores=2) == 1
    assert blas_threads_for(1, cores=4) == 4
    assert blas_threads_for(8, cores=2) == 1
    with pytest.raises(ValueError):
        blas_threads_for(0)


def test_blas_limit_sets_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [
            p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"
        ]

    before = blas_threads()
    with blas_limit(1) as active:
        assert active
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before
    with blas_limit(None) as active:
        assert not active


def test_worker_svd_uses_numpy_and_falls_back(monkeypatch):
    """Worker threads get numpy's (GIL-free) SVD; others, and failures, TeNPy's own."""
    import scipy.linalg

    calls = []

    def original(a, full_matrices=True, compute_uv=True, *args):
        calls.append("original")
        return scipy.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)

    svd = engine._gil_free_svd(original)
    a = np.random.default_rng(0).standard_normal((5, 4))
    U, S, V = svd(a, False, True)
    assert calls == ["original"]  # main thread: unchanged TeNPy path
    np.testing.assert_allclose((U * S) @ V, a, atol=1e-12)

    out: dict = {}

    def worker():
        try:
            engine._mark_worker()
            out["ok"] = svd(a, False, True)
            try:
                svd(np.full((2, 2), np.nan), False, True)
            except ValueError:
                out["nan_rejected"] = True
            out["calls_before_failure"] = list(calls)

            def fail(*args, **kwargs):
                raise np.linalg.LinAlgError("no convergence")

            monkeypatch.setattr(np.linalg, "svd", fail)
            out["fallback"] = svd(a, False, True)
        except Exception as exc:  # pragma: no cover - reported below
            out["error"] = exc

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert "error" not in out, out.get("error")
    assert out["calls_before_failure"] == ["original"]  # the worker used numpy
    assert out["nan_rejected"]
    assert calls == ["original", "original"]  # the forced failure went back to TeNPy's SVD
    np.testing.assert_allclose(out["ok"][1], S, atol=1e-12)
    np.testing.assert_allclose(out["fallback"][1], S, atol=1e-12)


def test_svd_patch_is_installed_once_and_keeps_original():
    engine._install_gil_free_svd()
    first = npc.svd_flat
    engine._install_gil_free_svd()
    assert npc.svd_flat is first
    from tenpy.linalg.svd_robust import svd as robust

    assert first._mblbath_original is robust


def test_performance_info_reports_compiled_tenpy():
    info = performance_info()
    assert info["tenpy_version"] == "1.1.1"
    assert isinstance(info["tenpy_cython"], bool)
    assert info["cores"] >= 1
    assert info["blas"]  # a list of strings (or a note that threadpoolctl is missing)


@pytest.mark.parametrize("lean", [True, False])
def test_truncation_error_is_counted_once(lean):
    """engine.trunc_err is the sum of the bond updates' errors; TeNPy's TEBDEngine doubles it."""
    model = small_model(seed=5)
    _, eng_p = _evolve(ParallelTEBDEngine, model, 2, 6, 8, n_threads=1, lean=lean)
    _, eng_t = _evolve(TEBDEngine, model, 2, 6, 8)
    per_bond = sum(e.eps for e in eng_p._trunc_err_bonds)
    assert per_bond > 1e-8  # truncation active
    assert eng_p.trunc_err.eps == pytest.approx(per_bond, rel=1e-12)
    # TeNPy 1.1.1: evolve() and run_evolution() both add the error (drop the workaround
    # in ParallelTEBDEngine.run_evolution once this fails)
    assert eng_t.trunc_err.eps == pytest.approx(2 * per_bond, rel=1e-10)
    # calling evolve() directly accumulates once, as in TeNPy
    before = eng_p.trunc_err.eps
    err = eng_p.evolve(1, _options(2, 6)["dt"])
    assert eng_p.trunc_err.eps == pytest.approx(before + err.eps, rel=1e-12)
