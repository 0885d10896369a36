r"""Single-particle (Anderson) tools: Hamiltonian, eigenstates, diagonal ensemble, Lyapunov.

The d-bosons of Eq. (1) at U = 0 are free fermions after a Jordan-Wigner map, so every
single-particle quantity below is exact for the Anderson problem

.. math::

    H = t \sum_{i=0}^{L-2} (|i\rangle\langle i+1| + \mathrm{h.c.}) + \sum_i V_i |i\rangle\langle i|

with open boundary conditions and the **+t** sign of the hopping of Eq. (1).

Functions
---------
anderson_hamiltonian
    The dense :math:`L\times L` matrix above.
anderson_eigen
    Eigenvalues and (real, orthonormal) eigenvectors of a single chain (tridiagonal solver).
diagonal_ensemble_density
    :math:`\langle n_i\rangle_\infty = \sum_\alpha |\phi_\alpha(i)|^2
    \sum_{j\in\mathrm{occ}} |\phi_\alpha(j)|^2`, the infinite-time average of the density
    of free fermions (hard-core bosons) released from a product state with the sites
    ``occupied_sites`` filled. Exact for a non-degenerate spectrum (always the case with
    disorder): the off-diagonal terms :math:`\alpha\neq\beta` dephase, and the initial
    correlation matrix of a product state is diagonal in the site basis.
lyapunov_gamma, lyapunov_xi, band_gamma, band_xi
    Lyapunov exponent :math:`\gamma(E)` of the transfer matrix
    :math:`T_i = \begin{pmatrix} (E-V_i)/t & -1\\ 1 & 0\end{pmatrix}` and the
    localisation length :math:`\xi = 1/\gamma` (the decay length of the *amplitude*,
    :math:`|\psi(r)| \sim e^{-r/\xi}`; in lattice spacings). The product
    :math:`T_{L-1}\cdots T_0` is renormalised at **every** step: we iterate the ratio
    :math:`r_i = \psi_{i+1}/\psi_i = (E - V_i)/t - 1/r_{i-1}` (Riccati form) and accumulate
    :math:`\gamma = \frac1L\sum_i \ln|r_i|` -- the limit of the usual periodic
    renormalisation, which can neither overflow nor underflow. The same recursion is the
    :math:`LDL^T` factorisation of :math:`H - E` (pivots :math:`d_i = -t\,r_i`), so by
    Sylvester's law of inertia the number of negative pivots is the number of eigenvalues
    below :math:`E` (Sturm count): the integrated density of states comes for free.

    Band averages use the DOS as weight, on equal energy bins between the Gershgorin
    bounds: :func:`band_gamma` is the DOS average of γ(E), :func:`band_xi` the DOS average
    of ξ(E) = 1/γ(E). They differ (Jensen): 1/<γ> is dominated by the most localised states
    (at weak disorder the band edges, which make it scale anomalously, ~W^(-4/3)), <ξ> by
    the most extended ones (~1/W² at weak disorder). ``lyapunov_xi(E="band")`` returns <ξ>.
    Rows of a 2-d ``potential`` are independent chains (finite-size bias O(1/L) each); for
    ``E="band"``, ``lyapunov_xi`` joins them end to end into one long chain.
eigenstate_xi
    An independent estimate of the same length from exact eigenstates of a long chain:
    for each eigenstate, the slope of :math:`\ln|\phi_\alpha(i_0 \pm r)|` versus :math:`r`
    away from its maximum :math:`i_0` (a linear fit over ``r_min <= r <= r_max`` and where
    :math:`|\phi| > 10^{-10}`, on both sides), averaged over the eigenstates with energy in
    a window (or all of them). The typical (log-averaged) amplitude decay of eigenstates is
    the Lyapunov exponent, so the two must agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg

__all__ = [
    "anderson_hamiltonian",
    "anderson_eigen",
    "diagonal_ensemble_density",
    "lyapunov_gamma",
    "lyapunov_xi",
    "band_gamma",
    "band_xi",
    "eigenstate_xi",
    "band_edges",
]

_TINY = 1e-300


def anderson_hamiltonian(eps: np.ndarray, t: float = 1.0) -> np.ndarray:
    """Dense single-particle Hamiltonian of an open chain.

    Parameters
    ----------
    eps : array, shape (L,)
        On-site potential V_i (for the d-bosons: ε_i).
    t : float
        Hopping amplitude; the off-diagonal elements are **+t** as in Eq. (1).

    Returns
    -------
    ndarray, shape (L, L)
        ``diag(eps) + t (|i><i+1| + h.c.)``.
    """
    eps = np.asarray(eps, dtype=float)
    if eps.ndim != 1:
        raise ValueError("eps must be one-dimensional")
    L = eps.size
    h = np.diag(eps)
    idx = np.arange(L - 1)
    h[idx, idx + 1] = t
    h[idx + 1, idx] = t
    return h


def anderson_eigen(eps: np.ndarray, t: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of :func:`anderson_hamiltonian` (tridiagonal LAPACK solver).

    Parameters
    ----------
    eps : array, shape (L,)
        On-site potential.
    t : float
        Hopping amplitude (+t off-diagonal).

    Returns
    -------
    energies : ndarray, shape (L,)
        Ascending eigenvalues.
    phi : ndarray, shape (L, L)
        Real orthonormal eigenvectors as **columns**: ``phi[i, alpha]`` = φ_α(i).
    """
    eps = np.asarray(eps, dtype=float)
    if eps.ndim != 1:
        raise ValueError("eps must be one-dimensional")
    if eps.size == 1:
        return eps.copy(), np.ones((1, 1))
    off = np.full(eps.size - 1, float(t))
    energies, phi = scipy.linalg.eigh_tridiagonal(eps, off)
    return energies, phi


