"""Observables of one MPS: densities, connected d-d correlations, bond entropies, chi.

All functions take a TeNPy MPS on :func:`mblbath.model.two_species_site` sites and return
plain numpy arrays, 0-indexed by site; bond ``b`` (1..L-1) separates sites ``b-1`` and
``b``. Entropies use the natural logarithm.

Cost: ``C_dd`` is one call of TeNPy's ``correlation_function``, which sweeps each row once
with reused environments (O(L^2) transfer-matrix steps of cost O(chi^3 d)); the entropies
come from the Schmidt values stored in the canonical MPS (O(L chi)).
"""

from __future__ import annotations

import numpy as np
from tenpy.networks.mps import MPS

__all__ = ["densities", "connected_dd", "bond_entropies", "measure"]


def densities(psi: MPS) -> tuple[np.ndarray, np.ndarray]:
    """``(n_d, n_c)``: <n_{d,i}> and <n_{c,i}> for every site."""
    return (
        np.real(psi.expectation_value("Nd")),
        np.real(psi.expectation_value("Nc")),
    )


def connected_dd(psi: MPS, n_d: np.ndarray | None = None) -> np.ndarray:
    """C(i, j) = <n_{d,i} n_{d,j}> - <n_{d,i}><n_{d,j}>, the full symmetric L x L matrix."""
    if n_d is None:
        n_d = np.real(psi.expectation_value("Nd"))
    # hermitian=True: TeNPy computes i <= j only and mirrors (half the cost, same numbers).
    nn = np.real(psi.correlation_function("Nd", "Nd", hermitian=True))
    c = nn - np.outer(n_d, n_d)
    return 0.5 * (c + c.T)


def bond_entropies(psi: MPS) -> np.ndarray:
    """Von Neumann entropy of sites 0..b-1 for every bond b = 1..L-1 (natural log)."""
    return np.asarray(psi.entanglement_entropy(), dtype=float)


def measure(psi: MPS, with_cdd: bool = True) -> dict[str, np.ndarray]:
    """Every per-time observable of a run (keys as in the run file's variables).

    ``with_cdd = False`` skips the correlation matrix (``numerics.cdd_every``): ``C_dd`` is
    then all NaN, marking a time at which it was not measured.
    """
    n_d, n_c = densities(psi)
    L = psi.L
    return {
        "n_d": n_d,
        "n_c": n_c,
        "C_dd": connected_dd(psi, n_d) if with_cdd else np.full((L, L), np.nan),
        "S": bond_entropies(psi),
        "chi": np.asarray(psi.chi, dtype=np.int64)[-(psi.L - 1) :],
    }
