"""The criterion figure from a real (small) criterion file: the U -> 0 limit is drawn."""

from __future__ import annotations

import re

import numpy as np

from mblbath.criterion import compute_criterion
from mblbath.figures import render, style


def test_criterion_figure_draws_the_limit_and_the_per_u_variant(tmp_path):
    ds = compute_criterion(
        [4.0, 6.5, 9.0], [1.0, 2.5, 6.0, 12.0, 20.0], L=150, n_real=4, seed=3, n_real_small=60
    )
    path = tmp_path / "criterion.nc"
    ds.to_netcdf(path)
    meta = {"config": {"model": {"W": 6.5}, "sweep": {"U": [0.0, 2.5, 12.0]}}}
    with style.context():
        fig = render("criterion", {"criterion": [str(path)]}, meta)
    panels = [ax for ax in fig.axes if re.fullmatch(r"\([a-z]\)", ax.get_title(loc="left"))]
    assert len(panels) == 3
    labels_b = [t.get_text() for t in panels[1].get_legend().get_texts()]
    assert any("lim" in t for t in labels_b) and any("per $U$" in t for t in labels_b)
    assert any("paper" in t for t in labels_b)
    # panel (b): the solid line is U_c from the limit, the dashed one the per-U crossing
    lines = {ln.get_linestyle(): ln for ln in panels[1].get_lines() if ln.get_label()[0] == "$"}
    np.testing.assert_allclose(lines["-"].get_ydata(), ds.U_c.values)
    np.testing.assert_allclose(lines["--"].get_ydata(), ds.U_c_perU.values)
    # panel (c): the limit at U = 0 with its value in the legend
    labels_c = " ".join(t.get_text() for t in panels[2].get_legend().get_texts())
    assert f"{float(ds.xi_c0_limit.sel(W=6.5)):.1f}" in labels_c
