"""Shared look of every mblbath figure: rcParams, colour maps, panel labels, notes, saving.

All figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global
backend switch) inside :func:`context`, which applies :data:`RC` only while the figure is
drawn and saved. Sizes follow a two-column journal (PRB): :data:`TEXT_WIDTH` = 7.0 in for
multi-panel figures, :data:`COLUMN_WIDTH` = 3.4 in for single-panel ones.

Colour conventions, the same in every figure:

- interaction ``U``: U = 0 (the Anderson reference) is grey; U > 0 runs through
  :data:`CMAP_U` by rank, so every U of a sweep gets a distinct colour;
- time ``t``: :data:`CMAP_T` on a logarithmic norm (see :func:`time_norm`);
- system size ``L``: a fixed qualitative palette :data:`L_COLORS` with :data:`L_MARKERS`.

:func:`save` writes the PDF and the PNG (150 dpi) with the provenance of the figure in the
file metadata: PDF ``Subject``/``Keywords``/``Creator``; PNG text chunks ``config_hash``,
``git_commit``, ``Creator``, ``Description`` (read back with ``PIL.Image.open(p).text``).
"""

from __future__ import annotations

import contextlib
import logging
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, LogNorm, Normalize
from matplotlib.figure import Figure

__all__ = [
    "RC",
    "TEXT_WIDTH",
    "COLUMN_WIDTH",
    "PNG_DPI",
    "CMAP_U",
    "CMAP_T",
    "L_COLORS",
    "L_MARKERS",
    "U0_COLOR",
    "T_LABEL",
    "context",
    "new_figure",
    "u_color",
    "u_label",
    "l_color",
    "l_marker",
    "time_norm",
    "time_colors",
    "panel_label",
    "note",
    "empty_panel",
    "provenance_text",
    "save",
    "band",
    "inset",
    "dashed_handle",
    "plain_log_axis",
    "tidy_log_axes",
    "inset_note",
    "time_colorbar",
]

#: Two-column figure width (inches), PRB text width.
TEXT_WIDTH = 7.0
#: One-column figure width (inches).
COLUMN_WIDTH = 3.4
#: Resolution of the PNG outputs.
PNG_DPI = 150

#: Colour map of the interaction U > 0 (sampled by rank in [0.05, 0.85], avoiding pale yellow).
CMAP_U: Colormap = mpl.colormaps["plasma"]
#: Colour map of time (log norm).
CMAP_T: Colormap = mpl.colormaps["viridis"]
#: Colour of the Anderson reference U = 0.
U0_COLOR = "0.45"
#: Qualitative colours of the system sizes, by rank of L (Dark2).
L_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")
#: Markers of the system sizes, by rank of L.
L_MARKERS = ("o", "s", "^", "D", "v", "p")
#: Time axis label (time in units of the inverse d-boson hopping, hbar = 1).
T_LABEL = r"$t\ [1/t_d]$"

