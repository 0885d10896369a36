"""Progress of a run (mblbath.progress): a tqdm bar on a terminal, plain lines in a job log."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from mblbath.progress import RunProgress, progress_line
from mblbath.tebd import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _steps(n=4, t_max=2.0):
    return [
        Progress(index=i, n_times=n, t=t_max * i / (n - 1), t_max=t_max, chi=8 * (i + 1),
                 trunc_err=1e-9 * i, elapsed=0.5 * i)
        for i in range(n)
    ]  # fmt: skip


def test_a_terminal_gets_a_tqdm_bar_and_no_log_lines(caplog):
    term = _Terminal()
    progress = RunProgress(True, stream=term)
    with caplog.at_level(logging.INFO, logger="mblbath"):
        for p in _steps():
            progress(p)
    out = term.getvalue()
    assert "100%|" in out and "t = 2/2" in out, out  # tqdm's bar, in simulated time
    assert "chi = 32" in out and "trunc_err = 3.0e-09" in out, out
    assert progress.bar is None  # closed after the last measurement
    assert not caplog.records


def test_a_job_log_gets_plain_lines(caplog):
    not_a_tty = io.StringIO()
    for enabled in (True, False):  # not a terminal, or --no-progress
        caplog.clear()
        progress = RunProgress(enabled, stream=not_a_tty)
        with caplog.at_level(logging.INFO, logger="mblbath"):
            for p in _steps():
                progress(p)
        assert [r.getMessage() for r in caplog.records] == [progress_line(p) for p in _steps()]
    assert not_a_tty.getvalue() == ""
    assert "t =    2.000 / 2  [4/4]  chi =    32" in progress_line(_steps()[-1])


@pytest.mark.slow
def test_mblbath_run_on_a_terminal_and_in_a_log(tmp_path):
    """The real command: a bar when stderr is a pseudo-terminal, plain lines when a file."""
    args = [sys.executable, "-m", "mblbath", "run", "--L", "6", "--U", "2", "--seed", "0"]
    args += ["--t-max", "0.5", "--chi-max", "8", "--order", "2", "--dt", "0.1"]
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    try:
        proc = subprocess.run(
            [*args, "--out", str(tmp_path / "a.nc")], stderr=secondary, timeout=120
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    assert proc.returncode == 0
    on_tty = b"".join(chunks).decode(errors="replace")
    assert "100%|" in on_tty and "t = 0.5/0.5" in on_tty, on_tty

    log = subprocess.run(
        [*args, "--out", str(tmp_path / "b.nc")], capture_output=True, text=True, timeout=120
    )
    assert log.returncode == 0
    assert "t =    0.500 / 0.5" in log.stderr and "%|" not in log.stderr, log.stderr
