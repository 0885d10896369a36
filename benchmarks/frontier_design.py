"""Which settings the frontier benchmark runs, at which sizes, against which references.

Not the full product of the knobs (that would be hundreds of runs per realisation). The design
has two stages around today's default ``D`` (chi 128, order 2, dt 0.05, svd_min 1e-10):

``knob``
    One knob at a time: ``svd_min`` (1e-12, 1e-8, 1e-6); TeNPy's ``trunc_cut`` (1e-6 ... 1e-3:
    discarded weight per bond update <= trunc_cut**2); ``chi_max`` (64, 256, 512); Trotter order
    and dt (order 2 at dt 0.025, 0.1, 0.2; order 4 at 0.05, 0.1, 0.2; TeNPy's optimised
    fourth order ``4_opt`` at 0.1, 0.2, 0.4); and ``fuse`` (one engine call per measurement
    interval instead of one per step).
``combo``
    Combinations near the frontier the first stage showed: ``4_opt`` at dt 0.2-0.4 (the
    Trotter error of ``D`` at a fraction of its cost), with a discarded-weight cut or a
    different ``chi_max``.

Parts (one reference each; the pipeline's realisations 0 and 1 of ``L``, the same for every
setting and every U):

- ``L12``: L = 12, T = 20, U = 12, 2.5, 0, every setting of both stages, against exact
  dynamics (:func:`mblbath.exact.sector_evolution`; :func:`~mblbath.exact.free_evolution` at
  U = 0). The centre bond holds at most 96 states, so ``chi_max >= 96`` truncates nothing:
  settings differing only by such a chi are run once.
- ``L18``: L = 18, T = 20, U = 12 and 2.5, against exact dynamics (sector dimension 334,152);
  chi binds here.
- ``L24``: L = 24, T = 20, U = 12, against a TEBD reference of much larger chi
  (:data:`REF24`). Its measurement times are each setting's pipeline grid built with a step
  of at least 0.1 (the reference's dt), i.e. 23 instead of 25 times for dt = 0.05, all of
  them the same at t >= 1 up to rounding.
- ``L24free``: L = 24, T = 20, U = 0 against free fermions (few settings: chi does not bind).
- ``long``: L = 18, T = 100, U = 12 (the default config moves to T >= 100), exact; the error
  bars at t > 20 are those of the aggregate's last time (t = 20).

U = 2.5 is tested at L = 12 and 18 only: there chi explodes with L (the default's runs at
L = 18 and 24 already exceed the pipeline's discarded-weight threshold), and a converged TEBD
reference at L = 24 costs more than the whole benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .frontier_run import DEFAULT, Setting

__all__ = ["REF24", "Part", "knob_settings", "combo_settings", "design", "quick_design"]

D = DEFAULT

#: Reference of the L = 24 part: order 4_opt (Trotter error at L = 12 and dt 0.1: ~1e-5),
#: chi 512 (four times the default), svd_min 1e-12.
REF24 = Setting(chi_max=512, order="4_opt", dt=0.1, svd_min=1e-12, fuse=True)


def knob_settings() -> list[Setting]:
    """Stage 1: today's default and one knob changed at a time."""
    out = [D]
    out += [D.with_(svd_min=v) for v in (1e-12, 1e-8, 1e-6)]
    out += [D.with_(trunc_cut=v) for v in (1e-6, 1e-5, 1e-4, 1e-3)]
    out += [D.with_(chi_max=v) for v in (64, 256, 512)]
    out += [D.with_(dt=v) for v in (0.025, 0.1, 0.2)]
    out += [D.with_(order=4, dt=v) for v in (0.05, 0.1, 0.2)]
    out += [D.with_(order="4_opt", dt=v) for v in (0.1, 0.2, 0.4)]
    out += [D.with_(fuse=True)]
    return out


def combo_settings() -> list[Setting]:
    """Stage 2: combinations near the frontier (fourth order at large dt, cuts, chi)."""
    b2 = D.with_(order="4_opt", dt=0.2, fuse=True)
    b4 = b2.with_(dt=0.4)
    return [
        b2,
        b2.with_(trunc_cut=1e-5),
        b2.with_(chi_max=64),
        b2.with_(chi_max=256),
        b4,
        b4.with_(trunc_cut=1e-4),
        b4.with_(chi_max=64),
    ]


@dataclass(frozen=True)
class Part:
    """One block of the benchmark: a size, its interactions, seeds, T and settings."""

    name: str
    L: int
    Us: tuple[float, ...]
    seeds: tuple[int, ...]
    t_max: float
    settings: tuple[Setting, ...]
    #: Reference per U: "exact" (sector/free evolution) or a TEBD Setting.
    reference: dict[float, str | Setting] = field(default_factory=dict)
    #: Grid step of the measurement times (None: each setting's own pipeline grid).
    grid_dt: float | None = None


def _skip_chi_above(settings: list[Setting], chi: int) -> list[Setting]:
    """Drop settings that differ from another only by a chi_max that cannot bind (> chi)."""
    seen, out = set(), []
    for s in settings:
        key = s.with_(chi_max=min(s.chi_max, chi))
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def design() -> list[Part]:
    """The full benchmark (~70 min of one core)."""
    knobs, combos = knob_settings(), combo_settings()
    all12 = _skip_chi_above(knobs + combos, 96)
    main = [D, D.with_(chi_max=64), D.with_(chi_max=256), D.with_(trunc_cut=1e-4), *combos]
    cheap = [D, D.with_(trunc_cut=1e-4), combos[0], combos[1], combos[4], combos[5]]
    long = [D, combos[0], combos[1], combos[4]]
    exact = {12.0: "exact", 2.5: "exact", 0.0: "exact"}
    seeds = (0, 1)
    return [
        Part("L12", 12, (12.0, 2.5, 0.0), seeds, 20.0, tuple(all12), exact),
        Part("L18", 18, (12.0, 2.5), seeds, 20.0, tuple(main), exact),
        Part("L24", 24, (12.0,), seeds, 20.0, tuple(main), {12.0: REF24}, grid_dt=0.1),
        Part("L24free", 24, (0.0,), seeds, 20.0, tuple(cheap), exact),
        Part("long", 18, (12.0,), seeds, 100.0, tuple(long), exact),
    ]


def quick_design() -> list[Part]:
    """A smoke test of the whole harness in a few minutes: L = 12, T = 5, one seed."""
    settings = (D, D.with_(trunc_cut=1e-4), D.with_(order="4_opt", dt=0.2, fuse=True))
    return [
        Part("L12", 12, (12.0, 0.0), (0,), 5.0, settings, {12.0: "exact", 0.0: "exact"}),
        Part(
            "tebdref",
            12,
            (12.0,),
            (0,),
            5.0,
            settings[:2],
            {12.0: Setting(chi_max=96, order="4_opt", dt=0.1, svd_min=1e-12, fuse=True)},
            grid_dt=0.1,
        ),
    ]
