"""Derived observables of the long-time branch (mblbath.analysis.long_observables)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from mblbath.analysis.long_observables import derived_observables, sector_page_entropy
from mblbath.exact import _entropies, _schmidt_blocks, sector_basis


def toy_agg(L=12, Us=(2.5, 12.0), n_seeds=3, n_t=5, c_site=None, trunc=None) -> xr.Dataset:
    """An aggregate of known densities: the c-boson on site i0 + 2 at t > 0, the density
    wave relaxed to n_A = 1 - 2a/3... (contrast 1 - a at time index a)."""
    c0 = L // 2 if c_site is None else c_site
    times = np.r_[0.0, np.geomspace(1, 100, n_t - 1)]
    nc = np.zeros((len(Us), n_seeds, n_t, L))
    nc[:, :, 0, c0] = 1.0
    nc[:, :, 1:, c0 + 2] = 1.0
    occ = np.arange(L) % 3 == 1
    nd = np.zeros((len(Us), n_seeds, n_t, L))
    for k in range(n_t):
        r = k / (n_t - 1)  # contrast 1 - r: n_A = 1 - 2r/3, n_B = r/3
        nd[:, :, k, occ] = 1 - 2 * r / 3
        nd[:, :, k, ~occ] = r / 3
    S = np.tile(np.linspace(0, 1, L - 1), (len(Us), n_seeds, n_t, 1)) * times[:, None]
    data = {
        "n_c": (("U", "seed", "time", "site"), nc),
        "n_d": (("U", "seed", "time", "site"), nd),
        "S": (("U", "seed", "time", "bond"), S),
    }
    attrs = {"L": L, "c_site": c0, "method": "tebd"}
    if trunc is not None:
        data["trunc_err"] = (("U", "seed", "time"), trunc)
        attrs["trunc_err_max"] = 1e-4
    coords = {
        "U": list(Us),
        "seed": np.arange(n_seeds),
        "time": times,
        "site": np.arange(L),
        "bond": np.arange(1, L),
        "x": ("site", np.arange(L) - c0),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def test_definitions_on_known_densities():
    agg = toy_agg()
    obs = derived_observables(agg, "tebd_x")
    sig = obs["sigma2_c"].values
    assert np.all(sig[:, :, 0] == 0) and np.allclose(sig[:, :, 1:], 4.0)
    ret = obs["return_c"].values
    assert np.all(ret[:, :, 0] == 1) and np.all(ret[:, :, 1:] == 0)
    imb = obs["imbalance_d_mean"].values
    np.testing.assert_allclose(imb[0], 1 - np.linspace(0, 1, 5), atol=1e-12)
    # S(L/2) is bond L // 2 = 6: S[..., 5] = (5 / 10) t
    np.testing.assert_allclose(obs["S_half_mean"].values[0], 0.5 * agg["time"].values)
    assert obs.attrs["sigma2_c_uniform"] == pytest.approx(np.mean((np.arange(12) - 6) ** 2))
    assert np.all(obs["sigma2_c_sem"].values[:, 1:] == 0)
    assert "sigma2_c_inf" not in obs


def test_unconverged_times_end_the_data_of_their_U_for_every_realisation():
    trunc = np.zeros((2, 3, 5))
    trunc[1, 2, 3:] = 1e-3  # U = 12, seed 2 exceeds trunc_err_max from time index 3
    obs = derived_observables(toy_agg(trunc=trunc), "tebd_x")
    s = obs["sigma2_c"].values
    assert np.all(np.isnan(s[1, :, 3:])) and np.all(np.isfinite(s[1, :, :3]))
    assert np.all(np.isfinite(s[0]))  # the other U keeps every time
    assert obs["t_converged"].values[1, 2] == pytest.approx(obs["time"].values[2])
    assert np.isnan(obs["sigma2_c_mean"].values[1, 3])
    raw = derived_observables(toy_agg(trunc=trunc), "tebd_x", mask_unconverged_times=False)
    assert np.all(np.isfinite(raw["sigma2_c"].values))


def test_diagonal_ensemble_values_when_present():
    agg = toy_agg()
    L = agg.sizes["site"]
    inf = np.zeros((2, 3, L))
    inf[..., 6] = 0.5
    inf[..., 9] = 0.5
    agg["n_c_inf"] = (("U", "seed", "site"), inf)
    agg["n_d_inf"] = (("U", "seed", "site"), np.full((2, 3, L), 1 / 3))
    obs = derived_observables(agg, "exact_T1")
    np.testing.assert_allclose(obs["sigma2_c_inf"].values, 4.5)
    np.testing.assert_allclose(obs["return_c_inf"].values, 0.5)
    np.testing.assert_allclose(obs["imbalance_d_inf"].values, 0.0, atol=1e-12)


def test_page_entropy_of_the_sector_matches_random_states():
    L, N_d, b = 9, 3, 4
    confs = sector_basis(L, N_d)
    maps = _schmidt_blocks(confs, L)
    rng = np.random.default_rng(0)
    S = []
    for _ in range(20):
        psi = rng.standard_normal(confs.size * L) + 1j * rng.standard_normal(confs.size * L)
        S.append(_entropies(psi / np.linalg.norm(psi), maps)[b - 1])
    page = sector_page_entropy(L, N_d, b)
    assert page == pytest.approx(np.mean(S), abs=0.05)
    assert page < math.log(min(2**b, 2 ** (L - b)) * L)  # below the unconstrained bound
