"""Synthetic aggregated data with known parameters, for the tests of mblbath.analysis.

``make_agg`` builds a Dataset with the layout of the aggregated TEBD output (dims U, seed,
time, site, site2, bond) whose observables follow the paper's phenomenology exactly, with
disorder-like noise per realisation:

* n_c: Eq. (3) on the lattice (normalised to 1) with ell_c(t) = Eq. (4)(xi_c[U], T0_c) and
  R(t) = R0 + R1 sqrt(t), times lognormal noise of relative width ``noise`` per seed and site
  (mean preserving);
* C_dd: -A exp(-|i - j| / ell_d(t)), ell_d(t) = Eq. (4)(xi_d[U], T0_d), lognormal noise;
* S: Eq. (5) with the true n_c profile at the cut x_b = b - 1/2 - c_site, plus Gaussian
  noise of width ``s_noise`` per seed; at U = 0 plus the free c-boson's own entropy
  H2(p_c^left) of each realisation's n_c, as real U = 0 runs have it (so S_AI is the
  U = 0 entropy minus H2, :mod:`mblbath.analysis.anderson_entropy`).

``check_cf`` is the shared check of every fit file (CF units, long_name, written and read
back by the pipeline's io).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from cf_check import cf_units_problems
from mblbath.analysis.anderson_entropy import c_boson_entropy
from mblbath.analysis.models import eq3, eq4, eq5
from mblbath.io import open_result, write_atomic

TRUE = {
    "xi_c": {0.0: 40.0, 4.0: 8.0, 12.0: 3.0},
    "T0_c": 0.5,
    "R0": 1.5,
    "R1": 2.0,
    "xi_d": {0.0: 1.0, 4.0: 1.15, 12.0: 1.3},
    "T0_d": 0.3,
    "A_d": 0.2,
    "xi_S": 0.25,
    "S_AI": 0.3,
}


def true_ell_c(U: float, t):
    return eq4(np.asarray(t, float), TRUE["xi_c"][U], TRUE["T0_c"])


def true_R(t):
    return TRUE["R0"] + TRUE["R1"] * np.sqrt(np.asarray(t, float))


def true_ell_d(U: float, t):
    return eq4(np.asarray(t, float), TRUE["xi_d"][U], TRUE["T0_d"])


def true_profile(U: float, t: float, x: np.ndarray, x_lattice: np.ndarray) -> np.ndarray:
    """Eq. (3) normalised to one c-boson on the lattice, evaluated at x."""
    if t == 0:
        return (np.asarray(x) == 0).astype(float)
    ell, R = true_ell_c(U, t), true_R(t)
    N = 1.0 / eq3(x_lattice, ell, R).sum()
    return eq3(x, ell, R, N)


def make_agg(
    L: int = 30,
    Us: tuple[float, ...] = (0.0, 12.0),
    n_seeds: int = 8,
    n_times: int = 24,
    t_max: float = 100.0,
    noise: float = 0.5,
    s_noise: float = 0.05,
    rng_seed: int = 0,
    missing: tuple[tuple[float, int], ...] = (),
    with_C: bool = True,
) -> xr.Dataset:
    """Synthetic aggregated dataset (see module docstring); ``missing`` = (U, seed) runs."""
    rng = np.random.default_rng(rng_seed)
    c_site = L // 2
    times = np.concatenate([[0.0], np.logspace(-1, np.log10(t_max), n_times - 1)])
    sites = np.arange(L)
    x = sites - c_site
    bonds = np.arange(1, L)
    x_b = bonds - 0.5 - c_site
    nU, nS, nT = len(Us), n_seeds, times.size

    def lognormal(shape, sigma):
        return np.exp(sigma * rng.standard_normal(shape) - sigma**2 / 2)

    n_c = np.empty((nU, nS, nT, L))
    S = np.empty((nU, nS, nT, L - 1))
    for iu, U in enumerate(Us):
        for it, t in enumerate(times):
            prof = true_profile(U, t, x, x)
            n_c[iu, :, it] = prof[None, :] * lognormal((nS, L), noise)
            pb = true_profile(U, t, x_b, x) if t > 0 else np.zeros_like(x_b)
            s_true = eq5(t, U * pb, TRUE["S_AI"], TRUE["xi_S"])
            S[iu, :, it] = s_true[None, :] + s_noise * rng.standard_normal((nS, L - 1))
            if U == 0:
                S[iu, :, it] += c_boson_entropy(n_c[iu, :, it])
    wave = (sites % 3 == 1).astype(float)
    relax = 1 / 3 + (wave[None, :] - 1 / 3) * np.exp(-times)[:, None]  # (time, site)
    n_d = np.broadcast_to(relax, (nU, nS, nT, L)).copy()
    if with_C:
        dist = np.abs(sites[:, None] - sites[None, :])
        C = np.empty((nU, nS, nT, L, L))
        for iu, U in enumerate(Us):
            for it, t in enumerate(times):
                if t == 0:
                    C[iu, :, it] = 0.0
                    continue
                base = -TRUE["A_d"] * np.exp(-dist / true_ell_d(U, t))
                C[iu, :, it] = base[None] * lognormal((nS, L, L), noise)
        C = 0.5 * (C + np.swapaxes(C, -1, -2))  # symmetric, as a correlation matrix
    else:
        C = np.zeros((nU, nS, nT, L, L))
    conv = np.ones((nU, nS), dtype=np.int8)
    trunc = np.zeros((nU, nS, nT))
    for U, s in missing:
        iu = list(Us).index(U)
        for arr in (n_c, n_d, C, S, trunc):
            arr[iu, s] = np.nan
        conv[iu, s] = 0
    ds = xr.Dataset(
        {
            "eps": (("seed", "site"), rng.uniform(-6.5, 6.5, (nS, L))),
            "n_c": (("U", "seed", "time", "site"), n_c),
            "n_d": (("U", "seed", "time", "site"), n_d),
            "C_dd": (("U", "seed", "time", "site", "site2"), C),
            "S": (("U", "seed", "time", "bond"), S),
            "trunc_err": (("U", "seed", "time"), trunc),
            "converged": (("U", "seed"), conv),
        },
        coords={
            "U": np.asarray(Us, float),
            "seed": np.arange(nS),
            "time": times,
            "site": sites,
            "site2": sites,
            "bond": bonds,
            "x": ("site", x),
        },
        attrs={
            "L": L,
            "W": 6.5,
            "td": 1.0,
            "tc": 1.0,
            "d_residue": 1,
            "c_site": c_site,
            "chi_max": 64,
            "dt": 0.05,
            "order": 4,
            "t_max": t_max,
            "numerics": "synthetic",
            "config_hash": "0" * 12,
        },
    )
    return ds


def check_cf(ds: xr.Dataset, tmp_path, name: str) -> None:
    """Every variable has long_name and UDUNITS units (strings none); the pipeline writes the
    file (mblbath.io.write_atomic) and reads the same variables back (open_result)."""
    assert cf_units_problems(ds) == []
    path = tmp_path / f"{name}.nc"
    write_atomic(ds, path)
    back = open_result(path)
    assert set(back.data_vars) == set(ds.data_vars)
    assert set(back.dims) == set(ds.dims)
