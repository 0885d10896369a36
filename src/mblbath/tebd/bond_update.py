"""A lean two-site TEBD bond update working directly on TeNPy's block-sparse tensors.

:meth:`tenpy.algorithms.tebd.TEBDEngine.update_bond` (TeNPy 1.1.1) is a chain of generic
:mod:`~tenpy.linalg.np_conserved` operations -- ``get_theta`` (a block ``tensordot``),
``tensordot`` with the gate, ``scale_axis``, ``combine_legs`` into two ``LegPipe``\\ s, a block
SVD with truncation (``svd_theta``), ``split_legs`` and a second ``tensordot`` with
``V.conj()``. Every one of them checks its arguments, builds new leg and charge tables and
matches blocks by charge in Python. That bookkeeping is a large share of a step at
moderate chi and, holding the GIL, it serialises the parallel bond updates of
:mod:`mblbath.tebd.engine`.

:func:`update_bond` performs the same contractions in the same order (the same
floating-point work up to zeros: step 2 also multiplies the few absent input blocks of a
gate sector, steps 3-5 leave out row and column groups of theta that are entirely zero),
with the bookkeeping specialised to this one task. Each step is one function:

1. :func:`_products`: ``B0 . B1`` over the middle bond, one ``gemm`` per pair of charge
   blocks that match (TeNPy's compiled ``tensordot`` does the same ``gemm``\\ s), written
   straight into a buffer ordered by the gate's charge sectors;
2. the gate: one ``gemm`` per two-site charge sector ``Q`` of the physical legs,
   ``U_Q (n_Q x n_Q) @ [all (vL, vR) block pairs of that sector]`` (TeNPy: the same products,
   block by block);
3. :func:`_theta_blocks`: the result ``C`` is copied once into one dense matrix per charge
   sector of the bipartition ``(vL p0 | p1 vR)`` -- exactly the blocks TeNPy's pipes would
   form, but only the row and column groups that are nonzero;
4. :func:`_svd_sectors`: ``theta = diag(S_L) C`` and one LAPACK ``gesdd`` per sector
   (numpy's, via the gufunc behind :func:`numpy.linalg.svd`, which releases the GIL; a
   failure or NaN falls back to TeNPy's ``gesvd`` path); :func:`_truncate`: TeNPy's
   truncation rule on the concatenated spectrum (:func:`~mblbath.tebd.truncation.truncate_fast`);
5. :func:`_split_theta`: ``B_L = C V^dagger`` (one ``gemm`` per sector), multiplied by
   ``1 / norm`` as TeNPy's ``B_L /= renormalize`` does, and ``B_R = V``, cut into blocks
   and stored as ordinary :class:`~tenpy.linalg.np_conserved.Array`\\ s with TeNPy's labels,
   leg conventions and charges (``psi.test_sanity()`` passes).

The loops inside the steps are the hot path of a TEBD run (a few per bond update, each
over the charge blocks): they stay flat, with integer codes and plain lists, rather than
being cut into smaller functions per block.

The gate's sector decomposition depends only on the gate and is cached
(:func:`mblbath.tebd.gates.gate_blocks`). :func:`~mblbath.tebd.gates.supported` lists what
the lean path assumes; anything else is left to TeNPy's generic code by the caller.

The result equals TeNPy's to round-off (different grouping of the same sums, numpy's
instead of scipy's LAPACK build): ``tests/test_tebd_bond_update.py``.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
from tenpy.linalg import np_conserved as npc
from tenpy.linalg.charges import QTYPE, LegCharge
from tenpy.linalg.svd_robust import svd as _robust_svd
from tenpy.linalg.truncation import TruncationError
from tenpy.networks.mps import MPS

from .gates import B_FORM, LABELS, GateBlocks, eff_charges
from .truncation import TruncOptions, truncate_fast

__all__ = ["store", "update_bond"]


try:  # the gufunc behind numpy.linalg.svd(full_matrices=False), without its Python wrapper
    from numpy.linalg import _umath_linalg

    _SVD_S: Any = _umath_linalg.svd_s
except (ImportError, AttributeError):  # pragma: no cover - other numpy layout
    _SVD_S = None
_SVD_SIGNATURE = {np.dtype(np.complex128): "D->DdD", np.dtype(np.float64): "d->ddd"}


def _svd(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values and right singular vectors of one block (gesdd, else TeNPy's gesvd).

    LAPACK ``gesdd`` through numpy (which releases the GIL): the gufunc
    ``numpy.linalg._umath_linalg.svd_s`` that ``numpy.linalg.svd(a, full_matrices=False)``
    calls, without its Python wrapper (~20 us per call, hundreds of calls per TEBD step); it
    reports non-convergence through the floating-point ``invalid`` flag, so call this under
    ``np.errstate(invalid="raise")`` (:func:`update_bond` does). Without that gufunc,
    ``numpy.linalg.svd``. If ``gesdd`` does not converge or returns NaNs, the block goes to
    TeNPy's ``svd_robust.svd`` with ``gesvd`` (as ``npc.svd`` would).
    """
    signature = _SVD_SIGNATURE.get(theta.dtype)
    try:
        if _SVD_S is not None and signature is not None:
            _, S, Vh = _SVD_S(theta, signature=signature)
        else:  # pragma: no cover - other numpy layout or dtype
            _, S, Vh = np.linalg.svd(theta, full_matrices=False)
        if _finite(S):  # numpy sets every output to NaN when gesdd fails
            return S, Vh
    except (np.linalg.LinAlgError, FloatingPointError):
        pass
    _, S, Vh = _robust_svd(theta, full_matrices=False, lapack_driver="gesvd")
    if not (_finite(S) and _finite(Vh)):
        raise ValueError("NaN in the SVD of a theta block")
    return S, Vh


