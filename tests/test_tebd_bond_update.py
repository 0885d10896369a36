"""The lean TEBD bond update (mblbath.tebd.bond_update) against TeNPy's own TEBDEngine.

Small sizes (L = 9, chi <= 32): the module runs in a few seconds. Everything TeNPy's
``TEBDEngine`` produces is compared: observables (n_d, n_c, C_dd, bond entropies), the
truncation error (total and per bond), the norm, the state overlap, the new Schmidt values
and two-site wave function of single updates, and the bond charges.
"""

from __future__ import annotations

import numpy as np
import pytest
from tenpy.algorithms.tebd import TEBDEngine
from tenpy.models.tf_ising import TFIChain
from tenpy.networks.mps import MPS

from mblbath.model import initial_mps
from mblbath.observables import measure
from mblbath.tebd import bond_update
from mblbath.tebd.engine import ParallelTEBDEngine
from mblbath.tebd.evolve import make_engine
from mblbath.tebd.gates import gate_blocks, supported
from small_chain import L, assert_same_evolution, small_model, tebd_options


def _options(order: int, chi: int, dt: float = 0.2) -> dict:
    return tebd_options(order, chi, dt)


def _pair(model, order, chi, steps, dt=0.2, **kw):
    """Evolve the initial state with TeNPy's TEBDEngine and with the lean engine."""
    psi_t, psi_l = initial_mps(model), initial_mps(model)
    eng_t = TEBDEngine(psi_t, model, _options(order, chi, dt))
    eng_l = ParallelTEBDEngine(psi_l, model, _options(order, chi, dt), **kw)
    for _ in range(steps):
        eng_t.run()
        eng_l.run()
    eng_l.close()
    return (psi_t, eng_t), (psi_l, eng_l)


def _fidelity(a: MPS, b: MPS) -> float:
    return abs(a.overlap(b)) / np.sqrt(abs(a.overlap(a)) * abs(b.overlap(b)))


@pytest.mark.parametrize(("order", "chi"), [(2, 8), (4, 8), (2, 32)])
def test_lean_engine_matches_tenpy(order, chi):
    """Observables, truncation errors, norm and state agree with TeNPy to 1e-12."""
    model = small_model()
    steps = 8 if order == 2 else 3
    (psi_t, eng_t), (psi_l, eng_l) = _pair(model, order, chi, steps)
    psi_l.test_sanity()  # every tensor passes TeNPy's checks (charges, legs, blocks)
    assert all(f == (0.0, 1.0) for f in psi_l.form)
    if chi == 8:
        assert max(psi_t.chi) == chi and eng_t.trunc_err.eps > 1e-8  # truncation active
    assert_same_evolution(psi_l, eng_l, psi_t, eng_t)
    assert abs(_fidelity(psi_l, psi_t) - 1.0) < 1e-12
    # the same charge sectors with the same numbers of Schmidt values on every bond
    for B_l, B_t in zip(psi_l._B, psi_t._B, strict=True):
        leg_l, leg_t = B_l.get_leg("vR"), B_t.get_leg("vR")
        sec_l = {tuple(q): n for q, n in zip(leg_l.charges, np.diff(leg_l.slices), strict=True)}
        sec_t = {tuple(q): n for q, n in zip(leg_t.charges, np.diff(leg_t.slices), strict=True)}
        assert sec_l == sec_t
        assert leg_l.qconj == leg_t.qconj


def test_lean_sequential_and_parallel_are_bitwise_identical():
    """One thread or three: the same operations on every bond, bit for bit."""
    model = small_model(seed=5)
    psi_1, psi_3 = initial_mps(model), initial_mps(model)
    e1 = ParallelTEBDEngine(psi_1, model, _options(2, 16), n_threads=1, blas_threads=1)
    e3 = ParallelTEBDEngine(psi_3, model, _options(2, 16), n_threads=3, blas_threads=1)
    for _ in range(6):
        e1.run()
        e3.run()
    e3.close()
    o1, o3 = measure(psi_1), measure(psi_3)
    for key in o1:
        np.testing.assert_array_equal(o3[key], o1[key], err_msg=key)
    assert e3.trunc_err.eps == e1.trunc_err.eps
    assert psi_3.norm == psi_1.norm


