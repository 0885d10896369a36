"""A lean two-site TEBD bond update working directly on TeNPy's block-sparse tensors.

:meth:`tenpy.algorithms.tebd.TEBDEngine.update_bond` (TeNPy 1.1.1) is a chain of generic
:mod:`~tenpy.linalg.np_conserved` operations -- ``get_theta`` (a block ``tensordot``),
``tensordot`` with the gate, ``scale_axis``, ``combine_legs`` into two ``LegPipe``\\ s, a block
SVD with truncation (``svd_theta``), ``split_legs`` and a second ``tensordot`` with
``V.conj()``. Every one of them checks its arguments, builds new leg and charge tables and
matches blocks by charge in Python; at L = 30 and chi = 256 that bookkeeping is ~40 % of a
TEBD step and, holding the GIL, it serialises the parallel bond updates of
:mod:`mblbath.parallel`.

:func:`update_bond` performs the same contractions in the same order (the same
floating-point work up to zeros: step 2 also multiplies the few absent input blocks of a
gate sector, steps 3-5 leave out row and column groups of theta that are entirely zero),
with the bookkeeping specialised to this one task:

1. ``B0 . B1`` over the middle bond: one ``gemm`` per pair of charge blocks that match
   (TeNPy's compiled ``tensordot`` does the same ``gemm``\\ s), written straight into a
   buffer ordered by the gate's charge sectors;
2. the gate: one ``gemm`` per two-site charge sector ``Q`` of the physical legs,
   ``U_Q (n_Q x n_Q) @ [all (vL, vR) block pairs of that sector]`` (TeNPy: the same products,
   block by block);
3. the result ``C`` is copied once into one dense matrix per charge sector of the
   bipartition ``(vL p0 | p1 vR)`` -- exactly the blocks TeNPy's pipes would form, but only
   the row and column groups that are nonzero -- and ``theta = diag(S_L) C``;
4. one LAPACK ``gesdd`` per sector (numpy's, via the gufunc behind
   :func:`numpy.linalg.svd`, which releases the GIL; a failure or NaN falls back to TeNPy's
   ``gesvd`` path), TeNPy's truncation rule on the concatenated spectrum
   (:func:`truncate_fast`: the code of :func:`~tenpy.linalg.truncation.truncate` with the
   options read once);
5. ``B_L = C V^dagger`` (one ``gemm`` per sector), multiplied by ``1 / norm`` as TeNPy's
   ``B_L /= renormalize`` does, and ``B_R = V``, cut into blocks
   and stored as ordinary :class:`~tenpy.linalg.np_conserved.Array`\\ s with TeNPy's labels,
   leg conventions and charges (``psi.test_sanity()`` passes).

The gate's sector decomposition depends only on the gate and is cached
(:func:`gate_blocks`). :func:`supported` lists what the lean path assumes (finite MPS in
B form, one basis state per physical charge block, a charge-conserving gate); anything
else is left to TeNPy's generic code by the caller.

The result equals TeNPy's to round-off (different grouping of the same sums, numpy's
instead of scipy's LAPACK build): ``tests/test_bond_update.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tenpy.linalg import np_conserved as npc
from tenpy.linalg.charges import QTYPE, LegCharge
from tenpy.linalg.svd_robust import svd as _robust_svd
from tenpy.linalg.truncation import TruncationError
from tenpy.networks.mps import MPS
from tenpy.tools.params import asConfig

__all__ = [
    "GateBlocks",
    "TruncOptions",
    "gate_blocks",
    "supported",
    "store",
    "truncate_fast",
    "update_bond",
]

_B_FORM = (0.0, 1.0)
_LABELS = ["vL", "p", "vR"]


@dataclass(frozen=True)
class GateBlocks:
    """A two-site gate split into the charge sectors of its two physical legs.

    Attributes
    ----------
    gate : npc.Array
        The gate (kept so that a cache keyed by ``id(gate)`` stays valid).
    sector : ndarray of int, shape (d0, d1)
        ``sector[s, t]``: index ``Q`` of the sector of the physical pair ``(s, t)``.
    position : ndarray of int, shape (d0, d1)
        Position of ``(s, t)`` within its sector.
    pairs : list of list of (int, int)
        The pairs ``(s, t)`` of every sector, in order.
    mats : list of ndarray
        ``mats[Q][k, l] = U[s_k t_k, s_l t_l]``: the gate restricted to sector ``Q``.
    q0, q1 : ndarray, shape (d0, qnumber) and (d1, qnumber)
        Charges of the basis states of ``p0`` and ``p1`` (including ``qconj``).
    sector_list, position_list : list of list of int
        ``sector`` and ``position`` as nested lists (fast indexing in the update's loops).
    matching_legs : dict
        Physical legs :func:`supported` has checked against this gate (a cache).
    """

    gate: npc.Array
    sector: np.ndarray
    position: np.ndarray
    pairs: list[list[tuple[int, int]]]
    mats: list[np.ndarray]
    q0: np.ndarray
    q1: np.ndarray
    sector_list: list[list[int]]
    position_list: list[list[int]]
    matching_legs: dict[tuple[int, int], LegCharge] = field(default_factory=dict, compare=False)


def _unit_blocks(leg: LegCharge) -> bool:
    """Whether every charge block of ``leg`` holds exactly one basis state."""
    return leg.block_number == leg.ind_len


def _eff_charges(leg: LegCharge) -> np.ndarray:
    """Charges of the blocks of ``leg`` including its ``qconj``, shape (blocks, qnumber)."""
    return leg.chinfo.make_valid(leg.charges * leg.qconj)


def gate_blocks(U_bond: npc.Array) -> GateBlocks | None:
    """Split a two-site gate (labels ``p0, p1, p0*, p1*``) into its charge sectors.

    Parameters
    ----------
    U_bond : npc.Array
        The gate, conserving the charges (``qtotal = 0``).

    Returns
    -------
    GateBlocks or None
        None if the lean update does not apply (a physical charge block with more than one
        state, a gate changing the charges, other labels).
    """
    try:
        U = U_bond.copy().itranspose(["p0", "p1", "p0*", "p1*"])
    except (KeyError, ValueError):
        return None
    p0, p1 = U.legs[0], U.legs[1]
    if np.any(U.qtotal != 0) or not (_unit_blocks(p0) and _unit_blocks(p1)):
        return None
    dense = U.to_ndarray()
    q0, q1 = _eff_charges(p0), _eff_charges(p1)
    d0, d1 = p0.ind_len, p1.ind_len
    keys: dict[tuple[int, ...], int] = {}
    sector = np.empty((d0, d1), dtype=np.intp)
    position = np.empty((d0, d1), dtype=np.intp)
    pairs: list[list[tuple[int, int]]] = []
    for s in range(d0):
        for t in range(d1):
            key = tuple(U.chinfo.make_valid(q0[s] + q1[t]).tolist())
            Q = keys.setdefault(key, len(keys))
            if Q == len(pairs):
                pairs.append([])
            sector[s, t] = Q
            position[s, t] = len(pairs[Q])
            pairs[Q].append((s, t))
    mats = []
    for members in pairs:
        s_idx = np.array([s for s, _ in members])
        t_idx = np.array([t for _, t in members])
        mats.append(
            np.ascontiguousarray(dense[s_idx[:, None], t_idx[:, None], s_idx[None], t_idx[None]])
        )
    return GateBlocks(
        U_bond, sector, position, pairs, mats, q0, q1, sector.tolist(), position.tolist()
    )


def supported(psi: MPS, i: int, gate: GateBlocks) -> bool:
    """Whether :func:`update_bond` applies to ``gate`` on bond ``i`` (sites ``i - 1, i``).

    Requires a finite MPS, both tensors in B form with labels ``vL, p, vR``, physical legs
    with one state per charge block, as the gate's, and matching middle legs.
    """
    if psi.bc != "finite" or not 1 <= i < psi.L:
        return False
    i0, i1 = i - 1, i
    if psi.form[i0] != _B_FORM or psi.form[i1] != _B_FORM:
        return False
    B0, B1 = psi._B[i0], psi._B[i1]
    if B0._labels != _LABELS or B1._labels != _LABELS:
        return False
    p0, p1 = B0.legs[1], B1.legs[1]
    if not (_physical_leg_matches(gate, p0, 0) and _physical_leg_matches(gate, p1, 1)):
        return False
    mid0, mid1 = B0.legs[2], B1.legs[0]
    if mid0.qconj != -mid1.qconj:
        return False
    if mid0.slices is mid1.slices and mid0.charges is mid1.charges:
        return True  # a leg and its conj() (the update builds the new bond's legs so)
    return bool(
        np.array_equal(mid0.slices, mid1.slices) and np.array_equal(mid0.charges, mid1.charges)
    )


def _physical_leg_matches(gate: GateBlocks, leg: LegCharge, which: int) -> bool:
    """Whether ``leg`` has one state per block and the charges of the gate's leg ``which``.

    A leg found to match is remembered in ``gate.matching_legs`` (by identity, holding a
    reference so that its ``id`` stays unique): the MPS passes the same physical leg
    objects from update to update, and the check is then a dictionary look-up.
    """
    key = (id(leg), which)
    if gate.matching_legs.get(key) is leg:
        return True
    q = gate.q0 if which == 0 else gate.q1
    if not (_unit_blocks(leg) and np.array_equal(_eff_charges(leg), q)):
        return False
    gate.matching_legs[key] = leg
    return True


@dataclass(frozen=True)
class TruncOptions:
    """The truncation options of :func:`tenpy.linalg.truncation.truncate`, read once.

    TeNPy's ``truncate`` reads its five options from a ``Config`` at every call (~0.1 ms of
    its ~0.35 ms per bond update); :func:`truncate_fast` takes them from here. Build with
    :meth:`read`.
    """

    chi_max: int | None
    chi_min: int | None
    degeneracy_tol: float | None
    svd_min: float | None
    trunc_cut: float | None

    @classmethod
    def read(cls, options: Any) -> TruncOptions:
        """Read the options with TeNPy's defaults (and mark them used in a ``Config``)."""
        options = asConfig(options, "truncation")
        return cls(
            chi_max=options.get("chi_max", 100, int),
            chi_min=options.get("chi_min", None, int),
            degeneracy_tol=options.get("degeneracy_tol", None, "real"),
            svd_min=options.get("svd_min", 1.0e-14, "real"),
            trunc_cut=options.get("trunc_cut", 1.0e-14, "real"),
        )


