"""Realisations needed by the claims whose error bars are too large (mblbath.report.power)."""

from __future__ import annotations

import pytest

from mblbath.report.power import main, shortfalls, table

MD = """## Claims

| # | claim | what we measured | rests on | verdict |
|---|---|---|---|---|
| 1 | a | slope = 0.2 ± 0.1: error > 0.33 × effect 0.1 | L = 18; L=18: U=12: 4 runs (0 unconverged); U=0: 6 runs | **not testable at this size** (errors too large) |
| 2 | b | x = 1 ± 0.01 > 2σ | L = 18; L=18: U=12: 4 runs | **holds** |
| 3 | c | W* = 9 ± 1: error > 0.33 × effect 1 | criterion grid | **not testable at this size** (errors too large) |
| 4 | d | q = -2.5e-1 ± 3e-2: error > 0.5 × effect 0.05 | 8 runs | **not testable at this size** (errors too large) |
| 5 | e | y = 0.3 ± 0.2: error > 0.33 × effect 0.1; z = -1 ± 0.1 < −2σ | L = 18; L=18: U=12: 4 runs | **does not hold** |
"""  # noqa: E501


def test_each_too_large_error_gives_the_realisations_that_would_decide_it():
    got = shortfalls(MD)
    assert [s.claim for s in got] == [1, 4]
    first, second = got
    # error 0.1 must shrink to 0.33 * 0.1: (0.1 / 0.033)^2 = 9.18 times the fewest runs (4)
    assert first.runs == 4
    assert first.factor == pytest.approx((0.1 / 0.033) ** 2)
    assert first.runs_needed == 37
    # exponents are read; an error already below the target would need no more (factor < 1)
    assert second.value == pytest.approx(-0.25) and second.target == pytest.approx(0.025)
    assert second.runs_needed == 12  # ceil(8 * (0.03 / 0.025)^2) = ceil(11.52)


def test_rows_that_hold_fail_or_rest_on_no_realisations_give_nothing(capsys, tmp_path):
    """Claim 5 does not hold by its other part: more realisations would not change it."""
    assert shortfalls(MD.replace("error >", "fine,")) == []
    path = tmp_path / "claims.md"
    path.write_text(MD)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert out == table(shortfalls(MD))
    assert out.splitlines()[2].startswith("| 1 | 0.2 ± 0.1 | ≤ 0.033 | 4 | 37 |")
