r"""DOS-averaged localisation length of very long chains, with group-jackknife replicas.

:func:`mblbath.anderson.band_xi` runs the Riccati recursion of the transfer matrix site
by site along one chain: its cost is one Python step per site, so a chain of 10^5 - 10^6
sites (needed when ξ is ~10^3 and its statistical error must be a few %) is slow. Here the
chain of N sites is cut into ``n_pieces`` consecutive pieces that run **at the same time**
(the pieces are one more batch axis of the vectorised recursion). Piece p starts its
recursion ``warmup`` sites early, on the last sites of piece p - 1 (piece 0 on the end of
the last piece: the chain is closed into a ring for this purpose only), and accumulates
only over its own sites. The ratio :math:`r_i = \psi_{i+1}/\psi_i` forgets its initial
value like :math:`e^{-2\gamma n}` (the contraction of the transfer-matrix product onto its
most expanding direction), so with ``warmup`` a few ξ the pivots of every piece are those
of the one long chain, and the sum of the pieces' :math:`\sum\ln|r_i|` and Sturm counts
are the long chain's. The cost is ``piece_length + warmup`` Python steps on arrays of
``batch × n_pieces × n_energy`` numbers.

The DOS weights and the average over the spectrum are those of
:func:`mblbath.anderson.band_xi`: :math:`\bar\xi = \sum_k \frac{\Delta N_k}{N}
\tfrac12[\xi(E_k)+\xi(E_{k+1})]` on ``n_energy`` equal bins between the Gershgorin bounds
of the whole chain, ΔN_k exact Sturm counts, ξ(E) = 1/γ(E) with γ floored at 1/N.

Errors: the pieces are grouped into ``n_groups`` groups of consecutive pieces; the
leave-one-group-out estimates (same recursion, sums without that group) are returned, so a
caller can combine them with other quantities computed on the same groups (a joint
delete-a-group jackknife). Groups much longer than ξ are needed for this to be an honest
error: each group's :math:`\sum\ln|r_i|` carries an O(1) boundary term that cancels in the
total, and with groups of length ~ξ it inflates the jackknife error.
"""

from __future__ import annotations

import numpy as np

from .anderson import _riccati

__all__ = ["band_xi_pieces", "jackknife_error"]


def jackknife_error(replicas: np.ndarray, axis: int = 0) -> np.ndarray:
    """Delete-one(-group) jackknife standard error of leave-one-out ``replicas`` along ``axis``."""
    r = np.asarray(replicas, dtype=float)
    n = r.shape[axis]
    if n < 2:
        return np.full(np.delete(r.shape, axis), np.nan)
    dev = r - r.mean(axis=axis, keepdims=True)
    return np.sqrt((n - 1) / n * (dev * dev).sum(axis=axis))


def _ring_windows(v: np.ndarray, n_pieces: int, warmup: int) -> tuple[np.ndarray, int]:
    """Potential of each piece preceded by its warm-up: (batch, n_pieces, warmup + ell)."""
    n = v.shape[-1]
    ell = n // n_pieces
    if ell < 1:
        raise ValueError(f"chain of {n} sites cannot be cut into {n_pieces} pieces")
    start = np.arange(n_pieces) * ell - warmup
    idx = (start[:, None] + np.arange(warmup + ell)[None, :]) % (n_pieces * ell)
    return v[:, idx], ell


