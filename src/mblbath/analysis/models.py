r"""Model functions of arXiv:2109.07332 and the lattice conventions of the fits.

Eq. (3), c-boson profile (x measured from the c-boson's initial site ``c_site``)::

    n_c(x, t) = N_c(t) exp( -|x| / (ell_c(t) tanh(R(t) / |x|)) ),     n_c(0, t) = N_c(t)

exponential exp(-|x|/ell_c) for |x| << R, Gaussian exp(-x^2/(ell_c R)) for |x| >> R. R = inf
is the pure exponential.

Eq. (4), saturation of a decay length::

    ell(t) = xi log(1 + t/T0) / (1 + log(1 + t/T0))

Eq. (5), entanglement of the left block ending at bond b::

    S(b, t) = S_AI + xi_S log(1 + U_eff(x_b, t) t),   U_eff(x, t) = U n_c(x, t) from Eq. (3)

Coarse graining (:func:`coarse_grain`): ñ(i) = (1/3) sum_{j=i}^{i+2} n(j) (sliding window,
stride 1), assigned to the **centre** of its window, x_cg = x(i) + 1, so a profile
symmetric about x = 0 stays symmetric. Pairs for ℓ_d (:func:`ld_pair`): even x is the
symmetric pair (i - x/2, i + x/2), odd x is (i - (x-1)/2, i + (x+1)/2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["coarse_grain", "coarse_grain_x", "eq3", "eq4", "eq5", "ld_pair"]


def coarse_grain(n: np.ndarray, width: int = 3) -> np.ndarray:
    """Coarse-grain along the last axis: ñ(i) = (1/width) Σ_{j=i}^{i+width-1} n(j).

    Parameters
    ----------
    n : array, shape (..., L)
        Site-resolved density.
    width : int
        Window (3 = the unit cell of the ν_d = 1/3 density wave).

    Returns
    -------
    ndarray, shape (..., L - width + 1)
        ñ(i) for i = 0 .. L - width. Entry i belongs to the **window centre**
        x(i) + (width - 1)/2 (for width 3: x(i) + 1); see :func:`coarse_grain_x`.
        NaNs propagate.
    """
    n = np.asarray(n, dtype=float)
    if width < 1 or n.shape[-1] < width:
        raise ValueError(f"need 1 <= width <= L, got width={width}, L={n.shape[-1]}")
    return np.lib.stride_tricks.sliding_window_view(n, width, axis=-1).mean(axis=-1)


def coarse_grain_x(x: np.ndarray, width: int = 3) -> np.ndarray:
    """Coordinates of :func:`coarse_grain` output: the window centres x(i) + (width-1)/2."""
    x = np.asarray(x, dtype=float)
    return x[: x.size - width + 1] + (width - 1) / 2


def _log_eq3_shape(x, ell, R):
    """ln of Eq. (3) without N: -|x| / (ell tanh(R/|x|)); 0 at x = 0; R may be inf."""
    ax = np.abs(np.asarray(x, dtype=float))
    shape = np.broadcast_shapes(np.shape(ax), np.shape(R), np.shape(ell))
    ratio = np.divide(
        np.broadcast_to(R, shape),
        np.broadcast_to(ax, shape),
        out=np.full(shape, np.inf),
        where=np.broadcast_to(ax, shape) > 0,
    )
    return -ax / (ell * np.tanh(ratio))


def eq3(x: np.ndarray, ell: float, R: float, N: float = 1.0) -> np.ndarray:
    """Eq. (3): N exp(-|x| / (ell tanh(R/|x|))), equal to N at x = 0 (R = inf allowed).

    Parameters
    ----------
    x : array
        Distance from the c-boson's initial site (any real values).
    ell, R : float or array
        Decay length ℓ_c and crossover scale R (> 0), broadcast against x.
    N : float or array
        Amplitude N_c(t) (the value at x = 0).
    """
    return N * np.exp(_log_eq3_shape(x, ell, R))


def eq4(t: np.ndarray, xi: float, T0: float) -> np.ndarray:
    """Eq. (4): ξ log(1 + t/T0) / (1 + log(1 + t/T0))."""
    lg = np.log1p(np.asarray(t, dtype=float) / T0)
    return xi * lg / (1.0 + lg)


def eq5(t: np.ndarray, U_eff: np.ndarray, S_AI: float | np.ndarray, xi_S: float) -> np.ndarray:
    """Eq. (5): S_AI + ξ_S log(1 + U_eff t), with U_eff(x, t) = U n_c(x, t) from Eq. (3)."""
    return S_AI + xi_S * np.log1p(np.asarray(U_eff) * np.asarray(t))


def ld_pair(i: int, x: int) -> tuple[int, int]:
    """Sites (j, k) of the pair at centre i and distance x used for ℓ_d.

    Even x: (i - x/2, i + x/2). Odd x: (i - (x-1)/2, i + (x+1)/2), i.e. centre i + 1/2.
    """
    return i - x // 2, i + (x + 1) // 2
