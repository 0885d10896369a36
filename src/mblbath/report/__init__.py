"""The claims table: what arXiv:2109.07332 says, what we measured, and whether it holds.

:func:`write_claims` reads the same aggregated and fitted files as the figures (and the
choices file, ``results/fits/choices.nc``) and writes ``results/report/claims.md``: a
provenance header (config hash, git commit, numerics, runs and unconverged runs per size
and U), one table row per claim of the paper with

- the claim of the paper and the figure it refers to,
- what we measured, as numbers with uncertainties, and the comparison each test made,
- the sizes, U, times and disorder realisations the number rests on,
- a verdict: ``holds``, ``does not hold`` or ``not testable at this size`` (with the
  reason: errors, sizes, time window or a missing input),

then the decision rules, the constants with their justifications, the section "Choices
the paper leaves open" and the fit tables with their goodness of fit.

Every verdict is computed here from the numbers; nothing is hard-coded. Each claim is one
function ``claim_*`` whose docstring is its rule, in a module per topic: :mod:`.claims_lc`
(c-boson: ξ_c, ℓ_c(t), R(t)), :mod:`.claims_nd` (d-bosons: n_d, ℓ_d), :mod:`.claims_ent`
(entanglement growth, S(L/2) vs U, x_MBL), :mod:`.claims_profile` (late profile),
:mod:`.claims_fits` (goodness of fit), :mod:`.claims_criterion` (Eq. (2), W̃) and
:mod:`.claims_validation`. :mod:`.verdicts` holds the verdicts and the tests every rule is
built from (significance, consistency, tolerance, range — each with a power requirement,
and never decided on a NaN or zero error); :mod:`.constants` the constants with their
justifications; :mod:`.series` the small fits of the rules; :mod:`.basis` the "rests on"
texts; :mod:`.choices` and :mod:`.render` the Markdown.

The report reads its inputs through :mod:`mblbath.analysis` and never imports
:mod:`mblbath.figures` (nor matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.bundle import Bundle, load_bundle, open_all
from .claims_criterion import claim_criterion_U12, claim_w_tilde_max
from .claims_ent import claim_entanglement_growth, claim_S_half_vs_U, claim_x_mbl
from .claims_fits import claim_eq4_describes, claim_eq5_describes
from .claims_lc import (
    claim_ell_c_fast_small_U,
    claim_ell_c_log_saturates,
    claim_R_sqrt_t,
    claim_xi_c_exceeds_L,
    claim_xi_c_size_independent,
)
from .claims_nd import claim_ell_d, claim_ell_d_inf_diff, claim_ell_d_profile, claim_nd_memory
from .claims_profile import claim_profile_concave, claim_profile_linear, claim_slope_prediction
from .claims_validation import claim_validation
from .constants import NSIG, POWER
from .long_times import long_times_section
from .render import missing_runs, render_markdown
from .verdicts import FAILS, HOLDS, UNTESTABLE, VERDICTS, Claim

__all__ = [
    "HOLDS",
    "FAILS",
    "UNTESTABLE",
    "VERDICTS",
    "NSIG",
    "POWER",
    "CLAIMS",
    "Claim",
    "claim_xi_c_size_independent",
    "claim_ell_c_log_saturates",
    "claim_ell_c_fast_small_U",
    "claim_xi_c_exceeds_L",
    "claim_R_sqrt_t",
    "claim_nd_memory",
    "claim_ell_d",
    "claim_ell_d_profile",
    "claim_ell_d_inf_diff",
    "claim_entanglement_growth",
    "claim_S_half_vs_U",
    "claim_profile_linear",
    "claim_slope_prediction",
    "claim_profile_concave",
    "claim_x_mbl",
    "claim_eq4_describes",
    "claim_eq5_describes",
    "claim_w_tilde_max",
    "claim_criterion_U12",
    "claim_validation",
    "evaluate_claims",
    "missing_runs",
    "render_markdown",
    "write_claims",
]

#: The claims, in the order of the table.
CLAIMS = (
    claim_xi_c_size_independent,
    claim_ell_c_log_saturates,
    claim_ell_c_fast_small_U,
    claim_xi_c_exceeds_L,
    claim_R_sqrt_t,
    claim_nd_memory,
    claim_ell_d,
    claim_ell_d_profile,
    claim_ell_d_inf_diff,
    claim_entanglement_growth,
    claim_S_half_vs_U,
    claim_profile_linear,
    claim_slope_prediction,
    claim_profile_concave,
    claim_x_mbl,
    claim_eq4_describes,
    claim_eq5_describes,
    claim_w_tilde_max,
    claim_criterion_U12,
    claim_validation,
)


def evaluate_claims(b: Bundle) -> list[Claim]:
    """Evaluate every claim of :data:`CLAIMS` on a loaded bundle."""
    return [f(b) for f in CLAIMS]


def write_claims(inputs: dict[str, list[str]], out_md: str, meta: dict[str, Any]) -> None:
    """Evaluate every claim on ``inputs`` and write the markdown table ``out_md``.

    ``inputs`` has the keys of :data:`mblbath.analysis.bundle.INPUT_KEYS` and optionally
    ``choices`` (the choices file); ``meta`` holds ``config_hash``, ``git_commit`` and
    ``config``.
    """
    b = load_bundle(inputs, meta)
    choices = open_all(list(inputs.get("choices") or []))
    claims = evaluate_claims(b)
    out = Path(out_md)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_markdown(claims, b, meta or {}, choices[-1] if choices else None)
    text += long_times_section(inputs)
    out.write_text(text, encoding="utf-8")