def diagonal_ensemble_density(
    eps: np.ndarray, t: float = 1.0, occupied_sites: Sequence[int] | np.ndarray = ()
) -> np.ndarray:
    r"""Infinite-time (diagonal-ensemble) density of free fermions from a product state.

    .. math::
        \langle n_i\rangle_\infty = \sum_\alpha |\phi_\alpha(i)|^2
        \sum_{j\in\mathrm{occ}} |\phi_\alpha(j)|^2

    Parameters
    ----------
    eps : array, shape (L,) or (n_real, L)
        On-site potential(s); a 2-d array is treated as independent realisations.
    t : float
        Hopping amplitude.
    occupied_sites : sequence of int or boolean mask of length L
        Sites filled in the initial product state.

    Returns
    -------
    ndarray, same shape as ``eps``
        :math:`\langle n_i\rangle_\infty`; sums to the particle number.
    """
    eps = np.asarray(eps, dtype=float)
    if eps.ndim == 2:
        return np.stack([diagonal_ensemble_density(e, t, occupied_sites) for e in eps])
    L = eps.size
    occ = np.asarray(occupied_sites)
    mask = occ.astype(bool) if occ.dtype == bool else np.isin(np.arange(L), occ)
    if mask.size != L:
        raise ValueError("occupied_sites mask must have length L")
    _, phi = anderson_eigen(eps, t)
    p = phi * phi  # p[i, alpha] = |phi_alpha(i)|^2
    weight = p[mask].sum(axis=0)  # <n_alpha> = sum_{j occ} |phi_alpha(j)|^2
    return p @ weight


def band_edges(potential: np.ndarray, t: float = 1.0) -> tuple[float, float]:
    """Gershgorin bounds of the spectrum: ``(min V - 2|t|, max V + 2|t|)``."""
    v = np.asarray(potential, dtype=float)
    return float(v.min() - 2 * abs(t)), float(v.max() + 2 * abs(t))


#: Sites per product block in :func:`_riccati`: the pivots are multiplied over this many
#: sites before one logarithm is taken. Consecutive pivots obey d_i d_{i+1} =
#: (V_i - E) d_i - t^2, so a tiny pivot is followed by a large one and a block product can
#: only under- or overflow if a pivot is within ~1e-290 of zero (then the clamped
#: site-by-site recursion is used instead).
_BLOCK = 8


