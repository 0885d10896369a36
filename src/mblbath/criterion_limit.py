r"""ξ_c^0 = lim_{U→0} U² ξ_c, and the one threshold U_c(W) of Eq. (2) it gives.

The right-hand side of Eq. (2) is a constant: the paper's ξ_c^0 is the rescaled c-boson
localisation length "that has a finite limit when U → 0" (at weak effective disorder
ξ_c ∝ 1/U²). With it, :math:`(W + U\tilde W)\,U > \tfrac32 \xi_c^0 \xi_d \nu(1-\nu)`
holds above the positive root U_c(W) of :math:`\tilde W U^2 + W U - \mathrm{rhs} = 0`
(:func:`threshold`).

How the limit is computed (per W)
---------------------------------
Potential
    The c-boson potential is :math:`U\langle n_{d,i}\rangle_\infty = U(m_{i \bmod 3} +
    \delta n_i)`: a period-3 part (the residue-class means m_r) and a random part δn (the
    one whose spread is W̃). Only δn enters the limit: at order U² (Born) a periodic
    potential localises nothing; it opens gaps of width ∝ U at E = ±1 (Bragg reflection
    at 2k = 2π/3), which change ξ(E) on a fraction ∝ U of the band. So both potentials
    have the same U → 0 limit of U²ξ_c, but with the periodic part U²ξ_c approaches it
    with a steep linear term and only for U ≲ 0.3, where ξ_c ≳ 2000 (measured at W = 6.5
    on 960,000 sites: 142.0 ± 0.6 at U = 0.2, 138.9 at 0.3, 132.7 at 0.5, 121.2 at 1,
    slope ≈ -30 below U = 0.5, linear extrapolation ≈ 148; the random part alone gives
    148.3 ± 0.6 at U = 0.2 and 147.7 ± 0.4 at U = 0.5, flat within 1 % up to U W̃ ≈ 0.2;
    the same at W = 4 and W = 12). The random part therefore gives the limit with a
    short, well-conditioned extrapolation; ``tests/test_criterion_limit.py`` checks at
    W = 6.5 that the full potential extrapolates to the same value.
Small-U grid, scaled with W̃
    U²ξ_c of the random part depends on U through the effective box half-width
    x = U W̃ (in units of t_c): at W = 2-15 it rises by ~1 % at x = 0.25 and ~4 % at
    x = 0.5, at W = 1 it falls by ~5 % at x = 0.5 (measured), and ξ_c ≈ (10-22)/x²
    lattice spacings at every W. The grid is therefore a
    fixed set of x (config ``criterion.x_small``, default 0.18 ... 0.72 in steps of √2),
    i.e. ``U_small(W) = x_small / W̃(W)``: the same precision and cost at every W (a fixed
    U grid would need chains of 10^7 sites at W = 1, where W̃ = 0.04).
Chains
    ``n_real_small`` realisations of :data:`SMALL_L` sites (a separate random stream of
    the seed, the same draws for every W), :data:`SMALL_EDGE` sites dropped at each end,
    joined into one chain (60,000 sites by default). ξ: DOS-weighted band average of
    1/γ(E) on :data:`SMALL_N_ENERGY` equal energy bins (with 64 bins the intercept moves
    by +1.3 % and the errors grow; 256, 512 and 1024 bins agree within its ~0.7 %), from
    :func:`mblbath.long_chain.band_xi_pieces` with a warm-up of :data:`SMALL_WARMUP`
    sites (> 3 ξ_c at the smallest x; 1000, 3000 and 6000 agree within 0.2 %). With
    60,000 sites the statistical error of U²ξ_c at the smallest x is ~0.7 % and the
    finite-chain bias of <ξ> (~ξ/N) ~+0.5 % (measured against 960,000 sites at W = 6.5).
Extrapolation
    Weighted least-squares fit of ``a + b U + c U²`` to U²ξ_c(U_small) (weights: the
    jackknife errors); ξ_c^0 = a. Why quadratic with a linear term: the third-order (Born)
    term of γ is not forbidden for a non-Gaussian, correlated δn, and the next order gives
    U²; the data need no more (reduced χ² ≈ 0.4 at W = 6.5 on 960,000 sites) and a
    straight line does not fit (χ²_red ≈ 30). Reported with it: the reduced χ² of the fit
    (diagonal errors) and the shift of a when the largest-x point is left out (grid
    sensitivity).
Errors
    Delete-a-group jackknife: the small-U chain is cut into ``n_groups`` groups (one per
    realisation of the main set), and every quantity is recomputed without group g; the
    fit is redone on each replica, so the error of a includes the (strong, positive)
    correlation of the U²ξ_c at different U. Combined with the jackknife replicas of W̃ and
    ξ_d (main set, realisation g left out) into the error of U_c. The jackknife errors of
    U²ξ_c are conservative: against the scatter of 8 independent 60,000-site chains at
    W = 6.5 they are right at the smallest x and 1.5-2x too large at the others (each
    group's O(1) boundary term), so good fits have a reduced χ² below 1 (0.0-0.8 on the
    default W grid).
"""

