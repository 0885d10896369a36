"""Markdown of the claims table: provenance header, runs, claims, decision rules, ξ_c."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..analysis.bundle import (
    Bundle,
    cfg_get,
    last_finite_time,
    run_counts,
    seed_valid,
    sel_u,
    u_values,
    var,
)
from .basis import status_of
from .choices import choices_section
from .constants import justified
from .verdicts import UNTESTABLE, VERDICTS, Claim, pm

__all__ = ["missing_runs", "render_markdown", "verdict_cell"]


def _constants() -> list[str]:
    """Every constant of the decision rules with its value and why it has that value."""
    lines = ["", "Constants of the rules (value — why):", ""]
    for name, v, why in justified():
        val = f"{v:.3g}" if isinstance(v, float) else str(v)
        lines.append(f"- `{name}` = {val} — {why}.")
    return lines


def verdict_cell(c: Claim) -> str:
    """``**verdict**``, with the reason when the claim is not testable."""
    if c.verdict == UNTESTABLE and c.why:
        return f"**{c.verdict}** ({c.why})"
    return f"**{c.verdict}**"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, one line)."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _header(b: Bundle, meta: dict[str, Any]) -> list[str]:
    """Title, provenance and the table of runs per (L, U)."""
    numerics = sorted({str(ds.attrs.get("numerics", "?")) for ds in b.agg.values()}) or ["no runs"]
    lines = [
        "# Claims of arXiv:2109.07332 checked against this reproduction",
        "",
        "Brighi, Michailidis, Abanin, Serbyn, *Propagation of many-body localization in an "
        "Anderson insulator*, PRB 105, L220203 (2022). Each row: the paper's claim, what we "
        "measured (± one standard error: fit errors, or the standard error of the mean over "
        "disorder realisations), what it rests on, and a verdict computed by "
        "`mblbath.report` (rules below the table).",
        "",
        f"- config hash: `{meta.get('config_hash', 'unknown')}`",
        f"- git commit: `{meta.get('git_commit', 'unknown')}`",
        f"- numerics: {', '.join(f'`{n}`' for n in numerics)}",
        f"- W = {cfg_get(b.cfg, 'model', 'W', default='?')}, "
        f"t_max = {cfg_get(b.cfg, 'numerics', 't_max', default='?')}, "
        f"fit_t_min = {cfg_get(b.cfg, 'analysis', 'fit_t_min', default='?')}, "
        f"unconverged runs {'excluded' if b.exclude_unconverged else 'included'} in averages",
    ]
    if b.agg:
        lines += [
            "",
            "| L | U | runs | missing | unconverged | t_max |",
            "|---|---|---|---|---|---|",
        ]
        for L, agg in sorted(b.agg.items()):
            n_seeds = agg.sizes.get("seed", 0)
            for U in u_values(agg):
                n, bad = run_counts(agg, U)
                nc = sel_u(var(agg, "n_c"), U)
                tl = last_finite_time(nc) if nc is not None else None
                lines.append(
                    f"| {L} | {U:g} | {n} | {n_seeds - n} | {bad} | "
                    f"{tl if tl is not None else '–'} |"
                )
        lines += _missing_lines(b)
    else:
        lines += ["", "No aggregated runs were given: every claim that needs them is not testable."]
    return lines


def missing_runs(b: Bundle) -> list[tuple[int, float, int]]:
    """``(L, U, seed)`` of every run of the aggregates' grids that has no data."""
    out = []
    for L, agg in sorted(b.agg.items()):
        present = seed_valid(agg, exclude_unconverged=False)
        if present is None:
            continue
        for U in u_values(agg):
            row = sel_u(present, U)
            if row is None:
                continue
            for seed, ok in zip(agg["seed"].values, np.asarray(row.values), strict=True):
                if not ok:
                    out.append((int(L), float(U), int(seed)))
    return out


