"""Analysis of the aggregated runs, shared by the figures and the claims report.

- :mod:`.stats`: mean and standard error over disorder realisations, bootstrap, weighted
  least squares (one implementation of each).
- :mod:`.models`: Eqs. (3), (4), (5), coarse graining and the ℓ_d pair convention.
- One module per fit: :mod:`.profile` (Eq. 3, ``fit_nc``), :mod:`.saturation` (Eq. 4,
  ``fit_lc``), :mod:`.ell_d` (``fit_ld``), :mod:`.entanglement` (Eq. 5,
  ``fit_entanglement``, with its inputs in :mod:`.ent_data` and the MBL front and late
  slope in :mod:`.ent_front`); :mod:`.anderson_entropy` gives S_AI, the d-only entropy
  S(U = 0) - H2(p_c^left) of the U = 0 runs; :mod:`.run` writes one fit per Snakemake
  fit rule.
- :mod:`.bundle` reads the aggregated and fitted files defensively for the figures and
  the report; :mod:`.tables` holds the result tables both of them show.

Conventions of every fit: errors are the bootstrap standard deviation over disorder
realisations (the same resampled seeds for every U, stored so that later stages propagate
errors pairwise), or Jacobian errors with ``n_bootstrap = 0`` or a single seed (the
``error`` attribute says which). A fit that fails, does not converge, or ends on a bound
that makes it meaningless gives NaN and a reason in ``status``; "ok" otherwise, and a
status starting with "ok; " carries a caveat but its finite values are usable. Runs that
are all-NaN (missing) at a time are skipped, and with ``exclude_unconverged`` runs flagged
``converged == 0`` too; ``n_seeds`` says how many realisations were used.
"""

from .anderson_entropy import anderson_entropy
from .ell_d import fit_ld
from .entanglement import fit_entanglement
from .models import coarse_grain, coarse_grain_x, eq3, eq4, eq5, ld_pair
from .profile import fit_nc
from .saturation import fit_lc

__all__ = [
    "anderson_entropy",
    "coarse_grain",
    "coarse_grain_x",
    "eq3",
    "eq4",
    "eq5",
    "ld_pair",
    "fit_nc",
    "fit_lc",
    "fit_ld",
    "fit_entanglement",
]
