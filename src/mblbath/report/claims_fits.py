"""Claims that the Eq. (4) and Eq. (5) fits describe the data (goodness of fit)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import stats

from ..analysis.bundle import Bundle, is_ok, sel_u, status_strings, u_values, var
from .basis import basis
from .constants import P_MIN
from .series import scalar
from .verdicts import FAILS, HOLDS, WHY_INPUT, Claim, Outcome, all_of, power_check

__all__ = ["claim_eq4_describes", "claim_eq5_describes", "gof_table"]


def _ok(ds: xr.Dataset, U: float) -> bool:
    st = sel_u(var(ds, "status"), U)
    if st is None:
        return True
    return all(is_ok(s) for s in status_strings(st).ravel())


def gof_table(
    fits: dict[int, xr.Dataset], param: str
) -> list[tuple[int, float, float, float, float, float]]:
    """``(L, U, red_chi2, n_dof, value, err)`` of every U > 0 fit with status 'ok'."""
    rows = []
    for L, ds in sorted(fits.items()):
        for U in u_values(ds):
            if U <= 0 or not _ok(ds, U):
                continue
            rows.append(
                (
                    L,
                    U,
                    scalar(ds, "red_chi2", U),
                    scalar(ds, "n_dof", U),
                    scalar(ds, param, U),
                    scalar(ds, f"{param}_err", U),
                )
            )
    return rows


def _gof_claim(c: Claim, b: Bundle, fits: dict[int, xr.Dataset], param: str, sym: str) -> Claim:
    """Shared rule of the two goodness-of-fit claims."""
    rows = gof_table(fits, param)
    if not rows:
        return c.untestable(WHY_INPUT, "no fit with status 'ok' at U > 0")
    c.basis = basis(b, sorted({r[0] for r in rows}), sorted({r[1] for r in rows}), "")
    usable = [r for r in rows if np.isfinite(r[2]) and np.isfinite(r[3]) and r[3] >= 1]
    if not usable:
        return c.untestable(WHY_INPUT, "no red_chi2 / n_dof in the fit files")
    level = P_MIN / len(usable)
    parts, cells = [], []
    for L, U, red, dof, v, e in usable:
        p = float(stats.chi2.sf(red * dof, dof))
        cells.append(f"L={L} U={U:g}: χ²/dof = {red:.2g} ({dof:g} dof), p = {p:.2g}")
        what = f"{sym}(L={L}, U={U:g})"
        bad = power_check(v, e, abs(v), what)
        if bad is not None:
            parts.append(bad)
        elif p >= level:
            parts.append(Outcome(HOLDS, ""))
        else:
            parts.append(Outcome(FAILS, f"L={L} U={U:g}: p = {p:.2g} < {level:.2g}"))
    c.measured = "; ".join(cells)
    c.numbers = {"n_fits": len(usable), "p_level": level}
    return c.conclude(all_of(parts))


def claim_eq4_describes(b: Bundle) -> Claim:
    """The Eq. (4) fits of ℓ_c(t) describe the data.

    Rule: every Eq. (4) fit of ℓ_c (each L, each U > 0, status 'ok') with its reduced χ²
    and degrees of freedom (``red_chi2``, ``n_dof`` of the fit file) has a χ² p-value >=
    P_MIN/n (n fits: Bonferroni, family-wise P_MIN). A χ² test has power only if the fit
    determines its parameter: ξ_c's error must be <= POWER·ξ_c, else not testable
    (errors). The point errors of ℓ_c at different times share their bootstrap samples,
    so the χ² is approximate. Not testable without red_chi2 in the files.
    """
    c = Claim(
        "Eq. (4) describes ℓ_c",
        "Eq. (4) describes ℓ_c(t) (goodness of fit per L and U)",
        "Fig. 1(d), Fig. 2(a)",
        rule=claim_eq4_describes.__doc__ or "",
    )
    return _gof_claim(c, b, b.lc_fit, "xi_c", "ξ_c")


def claim_eq5_describes(b: Bundle) -> Claim:
    """The Eq. (5) fits of S(i, t) describe the data.

    Rule: the same as for Eq. (4), on the Eq. (5) fits (each L, each U > 0, status 'ok'):
    p-value of ``red_chi2`` with ``n_dof`` >= P_MIN/n, and power: ξ_S's error <=
    POWER·|ξ_S|. Not testable without red_chi2 in the files.
    """
    c = Claim(
        "Eq. (5) describes S",
        "Eq. (5) describes S(i, t) (goodness of fit per L and U)",
        "Fig. 4(a)",
        rule=claim_eq5_describes.__doc__ or "",
    )
    return _gof_claim(c, b, b.ent_fit, "xi_S", "ξ_S")
