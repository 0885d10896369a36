"""CF-1.8 for every netCDF file mblbath writes: units, the time axis, global attributes.

:func:`mblbath.io.write_atomic`, the one write path of every file, passes each Dataset
through :func:`to_file`; the readers (:func:`mblbath.io.open_result`,
:func:`mblbath.io.open_run`) pass what they load through :func:`from_file`.

Units
    The model's units are not SI units: energies (eps, U, W) are in units of the hopping
    t_d, times in 1/t_d ("hopping times", hbar = 1), lengths in lattice spacings,
    entropies in nats. UDUNITS cannot read such names (it reads ``nat`` as a pressure), so
    these quantities are dimensionless for CF: ``units = "1"`` and a ``comment`` saying
    what they are measured in. Builders name a quantity's unit with the words of
    :data:`UNITS` (``"hopping"``, ``"hopping times"``, ``"lattice spacings"``, ``"nat"``,
    ...) through :func:`unit_attrs`; :func:`to_file` converts any such name it still
    finds, so a file never carries a unit UDUNITS cannot read. String variables (fit
    statuses) have no units (builders write ``"none"``, which is dropped).

The time axis
    CF tools, compliance-checker among them, take a variable or dimension called ``time``
    for calendar time (``standard_name = "time"``, units ``"<unit> since <epoch>"``), which
    xarray would then decode into dates. Ours is a dimensionless duration, so on disk the
    time axis is called ``t`` (:data:`FILE_TIME`); in memory, in every mblbath function,
    it stays ``time``. Open files with :func:`mblbath.io.open_result` to get ``time``.

Global attributes and encodings
    ``Conventions = "CF-1.8"``, ``title`` (required from the builder), ``history`` (which
    mblbath and which commit wrote the file; no date, so that two runs of the same code
    give the same attributes), ``source``, ``references`` and the provenance of
    :func:`mblbath.io.provenance` (git commit, package versions, schema version; the
    config hash where the writer was given one). Coordinates get no ``_FillValue``;
    64-bit integers are stored as 32-bit (CF-1.8 has no 64-bit integer type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

__all__ = [
    "CONVENTIONS",
    "FILE_TIME",
    "REFERENCES",
    "UNITS",
    "unit_attrs",
    "variable_attrs",
    "to_file",
    "from_file",
]

CONVENTIONS = "CF-1.8"
#: Name of the time dimension and coordinate on disk (``time`` in memory).
FILE_TIME = "t"
REFERENCES = (
    "P. Brighi, A. A. Michailidis, D. A. Abanin, M. Serbyn, Propagation of many-body "
    "localization in an Anderson insulator, arXiv:2109.07332, Phys. Rev. B 105, L220203 (2022)"
)

_TIME = "time in units of 1/t_d (hopping times, hbar = 1)"
#: The model's units, which UDUNITS cannot read: each is stored as units "1" with this comment.
UNITS: dict[str, str] = {
    "hopping": "energy in units of the d-boson hopping t_d",
    "hopping^2": "in units of t_d^2 (t_d: the d-boson hopping)",
    "hopping times": _TIME,
    "hopping times (1/t_d)": _TIME,
    "lattice spacings": "length in lattice spacings",
    "1/lattice spacing": "inverse length, per lattice spacing",
    "nat/lattice spacing": "entropy per lattice spacing, in nats",
    "hopping^2 lattice spacings": "in units of t_d^2 times one lattice spacing",
    "nat": "entropy in nats (natural logarithm)",
}
#: The unit name builders give variables that have none (strings).
_NO_UNITS = "none"
_ON_DISK_TIME = (
    f"called '{FILE_TIME}' on disk (CF tools read a variable named 'time' as calendar time); "
    "mblbath.io.open_result names it 'time'"
)


def unit_attrs(unit: str) -> dict[str, str]:
    """``units`` (and ``comment``) attributes of a quantity measured in ``unit``.

    ``unit`` is a UDUNITS unit (``"1"``, ``"s"``), one of the model's units of
    :data:`UNITS` (then ``units = "1"`` and the comment says what it is), or ``"none"``
    (no attributes: strings have no units).
    """
    if unit == _NO_UNITS:
        return {}
    if unit in UNITS:
        return {"units": "1", "comment": UNITS[unit]}
    return {"units": unit}


def variable_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """``attrs`` of a variable with its units made CF (:func:`unit_attrs`); idempotent.

    A comment the variable already has is kept after the unit's.
    """
    out = dict(attrs)
    if "units" not in out:
        return out
    unit = str(out.pop("units"))
    new = unit_attrs(unit)
    comment = out.pop("comment", None)
    note = new.pop("comment", None)
    out.update(new)
    texts = [c for c in (note, comment) if c]
    if note and comment and note in str(comment):
        texts = [comment]
    if texts:
        out["comment"] = "; ".join(str(t) for t in texts)
    return out


def _int32_encoding(name: str, var: xr.Variable) -> dict[str, Any]:
    """Encoding that stores a 64-bit integer variable as int32 (range checked)."""
    if var.dtype.kind not in "iu" or var.dtype.itemsize < 8:
        return {}
    values = np.asarray(var.values)
    info = np.iinfo(np.int32)
    if values.size and (values.min() < info.min or values.max() > info.max):
        raise ValueError(f"variable {name!r}: values beyond the 32-bit range of CF-1.8")
    return {"dtype": "int32"}


def _global_attrs(ds: xr.Dataset, provenance: Mapping[str, Any]) -> dict[str, Any]:
    """CF's global attributes first, then the Dataset's, then the provenance it lacks."""
    attrs = dict(ds.attrs)
    if not str(attrs.get("title", "")).strip():
        raise ValueError("a result file needs a title attribute (CF-1.8)")
    for key, value in provenance.items():
        attrs.setdefault(key, value)
    version = attrs.get("version_mblbath", "unknown")
    attrs.pop("Conventions", None)
    attrs.pop("history", None)
    head = {
        "Conventions": CONVENTIONS,
        "title": attrs.pop("title"),
        "history": f"written by mblbath {version} (git commit {attrs.get('git_commit')})",
        "source": attrs.pop("source", f"mblbath {version}"),
        "references": attrs.pop("references", REFERENCES),
    }
    return {**head, **attrs}


def to_file(
    ds: xr.Dataset, provenance: Mapping[str, Any]
) -> tuple[xr.Dataset, dict[str, dict[str, Any]]]:
    """The Dataset as it goes to disk, and its netCDF encoding; ``ds`` is not changed.

    Renames ``time`` to :data:`FILE_TIME`, makes every variable's units CF
    (:func:`variable_attrs`), sets the global attributes (``provenance`` fills the keys
    the Dataset does not have), and encodes coordinates without ``_FillValue`` and 64-bit
    integers as int32.
    """
    out = ds.copy(deep=False)
    if "time" in out.dims or "time" in out.variables:
        if FILE_TIME in out.dims or FILE_TIME in out.variables:
            raise ValueError(f"a Dataset with 'time' cannot also hold '{FILE_TIME}'")
        out = out.rename({"time": FILE_TIME})
        t_attrs = variable_attrs(out[FILE_TIME].attrs) if FILE_TIME in out.variables else {}
        if FILE_TIME in out.variables:
            comment = t_attrs.get("comment")
            t_attrs["comment"] = f"{comment}; {_ON_DISK_TIME}" if comment else _ON_DISK_TIME
            out[FILE_TIME].attrs = t_attrs
    for name, var in out.variables.items():
        if name != FILE_TIME:
            var.attrs = variable_attrs(var.attrs)
    out.attrs = _global_attrs(out, provenance)
    encoding: dict[str, dict[str, Any]] = {}
    for name, var in out.variables.items():
        enc = _int32_encoding(str(name), var)
        if name in out.coords:
            enc["_FillValue"] = None
        if enc:
            encoding[str(name)] = enc
    return out, encoding


def from_file(ds: xr.Dataset) -> xr.Dataset:
    """A Dataset read from disk with its time axis named ``time`` again (:data:`FILE_TIME`).

    Files without a ``t`` axis (disorder files, files written before the rename) are
    returned as they are. The on-disk note is removed from the time coordinate's comment.
    """
    if FILE_TIME not in ds.dims or "time" in ds.dims or "time" in ds.variables:
        return ds
    ds = ds.rename({FILE_TIME: "time"})
    if "time" in ds.variables:
        attrs = dict(ds["time"].attrs)
        comment = str(attrs.get("comment", ""))
        comment = comment.replace(f"; {_ON_DISK_TIME}", "").replace(_ON_DISK_TIME, "")
        if comment:
            attrs["comment"] = comment
        else:
            attrs.pop("comment", None)
        ds["time"].attrs = attrs
    return ds
