"""A QR-based bond update on the lean engine's block bookkeeping (benchmark prototype).

What the QR decomposition of Unfried, Hauschild and Pollmann (arXiv:2212.09782) can gain
*inside our engine*, as opposed to TeNPy's generic :class:`~tenpy.algorithms.tebd.
QRBasedTEBDEngine`: steps 1-3 and 5 of :func:`mblbath.tebd.bond_update.update_bond` (block
products, gate, theta per charge sector, ``B_L = C V^dagger``) are reused unchanged; only
step 4, the exact SVD of every charge sector ``theta_k`` (``m x n``), is replaced by

1. ``Y0``: the ``k'`` rows of ``theta_k`` with the largest norms, ``k' = min(old_k + inc,
   m)`` where ``old_k`` is the size of the same charge block on the bond before the update
   and ``inc = max(cbe_min_block_increase, int(chi_old * cbe_expand // n_sectors))``
   (TeNPy's ``_qr_theta_Y0``, the paper's controlled bond expansion);
2. ``A = qr(theta_k Y0^dagger)`` (``m x k'``, an isometry spanning the expanded left
   subspace), then the SVD of the small ``A^dagger theta_k`` (``k' x n``), whose singular
   values and right vectors take the place of theta's (TeNPy does a second QR and an SVD of
   the ``k' x k'`` bond matrix: the same numbers, measured as fast);
3. a sector with ``k' >= min(m, n)`` gains nothing from the projection and gets the exact
   SVD.

The truncation (TeNPy's rule on the concatenated spectrum) and the split are the lean
update's. The truncation error counts both parts: the weight outside the expanded
subspace, ``1 - |A^dagger theta|^2 / |theta|^2``, and the discarded singular values.

This module is used by ``python -m benchmarks.perf qr`` only: it measures whether a QR
update would pay for itself in the engine (issue 22). It is not part of the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tenpy.linalg.truncation import TruncationError

from mblbath.tebd import bond_update as bu
from mblbath.tebd.engine import ParallelTEBDEngine
from mblbath.tebd.gates import eff_charges, supported
from mblbath.tebd.truncation import TruncOptions

__all__ = ["LeanQREngine", "update_bond_qr"]


def _qr_sectors(
    theta: Any, SL: np.ndarray, slL: np.ndarray, q_sectors: np.ndarray, old_leg: Any, opts: dict
) -> tuple[list[np.ndarray], list[np.ndarray], float, int]:
    """Spectra and right vectors of every sector (QR-projected where that is smaller).

    Returns the spectra, the right vectors (rows), ``|theta|^2`` and the number of sectors
    that went through the QR projection.
    """
    old_q = eff_charges(old_leg).tolist()
    old_size = dict(zip(map(tuple, old_q), np.diff(old_leg.slices).tolist(), strict=True))
    grow = old_leg.ind_len * opts["expand"] // len(q_sectors)  # TeNPy's increase_per_block
    inc = max(opts["min_block_increase"], int(grow))
    sl_blocks = [SL[a:b] for a, b in zip(slL[:-1], slL[1:], strict=True)]
    spectra, right, norm2, n_qr = [], [], 0.0, 0
    with np.errstate(invalid="raise", over="ignore", divide="ignore", under="ignore"):
        for key in theta.sectors:
            rs = theta.row_slices[key]
            sl = np.concatenate([sl_blocks[r[0]] for r in rs])
            th = bu._scale_rows(theta.mats[key], sl)
            m, n = th.shape
            row_norms = np.einsum("ij,ij->i", th, th.conj()).real
            norm2 += float(row_norms.sum())
            k = min(old_size.get(tuple(q_sectors[key].tolist()), 0) + inc, m)
            if k >= min(m, n):
                S, Vh = bu._svd(th)
            else:
                rows = np.argsort(-row_norms)[:k]
                A, _ = np.linalg.qr(th @ th[rows].conj().T)
                S, Vh = bu._svd(A.conj().T @ th)
                n_qr += 1
            spectra.append(S)
            right.append(Vh)
    return spectra, right, norm2, n_qr


def update_bond_qr(
    psi: Any, i: int, gate: Any, trunc: TruncOptions, opts: dict
) -> tuple[Any, Any, np.ndarray, TruncationError, float]:
    """:func:`mblbath.tebd.bond_update.update_bond` with the QR-projected step 4."""
    B0, B1 = psi._B[i - 1], psi._B[i]
    dtype = np.result_type(B0.dtype, B1.dtype, gate.gate.dtype)
    slL = B0.legs[0].slices
    dLs, dRs = np.diff(slL).tolist(), np.diff(B1.legs[2].slices).tolist()
    sector_id, q_sectors = bu._new_bond_sectors(B0, gate)
    pairs, buffers = bu._products(B0, B1, gate, dLs, dRs, dtype)
    gated = [gate.mats[Q] @ buf if buf.shape[1] else buf for Q, buf in enumerate(buffers)]
    theta = bu._theta_blocks(pairs, gated, gate, sector_id, len(q_sectors), dLs, dRs, dtype)
    spectra, right, norm2, _ = _qr_sectors(theta, psi._S[i - 1], slL, q_sectors, B1.legs[0], opts)
    mask, S_new, err, renormalize = bu._truncate(spectra, trunc)
    captured = float(sum(np.dot(s, s) for s in spectra)) / norm2
    eps = 1.0 - (1.0 - err.eps) * captured
    B_L, B_R = bu._split_theta(B0, B1, gate, theta, q_sectors, right, mask, 1.0 / renormalize)
    return B_L, B_R, S_new, TruncationError(eps, 1.0 - 2.0 * eps), float(renormalize)


class LeanQREngine(ParallelTEBDEngine):
    """The pipeline's engine (one thread) with :func:`update_bond_qr` on every bond.

    Parameters
    ----------
    psi, model, options
        As for :class:`~mblbath.tebd.engine.ParallelTEBDEngine`.
    expand : float
        ``cbe_expand`` (TeNPy's default 0.1).
    min_block_increase : int
        ``cbe_min_block_increase`` (TeNPy's default 1).
    """

    def __init__(
        self,
        psi: Any,
        model: Any,
        options: Any,
        *,
        expand: float = 0.1,
        min_block_increase: int = 1,
        **kwargs: Any,
    ) -> None:
        self.qr_options = {"expand": float(expand), "min_block_increase": int(min_block_increase)}
        super().__init__(psi, model, options, n_threads=1, lean=True, **kwargs)

    def _update_bond_local(self, i: int, U_bond: Any) -> tuple[TruncationError, float]:
        gate = self._gate(U_bond)
        if gate is None or not supported(self.psi, i, gate):
            raise NotImplementedError("the QR prototype covers the lean update's cases only")
        if self._trunc_options is None:
            self._trunc_options = TruncOptions.read(self.trunc_params)
        B_L, B_R, S, err, renormalize = update_bond_qr(
            self.psi, i, gate, self._trunc_options, self.qr_options
        )
        bu.store(self.psi, i, B_L, B_R, S)
        self._trunc_err_bonds[i] = self._trunc_err_bonds[i] + err
        return err, renormalize
