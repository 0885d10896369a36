"""Copy a finished reproduction into ``results/reference/<name>/`` and describe it.

    snakemake --cores 2 --configfile config/reproduction.yaml
    python scripts/save_reference.py --configfile config/reproduction.yaml \\
        --wall-s SECONDS --started 2026-12-02T20:40:00Z

copies what the config's DAG made that the analysis needs to be re-derived and read —
aggregates, fits (with the criterion and the analysis choices), validation, figures (PNG
and PDF) and ``claims.md`` — with their checksum sidecars, into
``results/reference/reproduction/`` (the folder layout of ``results/``), and writes
``results/reference/README.md``: the command, the commit, the machine, the wall time, the
date, the size, and the verdict counts. ``tests/test_reference.py`` re-runs the analysis
rules on these aggregates and compares the claims table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mblbath import config as mc  # noqa: E402


def wanted_files(cfg: dict) -> list[Path]:
    """The config's analysis inputs and outputs under ``results/`` (relative paths)."""
    model = mc.model_for(cfg)
    out: list[Path] = []
    for L in cfg["sweep"]["L"]:
        num = mc.numerics_for(cfg, L)
        out.append(Path("aggregate", model, num, f"L{L}.nc"))
        for fit in ("nc_profile", "xi_c", "ell_d", "entanglement"):
            out.append(Path("fits", model, num, f"L{L}", f"{fit}.nc"))
    out += [Path("fits", "criterion.nc"), Path("fits", "choices.nc")]
    figures = ["fig1", "fig2", "fig3", "fig4", "criterion"]
    if cfg["validation"]["n_seeds"] > 0:
        L = min(cfg["sweep"]["L"])
        out.append(Path("validation", model, mc.numerics_for(cfg, L), f"L{L}.nc"))
        figures.append("validation")
    for name in figures:
        out += [Path("figures", f"{name}.{ext}") for ext in ("png", "pdf")]
    out.append(Path("report", "claims.md"))
    return out


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def verdict_counts(claims_md: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for verdict in re.findall(r"\*\*(holds|does not hold|not testable[^*]*)\*\*", claims_md):
        key = "not testable" if verdict.startswith("not testable") else verdict
        counts[key] = counts.get(key, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configfile", default="config/reproduction.yaml")
    p.add_argument("--name", default="reproduction")
    p.add_argument("--wall-s", type=float, required=True, help="wall time of the snakemake run")
    p.add_argument("--started", required=True, help="UTC start of the run (ISO 8601)")
    p.add_argument("--results", default="results", help="the run's results/ folder")
    args = p.parse_args(argv)

    cfg = mc.load_configs([ROOT / args.configfile], base=ROOT / "config" / "config.yaml")
    src_root, dest_root = Path(args.results), ROOT / "results" / "reference" / args.name
    shutil.rmtree(dest_root, ignore_errors=True)
    missing = []
    for rel in wanted_files(cfg):
        for src in (src_root / rel, (src_root / rel).with_name(rel.name + ".sha256")):
            if src.exists():
                (dest_root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest_root / src.relative_to(src_root))
            elif src.suffix != ".sha256" and rel.parts[-1] not in (
                "validation.png",
                "validation.pdf",
            ):
                missing.append(str(src))
    if missing:
        print("missing:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in dest_root.rglob("*") if f.is_file())
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=src_root.resolve().parent, capture_output=True, text=True
    ).stdout.strip()
    claims = (dest_root / "report" / "claims.md").read_text()
    counts = ", ".join(f"{n} {k}" for k, n in verdict_counts(claims).items())
    minutes = args.wall_s / 60
    text = f"""# Reference results

What the pipeline produced, committed so that a visitor sees them before running anything
and so that the analysis code can never drift from them silently
(`tests/test_reference.py` re-runs the fits, figures and report on these aggregates and
compares the claims table, verdicts and numbers).

## `{args.name}/`

| | |
|---|---|
| command | `snakemake --cores 2 --configfile {args.configfile}` |
| commit | `{commit}` |
| machine | {machine()} |
| started (UTC) | {args.started} |
| wall time | {minutes:.0f} min ({args.wall_s:.0f} s): every job, from an empty `results/` |
| size | {size / 1e6:.1f} MB |
| claims | {counts} (`{args.name}/report/claims.md`) |

Contents, in the layout of `results/`: `aggregate/` (disorder-resolved observables per
size, netCDF), `fits/` (Eqs. 2-5, ℓ_d, the criterion and the analysis choices),
`figures/` (PNG and PDF), `report/claims.md`; each file with its `.sha256` sidecar.

To regenerate (after a change of the analysis that moves a number, the test says so):

    snakemake --cores 2 --configfile {args.configfile}
    python scripts/save_reference.py --configfile {args.configfile} \\
        --wall-s SECONDS --started UTC-TIME
"""
    (ROOT / "results" / "reference" / "README.md").write_text(text)
    print(f"{dest_root}: {size / 1e6:.1f} MB; {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
