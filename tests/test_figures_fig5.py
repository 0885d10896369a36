"""Fig. 5 of the long-time branch: renders from the branch's files, with provenance."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from long_times_data import make_obs
from mblbath.analysis.long_times import fit_long_times
from mblbath.cli import main
from mblbath.figures import fig5, style


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fig5")
    forms = {"sigma2_c": "saturation", "imbalance_d": "power", "S_half": "log"}
    paths = {"long_obs": [], "long_fit": []}
    for L, source, t_max in ((12, "exact_T10000", None), (15, "exact_T10000", None),
                             (18, "tebd_chi256_T60", 60.0)):  # fmt: skip
        obs = make_obs(forms, Us=(2.5, 12.0), n_seeds=8, L=L, source=source, t_max=t_max)
        if source.startswith("exact") and L == 12:
            obs["sigma2_c_inf"] = (("U", "seed"), np.full((2, 8), 5.5))
        fit = fit_long_times(obs, 10.0, 60.0, 20, 1)
        po, pf = d / f"obs{L}.nc", d / f"fit{L}.nc"
        obs.to_netcdf(po)
        fit.to_netcdf(pf)
        paths["long_obs"].append(str(po))
        paths["long_fit"].append(str(pf))
    return paths


def test_cli_draws_fig5_with_provenance(files, tmp_path):
    pdf, png = tmp_path / "fig5.pdf", tmp_path / "fig5.png"
    argv = [
        "long-times",
        "figure",
        "--settings",
        "{}",
        "--out-pdf",
        str(pdf),
        "--out-png",
        str(png),
    ]
    for key, paths in files.items():
        argv += ["--input", f"{key}={','.join(paths)}"]
    assert main(argv) == 0
    assert pdf.stat().st_size > 1000
    with Image.open(png) as im:
        assert "fig5" in im.text["Creator"]
        assert im.text["config_hash"] != "unknown"
        img = np.asarray(im.convert("L"), dtype=float)
    assert img.std() > 0


def test_panels_show_data_fits_and_the_paper_time(files):
    with style.context():
        fig = fig5.plot_files(files["long_obs"], files["long_fit"])
    axes = fig.axes
    assert len(axes) == 8  # 4 rows x 2 U
    top = axes[0]
    assert any(
        np.isclose(ln.get_xdata()[0], fig5.T_PAPER) for ln in top.lines if len(ln.get_xdata()) == 2
    )
    texts = "\n".join(t.get_text() for ax in axes for t in ax.texts)
    assert "ΔAIC" in texts
    assert len(top.lines) >= 3 + 2  # three sources, two overlaid forms


def test_no_inputs_render_a_note():
    with style.context():
        fig = fig5.plot_files([], [])
    texts = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "no long-time observables" in texts
