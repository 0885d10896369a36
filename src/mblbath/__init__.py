"""mblbath: reproduce "Propagation of many-body localization in an Anderson insulator"
(Brighi, Michailidis, Abanin, Serbyn, arXiv:2109.07332) from code alone.

Modules: :mod:`~mblbath.config` (schema, run table), :mod:`~mblbath.model` (Eq. 1 on TeNPy),
:mod:`~mblbath.disorder`, :mod:`~mblbath.tebd` (TEBD driver and engine),
:mod:`~mblbath.observables`, :mod:`~mblbath.exact` (exact references), :mod:`~mblbath.io`
(run files), :mod:`~mblbath.aggregate`, :mod:`~mblbath.criterion`, :mod:`~mblbath.analysis`
(statistics and fits, shared by the figures and the report), :mod:`~mblbath.figures`,
:mod:`~mblbath.report`, :mod:`~mblbath.jobs` (cost model, SLURM, partial pass),
:mod:`~mblbath.cli`.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
