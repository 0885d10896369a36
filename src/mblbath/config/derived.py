"""Quantities derived from parameters: names of paths, the time grid, chi per size.

``{numerics}`` in a path is :func:`numerics_name` of the settings that change results, so
changing any of them makes new files instead of mixing results; floats in paths go through
:func:`fmt_float`, so ``U=2.5`` and ``U=2.50`` never name two files.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fmt_float", "FLOAT_RE", "chi_max_for", "numerics_name", "time_grid", "cdd_mask"]


def fmt_float(x: float) -> str:
    """Canonical text of a float for paths and names: 2.5 -> '2.5', 12.0 -> '12', 1e-10 -> '1e-10'.

    ``U=2.5`` and ``U=2.50`` give the same string, so they can never name two files.
    """
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


#: Regular expression matching exactly the strings :func:`fmt_float` produces for x >= 0.
FLOAT_RE = r"[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?"


def default_c_site(L: int, d_residue: int = 1) -> int:
    """The c-boson's initial site when ``model.c_site`` is null: the empty site nearest the
    centre, ``L // 2`` if the density wave leaves it empty, else ``L // 2 - 1``.

    For every L divisible by 6 with ``d_residue = 1`` (the paper's 30, 48, 60 and the
    laptop's 12, 18, 24) this is ``L // 2``; for L = 9, 15, 21 the centre holds a d-boson
    and the c-boson starts next to it, never as a c-d doublon of energy U.
    """
    c = L // 2
    return c - 1 if c % 3 == d_residue else c


def chi_max_for(cfg: dict, L: int) -> int:
    """Bond dimension used at size ``L`` (``numerics.chi_max_per_L`` overrides ``chi_max``)."""
    num = cfg["numerics"]
    return int(num["chi_max_per_L"].get(str(L), num["chi_max"]))


def trotter_order(value: object) -> int | str:
    """A Trotter order as the schema has it: ``1, 2, 4`` as int, ``"4_opt"`` as str.

    Run files store the order as a netCDF attribute (int or str); this reads it back.
    """
    text = str(value).strip()
    if text == "4_opt":
        return text
    if text in ("1", "2", "4"):
        return int(text)
    raise ValueError(f"Trotter order {value!r} is not one of 1, 2, 4, '4_opt'")


def numerics_name(chi_max: int, dt: float, order: int | str, svd_min: float, t_max: float) -> str:
    """Readable name of the settings that change results: ``chi64_dt0.05_o4_svd1e-10_T20``."""
    return f"chi{chi_max}_dt{fmt_float(dt)}_o{order}_svd{fmt_float(svd_min)}_T{fmt_float(t_max)}"


def time_grid(t_max: float, dt: float, t_first: float, n_per_decade: int) -> np.ndarray:
    """Measurement times: 0, then a logarithmic grid from ``t_first`` to ``t_max``.

    Every time is an integer multiple of ``dt`` (so TEBD lands on it exactly); duplicates
    created by the rounding are removed. ``t_max`` is always included.
    """
    n_dec = np.log10(t_max / t_first)
    n = max(int(np.ceil(n_dec * n_per_decade)) + 1, 2)
    t = np.geomspace(t_first, t_max, n)
    steps = np.unique(np.rint(t / dt).astype(np.int64))
    steps = steps[steps > 0]
    return np.concatenate([[0.0], steps * dt])


def cdd_mask(n_times: int, every: int) -> np.ndarray:
    """Grid times at which ``C_dd`` is measured: every ``every``-th index, and the last.

    ``numerics.cdd_every`` thins the expensive full correlation matrix (about one Trotter
    step per measurement at saturated chi) while the densities, entropies and chi keep the
    whole grid. Index 0 (t = 0) and the last index (t_max) are always included.
    """
    if every < 1:
        raise ValueError(f"cdd_every must be >= 1, got {every}")
    idx = np.arange(n_times)
    return (idx % every == 0) | (idx == n_times - 1)
