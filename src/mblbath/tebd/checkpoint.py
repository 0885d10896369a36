"""Checkpoints of a running TEBD evolution: atomic, checksummed, keyed by the run's parameters.

File layout: a fixed magic line, then a JSON header line with the sha256 of the payload
and the run's key, then the pickled payload (MPS, measurements so far, steps done,
accumulated truncation error). A checkpoint is used only if the magic, the checksum and
the key all match; anything else (another run's checkpoint, a truncated or corrupt file,
an older format) is reported with the reason and ignored, so the run starts from scratch.

The key is the sha256 of every parameter of :class:`~mblbath.config.RunParams`, the
disorder potential and the run-file schema version: a checkpoint can never be resumed
under different settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..config import RunParams

__all__ = ["MAGIC", "run_key", "save_checkpoint", "load_checkpoint"]

log = logging.getLogger(__name__)

MAGIC = b"mblbath-checkpoint v1\n"


def run_key(params: RunParams, eps: np.ndarray) -> str:
    """Identity of a run: its parameters, its disorder, and the schema version."""
    from ..io import SCHEMA_VERSION

    blob = json.dumps(params.as_attrs(), sort_keys=True).encode()
    blob += np.ascontiguousarray(eps, dtype=np.float64).tobytes()
    blob += str(SCHEMA_VERSION).encode()
    return hashlib.sha256(blob).hexdigest()


def save_checkpoint(path: str | os.PathLike, key: str, state: dict[str, Any]) -> None:
    """Write ``state`` atomically (temporary file in the same folder, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    header = json.dumps({"sha256": hashlib.sha256(payload).hexdigest(), "key": key}).encode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + header + b"\n" + payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | os.PathLike, key: str) -> dict[str, Any] | None:
    """The saved state if ``path`` is a valid checkpoint of the run ``key``, else None.

    Every reason for ignoring a file is logged as a warning.
    """
    path = Path(path)
    if not path.exists():
        return None
    raw = path.read_bytes()
    reason = None
    if not raw.startswith(MAGIC):
        reason = "not a mblbath checkpoint (or an older format)"
    else:
        header_line, sep, payload = raw[len(MAGIC) :].partition(b"\n")
        try:
            header = json.loads(header_line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            header = None
        if not sep or not isinstance(header, dict):
            reason = "header unreadable (truncated file?)"
        elif header.get("key") != key:
            reason = "it belongs to a run with different parameters"
        elif hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            reason = "checksum mismatch (truncated or corrupt file)"
    if reason is None:
        try:
            return pickle.loads(payload)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means unusable
            reason = f"payload unreadable ({exc})"
    log.warning("ignoring checkpoint %s: %s; starting from scratch", path, reason)
    return None
