"""Figures of arXiv:2109.07332 regenerated from aggregated and fitted data.

One entry point, :func:`make_figure`, used by the Snakemake rules (one rule per figure)
through the CLI. Each figure module (``fig1`` ... ``fig4``, ``criterion``, ``validation``)
exposes ``plot(bundle) -> matplotlib.figure.Figure``; :mod:`.style` holds the shared look
and the saving with provenance metadata. The inputs are read by
:mod:`mblbath.analysis.bundle` and the tables shared with the claims report come from
:mod:`mblbath.analysis.tables`; nothing here is imported by the report.

Figures never read raw runs, never use randomness, and always render: a missing input
(one L only, no U = 0, failed fits) becomes an in-panel note instead of an empty panel.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ..analysis.bundle import load_bundle
from . import style

__all__ = ["FIGURES", "make_figure", "render"]

#: Figure names accepted by :func:`make_figure`; each is drawn by the module of that name.
FIGURES: tuple[str, ...] = ("fig1", "fig2", "fig3", "fig4", "criterion", "validation")


def render(name: str, inputs: dict[str, list[str]], meta: dict[str, Any]) -> Figure:
    """Draw figure ``name`` and return it (unsaved). Call inside :func:`style.context`.

    Arguments as for :func:`make_figure`.
    """
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; expected one of {sorted(FIGURES)}")
    module = import_module(f"{__name__}.{name}")
    return module.plot(load_bundle(inputs, meta))


def make_figure(
    name: str,
    inputs: dict[str, list[str]],
    out_pdf: str,
    out_png: str,
    meta: dict[str, Any],
) -> None:
    """Draw figure ``name`` from ``inputs`` and save it as ``out_pdf`` and ``out_png``.

    Parameters
    ----------
    name
        One of ``fig1``, ``fig2``, ``fig3``, ``fig4``, ``criterion``, ``validation``.
    inputs
        Lists of netCDF paths under the keys ``agg``, ``nc_fit``, ``lc_fit``, ``ld_fit``,
        ``ent_fit`` (one file per L), ``criterion`` (one file) and ``validation`` (zero or
        one file per L). Any list may be empty or absent.
    out_pdf, out_png
        Output paths; parent folders are created.
    meta
        ``config_hash``, ``git_commit`` (stored in the file metadata) and ``config`` (the
        validated config: ``sweep.U``, ``analysis.t_ent``, ``model.W``, ...).
    """
    with style.context():
        fig = render(name, inputs, meta)
        style.save(fig, Path(out_pdf), Path(out_png), meta or {}, name)