def _missing_lines(b: Bundle) -> list[str]:
    """The list of missing runs (or that there are none) under the runs table."""
    missing = missing_runs(b)
    if not missing:
        return ["", "Every run of the sweep is present."]
    items = ", ".join(f"L={L} U={U:g} seed {s}" for L, U, s in missing)
    return [
        "",
        f"**Missing runs ({len(missing)})**, left out of every number below (their jobs "
        f"failed or have not run; rerun Snakemake to compute them): {items}.",
    ]


def _f(a: Any) -> float:
    """A scalar DataArray (or None) as float (NaN for None)."""
    return float(a) if a is not None else float("nan")


def _fit_tables(b: Bundle) -> list[str]:
    """Tables of the Eq. (4) fits of ℓ_c and of the Eq. (5) fits, with χ²/dof, per (L, U)."""
    lines: list[str] = []
    specs = (
        ("lc_fit", "Fitted c-boson localisation lengths (Eq. 4)", ("xi_c", "ξ_c"), ("T0", "T0")),
        (
            "ent_fit",
            "Fitted entanglement lengths (Eq. 5)",
            ("xi_S", "ξ_S"),
            ("slope", "late slope"),
        ),
    )
    for key, title, (p1, n1), (p2, n2) in specs:
        fits = getattr(b, key)
        if not fits:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            f"| L | U | {n1} | {n2} | χ²/dof (dof) | status |",
            "|---|---|---|---|---|---|",
        ]
        for L, ds in sorted(fits.items()):
            for U in u_values(ds):
                v = [
                    _f(sel_u(var(ds, n), U))
                    for n in (p1, f"{p1}_err", p2, f"{p2}_err", "red_chi2", "n_dof")
                ]
                gof = f"{v[4]:.3g} ({v[5]:g})" if np.isfinite(v[4]) else "–"
                st = _cell(status_of(ds, U))
                lines.append(
                    f"| {L} | {U:g} | {pm(v[0], v[1])} | {pm(v[2], v[3])} | {gof} | {st} |"
                )
    return lines


def render_markdown(
    claims: Sequence[Claim], b: Bundle, meta: dict[str, Any], choices: Any = None
) -> str:
    """The full claims.md text (``choices``: the choices dataset or None)."""
    lines = _header(b, meta)
    lines += [
        "",
        "## Claims",
        "",
        "| # | claim (paper, figure) | what we measured | rests on | verdict |",
        "|---|---|---|---|---|",
    ]
    for k, c in enumerate(claims, 1):
        lines.append(
            f"| {k} | {_cell(c.paper)} ({_cell(c.figure)}) | {_cell(c.measured)} | "
            f"{_cell(c.basis or '–')} | {verdict_cell(c)} |"
        )
    counts = {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
    lines += [
        "",
        f"Summary of {len(claims)} claims: "
        + ", ".join(f"{n} {v}" for v, n in counts.items())
        + ".",
    ]
    lines += [
        "",
        "## Decision rules",
        "",
        "Common to every rule: a test meeting a NaN, infinite or zero error is *not testable*; "
        "a value on the wrong side of the claim by more than NSIG errors *does not hold*, "
        "whatever its error; every other decision needs power (the error at most POWER times "
        "the effect the claim is about, stated in each rule), else *not testable (errors too "
        "large)*, so neither a 'holds' nor a 'does not hold' that rests on an absent effect "
        "is reached with large errors; a claim with several parts holds only if every part "
        "holds and does not hold if any part does not.",
        "",
    ]
    for k, c in enumerate(claims, 1):
        lines.append(f"{k}. {' '.join(c.rule.split())}")
    lines += _constants()
    lines += choices_section(b, choices, _cell)
    lines += _fit_tables(b)
    lines += [
        "",
        "Caveat: Sierant, Chanda, Lewenstein, Zakrzewski (arXiv:2212.07107) argue that the "
        "localised regime is transient at longer times; every verdict holds only for the "
        "sizes and times it rests on.",
        "",
    ]
    return "\n".join(lines)
