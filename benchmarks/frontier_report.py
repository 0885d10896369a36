"""Tables, figure and the choice of numerics from the frontier benchmark's CSV.

Per part (size, T), U and setting, the realisations are combined: cost = mean CPU seconds
(evolution + measurements), errors and error ratios = the worst realisation. A setting is on
the *frontier* of an observable if no other setting of the same part and U is both cheaper
and more accurate for it. The *choice* for an interaction U is the cheapest setting (CPU
at the largest size run at that U, shortest T) that keeps ``ratio16 <= FRACTION`` for every
observable in every part run at that U: the numerical error stays below a tenth of the
error bar of a 16-realisation disorder mean at every point the fits use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .frontier_errors import OBSERVABLES

__all__ = ["FRACTION", "load", "summarize", "frontier", "choose", "markdown", "plot"]

#: Numerical error allowed, as a fraction of the claims' error bars (see benchmarks/README).
FRACTION = 0.1
_LABEL = {"nc": "n_c", "nd": "n_d", "cdd": "C_dd", "Shalf": "S(L/2)", "S": "S (all bonds)"}
_DEFAULT = "chi128_o2_dt0.05_svd1e-10"


def load(path: str | Path) -> pd.DataFrame:
    """The benchmark's CSV."""
    return pd.read_csv(path)


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (part, L, T, U, setting): mean cost, worst error and ratio over seeds."""
    cand = df[df["role"] == "candidate"]
    keys = ["part", "L", "T", "U", "setting"]
    agg: dict[str, str] = {
        "cpu_s": "mean",
        "evol_cpu_s": "mean",
        "meas_cpu_s": "mean",
        "cdd_cpu_s": "mean",
        "wall_s": "mean",
        "chi_peak": "max",
        "trunc_err": "max",
        "seed": "count",
    }
    for col in cand.columns:
        if col.startswith(("err_", "ratio")):
            agg[col] = "max"
    out = cand.groupby(keys, sort=False).agg(agg).rename(columns={"seed": "n_real"}).reset_index()
    for n in (4, 16):
        cols = [f"ratio{n}_{o}" for o in OBSERVABLES if f"ratio{n}_{o}" in out]
        out[f"worst{n}"] = out[cols].max(axis=1) if cols else np.nan
    base = out[out["setting"] == _DEFAULT].set_index(["part", "L", "T", "U"])["cpu_s"]
    idx = pd.MultiIndex.from_frame(out[["part", "L", "T", "U"]])
    out["cost_rel"] = out["cpu_s"].to_numpy() / base.reindex(idx).to_numpy()
    return out


def frontier(summary: pd.DataFrame, obs: str) -> pd.Series:
    """Whether each row is on the error-cost frontier of ``obs`` within its (part, U)."""
    flags = pd.Series(False, index=summary.index)
    for _, g in summary.groupby(["part", "L", "T", "U"]):
        g = g.sort_values(["cpu_s", f"err_{obs}"])
        best = np.inf
        for i, err in zip(g.index, g[f"err_{obs}"], strict=True):
            if err < best:
                flags[i] = True
                best = err
    return flags


def choose(summary: pd.DataFrame, fraction: float = FRACTION, n: int = 16) -> pd.DataFrame:
    """Per U: the cheapest setting meeting ``ratio{n} <= fraction`` in every part of that U.

    Cost is compared in the part with the largest L at T = 20. Returns one row per U with
    the setting, its cost relative to the default there, and its worst ratio; an empty
    setting where nothing qualifies.
    """
    rows = []
    for U, g in summary.groupby("U"):
        ok = g.groupby("setting")[f"worst{n}"].max()
        counts = g.groupby("setting")["part"].nunique()
        full = counts[counts == counts.max()].index
        ok = ok[ok.index.isin(full)]
        main = g[g["T"] == g["T"].min()]
        main = main[main["L"] == main["L"].max()].set_index("setting")
        good = [s for s in ok.index if ok[s] <= fraction and s in main.index]
        row = {"U": U, "part": main["part"].iloc[0], "L": int(main["L"].iloc[0]), "n": n}
        if good:
            best = min(good, key=lambda s: main.loc[s, "cpu_s"])
            row.update(setting=best, cost_rel=main.loc[best, "cost_rel"], worst=ok[best])
        else:
            row.update(setting="", cost_rel=np.nan, worst=np.nan)
        default_worst = ok.get(_DEFAULT, np.nan)
        row["default_worst"] = default_worst
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: float, spec: str = ".1e") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def markdown(df: pd.DataFrame, fraction: float = FRACTION) -> str:
    """Markdown: per (part, U) table of settings, then the choice per U."""
    s = summarize(df)
    marks = {o: frontier(s, o) for o in ("nc", "nd", "cdd", "Shalf")}
    out = []
    for (part, L, T, U), g in s.groupby(["part", "L", "T", "U"], sort=False):
        out.append(
            f"\n**{part}: L = {L}, T = {T:g}, U = {U:g}** ({int(g['n_real'].max())} realisations)\n"
        )
        out.append(
            "| setting | CPU s | vs default | chi | discarded | err n_c | err n_d | err C_dd "
            "| err S(L/2) | worst err/σ₄ | worst err/σ₁₆ | frontier |"
        )
        out.append("|" + "---|" * 12)
        for i, r in g.sort_values("cpu_s").iterrows():
            front = ",".join(_LABEL[o] for o in marks if marks[o][i])
            ok = "" if not np.isfinite(r["worst16"]) else (" ✓" if r["worst16"] <= fraction else "")
            out.append(
                f"| `{r['setting']}` | {r['cpu_s']:.1f} | {r['cost_rel']:.2f} "
                f"| {int(r['chi_peak'])} "
                f"| {_fmt(r['trunc_err'])} | {_fmt(r['err_nc'])} | {_fmt(r['err_nd'])} "
                f"| {_fmt(r['err_cdd'])} | {_fmt(r['err_Shalf'])} | {_fmt(r['worst4'], '.2f')} "
                f"| {_fmt(r['worst16'], '.2f')}{ok} | {front} |"
            )
    out.append(f"\n**Choice** (cheapest with err/σ₁₆ <= {fraction} everywhere):\n")
    out.append("| U | setting | cost vs default | worst err/σ₁₆ | default's worst err/σ₁₆ |")
    out.append("|---|---|---|---|---|")
    for _, r in choose(s, fraction).iterrows():
        name = f"`{r['setting']}`" if r["setting"] else "none qualifies"
        out.append(
            f"| {r['U']:g} | {name} (cost at L = {r['L']}) | {_fmt(r['cost_rel'], '.2f')} "
            f"| {_fmt(r['worst'], '.2f')} | {_fmt(r['default_worst'], '.2f')} |"
        )
    return "\n".join(out)


def plot(df: pd.DataFrame, stem: Path) -> list[Path]:
    """Error vs CPU cost per observable; rows U = 12 and U = 2.5 at their largest L, T = 20."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = summarize(df)
    s = s[s["T"] == 20.0]
    Us = [U for U in (12.0, 2.5) if U in set(s["U"])]
    obs = ("nc", "nd", "cdd", "Shalf")
    fig, axes = plt.subplots(
        len(Us), len(obs), figsize=(3.2 * len(obs), 3.0 * len(Us)), squeeze=False
    )
    for row, U in enumerate(Us):
        g = s[s["U"] == U]
        g = g[g["L"] == g["L"].max()]
        flags = {o: frontier(g, o) for o in obs}
        for col, o in enumerate(obs):
            ax = axes[row][col]
            ax.loglog(g["cpu_s"], g[f"err_{o}"], "o", color="0.7", ms=4, label="settings")
            f = g[flags[o]].sort_values("cpu_s")
            ax.loglog(f["cpu_s"], f[f"err_{o}"], "o-", color="C0", ms=5, label="frontier")
            d = g[g["setting"] == _DEFAULT]
            ax.loglog(d["cpu_s"], d[f"err_{o}"], "s", color="C3", ms=7, label="default")
            ax.set_title(f"{_LABEL[o]}, U = {U:g}, L = {int(g['L'].iloc[0])}", fontsize=9)
            ax.set_xlabel("CPU s per run (T = 20)")
            if col == 0:
                ax.set_ylabel("max |error| (worst realisation)")
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    fig.tight_layout()
    paths = []
    for ext in ("png", "pdf"):
        path = Path(f"{stem}.{ext}")
        fig.savefig(path, dpi=150, metadata={"Title": "TEBD error-cost frontier"})
        paths.append(path)
    plt.close(fig)
    return paths