#: rcParams of every figure: serif (STIX) text and math, 8 pt, inward ticks on all sides.
RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "font.size": 8.0,
    "axes.labelsize": 8.0,
    "axes.titlesize": 8.0,
    "legend.fontsize": 6.5,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "lines.markersize": 3.0,
    "errorbar.capsize": 1.5,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "xtick.major.size": 3.0,
    "ytick.major.size": 3.0,
    "xtick.minor.size": 1.5,
    "ytick.minor.size": 1.5,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "legend.borderaxespad": 0.3,
    "legend.labelspacing": 0.25,
    "legend.handletextpad": 0.4,
    "legend.columnspacing": 0.8,
    "figure.dpi": 100,
    "savefig.dpi": PNG_DPI,
    "figure.constrained_layout.h_pad": 0.02,
    "figure.constrained_layout.w_pad": 0.02,
    "pdf.fonttype": 42,
    "axes.formatter.use_mathtext": True,
    "image.cmap": "viridis",
}


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Apply :data:`RC` for the duration of the block (figure creation, drawing, saving)."""
    with mpl.rc_context(RC):
        yield


def new_figure(width: float = TEXT_WIDTH, height: float = 2.6) -> Figure:
    """A constrained-layout figure of the given size (inches), independent of pyplot."""
    return Figure(figsize=(width, height), layout="constrained")


def _finite_sorted(values: Iterable[float]) -> list[float]:
    return sorted({float(v) for v in values if np.isfinite(v)})


def u_color(U: float, U_all: Sequence[float]) -> Any:
    """Colour of interaction ``U`` within the sweep ``U_all`` (U = 0 grey, else by rank)."""
    if abs(float(U)) < 1e-12:
        return U0_COLOR
    pos = [u for u in _finite_sorted(U_all) if u > 1e-12]
    if float(U) not in pos:
        pos = _finite_sorted([*pos, float(U)])
    k = pos.index(float(U))
    frac = 0.45 if len(pos) == 1 else 0.05 + 0.8 * k / (len(pos) - 1)
    return CMAP_U(frac)


def u_label(U: float) -> str:
    """Legend label of an interaction strength, e.g. ``$U=2.5$``."""
    return rf"$U={float(U):g}$"


def l_color(L: int, L_all: Sequence[int]) -> str:
    """Colour of system size ``L`` by rank within ``L_all``."""
    ranks = sorted({int(v) for v in L_all} | {int(L)})
    return L_COLORS[ranks.index(int(L)) % len(L_COLORS)]


def l_marker(L: int, L_all: Sequence[int]) -> str:
    """Marker of system size ``L`` by rank within ``L_all``."""
    ranks = sorted({int(v) for v in L_all} | {int(L)})
    return L_MARKERS[ranks.index(int(L)) % len(L_MARKERS)]


def time_norm(times: Sequence[float]) -> Normalize:
    """Logarithmic norm spanning the positive ``times`` (linear if there is only one)."""
    t = np.asarray([v for v in times if np.isfinite(v) and v > 0], dtype=float)
    if t.size == 0:
        return Normalize(0.0, 1.0)
    lo, hi = float(t.min()), float(t.max())
    if hi <= lo * (1 + 1e-9):
        return Normalize(lo * 0.5, hi * 1.5)
    return LogNorm(lo, hi)


def time_colors(times: Sequence[float]) -> tuple[list[Any], Normalize]:
    """Colours of ``times`` on :data:`CMAP_T` (log norm), and the norm (for a colour bar)."""
    norm = time_norm(times)
    return [CMAP_T(float(norm(t))) for t in times], norm


def panel_label(ax: Axes, letter: str) -> None:
    """Label a panel '(a)', '(b)', ... as a left-aligned bold title (never over the data)."""
    ax.set_title(f"({letter})", loc="left", fontweight="bold", pad=3)


_NOTE_POS = {
    "center": (0.5, 0.5, "center", "center", 1.0),
    "top": (0.5, 0.97, "center", "top", 1.0),
    "bottom": (0.5, 0.03, "center", "bottom", 1.0),
    "top right": (0.98, 0.97, "right", "top", 0.42),
    "top left": (0.02, 0.97, "left", "top", 0.55),
    "bottom right": (0.98, 0.03, "right", "bottom", 0.55),
    "bottom left": (0.02, 0.03, "left", "bottom", 0.55),
}


def note(ax: Axes, text: str, where: str = "center", make_room: bool = True) -> None:
    """Write an in-panel note (missing input, fit failure) in grey italics.

    ``where`` is 'center', 'top', 'bottom', 'top right', 'top left', 'bottom right' or
    'bottom left'. The text is wrapped to the panel (or half-panel, in a corner) width,
    estimated from the grid position. Unless ``make_room`` is False, a note at the top or
    bottom extends the y-range so that the band it occupies holds no data: call it after
    the data are drawn and the limits set.
    """
    x, y, ha, va, frac = _NOTE_POS[where]
    fs = 6.5
    pos = ax.get_position()
    width_in = pos.width * ax.figure.get_figwidth() * frac
    n_chars = max(16, int(0.92 * width_in * 72 / (0.45 * fs)))
    lines = [
        ln
        for p in str(text).split("\n")
        for ln in textwrap.wrap(p, n_chars, break_on_hyphens=False) or [""]
    ]
    ax.text(
        x,
        y,
        "\n".join(lines),
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=fs,
        style="italic",
        color="0.25",
        zorder=10,
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.7", "lw": 0.5, "alpha": 0.9},
    )
    if make_room and va in ("top", "bottom"):
        height_pt = pos.height * ax.figure.get_figheight() * 72
        room = min(0.45, (len(lines) * 1.25 * fs + 8) / max(height_pt, 1.0) + 0.03)
        _make_room(ax, room, top=(va == "top"))


def inset_note(ins: Axes, text: str, y: float = 0.5, clear: bool = True) -> None:
    """A small grey note inside an inset (no data to draw); ``clear`` removes its ticks."""
    if clear:
        ins.set_xticks([])
        ins.set_yticks([])
    ins.text(
        0.5,
        y,
        text,
        transform=ins.transAxes,
        ha="center",
        va="center",
        fontsize=5.5,
        style="italic",
        color="0.3",
        wrap=True,
    )


def _make_room(ax: Axes, room: float, top: bool) -> None:
    """Extend the y-limits so the current range fills only 1 - room of the axes."""
    lo, hi = ax.get_ylim()
    log = ax.get_yscale() == "log"
    if log:
        if lo <= 0 or hi <= 0:
            return
        lo, hi = np.log10(lo), np.log10(hi)
    span = (hi - lo) / (1 - room)
    lo, hi = (lo, lo + span) if top else (hi - span, hi)
    ax.set_ylim(*(10 ** np.array([lo, hi]) if log else (lo, hi)))


def empty_panel(ax: Axes, text: str, xlabel: str = "", ylabel: str = "") -> None:
    """A panel with no data: keep the axis labels, hide the ticks, explain why in a note."""
    ax.set_xticks([])
    ax.set_yticks([])
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    note(ax, text)


def _version() -> str:
    try:
        return _metadata.version("mblbath")
    except _metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "unknown"


def provenance_text(meta: dict[str, Any]) -> tuple[str, str]:
    """``(config_hash, git_commit)`` of ``meta`` as strings ('unknown' when absent)."""
    return str(meta.get("config_hash") or "unknown"), str(meta.get("git_commit") or "unknown")


def save(fig: Figure, out_pdf: str | Path, out_png: str | Path, meta: dict, name: str) -> None:
    """Save ``fig`` as PDF and PNG with provenance metadata.

    PDF: ``Title``, ``Subject`` (config hash and commit), ``Keywords`` (``config_hash=...;
    git_commit=...``), ``Creator`` (module and package version); ``CreationDate`` is omitted
    so that equal inputs give equal files. PNG (``PNG_DPI``): text chunks ``Title``,
    ``config_hash``, ``git_commit``, ``Creator``, ``Description``.
    """
    chash, commit = provenance_text(meta)
    creator = f"mblbath.figures.{name} (mblbath {_version()})"
    title = f"mblbath {name}: arXiv:2109.07332 reproduction"
    keywords = f"config_hash={chash}; git_commit={commit}; figure={name}"
    for out in (out_pdf, out_png):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    tidy_log_axes(fig)
    # Type-42 font embedding subsets the fonts with fontTools, which logs every table at INFO
    # level into the rule logs when the CLI enables INFO logging: keep that quiet.
    ft_log = logging.getLogger("fontTools")
    level = ft_log.level
    ft_log.setLevel(max(level, logging.WARNING))
    try:
        _savefig(fig, out_pdf, out_png, title, chash, commit, keywords, creator)
    finally:
        ft_log.setLevel(level)


def _savefig(fig, out_pdf, out_png, title, chash, commit, keywords, creator) -> None:
    fig.savefig(
        out_pdf,
        format="pdf",
        metadata={
            "Title": title,
            "Subject": f"config_hash {chash}, git_commit {commit}",
            "Keywords": keywords,
            "Creator": creator,
            "CreationDate": None,
        },
    )
    fig.savefig(
        out_png,
        format="png",
        dpi=PNG_DPI,
        metadata={
            "Title": title,
            "config_hash": chash,
            "git_commit": commit,
            "Creator": creator,
            "Description": keywords,
        },
    )


def band(ax: Axes, x: Any, y: Any, err: Any, color: Any, log: bool = False, **kw: Any) -> None:
    """Shaded ``y +- err`` band (skipped where ``err`` is not finite).

    On a log axis the lower edge is clipped to ``y / 10`` so it never reaches zero.
    """
    x, y, err = (np.asarray(v, dtype=float) for v in (x, y, err))
    if err.shape != y.shape or not np.any(np.isfinite(err)):
        return
    lo, hi = y - err, y + err
    if log:
        lo = np.maximum(lo, y / 10)
    ok = np.isfinite(lo) & np.isfinite(hi)
    ax.fill_between(
        x,
        np.where(ok, lo, np.nan),
        np.where(ok, hi, np.nan),
        color=color,
        alpha=kw.pop("alpha", 0.25),
        lw=0,
        **kw,
    )


def inset(ax: Axes, bounds: Sequence[float]) -> Axes:
    """An inset axes at ``bounds`` = [x0, y0, w, h] (axes fraction) with smaller fonts."""
    ins = ax.inset_axes(list(bounds))
    ins.tick_params(labelsize=6, length=2, pad=1.5)
    ins.xaxis.label.set_size(6.5)
    ins.yaxis.label.set_size(6.5)
    ins.xaxis.labelpad = 1
    ins.yaxis.labelpad = 0.5
    return ins


def dashed_handle(label: str, color: Any = "k") -> Any:
    """Legend proxy for a dashed model curve."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, ls="--", lw=1.0, label=label)


