"""Exact references for the d/c hard-core-boson chain (Eq. 1 of arXiv:2109.07332).

Model (0-indexed sites ``i = 0 .. L-1``, open boundaries)::

    H = td Σ_{i=0}^{L-2} (d†_i d_{i+1} + h.c.) + Σ_i eps_i n_{d,i}
      + tc Σ_{i=0}^{L-2} (c†_i c_{i+1} + h.c.) + U Σ_i n_{c,i} n_{d,i}

with two species of hard-core bosons, d ("disordered") and c ("clean"): at most one d and
one c per site, d and c operators commute (no Jordan-Wigner strings between them). The
hopping enters with a PLUS sign, exactly as written above. N_d and N_c are conserved; the
package always uses N_c = 1.

The initial state is the product Fock state with d-bosons on the sites ``d_sites`` and the
single c-boson on ``c_site``. Time evolution is ``|ψ(t)> = exp(-i H t) |ψ(0)>`` (ħ = 1).

Two independent exact methods are provided:

:func:`free_evolution`
    The U = 0 reference at any L. After a Jordan-Wigner map the d-bosons are free fermions
    with hopping matrix ``h_d = td (δ_{i,j+1} + δ_{i+1,j}) + eps_i δ_ij`` (nearest-neighbour
    hopping on an open chain carries no string sign). Densities, connected density
    correlations and left-block entanglement of the hard-core bosons equal those of the
    fermions, and follow from ``G_ij(t) = <c†_i(t) c_j(t)>`` (Wick's theorem; Peschel's
    formula for the entropy). The c-boson is one free particle; at U = 0 the state is a
    product of the d part and the c part, so ``S = S_d + S_c``.
:func:`sector_evolution`
    Exact evolution for any U in the fixed (N_d = ``len(d_sites)``, N_c = 1) sector of
    dimension ``L * C(L, N_d)``, with a sparse Hamiltonian and a Chebyshev expansion of
    ``exp(-i H t)`` (:class:`~mblbath.chebyshev.ChebyshevPropagator`); entanglement from
    the Schmidt decomposition in blocks of fixed left charges (N_d,left, N_c,left).

Output conventions (shared with the rest of :mod:`mblbath`); ``T = len(times)``:

- ``"n_d"[t, i] = <n_{d,i}>`` and ``"n_c"[t, i] = <n_{c,i}>``, shape (T, L).
- ``"C_dd"[t, i, j] = <n_{d,i} n_{d,j}> - <n_{d,i}><n_{d,j}>``, full (T, L, L), the diagonal
  included (equal to ``n(1 - n)`` for hard-core bosons).
- ``"S"[t, b-1]`` for bonds ``b = 1 .. L-1``: von Neumann entropy (natural logarithm) of the
  reduced density matrix of sites ``0 .. b-1`` of the full state (both species), shape
  (T, L-1).
- ``"N_d"[t]``, ``"N_c"[t]``: total particle numbers, shape (T,). Because N_c = 1,
  ``N_c(t) = <ψ(t)|ψ(t)>`` also monitors the norm in :func:`sector_evolution`.

All arrays are float64 numpy arrays.

Sector basis convention (:func:`sector_basis`, :func:`sector_hamiltonian`): a d configuration
is an integer whose bit ``i`` is ``n_{d,i}``; the configurations with N_d bits set are sorted
ascending, and the sector basis state with d configuration number ``k`` and the c-boson on
site ``j`` has index ``k * L + j``.
"""

from __future__ import annotations

from itertools import chain, combinations
from math import comb

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.special import xlogy

from .chebyshev import ChebyshevPropagator

__all__ = [
    "binary_entropy",
    "free_evolution",
    "sector_dimension",
    "sector_basis",
    "sector_hamiltonian",
    "sector_evolution",
    "ChebyshevPropagator",
]

# d configurations are stored as int64 bit masks.
_MAX_L_SECTOR = 62
# free_evolution works on chunks of times holding at most this many complex numbers.
_FREE_CHUNK_ELEMENTS = 2**21


# --------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------


def _check_eps(eps: ArrayLike) -> np.ndarray:
    eps = np.asarray(eps, dtype=np.float64)
    if eps.ndim != 1 or eps.size < 2:
        raise ValueError(f"eps must be a 1-D array of length L >= 2, got shape {eps.shape}")
    if not np.all(np.isfinite(eps)):
        raise ValueError("eps must be finite")
    return eps


