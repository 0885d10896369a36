"""Two-site gates split into the charge sectors of their physical legs (for the lean update).

:func:`gate_blocks` builds, once per gate, the tables :func:`mblbath.tebd.bond_update.update_bond`
works with: which sector every physical pair ``(s, t)`` belongs to, its position there and the
gate restricted to each sector. :func:`supported` says whether the lean update applies to a
bond of a given MPS (finite, B form, one basis state per physical charge block, matching legs);
elsewhere the engine falls back to TeNPy's generic code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tenpy.linalg import np_conserved as npc
from tenpy.linalg.charges import LegCharge
from tenpy.networks.mps import MPS

__all__ = ["B_FORM", "LABELS", "GateBlocks", "gate_blocks", "supported", "eff_charges"]

#: The form of a B tensor (``psi.form[i]``) and the leg labels the lean update assumes.
B_FORM = (0.0, 1.0)
LABELS = ["vL", "p", "vR"]


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


def eff_charges(leg: LegCharge) -> np.ndarray:
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
    q0, q1 = eff_charges(p0), eff_charges(p1)
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
    if psi.form[i0] != B_FORM or psi.form[i1] != B_FORM:
        return False
    B0, B1 = psi._B[i0], psi._B[i1]
    if B0._labels != LABELS or B1._labels != LABELS:
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
    if not (_unit_blocks(leg) and np.array_equal(eff_charges(leg), q)):
        return False
    gate.matching_legs[key] = leg
    return True
