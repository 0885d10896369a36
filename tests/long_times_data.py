"""Synthetic observables of the long-time branch, generated from one known form each.

``make_obs`` builds a dataset with the layout of
:func:`mblbath.analysis.long_observables.derived_observables` (``<name>(U, seed, time)``,
means, errors, attributes) whose disorder mean follows the chosen form exactly; each
realisation deviates by a factor (1 + ``noise`` z_s) common to all its times (disorder
makes a whole curve high or low) plus independent noise per time (a fifth of that size by
default).
Everything is seeded.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mblbath.analysis.long_forms import QUANTITIES, evaluate
from mblbath.analysis.stats import mean_sem
from mblbath.config import time_grid

#: True parameters (p1, p2) of each form for each quantity.
TRUE = {
    "sigma2_c": {"log": (2.0, 1.5), "power": (0.8, 0.4), "saturation": (6.0, 5.0)},
    "imbalance_d": {"log": (0.9, -0.05), "power": (0.9, -0.12), "saturation": (0.45, 3.0)},
    "S_half": {"log": (0.1, 0.12), "power": (0.08, 0.3), "saturation": (1.2, 2.0)},
}
TIMES = time_grid(1e4, 0.05, 0.1, 10)


def true_curve(name: str, form: str, t: np.ndarray, params=None) -> np.ndarray:
    """The form's curve (parameters ``params``, default :data:`TRUE`), y(0) at t = 0."""
    q = QUANTITIES[name]
    p = np.asarray(TRUE[name][form] if params is None else params, float)
    y = evaluate(form, np.where(t > 0, t, 1.0), p, q)
    return np.where(t > 0, y, q.y0)


def make_obs(
    forms: dict[str, str],
    Us=(12.0,),
    n_seeds: int = 40,
    noise: float = 0.05,
    rng_seed: int = 0,
    L: int = 12,
    source: str = "exact_T10000",
    t_max: float | None = None,
    indep: float = 0.2,
    params: dict[str, tuple[float, float]] | None = None,
) -> xr.Dataset:
    """Observables whose means follow ``forms[name]`` (a form of every quantity given).

    ``indep``: size of the independent per-time noise relative to ``noise``; ``params``
    overrides the true parameters of a quantity (``{name: (p1, p2)}``).
    """
    rng = np.random.default_rng(rng_seed)
    t = TIMES if t_max is None else TIMES[TIMES <= t_max * (1 + 1e-9)]
    data = {}
    for name, form in forms.items():
        base = true_curve(name, form, t, (params or {}).get(name))
        q = QUANTITIES[name]
        vals = np.empty((len(Us), n_seeds, t.size))
        for iu in range(len(Us)):
            common = rng.standard_normal((n_seeds, 1))
            white = rng.standard_normal((n_seeds, t.size))
            # deviation from y(0), so the t = 0 value stays exact
            dev = (base - q.y0) * (1 + noise * common + indep * noise * white)
            vals[iu] = q.y0 + dev
        mean, sem, n = mean_sem(vals, axis=1)
        data[name] = (("U", "seed", "time"), vals)
        data[f"{name}_mean"] = (("U", "time"), mean)
        data[f"{name}_sem"] = (("U", "time"), sem)
        data["n_seeds"] = (("U", "time"), n.astype(np.int32))
    coords = {"U": list(Us), "seed": np.arange(n_seeds), "time": t}
    attrs = {
        "L": L,
        "source": source,
        "method": "exact_eigh" if source.startswith("exact") else "tebd",
        "sigma2_c_uniform": float(np.mean((np.arange(L) - L // 2) ** 2)),
        "S_half_page": 0.5 * L * np.log(2) * 0.8,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
