"""Figures render from synthetic inputs, complete and degraded, with provenance metadata.

Every figure is drawn (a) from a complete synthetic data set (two L, U = 0, 2.5, 12, fits,
criterion, validation), (b) from a minimal one (one L, one U, every fit NaN with a status
reason, no criterion, no validation) and (c) from no inputs at all. Each panel must hold
something (data or an explanatory note), never be blank.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mblbath.figures import FIGURES, make_figure, render, style
from synthetic import write_inputs

NAMES = sorted(FIGURES)


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return write_inputs(tmp_path_factory.mktemp("full"))


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    return write_inputs(
        tmp_path_factory.mktemp("minimal"),
        Ls=(12,),
        Us=(12.0,),
        nan_fits=True,
        criterion=False,
        validation=False,
    )


def _panels(fig):
    """Main axes of a figure: those carrying a panel label '(a)', '(b)', ..."""
    return [ax for ax in fig.axes if re.fullmatch(r"\([a-z]\)", ax.get_title(loc="left"))]


def _texts(fig) -> str:
    """All text drawn in the figure (including insets), for note checks."""
    out = []
    for ax in fig.axes:
        for a in [ax, *ax.child_axes]:
            out += [t.get_text() for t in a.texts]
    return "\n".join(out)


def _render_and_check(name, inputs, meta, out: Path) -> str:
    """Draw, save (as make_figure does) and check every panel of the PNG is not blank."""
    pdf, png = out / f"{name}.pdf", out / f"{name}.png"
    with style.context():
        fig = render(name, inputs, meta)
        style.save(fig, pdf, png, meta, name)
    assert pdf.stat().st_size > 1000
    img = np.asarray(Image.open(png).convert("L"), dtype=float)
    H, W = img.shape
    assert img.std() > 0
    panels = _panels(fig)
    assert len(panels) >= 2, f"{name}: expected labelled panels"
    for ax in panels:
        box = ax.get_position()
        x0, x1 = int(box.x0 * W) + 12, int(box.x1 * W) - 12
        y0, y1 = int((1 - box.y1) * H) + 12, int((1 - box.y0) * H) - 12
        inner = img[y0:y1, x0:x1]
        assert inner.size > 0
        assert inner.std() > 0, f"{name} panel {ax.get_title(loc='left')} is blank"
        assert (inner < 200).sum() > 30, f"{name} panel {ax.get_title(loc='left')} is empty"
    return _texts(fig)


def _check_metadata(pdf: Path, png: Path, meta: dict, name: str) -> None:
    with Image.open(png) as im:
        assert im.size[0] == pytest.approx(style.TEXT_WIDTH * style.PNG_DPI, abs=2)
        assert im.text["config_hash"] == meta["config_hash"]
        assert im.text["git_commit"] == meta["git_commit"]
        assert name in im.text["Creator"]
    raw = pdf.read_bytes()
    assert f"config_hash={meta['config_hash']}".encode() in raw
    assert f"git_commit={meta['git_commit']}".encode() in raw
    assert b"/Subject" in raw and b"/Creator" in raw


def test_make_figure_writes_pdf_and_png(full, tmp_path):
    """The public entry point writes both files (parents created) with provenance."""
    inputs, meta = full
    pdf, png = tmp_path / "a" / "b" / "criterion.pdf", tmp_path / "c" / "criterion.png"
    make_figure("criterion", inputs, str(pdf), str(png), meta)
    assert pdf.is_file() and png.is_file()
    _check_metadata(pdf, png, meta, "criterion")
    # no timestamps: the same inputs give byte-identical files
    pdf2, png2 = tmp_path / "again.pdf", tmp_path / "again.png"
    make_figure("criterion", inputs, str(pdf2), str(png2), meta)
    assert pdf.read_bytes() == pdf2.read_bytes()
    assert png.read_bytes() == png2.read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_full_inputs(full, tmp_path, name):
    """Complete synthetic data: every panel drawn, metadata in both files."""
    inputs, meta = full
    _render_and_check(name, inputs, meta, tmp_path)
    _check_metadata(tmp_path / f"{name}.pdf", tmp_path / f"{name}.png", meta, name)


@pytest.mark.parametrize("name", NAMES)
def test_minimal_inputs_render_with_notes(minimal, tmp_path, name):
    """One L, one U, failed fits, no criterion/validation: still every panel filled."""
    inputs, meta = minimal
    text = _render_and_check(name, inputs, meta, tmp_path)
    expected = {
        "fig1": "too few sites above noise floor",
        "fig2": "too few sites above noise floor",
        "fig3": "U = 0 not in config",
        "fig4": "U = 0 not in config",
        "criterion": "no criterion file",
        "validation": "no TEBD-vs-exact validation",
    }[name]
    assert expected in " ".join(text.split())


@pytest.mark.parametrize("name", NAMES)
def test_no_inputs_at_all(tmp_path, name):
    text = _render_and_check(name, {}, {}, tmp_path)
    assert text.strip(), "an empty figure must explain itself"


def test_fits_missing_falls_back_to_runs(tmp_path):
    """Without fit files Fig. 1(c) coarse-grains the runs itself and says so."""
    inputs, meta = write_inputs(tmp_path / "in", Ls=(12,), Us=(2.5, 12.0), fits=False)
    text = _render_and_check("fig1", inputs, meta, tmp_path)
    assert "coarse-grained here" in " ".join(text.split())


def test_unknown_figure_name(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        make_figure("fig9", {}, str(tmp_path / "a.pdf"), str(tmp_path / "a.png"), {})


def test_colours_are_consistent():
    U_all = [0.0, 2.5, 4.0, 12.0]
    cols = [style.u_color(u, U_all) for u in U_all]
    assert cols[0] == style.U0_COLOR
    assert len({tuple(np.round(c, 6)) for c in cols[1:]}) == 3
    assert style.l_color(30, [30, 48]) != style.l_color(48, [30, 48])
