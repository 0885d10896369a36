"""Fig. 3: the d-bosons keep their memory (largest U; paper U = 12).

(a) disorder-averaged d density n_d(x) at the final time for every L, against the distance
x = i - L/2 from the c-boson's initial site; the sites occupied by the initial period-3
density wave are shaded, and the Anderson reference U = 0 (largest L) is dashed grey.
(b) d-boson decay length ℓ_d(t, i) at several positions i (solid, largest U) with the
U = 0 values dashed in the same colour; inset the difference of the saturation value
ℓ_d(∞, i) between the largest U and U = 0 (Eq. (4) fits per i). ℓ_d is the decay length
of |disorder mean of C_dd| (the paper's) unless the fit file says ``ell_d_average =
mean_of_abs``; the panel title names the average used.

Data: ``agg`` (a), ``ld_fit`` (b). Bands: standard error over disorder realisations (a),
fit uncertainties (b).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..analysis.bundle import (
    Bundle,
    failure_reason,
    has_u,
    largest_u,
    last_finite_time,
    masked_ok,
    nearest_index,
    sel_u,
    var,
)
from ..analysis.tables import disorder_mean_at
from . import style

__all__ = ["plot", "final_density", "pick_centres"]


def final_density(b: Bundle, L: int, U: float):
    """``(x, mean, sem, t_final)`` of n_d at the last time with data; None if no data."""
    agg = b.agg.get(L)
    nd = sel_u(var(agg, "n_d"), U) if agg is not None else None
    if nd is None:
        return None
    t_fin = last_finite_time(nd)
    if t_fin is None:
        return None
    mean, sem, _ = disorder_mean_at(b, agg, "n_d", U)
    it = nearest_index(mean["time"].values, t_fin)
    c_site = int(agg.attrs.get("c_site", L // 2))
    x = agg["site"].values - c_site
    return x, mean.isel(time=it).values, sem.isel(time=it).values, float(mean["time"][it])


def _initial_wave(b: Bundle, L: int) -> np.ndarray | None:
    """Sites occupied at t = 0 (from n_d at the first time), as x = i - c_site."""
    agg = b.agg.get(L)
    nd = var(agg, "n_d")
    if nd is None:
        return None
    first = nd.isel(time=0)
    occ = first.mean([d for d in first.dims if d != "site"], skipna=True).values > 0.5
    c_site = int(agg.attrs.get("c_site", L // 2))
    return agg["site"].values[occ] - c_site


def _panel_a(ax: Axes, b: Bundle, U: float | None) -> None:
    xlabel, ylabel = r"$x = i - L/2$", r"$\langle n_d(x, t_{\rm f})\rangle$"
    Ls = sorted(b.agg)
    if U is None or not Ls:
        style.empty_panel(ax, "no aggregated runs (agg) in the inputs", xlabel, ylabel)
        return
    L_max = max(Ls)
    occ = _initial_wave(b, L_max)
    if occ is not None:
        for k, xo in enumerate(occ):
            ax.axvspan(
                xo - 0.5,
                xo + 0.5,
                color="#3b6ea8",
                alpha=0.1,
                lw=0,
                label="initial wave" if k == 0 else None,
            )
    tf = set()
    drawn = 0
    for L in Ls:
        res = final_density(b, L, U)
        if res is None:
            continue
        x, y, e, t = res
        col = style.l_color(L, Ls)
        ax.errorbar(
            x,
            y,
            yerr=np.where(np.isfinite(e), e, 0),
            color=col,
            marker=style.l_marker(L, Ls),
            ms=2.2,
            lw=0.8,
            elinewidth=0.6,
            label=rf"$L={L}$",
        )
        tf.add(f"{t:g}")
        drawn += 1
    if drawn == 0:
        style.empty_panel(ax, f"no n_d data at U = {U:g}", xlabel, ylabel)
        return
    ref = final_density(b, L_max, 0.0)
    if ref is not None:
        ax.plot(ref[0], ref[1], color=style.U0_COLOR, ls="--", lw=0.8, label=rf"$U=0$, $L={L_max}$")
    ax.set_ylim(0, 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 3, 6, 10], integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$, $t_{{\rm f}}={', '.join(sorted(tf))}$", loc="right", fontsize=7)
    ax.legend(loc="upper right", ncol=2)
    if ref is None:
        style.note(
            ax, "U = 0 not in config: no Anderson reference", where="bottom", make_room=False
        )


def pick_centres(x: np.ndarray, L: int, n: int = 4) -> list[int]:
    """Indices of up to ``n`` centres with x closest to 0, L/8, L/4, 3L/8 (x >= 0 preferred)."""
    x = np.asarray(x, dtype=float)
    cand = np.flatnonzero(x >= 0) if np.any(x >= 0) else np.arange(x.size)
    out = []
    for k in range(n):
        j = cand[int(np.argmin(np.abs(x[cand] - k * L / 8)))]
        if j not in out:
            out.append(int(j))
    return out


def _centre_x(ld, L: int, b: Bundle) -> np.ndarray:
    agg = b.agg.get(L)
    c_site = ld.attrs.get("c_site", agg.attrs.get("c_site", L // 2) if agg is not None else L // 2)
    return ld["centre"].values.astype(float) - float(c_site)


def _panel_b(ax: Axes, b: Bundle, U: float | None) -> None:
    xlabel, ylabel = style.T_LABEL, r"$\ell_d(t, i)$"
    Ls = sorted(b.ld_fit)
    if U is None or not Ls:
        style.empty_panel(ax, "no ell_d fits (ld_fit) in the inputs", xlabel, ylabel)
        return
    L = max(Ls)
    ld = b.ld_fit[L]
    ell = masked_ok(ld, "ell_d", status="ell_d_status")
    if ell is None or sel_u(ell, U) is None or "centre" not in ld.coords:
        style.empty_panel(ax, f"no ell_d(t, i) at U = {U:g}, L = {L}", xlabel, ylabel)
        return
    xc = _centre_x(ld, L, b)
    err = var(ld, "ell_d_err")
    has0 = has_u(ld, 0.0)
    drawn = 0
    for k, j in enumerate(pick_centres(xc, L)):
        col = f"C{k}"
        y = sel_u(ell, U).isel(centre=j)
        t = y["time"].values
        yv = y.values.astype(float)
        m = (t > 0) & np.isfinite(yv)  # a line through the fitted times (cdd_every thins them)
        if not m.any():
            continue
        ax.plot(t[m], yv[m], color=col, marker="o", ms=2.0, lw=0.9, label=rf"$i-L/2={xc[j]:g}$")
        if err is not None:
            style.band(ax, t[m], yv[m], sel_u(err, U).isel(centre=j).values[m], col)
        if has0:
            y0 = sel_u(ell, 0.0).isel(centre=j).values.astype(float)
            m0 = (t > 0) & np.isfinite(y0)
            ax.plot(t[m0], y0[m0], color=col, ls="--", lw=0.9)
        drawn += 1
    if drawn == 0:
        style.empty_panel(ax, f"ell_d(t, i) all NaN at U = {U:g}, L = {L}", xlabel, ylabel)
        return
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$, $L={L}$, from {_average_label(ld)}", loc="right", fontsize=7)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.9 * (hi - lo))  # head room for the inset
    handles, _ = ax.get_legend_handles_labels()
    if has0:
        handles.append(style.dashed_handle(r"$U=0$", "0.3"))
    ax.legend(handles=handles, loc="lower right", ncol=2)
    # without U = 0 the inset says so ("U = 0 not in config")
    _inset_diff(ax, b, ld, L, xc, U)


def _average_label(ld) -> str:
    """Which disorder average of C_dd the ℓ_d fit used (files without the attribute
    predate the choice and used the mean of |C|)."""
    avg = str(ld.attrs.get("ell_d_average", "mean_of_abs"))
    return r"$\overline{|C|}$" if avg == "mean_of_abs" else r"$|\overline{C}|$"


def _inset_diff(ax: Axes, b: Bundle, ld, L: int, xc: np.ndarray, U: float) -> None:
    ins = style.inset(ax, [0.1, 0.6, 0.4, 0.34])
    ins.set_xlabel(r"$i - L/2$")
    ins.set_title(r"$\Delta\ell_d(\infty, i)$", fontsize=6.5, pad=1.5, loc="left")
    diff = var(ld, "ell_d_inf_diff")
    y = diff.values.astype(float) if diff is not None else np.full(xc.shape, np.nan)
    if not np.any(np.isfinite(y)):
        if not has_u(ld, 0.0):
            why = "U = 0 not in config"
        else:
            bad = failure_reason(var(ld, "status"))
            why = "Eq. (4) fits of ell_d failed" + (f":\n{bad}" if bad else "")
        style.inset_note(ins, why)
        return
    inf_err = var(ld, "ell_d_inf_err")
    e = np.zeros_like(y)
    if var(ld, "ell_d_inf_diff_err") is not None:
        e = ld["ell_d_inf_diff_err"].values.astype(float)
    elif inf_err is not None and has_u(ld, 0.0):
        e = np.sqrt(sel_u(inf_err, U).values ** 2 + sel_u(inf_err, 0.0).values ** 2)
    ins.errorbar(
        xc,
        y,
        yerr=np.where(np.isfinite(e), e, 0),
        color="k",
        marker="o",
        ms=1.8,
        lw=0.7,
        elinewidth=0.5,
    )
    ins.axhline(0, color="0.6", lw=0.5, ls=":")
    ins.yaxis.set_major_locator(MaxNLocator(3))
    ins.xaxis.set_major_locator(MaxNLocator(5, integer=True))


def plot(b: Bundle) -> Figure:
    """Draw Fig. 3 from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.7)
    axes = fig.subplots(1, 2)
    U = largest_u(b.u_all())
    _panel_a(axes[0], b, U)
    _panel_b(axes[1], b, U)
    for ax, letter in zip(axes, "ab", strict=True):
        style.panel_label(ax, letter)
    return fig
