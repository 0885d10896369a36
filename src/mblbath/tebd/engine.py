"""The TEBD engine of the pipeline: bonds of a Trotter layer updated concurrently, BLAS threads.

What is threaded, and why
-------------------------
Within one Trotter layer TEBD updates either all even or all odd bonds. Those bonds act on
disjoint pairs of sites, so their updates are independent: :class:`ParallelTEBDEngine`
runs them concurrently on a pool of Python threads (``n_threads``; 1 is TeNPy's sequential
loop). Python threads only help where the GIL is released, so by default (``lean=True``)
every bond update -- threaded or not -- is the lean update of
:mod:`mblbath.tebd.bond_update`: the same contractions as TeNPy's
``TEBDEngine.update_bond``, done as one ``gemm`` per matching block pair or gate sector and
one LAPACK ``gesdd`` per charge sector (numpy's, which releases the GIL), with little
Python bookkeeping in between. What remains serial is that bookkeeping and the small
numpy calls of each update, which hold the GIL.

With ``lean=False`` the engine runs TeNPy's own update code (reproduced in
:meth:`ParallelTEBDEngine._update_bond_local` for TeNPy 1.1.1; ``n_threads = 1`` is then
:class:`~tenpy.algorithms.tebd.TEBDEngine`, except that :attr:`trunc_err` counts the
truncation error once, see :meth:`ParallelTEBDEngine.run_evolution`). Its threads can only
overlap TeNPy's compiled block ``tensordot`` (BLAS ``gemm`` inside ``nogil``) and the SVDs
of the charge blocks. TeNPy computes those with ``scipy.linalg.svd``, whose f2py LAPACK
wrapper keeps the GIL, so worker threads use ``numpy.linalg.svd`` instead (the same
``gesdd``; :func:`_gil_free_svd`, installed into ``tenpy.linalg.np_conserved`` once). Threads
that are not workers of this module -- the main thread, every sequential engine -- still
call TeNPy's own function, and a non-converging numpy SVD falls back to it.

BLAS threads
------------
To keep the number of busy cores at the job's allowance, the BLAS libraries are limited to
``max(1, cores // n_threads)`` threads each while the engine evolves (:func:`blas_limit`,
:mod:`threadpoolctl`; restored afterwards). At the block sizes of a bond update a single
update does not get faster with a second BLAS thread, so a second core is better spent on
a second bond.

Scheduling
----------
The bonds of a layer are submitted in decreasing order of their cost estimate
``chi_left * chi_right`` (longest job first), so that the big central bonds do not end up
on the same thread at the end of the layer; the results are collected in bond order.

Determinism
-----------
Every bond update performs the same floating-point operations whichever thread runs it and
however many threads there are, and everything a bond update shares with the others is
accumulated afterwards *in bond order*: the returned
:class:`~tenpy.algorithms.truncation.TruncationError` of the layer (``eps`` summed, ``ov``
multiplied in the same order as the sequential loop) and the MPS norm
(``psi.norm *= renormalize``). The per-bond errors ``_trunc_err_bonds[i]`` are private to
bond ``i``. With the lean update, 1 and N threads therefore give bitwise identical states
(with the same BLAS thread count; ``tests/test_tebd_bond_update.py``); the lean update
agrees with TeNPy's ``TEBDEngine`` to round-off (``tests/test_tebd_bond_update.py``). With
``lean=False`` the threaded and the sequential engine differ only by the LAPACK build doing
the SVD and the number of BLAS threads, i.e. round-off (``tests/test_tebd_engine.py``).

How much the threads gain, and the measurements behind the choices above, are in
``benchmarks/README.md`` (``python -m benchmarks.perf parallel`` and ``blas``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import tenpy
from tenpy.algorithms.tebd import TEBDEngine
from tenpy.linalg import np_conserved as npc
from tenpy.linalg.truncation import TruncationError, svd_theta
from tenpy.networks.mps import MPS

from .bond_update import store, update_bond
from .gates import GateBlocks, gate_blocks, supported
from .truncation import TruncOptions

__all__ = [
    "ParallelTEBDEngine",
    "available_cores",
    "blas_limit",
    "blas_threads_for",
    "performance_info",
]

log = logging.getLogger(__name__)

#: TeNPy version whose ``TEBDEngine.update_bond`` is reproduced here.
_TENPY_VERSION = "1.1.1"


def available_cores() -> int:
    """Number of cores this process may run on (``sched_getaffinity``, else ``cpu_count``)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def blas_threads_for(n_threads: int, cores: int | None = None) -> int:
    """BLAS threads per bond-update thread so that ``n_threads * blas <= cores`` (at least 1).

    Parameters
    ----------
    n_threads : int
        Number of concurrent bond updates.
    cores : int, optional
        Cores of the job (default :func:`available_cores`).

    Returns
    -------
    int
        ``max(1, cores // n_threads)``.
    """
    if n_threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {n_threads}")
    cores = available_cores() if cores is None else int(cores)
    return max(1, cores // n_threads)


_CONTROLLER: Any = None  # the cached threadpoolctl.ThreadpoolController
_WARNED = False  # whether the missing-threadpoolctl warning was logged


@contextlib.contextmanager
def blas_limit(n: int | None) -> Iterator[bool]:
    """Limit every loaded BLAS library (numpy's and scipy's OpenBLAS) to ``n`` threads.

    Uses a cached :class:`threadpoolctl.ThreadpoolController` and restores the previous
    limits on exit. ``n = None`` leaves the limits alone.

    Parameters
    ----------
    n : int or None
        Thread limit.

    Yields
    ------
    bool
        Whether a limit is in force (False if ``n`` is None or threadpoolctl is missing,
        in which case a warning is logged once and the environment variables
        ``OPENBLAS_NUM_THREADS`` etc. set before numpy was imported are what counts).
    """
    if n is None:
        yield False
        return
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        global _WARNED
        if not _WARNED:
            log.warning(
                "threadpoolctl is not installed: BLAS threads are not limited while bonds "
                "are updated in parallel (set OPENBLAS_NUM_THREADS before starting Python)"
            )
            _WARNED = True
        yield False
        return
    with _controller().limit(limits=int(n), user_api="blas"):
        yield True


def _controller() -> Any:
    """One :class:`threadpoolctl.ThreadpoolController` per process.

    Building it scans the loaded libraries (~1.5 ms); reusing it makes a limit cost ~10 us,
    so it can be set around every TEBD step. Libraries loaded after the first call are not
    seen (numpy's and scipy's OpenBLAS are loaded with TeNPy, before any engine runs).
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


# ------------------------------------------------------------------------------------------
# A GIL-free SVD for the worker threads
# ------------------------------------------------------------------------------------------

_TLS = threading.local()
_SVD_LOCK = threading.Lock()


def _gil_free_svd(original: Any) -> Any:
    """Wrap TeNPy's block SVD so that worker threads use :func:`numpy.linalg.svd`.

    TeNPy's ``npc.svd`` calls ``tenpy.linalg.svd_robust.svd`` (``scipy.linalg.svd``,
    LAPACK ``gesdd`` with a ``gesvd`` fallback) on every charge block. scipy's f2py LAPACK
    wrappers keep the GIL while LAPACK runs (measured with scipy 1.17.1: two threads doing
    complex SVDs gain nothing), whereas numpy's ``linalg.svd`` -- the same ``gesdd`` -- releases
    it. The wrapper uses numpy only in threads flagged by :func:`_mark_worker`; everywhere
    else (the main thread, ``n_threads = 1``) it calls ``original`` unchanged. If numpy's
    ``gesdd`` fails to converge, it falls back to ``original`` (scipy ``gesdd``, then
    ``gesvd``), keeping TeNPy's robustness.
    """

    def svd(
        a: np.ndarray,
        full_matrices: bool = True,
        compute_uv: bool = True,
        overwrite_a: bool = False,
        check_finite: bool = True,
        lapack_driver: str = "gesdd",
        warn: bool = True,
    ) -> Any:
        if getattr(_TLS, "worker", False) and lapack_driver == "gesdd":
            if check_finite and not np.isfinite(a).all():
                raise ValueError("array must not contain infs or NaNs")
            try:
                return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
            except np.linalg.LinAlgError:
                pass
        return original(
            a, full_matrices, compute_uv, overwrite_a, check_finite, lapack_driver, warn
        )

    svd._mblbath_original = original  # type: ignore[attr-defined]
    return svd


def _install_gil_free_svd() -> None:
    """Route ``tenpy.linalg.np_conserved.svd_flat`` through :func:`_gil_free_svd` (once)."""
    with _SVD_LOCK:
        current = npc.svd_flat
        if not hasattr(current, "_mblbath_original"):
            npc.svd_flat = _gil_free_svd(current)


def _mark_worker() -> None:
    """Thread-pool initializer: this thread may use the GIL-free SVD."""
    _TLS.worker = True


class ParallelTEBDEngine(TEBDEngine):
    """TeNPy's TEBD with the bonds of each Trotter layer updated concurrently.

    Constructor-compatible with :class:`tenpy.algorithms.tebd.TEBDEngine`, plus three keyword
    arguments. Use it as a drop-in replacement (real-time evolution; imaginary-time
    :meth:`run_GS` stays sequential)::

        engine = ParallelTEBDEngine(psi, model, options, n_threads=2)
        engine.run()

    Parameters
    ----------
    psi, model, options, **kwargs
        As for :class:`~tenpy.algorithms.tebd.TEBDEngine`.
    n_threads : int
        Bond updates running at the same time (1: one after the other, as TeNPy does).
    blas_threads : int or None
        BLAS threads allowed while evolving. Default: for ``n_threads > 1``
        ``max(1, cores // n_threads)`` (:func:`blas_threads_for`; cores = the CPUs this
        process may run on, e.g. a SLURM allocation), so that bond threads times BLAS threads
        stays within the job's cores; for ``n_threads = 1`` the BLAS libraries are left as
        they are (``OPENBLAS_NUM_THREADS`` etc. decide). ``0`` always leaves them alone.
    lean : bool
        Update bonds with :func:`mblbath.tebd.bond_update.update_bond` (default) wherever
        :func:`~mblbath.tebd.gates.supported` (finite MPS in B form, one basis state per
        physical charge block; otherwise TeNPy's code). False: TeNPy's own update code
        (``n_threads = 1`` is then exactly ``TEBDEngine``, but for the truncation error
        counted once: :meth:`run_evolution`).

    Notes
    -----
    The thread pool is created on first use and kept; call :meth:`close` (or use the
    engine as a context manager) to stop its threads early. ``_update_index`` is ``None``
    during a parallel layer (several bonds are in flight).
    """

    def __init__(
        self,
        psi: MPS,
        model: Any,
        options: Any,
        *,
        n_threads: int = 1,
        blas_threads: int | None = None,
        lean: bool = True,
        **kwargs: Any,
    ) -> None:
        n_threads = int(n_threads)
        if n_threads < 1:
            raise ValueError(f"n_threads must be >= 1, got {n_threads}")
        if blas_threads is not None and int(blas_threads) < 0:
            raise ValueError(f"blas_threads must be >= 0, got {blas_threads}")
        self._pool: ThreadPoolExecutor | None = None
        self._trunc_err_once: TruncationError | None = None  # see run_evolution
        self.lean = bool(lean)
        self._gates: dict[int, GateBlocks | None] = {}
        self._trunc_options: TruncOptions | None = None
        super().__init__(psi, model, options, **kwargs)
        if tenpy.__version__ != _TENPY_VERSION:  # pragma: no cover - pinned dependency
            warnings.warn(
                f"ParallelTEBDEngine reproduces TEBDEngine.update_bond of TeNPy "
                f"{_TENPY_VERSION}; this is TeNPy {tenpy.__version__}: check it still matches",
                RuntimeWarning,
                stacklevel=2,
            )
        self.n_threads = n_threads
        if blas_threads is None:
            self.blas_threads: int | None = blas_threads_for(n_threads) if n_threads > 1 else None
        else:
            self.blas_threads = int(blas_threads) or None

    # -- life cycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Shut the thread pool down (it is recreated if the engine is used again)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> ParallelTEBDEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            _install_gil_free_svd()
            self._pool = ThreadPoolExecutor(
                max_workers=self.n_threads,
                thread_name_prefix="mblbath-tebd",
                initializer=_mark_worker,
            )
        return self._pool

    # -- evolution -------------------------------------------------------------------------

    def run_evolution(self, N_steps: int, dt: float) -> None:
        """As TeNPy's ``run_evolution``, with the truncation error counted once.

        In TeNPy 1.1.1 ``TEBDEngine.evolve`` adds the error of its steps to
        :attr:`trunc_err`, and ``TimeEvolutionAlgorithm.run_evolution`` (what :meth:`run`
        calls) adds the same error a second time: a plain ``TEBDEngine`` reports twice the
        discarded weight (``eps``) and the square of the overlap (``ov``). Here
        :attr:`trunc_err` grows by the error of the steps exactly once, as it does when
        :meth:`evolve` is called directly; ``_trunc_err_bonds`` is unaffected.
        """
        self._trunc_err_once = None
        with warnings.catch_warnings():
            # TeNPy reads 'order' with an int type hint, but documents and implements the
            # string order '4_opt' (tenpy.algorithms.tebd.TEBDEngine.suzuki_trotter_*).
            warnings.filterwarnings("ignore", message='Invalid type for key "order"')
            super().run_evolution(N_steps, dt)
        if self._trunc_err_once is not None:  # evolve() ran: drop run_evolution's second sum
            self.trunc_err = self._trunc_err_once

    def evolve(self, N_steps: int, dt: float | None) -> TruncationError:
        """As :meth:`TEBDEngine.evolve`, with BLAS limited to :attr:`blas_threads`.

        The truncation options are read once per call (before any bond is updated).
        """
        self._trunc_options = TruncOptions.read(self.trunc_params)
        with blas_limit(self.blas_threads):
            err = super().evolve(N_steps, dt)
        self._trunc_err_once = self.trunc_err  # the previous total + err (TeNPy's evolve)
        return err

    def evolve_step(self, U_idx_dt: int, odd: bool | int) -> TruncationError:
        """Update all even (``odd = 0``) or all odd bonds, concurrently.

        Same contract as :meth:`TEBDEngine.evolve_step`: returns the truncation error of
        the layer, accumulated in increasing bond order.
        """
        Us = self._U[U_idx_dt]
        bonds = [int(i) for i in np.arange(int(odd) % 2, self.psi.L, 2) if Us[i] is not None]
        if self.n_threads == 1 or len(bonds) < 2:
            return super().evolve_step(U_idx_dt, odd)
        chi = self.psi.chi  # chi[j]: bond right of site j; bond i sits between i-1 and i
        L = self.psi.L

        def cost(i: int) -> int:
            left = chi[i - 2] if i >= 2 else 1
            right = chi[i] if i < L - 1 else 1
            return int(left) * int(right)

        self._update_index = None
        pool = self._executor()
        futures = {
            i: pool.submit(self._update_bond_local, i, Us[i])
            for i in sorted(bonds, key=cost, reverse=True)
        }
        trunc_err = TruncationError()
        for i in bonds:  # sequential order: identical accumulation
            err, renormalize = futures[i].result()
            self.psi.norm *= renormalize
            trunc_err += err
        return trunc_err

    def calc_U(self, *args: Any, **kwargs: Any) -> None:
        """:meth:`TEBDEngine.calc_U`; forgets the gates' sector tables when the gates change."""
        old = getattr(self, "_U", None)
        super().calc_U(*args, **kwargs)
        if self._U is not old:
            self._gates.clear()

    def update_bond(self, i: int, U_bond: npc.Array) -> TruncationError:
        """:meth:`TEBDEngine.update_bond`; the lean update if :attr:`lean` (sequential path)."""
        if not self.lean:
            return super().update_bond(i, U_bond)
        trunc_err, renormalize = self._update_bond_local(i, U_bond)
        self.psi.norm *= renormalize
        return trunc_err

    def _gate(self, U_bond: npc.Array) -> GateBlocks | None:
        """The sector table of a gate (cached per gate object; None: not supported)."""
        key = id(U_bond)
        if key in self._gates:
            gate = self._gates[key]
            if gate is None or gate.gate is U_bond:
                return gate
        gate = gate_blocks(U_bond)
        self._gates[key] = gate
        return gate

    def _update_bond_local(self, i: int, U_bond: npc.Array) -> tuple[TruncationError, float]:
        """One bond update without touching shared state; returns ``(trunc_err, renormalize)``.

        With :attr:`lean` (and where :func:`mblbath.tebd.gates.supported`), the lean update
        :func:`mblbath.tebd.bond_update.update_bond`; otherwise :meth:`TEBDEngine.update_bond`
        (TeNPy 1.1.1), identical operations. Unlike TeNPy's method, the renormalisation
        factor is returned instead of being multiplied into ``psi.norm`` here (the caller
        does that in bond order). Reads sites ``i-1, i`` and the Schmidt values left of
        ``i-1``; writes the two tensors, the Schmidt values between them and
        ``_trunc_err_bonds[i]``: bonds of one layer never touch each other's entries.
        """
        psi = self.psi
        i0, i1 = i - 1, i
        if self.lean:
            gate = self._gate(U_bond)
            if gate is not None and supported(psi, i, gate):
                opts = self._trunc_options
                if opts is None:
                    opts = self._trunc_options = TruncOptions.read(self.trunc_params)
                B_L, B_R, S, trunc_err, renormalize = update_bond(psi, i, gate, opts)
                store(psi, i, B_L, B_R, S)
                self._trunc_err_bonds[i] = self._trunc_err_bonds[i] + trunc_err
                return trunc_err, renormalize
        C = psi.get_theta(i0, n=2, formL=0.0)
        C = npc.tensordot(U_bond, C, axes=(["p0*", "p1*"], ["p0", "p1"]))
        C.itranspose(["vL", "p0", "p1", "vR"])
        theta = C.scale_axis(psi.get_SL(i0), "vL")
        theta = theta.combine_legs([("vL", "p0"), ("p1", "vR")], qconj=[+1, -1])
        U, S, V, trunc_err, renormalize = svd_theta(
            theta,
            self.trunc_params,
            [psi.get_B(i0, None).qtotal, None],
            inner_labels=["vR", "vL"],
        )
        B_R = V.split_legs(1).ireplace_label("p1", "p")
        B_L = npc.tensordot(
            C.combine_legs(("p1", "vR"), pipes=theta.legs[1]),
            V.conj(),
            axes=["(p1.vR)", "(p1*.vR*)"],
        )
        B_L.ireplace_labels(["vL*", "p0"], ["vR", "p"])
        B_L /= renormalize
        psi.set_SR(i0, S)
        psi.set_B(i0, B_L, form="B")
        psi.set_B(i1, B_R, form="B")
        self._trunc_err_bonds[i] = self._trunc_err_bonds[i] + trunc_err
        return trunc_err, renormalize


# ------------------------------------------------------------------------------------------
# What makes TeNPy fast here
# ------------------------------------------------------------------------------------------


def performance_info() -> dict[str, Any]:
    """TeNPy's compiled helpers, its optimisation level and the BLAS libraries in use.

    Returns
    -------
    dict
        ``tenpy_version``, ``tenpy_cython`` (``tenpy.tools.optimization.have_cython_functions``:
        the PyPI wheel ships the compiled ``tenpy.linalg._npc_helper``), ``tenpy_optimization``
        (level name; ``TENPY_OPTIMIZE`` sets it), ``tenpy_compiled_with_mkl``, ``blas``
        (list of ``"prefix version threads=N arch"`` strings from threadpoolctl, or
        ``"threadpoolctl not installed"``), ``cores`` and ``OPENBLAS_CORETYPE`` (reported,
        never changed).
    """
    from tenpy.tools import optimization

    info: dict[str, Any] = {
        "tenpy_version": tenpy.__version__,
        "tenpy_cython": bool(optimization.have_cython_functions),
        "tenpy_optimization": optimization.get_level().name,
        "tenpy_compiled_with_mkl": bool(optimization.compiled_with_MKL),
        "cores": available_cores(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
    }
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info["blas"] = ["threadpoolctl not installed"]
    else:
        info["blas"] = [
            f"{p.get('prefix')} {p.get('version')} threads={p.get('num_threads')} "
            f"arch={p.get('architecture', '?')} ({os.path.basename(p.get('filepath', ''))})"
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    return info
