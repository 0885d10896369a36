"""Fig. 4: entanglement spreading (largest U, paper U = 12; largest L).

(a) S(i, t) vs log t for several cuts i at distances 0, ~L/8, ~L/4, ~3L/8 from the centre,
with the phenomenological Eq. (5) dashed and, dotted grey, the Anderson insulator's
entropy at the central cut: the d-bosons alone, S_AI_t = S(U = 0) - H2(p_c^left) (the
U = 0 runs' full entropy also holds the free c-boson's H2, which is not part of S_AI; see
:mod:`mblbath.analysis.anderson_entropy`). (b) S vs |i - L/2| at several times (colour =
time), Eq. (5) dashed.

Cut positions: the cut of bond b (between sites b-1 and b) sits at i = b - 1/2, so its
distance from the c-boson's initial site c_site (= L/2) is x = b - 1/2 - c_site, a
half-integer. In (b) the profile is symmetrised: the value at |x| is the mean of the two
cuts at +-x, which carry the same physics up to the small asymmetry of the density wave;
their errors are combined in quadrature.

Data: ``ent_fit`` (S_mean, S_err, S_model, S_AI_t); without it S is averaged from ``agg``
and Eq. (5) is not drawn; S_AI_t from ``agg`` when ``ent_fit`` lacks it. Bands: standard
error over disorder realisations.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.anderson_entropy import anderson_entropy
from ..analysis.bundle import (
    Bundle,
    largest_u,
    nearest_index,
    seed_valid,
    sel_u,
    status_strings,
    var,
)
from ..analysis.stats import mean_sem_xr
from ..analysis.tables import c_site_of, cut_x, cuts, entropy_tables, pick_times, symmetrise
from . import style

__all__ = ["plot", "anderson_curve"]

#: Legend label of the reference curve.
AI_LABEL = "Anderson insulator ($U=0$, d only)"


def anderson_curve(b: Bundle, L: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(time, bond, S_AI_t)``: the d-only entropy of the U = 0 runs; None without them.

    From ``ent_fit`` (``S_AI_t``) when it holds finite values, else the disorder mean of
    S - H2(p_c^left) of the U = 0 runs in ``agg``.
    """
    ent = b.ent_fit.get(L)
    ref = var(ent, "S_AI_t")
    if ref is not None and np.any(np.isfinite(ref.values)):
        ref = ref.transpose("time", "bond")
        return ref["time"].values, ref["bond"].values, ref.values.astype(float)
    agg = b.agg.get(L)
    if agg is None or var(agg, "S") is None or var(agg, "n_c") is None:
        return None
    Sd = anderson_entropy(agg)
    if Sd is None:
        return None
    valid = seed_valid(agg, b.exclude_unconverged)
    v = sel_u(valid, 0.0) if valid is not None else None
    m = mean_sem_xr(Sd, "seed", v)[0].transpose("time", "bond")
    return m["time"].values, m["bond"].values, m.values.astype(float)


def _panel_a(ax: Axes, b: Bundle, L: int | None, U: float | None) -> None:
    xlabel, ylabel = style.T_LABEL, r"$S(i, t)$"
    tab = entropy_tables(b, L, U) if (L is not None and U is not None) else None
    if tab is None:
        style.empty_panel(ax, "no entanglement data (ent_fit or agg)", xlabel, ylabel)
        return
    t, bond, S, E, M = tab
    x = cut_x(bond, c_site_of(b, L))
    m = t > 0
    for k, j in enumerate(cuts(x, L)):
        col = f"C{k}"
        ax.plot(t[m], S[m, j], color=col, marker="o", ms=1.8, lw=0.9, label=rf"$i-L/2={x[j]:g}$")
        style.band(ax, t[m], S[m, j], E[m, j], col)
        if M is not None:
            ax.plot(t[m], M[m, j], color=col, ls="--", lw=0.9)
    ref = anderson_curve(b, L)
    handles, _ = ax.get_legend_handles_labels()
    if M is not None:
        handles.append(style.dashed_handle("Eq. (5)", "0.3"))
    if ref is not None:
        t0, bond0, S0 = ref
        j0 = int(np.argmin(np.abs(bond0 - bond[cuts(x, L)[0]])))
        (h,) = ax.plot(
            t0[t0 > 0], S0[t0 > 0, j0], color=style.U0_COLOR, ls=":", lw=1.0, label=AI_LABEL
        )
        handles.append(h)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$, $L={L}$", loc="right", fontsize=7)
    ax.legend(handles=handles, loc="upper left")
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, 0), hi + 0.35 * (hi - lo))  # head room for the legend
    notes = []
    if M is None:
        notes.append(_why_no_model(b, L, U))
    if ref is None:
        notes.append("U = 0 not in config")
    if notes:
        style.note(ax, "; ".join(notes), where="top right")


def _why_no_model(b: Bundle, L: int, U: float) -> str:
    ent = b.ent_fit.get(L)
    if ent is None:
        return "no Eq. (5) fit file (ent_fit)"
    st = sel_u(var(ent, "status"), U)
    reason = str(status_strings(st).ravel()[0]) if st is not None else "missing"
    return f"Eq. (5) not available: {reason}"


def _panel_b(ax: Axes, b: Bundle, L: int | None, U: float | None) -> None:
    xlabel, ylabel = r"$|i - L/2|$", r"$S(i, t)$"
    tab = entropy_tables(b, L, U) if (L is not None and U is not None) else None
    if tab is None:
        style.empty_panel(ax, "no entanglement data (ent_fit or agg)", xlabel, ylabel)
        return
    t, bond, S, E, M = tab
    fin = np.isfinite(S).any(axis=1)
    times = pick_times(np.where(fin, t, np.nan), n=5, t_min=1.0)
    if not times:
        style.empty_panel(ax, "no finite S at t > 0", xlabel, ylabel)
        return
    colors, norm = style.time_colors(times)
    x = cut_x(bond, c_site_of(b, L))
    for tt, col in zip(times, colors, strict=True):
        it = nearest_index(t, tt)
        d, y, e = symmetrise(x, S[it], E[it])
        ax.plot(d, y, color=col, marker="o", ms=2.0, lw=0.9)
        style.band(ax, d, y, e, col)
        if M is not None:
            dm, ym, _ = symmetrise(x, M[it])
            ax.plot(dm, ym, color=col, ls="--", lw=0.9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, np.abs(x).max() + 0.3)
    ax.set_title(rf"$U={U:g}$, $L={L}$", loc="right", fontsize=7)
    if M is not None:
        ax.legend(handles=[style.dashed_handle("Eq. (5)", "0.3")], loc="upper right")
    else:
        style.note(ax, _why_no_model(b, L, U), where="top")
    style.time_colorbar(ax, norm)


def plot(b: Bundle) -> Figure:
    """Draw Fig. 4 from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.7)
    axes = fig.subplots(1, 2)
    U = largest_u(b.u_all())
    sizes = b.sizes("ent_fit", "agg")
    L = max(sizes) if sizes else None
    _panel_a(axes[0], b, L, U)
    _panel_b(axes[1], b, L, U)
    for ax, letter in zip(axes, "ab", strict=True):
        style.panel_label(ax, letter)
    return fig
