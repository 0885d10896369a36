# Parse-time setup only: validate the config, expand the run table, path helpers.
import json

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
    n = config["numerics"]
    return mc.numerics_name(mc.chi_max_for(config, int(L)), n["dt"], n["order"], n["svd_min"], n["t_max"])


def run_flags(wildcards):
    """Flags of a TEBD run; its {numerics} must be the config's for that L."""
    if wildcards.numerics != numerics(wildcards.L):
        raise ValueError(
            f"{wildcards.numerics} is not the config's numerics for L={wildcards.L} ({numerics(wildcards.L)})"
        )
    return model_flags(wildcards.L)


def model_flags(L):
    """Every model/numerical parameter of a run at size L as CLI flags (params: reruns on change)."""
    m, n = config["model"], config["numerics"]
    flags = {
        "W": m["W"],
        "td": m["td"],
        "tc": m["tc"],
        "d-residue": m["d_residue"],
        "master-seed": config["master_seed"],
        "chi-max": mc.chi_max_for(config, int(L)),
        "dt": n["dt"],
        "order": n["order"],
        "svd-min": n["svd_min"],
        "t-max": n["t_max"],
        "t-first": n["t_first"],
        "n-per-decade": n["n_per_decade"],
        "trunc-err-max": n["trunc_err_max"],
    }
    if m["c_site"] is not None:
        flags["c-site"] = m["c_site"]
    if n["cdd_every"] != 1:  # only when set: existing runs keep their params (no rerun)
        flags["cdd-every"] = n["cdd_every"]
    return " ".join(f"--{k} {v}" for k, v in flags.items())


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


def settings_json(*sections):
    """The named config sections as JSON: the science parameters a fit/figure depends on."""
    return json.dumps({s: config[s] for s in sections}, sort_keys=True)


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
    return out


def input_flags(inputs):
    """``--input kind=a.nc,b.nc`` flags for mblbath figure/report."""
    return " ".join(f"--input {k}={','.join(v)}" for k, v in inputs.items() if v)


if PARTIAL:
    SIZES = [L for L in SIZES if tebd_runs(L)]
    VALIDATE = VALIDATE and VALIDATE_L in SIZES and bool(validation_pairs(VALIDATE_L))
if VALIDATE:
    FIGURES.append("validation")
