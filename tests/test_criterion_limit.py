"""Tests of mblbath.criterion_limit: xi_c^0 = lim U^2 xi_c and the threshold U_c(W) of Eq. (2)."""

from __future__ import annotations

import numpy as np
import pytest

from mblbath.anderson import diagonal_ensemble_density
from mblbath.criterion import _both_sides, compute_criterion
from mblbath.criterion_limit import extrapolate, random_part, small_u_data, threshold
from mblbath.long_chain import band_xi_pieces, jackknife_error

NU = 1 / 3
F = 1.5 * NU * (1 - NU)  # rhs = F xi_c0 xi_d


def _synthetic_groups(rng, U, a, b, c, n_groups, common, indep):
    """Group values a + bU + cU^2 + a common shift per group + independent noise, the mean
    over groups and its leave-one-group-out replicas (what the small-U chain delivers)."""
    per_group = (
        a
        + b * U
        + c * U**2
        + common * rng.standard_normal((n_groups, 1))
        + indep * rng.standard_normal((n_groups, U.size))
    )
    y = per_group.mean(axis=0)
    jk = (per_group.sum(axis=0)[None] - per_group) / (n_groups - 1)
    return y, jk


def test_extrapolation_recovers_a_known_limit_within_its_error():
    """On U^2 xi_c = a + bU + cU^2 + noise, the intercept comes back within its jackknife
    error, and the errors are honest: the pulls over many data sets have spread ~1."""
    rng = np.random.default_rng(0)
    U = np.array([0.7, 0.96, 1.38, 1.96, 2.76])
    a, b, c = 147.0, -0.8, 1.9
    pulls = []
    for _ in range(300):
        y, jk = _synthetic_groups(rng, U, a, b, c, 20, common=4.0, indep=4.0)
        fit = extrapolate(U, y, jk)
        pulls.append((fit["limit"] - a) / fit["limit_err"])
        assert fit["limit_jk"].shape == (20,)
    pulls = np.array(pulls)
    print(f"pulls: mean {pulls.mean():.3f}, sd {pulls.std():.3f}")
    assert abs(pulls.mean()) < 0.2
    assert 0.8 < pulls.std() < 1.2
    # one noisy data set: the intercept is within 3 errors; chi2 of a good model ~ 1
    y, jk = _synthetic_groups(rng, U, a, b, c, 20, common=4.0, indep=4.0)
    fit = extrapolate(U, y, jk)
    assert abs(fit["limit"] - a) < 3 * fit["limit_err"]
    assert np.isfinite(fit["chi2_red"]) and np.isfinite(fit["grid_shift"])


def test_extrapolation_flags_a_wrong_model():
    """A straight line through curved data: large reduced chi^2 and a biased intercept."""
    rng = np.random.default_rng(1)
    U = np.array([0.7, 0.96, 1.38, 1.96, 2.76])
    y, jk = _synthetic_groups(rng, U, 147.0, 0.0, 4.0, 20, common=0.5, indep=0.5)
    line = extrapolate(U, y, jk, degree=1)
    quad = extrapolate(U, y, jk, degree=2)
    assert line["chi2_red"] > 20 and quad["chi2_red"] < 5
    assert abs(line["limit"] - 147.0) > 5 * line["limit_err"]
    assert abs(quad["limit"] - 147.0) < 3 * quad["limit_err"]


def test_threshold_is_the_positive_root():
    W = np.array([2.0, 6.5, 12.0])
    wt = np.array([0.12, 0.257, 0.26])
    rhs = np.array([300.0, 45.0, 20.0])
    u = threshold(W, wt, rhs)
    np.testing.assert_allclose(u, (-W + np.sqrt(W**2 + 4 * wt * rhs)) / (2 * wt), rtol=1e-12)
    np.testing.assert_allclose(wt * u**2 + W * u, rhs, rtol=1e-12)
    assert threshold(6.5, 0.0, 13.0) == pytest.approx(2.0)  # no effective disorder: rhs / W
    assert np.isnan(threshold(6.5, 0.25, np.nan)) and np.isnan(threshold(6.5, 0.25, -1.0))


