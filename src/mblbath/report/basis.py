"""What a measured number rests on: sizes, U, times, runs, fit statuses.

Helpers that write the "rests on" column of the claims table and summarise fit statuses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..analysis.bundle import Bundle, cfg_get, run_counts, sel_u, status_strings, var

__all__ = ["basis", "fit_t_min_of", "status_of", "trange"]

#: A time inside a per-time status ("t = 0.1 < fit_t_min"), replaced by "t" when counting.
_TIME_IN_STATUS = re.compile(r"\bt = [-+0-9.eE]+(?= |$|\))")


def _seeds_text(b: Bundle, L: int, Us: Sequence[float]) -> str:
    """Runs (and unconverged runs) per U at size L."""
    agg = b.agg.get(L)
    if agg is None:
        return "runs: unknown (no aggregated file)"
    parts = []
    for U in Us:
        n, bad = run_counts(agg, U)
        parts.append(f"U={U:g}: {n} runs ({bad} unconverged)")
    return "; ".join(parts)


def basis(b: Bundle, Ls: Sequence[int], Us: Sequence[float], times: str = "") -> str:
    """The "rests on" text: sizes, U, the time window and the runs of every size."""
    bits = [
        f"L = {', '.join(str(L) for L in Ls)}" if Ls else "no L",
        f"U = {', '.join(f'{u:g}' for u in Us)}" if Us else "no U",
    ]
    if times:
        bits.append(times)
    for L in Ls:
        bits.append(f"L={L}: {_seeds_text(b, L, Us)}")
    if b.exclude_unconverged:
        bits.append("unconverged runs excluded")
    return "; ".join(bits)


def trange(t: np.ndarray) -> str:
    """``t ∈ [first, last]`` over the finite times."""
    t = np.asarray(t, dtype=float)
    t = t[np.isfinite(t)]
    return f"t ∈ [{t.min():g}, {t.max():g}]" if t.size else "no times"


def fit_t_min_of(b: Bundle, L: int | None = None) -> float:
    """``fit_t_min`` of the Eq. (4) fit at size L, else of the config (default 1)."""
    lc = b.lc_fit.get(L) if L is not None else None
    if lc is not None and "fit_t_min" in lc.attrs:
        return float(lc.attrs["fit_t_min"])
    return float(cfg_get(b.cfg, "analysis", "fit_t_min", default=1.0))


def status_of(ds: xr.Dataset | None, U: float | None, name: str = "status") -> str:
    """The fit statuses of ``ds`` at U, each once with its count, most frequent first."""
    st = sel_u(var(ds, name), U) if (ds is not None and U is not None) else None
    if st is None:
        return "missing"
    # Per-time statuses differ only by their time ("t = 0.1 < fit_t_min"): count them.
    counts = Counter(_TIME_IN_STATUS.sub("t", v) for v in status_strings(st).ravel())
    return ", ".join(
        f"{v} (×{n})" if n > 1 else v
        for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
