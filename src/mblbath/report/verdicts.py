"""Verdicts, the tests every decision rule is built from, and the claim row.

Every claim ends with one of :data:`VERDICTS`. A rule is a combination (:func:`all_of`) of
a few tests, each returning an :class:`Outcome`:

- :func:`significantly_positive` / :func:`significantly_negative`: the sign of a value,
  established by more than NSIG errors;
- :func:`consistent`: a value consistent with a reference within NSIG errors;
- :func:`within`: a value inside a tolerance around 0, established with errors
  (|v| + NSIG·e <= tol holds, |v| - NSIG·e > tol fails);
- :func:`below`: a value below a bound, established with errors;
- :func:`in_range`: a value inside a range, established with errors.

Strictness, in every test (issue #17 §2):

- a NaN, infinite or non-positive error (or one below REL_ERR_MIN of the value: round-off)
  makes the test "not testable" (never decided on the sign alone), and so does a NaN
  value;
- a value on the wrong side of the claim by more than NSIG errors (significantly negative
  where the claim wants positive, significantly outside a tolerance, range or bound, or
  significantly different from a reference) does not hold, whatever the error's size: a
  significant contradiction is a measurement, not luck;
- every other decision needs power: the error must be at most POWER times the effect the
  claim is about (an effect scale the rule states), else the test is "not testable (errors
  too large)". A "holds" is therefore never reached with large errors, nor a "does not
  hold" that rests only on the absence of a significant effect.

A not-testable outcome carries the reason (:data:`WHY_ERRORS`, :data:`WHY_NO_ERROR`,
:data:`WHY_SIZE`, :data:`WHY_TIME`, :data:`WHY_INPUT`), which the table prints next to the
verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .constants import NSIG, POWER, REL_ERR_MIN

__all__ = [
    "HOLDS",
    "FAILS",
    "UNTESTABLE",
    "VERDICTS",
    "WHY_ERRORS",
    "WHY_NO_ERROR",
    "WHY_SIZE",
    "WHY_TIME",
    "WHY_INPUT",
    "Outcome",
    "Claim",
    "untestable",
    "power_check",
    "significantly_positive",
    "significantly_negative",
    "consistent",
    "within",
    "below",
    "in_range",
    "all_of",
    "pm",
]

HOLDS = "holds"
FAILS = "does not hold"
UNTESTABLE = "not testable at this size"
#: The only verdicts a row can carry.
VERDICTS = (HOLDS, FAILS, UNTESTABLE)

#: Reasons of a not-testable verdict.
WHY_ERRORS = "errors too large"
WHY_NO_ERROR = "no usable error bar"
WHY_SIZE = "sizes too small or too few"
WHY_TIME = "time window too short"
WHY_INPUT = "input missing"


@dataclass(frozen=True)
class Outcome:
    """The result of one test: a verdict, what was compared, and why if not testable."""

    verdict: str
    note: str = ""
    why: str = ""


def untestable(why: str, note: str) -> Outcome:
    """A not-testable outcome with its reason."""
    return Outcome(UNTESTABLE, note, why)


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _unusable(v: float, e: float, what: str) -> Outcome | None:
    """Not testable if v is not a finite number or e is not a usable error bar."""
    if v is None or not np.isfinite(v):
        return untestable(WHY_INPUT, f"{what} is not a finite number")
    if e is None or not np.isfinite(e) or e <= REL_ERR_MIN * abs(v) or e <= 0:
        return untestable(WHY_NO_ERROR, f"{what} = {_fmt(v)} has no usable error ({e:.2g})")
    return None


def power_check(v: float, e: float, scale: float, what: str) -> Outcome | None:
    """Not testable if v is NaN, e is not a finite positive number, or e > POWER·scale."""
    return _unusable(v, e, what) or _underpowered(v, e, scale, what)


def _underpowered(v: float, e: float, scale: float, what: str) -> Outcome | None:
    """Not testable if the (usable) error e exceeds POWER·scale or there is no scale."""
    if scale is None or not np.isfinite(scale) or scale <= 0:
        return untestable(WHY_ERRORS, f"{what} = {pm(v, e)}: no effect to compare with")
    if e > POWER * scale:
        return untestable(
            WHY_ERRORS,
            f"{what} = {pm(v, e)}: error > {POWER:.2g} × effect {_fmt(scale)}",
        )
    return None


def significantly_positive(v: float, e: float, effect: float, what: str) -> Outcome:
    """``v > NSIG·e`` holds, otherwise does not hold; not testable if e > POWER·effect,
    unless ``v < -NSIG·e`` (does not hold whatever the error)."""
    bad = _unusable(v, e, what)
    if bad is None and v < -NSIG * e:
        return Outcome(FAILS, f"{what} = {pm(v, e)} < −{NSIG:g}σ")
    bad = bad or _underpowered(v, e, effect, what)
    if bad is not None:
        return bad
    ok = v > NSIG * e
    rel = ">" if ok else "<="
    return Outcome(HOLDS if ok else FAILS, f"{what} = {pm(v, e)} {rel} {NSIG:g}σ")


def significantly_negative(v: float, e: float, effect: float, what: str) -> Outcome:
    """``v < -NSIG·e`` holds, otherwise does not hold; not testable if e > POWER·effect,
    unless ``v > NSIG·e`` (does not hold whatever the error)."""
    bad = _unusable(v, e, what)
    if bad is None and v > NSIG * e:
        return Outcome(FAILS, f"{what} = {pm(v, e)} > {NSIG:g}σ")
    bad = bad or _underpowered(v, e, effect, what)
    if bad is not None:
        return bad
    ok = v < -NSIG * e
    rel = "<" if ok else ">="
    return Outcome(HOLDS if ok else FAILS, f"{what} = {pm(v, e)} {rel} −{NSIG:g}σ")


def consistent(v: float, e: float, effect: float, what: str, ref: float = 0.0) -> Outcome:
    """``|v - ref| <= NSIG·e`` holds (needs e <= POWER·effect), otherwise does not hold
    (whatever the error: a significant difference)."""
    bad = _unusable(v, e, what)
    if bad is None and abs(v - ref) > NSIG * e:
        return Outcome(FAILS, f"{what} = {pm(v, e)} differs from {ref:g} (effect {_fmt(effect)})")
    bad = bad or _underpowered(v, e, effect, what)
    if bad is not None:
        return bad
    return Outcome(HOLDS, f"{what} = {pm(v, e)} consistent with {ref:g} (effect {_fmt(effect)})")


def within(v: float, e: float, tol: float, what: str) -> Outcome:
    """``|v| + NSIG·e <= tol`` holds (needs e <= POWER·tol), ``|v| - NSIG·e > tol`` does not
    (whatever the error)."""
    bad = _unusable(v, e, what)
    if bad is None and abs(v) - NSIG * e > tol:
        return Outcome(FAILS, f"|{what}| = |{pm(v, e)}| > {tol:.3g}")
    bad = bad or _underpowered(v, e, tol, what)
    if bad is not None:
        return bad
    if abs(v) + NSIG * e <= tol:
        return Outcome(HOLDS, f"|{what}| = |{pm(v, e)}| < {tol:.3g}")
    return untestable(WHY_ERRORS, f"|{what}| = |{pm(v, e)}| within {NSIG:g}σ of {tol:.3g}")


def below(v: float, e: float, bound: float, what: str) -> Outcome:
    """``v + NSIG·e < bound`` holds (needs e <= POWER·|bound|), ``v - NSIG·e > bound`` does
    not (whatever the error)."""
    bad = _unusable(v, e, what)
    if bad is None and v - NSIG * e > bound:
        return Outcome(FAILS, f"{what} = {pm(v, e)} > {bound:g}")
    bad = bad or _underpowered(v, e, abs(bound), what)
    if bad is not None:
        return bad
    if v + NSIG * e < bound:
        return Outcome(HOLDS, f"{what} = {pm(v, e)} < {bound:g}")
    return untestable(WHY_ERRORS, f"{what} = {pm(v, e)} within {NSIG:g}σ of {bound:g}")


def in_range(v: float, e: float, lo: float, hi: float, what: str) -> Outcome:
    """Inside [lo, hi] by NSIG errors holds, outside by NSIG errors does not.

    Holding needs e <= POWER·(hi - lo); outside by NSIG errors does not hold whatever the
    error; a value within NSIG errors of an edge is not testable.
    """
    bad = _unusable(v, e, what)
    if bad is None and (v < lo - NSIG * e or v > hi + NSIG * e):
        return Outcome(FAILS, f"{what} = {pm(v, e)} outside [{lo:g}, {hi:g}]")
    bad = bad or _underpowered(v, e, hi - lo, what)
    if bad is not None:
        return bad
    if lo + NSIG * e <= v <= hi - NSIG * e:
        return Outcome(HOLDS, f"{what} = {pm(v, e)} in [{lo:g}, {hi:g}]")
    return untestable(
        WHY_ERRORS, f"{what} = {pm(v, e)} within {NSIG:g}σ of [{lo:g}, {hi:g}]'s edge"
    )


def all_of(parts: Sequence[Outcome]) -> Outcome:
    """Every part holds -> holds; any part fails -> does not hold; else not testable.

    The note joins the parts' notes; the reason of a not-testable result is that of its
    first not-testable part.
    """
    if not parts:
        return untestable(WHY_INPUT, "nothing to test")
    note = "; ".join(p.note for p in parts if p.note)
    if any(p.verdict == FAILS for p in parts):
        return Outcome(FAILS, note)
    if all(p.verdict == HOLDS for p in parts):
        return Outcome(HOLDS, note)
    why = next(p.why for p in parts if p.verdict == UNTESTABLE)
    return Outcome(UNTESTABLE, note, why)


@dataclass
class Claim:
    """One row of the claims table."""

    key: str
    paper: str
    figure: str
    measured: str = ""
    basis: str = ""
    verdict: str = UNTESTABLE
    rule: str = ""
    numbers: dict[str, float] = field(default_factory=dict)
    why: str = WHY_INPUT

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} not in {VERDICTS}")

    def conclude(self, outcome: Outcome) -> Claim:
        """Take the verdict of ``outcome`` and append its note to what was measured."""
        if outcome.verdict not in VERDICTS:
            raise ValueError(f"verdict {outcome.verdict!r} not in {VERDICTS}")
        self.verdict = outcome.verdict
        self.why = outcome.why if outcome.verdict == UNTESTABLE else ""
        if outcome.note:
            self.measured = f"{self.measured}; {outcome.note}" if self.measured else outcome.note
        return self

    def untestable(self, why: str, note: str) -> Claim:
        """Not testable for ``why``, with ``note`` appended to what was measured."""
        return self.conclude(untestable(why, note))


def pm(v: float, e: float | None = None, unit: str = "") -> str:
    """``v ± e`` rounded to the precision of two significant digits of ``e``."""
    if v is None or not np.isfinite(v):
        return "inf" if v is not None and np.isinf(v) else "NaN"
    if e is None or not np.isfinite(e) or e <= 0:
        return f"{v:.3g}{unit}"
    digits = max(0, 1 - int(math.floor(math.log10(e))))
    return f"{v:.{digits}f} ± {e:.{digits}f}{unit}"
