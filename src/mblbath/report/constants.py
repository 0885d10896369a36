"""The constants of the claims' decision rules, each with the one line that justifies it.

Every number a rule compares with is defined here, once, and listed (with its
justification) under the table of ``claims.md`` by :func:`justified`. The rules cite them by
name in their docstrings.
"""

from __future__ import annotations

__all__ = ["JUSTIFICATION", "justified"]

#: Number of standard errors that makes a difference significant.
NSIG = 2.0
#: Power: an error bar must be at most this fraction of the effect a test is about.
POWER = 1.0 / 3.0
#: An error below this fraction of its value is round-off, not an error bar.
REL_ERR_MIN = 1e-9
#: Family-wise chi^2 p-value below which a set of fits does not describe the data.
P_MIN = 0.05
#: xi_c must be below this fraction of the smallest L for the L-independence test to mean anything.
XI_OVER_L_MAX = 0.5
#: Shape tests of ell_c(t) use only times with ell_c <= ELL_C_MAX_FRAC * L.
ELL_C_MAX_FRAC = 0.25
#: Growth effect scale of a decay length, in lattice spacings per e-fold of time.
GROWTH_MIN = 0.1
#: Curvature effect scale |d^2 ell/d(ln t)^2| as a fraction of the slope d ell/d ln t.
CURV_FRAC = 0.5
#: Times after the Eq. (4) value reaches this fraction of xi_c count as saturated.
SAT_LEVEL = 2.0 / 3.0
#: After ℓ_c saturates, x_MBL must grow by at least this fraction of ℓ_c per e-fold.
X_RATE_FRAC = 0.5
#: Tolerance of the exponent of R(t) ~ t^alpha around 1/2 (growth) and 0 (saturation).
R_EXP_TOL = 0.25
#: R(t) is in its growth regime while R <= R_GROW_FRAC * L/2.
R_GROW_FRAC = 0.5
#: 'Saturates near L/2': the late R/(L/2) inside this range.
R_SAT_RANGE = (0.5, 1.5)
#: The late window of a saturation test is the last factor LATE_FACTOR in time.
LATE_FACTOR = 10.0
#: Density-wave contrast (1 at t = 0, 0 when thermal) that counts as memory.
CONTRAST_MIN = 0.1
#: Half width of the 'near centre' region, |i - c_site| <= R_NEAR (lattice spacings).
R_NEAR = 2
#: 'Far from centre' means |i - c_site| >= FAR_FRAC * L.
FAR_FRAC = 0.25
#: ell_d counts as 'about one lattice spacing' inside this range.
ELL_D_RANGE = (0.5, 2.0)
#: ell_d is saturated if its growth rate d ell_d / d ln t is below this (per e-fold).
ELL_D_RATE_MAX = 0.05
#: Effect scale of a change of ell_d (lattice spacings).
ELL_D_EFFECT = 0.1
#: Entropy (nats) that marks the onset of the c-boson's entanglement at a cut.
DS_ONSET = 0.05
#: Tolerance of the change of dS/d ln t between the early and late halves, relative.
LOG_SLOPE_TOL = 0.5
#: Tolerance of the relative change of the profile's slope across the fit window (linear).
Q_TOL = 0.5
#: Number of cuts at each end of the chain left out of the profile fits.
EDGE_CUTS = 2
#: Profile fits (linear and quadratic in |i - L/2|) need at least this many distances.
MIN_PROFILE_POINTS = 5
#: Half width (in W) of the window of the parabola fitted around the maximum of W_tilde.
WT_HALF_WINDOW = 2.5
#: 'Near the maximum': the effect scale of the distance between W and the fitted maximum.
WT_NEAR = 1.0
#: TEBD-vs-exact deviation allowed, as a fraction of the statistical error bar.
VAL_FRAC = 0.2

