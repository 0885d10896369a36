"""The claims table as HTML for Snakemake's report (mblbath.report.html)."""

from __future__ import annotations

import re

from mblbath.report.html import claims_page, summary_fragment, verdict_counts, write_html

MD = """# Claims of arXiv:2109.07332 checked against this reproduction

Intro text.

- config hash: `abc123`
- git commit: `deadbeef`

| L | U | runs |
|---|---|---|
| 12 | 0 | 2 |

## Claims

| # | claim (paper, figure) | what we measured | rests on | verdict |
|---|---|---|---|---|
| 1 | ξ_c does not depend on L (Fig. 1) | 1.5 ± 0.1 | L = 12 | **holds** |
| 2 | profile linear in \\|i − L/2\\| | slope -0.1 | L = 18 | **does not hold** |
| 3 | faster than log | few points | L = 18 | **not testable at this size** (window too short) |
| 4 | memory far from the centre | 0.6 ± 0.1 | L = 18 | **holds** |

## Decision rules

1. Rule one.
"""


def test_verdicts_are_counted_from_the_claims_table_only():
    assert verdict_counts(MD) == {"holds": 2, "does not hold": 1, "not testable at this size": 1}


def test_page_renders_every_table_with_coloured_verdicts():
    page = claims_page(MD)
    assert page.startswith("<!doctype html>") and "<title>Claims of arXiv" in page
    claims = page.split("<h2>Claims</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>", claims)
    assert rows == ["1", "2", "3", "4"]
    assert page.count('class="verdict"') == 4
    assert "|i − L/2|" in page and "\\|" not in page  # escaped pipes stay inside a cell
    assert "<td>12</td>" in page  # the runs table too
    assert "<code>deadbeef</code>" in page


def test_summary_counts_and_provenance():
    frag = summary_fragment(MD)
    assert "4 claims checked" in frag
    assert re.search(r"holds</strong>: 2", frag) and re.search(r"does not hold</strong>: 1", frag)
    assert "<code>abc123</code>" in frag and "<code>deadbeef</code>" in frag
    assert "Intro text" not in frag and "<table>" not in frag


def test_write_html(tmp_path):
    md = tmp_path / "claims.md"
    md.write_text(MD, encoding="utf-8")
    write_html(md, tmp_path / "claims.html", tmp_path / "summary.html")
    assert (tmp_path / "claims.html").read_text(encoding="utf-8") == claims_page(MD)
    assert (tmp_path / "summary.html").read_text(encoding="utf-8") == summary_fragment(MD)
    assert not list(tmp_path.glob(".*.tmp"))