from __future__ import annotations

import numpy as np

from .anderson import diagonal_ensemble_density
from .long_chain import band_xi_pieces, jackknife_error

__all__ = [
    "SMALL_L",
    "SMALL_EDGE",
    "SMALL_N_ENERGY",
    "SMALL_WARMUP",
    "random_part",
    "small_u_data",
    "extrapolate",
    "threshold",
]

#: Length of the chains whose <n_d>_inf make the small-U potential (ξ_d <= 13 at W >= 1).
SMALL_L = 150
#: Sites dropped at each end of those chains before they are joined.
SMALL_EDGE = 15
#: Energy bins of the band average on the small-U chain.
SMALL_N_ENERGY = 256
#: Warm-up of each piece of the small-U chain (sites).
SMALL_WARMUP = 3000


def random_part(nd: np.ndarray, period: int, edge: int) -> tuple[np.ndarray, np.ndarray]:
    """Random part δn of diagonal-ensemble densities: <n_d,i>_inf minus its class mean.

    Parameters
    ----------
    nd : array, shape (n_real, L)
        :math:`\\langle n_{d,i}\\rangle_\\infty` per realisation.
    period : int
        Period of the initial density wave.
    edge : int
        Sites dropped at each end.

    Returns
    -------
    dn : ndarray, shape (n_real, L - 2 edge)
        δn on the bulk sites.
    m : ndarray, shape (period,)
        The residue-class (i mod period) means over bulk sites and realisations.
    """
    nd = np.atleast_2d(np.asarray(nd, dtype=float))
    sites = np.arange(edge, nd.shape[1] - edge)
    bulk = nd[:, sites]
    cls = sites % period
    m = np.array([bulk[:, cls == r].mean() for r in range(period)])
    return bulk - m[cls][None, :], m


def small_u_data(
    u: np.ndarray,
    W: float,
    x_small: np.ndarray,
    *,
    td: float,
    tc: float,
    period: int,
    d_residue: int,
    n_groups: int,
    energy: str | float = "band",
) -> dict[str, np.ndarray]:
    """U²ξ_c of the random part of U<n_d>_inf on the small-U grid, with jackknife replicas.

    Parameters
    ----------
    u : array, shape (n_real_small, SMALL_L)
        Disorder draws in [-1, 1] (ε = W u), the same for every W.
    W : float
        Disorder strength.
    x_small : array
        Effective box half-widths U W̃ of the grid (ascending).
    td, tc : float
        Hopping of the d-bosons and of the c-boson.
    period, d_residue : int
        Initial density wave: d-bosons on ``i % period == d_residue``.
    n_groups : int
        Jackknife groups (consecutive parts of the joined chain).
    energy : "band" or float
        Band average of ξ(E), or ξ at this energy (the random part has zero mean, so this
        is the same offset from the mean potential as in :mod:`mblbath.criterion`).

    Returns
    -------
    dict
        ``U_small`` (n_x,), ``xi_c0_small`` (n_x,), ``xi_c0_small_jk`` (n_groups, n_x),
        ``W_tilde_small`` (float: sqrt(3 mean δn²) of these chains).
    """
    occupied = np.arange(u.shape[1]) % period == d_residue
    nd = diagonal_ensemble_density(W * u, td, occupied)
    dn, _ = random_part(nd, period, SMALL_EDGE)
    w_small = float(np.sqrt(3.0 * np.mean(dn * dn)))
    x = np.asarray(x_small, dtype=float)
    U = x / w_small if w_small > 0 else np.full(x.shape, np.nan)
    if not np.all(np.isfinite(U)):
        nan = np.full(x.shape, np.nan)
        jk = np.full((n_groups, x.size), np.nan)
        return {"U_small": U, "xi_c0_small": nan, "xi_c0_small_jk": jk, "W_tilde_small": w_small}
    v = U[:, None] * dn.reshape(1, -1)
    xi, xi_jk = band_xi_pieces(
        v,
        tc,
        SMALL_N_ENERGY,
        n_pieces=n_groups,
        warmup=SMALL_WARMUP,
        n_groups=n_groups,
        energy=energy,
    )
    return {
        "U_small": U,
        "xi_c0_small": U**2 * xi,
        "xi_c0_small_jk": U[None, :] ** 2 * xi_jk,
        "W_tilde_small": w_small,
    }