def _sides(xi_c0_of_u, xi_c0_limit):
    """_both_sides on synthetic single-particle data: xi_c(U) = xi_c0(U) / U^2."""
    W = np.array([6.5])
    U = np.linspace(0.5, 20.0, 40)
    sp = {
        "W_tilde": np.array([0.257]),
        "W_tilde_jk": np.full((1, 4), 0.257),
        "xi_d": np.array([0.911]),
        "xi_d_jk": np.full((1, 4), 0.911),
        "xi_c": xi_c0_of_u(U)[None, :] / U[None, :] ** 2,
    }
    lim = {"xi_c0_limit": np.array([xi_c0_limit]), "xi_c0_limit_jk": np.full((1, 4), xi_c0_limit)}
    return U, _both_sides(W, U, sp, lim, 3)


def test_u_c_from_a_constant_xi_c0_equals_the_analytic_root():
    """With U^2 xi_c = const at every U, the per-U crossing and the limit's root coincide."""
    U, s = _sides(lambda u: np.full(u.shape, 146.0), 146.0)
    root = (-6.5 + np.sqrt(6.5**2 + 4 * 0.257 * F * 146.0 * 0.911)) / (2 * 0.257)
    assert s["U_c"][0] == pytest.approx(root, rel=1e-12)
    assert s["U_c_perU"][0] == pytest.approx(root, rel=2e-3)  # linear interpolation on the grid
    assert s["U_c_status"][0] == "ok" and s["U_c_perU_status"][0] == "ok"
    np.testing.assert_array_equal(s["stable"][0], (U > root).astype(np.int8))


def test_u_c_uses_the_u_to_0_limit_not_the_per_u_values():
    """U^2 xi_c falls from 146 at U -> 0 to ~100 at U ~ 3 (as measured at W = 6.5): the
    per-U crossing moves down (to ~3.9), the default U_c is the root with the limit (5.6)."""
    U, s = _sides(lambda u: 100.0 + 46.0 * np.exp(-u), 146.0)
    root = (-6.5 + np.sqrt(6.5**2 + 4 * 0.257 * F * 146.0 * 0.911)) / (2 * 0.257)
    assert s["U_c"][0] == pytest.approx(root, rel=1e-12)
    assert s["U_c_perU"][0] < root - 1.0
    assert np.all(s["rhs"][0] == s["rhs"][0, 0])  # one constant right-hand side
    np.testing.assert_array_equal(s["stable"][0], (U > root).astype(np.int8))


@pytest.fixture(scope="module")
def crit65():
    return compute_criterion([6.5], [1.0, 2.5, 4.0, 12.0], L=600, n_real=20, seed=20220711)


def test_criterion_file_u_c_is_the_limit_root(crit65):
    """In the criterion file, U_c is the root of W_tilde U^2 + W U = 1.5 xi_c0_limit xi_d
    nu (1 - nu), and it is not the per-U crossing (which uses U^2 xi_c at each U)."""
    d = crit65.isel(W=0)
    rhs = F * float(d.xi_c0_limit) * float(d.xi_d)
    assert float(d.U_c) == pytest.approx(float(threshold(6.5, float(d.W_tilde), rhs)), rel=1e-12)
    assert np.allclose(d.rhs.values, rhs, rtol=1e-12)
    assert 0 < float(d.U_c_err) < 0.05 * float(d.U_c)
    assert abs(float(d.U_c) - float(d.U_c_perU)) > 5 * float(d.U_c_err)
    print(
        f"W = 6.5: xi_c0_limit = {float(d.xi_c0_limit):.2f} +- {float(d.xi_c0_limit_err):.2f}"
        f" (chi2_red {float(d.xi_c0_limit_chi2_red):.2f}, grid shift"
        f" {float(d.xi_c0_limit_grid_shift):+.2f}); U_c = {float(d.U_c):.3f} +-"
        f" {float(d.U_c_err):.3f}; per-U U_c = {float(d.U_c_perU):.3f}"
    )


