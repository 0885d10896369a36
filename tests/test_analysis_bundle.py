"""Defensive readers of mblbath.analysis.bundle."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from mblbath.analysis.bundle import (
    is_ok,
    largest_u,
    load_bundle,
    masked_ok,
    ok_mask,
    sel_u,
    smallest_positive_u,
)


def test_status_ok_with_caveat_is_usable():
    """'ok; <caveat>' statuses (the fits' convention) are used, other reasons are not."""
    assert is_ok("ok") and is_ok("ok; R unresolved") and not is_ok("okay-ish")
    st = xr.DataArray(np.array(["ok", "ok; T0 at bound", "failed"], dtype=object), dims="U")
    assert ok_mask(xr.Dataset({"status": st})).values.tolist() == [True, True, False]
    ds = xr.Dataset({"status": st, "xi_c": ("U", [1.0, 2.0, 3.0])})
    assert np.isnan(masked_ok(ds, "xi_c").values[2]) and masked_ok(ds, "xi_c").values[1] == 2


def test_missing_input_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_bundle({"agg": [str(tmp_path / "nope.nc")]}, {})


def test_u_selection():
    da = xr.DataArray([1.0, 2.0, 3.0], dims="U", coords={"U": [0.0, 2.5, 12.0]})
    assert float(sel_u(da, 2.5 + 1e-12)) == 2.0 and sel_u(da, 4.0) is None
    assert largest_u([0.0, 2.5, 12.0]) == 12.0 and smallest_positive_u([0.0, 2.5, 12.0]) == 2.5
    assert smallest_positive_u([0.0, 12.0]) is None and largest_u([0.0]) is None
