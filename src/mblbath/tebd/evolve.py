"""TEBD driver: evolve the initial state of Eq. (1) and measure on a time grid.

The time grid (:func:`mblbath.config.time_grid`) consists of integer multiples of ``dt``;
between two measurement times the TEBD engine (:func:`make_engine`: TeNPy's
:class:`~tenpy.algorithms.tebd.TEBDEngine` with the lean bond update of
:mod:`mblbath.tebd.bond_update`, bonds optionally updated in parallel) performs exactly the
required number of Suzuki-Trotter steps of the chosen ``order``, truncating each bond to
``chi_max`` and discarding Schmidt values below ``svd_min``.
"""

from __future__ import annotations

import logging
import os
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from tenpy.networks.mps import MPS

from ..config import RunParams
from ..model import BathModel, initial_mps
from ..observables import measure
from .checkpoint import load_checkpoint, run_key, save_checkpoint
from .engine import ParallelTEBDEngine

__all__ = ["Progress", "Interrupted", "make_engine", "run_tebd"]

log = logging.getLogger(__name__)

_KEYS = ("n_d", "n_c", "C_dd", "S", "chi", "trunc_err")


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


class Interrupted(Exception):
    """The run was asked to stop (e.g. SIGTERM); its state is in the checkpoint."""


def make_engine(
    psi: MPS,
    model: BathModel,
    options: dict,
    n_threads: int = 1,
    blas_threads: int | None = None,
) -> ParallelTEBDEngine:
    """The TEBD engine of :func:`run_tebd` (the benchmarks use it too).

    :class:`mblbath.tebd.engine.ParallelTEBDEngine` with the lean bond update
    (:mod:`mblbath.tebd.bond_update`; equal to TeNPy's ``TEBDEngine.update_bond`` to round-off),
    ``n_threads`` bonds of a Trotter layer at a time.

    Parameters
    ----------
    psi : MPS
        The state, evolved in place.
    model : BathModel
        The model (nearest-neighbour bond gates).
    options : dict
        TEBD options (``order``, ``dt``, ``N_steps``, ``trunc_params``).
    n_threads : int
        Bond-update threads (1: sequential).
    blas_threads : int, optional
        BLAS threads while evolving (default: ``cores // n_threads`` for ``n_threads > 1``,
        left alone for 1; see :class:`~mblbath.tebd.engine.ParallelTEBDEngine`).

    Returns
    -------
    ParallelTEBDEngine
        Call its ``close()`` when done (stops the thread pool, if any).
    """
    if n_threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {n_threads}")
    return ParallelTEBDEngine(
        psi, model, options, n_threads=n_threads, blas_threads=blas_threads, lean=True
    )


