"""``python -m benchmarks.perf [NAME] [options]``: run one performance benchmark or all.

Without a name (or with ``all``) every benchmark runs in its own Python process, one after
the other, so that thread pools, BLAS limits and memory of one do not leak into the next.
``all --quick`` runs each at toy size, to check the harness in a minute or two; its
results go to ``results/benchmarks/quick/`` so that they never overwrite real ones.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time

__all__ = ["BENCHMARKS", "QUICK", "main"]

#: Command name -> module (each has ``main(argv) -> int``).
BENCHMARKS: dict[str, str] = {
    "quimb": "quimb_tebd",
    "overhead": "overhead",
    "blas": "blas_fraction",
    "quspin": "quspin_exact",
    "parallel": "parallel_bonds",
    "measure": "measurement",
    "criterion": "criterion_runtime",
    "qr": "qr_tebd",
    "info": "info",
}

#: Toy-size options of every benchmark for ``all --quick``.
QUICK: dict[str, list[str]] = {
    "quimb": [
        "--L",
        "12",
        "--chis",
        "16",
        "--steps",
        "1",
        "--agree-steps",
        "4",
        "--agree-chi",
        "64",
    ],
    "overhead": ["--L", "12", "--chi", "16", "--t-max", "1", "--repeats", "1"],
    "blas": ["--L", "12", "--chis", "32", "--steps", "1", "--no-perf"],
    "quspin": ["--Ls", "9", "--t-max", "2", "--entropy-L", "0"],
    "parallel": ["--L", "12", "--chis", "32", "--steps", "1"],
    "measure": ["--L", "12", "--chi", "32", "--scaling-Ls", "6,9,12", "--scaling-chi", "16"],
    "criterion": ["--L", "60", "--n-real", "2", "--n-W", "4", "--n-U", "3"],
    "qr": ["--L", "12", "--chis", "16,32", "--steps", "1", "--goal-chi", "32"],
    "info": [],
}

_USAGE = (
    "usage: python -m benchmarks.perf [all [--quick] | NAME [options]]\n"
    f"  NAME: {', '.join(BENCHMARKS)}  (NAME --help for its options)"
)


def _run_all(quick: bool) -> int:
    from ._common import RESULTS

    failed = []
    t0 = time.perf_counter()
    env = dict(os.environ)
    if quick:  # toy results must not overwrite the real ones
        env["MBLBATH_BENCH_RESULTS"] = str(RESULTS / "quick")
    for name in BENCHMARKS:
        cmd = [sys.executable, "-m", "benchmarks.perf", name, *(QUICK[name] if quick else [])]
        print(f"$ {' '.join(cmd[1:])}", flush=True)
        if subprocess.run(cmd, check=False, env=env).returncode != 0:
            failed.append(name)
    print(f"all benchmarks done in {time.perf_counter() - t0:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the named benchmark (or all of them)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0
    if not argv or argv[0] == "all":
        rest = argv[1:]
        if rest not in ([], ["--quick"]):
            print(_USAGE, file=sys.stderr)
            return 2
        return _run_all(quick=rest == ["--quick"])
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}\n{_USAGE}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"benchmarks.perf.{BENCHMARKS[name]}")
    return int(module.main(rest))


if __name__ == "__main__":
    sys.exit(main())
