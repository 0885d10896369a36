"""Chebyshev propagator: ``psi -> exp(-i H t) psi`` for a real symmetric sparse H.

The time stepper of :func:`mblbath.exact.sector_evolution`, which re-exports it as
``mblbath.exact.ChebyshevPropagator``: a Jacobi-Anger expansion of the exponential in
Chebyshev polynomials of the Hamiltonian rescaled into [-1, 1] by Gershgorin bounds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import jv

__all__ = ["ChebyshevPropagator"]


class ChebyshevPropagator:
    """``psi -> exp(-i H t) psi`` for a real symmetric sparse H, by a Chebyshev expansion.

    With the spectrum of H inside ``[c - r, c + r]`` and ``H~ = (H - c) / r``::

        exp(-i H t) = exp(-i c t) [J_0(r t) + 2 sum_{k>=1} (-i)^k J_k(r t) T_k(H~)]

    (Jacobi-Anger; ``J_k`` Bessel functions, ``T_k`` Chebyshev polynomials, computed by the
    recursion ``v_{k+1} = 2 H~ v_k - v_{k-1}``: one sparse product per term). ``c`` and
    ``r`` come from Gershgorin's theorem, a rigorous bound, widened by 1e-8 relative, so
    no eigenvalue can leave ``[-1, 1]`` (where ``T_k`` would grow exponentially). The sum
    is cut after the last ``k`` with ``|J_k(r t)| > tol``; since ``|T_k(H~)| <= 1`` the
    neglected terms are below ``~tol`` in norm. Cost: about ``r t + O((r t)^(1/3))``
    products, with no norm estimates per call (which is where
    :func:`scipy.sparse.linalg.expm_multiply` spends ~40 % of its time on this problem).

    Parameters
    ----------
    H : sparse array
        Real symmetric Hamiltonian.
    tol : float
        Truncation threshold of the Bessel coefficients (relative to ``|psi|``).
    """

    def __init__(self, H: sp.sparray, tol: float = 1e-15) -> None:
        H = sp.csr_array(H)
        if np.iscomplexobj(H.data):
            raise ValueError("ChebyshevPropagator needs a real symmetric H")
        diag = H.diagonal()
        radius = np.asarray(abs(H).sum(axis=1)).ravel() - np.abs(diag)
        lo, hi = float((diag - radius).min()), float((diag + radius).max())
        self.center = 0.5 * (hi + lo)
        self.half_width = max(0.5 * (hi - lo) * (1 + 1e-8), 1e-300)
        n = H.shape[0]
        scaled = (H - self.center * sp.eye_array(n, format="csr")) / self.half_width
        # complex data: a complex CSR times a complex vector is ~2x faster in scipy than
        # a real CSR times a complex vector (which converts on every product).
        self._Hs = sp.csr_array(scaled, dtype=np.complex128)
        self.tol = float(tol)
        self.n_products = 0  # sparse products so far (for benchmarks)

    def coefficients(self, t: float) -> np.ndarray:
        """``J_k(r t)`` for k = 0 .. K, K the last order with ``|J_k| > tol``."""
        x = abs(self.half_width * t)
        k_max = int(x + 30 + 10 * x ** (1 / 3))
        J = jv(np.arange(k_max + 1), x)
        big = np.flatnonzero(np.abs(J) > self.tol)
        return J[: (int(big[-1]) + 2 if big.size else 1)]

    def __call__(self, psi: np.ndarray, t: float) -> np.ndarray:
        """``exp(-i H t) psi`` (complex128; ``psi`` is not modified)."""
        psi = np.asarray(psi, dtype=np.complex128)
        if t == 0:
            return psi.copy()
        J = self.coefficients(t)
        sign = -1j if t > 0 else 1j  # (-i)^k for t > 0; J_k(-x) = (-1)^k J_k(x)
        out = J[0] * psi
        v_prev, v = psi.copy(), self._Hs @ psi
        phase = sign
        tmp = np.empty_like(psi)
        for k in range(1, J.size):
            np.multiply(v, 2 * J[k] * phase, out=tmp)
            out += tmp
            if k + 1 < J.size:
                # v_{k+1} = 2 H~ v_k - v_{k-1}, written over v_{k-1}
                w = self._Hs @ v
                w *= 2
                w -= v_prev
                v_prev, v = v, w
            phase *= sign
        self.n_products += J.size - 1
        return np.exp(-1j * self.center * t) * out