#: name -> why this value (one line each; rendered under the claims table).
JUSTIFICATION = {
    "NSIG": "two standard errors: a 95 % two-sided interval for Gaussian errors",
    "POWER": "an effect three error bars large is seen at NSIG errors in >= 84 % of "
    "repetitions; with larger errors a 'holds', a 'consistent' or an absent effect would be "
    "luck (a contradiction significant at NSIG errors is not)",
    "REL_ERR_MIN": "a relative error below 1e-9 is round-off: the fit parameter sat at a "
    "bound and every bootstrap replicate returned the same value",
    "P_MIN": "5 % family-wise (Bonferroni over the fits of a row): one misfit in twenty "
    "good fits by chance",
    "XI_OVER_L_MAX": "xi_c < L_min/2: the profile falls by e^2 before the boundary, so the "
    "boundary does not set xi_c",
    "ELL_C_MAX_FRAC": "ell_c <= L/4: two decay lengths fit on each side before the "
    "boundaries bend the profile",
    "GROWTH_MIN": "0.1 lattice spacing per e-fold is half a site over the paper's t = 1-200 "
    "(5.3 e-folds), the smallest growth Fig. 1(d) would show",
    "CURV_FRAC": "Eq. (4) has d2l/du2 = -2/(1+g) dl/du <= -0.5 dl/du for t <= e^3 T0, and "
    "diffusion l ~ t^(1/2) has d2l/du2 = +0.5 dl/du (u = ln t)",
    "SAT_LEVEL": "beyond ell = 2/3 xi_c (g = 2 in Eq. 4, t ~ 6.4 T0) ell_c grows by <= "
    "xi_c/9 per e-fold, six times slower than x_MBL's ~ell_c per e-fold",
    "X_RATE_FRAC": "x_MBL = ℓ_c log(N_c U t) grows by ℓ_c per e-fold at fixed ℓ_c; half of "
    "that is the least that is still this logarithmic growth",
    "R_EXP_TOL": "half way between sqrt(t) and its alternatives, frozen (t^0) and ballistic (t^1)",
    "R_GROW_FRAC": "below half its saturation value R(t) is not yet bent by the boundary",
    "R_SAT_RANGE": "within a factor 1.5-2 of L/2: R is the Gaussian scale of a packet "
    "spread over the whole chain, known only to that precision",
    "LATE_FACTOR": "the last decade of times: >= 2.3 e-folds, enough to see a logarithmic growth",
    "CONTRAST_MIN": "a tenth of the initial contrast; thermal n_d has contrast 0",
    "R_NEAR": "two lattice spacings: about one ell_c at U = 12 around the c-boson's start",
    "FAR_FRAC": "a quarter of the chain away: beyond ~2 xi_c at U = 12 for L >= 24",
    "ELL_D_RANGE": "'close to one lattice spacing': within a factor 2 of 1",
    "ELL_D_RATE_MAX": "a quarter lattice spacing over the paper's 5 e-folds of time",
    "ELL_D_EFFECT": "a tenth of ell_d ~ 1: a smaller change is not a feature of Fig. 3(b)",
    "DS_ONSET": "7 % of ln 2: above the numerical error of S and below xi_S ln 2, the "
    "first step of Eq. (5) (U_eff t ~ 1)",
    "LOG_SLOPE_TOL": "saturation sends dS/d ln t to 0 (change 100 %); a power law t^a "
    "changes it by e^(a du) - 1 >= 65 % for a = 1/2 over the du ~ 1 between the halves",
    "Q_TOL": "a linear profile's slope changes by less than half across the window; a "
    "parabola from its vertex (the concave U = 2.5 profile) changes it by 200 %",
    "EDGE_CUTS": "the two cuts nearest each end are shaped by the boundary, not the c-boson",
    "MIN_PROFILE_POINTS": "a quadratic (3 parameters) with >= 2 degrees of freedom",
    "WT_HALF_WINDOW": "W_tilde is within ~10 % of its maximum over +-2.5 around it: a "
    "parabola describes it there",
    "WT_NEAR": "one unit of W: W_tilde changes by < 5 % over +-1 around its maximum, so a "
    "closer statement is not what the paper makes",
    "VAL_FRAC": "numerical and statistical errors add in quadrature: sqrt(1 + 0.2^2) = "
    "1.02, the error bars understate the total by < 2 %",
}


def justified() -> list[tuple[str, object, str]]:
    """``(name, value, justification)`` of every constant, in the order above."""
    g = globals()
    return [(name, g[name], why) for name, why in JUSTIFICATION.items()]
