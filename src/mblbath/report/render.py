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
from . import verdicts
from .basis import status_of
from .verdicts import VERDICTS, Claim, pm

__all__ = ["missing_runs", "render_markdown"]


def _constants() -> str:
    """The line listing every constant of the decision rules with its value."""
    vals = []
    for name in verdicts.CONSTANTS:
        v = getattr(verdicts, name)
        vals.append(f"{name} = {v:g}" if isinstance(v, float) else f"{name} = {v}")
    return "Constants: " + ", ".join(vals) + "."


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


def _xi_table(b: Bundle) -> list[str]:
    """Table of the Eq. (4) fits of every (L, U)."""
    if not b.lc_fit:
        return []
    lines = [
        "",
        "## Fitted c-boson localisation lengths (Eq. 4)",
        "",
        "| L | U | ξ_c | T0 | status |",
        "|---|---|---|---|---|",
    ]
    for L, lc in sorted(b.lc_fit.items()):
        for U in u_values(lc):
            xi = sel_u(var(lc, "xi_c"), U)
            xe = sel_u(var(lc, "xi_c_err"), U)
            t0 = sel_u(var(lc, "T0"), U)
            te = sel_u(var(lc, "T0_err"), U)
            lines.append(
                f"| {L} | {U:g} | {pm(_f(xi), _f(xe))} | {pm(_f(t0), _f(te))} | "
                f"{_cell(status_of(lc, U))} |"
            )
    return lines


def render_markdown(claims: Sequence[Claim], b: Bundle, meta: dict[str, Any]) -> str:
    """The full claims.md text."""
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
            f"{_cell(c.basis or '–')} | **{c.verdict}** |"
        )
    counts = {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
    lines += ["", "Summary: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + "."]
    lines += ["", "## Decision rules", ""]
    for k, c in enumerate(claims, 1):
        rule = " ".join(c.rule.split())
        lines.append(f"{k}. {rule}")
    lines += [
        "",
        _constants(),
    ]
    lines += _xi_table(b)
    lines += [
        "",
        "Caveat: Sierant, Chanda, Lewenstein, Zakrzewski (arXiv:2212.07107) argue that the "
        "localised regime is transient at longer times; every verdict holds only for the "
        "sizes and times it rests on.",
        "",
    ]
    return "\n".join(lines)
