"""The frontier benchmark's TEBD driver: any truncation options, evolution and measurements timed.

:func:`evolve` does what :func:`mblbath.tebd.evolve.run_tebd` does -- the model of Eq. (1)
(:class:`mblbath.model.BathModel`), the density-wave initial state
(:func:`mblbath.model.initial_mps`), the pipeline's engine (:func:`mblbath.tebd.evolve.make_engine`,
one bond thread) and the observables of :mod:`mblbath.observables` at every measurement time --
but takes a :class:`Setting` holding *any* truncation options (``chi_max``, ``svd_min`` and
TeNPy's ``trunc_cut``), and records where the CPU time goes: Trotter steps, the cheap
measurements (densities, entropies) and the correlation matrix ``C_dd``, separately.

``trunc_cut`` is TeNPy's: at every bond update the smallest Schmidt values are dropped while the
sum of their *squares* stays at most ``trunc_cut**2``
(:func:`mblbath.tebd.truncation.truncate_fast`, ``cumsum(S**2) > trunc_cut**2``), i.e. it
bounds the discarded weight per bond update by ``trunc_cut**2``. ``svd_min`` drops single
Schmidt values below it (weights below ``svd_min**2``).

``fuse``: TeNPy's ``run_evolution(N, dt)`` merges the trailing half step of one second-order
Trotter step with the leading half step of the next (``2N + 1`` layers for ``N`` steps instead
of ``3N``; order 4: ``10N + 1`` instead of ``11N``). The pipeline calls one step at a time
(``N_steps = 1``, so that it can stop and checkpoint after any step); ``fuse=True`` evolves from
one measurement time to the next in one call. The product of gates is the same operator, so the
results differ only by where truncations happen.

Cost is the CPU time of this process (:func:`time.process_time`) with the BLAS libraries
limited to one thread (:func:`mblbath.tebd.engine.blas_limit`): on a shared machine it is the time
the run would take on a dedicated core. Wall time is recorded next to it.
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

__all__ = [
    "GRID_DT",
    "Setting",
    "DEFAULT",
    "bench_times",
    "union_times",
    "evolve",
]

#: Measurement grids are built with a time step of at least this (the L = 24 reference's dt),
#: so that every grid time is a multiple of every candidate's dt and of the reference's.
GRID_DT = 0.05
#: The pipeline's grid parameters (config/config.yaml: ``t_first``, ``n_per_decade``).
T_FIRST = 0.1
N_PER_DECADE = 10


_NAME_RE = re.compile(
    r"chi(?P<chi>[0-9]+)_o(?P<order>4_opt|[124])_dt(?P<dt>[0-9.e+-]+)_svd(?P<svd>[0-9.e+-]+)"
    r"(_cut(?P<cut>[0-9.e+-]+))?(?P<fused>_fused)?"
)


@dataclass(frozen=True)
class Setting:
    """One choice of numerical knobs (names as in the config's ``numerics`` section).

    ``order`` is 1, 2, 4 or ``"4_opt"`` (TeNPy's optimised fourth order, Barthel & Zhang
    2020: the same eleven layers per step as ``4``, smaller error constant). ``trunc_cut``
    None means TeNPy's default (1e-14: no cut in practice).
    """

    chi_max: int = 128
    order: int | str = 2
    dt: float = 0.05
    svd_min: float = 1e-10
    trunc_cut: float | None = None
    fuse: bool = False

    @property
    def name(self) -> str:
        """Short readable name: ``chi128_o2_dt0.05_svd1e-10`` (+ ``_cut1e-05``, ``_fused``)."""
        from mblbath.config import fmt_float

        text = (
            f"chi{self.chi_max}_o{self.order}_dt{fmt_float(self.dt)}_svd{fmt_float(self.svd_min)}"
        )
        if self.trunc_cut is not None:
            text += f"_cut{fmt_float(self.trunc_cut)}"
        return text + ("_fused" if self.fuse else "")

    def trunc_params(self) -> dict[str, Any]:
        """TeNPy ``trunc_params`` of this setting."""
        out: dict[str, Any] = {"chi_max": int(self.chi_max), "svd_min": float(self.svd_min)}
        if self.trunc_cut is not None:
            out["trunc_cut"] = float(self.trunc_cut)
        return out

    @classmethod
    def parse(cls, name: str) -> Setting:
        """The setting of a :attr:`name` (``chi128_o4_opt_dt0.2_svd1e-10_cut1e-05_fused``)."""
        m = _NAME_RE.fullmatch(name.strip())
        if m is None:
            raise ValueError(f"not a setting name: {name!r}")
        order = m["order"]
        return cls(
            chi_max=int(m["chi"]),
            order=order if order == "4_opt" else int(order),
            dt=float(m["dt"]),
            svd_min=float(m["svd"]),
            trunc_cut=None if m["cut"] is None else float(m["cut"]),
            fuse=m["fused"] is not None,
        )

    def with_(self, **changes: Any) -> Setting:
        """A copy with some knobs changed."""
        return replace(self, **changes)

    def as_row(self) -> dict[str, Any]:
        """The knobs as CSV columns (``trunc_cut`` empty when not set)."""
        row = asdict(self)
        row["trunc_cut"] = "" if self.trunc_cut is None else self.trunc_cut
        return {"setting": self.name, **row}


#: Today's default numerics (config/config.yaml).
DEFAULT = Setting(chi_max=128, order=2, dt=0.05, svd_min=1e-10)


def bench_times(t_max: float, dt: float) -> np.ndarray:
    """The pipeline's log grid (:func:`mblbath.config.time_grid`) for a run of time step ``dt``.

    Built with ``max(dt, GRID_DT)`` so that every time is a multiple of ``GRID_DT``, which the
    TEBD references use: for ``dt >= GRID_DT`` it is exactly the pipeline's grid; for smaller
    ``dt`` (0.025) it is the grid of ``dt = GRID_DT`` (the pipeline's differs only below t = 1).
    """
    from mblbath.config import time_grid

    return time_grid(t_max, max(float(dt), GRID_DT), T_FIRST, N_PER_DECADE)


def union_times(t_max: float, dts: list[float]) -> np.ndarray:
    """Sorted union of :func:`bench_times` over several time steps (a reference's grid)."""
    grids = [np.rint(bench_times(t_max, dt) / GRID_DT).astype(np.int64) for dt in dts]
    return np.unique(np.concatenate(grids)) * GRID_DT


def _steps(times: np.ndarray, dt: float) -> np.ndarray:
    """Number of Trotter steps to each time; raises if a time is not a multiple of dt."""
    steps = np.rint(times / dt).astype(np.int64)
    if not np.allclose(steps * dt, times, rtol=0, atol=1e-9):
        raise ValueError(f"measurement times are not multiples of dt = {dt}")
    return steps


def evolve(
    setting: Setting,
    L: int,
    U: float,
    eps: np.ndarray,
    times: np.ndarray,
    with_cdd: bool = True,
) -> dict[str, Any]:
    """Evolve the pipeline's initial state with ``setting`` and measure at ``times``.

    Parameters
    ----------
    setting : Setting
        Numerical knobs.
    L, U : int, float
        Size and interaction (td = tc = 1, d-bosons on i % 3 == 1, c-boson on L // 2).
    eps : ndarray, shape (L,)
        The realisation's potential.
    times : ndarray
        Measurement times, increasing, multiples of ``setting.dt`` (0 allowed).
    with_cdd : bool
        Measure the correlation matrix (False: ``C_dd`` is NaN, its cost 0).

    Returns
    -------
    dict
        ``times``, ``n_d``, ``n_c`` (T, L), ``C_dd`` (T, L, L), ``S`` (T, L-1), ``chi`` (T,)
        largest bond dimension, ``trunc_err`` (T,) accumulated discarded weight; and the cost:
        ``evol_cpu_s``, ``evol_wall_s`` (Trotter steps), ``meas_cpu_s``, ``meas_wall_s``
        (densities and entropies), ``cdd_cpu_s``, ``cdd_wall_s`` (``C_dd``), ``n_steps``,
        ``n_meas``, ``chi_peak`` (largest bond dimension at a measurement time),
        ``trunc_err_final``.
    """
    from mblbath.model import BathModel, initial_mps
    from mblbath.observables import bond_entropies, connected_dd, densities
    from mblbath.tebd.engine import blas_limit
    from mblbath.tebd.evolve import make_engine

    times = np.asarray(times, dtype=float)
    steps = _steps(times, setting.dt)
    model = BathModel({"L": L, "eps": np.asarray(eps, float), "U": float(U), "td": 1.0, "tc": 1.0})
    psi = initial_mps(model)
    options = {
        "order": setting.order,
        "dt": setting.dt,
        "N_steps": 1,
        "trunc_params": setting.trunc_params(),
    }
    out: dict[str, list] = {k: [] for k in ("n_d", "n_c", "C_dd", "S", "chi", "trunc_err")}
    clock = _Clock()
    done = 0
    with blas_limit(1), warnings.catch_warnings():
        # TeNPy documents order "4_opt" but reads the option with type int and warns.
        warnings.filterwarnings("ignore", message='Invalid type for key "order"')
        engine = make_engine(psi, model, options)
        engine.options.touch("N_steps", "dt")  # read by run(); the fused path skips run()
        try:
            for n in steps:
                clock.start()
                if setting.fuse and n > done:
                    engine.run_evolution(int(n - done), setting.dt)
                else:
                    for _ in range(int(n - done)):
                        engine.run()
                done = int(n)
                clock.lap("evol")
                n_d, n_c = densities(psi)
                S = bond_entropies(psi)
                clock.lap("meas")
                cdd = connected_dd(psi, n_d) if with_cdd else np.full((L, L), np.nan)
                clock.lap("cdd")
                for key, val in (("n_d", n_d), ("n_c", n_c), ("C_dd", cdd), ("S", S)):
                    out[key].append(val)
                out["chi"].append(int(max(psi.chi)))
                out["trunc_err"].append(float(engine.trunc_err.eps))
        finally:
            engine.close()
    result: dict[str, Any] = {k: np.asarray(v) for k, v in out.items()}
    result["times"] = times
    result.update({f"{k}_cpu_s": v for k, v in clock.cpu.items()})
    result.update({f"{k}_wall_s": v for k, v in clock.wall.items()})
    result.update(
        n_steps=int(steps[-1]),
        n_meas=len(times),
        chi_peak=int(result["chi"].max()),
        trunc_err_final=float(result["trunc_err"][-1]),
    )
    return result


class _Clock:
    """CPU seconds of the process and wall seconds, accumulated per phase."""

    def __init__(self) -> None:
        self.cpu = dict.fromkeys(("evol", "meas", "cdd"), 0.0)
        self.wall = dict.fromkeys(("evol", "meas", "cdd"), 0.0)
        self._t = (0.0, 0.0)

    def start(self) -> None:
        self._t = (time.process_time(), time.perf_counter())

    def lap(self, phase: str) -> None:
        """Add the time since :meth:`start` or the previous lap to ``phase``."""
        c, w = time.process_time(), time.perf_counter()
        self.cpu[phase] += c - self._t[0]
        self.wall[phase] += w - self._t[1]
        self._t = (c, w)
