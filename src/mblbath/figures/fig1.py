"""Fig. 1: spreading of the c-boson in the Anderson insulator (main case: largest U, paper U = 12).

(a) schematic of the model (period-3 d-boson density wave in a random potential, one clean
c-boson at the centre); (b) disorder-averaged density profile n_c(x, t) at several times
(colour = time, log density); (c) coarse-grained density ñ_c(x, t) vs t at several
distances x from the centre, with the Eq. (3) fit dashed; (d) ℓ_c(t) vs log t for every
L with the Eq. (4) fit dashed, inset ξ_c vs L.

Data: ``agg`` (b, and (c) when no Eq. (3) fit exists), ``nc_fit`` (c, d), ``lc_fit``
(d). Panels (b), (c) use the largest L; error bands are the standard error over
disorder realisations, error bars of ℓ_c and ξ_c are the fit uncertainties.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from ..analysis.bundle import (
    Bundle,
    failure_reason,
    largest_u,
    masked_ok,
    nearest_index,
    sel_u,
    var,
)
from ..analysis.tables import disorder_mean_at, pick_times
from . import style

__all__ = ["plot", "pick_distances"]


def pick_distances(xs: np.ndarray, L: int, n: int = 4) -> list[float]:
    """Up to ``n`` distinct non-negative distances from the centre, about 0, L/8, L/4, 3L/8."""
    x = np.asarray([v for v in xs if v >= 0], dtype=float)
    if x.size == 0:
        x = np.abs(np.asarray(xs, dtype=float))
    if x.size == 0:
        return []
    targets = [k * L / 8 for k in range(n)]
    return sorted({float(x[int(np.argmin(np.abs(x - tt)))]) for tt in targets})


def _schematic(ax: Axes) -> None:
    """Panel (a): chain with the period-3 d-boson wave, random potential and the c-boson."""
    n = 25
    c = n // 2
    rng = np.random.default_rng(7)  # fixed: the drawing is the same every time
    eps = rng.uniform(-1, 1, n)
    ax.set_xlim(-1.0, n + 6.5)
    ax.set_ylim(-1.25, 1.55)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.plot([0, n - 1], [0, 0], color="0.6", lw=0.8, zorder=0)
    for i in range(n):
        ax.plot([i - 0.4, i + 0.4], [-0.75 + 0.25 * eps[i]] * 2, color="0.35", lw=0.9)
        filled = i % 3 == 1
        ax.add_patch(
            Circle((i, 0), 0.28, fc="#3b6ea8" if filled else "white", ec="#3b6ea8", lw=0.7)
        )
    x = np.linspace(-9, 9, 200)
    ax.fill_between(c + x, 0.42, 0.42 + 0.9 * np.exp(-np.abs(x) / 2.2), color="#c0392b", alpha=0.25)
    ax.add_patch(Circle((c, 0.62), 0.26, fc="#c0392b", ec="#c0392b"))
    ax.add_patch(
        FancyArrowPatch(
            (c + 0.5, 0.62),
            (c + 3.4, 0.62),
            arrowstyle="-|>",
            mutation_scale=6,
            color="#c0392b",
            lw=0.7,
        )
    )
    ax.add_patch(
        FancyArrowPatch(
            (c - 0.5, 0.62),
            (c - 3.4, 0.62),
            arrowstyle="-|>",
            mutation_scale=6,
            color="#c0392b",
            lw=0.7,
        )
    )
    kw = {"fontsize": 7, "va": "center", "ha": "left"}
    ax.text(n + 0.3, 0.75, r"clean $c$ boson, hopping $t_c$, $n_c\,n_d$ coupling $U$", **kw)
    ax.text(n + 0.3, 0.0, r"$d$ bosons, $\nu_d = 1/3$ density wave, hopping $t_d$", **kw)
    ax.text(n + 0.3, -0.75, r"random potential $\epsilon_i \in [-W, W]$", **kw)


def _panel_b(ax: Axes, b: Bundle, L: int | None, U: float | None) -> None:
    xlabel, ylabel = r"$x = i - L/2$", r"$\langle n_c(x,t)\rangle$"
    agg = b.agg.get(L) if L is not None else None
    if agg is None or U is None or var(agg, "n_c") is None:
        style.empty_panel(ax, "no aggregated runs (agg) in the inputs", xlabel, ylabel)
        return
    mean, sem, _ = disorder_mean_at(b, agg, "n_c", U)
    x = (
        agg["x"].values
        if "x" in agg.coords
        else agg["site"].values - int(agg.attrs.get("c_site", L // 2))
    )
    times = pick_times(mean["time"].values[np.asarray(mean.notnull().any("site"))])
    if not times:
        style.empty_panel(ax, f"U = {U:g}: no finite n_c at t > 0", xlabel, ylabel)
        return
    colors, norm = style.time_colors(times)
    positive = []
    for t, col in zip(times, colors, strict=True):
        it = nearest_index(mean["time"].values, t)
        y = mean.isel(time=it).values
        e = sem.isel(time=it).values
        yp = np.where(y > 0, y, np.nan)
        positive.append(yp[np.isfinite(yp)])
        ax.plot(x, yp, color=col, marker="o", ms=1.8, lw=0.9)
        style.band(ax, x, yp, e, col, log=True)
    ax.set_yscale("log")
    vals = np.concatenate(positive) if positive else np.array([])
    if vals.size:
        ax.set_ylim(max(vals.min() * 0.5, 1e-8), 1.5 * vals.max())
    ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$, $L={L}$", loc="right", fontsize=7)
    style.time_colorbar(ax, norm)


def _coarse_grain_from_agg(b: Bundle, L: int, U: float):
    """ñ_c(x, t) = (1/3) sum_{j=i}^{i+2} n_c(j, t) from the runs, at x = i + 1 - c_site."""
    agg = b.agg.get(L)
    if agg is None or var(agg, "n_c") is None or sel_u(agg["n_c"], U) is None:
        return None
    mean, sem, _ = disorder_mean_at(b, agg, "n_c", U)
    c_site = int(agg.attrs.get("c_site", L // 2))
    m = mean.transpose("time", "site").values
    e = sem.transpose("time", "site").values
    cg = (m[:, :-2] + m[:, 1:-1] + m[:, 2:]) / 3.0
    cge = np.sqrt(e[:, :-2] ** 2 + e[:, 1:-1] ** 2 + e[:, 2:] ** 2) / 3.0
    x_cg = np.arange(L - 2) + 1 - c_site
    return mean["time"].values, x_cg, cg, cge, None


def _panel_c(ax: Axes, b: Bundle, L: int | None, U: float | None) -> None:
    xlabel, ylabel = style.T_LABEL, r"$\tilde n_c(x,t)$"
    if L is None or U is None:
        style.empty_panel(ax, "no data for the coarse-grained density", xlabel, ylabel)
        return
    fit = b.nc_fit.get(L)
    data = None
    notes = []
    if fit is not None and var(fit, "nc_cg") is not None and sel_u(fit["nc_cg"], U) is not None:
        f = sel_u(fit, U)
        cg = f["nc_cg"].transpose("time", "x_cg").values.astype(float)
        err = f.get("nc_cg_err")
        cge = err.transpose("time", "x_cg").values if err is not None else np.full_like(cg, np.nan)
        model = f.get("nc_cg_fit")
        mod = model.transpose("time", "x_cg").values.astype(float) if model is not None else None
        if mod is None or not np.any(np.isfinite(mod)):
            why = failure_reason(f.get("status"))
            notes.append("Eq. (3) fit missing" + (f": {why}" if why else ""))
            mod = None
        data = (f["time"].values, f["x_cg"].values.astype(float), cg, cge, mod)
    else:
        data = _coarse_grain_from_agg(b, L, U)
        if data is not None:
            notes.append("no Eq. (3) fit file: data coarse-grained here")
    if data is None:
        style.empty_panel(ax, f"no n_c data at U = {U:g}, L = {L}", xlabel, ylabel)
        return
    t, x_cg, cg, cge, mod = data
    tmask = t > 0
    dists = pick_distances(x_cg, L)
    for k, d in enumerate(dists):
        j = int(np.argmin(np.abs(x_cg - d)))
        col = f"C{k}"
        y = np.where(cg[:, j] > 0, cg[:, j], np.nan)
        ax.plot(
            t[tmask], y[tmask], color=col, marker="o", ms=2.0, lw=0.9, label=rf"$x={x_cg[j]:g}$"
        )
        style.band(ax, t[tmask], y[tmask], cge[tmask, j], col, log=True)
        if mod is not None:
            ym = np.where(mod[:, j] > 0, mod[:, j], np.nan)
            ax.plot(t[tmask], ym[tmask], color=col, ls="--", lw=0.9)
    ax.set_xscale("log")
    ax.set_yscale("log")
    vals = cg[tmask][:, [int(np.argmin(np.abs(x_cg - d))) for d in dists]]
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if vals.size:
        ax.set_ylim(max(vals.min() * 0.3, 1e-8), vals.max() * 3)
    handles, labels = ax.get_legend_handles_labels()
    if mod is not None:
        handles.append(style.dashed_handle("Eq. (3)", "0.3"))
    ax.legend(handles=handles, loc="lower right", ncol=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$, $L={L}$", loc="right", fontsize=7)
    if notes:
        style.note(ax, "; ".join(notes), where="top")


def _panel_d(ax: Axes, b: Bundle, U: float | None) -> None:
    xlabel, ylabel = style.T_LABEL, r"$\ell_c(t)$"
    Ls = sorted(b.nc_fit)
    if U is None or not Ls:
        style.empty_panel(ax, "no Eq. (3) fits (nc_fit) in the inputs", xlabel, ylabel)
        return
    L_all = b.sizes()
    drawn = 0
    reasons: set[str] = set()
    for L in Ls:
        f = b.nc_fit[L]
        ell = masked_ok(f, "ell_c")
        if ell is None or sel_u(ell, U) is None:
            continue
        ell = sel_u(ell, U)
        err = sel_u(var(f, "ell_c_err"), U)
        t = ell["time"].values
        y = ell.values.astype(float)
        e = err.values.astype(float) if err is not None else np.full_like(y, np.nan)
        m = (t > 0) & np.isfinite(y)
        why = failure_reason(sel_u(var(f, "status"), U))
        if why:
            reasons.add(why)
        if not m.any():
            continue
        col, mk = style.l_color(L, L_all), style.l_marker(L, L_all)
        ax.errorbar(
            t[m],
            y[m],
            yerr=np.where(np.isfinite(e[m]), e[m], 0),
            color=col,
            marker=mk,
            ms=2.2,
            lw=0,
            elinewidth=0.6,
            label=rf"$L={L}$",
        )
        drawn += 1
        lc = b.lc_fit.get(L)
        model = sel_u(var(lc, "ell_c_model"), U) if lc is not None else None
        if model is not None and np.any(np.isfinite(model.values)):
            tm = model["time"].values
            mm = (tm > 0) & (tm >= 0.9 * float(lc.attrs.get("fit_t_min", 0.0)))  # fitted range
            ax.plot(tm[mm], model.values[mm], color=col, ls="--", lw=0.9)
    if drawn == 0:
        why = sorted(reasons)[0] if reasons else "ell_c missing"
        style.empty_panel(ax, f"no Eq. (3) fit succeeded at U = {U:g}: {why}", xlabel, ylabel)
        return
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$U={U:g}$", loc="right", fontsize=7)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(style.dashed_handle("Eq. (4)", "0.3"))
    ax.legend(handles=handles, loc="lower right")
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * 1.45)  # head room for the inset
    _inset_xi_vs_L(ax, b, U)


def _inset_xi_vs_L(ax: Axes, b: Bundle, U: float) -> None:
    ins = style.inset(ax, [0.24, 0.6, 0.32, 0.33])
    Ls, xi, err, why = [], [], [], set()
    for L, lc in sorted(b.lc_fit.items()):
        v = sel_u(masked_ok(lc, "xi_c"), U)
        if v is None:
            continue
        e = sel_u(var(lc, "xi_c_err"), U)
        if np.isfinite(float(v)):
            Ls.append(L)
            xi.append(float(v))
            err.append(float(e) if e is not None and np.isfinite(float(e)) else 0.0)
        elif failure_reason(sel_u(var(lc, "status"), U)):
            why.add(failure_reason(sel_u(var(lc, "status"), U)))
    ins.set_xlabel(r"$L$")
    ins.set_ylabel(r"$\xi_c$", rotation=0, labelpad=4, va="center")
    if not Ls:
        msg = "no Eq. (4) fit" + (f":\n{sorted(why)[0]}" if why else "")
        style.inset_note(ins, msg)
        return
    ins.errorbar(Ls, xi, yerr=err, color="k", marker="o", ms=2.5, lw=0.8, elinewidth=0.7)
    lo = min(x - e for x, e in zip(xi, err, strict=True))
    hi = max(x + e for x, e in zip(xi, err, strict=True))
    pad = max(0.5, 0.3 * (hi - lo))
    ins.set_ylim(max(0.0, lo - pad), hi + pad)
    span = max(Ls) - min(Ls)
    ins.set_xlim(min(Ls) - max(3, 0.15 * span), max(Ls) + max(3, 0.15 * span))
    ins.set_xticks(Ls)
    ins.yaxis.set_major_locator(MaxNLocator(3))
    if len(Ls) == 1:
        style.inset_note(ins, "one L only", y=0.12, clear=False)


def plot(b: Bundle) -> Figure:
    """Draw Fig. 1 from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 3.55)
    gs = fig.add_gridspec(2, 3, height_ratios=[0.36, 1.0])
    ax_a = fig.add_subplot(gs[0, :])
    axes = [fig.add_subplot(gs[1, k]) for k in range(3)]
    U = largest_u(b.u_all())
    sizes = b.sizes("agg", "nc_fit")
    L = max(sizes) if sizes else None
    _schematic(ax_a)
    style.panel_label(ax_a, "a")
    _panel_b(axes[0], b, L, U)
    _panel_c(axes[1], b, L, U)
    _panel_d(axes[2], b, U)
    for ax, letter in zip(axes, "bcd", strict=True):
        style.panel_label(ax, letter)
    return fig
