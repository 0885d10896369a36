"""Progress of a TEBD run: a tqdm bar on a terminal, plain log lines in a job log.

``mblbath run`` passes a :class:`RunProgress` to :func:`mblbath.tebd.run_tebd`, which calls
it after every measurement with a :class:`mblbath.tebd.Progress`. On a terminal (stderr
is a tty and progress is not switched off) a tqdm bar advances in simulated time up to
``t_max`` and shows χ, the truncation error and the run's own estimate of the remaining
wall time (from the time reached, which tqdm's rate of measurements would not give: the
grid is logarithmic). Anywhere else, e.g. in a Snakemake or SLURM log, each measurement is
one plain ``logging`` line with the same numbers.
"""

from __future__ import annotations

import logging
import math
import sys
from typing import Any

__all__ = ["RunProgress", "progress_line"]

log = logging.getLogger("mblbath")


def _eta(p: Any) -> str:
    return "?" if not math.isfinite(p.eta) else f"{p.eta:.0f}s"


def progress_line(p: Any) -> str:
    """One measurement as plain text (the job-log form)."""
    return (
        f"t = {p.t:8.3f} / {p.t_max:g}  [{p.index + 1}/{p.n_times}]  chi = {p.chi:5d}  "
        f"trunc_err = {p.trunc_err:.2e}  elapsed {p.elapsed:.0f}s  ETA {_eta(p)}"
    )


class RunProgress:
    """Progress callback of a run: a tqdm bar on a terminal, log lines otherwise.

    Parameters
    ----------
    enabled : bool
        False (``--no-progress``) always writes log lines.
    stream : file, optional
        Where the bar goes (default ``sys.stderr``); the bar is used only if it is a tty.
    """

    def __init__(self, enabled: bool = True, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.tty = enabled and self.stream.isatty()
        self.bar = None

    def __call__(self, p: Any) -> None:
        if not self.tty:
            log.info(progress_line(p))
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=p.t_max,
                initial=0.0,
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{l_bar}{bar}| t = {n:.3g}/{total:g} [{elapsed}{postfix}]",
            )
        self.bar.set_postfix_str(
            f"chi = {p.chi}, trunc_err = {p.trunc_err:.1e}, ETA {_eta(p)}", refresh=False
        )
        self.bar.update(p.t - self.bar.n)
        if p.index + 1 == p.n_times:
            self.close()

    def close(self) -> None:
        """End the bar (after the last measurement, or when the run stops early)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
