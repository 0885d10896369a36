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

    * ξ_d(W): Anderson chain, potential ε, hopping ``td``.
    * ξ_c(W, U): potential :math:`U\langle n_{d,i}\rangle_\infty` (random **and** periodic
      parts: what the c-boson actually sees), hopping ``tc``. ξ_c = inf at U = 0 (clean).
      Caveat: at large U about 1/3 of the states sit on the initially occupied sites, at
      energies ≈ U m_1 (m_1 = their mean <n_d>_inf, output ``nd_class_mean``), and are
      strongly localised; the band average includes them (with little weight in <ξ>).
    * ξ_c^0 = U² ξ_c (the U-independent weak-disorder prefactor, since ξ_c ∝ 1/(U W̃)²).
    Errors: jackknife over the ``n_real`` pieces of the joined chain (band average) or
    batch means (fixed E), propagated to ξ.
Criterion
    ``lhs = (W + U W̃) U``, ``rhs = 1.5 * xi_c0 * xi_d * nu_d * (1 - nu_d)`` (a = 1),
    ``stable = lhs > rhs``. At U = 0, ξ_c = inf, ξ_c^0 and rhs are NaN and stable = 0
    (the c-boson is free). U_c(W): the lowest U of the grid at which the sign of
    ln(lhs/rhs) changes from unstable to stable, linearly interpolated in U; NaN with a
    reason in ``U_c_status`` if no such crossing lies inside the grid.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from mblbath.anderson import _riccati, band_xi, diagonal_ensemble_density

__all__ = ["compute_criterion", "effective_disorder", "find_crossing"]


def _period(nu_d: float) -> int:
    p = round(1.0 / nu_d)
    if p < 2 or abs(1.0 / p - nu_d) > 1e-9:
        raise ValueError(f"nu_d = {nu_d} is not 1/p for an integer p >= 2 (density wave)")
    return p


