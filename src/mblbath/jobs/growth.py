"""How the bond dimension of a run grows, learned from finished runs of the same (model, U).

A TEBD run starts from a product state (``chi = 1``) and its bonds grow towards
``chi_max``; how fast depends on the physics (U, W: slow in the localised phase) and on the
truncation (``svd_min``). :func:`learn_growth` measures that growth on the finished runs of
one ``(model, U)`` -- any L, seed, ``chi_max`` -- and :meth:`Growth.profile_sums` predicts
the profile of a planned run from it, so that :mod:`mblbath.jobs.runcost` can price the
run step by step instead of at ``chi_max`` from ``t = 0``.

What is measured, and what is assumed
-------------------------------------
- At every measurement time of a run, the bond dimensions of its *bulk* bonds (those whose
  Hilbert-space cap, :func:`~mblbath.jobs.cost.bond_caps`, exceeds the run's
  ``chi_max``, so only the dynamics limits them; :func:`decile_curves`) give the deciles
  ``q = 0.05 ... 0.95`` of the distribution of ``chi_b(t)`` over bonds. Assumed: that
  distribution does not depend on L (entanglement grows locally; the bonds of a short
  chain are all near the c-boson, so this errs towards more cost for longer chains).
- Where a decile reached the run's own ``chi_max`` (``>= 0.95 chi_max``: truncated, the
  dynamics would have grown it further; or the bulk bonds' Hilbert-space cap) and after
  the run's ``t_max``, it is *extrapolated*: a power law ``chi ~ t^p`` continued from the
  last decade of times at which it was below ``chi_max``, with ``0 <= p <= 3`` fitted
  there.
- The curves of the runs (each on a common logarithmic time grid) are averaged in
  ``log chi`` (geometric mean), measured beating extrapolated: where some runs measured a
  decile, the mean of those; elsewhere the extrapolations of the runs that measured it
  longest (so that a short run truncated early, e.g. a smoke run, does not drag the
  curves with its guess).
- A planned run of size L at ``chi_max`` has on bond b
  ``min(chi_q(t), chi_max, cap_b(L))``, for each decile with weight 1/10; the profile sums
  ``sum_b chi_b^2``, ``sum_b chi_b^3`` are these expectations.

:meth:`Growth.evidence` says which runs the curves rest on, up to which time and bond
dimension they were measured, and so what a prediction extrapolates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .cost import bond_caps

__all__ = ["QUANTILES", "Growth", "learn_growth", "decile_curves"]

#: Quantile levels of the bulk bonds' distribution at each time (deciles' midpoints).
QUANTILES = (np.arange(10) + 0.5) / 10
#: A decile at or above this fraction of the run's chi_max counts as truncated.
CLIPPED = 0.95
#: Bounds of the fitted power-law exponent of the extrapolation.
P_RANGE = (0.0, 3.0)
#: Points of the common time grid per decade.
_PER_DECADE = 20


@dataclass(frozen=True)
class Growth:
    """The growth of chi for one (model, U), learned from finished runs.

    Attributes
    ----------
    key : tuple
        ``(model folder, U)``.
    tau : ndarray, shape (n,)
        Logarithmic time grid (> 0) of the curves.
    log_chi : ndarray, shape (n, len(QUANTILES))
        ``log chi_q(tau)``, measured or extrapolated, averaged over the runs.
    slope : ndarray, shape (len(QUANTILES),)
        Power-law exponent per decile beyond ``tau[-1]`` (mean over the runs).
    runs : tuple of str
        Keys of the runs.
    sizes : tuple of int
        Their chain lengths.
    t_measured : float
        The longest ``t_max`` among the runs.
    chi_measured : float
        The largest decile value measured below a run's ``chi_max`` (above it: extrapolated).
    t_clipped : float
        Earliest time at which the top decile of some run reached its ``chi_max``
        (``inf`` if none did): from there on the top of the distribution is extrapolated.
    """

    key: tuple[str, float]
    tau: np.ndarray
    log_chi: np.ndarray
    slope: np.ndarray
    runs: tuple[str, ...]
    sizes: tuple[int, ...]
    t_measured: float
    chi_measured: float
    t_clipped: float

    def deciles(self, times: Sequence[float]) -> np.ndarray:
        """``chi_q(t)`` at ``times``, shape (len(times), len(QUANTILES)); 1 at t <= 0."""
        t = np.asarray(times, dtype=np.float64)
        lt = np.log(np.maximum(t, self.tau[0]))
        out = np.empty((t.size, QUANTILES.size))
        for j in range(QUANTILES.size):
            inside = np.interp(lt, np.log(self.tau), self.log_chi[:, j])
            beyond = self.log_chi[-1, j] + self.slope[j] * (lt - np.log(self.tau[-1]))
            out[:, j] = np.where(lt > np.log(self.tau[-1]), beyond, inside)
        out = np.maximum(np.exp(out), 1.0)
        out[t <= 0] = 1.0
        return out

    def profile_sums(
        self, L: int, chi_max: int, times: Sequence[float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Expected ``sum_b chi_b^2`` and ``sum_b chi_b^3`` of a run (L, chi_max) at ``times``."""
        cap = np.minimum(bond_caps(L), chi_max).astype(np.float64)  # (L - 1,)
        chi = np.minimum(self.deciles(times)[:, None, :], cap[None, :, None])  # (T, b, q)
        return np.sum(np.mean(chi**2, axis=2), axis=1), np.sum(np.mean(chi**3, axis=2), axis=1)

    def evidence(self) -> str:
        """One line: the runs behind the curves and where the extrapolation starts."""
        sizes = ",".join(str(L) for L in sorted(set(self.sizes)))
        clipped = (
            f", top decile at chi_max from t = {self.t_clipped:.3g} on"
            if np.isfinite(self.t_clipped)
            else ""
        )
        n = len(self.runs)
        return (
            f"U={self.key[1]:g}: {n} run{'s' if n != 1 else ''} (L={sizes}) measured to "
            f"t = {self.t_measured:g}, chi <= {self.chi_measured:.0f}{clipped}; "
            f"beyond: power law chi ~ t^p, p = {np.min(self.slope):.2f}..{np.max(self.slope):.2f}"
        )


