"""What makes TeNPy fast here: compiled helpers, optimisation level, BLAS libraries.

``python -m benchmarks.perf info`` prints :func:`mblbath.tebd.engine.performance_info` and
writes it to ``results/benchmarks/info.csv`` (one row per key):

- ``tenpy_cython``: ``tenpy.tools.optimization.have_cython_functions`` -- whether the
  compiled ``tenpy.linalg._npc_helper`` (block tensordot, combine/split legs, ...) is used.
  The PyPI wheel of physics-tenpy 1.1.1 ships it compiled; ``TENPY_NO_CYTHON=1`` disables it.
- ``tenpy_optimization``: the global optimisation level (``TENPY_OPTIMIZE``); ``default``
  keeps the sanity checks of every new ``npc.Array``.
- ``blas``: the BLAS/LAPACK libraries loaded (threadpoolctl): numpy's and scipy's
  OpenBLAS. TeNPy's compiled tensordot calls ``gemm`` through ``scipy.linalg.cython_blas``
  and its SVD is scipy's ``gesdd``, so scipy's OpenBLAS does the TEBD work.
- ``OPENBLAS_CORETYPE``: reported, never changed (set on some processors).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import load_columns, machine, write_csv, write_summary

__all__ = ["NAME", "main"]

NAME = "info"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.perf info``."""
    argparse.ArgumentParser(prog="python -m benchmarks.perf info", description=__doc__).parse_args(
        argv
    )
    import numpy as np
    import scipy

    from mblbath.tebd.engine import performance_info

    info: dict[str, Any] = {"machine": machine(), **performance_info()}
    info["numpy"] = np.__version__
    info["scipy"] = scipy.__version__
    info.update(load_columns())
    rows = []
    for key, value in info.items():
        if isinstance(value, list):
            for i, v in enumerate(value):
                rows.append({"key": f"{key}[{i}]", "value": v})
                print(f"{key}[{i}]: {v}")
        else:
            rows.append({"key": key, "value": value})
            print(f"{key}: {value}")
    path = write_csv(NAME, rows)
    write_summary(
        NAME,
        f"TeNPy {info['tenpy_version']} cython={info['tenpy_cython']} "
        f"optimization={info['tenpy_optimization']}; BLAS: "
        + " | ".join(info["blas"])
        + f" -> {path.name}",
    )
    return 0