def effective_disorder(nd: np.ndarray, period: int = 3, edge: int = 0) -> tuple[float, float]:
    """W̃ = sqrt(3 var(δn)) of the random part of diagonal-ensemble densities (per unit U).

    Parameters
    ----------
    nd : array, shape (n_real, L)
        :math:`\\langle n_{d,i}\\rangle_\\infty` per realisation.
    period : int
        Period of the initial density wave; the residue-class means are subtracted.
    edge : int
        Sites dropped at each end of the chain.

    Returns
    -------
    W_tilde, W_tilde_err : float
        Estimate (pooled over bulk sites and realisations) and jackknife error over
        realisations (NaN for a single realisation).
    """
    nd = np.atleast_2d(np.asarray(nd, dtype=float))
    n_real, L = nd.shape
    sites = np.arange(edge, L - edge)
    bulk = nd[:, sites]
    cls = sites % period
    onehot = (cls[:, None] == np.arange(period)[None, :]).astype(float)  # (n_site, period)
    sums = bulk @ onehot  # (n_real, period): per-realisation class sums
    n_per = onehot.sum(axis=0)

    def wt(sel: np.ndarray) -> float:
        m = sums[sel].sum(axis=0) / (n_per * sel.sum())
        dev = bulk[sel] - m[cls][None, :]
        return float(np.sqrt(3.0 * np.mean(dev * dev)))

    allr = np.ones(n_real, dtype=bool)
    w = wt(allr)
    if n_real < 2:
        return w, float("nan")
    jk = np.empty(n_real)
    for r in range(n_real):
        sel = allr.copy()
        sel[r] = False
        jk[r] = wt(sel)
    err = float(np.sqrt((n_real - 1) / n_real * np.sum((jk - jk.mean()) ** 2)))
    return w, err


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
) -> xr.Dataset:
    """Evaluate both sides of Eq. (2) on a (W, U) grid (see the module docstring).

    Parameters
    ----------
    W_grid, U_grid : array
        Disorder strengths and interaction strengths (sorted ascending in the output).
    L : int
        Chain length of the single-particle calculations.
    n_real : int
        Disorder realisations (the same u_i for every W).
    seed : int
        Seed of ``numpy.random.default_rng``.
    td, tc : float
        Hopping of the d-bosons and of the c-boson.
    nu_d : float
        d-boson filling 1/p; the initial state is the period-p density wave.
    d_residue : int
        d-bosons initially on sites ``i % p == d_residue``.
    energy : "band" or float
        Energy convention of the Lyapunov exponents (module docstring).
    n_energy : int
        Energy bins of the band average.
    edge : int, optional
        Sites dropped at each end for W̃ (default ``L // 20``).

    Returns
    -------
    xarray.Dataset
        dims (W, U): ``W_tilde(W)``, ``W_tilde_err(W)``, ``W_tilde_U(W, U)``,
        ``xi_d(W)``, ``xi_d_err(W)``, ``xi_c(W, U)``, ``xi_c_err(W, U)``,
        ``xi_c0(W, U)``, ``lhs(W, U)``, ``rhs(W, U)``, ``stable(W, U)`` (int8),
        ``U_c(W)``, ``U_c_status(W)``, ``nd_class_mean(W, residue)``; attrs with all
        conventions, ``W_tilde_argmax`` and the runtime.
    """
    t_start = time.perf_counter()
    W, U, period = _grids(W_grid, U_grid, nu_d, d_residue)
    if edge is None:
        edge = L // 20
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1.0, 1.0, size=(n_real, L))
    occupied = np.arange(L) % period == d_residue
    sp = _single_particle(W, U, u, occupied, td, tc, period, edge, energy, n_energy)
    sides = _both_sides(W, U, sp, period)
    ds = _criterion_dataset(W, U, period, sp, sides)
    i_max = int(np.nanargmax(sp["W_tilde"]))
    ds.attrs = {
        **_conventions(energy),
        "L": int(L),
        "n_real": int(n_real),
        "seed": int(seed),
        "td": float(td),
        "tc": float(tc),
        "nu_d": float(1.0 / period),
        "d_residue": int(d_residue),
        "edge": int(edge),
        "n_energy": int(n_energy),
        "W_tilde_argmax": float(W[i_max]),
        "W_tilde_max": float(sp["W_tilde"][i_max]),
        "runtime_seconds": float(time.perf_counter() - t_start),
    }
    return ds


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
    td: float,
    tc: float,
    period: int,
    edge: int,
    energy: str | float,
    n_energy: int,
) -> dict[str, np.ndarray]:
    """W̃, ξ_d and ξ_c with their errors, and the residue-class means, for every W (and U).

    ``u`` (n_real, L) are the disorder draws in [-1, 1], the same for every W.
    """
    n_real, L = u.shape
    nW, nU = W.size, U.size
    out = {
        "W_tilde": np.empty(nW),
        "W_tilde_err": np.empty(nW),
        "xi_d": np.empty(nW),
        "xi_d_err": np.empty(nW),
        "xi_c": np.full((nW, nU), np.nan),
        "xi_c_err": np.full((nW, nU), np.nan),
        "nd_class_mean": np.empty((nW, period)),
    }
    bulk = np.arange(edge, L - edge)
    pos = U > 0
    for k, w in enumerate(W):
        eps = w * u
        nd = diagonal_ensemble_density(eps, td, occupied)
        out["W_tilde"][k], out["W_tilde_err"][k] = effective_disorder(nd, period, edge)
        out["nd_class_mean"][k] = [nd[:, bulk[bulk % period == r]].mean() for r in range(period)]
        # d-bosons: Anderson chain (realisations joined into one chain of n_real L sites)
        xd, xde = _lengths(eps.reshape(1, -1), td, energy, 0.0, n_energy, n_real)
        out["xi_d"][k], out["xi_d_err"][k] = xd[0], xde[0]
        # c-boson: effective potential U <n_d>_inf, all U at once
        if pos.any():
            v = U[pos, None] * nd.reshape(1, -1)  # (nU+, n_real L)
            shift = U[pos, None] * nd.mean()  # mean of the effective potential
            xc, xce = _lengths(v, tc, energy, shift, n_energy, n_real)
            out["xi_c"][k, pos], out["xi_c_err"][k, pos] = xc, xce
        out["xi_c"][k, ~pos] = np.inf
    return out


def _both_sides(
    W: np.ndarray, U: np.ndarray, sp: dict[str, np.ndarray], period: int
) -> dict[str, np.ndarray]:
    """Both sides of Eq. (2) on the (W, U) grid, the stability map and U_c(W)."""
    nu = 1.0 / period
    W2, U2 = np.meshgrid(W, U, indexing="ij")
    with np.errstate(invalid="ignore"):
        xi_c0 = np.where(U2 > 0, U2**2 * sp["xi_c"], np.nan)
    rhs = 1.5 * xi_c0 * sp["xi_d"][:, None] * nu * (1.0 - nu)
    w_t_u = U2 * sp["W_tilde"][:, None]
    lhs = (W2 + w_t_u) * U2
    stable = np.zeros(lhs.shape, dtype=np.int8)
    fin = np.isfinite(rhs)
    stable[fin] = (lhs[fin] > rhs[fin]).astype(np.int8)
    u_c = np.full(W.size, np.nan)
    u_c_status = np.empty(W.size, dtype=object)
    for k in range(W.size):
        f = np.full(U.size, np.nan)
        good = fin[k] & (lhs[k] > 0) & (rhs[k] > 0)
        f[good] = np.log(lhs[k, good]) - np.log(rhs[k, good])
        u_c[k], u_c_status[k] = find_crossing(U, f)
    return {
        "xi_c0": xi_c0,
        "rhs": rhs,
        "W_tilde_U": w_t_u,
        "lhs": lhs,
        "stable": stable,
        "U_c": u_c,
        "U_c_status": u_c_status.astype(str),
    }


