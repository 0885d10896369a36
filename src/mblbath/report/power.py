"""How many disorder realisations each "errors too large" claim would need.

A claim is not testable when its error exceeds a third of the effect it must resolve
(:func:`mblbath.report.verdicts.power_check` writes ``V ± E: error > 0.33 × effect S`` into
the row). If the error is a standard error over R realisations, it shrinks as 1/√R, so
the claim becomes testable at ``R · (E / (POWER·S))²`` realisations. This module reads those
numbers back from a ``claims.md`` and tabulates them: the number of realisations a config
needs for its claims to decide, measured from the errors of a run, not guessed.

Fit errors (χ² fits of disorder means) shrink the same way as long as the disorder
dominates them; an error that does not (a time window too short, a size too small) is not
helped by more realisations, and its row says so by its reason, not by this table.

Run: ``python -m mblbath.report.power results/report/claims.md``.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from pathlib import Path

from .verdicts import UNTESTABLE

__all__ = ["Shortfall", "shortfalls", "table"]

_NUM = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_TOO_LARGE = re.compile(
    rf"(?P<v>{_NUM}) ± (?P<e>{_NUM}): error > (?P<p>{_NUM}) × effect (?P<s>{_NUM})"
)
_RUNS = re.compile(r"(\d+) runs")
_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")


@dataclass(frozen=True)
class Shortfall:
    """One quantity of one claim whose error is too large to decide."""

    claim: int
    value: float
    error: float
    target: float  # the largest error that would decide: POWER × effect
    runs: int  # realisations the error rests on (the fewest of the row's (L, U) points)

    @property
    def factor(self) -> float:
        """How many times more realisations the error needs: (error / target)²."""
        return (self.error / self.target) ** 2

    @property
    def runs_needed(self) -> int:
        return math.ceil(self.runs * self.factor)


def shortfalls(md_text: str) -> list[Shortfall]:
    """Every ``error > POWER × effect`` of the claims table, with the row's realisations.

    Only rows whose verdict is "not testable" count: a claim that already does not hold
    (another of its parts is contradicted) keeps that verdict however many realisations
    decide its other parts. Rows without a run count (a criterion computed without
    realisations) are skipped: more realisations cannot change them.
    """
    out = []
    for line in md_text.splitlines():
        row = _ROW.match(line)
        if row is None:
            continue
        cells = row.group(2).split(" | ")
        runs = [int(n) for n in _RUNS.findall(cells[-2] if len(cells) >= 2 else "")]
        if not runs or UNTESTABLE not in cells[-1]:
            continue
        for m in _TOO_LARGE.finditer(row.group(2)):
            out.append(
                Shortfall(
                    claim=int(row.group(1)),
                    value=float(m["v"]),
                    error=float(m["e"]),
                    target=float(m["p"]) * float(m["s"]),
                    runs=min(runs),
                )
            )
    return out


def table(items: list[Shortfall]) -> str:
    """A Markdown table: claim, measured, the error that would decide, realisations needed."""
    lines = [
        "| claim | measured | error that decides | realisations now | needed (error ∝ 1/√R) |",
        "|---|---|---|---|---|",
    ]
    for s in items:
        lines.append(
            f"| {s.claim} | {s.value:.3g} ± {s.error:.2g} | ≤ {s.target:.2g} | {s.runs} | "
            f"{s.runs_needed} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("claims", type=Path, help="a claims.md written by `mblbath report`")
    args = p.parse_args(argv)
    items = shortfalls(args.claims.read_text())
    print(table(items) if items else "no claim is untestable for its error bars\n", end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
