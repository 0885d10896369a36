"""Tables, figure and the choice of numerics from the frontier benchmark's CSV.

Per part (size, T), U and setting, the realisations are combined: cost = mean CPU seconds
(evolution + measurements), errors and error ratios = the worst realisation.

- ``worst{n}``: the largest ``|error| / sigma_n`` over n_c, n_d, C_dd where ``|mean C| > 1e-6``
  (``cdd6``), S(L/2) and S, ``n`` = 4 or 16 realisations (:mod:`benchmarks.frontier_errors`).
- ``tail{n}``: the same for C_dd down to the ℓ_d fit's floor ``|mean C| > 1e-8`` (``cdd``),
  reported apart: those far-pair correlations are where truncation shows first.
- A setting is on the *frontier* of an observable if no other setting of the same part and
  U is both cheaper and more accurate for it.
- The *choice* for each (U, L, T) is the cheapest setting with ``worst16 <= FRACTION``:
  the numerical error stays below a tenth of the error bar of a 16-realisation disorder mean
  at every point of the fit windows (a per-U or per-L setting is allowed).
- *Equal accuracy* (the 3x goal of issue #19): per U, the cheapest setting whose every
  ``ratio16`` is at most the default's in every part of that U.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "FRACTION",
    "load",
    "summarize",
    "frontier",
    "choose",
    "choose_equal",
    "markdown",
    "plot",
]

#: Numerical error allowed, as a fraction of the claims' error bars (see benchmarks/README).
FRACTION = 0.1
#: Ratios entering ``worst{n}`` (C_dd with the 1e-6 window); ``tail{n}`` is ``cdd``.
MAIN = ("nc", "nd", "cdd6", "Shalf", "S")
_LABEL = {
    "nc": "n_c",
    "nd": "n_d",
    "cdd": "C_dd",
    "cdd6": "C_dd",
    "Shalf": "S(L/2)",
    "S": "S (all bonds)",
}
_DEFAULT = "chi128_o2_dt0.05_svd1e-10"
_GROUP = ["part", "L", "T", "U"]
#: Last time of the aggregates that give the error bars (the default config's T).
T_SIGMA = 20.0


def load(path: str | Path) -> pd.DataFrame:
    """The benchmark's CSV."""
    return pd.read_csv(path)


def summarize(df: pd.DataFrame, t_sigma: float = T_SIGMA) -> pd.DataFrame:
    """One row per (part, L, T, U, setting): mean cost, worst error and ratio over seeds.

    Ratios of parts longer than ``t_sigma`` (the aggregates' last time) are dropped: there are
    no error bars at their later times (the long part is judged by absolute errors).
    """
    cand = df[df["role"] == "candidate"].copy()
    ratio_cols = [c for c in cand.columns if c.startswith("ratio")]
    cand.loc[cand["T"] > t_sigma + 1e-9, ratio_cols] = np.nan
    agg: dict[str, str] = {
        "cpu_s": "mean",
        "evol_cpu_s": "mean",
        "meas_cpu_s": "mean",
        "cdd_cpu_s": "mean",
        "wall_s": "mean",
        "n_meas": "max",
        "chi_peak": "max",
        "trunc_err": "max",
        "seed": "count",
    }
    agg.update({c: "max" for c in cand.columns if c.startswith(("err_", "ratio"))})
    out = cand.groupby([*_GROUP, "setting"], sort=False).agg(agg).reset_index()
    out = out.rename(columns={"seed": "n_real"})
    for n in (4, 16):
        cols = [f"ratio{n}_{o}" for o in MAIN if f"ratio{n}_{o}" in out]
        out[f"worst{n}"] = out[cols].max(axis=1) if cols else np.nan
        out[f"tail{n}"] = out.get(f"ratio{n}_cdd", np.nan)
    base = out[out["setting"] == _DEFAULT].set_index(_GROUP)["cpu_s"]
    idx = pd.MultiIndex.from_frame(out[_GROUP])
    out["cost_rel"] = out["cpu_s"].to_numpy() / base.reindex(idx).to_numpy()
    return out


