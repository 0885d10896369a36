"""Tests of mblbath.exact against independent exact results.

References used here, none of them produced by the code under test:

- combinatorics (sector dimensions, Schmidt-rank bounds) from math.comb;
- U = 0: two independent methods (free fermions vs sparse sector evolution) must agree;
- a single particle on a long chain: n(x, t) = |J_x(2 t t_hop)|² (scipy.special.jv), and
  free fermions on a long chain from the Bessel propagator (-i)^|n| J_|n|(2 td t);
- the Chebyshev propagator against scipy.linalg.expm of the dense matrix;
- L = 6: the full 4^L Hilbert space built from Kronecker products of local operators,
  evolved independently, with reduced density matrices diagonalised by eigvalsh.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply
from scipy.special import jv, xlogy

from mblbath.exact import (
    ChebyshevPropagator,
    free_evolution,
    sector_basis,
    sector_dimension,
    sector_evolution,
    sector_hamiltonian,
)

KEYS = ("n_d", "n_c", "C_dd", "S", "N_d", "N_c")
W = 6.5


def random_eps(L: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-W, W, L)


def assert_results_close(a: dict, b: dict, atol: float) -> None:
    assert set(a) == set(b) == set(KEYS)
    for key in KEYS:
        assert a[key].shape == b[key].shape, key
        np.testing.assert_allclose(a[key], b[key], rtol=0, atol=atol, err_msg=key)


def check_shapes(res: dict, T: int, L: int) -> None:
    shapes = {"n_d": (T, L), "n_c": (T, L), "C_dd": (T, L, L), "S": (T, L - 1)}
    shapes |= {"N_d": (T,), "N_c": (T,)}
    assert set(res) == set(shapes)
    for key, shape in shapes.items():
        assert res[key].shape == shape, key
        assert res[key].dtype == np.float64, key


def schmidt_rank_bound(L: int, b: int, N_d: int) -> int:
    """Max. Schmidt rank at bond b in the (N_d, N_c = 1) sector, from counting states."""
    rank = 0
    for n_left in range(max(0, N_d - (L - b)), min(N_d, b) + 1):
        for c_left in (0, 1):
            n_l = math.comb(b, n_left) * (b if c_left else 1)
            n_r = math.comb(L - b, N_d - n_left) * (1 if c_left else L - b)
            rank += min(n_l, n_r)
    return rank


def check_invariants(res: dict, L: int, N_d: int, atol: float = 1e-10) -> None:
    """Conservation, symmetry of C_dd, hard-core diagonal, entropy bounds."""
    np.testing.assert_allclose(res["N_d"], N_d, rtol=0, atol=atol)
    np.testing.assert_allclose(res["N_c"], 1.0, rtol=0, atol=atol)
    np.testing.assert_allclose(res["n_d"].sum(axis=1), res["N_d"], rtol=0, atol=atol)
    np.testing.assert_allclose(res["n_c"].sum(axis=1), res["N_c"], rtol=0, atol=atol)
    C = res["C_dd"]
    np.testing.assert_allclose(C, np.swapaxes(C, 1, 2), rtol=0, atol=atol)
    n = res["n_d"]
    np.testing.assert_allclose(np.diagonal(C, axis1=1, axis2=2), n * (1 - n), atol=atol)
    # Σ_j C_ij = <n_i N_d> - <n_i> N_d = 0 in a fixed-N_d state.
    np.testing.assert_allclose(C.sum(axis=2), 0.0, atol=atol)
    bounds = np.log([schmidt_rank_bound(L, b, N_d) for b in range(1, L)])
    assert np.all(res["S"] >= -atol)
    assert np.all(res["S"] <= bounds + atol)


# --------------------------------------------------------------------------------------
# Independent full 4^L Hilbert space (Kronecker products of local operators)
# --------------------------------------------------------------------------------------


def full_space(L: int, eps: np.ndarray, U: float, td: float, tc: float):
    """Full Hamiltonian and site-resolved number operators (diagonals) on 4^L states.

    Local basis per site |n_d n_c> with index 2 n_d + n_c (d ⊗ c); site 0 is the leftmost
    (most significant) factor, so psi.reshape(4**b, -1) splits sites 0..b-1 from the rest.
    """
    b = sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]]))  # hard-core annihilator
    i2 = sp.eye_array(2, format="csr")
    d_loc = sp.kron(b, i2, format="csr")
    c_loc = sp.kron(i2, b, format="csr")

    def at(op, i):
        left = sp.eye_array(4**i, format="csr")
        right = sp.eye_array(4 ** (L - 1 - i), format="csr")
        return sp.kron(sp.kron(left, op, format="csr"), right, format="csr")

    d = [at(d_loc, i) for i in range(L)]
    c = [at(c_loc, i) for i in range(L)]
    nd = [di.T @ di for di in d]
    nc = [ci.T @ ci for ci in c]
    H = sp.csr_array((4**L, 4**L))
    for i in range(L - 1):
        H = H + td * (d[i].T @ d[i + 1] + d[i + 1].T @ d[i])
        H = H + tc * (c[i].T @ c[i + 1] + c[i + 1].T @ c[i])
    for i in range(L):
        H = H + eps[i] * nd[i] + U * (nc[i] @ nd[i])
    nd_diag = np.array([x.diagonal() for x in nd])
    nc_diag = np.array([x.diagonal() for x in nc])
    return H.tocsr(), nd_diag, nc_diag


def full_product_state(L: int, d_sites, c_site: int) -> np.ndarray:
    index = 0
    for i in range(L):
        index = 4 * index + 2 * int(i in set(d_sites)) + int(i == c_site)
    psi = np.zeros(4**L, dtype=complex)
    psi[index] = 1.0
    return psi


def full_entropy(psi: np.ndarray, L: int, b: int) -> float:
    M = psi.reshape(4**b, 4 ** (L - b))
    rho = M @ M.conj().T if b <= L - b else M.T @ M.conj()
    p = np.clip(np.linalg.eigvalsh(rho), 0.0, 1.0)
    return float(-xlogy(p, p).sum())


# --------------------------------------------------------------------------------------
# Sector basis and Hamiltonian
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("L", "N_d", "dim"), [(12, 4, 5940), (15, 5, 45045), (18, 6, 334152)])
def test_sector_dimension(L, N_d, dim):
    assert sector_dimension(L, N_d) == dim
    confs = sector_basis(L, N_d)
    assert L * confs.size == dim
    assert np.all(np.diff(confs) > 0)  # sorted, distinct
    assert np.all(np.bitwise_count(confs) == N_d)
    assert confs.min() >= 0 and confs.max() < 2**L


def test_sector_basis_edge_cases():
    np.testing.assert_array_equal(sector_basis(5, 0), [0])
    np.testing.assert_array_equal(sector_basis(3, 1), [1, 2, 4])
    np.testing.assert_array_equal(sector_basis(4, 4), [15])
    with pytest.raises(ValueError):
        sector_dimension(4, 5)
    with pytest.raises(ValueError):
        sector_basis(4, -1)


def test_hamiltonian_matrix_elements_follow_eq1():
    """Plus-sign hoppings and diagonal terms, read off from the definition (L=3, N_d=1)."""
    eps = np.array([0.3, -1.1, 2.0])
    U, td, tc = 4.0, 0.7, 0.45
    H = sector_hamiltonian(eps, U, td, tc, 1).toarray()
    L = 3
    # confs = [0b001, 0b010, 0b100] -> d on site 0, 1, 2; index k * L + j.
    assert H.shape == (9, 9)
    assert H[0 * L + 2, 1 * L + 2] == pytest.approx(td)  # d hop 1 -> 0, c on site 2
    assert H[1 * L + 0, 0 * L + 0] == pytest.approx(td)
    assert H[0 * L + 0, 2 * L + 0] == 0.0  # no next-nearest-neighbour d hop
    assert H[1 * L + 1, 1 * L + 2] == pytest.approx(tc)  # c hop 2 -> 1, d on site 1
    assert H[1 * L + 0, 1 * L + 2] == 0.0
    for k in range(3):
        for j in range(3):
            assert H[k * L + j, k * L + j] == pytest.approx(eps[k] + U * (k == j))
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("N_d", [0, 1, 2, 3, 6])
def test_sector_spectrum_matches_full_space(N_d):
    L = 6
    eps = random_eps(L, seed=10 + N_d)
    U, td, tc = 3.7, 1.0, 0.8
    H_full, nd_diag, nc_diag = full_space(L, eps, U, td, tc)
    # The full Hamiltonian conserves both charges.
    N_d_op = sp.diags_array(nd_diag.sum(axis=0))
    N_c_op = sp.diags_array(nc_diag.sum(axis=0))
    assert abs(H_full @ N_d_op - N_d_op @ H_full).max() == 0.0
    assert abs(H_full @ N_c_op - N_c_op @ H_full).max() == 0.0
    sel = np.flatnonzero((nd_diag.sum(axis=0) == N_d) & (nc_diag.sum(axis=0) == 1))
    assert sel.size == sector_dimension(L, N_d)
    E_full = np.linalg.eigvalsh(H_full[sel, :][:, sel].toarray())
    H = sector_hamiltonian(eps, U, td, tc, N_d)
    assert H.shape == (sel.size, sel.size)
    E_sector = np.linalg.eigvalsh(H.toarray())
    np.testing.assert_allclose(E_sector, E_full, rtol=0, atol=1e-11)


# --------------------------------------------------------------------------------------
# Evolution: independent references
# --------------------------------------------------------------------------------------


def test_sector_evolution_matches_full_space_at_finite_U():
    """Densities, C_dd and the Schmidt-block entropies vs brute-force partial traces."""
    L, U, td, tc = 6, 5.0, 1.0, 1.0
    eps = random_eps(L, seed=3)
    d_sites = np.array([0, 3])
    c_site = 3
    times = np.array([0.0, 0.4, 1.3, 2.0, 5.5])
    res = sector_evolution(eps, U, td, tc, d_sites, c_site, times)
    check_shapes(res, times.size, L)

    H_full, nd_diag, nc_diag = full_space(L, eps, U, td, tc)
    psi0 = full_product_state(L, d_sites, c_site)
    for n, t in enumerate(times):
        psi = expm_multiply(-1j * t * H_full, psi0)  # directly from t = 0, no stepping
        p = np.abs(psi) ** 2
        nd = nd_diag @ p
        nc = nc_diag @ p
        C = (nd_diag * p) @ nd_diag.T - np.outer(nd, nd)
        S = [full_entropy(psi, L, b) for b in range(1, L)]
        np.testing.assert_allclose(res["n_d"][n], nd, atol=1e-10)
        np.testing.assert_allclose(res["n_c"][n], nc, atol=1e-10)
        np.testing.assert_allclose(res["C_dd"][n], C, atol=1e-10)
        np.testing.assert_allclose(res["S"][n], S, atol=1e-10)
    assert res["S"][-1].max() > 0.3  # entanglement has actually been generated
    check_invariants(res, L, d_sites.size)


@pytest.mark.parametrize(
    ("L", "d_sites", "c_site"),
    [
        (9, np.arange(0, 9, 3), 4),
        (9, np.arange(0, 9, 3), 3),  # c-boson starts on a d-boson
        (12, np.arange(0, 12, 3), 6),
        (12, np.arange(2, 12, 3), 5),
        (8, np.array([0, 1, 2, 4, 5, 7]), 3),  # N_d > L/2 (entropy from the holes)
        (6, np.arange(6), 2),  # full d filling: frozen d-bosons
    ],
)
def test_u0_sector_equals_free_fermions(L, d_sites, c_site):
    """Two independent methods at U = 0: sparse sector evolution and free fermions."""
    eps = random_eps(L, seed=100 + L)
    times = np.linspace(0.0, 20.0, 11)
    exact = sector_evolution(eps, 0.0, 1.0, 0.9, d_sites, c_site, times)
    free = free_evolution(eps, 1.0, 0.9, d_sites, c_site, times)
    check_shapes(free, times.size, L)
    assert_results_close(exact, free, atol=1e-10)
    check_invariants(free, L, d_sites.size)
    check_invariants(exact, L, d_sites.size)
    assert free["S"][-1].max() > 0.5
    if d_sites.size == L:
        np.testing.assert_allclose(free["n_d"], 1.0, rtol=0, atol=1e-12)


def test_u0_sector_equals_free_fermions_dilute_L30():
    """Free fermions at L = 30 against the sector method (N_d = 2, dimension 13,050)."""
    L = 30
    eps = random_eps(L, seed=30)
    d_sites = np.array([13, 16])
    times = np.linspace(0.0, 6.0, 4)
    exact = sector_evolution(eps, 0.0, 1.0, 1.0, d_sites, 15, times)
    free = free_evolution(eps, 1.0, 1.0, d_sites, 15, times)
    assert_results_close(exact, free, atol=1e-10)


@pytest.mark.parametrize("tc", [1.0, 0.6])
def test_single_c_boson_bessel(tc):
    """c-boson alone, centre of L = 201, t <= 10: n_c(x, t) = |J_x(2 tc t)|²."""
    L, x0 = 201, 100
    eps = random_eps(L, seed=7)  # irrelevant without d-bosons, even at U != 0
    times = np.linspace(0.0, 10.0, 6)
    x = np.arange(L) - x0
    expected = jv(x[None, :], 2 * tc * times[:, None]) ** 2
    expected_S = []
    for t_row in expected:
        p = np.clip(np.cumsum(t_row)[:-1], 0, 1)
        expected_S.append(-(xlogy(p, p) + xlogy(1 - p, 1 - p)))
    for res in (
        free_evolution(eps, 1.0, tc, np.array([], dtype=int), x0, times),
        sector_evolution(eps, 5.0, 1.0, tc, [], x0, times),
    ):
        check_shapes(res, times.size, L)
        np.testing.assert_allclose(res["n_c"], expected, rtol=0, atol=1e-10)
        np.testing.assert_allclose(res["S"], expected_S, rtol=0, atol=1e-10)
        assert np.all(res["n_d"] == 0) and np.all(res["C_dd"] == 0)
        np.testing.assert_allclose(res["N_c"], 1.0, rtol=0, atol=1e-10)


def bessel_propagator(L: int, t_hop: float, t: float) -> np.ndarray:
    """exp(-i h t)_{ij} on the infinite clean chain: (-i)^|i-j| J_|i-j|(2 t_hop t)."""
    n = np.abs(np.subtract.outer(np.arange(L), np.arange(L)))
    return (-1j) ** n * jv(n, 2 * t_hop * t)


@pytest.mark.parametrize(("L", "t_max"), [(60, 3.0), (201, 10.0)])
def test_free_fermions_bessel(L, t_max):
    """Clean d-bosons near the centre, before the edges matter: G from Bessel functions."""
    td = 0.8
    c0 = L // 2
    d_sites = np.array([c0 - 3, c0 - 1, c0, c0 + 2])
    times = np.linspace(0.0, t_max, 5)
    res = free_evolution(np.zeros(L), td, 1.0, d_sites, c0, times)
    for n, t in enumerate(times):
        V = bessel_propagator(L, td, t)[:, d_sites]
        G = np.conj(V) @ V.T  # <c†_i c_j> = Σ_k conj(V_ik) V_jk
        nd = np.real(np.diag(G))
        np.testing.assert_allclose(res["n_d"][n], nd, rtol=0, atol=1e-10)
        np.testing.assert_allclose(res["C_dd"][n], np.diag(nd) - np.abs(G) ** 2, rtol=0, atol=1e-10)
    check_invariants(res, L, d_sites.size)


def test_free_evolution_L60_consistent():
    """Shapes and invariants at a paper size (its speed is a benchmark, not a test)."""
    L = 60
    eps = random_eps(L, seed=60)
    d_sites = np.arange(0, L, 3)
    times = np.linspace(0.0, 20.0, 30)
    res = free_evolution(eps, 1.0, 1.0, d_sites, L // 2, times)
    check_shapes(res, times.size, L)
    check_invariants(res, L, d_sites.size)


def test_free_evolution_L30_product_structure():
    """At U = 0 the state is a product: S - S_c does not depend on where the c-boson starts."""
    L = 30
    eps = random_eps(L, seed=31)
    d_sites = np.arange(1, L, 3)
    times = np.linspace(0.0, 20.0, 7)
    S_d = []
    for c_site in (15, 4):
        res = free_evolution(eps, 1.0, 1.0, d_sites, c_site, times)
        c_only = sector_evolution(eps, 0.0, 1.0, 1.0, [], c_site, times)  # N_d = 0
        np.testing.assert_allclose(res["n_c"], c_only["n_c"], rtol=0, atol=1e-10)
        S_d.append(res["S"] - c_only["S"])
        check_invariants(res, L, d_sites.size)
    np.testing.assert_allclose(S_d[0], S_d[1], rtol=0, atol=1e-10)
    assert np.all(S_d[0] >= -1e-10)
    assert S_d[0][-1].max() > 0.3


# --------------------------------------------------------------------------------------
# Conventions, conservation, stepping
# --------------------------------------------------------------------------------------


def test_initial_state_and_conservation_finite_U():
    L, U = 12, 8.0
    eps = random_eps(L, seed=12)
    d_sites = np.arange(2, L, 3)
    c_site = 6
    times = np.linspace(0.0, 20.0, 21)
    res = sector_evolution(eps, U, 1.0, 1.0, d_sites, c_site, times)
    check_shapes(res, times.size, L)
    n0 = np.zeros(L)
    n0[d_sites] = 1.0
    np.testing.assert_array_equal(res["n_d"][0], n0)
    np.testing.assert_array_equal(res["n_c"][0], np.eye(L)[c_site])
    np.testing.assert_allclose(res["C_dd"][0], 0.0, atol=1e-15)
    np.testing.assert_allclose(res["S"][0], 0.0, atol=1e-15)
    check_invariants(res, L, d_sites.size)
    assert res["S"][-1].max() > 0.3


def test_time_stepping_order_independent():
    """Any order of times, repeated times and times not starting at 0 give the same state."""
    L = 8
    eps = random_eps(L, seed=8)
    args = (eps, 2.5, 1.0, 1.0, np.array([0, 3, 6]), 4)
    ref = sector_evolution(*args, np.array([0.0, 0.7, 1.9, 3.0]))
    other = sector_evolution(*args, np.array([3.0, 0.7, 0.7, 1.9, 0.0]))
    pick = [3, 1, 1, 2, 0]
    for key in KEYS:
        np.testing.assert_allclose(other[key], ref[key][pick], rtol=0, atol=1e-10, err_msg=key)


def test_empty_times():
    res = free_evolution(np.zeros(5), 1.0, 1.0, [1], 2, [])
    check_shapes(res, 0, 5)
    res = sector_evolution(np.zeros(5), 1.0, 1.0, 1.0, [1], 2, [])
    check_shapes(res, 0, 5)


@pytest.mark.parametrize("func", [free_evolution, sector_evolution])
@pytest.mark.parametrize(
    ("d_sites", "c_site", "times"),
    [
        ([1, 1], 0, [0.0]),  # hard-core: no double occupation
        ([5], 0, [0.0]),  # outside the chain
        ([0.5], 0, [0.0]),  # not integers
        ([1], 5, [0.0]),
        ([1], 1.0, [0.0]),
        ([1], 0, [[0.0]]),
        ([1], 0, [np.nan]),
    ],
)
def test_invalid_input(func, d_sites, c_site, times):
    eps = np.zeros(5)
    args = (eps, 1.0, 1.0, d_sites, c_site, times)
    if func is sector_evolution:
        args = (eps, 1.0, *args[1:])
    with pytest.raises(ValueError):
        func(*args)


@pytest.mark.slow
def test_L15_sector_paper_filling():
    """L = 15, N_d = 5 (dimension 45,045), 25 times to t = 20: U = 0 vs free, U = 12 invariants."""
    L = 15
    eps = random_eps(L, seed=15)
    d_sites = np.arange(0, L, 3)
    times = np.linspace(0.0, 20.0, 25)
    exact0 = sector_evolution(eps, 0.0, 1.0, 1.0, d_sites, 7, times)
    free = free_evolution(eps, 1.0, 1.0, d_sites, 7, times)
    assert_results_close(exact0, free, atol=1e-10)
    res = sector_evolution(eps, 12.0, 1.0, 1.0, d_sites, 7, times)
    check_invariants(res, L, d_sites.size)


@pytest.mark.parametrize("t", [0.0, 0.01, 1.0, 7.3, -2.5])
def test_chebyshev_propagator_matches_dense_expm(t):
    """exp(-i H t) psi against scipy.linalg.expm for a random sparse symmetric H."""
    import scipy.linalg

    rng = np.random.default_rng(3)
    n = 200
    A = sp.random_array((n, n), density=0.05, rng=rng) * 4 - sp.eye_array(n) * 3
    H = sp.csr_array((A + A.T) / 2 + sp.diags_array(rng.uniform(-8, 8, n)))
    psi = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    psi /= np.linalg.norm(psi)
    prop = ChebyshevPropagator(H)
    w = np.linalg.eigvalsh(H.toarray())
    # Gershgorin bounds contain the spectrum
    assert prop.center - prop.half_width <= w[0] and w[-1] <= prop.center + prop.half_width
    before = psi.copy()
    got = prop(psi, t)
    assert np.array_equal(psi, before)  # the input is not modified
    want = scipy.linalg.expm(-1j * t * H.toarray()) @ psi
    assert np.abs(got - want).max() < 1e-12
    assert abs(np.linalg.norm(got) - 1) < 1e-12


def test_chebyshev_propagator_rejects_complex_h():
    with pytest.raises(ValueError, match="real symmetric"):
        ChebyshevPropagator(sp.csr_array(np.array([[0, 1j], [-1j, 0]])))
