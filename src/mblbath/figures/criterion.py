"""Perturbative stability criterion, Eq. (2), from single-particle data.

(a) effective disorder W̃(W) seen by the c-boson (spread of U <n_d,i>_∞ of the Anderson
problem), with the disorder of the simulations (``model.W``, paper 6.5) marked and the
maximum of W̃ marked; (b) the (W, U) stability map: where (W + U W̃) U exceeds
(3/2) ξ_c^0 ξ_d ν_d (1 - ν_d) with ξ_c^0 = lim_{U→0} U²ξ_c, the localised c-boson is
stable; the boundary U_c(W) from that limit is the black line (band: its jackknife
error), the per-U variant (U²ξ_c taken at each U) the dashed line; the (W, U) points of
the sweep are stars and the paper's points (W = 6.5; U = 2.5 and 12) are circled;
(c) U²ξ_c against U at W = ``model.W``: per U in the full potential U<n_d>_∞ (grey), on
the small-U grid of the extrapolation (random part of the potential, long chain) with the
quadratic fit, and the limit ξ_c^0 at U = 0 with its error.

Data: ``criterion`` (one file). Bands: jackknife errors over disorder realisations.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis.bundle import Bundle, cfg_get, status_strings, var
from . import style

__all__ = ["plot"]

_STABLE = "#cfe3f3"
_UNSTABLE = "#f6d5cf"
_LIMIT = "#1f4e79"
#: The paper's (W, U) points: W = 6.5 with U = 2.5 (spreads) and U = 12 (localised).
PAPER_POINTS = ((6.5, 2.5), (6.5, 12.0))


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
    uc = _boundaries(ax, crit, W, handles)
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
    (h,) = ax.plot(
        *zip(*PAPER_POINTS, strict=True),
        ls="none",
        marker="o",
        ms=8,
        mfc="none",
        mec="#c0392b",
        mew=0.9,
        label=r"paper: $W=6.5$, $U=2.5, 12$",
    )
    handles.append(h)
    ax.set_xlim(_edges(W)[0], _edges(W)[-1])
    ax.set_ylim(_edges(U)[0], _edges(U)[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(
        handles=handles,
        loc="upper right",
        frameon=True,
        framealpha=0.85,
        edgecolor="0.7",
        fontsize=5,
    )
    if uc is None or not np.any(np.isfinite(uc.values)):
        style.note(ax, "U_c(W) not available", where="bottom", make_room=False)


def _boundaries(ax: Axes, crit, W: np.ndarray, handles: list):
    """U_c(W) from the U -> 0 limit (solid, error band) and per U (dashed); returns U_c."""
    uc = var(crit, "U_c")
    if uc is not None and np.any(np.isfinite(uc.values)):
        limit = var(crit, "xi_c0_limit") is not None
        label = r"$U_c(W)$, $\xi_c^0=\lim_{U\to0}U^2\xi_c$" if limit else r"$U_c(W)$"
        (h,) = ax.plot(W, uc.values, color="k", lw=1.2, label=label)
        handles.append(h)
        err = var(crit, "U_c_err")
        if err is not None:
            style.band(ax, W, uc.values, err.values, "k", alpha=0.25)
    per_u = var(crit, "U_c_perU")
    if per_u is not None and np.any(np.isfinite(per_u.values)):
        (h,) = ax.plot(
            W,
            per_u.values,
            color="k",
            lw=0.9,
            ls="--",
            label=r"$U_c$ per $U$ ($U^2\xi_c$ at each $U$)",
        )
        handles.append(h)
    return uc


def _panel_c(ax: Axes, b: Bundle, W0: float) -> None:
    xlabel, ylabel = r"$U$", r"$U^2\xi_c$"
    crit = b.criterion
    per_u, small = var(crit, "xi_c0"), var(crit, "xi_c0_small")
    if per_u is None and small is None:
        style.empty_panel(ax, "no criterion file: U^2 xi_c not computed", xlabel, ylabel)
        return
    d = crit.sel(W=W0, method="nearest")
    Wd = float(d["W"])
    u_max = 12.5 if small is None else max(12.5, float(np.nanmax(d["U_small"].values)))
    if per_u is not None:
        U = d["U"].values.astype(float)
        y = d["xi_c0"].values.astype(float)
        e = (U**2 * d["xi_c_err"].values) if "xi_c_err" in d else np.full_like(y, np.nan)
        ok = np.isfinite(y) & (U > 0) & (U <= u_max)
        ax.errorbar(
            U[ok],
            y[ok],
            yerr=np.nan_to_num(e[ok]),
            color="0.55",
            marker="o",
            ms=2,
            lw=0.8,
            elinewidth=0.5,
            label=r"per $U$, full potential $U\langle n_d\rangle_\infty$",
        )
    if small is None:
        style.note(ax, "no U -> 0 limit in the criterion file (per-U values only)", "top")
    else:
        _limit_points(ax, d)
    ax.set_xlim(-0.3, 1.04 * u_max)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=5.5, title=rf"$W={Wd:g}$", title_fontsize=6)


def _limit_points(ax: Axes, d) -> None:
    """Small-U data, the quadratic fit (a + bU + cU²) and the limit a at U = 0."""
    Us = d["U_small"].values.astype(float)
    ys = d["xi_c0_small"].values.astype(float)
    es = d["xi_c0_small_err"].values.astype(float)
    ok = np.isfinite(Us) & np.isfinite(ys)
    ax.errorbar(
        Us[ok],
        ys[ok],
        yerr=np.nan_to_num(es[ok]),
        color=_LIMIT,
        marker="s",
        ms=2.5,
        ls="none",
        elinewidth=0.7,
        label="small $U$, random part (long chain)",
    )
    lim = float(d["xi_c0_limit"])
    lim_err = float(d["xi_c0_limit_err"]) if "xi_c0_limit_err" in d else float("nan")
    if ok.sum() >= 3 and np.isfinite(lim):
        w = 1.0 / es[ok] if np.all(es[ok] > 0) else None
        coef = np.polynomial.polynomial.polyfit(Us[ok], ys[ok], 2, w=w)
        uu = np.linspace(0.0, Us[ok].max(), 60)
        ax.plot(uu, np.polynomial.polynomial.polyval(uu, coef), color=_LIMIT, lw=0.8, ls=":")
        ax.errorbar(
            [0.0],
            [lim],
            yerr=[np.nan_to_num(lim_err)],
            color=_LIMIT,
            marker="D",
            ms=4,
            capsize=2,
            label=rf"$\xi_c^0 = {lim:.1f} \pm {lim_err:.1f}$ ($U\to0$, fit $a+bU+cU^2$)",
        )
    elif "U_c_status" in d:
        style.note(ax, f"no U -> 0 limit: {status_strings(d['U_c_status']).item()}", "top")


def plot(b: Bundle) -> Figure:
    """Draw the criterion figure from a loaded :class:`~mblbath.analysis.bundle.Bundle`."""
    fig = style.new_figure(style.TEXT_WIDTH, 2.7)
    axes = fig.subplots(1, 3)
    W0 = float(cfg_get(b.cfg, "model", "W", default=6.5))
    _panel_a(axes[0], b, W0)
    _panel_b(axes[1], b, W0)
    _panel_c(axes[2], b, W0)
    for ax, letter in zip(axes, "abc", strict=True):
        style.panel_label(ax, letter)
    return fig