def band_xi_pieces(
    potential: np.ndarray,
    t: float = 1.0,
    n_energy: int = 64,
    n_pieces: int = 32,
    warmup: int = 2000,
    n_groups: int = 8,
    energy: str | float = "band",
) -> tuple[np.ndarray, np.ndarray]:
    """DOS-averaged ξ (or ξ at one energy) of long chains, and leave-one-group-out replicas.

    Parameters
    ----------
    potential : array, shape (batch, N) or (N,)
        On-site potentials of ``batch`` independent long chains (e.g. one per U). Sites
        beyond ``n_pieces * (N // n_pieces)`` are dropped.
    t : float
        Hopping.
    n_energy : int
        Energy bins of the band average (equal bins between the Gershgorin bounds of the
        whole chain, as :func:`mblbath.anderson.band_xi`).
    n_pieces : int
        Consecutive pieces run at the same time (a multiple of ``n_groups``).
    warmup : int
        Sites each piece's recursion runs on the sites before it (ring order) before it
        counts: a few times the largest ξ(E) of the chain.
    n_groups : int
        Jackknife groups of consecutive pieces.
    energy : "band" or float
        ``"band"``: the DOS-weighted average of ξ(E); a number E: ξ = 1/γ(E) at that
        energy (``n_energy`` is then unused).

    Returns
    -------
    xi : ndarray, shape (batch,)
        ξ of the whole chain (``inf`` where γ(E) <= 0 at a fixed energy).
    xi_jk : ndarray, shape (n_groups, batch)
        The same without group g (use :func:`jackknife_error`); NaN for one group.
    """
    v = np.atleast_2d(np.asarray(potential, dtype=float))
    if n_pieces % n_groups:
        raise ValueError("n_pieces must be a multiple of n_groups")
    warm = min(int(warmup), v.shape[-1])
    win, ell = _ring_windows(v, n_pieces, warm)
    if energy == "band":
        kept = win[..., warm:]  # the pieces themselves, (batch, P, ell)
        lo = kept.min(axis=(1, 2))[:, None, None] - 2 * abs(t) - 1e-9
        hi = kept.max(axis=(1, 2))[:, None, None] + 2 * abs(t) + 1e-9
        e = lo + (hi - lo) * np.linspace(0.0, 1.0, n_energy + 1)  # (batch, 1, n_e + 1)
    else:
        e = np.full((v.shape[0], 1, 1), float(energy))
    logsum, count = _riccati(win, t, e, skip=warm)  # (batch, P, n_e + 1) or (batch, P, 1)
    shape = (v.shape[0], n_groups, n_pieces // n_groups, e.shape[-1])
    g_log = logsum.reshape(shape).sum(axis=2)
    g_cnt = count.reshape(shape).sum(axis=2)
    n_tot = ell * n_pieces
    g_len = n_tot // n_groups
    tot_log, tot_cnt = g_log.sum(axis=1), g_cnt.sum(axis=1)
    if n_groups == 1:  # nothing to leave out: the replicas are undefined
        xi = _dos_average(tot_log, tot_cnt, n_tot) if energy == "band" else None
        if xi is None:
            xi = _inverse(tot_log[:, 0] / n_tot)
        return xi, np.full((1, v.shape[0]), np.nan)
    if energy == "band":
        xi = _dos_average(tot_log, tot_cnt, n_tot)
        jk = [
            _dos_average(tot_log - g_log[:, g], tot_cnt - g_cnt[:, g], n_tot - g_len)
            for g in range(n_groups)
        ]
    else:
        xi = _inverse(tot_log[:, 0] / n_tot)
        jk = [_inverse((tot_log - g_log[:, g])[:, 0] / (n_tot - g_len)) for g in range(n_groups)]
    return xi, np.stack(jk)


def _inverse(gamma: np.ndarray) -> np.ndarray:
    """ξ = 1/γ, ``inf`` where γ <= 0 (an extended state at the resolution of the chain)."""
    with np.errstate(divide="ignore"):
        return np.where(gamma > 0, 1.0 / np.where(gamma > 0, gamma, 1.0), np.inf)


def _dos_average(logsum: np.ndarray, count: np.ndarray, length: int) -> np.ndarray:
    """Σ_k (ΔN_k / N) ½[ξ(E_k) + ξ(E_k+1)] from Σ ln|r| and Sturm counts at the bin edges."""
    dn = np.diff(count, axis=-1)
    weight = dn / dn.sum(axis=-1, keepdims=True)
    xi_e = 1.0 / np.maximum(logsum / length, 1.0 / length)
    return (weight * 0.5 * (xi_e[..., 1:] + xi_e[..., :-1])).sum(axis=-1)
