"""Report section "Paper vs counterpoint": is the localised regime transient?

The long-time branch (:mod:`mblbath.analysis.long_times`) fits σ_c²(t), I_d(t) and
S(L/2, t) over a late window by a log, a power law and the saturation form of Eq. (4) and
compares them by AIC. This module turns those fits into six claims, three of the
counterpoint (Sierant, Chanda, Lewenstein, Zakrzewski, arXiv:2212.07107) and three of the
paper (arXiv:2109.07332), each with a verdict of :data:`~.verdicts.VERDICTS`, and writes
them with the fits table, the finite-size drift and a plain-words summary.

Every claim is judged at the largest U (the paper's main case U = 12) by :func:`judge`, on
the sizes whose late window is *long* (it spans at least :data:`MIN_DECADES` decade(s) and
ends at t >= :data:`T_LATE_MIN`) and rests on at least :data:`MIN_REALISATIONS`
realisations (:func:`ineligible`); the other sizes are shown, not used. The rule, per
size, in order:

1. not testable on an ineligible size, or if the errors the rule needs (parameter errors,
   the bootstrap selection frequency) are NaN or zero;
2. not testable if the forms are not told apart: the AIC gap between the best and the
   second-best form is below :data:`DAIC_MIN`, or the best form wins in fewer than
   :data:`SELECT_FRAC` of the resamples of the realisations;
3. not testable if even the best form does not describe the window (χ²/dof above
   :data:`RCHI2_MAX`);
4. not testable if the saturation form wins but its plateau sits at the finite-size
   ceiling (:func:`finite_size_plateau`) and the claim is about another form: a chain that
   has been explored to its ends saturates in every reading;
5. does not hold if another form wins;
6. otherwise the claim's condition on the parameters decides (holds if met by
   :data:`~.verdicts.NSIG` errors, does not hold if violated by as many, else not testable).

Over the sizes: the verdict of the largest long size, unless a smaller one reaches the
opposite decisive verdict (then not testable: the sizes disagree, a finite-size drift).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..analysis.bundle import open_all, sel_u, u_values
from .constants import CONTRAST_MIN, NSIG
from .verdicts import FAILS, HOLDS, UNTESTABLE, Claim, pm

__all__ = [
    "DAIC_MIN",
    "SELECT_FRAC",
    "RCHI2_MAX",
    "MIN_DECADES",
    "MIN_REALISATIONS",
    "T_PAPER",
    "T_LATE_MIN",
    "FS_FRAC",
    "LongFit",
    "judge",
    "ineligible",
    "finite_size_plateau",
    "evaluate_long_claims",
    "long_times_section",
]

#: AIC gap below which two forms both have substantial support (Burnham & Anderson).
DAIC_MIN = 2.0
#: The best form must win in this fraction of the resamples of the realisations: the
#: analogue for a discrete choice of NSIG = 2 (a 2σ effect is exceeded in ~95 % of draws).
SELECT_FRAC = 0.95
#: A form "describes" the window if χ²/dof <= 3: a right form leaves residuals of about one
#: standard error (χ²/dof ≈ 1, with a wide spread because the times share realisations).
RCHI2_MAX = 3.0
#: Over less than a decade in t, a log, a power law and a saturating curve look alike.
MIN_DECADES = 1.0
#: Fewest realisations for a verdict: the relative error of a standard deviation (hence of
#: a bootstrap error bar) from n samples is about 1/sqrt(2(n - 1)), above 25 % below 10.
MIN_REALISATIONS = 10
#: The paper's final time.
T_PAPER = 200.0
#: "Long times": a window that ends at least a decade after the paper's T.
T_LATE_MIN = 10 * T_PAPER
#: A plateau is localisation, not finite size, only if significantly below this fraction
#: of the finite-size ceiling (σ_c² of a c-boson spread uniformly over the chain): half
#: way between localised (far below) and spread over the chain (at the ceiling).
FS_FRAC = 0.5

_CONSTANTS = (
    "DAIC_MIN",
    "SELECT_FRAC",
    "RCHI2_MAX",
    "MIN_DECADES",
    "T_LATE_MIN",
    "FS_FRAC",
    "MIN_REALISATIONS",
)
_NAMES = {"sigma2_c": "σ_c²", "imbalance_d": "I_d", "S_half": "S(L/2)"}


@dataclass
class LongFit:
    """The fits of one source at one size (and its observables, for the realisations)."""

    source: str
    L: int
    fit: xr.Dataset
    obs: xr.Dataset | None = None

    @property
    def kind(self) -> str:
        return self.source.split("_", 1)[0]

    def at(self, quantity: str, U: float, window: str = "late") -> xr.Dataset | None:
        if quantity not in self.fit["quantity"].values:
            return None
        return sel_u(self.fit.sel(window=window, quantity=quantity), U)

    def n_real(self, U: float) -> int:
        if self.obs is None or "n_seeds" not in self.obs:
            return 0
        n = sel_u(self.obs["n_seeds"], U)
        return int(np.nanmax(n.values)) if n is not None and n.size else 0


def _p(f: xr.Dataset, form: str, k: int) -> tuple[float, float]:
    """Parameter p<k> of ``form`` and its error."""
    par = f"p{k}"
    return (
        float(f["params"].sel(form=form, param=par)),
        float(f["params_err"].sel(form=form, param=par)),
    )


def _long_enough(f: xr.Dataset) -> str:
    """'' if the window is long (module docstring), else the reason it is not."""
    lo, hi = float(f["t_lo"]), float(f["t_hi"])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "not fitted: " + str(f["status"].values.ravel()[0])
    if np.log10(hi / lo) < MIN_DECADES - 1e-9:
        return f"window t ∈ [{lo:g}, {hi:g}] spans less than {MIN_DECADES:g} decade"
    if hi < T_LATE_MIN * (1 - 1e-9):
        return f"window ends at t = {hi:g} < {T_LATE_MIN:g}"
    return ""


def finite_size_plateau(quantity: str, f: xr.Dataset, lf: LongFit) -> bool:
    """The saturation plateau is not significantly away from the finite-size ceiling.

    σ_c²: not below FS_FRAC × σ_c² of a uniformly spread c-boson by NSIG errors; I_d: not
    above CONTRAST_MIN (the wave erased, as in a uniform state) by NSIG errors; S(L/2):
    always (at a fixed size the entanglement saturates in every reading; only the L
    dependence of the plateau could tell them apart).
    """
    v, e = float(f["plateau"]), float(f["plateau_err"])
    if quantity == "S_half":
        return True
    if not (np.isfinite(v) and np.isfinite(e)):
        return True
    if quantity == "sigma2_c":
        return not v + NSIG * e < FS_FRAC * float(lf.fit.attrs.get("sigma2_c_uniform", np.inf))
    return not v - NSIG * e > CONTRAST_MIN


def ineligible(lf: LongFit, quantity: str, U: float) -> str:
    """Why a size cannot carry a verdict ('' if it can): no fit, a window that is not long,
    or fewer than MIN_REALISATIONS realisations. Such sizes are shown, not used."""
    f = lf.at(quantity, U)
    if f is None:
        return "no fit"
    why = _long_enough(f)
    if why:
        return why
    if lf.n_real(U) < MIN_REALISATIONS:
        return f"{lf.n_real(U)} realisations < {MIN_REALISATIONS}"
    return ""


#: A condition on the fit of the claimed form: True (met), False (violated), None (undecided).
Condition = Callable[[xr.Dataset, LongFit], bool | None]


def judge(lf: LongFit, quantity: str, U: float, form: str, cond: Condition) -> tuple[str, str]:
    """Verdict and explanation of one claim at one size (rules 1-6 of the module docstring)."""
    why = ineligible(lf, quantity, U)
    if why:
        return UNTESTABLE, why
    f = lf.at(quantity, U)
    best = str(f["best_form"].values)
    dA = float(f["delta_aic"])
    frac = float(f["select_frac"].sel(form=best)) if best in f["form"].values else np.nan
    errs = f["params_err"].sel(form=form).values.astype(float)
    if not (np.isfinite(frac) and np.isfinite(dA) and np.all(np.isfinite(errs) & (errs > 0))):
        return UNTESTABLE, "errors NaN or zero (too few realisations to resample?)"
    what = f"best {best} (ΔAIC {dA:.3g}, {100 * frac:.0f} % of resamples)"
    if dA < DAIC_MIN or frac < SELECT_FRAC:
        return UNTESTABLE, f"forms not told apart: {what}"
    if float(f["chi2_red"]) > RCHI2_MAX:
        return UNTESTABLE, f"{what}, but χ²/dof = {float(f['chi2_red']):.3g}: no form describes it"
    if best == "saturation" and form != "saturation" and finite_size_plateau(quantity, f, lf):
        return UNTESTABLE, f"{what}, plateau at the finite-size ceiling"
    if best != form:
        return FAILS, what
    ok = cond(f, lf)
    verdict = {True: HOLDS, False: FAILS, None: UNTESTABLE}[ok]
    return verdict, what


def _range(v: float, e: float, lo: float, hi: float) -> bool | None:
    """v inside (lo, hi) by NSIG errors: True; outside by NSIG errors: False; else None."""
    if v - NSIG * e > lo and v + NSIG * e < hi:
        return True
    if v + NSIG * e < lo or v - NSIG * e > hi:
        return False
    return None


def _beta_in(lo: float, hi: float) -> Condition:
    return lambda f, lf: _range(*_p(f, "power", 2), lo, hi)


def _log_growth(f: xr.Dataset, lf: LongFit) -> bool | None:
    return _range(*_p(f, "log", 2), 0.0, np.inf)


def _saturates(quantity: str) -> Condition:
    def cond(f: xr.Dataset, lf: LongFit) -> bool | None:
        if str(f["status"].sel(form="saturation").values) != "ok":
            return None  # T0 beyond the window or xi at its bound: no plateau reached
        if finite_size_plateau(quantity, f, lf):
            v, e = float(f["plateau"]), float(f["plateau_err"])
            if quantity == "imbalance_d" and v + NSIG * e < CONTRAST_MIN:
                return False  # the density wave is erased
            return None
        return True

    return cond


#: (key, side, quantity, claimed form, claim text, condition text, condition)
_CLAIMS = (
    ("msd_power", "counterpoint", "sigma2_c", "power",
     "The c-boson spreads sub-diffusively: σ_c²(t) ∝ t^β with 0 < β < 1",
     "0 < β < 1", _beta_in(0.0, 1.0)),
    ("imbalance_power", "counterpoint", "imbalance_d", "power",
     "Density correlations of the insulator decay as a power law: I_d(t) ∝ t^β, β < 0",
     "β < 0", _beta_in(-np.inf, 0.0)),
    ("entropy_power", "counterpoint", "S_half", "power",
     "The entanglement grows as a power law: S(L/2, t) ∝ t^β",
     "β > 0", _beta_in(0.0, np.inf)),
    ("msd_saturation", "paper", "sigma2_c", "saturation",
     "The c-boson localises: σ_c²(t) saturates (Eq. 4) well inside the chain",
     f"plateau < {FS_FRAC:g} × σ_c² of a uniform spread", _saturates("sigma2_c")),
    ("imbalance_saturation", "paper", "imbalance_d", "saturation",
     "The insulator keeps the memory of its density wave: I_d(t) saturates at a finite value",
     f"plateau > CONTRAST_MIN = {CONTRAST_MIN:g}", _saturates("imbalance_d")),
    ("entropy_log", "paper", "S_half", "log",
     "The entanglement grows logarithmically: S(L/2, t) = a + b ln t",
     "b > 0", _log_growth),
)  # fmt: skip


def _combine(per_size: list[tuple[int, str, str]]) -> str:
    """Verdict over the sizes (module docstring): the largest, unless contradicted."""
    if not per_size:
        return UNTESTABLE
    decisive = {v for _, v, _ in per_size if v != UNTESTABLE}
    largest = per_size[-1][1]
    if largest == UNTESTABLE or len(decisive) > 1:
        return UNTESTABLE
    return largest


def evaluate_long_claims(fits: Sequence[LongFit]) -> tuple[list[Claim], float | None]:
    """The six claims at the largest U, and that U (None without fits).

    Each :class:`~.verdicts.Claim` holds in ``figure`` whose claim it is (``paper`` or
    ``counterpoint``) and in ``rule`` the form and condition tested.
    """
    Us = sorted({u for lf in fits for u in u_values(lf.fit)})
    if not Us:
        return [], None
    U = Us[-1]
    sized = sorted((lf for lf in fits if lf.kind in ("exact", "tebd")), key=lambda lf: lf.L)
    claims = []
    for key, side, quantity, form, text, cond_text, cond in _CLAIMS:
        c = Claim(key, text, side, rule=f"{form} form preferred, {cond_text}")
        per_size, parts = [], []
        for lf in sized:
            v, why = judge(lf, quantity, U, form, cond)
            if not ineligible(lf, quantity, U):
                per_size.append((lf.L, v, why))
            parts.append(f"L={lf.L} ({lf.kind}): {_param_text(lf, quantity, U, form)}; {why}")
        c.verdict = _combine(per_size)
        c.measured = " · ".join(parts) or "no long-time fits"
        c.basis = _basis(sized, per_size, U)
        claims.append(c)
    return claims, U


def _param_text(lf: LongFit, quantity: str, U: float, form: str) -> str:
    f = lf.at(quantity, U)
    if f is None:
        return "no fit"
    if form == "power":
        return "β = " + pm(*_p(f, "power", 2))
    if form == "log":
        return "b = " + pm(*_p(f, "log", 2))
    return "plateau " + pm(float(f["plateau"]), float(f["plateau_err"]))


def _basis(sized: Sequence[LongFit], used: list[tuple[int, str, str]], U: float) -> str:
    Ls = {L for L, _, _ in used}
    bits = []
    for lf in sized:
        if lf.L not in Ls:
            continue
        f = lf.at("sigma2_c", U)
        window = f"t ∈ [{float(f['t_lo']):g}, {float(f['t_hi']):g}]" if f is not None else ""
        bits.append(f"L={lf.L} {lf.kind}, {lf.n_real(U)} realisations, {window}")
    return f"U = {U:g}; " + (
        "; ".join(bits) if bits else "no eligible size (long window, enough realisations)"
    )


def _load(inputs: dict[str, list[str]]) -> list[LongFit]:
    obs = {
        (str(d.attrs.get("source")), int(d.attrs["L"])): d
        for d in open_all(inputs.get("long_obs") or [])
    }
    out = []
    for f in open_all(inputs.get("long_fit") or []):
        key = (str(f.attrs.get("source")), int(f.attrs["L"]))
        out.append(LongFit(key[0], key[1], f, obs.get(key)))
    return sorted(out, key=lambda lf: (lf.L, lf.source))


def long_times_section(inputs: dict[str, list[str]]) -> str:
    """The Markdown section (empty without long-time fits in ``inputs``)."""
    from .long_times_text import render_section

    fits = _load(inputs)
    if not fits:
        return ""
    claims, U = evaluate_long_claims(fits)
    return render_section(claims, fits, U)
