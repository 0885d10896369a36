"""Checkpoints of a running TEBD evolution: atomic, checksummed, keyed by the run's parameters.

File layout: a fixed magic line, then a JSON header line with the sha256 of the payload
and the run's key, then the pickled payload (MPS, measurements so far, steps done,
accumulated truncation error). A checkpoint is used only if the magic, the checksum and
the key all match; anything else (another run's checkpoint, a truncated or corrupt file,
an older format) is reported with the reason and ignored, so the run starts from scratch.

The key is the sha256 of every parameter of :class:`~mblbath.config.RunParams`, the
disorder potential and the run-file schema version: a checkpoint can never be resumed
under different settings.

A file that does not start with the magic line is not a checkpoint: ``mblbath run``
refuses such a path (:func:`is_checkpoint`) instead of overwriting it, and removes a
checkpoint at the end only if it holds the key of its own run (:func:`remove_checkpoint`).
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

from ..checksum import umask_mode
from ..config import RunParams

__all__ = [
    "MAGIC",
    "run_key",
    "save_checkpoint",
    "load_checkpoint",
    "is_checkpoint",
    "checkpoint_header",
    "remove_checkpoint",
    "rerun_hint",
    "check_checkpoint_path",
]

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
    header = {"sha256": hashlib.sha256(payload).hexdigest(), "key": key}
    header["k_next"] = state.get("k_next")  # how far the run got (read by checkpoint_header)
    header = json.dumps(header).encode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + header + b"\n" + payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, umask_mode())
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


def is_checkpoint(path: str | os.PathLike) -> bool:
    """Whether the file at ``path`` starts like a mblbath checkpoint (magic line)."""
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def checkpoint_header(path: str | os.PathLike) -> dict[str, Any] | None:
    """The header of the checkpoint at ``path`` (``key``, ``sha256``, ``k_next``: the next
    grid index to measure), or None if there is none; the payload is not read."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                return None
            header = json.loads(fh.readline(1 << 16))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return header if isinstance(header, dict) else None


def remove_checkpoint(path: str | os.PathLike, key: str) -> bool:
    """Delete ``path`` if it is the checkpoint of the run ``key``; True if it was deleted.

    Anything else at ``path`` (another run's checkpoint, a file that is no checkpoint) is
    left alone and reported as a warning.
    """
    path = Path(path)
    if not path.exists():
        return False
    if (checkpoint_header(path) or {}).get("key") != key:
        log.warning("not removing %s: it is not this run's checkpoint", path)
        return False
    path.unlink()
    return True


def rerun_hint(path: str | os.PathLike, key: str, n_times: int) -> str:
    """What a rerun of the run ``key`` will do with the checkpoint at ``path`` (for the
    message when its results could not be written)."""
    header = checkpoint_header(path) if Path(path).exists() else None
    if header is None or header.get("key") != key:
        return "the run is lost: rerun it from the start"
    if header.get("k_next") == n_times:
        return f"the finished run is saved in {path}: free space and rerun, it only writes"
    return f"the run's state is saved in {path}: free space and rerun, it resumes from there"


def _same(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_checkpoint_path(ckpt: Path, out: Path, disorder: Path | None) -> None:
    """Raise :class:`~mblbath.config.ConfigError` (``--checkpoint``) unless ``ckpt`` is a
    path the run may write and later remove: not the output or the disorder file, and
    holding nothing or a mblbath checkpoint (of any run: one of other parameters is
    ignored and replaced, as a stale checkpoint of this path)."""
    from ..config import ConfigError
    from ..preflight import check_output

    for other, flag in ((out, "--out"), (disorder, "--disorder")):
        if _same(ckpt, other):
            raise ConfigError(f"parameter '--checkpoint': {ckpt} is also the {flag} file")
    if ckpt.exists():
        if not ckpt.is_file():
            raise ConfigError(f"parameter '--checkpoint': {ckpt} is not a file")
        try:
            ours = is_checkpoint(ckpt)
        except OSError as exc:
            raise ConfigError(
                f"parameter '--checkpoint': {ckpt} unreadable ({exc.strerror})"
            ) from None
        if not ours:
            raise ConfigError(
                f"parameter '--checkpoint': {ckpt} holds a file that is not a mblbath "
                "checkpoint; refusing to overwrite it"
            )
    check_output(ckpt, "--checkpoint")
