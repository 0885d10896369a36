"""Start and stop a single-node SLURM on localhost (munge + slurmctld + slurmd) for tests.

Debian's ``slurm-wlm`` and ``munge`` packages provide the daemons (CI installs them with
``apt-get install -y slurm-wlm munge``). Everything the cluster writes lives in one
temporary folder, except ``/etc/slurm/slurm.conf``: inside a job, the SLURM executor
plugin's job step clears ``SLURM_CONF`` before it calls ``srun``, so the configuration must
be at Slurm's default path (see shared/notes/local-slurm.md). That file is written only if
it does not exist or was written by this module (marker line), and removed again on
:meth:`LocalSlurm.stop`. The daemons run as root, so the tests that use this need root.

Usage::

    reason = LocalSlurm.unavailable()
    if reason: pytest.skip(reason)
    with LocalSlurm(tmp_path) as cluster:
        ...  # sbatch/squeue work; cluster.jobcomp_records() lists finished jobs
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import pytest

__all__ = [
    "LocalSlurm",
    "SLURM_CONF",
    "MARKER",
    "pytest_configure",
    "pytest_collection_modifyitems",
]

#: Slurm's default configuration path on Debian.
SLURM_CONF = Path("/etc/slurm/slurm.conf")
#: First line of a slurm.conf written by this module (only such a file is overwritten).
MARKER = "# written by mblbath tests/slurm_cluster.py; removed when the test cluster stops"

_DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol")

_CONF = """{marker}
ClusterName=mblbathtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={d}/munge/munge.socket.2
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool/slurmd-%n
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd-%n.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={d}/log/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName={partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


# -- pytest plugin: in a module that says ``pytest_plugins = ["slurm_cluster"]`` and
# ``SLURM_TESTS = True``, the tests that use the ``cluster`` fixture get the 'slurm' marker
# (deselect them with -m "not slurm").
# The marker is registered here so that --strict-markers accepts it even where
# pyproject.toml does not list it.


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``slurm`` marker."""
    config.addinivalue_line(
        "markers",
        "slurm: needs a local SLURM cluster (root, slurm-wlm, munge; started by the test)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the cluster tests of modules with ``SLURM_TESTS = True`` (before ``-m`` selects)."""
    for item in items:
        module = getattr(item, "module", None)
        if getattr(module, "SLURM_TESTS", False) and "cluster" in getattr(item, "fixturenames", ()):
            item.add_marker("slurm")


class LocalSlurm:
    """A one-node SLURM cluster on 127.0.0.1, started and stopped by its owner.

    Parameters
    ----------
    root : path
        Empty folder for keys, sockets, state, spool and logs.
    partition : str
        Name of the only partition.
    cpus : int, optional
        CPUs of the node (default: ``os.cpu_count()``).
    mem_mb : int
        Memory of the node as SLURM sees it (jobs ask for less).
    ctld_port, slurmd_port : int
        TCP ports on localhost.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        partition: str = "debug",
        cpus: int | None = None,
        mem_mb: int = 16000,
        ctld_port: int = 6817,
        slurmd_port: int = 6818,
    ) -> None:
        self.root = Path(root).resolve()
        self.partition = partition
        self.cpus = cpus or os.cpu_count() or 1
        self.mem_mb = mem_mb
        self.ctld_port = ctld_port
        self.slurmd_port = slurmd_port
        self._procs: dict[str, subprocess.Popen] = {}
        self._munged_pid: int | None = None
        self._wrote_conf = False

    # -- availability -------------------------------------------------------------------
    @staticmethod
    def unavailable() -> str | None:
        """Why a local cluster cannot start here (None if it can)."""
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            return "needs root (the SLURM daemons run as root; CI runs as root)"
        missing = [
            d for d in _DAEMONS if shutil.which(d) is None and not Path("/usr/sbin", d).exists()
        ]
        if missing:
            return (
                f"SLURM/munge not installed ({', '.join(missing)} missing): "
                "apt-get install -y slurm-wlm munge"
            )
        if SLURM_CONF.exists() and not SLURM_CONF.read_text().startswith(MARKER):
            return f"{SLURM_CONF} exists and was not written by the tests: not overwriting it"
        for name in ("slurmctld", "slurmd", "munged"):
            if _running(name):
                return f"a {name} is already running on this machine"
        return None

    # -- paths -----------------------------------------------------------------------------
    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def jobcomp(self) -> Path:
        """The jobcomp/filetxt file: one line per finished job."""
        return self.log_dir / "jobcomp.txt"

    def env(self) -> dict[str, str]:
        """Environment for SLURM client commands (the config is at the default path)."""
        env = dict(os.environ)
        env.pop("SLURM_CONF", None)
        return env

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> LocalSlurm:
        """Write the config, start munged, slurmctld and slurmd, wait for an idle node."""
        reason = self.unavailable()
        if reason:
            raise RuntimeError(reason)
        for sub in ("munge", "state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "munge", 0o700)
        try:
            self._write_conf()
            self._start_munged()
            self._procs["slurmctld"] = self._spawn(["slurmctld", "-D", "-i"], "slurmctld")
            self._wait(lambda: self._scontrol_ping(), timeout, "slurmctld did not answer")
            self._procs["slurmd"] = self._spawn(["slurmd", "-D"], "slurmd")
            self._wait(lambda: self.node_state() in ("idle", "mixed"), timeout, "node not idle")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the daemons this object started (by PID) and remove its slurm.conf."""
        for name in ("slurmd", "slurmctld"):
            proc = self._procs.pop(name, None)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        if self._munged_pid is not None:
            _terminate_pid(self._munged_pid)
            self._munged_pid = None
        if self._wrote_conf and SLURM_CONF.exists() and SLURM_CONF.read_text().startswith(MARKER):
            SLURM_CONF.unlink()
            self._wrote_conf = False

    def __enter__(self) -> LocalSlurm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- queries ---------------------------------------------------------------------------
    def node_state(self) -> str:
        """State of the node as ``sinfo`` reports it ('' if unknown)."""
        proc = subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, env=self.env()
        )
        return proc.stdout.strip().rstrip("*~#") if proc.returncode == 0 else ""

    def jobcomp_records(self) -> list[dict[str, str]]:
        """Finished jobs from the jobcomp file: dicts with JobId, JobState, Name, ..."""
        if not self.jobcomp.exists():
            return []
        records = []
        for line in self.jobcomp.read_text().splitlines():
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            if fields:
                records.append(fields)
        return records

    def logs(self) -> str:
        """The daemons' logs (for failure messages)."""
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            parts.append(f"== {path.name}\n{path.read_text()[-4000:]}")
        return "\n".join(parts)

    # -- internals -------------------------------------------------------------------------
    def _write_conf(self) -> None:
        text = _CONF.format(
            marker=MARKER,
            d=self.root,
            cpus=self.cpus,
            mem_mb=self.mem_mb,
            partition=self.partition,
            ctld_port=self.ctld_port,
            slurmd_port=self.slurmd_port,
        )
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(text)
        self._wrote_conf = True

    def _start_munged(self) -> None:
        m = self.root / "munge"
        key = m / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        pidfile = m / "munged.pid"
        subprocess.run(
            [
                _exe("munged"),
                "--force",
                f"--key-file={key}",
                f"--socket={m / 'munge.socket.2'}",
                f"--pid-file={pidfile}",
                f"--log-file={self.log_dir / 'munged.log'}",
                f"--seed-file={m / 'munged.seed'}",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        self._wait(pidfile.exists, 10, "munged wrote no pid file")
        self._munged_pid = int(pidfile.read_text().split()[0])

    def _spawn(self, cmd: list[str], name: str) -> subprocess.Popen:
        # The daemon keeps its own copy of the file descriptor; ours is closed at once.
        with open(self.log_dir / f"{name}.stdout", "wb") as out:
            return subprocess.Popen(
                [_exe(cmd[0]), *cmd[1:]], stdout=out, stderr=subprocess.STDOUT, env=self.env()
            )

    def _scontrol_ping(self) -> bool:
        proc = subprocess.run(
            ["scontrol", "ping"], capture_output=True, text=True, env=self.env(), timeout=20
        )
        return "UP" in proc.stdout

    def _wait(self, predicate, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")
            if predicate():
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what} within {timeout:.0f} s\n{self.logs()}")


def _exe(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _running(name: str) -> bool:
    """Is a process with this executable name running (read from /proc, no signals)?"""
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == name:
                return True
        except OSError:
            continue
    return False


def _terminate_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM one process by PID, SIGKILL if it is still there after ``timeout``."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
