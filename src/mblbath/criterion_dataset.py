"""The netCDF layout of :func:`mblbath.criterion.compute_criterion`: variables and attributes.

Every variable has its dims, units (made CF by :func:`mblbath.cf.unit_attrs`) and long
name here (:data:`VARIABLES`); the attributes
that state the conventions of the criterion are written by :func:`conventions`. The
figure and the report read these names.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .cf import unit_attrs
from .criterion_limit import SMALL_EDGE, SMALL_L, SMALL_N_ENERGY, SMALL_WARMUP

__all__ = ["VARIABLES", "criterion_dataset", "conventions"]

_XI0 = "hopping^2 lattice spacings"

#: dims, units and long name of every variable of the criterion Dataset.
VARIABLES = {
    "W_tilde": (
        ("W",),
        "1",
        "effective disorder per unit U, sqrt(3 var(<n_d>_inf - residue-class mean))",
    ),
    "W_tilde_err": (("W",), "1", "jackknife error of W_tilde"),
    "W_tilde_U": (("W", "U"), "hopping", "effective c-boson box half-width U * W_tilde"),
    "xi_d": (("W",), "lattice spacings", "Anderson localisation length xi_d"),
    "xi_d_err": (("W",), "lattice spacings", "jackknife error of xi_d"),
    "xi_c": (("W", "U"), "lattice spacings", "c-boson localisation length in U <n_d>_inf"),
    "xi_c_err": (("W", "U"), "lattice spacings", "standard error of xi_c"),
    "xi_c0": (("W", "U"), _XI0, "U^2 xi_c at each U (full potential U <n_d>_inf)"),
    "xi_c0_limit": (("W",), _XI0, "xi_c^0 = lim_{U->0} U^2 xi_c (extrapolated)"),
    "xi_c0_limit_err": (("W",), _XI0, "jackknife error of xi_c0_limit"),
    "xi_c0_limit_chi2_red": (
        ("W",),
        "1",
        "reduced chi^2 of the small-U fit (diagonal jackknife errors)",
    ),
    "xi_c0_limit_grid_shift": (
        ("W",),
        _XI0,
        "change of xi_c0_limit when the largest-U point of the small-U grid is left out",
    ),
    "W_tilde_small": (("W",), "1", "W_tilde of the small-U chain (sets U_small = x / it)"),
    "U_small": (("W", "x_small"), "hopping", "U of the small-U grid, x_small / W_tilde_small"),
    "xi_c0_small": (
        ("W", "x_small"),
        _XI0,
        "U^2 xi_c on the small-U grid (random part of U <n_d>_inf, long chain)",
    ),
    "xi_c0_small_err": (("W", "x_small"), _XI0, "jackknife error of xi_c0_small"),
    "lhs": (("W", "U"), "hopping^2", "left side of Eq. (2): (W + U W_tilde) U"),
    "rhs": (
        ("W", "U"),
        "hopping^2",
        "right side of Eq. (2): 1.5 xi_c0_limit xi_d nu_d (1 - nu_d) / a^2",
    ),
    "rhs_perU": (
        ("W", "U"),
        "hopping^2",
        "right side of Eq. (2) with U^2 xi_c at each U: 1.5 xi_c0 xi_d nu_d (1 - nu_d)",
    ),
    "stable": (("W", "U"), "1", "Eq. (2) satisfied (lhs > rhs, U -> 0 limit): 1, else 0"),
    "U_c": (("W",), "hopping", "boundary U where lhs = rhs (U -> 0 limit; unstable below)"),
    "U_c_err": (("W",), "hopping", "jackknife error of U_c (W_tilde, xi_d, xi_c0_limit)"),
    "U_c_status": (("W",), "none", "U_c status"),
    "U_c_perU": (("W",), "hopping", "lowest crossing of lhs = rhs_perU on the U grid"),
    "U_c_perU_status": (("W",), "none", "U_c_perU status"),
    "nd_class_mean": (
        ("W", "residue"),
        "1",
        "disorder-averaged <n_d>_inf per residue class i mod period",
    ),
}


def criterion_dataset(
    W: np.ndarray, U: np.ndarray, x_small: np.ndarray, period: int, data: dict
) -> xr.Dataset:
    """The variables of :data:`VARIABLES` (taken from ``data``) and the coordinates."""

    def var(dims, values, units, long_name):
        return xr.Variable(dims, values, attrs={**unit_attrs(units), "long_name": long_name})

    return xr.Dataset(
        {name: var(dims, data[name], u, ln) for name, (dims, u, ln) in VARIABLES.items()},
        coords={
            "W": var(("W",), W, "hopping", "disorder strength W (eps in [-W, W])"),
            "U": var(("U",), U, "hopping", "c-d interaction U"),
            "x_small": var(
                ("x_small",),
                x_small,
                "hopping",
                "small-U grid as effective box half-width x = U W_tilde",
            ),
            "residue": var(("residue",), np.arange(period), "1", "site index modulo period"),
        },
    )


def conventions(energy: str | float, x_small: np.ndarray, n_real_small: int) -> dict[str, str]:
    """The attributes that state the conventions of the criterion."""
    band = energy == "band"
    xs = ", ".join(f"{x:g}" for x in x_small)
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
        "criterion": (
            "stable iff (W + U W_tilde) U > 1.5 xi_c0_limit xi_d nu_d (1 - nu_d), a = 1; "
            "U_c = positive root of W_tilde U^2 + W U = rhs"
        ),
        "criterion_perU": (
            "alternative: rhs_perU with U^2 xi_c at each U; U_c_perU = lowest upward "
            "crossing of ln(lhs / rhs_perU) on the U grid, linearly interpolated"
        ),
        "xi_c0_limit_method": (
            "U^2 xi_c of the random part of U <n_d>_inf (same U -> 0 limit as the full "
            "potential, whose period-3 part only opens gaps of width ~U) on a chain of "
            f"{n_real_small} x {SMALL_L - 2 * SMALL_EDGE} sites ({n_real_small} realisations "
            f"of L = {SMALL_L}, {SMALL_EDGE} edge sites dropped), band average on "
            f"{SMALL_N_ENERGY} energy bins, warm-up {SMALL_WARMUP} sites; weighted "
            "least-squares fit a + b U + c U^2, xi_c0_limit = a"
        ),
        "xi_c0_limit_window": f"x = U W_tilde_small in {{{xs}}} (U_small = x / W_tilde_small)",
        "disorder_convention": "eps_i = W u_i, u_i uniform in [-1, 1], same u for every W",
        "W_tilde_convention": (
            "W_tilde = sqrt(3 * pooled variance of <n_d,i>_inf minus its residue-class "
            "(i mod period) disorder mean), bulk sites only; dimensionless, per unit U"
        ),
        "energy_convention": "band: xi = DOS-weighted average of 1/gamma(E) over the spectrum"
        if band
        else f"E = {float(energy)}",
        "error": (
            "W_tilde, xi_d: jackknife over realisations; xi_c per U: jackknife over the "
            "n_real pieces of the joined chain (fixed E: batch means); xi_c0_limit: "
            "delete-a-group jackknife over n_real groups of the small-U chain, the fit "
            "redone per replica; U_c_err: the same replicas of W_tilde, xi_d, xi_c0_limit"
        ),
        "U0_convention": "U = 0: xi_c = inf, xi_c0 = rhs_perU = NaN; lhs = 0 so stable = 0",
    }
