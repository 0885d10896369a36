"""On-demand benchmarks of mblbath (not part of the test suite).

``python -m benchmarks cost``: the TEBD cost model of :mod:`mblbath.jobs.cost`
(see :mod:`benchmarks.cost_model`).
``python -m benchmarks.frontier``: the error-cost frontier of the TEBD numerics
(see :mod:`benchmarks.frontier`).
"""

__all__: list[str] = []
