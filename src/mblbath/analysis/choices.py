r"""The choices the paper leaves open, each with its effect measured where cheap.

:func:`measure_choices` writes one Dataset (``results/fits/choices.nc``, rule ``choices``)
that the report renders as "Choices the paper leaves open". For every choice ``<name>`` in
the attribute ``choices`` (comma-separated) it has the attributes
``choice_<name>_description`` (what is open), ``choice_<name>_default`` (what we do),
``choice_<name>_alternative`` and ``choice_<name>_effect`` (the measured effect, in words
with numbers, or a pointer to where another stage measures it). Measured choices also have
variables prefixed ``<name>_`` with a ``<name>_variant`` dimension whose first entry is the
default:

``c_site`` -- the c-boson's initial site
    Empty site (default: the empty site nearest the centre, or ``model.c_site``) vs the
    nearest occupied site (a doublon of energy U) or vice versa. Exact sector evolution
    (:func:`mblbath.exact.sector_evolution`) at ``choices.L`` (12: dimension 5,940),
    W = ``model.W``, U in ``choices.U``, the pipeline's realisations of that size (seeds
    0 .. ``choices.n_seeds`` - 1), up to t = min(``numerics.t_max``, ``choices.t_cap``).
    At the last time: the spread :math:`\sqrt{\sum_i (i-i_0)^2 n_{c,i}}`, the ℓ_c proxy
    :math:`\sum_i |i-i_0|\, n_{c,i}` (the mean distance, ℓ_c for n_c ∝ e^{-|x|/ℓ_c} with
    ℓ_c >> 1) and S(L/2). Variables ``c_site_<obs>(U_exact, c_site_variant, seed)`` and
    the paired difference (alternative - default) ``c_site_<obs>_diff(U_exact)`` with its
    standard error over realisations ``..._diff_sem``.
``W_tilde`` -- which spread of U<n_d>_inf is the effective disorder
    Random part (default: deviations from the residue-class means) vs the full spread
    (the period-3 part included), :func:`mblbath.criterion.effective_disorder`; the U_c
    of Eq. (2) at W = ``model.W`` with each (the right-hand side unchanged).
``xi_kind`` -- amplitude or intensity localisation length
    |ψ| ~ e^{-r/ξ} (default) vs |ψ|² ~ e^{-r/ξ} (ξ halved, for ξ_c^0 and ξ_d: the
    right-hand side of Eq. (2) divided by 4); U_c at W = ``model.W``.
``energy`` -- which energy the localisation lengths refer to
    DOS (band) average of ξ(E) (default) vs ξ at the band centre (E = 0 for ξ_d and for the
    random part of the c-boson potential; the criterion's fixed-energy convention);
    U_c at W = ``model.W`` from :func:`mblbath.criterion.compute_criterion` with each.
``ell_d_average``, ``S_AI``
    Measured by the fits themselves (:mod:`mblbath.analysis.ell_d`,
    :mod:`mblbath.analysis.entanglement`): only described here, with a pointer.

U_c errors: the default and the energy variant carry the criterion's jackknife error; the
W_tilde and xi_kind variants propagate the errors of W̃, ξ_d and ξ_c^0 linearly
(independent errors), which is what dominates the jackknife too.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import criterion as crit
from ..anderson import diagonal_ensemble_density
from ..cf import unit_attrs
from ..config import default_c_site
from ..criterion_limit import threshold
from ..disorder import sample_eps
from ..exact import sector_evolution

__all__ = ["measure_choices", "CHOICES"]

#: The choices, in the order the report lists them.
CHOICES = ("c_site", "W_tilde", "xi_kind", "energy", "ell_d_average", "S_AI")

_NU = 1.0 / 3.0
_F = 1.5 * _NU * (1.0 - _NU)  # rhs = _F xi_c0 xi_d


def _c_site_pair(L: int, d_residue: int, c_site: int | None) -> tuple[int, int]:
    """(default start, alternative start): the alternative is the nearest site of the other
    kind (occupied <-> empty), the right neighbour first."""
    s0 = default_c_site(L, d_residue) if c_site is None else int(c_site)
    occupied = np.arange(L) % 3 == d_residue
    for step in (1, -1, 2, -2, 3, -3):
        s1 = s0 + step
        if 0 <= s1 < L and occupied[s1] != occupied[s0]:
            return s0, s1
    raise ValueError(f"no site of the other kind next to {s0} at L = {L}")


def _c_site_observables(nc: np.ndarray, S: np.ndarray, i0: int) -> tuple[float, float, float]:
    """Spread, mean distance (ℓ_c proxy) and S(L/2) of one state."""
    dist = np.arange(nc.size) - i0
    return (
        float(np.sqrt(np.sum(dist**2 * nc))),
        float(np.sum(np.abs(dist) * nc)),
        float(S[nc.size // 2 - 1]),
    )


def _measure_c_site(cfg: dict) -> tuple[xr.Dataset, dict[str, str]]:
    """Exact evolution from both starts; per-realisation observables and paired differences."""
    ch, m = cfg["choices"], cfg["model"]
    L, seeds, Us = int(ch["L"]), np.arange(int(ch["n_seeds"])), [float(u) for u in ch["U"]]
    t_last = float(min(cfg["numerics"]["t_max"], ch["t_cap"]))
    starts = _c_site_pair(L, m["d_residue"], m["c_site"] if m["c_site"] is not None else None)
    d_sites = np.nonzero(np.arange(L) % 3 == m["d_residue"])[0]
    obs = np.empty((3, len(Us), 2, seeds.size))
    for k, s in enumerate(seeds):
        eps = sample_eps(m["W"], L, int(s), cfg["master_seed"])
        for a, U in enumerate(Us):
            for b, c0 in enumerate(starts):
                out = sector_evolution(eps, U, m["td"], m["tc"], d_sites, c0, [0.0, t_last])
                obs[:, a, b, k] = _c_site_observables(out["n_c"][-1], out["S"][-1], c0)
    names = ("spread", "ell_proxy", "S_half")
    units = ("lattice spacings", "lattice spacings", "nat")
    long = (
        "c-boson spread sqrt(sum (i - i0)^2 n_c) at the last time",
        "l_c proxy: mean distance sum |i - i0| n_c at the last time",
        "half-chain entanglement entropy S(L/2) at the last time (nats)",
    )
    dims = ("U_exact", "c_site_variant", "seed")
    ds = xr.Dataset(coords=_coords(Us, starts, seeds))
    diffs = obs[:, :, 1, :] - obs[:, :, 0, :]
    n = seeds.size
    sem = diffs.std(axis=-1, ddof=1) / np.sqrt(n) if n > 1 else np.full(diffs.shape[:2], np.nan)
    for j, (name, unit, ln) in enumerate(zip(names, units, long, strict=True)):
        ds[f"c_site_{name}"] = (dims, obs[j], {**unit_attrs(unit), "long_name": ln})
        ds[f"c_site_{name}_diff"] = (
            ("U_exact",),
            diffs[j].mean(axis=-1),
            {**unit_attrs(unit), "long_name": f"{name}: alternative start minus default start"},
        )
        ds[f"c_site_{name}_diff_sem"] = (
            ("U_exact",),
            sem[j],
            {**unit_attrs(unit), "long_name": f"standard error of c_site_{name}_diff"},
        )
    kinds = ["empty" if s % 3 != m["d_residue"] else "occupied" for s in starts]
    effect = "; ".join(
        f"U = {U:g}: spread {_pm(ds.c_site_spread_diff[a], ds.c_site_spread_diff_sem[a])}"
        f" (default {obs[0, a, 0].mean():.2f}), l_c proxy "
        f"{_pm(ds.c_site_ell_proxy_diff[a], ds.c_site_ell_proxy_diff_sem[a])}, S(L/2) "
        f"{_pm(ds.c_site_S_half_diff[a], ds.c_site_S_half_diff_sem[a])}"
        for a, U in enumerate(Us)
    )
    text = {
        "description": (
            "Initial site of the c-boson: the paper puts it at the chain centre, but not "
            "whether that site holds a d-boson (a doublon of energy U) or not."
        ),
        "default": (
            f"{kinds[0]} site (nearest the centre unless model.c_site is set; "
            f"site {starts[0]} at L = {L})"
        ),
        "alternative": f"nearest {kinds[1]} site (site {starts[1]} at L = {L})",
        "effect": (
            f"exact evolution at L = {L}, W = {m['W']:g}, t = {t_last:g}, {n} realisations; "
            f"alternative minus default, mean +- SEM of the paired difference: {effect}"
        ),
    }
    return ds, text


def _coords(Us, starts, seeds) -> dict:
    return {
        "U_exact": ("U_exact", np.asarray(Us), {**unit_attrs("hopping"), "long_name": "U (exact)"}),
        "c_site_variant": (
            "c_site_variant",
            np.array(["default", "alternative"]),
            {"long_name": "initial site of the c-boson (default first)"},
        ),
        "c_site_start": (
            "c_site_variant",
            np.asarray(starts),
            {"units": "1", "long_name": "initial site (0-indexed)"},
        ),
        "seed": ("seed", np.asarray(seeds), {"long_name": "disorder realisation"}),
    }


def _pm(value, err) -> str:
    v, e = float(value), float(err)
    return f"{v:+.3g} +- {e:.2g}" if np.isfinite(e) else f"{v:+.3g}"


def _uc_propagated(W: float, wt: float, wt_err: float, rhs: float, rhs_err: float):
    """U_c = threshold(W, W̃, rhs) and its linearly propagated error (independent errors)."""
    u = float(threshold(W, wt, rhs))
    den = 2.0 * wt * u + W  # d(W̃U² + WU)/dU
    return u, float(np.hypot(rhs_err / den, u * u * wt_err / den))


def _variant_ds(name: str, variants, data: dict) -> xr.Dataset:
    """Variables ``<name>_<key>(<name>_variant)`` from ``data[key] = (values, units, long)``."""
    dim = f"{name}_variant"
    ds = xr.Dataset(
        coords={dim: (dim, np.array(variants), {"long_name": f"{name} (default first)"})}
    )
    for key, (values, units, long_name) in data.items():
        ds[f"{name}_{key}"] = (
            dim,
            np.asarray(values, float),
            {**unit_attrs(units), "long_name": long_name},
        )
    return ds


#: What is open, what we do and the alternative, for the choices measured from Eq. (2).
_CRITERION_TEXTS = {
    "W_tilde": {
        "description": (
            "W_tilde, the effective disorder the c-boson sees: the paper takes it from the "
            "spread of U <n_d>_inf without saying whether the period-3 part (the memory of "
            "the density wave) counts."
        ),
        "default": "random part only (deviations from the residue-class means)",
        "alternative": "full spread, the period-3 part included",
    },
    "xi_kind": {
        "description": (
            "Localisation lengths as decay lengths of the amplitude |psi| ~ e^{-r/xi} or of "
            "the intensity |psi|^2 ~ e^{-r/xi} (a factor 2 in xi_c^0 and in xi_d)."
        ),
        "default": "amplitude (transfer-matrix Lyapunov exponent, xi = 1/gamma)",
        "alternative": "intensity: xi_c^0 and xi_d halved, the right side of Eq. (2) / 4",
    },
    "energy": {
        "description": (
            "Energy of the localisation lengths: the paper does not say which single-"
            "particle energies xi_c and xi_d refer to."
        ),
        "default": "DOS-weighted average of xi(E) over the band",
        "alternative": (
            "xi at the band centre (E = 0; c-boson: the same offset from the mean potential)"
        ),
    },
}


def _criterion_numbers(cfg: dict) -> dict[str, float]:
    """W̃ (both kinds), ξ_d, ξ_c^0 and U_c(W = model.W) for every variant, with errors."""
    m, cr, seed = cfg["model"], cfg["criterion"], cfg["master_seed"]
    W0 = float(m["W"])
    kw = {"L": cr["L"], "n_real": cr["n_real"], "seed": seed, "td": m["td"], "tc": m["tc"]}
    kw.update(d_residue=m["d_residue"], x_small=cr["x_small"], n_real_small=cr["n_real_small"])
    base = crit.compute_criterion([W0], [1.0], **kw).isel(W=0)
    e0 = crit.compute_criterion([W0], [1.0], energy=0.0, **kw).isel(W=0)
    keys = ("W_tilde", "W_tilde_err", "xi_d", "xi_d_err", "xi_c0_limit", "xi_c0_limit_err")
    g = {k: float(base[k]) for k in (*keys, "U_c", "U_c_err")}
    g.update({f"E0_{k}": float(e0[k]) for k in (*keys, "U_c", "U_c_err")})
    rhs = _F * g["xi_c0_limit"] * g["xi_d"]
    rhs_err = rhs * np.hypot(g["xi_c0_limit_err"] / g["xi_c0_limit"], g["xi_d_err"] / g["xi_d"])
    u, _ = crit.disorder_draws(seed, cr["n_real"], cr["L"], 0)
    nd = diagonal_ensemble_density(W0 * u, m["td"], np.arange(cr["L"]) % 3 == m["d_residue"])
    wt, wt_err = crit.effective_disorder(nd, 3, int(base.attrs["edge"]), part="full")
    g["full_W_tilde"], g["full_W_tilde_err"] = wt, wt_err
    g["full_U_c"], g["full_U_c_err"] = _uc_propagated(W0, wt, wt_err, rhs, rhs_err)
    g["int_U_c"], g["int_U_c_err"] = _uc_propagated(
        W0, g["W_tilde"], g["W_tilde_err"], rhs / 4, rhs_err / 4
    )
    return g


def _measure_criterion_choices(cfg: dict) -> dict[str, tuple[xr.Dataset, dict[str, str]]]:
    """W_tilde, xi_kind and energy: U_c(W = model.W) of Eq. (2) with each variant."""
    g = _criterion_numbers(cfg)
    at = f"U_c(W = {float(cfg['model']['W']):g})"

    def uc(prefix: str) -> dict:
        return {
            "U_c": ([g["U_c"], g[f"{prefix}U_c"]], "hopping", at),
            "U_c_err": ([g["U_c_err"], g[f"{prefix}U_c_err"]], "hopping", f"error of {at}"),
        }

    def pm(key: str) -> str:
        return _pm0(g[key], g[f"{key}_err"])

    xi0 = "hopping^2 lattice spacings"
    parts = {
        "W_tilde": (
            ["random", "full"],
            {
                "value": ([g["W_tilde"], g["full_W_tilde"]], "1", "W_tilde at W = model.W"),
                "value_err": ([g["W_tilde_err"], g["full_W_tilde_err"]], "1", "its error"),
                **uc("full_"),
            },
            f"W_tilde = {pm('W_tilde')} vs {pm('full_W_tilde')}; "
            f"{at} = {pm('U_c')} vs {pm('full_U_c')}",
        ),
        "xi_kind": (
            ["amplitude", "intensity"],
            uc("int_"),
            f"{at} = {pm('U_c')} vs {pm('int_U_c')}",
        ),
        "energy": (
            ["band", "E0"],
            {
                **uc("E0_"),
                "xi_c0_limit": ([g["xi_c0_limit"], g["E0_xi_c0_limit"]], xi0, "xi_c^0"),
                "xi_d": ([g["xi_d"], g["E0_xi_d"]], "lattice spacings", "xi_d"),
            },
            f"xi_c^0 = {pm('xi_c0_limit')} vs {pm('E0_xi_c0_limit')}, xi_d = "
            f"{g['xi_d']:.3f} vs {g['E0_xi_d']:.3f}; {at} = {pm('U_c')} vs {pm('E0_U_c')}",
        ),
    }
    return {
        name: (_variant_ds(name, variants, data), {**_CRITERION_TEXTS[name], "effect": effect})
        for name, (variants, data, effect) in parts.items()
    }


def _pm0(value: float, err: float) -> str:
    return f"{value:.3g} +- {err:.2g}" if np.isfinite(err) else f"{value:.3g}"


#: The choices measured by other stages: description, default, alternative, pointer.
_ELSEWHERE = {
    "ell_d_average": {
        "description": (
            "l_d from the disorder average of C_dd: the decay of |mean C| (the paper: 'the "
            "absolute value of the disorder-averaged connected correlation function') or of "
            "mean |C| (C changes sign between realisations at U > 0)."
        ),
        "default": "|mean C|",
        "alternative": "mean |C|",
        "effect": (
            "measured by the l_d fit itself (mblbath.analysis.ell_d, "
            "results/fits/<numerics>/L<L>/ell_d.nc)"
        ),
    },
    "S_AI": {
        "description": (
            "S_AI in Eq. (5), the entanglement of the Anderson insulator: the U = 0 runs' "
            "entropy includes the free c-boson's binary entropy H2(p_left)."
        ),
        "default": "d-only entropy (U = 0 entropy minus H2 of the c-boson, per realisation)",
        "alternative": "full U = 0 entropy",
        "effect": (
            "measured by the entanglement fit itself (mblbath.analysis.entanglement, "
            "results/fits/<numerics>/L<L>/entanglement.nc)"
        ),
    },
}


def measure_choices(cfg: dict) -> xr.Dataset:
    """All choices of :data:`CHOICES` (module docstring) from a validated config."""
    ds, c_text = _measure_c_site(cfg)
    texts = {"c_site": c_text, **_ELSEWHERE}
    for name, (part, text) in _measure_criterion_choices(cfg).items():
        ds = ds.merge(part)
        texts[name] = text
    attrs = {
        "title": "Choices the paper (arXiv:2109.07332) leaves open, with measured effects",
        "choices": ", ".join(CHOICES),
        "W": float(cfg["model"]["W"]),
    }
    for name in CHOICES:
        for key in ("description", "default", "alternative", "effect"):
            attrs[f"choice_{name}_{key}"] = texts[name][key]
    ds.attrs = attrs
    return ds