def _poly_intercept(U: np.ndarray, y: np.ndarray, w: np.ndarray, degree: int) -> np.ndarray:
    """Intercepts of weighted least-squares polynomial fits; ``y`` (..., n) fitted along -1."""
    A = np.vander(U, degree + 1, increasing=True) * w[:, None]
    coef = np.linalg.lstsq(A, (np.atleast_2d(y) * w[None, :]).T, rcond=None)[0]
    return coef[0].reshape(np.shape(y)[:-1])


def extrapolate(
    U: np.ndarray, y: np.ndarray, y_jk: np.ndarray, degree: int = 2
) -> dict[str, float | np.ndarray]:
    """Intercept at U = 0 of a polynomial fit of ``y(U)``, with its jackknife error.

    Parameters
    ----------
    U : array, shape (n,)
        Abscissae (n >= degree + 1).
    y : array, shape (n,)
        Values (U²ξ_c).
    y_jk : array, shape (n_groups, n)
        Leave-one-group-out replicas of ``y``.
    degree : int
        Polynomial degree.

    Returns
    -------
    dict
        ``limit``, ``limit_err`` (jackknife), ``limit_jk`` (n_groups,), ``chi2_red``
        (with the diagonal jackknife errors; NaN without degrees of freedom or errors),
        ``grid_shift`` (intercept without the largest-U point minus ``limit``; NaN if too
        few points).
    """
    U, y, y_jk = np.asarray(U, float), np.asarray(y, float), np.atleast_2d(y_jk)
    nan = float("nan")
    out = {"limit": nan, "limit_err": nan, "chi2_red": nan, "grid_shift": nan}
    out["limit_jk"] = np.full(y_jk.shape[0], np.nan)
    if U.size < degree + 1 or not np.all(np.isfinite(y)) or not np.all(np.isfinite(U)):
        return out
    err = jackknife_error(y_jk)
    have_err = np.all(np.isfinite(err)) and np.all(err > 0)
    w = 1.0 / err if have_err else np.ones_like(y)
    out["limit"] = float(_poly_intercept(U, y, w, degree))
    if np.all(np.isfinite(y_jk)) and y_jk.shape[0] > 1:
        out["limit_jk"] = _poly_intercept(U, y_jk, w, degree)
        out["limit_err"] = float(jackknife_error(out["limit_jk"]))
    dof = U.size - degree - 1
    if have_err and dof > 0:
        coef = np.polynomial.polynomial.polyfit(U, y, degree, w=w)
        resid = (y - np.polynomial.polynomial.polyval(U, coef)) / err
        out["chi2_red"] = float(np.sum(resid**2) / dof)
    if U.size - 1 >= degree + 1:
        keep = np.argsort(U)[:-1]
        out["grid_shift"] = float(_poly_intercept(U[keep], y[keep], w[keep], degree)) - float(
            out["limit"]
        )
    return out


def threshold(W, W_tilde, rhs):
    """Positive root U_c of ``W_tilde U² + W U - rhs = 0`` (the boundary of Eq. (2)).

    Written as ``2 rhs / (W + sqrt(W² + 4 W_tilde rhs))``: no cancellation, and ``rhs / W``
    for ``W_tilde = 0``. NaN where ``rhs`` is not finite and positive. Broadcasts.
    """
    W, wt, rhs = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (W, W_tilde, rhs)))
    with np.errstate(invalid="ignore", divide="ignore"):
        root = 2.0 * rhs / (W + np.sqrt(W * W + 4.0 * wt * rhs))
    root = np.where(np.isfinite(rhs) & (rhs > 0), root, np.nan)
    return float(root) if root.ndim == 0 else root