def decile_curves(
    times: np.ndarray, chi: np.ndarray, L: int, chi_max: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deciles of the bulk bonds' chi at every time ``> 0`` of one run.

    The bulk bonds are those whose Hilbert-space cap exceeds ``chi_max``; in a run whose
    ``chi_max`` exceeds every cap (a short chain, no truncation), the central bonds, whose
    cap is at least half the largest. A decile is truncated from
    ``CLIPPED * min(chi_max, smallest cap of the bulk bonds)`` on.

    Returns
    -------
    t : ndarray, shape (T',)
        The times > 0.
    q : ndarray, shape (T', len(QUANTILES))
        The deciles.
    valid : ndarray of bool, same shape
        False where a decile is truncated.
    """
    caps = bond_caps(L)
    bulk = caps > chi_max
    if not bulk.any():
        bulk = caps >= caps.max() / 2
    limit = min(chi_max, int(caps[bulk].min()))
    keep = np.asarray(times) > 0
    q = np.quantile(np.asarray(chi, dtype=np.float64)[keep][:, bulk], QUANTILES, axis=1).T
    return np.asarray(times)[keep], q, q < CLIPPED * limit


def _slope(lt: np.ndarray, ly: np.ndarray) -> float:
    """Power-law exponent over the last decade of the points ``(log t, log chi)``."""
    last = lt >= lt[-1] - np.log(10.0)
    x, y = lt[last], ly[last]
    if x.size < 2 or np.ptp(x) == 0:
        return 1.0  # no decade to fit: linear growth, the order of what the runs show
    p = np.polyfit(x, y, 1)[0]
    return float(np.clip(p, *P_RANGE))


def _on_grid(
    t: np.ndarray, q: np.ndarray, valid: np.ndarray, tau: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One run's deciles on ``tau``: measured where valid, extrapolated elsewhere.

    Returns the curves ``(len(tau), n_q)`` in ``log chi``, the exponent of each decile's
    extrapolation and the log of the last time each decile was measured (not truncated).
    """
    lt, ltau = np.log(t), np.log(tau)
    out = np.empty((tau.size, q.shape[1]))
    slopes, last = np.empty(q.shape[1]), np.empty(q.shape[1])
    for j in range(q.shape[1]):
        # valid up to the first truncated time (later dips under chi_max are truncation too)
        n_ok = int(np.argmin(valid[:, j])) if not valid[:, j].all() else len(t)
        if n_ok == 0:  # truncated from the first time on: grow from there at p = 1
            n_ok, ly = 1, np.log(np.maximum(q[:1, j], 1.0))
            slopes[j], last[j] = 1.0, -np.inf
        else:
            ly = np.log(np.maximum(q[:n_ok, j], 1.0))
            slopes[j], last[j] = _slope(lt[:n_ok], ly), lt[n_ok - 1]
        inside = np.interp(ltau, lt[:n_ok], ly)
        beyond = ly[-1] + slopes[j] * (ltau - lt[n_ok - 1])
        out[:, j] = np.where(ltau > lt[n_ok - 1], beyond, inside)
    return out, slopes, last


def _combine(
    tau: np.ndarray, grids: np.ndarray, slopes: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Average the runs' curves: measured beats extrapolated (module docstring).

    ``grids`` (runs, tau, q), ``slopes`` and ``last`` (runs, q). Where some run measured a
    decile at a time, the mean over the runs that did; elsewhere the mean of the
    extrapolations of the runs that measured that decile longest (to at least half the
    longest time); the exponents beyond the grid likewise.
    """
    measured = np.log(tau)[None, :, None] <= last[:, None, :]
    longest = last >= np.max(last, axis=0) - np.log(2.0)  # (runs, q)
    w = np.where(measured.any(axis=0)[None], measured, longest[:, None, :]).astype(float)
    log_chi = np.sum(w * grids, axis=0) / np.sum(w, axis=0)
    return log_chi, np.sum(longest * slopes, axis=0) / np.sum(longest, axis=0)


def learn_growth(records: Iterable) -> dict[tuple[str, float], Growth]:
    """:class:`Growth` of every ``(model, U)`` among ``records`` (:class:`~.records.RunRecord`)."""
    groups: dict[tuple[str, float], list] = {}
    for r in records:
        groups.setdefault(r.growth_key, []).append(r)
    out = {}
    for key, runs in groups.items():
        curves = [decile_curves(r.times, r.chi, r.L, r.chi_max) for r in runs]
        t_lo = min(float(t[0]) for t, _, _ in curves)
        t_hi = max(float(t[-1]) for t, _, _ in curves)
        n = max(int(np.ceil(np.log10(t_hi / t_lo) * _PER_DECADE)) + 1, 2)
        tau = np.geomspace(t_lo, t_hi, n)
        grids, slopes, last = (
            np.array(x) for x in zip(*(_on_grid(t, q, ok, tau) for t, q, ok in curves), strict=True)
        )
        log_chi, slope = _combine(tau, grids, slopes, last)
        measured = [q[ok] for _, q, ok in curves if ok.any()]
        clipped = [t[~ok[:, -1]][0] for t, _, ok in curves if not ok[:, -1].all()]
        out[key] = Growth(
            key=key,
            tau=tau,
            log_chi=log_chi,
            slope=slope,
            runs=tuple(r.key for r in runs),
            sizes=tuple(r.L for r in runs),
            t_measured=max(r.t_max for r in runs),
            chi_measured=float(max((m.max() for m in measured), default=1.0)),
            t_clipped=float(min(clipped, default=np.inf)),
        )
    return out
