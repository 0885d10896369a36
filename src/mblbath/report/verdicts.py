"""Verdicts of the claims table, the claim row, and the decision constants.

Every claim ends with one of :data:`VERDICTS`; "significantly" means by more than
:data:`NSIG` combined standard errors (:func:`sig_gt`); a claim with several parts holds
only if every part holds, does not hold if any tested part fails, and is not testable
otherwise (:func:`combine_parts`). The constants below are the thresholds of the decision
rules; they are listed under the table of ``claims.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "HOLDS",
    "FAILS",
    "UNTESTABLE",
    "VERDICTS",
    "NSIG",
    "CONSTANTS",
    "Claim",
    "combine_parts",
    "holds_if",
    "pm",
    "sig_gt",
]

HOLDS = "holds"
FAILS = "does not hold"
UNTESTABLE = "not testable at this size"
#: The only verdicts a row can carry.
VERDICTS = (HOLDS, FAILS, UNTESTABLE)

#: Number of standard errors that makes a difference significant.
NSIG = 2.0
#: chi^2 p-value above which several xi_c(L) are consistent with one constant (~ 2 sigma).
P_MIN = 0.05
#: xi_c must be below this fraction of the smallest L for the L-independence test to mean anything.
XI_OVER_L_MAX = 0.5
#: Shape tests of ell_c(t) use only times with ell_c <= ELL_C_MAX_FRAC * L (no boundary effect).
ELL_C_MAX_FRAC = 0.25
#: Density-wave contrast (1 at t = 0, 0 when thermal) that counts as memory.
CONTRAST_MIN = 0.1
#: Half width of the 'near centre' region, |i - c_site| <= R_NEAR (lattice spacings).
R_NEAR = 2
#: 'Far from centre' means |i - c_site| >= FAR_FRAC * L.
FAR_FRAC = 0.25
#: ell_d counts as 'about one lattice spacing' inside this range.
ELL_D_RANGE = (0.5, 2.0)
#: ell_d is saturated if its growth rate d ell_d / d ln t over the last decade is below this.
ELL_D_RATE_MAX = 0.05
#: Logarithmic growth: late/early slope ratio of S vs ln t inside this range.
LOG_RATIO_RANGE = (0.5, 2.0)
#: Entanglement onset: excess over the U = 0 entropy that marks the onset at a cut.
DS_ONSET = 0.05
#: Linear profile: curvature deviation over the window below this fraction of the linear drop.
CURV_FRAC_MAX = 0.25
#: Number of cuts at each end of the chain (bonds 1..EDGE_CUTS, L-EDGE_CUTS..L-1) left out of
#: the profile fits, where the boundary, not the c-boson, shapes S.
EDGE_CUTS = 2
#: Profile fits (linear and quadratic in |i - L/2|) need at least this many distances.
MIN_PROFILE_POINTS = 5
#: 'Near the maximum': W_tilde(W) at least this fraction of max W_tilde (or consistent with it).
WT_FRAC = 0.95


@dataclass
class Claim:
    """One row of the claims table."""

    key: str
    paper: str
    figure: str
    measured: str = ""
    basis: str = ""
    verdict: str = UNTESTABLE
    rule: str = ""
    numbers: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} not in {VERDICTS}")


def pm(v: float, e: float | None = None, unit: str = "") -> str:
    """``v ± e`` rounded to the precision of two significant digits of ``e``."""
    if v is None or not np.isfinite(v):
        return "inf" if v is not None and np.isinf(v) else "NaN"
    if e is None or not np.isfinite(e) or e <= 0:
        return f"{v:.3g}{unit}"
    digits = max(0, 1 - int(math.floor(math.log10(e))))
    return f"{v:.{digits}f} ± {e:.{digits}f}{unit}"


def sig_gt(diff: float, err: float) -> bool:
    """``diff`` significantly positive (err NaN: the sign of diff alone)."""
    if not np.isfinite(diff):
        return False
    if not np.isfinite(err):
        return diff > 0
    return diff > NSIG * err


def combine_parts(parts: Sequence[bool | None]) -> str:
    """All parts hold -> holds; any part False -> does not hold; else not testable."""
    if any(p is False for p in parts):
        return FAILS
    if parts and all(p is True for p in parts):
        return HOLDS
    return UNTESTABLE


def holds_if(condition: bool) -> str:
    """:data:`HOLDS` if the tested ``condition`` is true, else :data:`FAILS`."""
    return HOLDS if condition else FAILS


#: The decision constants, in the order ``claims.md`` lists them.
CONSTANTS = (
    "NSIG",
    "P_MIN",
    "XI_OVER_L_MAX",
    "ELL_C_MAX_FRAC",
    "CONTRAST_MIN",
    "R_NEAR",
    "FAR_FRAC",
    "ELL_D_RANGE",
    "ELL_D_RATE_MAX",
    "LOG_RATIO_RANGE",
    "DS_ONSET",
    "CURV_FRAC_MAX",
    "EDGE_CUTS",
    "MIN_PROFILE_POINTS",
    "WT_FRAC",
)