def _check_inputs(
    eps: ArrayLike, d_sites: ArrayLike, c_site: int, times: ArrayLike
) -> tuple[np.ndarray, int, np.ndarray, int, np.ndarray]:
    """Validate and normalise the common arguments; returns (eps, L, d_sites, c_site, times)."""
    eps = _check_eps(eps)
    L = eps.size
    d = np.asarray(d_sites)
    if d.ndim != 1:
        raise ValueError(f"d_sites must be a 1-D array of site indices, got shape {d.shape}")
    if d.size == 0:
        d = np.zeros(0, dtype=np.int64)
    elif not np.issubdtype(d.dtype, np.integer):
        raise ValueError(f"d_sites must be integers, got dtype {d.dtype}")
    d = np.sort(d.astype(np.int64))
    if d.size and (d[0] < 0 or d[-1] >= L):
        raise ValueError(f"d_sites must lie in [0, {L - 1}], got {d.tolist()}")
    if np.any(np.diff(d) == 0):
        raise ValueError(f"d_sites must be distinct (hard-core bosons), got {d.tolist()}")
    if isinstance(c_site, bool) or not isinstance(c_site, int | np.integer):
        raise ValueError(f"c_site must be an integer, got {c_site!r}")
    c_site = int(c_site)
    if not 0 <= c_site < L:
        raise ValueError(f"c_site must lie in [0, {L - 1}], got {c_site}")
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1:
        raise ValueError(f"times must be a 1-D array, got shape {times.shape}")
    if not np.all(np.isfinite(times)):
        raise ValueError("times must be finite")
    return eps, L, d, c_site, times


def _chain_hopping(L: int, t_hop: float) -> np.ndarray:
    """L×L single-particle hopping matrix ``t_hop (δ_{i,j+1} + δ_{i+1,j})`` (open chain)."""
    off = np.full(L - 1, float(t_hop))
    return np.diag(off, 1) + np.diag(off, -1)