def _metric(g: pd.DataFrame, obs: str, n: int = 16) -> str:
    """Column measuring ``obs`` in group ``g``: ``ratio{n}_obs`` if it has error bars, else
    the absolute error (``cdd6`` falls back to ``err_cdd``)."""
    col = f"ratio{n}_{obs}"
    if col in g and np.isfinite(g[col].to_numpy(dtype=float)).any():
        return col
    return "err_cdd" if obs == "cdd6" else f"err_{obs}"


def frontier(summary: pd.DataFrame, obs: str, n: int = 16) -> pd.Series:
    """Whether each row is on the error-cost frontier of ``obs`` within its (part, U).

    The error is ``|error| / sigma_n`` where the part has error bars, else ``|error|``
    (:func:`_metric`): no other setting of the group is both cheaper and more accurate.
    """
    flags = pd.Series(False, index=summary.index)
    for _, g in summary.groupby(_GROUP):
        col = _metric(g, obs, n)
        best = np.inf
        for i, err in g.sort_values(["cpu_s", col])[col].items():
            if err < best:
                flags[i] = True
                best = err
    return flags


def _cost_part(g: pd.DataFrame) -> pd.DataFrame:
    """Rows of the part whose CPU decides: largest L among the shortest T."""
    main = g[g["T"] == g["T"].min()]
    return main[main["L"] == main["L"].max()].set_index("setting")


def choose(summary: pd.DataFrame, fraction: float = FRACTION, n: int = 16) -> pd.DataFrame:
    """Per (U, L, T): the cheapest setting with ``worst{n} <= fraction``.

    Returns one row per (U, L, T): ``setting`` (if none qualifies, the most accurate one,
    with ``qualifies`` False), its cost relative to the default, its worst ratio and C_dd tail
    ratio, and the default's.
    """
    rows = []
    for (U, L, T), g in summary.groupby(["U", "L", "T"]):
        g = g.set_index("setting")
        if not np.isfinite(g[f"worst{n}"]).any():
            continue  # no error bars (a part longer than the aggregates)
        good = g[g[f"worst{n}"] <= fraction]
        best = good["cpu_s"].idxmin() if len(good) else g[f"worst{n}"].idxmin()
        d = g.loc[_DEFAULT] if _DEFAULT in g.index else None
        rows.append(
            {
                "U": U,
                "L": int(L),
                "T": T,
                "part": g["part"].iloc[0],
                "n": n,
                "setting": best,
                "qualifies": bool(len(good)),
                "cost_rel": g.loc[best, "cost_rel"],
                "worst": g.loc[best, f"worst{n}"],
                "tail": g.loc[best, f"tail{n}"],
                "default_worst": np.nan if d is None else d[f"worst{n}"],
                "default_tail": np.nan if d is None else d[f"tail{n}"],
            }
        )
    return pd.DataFrame(rows)


def _as_accurate(mine: pd.Series, base: pd.Series, n: int, fraction: float) -> bool:
    """Whether one (part, U) row is at least as accurate as the default's row ``base``.

    With error bars: every ``ratio{n}`` at most the default's or at most ``fraction``;
    without (a part longer than the aggregates): every absolute error at most the default's.
    """
    ratios = [f"ratio{n}_{o}" for o in (*MAIN, "cdd") if f"ratio{n}_{o}" in mine.index]
    if ratios and np.isfinite(base[ratios].to_numpy(dtype=float)).all():
        m, b = mine[ratios].to_numpy(dtype=float), base[ratios].to_numpy(dtype=float)
        return bool((m <= np.maximum(b, fraction)).all())
    errs = [f"err_{o}" for o in ("nc", "nd", "cdd", "Shalf", "S")]
    return bool((mine[errs].to_numpy(dtype=float) <= base[errs].to_numpy(dtype=float)).all())