def plain_log_axis(axis: Any) -> None:
    """Log axis with ticks at 1, 2, 5 x 10^k written as plain numbers (for short ranges)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def tidy_log_axes(fig: Figure) -> None:
    """No overlapping minor tick labels on log axes: short ranges (< 2 decades) get plain
    1-2-5 ticks, longer ones only decade labels."""
    from matplotlib.ticker import NullFormatter

    for ax in fig.axes:
        for axis, scale, lim in (
            (ax.xaxis, ax.get_xscale(), ax.get_xlim()),
            (ax.yaxis, ax.get_yscale(), ax.get_ylim()),
        ):
            if scale != "log":
                continue
            lo, hi = sorted(lim)
            if lo > 0 and hi / lo < 100:
                plain_log_axis(axis)
            else:
                axis.set_minor_formatter(NullFormatter())


def time_colorbar(ax: Axes, norm: Normalize, label: str = T_LABEL) -> Any:
    """Colour bar of time next to ``ax`` (plain-number ticks on a log norm)."""
    from matplotlib.cm import ScalarMappable

    cb = ax.figure.colorbar(
        ScalarMappable(norm=norm, cmap=CMAP_T), ax=ax, pad=0.01, aspect=25, fraction=0.06
    )
    cb.set_label(label, labelpad=1)
    cb.ax.tick_params(labelsize=6, length=2)
    if isinstance(norm, LogNorm):
        plain_log_axis(cb.ax.yaxis)
    return cb