def run_tebd(
    params: RunParams,
    eps: np.ndarray,
    on_progress: Callable[[Progress], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every_s: float = 600.0,
    should_stop: Callable[[], bool] | None = None,
    n_threads: int = 1,
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
    checkpoint : path, optional
        Checkpoint file. If it holds a valid checkpoint of this very run (same parameters
        and disorder, see :mod:`mblbath.tebd.checkpoint`) the evolution resumes from it; the state
        is saved there at a measurement time when ``checkpoint_every_s`` seconds have passed
        since the last save, and whenever ``should_stop`` turns true. At the end the
        measurements alone (no MPS) are saved there, so that if writing the results fails
        (a full disk), a rerun returns them at once; the caller removes the checkpoint once
        the results are written (:func:`~mblbath.tebd.checkpoint.remove_checkpoint`).
    checkpoint_every_s : float
        Minimal wall time between two periodic checkpoints (0: at every measurement).
    should_stop : callable, optional
        Polled after every Trotter step; when it returns True the state is checkpointed and
        :class:`Interrupted` is raised.
    n_threads : int
        Bonds of one Trotter layer updated concurrently (:func:`make_engine`, BLAS limited
        to cores // n_threads each); 1 updates them one after the other. Results agree to
        round-off with each other and with TeNPy's own ``TEBDEngine``.

    Returns
    -------
    dict
        ``times`` (T,), ``n_d``, ``n_c`` (T, L), ``C_dd`` (T, L, L; NaN at the times
        ``numerics.cdd_every`` skips, :meth:`RunParams.cdd_times`), ``S`` (T, L-1),
        ``chi`` (T, L-1), ``trunc_err`` (T,) accumulated discarded weight.

    Notes
    -----
    A resumed run performs exactly the same floating-point operations as an uninterrupted
    one (TeNPy's TEBD applies each Trotter step independently), so its results agree to
    round-off.
    """
    eps = np.asarray(eps, dtype=float)
    if eps.shape != (params.L,):
        raise ValueError(f"eps has shape {eps.shape}, expected ({params.L},)")
    if n_threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {n_threads}")
    model = BathModel({"L": params.L, "eps": eps, "U": params.U, "td": params.td, "tc": params.tc})
    key = run_key(params, eps)
    state = _start_state(params, model, checkpoint, key)
    if state["k_next"] < len(params.times()):
        engine = make_engine(state["psi"], model, _tebd_options(params), n_threads=n_threads)
        if state["trunc_err"] is not None:
            engine.trunc_err = state["trunc_err"]
        saver = _Saver(checkpoint, key, checkpoint_every_s, state, engine)
        try:
            _evolve(params, state, engine, saver, on_progress, should_stop)
        finally:
            engine.close()
        saver.save_final()
    result = {name: np.asarray(v) for name, v in state["out"].items()}
    result["times"] = params.times()
    return result


def _start_state(
    params: RunParams, model: BathModel, checkpoint: str | os.PathLike | None, key: str
) -> dict[str, Any]:
    """The run's state: from a valid checkpoint of this run, else the initial product state.

    The dict is what a checkpoint holds: ``psi``, ``out`` (measurements so far, one list
    per observable), ``done`` (Trotter steps evolved), ``k_next`` (next grid index to
    measure), ``trunc_err`` (the engine's accumulated error, None at the start) and
    ``elapsed`` (wall time so far).
    """
    state = load_checkpoint(checkpoint, key) if checkpoint is not None else None
    if state is None:
        return {
            "psi": initial_mps(model, params.d_residue, params.c0),
            "out": {k: [] for k in _KEYS},
            "done": 0,
            "k_next": 0,
            "trunc_err": None,
            "elapsed": 0.0,
        }
    if state["k_next"] >= len(params.times()):
        log.info("%s holds the finished run: nothing left to evolve", checkpoint)
    else:
        log.info("resuming from %s at t = %.4g", checkpoint, state["done"] * params.dt)
    return state


def _tebd_options(params: RunParams) -> dict[str, Any]:
    """TeNPy TEBD options of one Trotter step (the driver calls ``run()`` step by step)."""
    return {
        "order": params.order,
        "dt": params.dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": params.chi_max, "svd_min": params.svd_min},
    }


class _Saver:
    """Writes the checkpoint of a run (nothing without a path): on request or periodically."""

    def __init__(
        self,
        path: str | os.PathLike | None,
        key: str,
        every_s: float,
        state: dict[str, Any],
        engine: ParallelTEBDEngine,
    ) -> None:
        self.path, self.key, self.every_s = path, key, every_s
        self.state, self.engine = state, engine
        self.start = _time.perf_counter() - state["elapsed"]
        self.last_save = _time.perf_counter()

    def elapsed(self) -> float:
        """Wall time of the run so far, including the time before a resume."""
        return _time.perf_counter() - self.start

    def save(self, k_next: int) -> None:
        """Checkpoint the state: evolved ``done`` steps, measured up to ``k_next - 1``."""
        if self.path is None:
            return
        s = self.state
        save_checkpoint(
            self.path,
            self.key,
            {
                "psi": s["psi"],
                "out": s["out"],
                "done": s["done"],
                "k_next": k_next,
                "trunc_err": self.engine.trunc_err,
                "elapsed": self.elapsed(),
            },
        )

    def save_final(self) -> None:
        """Save the measurements of the finished run (without the MPS, which is no longer
        needed); a failure is only logged, since the results are still in memory."""
        if self.path is None:
            return
        s = self.state
        final = {"psi": None, "out": s["out"], "done": s["done"], "k_next": len(s["out"]["n_d"])}
        final.update(trunc_err=self.engine.trunc_err, elapsed=self.elapsed())
        try:
            save_checkpoint(self.path, self.key, final)
        except OSError as exc:
            log.warning("could not save the finished run to %s (%s)", self.path, exc)

    def periodic(self, k_next: int, n_times: int) -> None:
        """Save if ``every_s`` seconds have passed since the last save (not after the end)."""
        if self.path is not None and k_next < n_times:
            if _time.perf_counter() - self.last_save >= self.every_s:
                self.save(k_next)
                self.last_save = _time.perf_counter()


def _evolve(
    params: RunParams,
    state: dict[str, Any],
    engine: ParallelTEBDEngine,
    saver: _Saver,
    on_progress: Callable[[Progress], None] | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    """Evolve from ``state`` to ``t_max``, measuring at every grid time from ``k_next`` on."""
    times = params.times()
    cdd_at = params.cdd_times()
    steps = np.rint(times / params.dt).astype(np.int64)
    psi, out = state["psi"], state["out"]
    for k in range(state["k_next"], len(steps)):
        while state["done"] < steps[k]:
            if should_stop is not None and should_stop():
                saver.save(k)
                raise Interrupted(f"stopped at t = {state['done'] * params.dt:.4g}")
            engine.run()  # one Trotter step (N_steps = 1)
            state["done"] += 1
        for name, val in measure(psi, with_cdd=bool(cdd_at[k])).items():
            out[name].append(val)
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
                    elapsed=saver.elapsed(),
                )
            )
        saver.periodic(k + 1, len(steps))