def test_limit_physics_at_w65(crit65):
    """xi_c^0(6.5) is known within a few %: 960,000-site chains give 147.5 +- 0.5 for the
    random part (flat below U W_tilde ~ 0.2) and an uncorrelated box of the same W_tilde
    would give 12 / W_tilde^2 = 181 (the anti-correlated <n_d>_inf backscatters more near
    the band centre, where xi(E) is largest); the
    per-U values at U >= 2.5 (~100) are far below."""
    d = crit65.isel(W=0)
    lim, err = float(d.xi_c0_limit), float(d.xi_c0_limit_err)
    assert 0 < err < 0.02 * lim
    assert abs(lim - 147.5) < 3 * err + 1.0
    assert lim < 12 / float(d.W_tilde) ** 2 - 20
    assert float(d.xi_c0.sel(U=2.5)) < lim - 30
    # the small-U points lie within a few % of the limit and rise with U
    small = d.xi_c0_small.values
    assert np.all(np.abs(small / lim - 1) < 0.1)
    assert small[-1] > small[0]


@pytest.mark.slow
def test_full_potential_has_the_same_limit_as_its_random_part():
    """With the period-3 part of U<n_d>_inf, U^2 xi_c approaches the limit only below
    U ~ 0.4, with a steep linear term (gaps of width ~U at E = +-1); extrapolated linearly
    from U = 0.2-0.4 on a 480,000-site chain it meets the random part's limit."""
    W, L, edge = 6.5, 150, 15
    rng = np.random.default_rng(7)
    u = rng.uniform(-1, 1, (4000, L))
    nd = diagonal_ensemble_density(W * u, 1.0, np.arange(L) % 3 == 1)[:, edge:-edge]
    Uf = np.array([0.2, 0.3, 0.4])
    xi, jk = band_xi_pieces(
        Uf[:, None] * nd.reshape(1, -1), 1.0, 256, n_pieces=20, warmup=10000, n_groups=20
    )
    y, y_jk = Uf**2 * xi, Uf[None] ** 2 * jk
    full = extrapolate(Uf, y, y_jk, degree=1)
    small = small_u_data(
        u,
        W,
        np.array([0.18, 0.25, 0.36, 0.51, 0.72]),
        td=1.0,
        tc=1.0,
        period=3,
        d_residue=1,
        n_groups=20,
    )
    rnd = extrapolate(small["U_small"], small["xi_c0_small"], small["xi_c0_small_jk"])
    print(
        f"full potential: U^2 xi_c = {np.round(y, 2)} +- {np.round(jackknife_error(y_jk), 2)}"
        f" -> {full['limit']:.2f} +- {full['limit_err']:.2f}; random part: "
        f"{rnd['limit']:.2f} +- {rnd['limit_err']:.2f}"
    )
    assert y[0] > y[-1] + 3  # the steep approach of the full potential
    tol = 3 * np.hypot(full["limit_err"], rnd["limit_err"])
    assert abs(full["limit"] - rnd["limit"]) < max(tol, 0.02 * rnd["limit"])


def test_random_part_removes_the_class_means():
    rng = np.random.default_rng(2)
    wave = np.tile((np.arange(60) % 3 == 1).astype(float), (4, 1))
    noisy = 0.6 * wave + 0.1 + rng.uniform(-0.05, 0.05, wave.shape)
    dn, m = random_part(noisy, 3, 5)
    assert dn.shape == (4, 50)
    np.testing.assert_allclose(m, [0.1, 0.7, 0.1], atol=0.01)
    assert abs(dn.mean()) < 1e-12 and np.abs(dn).max() <= 0.05 + 0.01


def test_one_realisation_gives_values_without_errors():
    """n_real = 1: one jackknife group, so every error is NaN, and nothing warns."""
    ds = compute_criterion(
        [6.5], [2.0, 12.0], L=90, n_real=1, seed=1, n_real_small=30, x_small=[0.2, 0.4, 0.7]
    ).isel(W=0)
    assert np.isfinite(float(ds.xi_c0_limit)) and np.isfinite(float(ds.U_c))
    for name in ("W_tilde_err", "xi_d_err", "xi_c0_limit_err", "U_c_err"):
        assert np.isnan(float(ds[name])), name
