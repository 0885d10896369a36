"""Damaged results, found when the workflow builds its DAG, are moved aside and recomputed.

Snakemake trusts any file that exists at an output path: a truncated run file would be
"up to date", its aggregate would fail on it, and Snakemake would delete the aggregate's
previous output. So ``workflow/rules/common.smk`` calls :func:`check_results` on every file
the config asks for, each time the workflow is parsed, before Snakemake plans anything.
A file that is not intact (:func:`mblbath.checksum.quick_status`: no or marked checksum,
a size other than the one written, unreadable, a changed sha256 after an mtime change) is
moved, with its sidecar, to ``results/damaged/<its path under results/>`` (``.1``, ``.2``,
... if that exists) and named in a warning; its job is then missing an output, and the
plain ``snakemake`` command recomputes it and what depends on it. Nothing is deleted.

Files whose job Snakemake has marked incomplete (``.snakemake/incomplete/``: the job is
running, or was when Snakemake died) are left to Snakemake, which reruns them itself.
"""

from __future__ import annotations

import os
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterable
from pathlib import Path

from ..checksum import quick_status, sidecar

__all__ = ["DAMAGED", "quarantine", "incomplete", "check_results"]

#: Where damaged results go, mirroring their path under ``results/``.
DAMAGED = Path("results") / "damaged"


def quarantine(path: str | os.PathLike, root: str | os.PathLike = "results") -> Path:
    """Move ``path`` and its checksum sidecar to ``<root>/damaged/<path under root>``.

    Returns the new path; an existing damaged copy is never overwritten (suffixes ``.1``,
    ``.2``, ...).
    """
    path, root = Path(path), Path(root)
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(path.name)
    target = root / "damaged" / rel
    n = 0
    while target.exists() or sidecar(target).exists():
        n += 1
        target = root / "damaged" / rel.with_name(f"{rel.name}.{n}")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    if sidecar(path).exists():
        os.replace(sidecar(path), sidecar(target))
    return target


def incomplete(path: str | os.PathLike, workdir: str | os.PathLike = ".") -> bool:
    """Whether Snakemake marks ``path`` (relative to ``workdir``) as the output of an
    incomplete job (its marker file in ``.snakemake/incomplete``)."""
    b64 = urlsafe_b64encode(str(path).encode()).decode()
    chunks = [b64[i : i + 254] for i in range(0, len(b64), 254)]
    parts = ["@" + c for c in chunks[:-1]] + [chunks[-1]]
    return Path(workdir, ".snakemake", "incomplete", *parts).exists()


def check_results(
    paths: Iterable[str], say: Callable[[str], None] = print, root: str = "results"
) -> list[tuple[str, str, Path]]:
    """Move every damaged file among ``paths`` aside (see the module doc).

    Returns
    -------
    list of (path, reason, new path)
    """
    moved = []
    for path in dict.fromkeys(paths):
        if not os.path.isfile(path) or incomplete(path):
            continue
        reason = quick_status(path)
        if reason is None:
            continue
        target = quarantine(path, root)
        moved.append((path, reason, target))
        say(f"mblbath: {path} is damaged ({reason}): moved to {target}; it will be recomputed")
    return moved
