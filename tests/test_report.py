"""The claims table: rendering, provenance, degraded inputs, the verdict tests, the choices.

The three-data-set test of every claim (holds / does not hold / not testable) is in
tests/test_report_claims.py; here: the Markdown (every claim exactly once, with its rule,
counts that add up, constants with justifications, the choices section), inputs that are
missing or written by older fits (never an exception, always a reason), and the verdict
primitives of :mod:`mblbath.report.verdicts`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import xarray as xr

from mblbath.analysis.bundle import Bundle
from mblbath.report import (
    CLAIMS,
    FAILS,
    HOLDS,
    UNTESTABLE,
    VERDICTS,
    Claim,
    evaluate_claims,
    missing_runs,
    render_markdown,
    write_claims,
)
from mblbath.report.constants import JUSTIFICATION, POWER
from mblbath.report.verdicts import (
    WHY_ERRORS,
    WHY_NO_ERROR,
    Outcome,
    all_of,
    below,
    consistent,
    in_range,
    significantly_negative,
    significantly_positive,
    within,
)
from synthetic import Scenario, build, make_agg, write_inputs

N_CLAIMS = len(CLAIMS)


def _rows(md: str) -> list[list[str]]:
    """Cells of the rows of the claims table (the section '## Claims')."""
    section = md.split("## Claims", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if re.match(r"^\| \d+ \|", line):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def _verdict(cells: list[str]) -> str:
    """The verdict of a row, without the bold marks and the reason in brackets."""
    m = re.match(r"^\*\*(.+?)\*\*(?: \((.+)\))?$", cells[-1])
    assert m, cells[-1]
    return m.group(1)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return write_inputs(tmp_path_factory.mktemp("rep_full"), Scenario())


def test_full_table(full, tmp_path):
    """Files on disk, the paper's physics: every claim once, holds, with its rule."""
    inputs, meta = full
    out = tmp_path / "report" / "claims.md"
    write_claims(inputs, str(out), meta)
    md = out.read_text()
    rows = _rows(md)
    assert len(rows) == N_CLAIMS >= 17
    assert all(len(r) == 5 for r in rows)
    assert [_verdict(r) for r in rows] == [HOLDS] * N_CLAIMS
    claims = evaluate_claims(build(Scenario())[0])
    table = md.split("## Claims", 1)[1].split("\n## ", 1)[0]
    for c, r in zip(claims, rows, strict=True):
        paper = c.paper.replace("|", "\\|")  # as escaped in the table
        assert table.count(paper) == 1, c.paper
        assert paper in r[1]
        assert r[3] and r[3] != "–"  # what the number rests on
    rules = md.split("## Decision rules", 1)[1].split("\n## ", 1)[0]
    for k, c in enumerate(claims, 1):
        first = " ".join(c.rule.split())[:60]
        assert rules.count(f"{k}. {first}") == 1
    summary = re.search(
        r"Summary of (\d+) claims: (\d+) holds, (\d+) does not hold, (\d+) not testable", md
    )
    assert summary and int(summary[1]) == N_CLAIMS == sum(int(summary[i]) for i in (2, 3, 4))
    assert meta["config_hash"] in md and meta["git_commit"] in md
    assert "chi64_dt0.05_o4_svd1e-10_T50" in md
    for name in JUSTIFICATION:
        assert f"`{name}` = " in md
    assert "χ²/dof" in md and "## Fitted entanglement lengths (Eq. 5)" in md


def test_choices_section(full, tmp_path):
    """The choices file's effects are shown; without it every choice says 'not measured'."""
    inputs, meta = full
    out = tmp_path / "claims.md"
    write_claims(inputs, str(out), meta)
    sec = out.read_text().split("## Choices the paper leaves open", 1)[1].split("\n## ", 1)[0]
    for name in ("c_site", "W_tilde", "xi_kind", "ell_d_average", "S_AI", "energy", "novel"):
        assert f"| {name} |" in sec
    assert "-0.4 +- 0.1 sites (L = 12, U = 12)" in sec and "fits: abs_of_mean" in sec
    assert sec.count("not measured") == 5  # xi_kind, ell_d_average, S_AI, energy, novel
    no_choices = {k: v for k, v in inputs.items() if k != "choices"}
    write_claims(no_choices, str(out), meta)
    sec = out.read_text().split("## Choices the paper leaves open", 1)[1].split("\n## ", 1)[0]
    assert sec.count("not measured") == 6 and "novel" not in sec


