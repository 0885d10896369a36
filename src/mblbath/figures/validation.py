"""Validation figure: TEBD against an exact reference (exact sector evolution or free fermions).

(a) maximal deviation of the densities, max_i |n_TEBD - n_exact| for the c-boson (solid)
and the d-bosons (dashed), vs time, log scale, with the tolerance ``tol_n`` (1e-5);
(b) maximal deviation of the entanglement entropy over all bonds with ``tol_S`` (1e-4).
Each curve is the maximum over the compared realisations at one U (and one L). Exact zeros
are drawn at the floor 1e-16 so that the log axis shows them.

Data: ``validation`` (zero or one file per L).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.bundle import Bundle, u_values, var
from . import style

__all__ = ["plot", "FLOOR"]

#: Deviations below this are drawn at this value (log axis).
FLOOR = 1e-16


def _sci(v: float) -> str:
    """1e-05 -> '$10^{-5}$', 2e-4 -> '$2\\times10^{-4}$'."""
    exp = int(np.floor(np.log10(v)))
    man = v / 10.0**exp
    head = "" if abs(man - 1) < 1e-9 else f"{man:g}\\times"
    return f"${head}10^{{{exp}}}$"


def _max_over_seeds(da) -> np.ndarray:
    arr = da.transpose(..., "time").values.astype(float)
    arr = np.where(np.isfinite(arr), arr, -np.inf)
    red = arr.max(axis=tuple(range(arr.ndim - 1))) if arr.ndim > 1 else arr
    return np.where(np.isfinite(red), np.maximum(red, FLOOR), np.nan)


def _panel(ax: Axes, b: Bundle, which: str) -> None:
    ylabel = r"max$_i\,|\Delta n_i(t)|$" if which == "n" else r"max$_i\,|\Delta S(i, t)|$"
    if not b.validation:
        style.empty_panel(
            ax,
            "no TEBD-vs-exact validation in the inputs\n(validation.n_seeds = 0, or L > max_L)",
            style.T_LABEL,
            ylabel,
        )
        return
    U_all = b.u_all()
    multi_L = len(b.validation) > 1
    tols, drawn = set(), 0
    for L, ds in sorted(b.validation.items()):
        names = [("dn_c", "-", "c"), ("dn_d", "--", "d")] if which == "n" else [("dS", "-", "")]
        for U in u_values(ds):
            dsu = ds.sel(U=U)
            col = style.u_color(U, U_all)
            for name, ls, species in names:
                da = var(dsu, name)
                if da is None:
                    continue
                y = _max_over_seeds(da)
                t = dsu["time"].values
                m = np.isfinite(y) & (t > 0)  # t = 0: same initial state, deviation 0
                if not m.any():
                    continue
                lab = style.u_label(U) + (rf", $L={L}$" if multi_L else "")
                ax.plot(
                    t[m],
                    y[m],
                    color=col,
                    ls=ls,
                    lw=1.0,
                    marker="o" if species != "d" else None,
                    ms=1.8,
                    label=lab if ls == "-" else None,
                )
                drawn += 1
        tol = ds.attrs.get("tol_n" if which == "n" else "tol_S")
        if tol is not None:
            tols.add(float(tol))
    if drawn == 0:
        style.empty_panel(ax, "validation files hold no finite deviations", style.T_LABEL, ylabel)
        return
    for tol in sorted(tols):
        ax.axhline(tol, color="#c0392b", lw=1.0, ls="-.")
        ax.text(
            0.02,
            tol,
            f"tolerance {_sci(tol)}",
            color="#c0392b",
            fontsize=6.5,
            va="bottom",
            ha="left",
            transform=ax.get_yaxis_transform(),
        )
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ax.set_ylim(max(lo, FLOOR / 2), max([hi, *(10 * t for t in tols)]))
    ax.set_xlabel(style.T_LABEL)
    ax.set_ylabel(ylabel)
    handles, _ = ax.get_legend_handles_labels()
    if which == "n":
        from matplotlib.lines import Line2D

        handles += [
            Line2D([], [], color="0.3", ls="-", label=r"$n_c$"),
            Line2D([], [], color="0.3", ls="--", label=r"$n_d$"),
        ]
    ax.legend(handles=handles, loc="lower right", ncol=2)
    refs = sorted({str(ds.attrs.get("reference", "?")) for ds in b.validation.values()})
    Ls = ", ".join(str(L) for L in sorted(b.validation))
    ax.set_title(f"L = {Ls}; reference: {'; '.join(refs)}", loc="right", fontsize=6.5)


def plot(b: Bundle) -> Figure:
    """Draw the validation figure from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.6)
    axes = fig.subplots(1, 2)
    _panel(axes[0], b, "n")
    _panel(axes[1], b, "S")
    for ax, letter in zip(axes, "ab", strict=True):
        style.panel_label(ax, letter)
    return fig
