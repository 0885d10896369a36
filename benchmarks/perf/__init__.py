"""Performance benchmarks of mblbath against other codes and against itself (issue 8).

Run on demand, never in the test suite, from the repository root::

    python -m benchmarks.perf                  # all of them, one process each (~10 min)
    python -m benchmarks.perf all --quick      # every benchmark at toy size (harness check)
    python -m benchmarks.perf NAME [--help]    # one: quimb, overhead, blas, quspin,
                                               #      parallel, measure, qr, info

Each benchmark measures the two sides of its ratio in the same process, one after the
other (interleaved where it matters), writes ``results/benchmarks/<name>.csv`` with the
load average (``os.getloadavg``) at start and end of every row, and prints a one-line
summary (also stored as ``results/benchmarks/<name>.txt``).

==========  =======================================================================
name        what
==========  =======================================================================
quimb       TEBD step vs quimb's dense TEBD, same model/state/chi (:mod:`.quimb_tebd`)
overhead    ``run_tebd`` + netCDF output vs a bare TeNPy loop (:mod:`.overhead`)
blas        fraction of TEBD time inside BLAS/LAPACK (:mod:`.blas_fraction`)
quspin      exact sector evolution vs QuSpin (:mod:`.quspin_exact`)
parallel    parallel bond updates, 2 threads vs 1 (:mod:`.parallel_bonds`)
measure     cost of one measurement vs a TEBD step, scaling in L (:mod:`.measurement`)
qr          QR-based bond updates vs the SVD update at large chi (:mod:`.qr_tebd`)
info        TeNPy's compiled helpers, optimisation level, BLAS libraries
==========  =======================================================================

Benchmark-only dependencies: quimb, QuSpin, threadpoolctl (and ``perf`` from the Linux
tools for the sampling part of ``blas``, optional).
"""

__all__: list[str] = []