def test_uninitialised_buffers_are_fully_written(monkeypatch):
    """Buffers left uninitialised (every entry written) and zeroed ones both occur; TeNPy agrees.

    An entry left unwritten in an ``np.empty`` buffer would be garbage in theta, so the
    evolution would not match TeNPy's to 1e-12.
    """
    seen = []
    alloc = bond_update._alloc

    def recording_alloc(shape, dtype, full):
        seen.append(full)
        return alloc(shape, dtype, full)

    monkeypatch.setattr(bond_update, "_alloc", recording_alloc)
    (psi_t, eng_t), (psi_l, eng_l) = _pair(small_model(seed=2), 2, 16, 4)
    assert True in seen and False in seen
    assert_same_evolution(psi_l, eng_l, psi_t, eng_t)


def test_single_update_matches_tenpy():
    """One update: the same Schmidt values and two-site wave function as TeNPy's update."""
    model = small_model(seed=2)
    psi = initial_mps(model)
    eng = TEBDEngine(psi, model, _options(2, 32))
    for _ in range(4):
        eng.run()  # an entangled state
    for i in range(1, L):
        ref, lean = psi.copy(), psi.copy()
        opts = {"order": 2, "trunc_params": {"chi_max": 12, "svd_min": 1e-10}}
        e_ref = TEBDEngine(ref, model, opts)
        e_ref.prepare_evolve(0.2)
        U = e_ref._U[0][i]
        err_ref = e_ref.update_bond(i, U)
        gate = gate_blocks(U)
        assert gate is not None and supported(lean, i, gate)
        B_L, B_R, S, err, renorm = bond_update.update_bond(
            lean, i, gate, {"chi_max": 12, "svd_min": 1e-10}
        )
        stored = lean.copy()
        lean.set_SR(i - 1, S)
        lean.set_B(i - 1, B_L, form="B")
        lean.set_B(i, B_R, form="B")
        lean.norm *= renorm
        bond_update.store(stored, i, B_L, B_R, S)  # the shortcut the engine uses
        assert stored.form == lean.form and stored.dtype == lean.dtype
        assert stored._B[i - 1] is lean._B[i - 1] is B_L and stored._B[i] is lean._B[i] is B_R
        assert stored._S[i] is lean._S[i] is S
        lean.test_sanity()
        new_leg, ref_leg = B_R.get_leg("vL"), ref.get_B(i).get_leg("vL")
        assert B_L.get_leg("vR").charges is new_leg.charges
        for leg in (new_leg, B_L.get_leg("vR")):
            leg.test_sanity()
            assert leg.sorted and leg.is_sorted() and leg.bunched and leg.is_bunched()
        assert (new_leg.qconj, B_L.get_leg("vR").qconj) == (ref_leg.qconj, -ref_leg.qconj)
        np.testing.assert_array_equal(new_leg.charges, ref_leg.charges)
        np.testing.assert_array_equal(new_leg.slices, ref_leg.slices)
        np.testing.assert_allclose(np.sort(S), np.sort(ref.get_SR(i - 1)), atol=1e-13)
        th_l = lean.get_theta(i - 1, n=2).to_ndarray()
        th_r = ref.get_theta(i - 1, n=2).to_ndarray()
        np.testing.assert_allclose(th_l, th_r, atol=1e-12)
        assert err.eps == pytest.approx(err_ref.eps, rel=1e-10, abs=1e-16)
        assert lean.norm == pytest.approx(ref.norm, rel=1e-13)


def test_make_engine_is_the_lean_engine():
    model = small_model()
    eng = make_engine(initial_mps(model), model, _options(2, 8))
    assert isinstance(eng, ParallelTEBDEngine) and eng.lean and eng.n_threads == 1
    eng.run()
    eng.close()
    with pytest.raises(ValueError, match="n_threads"):
        make_engine(initial_mps(model), model, _options(2, 8), n_threads=0)