def test_minimal_inputs(tmp_path):
    """One L, one U, failed fits, no criterion/validation: no exception, reasons given."""
    inputs, meta = write_inputs(
        tmp_path / "in", Ls=(12,), Us=(12.0,), nan_fits=True, criterion=False, validation=False
    )
    out = tmp_path / "claims.md"
    write_claims(inputs, str(out), meta)
    rows = _rows(out.read_text())
    assert len(rows) == N_CLAIMS
    assert all(_verdict(r) in VERDICTS for r in rows)
    for r in rows:
        if _verdict(r) == UNTESTABLE:
            assert re.search(r"\(.+\)$", r[-1]), f"no reason: {r}"
    names = [f.__name__ for f in CLAIMS]
    for name in (
        "claim_xi_c_size_independent",
        "claim_nd_memory",
        "claim_w_tilde_max",
        "claim_validation",
    ):
        assert _verdict(rows[names.index(name)]) == UNTESTABLE


def test_no_inputs(tmp_path):
    out = tmp_path / "claims.md"
    write_claims({}, str(out), {})
    md = out.read_text()
    rows = _rows(md)
    assert len(rows) == N_CLAIMS
    assert all(_verdict(r) == UNTESTABLE for r in rows)
    assert all(r[-1].endswith(")") for r in rows)
    assert "## Choices the paper leaves open" in md


def _drop(ds: xr.Dataset, *names: str) -> xr.Dataset:
    return ds.drop_vars([n for n in names if n in ds.variables])


def test_fits_written_before_the_new_variables():
    """Fit files without the new variables (older fits): not testable with a reason."""
    b, _ = build(Scenario())
    b.lc_fit = {L: _drop(d, "red_chi2", "n_dof") for L, d in b.lc_fit.items()}
    b.ent_fit = {
        L: _drop(d, "dS", "dS_err", "red_chi2", "n_dof", "slope_pred_err")
        for L, d in b.ent_fit.items()
    }
    b.ld_fit = {L: _drop(d, "ell_d_inf_diff_err") for L, d in b.ld_fit.items()}
    b.criterion = _drop(b.criterion, "U_c_err", "U_c_perU")
    by = {f.__name__: f(b) for f in CLAIMS}
    for name in (
        "claim_eq4_describes",
        "claim_eq5_describes",
        "claim_slope_prediction",
        "claim_ell_d_inf_diff",
        "claim_criterion_U12",
    ):
        assert by[name].verdict == UNTESTABLE, (name, by[name].measured)
        assert by[name].why
    assert "no dS" in by["claim_entanglement_growth"].measured
    assert by["claim_entanglement_growth"].verdict == UNTESTABLE
    assert "U_c_err" in by["claim_criterion_U12"].measured


def test_a_nan_error_is_never_decided_on_the_sign():
    """The old rule took the sign of ξ_c − L when its error was NaN; now: not testable."""
    b, _ = build(Scenario())
    for lc in b.lc_fit.values():
        lc["xi_c_err"][:] = np.nan
    by = {f.__name__: f(b) for f in CLAIMS}
    assert by["claim_xi_c_exceeds_L"].verdict == UNTESTABLE
    assert by["claim_xi_c_exceeds_L"].why == WHY_NO_ERROR
    assert by["claim_xi_c_size_independent"].verdict == UNTESTABLE


@pytest.mark.parametrize(
    "test, args",
    [
        (significantly_positive, (1.0, float("nan"), 1.0, "v")),
        (significantly_positive, (1.0, 0.0, 1.0, "v")),
        (significantly_positive, (1.0, float("inf"), 1.0, "v")),
        (significantly_positive, (float("nan"), 0.1, 1.0, "v")),
        (significantly_negative, (-1.0, float("nan"), 1.0, "v")),
        (consistent, (0.0, float("nan"), 1.0, "v")),
        (within, (0.0, 0.0, 1.0, "v")),
        (below, (0.0, float("nan"), 1.0, "v")),
        (in_range, (1.0, float("nan"), 0.5, 2.0, "v")),
    ],
)
def test_unusable_errors_are_not_testable(test, args):
    out = test(*args)
    assert out.verdict == UNTESTABLE and out.why


