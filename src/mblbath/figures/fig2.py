"""Fig. 2: dependence on the interaction U (largest L of the sweep).

(a) ℓ_c(t) for every U > 0 with the Eq. (4) fit dashed; inset ξ_c vs U for every L with
the system size L drawn as a horizontal line (ξ_c above it: delocalised at this size).
(b) entanglement profile S(i) across the chain at the time T_ent (``analysis.t_ent``,
default t_max; paper T = 130) for every U, U = 0 (Anderson insulator) in grey.

Data: ``nc_fit`` and ``lc_fit`` (a), ``ent_fit`` (b; falls back to ``agg``). Error bars:
fit uncertainties in (a), standard error over disorder realisations in (b).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.bundle import (
    Bundle,
    cfg_get,
    failure_reason,
    masked_ok,
    nearest_index,
    sel_u,
    u_values,
    var,
)
from ..analysis.tables import disorder_mean_at, ell_c_lower_bound
from . import style

__all__ = ["plot", "entanglement_profile"]


def _panel_a(ax: Axes, b: Bundle, L: int | None) -> None:
    """ℓ_c(t) points from ``nc_fit`` and Eq. (4) curves from ``lc_fit`` (either may be absent)."""
    xlabel, ylabel = style.T_LABEL, r"$\ell_c(t)$"
    fit = b.nc_fit.get(L) if L is not None else None
    lc = b.lc_fit.get(L) if L is not None else None
    if fit is None and lc is None:
        style.empty_panel(ax, "no ell_c fits (nc_fit, lc_fit) in the inputs", xlabel, ylabel)
        return
    U_all = b.u_all()
    ell = masked_ok(fit, "ell_c")
    err = var(fit, "ell_c_err")
    drawn, reasons = 0, set()
    for U in [u for u in (u_values(fit) or u_values(lc)) if u > 0]:
        col = style.u_color(U, U_all)
        y = sel_u(ell, U)
        shown = False
        if y is not None:
            t = y["time"].values
            yv = y.values.astype(float)
            ev = sel_u(err, U).values.astype(float) if err is not None else np.full_like(yv, np.nan)
            m = (t > 0) & np.isfinite(yv)
            if m.any():
                ax.errorbar(
                    t[m],
                    yv[m],
                    yerr=np.where(np.isfinite(ev[m]), ev[m], 0),
                    color=col,
                    marker="o",
                    ms=2.0,
                    lw=0,
                    elinewidth=0.6,
                    label=style.u_label(U),
                )
                shown = True
            else:
                why = failure_reason(sel_u(var(fit, "status"), U))
                if why:
                    reasons.add(why)
        model = sel_u(var(lc, "ell_c_model"), U) if lc is not None else None
        if model is not None and np.any(np.isfinite(model.values)):
            tm = model["time"].values
            mm = (tm > 0) & (tm >= 0.9 * float(lc.attrs.get("fit_t_min", 0.0)))  # fitted range
            ax.plot(
                tm[mm],
                model.values[mm],
                color=col,
                ls="--",
                lw=0.9,
                label=None if shown else style.u_label(U),
            )
            shown = True
        drawn += shown
    if drawn == 0:
        why = sorted(reasons)[0] if reasons else "no U > 0 in the fits"
        style.empty_panel(ax, f"no ell_c to show: {why}", xlabel, ylabel)
        return
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(rf"$L={L}$", loc="right", fontsize=7)
    handles, _ = ax.get_legend_handles_labels()
    if lc is not None:
        handles.append(style.dashed_handle("Eq. (4)", "0.3"))
    ax.legend(handles=handles, loc="center left")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
    if lc is None:
        style.note(ax, "no Eq. (4) fit file (lc_fit)", where="top right")
    elif fit is None:
        style.note(ax, "no Eq. (3) fit file (nc_fit): Eq. (4) curves only", where="top right")
    _inset_xi_vs_U(ax, b)


def _inset_xi_vs_U(ax: Axes, b: Bundle) -> None:
    ins = style.inset(ax, [0.2, 0.58, 0.34, 0.36])
    ins.set_xlabel(r"$U$")
    ins.set_ylabel(r"$\xi_c$", rotation=0, labelpad=4, va="center")
    L_all = b.sizes()
    drawn, why, bounds = 0, set(), 0
    for L, lc in sorted(b.lc_fit.items()):
        xi = masked_ok(lc, "xi_c")
        if xi is None:
            continue
        err = var(lc, "xi_c_err")
        us = np.array([u for u in u_values(lc) if u > 0])
        if us.size == 0:
            continue
        v = np.array([float(sel_u(xi, u)) for u in us])
        e = np.array([float(sel_u(err, u)) if err is not None else np.nan for u in us])
        m = np.isfinite(v)
        col = style.l_color(L, L_all)
        st = var(lc, "status")
        reason = failure_reason(st.where(st["U"] > 0, drop=True) if st is not None else None)
        if reason and not m.any():
            why.add(reason)
        for u in us[~m]:  # failed Eq. (4) fit: Eq. (4) still gives xi_c > max_t ell_c(t)
            lb = ell_c_lower_bound(b, L, float(u))
            if lb is not None:
                ins.plot(
                    [u],
                    [lb[0]],
                    ls="none",
                    marker="^",
                    mfc="white",
                    mec=col,
                    ms=3.5,
                    mew=0.7,
                    label="lower bound" if not bounds else None,
                )
                bounds += 1
        ins.axhline(L, color=col, ls=":", lw=0.8)
        ins.text(
            0.98,
            L,
            rf"$L={L}$",
            color=col,
            fontsize=5.5,
            ha="right",
            va="bottom",
            transform=ins.get_yaxis_transform(),
        )
        if not m.any():
            continue
        ins.errorbar(
            us[m],
            v[m],
            yerr=np.where(np.isfinite(e[m]), e[m], 0),
            color=col,
            marker=style.l_marker(L, L_all),
            ms=2.5,
            lw=0.8,
            elinewidth=0.6,
        )
        drawn += 1
    if bounds:
        ins.legend(loc="lower left", fontsize=5, handletextpad=0.2, borderaxespad=0.2)
    if drawn == 0 and bounds == 0:
        msg = "no Eq. (4) fit" + (f":\n{sorted(why)[0]}" if why else "")
        style.inset_note(ins, msg)
        return
    ins.set_yscale("log")
    lo, hi = ins.get_ylim()
    ins.set_ylim(lo / 1.5, hi * 1.5)
    style.plain_log_axis(ins.yaxis)


def entanglement_profile(b: Bundle, L: int, U: float, t_target: float):
    """``(bond, S, S_err, t)`` at the grid time nearest ``t_target``; None if no data.

    From ``ent_fit`` (S_mean, S_err) when present, else averaged here from ``agg``.
    """
    ent = b.ent_fit.get(L)
    if ent is not None and var(ent, "S_mean") is not None and sel_u(ent["S_mean"], U) is not None:
        S = sel_u(ent["S_mean"], U)
        E = sel_u(var(ent, "S_err"), U)
    else:
        agg = b.agg.get(L)
        if agg is None or var(agg, "S") is None or sel_u(agg["S"], U) is None:
            return None
        S, E, _ = disorder_mean_at(b, agg, "S", U)
    fin = np.asarray(S.notnull().any("bond"))
    times = S["time"].values
    if not fin.any():
        return None
    cand = np.where(fin, times, np.nan)
    it = nearest_index(cand, t_target)
    y = S.isel(time=it).values.astype(float)
    e = E.isel(time=it).values.astype(float) if E is not None else np.full_like(y, np.nan)
    return S["bond"].values, y, e, float(times[it])


def _panel_b(ax: Axes, b: Bundle, L: int | None) -> None:
    xlabel, ylabel = r"bond $i$", r"$S(i)$"
    if L is None:
        style.empty_panel(ax, "no entanglement data (ent_fit or agg)", xlabel, ylabel)
        return
    t_max = cfg_get(b.cfg, "numerics", "t_max", default=None)
    src = b.ent_fit.get(L) or b.agg.get(L)
    if t_max is None and src is not None:
        t_max = float(np.nanmax(src["time"].values))
    t_ent = cfg_get(b.cfg, "analysis", "t_ent", default=t_max)
    U_all = b.u_all()
    used_t, drawn = set(), 0
    for U in U_all:
        prof = entanglement_profile(b, L, U, t_ent if t_ent is not None else np.inf)
        if prof is None:
            continue
        bond, y, e, t = prof
        col = style.u_color(U, U_all)
        ax.plot(
            bond,
            y,
            color=col,
            marker="o",
            ms=2.0,
            lw=1.0,
            label=style.u_label(U),
            ls="-" if U > 0 else "--",
        )
        style.band(ax, bond, y, e, col)
        used_t.add(round(t, 6))
        drawn += 1
    if drawn == 0:
        style.empty_panel(ax, f"no entanglement data at L = {L}", xlabel, ylabel)
        return
    c_site = int((src.attrs.get("c_site", L // 2)) if src is not None else L // 2)
    ax.axvline(c_site + 0.5, color="0.6", lw=0.6, ls=":")  # cut position of the c-boson's site
    ax.set_xlim(0.5, L - 0.5)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    tt = ", ".join(f"{t:g}" for t in sorted(used_t))
    ax.set_title(rf"$L={L}$, $t={tt}$", loc="right", fontsize=7)
    ax.legend(loc="upper right", ncol=2 if drawn > 3 else 1)
    if t_ent is not None and all(abs(t - t_ent) > 1e-6 * max(1.0, t_ent) for t in used_t):
        style.note(ax, f"T_ent = {t_ent:g} not on the time grid: nearest time shown", "top left")


def plot(b: Bundle) -> Figure:
    """Draw Fig. 2 from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.7)
    axes = fig.subplots(1, 2)
    sizes_a = b.sizes("nc_fit", "lc_fit")
    sizes_b = b.sizes("ent_fit", "agg")
    _panel_a(axes[0], b, max(sizes_a) if sizes_a else None)
    _panel_b(axes[1], b, max(sizes_b) if sizes_b else None)
    for ax, letter in zip(axes, "ab", strict=True):
        style.panel_label(ax, letter)
    return fig
