"""TEBD driver: evolve the initial state of Eq. (1) and measure on a time grid.

The time grid (:func:`mblbath.config.time_grid`) consists of integer multiples of ``dt``;
between two measurement times TeNPy's :class:`~tenpy.algorithms.tebd.TEBDEngine` performs
exactly the required number of Suzuki-Trotter steps of the chosen ``order``, truncating
each bond to ``chi_max`` and discarding Schmidt values below ``svd_min``.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tenpy.algorithms.tebd import TEBDEngine

from .config import RunParams
from .model import BathModel, initial_mps
from .observables import measure

__all__ = ["Progress", "run_tebd"]


@dataclass
class Progress:
    """What a progress callback is told after each measurement."""

    index: int
    n_times: int
    t: float
    t_max: float
    chi: int
    trunc_err: float
    elapsed: float

    @property
    def eta(self) -> float:
        """Crude remaining wall time, assuming cost grows linearly with time reached."""
        if self.t <= 0:
            return float("nan")
        return self.elapsed * (self.t_max - self.t) / self.t


def run_tebd(
    params: RunParams,
    eps: np.ndarray,
    on_progress: Callable[[Progress], None] | None = None,
) -> dict[str, np.ndarray]:
    """Evolve one disorder realisation with TEBD and measure at every grid time.

    Parameters
    ----------
    params : RunParams
        Model and numerical parameters (validated).
    eps : ndarray, shape (L,)
        The realisation's on-site potential.
    on_progress : callable, optional
        Called with a :class:`Progress` after each measurement.

    Returns
    -------
    dict
        ``times`` (T,), ``n_d``, ``n_c`` (T, L), ``C_dd`` (T, L, L), ``S`` (T, L-1),
        ``chi`` (T, L-1), ``trunc_err`` (T,) accumulated discarded weight.
    """
    eps = np.asarray(eps, dtype=float)
    if eps.shape != (params.L,):
        raise ValueError(f"eps has shape {eps.shape}, expected ({params.L},)")
    times = params.times()
    steps = np.rint(times / params.dt).astype(np.int64)
    model = BathModel({"L": params.L, "eps": eps, "U": params.U, "td": params.td, "tc": params.tc})
    psi = initial_mps(model, params.d_residue, params.c0)
    engine = TEBDEngine(
        psi,
        model,
        {
            "order": params.order,
            "dt": params.dt,
            "N_steps": 1,
            "trunc_params": {"chi_max": params.chi_max, "svd_min": params.svd_min},
        },
    )
    out: dict[str, list] = {k: [] for k in ("n_d", "n_c", "C_dd", "S", "chi", "trunc_err")}
    done = 0
    start = _time.perf_counter()
    for k, n in enumerate(steps):
        if n > done:
            engine.options["N_steps"] = int(n - done)
            engine.run()
            done = int(n)
        for key, val in measure(psi).items():
            out[key].append(val)
        out["trunc_err"].append(float(engine.trunc_err.eps))
        if on_progress is not None:
            on_progress(
                Progress(
                    index=k,
                    n_times=len(times),
                    t=float(times[k]),
                    t_max=float(times[-1]),
                    chi=int(max(psi.chi)),
                    trunc_err=float(engine.trunc_err.eps),
                    elapsed=_time.perf_counter() - start,
                )
            )
    result = {k: np.asarray(v) for k, v in out.items()}
    result["times"] = times
    return result