def _real_view(a: np.ndarray) -> np.ndarray:
    """A C-contiguous complex array as real numbers (re, im), shape ``a.shape + (2,)``."""
    return a.view(a.real.dtype).reshape(a.shape + (2,))


def _scale_rows(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``a * x[:, None]``: ``theta = diag(S_L) C`` (TeNPy's ``scale_axis``).

    numpy's complex-times-real loop: the same numbers as scaling the real view (``(re + i im)
    (x + 0i)`` is ``re x + i im x`` exactly). Alone, on a 300 x 400 block, ~20 % faster than
    the real view ``(..., 2)`` times ``x[:, None, None]`` (numpy 2.4); within a TEBD step at
    chi = 256 the two measured the same (1.003x), so this is the simpler of equals.
    """
    return a * x[:, None]


def _iscale(a: np.ndarray, x: float) -> None:
    """``a *= x`` in place for a real scalar ``x``; for complex ``a`` on its real view.

    TeNPy's ``B_L /= renormalize`` also multiplies by ``1 / renormalize``
    (``Array.__itruediv__``); a division would cost ~4x as much here (56 vs 13 us for a
    40 x 300 complex block).
    """
    if np.iscomplexobj(a) and a.flags.c_contiguous:
        re_im = _real_view(a)
        np.multiply(re_im, x, out=re_im)
    else:
        a *= x


def _alloc(shape: tuple[int, int], dtype: np.dtype, full: bool) -> np.ndarray:
    """A new matrix: uninitialised if the caller writes all of it (``full``), else zeros.

    The blocks written are distinct by construction (each ``(row group, column group)``
    pair once), so a written area equal to the size means every entry is written.
    """
    return np.empty(shape, dtype=dtype) if full else np.zeros(shape, dtype=dtype)


def _finite(a: np.ndarray) -> bool:
    """No NaN or inf in ``a`` (via its sum, like TeNPy's ``anynan``: no temporary array)."""
    return bool(np.isfinite(a.sum()))


def _new_array(
    legs: list[LegCharge], dtype: np.dtype, qtotal: np.ndarray, data: list, qdata: list
) -> npc.Array:
    """An ``npc.Array`` (labels ``vL, p, vR``) from blocks built by :func:`update_bond`.

    Sets the attributes of ``npc.Array.__init__`` (TeNPy 1.1.1) without its argument checks
    (``test_sanity``, ~0.3 ms per tensor, i.e. a few % of a TEBD step at chi = 256): the legs
    are the input tensors' and the new bond's (:func:`_new_legs`), the blocks are consistent
    by construction. ``tests/test_tebd_bond_update.py`` runs
    ``test_sanity`` on the results.
    """
    a = npc.Array.__new__(npc.Array)
    a.legs = legs
    a.chinfo = legs[0].chinfo
    a.shape = tuple(leg.ind_len for leg in legs)
    a.rank = len(legs)
    a.dtype = np.dtype(dtype)
    a.qtotal = a.chinfo.make_valid(qtotal)
    a._labels = list(LABELS)
    a._data = data
    a._qdata = np.array(qdata, dtype=np.intp).reshape(-1, len(legs))
    a._qdata_sorted = False
    return a


def _new_legs(
    chinfo: Any, slices: list[int], charges: list[np.ndarray]
) -> tuple[LegCharge, LegCharge]:
    """The new bond's leg (``qconj = +1``, B_R's ``vL``) and its conjugate (B_L's ``vR``).

    What ``LegCharge.from_qind(chinfo, slices, charges, 1)`` and ``.conj()`` build, without
    the checks and the ``is_sorted``/``is_bunched`` scans (~50 us per update): the charges
    are valid (``make_valid``), distinct and in ``lexsort`` order by construction, so the leg
    is sorted and bunched. ``tests/test_tebd_bond_update.py`` checks all of it on the results.
    """
    state = (
        int(slices[-1]),
        len(charges),
        chinfo,
        np.array(slices, dtype=np.intp),
        np.array(charges, dtype=QTYPE).reshape(len(charges), chinfo.qnumber),
        1,
        True,
        True,
    )
    leg, conj = LegCharge.__new__(LegCharge), LegCharge.__new__(LegCharge)
    leg.__setstate__(state)
    conj.__setstate__(state[:5] + (-1,) + state[6:])
    return leg, conj


def update_bond(
    psi: MPS, i: int, gate: GateBlocks, trunc_params: TruncOptions | Any
) -> tuple[npc.Array, npc.Array, np.ndarray, TruncationError, float]:
    """Apply a two-site gate to bond ``i`` of ``psi`` and truncate; ``psi`` is not modified.

    The same result as :meth:`tenpy.algorithms.tebd.TEBDEngine.update_bond` (to round-off),
    see the module docstring. Call only where :func:`~mblbath.tebd.gates.supported` holds.

    Parameters
    ----------
    psi : MPS
        Finite MPS in B form on sites ``i - 1, i``.
    i : int
        Bond index: the gate acts on sites ``i - 1`` and ``i``.
    gate : GateBlocks
        The gate, from :func:`~mblbath.tebd.gates.gate_blocks`.
    trunc_params : TruncOptions, dict or Config
        As for :func:`tenpy.linalg.truncation.truncate` (``chi_max``, ``svd_min``, ...);
        pass a :class:`~mblbath.tebd.truncation.TruncOptions` to read them only once.

    Returns
    -------
    B_L, B_R : npc.Array
        The new tensors of sites ``i - 1`` and ``i`` (B form, labels ``vL, p, vR``).
    S : ndarray
        The new Schmidt values between them (normalised).
    trunc_err : TruncationError
        The truncation error of this update.
    renormalize : float
        Norm of the truncated state before normalisation (multiply ``psi.norm`` by it).
    """
    B0, B1 = psi._B[i - 1], psi._B[i]
    dtype = np.result_type(B0.dtype, B1.dtype, gate.gate.dtype)
    slL = B0.legs[0].slices
    dLs, dRs = np.diff(slL).tolist(), np.diff(B1.legs[2].slices).tolist()
    sector_id, q_sectors = _new_bond_sectors(B0, gate)
    pairs, buffers = _products(B0, B1, gate, dLs, dRs, dtype)
    gated = [gate.mats[Q] @ buf if buf.shape[1] else buf for Q, buf in enumerate(buffers)]
    theta = _theta_blocks(pairs, gated, gate, sector_id, len(q_sectors), dLs, dRs, dtype)
    spectra, right = _svd_sectors(theta, psi._S[i - 1], slL)
    mask, S_new, trunc_err, renormalize = _truncate(spectra, trunc_params)
    B_L, B_R = _split_theta(B0, B1, gate, theta, q_sectors, right, mask, 1.0 / renormalize)
    return B_L, B_R, S_new, trunc_err, float(renormalize)


def _new_bond_sectors(B0: npc.Array, gate: GateBlocks) -> tuple[list[list[int]], np.ndarray]:
    """Charge sector of the new bond for every row group ``(ka, s)`` of theta.

    Sectors are numbered in the order of the new leg's blocks: by the new bond's charge
    ``q(ka) + q(s) - qtotal(B0)`` (B_R's ``vL`` leg, ``qconj = +1``), sorted as TeNPy sorts.

    Returns
    -------
    sector_id : list of list of int
        ``sector_id[ka][s]``.
    q_sectors : ndarray, shape (n_sectors, qnumber)
        The charge of every sector.
    """
    chinfo = B0.chinfo
    qL = eff_charges(B0.legs[0])
    nq = qL.shape[1]
    q_new = chinfo.make_valid((qL[:, None, :] + gate.q0[None, :, :] - B0.qtotal).reshape(-1, nq))
    order = np.lexsort(q_new.T)
    q_sorted = q_new[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(q_sorted[1:] != q_sorted[:-1], axis=1)
    sector_id = np.empty(len(order), dtype=np.intp)
    sector_id[order] = np.cumsum(first) - 1
    return sector_id.reshape(len(qL), -1).tolist(), q_sorted[first]


def _products(
    B0: npc.Array, B1: npc.Array, gate: GateBlocks, dLs: list[int], dRs: list[int], dtype: Any
) -> tuple[list[dict[tuple[int, int], int]], list[np.ndarray]]:
    """Step 1: the products ``B0[ka, s', m] B1[m, t', kb]``, placed by gate sector.

    Returns
    -------
    pairs : list of dict
        For every gate sector ``Q``: the block pairs ``(ka, kb)`` present, each with its
        column offset in ``buffers[Q]``.
    buffers : list of ndarray
        ``buffers[Q][pos, off:off + dL * dR]``: the product for the physical pair at
        position ``pos`` of sector ``Q``, flattened (zero where no block pair contributes).
    """
    sector_of, position_of, gpairs = gate.sector_list, gate.position_list, gate.pairs
    mat0 = [a.reshape(a.shape[0], a.shape[2]) for a in B0._data]
    mat1 = [b.reshape(b.shape[0], b.shape[2]) for b in B1._data]
    b1_by_m: dict[int, list[tuple[int, int, int]]] = {}
    for j, (m, t, kb) in enumerate(B1._qdata.tolist()):
        b1_by_m.setdefault(m, []).append((j, t, kb))
    pairs: list[dict[tuple[int, int], int]] = [{} for _ in gpairs]
    size = [0] * len(gpairs)
    filled = [0] * len(gpairs)  # area written by the products, to skip zeroing full buffers
    products = []
    for j0, (ka, s, m) in enumerate(B0._qdata.tolist()):
        sec_s, pos_s = sector_of[s], position_of[s]
        for j1, t, kb in b1_by_m.get(m, ()):
            Q = sec_s[t]
            offs = pairs[Q]
            if (ka, kb) not in offs:
                offs[(ka, kb)] = size[Q]
                size[Q] += dLs[ka] * dRs[kb]
            filled[Q] += dLs[ka] * dRs[kb]
            products.append((j0, j1, Q, pos_s[t], ka, kb))
    buffers = [
        _alloc((len(p), n), dtype, full=filled[Q] == len(p) * n)
        for Q, (p, n) in enumerate(zip(gpairs, size, strict=True))
    ]
    # buffer[Q][pos, pair] viewed as (n_Q, dL, dR) per pair
    views = [
        {
            key: buf[:, off : off + dLs[key[0]] * dRs[key[1]]].reshape(-1, dLs[key[0]], dRs[key[1]])
            for key, off in offs.items()
        }
        for buf, offs in zip(buffers, pairs, strict=True)
    ]
    for j0, j1, Q, pos, ka, kb in products:
        np.matmul(mat0[j0], mat1[j1], out=views[Q][(ka, kb)][pos])
    return pairs, buffers


class _Theta(NamedTuple):
    """Theta as one dense matrix per charge sector of ``(vL p0 | p1 vR)`` (step 3).

    Attributes
    ----------
    sectors : list of int
        The sectors with at least one nonzero block, ascending.
    row_slices, col_slices : dict
        Per sector: ``(ka, s, r0, r1)`` and ``(t, kb, c0, c1)``, the rows/columns of each
        group in the sector's matrix.
    mats : dict
        Per sector: the matrix ``C`` (not yet scaled by the Schmidt values).
    """

    sectors: list[int]
    row_slices: dict[int, list[tuple[int, int, int, int]]]
    col_slices: dict[int, list[tuple[int, int, int, int]]]
    mats: dict[int, np.ndarray]


def _theta_blocks(
    pairs: list[dict[tuple[int, int], int]],
    gated: list[np.ndarray],
    gate: GateBlocks,
    sector_id: list[list[int]],
    n_sec: int,
    dLs: list[int],
    dRs: list[int],
    dtype: Any,
) -> _Theta:
    """Step 3: one dense matrix per charge sector of ``(vL p0 | p1 vR)``.

    Row groups ``(ka, s)`` and column groups ``(t, kb)`` present in each sector are handled
    as integer codes ``ka * d0 + s`` and ``t * nR + kb`` (their order is that of the tuples).
    """
    gpairs = gate.pairs
    d0, nR = len(gate.sector_list), len(dRs)
    rows: list[dict[int, int]] = [{} for _ in range(n_sec)]  # code -> dL, then -> offset
    cols: list[dict[int, int]] = [{} for _ in range(n_sec)]
    pieces = []
    area = [0] * n_sec  # area of each sector covered by pieces, to skip zeroing full ones
    for Q, offs in enumerate(pairs):
        members = gpairs[Q]
        out = gated[Q]
        for (ka, kb), off in offs.items():
            sec_ka = sector_id[ka]
            dL, dR = dLs[ka], dRs[kb]
            block = out[:, off : off + dL * dR].reshape(-1, dL, dR)
            r_base = ka * d0
            for pos, (s, t) in enumerate(members):
                k = sec_ka[s]
                r, c = r_base + s, t * nR + kb
                rows[k][r] = dL
                cols[k][c] = dR
                area[k] += dL * dR
                pieces.append((k, r, c, dL, dR, block[pos]))
    sectors = [k for k in range(n_sec) if rows[k]]
    row_slices: dict[int, list[tuple[int, int, int, int]]] = {}
    col_slices: dict[int, list[tuple[int, int, int, int]]] = {}
    mats: dict[int, np.ndarray] = {}
    for k in sectors:
        r_off, c_off = rows[k], cols[k]
        at, rs = 0, []
        for r in sorted(r_off):
            n = r_off[r]
            r_off[r] = at
            rs.append((r // d0, r % d0, at, at + n))
            at += n
        n_rows, at, cs = at, 0, []
        for c in sorted(c_off):
            n = c_off[c]
            c_off[c] = at
            cs.append((c // nR, c % nR, at, at + n))
            at += n
        row_slices[k], col_slices[k] = rs, cs
        mats[k] = _alloc((n_rows, at), dtype, full=area[k] == n_rows * at)
    for k, r, c, dL, dR, block in pieces:
        r0, c0 = rows[k][r], cols[k][c]
        mats[k][r0 : r0 + dL, c0 : c0 + dR] = block
    return _Theta(sectors, row_slices, col_slices, mats)


def _svd_sectors(
    theta: _Theta, SL: np.ndarray, slL: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Step 4a: ``theta = diag(S_L) C`` and its SVD, sector by sector.

    Returns the singular values and the right singular vectors ``V^dagger`` of every
    sector, in the order of ``sectors``.
    """
    spectra, right = [], []
    sl_blocks = [SL[a:b] for a, b in zip(slL[:-1], slL[1:], strict=True)]
    with np.errstate(invalid="raise", over="ignore", divide="ignore", under="ignore"):
        for key in theta.sectors:
            rs = theta.row_slices[key]
            sl = (
                np.concatenate([sl_blocks[r[0]] for r in rs])
                if len(rs) > 1
                else sl_blocks[rs[0][0]]
            )
            S, Vh = _svd(_scale_rows(theta.mats[key], sl))
            spectra.append(S)
            right.append(Vh)
    return spectra, right


def _truncate(
    spectra: list[np.ndarray], trunc_params: TruncOptions | Any
) -> tuple[np.ndarray, np.ndarray, TruncationError, float]:
    """Step 4b: TeNPy's truncation of the concatenated, normalised spectrum.

    Returns
    -------
    mask : ndarray of bool
        The values kept, over the concatenated spectrum.
    S_new : ndarray
        The kept values, normalised.
    trunc_err : TruncationError
        The discarded weight.
    renormalize : float
        Norm of the truncated state before normalisation.
    """
    S_all = np.concatenate(spectra)
    renormalize = np.linalg.norm(S_all)
    S_all = S_all / renormalize
    if not isinstance(trunc_params, TruncOptions):
        trunc_params = TruncOptions.read(trunc_params)
    mask, new_norm, trunc_err = truncate_fast(S_all, trunc_params)
    n_kept = int(np.count_nonzero(mask))
    chi_max = trunc_params.chi_max
    if n_kept * 100 < len(S_all) and (chi_max is None or n_kept != chi_max):
        warnings.warn(f"Catastrophic reduction in chi: {len(S_all):d} -> {n_kept:d}", stacklevel=3)
    S_new = S_all[mask] / new_norm
    renormalize *= new_norm
    return mask, S_new, trunc_err, renormalize


def _split_theta(
    B0: npc.Array,
    B1: npc.Array,
    gate: GateBlocks,
    theta: _Theta,
    q_sectors: np.ndarray,
    right: list[np.ndarray],
    mask: np.ndarray,
    inv_norm: float,
) -> tuple[npc.Array, npc.Array]:
    """Step 5: ``B_L = C V^dagger / norm`` and ``B_R = V``, cut into TeNPy blocks.

    ``right[k]`` is ``V^dagger`` of the ``k``-th sector of ``theta.sectors``; ``mask``
    marks the kept values of the concatenated spectrum.
    """
    sectors, row_slices, col_slices, mats = theta
    dtype = next(iter(mats.values())).dtype
    legL, legp0 = B0.legs[0], B0.legs[1]
    legp1, legR = B1.legs[1], B1.legs[2]
    data_L, qdata_L, data_R, qdata_R = [], [], [], []
    new_slices = [0]
    at = 0
    kept_q = []
    kept_before = np.concatenate(([0], np.cumsum(mask))).tolist()  # kept among S_all[:j]
    for k, key in enumerate(sectors):
        n = len(right[k])
        n_keep = kept_before[at + n] - kept_before[at]
        if n_keep == 0:
            at += n
            continue
        c = len(kept_q)
        kept_q.append(q_sectors[key])
        new_slices.append(new_slices[-1] + n_keep)
        # gesdd sorts each sector's values, so the kept ones are usually its first n_keep:
        # a view then (the same numbers as the boolean index, without the copy)
        if kept_before[at + n_keep] - kept_before[at] == n_keep:
            V = right[k][:n_keep]
        else:
            V = right[k][mask[at : at + n]]
        at += n
        BL = mats[key] @ V.conj().T
        _iscale(BL, inv_norm)
        for ka, s, r0, r1 in row_slices[key]:
            data_L.append(BL[r0:r1, None, :])
            qdata_L.append((ka, s, c))
        for t, kb, c0, c1 in col_slices[key]:
            data_R.append(np.ascontiguousarray(V[:, None, c0:c1]))
            qdata_R.append((c, t, kb))
    chinfo = B0.chinfo
    new_leg, new_leg_conj = _new_legs(chinfo, new_slices, kept_q)
    qtot1 = chinfo.make_valid(B1.qtotal + gate.gate.qtotal)
    B_L = _new_array([legL, legp0, new_leg_conj], dtype, B0.qtotal, data_L, qdata_L)
    B_R = _new_array([new_leg, legp1, legR], dtype, qtot1, data_R, qdata_R)
    return B_L, B_R


def store(psi: MPS, i: int, B_L: npc.Array, B_R: npc.Array, S: np.ndarray) -> None:
    """Put the result of :func:`update_bond` on bond ``i`` into ``psi``.

    What ``psi.set_SR(i - 1, S)`` and ``psi.set_B(i - 1, B_L, "B")``, ``psi.set_B(i, B_R,
    "B")`` do for a finite MPS (where :func:`supported` holds) with tensors already labelled
    ``vL, p, vR`` in that order, without their index and label handling (~25 us per call).
    """
    i0 = i - 1
    psi._S[i] = S  # set_SR(i0): the bond right of site i0
    psi._B[i0], psi._B[i] = B_L, B_R
    psi.form[i0] = psi.form[i] = B_FORM
    if psi.dtype != B_L.dtype:
        psi.dtype = np.promote_types(psi.dtype, B_L.dtype)
