# Parse-time setup only: validate the config, expand the run table, path helpers.

from snakemake.utils import validate

import mblbath.config as mc
from mblbath.jobs.slurm import tebd_resources
from mblbath.jobs.partial import existing, in_partial_pass


validate(config, "../schemas/config.schema.yaml")
try:
    # Same schema again through mblbath (nested defaults, cross-field checks, NaN).
    config.update(mc.validate_config(config))
except mc.ConfigError as exc:
    raise ValueError(f"invalid config: {exc}") from None

SIZES = config["sweep"]["L"]
U_VALUES = [mc.fmt_float(u) for u in config["sweep"]["U"]]
SEEDS = list(range(config["sweep"]["n_seeds"]))
FIGURES = ["fig1", "fig2", "fig3", "fig4", "criterion"]
VALIDATE_L = min(SIZES)
VALIDATE = (
    config["validation"]["n_seeds"] > 0 and VALIDATE_L <= config["validation"]["max_L"]
)
# Partial pass after failed runs (mblbath.jobs.partial, workflow/rules/partial.smk): inputs
# list only the runs that exist; sizes without any run are left out.
PARTIAL = in_partial_pass()


wildcard_constraints:
    L=r"[0-9]+",
    U=mc.FLOAT_RE,
    seed=r"[0-9]+",
    T=mc.FLOAT_RE,
    numerics=r"chi[0-9]+_dt[^/_]+_o[124]_svd[^/_]+_T[^/_]+",


def wanted(paths):
    """Input run files: all of them, or in the partial pass only those that exist."""
    return existing(paths) if PARTIAL else list(paths)


def tebd_runs(L):
    """TEBD run files of size L that the aggregate reads."""
    return wanted(run_path("runs", L, U, s) for U in U_VALUES for s in SEEDS)


def validation_pairs(L):
    """(tebd, exact) run file pairs that the validation compares."""
    pairs = [(run_path("runs", L, U, s), run_path("exact", L, U, s)) for U in U_VALUES for s in validation_seeds()]
    return [(t, e) for t, e in pairs if not PARTIAL or existing([t, e]) == [t, e]]


def all_run_files():
    """Every TEBD run and exact reference the config asks for."""
    runs = [run_path("runs", L, U, s) for L in SIZES for U in U_VALUES for s in SEEDS]
    if VALIDATE:
        runs += [run_path("exact", VALIDATE_L, U, s) for U in U_VALUES for s in validation_seeds()]
    return runs


def numerics(L):
    """Folder name of the numerical settings used at size L."""
    return mc.numerics_for(config, L)


#: Configs whose TEBD runs are jobs of the tebd rule (the config, and those that optional
#: branches add: long_times_common.smk adds the long-time branch's).
TEBD_CONFIGS = [config]
#: Inputs of the report from optional branches, by kind (long_times_common.smk fills it).
BRANCH_INPUTS = {}


def run_flags(wildcards):
    """Flags of a TEBD run; its {numerics} must be that of a config of TEBD_CONFIGS at that L."""
    for cfg in TEBD_CONFIGS:
        if wildcards.numerics == mc.numerics_for(cfg, wildcards.L):
            return mc.rule_flags(cfg, "tebd", wildcards.L)
    raise ValueError(
        f"{wildcards.numerics} is not the config's numerics for L={wildcards.L} ({numerics(wildcards.L)})"
    )


def exact_flags(wildcards):
    """Flags of an exact reference (model and time grid only); its {T} must be the config's t_max."""
    T = mc.fmt_float(config["numerics"]["t_max"])
    if wildcards.T != T:
        raise ValueError(f"T{wildcards.T} is not the config's t_max ({T})")
    return mc.rule_flags(config, "exact", wildcards.L)


def run_path(kind, L, U, seed):
    """Path of a TEBD run ("runs") or of an exact reference ("exact")."""
    if kind == "runs":
        return f"results/runs/{numerics(L)}/L{L}/U{U}/seed{seed}.nc"
    return f"results/exact/T{mc.fmt_float(config['numerics']['t_max'])}/L{L}/U{U}/seed{seed}.nc"


def agg_path(L):
    return f"results/aggregate/{numerics(L)}/L{L}.nc"


def fit_path(L, quantity):
    return f"results/fits/{numerics(L)}/L{L}/{quantity}.nc"


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
    }
    out["validation"] = [f"results/validation/{numerics(VALIDATE_L)}/L{VALIDATE_L}.nc"] if VALIDATE else []
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
