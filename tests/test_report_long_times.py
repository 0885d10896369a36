"""The "Paper vs counterpoint" claims: each decided right on data where it holds, where it
clearly fails, and not decided when the same means carry ten times the noise.

Every data set is synthetic (tests/long_times_data.py): the disorder mean follows one form
exactly at two exact sizes (L = 12, 15) to t = 1e4; the fits are the branch's own
(:func:`mblbath.analysis.long_times.fit_long_times`).
"""

from __future__ import annotations

import pytest

from long_times_data import make_obs
from mblbath.analysis.long_times import fit_long_times
from mblbath.report import write_claims
from mblbath.report.long_times import LongFit, evaluate_long_claims, long_times_section
from mblbath.report.verdicts import FAILS, HOLDS, UNTESTABLE

#: Noise of the decisive data sets (per realisation and time, 20 realisations).
NOISE = 0.08

SUB = (2.0, 0.15)  # a slow power law: sigma_c^2 = 2 t^0.15
SAT_MSD = (3.0, 5.0)  # plateau 3, well below half the uniform value ~12 at L = 12
SAT_ID = (0.45, 3.0)  # plateau 1 - 0.45 = 0.55: memory
POW_ID = (0.9, -0.12)
LOG_S, POW_S = (0.1, 0.12), (0.2, 0.15)

#: claim -> (observable, data where it holds, data where it fails): (form, parameters)
CASES = {
    "msd_power": ("sigma2_c", ("power", SUB), ("saturation", SAT_MSD)),
    "imbalance_power": ("imbalance_d", ("power", POW_ID), ("saturation", SAT_ID)),
    "entropy_power": ("S_half", ("power", POW_S), ("log", LOG_S)),
    "msd_saturation": ("sigma2_c", ("saturation", SAT_MSD), ("power", SUB)),
    "imbalance_saturation": ("imbalance_d", ("saturation", SAT_ID), ("power", POW_ID)),
    "entropy_log": ("S_half", ("log", LOG_S), ("power", POW_S)),
}


def fits_of(
    quantity: str, form: str, params, noise: float = NOISE, sizes=(12, 15), n_seeds=20, **kw
):
    out = []
    for k, L in enumerate(sizes):
        obs = make_obs(
            {quantity: form}, n_seeds=n_seeds, noise=noise, indep=1.0, rng_seed=k,
            params={quantity: params}, L=L, **kw,
        )  # fmt: skip
        fit = fit_long_times(obs, 10.0, 60.0, n_bootstrap=100, bootstrap_seed=1)
        out.append(LongFit(obs.attrs["source"], L, fit, obs))
    return out


def verdict(key: str, fits) -> str:
    claims, U = evaluate_long_claims(fits)
    assert U == 12.0
    (c,) = [c for c in claims if c.key == key]
    return c.verdict


@pytest.mark.parametrize("key", list(CASES))
def test_claim_holds_fails_and_is_untestable_with_ten_times_the_noise(key):
    quantity, good, bad = CASES[key]
    assert verdict(key, fits_of(quantity, *good)) == HOLDS
    assert verdict(key, fits_of(quantity, *bad)) == FAILS
    assert verdict(key, fits_of(quantity, *good, noise=10 * NOISE)) == UNTESTABLE


def test_saturating_entanglement_decides_neither_growth_law():
    """At a fixed size S saturates in every reading: neither log nor power is tested."""
    fits = fits_of("S_half", "saturation", (1.2, 2.0))
    assert verdict("entropy_log", fits) == UNTESTABLE
    assert verdict("entropy_power", fits) == UNTESTABLE


def test_spreading_to_the_finite_size_ceiling_is_not_localisation():
    """sigma_c^2 saturating near the value of a uniform spread (~12 at L = 12)."""
    fits = fits_of("sigma2_c", "saturation", (12.0, 5.0), sizes=(12,))
    assert verdict("msd_saturation", fits) == UNTESTABLE
    assert verdict("msd_power", fits) == UNTESTABLE


def test_sizes_that_disagree_leave_the_claim_open():
    small = fits_of("sigma2_c", "saturation", SAT_MSD, sizes=(12,))
    large = fits_of("sigma2_c", "power", SUB, sizes=(15,))
    assert verdict("msd_power", large) == HOLDS
    assert verdict("msd_power", small + large) == UNTESTABLE


def test_sizes_with_few_realisations_are_shown_not_used():
    few = fits_of("sigma2_c", "power", SUB, sizes=(15,), n_seeds=5)
    assert verdict("msd_power", few) == UNTESTABLE
    many = fits_of("sigma2_c", "power", SUB, sizes=(12,))
    assert verdict("msd_power", many + few) == HOLDS  # rests on L = 12 alone
    claims, _ = evaluate_long_claims(many + few)
    (c,) = [c for c in claims if c.key == "msd_power"]
    assert "5 realisations < 10" in c.measured and "L=15" not in c.basis


def test_windows_that_end_before_the_long_times_are_not_used():
    fits = fits_of("sigma2_c", "power", SUB, t_max=60.0, source="tebd_chi256_T60")
    claims, _ = evaluate_long_claims(fits)
    (c,) = [c for c in claims if c.key == "msd_power"]
    assert c.verdict == UNTESTABLE
    assert "no eligible size" in c.basis


def test_section_in_claims_md(tmp_path):
    fits = fits_of("sigma2_c", "power", SUB)
    paths = {"long_obs": [], "long_fit": []}
    for k, lf in enumerate(fits):
        po, pf = tmp_path / f"obs{k}.nc", tmp_path / f"fit{k}.nc"
        lf.obs.to_netcdf(po)
        lf.fit.to_netcdf(pf)
        paths["long_obs"].append(str(po))
        paths["long_fit"].append(str(pf))
    text = long_times_section(paths)
    assert "## Paper vs counterpoint" in text
    assert text.count("| **") >= 6  # six claims with a verdict
    assert "### Summary" in text and "finite chain" in text
    assert long_times_section({}) == ""
    out = tmp_path / "claims.md"
    write_claims(paths, str(out), {"config": {}})
    md = out.read_text()
    assert "# Claims of arXiv:2109.07332" in md and "## Paper vs counterpoint" in md
