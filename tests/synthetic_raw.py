"""Raw aggregates (dims U, seed, time, site[, site2], bond) from the paper's formulas, with
the structure that real runs have, for the tests of the analysis corrections.

:func:`eq5_aggregate` — entanglement generated from Eq. (5) on top of an Anderson
insulator, realisation by realisation:

- n_c at U > 0: Eq. (3) normalised on the lattice, ell_c(t) = Eq. (4)(xi_c, T0_c),
  R(t) = R0 + R1 sqrt(t), times mean-preserving lognormal noise per realisation and site;
  at U = 0 the free c-boson of the finite chain (exact, identical for every realisation);
- S_d(b, t) of realisation s: a_s(b) (1 - exp(-t/tau)) + drift ln(1 + t) (saturating for
  drift = 0), a_s(b) = mean_S_d times lognormal spread ``s_d_spread`` per realisation and
  bond; the runs at every U share it (shared disorder);
- S at U > 0: S_d + xi_S log(1 + U n_c(x_b, t) t) with the noiseless Eq. (3) profile at the
  cut x_b = b - 1/2 - c_site, plus Gaussian noise ``s_noise``;
- S at U = 0: S_d + H2(p_c^left(b, t)) of the free c-boson, as in the real U = 0 runs.

:func:`mixed_sign_cdd_aggregate` — connected d-d correlations whose sign differs between
realisations: C_s(x) = -A exp(-x/ell_1) + eta_s B exp(-x/ell_2) with x = |i - j|, eta_s =
+-1 for exactly half of the realisations each. The disorder mean is -A exp(-x/ell_1), so
|mean C| decays with ell_1; with B >= A and ell_2 > ell_1 the mean of |C| is
max(A e^{-x/ell_1}, B e^{-x/ell_2}) = B exp(-x/ell_2), which decays with ell_2.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import xarray as xr

from mblbath.analysis.anderson_entropy import c_boson_entropy
from mblbath.analysis.models import eq3, eq4

__all__ = ["free_c_density", "eq5_truth", "eq5_aggregate", "mixed_sign_cdd_aggregate"]

#: Parameters of :func:`eq5_aggregate` (overridable by keyword).
EQ5 = {
    "xi_S": 0.3,
    "xi_c": 3.0,
    "T0_c": 0.5,
    "R0": 1.5,
    "R1": 2.0,
    "mean_S_d": 0.35,
    "s_d_spread": 0.4,
    "tau": 0.25,
    "drift": 0.0,
    "nc_noise": 0.3,
    "s_noise": 0.01,
}


def free_c_density(L: int, c_site: int, times: np.ndarray, tc: float = 1.0) -> np.ndarray:
    """n_c(t, site) of one free particle started on ``c_site`` of an open L-site chain."""
    h = np.diag(np.full(L - 1, tc), 1)
    E, V = scipy.linalg.eigh(h + h.T)
    psi = (np.exp(-1j * np.outer(times, E)) * V[c_site, :]) @ V.T
    return np.abs(psi) ** 2


def _grid(t_max: float, n_times: int) -> np.ndarray:
    return np.concatenate([[0.0], np.geomspace(0.1, t_max, n_times - 1)])


def eq5_truth(L: int, t: float, x: np.ndarray, **kw) -> np.ndarray:
    """The noiseless Eq. (3) profile of :func:`eq5_aggregate` at positions x (t > 0)."""
    p = {**EQ5, **kw}
    sites_x = np.arange(L) - L // 2
    ell, R = eq4(t, p["xi_c"], p["T0_c"]), p["R0"] + p["R1"] * np.sqrt(t)
    return eq3(x, ell, R) / eq3(sites_x, ell, R).sum()


def _s_d(rng, n_seeds: int, times: np.ndarray, n_bonds: int, p: dict) -> np.ndarray:
    """S_d(seed, time, bond): saturating per-realisation entropies (plus optional drift)."""
    s = p["s_d_spread"]
    a = p["mean_S_d"] * np.exp(s * rng.standard_normal((n_seeds, n_bonds)) - s**2 / 2)
    rise = 1.0 - np.exp(-times / p["tau"])
    return a[:, None, :] * rise[None, :, None] + p["drift"] * np.log1p(times)[None, :, None]


def eq5_aggregate(
    L: int = 36,
    Us: tuple[float, ...] = (0.0, 12.0),
    n_seeds: int = 24,
    n_times: int = 22,
    t_max: float = 50.0,
    rng_seed: int = 0,
    **params,
) -> xr.Dataset:
    """Aggregate whose S follows Eq. (5) over an Anderson insulator (module docstring).

    ``params`` override :data:`EQ5`. The true S_d is returned as ``S_d_true(seed, time,
    bond)`` (not a variable of real aggregates; the analysis never reads it).
    """
    p = {**EQ5, **params}
    rng = np.random.default_rng(rng_seed)
    c_site = L // 2
    times = _grid(t_max, n_times)
    x = np.arange(L) - c_site
    x_b = np.arange(1, L) - 0.5 - c_site
    nU, nT = len(Us), times.size
    S_d = _s_d(rng, n_seeds, times, L - 1, p)
    n_c = np.empty((nU, n_seeds, nT, L))
    S = np.empty((nU, n_seeds, nT, L - 1))
    for iu, U in enumerate(Us):
        if U == 0:
            free = free_c_density(L, c_site, times)
            n_c[iu] = free[None]
            S[iu] = S_d + c_boson_entropy(free)[None]
            continue
        for it, t in enumerate(times):
            if t == 0:
                n_c[iu, :, it] = (x == 0).astype(float)
                S[iu, :, it] = S_d[:, it]
                continue
            sig = p["nc_noise"]
            noise = np.exp(sig * rng.standard_normal((n_seeds, L)) - sig**2 / 2)
            n_c[iu, :, it] = eq5_truth(L, t, x, **params)[None] * noise
            g = np.log1p(U * eq5_truth(L, t, x_b, **params) * t)
            S[iu, :, it] = S_d[:, it] + p["xi_S"] * g[None]
        S[iu] += p["s_noise"] * rng.standard_normal(S[iu].shape)
    return _dataset(
        L, Us, times, {"n_c": n_c, "S": S}, {"S_d_true": (("seed", "time", "bond"), S_d)}
    )


def mixed_sign_cdd_aggregate(
    L: int = 24,
    n_seeds: int = 20,
    n_times: int = 14,
    t_max: float = 50.0,
    A: float = 0.2,
    B: float = 0.3,
    xi_1: float = 1.0,
    T0_1: float = 0.3,
    ell_2: float = 3.0,
    U: float = 12.0,
    D: float = 0.0,
    ell_3: float = 2.0,
) -> xr.Dataset:
    """C_dd(seed, time, site, site2) with signs that differ between realisations.

    C_s(x, t) = -A exp(-x/ell_1(t)) + eta_s B exp(-x/ell_2) + D exp(-x/ell_3), x = |i - j| >=
    1, ell_1(t) = Eq. (4)(xi_1, T0_1), eta_s = +1 for the first half of the realisations and
    -1 for the second (exactly balanced: n_seeds even). The disorder mean is
    -A e^{-x/ell_1} + D e^{-x/ell_3}: for D = 0 its modulus decays with ell_1(t); for D > 0
    it changes sign where D e^{-x/ell_3} = A e^{-x/ell_1}. The diagonal is n(1 - n) = 2/9.
    """
    if n_seeds % 2:
        raise ValueError("n_seeds must be even (balanced signs)")
    times = _grid(t_max, n_times)
    dist = np.abs(np.subtract.outer(np.arange(L), np.arange(L))).astype(float)
    eta = np.where(np.arange(n_seeds) < n_seeds // 2, 1.0, -1.0)
    C = np.zeros((1, n_seeds, times.size, L, L))
    for it, t in enumerate(times):
        if t == 0:
            continue
        ell_1 = eq4(t, xi_1, T0_1)
        base = -A * np.exp(-dist / ell_1) + D * np.exp(-dist / ell_3)
        C[0, :, it] = base[None] + eta[:, None, None] * B * np.exp(-dist / ell_2)[None]
    C[..., np.arange(L), np.arange(L)] = 2.0 / 9.0
    n_c = np.zeros((1, n_seeds, times.size, L))
    n_c[..., L // 2] = 1.0
    S = np.zeros((1, n_seeds, times.size, L - 1))
    return _dataset(L, (U,), times, {"n_c": n_c, "S": S, "C_dd": C})


def _dataset(L, Us, times, data: dict, extra: dict | None = None) -> xr.Dataset:
    """The aggregate layout (dims U, seed, time, site[, site2], bond) with its attributes."""
    nU, nS = len(Us), data["S"].shape[1]
    dims = {
        "n_c": ("U", "seed", "time", "site"),
        "S": ("U", "seed", "time", "bond"),
        "C_dd": ("U", "seed", "time", "site", "site2"),
    }
    vars_ = {k: (dims[k], v) for k, v in data.items()}
    vars_["n_d"] = (dims["n_c"], np.full(data["n_c"].shape, 1.0 / 3.0))
    vars_["converged"] = (("U", "seed"), np.ones((nU, nS), dtype=np.int8))
    vars_.update(extra or {})
    sites = np.arange(L)
    return xr.Dataset(
        vars_,
        coords={
            "U": np.asarray(Us, float),
            "seed": np.arange(nS),
            "time": times,
            "site": sites,
            "site2": sites,
            "bond": np.arange(1, L),
            "x": ("site", sites - L // 2),
        },
        attrs={
            "L": L,
            "W": 6.5,
            "td": 1.0,
            "tc": 1.0,
            "d_residue": 1,
            "c_site": L // 2,
            "numerics": "synthetic_raw",
            "config_hash": "0" * 12,
        },
    )
