"""Checksums of the files mblbath writes: a sha256 sidecar next to each, verified on reading.

Every result file ``F`` gets a sidecar ``F.sha256`` in the format of ``sha256sum`` (so
``cd folder && sha256sum -c F.sha256`` checks it by hand), plus a comment line with the
size in bytes::

    3b0c...e8  seed0.nc
    # mblbath: 1843712 bytes

Two checks use it (:mod:`mblbath.io` explains why a sidecar rather than an attribute):

- :func:`verify`, by every reader of an input file (the CLI, :func:`mblbath.io.open_run`):
  the full sha256 (a few ms per MB). A mismatch raises :class:`DamagedFileError` and
  marks the sidecar (:func:`mark_damaged`), so that the next workflow run moves the file
  aside and recomputes it.
- :func:`quick_status`, by the workflow when it builds the DAG (every result file, every
  time): no hashing unless the file changed since it was sealed. A missing or marked
  sidecar, a size that differs from the recorded one, or an unreadable file is damage;
  a file modified after its sidecar was written (mtime) is hashed, and if it still matches
  the sidecar is touched, so that the next check is cheap again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = [
    "SUFFIX",
    "DamagedFileError",
    "sidecar",
    "file_sha256",
    "seal",
    "verify",
    "quick_status",
    "mark_damaged",
    "umask_mode",
]

#: Suffix of the checksum sidecar of a file.
SUFFIX = ".sha256"

_SIZE_TAG = "# mblbath: "
_DAMAGED_TAG = "# damaged: "


class DamagedFileError(ValueError):
    """A file does not match its checksum, or cannot be read at all."""


def sidecar(path: str | os.PathLike) -> Path:
    """The checksum sidecar of ``path``: ``path`` + ``.sha256``."""
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of the bytes of ``path`` (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def umask_mode(mode: int = 0o666) -> int:
    """``mode`` with the process umask applied (what ``open()`` would give a new file)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return mode & ~int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)  # no /proc: read it by setting it (restored at once)
    os.umask(old)
    return mode & ~old


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def seal(path: str | os.PathLike, name: str | os.PathLike | None = None) -> str:
    """Write the sidecar of the file at ``path``; returns its sha256.

    Parameters
    ----------
    path : path
        The file as it is now.
    name : path, optional
        Where the file is about to be renamed to (:func:`mblbath.io.write_atomic` seals the
        temporary file before the rename, so no reader ever sees a file without its
        checksum); default ``path``.
    """
    final = Path(name if name is not None else path)
    digest = file_sha256(path)
    size = os.stat(path).st_size
    _write_text_atomic(sidecar(final), f"{digest}  {final.name}\n{_SIZE_TAG}{size} bytes\n")
    return digest


def _read_sidecar(path: Path) -> tuple[str, int | None, str | None]:
    """(sha256, size or None, damage mark or None) of the sidecar of ``path``."""
    lines = sidecar(path).read_text().splitlines()
    digest = lines[0].split()[0] if lines and lines[0].split() else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("malformed checksum line")
    size = mark = None
    for line in lines[1:]:
        if line.startswith(_SIZE_TAG):
            size = int(line[len(_SIZE_TAG) :].split()[0])
        elif line.startswith(_DAMAGED_TAG):
            mark = line[len(_DAMAGED_TAG) :]
    return digest, size, mark


def verify(path: str | os.PathLike, *, required: bool = False) -> bool:
    """Check ``path`` against its sidecar (full sha256).

    Returns True if it matches, False if there is no sidecar (and not ``required``).
    Raises :class:`DamagedFileError` naming the file if it is missing, unreadable, or its
    sha256 differs; the sidecar is then marked (:func:`mark_damaged`).
    """
    path = Path(path)
    if not path.is_file():
        raise DamagedFileError(f"{path}: no such file")
    try:
        recorded = _read_sidecar(path)[0]
    except FileNotFoundError:
        if required:
            raise DamagedFileError(f"{path}: no checksum file {sidecar(path).name}") from None
        return False
    except (OSError, ValueError) as exc:
        raise DamagedFileError(f"{path}: checksum file unreadable ({exc})") from None
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise DamagedFileError(f"{path}: unreadable ({exc.strerror})") from None
    if actual != recorded:
        reason = "checksum mismatch: the file changed after it was written"
        mark_damaged(path, reason)
        raise DamagedFileError(f"{path}: {reason}")
    return True


def mark_damaged(path: str | os.PathLike, reason: str) -> None:
    """Add a ``# damaged:`` line to the sidecar of ``path`` (best effort).

    :func:`quick_status` then reports the file, so the workflow moves it aside and
    recomputes it even though its size and mtime look intact (a bit flip, say).
    """
    side = sidecar(path)
    try:
        text = side.read_text()
        if _DAMAGED_TAG not in text:
            _write_text_atomic(side, text + f"{_DAMAGED_TAG}{reason}\n")
    except OSError:
        pass


def quick_status(path: str | os.PathLike) -> str | None:
    """Why the existing file ``path`` is not intact, or None; cheap (see the module doc)."""
    path = Path(path)
    side = sidecar(path)
    try:
        digest, size, mark = _read_sidecar(path)
        side_mtime = side.stat().st_mtime_ns
    except FileNotFoundError:
        return f"no checksum file {side.name} (interrupted write?)"
    except (OSError, ValueError) as exc:
        return f"checksum file {side.name} unreadable ({exc})"
    if mark is not None:
        return mark
    st = path.stat()
    if size is not None and st.st_size != size:
        return f"size {st.st_size} bytes, {size} when written (truncated?)"
    if not os.access(path, os.R_OK):
        return "not readable"
    if st.st_mtime_ns > side_mtime:
        try:
            if file_sha256(path) != digest:
                return "checksum mismatch: the file changed after it was written"
        except OSError as exc:
            return f"unreadable ({exc.strerror})"
        try:
            os.utime(side)  # verified now: later checks need not hash it again
        except OSError:
            pass
    return None