#: dims, units and long name of every variable of the criterion Dataset.
_VARIABLES = {
    "W_tilde": (
        ("W",),
        "1",
        "effective disorder per unit U, sqrt(3 var(<n_d>_inf - residue-class mean))",
    ),
    "W_tilde_err": (("W",), "1", "jackknife error of W_tilde"),
    "W_tilde_U": (("W", "U"), "hopping", "effective c-boson box half-width U * W_tilde"),
    "xi_d": (("W",), "lattice spacings", "Anderson localisation length xi_d"),
    "xi_d_err": (("W",), "lattice spacings", "standard error of xi_d"),
    "xi_c": (("W", "U"), "lattice spacings", "c-boson localisation length in U <n_d>_inf"),
    "xi_c_err": (("W", "U"), "lattice spacings", "standard error of xi_c"),
    "xi_c0": (("W", "U"), "hopping^2 lattice spacings", "xi_c^0 = U^2 xi_c"),
    "lhs": (("W", "U"), "hopping^2", "left side of Eq. (2): (W + U W_tilde) U"),
    "rhs": (
        ("W", "U"),
        "hopping^2",
        "right side of Eq. (2): 1.5 xi_c0 xi_d nu_d (1 - nu_d) / a^2",
    ),
    "stable": (("W", "U"), "1", "Eq. (2) satisfied (lhs > rhs): 1, else 0"),
    "U_c": (("W",), "hopping", "boundary U where lhs = rhs (unstable below)"),
    "U_c_status": (("W",), "none", "U_c status"),
    "nd_class_mean": (
        ("W", "residue"),
        "1",
        "disorder-averaged <n_d>_inf per residue class i mod period",
    ),
}


def _criterion_dataset(
    W: np.ndarray, U: np.ndarray, period: int, sp: dict, sides: dict
) -> xr.Dataset:
    """The variables and coordinates of :func:`compute_criterion`'s Dataset."""

    def var(dims, data, units, long_name):
        return xr.Variable(dims, data, attrs={"units": units, "long_name": long_name})

    data = {**sp, **sides}
    return xr.Dataset(
        {name: var(dims, data[name], u, ln) for name, (dims, u, ln) in _VARIABLES.items()},
        coords={
            "W": var(("W",), W, "hopping", "disorder strength W (eps in [-W, W])"),
            "U": var(("U",), U, "hopping", "c-d interaction U"),
            "residue": var(("residue",), np.arange(period), "1", "site index modulo period"),
        },
    )


def _conventions(energy: str | float) -> dict[str, str]:
    """The attributes that state the conventions of the criterion (module docstring)."""
    band = energy == "band"
    return {
        "title": "Perturbative criterion Eq. (2) of Brighi et al. (arXiv:2109.07332)",
        "method": (
            "exact single-particle diagonal ensemble <n_d>_inf from a period-1/nu_d density "
            "wave; W_tilde = sqrt(3 var(random part)) per unit U (box-equivalent half-width); "
            "transfer-matrix Lyapunov exponent gamma(E); "
            + (
                "xi = DOS-weighted band average of 1/gamma(E)"
                if band
                else f"xi = 1/gamma(E), E = {float(energy)} (c-boson: E + U mean <n_d>)"
            )
            + "; xi_c in the potential U <n_d>_inf (periodic + random parts); the n_real "
            "realisations are joined into one chain for the transfer matrix"
        ),
        "criterion": "stable iff (W + U W_tilde) U > 1.5 (U^2 xi_c) xi_d nu_d (1 - nu_d), a = 1",
        "disorder_convention": "eps_i = W u_i, u_i uniform in [-1, 1], same u for every W",
        "W_tilde_convention": (
            "W_tilde = sqrt(3 * pooled variance of <n_d,i>_inf minus its residue-class "
            "(i mod period) disorder mean), bulk sites only; dimensionless, per unit U"
        ),
        "energy_convention": "band: xi = DOS-weighted average of 1/gamma(E) over the spectrum"
        if band
        else f"E = {float(energy)}",
        "error": (
            "W_tilde: jackknife over realisations; xi: jackknife over the n_real pieces of "
            "the joined chain (fixed E: batch means of the Lyapunov exponents)"
        ),
        "U0_convention": "U = 0: xi_c = inf, xi_c0 = rhs = NaN, stable = 0",
    }


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