def _combine(good1: np.ndarray, good2: np.ndarray, what: str) -> np.ndarray:
    """TeNPy's ``_combine_constraints``: ``good1 & good2`` unless that leaves nothing."""
    res = np.logical_and(good1, good2)
    if res.any():
        return res
    warnings.warn("truncation: can't satisfy constraint for " + what, stacklevel=3)
    return good1


def truncate_fast(S: np.ndarray, o: TruncOptions) -> tuple[np.ndarray, float, TruncationError]:
    """:func:`tenpy.linalg.truncation.truncate` (TeNPy 1.1.1) with pre-read options.

    The same steps in the same order (hence the same mask, norm and error for any
    spectrum: ``tests/test_bond_update.py`` compares them), without the ``Config`` look-ups
    and numpy's Python-level reduction wrappers.

    Parameters
    ----------
    S : ndarray
        Schmidt values, normalised, not necessarily sorted.
    o : TruncOptions
        The constraints.

    Returns
    -------
    mask : ndarray of bool
        The values to keep.
    norm_new : float
        ``np.linalg.norm(S[mask])``.
    err : TruncationError
        The discarded weight.
    """
    if o.trunc_cut is not None and o.trunc_cut >= 1.0:
        raise ValueError("trunc_cut >=1.")
    if not (S > 1.0e-10).any():
        warnings.warn("no Schmidt value above 1.e-10", stacklevel=2)
    if (S < -1.0e-10).any():
        warnings.warn("negative Schmidt values!", stacklevel=2)
    logS = np.log(np.where(S <= 0.0, 1.0e-100, S))  # TeNPy: np.choose, the same values
    piv = np.argsort(logS)
    logS = logS[piv]
    good = np.ones(len(piv), dtype=np.bool_)
    if o.chi_max is not None:
        good2 = np.zeros(len(piv), dtype=np.bool_)
        good2[-o.chi_max :] = True
        good = _combine(good, good2, "chi_max")
    if o.chi_min is not None and o.chi_min > 1:
        good2 = np.ones(len(piv), dtype=np.bool_)
        good2[-o.chi_min + 1 :] = False
        good = _combine(good, good2, "chi_min")
    if o.degeneracy_tol:
        good2 = np.empty(len(piv), np.bool_)
        good2[0] = True
        good2[1:] = np.greater_equal(logS[1:] - logS[:-1], o.degeneracy_tol)
        good = _combine(good, good2, "degeneracy_tol")
    if o.svd_min is not None:
        good2 = np.greater_equal(logS, np.log(o.svd_min))
        good = _combine(good, good2, "svd_min")
    if o.trunc_cut is not None:
        good2 = np.cumsum(S[piv] ** 2) > o.trunc_cut * o.trunc_cut
        good = _combine(good, good2, "trunc_cut")
    cut = np.nonzero(good)[0][0]
    mask = np.zeros(len(S), dtype=np.bool_)
    np.put(mask, piv[cut:], True)
    norm_new = np.linalg.norm(S[mask])
    return mask, norm_new, TruncationError.from_S(S[np.logical_not(mask)])


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
    by construction. ``tests/test_bond_update.py`` runs
    ``test_sanity`` on the results.
    """
    a = npc.Array.__new__(npc.Array)
    a.legs = legs
    a.chinfo = legs[0].chinfo
    a.shape = tuple(leg.ind_len for leg in legs)
    a.rank = len(legs)
    a.dtype = np.dtype(dtype)
    a.qtotal = a.chinfo.make_valid(qtotal)
    a._labels = list(_LABELS)
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
    is sorted and bunched. ``tests/test_bond_update.py`` checks all of it on the results.
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
    see the module docstring. Call only where :func:`supported` holds.

    Parameters
    ----------
    psi : MPS
        Finite MPS in B form on sites ``i - 1, i``.
    i : int
        Bond index: the gate acts on sites ``i - 1`` and ``i``.
    gate : GateBlocks
        The gate, from :func:`gate_blocks`.
    trunc_params : TruncOptions, dict or Config
        As for :func:`tenpy.linalg.truncation.truncate` (``chi_max``, ``svd_min``, ...);
        pass a :class:`TruncOptions` to read them only once.

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
    i0, i1 = i - 1, i
    B0, B1 = psi._B[i0], psi._B[i1]
    SL = psi._S[i0]
    chinfo = B0.chinfo
    legL, legp0, _ = B0.legs
    _, legp1, legR = B1.legs
    dtype = np.result_type(B0.dtype, B1.dtype, gate.gate.dtype)
    slL = legL.slices
    dLs, dRs = np.diff(slL).tolist(), np.diff(legR.slices).tolist()
    qL = _eff_charges(legL)
    qtot0 = B0.qtotal
    qtot1 = chinfo.make_valid(B1.qtotal + gate.gate.qtotal)
    sector_of, position_of, gpairs = gate.sector_list, gate.position_list, gate.pairs

    # sector of each row group (ka, s), numbered in the order of the new leg's blocks: by the
    # new bond's charge q(ka) + q(s) - qtotal(B0) (B_R's vL leg, qconj +1), sorted like TeNPy
    nq = qL.shape[1]
    q_new = chinfo.make_valid((qL[:, None, :] + gate.q0[None, :, :] - qtot0).reshape(-1, nq))
    order = np.lexsort(q_new.T)
    q_sorted = q_new[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(q_sorted[1:] != q_sorted[:-1], axis=1)
    sector_id = np.empty(len(order), dtype=np.intp)
    sector_id[order] = np.cumsum(first) - 1
    q_sectors = q_sorted[first]
    sector_id = sector_id.reshape(len(dLs), -1).tolist()

    # -- 1. the products B0[ka, s', m] B1[m, t', kb], placed by gate sector ----------------
    mat0 = [a.reshape(a.shape[0], a.shape[2]) for a in B0._data]
    mat1 = [b.reshape(b.shape[0], b.shape[2]) for b in B1._data]
    b1_by_m: dict[int, list[tuple[int, int, int]]] = {}
    for j, (m, t, kb) in enumerate(B1._qdata.tolist()):
        b1_by_m.setdefault(m, []).append((j, t, kb))
    # the block pairs (ka, kb) of each gate sector Q, each with its offset in Q's buffer
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

    # -- 2. the gate, one gemm per sector --------------------------------------------------
    gated = [gate.mats[Q] @ buf if buf.shape[1] else buf for Q, buf in enumerate(buffers)]

    # -- 3. theta: one dense matrix per charge sector of (vL p0 | p1 vR) -------------------
    # row groups (ka, s) and column groups (t, kb) present in each sector, as integer codes
    # ka * d0 + s and t * nR + kb (their order is that of the tuples)
    n_sec, d0, nR = len(q_sectors), len(sector_of), len(dRs)
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

    # -- 4. SVD per sector and truncation --------------------------------------------------
    spectra, right = [], []
    sl_blocks = [SL[a:b] for a, b in zip(slL[:-1], slL[1:], strict=True)]
    with np.errstate(invalid="raise", over="ignore", divide="ignore", under="ignore"):
        for key in sectors:
            rs = row_slices[key]
            sl = (
                np.concatenate([sl_blocks[r[0]] for r in rs])
                if len(rs) > 1
                else sl_blocks[rs[0][0]]
            )
            S, Vh = _svd(_scale_rows(mats[key], sl))
            spectra.append(S)
            right.append(Vh)
    S_all = np.concatenate(spectra)
    renormalize = np.linalg.norm(S_all)
    S_all = S_all / renormalize
    if not isinstance(trunc_params, TruncOptions):
        trunc_params = TruncOptions.read(trunc_params)
    mask, new_norm, trunc_err = truncate_fast(S_all, trunc_params)
    n_kept = int(np.count_nonzero(mask))
    chi_max = trunc_params.chi_max
    if n_kept * 100 < len(S_all) and (chi_max is None or n_kept != chi_max):
        warnings.warn(f"Catastrophic reduction in chi: {len(S_all):d} -> {n_kept:d}", stacklevel=2)
    S_new = S_all[mask] / new_norm
    renormalize *= new_norm
    inv_norm = 1.0 / renormalize

    # -- 5. B_L = C V^dagger / norm, B_R = V ----------------------------------------------
    data_L, qdata_L, data_R, qdata_R = [], [], [], []
    new_slices = [0]
    at = 0
    kept_q = []
    kept_before = np.concatenate(([0], np.cumsum(mask))).tolist()  # kept among S_all[:j]
    for k, key in enumerate(sectors):
        n = len(spectra[k])
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
    new_leg, new_leg_conj = _new_legs(chinfo, new_slices, kept_q)
    B_L = _new_array([legL, legp0, new_leg_conj], dtype, qtot0, data_L, qdata_L)
    B_R = _new_array([new_leg, legp1, legR], dtype, qtot1, data_R, qdata_R)
    return B_L, B_R, S_new, trunc_err, float(renormalize)


def store(psi: MPS, i: int, B_L: npc.Array, B_R: npc.Array, S: np.ndarray) -> None:
    """Put the result of :func:`update_bond` on bond ``i`` into ``psi``.

    What ``psi.set_SR(i - 1, S)`` and ``psi.set_B(i - 1, B_L, "B")``, ``psi.set_B(i, B_R,
    "B")`` do for a finite MPS (where :func:`supported` holds) with tensors already labelled
    ``vL, p, vR`` in that order, without their index and label handling (~25 us per call).
    """
    i0 = i - 1
    psi._S[i] = S  # set_SR(i0): the bond right of site i0
    psi._B[i0], psi._B[i] = B_L, B_R
    psi.form[i0] = psi.form[i] = _B_FORM
    if psi.dtype != B_L.dtype:
        psi.dtype = np.promote_types(psi.dtype, B_L.dtype)
