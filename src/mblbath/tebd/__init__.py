"""Time evolution with TEBD: the driver, the engine, the bond update and checkpoints.

- :mod:`~mblbath.tebd.evolve`: :func:`run_tebd` evolves one disorder realisation and
  measures on the time grid, checkpointing on the way;
- :mod:`~mblbath.tebd.engine`: :class:`ParallelTEBDEngine` (TeNPy's TEBD with the bonds of
  a Trotter layer updated concurrently) and the BLAS thread control;
- :mod:`~mblbath.tebd.bond_update`: the lean two-site update the engine uses, with its gate
  tables (:mod:`~mblbath.tebd.gates`) and truncation rule (:mod:`~mblbath.tebd.truncation`);
- :mod:`~mblbath.tebd.checkpoint`: atomic, checksummed checkpoints keyed by the run.
"""

from .checkpoint import load_checkpoint, run_key, save_checkpoint
from .engine import (
    ParallelTEBDEngine,
    available_cores,
    blas_limit,
    blas_threads_for,
    performance_info,
)
from .evolve import Interrupted, Progress, make_engine, run_tebd

__all__ = [
    "Interrupted",
    "ParallelTEBDEngine",
    "Progress",
    "available_cores",
    "blas_limit",
    "blas_threads_for",
    "load_checkpoint",
    "make_engine",
    "performance_info",
    "run_key",
    "run_tebd",
    "save_checkpoint",
]
