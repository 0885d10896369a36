r"""Fig. 5 (the long-time branch, not in the paper): saturation, log growth or power laws?

Rows: σ_c²(t), I_d(t) and S(L/2, t) on log axes, one column per U; disorder means ±
standard error for every source and size (colour: L; solid: exact, dashed: the branch's
TEBD runs, dotted: the main sweep's TEBD runs). Overlaid, the fits of the late window at
the exact size with the most realisations: the paper's form (arXiv:2109.07332:
saturation, Eq. (4), for σ_c² and I_d; logarithmic growth for S) in black, the
counterpoint's power law (arXiv:2212.07107) in red; the panel names the form the AIC
prefers there, the AIC gap to the next and the share of resamples it wins. The dotted
vertical line marks the paper's T = 200; ticks at the right edge mark the
diagonal-ensemble (t = ∞) values of the smallest exact size. Bottom row: the power-law
exponent β of each observable against L, fitted in the window common to all sizes
(filled) and in the late window (open): the finite-size drift.

Inputs: the observables (``long_obs``) and fits (``long_fit``) files of
:mod:`mblbath.analysis.long_observables` and :mod:`mblbath.analysis.long_times`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..analysis.bundle import open_all, sel_u, u_values
from . import style

__all__ = ["plot", "plot_files", "Source", "T_PAPER", "PAPER_FORM"]

#: The paper's final time (arXiv:2109.07332), marked in every panel.
T_PAPER = 200.0
#: The paper's prediction for each observable (the counterpoint's is the power law).
PAPER_FORM = {"sigma2_c": "saturation", "imbalance_d": "saturation", "S_half": "log"}
_ROWS = {
    "sigma2_c": r"$\sigma_c^2(t)$",
    "imbalance_d": r"$I_d(t)$",
    "S_half": r"$S(L/2, t)$",
}
_STYLE = {"exact": "-", "tebd": "--", "sweep": ":"}
_MARK = {"sigma2_c": "o", "imbalance_d": "s", "S_half": "^"}


@dataclass
class Source:
    """The observables (and fits, if any) of one source at one size."""

    kind: str
    L: int
    obs: xr.Dataset
    fit: xr.Dataset | None


def _kind(ds: xr.Dataset) -> str:
    return str(ds.attrs.get("source", "exact")).split("_", 1)[0]


def load_sources(obs_paths: Sequence[str], fit_paths: Sequence[str]) -> list[Source]:
    """Pair every observables file with the fit file of the same source and size."""
    fits = {(str(f.attrs.get("source")), int(f.attrs.get("L", -1))): f for f in open_all(fit_paths)}
    out = []
    for ds in open_all(obs_paths):
        key = (str(ds.attrs.get("source")), int(ds.attrs["L"]))
        out.append(Source(_kind(ds), key[1], ds, fits.get(key)))
    return out


def plot_files(obs_paths: Sequence[str], fit_paths: Sequence[str]) -> Figure:
    """:func:`plot` of the given files."""
    return plot(load_sources(obs_paths, fit_paths))


def _columns(sources: list[Source]) -> list[float]:
    """U of the exact and branch TEBD sources (the sweep's U > 0 if there are none)."""
    us = {u for s in sources if s.kind != "sweep" for u in u_values(s.obs)}
    if not us:
        us = {u for s in sources for u in u_values(s.obs) if u > 0}
    return sorted(us)


def plot(sources: list[Source]) -> Figure:
    """Draw Fig. 5 from loaded sources (see the module docstring)."""
    Us = _columns(sources)
    ncol = max(1, len(Us))
    fig = style.new_figure(style.TEXT_WIDTH, 7.6)
    axes = fig.subplots(len(_ROWS) + 1, ncol, squeeze=False)
    if not Us:
        for ax in axes.ravel():
            style.empty_panel(ax, "no long-time observables in the inputs")
        return fig
    L_all = sorted({s.L for s in sources})
    exact = [s for s in sources if s.kind == "exact"]
    # fits overlaid: the exact size with the most realisations (the larger L on a tie)
    ref = max(exact, key=lambda s: (s.obs.sizes.get("seed", 0), s.L)) if exact else None
    de = min(exact, key=lambda s: s.L) if exact else None
    for j, U in enumerate(Us):
        for i, name in enumerate(_ROWS):
            ax = axes[i, j]
            _data_panel(ax, sources, name, U, L_all)
            if ref is not None:
                _overlay(ax, ref, name, U)
            if de is not None:
                _infinite_ticks(ax, de, name, U)
            ax.axvline(T_PAPER, color="0.5", ls=":", lw=0.8)
            ax.set_ylabel(_ROWS[name] if j == 0 else "")
            if i == 0:
                ax.set_title(style.u_label(U))
        axes[len(_ROWS) - 1, j].set_xlabel(style.T_LABEL)
        _drift_panel(axes[-1, j], sources, U)
    _legend(axes[0, 0], sources, L_all)
    return fig


def _positive(t: np.ndarray, y: np.ndarray, e: np.ndarray):
    ok = (t > 0) & np.isfinite(y) & (y > 0)
    return t[ok], y[ok], e[ok]


def _data_panel(ax: Axes, sources: list[Source], name: str, U: float, L_all) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    drawn = False
    for s in sources:
        mean = sel_u(s.obs.get(f"{name}_mean"), U)
        if mean is None:
            continue
        sem = sel_u(s.obs[f"{name}_sem"], U).values.astype(float)
        t, y, e = _positive(s.obs["time"].values.astype(float), mean.values.astype(float), sem)
        if t.size == 0:
            continue
        color = style.l_color(s.L, L_all)
        ax.plot(t, y, color=color, ls=_STYLE.get(s.kind, "-"), lw=0.9)
        style.band(ax, t, y, e, color, log=True, alpha=0.2)
        drawn = True
    if not drawn:
        style.note(ax, f"no {name} at U = {U:g}")


def _fit_at(fit: xr.Dataset | None, name: str, U: float, window: str = "late"):
    if fit is None or name not in fit["quantity"].values:
        return None
    f = sel_u(fit.sel(window=window, quantity=name), U)
    return f


def _overlay(ax: Axes, ref: Source, name: str, U: float) -> None:
    """The paper's form (black) and the power law (red) at the largest exact size."""
    f = _fit_at(ref.fit, name, U)
    if f is None:
        return
    t = f["time"].values.astype(float)
    inside = (t >= float(f["t_lo"]) * (1 - 1e-9)) & (t <= float(f["t_hi"]) * (1 + 1e-9))
    for form, color, ls in ((PAPER_FORM[name], "k", "--"), ("power", "tab:red", "-.")):
        y = f["model"].sel(form=form).values.astype(float)
        ok = inside & np.isfinite(y) & (y > 0)
        ax.plot(t[ok], y[ok], color=color, ls=ls, lw=0.9, zorder=5)
    best = str(f["best_form"].values)
    dA = float(f["delta_aic"])
    frac = f["select_frac"].sel(form=best).values if best in f["form"].values else np.nan
    text = f"L={ref.L}: {best}"
    if np.isfinite(dA):
        text += f", ΔAIC {dA:.2g}" + (f", {100 * float(frac):.0f}%" if np.isfinite(frac) else "")
    y, va = (0.97, "top") if name == "imbalance_d" else (0.03, "bottom")
    ax.text(0.98, y, text, transform=ax.transAxes, ha="right", va=va, fontsize=5.5,
            style="italic", color="0.25")  # fmt: skip


def _infinite_ticks(ax: Axes, de: Source, name: str, U: float) -> None:
    """Diagonal-ensemble value of the smallest exact size, as a tick at the right edge."""
    inf = sel_u(de.obs.get(f"{name}_inf"), U)
    if inf is None:
        return
    v = np.asarray(inf.values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and v.mean() > 0:
        ax.plot([0.97, 1.0], [v.mean()] * 2, color="k", lw=2, transform=ax.get_yaxis_transform())


def _drift_panel(ax: Axes, sources: list[Source], U: float) -> None:
    """β of the power law against L in the common (filled) and late (open) windows."""
    drawn = False
    for k, name in enumerate(_ROWS):
        for window, face in (("common", None), ("late", "none")):
            Ls, b, e = [], [], []
            for s in sorted(sources, key=lambda s: s.L):
                f = _fit_at(s.fit, name, U, window)
                if f is None or s.kind == "sweep":
                    continue
                Ls.append(s.L + 0.25 * (k - 1))
                b.append(float(f["params"].sel(form="power", param="p2")))
                e.append(float(f["params_err"].sel(form="power", param="p2")))
            if np.any(np.isfinite(b)):
                color = f"C{k}"
                ax.errorbar(
                    Ls,
                    b,
                    yerr=e,
                    color=color,
                    marker=_MARK[name],
                    ls="none",
                    mfc=face or color,
                    label=_ROWS[name] if window == "common" else None,
                )
                drawn = True
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel(r"$L$")
    ax.set_ylabel(r"power-law $\beta$")
    if drawn:
        from matplotlib.lines import Line2D

        handles, _ = ax.get_legend_handles_labels()
        handles += [
            Line2D([], [], color="0.4", marker="o", ls="none", label="common window"),
            Line2D([], [], color="0.4", marker="o", mfc="none", ls="none", label="late window"),
        ]
        ax.legend(handles=handles, loc="best", fontsize=5.0)
    else:
        style.note(ax, "no power-law fits at this U")


def _legend(ax: Axes, sources: list[Source], L_all) -> None:
    from matplotlib.lines import Line2D

    seen = sorted({(s.kind, s.L) for s in sources}, key=lambda p: (p[1], p[0]))
    handles = [
        Line2D(
            [], [], color=style.l_color(L, L_all), ls=_STYLE.get(kind, "-"), label=f"L={L} {kind}"
        )
        for kind, L in seen
    ]
    handles += [
        Line2D([], [], color="k", ls="--", label="paper's form (fit)"),
        Line2D([], [], color="tab:red", ls="-.", label="power law (fit)"),
    ]
    ax.figure.legend(handles=handles, loc="outside upper center", fontsize=6.0, ncol=6)
