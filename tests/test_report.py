"""The claims table: one row per claim, verdicts computed from the numbers.

Synthetic data are built from the paper's formulas (tests/synthetic.py), so for the
complete data set every claim is true by construction; the verdict logic is then checked
to flip when the numbers are changed against a claim, and to say "not testable" when an
input is missing.
"""

from __future__ import annotations

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
    claim_nd_memory,
    claim_validation,
    claim_w_tilde_max,
    claim_xi_c_exceeds_L,
    claim_xi_c_size_independent,
    evaluate_claims,
    missing_runs,
    render_markdown,
    write_claims,
)
from synthetic import (
    make_agg,
    make_criterion,
    make_ent_fit,
    make_lc_fit,
    make_ld_fit,
    make_meta,
    make_nc_fit,
    make_validation,
    write_inputs,
)

N_CLAIMS = len(CLAIMS)


def _rows(md: str) -> list[list[str]]:
    """Cells of the rows of the claims table (the section '## Claims')."""
    section = md.split("## Claims", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if re.match(r"^\| \d+ \|", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
    return rows


def _verdict(cells: list[str]) -> str:
    return cells[-1].strip("*")


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return write_inputs(tmp_path_factory.mktemp("rep_full"))


def _bundle(Ls=(12, 18), Us=(0.0, 2.5, 12.0), n_seeds=3, **kw) -> Bundle:
    """In-memory bundle of synthetic data (no files)."""
    meta = make_meta(Ls, Us, n_seeds, 50.0)
    b = Bundle(cfg=meta["config"])
    for L in Ls:
        agg = make_agg(L, Us, n_seeds=n_seeds)
        b.agg[L] = agg
        b.nc_fit[L] = make_nc_fit(agg)
        b.lc_fit[L] = make_lc_fit(agg)
        b.ld_fit[L] = make_ld_fit(agg)
        b.ent_fit[L] = make_ent_fit(agg)
    b.criterion = make_criterion(**kw)
    b.validation = {min(Ls): make_validation(min(Ls), Us)}
    return b


def test_full_table(full, tmp_path):
    inputs, meta = full
    out = tmp_path / "report" / "claims.md"
    write_claims(inputs, str(out), meta)
    md = out.read_text()
    rows = _rows(md)
    assert len(rows) == N_CLAIMS
    assert all(len(r) == 5 for r in rows)
    assert all(_verdict(r) in VERDICTS for r in rows)
    # synthetic data are built from the paper's formulas: every claim holds
    assert [_verdict(r) for r in rows] == [HOLDS] * N_CLAIMS
    assert meta["config_hash"] in md and meta["git_commit"] in md
    assert "chi64_dt0.05_o4_svd1e-10_T50" in md  # numerics
    assert "unconverged" in md
    assert "## Decision rules" in md
    # every row names sizes / seeds it rests on, or says why not
    for r in rows:
        assert r[3]


def test_minimal_inputs(tmp_path):
    """One L, one U, failed fits, no criterion/validation: untestable rows say so."""
    inputs, meta = write_inputs(
        tmp_path / "in", Ls=(12,), Us=(12.0,), nan_fits=True, criterion=False, validation=False
    )
    out = tmp_path / "claims.md"
    write_claims(inputs, str(out), meta)
    verdicts = [_verdict(r) for r in _rows(out.read_text())]
    assert len(verdicts) == N_CLAIMS
    untestable = {1, 2, 3, 4, 9, 10, 11}  # one L, NaN fits, one U > 0, no files
    assert all(verdicts[k - 1] == UNTESTABLE for k in untestable)
    assert verdicts[4] == HOLDS  # n_d memory from the runs alone (no U = 0 reference)


def test_no_inputs(tmp_path):
    out = tmp_path / "claims.md"
    write_claims({}, str(out), {})
    rows = _rows(out.read_text())
    assert len(rows) == N_CLAIMS
    assert all(_verdict(r) == UNTESTABLE for r in rows)


def test_xi_c_size_dependence_detected():
    b = _bundle()
    assert claim_xi_c_size_independent(b).verdict == HOLDS
    lc = b.lc_fit[18].copy(deep=True)
    lc["xi_c"].loc[{"U": 12.0}] = 6.0  # twice the L = 12 value, error 8 %
    b.lc_fit[18] = lc
    assert claim_xi_c_size_independent(b).verdict == FAILS


def test_xi_c_versus_L():
    b = _bundle()
    assert claim_xi_c_exceeds_L(b).verdict == HOLDS
    lc = b.lc_fit[18].copy(deep=True)
    lc["xi_c"].loc[{"U": 2.5}] = 10.0
    b.lc_fit[18] = lc
    assert claim_xi_c_exceeds_L(b).verdict == FAILS
    # failed fit: the largest ell_c(t) (< L here) is only a lower bound -> untestable
    lc["xi_c"].loc[{"U": 2.5}] = np.nan
    lc["status"].loc[{"U": 2.5}] = "no saturation in the fit window"
    c = claim_xi_c_exceeds_L(b)
    assert c.verdict == UNTESTABLE
    assert "no saturation" in c.measured and "lower bound" in c.measured


def test_nd_memory_fails_when_thermal():
    b = _bundle()
    assert claim_nd_memory(b).verdict == HOLDS
    agg = b.agg[18].copy(deep=True)
    nd = agg["n_d"].values
    iu = int(np.flatnonzero(agg["U"].values == 12.0)[0])
    nd[iu, :, -1, :] = 1.0 / 3.0  # fully relaxed at the last time
    agg["n_d"] = (agg["n_d"].dims, nd)
    b.agg[18] = agg
    assert claim_nd_memory(b).verdict == FAILS


def test_w_tilde_maximum():
    assert claim_w_tilde_max(_bundle(Ls=(12,), W_peak=6.5)).verdict == HOLDS
    assert claim_w_tilde_max(_bundle(Ls=(12,), W_peak=12.0)).verdict == FAILS
    # maximum beyond the grid: not bracketed
    assert claim_w_tilde_max(_bundle(Ls=(12,), W_peak=40.0)).verdict == UNTESTABLE


def test_validation_thresholds():
    b = Bundle(validation={12: make_validation(12, (0.0, 12.0))})
    assert claim_validation(b).verdict == HOLDS
    b = Bundle(validation={12: make_validation(12, (0.0, 12.0), fail=True)})
    c = claim_validation(b)
    assert c.verdict == FAILS
    assert c.numbers["max_dS"] > 1e-4
    assert claim_validation(Bundle()).verdict == UNTESTABLE


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
        # the default writer (pseudo-XML) parses the same reStructuredText as html
        docutils_core.publish_string(
            text, settings_overrides={"warning_stream": err, "report_level": 2}
        )
        assert not err.getvalue(), f"{path.name}: {err.getvalue()}"


def test_missing_runs_are_listed_and_counted():
    """Runs without data are named in the header and counted per (L, U)."""
    b = _bundle()  # synthetic aggregates: the last seed of U = 0 is missing at every L
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
        b.agg[L] = make_agg(L, (0.0, 2.5, 12.0), n_seeds=3, missing_run=False)
    assert missing_runs(b) == []
    md = render_markdown(evaluate_claims(b), b, {})
    assert "Every run of the sweep is present." in md and "Missing runs" not in md


def test_per_time_fit_statuses_are_counted_not_listed():
    from mblbath.report.basis import status_of

    st = [["ok", "not fitted: t = 0.1 < fit_t_min = 0.5", "not fitted: t = 0.2 < fit_t_min = 0.5"]]
    ds = xr.Dataset({"status": (("U", "time"), np.array(st, dtype=object))}, coords={"U": [2.5]})
    assert status_of(ds, 2.5) == "not fitted: t < fit_t_min = 0.5 (×2), ok"
    assert status_of(None, 2.5) == "missing"