def choose_equal(summary: pd.DataFrame, n: int = 16, fraction: float = FRACTION) -> pd.DataFrame:
    """Per U: the cheapest setting at least as accurate as today's default, observable by
    observable (:func:`_as_accurate`), in every part of that U: "equal accuracy" of issue
    #19's 3x goal. Cost is compared in the part of :func:`_cost_part`.
    """
    rows = []
    for U, g in summary.groupby("U"):
        main = _cost_part(g)
        if _DEFAULT not in main.index:
            continue
        ref = g[g["setting"] == _DEFAULT].set_index(_GROUP)
        good = []
        for s, h in g.groupby("setting"):
            h = h.set_index(_GROUP)
            if s == _DEFAULT or s not in main.index or len(h) != len(ref):
                continue
            if all(_as_accurate(h.loc[k], ref.loc[k], n, fraction) for k in ref.index):
                good.append(s)
        best = min(good, key=lambda s: main.loc[s, "cpu_s"]) if good else ""
        rows.append(
            {
                "U": U,
                "L": int(main["L"].iloc[0]),
                "T": main["T"].iloc[0],
                "setting": best,
                "cost_rel": main.loc[best, "cost_rel"] if best else np.nan,
                "parts": ",".join(sorted(g["part"].unique())),
            }
        )
    return pd.DataFrame(rows)


def _fmt(x: float, spec: str = ".1e") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def _cell(s: pd.DataFrame, part: str, U: float, setting: str, col: str, spec: str) -> str:
    m = s[(s["part"] == part) & (s["U"] == U) & (s["setting"] == setting)]
    return _fmt(float(m[col].iloc[0]), spec) if len(m) else ""


def summary_table(s: pd.DataFrame) -> list[str]:
    """Settings of the L = 24 part (else L = 18): cost there and worst ratio in every part."""
    part = "L24" if (s["part"] == "L24").any() else s.loc[s["L"].idxmax(), "part"]
    main = s[(s["part"] == part)]
    U0 = main["U"].iloc[0]
    cols = [(p, U) for (p, U), _ in s.groupby(["part", "U"], sort=False)]
    head = " | ".join(f"{p} U={U:g}" for p, U in cols)
    out = [
        f"Cost: mean CPU s per run in part {part} (U = {U0:g}); err/σ₁₆: worst |error| / error "
        f"bar of a 16-realisation mean over n_c, n_d, C_dd (|C| > 1e-6), S (✓: <= {FRACTION}); "
        "tail: C_dd down to the ℓ_d fit's 1e-8 floor.\n",
        f"| setting | CPU s | vs default | chi | {head} | tail {part} |",
        "|---|---|---|---|" + "---|" * len(cols) + "---|",
    ]
    for _, r in main[main["U"] == U0].sort_values("cpu_s").iterrows():
        cells = []
        for p, U in cols:
            c = _cell(s, p, U, r["setting"], "worst16", ".2f")
            cells.append(c + (" ✓" if c not in ("", "–") and float(c) <= FRACTION else ""))
        out.append(
            f"| `{r['setting']}` | {r['cpu_s']:.1f} | {r['cost_rel']:.2f} | {int(r['chi_peak'])} "
            f"| {' | '.join(cells)} | {_fmt(r['tail16'], '.2f')} |"
        )
    return out


