"""The claims table: what arXiv:2109.07332 says, what we measured, and whether it holds.

:func:`write_claims` reads the same aggregated and fitted files as the figures and writes
``results/report/claims.md``: a provenance header (config hash, git commit, numerics, runs
and unconverged runs per size and U) and one table row per checkable claim with

- the claim of the paper and the figure it refers to,
- what we measured, as numbers with uncertainties,
- the sizes, U, times and disorder realisations the number rests on,
- a verdict: ``holds``, ``does not hold`` or ``not testable at this size``.

Every verdict is computed here from the numbers; nothing is hard-coded. The decision rules
(one function per claim, ``claim_*``, in a module per topic: :mod:`.claims_lc` for the
c-boson, :mod:`.claims_nd` for the d-bosons, :mod:`.claims_ent` for the entanglement,
:mod:`.claims_misc` for the criterion and the validation) are written in each function's
docstring and repeated under the table. :mod:`.verdicts` holds the verdicts, the
constants of the rules and the significance test, :mod:`.basis` the "rests on" texts and
:mod:`.render` the Markdown. Common conventions:

- "significantly" means by more than :data:`NSIG` = 2 combined standard errors;
- uncertainties are fit errors where the fit files give them, else standard errors of the
  mean over disorder realisations (seeds), combined in quadrature for differences; paired
  (same seed, same disorder) differences are used where two U share their realisations;
- "largest U" stands for the paper's U = 12 and "smallest U > 0" for U = 2.5; if the sweep
  has only one U > 0 the small-U claims are not testable;
- a claim with several parts holds only if every part holds; it does not hold if any
  tested part fails; otherwise it is not testable.

The report reads its inputs through :mod:`mblbath.analysis` and never imports
:mod:`mblbath.figures` (nor matplotlib).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.bundle import Bundle, load_bundle
from .claims_ent import claim_entanglement_growth, claim_profile_concave, claim_profile_linear
from .claims_lc import (
    claim_ell_c_fast_small_U,
    claim_ell_c_log_saturates,
    claim_xi_c_exceeds_L,
    claim_xi_c_size_independent,
)
from .claims_misc import claim_validation, claim_w_tilde_max
from .claims_nd import claim_ell_d, claim_nd_memory
from .long_times import long_times_section
from .render import missing_runs, render_markdown
from .verdicts import FAILS, HOLDS, NSIG, UNTESTABLE, VERDICTS, Claim

__all__ = [
    "HOLDS",
    "FAILS",
    "UNTESTABLE",
    "VERDICTS",
    "NSIG",
    "CLAIMS",
    "Claim",
    "claim_xi_c_size_independent",
    "claim_ell_c_log_saturates",
    "claim_ell_c_fast_small_U",
    "claim_xi_c_exceeds_L",
    "claim_nd_memory",
    "claim_ell_d",
    "claim_entanglement_growth",
    "claim_profile_linear",
    "claim_profile_concave",
    "claim_w_tilde_max",
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
    claim_nd_memory,
    claim_ell_d,
    claim_entanglement_growth,
    claim_profile_linear,
    claim_profile_concave,
    claim_w_tilde_max,
    claim_validation,
)


def evaluate_claims(b: Bundle) -> list[Claim]:
    """Evaluate every claim of :data:`CLAIMS` on a loaded bundle."""
    return [f(b) for f in CLAIMS]


def write_claims(inputs: dict[str, list[str]], out_md: str, meta: dict[str, Any]) -> None:
    """Evaluate every claim on ``inputs`` and write the markdown table ``out_md``.

    ``inputs`` has the keys of :data:`mblbath.analysis.bundle.INPUT_KEYS`; ``meta`` holds
    ``config_hash``, ``git_commit`` and ``config``.
    """
    b = load_bundle(inputs, meta)
    claims = evaluate_claims(b)
    out = Path(out_md)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_markdown(claims, b, meta or {}) + long_times_section(inputs)
    out.write_text(text, encoding="utf-8")