def test_power_is_required_for_holds_and_for_an_absent_effect():
    """An error above POWER × effect makes the test not testable when the verdict would be
    'holds' or would rest on the absence of a significant effect."""
    eff = 1.0
    big = 1.01 * POWER * eff
    assert significantly_positive(10.0, big, eff, "v").why == WHY_ERRORS  # would be 'holds'
    assert significantly_positive(0.0, big, eff, "v").why == WHY_ERRORS  # would be 'fails'
    assert significantly_negative(0.0, big, eff, "v").why == WHY_ERRORS
    assert consistent(0.0, big, eff, "v").why == WHY_ERRORS
    assert within(0.0, big, eff, "v").why == WHY_ERRORS
    assert below(0.0, big, eff, "v").why == WHY_ERRORS
    assert in_range(0.5, big, 0.0, eff, "v").why == WHY_ERRORS
    ok = 0.99 * POWER * eff
    assert significantly_positive(3 * ok, ok, eff, "v").verdict == HOLDS
    assert significantly_positive(ok, ok, eff, "v").verdict == FAILS
    assert consistent(ok, ok, eff, "v").verdict == HOLDS
    assert consistent(3 * ok, ok, eff, "v").verdict == FAILS


def test_a_significant_contradiction_does_not_hold_without_power():
    """A value on the wrong side of the claim by more than NSIG errors does not hold even
    where the errors are too large for a 'holds' (e.g. a profile curvature q = 2.35 ± 0.25
    against |q| <= 0.5): the contradiction is measured, not inferred from an absence."""
    eff = 1.0
    big = 2.0 * POWER * eff  # too large for a 'holds'
    for out in (
        significantly_positive(-3 * big, big, eff, "v"),
        significantly_negative(3 * big, big, eff, "v"),
        consistent(3 * big, big, eff, "v"),
        within(2.35, 0.25, 0.5, "q"),
        below(2.0 + 3 * big, big, 1.0, "r"),
        in_range(-3 * big, big, 0.0, eff, "l"),
        in_range(eff + 3 * big, big, 0.0, eff, "l"),
    ):
        assert out.verdict == FAILS, out
    # ... but not one inside NSIG errors of the claim's side
    assert significantly_positive(-1.5 * big, big, eff, "v").verdict == UNTESTABLE
    assert within(0.9, 0.25, 0.5, "q").verdict == UNTESTABLE


def test_tolerance_range_and_bound_tests():
    assert within(0.1, 0.05, 0.5, "q").verdict == HOLDS
    assert within(0.9, 0.05, 0.5, "q").verdict == FAILS
    assert within(0.45, 0.05, 0.5, "q").verdict == UNTESTABLE
    assert below(0.01, 0.01, 0.05, "r").verdict == HOLDS
    assert below(0.2, 0.01, 0.05, "r").verdict == FAILS
    assert in_range(1.0, 0.1, 0.5, 2.0, "l").verdict == HOLDS
    assert in_range(2.5, 0.1, 0.5, 2.0, "l").verdict == FAILS
    assert in_range(1.9, 0.1, 0.5, 2.0, "l").verdict == UNTESTABLE


def test_all_of():
    h, f, u = Outcome(HOLDS, "a"), Outcome(FAILS, "b"), Outcome(UNTESTABLE, "c", WHY_ERRORS)
    assert all_of([h, h]).verdict == HOLDS
    assert all_of([h, f, u]).verdict == FAILS
    assert all_of([h, u]).verdict == UNTESTABLE and all_of([h, u]).why == WHY_ERRORS
    assert all_of([]).verdict == UNTESTABLE


def test_every_constant_is_justified():
    from mblbath.report import constants

    names = [n for n in dir(constants) if n.isupper() and n != "JUSTIFICATION"]
    assert set(names) == set(JUSTIFICATION)
    assert all(len(why) > 20 for why in JUSTIFICATION.values())
    assert math.isclose(constants.POWER, 1 / 3)


def test_markdown_escapes_pipes():
    b = Bundle()
    claims = evaluate_claims(b)
    claims[0].measured = "a | b"
    md = render_markdown(claims, b, {"config_hash": "h", "git_commit": "c"})
    rows = _rows(md)
    assert len(rows) == N_CLAIMS
    assert "a \\| b" in rows[0][2]


def test_claim_rejects_unknown_verdict():
    with pytest.raises(ValueError):
        Claim("k", "p", "f", verdict="maybe")
    with pytest.raises(ValueError):
        Claim("k", "p", "f").conclude(Outcome("maybe"))