def part_table(g: pd.DataFrame, marks: dict[str, pd.Series]) -> list[str]:
    """Every setting of one (part, U): cost, chi, discarded weight, errors, ratios."""
    out = [
        "| setting | CPU s | vs default | evol / meas / C_dd s | chi | discarded | err n_c "
        "| err n_d | err C_dd | err S(L/2) | err/σ₄ | err/σ₁₆ | tail/σ₁₆ | frontier |",
        "|" + "---|" * 14,
    ]
    for i, r in g.sort_values("cpu_s").iterrows():
        front = ",".join(_LABEL[o] for o in marks if marks[o][i])
        ok = " ✓" if r["worst16"] <= FRACTION else ""
        split = f"{r['evol_cpu_s']:.1f} / {r['meas_cpu_s']:.1f} / {r['cdd_cpu_s']:.1f}"
        out.append(
            f"| `{r['setting']}` | {r['cpu_s']:.1f} | {r['cost_rel']:.2f} | {split} "
            f"| {int(r['chi_peak'])} | {_fmt(r['trunc_err'])} | {_fmt(r['err_nc'])} "
            f"| {_fmt(r['err_nd'])} | {_fmt(r['err_cdd'])} | {_fmt(r['err_Shalf'])} "
            f"| {_fmt(r['worst4'], '.2f')} | {_fmt(r['worst16'], '.2f')}{ok} "
            f"| {_fmt(r['tail16'], '.2f')} | {front} |"
        )
    return out


def sem_table(aggregates: Path, Ls: tuple[int, ...] = (12, 18, 24)) -> list[str]:
    """Median (and 90th percentile) SEM of the disorder means over the fit windows, t >= 1.

    From the default config's aggregates (``n_agg`` realisations); the SEM with ``n``
    realisations is ``sqrt(n_agg / n)`` times these (n = 16: half of n = 4).
    """
    from .frontier_errors import sigma_table

    out = [
        "| L | U | n | n_c | n_d | C_dd (abs mean > 1e-6) | S(L/2) |",
        "|---|---|---|---|---|---|---|",
    ]
    for L in Ls:
        path = Path(aggregates) / f"L{L}.nc"
        if not path.exists():
            continue
        for U in (0.0, 2.5, 12.0):
            sig = sigma_table(path, U)
            half = L // 2 - 1
            cells = []
            for key in ("sem_nc", "sem_nd", "sem_cdd6", "sem_S"):
                a = np.asarray(sig[key])
                a = a[:, half] if key == "sem_S" else a
                a = a[np.isfinite(a)]
                cells.append(f"{np.median(a):.1e} ({np.percentile(a, 90):.1e})" if a.size else "–")
            out.append(f"| {L} | {U:g} | {sig['n_seeds']} | {' | '.join(cells)} |")
    return out


def markdown(df: pd.DataFrame, fraction: float = FRACTION, details: bool = True) -> str:
    """Markdown: the summary table, the choice per U, then one table per (part, U)."""
    s = summarize(df)
    out = ["**Summary**\n", *summary_table(s)]
    out.append(
        f"\n**Choice** per (U, L, T): cheapest setting with err/σ₁₆ <= {fraction} "
        "(else the most accurate one run):\n"
    )
    out.append(
        "| U | L | T | setting | meets | cost vs default | err/σ₁₆ | tail/σ₁₆ "
        "| default: err/σ₁₆, tail |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|")
    for _, r in choose(s, fraction).iterrows():
        out.append(
            f"| {r['U']:g} | {r['L']} | {r['T']:g} | `{r['setting']}` "
            f"| {'yes' if r['qualifies'] else 'no'} | {_fmt(r['cost_rel'], '.2f')} "
            f"| {_fmt(r['worst'], '.2f')} | {_fmt(r['tail'], '.2f')} "
            f"| {_fmt(r['default_worst'], '.2f')}, {_fmt(r['default_tail'], '.2f')} |"
        )
    out.append(
        "\n**Equal accuracy** (cheapest with, in every part of that U, every err/σ₁₆ <= "
        f"max(default's, {fraction}); in parts without error bars (T > {T_SIGMA:g}) every "
        "absolute error <= the default's):\n"
    )
    out.append("| U | setting | cost vs default | speed-up |")
    out.append("|---|---|---|---|")
    for _, r in choose_equal(s).iterrows():
        name = f"`{r['setting']}`" if r["setting"] else "none qualifies"
        speed = _fmt(1.0 / r["cost_rel"], ".2f") if r["setting"] else "–"
        out.append(
            f"| {r['U']:g} | {name} (cost at L = {r['L']}, parts {r['parts']}) "
            f"| {_fmt(r['cost_rel'], '.2f')} | {speed} |"
        )
    if details:
        marks = {o: frontier(s, o) for o in ("nc", "nd", "cdd6", "Shalf")}
        for (part, L, T, U), g in s.groupby(_GROUP, sort=False):
            n = int(g["n_real"].max())
            out.append(f"\n**{part}: L = {L}, T = {T:g}, U = {U:g}** ({n} realisations)\n")
            out += part_table(g, marks)
    return "\n".join(out)