def binary_entropy(p: ArrayLike) -> np.ndarray:
    """``-p ln p - (1-p) ln(1-p)`` elementwise (p clipped to [0, 1], 0 ln 0 = 0)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return -(xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))


def _output(T: int, L: int) -> dict[str, np.ndarray]:
    return {
        "n_d": np.zeros((T, L)),
        "n_c": np.zeros((T, L)),
        "C_dd": np.zeros((T, L, L)),
        "S": np.zeros((T, L - 1)),
        "N_d": np.zeros(T),
        "N_c": np.zeros(T),
    }


# --------------------------------------------------------------------------------------
# U = 0: free fermions (d) and a free particle (c)
# --------------------------------------------------------------------------------------


def free_evolution(
    eps: ArrayLike,
    td: float,
    tc: float,
    d_sites: ArrayLike,
    c_site: int,
    times: ArrayLike,
    *,
    with_S_d: bool = False,
) -> dict[str, np.ndarray]:
    """Exact U = 0 evolution at any L from single-particle propagators.

    The d-bosons are mapped to free fermions (Jordan-Wigner) with the hopping matrix
    ``h_d = td (δ_{i,j+1} + δ_{i+1,j}) + diag(eps)``; with ``V(t) = exp(-i h_d t)`` and the
    occupied initial orbitals ``k ∈ d_sites``,
    ``G_ij(t) = <c†_i(t) c_j(t)> = Σ_k conj(V_ik) V_jk``. Then

    - ``n_d[t, i] = G_ii``,
    - ``C_dd[t, i, j] = δ_ij G_ii - |G_ij|²`` (Wick),
    - ``S_d(b) = Σ_ν [-ν ln ν - (1-ν) ln(1-ν)]`` over the eigenvalues ν of ``G[:b, :b]``.

    The c-boson has wavefunction ``ψ(t) = exp(-i h_c t) e_{c_site}`` with
    ``h_c = tc (δ_{i,j+1} + δ_{i+1,j})``; ``n_c = |ψ|²`` and its left-block entropy is the
    binary entropy of ``p_b = Σ_{i<b} |ψ_i|²``. The U = 0 state is a product of the d and
    c parts, so ``S = S_d + S_c``. Both hopping matrices are diagonalised once
    (:func:`scipy.linalg.eigh`) and reused for all times. ``S_d`` is evaluated from the
    equivalent M×M overlap matrices of the occupied (or empty) orbitals restricted to the
    left block, ``M = min(N_d, L - N_d)``, in one batched eigenvalue call.

    Parameters
    ----------
    eps : array_like, shape (L,)
        On-site energies of the d-bosons (L >= 2).
    td, tc : float
        Hopping amplitudes of the d- and c-bosons (plus sign, as in Eq. 1).
    d_sites : array_like of int
        Sites occupied by d-bosons at t = 0 (distinct; may be empty).
    c_site : int
        Site of the single c-boson at t = 0.
    times : array_like, shape (T,)
        Times at which the observables are returned (any order).
    with_S_d : bool
        Also return ``"S_d"`` (T, L-1), the d-bosons' entropy alone (S_AI of Eq. 5).

    Returns
    -------
    dict of str to numpy.ndarray
        ``"n_d"`` (T, L), ``"n_c"`` (T, L), ``"C_dd"`` (T, L, L), ``"S"`` (T, L-1),
        ``"N_d"`` (T,), ``"N_c"`` (T,) [, ``"S_d"``]; see the module docstring.
    """
    eps, L, d, c_site, times = _check_inputs(eps, d_sites, c_site, times)
    T = times.size
    out = _output(T, L) | ({"S_d": np.zeros((T, L - 1))} if with_S_d else {})

    Ed, Vd = scipy.linalg.eigh(_chain_hopping(L, td) + np.diag(eps))
    Ec, Vc = scipy.linalg.eigh(_chain_hopping(L, tc))
    # Entanglement from M x M overlap matrices, M = min(N_d, L - N_d): with the orbitals
    # X = columns of exp(-i h_d t) for the occupied (or, if fewer, the empty) sites,
    # G[:b, :b] (or 1 - G[:b, :b]) = conj(X_b) X_b^T has the same non-zero eigenvalues as
    # O_b = X_b^T conj(X_b) = Σ_{i<b} X_i ⊗ conj(X_i); 1 - ν leaves the entropy unchanged.
    holes = np.setdiff1d(np.arange(L), d)
    orbitals = d if d.size <= holes.size else holes
    M = orbitals.size

    # Vectorised over chunks of times (bounded memory: chunk × L × max(L, M²) numbers).
    chunk = max(1, _FREE_CHUNK_ELEMENTS // (L * max(L, M * M)))
    for lo in range(0, T, chunk):
        sl = slice(lo, min(lo + chunk, T))
        nd, C, S_d = _free_fermions(times[sl], Ed, Vd, d, orbitals)
        nc, S_c = _free_particle(times[sl], Ec, Vc, c_site)
        _store(out, sl, nd, nc, C, S_d + S_c)
        if with_S_d:
            out["S_d"][sl] = S_d
    return out


def _free_fermions(
    t: np.ndarray, Ed: np.ndarray, Vd: np.ndarray, d: np.ndarray, orbitals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_d``, ``C_dd`` (not yet symmetrised) and ``S_d`` of the d fermions at times ``t``.

    ``Ed, Vd``: eigenpairs of ``h_d``; ``d``: the occupied sites; ``orbitals``: the sites
    whose orbitals give the entanglement (``d`` or the empty sites, whichever are fewer).
    """
    L = Vd.shape[0]
    diag = np.diag_indices(L)
    Vd_occ_T = Vd[d, :].T  # (L eigenmodes, N_d): <α|k> for the occupied sites k
    phase_d = np.exp(-1j * np.outer(t, Ed))[:, :, None]
    # Phi[t, j, k] = exp(-i h_d t)_{j, k} for the occupied sites k.
    Phi = Vd @ (phase_d * Vd_occ_T)
    G = np.conj(Phi) @ np.swapaxes(Phi, 1, 2)
    nd = np.real(G[:, diag[0], diag[1]])
    C = -(np.abs(G) ** 2)
    C[:, diag[0], diag[1]] += nd
    if orbitals.size == 0:
        return nd, C, np.zeros((t.size, L - 1))
    X = Phi if orbitals is d else Vd @ (phase_d * Vd[orbitals, :].T)
    overlap = np.cumsum(X[:, : L - 1, :, None] * np.conj(X[:, : L - 1, None, :]), axis=1)
    # One batched LAPACK call over all (time, bond) pairs.
    return nd, C, binary_entropy(np.linalg.eigvalsh(overlap)).sum(axis=-1)


