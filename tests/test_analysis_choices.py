"""Tests of mblbath.analysis.choices on a tiny config (the choices the paper leaves open)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.analysis.choices import CHOICES, _c_site_observables, _c_site_pair
from mblbath.analysis.run import run_fit
from mblbath.config import validate_config
from mblbath.criterion import compute_criterion
from mblbath.criterion_limit import threshold

TINY = {
    "model": {"W": 6.5},
    "numerics": {"t_max": 20.0},
    "criterion": {"L": 60, "n_real": 4, "n_real_small": 40, "x_small": [0.18, 0.36, 0.51, 0.72]},
    "choices": {"L": 12, "n_seeds": 4, "U": [12.0, 0.0]},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    cfg = validate_config(TINY)
    out = tmp_path_factory.mktemp("choices") / "choices.nc"
    run_fit("choices", cfg, None, None, out)
    with xr.open_dataset(out) as ds:
        return cfg, ds.load()


def test_every_choice_is_described(tiny):
    _, ds = tiny
    assert ds.attrs["choices"].split(", ") == list(CHOICES)
    for name in CHOICES:
        for key in ("description", "default", "alternative", "effect"):
            assert len(ds.attrs[f"choice_{name}_{key}"]) > 5, (name, key)
    for name in ("c_site", "W_tilde", "xi_kind", "energy"):
        assert ds[f"{name}_variant"].size == 2
    assert "ell_d" in ds.attrs["choice_ell_d_average_effect"]
    assert "entanglement" in ds.attrs["choice_S_AI_effect"]


def test_criterion_variants_at_model_w(tiny):
    """The default variant is the criterion's U_c(W = model.W); W_tilde with the periodic
    part is larger; intensity lengths divide the right side by 4 (U_c is that root)."""
    cfg, ds = tiny
    cr, m = cfg["criterion"], cfg["model"]
    base = compute_criterion(
        [6.5],
        [1.0],
        L=cr["L"],
        n_real=cr["n_real"],
        seed=cfg["master_seed"],
        x_small=cr["x_small"],
        n_real_small=cr["n_real_small"],
        d_residue=m["d_residue"],
    ).isel(W=0)
    for name in ("W_tilde", "xi_kind", "energy"):
        assert float(ds[f"{name}_U_c"][0]) == pytest.approx(float(base.U_c), rel=1e-12)
    assert float(ds.W_tilde_value[0]) == pytest.approx(float(base.W_tilde), rel=1e-12)
    assert float(ds.W_tilde_value[1]) > 1.3 * float(ds.W_tilde_value[0])
    rhs = 1.5 * (2 / 9) * float(base.xi_c0_limit) * float(base.xi_d)
    assert float(ds.xi_kind_U_c[1]) == pytest.approx(threshold(6.5, float(base.W_tilde), rhs / 4))
    assert float(ds.W_tilde_U_c[1]) == pytest.approx(
        threshold(6.5, float(ds.W_tilde_value[1]), rhs)
    )
    assert np.all(np.isfinite(ds.energy_U_c)) and np.all(ds.energy_U_c_err > 0)


def test_c_site_exact_evolution(tiny):
    """Default: the empty centre site 6; alternative: the occupied site 7. At U = 12 the
    c-boson started on a d-boson is a doublon far above the band: on average it spreads
    less (by several standard errors at t = 20); at U = 0 there is no disorder for it."""
    _, ds = tiny
    assert list(ds.c_site_start.values) == [6, 7]
    spread = ds.c_site_spread.sel(U_exact=12.0)
    diff = (spread.sel(c_site_variant="alternative") - spread.sel(c_site_variant="default")).values
    assert diff.mean() < -2 * diff.std(ddof=1) / np.sqrt(diff.size)
    assert float(ds.c_site_spread_diff.sel(U_exact=12.0)) == pytest.approx(diff.mean())
    assert float(ds.c_site_spread_diff_sem.sel(U_exact=12.0)) == pytest.approx(
        diff.std(ddof=1) / np.sqrt(diff.size)
    )
    free = ds.c_site_spread.sel(U_exact=0.0)
    np.testing.assert_allclose(free.isel(seed=0), free.isel(seed=1), rtol=1e-8)  # no disorder
    assert np.all(ds.c_site_S_half >= 0)


def test_c_site_helpers():
    assert _c_site_pair(12, 1, None) == (6, 7)
    assert _c_site_pair(9, 1, None) == (3, 4)  # occupied centre: start left of it, empty
    nc = np.zeros(12)
    nc[3], nc[7] = 0.5, 0.5
    spread, mean_dist, s_half = _c_site_observables(nc, np.arange(11.0), 5)
    assert spread == pytest.approx(2.0) and mean_dist == pytest.approx(2.0) and s_half == 5.0
