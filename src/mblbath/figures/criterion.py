"""Perturbative stability criterion, Eq. (2), from single-particle data.

(a) effective disorder W̃(W) seen by the c-boson (spread of U <n_d,i>_∞ of the Anderson
problem), with the disorder of the simulations (``model.W``, paper 6.5) marked and the
maximum of W̃ marked; (b) the (W, U) stability map: where (W + W̃) U exceeds
(3/2) ξ_c^0 ξ_d ν_d (1 - ν_d), the localised c-boson is stable; the boundary U_c(W) is the
black line and the (W, U) points of the sweep are stars.

Data: ``criterion`` (one file). Band: uncertainty of W̃ over disorder realisations.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis.bundle import Bundle, cfg_get, var
from . import style

__all__ = ["plot"]

_STABLE = "#cfe3f3"
_UNSTABLE = "#f6d5cf"


def _edges(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _panel_a(ax: Axes, b: Bundle, W0: float) -> None:
    xlabel, ylabel = r"$W$", r"$\tilde W$"
    crit = b.criterion
    wt = var(crit, "W_tilde")
    if wt is None or not np.any(np.isfinite(wt.values)):
        style.empty_panel(ax, "no criterion file (or W_tilde all NaN)", xlabel, ylabel)
        return
    W = crit["W"].values.astype(float)
    y = wt.values.astype(float)
    err = var(crit, "W_tilde_err")
    e = err.values.astype(float) if err is not None else np.full_like(y, np.nan)
    ax.errorbar(
        W,
        y,
        yerr=np.where(np.isfinite(e), e, 0),
        color="k",
        marker="o",
        ms=2.2,
        lw=0.9,
        elinewidth=0.6,
        label=r"$\tilde W(W)$",
    )
    style.band(ax, W, y, e, "k", alpha=0.12)
    w_arg = crit.attrs.get("W_tilde_argmax")
    if w_arg is None or not np.isfinite(float(w_arg)):
        w_arg = float(W[int(np.nanargmax(y))])
    ax.axvline(
        float(w_arg),
        color="#c0392b",
        lw=0.8,
        ls="--",
        label=rf"max of $\tilde W$: $W={float(w_arg):.3g}$",
    )
    ax.axvline(W0, color="#3b6ea8", lw=1.0, ls="-", alpha=0.8, label=rf"simulations: $W={W0:g}$")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, np.nanmax(y + np.nan_to_num(e)) * 1.3)
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: "W(W)" not in labels[k])  # data first
    ax.legend([handles[k] for k in order], [labels[k] for k in order], loc="upper right")


def _panel_b(ax: Axes, b: Bundle, W0: float) -> None:
    xlabel, ylabel = r"$W$", r"$U$"
    crit = b.criterion
    st = var(crit, "stable")
    if st is None:
        style.empty_panel(ax, "no criterion file: stability map not computed", xlabel, ylabel)
        return
    W = crit["W"].values.astype(float)
    U = crit["U"].values.astype(float)
    z = st.transpose("U", "W").values.astype(float)
    z = np.where(np.isfinite(z), z, np.nan)
    cmap = ListedColormap([_UNSTABLE, _STABLE])
    ax.pcolormesh(
        _edges(W),
        _edges(U),
        np.ma.masked_invalid(z),
        cmap=cmap,
        vmin=0,
        vmax=1,
        shading="flat",
        rasterized=True,
    )
    handles = [
        Patch(fc=_STABLE, ec="0.5", lw=0.4, label="stable (localised)"),
        Patch(fc=_UNSTABLE, ec="0.5", lw=0.4, label="unstable"),
    ]
    uc = var(crit, "U_c")
    if uc is not None and np.any(np.isfinite(uc.values)):
        (h,) = ax.plot(W, uc.values, color="k", lw=1.2, label=r"$U_c(W)$")
        handles.append(h)
    Us = [float(u) for u in cfg_get(b.cfg, "sweep", "U", default=[]) if float(u) > 0]
    if Us:
        (h,) = ax.plot(
            [W0] * len(Us),
            Us,
            ls="none",
            marker="*",
            ms=6,
            mfc="#f1c40f",
            mec="k",
            mew=0.5,
            label="simulated $(W, U)$",
        )
        handles.append(h)
    ax.set_xlim(_edges(W)[0], _edges(W)[-1])
    ax.set_ylim(_edges(U)[0], _edges(U)[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(handles=handles, loc="upper right", frameon=True, framealpha=0.9, edgecolor="0.7")
    if uc is None or not np.any(np.isfinite(uc.values)):
        style.note(ax, "U_c(W) not available", where="bottom", make_room=False)


def plot(b: Bundle) -> Figure:
    """Draw the criterion figure from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.6)
    axes = fig.subplots(1, 2)
    W0 = float(cfg_get(b.cfg, "model", "W", default=6.5))
    _panel_a(axes[0], b, W0)
    _panel_b(axes[1], b, W0)
    for ax, letter in zip(axes, "ab", strict=True):
        style.panel_label(ax, letter)
    return fig
