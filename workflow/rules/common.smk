# Parse-time setup only: validate the config, expand the run table, path helpers, and the
# checks that make the DAG truthful (damaged results moved aside, code fingerprints).

import shlex
from pathlib import Path

from snakemake.logging import logger
from snakemake_interface_executor_plugins.settings import ExecMode
from snakemake.utils import validate

import mblbath.config as mc
from mblbath.jobs.capacity import Profile, capacity_warnings
from mblbath.jobs.damaged import check_results
from mblbath.jobs.fingerprint import code_fingerprint
from mblbath.jobs.slurm import tebd_resources
from mblbath.jobs.partial import existing, in_partial_pass

try:
    # mblbath's validation first: one line naming the key (Snakemake's names it too, but
    # after a dump of the whole schema); integer keys of chi_max_per_L become strings.
    config.update(mc.validate_config(config))
except mc.ConfigError as exc:
    files = " over ".join(str(f) for f in workflow.configfiles) or "the config"
    raise ValueError(f"invalid config ({files}): {exc}") from None
validate(config, "../schemas/config.schema.yaml")

# Every job runs `python -m mblbath` with this repository's src/ first on PYTHONPATH, so that
# a conda env (third-party packages only, envs/*.yaml) and a venv with mblbath installed run
# the same, current code, wherever Snakemake puts the env. The prefix of every shell command
# sets it, because Snakemake removes PYTHONPATH from the environment of conda jobs; it keeps
# Snakemake's strict mode, which a prefix replaces.
_SRC = shlex.quote(str(Path(workflow.basedir, "src"))).replace("{", "{{").replace("}", "}}")
shell.prefix(f"set -euo pipefail; export PYTHONPATH={_SRC}" + "${{PYTHONPATH:+:$PYTHONPATH}}; ")

SIZES = config["sweep"]["L"]
U_VALUES = [mc.fmt_float(u) for u in config["sweep"]["U"]]
SEEDS = list(range(config["sweep"]["n_seeds"]))
FIGURES = ["fig1", "fig2", "fig3", "fig4", "criterion"]
VALIDATE_L = min(SIZES)
VALIDATE = config["validation"]["n_seeds"] > 0 and VALIDATE_L <= config["validation"]["max_L"]
MODEL = mc.model_for(config)
# Partial pass after failed runs (mblbath.jobs.partial, workflow/rules/partial.smk): inputs
# list only the runs that exist; sizes without any run are left out.
PARTIAL = in_partial_pass()


wildcard_constraints:
    L=r"[0-9]+",
    U=mc.FLOAT_RE,
    seed=r"[0-9]+",
    T=mc.FLOAT_RE,
    numerics=r"chi[0-9]+_dt[^/_]+_o(?:[124]|4_opt)_svd[^/_]+_T[^/_]+",
    model=mc.model_regex(),


def code(command):
    """Fingerprint of the package code `mblbath <command>` runs (mblbath.jobs.fingerprint):
    a rule's `params: code=...`, so that a change to that code reruns the rule's jobs."""
    return code_fingerprint(command)


def wanted(paths):
    """Input run files: all of them, or in the partial pass only those that exist."""
    return existing(paths) if PARTIAL else list(paths)


def tebd_runs(L):
    """TEBD run files of size L that the aggregate reads."""
    return wanted(run_path("runs", L, U, s) for U in U_VALUES for s in SEEDS)


def validation_pairs(L):
    """(tebd, exact) run file pairs that the validation compares."""
    pairs = [
        (run_path("runs", L, U, s), run_path("exact", L, U, s))
        for U in U_VALUES
        for s in validation_seeds()
    ]
    return [(t, e) for t, e in pairs if not PARTIAL or existing([t, e]) == [t, e]]


def all_run_files():
    """Every TEBD run and exact reference the config asks for."""
    runs = [run_path("runs", L, U, s) for L in SIZES for U in U_VALUES for s in SEEDS]
    if VALIDATE:
        runs += [run_path("exact", VALIDATE_L, U, s) for U in U_VALUES for s in validation_seeds()]
    return runs


def all_results():
    """Every file the config's DAG makes, by kind: the default target asks for all of them,
    so a missing file is rebuilt (with what depends on it) even if later files exist."""
    out = {
        "disorder": [f"results/disorder/{MODEL}/L{L}/seed{s}.nc" for L in SIZES for s in SEEDS],
        "disorder_sets": [f"results/disorder/{MODEL}/L{L}.nc" for L in SIZES],
        "runs": wanted(all_run_files()),
    }
    inputs = figure_inputs()
    out.update(
        (k, inputs[k])
        for k in ("agg", "nc_fit", "lc_fit", "ld_fit", "ent_fit", "criterion", "validation")
    )
    out["figures"] = [f"results/figures/{name}.{ext}" for name in FIGURES for ext in ("pdf", "png")]
    out["claims"] = [
        f"results/report/{name}" for name in ("claims.md", "claims.html", "summary.html")
    ]
    return {k: v for k, v in out.items() if v}


