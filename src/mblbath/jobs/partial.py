"""Partial results after failed runs: a second Snakemake pass over the runs that exist.

Snakemake never starts a job whose inputs failed, and it has no optional inputs (as of
Snakemake 9.27; upstream issue snakemake/snakemake#4016). So when one TEBD run of a size
dies for good (a bug, a broken file system, a run that used up its retries), its
aggregate, every fit and figure and the report would wait for it, even with
``--keep-going``, and hundreds of finished runs would show nothing.

The workflow handles this in its ``onerror`` handler (``workflow/rules/partial.smk``):
after a ``--keep-going`` run in which jobs failed and some run files are missing, it
starts Snakemake once more, with the same command line plus ``--nolock`` (the first
Snakemake still holds the lock while its handler runs, and waits), and with
:data:`ENV` = ``1`` in the environment. In that *partial pass* the input functions of
``workflow/rules/common.smk`` list only the runs that exist (:func:`existing`): the
aggregate keeps the full (U, seed) grid, so a missing run is NaN with ``present = 0`` and
counted in ``n_missing``; fits, figures and ``results/report/claims.md`` say which runs
they rest on and list the missing ones. The first Snakemake still exits non-zero, so no
failure is hidden.

The next ordinary ``snakemake`` run asks for every run again: the missing ones are
computed (resuming from their checkpoints), and the aggregates are rebuilt because their
set of inputs changed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

__all__ = ["ENV", "in_partial_pass", "existing", "partial_pass_argv", "run_partial_pass"]

#: Environment variable that marks the partial pass (set only by :func:`run_partial_pass`).
ENV = "MBLBATH_PARTIAL_PASS"


def in_partial_pass() -> bool:
    """Whether this Snakemake is the partial pass started by :func:`run_partial_pass`."""
    return os.environ.get(ENV) == "1"


def existing(paths: Iterable[str]) -> list[str]:
    """The paths that exist as files, in their order."""
    return [p for p in paths if Path(p).is_file()]


def partial_pass_argv(argv: Sequence[str], executable: str = sys.executable) -> list[str] | None:
    """The command of the partial pass: this Snakemake's command line plus ``--nolock``.

    Parameters
    ----------
    argv : sequence of str
        ``sys.argv`` of the running Snakemake (``argv[0]`` is the ``snakemake`` script or
        ``snakemake/__main__.py``).
    executable : str
        The Python interpreter to run ``-m snakemake`` with.

    Returns
    -------
    list of str or None
        None if ``argv`` is not a Snakemake command line (Snakemake driven through its
        Python API, say), where the arguments cannot be repeated.
    """
    if not argv:
        return None
    prog = Path(argv[0])
    if prog.name != "snakemake" and not (
        prog.name == "__main__.py" and prog.parent.name == "snakemake"
    ):
        return None
    args = list(argv[1:])
    if "--nolock" not in args:
        args.append("--nolock")
    return [executable, "-m", "snakemake", *args]


def run_partial_pass(
    missing: Sequence[str],
    *,
    present: int,
    enabled: bool,
    keep_going: bool,
    argv: Sequence[str] | None = None,
    run: Callable[..., int] | None = None,
    say: Callable[[str], None] = print,
) -> int | None:
    """Start the partial pass if it is wanted and useful; its exit code, or None if not run.

    It runs only if ``enabled`` (config ``execution.partial_on_failure``), with
    ``keep_going`` (without ``--keep-going`` Snakemake stopped at the first failure, so
    the other runs have not been tried), outside a partial pass (no recursion), and if
    some run files are ``missing`` (a failed fit or figure is not helped by it).

    Parameters
    ----------
    missing : sequence of str
        Run files the config asks for that do not exist after this Snakemake run.
    present : int
        How many of them do exist (with none there is nothing to build).
    enabled, keep_going : bool
        See above.
    argv : sequence of str, optional
        Command line to repeat (default ``sys.argv``).
    run : callable, optional
        ``run(cmd, env) -> exit code`` (default :func:`subprocess.call`); for tests.
    say : callable
        Where the explanation goes (the handler passes Snakemake's logger).
    """
    if not missing or in_partial_pass():
        return None
    listing = "\n".join(f"  {p}" for p in missing[:20])
    more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
    head = f"mblbath: {len(missing)} run file(s) missing after failed jobs:\n{listing}{more}\n"
    if present == 0:
        say(head + "No run file exists: no partial results to build.")
        return None
    if not enabled:
        say(head + "execution.partial_on_failure is false: no partial results are built.")
        return None
    if not keep_going:
        say(
            head + "Snakemake stopped at the first failure. Rerun with --keep-going to finish "
            "the other runs and build aggregates, fits, figures and the report without "
            "the missing ones."
        )
        return None
    cmd = partial_pass_argv(sys.argv if argv is None else argv)
    if cmd is None:
        say(head + "Not started from the snakemake command line: no partial pass.")
        return None
    say(
        head + "Building aggregates, fits, figures and the report from the runs that exist "
        "(partial pass; the missing runs are listed in results/report/claims.md). "
        "Snakemake still exits with an error; rerun it to compute the missing runs."
    )
    env = dict(os.environ, **{ENV: "1"})
    if run is None:
        import subprocess

        def run(cmd: list[str], env: dict[str, str]) -> int:
            return subprocess.call(cmd, env=env)

    code = run(cmd, env)
    say(f"mblbath: partial pass {'done' if code == 0 else f'failed (exit code {code})'}.")
    return code
