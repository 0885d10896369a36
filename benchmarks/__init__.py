"""On-demand benchmarks of mblbath (not part of the test suite).

``python -m benchmarks cost``: the TEBD cost model of :mod:`mblbath.jobs.cost`
(see :mod:`benchmarks.cost_model`).
"""

__all__: list[str] = []