def test_report_captions_are_valid_rst():
    """workflow/report/*.rst render (Jinja with the default config, then docutils) cleanly."""
    import io
    from pathlib import Path

    docutils_core = pytest.importorskip("docutils.core")
    jinja2 = pytest.importorskip("jinja2")
    from mblbath.config import validate_config

    folder = Path(__file__).resolve().parents[1] / "workflow" / "report"
    names = {p.stem for p in folder.glob("*.rst")}
    assert {"fig1", "fig2", "fig3", "fig4", "criterion", "validation", "claims"} <= names
    snakemake = type("S", (), {"config": validate_config({})})()
    for path in sorted(folder.glob("*.rst")):
        text = jinja2.Template(path.read_text()).render(snakemake=snakemake)
        err = io.StringIO()
        docutils_core.publish_string(
            text, settings_overrides={"warning_stream": err, "report_level": 2}
        )
        assert not err.getvalue(), f"{path.name}: {err.getvalue()}"


def test_missing_runs_are_listed_and_counted():
    """Runs without data are named in the header and counted per (L, U)."""
    sc = Scenario(Ls=(12, 18), Us=(0.0, 2.5, 12.0), n_seeds=3, missing_run=True)
    b, _ = build(sc)
    assert missing_runs(b) == [(12, 0.0, 2), (18, 0.0, 2)]
    agg = b.agg[12]
    for name in [v for v in agg.data_vars if {"U", "seed"} <= set(agg[v].dims)]:
        if agg[name].dtype.kind == "f":
            agg[name].loc[{"U": 2.5, "seed": 1}] = np.nan
    assert missing_runs(b) == [(12, 0.0, 2), (12, 2.5, 1), (18, 0.0, 2)]
    md = render_markdown(evaluate_claims(b), b, {})
    assert "**Missing runs (3)**" in md and "L=12 U=2.5 seed 1" in md
    row = [line for line in md.splitlines() if line.startswith("| 12 | 2.5 |")]
    assert row and row[0].split("|")[3:5] == [" 2 ", " 1 "]  # runs, missing

    for L in b.agg:
        b.agg[L] = make_agg(sc.but(missing_run=False), L)
    assert missing_runs(b) == []
    md = render_markdown(evaluate_claims(b), b, {})
    assert "Every run of the sweep is present." in md and "Missing runs" not in md


def test_per_time_fit_statuses_are_counted_not_listed():
    from mblbath.report.basis import status_of

    st = [["ok", "not fitted: t = 0.1 < fit_t_min = 0.5", "not fitted: t = 0.2 < fit_t_min = 0.5"]]
    ds = xr.Dataset({"status": (("U", "time"), np.array(st, dtype=object))}, coords={"U": [2.5]})
    assert status_of(ds, 2.5) == "not fitted: t < fit_t_min = 0.5 (×2), ok"
    assert status_of(None, 2.5) == "missing"


def test_a_parameter_stuck_at_a_bound_is_no_measurement():
    """R with a round-off error (every bootstrap replicate at the bound) is left out."""
    b, _ = build(Scenario())
    for nc in b.nc_fit.values():
        late = nc["time"] >= 5.0
        nc["R"] = nc["R"].where(~late, 240.0)
        nc["R_err"] = nc["R_err"].where(~late, 1e-13)
    c = CLAIMS[[f.__name__ for f in CLAIMS].index("claim_R_sqrt_t")](b)
    assert c.verdict == UNTESTABLE, c.measured
    assert "240" not in c.measured


@pytest.mark.parametrize(
    "kind", ["agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "criterion", "validation"]
)
def test_any_missing_variable_gives_reasons_not_exceptions(kind):
    """Drop each variable of one input kind in turn: every claim still gets a verdict."""
    b0, _ = build(Scenario(Ls=(12, 18), n_times=14))
    sample = b0.criterion if kind == "criterion" else next(iter(getattr(b0, kind).values()))
    for name in list(sample.data_vars):
        b, _ = build(Scenario(Ls=(12, 18), n_times=14))
        if kind == "criterion":
            b.criterion = b.criterion.drop_vars(name)
        else:
            setattr(b, kind, {L: d.drop_vars(name) for L, d in getattr(b, kind).items()})
        for c in evaluate_claims(b):
            assert c.verdict in VERDICTS
            assert c.verdict != UNTESTABLE or c.why, (kind, name, c.key)
