"""Exact dynamics of Eq. (1) at any time by full diagonalisation of the (N_d, N_c = 1) sector.

The sector Hamiltonian of :func:`mblbath.exact.sector_hamiltonian` (real symmetric,
dimension ``L * C(L, N_d)``: 5,940 at L = 12) is diagonalised once as a dense matrix,
``H = V diag(E) V^T`` (:func:`scipy.linalg.eigh`). Then, with ``c = V^T ψ(0)``,

    ψ(t) = V exp(-i E t) c

at any time for two real matrix products, so a logarithmic grid to t = 1e4 costs no more
than one to t = 1. The observables are those of :func:`mblbath.exact.sector_evolution`, in
the same basis and with the same conventions (densities and ``C_dd`` from ``|ψ|²``, the
entropy of sites ``0 .. b-1`` from the Schmidt values of the blocks of fixed left charges).

Diagonal ensemble (the infinite-time average, which only this method gives): for an
observable diagonal in the Fock basis (the densities),

    <n>_∞ = Σ_k n(k) p_∞(k),   p_∞(k) = Σ_g |Σ_{α∈g} V_kα c_α|²,

where ``g`` runs over groups of degenerate eigenvalues (``|E_α - E_β| <= deg_tol``); for a
non-degenerate spectrum ``p_∞(k) = Σ_α V_kα² |c_α|²``. ``n_c_inf`` and ``n_d_inf`` are the
site densities of ``p_∞``.

Cost: one ``eigh`` of the dense matrix (memory ``~3 D²`` doubles: about 1 GB at L = 12);
L = 15 (D = 45,045) is beyond it, use :func:`mblbath.exact.sector_evolution` there.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from .exact import (
    _check_inputs,
    _entropies,
    _occupations,
    _output,
    _schmidt_blocks,
    _store,
    sector_basis,
    sector_dimension,
    sector_hamiltonian,
)

__all__ = ["MAX_DIMENSION", "SectorEigensystem", "eigh_evolution"]

#: Largest sector dimension diagonalised densely (L = 12 is 5,940; L = 15 would be 45,045).
MAX_DIMENSION = 20_000


class SectorEigensystem:
    """Eigenvalues and eigenvectors of Eq. (1) in the (N_d, N_c = 1) sector.

    Parameters
    ----------
    eps : array_like, shape (L,)
        On-site energies of the d-bosons.
    U, td, tc : float
        Interaction and hopping amplitudes (plus sign, as in Eq. 1).
    N_d : int
        Number of d-bosons.
    deg_tol : float
        Eigenvalues closer than this are treated as degenerate by
        :meth:`diagonal_ensemble` (absolute, in units of the hopping).

    Attributes
    ----------
    E : ndarray, shape (D,)
        Eigenvalues in ascending order.
    V : ndarray, shape (D, D)
        Orthonormal eigenvectors (columns), basis of :func:`mblbath.exact.sector_basis`.
    confs : ndarray of int64
        The d configurations of the basis.
    """

    def __init__(
        self, eps: ArrayLike, U: float, td: float, tc: float, N_d: int, deg_tol: float = 1e-9
    ) -> None:
        eps = np.asarray(eps, dtype=np.float64)
        self.L = int(eps.size)
        D = sector_dimension(self.L, N_d)
        if D > MAX_DIMENSION:
            raise ValueError(
                f"sector dimension {D} > {MAX_DIMENSION}: too large to diagonalise densely; "
                "use mblbath.exact.sector_evolution"
            )
        H = sector_hamiltonian(eps, U, td, tc, N_d).toarray()
        self.E, self.V = scipy.linalg.eigh(H, overwrite_a=True, check_finite=False)
        self.confs = sector_basis(self.L, N_d)
        self.deg_tol = float(deg_tol)

    def coefficients(self, psi0: np.ndarray) -> np.ndarray:
        """``c = V^T ψ(0)`` (complex)."""
        psi0 = np.asarray(psi0, dtype=np.complex128)
        return self.V.T @ psi0.real + 1j * (self.V.T @ psi0.imag)

    def evolve(self, c: np.ndarray, times: ArrayLike) -> np.ndarray:
        """States ``ψ(t) = V exp(-i E t) c`` at every time, shape (T, D), complex."""
        times = np.asarray(times, dtype=np.float64)
        phased = np.exp(-1j * np.outer(self.E, times)) * c[:, None]  # (D, T)
        psi = self.V @ phased.real + 1j * (self.V @ phased.imag)
        return np.ascontiguousarray(psi.T)

    def diagonal_ensemble(self, c: np.ndarray) -> np.ndarray:
        """Infinite-time probabilities ``p_∞(k)`` of the basis states (module docstring)."""
        starts = np.flatnonzero(np.r_[True, np.diff(self.E) > self.deg_tol])
        sizes = np.diff(np.r_[starts, self.E.size])
        single = np.zeros(self.E.size, dtype=bool)
        single[starts[sizes == 1]] = True
        p = (self.V[:, single] ** 2) @ (np.abs(c[single]) ** 2)
        for lo, n in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            proj = self.V[:, lo : lo + n] @ c[lo : lo + n]
            p += np.abs(proj) ** 2
        return p


def eigh_evolution(
    eps: ArrayLike,
    U: float,
    td: float,
    tc: float,
    d_sites: ArrayLike,
    c_site: int,
    times: ArrayLike,
) -> dict[str, np.ndarray]:
    """Exact evolution of Eq. (1) by full diagonalisation (any times, at no extra cost).

    Arguments and the returned observables are those of
    :func:`mblbath.exact.sector_evolution` (``n_d``, ``n_c``, ``C_dd``, ``S``, ``N_d``,
    ``N_c``), plus the diagonal-ensemble densities ``n_c_inf`` and ``n_d_inf`` (shape (L,);
    module docstring). Limited to sector dimensions up to :data:`MAX_DIMENSION`.
    """
    eps, L, d, c_site, times = _check_inputs(eps, d_sites, c_site, times)
    system = SectorEigensystem(eps, U, td, tc, d.size)
    confs = system.confs
    Dd = confs.size
    occ = _occupations(confs, L).astype(np.float64)
    maps = _schmidt_blocks(confs, L)

    psi0 = np.zeros(Dd * L, dtype=np.complex128)
    conf0 = (np.int64(1) << d).sum(dtype=np.int64)
    psi0[int(np.searchsorted(confs, conf0)) * L + c_site] = 1.0
    c = system.coefficients(psi0)

    out = _output(times.size, L)
    for n, psi in enumerate(system.evolve(c, times)):
        P = (np.abs(psi) ** 2).reshape(Dd, L)
        P_d = P.sum(axis=1)
        nd = occ.T @ P_d
        C = (occ * P_d[:, None]).T @ occ - np.outer(nd, nd)
        _store(out, n, nd, P.sum(axis=0), C, _entropies(psi, maps))
    p_inf = system.diagonal_ensemble(c).reshape(Dd, L)
    out["n_c_inf"] = p_inf.sum(axis=0)
    out["n_d_inf"] = occ.T @ p_inf.sum(axis=1)
    return out
