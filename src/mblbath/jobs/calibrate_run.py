"""The calibration measurement: two minutes of TEBD steps when no runs exist yet.

``mblbath calibrate`` fits the cost coefficients to finished runs (:mod:`.calibrate`);
before any run exists -- or with ``--measure``, to pin the terms that small runs leave
open (the ``chi^3`` term needs large chi) -- it measures, in this process, on one BLAS
thread:

- the start-up of ``mblbath run`` (a child interpreter importing what a run imports and
  building the model and state; its CPU time);
- at each ``(L, chi)`` of :data:`POINTS`: a state of the paper's model (U = 2.5, W = 6.5,
  disorder of seed 0) with saturated bonds (random charge-conserving two-site unitaries,
  TeNPy's ``RandomUnitaryEvolution``, seeded, until ``sum_b chi_b^3`` reaches 90 % of
  the saturated profile's), then the CPU time of order-2 steps of the pipeline's engine
  (:func:`mblbath.tebd.evolve.make_engine`, one warm-up step first), of one order-4 step
  (up to ``chi = 512``) and of one full measurement (:func:`mblbath.observables.measure`).

Each timing becomes an :class:`~.calibrate.Equation` against the shipped model of the
realised bond profile; the order-4 steps give the machine's order-4 factor (median ratio
over the points with ``128 <= chi <= 512``).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from .calibrate import Equation, group_seconds
from .cost import CostCoefficients, bond_profile, profile_features

__all__ = ["POINTS", "measure_startup", "measure_point", "measure_points"]

#: (L, chi) of the calibration measurement: from the per-bond overhead (small chi) to the
#: chi^3 work of large runs (chi = 1024, where the extrapolation to the paper's chi = 3000
#: starts); about two minutes of an idle core in all, most of it at chi = 1024.
POINTS: tuple[tuple[int, int], ...] = (
    (18, 32),
    (24, 64),
    (24, 128),
    (30, 128),
    (30, 256),
    (30, 512),
    (30, 1024),
)
#: Above this chi only order-2 steps are timed (the order-4 factor comes from the others).
ORDER4_MAX_CHI = 512

_STARTUP = (
    "import mblbath.cli, mblbath.tebd.evolve, mblbath.io, xarray, netCDF4;"
    "from mblbath.model import BathModel, initial_mps; from mblbath.disorder import sample_eps;"
    "initial_mps(BathModel({'L': 30, 'eps': sample_eps(6.5, 30, 0, 1), 'U': 2.5}))"
)


def measure_startup() -> float:
    """CPU seconds of a child interpreter doing what a run does before its first step."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", _STARTUP], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _saturated(L: int, chi: int, seed: int = 1) -> tuple[Any, Any]:
    """The model and a state whose bonds are (nearly) saturated at chi (module docstring)."""
    from tenpy.algorithms.tebd import RandomUnitaryEvolution

    from ..disorder import sample_eps
    from ..model import BathModel, initial_mps

    model = BathModel({"L": L, "eps": sample_eps(6.5, L, 0, 20220711), "U": 2.5})
    psi = initial_mps(model)
    goal = 0.9 * float(np.sum(bond_profile(L, chi) ** 3))
    state = np.random.get_state()  # noqa: NPY002 - TeNPy draws from the global generator
    np.random.seed(seed)  # noqa: NPY002
    try:
        eng = RandomUnitaryEvolution(
            psi, {"N_steps": 1, "trunc_params": {"chi_max": chi, "svd_min": 1e-14}}
        )
        for _ in range(L + 10):
            eng.run()
            if float(np.sum(np.asarray(psi.chi[-(L - 1) :], float) ** 3)) >= goal:
                break
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return model, psi


def measure_point(L: int, chi: int, n_steps: int = 2) -> dict[str, Any]:
    """CPU seconds per order-2 and order-4 step and per measurement at a saturated (L, chi)."""
    from ..observables import measure
    from ..tebd import blas_limit, make_engine

    model, psi = _saturated(L, chi)
    profile = np.asarray(psi.chi[-(L - 1) :], dtype=np.float64)

    def step_cpu(order: int, n: int) -> float:
        opts = {
            "order": order,
            "dt": 0.05,
            "N_steps": 1,
            "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
        }
        eng = make_engine(psi.copy(), model, opts, blas_threads=1)
        eng.run()  # warm-up: gates
        cpu = []
        for _ in range(n):
            c0 = time.process_time()
            eng.run()
            cpu.append(time.process_time() - c0)
        return float(np.median(cpu))

    with blas_limit(1):
        t2 = step_cpu(2, n_steps)
        t4 = step_cpu(4, 1) if chi <= ORDER4_MAX_CHI else float("nan")
        c0 = time.process_time()
        measure(psi)
        t_meas = time.process_time() - c0
    return {"L": L, "chi": chi, "profile": profile, "t_o2_s": t2, "t_o4_s": t4, "t_meas_s": t_meas}


def measure_points(
    base: CostCoefficients, points: tuple[tuple[int, int], ...] = POINTS
) -> tuple[list[Equation], float | None, list[dict[str, Any]]]:
    """The calibration measurement as equations, the order-4 factor and the raw points."""
    eqs = [Equation("start-up", measure_startup(), group_seconds(_one("startup"), 2, base))]
    raw, ratios = [], []
    for L, chi in points:
        p = measure_point(L, chi)
        f = profile_features(p["profile"])
        step = {**_one(None), "step_bonds": f["n_bonds"], "step_chi2": f["sum_chi2"]}
        step["step_chi3"] = f["sum_chi3"]
        meas = {**_one(None), "meas_pairs": f["L"] ** 2, "meas_chi3": f["L"] * f["sum_chi3"]}
        name = f"L={L} chi={chi}"
        eqs.append(Equation(f"step {name}", p["t_o2_s"], group_seconds(step, 2, base)))
        eqs.append(Equation(f"measure {name}", p["t_meas_s"], group_seconds(meas, 2, base)))
        if 128 <= chi <= ORDER4_MAX_CHI:
            ratios.append(p["t_o4_s"] / p["t_o2_s"])
        raw.append({k: None if v != v else v for k, v in p.items() if k != "profile"})  # NaN
        print(
            f"calibration point L={L} chi={chi}: order 2 {p['t_o2_s']:.3g} s, order 4 "
            f"{p['t_o4_s']:.3g} s, measurement {p['t_meas_s']:.3g} s (CPU)",
            flush=True,
        )
    return eqs, (float(np.median(ratios)) if ratios else None), raw


def _one(name: str | None) -> dict[str, float]:
    """Features that are all zero but ``name`` (1)."""
    keys = ("startup", "step_bonds", "step_chi2", "step_chi3", "meas_pairs", "meas_chi3")
    return {k: float(k == name) for k in keys}
