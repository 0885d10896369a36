r"""Perturbative stability criterion of localisation, Eq. (2), from single-particle data.

.. math::

    (W + \tilde W_U)\, U \;>\; \tfrac32\, \xi_c^0\, \xi_d\, \nu_d (1-\nu_d) / a^2,
    \qquad \xi_c^0 = U^2 \xi_c ,

with lattice spacing :math:`a = 1`. Every ingredient is computed from exact single-particle
physics on chains of ``L`` sites (default 600) and ``n_real`` disorder realisations:

Conventions (also written into the attributes of the returned Dataset)
-----------------------------------------------------------------------
Disorder
    :math:`\epsilon_i = W u_i`, :math:`u_i` i.i.d. uniform in [-1, 1] (box [-W, W] as in
    Eq. 1), drawn once from ``numpy.random.default_rng(seed)`` with shape (n_real, L) and
    **reused for every W** (common random numbers: W̃(W), ξ_d(W) are smooth in W, and the
    location of the maximum of W̃ is not blurred by independent noise at each W).
Initial state
    Period-:math:`1/\nu_d` density wave: d-bosons on the sites with
    ``i % round(1/nu_d) == d_residue`` (default ν_d = 1/3, d_residue = 1, as in the runs).
Diagonal ensemble
    :math:`\langle n_{d,i}\rangle_\infty = \sum_\alpha |\phi_\alpha(i)|^2
    \sum_{j\,\mathrm{occ}} |\phi_\alpha(j)|^2` (free fermions = hard-core bosons at U = 0,
    exact; :func:`mblbath.anderson.diagonal_ensemble_density`), hopping ``td``.
Effective disorder W̃ (static Hartree picture of the c-boson)
    The c-boson sees the potential :math:`U\langle n_{d,i}\rangle_\infty`. That potential
    is the sum of a *deterministic* period-3 part (the memory of the density wave: the
    disorder-averaged density of each residue class i mod 3) and a *random* part. Only the
    random part is disorder; the periodic part is a superlattice that opens gaps but
    localises nothing. We therefore define

    .. math::
        \delta n_i = \langle n_{d,i}\rangle_\infty - m_{i \bmod 3},\qquad
        m_r = \overline{\langle n_{d,i}\rangle_\infty}\big|_{i \equiv r},\qquad
        \tilde W = \sqrt{3\,\mathrm{var}(\delta n)},

    the pooled variance over bulk sites (``edge`` sites dropped at each end, default
    L // 20) and all realisations. The factor 3 maps a variance onto the half-width of the
    uniform box with the same variance (box [-W̃, W̃] has variance W̃²/3), i.e. the same
    convention as ε ∈ [-W, W]. W̃ is **per unit U** (dimensionless): the c-boson sees an
    effective box disorder of half-width :math:`\tilde W_U = U \tilde W` (energy, output
    ``W_tilde_U``), and this is what enters the left-hand side,
    ``lhs = (W + U * W_tilde) * U``. (With the periodic part included the spread would grow
    monotonically with W towards ν(1-ν); the paper's W̃ is non-monotonic, which only the
    random part is.) Error: jackknife over realisations.
Localisation lengths (amplitude decay lengths, |ψ(r)| ~ exp(-r/ξ), in lattice spacings)
    Transfer-matrix Lyapunov exponents γ(E) (:mod:`mblbath.anderson`, Riccati form), with
    the ``n_real`` chains joined end to end into one chain of ``n_real * L`` sites
    (finite-size bias of order 1/(n_real L) instead of 1/L; ξ is capped at n_real L).
    ``energy="band"`` (default): **DOS-weighted average of ξ(E) = 1/γ(E) over the whole
    spectrum** (:func:`mblbath.anderson.band_xi`, exact Sturm counts on ``n_energy``
    bins). Why the band and why <ξ> rather than 1/<γ>: the d-bosons start from a density
    wave, which overlaps all single-particle eigenstates (infinite temperature), and the
    c-boson started on one site populates its eigenstates with the local density of
    states, whose disorder average is the DOS; the spreading of a particle is carried by
    its most extended states, which <ξ> weights and 1/<γ> does not (1/<γ> is dominated by
    band-edge states and, for the c-boson, would not scale as 1/U² at weak effective
    disorder, so ξ_c^0 = U² ξ_c would not be U-independent there). A fixed energy is
    avoided because the spectrum of the c-boson changes shape with U and W (minibands and
    pseudo-gaps from the period-3 part of U<n_d>, states on the initially occupied sites
    split off at large U), so one energy would sample different kinds of states at
    different (W, U). ``energy=<float>``: ξ = 1/γ(E) at E for the
    d-bosons and at :math:`E + U\,\overline{\langle n_d\rangle_\infty}` (same offset from
    the mean of the effective potential) for the c-boson.

    * ξ_d(W): Anderson chain, potential ε, hopping ``td``; the realisations run at the
      same time, each entered with a warm-up of 200 sites on the end of the previous one
      (:func:`mblbath.long_chain.band_xi_pieces`; ξ_d <= 25 at W >= 1).
    * ξ_c(W, U): potential :math:`U\langle n_{d,i}\rangle_\infty` (random **and** periodic
      parts: what the c-boson actually sees), hopping ``tc``. ξ_c = inf at U = 0 (clean).
      Caveat: at large U about 1/3 of the states sit on the initially occupied sites, at
      energies ≈ U m_1 (m_1 = their mean <n_d>_inf, output ``nd_class_mean``), and are
      strongly localised; the band average includes them (with little weight in <ξ>).
    * U² ξ_c at each U (``xi_c0(W, U)``); its U → 0 limit is the ξ_c^0 of Eq. (2)
      (weak effective disorder: ξ_c ∝ 1/(U W̃)²), computed by
      :mod:`mblbath.criterion_limit`.
    Errors: jackknife over the ``n_real`` realisations of the joined chain (band average)
    or batch means (fixed E, ξ_c per U), propagated to ξ.
Criterion (default: the U → 0 limit of ξ_c^0)
    ``xi_c0_limit`` = lim_{U→0} U²ξ_c, extrapolated from a small-U grid
    (:mod:`mblbath.criterion_limit`: random part of U<n_d>_inf on a separate long chain,
    fit ``a + b U + c U²``, jackknife error). ``lhs = (W + U W̃) U``,
    ``rhs = 1.5 * xi_c0_limit * xi_d * nu_d * (1 - nu_d)`` (a = 1, one value per W),
    ``stable = lhs > rhs``, and ``U_c(W)`` the positive root of ``W̃ U² + W U = rhs``
    (:func:`mblbath.criterion_limit.threshold`), with a delete-a-group jackknife error
    over W̃, ξ_d and ξ_c^0 (``U_c_err``); it is given also where it lies above the U grid
    of the map (``U_c_status`` says so).
Criterion per U (the labelled alternative)
    ``xi_c0(W, U) = U² ξ_c(W, U)`` at each U of the map (full potential, as above),
    ``rhs_perU = 1.5 * xi_c0 * xi_d * nu_d * (1 - nu_d)``; ``U_c_perU``: the lowest U of
    the grid at which the sign of ln(lhs/rhs_perU) changes from unstable to stable,
    linearly interpolated in U; NaN with a reason in ``U_c_perU_status`` if no such
    crossing lies inside the grid. At U = 0, ξ_c = inf and ``xi_c0``, ``rhs_perU`` are
    NaN. Since U²ξ_c varies with U (at W = 6.5 from ~150 at U → 0 to ~95 at U = 4 and
    ~170 at U = 12), this crossing depends on which U's value enters.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from .anderson import _riccati, band_xi, diagonal_ensemble_density
from .criterion_dataset import conventions, criterion_dataset
from .criterion_limit import SMALL_L, extrapolate, small_u_data, threshold
from .long_chain import band_xi_pieces, jackknife_error

__all__ = [
    "compute_criterion",
    "disorder_draws",
    "effective_disorder",
    "find_crossing",
    "X_SMALL",
]

#: Default small-U grid, as effective box half-widths x = U W̃ (see mblbath.criterion_limit).
X_SMALL = (0.18, 0.25, 0.36, 0.51, 0.72)
#: Warm-up (sites) of each realisation of the d-boson chain (ξ_d <= 25 at W >= 1).
_XI_D_WARMUP = 200


def _period(nu_d: float) -> int:
    p = round(1.0 / nu_d)
    if p < 2 or abs(1.0 / p - nu_d) > 1e-9:
        raise ValueError(f"nu_d = {nu_d} is not 1/p for an integer p >= 2 (density wave)")
    return p


def effective_disorder(
    nd: np.ndarray, period: int = 3, edge: int = 0, part: str = "random"
) -> tuple[float, float]:
    """W̃ = sqrt(3 var) of diagonal-ensemble densities (per unit U), and its error.

    Parameters
    ----------
    nd : array, shape (n_real, L)
        :math:`\\langle n_{d,i}\\rangle_\\infty` per realisation.
    period : int
        Period of the initial density wave.
    edge : int
        Sites dropped at each end of the chain.
    part : "random" or "full"
        ``"random"`` (the criterion's W̃): deviations from the residue-class (i mod period)
        means, the random part only. ``"full"``: deviations from the overall mean, the
        periodic part included (the alternative of the open choice "W_tilde").

    Returns
    -------
    W_tilde, W_tilde_err : float
        Estimate (pooled over bulk sites and realisations) and jackknife error over
        realisations (NaN for a single realisation).
    """
    w, jk = _w_tilde_jk(nd, period, edge, part)
    return w, float(jackknife_error(jk))


def _w_tilde_jk(nd: np.ndarray, period: int, edge: int, part: str = "random"):
    """W̃ and its leave-one-realisation-out replicas (:func:`effective_disorder`)."""
    if part not in ("random", "full"):
        raise ValueError("part must be 'random' or 'full'")
    nd = np.atleast_2d(np.asarray(nd, dtype=float))
    n_real, L = nd.shape
    sites = np.arange(edge, L - edge)
    bulk = nd[:, sites]
    n_cls = period if part == "random" else 1
    cls = sites % n_cls
    onehot = (cls[:, None] == np.arange(n_cls)[None, :]).astype(float)  # (n_site, n_cls)
    sums = bulk @ onehot  # (n_real, n_cls): per-realisation class sums
    n_per = onehot.sum(axis=0)

    def wt(sel: np.ndarray) -> float:
        m = sums[sel].sum(axis=0) / (n_per * sel.sum())
        dev = bulk[sel] - m[cls][None, :]
        return float(np.sqrt(3.0 * np.mean(dev * dev)))

    allr = np.ones(n_real, dtype=bool)
    if n_real < 2:
        return wt(allr), np.full(1, np.nan)
    jk = np.array([wt(allr & (np.arange(n_real) != r)) for r in range(n_real)])
    return wt(allr), jk


def find_crossing(u: np.ndarray, f: np.ndarray) -> tuple[float, str]:
    """Lowest U where ``f = ln(lhs/rhs)`` goes from <= 0 (unstable) to > 0 (stable).

    Parameters
    ----------
    u : array
        Ascending U values.
    f : array
        ln(lhs/rhs) at those U (NaN entries are ignored).

    Returns
    -------
    U_c : float
        Linear interpolation of the zero of f between the two bracketing grid points, NaN
        if there is no crossing.
    status : str
        "ok", or the reason for NaN; a note if there is more than one crossing.
    """
    ok = np.isfinite(f)
    u, f = np.asarray(u)[ok], np.asarray(f)[ok]
    if u.size < 2:
        return float("nan"), "fewer than two U values with finite lhs/rhs"
    st = f > 0
    ups = np.nonzero(~st[:-1] & st[1:])[0]
    downs = np.nonzero(st[:-1] & ~st[1:])[0]
    if ups.size == 0:
        if st.all():
            return float("nan"), f"stable at every U > 0 of the grid (U_c < {u[0]:g})"
        if not st.any():
            return float("nan"), f"unstable on the whole grid (U_c > {u[-1]:g})"
        return float("nan"), "only stable -> unstable crossings (stable at small U)"
    k = int(ups[0])
    u_c = float(u[k] + (u[k + 1] - u[k]) * (0.0 - f[k]) / (f[k + 1] - f[k]))
    n_cross = ups.size + downs.size
    status = "ok" if n_cross == 1 else f"ok; {n_cross} sign changes, lowest upward one reported"
    return u_c, status


def compute_criterion(
    W_grid: np.ndarray,
    U_grid: np.ndarray,
    L: int = 600,
    n_real: int = 20,
    seed: int = 0,
    td: float = 1.0,
    nu_d: float = 1 / 3,
    d_residue: int = 1,
    *,
    tc: float = 1.0,
    energy: str | float = "band",
    n_energy: int = 96,
    edge: int | None = None,
    x_small=X_SMALL,
    n_real_small: int = 500,
) -> xr.Dataset:
    """Evaluate both sides of Eq. (2) on a (W, U) grid (see the module docstring).

    Parameters
    ----------
    W_grid, U_grid : array
        Disorder strengths and interaction strengths (sorted ascending in the output).
    L : int
        Chain length of the single-particle calculations.
    n_real : int
        Disorder realisations (the same u_i for every W); also the number of jackknife
        groups of the small-U chain.
    seed : int
        Seed of ``numpy.random.default_rng``; the small-U chain draws from the stream
        ``SeedSequence(seed, spawn_key=(1,))``.
    td, tc : float
        Hopping of the d-bosons and of the c-boson.
    nu_d : float
        d-boson filling 1/p; the initial state is the period-p density wave.
    d_residue : int
        d-bosons initially on sites ``i % p == d_residue``.
    energy : "band" or float
        Energy convention of the Lyapunov exponents (module docstring).
    n_energy : int
        Energy bins of the band average (map and ξ_d).
    edge : int, optional
        Sites dropped at each end for W̃ (default ``L // 20``).
    x_small : sequence of float
        Small-U grid of the U → 0 extrapolation as x = U W̃ (mblbath.criterion_limit).
    n_real_small : int
        Realisations (of ``criterion_limit.SMALL_L`` sites) of the small-U chain.

    Returns
    -------
    xarray.Dataset
        dims (W, U, x_small, residue); the variables of
        :data:`mblbath.criterion_dataset.VARIABLES` (among them ``U_c``, ``U_c_err``,
        ``U_c_status`` from the limit ``xi_c0_limit``, and ``U_c_perU``); attrs with all
        conventions, ``W_tilde_argmax`` and the runtime.
    """
    t_start = time.perf_counter()
    W, U, period = _grids(W_grid, U_grid, nu_d, d_residue)
    x = np.sort(np.asarray(x_small, dtype=float))
    if edge is None:
        edge = L // 20
    u, u_small = disorder_draws(seed, n_real, L, n_real_small)
    occupied = np.arange(L) % period == d_residue
    geo = {"td": td, "tc": tc, "period": period, "d_residue": d_residue}
    sp = _single_particle(W, U, u, occupied, geo, edge, energy, n_energy)
    lim = _limit(W, x, u_small, geo, n_real, energy)
    sides = _both_sides(W, U, sp, lim, period)
    ds = criterion_dataset(W, U, x, period, {**sp, **lim, **sides})
    params = {**geo, "L": L, "n_real": n_real, "seed": seed, "edge": edge}
    params.update(n_energy=n_energy, n_real_small=n_real_small)
    ds.attrs = _attrs(energy, x, params, W, sp["W_tilde"], t_start)
    return ds


def _attrs(
    energy: str | float,
    x: np.ndarray,
    params: dict,
    W: np.ndarray,
    W_tilde: np.ndarray,
    t_start: float,
) -> dict:
    """The attributes of the criterion Dataset, in this order: the conventions, the
    parameters (``params``: the hoppings, the density-wave period, the integer
    parameters), where W̃ peaks on the W grid, and the runtime since ``t_start``
    (:func:`time.perf_counter`)."""
    i_max = int(np.nanargmax(W_tilde))
    return {
        **conventions(energy, x, params["n_real_small"]),
        **{k: int(params[k]) for k in ("L", "n_real", "seed")},
        "td": float(params["td"]),
        "tc": float(params["tc"]),
        "nu_d": float(1.0 / params["period"]),
        **{k: int(params[k]) for k in ("d_residue", "edge", "n_energy", "n_real_small")},
        "W_tilde_argmax": float(W[i_max]),
        "W_tilde_max": float(W_tilde[i_max]),
        "runtime_seconds": float(time.perf_counter() - t_start),
    }


def disorder_draws(
    seed: int, n_real: int, L: int, n_real_small: int
) -> tuple[np.ndarray, np.ndarray]:
    """The draws u in [-1, 1] (ε = W u) of the criterion, the same for every W.

    Returns ``(u, u_small)``: shape (n_real, L) from ``default_rng(seed)`` (W̃, ξ_d, ξ_c
    per U), and (n_real_small, SMALL_L) from ``SeedSequence(seed, spawn_key=(1,))`` (the
    small-U chain of the U → 0 limit).
    """
    u = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n_real, L))
    small_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    return u, small_rng.uniform(-1.0, 1.0, size=(n_real_small, SMALL_L))


def _grids(W_grid, U_grid, nu_d: float, d_residue: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted W and U grids and the density-wave period, checked."""
    W = np.sort(np.asarray(W_grid, dtype=float))
    U = np.sort(np.asarray(U_grid, dtype=float))
    if np.any(U < 0) or np.any(W < 0):
        raise ValueError("W and U must be non-negative")
    period = _period(nu_d)
    if not 0 <= d_residue < period:
        raise ValueError(f"d_residue must be in 0..{period - 1}")
    return W, U, period


def _single_particle(
    W: np.ndarray,
    U: np.ndarray,
    u: np.ndarray,
    occupied: np.ndarray,
    geo: dict,
    edge: int,
    energy: str | float,
    n_energy: int,
) -> dict[str, np.ndarray]:
    """W̃, ξ_d (with jackknife replicas), ξ_c per U and the class means, for every W.

    ``u`` (n_real, L) are the disorder draws in [-1, 1], the same for every W.
    """
    n_real, L = u.shape
    nW, nU, period = W.size, U.size, geo["period"]
    out = {
        "W_tilde": np.empty(nW),
        "W_tilde_jk": np.empty((nW, n_real)),
        "xi_d": np.empty(nW),
        "xi_d_jk": np.empty((nW, n_real)),
        "xi_c": np.full((nW, nU), np.nan),
        "xi_c_err": np.full((nW, nU), np.nan),
        "nd_class_mean": np.empty((nW, period)),
    }
    bulk = np.arange(edge, L - edge)
    pos = U > 0
    for k, w in enumerate(W):
        eps = w * u
        nd = diagonal_ensemble_density(eps, geo["td"], occupied)
        out["W_tilde"][k], out["W_tilde_jk"][k] = _w_tilde_jk(nd, period, edge)
        out["nd_class_mean"][k] = [nd[:, bulk[bulk % period == r]].mean() for r in range(period)]
        # d-bosons: the realisations as consecutive pieces of one chain
        xd, xd_jk = band_xi_pieces(
            eps.reshape(1, -1),
            geo["td"],
            n_energy,
            n_pieces=n_real,
            warmup=_XI_D_WARMUP,
            n_groups=n_real,
            energy=energy,
        )
        out["xi_d"][k], out["xi_d_jk"][k] = xd[0], xd_jk[:, 0]
        # c-boson: effective potential U <n_d>_inf, all U at once
        if pos.any():
            v = U[pos, None] * nd.reshape(1, -1)  # (nU+, n_real L)
            shift = U[pos, None] * nd.mean()  # mean of the effective potential
            xc, xce = _lengths(v, geo["tc"], energy, shift, n_energy, n_real)
            out["xi_c"][k, pos], out["xi_c_err"][k, pos] = xc, xce
        out["xi_c"][k, ~pos] = np.inf
    out["W_tilde_err"] = jackknife_error(out["W_tilde_jk"], axis=1)
    out["xi_d_err"] = jackknife_error(out["xi_d_jk"], axis=1)
    return out


def _limit(
    W: np.ndarray, x: np.ndarray, u_small: np.ndarray, geo: dict, n_groups: int, energy
) -> dict[str, np.ndarray]:
    """ξ_c^0 = lim U²ξ_c at every W from the small-U chain (mblbath.criterion_limit)."""
    nW, nx = W.size, x.size
    out = {
        "U_small": np.empty((nW, nx)),
        "xi_c0_small": np.empty((nW, nx)),
        "xi_c0_small_err": np.empty((nW, nx)),
        "W_tilde_small": np.empty(nW),
        "xi_c0_limit": np.empty(nW),
        "xi_c0_limit_err": np.empty(nW),
        "xi_c0_limit_jk": np.empty((nW, n_groups)),
        "xi_c0_limit_chi2_red": np.empty(nW),
        "xi_c0_limit_grid_shift": np.empty(nW),
    }
    for k, w in enumerate(W):
        d = small_u_data(u_small, w, x, n_groups=n_groups, energy=energy, **geo)
        fit = extrapolate(d["U_small"], d["xi_c0_small"], d["xi_c0_small_jk"])
        out["U_small"][k] = d["U_small"]
        out["xi_c0_small"][k] = d["xi_c0_small"]
        out["xi_c0_small_err"][k] = jackknife_error(d["xi_c0_small_jk"])
        out["W_tilde_small"][k] = d["W_tilde_small"]
        out["xi_c0_limit"][k], out["xi_c0_limit_err"][k] = fit["limit"], fit["limit_err"]
        out["xi_c0_limit_jk"][k] = fit["limit_jk"]
        out["xi_c0_limit_chi2_red"][k] = fit["chi2_red"]
        out["xi_c0_limit_grid_shift"][k] = fit["grid_shift"]
    return out


def _both_sides(
    W: np.ndarray, U: np.ndarray, sp: dict, lim: dict, period: int
) -> dict[str, np.ndarray]:
    """Both sides of Eq. (2), the stability map and U_c(W): from the limit and per U."""
    f = 1.5 * (1.0 / period) * (1.0 - 1.0 / period)
    W2, U2 = np.meshgrid(W, U, indexing="ij")
    with np.errstate(invalid="ignore"):
        xi_c0 = np.where(U2 > 0, U2**2 * sp["xi_c"], np.nan)
    w_t_u = U2 * sp["W_tilde"][:, None]
    lhs = (W2 + w_t_u) * U2
    rhs_w = f * lim["xi_c0_limit"] * sp["xi_d"]  # (W,)
    rhs = np.broadcast_to(rhs_w[:, None], lhs.shape).copy()
    stable = np.where(np.isfinite(rhs), lhs > rhs, False).astype(np.int8)
    u_c = threshold(W, sp["W_tilde"], rhs_w)
    u_c_jk = threshold(
        W[:, None], sp["W_tilde_jk"], f * lim["xi_c0_limit_jk"] * sp["xi_d_jk"]
    )  # (W, n_groups): joint delete-a-group jackknife
    status = np.array([_limit_status(uc, U) for uc in u_c], dtype=object)
    rhs_per_u = f * xi_c0 * sp["xi_d"][:, None]
    u_c_per_u = np.full(W.size, np.nan)
    per_u_status = np.empty(W.size, dtype=object)
    for k in range(W.size):
        g = np.full(U.size, np.nan)
        good = np.isfinite(rhs_per_u[k]) & (lhs[k] > 0) & (rhs_per_u[k] > 0)
        g[good] = np.log(lhs[k, good]) - np.log(rhs_per_u[k, good])
        u_c_per_u[k], per_u_status[k] = find_crossing(U, g)
    return {
        "xi_c0": xi_c0,
        "W_tilde_U": w_t_u,
        "lhs": lhs,
        "rhs": rhs,
        "rhs_perU": rhs_per_u,
        "stable": stable,
        "U_c": u_c,
        "U_c_err": jackknife_error(u_c_jk, axis=1),
        "U_c_status": status.astype(str),
        "U_c_perU": u_c_per_u,
        "U_c_perU_status": per_u_status.astype(str),
    }


def _limit_status(u_c: float, U: np.ndarray) -> str:
    """``U_c_status``: "ok", or why U_c is NaN, or that it lies above the map's U grid."""
    if not np.isfinite(u_c):
        return "no U -> 0 limit (small-U data not finite)"
    if U.size and u_c > U.max():
        return f"ok; above the largest U of the map ({U.max():g})"
    return "ok"


def _lengths(v, t, energy, shift, n_energy, n_seg):
    """ξ and its error for long chains v (batch, N): band average of ξ(E), or 1/γ(E)."""
    if energy == "band":
        return band_xi(v, t, n_energy, n_segments=n_seg)
    e = float(energy) + np.broadcast_to(shift, v.shape[:-1] + (1,))
    logsum, _ = _riccati(v, t, e, n_segments=n_seg)  # (n_seg, batch, 1)
    seg_len = np.diff(np.arange(n_seg + 1) * v.shape[-1] // n_seg)
    g = logsum[..., 0] / seg_len.reshape((n_seg,) + (1,) * (logsum.ndim - 2))
    gm = g.mean(axis=0)
    gerr = g.std(axis=0, ddof=1) / np.sqrt(n_seg) if n_seg > 1 else np.full(gm.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = np.where(gm > 0, 1.0 / gm, np.inf)
        err = np.where(gm > 0, gerr / gm**2, np.nan)
    return xi, err
