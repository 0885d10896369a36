"""Tests of mblbath.anderson against exact or analytic single-particle results."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from mblbath.anderson import (
    _riccati,
    anderson_eigen,
    anderson_hamiltonian,
    band_gamma,
    diagonal_ensemble_density,
    eigenstate_xi,
    lyapunov_gamma,
    lyapunov_xi,
)


def test_hamiltonian_and_eigen():
    rng = np.random.default_rng(0)
    eps = rng.uniform(-2, 2, 9)
    h = anderson_hamiltonian(eps, t=0.7)
    assert h.shape == (9, 9) and np.allclose(h, h.T)
    assert h[0, 1] == 0.7 and h[3, 2] == 0.7 and h[0, 2] == 0.0  # +t, OBC, nearest neighbour
    np.testing.assert_allclose(np.diag(h), eps)
    e, phi = anderson_eigen(eps, 0.7)
    np.testing.assert_allclose(e, np.linalg.eigvalsh(h), atol=1e-12)
    np.testing.assert_allclose(h @ phi, phi * e[None, :], atol=1e-12)
    np.testing.assert_allclose(phi.T @ phi, np.eye(9), atol=1e-12)


def test_diagonal_ensemble_is_the_infinite_time_average():
    """Compare with the long-time average of exact free-fermion densities (L = 12)."""
    rng = np.random.default_rng(1)
    L = 12
    eps = rng.uniform(-3, 3, L)
    occ = np.arange(L) % 3 == 1
    nd = diagonal_ensemble_density(eps, 1.0, occ)
    assert nd.sum() == pytest.approx(occ.sum())
    e, phi = anderson_eigen(eps, 1.0)
    times = rng.uniform(0, 1e5, 4000)
    # n_i(t) = sum_{j occ} |<i| e^{-iHt} |j>|^2
    acc = np.zeros(L)
    for t in times:
        u = (phi * np.exp(-1j * e * t)[None, :]) @ phi.T
        acc += (np.abs(u[:, occ]) ** 2).sum(axis=1)
    np.testing.assert_allclose(nd, acc / times.size, atol=0.01)
    # index list and mask give the same; batch of realisations works
    np.testing.assert_allclose(diagonal_ensemble_density(eps, 1.0, np.nonzero(occ)[0]), nd)
    both = diagonal_ensemble_density(np.stack([eps, eps[::-1]]), 1.0, occ)
    np.testing.assert_allclose(both[0], nd)


def test_sturm_count_and_clean_chain_lyapunov():
    rng = np.random.default_rng(2)
    eps = rng.uniform(-3, 3, 80)
    w = np.linalg.eigvalsh(anderson_hamiltonian(eps))
    energies = np.array([[-4.0, -1.0, 0.0, 0.3, 2.5]])
    _, count = _riccati(eps[None, :], 1.0, energies)
    assert list(count[0]) == [int((w < x).sum()) for x in energies[0]]
    # clean chain outside the band: gamma = arccosh(|E| / 2t) exactly
    E = np.array([2.5, 3.0, -4.0])
    g = lyapunov_gamma(np.zeros((1, 4000)), 1.0, E)
    np.testing.assert_allclose(g, np.arccosh(np.abs(E) / 2), rtol=1e-3)
    # inside the band: extended, gamma ~ 0
    assert abs(lyapunov_gamma(np.zeros((1, 4000)), 1.0, 0.5)) < 2e-3


def test_weak_disorder_perturbation_theory():
    """gamma(E) = <eps^2> / (8 t^2 sin^2 k), E = 2t cos k; box [-W, W]: <eps^2> = W^2/3."""
    rng = np.random.default_rng(3)
    W, E = 0.5, 1.0
    v = rng.uniform(-W, W, (8, 20000))
    pred = (W**2 / 3) / (2 * (4 - E**2))
    assert lyapunov_gamma(v, 1.0, E) == pytest.approx(pred, rel=0.1)
    assert lyapunov_xi(v, 1.0, E) == pytest.approx(1 / pred, rel=0.1)


def test_xi_d_at_W65_transfer_matrix_vs_eigenstates():
    """Acceptance: xi_d(W = 6.5) from the Lyapunov exponent agrees with the exponential
    decay of exact eigenstates of a long chain within 10 %."""
    rng = np.random.default_rng(4)
    W = 6.5
    eps = rng.uniform(-W, W, 3000)
    tm_e0 = lyapunov_xi(eps, 1.0, 0.0)
    tm_band = lyapunov_xi(eps, 1.0, "band")  # DOS average of xi(E): the criterion's xi_d
    tm_band_g = 1.0 / lyapunov_gamma(eps, 1.0, "band")  # 1 / DOS average of gamma(E)
    eig_e0, err_e0, n_e0 = eigenstate_xi(eps, 1.0, (-0.5, 0.5))
    eig_band, err_band, n_band = eigenstate_xi(eps, 1.0, None, average="xi")
    eig_band_g, err_band_g, _ = eigenstate_xi(eps, 1.0, None, average="gamma")
    print(
        f"xi_d(6.5) E=0: TM {tm_e0:.4f}, eigenstates {eig_e0:.4f} +- {err_e0:.4f} "
        f"({n_e0} states); band <xi>: TM {tm_band:.4f}, eigenstates {eig_band:.4f} +- "
        f"{err_band:.4f} ({n_band} states); band 1/<gamma>: TM {tm_band_g:.4f}, "
        f"eigenstates {eig_band_g:.4f} +- {err_band_g:.4f}"
    )
    assert eig_e0 == pytest.approx(tm_e0, rel=0.10)
    assert eig_band == pytest.approx(tm_band, rel=0.10)
    assert eig_band_g == pytest.approx(tm_band_g, rel=0.10)
    # a much longer transfer-matrix chain agrees with the 3000-site one
    long = lyapunov_xi(rng.uniform(-W, W, (10, 20000)), 1.0, 0.0)
    assert long == pytest.approx(tm_e0, rel=0.05)


def test_band_gamma_is_dos_weighted_average():
    """band_gamma equals the average of gamma(E) over the spectrum, evaluated directly at
    the midpoints between consecutive eigenvalues (at an eigenvalue itself the finite
    chain's last pivot vanishes, so the midpoints are used)."""
    rng = np.random.default_rng(5)
    eps = rng.uniform(-4, 4, 400)
    w = scipy.linalg.eigvalsh_tridiagonal(eps, np.ones(399))
    direct = np.mean(lyapunov_gamma(eps[None, :], 1.0, 0.5 * (w[1:] + w[:-1])))
    assert band_gamma(eps, 1.0, 256) == pytest.approx(direct, rel=0.02)
    # batch axes
    v = np.stack([eps, eps[::-1]])[None]
    assert band_gamma(v, 1.0, 64).shape == (1, 2)


def test_riccati_block_products_and_warm_up():
    """The fast recursion (one log per block of pivots) equals the site-by-site clamped
    one; a warm-up of k sites counts only the last L - k sites, entered with the ratio the
    first k leave; an exactly zero pivot falls back to the clamped recursion."""
    from mblbath.anderson import _riccati_clamped

    rng = np.random.default_rng(6)
    v = rng.uniform(-2, 2, (3, 1001))
    e = np.linspace(-3, 3, 7)[None, :]
    fast, n_fast = _riccati(v, 1.3, e, 5)
    slow, n_slow = _riccati_clamped(v, 1.3, e, 5)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(n_fast, n_slow)
    # warm-up: the sums over sites k..L-1 of the full run
    k = 300
    warm, n_warm = _riccati(v, 1.3, e, 1, skip=k)
    both, n_both = _riccati(v, 1.3, e, 2 * 0 + 1)
    d = v[..., 0:1] - e
    head = np.log(np.abs(d)) - np.log(1.3)
    for i in range(1, k):
        d = (v[..., i : i + 1] - e) - 1.3**2 / d
        head = head + np.log(np.abs(d)) - np.log(1.3)
    np.testing.assert_allclose(warm, both - head, rtol=1e-10, atol=1e-8)
    # exactly zero pivot at site 0 (E = V_0): finite sums from the clamped recursion
    z, _ = _riccati(np.zeros((1, 6)), 1.0, np.array([[0.0]]))
    assert np.isfinite(z).all()
