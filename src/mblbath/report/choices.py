"""The section "Choices the paper leaves open" of claims.md.

The choices file (input kind ``choices``, ``results/fits/choices.nc``) describes each
choice in attributes ``choice_<name>_description``, ``_default``, ``_alternative`` and
``_effect`` (the measured effect, as text). The choices the pipeline makes are listed here
with fallback texts, so the section lists every one of them even without the file (their
effect then reads "not measured"); a choice the file names and this list does not is shown
too. The fits' own attributes (``ell_d_average`` of the ℓ_d fits, ``S_AI_method`` of the
Eq. (5) fits) say which option the fits actually used.
"""

from __future__ import annotations

import xarray as xr

from ..analysis.bundle import Bundle

__all__ = ["CHOICES", "choices_section"]

#: name -> (what the paper leaves open, our default, the alternative).
CHOICES: dict[str, tuple[str, str, str]] = {
    "c_site": (
        "where the c-boson starts: 'at the centre', on a site with or without a d-boson",
        "the empty site nearest the centre: L/2 for L divisible by 6 (no c-d doublon)",
        "an occupied site (a doublon of energy U)",
    ),
    "W_tilde": (
        "W̃, the disorder the c-boson sees: 'the spread of U<n_d>_∞'",
        "the random part of the Hartree potential U<n_d,i>_∞ (period-3 mean removed)",
        "the full spread, including the periodic part",
    ),
    "xi_kind": (
        "ξ_c, ξ_d: localisation length of the amplitude or of the intensity",
        "amplitude, |ψ| ~ e^(−r/ξ)",
        "intensity, |ψ|² ~ e^(−r/ξ) (half as long)",
    ),
    "ell_d_average": (
        "ℓ_d from the disorder average of C_dd",
        "|mean C| ('the absolute value of the disorder-averaged correlation')",
        "mean |C| (larger: C changes sign between realisations)",
    ),
    "S_AI": (
        "S_AI of Eq. (5), the Anderson insulator's entanglement",
        "d-only entropy of the U = 0 runs, S(U = 0) − H2(p_c), a late-time constant",
        "the full U = 0 entropy (includes the free c-boson's H2 ≤ ln 2)",
    ),
    "energy": (
        "the energy at which ξ_c enters Eq. (2)",
        "the band average",
        "the band centre E = 0",
    ),
}


def _attr(ds: xr.Dataset | None, name: str, field: str) -> str | None:
    if ds is None:
        return None
    v = ds.attrs.get(f"choice_{name}_{field}")
    return None if v is None else str(v)


def _names(ds: xr.Dataset | None) -> list[str]:
    """The known choices, then any other choice the file describes."""
    names = list(CHOICES)
    if ds is not None:
        for key in ds.attrs:
            if key.startswith("choice_") and key.endswith("_description"):
                n = key[len("choice_") : -len("_description")]
                if n not in names:
                    names.append(n)
    return names


def _used_by_fits(b: Bundle, name: str) -> str:
    """Which option the fit files record for a choice the fits make themselves."""
    key = {"ell_d_average": ("ld_fit", "ell_d_average"), "S_AI": ("ent_fit", "S_AI_method")}.get(
        name
    )
    if key is None:
        return ""
    vals = {str(ds.attrs[key[1]]) for ds in getattr(b, key[0]).values() if key[1] in ds.attrs}
    return f" (fits: {'; '.join(sorted(vals))})" if vals else ""


def choices_section(b: Bundle, ds: xr.Dataset | None, cell) -> list[str]:
    """Markdown lines of the section; ``cell`` makes text safe inside a table cell."""
    lines = [
        "",
        "## Choices the paper leaves open",
        "",
        "Each choice: what the paper leaves open, the default of this pipeline, the alternative, "
        "and its effect as measured by `mblbath fit choices` (results/fits/choices.nc)"
        + ("." if ds is not None else "; that file was not given, so no effect is measured."),
        "",
        "| choice | what the paper leaves open | our default | alternative | measured effect |",
        "|---|---|---|---|---|",
    ]
    for name in _names(ds):
        desc, default, alt = CHOICES.get(name, ("", "", ""))
        desc = _attr(ds, name, "description") or desc
        default = (_attr(ds, name, "default") or default) + _used_by_fits(b, name)
        alt = _attr(ds, name, "alternative") or alt or "–"
        effect = _attr(ds, name, "effect") or "not measured"
        lines.append(f"| {name} | {cell(desc)} | {cell(default)} | {cell(alt)} | {cell(effect)} |")
    return lines