def short(setting: str) -> str:
    """Compact label of a setting name for plots: ``χ128 o4_opt dt0.2 f``."""
    from .frontier_run import Setting

    x = Setting.parse(setting)
    cut = f" cut{x.trunc_cut:g}" if x.trunc_cut is not None else ""
    svd = f" svd{x.svd_min:g}" if x.svd_min != 1e-10 else ""
    return f"χ{x.chi_max} o{x.order} dt{x.dt:g}{svd}{cut}{' f' if x.fuse else ''}"


def plot(df: pd.DataFrame, stem: Path) -> list[Path]:
    """Error (in error bars of a 16-realisation mean) vs CPU cost per observable.

    Rows: U = 12 at L = 24 and U = 2.5 at L = 18 (the largest sizes with error bars, T = 20);
    columns: n_c, n_d, C_dd (|C| > 1e-6), C_dd down to 1e-8, S(L/2). Frontier points are
    joined and labelled, the default is the red square, the dashed line is ``FRACTION``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter

    s = summarize(df)
    s = s[s["T"] == s["T"].min()]
    Us = [U for U in (12.0, 2.5) if U in set(s["U"])]
    obs = ("nc", "nd", "cdd6", "cdd", "Shalf")
    label = {**_LABEL, "cdd6": "C_dd (|C| > 1e-6)", "cdd": "C_dd (|C| > 1e-8)"}
    fig, axes = plt.subplots(
        len(Us), len(obs), figsize=(3.4 * len(obs), 3.4 * len(Us)), squeeze=False
    )
    for row, U in enumerate(Us):
        g = s[s["U"] == U]
        g = g[g["L"] == g["L"].max()]
        for col, o in enumerate(obs):
            ax = axes[row][col]
            y = _metric(g, o)
            on = frontier(g, o)
            ax.loglog(g["cpu_s"], g[y], "o", color="0.7", ms=4, label="settings")
            f = g[on].sort_values("cpu_s")
            ax.loglog(f["cpu_s"], f[y], "o-", color="C0", ms=5, label="frontier")
            for _, r in f.iterrows():
                ax.annotate(
                    short(r["setting"]),
                    (r["cpu_s"], r[y]),
                    fontsize=5.5,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
            d = g[g["setting"] == _DEFAULT]
            ax.loglog(d["cpu_s"], d[y], "s", color="C3", ms=7, label="default")
            if y.startswith("ratio"):
                ax.axhline(FRACTION, ls="--", color="0.4", lw=0.8, label=f"{FRACTION} σ₁₆")
            ax.set_title(f"{label[o]}, U = {U:g}, L = {int(g['L'].iloc[0])}", fontsize=9)
            ax.set_xlabel("CPU s per run (T = 20)")
            ax.xaxis.set_minor_locator(LogLocator(subs="all"))
            ax.xaxis.set_minor_formatter(NullFormatter())
            if col == 0:
                ax.set_ylabel("max |error| / σ₁₆ (worst realisation)")
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    fig.tight_layout()
    from mblbath.io import git_commit

    made_by = f"python -m benchmarks.frontier --plot (mblbath {git_commit()})"
    paths = []
    for ext in ("png", "pdf"):
        path = Path(f"{stem}.{ext}")
        meta = {"Title": "TEBD error-cost frontier", "Creator": made_by}
        fig.savefig(path, dpi=150, metadata=meta)
        paths.append(path)
    plt.close(fig)
    return paths
