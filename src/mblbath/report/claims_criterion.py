"""Claims on the perturbative criterion, Eq. (2): the maximum of W̃(W) and the threshold U_c."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..analysis.bundle import Bundle, cfg_get, status_strings, var
from ..analysis.stats import wls
from .claims_lc import ell_c_shape
from .constants import NSIG, WT_HALF_WINDOW, WT_NEAR
from .verdicts import (
    WHY_ERRORS,
    WHY_INPUT,
    WHY_NO_ERROR,
    Claim,
    Outcome,
    all_of,
    consistent,
    pm,
    significantly_positive,
    untestable,
)

__all__ = ["claim_w_tilde_max", "claim_criterion_U12", "parabola_vertex"]


def _crit_basis(crit: xr.Dataset, b: Bundle) -> str:
    W = crit["W"].values.astype(float)
    n_L = crit.attrs.get("L", cfg_get(b.cfg, "criterion", "L", default="?"))
    n_real = crit.attrs.get("n_real", cfg_get(b.cfg, "criterion", "n_real", default="?"))
    return (
        f"W grid [{W.min():g}, {W.max():g}] ({W.size} points); single-particle chains of "
        f"L = {n_L}, {n_real} realisations per W"
    )


def parabola_vertex(W: np.ndarray, y: np.ndarray, e: np.ndarray | None, k: int):
    """Weighted parabola of y(W) on |W − W_k| <= WT_HALF_WINDOW.

    Returns ``(W*, err W*, c2, err c2, n)`` (vertex position, quadratic coefficient) or
    None with fewer than 5 points; the vertex error is propagated from the covariance.
    """
    sel = (np.abs(W - W[k]) <= WT_HALF_WINDOW + 1e-9) & np.isfinite(y)
    if sel.sum() < 5:
        return None
    x = W[sel] - W[k]
    sig = e[sel] if e is not None and np.all(np.isfinite(e[sel]) & (e[sel] > 0)) else None
    fit = wls(x, y[sel], sig, deg=2)
    if fit is None:
        return None
    p, cov = fit
    if p[2] == 0:
        return None
    w_star = W[k] - p[1] / (2 * p[2])
    grad = np.array([0.0, -1 / (2 * p[2]), p[1] / (2 * p[2] ** 2)])
    err = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    return float(w_star), err, float(p[2]), float(np.sqrt(max(cov[2, 2], 0.0))), int(sel.sum())


def claim_w_tilde_max(b: Bundle) -> Claim:
    """The disorder of the simulations (W = 6.5) is near the maximum of W̃(W).

    Rule: fit a parabola to W̃(W) (weighted by W_tilde_err) on the grid points within
    WT_HALF_WINDOW of the grid's largest W̃; its vertex W* ± err (propagated from the fit
    covariance) locates the maximum. Holds if W = model.W is consistent with W* within NSIG
    errors, does not hold otherwise; power: err(W*) <= POWER·WT_NEAR. Not testable if the
    largest W̃ sits at an end of the grid (maximum not bracketed), with fewer than 5 points
    in the window, or if the parabola's curvature is not significantly negative (maximum
    not resolved).
    """
    W0 = float(cfg_get(b.cfg, "model", "W", default=6.5))
    c = Claim(
        "W = 6.5 near max W̃",
        "W = 6.5 is close to the maximum of the non-monotonic W̃(W)",
        "text below Eq. (2); criterion figure",
        rule=claim_w_tilde_max.__doc__ or "",
    )
    crit = b.criterion
    wt = var(crit, "W_tilde")
    if wt is None:
        return c.untestable(WHY_INPUT, "no criterion file")
    W = crit["W"].values.astype(float)
    y = wt.values.astype(float)
    err = var(crit, "W_tilde_err")
    e = err.values.astype(float) if err is not None else None
    c.basis = _crit_basis(crit, b)
    ok = np.isfinite(y)
    if ok.sum() < 5:
        return c.untestable(WHY_INPUT, "W̃ has fewer than 5 finite values")
    k = int(np.nanargmax(np.where(ok, y, -np.inf)))
    ek = float(e[k]) if e is not None else None
    c.measured = f"largest W̃ on the grid: {pm(float(y[k]), ek)} at W = {W[k]:g}"
    if k in (0, W.size - 1) or not ok[0 if k == 0 else k - 1]:
        return c.untestable(WHY_INPUT, "maximum at the end of the grid (not bracketed)")
    vert = parabola_vertex(W, y, e, k)
    if vert is None:
        return c.untestable(
            WHY_INPUT, f"fewer than 5 points within ±{WT_HALF_WINDOW:g} of the maximum"
        )
    w_star, ew, c2, ec2, n = vert
    c.numbers = {"W_star": w_star, "W_star_err": ew}
    c.measured += (
        f"; parabola ({n} points): maximum at W* = {pm(w_star, ew)}, curvature {pm(c2, ec2)}"
    )
    if not (np.isfinite(ec2) and ec2 > 0 and c2 < -NSIG * ec2):
        return c.untestable(
            WHY_ERRORS, "curvature not significantly negative: maximum not resolved"
        )
    return c.conclude(consistent(W0 - w_star, ew, WT_NEAR, f"W − W* (W = {W0:g})"))


def _at_w(crit: xr.Dataset, name: str, W0: float) -> float:
    """``crit[name]`` at W0, linearly interpolated on the W grid (NaN if absent)."""
    da = var(crit, name)
    if da is None or da.dims != ("W",):
        return float("nan")
    W = crit["W"].values.astype(float)
    y = da.values.astype(float)
    j = int(np.argmin(np.abs(W - W0)))
    if abs(W[j] - W0) < 1e-9:
        return float(y[j])
    if not (W.min() <= W0 <= W.max()):
        return float("nan")
    return float(np.interp(W0, W, y))


def _status_at(crit: xr.Dataset, name: str, W0: float) -> str:
    da = var(crit, name)
    if da is None:
        return "no status"
    j = int(np.argmin(np.abs(crit["W"].values.astype(float) - W0)))
    return str(status_strings(da)[j])


def claim_criterion_U12(b: Bundle) -> Claim:
    """Eq. (2) holds at U = 12, W = 6.5, and U_c(W = 6.5) is consistent with the dynamics.

    Rule (criterion file at W = model.W; U_c ± err the threshold from the U → 0 limit
    ξ_c^0, the per-U variant printed as the alternative): (i) Eq. (2) at the largest U:
    U_max − U_c significantly positive (power: err(U_c) <= POWER·U_c); (ii) the dynamics
    agree: at every U > 0 of the sweep more than NSIG errors above U_c, ℓ_c(t) saturates
    (the rule of the U = 12 ℓ_c claim applied at that U), and at every U more than NSIG
    errors below U_c, ℓ_c(t) grows faster than log (the rule of the U = 2.5 claim); a U
    within NSIG errors of U_c predicts nothing. Not testable without U_c_err or if no U of
    the sweep is separated from U_c.
    """
    W0 = float(cfg_get(b.cfg, "model", "W", default=6.5))
    c = Claim(
        "Eq. (2) at U = 12",
        "Eq. (2) holds at U = 12, W = 6.5: the c-boson localises above U_c(W), and the "
        "dynamics agree (localised above U_c, faster than log below)",
        "Eq. (2), criterion figure, Fig. 2(a)",
        rule=claim_criterion_U12.__doc__ or "",
    )
    crit = b.criterion
    if crit is None or var(crit, "U_c") is None:
        return c.untestable(WHY_INPUT, "no U_c in the criterion file")
    c.basis = _crit_basis(crit, b)
    uc, euc = _at_w(crit, "U_c", W0), _at_w(crit, "U_c_err", W0)
    per_u = _at_w(crit, "U_c_perU", W0)
    c.numbers = {"U_c": uc, "U_c_err": euc, "U_c_perU": per_u}
    source = (
        "U → 0 limit of ξ_c^0"
        if var(crit, "xi_c0_limit") is not None
        else "per-U ξ_c^0: the file predates the U → 0 limit"
    )
    c.measured = f"U_c(W={W0:g}) = {pm(uc, euc)} ({source}; {_status_at(crit, 'U_c_status', W0)})"
    if var(crit, "U_c_perU") is not None:
        c.measured += f"; per-U ξ_c^0 alternative: U_c = {pm(per_u)}"
    Us = sorted(u for u in b.u_all() if u > 0)
    if not Us:
        return c.untestable(WHY_INPUT, "no U > 0 in the sweep")
    if not (np.isfinite(euc) and euc > 0):
        return c.untestable(WHY_NO_ERROR, "U_c without error (criterion file without U_c_err)")
    parts: list[Outcome] = [significantly_positive(Us[-1] - uc, euc, uc, f"U={Us[-1]:g} − U_c")]
    dyn: list[Outcome] = []
    for U in Us:
        if abs(U - uc) <= NSIG * euc:
            continue
        want = "saturates" if U > uc else "fast"
        out, meas, _ = ell_c_shape(b, U, want)
        label = "localised (ℓ_c saturates)" if want == "saturates" else "ℓ_c faster than log"
        dyn.append(Outcome(out.verdict, f"U={U:g} predicted {label}: {out.verdict}", out.why))
        if meas:
            c.measured += f"; {meas}"
    if not dyn:
        parts.append(untestable(WHY_ERRORS, "no U of the sweep separated from U_c by NSIG errors"))
    else:
        parts.append(all_of(dyn))
    return c.conclude(all_of(parts))