def _riccati(
    potential: np.ndarray,
    t: float,
    energies: np.ndarray,
    n_segments: int = 1,
    skip: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the ratio recursion for many chains and energies at once (vectorised).

    ``potential`` has shape ``(*batch, L)``; ``energies`` broadcasts against
    ``(*batch, 1)``. Returns ``(sum_i ln|r_i|, number of negative pivots)``, both of the
    broadcast shape; the second is N(E), the number of eigenvalues below E. With
    ``n_segments > 1`` the first has an extra leading axis: the sums over each of
    ``n_segments`` consecutive pieces of the chain, piece s holding the sites
    ``s L // n .. (s + 1) L // n - 1`` (for jackknife / batch means).
    The first ``skip`` sites are run but not counted (a warm-up: the sums and counts are
    those of the last ``L - skip`` sites, entered with the ratio the first ones leave).

    The pivots are multiplied in blocks of :data:`_BLOCK` sites and one logarithm is taken
    per block; if a pivot is exactly zero (probability zero) the sums are recomputed site
    by site with pivots clamped to 1e-300 (:func:`_riccati_clamped`).
    """
    v = np.asarray(potential, dtype=float)
    e = np.asarray(energies, dtype=float)
    L = v.shape[-1] - skip
    if L < 1:
        raise ValueError("no site left after the warm-up")
    shape = np.broadcast_shapes(v.shape[:-1] + (1,), e.shape)
    vt = np.ascontiguousarray(np.moveaxis(v, -1, 0))[..., None]  # (L + skip, *batch, 1)
    t2 = float(t) * float(t)
    seg_log = np.zeros((n_segments,) + shape)
    count = np.zeros(shape, dtype=np.int64)
    d, tmp, prod = np.empty(shape), np.empty(shape), np.ones(shape)
    seg_len = np.diff(np.arange(n_segments + 1) * L // n_segments)
    seg_of = np.repeat(np.arange(n_segments), seg_len)  # segment of each counted site
    ends = set((np.cumsum(seg_len) - 1).tolist())
    np.subtract(vt[0], e, out=d)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(L + skip):
            if i > 0:
                np.divide(t2, d, out=tmp)
                np.subtract(vt[i], e, out=d)
                d -= tmp
            j = i - skip
            if j < 0:
                continue
            prod *= d
            count += d < 0
            if j % _BLOCK == _BLOCK - 1 or j in ends:
                seg_log[seg_of[j]] += np.log(np.abs(prod))
                prod.fill(1.0)
    if not np.all(np.isfinite(seg_log)):
        return _riccati_clamped(v[..., skip:], t, e, n_segments)
    seg_log -= (seg_len * np.log(abs(t))).reshape((n_segments,) + (1,) * len(shape))
    return (seg_log[0] if n_segments == 1 else seg_log), count


def _riccati_clamped(
    v: np.ndarray, t: float, e: np.ndarray, n_segments: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_riccati` site by site, pivots with |d| < 1e-300 set to 1e-300 (no warm-up)."""
    L = v.shape[-1]
    shape = np.broadcast_shapes(v.shape[:-1] + (1,), e.shape)
    seg_log = np.zeros((n_segments,) + shape)
    count = np.zeros(shape, dtype=np.int64)
    t2 = float(t) * float(t)
    seg_len = np.diff(np.arange(n_segments + 1) * L // n_segments)
    seg_of = np.repeat(np.arange(n_segments), seg_len)
    d = np.broadcast_to(v[..., 0:1] - e, shape).copy()
    for i in range(L):
        if i > 0:
            d = (v[..., i : i + 1] - e) - t2 / d
        d[np.abs(d) < _TINY] = _TINY
        seg_log[seg_of[i]] += np.log(np.abs(d))
        count += d < 0
    seg_log -= (seg_len * np.log(abs(t))).reshape((n_segments,) + (1,) * len(shape))
    return (seg_log[0] if n_segments == 1 else seg_log), count


def _energy_bins(v: np.ndarray, t: float, n_energy: int) -> np.ndarray:
    lo = v.min(axis=-1, keepdims=True) - 2 * abs(t) - 1e-9
    hi = v.max(axis=-1, keepdims=True) + 2 * abs(t) + 1e-9
    return lo + (hi - lo) * np.linspace(0.0, 1.0, n_energy + 1)


def lyapunov_gamma(
    potential: np.ndarray,
    t: float = 1.0,
    E: float | np.ndarray | str = 0.0,
    n_energy: int = 128,
    return_per_chain: bool = False,
) -> np.ndarray | float | tuple:
    r"""Lyapunov exponent of the transfer matrix (inverse localisation length).

    Parameters
    ----------
    potential : array, shape (L,) or (n_chain, L)
        On-site potential(s); the rows are independent chains whose γ are averaged.
    t : float
        Hopping amplitude (its sign is irrelevant for γ).
    E : float, array of floats, or ``"band"``
        Energy (energies) at which γ is evaluated, or ``"band"`` for the density-of-states
        weighted average :math:`\bar\gamma = \int \rho(E)\gamma(E)\,dE`
        (:func:`band_gamma`).
    n_energy : int
        Number of energy bins for ``E="band"``.
    return_per_chain : bool
        Also return the per-chain values (for error bars).

    Returns
    -------
    float or ndarray
        γ (per lattice spacing); for array ``E`` one value per energy. With
        ``return_per_chain`` a tuple ``(gamma, gamma_per_chain)``.
    """
    v = np.atleast_2d(np.asarray(potential, dtype=float))
    L = v.shape[-1]
    if isinstance(E, str):
        if E != "band":
            raise ValueError("E must be a number, an array or 'band'")
        per_chain = band_gamma(v, t, n_energy)
        gamma = float(per_chain.mean())
        return (gamma, per_chain) if return_per_chain else gamma
    e_arr = np.atleast_1d(np.asarray(E, dtype=float))
    logsum, _ = _riccati(v, t, e_arr[None, :])
    per_chain = logsum / L
    gamma = per_chain.mean(axis=0)
    if np.ndim(E) == 0:
        gamma = float(gamma[0])
        per_chain = per_chain[:, 0]
    return (gamma, per_chain) if return_per_chain else gamma


def band_gamma(
    potential: np.ndarray, t: float = 1.0, n_energy: int = 128, n_segments: int = 1
) -> np.ndarray:
    r"""Density-of-states weighted Lyapunov exponent of each chain (vectorised over chains).

    For a chain with eigenvalues :math:`E_\alpha`,
    :math:`\bar\gamma = \frac1L\sum_\alpha \gamma(E_\alpha)`, evaluated as
    :math:`\sum_k \frac{\Delta N_k}{L}\,\tfrac12[\gamma(E_k)+\gamma(E_{k+1})]` on
    ``n_energy`` equal bins between the chain's Gershgorin bounds; :math:`\Delta N_k` is
    the exact number of eigenvalues in bin k (Sturm count), so no eigenvalue is computed.

    Parameters
    ----------
    potential : array, shape (..., L)
        Potentials; all leading axes are independent chains.
    t : float
        Hopping.
    n_energy : int
        Number of energy bins.
    n_segments : int
        If > 1, resolve each chain into ``n_segments`` equal consecutive pieces: the γ(E)
        of each piece is averaged with the DOS weights of the whole chain.

    Returns
    -------
    ndarray, shape (...) or (..., n_segments)
        :math:`\bar\gamma` per chain (per piece with ``n_segments > 1``; their mean is the
        value of the whole chain).
    """
    v = np.asarray(potential, dtype=float)
    L = v.shape[-1]
    logsum, count = _riccati(v, t, _energy_bins(v, t, n_energy), n_segments)
    dn = np.diff(count, axis=-1)  # eigenvalues per bin; sums to L
    weight = dn / dn.sum(axis=-1, keepdims=True)
    if n_segments == 1:
        g_edge = logsum / L
        return (weight * 0.5 * (g_edge[..., 1:] + g_edge[..., :-1])).sum(axis=-1)
    seg_len = np.diff(np.arange(n_segments + 1) * L // n_segments)
    g_edge = logsum / seg_len.reshape((n_segments,) + (1,) * (logsum.ndim - 1))
    g_bin = 0.5 * (g_edge[..., 1:] + g_edge[..., :-1])
    return np.moveaxis((weight[None] * g_bin).sum(axis=-1), 0, -1)


def band_xi(
    potential: np.ndarray, t: float = 1.0, n_energy: int = 128, n_segments: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    r"""DOS-weighted average of ξ(E) = 1/γ(E) over the spectrum of each (long) chain.

    :math:`\bar\xi = \frac1N\sum_\alpha \xi(E_\alpha)`, evaluated as
    :math:`\sum_k \frac{\Delta N_k}{N}\,\tfrac12[\xi(E_k)+\xi(E_{k+1})]` on ``n_energy``
    equal bins (Sturm counts ΔN_k). γ(E) is floored at 1/N (ξ cannot exceed the chain).

    Parameters
    ----------
    potential : array, shape (..., N)
        Potentials; leading axes are independent chains.
    t : float
        Hopping.
    n_energy : int
        Number of energy bins.
    n_segments : int
        Jackknife over ``n_segments`` equal consecutive pieces of each chain for the error
        (e.g. the joined disorder realisations).

    Returns
    -------
    xi, xi_err : ndarray, shape (...)
        Average and jackknife error (NaN if ``n_segments == 1``).
    """
    v = np.asarray(potential, dtype=float)
    N = v.shape[-1]
    seg_log, count = _riccati(v, t, _energy_bins(v, t, n_energy), n_segments)
    if n_segments == 1:
        seg_log = seg_log[None]
    dn = np.diff(count, axis=-1)
    weight = dn / dn.sum(axis=-1, keepdims=True)
    seg_len = np.diff(np.arange(n_segments + 1) * N // n_segments)

    def average(logsum, length):
        xi_e = 1.0 / np.maximum(logsum / length, 1.0 / length)
        return (weight * 0.5 * (xi_e[..., 1:] + xi_e[..., :-1])).sum(axis=-1)

    total = seg_log.sum(axis=0)
    xi = average(total, N)
    if n_segments == 1:
        return xi, np.full(np.shape(xi), np.nan)
    jk = np.stack([average(total - seg_log[j], N - seg_len[j]) for j in range(n_segments)])
    err = np.sqrt((n_segments - 1) / n_segments * ((jk - jk.mean(axis=0)) ** 2).sum(axis=0))
    return xi, err


def lyapunov_xi(
    potential: np.ndarray,
    t: float = 1.0,
    E: float | np.ndarray | str = 0.0,
    n_energy: int = 128,
) -> float | np.ndarray:
    """Localisation length from the transfer-matrix Lyapunov exponent.

    Parameters
    ----------
    potential : array, shape (L,) or (n_chain, L)
        On-site potential(s). For numeric ``E`` the rows are independent chains whose γ
        are averaged, and ξ = 1/γ (``inf`` where γ <= 0). For ``E="band"`` the rows are
        joined end to end into one chain and the DOS-weighted average of ξ(E) is returned
        (:func:`band_xi`).
    t : float
        Hopping.
    E : float, array of floats, or "band"
        Energy convention.
    n_energy : int
        Energy bins for ``E="band"``.

    Returns
    -------
    float or ndarray
        ξ in lattice spacings. Use a long chain (``L * n_chain >> ξ``): the relative bias
        is of order ``1/(γ L)``.
    """
    if isinstance(E, str):
        if E != "band":
            raise ValueError("E must be a number, an array or 'band'")
        v = np.asarray(potential, dtype=float).reshape(1, -1)
        return float(band_xi(v, t, n_energy)[0][0])
    gamma = np.asarray(lyapunov_gamma(potential, t, E, n_energy))
    with np.errstate(divide="ignore"):
        xi = np.where(gamma > 0, 1.0 / np.where(gamma > 0, gamma, 1.0), np.inf)
    return float(xi) if xi.ndim == 0 else xi


def _tail_slopes(amp: np.ndarray, i0: np.ndarray, r: np.ndarray, amp_floor: float) -> np.ndarray:
    """Decay rates γ of eigenstate tails: least-squares slopes of ``-ln|φ(i0 ± r)|`` vs r.

    ``amp`` (L, n): |φ| of n states with maxima at ``i0``; points below ``amp_floor`` times
    the maximum are dropped, and states with fewer than 4 points left are skipped.
    """
    n = amp.shape[1]
    cols = np.arange(n)
    right = amp[i0[None, :] + r[:, None], cols[None, :]]
    left = amp[i0[None, :] - r[:, None], cols[None, :]]
    a = np.concatenate([right, left], axis=0)  # (2 n_r, n)
    rr = np.concatenate([r, r]).astype(float)[:, None] * np.ones((1, n))
    peak = amp[i0, cols]
    mask = a > amp_floor * peak[None, :]
    y = np.log(np.where(mask, a, 1.0))
    w = mask.astype(float)
    sw = w.sum(0)
    sx = (w * rr).sum(0)
    sy = (w * y).sum(0)
    sxx = (w * rr * rr).sum(0)
    sxy = (w * rr * y).sum(0)
    den = sw * sxx - sx * sx
    ok = (sw >= 4) & (den > 0)
    return -(sw[ok] * sxy[ok] - sx[ok] * sy[ok]) / den[ok]


def eigenstate_xi(
    eps: np.ndarray,
    t: float = 1.0,
    energy_window: tuple[float, float] | None = (-0.5, 0.5),
    r_min: int = 3,
    r_max: int = 12,
    amp_floor: float = 1e-10,
    average: str = "gamma",
) -> tuple[float, float, int]:
    r"""Localisation length from the exponential tails of exact eigenstates (independent check).

    For each eigenstate φ_α of the chain with energy in ``energy_window`` (all states if
    None) and maximum at :math:`i_0` at least ``r_max`` sites from both ends, fit
    :math:`\ln|\phi_\alpha(i_0 \pm r)| = c - \gamma_\alpha r` for ``r_min <= r <= r_max``
    (both sides together; points with |φ| below ``amp_floor`` times the maximum, where the
    eigensolver's absolute error dominates, are dropped). The estimate is
    :math:`\xi = 1/\overline{\gamma_\alpha}` (``average="gamma"``: compare with the
    transfer matrix at fixed E or with :func:`band_gamma`) or
    :math:`\overline{1/\gamma_\alpha}` (``average="xi"``: compare with :func:`band_xi`).

    Parameters
    ----------
    eps : array, shape (L,)
        Potential of one long chain.
    t : float
        Hopping.
    energy_window : (float, float) or None
        Energies of the states used.
    r_min, r_max : int
        Fit range of distances from the maximum (keep e^{-r_max/ξ} well above
        ``amp_floor``, or the dropped points bias the slope).
    amp_floor : float
        Relative amplitude below which points are discarded.
    average : "gamma" or "xi"
        Average the per-state exponents (then invert) or the per-state lengths.

    Returns
    -------
    xi : float
        The estimate.
    xi_err : float
        Standard error from the spread over eigenstates.
    n_states : int
        Number of eigenstates used.
    """
    if average not in ("gamma", "xi"):
        raise ValueError("average must be 'gamma' or 'xi'")
    energies, phi = anderson_eigen(eps, t)
    L = phi.shape[0]
    sel = np.ones(L, dtype=bool)
    if energy_window is not None:
        sel &= (energies >= energy_window[0]) & (energies <= energy_window[1])
    amp = np.abs(phi[:, sel])  # (L, n)
    i0 = np.argmax(amp, axis=0)
    keep = (i0 >= r_max) & (i0 < L - r_max)
    amp, i0 = amp[:, keep], i0[keep]
    n = amp.shape[1]
    if n == 0:
        return float("nan"), float("nan"), 0
    gam = _tail_slopes(amp, i0, np.arange(r_min, r_max + 1), amp_floor)
    if gam.size == 0:
        return float("nan"), float("nan"), 0
    if average == "xi":
        xs = 1.0 / gam
        err = float(xs.std(ddof=1) / np.sqrt(xs.size)) if xs.size > 1 else float("nan")
        return float(xs.mean()), err, int(xs.size)
    g_mean = float(gam.mean())
    g_err = float(gam.std(ddof=1) / np.sqrt(gam.size)) if gam.size > 1 else float("nan")
    return 1.0 / g_mean, g_err / g_mean**2, int(gam.size)