def _free_particle(
    t: np.ndarray, Ec: np.ndarray, Vc: np.ndarray, c_site: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n_c`` and the entanglement of one free c-particle started on ``c_site``."""
    # psi[t, i] = exp(-i h_c t)_{i, c_site}
    psi = (np.exp(-1j * np.outer(t, Ec)) * Vc[c_site, :]) @ Vc.T
    nc = np.abs(psi) ** 2
    return nc, binary_entropy(np.cumsum(nc, axis=1)[:, : nc.shape[1] - 1])


def _store(
    out: dict[str, np.ndarray],
    where: slice | int,
    nd: np.ndarray,
    nc: np.ndarray,
    C: np.ndarray,
    S: np.ndarray,
) -> None:
    """Write the observables of some times into the output arrays (``C_dd`` symmetrised)."""
    out["n_d"][where] = nd
    out["n_c"][where] = nc
    out["C_dd"][where] = 0.5 * (C + np.swapaxes(C, -1, -2))
    out["S"][where] = S
    out["N_d"][where] = nd.sum(axis=-1)
    out["N_c"][where] = nc.sum(axis=-1)


# --------------------------------------------------------------------------------------
# Any U: exact evolution in the (N_d, N_c = 1) sector
# --------------------------------------------------------------------------------------


def sector_dimension(L: int, N_d: int) -> int:
    """Dimension ``L * C(L, N_d)`` of the (N_d, N_c = 1) sector of an L-site chain."""
    L, N_d = int(L), int(N_d)
    if L < 1 or not 0 <= N_d <= L:
        raise ValueError(f"need L >= 1 and 0 <= N_d <= L, got L={L}, N_d={N_d}")
    return L * comb(L, N_d)


def sector_basis(L: int, N_d: int) -> np.ndarray:
    """Sorted d configurations of the (N_d, N_c = 1) sector, as int64 bit masks.

    Bit ``i`` of each integer is ``n_{d,i}``. The sector basis state with d configuration
    ``k`` (position in the returned array) and the c-boson on site ``j`` has index
    ``k * L + j``, so the sector dimension is ``L * len(sector_basis(L, N_d))``.

    Parameters
    ----------
    L : int
        Number of sites (1 <= L <= 62 for N_d > 0, int64 bit masks; any L for N_d = 0).
    N_d : int
        Number of d-bosons (0 <= N_d <= L).

    Returns
    -------
    numpy.ndarray of int64, shape (C(L, N_d),)
        The d configurations in ascending order (ready for :func:`numpy.searchsorted`).
    """
    L, N_d = int(L), int(N_d)
    sector_dimension(L, N_d)  # validates
    if L > _MAX_L_SECTOR and N_d > 0:
        raise ValueError(f"sector_basis supports L <= {_MAX_L_SECTOR} for N_d > 0, got L={L}")
    n_conf = comb(L, N_d)
    occupied = np.fromiter(
        chain.from_iterable(combinations(range(L), N_d)), dtype=np.int64, count=n_conf * N_d
    ).reshape(n_conf, N_d)
    confs = (np.int64(1) << occupied).sum(axis=1, dtype=np.int64)
    return np.sort(confs)


def _occupations(confs: np.ndarray, L: int) -> np.ndarray:
    """(len(confs), L) int64 array of d occupations, ``occ[k, i] = bit i of confs[k]``."""
    occ = np.zeros((confs.size, L), dtype=np.int64)
    n = min(L, _MAX_L_SECTOR)  # higher bits are never set
    occ[:, :n] = (confs[:, None] >> np.arange(n, dtype=np.int64)) & 1
    return occ


def sector_hamiltonian(eps: ArrayLike, U: float, td: float, tc: float, N_d: int) -> sp.csr_array:
    """Sparse Hamiltonian (Eq. 1) in the (N_d, N_c = 1) sector.

    Basis ordering as in :func:`sector_basis`: index ``k * L + j`` for d configuration ``k``
    and c-boson on site ``j``. Matrix elements: ``+td`` between d configurations that differ
    by one nearest-neighbour hop (hard-core bosons, no signs), ``+tc`` between c positions
    ``j`` and ``j ± 1``, and the diagonal ``Σ_i eps_i n_{d,i} + U n_{d,j}``.

    Parameters
    ----------
    eps : array_like, shape (L,)
        On-site energies of the d-bosons (L >= 2).
    U : float
        On-site d-c interaction.
    td, tc : float
        Hopping amplitudes of the d- and c-bosons.
    N_d : int
        Number of d-bosons.

    Returns
    -------
    scipy.sparse.csr_array of float64, shape (D, D) with ``D = sector_dimension(L, N_d)``
        Real symmetric Hamiltonian.
    """
    eps = _check_eps(eps)
    L = eps.size
    confs = sector_basis(L, N_d)
    Dd = confs.size
    D = Dd * L
    occ = _occupations(confs, L)
    k_all = np.arange(Dd, dtype=np.int64)
    j_all = np.arange(L, dtype=np.int64)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    # Diagonal: Σ_i eps_i n_{d,i} + U n_{d,j}, index k*L + j.
    diag = (occ @ eps)[:, None] + float(U) * occ
    idx = np.arange(D, dtype=np.int64)
    rows.append(idx)
    cols.append(idx)
    vals.append(diag.ravel())

    # d hopping across bond (i, i+1): flip both bits where they differ. Each ordered pair
    # (k -> k') is generated once from its source, so the matrix comes out symmetric.
    for i in range(L - 1 if 0 < N_d < L else 0):
        movable = occ[:, i] != occ[:, i + 1]
        k_src = k_all[movable]
        k_dst = np.searchsorted(confs, confs[movable] ^ (np.int64(3) << i))
        src = (k_src[:, None] * L + j_all).ravel()
        dst = (k_dst[:, None] * L + j_all).ravel()
        rows.append(dst)
        cols.append(src)
        vals.append(np.full(src.size, float(td)))

    # c hopping j <-> j+1 for every d configuration.
    base = (k_all[:, None] * L + j_all[:-1]).ravel()
    for a, b in ((base, base + 1), (base + 1, base)):
        rows.append(a)
        cols.append(b)
        vals.append(np.full(base.size, float(tc)))

    H = sp.coo_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(D, D)
    )
    return H.tocsr()


def _schmidt_blocks(confs: np.ndarray, L: int) -> list[list[tuple[np.ndarray, int, int]]]:
    """Index maps for the Schmidt decomposition at every bond b = 1 .. L-1.

    For bond b the left block is sites 0 .. b-1. Basis states are grouped by the left
    charges (N_d,left, N_c,left); inside a group every (left state, right state) pair is a
    basis state, so ``psi[perm].reshape(n_left, n_right)`` is the block of the coefficient
    matrix. Returns, per bond, a list of ``(perm, n_left, n_right)``.
    """
    Dd = confs.size
    k = np.repeat(np.arange(Dd, dtype=np.int64), L)
    j = np.tile(np.arange(L, dtype=np.int64), Dd)
    conf = confs[k]
    maps = []
    for b in range(1, L):
        # confs < 2**_MAX_L_SECTOR, so clamping the shift is exact (and avoids overflow).
        bb = min(b, _MAX_L_SECTOR)
        left_bits = conf & np.int64((1 << bb) - 1)
        right_bits = conf >> bb
        c_left = j < b
        key = 2 * np.bitwise_count(left_bits).astype(np.int64) + c_left
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        blocks = []
        for sel in np.split(order, bounds):
            # Dense ranks of the d bit patterns, then the c position joins the side that
            # holds it (labels stay small: no int64 overflow).
            lr = np.unique(left_bits[sel], return_inverse=True)[1]
            rr = np.unique(right_bits[sel], return_inverse=True)[1]
            if c_left[sel[0]]:
                left_label, right_label = lr * L + j[sel], rr
            else:
                left_label, right_label = lr, rr * L + j[sel]
            ul, li = np.unique(left_label, return_inverse=True)
            ur, ri = np.unique(right_label, return_inverse=True)
            if ul.size * ur.size != sel.size:  # pragma: no cover - structural invariant
                raise RuntimeError("Schmidt block is not a full product of left and right")
            perm = sel[np.lexsort((ri, li))]
            blocks.append((perm, int(ul.size), int(ur.size)))
        maps.append(blocks)
    return maps


def _entropies(psi: np.ndarray, maps: list[list[tuple[np.ndarray, int, int]]]) -> np.ndarray:
    """Von Neumann entropy (natural log) at every bond from the block Schmidt values."""
    S = np.empty(len(maps))
    for n, blocks in enumerate(maps):
        total = 0.0
        for perm, nl, nr in blocks:
            M = psi[perm].reshape(nl, nr)
            # Eigenvalues of the smaller reduced density matrix M M^+ (or M^+ M): the
            # squared Schmidt values, to ~1e-16 absolute, at a fraction of an SVD's cost.
            rho = M @ M.conj().T if nl <= nr else M.conj().T @ M
            p = np.clip(np.linalg.eigvalsh(rho), 0.0, None)
            total -= float(xlogy(p, p).sum())
        S[n] = total
    return S


def sector_evolution(
    eps: ArrayLike,
    U: float,
    td: float,
    tc: float,
    d_sites: ArrayLike,
    c_site: int,
    times: ArrayLike,
) -> dict[str, np.ndarray]:
    """Exact evolution of Eq. 1 for any U in the (N_d = len(d_sites), N_c = 1) sector.

    The sparse Hamiltonian of :func:`sector_hamiltonian` (dimension ``L * C(L, N_d)``) is
    exponentiated by :class:`ChebyshevPropagator`, stepping from one requested time to
    the next (starting from t = 0; a zero increment is skipped). Observables are
    computed from the state vector: densities and ``C_dd`` from the weights ``|ψ|²``, and
    the entanglement at bond b from the singular values λ of the blocks of ψ with fixed
    left charges (N_d,left, N_c,left): ``S = -Σ λ² ln λ²``. Index maps are built once.

    Parameters
    ----------
    eps : array_like, shape (L,)
        On-site energies of the d-bosons (L >= 2; L <= 62 if there are d-bosons). The cost
        grows like the sector dimension L·C(L, N_d).
    U : float
        On-site d-c interaction.
    td, tc : float
        Hopping amplitudes of the d- and c-bosons (plus sign, as in Eq. 1).
    d_sites : array_like of int
        Sites occupied by d-bosons at t = 0 (distinct; may be empty).
    c_site : int
        Site of the single c-boson at t = 0.
    times : array_like, shape (T,)
        Times at which the observables are returned (any order; usually starting at 0).

    Returns
    -------
    dict of str to numpy.ndarray
        ``"n_d"`` (T, L), ``"n_c"`` (T, L), ``"C_dd"`` (T, L, L), ``"S"`` (T, L-1),
        ``"N_d"`` (T,), ``"N_c"`` (T,); see the module docstring. With N_c = 1,
        ``N_c`` equals the squared norm of the evolved state.
    """
    eps, L, d, c_site, times = _check_inputs(eps, d_sites, c_site, times)
    N_d = d.size
    T = times.size
    out = _output(T, L)

    confs = sector_basis(L, N_d)
    Dd = confs.size
    propagate = ChebyshevPropagator(sector_hamiltonian(eps, U, td, tc, N_d))
    occ = _occupations(confs, L).astype(np.float64)
    maps = _schmidt_blocks(confs, L)

    conf0 = (np.int64(1) << d).sum(dtype=np.int64)
    psi = np.zeros(Dd * L, dtype=np.complex128)
    psi[int(np.searchsorted(confs, conf0)) * L + c_site] = 1.0

    t_now = 0.0
    for n, t in enumerate(times):
        dt = float(t) - t_now
        if dt != 0.0:
            psi = propagate(psi, dt)
            t_now = float(t)
        P = (np.abs(psi) ** 2).reshape(Dd, L)
        P_d = P.sum(axis=1)
        nc = P.sum(axis=0)
        nd = occ.T @ P_d
        C = (occ * P_d[:, None]).T @ occ - np.outer(nd, nd)
        _store(out, n, nd, nc, C, _entropies(psi, maps))
    return out
