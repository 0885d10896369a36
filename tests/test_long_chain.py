"""Tests of mblbath.long_chain: band-averaged xi of long chains cut into pieces."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.anderson import band_xi, lyapunov_gamma
from mblbath.long_chain import band_xi_pieces, jackknife_error


def test_pieces_with_warm_up_are_the_long_chain():
    """Pieces run side by side, each entered after a warm-up on the sites before it, give
    the band average of the one sequential chain (they differ only by the O(1) start-up
    term of the sequential run, ~xi/N)."""
    rng = np.random.default_rng(0)
    v = rng.uniform(-6.5, 6.5, (2, 24000))  # xi ~ 1
    seq, _ = band_xi(v, 1.0, 64)
    pieces, jk = band_xi_pieces(v, 1.0, 64, n_pieces=24, warmup=100, n_groups=8)
    np.testing.assert_allclose(pieces, seq, rtol=2e-4)
    assert jk.shape == (8, 2) and np.all(np.abs(jk / pieces - 1) < 0.02)
    # at one energy: the Lyapunov exponent of the whole chain
    xi_e, _ = band_xi_pieces(v, 1.0, n_pieces=24, warmup=100, n_groups=8, energy=0.3)
    np.testing.assert_allclose(
        1 / xi_e, lyapunov_gamma(v, 1.0, 0.3, return_per_chain=True)[1], rtol=2e-4
    )


def test_weak_disorder_band_average():
    """Uncorrelated box [-w, w]: xi(E) = 6 (4 - E^2) / w^2 (Thouless), whose average over the
    clean DOS is 12 / w^2; a long chain (xi ~ 50) reproduces it within 3 %."""
    w = 0.5
    v = np.random.default_rng(1).uniform(-w, w, 200000)
    xi, jk = band_xi_pieces(v, 1.0, 256, n_pieces=20, warmup=1000, n_groups=20)
    err = jackknife_error(jk)
    print(f"<xi> = {xi[0]:.2f} +- {err[0]:.2f}, Thouless {12 / w**2:.2f}")
    assert xi[0] == pytest.approx(12 / w**2, rel=0.03)
    assert 0 < err[0] < 0.02 * xi[0]


def test_jackknife_error_of_means_is_the_standard_error():
    x = np.random.default_rng(2).normal(size=17)
    loo = (x.sum() - x) / (x.size - 1)
    assert jackknife_error(loo) == pytest.approx(x.std(ddof=1) / np.sqrt(x.size), rel=1e-12)
    assert np.isnan(jackknife_error(np.ones(1)))


def test_pieces_must_fill_the_groups():
    with pytest.raises(ValueError, match="multiple"):
        band_xi_pieces(np.zeros(100), n_pieces=10, n_groups=3)
