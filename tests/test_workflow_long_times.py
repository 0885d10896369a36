"""The long-time branch as a user runs it: every rule at toy size, then nothing left to do.

Runs ``snakemake --configfile config/smoke.yaml config/long_times_smoke.yaml`` in a copy of
the repository (helpers of tests/test_workflow.py).
"""

from __future__ import annotations

import pytest

from mblbath.io import open_result
from test_workflow import copy_repo, job_counts, snakemake

CONFIGS = ("--configfile", "config/smoke.yaml", "config/long_times_smoke.yaml")


def test_branch_is_off_by_default():
    counts = job_counts(snakemake("-n", "--forceall", "--configfile", "config/smoke.yaml").stdout)
    assert not {k for k in counts if k.startswith("long_") or k == "figure_fig5"}, counts


@pytest.mark.slow
def test_long_times_branch_end_to_end(tmp_path):
    work = copy_repo(tmp_path / "repo")
    plan = job_counts(snakemake("-n", *CONFIGS, cwd=work).stdout)
    # exact: 2 U x (3 seeds at L = 6 + 2 at L = 9); the tebd rule adds the branch's run
    assert plan["long_exact"] == 10
    assert plan["long_aggregate"] == 3  # exact L = 6, 9; the branch's TEBD at L = 12
    assert plan["long_observables"] == plan["long_fit"] == 5  # + the sweep's L = 12, 18
    snakemake("--cores", "2", *CONFIGS, cwd=work)
    res = work / "results"
    for ext in ("pdf", "png"):
        assert (res / "figures" / f"fig5.{ext}").stat().st_size > 1000
    md = (res / "report" / "claims.md").read_text()
    assert "## Paper vs counterpoint" in md and "### Summary" in md
    lt = next((res / "long_times").iterdir())  # results/long_times/{model}/
    fits = sorted((lt / "fits").rglob("L*.nc"))
    assert len(fits) == 5
    exact = open_result(lt / "observables" / "exact_T1000" / "L6.nc")
    assert float(exact["time"][-1]) == 1000.0
    assert "sigma2_c_inf" in exact  # L = 6 is diagonalised fully (eigh_max_L = 6)
    l9 = open_result(lt / "aggregate" / "exact_T1000" / "L9.nc")
    assert l9.attrs["method"] == "exact_sector" and "n_c_inf" not in l9
    tebd = [p for p in (lt / "observables").iterdir() if p.name.startswith("tebd_")]
    assert len(tebd) == 1 and "chi48_" in tebd[0].name and tebd[0].name.endswith("_T8")
    assert "Nothing to be done" in "".join(
        (lambda p: p.stdout + p.stderr)(snakemake("-n", *CONFIGS, cwd=work))
    )