def numerics(L):
    """Folder name of the numerical settings used at size L."""
    return mc.numerics_for(config, L)


def check_model(wildcards):
    """The {model} of a job; it must be the config's (a target path of other parameters
    would otherwise be computed with this config's)."""
    if wildcards.model != MODEL:
        raise ValueError(f"{wildcards.model} is not the config's model folder ({MODEL})")
    return wildcards.model


#: Configs whose TEBD runs are jobs of the tebd rule (the config, and those that optional
#: branches add: long_times_common.smk adds the long-time branch's).
TEBD_CONFIGS = [config]
#: Inputs of the report from optional branches, by kind (long_times_common.smk fills it).
BRANCH_INPUTS = {}


def run_flags(wildcards):
    """Flags of a TEBD run; its {model} must be the config's and its {numerics} that of a
    config of TEBD_CONFIGS at that L."""
    check_model(wildcards)
    for cfg in TEBD_CONFIGS:
        if wildcards.numerics == mc.numerics_for(cfg, wildcards.L):
            return mc.rule_flags(cfg, "tebd", wildcards.L)
    raise ValueError(
        f"{wildcards.numerics} is not the config's numerics for L={wildcards.L} ({numerics(wildcards.L)})"
    )


def exact_flags(wildcards):
    """Flags of an exact reference (model and time grid only); its {T} must be the config's t_max."""
    check_model(wildcards)
    T = mc.fmt_float(config["numerics"]["t_max"])
    if wildcards.T != T:
        raise ValueError(f"T{wildcards.T} is not the config's t_max ({T})")
    return mc.rule_flags(config, "exact", wildcards.L)


def run_path(kind, L, U, seed):
    """Path of a TEBD run ("runs") or of an exact reference ("exact")."""
    if kind == "runs":
        return f"results/runs/{MODEL}/{numerics(L)}/L{L}/U{U}/seed{seed}.nc"
    return f"results/exact/{MODEL}/T{mc.fmt_float(config['numerics']['t_max'])}/L{L}/U{U}/seed{seed}.nc"


def agg_path(L):
    return f"results/aggregate/{MODEL}/{numerics(L)}/L{L}.nc"


def fit_path(L, quantity):
    return f"results/fits/{MODEL}/{numerics(L)}/L{L}/{quantity}.nc"


def validation_seeds():
    return SEEDS[: config["validation"]["n_seeds"]]


def settings_json(rule):
    """The config keys a fit/figure/report rule uses, as JSON (x-used-by in the schema)."""
    return mc.rule_settings(config, rule)


def figure_inputs():
    """Every file a figure or the report may read, by kind (mblbath.figures's keys)."""
    out = {
        "agg": [agg_path(L) for L in SIZES],
        "nc_fit": [fit_path(L, "nc_profile") for L in SIZES],
        "lc_fit": [fit_path(L, "xi_c") for L in SIZES],
        "ld_fit": [fit_path(L, "ell_d") for L in SIZES],
        "ent_fit": [fit_path(L, "entanglement") for L in SIZES],
        "criterion": ["results/fits/criterion.nc"],
        "choices": ["results/fits/choices.nc"],
    }
    out["validation"] = (
        [f"results/validation/{MODEL}/{numerics(VALIDATE_L)}/L{VALIDATE_L}.nc"] if VALIDATE else []
    )
    out.update(BRANCH_INPUTS)
    return out


def input_flags(inputs):
    """``--input kind=a.nc,b.nc`` flags for mblbath figure/report."""
    return " ".join(f"--input {k}={','.join(v)}" for k, v in inputs.items() if v)


if PARTIAL:
    SIZES = [L for L in SIZES if tebd_runs(L)]
    VALIDATE = VALIDATE and VALIDATE_L in SIZES and bool(validation_pairs(VALIDATE_L))
if VALIDATE:
    FIGURES.append("validation")

# Damaged results (truncated, unreadable, changed since written) are moved to
# results/damaged/ before Snakemake plans, so that they are recomputed (mblbath.jobs.damaged).
# A dry run moves them too (moved, never deleted), so that its plan is the real one. Only the
# main Snakemake process checks: a job's own Snakemake (e.g. on a SLURM node, parsing this
# file again) must not touch other jobs' outputs, which may be being written.
if workflow.exec_mode == ExecMode.DEFAULT:
    check_results((p for paths in all_results().values() for p in paths), say=logger.warning)
if not PARTIAL:
    _profile = Profile(
        "local" if workflow.resource_settings.nodes is None else "cluster",
        cluster=workflow.resource_settings.nodes is not None,
        cores=workflow.resource_settings.cores or 1,
    )
    for _warning in capacity_warnings(config, _profile):
        logger.warning(_warning)
