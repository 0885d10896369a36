r"""The two-species hard-core boson chain of Eq. (1) on TeNPy, and its initial state.

.. math::

    H = t_d \sum_{i=0}^{L-2} (d^\dagger_i d_{i+1} + h.c.) + \sum_i \epsilon_i n_{d,i}
      + t_c \sum_{i=0}^{L-2} (c^\dagger_i c_{i+1} + h.c.) + U \sum_i n_{c,i} n_{d,i}

Open boundary conditions, sites ``0 .. L-1``. Both particle numbers are conserved, so the
site carries two U(1) charges ``(N_d, N_c)`` and every tensor is block sparse. The local
basis is ``|n_d n_c>`` in the order ``00, 10, 01, 11``; d and c commute (bosons, no
Jordan-Wigner strings).

Initial state (the paper's text does not fix it; see DESIGN.md): a period-3 density wave of
d-bosons on the sites ``i % 3 == d_residue`` (default 1) and the c-boson on ``c_site``
(default: the empty site nearest the centre, :func:`mblbath.config.default_c_site`: ``L // 2``
for every L divisible by 6 with ``d_residue = 1``, ``L // 2 - 1`` where the centre holds a
d-boson), so the c-boson never starts as a c-d doublon at energy U. Both choices are
recorded in every output file.
"""

from __future__ import annotations

import numpy as np
from tenpy.linalg import np_conserved as npc
from tenpy.models.lattice import Chain
from tenpy.models.model import CouplingMPOModel, NearestNeighborModel
from tenpy.networks.mps import MPS
from tenpy.networks.site import Site

from .config.derived import default_c_site

__all__ = [
    "LOCAL_STATES",
    "two_species_site",
    "BathModel",
    "d_sites",
    "initial_labels",
    "initial_mps",
]

#: Labels of the local basis |n_d n_c>.
LOCAL_STATES = ("00", "10", "01", "11")


def two_species_site() -> Site:
    """Hard-core d and c bosons on one site, with charges ``(N_d, N_c)``.

    Operators: ``Bd``/``Bdd`` (annihilate/create d), ``Bc``/``Bcd`` (c), ``Nd``, ``Nc``,
    ``NdNc``.
    """
    chinfo = npc.ChargeInfo([1, 1], ["N_d", "N_c"])
    leg = npc.LegCharge.from_qflat(chinfo, [[0, 0], [1, 0], [0, 1], [1, 1]])
    bd = np.zeros((4, 4))
    bd[0, 1] = bd[2, 3] = 1.0  # |10> -> |00>, |11> -> |01>
    bc = np.zeros((4, 4))
    bc[0, 2] = bc[1, 3] = 1.0  # |01> -> |00>, |11> -> |10>
    nd = np.diag([0.0, 1.0, 0.0, 1.0])
    nc = np.diag([0.0, 0.0, 1.0, 1.0])
    return Site(
        leg,
        list(LOCAL_STATES),
        Bd=bd,
        Bdd=bd.T.copy(),
        Bc=bc,
        Bcd=bc.T.copy(),
        Nd=nd,
        Nc=nc,
        NdNc=nd @ nc,
    )


class BathModel(CouplingMPOModel, NearestNeighborModel):
    r"""Anderson insulator of hard-core d-bosons coupled to one clean c-boson, Eq. (1).

    .. math::

        H = t_d \sum_i (d^\dagger_i d_{i+1} + h.c.) + \sum_i \epsilon_i n_{d,i}
          + t_c \sum_i (c^\dagger_i c_{i+1} + h.c.) + U \sum_i n_{c,i} n_{d,i}

    Options
    -------
    L : int
        Number of sites (open boundaries).
    eps : array of shape (L,)
        On-site potential of the d-bosons (one disorder realisation).
    U : float
        c-d on-site interaction.
    td, tc : float
        Hopping amplitudes (default 1). The sign is that of Eq. (1): ``+t``.
    """

    default_lattice = Chain
    force_default_lattice = True

    def init_sites(self, model_params):
        return two_species_site()

    def init_lattice(self, model_params):
        L = model_params.get("L", 12)
        return Chain(L, self.init_sites(model_params), bc="open", bc_MPS="finite")

    def init_terms(self, model_params):
        L = self.lat.N_sites
        eps = np.asarray(model_params.get("eps", np.zeros(L)), dtype=float)
        if eps.shape != (L,):
            raise ValueError(f"eps has shape {eps.shape}, expected ({L},)")
        U = model_params.get("U", 0.0)
        td = model_params.get("td", 1.0)
        tc = model_params.get("tc", 1.0)
        self.add_onsite(eps, 0, "Nd")
        self.add_onsite(U, 0, "NdNc")
        self.add_coupling(td, 0, "Bdd", 0, "Bd", 1, plus_hc=True)
        self.add_coupling(tc, 0, "Bcd", 0, "Bc", 1, plus_hc=True)


def d_sites(L: int, d_residue: int = 1) -> np.ndarray:
    """Sites of the initial d-boson density wave (nu_d = 1/3): ``i % 3 == d_residue``."""
    if L % 3:
        raise ValueError(f"L={L} is not divisible by 3 (nu_d = 1/3)")
    return np.arange(d_residue, L, 3)


def initial_labels(L: int, d_residue: int = 1, c_site: int | None = None) -> list[str]:
    """Local labels of the initial product state (see module docstring)."""
    c0 = default_c_site(L, d_residue) if c_site is None else c_site
    if not 0 <= c0 < L:
        raise ValueError(f"c_site={c0} is not a site of a chain of length {L}")
    nd = np.zeros(L, dtype=int)
    nd[d_sites(L, d_residue)] = 1
    nc = np.zeros(L, dtype=int)
    nc[c0] = 1
    return [f"{a}{b}" for a, b in zip(nd, nc, strict=True)]


def initial_mps(model: BathModel, d_residue: int = 1, c_site: int | None = None) -> MPS:
    """The initial product state as a TeNPy MPS on the model's sites."""
    labels = initial_labels(model.lat.N_sites, d_residue, c_site)
    return MPS.from_product_state(
        model.lat.mps_sites(), labels, bc="finite", unit_cell_width=model.lat.N_sites
    )