def test_unsupported_states_and_gates_use_tenpys_update():
    """Sites not in B form and gates without one state per charge block: TeNPy's code."""
    model = small_model(seed=4)
    psi_t, psi_l = initial_mps(model), initial_mps(model)
    for p in (psi_t, psi_l):
        p.convert_form("A")  # the first update of each bond sees an 'A' site
    gate = gate_blocks(_gate_of(model, 1))
    assert gate is not None and not supported(psi_l, 1, gate)
    eng_t = TEBDEngine(psi_t, model, _options(2, 8))
    eng_l = ParallelTEBDEngine(psi_l, model, _options(2, 8))
    for _ in range(3):
        eng_t.run()
        eng_l.run()
    np.testing.assert_allclose(measure(psi_l)["S"], measure(psi_t)["S"], atol=1e-12)
    # no charge conservation: the physical leg is one block of two states
    tfi = TFIChain({"L": 6, "J": 1.0, "g": 1.1, "conserve": None, "bc_MPS": "finite"})
    psi_a = MPS.from_product_state(
        tfi.lat.mps_sites(), ["up"] * 6, bc="finite", unit_cell_width=tfi.lat.N_sites
    )
    psi_b = psi_a.copy()
    ea = TEBDEngine(psi_a, tfi, _options(2, 8, 0.1))
    eb = ParallelTEBDEngine(psi_b, tfi, _options(2, 8, 0.1))
    ea.run()
    eb.run()
    assert gate_blocks(eb._U[0][1]) is None
    np.testing.assert_array_equal(psi_b.entanglement_entropy(), psi_a.entanglement_entropy())


def test_supported_checks_legs_and_remembers_only_matches():
    model = small_model(seed=4)
    psi = initial_mps(model)
    gate = gate_blocks(_gate_of(model, 1))
    assert supported(psi, 1, gate) and supported(psi, 1, gate)  # the second from the cache
    assert {id(leg) for leg in gate.matching_legs.values()} == {
        id(psi._B[0].legs[1]),
        id(psi._B[1].legs[1]),
    }
    other = psi.copy()
    B = other._B[1]
    leg = B.legs[1].copy()
    leg.charges = leg.charges[::-1].copy()  # the same states with permuted charges
    B.legs[1] = leg
    assert not supported(other, 1, gate)
    assert all(cached is not leg for cached in gate.matching_legs.values())
    B_L, B_R, S, _, _ = bond_update.update_bond(psi, 1, gate, {"chi_max": 8})
    bond_update.store(psi, 1, B_L, B_R, S)
    mid = psi._B[1].legs[0]
    assert psi._B[0].legs[2].charges is mid.charges  # identical arrays: the fast path
    assert supported(psi, 1, gate)
    other = psi.copy()
    other._B[1].legs[0] = mid.conj()  # a middle leg with the wrong direction
    assert not supported(other, 1, gate)


def _gate_of(model, i):
    eng = TEBDEngine(initial_mps(model), model, {"order": 2})
    eng.prepare_evolve(0.2)
    return eng._U[0][i]


def test_gate_cache_follows_the_gates():
    """A new time step recomputes the gates; the cached sector tables are dropped."""
    model = small_model()
    psi = initial_mps(model)
    eng = ParallelTEBDEngine(psi, model, _options(2, 8, 0.1))
    eng.run()
    assert eng._gates
    old_U = eng._U
    eng.options["dt"] = 0.05
    eng.run()
    assert eng._U is not old_U and eng._gates
    current = [u for us in eng._U for u in us if u is not None]
    for gate in eng._gates.values():  # only sector tables of the current gates are kept
        assert gate is not None and any(gate.gate is u for u in current)


def test_svd_falls_back_to_gesvd(monkeypatch):
    a = np.random.default_rng(0).standard_normal((6, 4)) + 0.5j
    S_ref = np.linalg.svd(a, compute_uv=False)
    S, Vh = bond_update._svd(a)
    np.testing.assert_allclose(S, S_ref, atol=1e-13)

    def fail(*args, **kwargs):
        raise FloatingPointError("invalid value (no convergence)")

    monkeypatch.setattr(bond_update, "_SVD_S", fail)
    S, Vh = bond_update._svd(a)  # scipy's gesvd
    np.testing.assert_allclose(S, S_ref, atol=1e-13)
    np.testing.assert_allclose(Vh @ Vh.conj().T, np.eye(4), atol=1e-13)
    with pytest.raises(ValueError, match="NaN"):
        bond_update._svd(np.full((2, 2), np.nan + 0j))
