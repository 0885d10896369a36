"""``python -m benchmarks readme``: rewrite the measurement tables of ``benchmarks/README.md``.

Every benchmark writes, under ``results/benchmarks/`` (``MBLBATH_BENCH_RESULTS``),

- ``NAME.csv``: one row per measurement, each with ``measured_utc``, ``git_commit`` and
  ``machine`` columns;
- ``NAME.txt``: its one-line summary (what it measured, in words and numbers);
- optionally ``NAME.md``: a detailed markdown table.

This module puts them into ``benchmarks/README.md`` between the markers
``<!-- measurements:begin -->`` and ``<!-- measurements:end -->``: one current table with a
row per benchmark (the summary, the command that regenerates it, and the machine, commit and
time of its last row), then the detailed tables. Everything outside the markers is kept, so
the README's prose is written by hand and its numbers only by this command. A benchmark that
has not been run keeps no row (its command is still listed under "Not measured").
"""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["COMMANDS", "BEGIN", "END", "render", "update_readme", "main"]

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
BEGIN = "<!-- measurements:begin -->"
END = "<!-- measurements:end -->"

#: Benchmark name (the stem of its CSV) -> the command that regenerates it, in table order.
COMMANDS: dict[str, str] = {
    "frontier": "python -m benchmarks.frontier",
    "qr_tebd": "python -m benchmarks.perf qr",
    "calibration": "mblbath calibrate",
    "quimb_tebd": "python -m benchmarks.perf quimb",
    "overhead": "python -m benchmarks.perf overhead --chi 64",
    "blas_fraction": "python -m benchmarks.perf blas",
    "parallel_bonds": "python -m benchmarks.perf parallel --steps 5",
    "quspin_exact": "python -m benchmarks.perf quspin",
    "measurement": "python -m benchmarks.perf measure",
    "criterion_runtime": "python -m benchmarks.perf criterion",
    "info": "python -m benchmarks.perf info",
}


def _results_dir() -> Path:
    return Path(os.environ.get("MBLBATH_BENCH_RESULTS", ROOT / "results" / "benchmarks"))


def _last_row(path: Path) -> Mapping[str, str]:
    """The last row of a CSV (empty if the file has none)."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows[-1] if rows else {}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _summary(txt: Path, name: str) -> str:
    """The summary line without its ``[name]`` prefix."""
    line = txt.read_text().strip()
    prefix = f"[{name}]"
    return line[len(prefix) :].strip() if line.startswith(prefix) else line


def render(results: Path, commands: Mapping[str, str] = COMMANDS) -> str:
    """The markdown between the markers, from the files in ``results``."""
    rows, details, missing = [], [], []
    for name, command in commands.items():
        txt, csv_path = results / f"{name}.txt", results / f"{name}.csv"
        if not (txt.is_file() and csv_path.is_file()):
            missing.append(f"`{command}`")
            continue
        last = _last_row(csv_path)
        made = ", ".join(
            v
            for v in (
                last.get("machine", ""),
                f"commit {last.get('git_commit', '?')[:10]}",
                last.get("measured_utc", ""),
            )
            if v
        )
        rows.append(f"| {name} | {_cell(_summary(txt, name))} | `{command}` | {_cell(made)} |")
        md = results / f"{name}.md"
        if md.is_file():
            details += ["", f"### {name}", "", f"`{command}`", "", md.read_text().strip()]
    lines = [
        BEGIN,
        "",
        "| benchmark | result | command | machine, commit, time (UTC) |",
        "|---|---|---|---|",
        *rows,
    ]
    if missing:
        lines += ["", "Not measured in this table: " + ", ".join(missing) + "."]
    lines += details
    lines += ["", END]
    return "\n".join(lines)


def update_readme(readme: Path, results: Path) -> str:
    """Replace the part between the markers of ``readme`` (append it if there are none)."""
    text = readme.read_text() if readme.is_file() else "# Benchmarks\n"
    block = render(results)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = head + block + tail
    else:
        new = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(new)
    return new


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks readme", description=__doc__)
    p.add_argument("--results", type=Path, default=None, help="default: results/benchmarks")
    p.add_argument("--readme", type=Path, default=README, help="default: benchmarks/README.md")
    args = p.parse_args(argv)
    update_readme(args.readme, args.results or _results_dir())
    print(f"wrote {args.readme}")
    return 0
